from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "prm.users"
    label = "users"

    def ready(self) -> None:
        from prm.users import lockout  # noqa: F401  (connects the sign-in signals)
