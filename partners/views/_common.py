"""Helpers shared by the partners pages: pages for the roles a capability allows, and a
small form's errors as one message."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest

from prm.permissions import can

__all__ = ["message_form_errors", "requires"]


def message_form_errors(request: HttpRequest, form) -> None:
    """A small form posted from a bigger page: its errors go to the page as one message."""

    def label(name: str) -> str:  # the field's label, never its internal name
        field = form.fields.get(name)
        return f"{field.label or name.replace('_', ' ').capitalize()}: " if field else ""

    problems = (f"{label(k)}{' '.join(map(str, v))}" for k, v in form.errors.items())
    messages.error(request, "; ".join(problems))


def requires(capability: str) -> Callable:
    """Pages for the roles a capability allows (prm.permissions); for everyone else they do
    not exist (404)."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not can(request.user, capability):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
