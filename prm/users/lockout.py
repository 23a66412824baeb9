"""The one protection against password guessing, for every way in: the portal's sign-in
form, the token API and the operator's admin.

Only failed sign-ins count (Django's ``user_login_failed`` signal, sent by ``authenticate``
whichever channel called it), twice: per account (the e-mail stripped and lower-cased) and
per client address (``client_ip``: REMOTE_ADDR, or the address the configured number of
trusted proxies saw). After ``PRM_LOGIN_FAILURES_PER_ACCOUNT`` failures of one account, or
``PRM_LOGIN_FAILURES_PER_ADDRESS`` failures from one address, each channel (``is_locked``
before ``authenticate``: ``LockoutFormMixin`` for the forms, the token API itself) refuses
even the right password until ``PRM_LOGIN_COOLOFF_SECONDS`` after the failure that locked
it; a completed password reset unlocks the account, and a successful sign-in forgets the
account's (not the address's) earlier failures.

The counts live in the cache (Redis in production), under keys that name the schema: users
live in each tenant's schema, so ``carol@x`` of one tenant is not ``carol@x`` of another, and
the operator's accounts are the public schema's. Nothing is written to the database per
attempt, and a tenant created later needs no table for them.
"""

from __future__ import annotations

import hashlib
import ipaddress
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.dispatch import receiver
from django.http import HttpRequest

from prm.tenancy.context import current_schema


def locked_message() -> str:
    minutes = max(1, round(settings.PRM_LOGIN_COOLOFF_SECONDS / 60))
    return (
        "Too many failed sign-in attempts. Try again in "
        f"{minutes} minute{'s' if minutes != 1 else ''}, or reset your password."
    )


def normalise_email(value: Any) -> str:
    return str(value or "").strip().lower()


def client_ip(request: Any) -> str:
    """The client's address: REMOTE_ADDR, unless ``PRM_TRUSTED_PROXIES`` (N) proxies stand in
    front of the app; then the N-th address from the right of X-Forwarded-For, the one the
    outermost trusted proxy saw connect. Anything left of it is the client's own say and is
    never trusted. A header with fewer entries than proxies did not come through all of them:
    then REMOTE_ADDR."""
    meta = request.META
    remote = meta.get("REMOTE_ADDR", "") or ""
    proxies = settings.PRM_TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    forwarded = [a.strip() for a in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    if len(forwarded) < proxies:
        return remote
    candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def ratelimit_key(group: str, request: HttpRequest) -> str:
    """django-ratelimit's key for other per-address limits: the same client address."""
    return client_ip(request)


def _key(kind: str, value: str) -> str:
    # The schema in the key, whatever the cache's KEY_FUNCTION: one tenant's accounts and
    # addresses are counted apart from another's. Hashed: any e-mail makes a valid key.
    return f"prm-login:{current_schema()}:{kind}:{hashlib.sha256(value.encode()).hexdigest()}"


def _keys(request: Any, email: str) -> list[tuple[str, int]]:
    return [
        (_key("account", normalise_email(email)), settings.PRM_LOGIN_FAILURES_PER_ACCOUNT),
        (_key("address", client_ip(request)), settings.PRM_LOGIN_FAILURES_PER_ADDRESS),
    ]


def is_locked(request: Any, email: str) -> bool:
    counts = cache.get_many([key for key, _ in _keys(request, email)])
    return any(counts.get(key, 0) >= limit for key, limit in _keys(request, email))


def record_failure(request: Any, email: str) -> None:
    cooloff = settings.PRM_LOGIN_COOLOFF_SECONDS
    for key, limit in _keys(request, email):
        cache.add(key, 0, timeout=cooloff)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, count := 1, timeout=cooloff)
        if count == limit:
            cache.touch(key, cooloff)  # locked for a full cool-off from this failure on


def unlock_account(email: str) -> None:
    """Forget the account's failures (in the current schema), e.g. after a password reset."""
    cache.delete(_key("account", normalise_email(email)))


def _credential(credentials: dict[str, Any]) -> str:
    return normalise_email(credentials.get("username") or credentials.get("email"))


@receiver(user_login_failed, dispatch_uid="prm-login-failed")
def _count_failure(sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any):
    if request is None:
        return  # not a sign-in over HTTP (a shell, a management command)
    record_failure(request, _credential(credentials))


@receiver(user_logged_in, dispatch_uid="prm-logged-in")
def _forget_failures(sender: Any, request: Any, user: Any, **kw: Any) -> None:
    # A success clears the account's count (not the address's: one's own account must not
    # wipe the failures one's address spent on others).
    if request is not None:
        unlock_account(user.get_username())


class LockoutFormMixin(forms.Form):
    """For AuthenticationForm subclasses: while locked, the lock's message, and the password
    is not even tried (so a refused attempt does not prolong the lock)."""

    request: Any

    def clean(self) -> dict[str, Any]:
        username = str(self.cleaned_data.get("username") or "")
        attempt = self.request is not None and username and self.cleaned_data.get("password")
        if attempt and is_locked(self.request, username):
            raise forms.ValidationError(locked_message(), code="locked")
        super().clean()
        return self.cleaned_data
