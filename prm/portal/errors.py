from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from prm.api import error_body


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("not_found", "Not found."), status=404)
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(
            error_body("server_error", "Something went wrong on our side; it has been logged."),
            status=500,
        )
    # No context processors: whatever failed may fail again while rendering the page.
    from django.template import loader

    return HttpResponse(loader.get_template("500.html").render(), status=500)
