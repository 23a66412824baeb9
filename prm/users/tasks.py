from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone

from prm.celery import app
from prm.tenancy.context import current_tenant
from prm.tenancy.urls_util import tenant_url
from prm.users.models import User


@app.task(name="users.send_welcome_email", acks_late=True, max_retries=5)
def send_welcome_email(user_id: int) -> bool:
    """Send the welcome e-mail once: the row is claimed with a conditional UPDATE, so a
    redelivered task sends nothing twice; a failed send releases the claim and retries."""
    claimed = User.objects.filter(id=user_id, welcome_sent_at__isnull=True).update(
        welcome_sent_at=timezone.now()
    )
    if not claimed:
        return False
    user = User.objects.get(id=user_id)
    tenant = current_tenant()
    context = {
        "user": user,
        "vendor_name": getattr(tenant, "name", "the partner portal"),
        "login_url": tenant_url(tenant, "/login/"),
        "reset_url": tenant_url(tenant, "/password-reset/"),
    }
    try:
        send_mail(
            subject=f"Welcome to {context['vendor_name']}'s partner portal",
            message=render_to_string("users/email/welcome.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[user.email],
        )
    except Exception as exc:
        User.objects.filter(id=user_id).update(welcome_sent_at=None)
        raise send_welcome_email.retry(exc=exc, countdown=30) from exc
    return True
