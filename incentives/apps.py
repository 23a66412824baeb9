from django.apps import AppConfig


class IncentivesConfig(AppConfig):
    name = "incentives"

    def ready(self) -> None:
        from incentives import capabilities

        capabilities.declare()  # who may see and move MDF money
