"""Large account books for benchmarks (``seed_scale --tenant T --accounts N``): N customer
accounts with realistic names (a generated word, a trade and a legal form of the account's
country), a web domain each, about 1 in 12 vendor-owned, and about 3 in 100 near-duplicates
(an earlier account's company again, in capitals or with another legal form, without a
domain). Rows go in with COPY; names are normalised as the services do (deals.normalise).

And deal registrations (``seed_scale --tenant T --deals N``, ``add_deals``): N deals with
their product lines on the tenant's accounts, partners and products, by COPY."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal

from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from deals.models import (
    AccountDomain,
    CustomerAccount,
    Deal,
    DealLine,
    DealPolicy,
    DealStatus,
    Product,
    ProductLine,
    RejectionReason,
)
from deals.namekeys import array_literal, common_name_keys_refresh
from deals.normalise import name_keys, normalise_name
from partners.models import PartnerMembership
from prm.tenancy.context import current_tenant
from prm.users.models import PARTNER_ROLES, Role, User

S = DealStatus
CENT = Decimal("0.01")

SYLLABLES = [
    "al", "an", "ar", "bel", "bor", "cal", "cor", "dan", "del", "dor", "el", "en", "fal",
    "fen", "gal", "gor", "hal", "har", "is", "jor", "kal", "ken", "lan", "lor", "mar", "mer",
    "nor", "nov", "or", "pan", "per", "quin", "ral", "ren", "sal", "sor", "tal", "tor", "val",
    "ver", "wen", "xan", "yor", "zel",
]  # fmt: skip
TRADES = [
    "Logistics", "Health", "Foods", "Energy", "Manufacturing", "Retail", "Insurance",
    "Pharma", "Telecom", "Media", "Engineering", "Capital", "Hotels", "Motors", "Textiles",
    "Analytics", "Airlines", "Dental", "Bank", "Chemicals", "Systems", "Solutions", "Group",
    "Software", "Consulting",
]  # fmt: skip
COUNTRIES = [
    ("DE", ["GmbH", "AG"], "de"),
    ("GB", ["Ltd", "PLC"], "co.uk"),
    ("FR", ["SA", "SAS"], "fr"),
    ("US", ["Inc.", "Corp.", "LLC"], "com"),
    ("NL", ["BV"], "nl"),
    ("JP", ["KK"], "co.jp"),
    ("BR", ["Ltda"], "com.br"),
    ("IT", ["S.p.A."], "it"),
]
COLUMNS = [
    "path", "depth", "numchild", "name", "normalised_name", "name_core", "name_key",
    "name_keys", "country", "region", "vendor_owned", "external_crm_id", "created_at", "updated_at",
]  # fmt: skip


def _word(n: int) -> str:
    """The n-th generated company word (three syllables: 85,000 of them)."""
    s = len(SYLLABLES)
    return (SYLLABLES[n % s] + SYLLABLES[(n // s) % s] + SYLLABLES[(n // s // s) % s]).title()


def add_accounts(count: int, copy_rows: Callable) -> None:
    """Append ``count`` top-level accounts (and their domains) to the active tenant."""
    rng = random.Random(11)
    start = CustomerAccount.objects.filter(depth=1).count()
    last = CustomerAccount.objects.filter(depth=1).order_by("-path").values_list("path", flat=True)
    first_step = CustomerAccount._str2int(last.first()) + 1 if last.first() else 1
    now = timezone.now().isoformat()
    crm = f"SCALE-{start}-"
    domains: list[tuple[str, str]] = []  # (CRM id, domain)

    def rows() -> Iterator[tuple]:
        for i in range(count):
            n = start + i
            # an account added earlier in this run, typed again
            duplicate_of = start + rng.randrange(i) if i and rng.random() < 0.03 else None
            core_n = n if duplicate_of is None else duplicate_of
            word, trade = _word(core_n // len(TRADES)), TRADES[core_n % len(TRADES)]
            country, forms, suffix = COUNTRIES[core_n % len(COUNTRIES)]
            if duplicate_of is None:
                name = f"{word} {trade} {rng.choice(forms)}"
                domains.append((f"{crm}{i}", f"{word.lower()}-{trade.lower()}.{suffix}"))
            else:  # the same company typed again from another source
                name = f"{word} {trade}".upper() if i % 2 else f"{word} {trade} {forms[-1]}"
            normalised = normalise_name(name)
            yield (
                CustomerAccount._get_path(None, 1, first_step + i),
                1,
                0,
                name,
                normalised.normalised,
                normalised.core,
                normalised.key,
                array_literal(name_keys(normalised.normalised)),
                country,
                "",
                duplicate_of is None and n % 12 == 0,
                f"{crm}{i}",
                now,
                now,
            )

    copy_rows(CustomerAccount._meta.db_table, COLUMNS, rows(), count, "accounts")
    # Domains by their account's CRM id (COPY gives no ids back): through a staging table.
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE scale_domains (crm text, domain text) ON COMMIT DROP")
    copy_rows("scale_domains", ["crm", "domain"], iter(domains), len(domains), "domains")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {AccountDomain._meta.db_table} (account_id, domain, kind, created_at) "
            f"SELECT a.id, d.domain, 'web', now() FROM scale_domains d "
            f"JOIN {CustomerAccount._meta.db_table} a ON a.external_crm_id = d.crm "
            "ON CONFLICT DO NOTHING"
        )
    common_name_keys_refresh()


# --- deals ------------------------------------------------------------------------------

# Share of each state among scale deals (registrations of a mature program).
DEAL_MIX = [
    (DealStatus.WON, 34),
    (DealStatus.LOST, 24),
    (DealStatus.APPROVED, 10),
    (DealStatus.REJECTED, 10),
    (DealStatus.EXPIRED, 8),
    (DealStatus.WITHDRAWN, 5),
    (DealStatus.DRAFT, 3),
    (DealStatus.SUBMITTED, 2),
    (DealStatus.UNDER_REVIEW, 3),
    (DealStatus.INFO_REQUESTED, 1),
]
DEAL_COLUMNS = [
    "id", "account_id", "partner_id", "submitter_id", "name", "description", "currency",
    "amount", "expected_close_date", "campaign_code", "status", "created_at", "updated_at",
    "registered_at", "submissions", "decided_at", "decided_by_id", "rejection_reason_id",
    "decision_note", "protected_until", "extensions", "extension_refusals",
    "conflict_count", "conflict_score", "conflict_codes", "closed_on", "final_amount",
    "lost_reason",
]  # fmt: skip
LINE_COLUMNS = ["deal_id", "product_id", "quantity", "unit_price"]
DEAL_NAMES = [
    "Firewall refresh", "Network upgrade", "Endpoint rollout", "Backup modernisation",
    "Branch connectivity", "Security assessment", "Cloud migration", "Renewal and expansion",
]  # fmt: skip
LOST = ["Price", "Competitor", "Budget cut", "Project postponed", "No decision"]
SCALE_HISTORY_DAYS = 540


def add_deals(count: int, copy_rows: Callable) -> None:
    """Append ``count`` deal registrations (and their product lines) to the active tenant:
    on its existing customer accounts, by its partners' own people, with one to three lines
    of its active products at list price less a discount, registered over the last 18
    months, in every state with the fields each state carries (a tenant without a catalogue
    gets a small one first). Not through the services: no conflict check, no events, no
    history rows."""
    accounts = list(CustomerAccount.objects.filter(vendor_owned=False).values_list("pk", flat=True))
    members = list(
        PartnerMembership.objects.filter(user__role__in=PARTNER_ROLES, user__is_active=True)
        .order_by("partner_id", "user_id")
        .values_list("partner_id", "user_id")
    )
    if not Product.objects.filter(active=True).exists():
        _scale_catalogue()
    products = list(
        Product.objects.filter(active=True)
        .order_by("pk")
        .values_list("pk", "list_price", "currency")
    )
    if not accounts or not members:
        raise CommandError(
            "Deals need customer accounts and partners with people: add them first "
            "(--accounts, --partners with --users)."
        )
    deciders: list[int | None] = list(
        User.objects.filter(role__in=[Role.CHANNEL_MANAGER, Role.VENDOR_ADMIN], is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    ) or [None]
    reasons = list(RejectionReason.objects.order_by("position").values_list("pk", flat=True))
    protection = timedelta(days=DealPolicy.current().protection_days)
    rng = random.Random(13)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Deal._meta.db_table, count],
        )
        ids = [row[0] for row in cursor.fetchall()]
    statuses = [s for s, _ in DEAL_MIX]
    weights = [w for _, w in DEAL_MIX]
    lines: list[tuple] = []

    def rows() -> Iterator[tuple]:
        for deal_id in ids:
            status = rng.choices(statuses, weights)[0]
            partner_id, submitter_id = members[rng.randrange(len(members))]
            picked = rng.sample(products, min(len(products), rng.choice([1, 1, 2, 3])))
            amount = Decimal(0)
            for product_id, price, _currency in picked:
                quantity = rng.randint(1, 20)
                unit = (price * (100 - rng.choice([0, 0, 5, 10, 20])) / 100).quantize(CENT)
                lines.append((deal_id, product_id, quantity, unit))
                amount += unit * quantity
            currency = picked[0][2]
            undecided = status in (S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW, S.INFO_REQUESTED)
            if undecided:
                registered = now - timedelta(days=rng.uniform(0, 14))
            elif status == S.APPROVED:
                registered = now - protection + timedelta(days=rng.uniform(2, protection.days - 1))
            else:
                registered = now - timedelta(
                    days=rng.uniform(protection.days + 5, SCALE_HISTORY_DAYS)
                )
            created = registered - timedelta(hours=rng.uniform(1, 120))
            decided = protected = closed = final = None
            decider = reason = None
            note = lost = ""
            updated = registered
            if status in (S.APPROVED, S.WON, S.LOST, S.EXPIRED, S.REJECTED):
                decided = registered + timedelta(hours=rng.uniform(2, 72))
                decider = rng.choice(deciders)
                updated = decided
            if status in (S.APPROVED, S.WON, S.LOST, S.EXPIRED):
                assert decided is not None
                protected = decided + protection
            if status in (S.WON, S.LOST):
                assert decided is not None
                closed_at = decided + timedelta(days=rng.uniform(5, protection.days - 5))
                closed, updated = closed_at.date(), closed_at
                if status == S.WON:
                    final = (amount * rng.choice([90, 100, 100, 105]) / 100).quantize(CENT)
                else:
                    lost = rng.choice(LOST)
            elif status == S.REJECTED:
                reason = rng.choice(reasons) if reasons else None
                note = "Registered by another partner first."
            elif status == S.INFO_REQUESTED:
                note = "Who decides, and when?"
            elif status == S.EXPIRED:
                assert protected is not None
                updated = protected
            elif status == S.WITHDRAWN:
                updated = registered + timedelta(days=rng.uniform(1, 20))
            yield (
                deal_id,
                accounts[rng.randrange(len(accounts))],
                partner_id,
                submitter_id,
                f"{rng.choice(DEAL_NAMES)} {deal_id}",
                "",
                currency,
                amount,
                (registered + timedelta(days=rng.randint(30, 180))).date().isoformat(),
                "",
                status,
                created.isoformat(),
                updated.isoformat(),
                None if status == S.DRAFT else registered.isoformat(),
                0 if status == S.DRAFT else 1,
                decided.isoformat() if decided else None,
                decider if decided else None,
                reason,
                note,
                protected.isoformat() if protected else None,
                0,
                0,
                0,
                0,
                "{}",
                closed.isoformat() if closed else None,
                final,
                lost,
            )

    copy_rows(Deal._meta.db_table, DEAL_COLUMNS, rows(), count, "deals")
    copy_rows(DealLine._meta.db_table, LINE_COLUMNS, iter(lines), len(lines), "deal lines")


SCALE_PRODUCTS = [
    ("Appliances", [("Edge appliance", 1800), ("Core appliance", 9500), ("Rack appliance", 42000)]),
    ("Subscriptions", [("Protection, 1 year", 1200), ("Storage, 1 TB", 600), ("Seats", 3600)]),
    ("Services", [("Quick start", 3200), ("Migration", 14500), ("Resident engineer", 22000)]),
]


def _scale_catalogue() -> None:
    """A tenant without a catalogue gets a small one for its scale deals."""
    currency = current_tenant().currency
    for line_name, products in SCALE_PRODUCTS:
        line, _ = ProductLine.objects.get_or_create(name=f"Scale {line_name}")
        Product.objects.bulk_create(
            Product(
                sku=f"SCALE-{line_name[:3].upper()}-{n + 1}",
                name=name,
                line=line,
                list_price=Decimal(price),
                currency=currency,
            )
            for n, (name, price) in enumerate(products)
        )
