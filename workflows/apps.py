from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    name = "workflows"

    def ready(self) -> None:
        from prm.outbox.events import on_any_event
        from prm.seeding import demo_seeder
        from prm.tenancy.services import on_vendor_provisioned
        from workflows.engine.runs import runs_start
        from workflows.services import defaults_install

        on_any_event(runs_start)  # every event may start workflows
        on_vendor_provisioned(lambda admin: defaults_install(actor=admin))
        demo_seeder("workflows", _demo_defaults)


def _demo_defaults(schema: str, admin_email: str) -> None:
    """Demo tenants get the default workflows they lack (new defaults reach old tenants)."""
    from prm.users.models import User
    from workflows.services import defaults_install

    defaults_install(actor=User.objects.get(email=admin_email))
