"""The errors services raise, our own and not the web framework's (HackSoft's "own hierarchy
of exceptions"; pretix's ``OrderError``).

They are mapped to HTTP once, in ``prm.api.exception_handler`` (status and ``code`` of the
JSON error shape, PRODUCT.md §9), and to page messages once, in
``prm.portal.views.service_errors``. Each subclasses the Django exception it means, so
Django itself (a 404 page, a 403, a form's ``add_error``) understands them too.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404


class ServiceError(Exception):
    """A refusal by a service: the request is understood and changes nothing."""

    status = 400
    error_code = "error"

    def __init__(self, message: object = "", *args: object, code: str | None = None) -> None:
        super().__init__(message, *args)
        if code:
            self.error_code = code

    @property
    def detail(self) -> str:
        """The human text, for the API's ``detail`` and a page's message."""
        return str(self.args[0]) if self.args else ""


class NotFound(ServiceError, Http404):
    """Missing, or outside the caller's scope: the two look the same (PRODUCT.md §2)."""

    status = 404
    error_code = "not_found"


class Forbidden(ServiceError, PermissionDenied):
    """The caller sees the object but may not do this to it."""

    status = 403
    error_code = "permission_denied"


class Conflict(ServiceError):
    """Valid, but it clashes with the current state (already decided, still in use)."""

    status = 409
    error_code = "conflict"


class IllegalTransition(Conflict):
    """A lifecycle move its table does not allow (``prm.lifecycle``)."""

    error_code = "illegal_transition"


class Invalid(ValidationError, ServiceError):
    """Bad input, by field (``{"field": ["message"]}``) or for the whole request."""

    status = 400
    error_code = "invalid"

    @property
    def detail(self) -> str:
        return " ".join(self.messages)
