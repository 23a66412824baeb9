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


@app.task(name="partners.send_application_received_email", acks_late=True, max_retries=5)
def send_application_received_email(application_id: int) -> bool:
    """Tell an applicant their application arrived and what happens next, once: the row is
    claimed with a conditional UPDATE (a redelivered task sends nothing twice); a failed
    send releases the claim and retries."""
    claimed = PartnerApplication.objects.filter(
        pk=application_id, received_email_sent_at__isnull=True
    ).update(received_email_sent_at=timezone.now())
    if not claimed:
        return False
    from partners.services.invitations import INVITATION_DAYS

    application = PartnerApplication.objects.get(pk=application_id)
    tenant = current_tenant()
    context = {
        "application": application,
        "vendor_name": tenant.name,
        "invitation_days": INVITATION_DAYS,
    }
    try:
        send_mail(
            subject=f"We received your application to {tenant.name}'s partner program",
            message=render_to_string("partners/email/application_received.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[application.contact_email],
        )
    except Exception as exc:
        PartnerApplication.objects.filter(pk=application_id).update(received_email_sent_at=None)
        raise send_application_received_email.retry(exc=exc, countdown=30) from exc
    return True
