from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone

from partners.models import Invitation, PartnerApplication
from prm.celery import app
from prm.tenancy.context import current_tenant
from prm.tenancy.urls_util import tenant_url


@app.task(name="partners.send_invitation_email", acks_late=True, max_retries=5)
def send_invitation_email(invitation_id: int) -> None:
    """E-mail the invitation link, naming the role. Sent at most once per invitation row is
    not needed: a repeated e-mail carries the same single-use link. The link's token is
    rebuilt from the row (``Invitation.link_token``), never passed through the broker; a
    re-sent invitation has a new one, and a task of the earlier sending sends that."""
    from partners.selectors import _token_hash
    from prm.portal.views import ROLE_PURPOSE

    invitation = Invitation.objects.select_related("partner", "org_unit", "invited_by").get(
        pk=invitation_id
    )
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        return
    token = invitation.link_token()
    if invitation.token_hash != _token_hash(token):
        return  # SECRET_KEY changed since: no link this row could rebuild works
    tenant = current_tenant()
    context = {
        "invitation": invitation,
        "vendor_name": tenant.name,
        "role_purpose": ROLE_PURPOSE.get(invitation.role, ""),
        "link": tenant_url(tenant, f"/invitations/{token}/"),
    }
    send_mail(
        subject=f"You are invited to {tenant.name}'s partner portal as a "
        f"{invitation.get_role_display().lower()}",
        message=render_to_string("partners/email/invitation.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[invitation.email],
    )


@app.task(name="partners.certifications_expiring")
def certifications_expiring() -> int:
    from partners.reminders import certifications_expiring

    return certifications_expiring()


# The e-mails an applicant gets: kind -> (the field that claims it, subject, template).
APPLICANT_EMAILS = {
    "received": (
        "received_email_sent_at",
        "We received your application to {vendor}'s partner program",
        "partners/email/application_received.txt",
    ),
    "rejected": (
        "rejected_email_sent_at",
        "Your application to {vendor}'s partner program",
        "partners/email/application_rejected.txt",
    ),
}


@app.task(name="partners.send_applicant_email", acks_late=True, max_retries=5)
def send_applicant_email(application_id: int, kind: str) -> bool:
    """Tell an applicant their application arrived, or that it was rejected and why, once
    each: the row is claimed with a conditional UPDATE (a redelivered task sends nothing
    twice); a failed send releases the claim and retries. (An approval's e-mail is the
    invitation.)"""
    claim, subject, template = APPLICANT_EMAILS[kind]
    claimed = PartnerApplication.objects.filter(pk=application_id, **{claim: None}).update(
        **{claim: timezone.now()}
    )
    if not claimed:
        return False
    from partners.services.invitations import INVITATION_DAYS

    application = PartnerApplication.objects.get(pk=application_id)
    tenant = current_tenant()
    context = {
        "application": application,
        "vendor_name": tenant.name,
        "invitation_days": INVITATION_DAYS,
        "apply_url": tenant_url(tenant, "/apply/"),
    }
    try:
        send_mail(
            subject=subject.format(vendor=tenant.name),
            message=render_to_string(template, context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[application.contact_email],
        )
    except Exception as exc:
        PartnerApplication.objects.filter(pk=application_id).update(**{claim: None})
        raise send_applicant_email.retry(exc=exc, countdown=30) from exc
    return True
