from django.urls import URLPattern, URLResolver, path

from partners import views
from partners.api import api_urls as api_urls  # the API's URLs live with the API

portal_urls: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("partners/", views.partner_list, name="partners"),
    path("partners/ours/", views.our_company, name="our-company"),
    path("partners/new/", views.partner_edit, name="partner-new"),
    path("partners/search/", views.partner_search_page, name="partner-search-page"),
    path("partners/<int:partner_id>/", views.partner_detail, name="partner-detail"),
    path("partners/<int:partner_id>/edit/", views.partner_edit, name="partner-edit"),
    path("partners/<int:partner_id>/status/", views.partner_status, name="partner-status"),
    path("partners/<int:partner_id>/branch/", views.partner_branch, name="partner-branch"),
    path(
        "partners/<int:partner_id>/add/<str:what>/",
        views.partner_add_detail,
        name="partner-add-detail",
    ),
    path("organisation/", views.organisation, name="organisation"),
    path("organisation/<str:action>/", views.unit_action, name="unit-create"),
    path("organisation/<int:unit_id>/<str:action>/", views.unit_action, name="unit-action"),
    path("apply/", views.apply, name="apply"),
    path("applications/", views.application_list, name="applications"),
    path("applications/<int:application_id>/", views.application_detail, name="application"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation"),
    path("agreement/", views.agreement, name="agreement"),
    path("agreement/publish/", views.agreement_publish, name="agreement-publish"),
    path("agreement/report/", views.agreement_report, name="agreement-report"),
    path("agreement/remind/", views.agreement_remind, name="agreement-remind"),
    path("agreement/print/", views.agreement_print, name="agreement-print"),
    path("agreement/<int:version>/print/", views.agreement_print, name="agreement-print-version"),
    path("users/", views.user_list, name="users"),
    path("users/<int:user_id>/active/", views.user_active, name="user-active"),
    path(
        "users/invitations/<int:invitation_id>/<str:action>/",
        views.invitation_action,
        name="invitation-action",
    ),
    path("export/<str:kind>.csv", views.export_csv, name="export"),
    path("import/<str:kind>/", views.import_csv, name="import"),
]
