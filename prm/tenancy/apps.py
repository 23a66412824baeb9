from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "prm.tenancy"
    label = "tenancy"
    verbose_name = "Vendors (tenants)"
