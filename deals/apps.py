from django.apps import AppConfig


class DealsConfig(AppConfig):
    name = "deals"

    def ready(self) -> None:
        from deals import capabilities, events

        capabilities.declare()  # who may look up, create and reserve accounts
        events.declare()  # reservation.* in the outbox
