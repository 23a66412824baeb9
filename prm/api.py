"""API conventions shared by every app: the JSON error shape of PRODUCT.md §9 and
pagination. Services raise ``prm.errors``; this module is where they become HTTP."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from prm.errors import Invalid, ServiceError

logger = logging.getLogger(__name__)


TOO_LARGE = "The request body is larger than the portal accepts."


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


def error_body(code: str, detail: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "detail": detail, "fields": fields or {}}


def _first_message(data: Any) -> str:
    while isinstance(data, list | dict):
        if not data:
            return ""
        data = data[0] if isinstance(data, list) else next(iter(data.values()))
    return str(data)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every API error as ``{"code", "detail", "fields"}``. Django's ValidationError (raised
    by services) becomes a 400 with the same field map as a serializer's; a service's
    ``prm.errors`` refusal its own status and code."""
    if isinstance(exc, RequestDataTooBig):
        return Response(error_body("too_large", TOO_LARGE), status=413)
    if isinstance(exc, ServiceError) and not isinstance(exc, Invalid | Http404 | PermissionDenied):
        return Response(error_body(exc.error_code, exc.detail), status=exc.status)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # unexpected: ApiErrorMiddleware logs it and answers a JSON 500
    if isinstance(exc, exceptions.ValidationError):
        data = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        fields = {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in data.items()}
        detail = "Invalid input: " + _first_message(data) if data else "Invalid input."
        response.data = error_body("invalid", detail, fields)
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        code = codes if isinstance(codes, str) else "error"
        response.data = error_body(code, str(getattr(exc, "detail", exc)))
    return response


class ApiErrorMiddleware:
    """JSON instead of HTML for API requests that fail outside DRF's handler: an unknown
    URL under /api/ (404) and any unhandled exception (500, no traceback in the body)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code == 404
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return JsonResponse(error_body("not_found", "Not found."), status=404)
        return response

    def process_exception(self, request, exception):
        if not request.path.startswith("/api/"):
            return None
        if isinstance(exception, Http404):
            return JsonResponse(error_body("not_found", "Not found."), status=404)
        if isinstance(exception, RequestDataTooBig):  # a client error: no traceback
            return JsonResponse(error_body("too_large", TOO_LARGE), status=413)
        logger.exception("Unhandled API error", exc_info=exception)
        return JsonResponse(
            error_body("server_error", "Something went wrong on our side; it has been logged."),
            status=500,
        )
