from django.apps import AppConfig


class DealsConfig(AppConfig):
    name = "deals"

    def ready(self) -> None:
        from deals import capabilities, subjects
        from deals.demo import seed_accounts
        from prm.seeding import demo_seeder

        capabilities.declare()  # who may look up, create and reserve accounts
        subjects.declare()  # the reservation subject and its reservation.* events
        demo_seeder("deals", seed_accounts)  # after the partners' program: their people reserve
