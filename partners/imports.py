"""CSV import and export of partners and users (django-import-export). Rows are written
through the services, so imports obey the same rules and scope as the API; an import is
all or nothing: any row error rolls every row back."""

from __future__ import annotations

from dataclasses import dataclass

import tablib
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from import_export import fields, resources, widgets

from partners import scope, services
from partners.models import PARTNER_FIELDS, MembershipRole, OrgUnit, Partner, Tier
from prm.exports import csv_text
from prm.users.models import PARTNER_ROLES, User


class Named(widgets.ForeignKeyWidget):
    """A foreign key given by name; an unknown name is a clear error on its field."""

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except ObjectDoesNotExist:
            label = self.model._meta.verbose_name
            raise ValueError(f"There is no {label} {value!r}.") from None


class _ServiceResource(resources.ModelResource):
    """Saves through a service with the importing user as actor. A row's problems are
    listed all at once in the preview: the values that could not be read (an unknown
    territory), the values the model refuses (a partner type that does not exist) and the
    resource's own row checks (``row_errors``); the service's rules come after (tree fields
    are not the file's business)."""

    def __init__(self, actor: User) -> None:
        super().__init__()
        self.actor = actor

    def import_instance(self, instance, row, **kwargs):
        errors: dict[str, list] = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        given = {f.attribute for f in self.get_import_fields() if f.column_name in row}
        checked = [
            f
            for f in instance._meta.concrete_fields
            if f.name in given and f.name not in errors and not f.is_relation
        ]
        try:
            instance.clean_fields(
                exclude=[f.name for f in instance._meta.concrete_fields if f not in checked]
            )
        except ValidationError as exc:
            errors = _choice_errors_named(instance, exc).update_error_dict(errors)
        for field, messages in self.row_errors(instance, row).items():
            errors.setdefault(field, []).extend(messages)
        if errors:
            raise ValidationError(errors)

    def row_errors(self, instance, row) -> dict[str, list[str]]:
        """Checks of a row beyond its fields' own (a resource adds its own)."""
        return {}

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        if import_validation_errors:
            raise ValidationError(import_validation_errors)


def _choice_errors_named(instance, error: ValidationError) -> ValidationError:
    """Django says "Value 'x' is not a valid choice."; say which values the column takes."""
    named: dict[str, list] = {}
    for name, errors in error.error_dict.items():
        field = instance._meta.get_field(name)
        named[name] = [
            ValidationError(
                f"{getattr(instance, name)!r} is not a valid {field.verbose_name}. Use one of: "
                + ", ".join(str(value) for value, _ in field.choices)
                + "."
            )
            if e.code == "invalid_choice" and field.choices
            else e
            for e in errors
        ]
    return ValidationError(named)


class PartnerResource(_ServiceResource):
    tier = fields.Field("tier", "tier", Named(Tier, "name"))
    territory = fields.Field("territory", "territory", Named(OrgUnit, "name"))
    channel_manager = fields.Field("channel_manager", "channel_manager", Named(User, "email"))

    class Meta:
        model = Partner
        fields = ("id", "status", *PARTNER_FIELDS)
        import_id_fields = ("display_name",)
        skip_unchanged = True

    def get_queryset(self):
        return scope.partners_visible_to(self.actor).order_by("path")

    def save_instance(self, instance, is_create, row, **kwargs):
        data = {name: getattr(instance, name) for name in PARTNER_FIELDS}
        if is_create:
            created = services._partner_create(actor=self.actor, fields=data)
            instance.pk = created.pk
        else:
            if "status" in row and row["status"] and row["status"] != instance.status:
                raise ValidationError({"status": ["Status changes are not imported."]})
            services._partner_update(actor=self.actor, partner=instance, fields=data)


class UserResource(_ServiceResource):
    partner = fields.Field(
        "partner_membership__partner",
        "partner",
        widgets.ForeignKeyWidget(Partner, "display_name"),
        readonly=True,
    )

    class Meta:
        model = User
        fields = ("id", "email", "full_name", "role", "is_active", "partner")
        import_id_fields = ("email",)
        skip_unchanged = True

    def get_queryset(self):
        return scope.users_visible_to(self.actor)

    def row_errors(self, instance, row) -> dict[str, list[str]]:
        """A new user's partner (by display name, in the importer's scope) and role in it."""
        if instance.pk is not None:
            return {}
        errors: dict[str, list[str]] = {}
        instance.import_partner = None
        if name := (row.get("partner") or "").strip():
            partners = scope.partners_visible_to(self.actor).filter(display_name=name)
            instance.import_partner = partners.first()
            if instance.import_partner is None:
                errors["partner"] = [f"No partner named {name!r} in your scope."]
        elif instance.role in PARTNER_ROLES:
            errors["partner"] = ["Partner-side users need a partner."]
        membership_role = (row.get("membership_role") or "member").strip()
        if membership_role not in MembershipRole.values:
            errors["membership_role"] = [
                f"{membership_role!r} is not a role in the unit. Use one of: "
                + ", ".join(MembershipRole.values)
                + "."
            ]
        return errors

    def save_instance(self, instance, is_create, row, **kwargs):
        if not is_create:
            services._user_update(
                actor=self.actor,
                user=instance,
                fields={"full_name": instance.full_name, "role": instance.role},
            )
            return
        created = services._user_provision(
            actor=self.actor,
            email=instance.email,
            role=instance.role,
            full_name=instance.full_name,
            partner=instance.import_partner,
            membership_role=(row.get("membership_role") or "member").strip(),
        )
        instance.pk = created.pk


RESOURCES = {"partners": PartnerResource, "users": UserResource}


@dataclass
class RowError:
    line: int  # line in the file (the header is line 1)
    field: str
    message: str


@dataclass
class ImportReport:
    new: int
    updated: int
    unchanged: int
    errors: list[RowError]

    @property
    def ok(self) -> bool:
        return not self.errors


def csv_import(kind: str, text: str, *, actor: User, commit: bool) -> ImportReport:
    """Import ``text`` (CSV with a header) as partners or users. With ``commit`` False it is
    a preview; with True the rows are written only if every row is valid."""
    try:
        dataset = tablib.Dataset().load(text, format="csv")
    except Exception as exc:  # tablib raises several kinds for a bad CSV
        return ImportReport(0, 0, 0, [RowError(1, "", f"Not a readable CSV file: {exc}")])
    resource = RESOURCES[kind](actor)
    with transaction.atomic():
        result = resource.import_data(dataset, dry_run=True, raise_errors=False)
        report = _report(result)
        if commit and report.ok:
            result = resource.import_data(dataset, dry_run=False, raise_errors=False)
            report = _report(result)
            if not report.ok:
                transaction.set_rollback(True)
    return report


def _report(result) -> ImportReport:
    errors = [RowError(1, "", str(error.error)) for error in result.base_errors]
    for number, row in enumerate(result.rows, start=2):
        if row.validation_error is not None:
            for field, messages in row.validation_error.message_dict.items():
                errors += [RowError(number, field, m) for m in messages]
        for error in row.errors:
            message = (
                str(error.error)
                if isinstance(error.error, ValidationError | PermissionDenied)
                else "This row could not be imported."
            )
            errors.append(RowError(number, "", message))
    totals = result.totals
    return ImportReport(totals["new"], totals["update"], totals["skip"], errors)


def csv_export(kind: str, *, actor: User) -> str:
    resource = RESOURCES[kind](actor)
    return csv_text(resource.export())
