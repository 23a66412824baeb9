from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "prm.outbox"
    label = "outbox"
    verbose_name = "Event outbox"
