"""The platform operator's side (public host only): vendors and their host names.
Adding a vendor goes through the same provisioning service as ``provision_tenant``."""

from django import forms
from django.contrib import admin
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django_tenants.utils import get_public_schema_name

from prm.tenancy.models import Domain, Vendor
from prm.tenancy.services import vendor_provision, vendor_validate


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


class VendorCreationForm(forms.ModelForm):
    domain = forms.CharField(help_text="Host name of the portal, e.g. partners.acme.com")
    admin_email = forms.EmailField(label="First vendor admin's e-mail")
    admin_password = forms.CharField(
        widget=forms.PasswordInput,
        required=False,
        help_text="Leave empty to let the admin choose one through the welcome e-mail.",
    )

    class Meta:
        model = Vendor
        fields = ["name", "schema_name"]

    def clean(self):
        data = super().clean() or {}
        try:
            vendor_validate(
                data.get("schema_name", ""), data.get("domain", ""), data.get("name", "")
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        if data.get("admin_password"):
            try:
                validate_password(data["admin_password"])
            except ValidationError as exc:
                self.add_error("admin_password", exc)
        return data


@admin.register(Vendor)
class VendorAdmin(admin.ModelAdmin):
    list_display = ["name", "schema_name", "primary_domain", "created_at"]
    search_fields = ["name", "schema_name", "domains__domain"]
    readonly_fields = ["schema_name", "created_at"]
    fields = ["name", "schema_name", "created_at"]
    inlines = [DomainInline]

    def get_queryset(self, request):
        # The template and the platform's own (public) schema are not vendors to manage.
        return (
            super()
            .get_queryset(request)
            .filter(is_template=False)
            .exclude(schema_name=get_public_schema_name())
            .prefetch_related("domains")
        )

    @admin.display(description="Primary host")
    def primary_domain(self, vendor: Vendor) -> str:
        return next((d.domain for d in vendor.domains.all() if d.is_primary), "—")

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = VendorCreationForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "schema_name", "domain", "admin_email", "admin_password"]
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else []

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        data = form.cleaned_data
        created = vendor_provision(
            schema_name=data["schema_name"],
            domain=data["domain"],
            name=data["name"],
            admin_email=data["admin_email"],
            admin_password=data["admin_password"] or None,
        )
        obj.pk = created.pk
        obj.__dict__.update(created.__dict__)

    def has_delete_permission(self, request, obj=None):
        # Deleting drops a vendor's whole schema: keep it a deliberate shell operation.
        return False
