"""Writes of the partners app: org units, partners, memberships, agreements, invitations and
applications. Each service is keyword-only, checks the actor's right through partners.scope,
runs in one transaction and leaves an audit record (django-simple-history) with a reason.

Each ``x`` is the entry point: its own transaction, ``durable`` (never nested in another).
``_x`` is the same write inside the caller's transaction, for callers that already hold one:
another service, a workflow step (partners.subjects), the demo seed and the CSV import.

One module per entity; this package re-exports them (and the reads that used to live here,
now in partners.selectors), so ``from partners import services; services.partner_create``
keeps working."""

from partners.selectors import agreement_current, has_accepted_current_terms, invitation_for_token
from partners.services._common import _lock_tree, _require
from partners.services.agreements import (
    _agreement_accept,
    _agreement_publish,
    agreement_accept,
    agreement_publish,
    require_current_terms,
)
from partners.services.applications import (
    _application_approve,
    _application_reject,
    _application_submit,
    application_approve,
    application_reject,
    application_submit,
)
from partners.services.invitations import (
    INVITATION_DAYS,
    _invitation_accept,
    _invitation_create,
    invitation_accept,
    invitation_create,
)
from partners.services.org_units import (
    _org_unit_create,
    _org_unit_delete,
    _org_unit_membership_set,
    _org_unit_move,
    _org_unit_rename,
    org_unit_create,
    org_unit_delete,
    org_unit_membership_set,
    org_unit_move,
    org_unit_rename,
)
from partners.services.partners import (
    NAME_TAKEN,
    NEEDS_REASON,
    VENDOR_ONLY_FIELDS,
    _partner_create,
    _partner_membership_set,
    _partner_tier_set,
    _partner_transition,
    _partner_update,
    partner_create,
    partner_membership_set,
    partner_tier_set,
    partner_transition,
    partner_update,
)
from partners.services.people import _user_provision, _user_update, user_provision, user_update
from partners.services.profile import (
    _business_plan_set,
    _certification_add,
    _location_add,
    _location_remove,
    _partner_contact_log,
    business_plan_set,
    certification_add,
    location_add,
    location_remove,
    partner_contact_log,
)

__all__ = [
    "INVITATION_DAYS",
    "NAME_TAKEN",
    "NEEDS_REASON",
    "VENDOR_ONLY_FIELDS",
    "_agreement_accept",
    "_agreement_publish",
    "_application_approve",
    "_application_reject",
    "_application_submit",
    "_business_plan_set",
    "_certification_add",
    "_invitation_accept",
    "_invitation_create",
    "_location_add",
    "_location_remove",
    "_lock_tree",
    "_org_unit_create",
    "_org_unit_delete",
    "_org_unit_membership_set",
    "_org_unit_move",
    "_org_unit_rename",
    "_partner_contact_log",
    "_partner_create",
    "_partner_membership_set",
    "_partner_tier_set",
    "_partner_transition",
    "_partner_update",
    "_require",
    "_user_provision",
    "_user_update",
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
