from django.apps import AppConfig


class IncentivesConfig(AppConfig):
    name = "incentives"

    def ready(self) -> None:
        from incentives import capabilities, subjects
        from incentives.demo import seed_mdf
        from prm.seeding import demo_seeder

        capabilities.declare()  # who may see and move MDF money
        subjects.declare()  # the fund request subject and its events
        demo_seeder("mdf", seed_mdf)  # after the deals: allocations follow won revenue
