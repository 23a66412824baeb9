from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm

from prm.users import lockout
from prm.users.models import User


class OperatorAuthenticationForm(lockout.LockoutFormMixin, AdminAuthenticationForm):
    """The operator admin's sign-in, under the same lockout as the portals'."""

    def clean_username(self) -> str:
        return lockout.normalise_email(self.cleaned_data["username"])


admin.site.login_form = OperatorAuthenticationForm


class OperatorCreationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ["email"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Platform operators (public schema). Tenant users are managed in each portal."""

    add_form = OperatorCreationForm
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_superuser", "last_login"]
    search_fields = ["email", "full_name"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    fieldsets = [
        (None, {"fields": ["email", "password", "full_name"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
