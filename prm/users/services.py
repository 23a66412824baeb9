from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from prm.errors import Invalid
from prm.tasks import enqueue_on_commit
from prm.users.models import Role, User
from prm.users.tasks import send_welcome_email as send_welcome_email_task


def user_create(
    *,
    email: str,
    role: str,
    password: str | None = None,
    full_name: str = "",
    send_welcome: bool = True,
) -> User:
    """Create a user in the current tenant's schema.

    Called by tenant provisioning, ``seed_demo`` and (later) invitations. Validates e-mail,
    role and password first, so bad input creates nothing; the welcome e-mail is queued
    only once the row is committed.
    """
    email = User.objects.normalize_email(email.strip()).lower()
    errors: dict[str, list[str]] = {}
    try:
        validate_email(email)
    except ValidationError as exc:
        errors["email"] = exc.messages
    if role not in Role.values:
        errors["role"] = [f"Unknown role {role!r}; choose one of {', '.join(Role.values)}."]
    if password is not None:
        try:
            validate_password(password, User(email=email, full_name=full_name))
        except ValidationError as exc:
            errors["password"] = exc.messages
    if errors:
        raise Invalid(errors)
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email, password, role=role, full_name=full_name, is_staff=False
            )
    except IntegrityError:
        raise Invalid({"email": ["A user with this e-mail already exists."]}) from None
    if send_welcome:
        enqueue_on_commit(send_welcome_email_task, user.id)
    return user
