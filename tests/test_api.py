import pytest
import yaml
from django.test import Client
from django.urls import include, path
from django_tenants.utils import schema_context
from openapi_spec_validator import validate
from rest_framework.generics import ListAPIView

from partners.api import UserOut
from prm.errors import Conflict
from prm.users.models import User
from tests.conftest import ACME_HOST, GLOBEX_HOST


def test_token_login_and_me(acme_admin_api):
    me = acme_admin_api.get("/api/v1/me/").json()
    assert me["email"] == "admin@acme.example"
    assert me["role"] == "vendor_admin"
    assert me["side"] == "vendor"
    assert me["tenant"] == {"schema": "acme", "name": "Acme"}


def test_me_of_a_partner_user(acme_partner_api):
    me = acme_partner_api.get("/api/v1/me/").json()
    assert (me["role"], me["side"]) == ("partner_user", "partner")


def test_an_acme_token_is_worthless_on_globex(acme_admin_api):
    token = acme_admin_api.defaults["HTTP_AUTHORIZATION"]
    response = Client(HTTP_HOST=GLOBEX_HOST, HTTP_AUTHORIZATION=token).get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_missing_token_is_a_401_in_the_error_shape(db):
    response = Client(HTTP_HOST=ACME_HOST).get("/api/v1/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {
        "code": "not_authenticated",
        "detail": "Authentication credentials were not provided.",
        "fields": {},
    }


def test_bad_token_is_a_401(db):
    client = Client(HTTP_HOST=ACME_HOST, HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_wrong_password_on_the_token_endpoint_is_a_401_without_a_hint(db):
    client = Client(HTTP_HOST=ACME_HOST)
    answers = [
        client.post("/api/v1/auth/token/", body, content_type="application/json")
        for body in (
            {"email": "admin@acme.example", "password": "wrong"},
            {"email": "ghost@acme.example", "password": "wrong"},
        )
    ]
    assert [a.status_code for a in answers] == [401, 401]
    assert answers[0].json() == answers[1].json()


def test_malformed_json_is_a_400_in_the_error_shape(db):
    response = Client(HTTP_HOST=ACME_HOST).post(
        "/api/v1/auth/token/", '{"email": ', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_validation_errors_list_their_fields(db):
    response = Client(HTTP_HOST=ACME_HOST).post(
        "/api/v1/auth/token/", {"email": "not-an-email"}, content_type="application/json"
    )
    body = response.json()
    assert response.status_code == 400
    assert body["code"] == "invalid"
    assert set(body["fields"]) == {"email", "password"}


def test_unknown_api_url_is_a_json_404(db):
    response = Client(HTTP_HOST=ACME_HOST).get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found.", "fields": {}}


def _boom(request):
    raise RuntimeError("secret internals")


def _conflict(request):
    from rest_framework.decorators import api_view, permission_classes
    from rest_framework.permissions import AllowAny

    @api_view(["POST"])
    @permission_classes([AllowAny])
    def view(request):
        raise Conflict("The account is already reserved.")

    return view(request)


urlpatterns = [
    path("api/v1/boom/", _boom),
    path("api/v1/conflict/", _conflict),
    path("api/v1/users-page/", lambda r: _UserList.as_view()(r)),
    path("", include("prm.urls")),
]


@pytest.mark.urls("tests.test_api")
def test_server_error_is_a_json_500_without_traceback(db):
    client = Client(HTTP_HOST=ACME_HOST, raise_request_exception=False)
    response = client.get("/api/v1/boom/")
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert b"secret internals" not in response.content
    assert b"Traceback" not in response.content


@pytest.mark.urls("tests.test_api")
def test_conflict_is_a_409_in_the_error_shape(db):
    response = Client(HTTP_HOST=ACME_HOST).post("/api/v1/conflict/")
    assert response.status_code == 409
    assert response.json() == {
        "code": "conflict",
        "detail": "The account is already reserved.",
        "fields": {},
    }


def test_openapi_schema_is_valid(acme_admin_api):
    response = acme_admin_api.get("/api/schema/")
    assert response.status_code == 200
    spec = yaml.safe_load(response.content)
    validate(spec)
    assert "/api/v1/auth/token/" in spec["paths"]
    assert "/api/v1/me/" in spec["paths"]
    operations = [op for item in spec["paths"].values() for op in item.values()]
    bodies = {ct for op in operations for ct in op.get("requestBody", {}).get("content", {})}
    # What the API's parsers accept, nothing else: JSON, and multipart where files are sent
    # (a claim with its proof, more proof, the bank's confirmation file).
    assert bodies == {"application/json", "multipart/form-data"}
    multipart = {
        path
        for path, ops in spec["paths"].items()
        for op in ops.values()
        if "multipart/form-data" in op.get("requestBody", {}).get("content", {})
    }
    assert multipart == {
        "/api/v1/mdf/claims/",
        "/api/v1/mdf/claims/{id}/documents/",
        "/api/v1/payouts/confirmations/",
    }
    assert all({"400", "401", "403", "404"} <= set(op["responses"]) for op in operations)


def test_api_docs_are_served_without_a_cdn(db):
    page = Client(HTTP_HOST=ACME_HOST).get("/api/docs/").content.decode()
    assert "swagger-ui" in page
    assert "cdn" not in page.lower()
    assert "/static/drf_spectacular_sidecar/" in page


class _UserList(ListAPIView):
    serializer_class = UserOut
    queryset = User.objects.order_by("email")


@pytest.mark.urls("tests.test_api")
def test_lists_are_paginated_with_a_bounded_page_size(acme_admin_api):
    with schema_context("acme"):
        users = User.objects.count()
    first = acme_admin_api.get("/api/v1/users-page/?page_size=2").json()
    assert first["count"] == users
    assert len(first["results"]) == 2
    assert first["next"].endswith("page=2&page_size=2")
    assert acme_admin_api.get("/api/v1/users-page/?page=99").status_code == 404


def test_api_docs_start_without_inline_script(db):
    page = Client(HTTP_HOST=ACME_HOST).get("/api/docs/").content.decode()
    assert "<script>" not in page.replace(" ", "")
    script = Client(HTTP_HOST=ACME_HOST).get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
