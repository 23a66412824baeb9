from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"

    def ready(self) -> None:
        from partners import handlers, scale, subjects
        from partners.demo import seed_program
        from prm.seeding import ScaleOption, demo_seeder, on_users_added, scale_option

        subjects.declare()  # workflow subjects and their events
        handlers.register()  # the standard notifications
        demo_seeder("partners", seed_program)
        scale_option(ScaleOption("partners", "Partners to add to --tenant", scale.add_partners))
        on_users_added(scale.attach_users)
