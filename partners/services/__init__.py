"""Writes of the partners app: org units, partners, memberships, agreements, invitations and
applications. Each service is keyword-only, checks the actor's right through partners.scope,
runs in one transaction and leaves an audit record (django-simple-history) with a reason.

One module per entity; this package re-exports them (and the reads that used to live here,
now in partners.selectors), so ``from partners import services; services.partner_create``
keeps working."""

from partners.selectors import agreement_current, has_accepted_current_terms, invitation_for_token
from partners.services._common import _lock_tree, _require
from partners.services.agreements import agreement_accept, agreement_publish, require_current_terms
from partners.services.applications import (
    application_approve,
    application_reject,
    application_submit,
)
from partners.services.invitations import INVITATION_DAYS, invitation_accept, invitation_create
from partners.services.org_units import (
    org_unit_create,
    org_unit_delete,
    org_unit_membership_set,
    org_unit_move,
    org_unit_rename,
)
from partners.services.partners import (
    NAME_TAKEN,
    VENDOR_ONLY_FIELDS,
    partner_create,
    partner_membership_set,
    partner_tier_set,
    partner_transition,
    partner_update,
)
from partners.services.people import user_provision, user_update
from partners.services.profile import (
    business_plan_set,
    certification_add,
    location_add,
    location_remove,
    partner_contact_log,
)

__all__ = [
    "INVITATION_DAYS",
    "NAME_TAKEN",
    "VENDOR_ONLY_FIELDS",
    "_lock_tree",
    "_require",
    "agreement_accept",
    "agreement_current",
    "agreement_publish",
    "application_approve",
    "application_reject",
    "application_submit",
    "business_plan_set",
    "certification_add",
    "has_accepted_current_terms",
    "invitation_accept",
    "invitation_create",
    "invitation_for_token",
    "location_add",
    "location_remove",
    "org_unit_create",
    "org_unit_delete",
    "org_unit_membership_set",
    "org_unit_move",
    "org_unit_rename",
    "partner_contact_log",
    "partner_create",
    "partner_membership_set",
    "partner_tier_set",
    "partner_transition",
    "partner_update",
    "require_current_terms",
    "user_provision",
    "user_update",
]
