from django.apps import AppConfig


class DealsConfig(AppConfig):
    name = "deals"

    def ready(self) -> None:
        from deals import capabilities, scale, subjects
        from deals.demo import seed_accounts, seed_catalogue
        from deals.demo_deals import seed_deals
        from deals.selectors import won_revenue
        from partners.revenue import revenue_provide
        from prm.seeding import ScaleOption, demo_seeder, scale_option

        capabilities.declare()  # who may look up, create and reserve accounts
        subjects.declare()  # the reservation and deal subjects and their events
        revenue_provide(won_revenue)  # the tier review judges won deals
        demo_seeder("deals", seed_accounts)  # after the partners' program: their people reserve
        demo_seeder("catalogue", seed_catalogue)  # after the partners' tiers
        demo_seeder("deal registrations", seed_deals)  # on the accounts, of the catalogue
        scale_option(
            ScaleOption("accounts", "Customer accounts to add to --tenant", scale.add_accounts)
        )
        scale_option(  # on the accounts, by the partners' people
            ScaleOption(
                "deals", "Deal registrations to add to --tenant", scale.add_deals, after_users=True
            )
        )
