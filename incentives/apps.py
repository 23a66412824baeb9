from django.apps import AppConfig


class IncentivesConfig(AppConfig):
    name = "incentives"

    def ready(self) -> None:
        from incentives import capabilities, spiffs, subjects
        from incentives.demo import seed_mdf
        from incentives.demo_spiffs import seed_spiffs
        from prm.seeding import demo_seeder

        capabilities.declare()  # who may see and move MDF money
        subjects.declare()  # the fund request subject and its events
        spiffs.register()  # rewards accrue on deal.won, are reversed on deal.reopened
        demo_seeder("mdf", seed_mdf)  # after the deals: allocations follow won revenue
        demo_seeder("spiffs", seed_spiffs)  # rewards of the demo's won deals
