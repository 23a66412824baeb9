"""Pieces shared by the MDF API modules: who may call which action (declared on each
viewset as ``capabilities``), money as a decimal string beside its currency, and the
validation of a body into the service's keyword arguments."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from deals.api.accounts import Ref, _ref, ref_or_null
from incentives.models.rates import RATE_DIGITS, RATE_PLACES
from prm.money import DECIMAL_PLACES, MAX_DIGITS
from prm.permissions import can
from prm.users.models import User

__all__ = [
    "Capability",
    "EnteredOut",
    "Ref",
    "_ref",
    "amount_in",
    "amount_out",
    "body",
    "caller",
    "person",
    "ref_or_null",
]


class Capability(BasePermission):
    """The viewset's ``capabilities``: ``{action: (capability, message)}`` (pretix's
    ``permission = 'can_view_orders'``), declared once per viewset instead of spelled in
    each action. An action on one object is checked once the object is found in the
    caller's scope (out of scope stays the same 404 as missing, whoever asks); the others
    (create, an action on the list) before the body is read, so a caller who may not write
    learns nothing from the body's errors. The services check the same capability again."""

    message = "You cannot do this."

    def _allowed(self, request: Request, view: Any) -> bool:
        needed = getattr(view, "capabilities", {}).get(view.action)
        if needed is None:
            return True
        capability, message = needed
        if can(request.user, capability):
            return True
        self.message = message
        return False

    def has_permission(self, request: Request, view: Any) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False  # a 401 (DRF answers it before asking for the message)
        return True if getattr(view, "detail", False) else self._allowed(request, view)

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        return self._allowed(request, view)


def amount_out(**kwargs: Any) -> serializers.DecimalField:
    """An amount as a decimal string ("1500.00"); its currency is the row's ``currency``."""
    kwargs.setdefault("read_only", True)
    return serializers.DecimalField(MAX_DIGITS, DECIMAL_PLACES, **kwargs)


def amount_in(**kwargs: Any) -> serializers.DecimalField:
    """An amount in a body: a decimal string with at most two decimals ("1500.00")."""
    kwargs.setdefault("help_text", 'A decimal string in the program\'s currency, e.g. "1500.00".')
    return serializers.DecimalField(MAX_DIGITS, DECIMAL_PLACES, **kwargs)


class EnteredOut(serializers.Serializer):
    """What the partner entered when it was in another currency than the program's (the
    amounts are converted into ``currency`` at ``exchange_rate``); empty and null otherwise."""

    entered_currency = serializers.CharField(
        read_only=True,
        help_text='The currency the amount was entered in, when not the program\'s; otherwise "".',
    )
    entered_amount = amount_out(
        allow_null=True, help_text="The amount as entered, in ``entered_currency``."
    )
    exchange_rate = serializers.DecimalField(
        RATE_DIGITS,
        RATE_PLACES,
        read_only=True,
        allow_null=True,
        help_text="Units of ``currency`` for one unit of ``entered_currency``.",
    )


def body(serializer: serializers.Serializer) -> dict[str, Any]:
    """The validated body, as the service's keyword arguments (its problems: a 400 with
    each field's, in the error shape of ``prm.api.exception_handler``)."""
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def caller(request: Request) -> User:
    """The caller as the scope functions take it (an anonymous one is never let in by the
    permission classes, and the scope functions answer it nothing anyway)."""
    return cast(User, request.user)


def person(user: User | None, context: Mapping[str, Any]) -> dict | None:
    """Someone who did something, as ``{id, name}``: their e-mail address, except that a
    partner reads vendor staff by their name (or "The vendor's team"), never by address."""
    if user is None:
        return None
    request = context.get("request")
    viewer = getattr(request, "user", None)
    if user.is_vendor_side and not getattr(viewer, "is_vendor_side", False):
        return {"id": user.pk, "name": user.full_name or "The vendor's team"}
    return {"id": user.pk, "name": user.email}
