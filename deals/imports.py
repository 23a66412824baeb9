"""CSV import of customer accounts (issue 12, point 6), on the pattern of partners.imports:
a django-import-export resource that saves every row through ``_account_create`` (so the
name is normalised, free e-mail domains are refused and a domain belongs to one account),
a preview before anything is written, and all rows or none.

Beside each row's errors the preview lists the existing accounts the lookup
(``selectors.account_lookup``) finds for it: a possible duplicate is a warning; the same
domain as an existing account is an error (the domain is taken)."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field

import tablib
from django.core.exceptions import ValidationError
from django.db import transaction
from django_countries import countries
from import_export import fields, widgets

from deals import scope, selectors
from deals.models import CustomerAccount
from deals.services.accounts import _account_create, _clean_domains
from deals.tasks import common_name_keys_refresh as common_name_keys_refresh_task
from partners.imports import ImportReport, RowError, _report, _ServiceResource
from partners.scope import users_visible_to
from prm.errors import Conflict, Invalid
from prm.tasks import enqueue_on_commit
from prm.users.models import VENDOR_ROLES, User

# The columns, as the account list's CSV writes them (deals.views.vendor.CSV_HEADERS), so
# an export imports again; other columns of the export (who reserved it, until when) are
# not the file's business and are ignored.
NAME, DOMAINS, COUNTRY, REGION, PARENT, VENDOR_OWNED, OWNER, CRM_ID = (
    "Name",
    "Domains",
    "Country",
    "Region",
    "Parent company",
    "Vendor-owned",
    "Account owner",
    "CRM id",
)
COLUMNS = (NAME, DOMAINS, COUNTRY, REGION, PARENT, VENDOR_OWNED, OWNER, CRM_ID)
# Other spellings of the headers people write (compared in lower case, without spaces,
# hyphens and underscores).
ALIASES = {
    "account": NAME,
    "company": NAME,
    "domain": DOMAINS,
    "parent": PARENT,
    "parentaccount": PARENT,
    "vendorowner": OWNER,
    "owner": OWNER,
    "externalcrmid": CRM_ID,
    "crm": CRM_ID,
}
# Where an error stands: the column of each attribute the resource or the service names.
COLUMN_OF = {
    "name": NAME,
    "import_domains": DOMAINS,
    "domains": DOMAINS,
    "country": COUNTRY,
    "region": REGION,
    "import_parent": PARENT,
    "vendor_owned": VENDOR_OWNED,
    "vendor_owner": OWNER,
    "external_crm_id": CRM_ID,
}

EXAMPLE_ROWS = [
    ["Umbrella Group", "umbrella.com umbrella.org", "France", "", "", "no", "", "CRM-1001"],
    ["Umbrella Berlin", "umbrella.de", "DE", "Berlin", "Umbrella Group", "no", "", ""],
    ["Initech", "initech.com", "US", "Texas", "", "yes", "owner@vendor.example", "CRM-1002"],
]


def _key(header: str) -> str:
    return re.sub(r"[\s_\-]+", "", (header or "").lower())


CANONICAL = {_key(c): c for c in COLUMNS} | ALIASES


def _text(value) -> str:
    return "" if value is None else str(value).strip()


class CountryWidget(widgets.Widget):
    """A country by its English name (Germany) or its ISO code (DE, DEU)."""

    def clean(self, value, row=None, **kwargs):
        value = _text(value)
        if not value:
            return ""
        code = countries.alpha2(value) or countries.by_name(value)
        if not code:
            raise ValueError(
                f"{value!r} is not a country: write its name (Germany) or its two-letter code (DE)."
            )
        return code


class YesNoWidget(widgets.Widget):
    YES = {"yes", "y", "true", "1", "x"}
    NO = {"no", "n", "false", "0", ""}

    def clean(self, value, row=None, **kwargs):
        value = _text(value).lower()
        if value in self.YES:
            return True
        if value in self.NO:
            return False
        raise ValueError(f"Write yes or no, not {value!r}.")


class DomainsWidget(widgets.Widget):
    """Several domains, web addresses or e-mail addresses, separated by spaces, commas or
    semicolons: their registrable domains, by the service's own rules."""

    def clean(self, value, row=None, **kwargs):
        values = [v for v in re.split(r"[\s,;]+", _text(value)) if v]
        try:
            return _clean_domains(values)
        except Invalid as exc:
            raise ValueError(" ".join(exc.messages)) from None


class VendorUserWidget(widgets.Widget):
    """The account owner: an active member of the vendor's staff in the importer's scope,
    by e-mail."""

    def __init__(self, actor: User | None = None) -> None:
        super().__init__()
        self.actor = actor

    def clean(self, value, row=None, **kwargs):
        email = _text(value)
        if not email or self.actor is None:
            return None
        staff = users_visible_to(self.actor).filter(role__in=VENDOR_ROLES, is_active=True)
        owner = staff.filter(email__iexact=email).first()
        if owner is None:
            raise ValueError(f"No one on the vendor's staff has the e-mail {email}.")
        return owner


@dataclass
class RowMatch:
    """An existing account the lookup finds for a row of the file."""

    account_id: int
    account_name: str
    verdict: str  # selectors.MATCH or selectors.POSSIBLE
    reasons: list[str]
    taken: list[str] = field(default_factory=list)  # its domains the row names: an error

    @property
    def domain_taken(self) -> bool:
        return bool(self.taken)

    @property
    def other_reasons(self) -> list[str]:
        return [r for r in self.reasons if not r.startswith("same domain ")]


@dataclass
class RowPreview:
    line: int
    name: str
    domains: str
    errors: list[RowError] = field(default_factory=list)
    matches: list[RowMatch] = field(default_factory=list)

    @property
    def other_errors(self) -> list[RowError]:
        """The errors the matches do not already say (a domain taken by an account)."""
        taken = {_taken_message(d, m.account_name) for m in self.matches for d in m.taken}
        return [e for e in self.errors if e.message not in taken]


@dataclass
class AccountImportReport(ImportReport):
    rows: list[RowPreview] = field(default_factory=list)  # the rows with something to say

    @property
    def warnings(self) -> int:
        return sum(1 for r in self.rows if r.matches and not r.errors)


class AccountResource(_ServiceResource):
    name = fields.Field("name", NAME)
    import_domains = fields.Field("import_domains", DOMAINS, DomainsWidget())
    country = fields.Field("country", COUNTRY, CountryWidget())
    region = fields.Field("region", REGION)
    import_parent = fields.Field("import_parent", PARENT)
    vendor_owned = fields.Field("vendor_owned", VENDOR_OWNED, YesNoWidget())
    vendor_owner = fields.Field("vendor_owner", OWNER, VendorUserWidget())
    external_crm_id = fields.Field("external_crm_id", CRM_ID)

    class Meta:
        model = CustomerAccount
        fields = (
            "name",
            "import_domains",
            "country",
            "region",
            "import_parent",
            "vendor_owned",
            "vendor_owner",
            "external_crm_id",
        )
        force_init_instance = True  # every row is a new account
        skip_diff = True

    def __init__(self, actor: User) -> None:
        super().__init__(actor)
        # The lookup runs for the preview; writing after it, the service alone refuses a
        # domain taken in the meantime (half the work for a long file).
        self.find_matches = True
        self.fields["vendor_owner"].widget = VendorUserWidget(actor)

    def before_import(self, dataset, **kwargs):
        self.created: dict[int, int] = {}  # account id -> line of the file
        self.domain_lines: dict[str, int] = {}  # domain -> first line naming it
        self.previews: dict[int, RowPreview] = {}

    def init_instance(self, row=None):
        instance = super().init_instance(row)
        instance.import_domains = []
        instance.import_parent = ""
        instance.import_parent_account = None
        return instance

    def import_instance(self, instance, row, **kwargs):
        self.line = kwargs.get("row_number", 0) + 1  # the header is line 1
        self.previews[self.line] = RowPreview(
            self.line, _text(row.get(NAME)), _text(row.get(DOMAINS))
        )
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            raise _name_error_worded(exc) from None

    def row_errors(self, instance, row) -> dict[str, list[str]]:
        """Duplicate domains (in the file or with an existing account), the parent, and
        the lookup's matches of the row (kept for the preview)."""
        errors: dict[str, list[str]] = {}
        domains: list[str] = getattr(instance, "import_domains", None) or []
        for domain in domains:
            first = self.domain_lines.setdefault(domain, self.line)
            if first != self.line:
                errors.setdefault("import_domains", []).append(
                    f"{domain} is also on line {first} of the file: a domain belongs to one "
                    "account."
                )
        matches = self._matches(instance, domains) if self.find_matches else []
        self.previews[self.line].matches = matches
        for match in matches:
            for domain in match.taken:
                errors.setdefault("import_domains", []).append(
                    _taken_message(domain, match.account_name)
                )
        parent = _text(getattr(instance, "import_parent", ""))
        if parent:
            found = self._parent(parent)
            if isinstance(found, str):
                errors["import_parent"] = [found]
            else:
                instance.import_parent_account = found
        return errors

    def _matches(self, instance, domains: list[str]) -> list[RowMatch]:
        """The lookup's answers for the row's name (in its country) and each domain, the
        accounts made by earlier rows of this file left out."""
        queries: list[dict[str, str]] = []
        if _text(instance.name):
            queries.append({"q": instance.name, "country": str(instance.country or "")})
        queries += [{"domain": d} for d in domains]
        found: dict[int, RowMatch] = {}
        for query in queries:
            for candidate in selectors.account_lookup(self.actor, **query).matches:
                account = candidate.account
                if account.pk in self.created:
                    continue
                known = found.setdefault(
                    account.pk, RowMatch(account.pk, account.name, candidate.verdict, [])
                )
                known.reasons += [r for r in candidate.reasons if r not in known.reasons]
                if candidate.verdict == selectors.MATCH:
                    known.verdict = selectors.MATCH
                    if "domain" in query:
                        known.taken.append(query["domain"])
        return sorted(found.values(), key=lambda m: (m.verdict != selectors.MATCH, m.account_name))

    def _parent(self, value: str) -> CustomerAccount | str:
        """The parent by CRM id or by name: an account made by an earlier row of the
        file, else an existing one; a sentence when there is none or more than one."""
        visible = scope.accounts_editable_by(self.actor)
        by_crm = visible.filter(external_crm_id=value).first()
        if by_crm is not None:
            return by_crm
        named = visible.filter(name__iexact=value)
        from_file = list(named.filter(pk__in=list(self.created))[:2])
        existing = list(named.exclude(pk__in=list(self.created))[:2])
        candidates = from_file or existing  # the file's own first
        if len(candidates) == 1:
            return candidates[0]
        if candidates:
            return f"Several accounts are named {value}: give the parent's CRM id instead."
        return (
            f"There is no account {value}: the parent company is an existing account, or a "
            "row earlier in the file."
        )

    def save_instance(self, instance, is_create, row, **kwargs):
        try:
            with transaction.atomic():  # a refused row leaves nothing behind
                created = _account_create(
                    actor=self.actor,
                    name=instance.name,
                    country=str(instance.country or ""),
                    region=instance.region,
                    parent=instance.import_parent_account,
                    domains=instance.import_domains,
                    vendor_owned=instance.vendor_owned,
                    vendor_owner=instance.vendor_owner,
                    external_crm_id=instance.external_crm_id,
                )
        except Conflict as exc:
            column = "external_crm_id" if exc.error_code == "crm_id_taken" else "import_domains"
            raise ValidationError({column: [exc.detail]}) from None
        instance.pk = created.pk
        self.created[created.pk] = self.line


def _taken_message(domain: str, account_name: str) -> str:
    return f"{domain} already belongs to {account_name}."


def _name_error_worded(error: ValidationError) -> ValidationError:
    """A blank name in the service's words rather than the model field's."""
    if not hasattr(error, "error_dict") or "name" not in error.error_dict:
        return error
    named = dict(error.error_dict)
    named["name"] = [
        ValidationError("Enter the customer's company name.") if e.code == "blank" else e
        for e in named["name"]
    ]
    return ValidationError(named)


def _dataset(text: str) -> tablib.Dataset:
    """The file with its headers in the resource's words (other spellings accepted)."""
    first = text.lstrip("\ufeff").partition("\n")[0]
    try:  # a spreadsheet set to another language writes semicolons
        delimiter = csv.Sniffer().sniff(first, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    dataset = tablib.Dataset().load(text, format="csv", delimiter=delimiter)
    dataset.headers = [CANONICAL.get(_key(h), _text(h)) for h in dataset.headers or []]
    return dataset


def csv_import(text: str, *, actor: User, commit: bool) -> AccountImportReport:
    """Import ``text`` (CSV with a header) as new customer accounts. With ``commit`` False
    it is a preview; with True the rows are written only if every row is valid (one
    transaction: any error rolls every row back). Called by deals.views.imports."""
    try:
        dataset = _dataset(text)
    except Exception as exc:  # tablib raises several kinds for a bad CSV
        return AccountImportReport(0, 0, 0, [RowError(1, "", f"Not a readable CSV file: {exc}")])
    if NAME not in (dataset.headers or []):
        message = "The file has no Name column: the first line names the columns."
        return AccountImportReport(0, 0, 0, [RowError(1, "", message)])
    resource = AccountResource(actor)
    with transaction.atomic():
        result = resource.import_data(dataset, dry_run=True, raise_errors=False)
        report = _account_report(resource, result)
        if commit and report.ok:
            resource.find_matches = False
            result = resource.import_data(dataset, dry_run=False, raise_errors=False)
            report = _account_report(resource, result)
            if not report.ok:
                transaction.set_rollback(True)
            else:  # many new names: the lookup's common keys are recounted
                enqueue_on_commit(common_name_keys_refresh_task)
    return report


def _account_report(resource: AccountResource, result) -> AccountImportReport:
    base = _report(result)
    errors = [RowError(e.line, COLUMN_OF.get(e.field, e.field), e.message) for e in base.errors]
    previews = resource.previews
    for error in errors:
        if error.line in previews:
            previews[error.line].errors.append(error)
    rows = [p for _, p in sorted(previews.items()) if p.errors or p.matches]
    return AccountImportReport(base.new, base.updated, base.unchanged, errors, rows)


def example_csv() -> str:
    data = tablib.Dataset(*EXAMPLE_ROWS, headers=list(COLUMNS))
    return data.csv
