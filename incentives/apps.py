from django.apps import AppConfig


class IncentivesConfig(AppConfig):
    name = "incentives"

    def ready(self) -> None:
        from incentives import capabilities, figures, roi, scale, spiffs, subjects
        from incentives.demo import seed_mdf
        from incentives.demo_spiffs import seed_spiffs
        from prm.outbox.events import on_any_event, on_event
        from prm.seeding import ScaleOption, demo_seeder, scale_option

        capabilities.declare()  # who may see and move MDF money
        subjects.declare()  # the fund request, claim and payout subjects and their events
        # a deal registered with an activity's campaign code is sourced by it
        on_event("deal.submitted")(roi.attribution_by_campaign_code)
        # a deal's status or amount changed: its activities' ROI figures follow
        on_any_event(figures.deal_changed)
        spiffs.register()  # rewards accrue on deal.won, are reversed on deal.reopened
        demo_seeder("mdf", seed_mdf)  # after the deals: allocations follow won revenue
        demo_seeder("spiffs", seed_spiffs)  # rewards of the demo's won deals
        scale_option(  # on the partners' people and their deals
            ScaleOption(
                "claims",
                "MDF claims to add to --tenant, with 8 quarterly programs, funds, requests, "
                "payouts and deal attributions (once)",
                scale.add_claims,
                after_users=True,
            )
        )
