"""Request bodies of every app's API: ids resolve through the caller's scope, and the
caller is authorized before the rest of the body is validated (STYLE.md "Reading: one door
per model").

An id in a body is read like an id in a URL: through the selector the views use, so a
missing id and another partner's id get the same 404 (``{"code": "not_found", ...}``, from
``prm.api.exception_handler``). Zulip: *"the error message is the same for streams you
can't access and streams that don't exist."* Deals and incentives declare theirs the same
way::

    class DealIn(serializers.Serializer):
        account = ScopedPrimaryKeyField(selector=accounts_visible_to)

and pass ``context={"request": request}`` (a viewset's ``get_serializer_context()``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, QuerySet
from rest_framework import serializers
from rest_framework.fields import SkipField

from prm.errors import Forbidden, NotFound

__all__ = ["ScopedPrimaryKeyField", "require_in", "validate_first"]


class ScopedPrimaryKeyField(serializers.IntegerField):
    """The id of a row the caller may see: ``selector(request.user)`` is the queryset the
    views read through (``partners_visible_to`` …). Not an integer: 400, as any field.
    Missing or outside the selector: ``NotFound``, the same 404 as a missing id in a URL,
    whatever else in the body is wrong (a 404 is raised, not collected with the 400s).
    The schema shows an integer."""

    def __init__(self, *, selector: Callable[[Any], QuerySet], **kwargs: Any) -> None:
        self.selector = selector
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:  # a row of the selector, not the int
        pk = super().to_internal_value(data)
        request = self.context.get("request")
        if request is None:
            raise ImproperlyConfigured(
                f"{type(self.root).__name__} needs context={{'request': request}}: "
                f"its field {self.field_name!r} resolves ids through the caller's scope."
            )
        row = self.selector(request.user).filter(pk=pk).first()
        if row is None:
            raise NotFound("Not found.")
        return row

    def to_representation(self, value: Any) -> Any:
        return getattr(value, "pk", value)


def validate_first(serializer: serializers.Serializer, name: str) -> Any:
    """The value of one field of ``serializer``'s body, validated on its own (None when
    absent): the object a request writes to, resolved so the caller is authorized on it
    before the rest of the body is read. Its errors are keyed by the field, as ``is_valid``
    keys them."""
    field = serializer.fields[name]
    try:
        return field.run_validation(field.get_value(serializer.initial_data))
    except SkipField:
        return None
    except serializers.ValidationError as exc:
        raise serializers.ValidationError({name: exc.detail}) from None


def require_in(allowed: QuerySet, obj: Model, message: str = "You cannot change this.") -> None:
    """Authorization before validation: refuse (403) a caller who sees ``obj`` but for whom
    it is not in ``allowed`` (``partners_editable_by(user)`` …), before the body is
    validated, so a caller who may not write learns nothing from the body's errors. The
    service asks the same queryset again; this only moves the refusal ahead."""
    if not allowed.filter(pk=obj.pk).exists():
        raise Forbidden(message)
