"""Services of partner applications: a prospect submits; the vendor approves (which enrols
the partner and invites the applicant) or rejects."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from partners.models import ApplicationStatus, MembershipRole, OrgUnit, Partner, PartnerApplication
from partners.services.invitations import _invitation_create
from partners.services.partners import _partner_create
from partners.tasks import send_application_received_email as application_received_email_task
from prm.audit import audit_note
from prm.errors import Conflict, Invalid
from prm.outbox.events import event_emit
from prm.permissions import require
from prm.tasks import enqueue_on_commit
from prm.users.models import Role, User


def _application_submit(*, fields: dict[str, Any], ip_address: str | None) -> PartnerApplication:
    """Record a prospect's application and e-mail them (after commit) that it was received
    and what happens next; workflows on ``application.submitted`` may decide it at once
    (e.g. reject a domain already enrolled) or route it for review."""
    application = PartnerApplication(**fields, submitted_ip=ip_address)
    application.full_clean()
    audit_note(application, None, "submitted")
    application.save()
    event_emit(event_type="application.submitted", obj=application)
    enqueue_on_commit(application_received_email_task, application.pk)
    return application


application_submit = transaction.atomic(durable=True)(_application_submit)


def _pending(application: PartnerApplication) -> PartnerApplication:
    application = PartnerApplication.objects.select_for_update().get(pk=application.pk)
    if application.status != ApplicationStatus.PENDING:
        raise Conflict(
            f"This application was already {application.get_status_display().lower()}.",
            code="already_decided",
        )
    return application


def _application_approve(
    *,
    actor: User,
    application: PartnerApplication,
    territory: OrgUnit | None = None,
    channel_manager: User | None = None,
    tier=None,
    note: str = "",
) -> Partner:
    """Approve: create the partner in ``onboarding`` and invite the applicant as its
    partner_admin (a single-use, expiring link to set a password)."""
    require(actor, "applications.decide", "Only the vendor decides applications.")
    application = _pending(application)
    domain = application.contact_email.rpartition("@")[2]
    partner = _partner_create(
        actor=actor,
        fields={
            "legal_name": application.company_name,
            "display_name": application.company_name,
            "website": application.website,
            "email_domain": domain,
            "partner_type": application.partner_type,
            "territory": territory,
            "channel_manager": channel_manager
            or (actor if actor.role == Role.CHANNEL_MANAGER else None),
            "tier": tier,
        },
    )
    application.status = ApplicationStatus.APPROVED
    application.partner = partner
    application.decided_by = actor
    application.decided_at = timezone.now()
    application.decision_reason = note
    audit_note(application, actor, f"approved: {note}" if note else "approved")
    application.save()
    _invitation_create(
        actor=actor,
        email=application.contact_email,
        role=Role.PARTNER_ADMIN,
        partner=partner,
        membership_role=MembershipRole.ADMINISTRATOR,
    )
    return partner


application_approve = transaction.atomic(durable=True)(_application_approve)


def _application_reject(*, actor: User, application: PartnerApplication, reason: str) -> None:
    require(actor, "applications.decide", "Only the vendor decides applications.")
    if not reason.strip():
        raise Invalid({"reason": ["Say why, so the applicant can be told."]})
    application = _pending(application)
    application.status = ApplicationStatus.REJECTED
    application.decision_reason = reason.strip()
    application.decided_by = actor
    application.decided_at = timezone.now()
    audit_note(application, actor, "rejected")
    application.save()


application_reject = transaction.atomic(durable=True)(_application_reject)
