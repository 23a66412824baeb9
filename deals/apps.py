from django.apps import AppConfig


class DealsConfig(AppConfig):
    name = "deals"

    def ready(self) -> None:
        from deals import capabilities, scale, subjects
        from deals.demo import seed_accounts, seed_catalogue
        from deals.models import Deal
        from deals.selectors import won_revenue
        from partners.revenue import revenue_provide
        from prm.audit import audit_declare
        from prm.seeding import ScaleOption, demo_seeder, scale_option

        # The deal's timeline (its page, the audit API) in people's words: the conflict
        # check's bookkeeping is on the page's conflicts card, and the registration a deal
        # is queued behind is another partner's (its name is never shown to partners; the
        # history's reason says "queued behind an earlier registration" instead).
        audit_declare(
            Deal,
            labels={
                "decided_by": "Decided by",
                "decision_note": "Decision note",
                "registered_at": "Registered",
            },
            hidden=(
                "conflict_count",
                "conflict_score",
                "conflict_codes",
                "queued_behind",
                "submissions",
                "extension_refusals",
                "decided_at",
                "created_at",
            ),
        )

        capabilities.declare()  # who may look up, create and reserve accounts
        subjects.declare()  # the reservation and deal subjects and their events
        revenue_provide(won_revenue)  # the tier review judges won deals
        demo_seeder("deals", seed_accounts)  # after the partners' program: their people reserve
        demo_seeder("catalogue", seed_catalogue)  # after the partners' tiers
        scale_option(
            ScaleOption("accounts", "Customer accounts to add to --tenant", scale.add_accounts)
        )
