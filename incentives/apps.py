from django.apps import AppConfig


class IncentivesConfig(AppConfig):
    name = "incentives"

    def ready(self) -> None:
        from incentives import capabilities, roi, subjects
        from incentives.demo import seed_mdf
        from prm.outbox.events import on_event
        from prm.seeding import demo_seeder

        capabilities.declare()  # who may see and move MDF money
        subjects.declare()  # the fund request, claim and payout subjects and their events
        # a deal registered with an activity's campaign code is sourced by it
        on_event("deal.submitted")(roi.attribution_by_campaign_code)
        demo_seeder("mdf", seed_mdf)  # after the deals: allocations follow won revenue
