import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from prm.tenancy.services import vendor_provision


class Command(BaseCommand):
    help = "Create a vendor (tenant) with its schema, host name and first vendor_admin."

    def add_arguments(self, parser):
        parser.add_argument("--schema", required=True, help="Postgres schema, e.g. acme")
        parser.add_argument("--domain", required=True, help="Host name, e.g. acme.localhost")
        parser.add_argument("--name", required=True, help="Display name, e.g. Acme")
        parser.add_argument("--admin-email", required=True)
        parser.add_argument(
            "--admin-password",
            help="Omit to let the admin choose one through the welcome e-mail's reset link.",
        )
        parser.add_argument("--admin-name", default="")

    def handle(self, *args, **opts):
        started = time.perf_counter()
        try:
            vendor = vendor_provision(
                schema_name=opts["schema"],
                domain=opts["domain"],
                name=opts["name"],
                admin_email=opts["admin_email"],
                admin_password=opts["admin_password"],
                admin_name=opts["admin_name"],
            )
        except ValidationError as exc:
            lines = [f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items()]
            raise CommandError("Nothing was created.\n" + "\n".join(lines)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {vendor.name} (schema {vendor.schema_name}) at {opts['domain']} "
                f"in {time.perf_counter() - started:.2f}s"
            )
        )
