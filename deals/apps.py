from django.apps import AppConfig


class DealsConfig(AppConfig):
    name = "deals"

    def ready(self) -> None:
        from deals import capabilities, subjects

        capabilities.declare()  # who may look up, create and reserve accounts
        subjects.declare()  # the reservation subject and its reservation.* events
