"""Portal pages of the partners app. Reads go through partners.scope and partners.selectors
(out of scope: 404), writes through partners.services (their errors become form errors).

One module per page family; this package re-exports the views, so partners/urls.py and
others keep naming them ``views.<name>``."""

from partners.views._common import message_form_errors, requires
from partners.views.agreements import (
    agreement,
    agreement_print,
    agreement_publish,
    agreement_remind,
    agreement_report,
)
from partners.views.applications import application_detail, application_list, apply
from partners.views.csv import CSV_COLUMNS, export_csv, import_csv
from partners.views.home import home
from partners.views.organisation import organisation, unit_action
from partners.views.partners import (
    DETAIL_SERVICES,
    our_company,
    partner_add_detail,
    partner_branch,
    partner_detail,
    partner_edit,
    partner_list,
    partner_search_page,
    partner_status,
)
from partners.views.people import invitation_accept, invitation_action, user_active, user_list

__all__ = [
    "CSV_COLUMNS",
    "DETAIL_SERVICES",
    "agreement",
    "agreement_print",
    "agreement_publish",
    "agreement_remind",
    "agreement_report",
    "application_detail",
    "application_list",
    "apply",
    "export_csv",
    "home",
    "import_csv",
    "invitation_accept",
    "invitation_action",
    "message_form_errors",
    "organisation",
    "our_company",
    "partner_add_detail",
    "partner_branch",
    "partner_detail",
    "partner_edit",
    "partner_list",
    "partner_search_page",
    "partner_status",
    "requires",
    "unit_action",
    "user_active",
    "user_list",
]
