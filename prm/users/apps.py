from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "prm.users"
    label = "users"
