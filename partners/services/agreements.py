"""Services of the partner program agreement: publish a new version, accept the current
one, remind those who have not, and the guard that deals and claims call before they
accept input."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from partners.models import Agreement, AgreementAcceptance, PartnerMembership
from partners.selectors import (
    REMINDER_EVENT,
    agreement_current,
    agreement_report,
    has_accepted_current_terms,
)
from prm.audit import audit_note
from prm.errors import Conflict, Forbidden, Invalid
from prm.locking import advisory_lock
from prm.outbox.events import event_emit
from prm.permissions import require
from prm.users.models import User
from workflows.notifications import asking, notifications_done

# What the terms notification asks for (partners.handlers); accepting marks it done.
ACCEPT_TERMS = asking("agreement.accept")


def _agreement_publish(*, actor: User, title: str, body: str) -> Agreement:
    """Publish a new version of the terms; every partner user must accept it again."""
    require(actor, "agreements.publish", "Only vendor admins publish agreements.")
    errors = {}
    if not title.strip():
        errors["title"] = ["The agreement needs a title."]
    if not body.strip():
        errors["body"] = ["The agreement needs its text."]
    if errors:
        raise Invalid(errors)
    advisory_lock("agreement:publish")  # one publisher at a time: versions stay gapless
    version = (Agreement.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    agreement = Agreement(
        version=version,
        title=title.strip(),
        body=body,
        published_at=timezone.now(),
        created_by=actor,
    )
    audit_note(agreement, actor, f"version {version} published")
    agreement.save()
    event_emit(
        event_type="agreement.published", obj=agreement, actor=actor, payload={"version": version}
    )
    return agreement


agreement_publish = transaction.atomic(durable=True)(_agreement_publish)


def require_current_terms(user: User) -> None:
    if user.is_partner_side and not has_accepted_current_terms(user):
        raise Conflict(
            "Accept the current partner program agreement first.", code="terms_not_accepted"
        )


def _agreement_accept(
    *, actor: User, agreement: Agreement, ip_address: str | None, user_agent: str = ""
) -> AgreementAcceptance:
    """Record the acceptance of the current version by a partner user (idempotent) and
    mark the actor's notifications asking to accept the terms done."""
    require(actor, "agreements.accept", "Only partner users accept the partner agreement.")
    membership = PartnerMembership.objects.filter(user=actor).first()
    if membership is None:
        raise Forbidden("Your account is not attached to a partner.")
    current = agreement_current()
    if current is None or current.pk != agreement.pk:
        raise Conflict("Only the current version can be accepted.", code="not_current")
    acceptance, _ = AgreementAcceptance.objects.get_or_create(
        agreement=agreement,
        user=actor,
        defaults={
            "partner_id": membership.partner_id,
            "ip_address": ip_address,
            "user_agent": user_agent[:300],
        },
    )
    # "New program terms to accept" (of this version or an earlier one) is done now.
    notifications_done(asks=ACCEPT_TERMS, users=[actor])
    return acceptance


agreement_accept = transaction.atomic(durable=True)(_agreement_accept)


def _agreement_remind(*, actor: User, agreement: Agreement) -> int:
    """Remind the people who have not accepted the current version: one notification and
    one e-mail each (the ``agreement.reminder_sent`` handler), skipping those reminded
    within the last day, so a second click or a double submit reminds nobody twice.
    Returns how many were reminded. Called by the report page."""
    require(actor, "agreements.remind", "Only vendor admins remind partners of the terms.")
    current = agreement_current()
    if current is None or current.pk != agreement.pk:
        raise Conflict("Only the current version can be reminded of.", code="not_current")
    advisory_lock(f"agreement:remind:{agreement.pk}")  # concurrent clicks queue here
    due = agreement_report(actor, agreement).remindable()
    if not due:
        return 0
    event_emit(
        event_type=REMINDER_EVENT,
        obj=agreement,
        actor=actor,
        payload={"version": agreement.version, "users": [p.user.pk for p in due]},
    )
    return len(due)


agreement_remind = transaction.atomic(durable=True)(_agreement_remind)
