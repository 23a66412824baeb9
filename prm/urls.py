"""URLs of a tenant's portal (acme.localhost). The public host uses prm/urls_public.py."""

from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from deals.urls import api_urls as deals_api_urls
from deals.urls import portal_urls as deals_portal_urls
from incentives.urls import api_urls as incentives_api_urls
from incentives.urls import portal_urls as incentives_portal_urls
from partners.urls import api_urls as partners_api_urls
from partners.urls import portal_urls as partners_portal_urls
from prm.portal import views
from prm.users import api as users_api
from workflows.urls import api_urls as workflows_api_urls
from workflows.urls import portal_urls as workflows_portal_urls

api_v1: list[URLPattern | URLResolver] = [
    path("auth/token/", users_api.TokenObtainApi.as_view(), name="api-token"),
    *partners_api_urls,
    *deals_api_urls,
    *incentives_api_urls,
    *workflows_api_urls,
]

reset = "portal/password_reset"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api-token/", views.api_token, name="api-token-create"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            template_name=f"{reset}_form.html",
            email_template_name="users/email/password_reset.txt",
            subject_template_name="users/email/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name=f"{reset}_done.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(template_name=f"{reset}_confirm.html"),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(template_name=f"{reset}_complete.html"),
        name="password_reset_complete",
    ),
    path("healthz/", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    *partners_portal_urls,
    *deals_portal_urls,
    *incentives_portal_urls,
    *workflows_portal_urls,
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: no inline script for the CSP.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

handler404 = "prm.portal.errors.not_found"
handler500 = "prm.portal.errors.server_error"
