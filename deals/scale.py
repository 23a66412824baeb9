"""Large account books for benchmarks (``seed_scale --tenant T --accounts N``): N customer
accounts with realistic names (a generated word, a trade and a legal form of the account's
country), a web domain each, about 1 in 12 vendor-owned, and about 3 in 100 near-duplicates
(an earlier account's company again, in capitals or with another legal form, without a
domain). Rows go in with COPY; names are normalised as the services do (deals.normalise)."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

from django.db import connection
from django.utils import timezone

from deals.models import AccountDomain, CustomerAccount
from deals.normalise import normalise_name

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
    "country", "region", "vendor_owned", "external_crm_id", "created_at", "updated_at",
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
