"""The lookup's candidate keys in the database: an account's ``name_keys`` column
(deals.normalise.name_keys of its normalised name, written by the services) and the tenant's
common keys (CommonNameKey), which the lookup leaves out: "logistics" is no evidence of one
company, and fetching the 40,000 accounts that share it is what made a lookup slow."""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.db import connection, transaction

from deals.models import CommonNameKey, CustomerAccount
from deals.normalise import name_keys

ACCOUNTS = CustomerAccount._meta.db_table
COMMON = CommonNameKey._meta.db_table
BATCH = 50_000


def array_literal(values: Iterable[str]) -> str:
    """A Postgres array literal of name keys, each quoted ("null" is a word, not NULL); the
    keys are letters and digits only (deals.normalise drops punctuation)."""
    return "{" + ",".join(f'"{value}"' for value in values) + "}"


def name_keys_fill(*, only_missing: bool = False) -> int:
    """Write every account's ``name_keys`` from its normalised name (in batches, through a
    COPY into a temporary table: a million accounts in about a minute); returns the count.
    For a migration and after a change of deals.normalise.name_keys."""
    done = 0
    last = 0
    where = "AND name_keys = '{}'" if only_missing else ""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE IF NOT EXISTS name_keys_fill (id int, keys text[])")
        while True:
            cursor.execute(
                f"SELECT id, normalised_name FROM {ACCOUNTS} WHERE id > %s {where} "
                "ORDER BY id LIMIT %s",
                [last, BATCH],
            )
            rows = cursor.fetchall()
            if not rows:
                break
            buffer = io.StringIO()
            for pk, normalised in rows:
                buffer.write(f"{pk}\t{array_literal(name_keys(normalised))}\n")
            buffer.seek(0)
            cursor.execute("TRUNCATE name_keys_fill")
            cursor.copy_expert("COPY name_keys_fill (id, keys) FROM STDIN", buffer)
            cursor.execute(
                f"UPDATE {ACCOUNTS} a SET name_keys = f.keys "
                "FROM name_keys_fill f WHERE a.id = f.id"
            )
            done += len(rows)
            last = rows[-1][0]
        cursor.execute("DROP TABLE name_keys_fill")
    return done


def common_name_keys_refresh() -> int:
    """Recount the keys shared by more than CommonNameKey.COMMON_NAME_KEY accounts (one
    aggregate over the accounts' keys: seconds at a million accounts); returns their count.
    Beat runs it daily; an import runs it after its accounts are in."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {COMMON}")
        cursor.execute(
            f"INSERT INTO {COMMON} (key, accounts) SELECT k, count(*) FROM {ACCOUNTS}, "
            "unnest(name_keys) k GROUP BY k HAVING count(*) > %s",
            [CommonNameKey.COMMON_NAME_KEY],
        )
        return cursor.rowcount


def searchable_keys(keys: list[str]) -> list[str]:
    """``keys`` less the tenant's common ones."""
    common = set(CommonNameKey.objects.filter(key__in=keys).values_list("key", flat=True))
    return [key for key in keys if key not in common]
