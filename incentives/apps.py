from django.apps import AppConfig


class IncentivesConfig(AppConfig):
    name = "incentives"

    def ready(self) -> None:
        from incentives import capabilities, subjects

        capabilities.declare()  # who may see and move MDF money
        subjects.declare()  # the fund request subject and its events
