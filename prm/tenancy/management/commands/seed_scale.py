"""Large tenants for benchmarks, fast: rows are streamed with COPY in chunks.

    manage.py seed_scale --tenant bench --partners 5000 --users 50000
    manage.py seed_scale --tenants 200 --prefix load

Users are spread over the partners when the tenant has any. Later issues add their
entities (deals, ...) as further options."""

from __future__ import annotations

import csv
import io
import itertools
import time

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context
from tqdm import tqdm

from prm.demo import PASSWORD
from prm.seeding import SCALE_OPTIONS, USERS_ADDED
from prm.tenancy.models import Vendor
from prm.tenancy.services import template_ensure, vendor_provision
from prm.users.models import Role

CHUNK = 10_000
NULL = r"\N"


def copy_rows(table: str, columns: list[str], rows, total: int, label: str) -> None:
    """COPY ``rows`` (tuples) into ``table`` of the current schema, CHUNK rows at a time."""
    with tqdm(total=total, desc=label, unit="rows", leave=False) as bar:
        rows = iter(rows)
        while chunk := list(itertools.islice(rows, CHUNK)):
            buffer = io.StringIO()
            # Empty strings stay empty strings; None is NULL.
            csv.writer(buffer).writerows(
                tuple(NULL if value is None else value for value in row) for row in chunk
            )
            buffer.seek(0)
            with connection.cursor() as cursor:
                options = f"FORMAT csv, NULL '{NULL}'"
                cursor.copy_expert(
                    f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH ({options})", buffer
                )
            bar.update(len(chunk))


class Command(BaseCommand):
    help = "Build large tenants fast for benchmarks (COPY, with a progress bar)."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", help="Schema of the tenant to fill (created if missing)")
        for option in SCALE_OPTIONS:  # each app's entities (partners, ...)
            parser.add_argument(f"--{option.name}", type=int, default=0, help=option.help)
        parser.add_argument("--users", type=int, default=0, help="Users to add to --tenant")
        parser.add_argument("--tenants", type=int, default=0, help="Empty tenants to create")
        parser.add_argument("--prefix", default="load", help="Schema prefix for --tenants")

    def handle(self, *args, **opts):
        started = time.perf_counter()
        template_ensure()
        if opts["tenants"]:
            self.create_tenants(opts["tenants"], opts["prefix"])
        if opts["tenant"]:
            vendor = self.ensure_tenant(opts["tenant"])
            with schema_context(vendor.schema_name), transaction.atomic():
                for option in SCALE_OPTIONS:
                    if opts[option.name] and not option.after_users:
                        option.add(opts[option.name], copy_rows)
                if opts["users"]:
                    user_ids = self.add_users(vendor.schema_name, opts["users"])
                    for hook in USERS_ADDED:
                        hook(user_ids, copy_rows)
                for option in SCALE_OPTIONS:
                    if opts[option.name] and option.after_users:
                        option.add(opts[option.name], copy_rows)
        self.stdout.write(f"Done in {time.perf_counter() - started:.1f}s")

    def ensure_tenant(self, schema: str) -> Vendor:
        vendor = Vendor.objects.filter(schema_name=schema).first()
        host = schema.replace("_", "-")
        return vendor or vendor_provision(
            schema_name=schema,
            domain=f"{host}.localhost",
            name=schema.title(),
            admin_email=f"admin@{host}.example",
            admin_password=PASSWORD,
        )

    def create_tenants(self, count: int, prefix: str) -> None:
        existing = set(
            Vendor.objects.filter(schema_name__startswith=f"{prefix}_").values_list(
                "schema_name", flat=True
            )
        )
        wanted = [f"{prefix}_{i:04d}" for i in range(1, count + 1)]
        for schema in tqdm([s for s in wanted if s not in existing], desc="tenants"):
            self.ensure_tenant(schema)
            # A fresh server session per tenant: one session that creates hundreds of
            # schemas slows down ~10x as its catalog caches grow (seen here: 0.5 s -> 5 s).
            connection.close()

    def add_users(self, schema: str, count: int) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM users_user")
            start = cursor.fetchone()[0]
        password = make_password(PASSWORD)  # one hash for all: hashing is the slow part
        now = timezone.now().isoformat()
        roles = [Role.PARTNER_USER] * 6 + [Role.PARTNER_MANAGER, Role.PARTNER_ADMIN]
        rows = (
            (
                f"user{n}@{schema.replace('_', '-')}-scale.example",
                f"Scale User {n}",
                roles[n % len(roles)],
                password,
                True,
                False,
                False,
                now,
            )
            for n in range(start, start + count)
        )
        columns = [
            "email",
            "full_name",
            "role",
            "password",
            "is_active",
            "is_staff",
            "is_superuser",
            "date_joined",
        ]
        copy_rows("users_user", columns, rows, count, "users")
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM users_user ORDER BY id DESC LIMIT %s", [count])
            return [row[0] for row in cursor.fetchall()]
