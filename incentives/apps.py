from django.apps import AppConfig


class IncentivesConfig(AppConfig):
    name = "incentives"

    def ready(self) -> None:
        from incentives import capabilities, roi, spiffs, subjects
        from incentives.demo import seed_mdf
        from incentives.demo_spiffs import seed_spiffs
        from prm.outbox.events import on_event
        from prm.seeding import demo_seeder

        capabilities.declare()  # who may see and move MDF money
        subjects.declare()  # the fund request, claim and payout subjects and their events
        # a deal registered with an activity's campaign code is sourced by it
        on_event("deal.submitted")(roi.attribution_by_campaign_code)
        spiffs.register()  # rewards accrue on deal.won, are reversed on deal.reopened
        demo_seeder("mdf", seed_mdf)  # after the deals: allocations follow won revenue
        demo_seeder("spiffs", seed_spiffs)  # rewards of the demo's won deals
