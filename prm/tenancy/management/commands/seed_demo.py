"""Demo data of PRODUCT.md §10. Idempotent: running it again creates only what is missing."""

from django.core.management.base import BaseCommand
from django.db import transaction
from django_tenants.utils import schema_context

from prm.demo import OPERATOR, PASSWORD, TENANTS
from prm.seeding import DEMO_SEEDERS, demo_user
from prm.tenancy.models import Vendor
from prm.tenancy.services import template_ensure, vendor_provision
from prm.users.models import User


class Command(BaseCommand):
    help = "Create the demo tenants acme and globex with their logins (idempotent)."

    def handle(self, *args, **opts):
        if not User.objects.filter(email=OPERATOR).exists():
            User.objects.create_superuser(OPERATOR, PASSWORD, full_name="Platform operator")
        template_ensure()
        for schema, spec in TENANTS.items():
            if not Vendor.objects.filter(schema_name=schema).exists():
                email, full_name = spec["admin"]
                vendor_provision(
                    schema_name=schema,
                    domain=spec["domain"],
                    name=spec["name"],
                    admin_email=email,
                    admin_password=PASSWORD,
                    admin_name=full_name,
                )
                self.stdout.write(f"Created tenant {schema} at {spec['domain']}")
            with schema_context(schema), transaction.atomic():
                for email, full_name, role in spec["users"]:
                    if not User.objects.filter(email=email).exists():
                        demo_user(email, role, full_name)
                for _name, seeder in DEMO_SEEDERS:  # each app's own demo data, in app order
                    seeder(schema, spec["admin"][0])
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))
