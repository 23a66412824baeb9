"""HTTP guards of the whole portal: input no view should see, and answers no cache should
keep."""

from __future__ import annotations

from urllib.parse import unquote_plus

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.cache import patch_cache_control

from prm.api import error_body

NUL_MESSAGE = "The request contains a NUL character."


class RejectNulMiddleware:
    """A NUL character cannot be stored in Postgres text and is never part of a real
    request: a query string or path with one is refused with a 400 up front (instead of a
    500 from the database). Bodies: prm.parsers.JSONParser and Django's form fields."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "\x00" in unquote_plus(query):
            if request.path.startswith("/api/"):
                return JsonResponse(error_body("invalid", NUL_MESSAGE), status=400)
            return HttpResponseBadRequest(NUL_MESSAGE)
        return self.get_response(request)


class NoStoreMiddleware:
    """Signed-in pages and every answer of the API (tokens, ``me``, the caller's data; a
    token caller is only known inside the view) carry ``Cache-Control: no-store``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or request.path.startswith("/api/v1/"):
            patch_cache_control(response, no_store=True, private=True)
        return response
