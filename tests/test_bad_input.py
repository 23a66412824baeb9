"""No input gives a 500 (issue 10, points 12 and 13): NUL characters in query strings and
JSON bodies, form bodies on JSON routes and non-numeric ids are refused with the error
shape; signed-in pages and API answers are not cacheable."""

import pytest

from prm.errors import Invalid
from tests.conftest import ACME_HOST, login_client, token_client
from tests.partners.conftest import _module_world, module_world, world  # noqa: F401 - fixtures
from tests.workflows.test_approvals import approval_flow  # noqa: F401 - a fixture
from tests.workflows.test_engine import activate
from workflows.approvals import approval_decide, approval_request_info
from workflows.models import Approval

API_QUERIES = [
    "/api/v1/partners/search/?skill=%00",
    "/api/v1/partners/?q=%00",
    "/api/v1/users/?q=%00",
    "/api/v1/workflow-runs/?workflow=%00",
    "/api/v1/products/?q=%00",
]
PAGES = [
    "/partners/?q=%00",
    "/users/?q=%00",
    "/partners/search/?skill=%00",
    "/products/?q=%00",
    "/products/export.csv?q=%00",
]


@pytest.mark.parametrize("path", API_QUERIES)
def test_a_nul_in_an_api_query_string_is_a_400_with_the_error_shape(db, path):
    answer = token_client(ACME_HOST, "admin@acme.example").get(path)
    assert answer.status_code == 400
    assert answer.json() == {
        "code": "invalid",
        "detail": "The request contains a NUL character.",
        "fields": {},
    }


@pytest.mark.parametrize("path", PAGES)
def test_a_nul_in_a_page_query_string_is_a_400(db, path):
    assert login_client(ACME_HOST, "admin@acme.example").get(path).status_code == 400


def test_a_nul_inside_a_json_body_is_a_400(db):
    client = token_client(ACME_HOST, "admin@acme.example")
    title = "a\u0000b"
    answer = client.post(
        "/api/v1/workflows/",
        {
            "name": "Nul",
            "trigger": "partner.enrolled",
            "definition": {"actions": [{"type": "notify", "to": "actor", "title": title}]},
        },
        content_type="application/json",
    )
    assert answer.status_code == 400 and answer.json()["code"] == "parse_error"


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
)
def test_form_and_multipart_bodies_on_json_routes_are_a_415(db, content_type):
    client = token_client(ACME_HOST, "admin@acme.example")
    answer = client.post("/api/v1/workflows/", data="name=x", content_type=content_type)
    assert answer.status_code == 415 and answer.json()["code"] == "unsupported_media_type"


@pytest.mark.parametrize(
    "path", ["/api/v1/approvals/abc/approve/", "/api/v1/workflow-runs/x1/retry/"]
)
def test_a_non_numeric_id_is_the_same_404_as_a_missing_one(db, path):
    client = token_client(ACME_HOST, "admin@acme.example")
    missing = path.replace("abc", "999999").replace("x1", "999999")
    for url in (path, missing):
        assert client.post(url, {}, content_type="application/json").status_code == 404


def test_an_odd_audit_object_id_is_not_a_500(db):
    client = token_client(ACME_HOST, "admin@acme.example")
    answer = client.get("/api/v1/audit/?object_type=partner&object_id=%C2%B2")
    assert answer.status_code in {400, 404}


def test_signed_in_pages_and_api_answers_are_not_cacheable(db):
    page = login_client(ACME_HOST, "admin@acme.example").get("/")
    assert "no-store" in page["Cache-Control"]
    api = token_client(ACME_HOST, "admin@acme.example")
    assert "no-store" in api.get("/api/v1/me/")["Cache-Control"]
    from django.test import Client

    token = Client(HTTP_HOST=ACME_HOST).post(
        "/api/v1/auth/token/",
        {"email": "admin@acme.example", "password": "demo-pass-123"},
        content_type="application/json",
    )
    assert token.status_code == 200 and "no-store" in token["Cache-Control"]


def test_an_unknown_host_under_the_api_answers_the_error_shape(db):
    from django.test import Client

    answer = Client(HTTP_HOST="nobody.localhost").get("/api/v1/me/")
    assert answer.status_code == 404
    assert answer.json() == {"code": "not_found", "detail": "Not found.", "fields": {}}


def test_host_names_match_whatever_their_case(db):
    assert login_client("ACME.Localhost", "admin@acme.example").get("/").status_code == 200


def test_make_run_listens_on_loopback_unless_told_otherwise(monkeypatch):
    import argparse

    from prm import launcher

    monkeypatch.delenv("BIND", raising=False)
    seen = {}
    real = argparse.ArgumentParser.parse_args

    def capture(self, args=None, namespace=None):
        parsed = real(self, args, namespace)
        seen.update(vars(parsed))
        raise SystemExit(0)

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", capture)
    with pytest.raises(SystemExit):
        launcher.main([])
    assert seen["bind"] == "127.0.0.1"


def test_an_oversized_body_is_a_413_with_the_error_shape_and_no_traceback(db, caplog):
    client = token_client(ACME_HOST, "admin@acme.example")
    body = '{"name": "' + "x" * (3 * 1024 * 1024) + '"}'
    answer = client.post("/api/v1/workflows/", data=body, content_type="application/json")
    assert answer.status_code == 413 and answer.json()["code"] == "too_large"
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


@pytest.mark.parametrize("depth", [40, 100_000])
def test_deeply_nested_json_is_a_400(db, depth):
    client = token_client(ACME_HOST, "admin@acme.example")
    body = '{"definition": ' + "[" * depth + "]" * depth + "}"
    answer = client.post("/api/v1/workflows/", data=body, content_type="application/json")
    assert answer.status_code == 400 and answer.json()["code"] == "parse_error"


def test_a_workflow_definition_has_a_bounded_size(db):
    client = token_client(ACME_HOST, "admin@acme.example")
    notes = [{"type": "notify", "to": "actor", "title": "x" * 1000} for _ in range(80)]
    answer = client.post(
        "/api/v1/workflows/",
        {"name": "Huge", "trigger": "partner.enrolled", "definition": {"actions": notes}},
        content_type="application/json",
    )
    assert answer.status_code == 400 and "at most 64 KB" in answer.json()["detail"]


@pytest.mark.parametrize("body", [{}, {"name": 1, "trigger": "nonsense"}])
def test_a_partner_user_learns_nothing_from_posting_to_workflows(db, body):
    answer = token_client(ACME_HOST, "bob@northwind.example").post(
        "/api/v1/workflows/", body, content_type="application/json"
    )
    assert answer.status_code == 403 and answer.json()["fields"] == {}


def _first_partner_id(client) -> int:
    return client.get("/api/v1/partners/?q=Northwind").json()["results"][0]["id"]


LONG_TEXTS = [
    # (persona, method, path, body with a text one character over its limit, the field)
    (
        "admin@acme.example",
        "post",
        "/api/v1/agreements/",
        {"title": "T", "body": "x" * 200_001},
        "body",
    ),
    (
        "admin@acme.example",
        "post",
        "/api/v1/workflows/",
        {"description": "x" * 5_001},
        "description",
    ),
    (
        "admin@acme.example",
        "patch",
        "/api/v1/partners/{p}/",
        {"description": "x" * 5_001},
        "description",
    ),
    (
        "admin@acme.example",
        "post",
        "/api/v1/partners/{p}/status/",
        {"status": "suspended", "reason": "x" * 2_001},
        "reason",
    ),
    (
        "cam@acme.example",
        "post",
        "/api/v1/partners/{p}/contacts/",
        {"kind": "call", "happened_on": "2026-11-02", "note": "x" * 2_001},
        "note",
    ),
    (
        "admin@acme.example",
        "post",
        "/api/v1/auth/token/",
        {"email": "admin@acme.example", "password": "x" * 1_025},
        "password",
    ),
]


@pytest.mark.parametrize(("email", "method", "path", "body", "field"), LONG_TEXTS)
def test_a_free_text_over_its_limit_is_a_400_beside_the_field(db, email, method, path, body, field):
    client = token_client(ACME_HOST, email)
    path = path.format(p=_first_partner_id(client))
    answer = getattr(client, method)(path, body, content_type="application/json")
    assert answer.status_code == 400, answer.content
    assert field in answer.json()["fields"]


def test_a_decision_comment_over_its_limit_is_refused_by_the_service(
    approval_flow,  # noqa: F811 - the fixture imported above
    django_capture_on_commit_callbacks,
):
    world = approval_flow  # noqa: F811
    activate(world, django_capture_on_commit_callbacks)
    approval = Approval.objects.get(run__object_id=str(world.northwind.pk))
    for decide in (
        lambda: approval_decide(
            actor=world.cam_emea, approval_id=approval.pk, decision="approved", comment="x" * 2_001
        ),
        lambda: approval_request_info(
            actor=world.cam_emea, approval_id=approval.pk, comment="x" * 2_001
        ),
    ):
        with pytest.raises(Invalid) as refused:
            decide()
        assert "comment" in refused.value.message_dict
    approval.refresh_from_db()
    assert approval.decided_at is None


@pytest.mark.parametrize("body", ["[]", '["x"]', '"text"', "42", "null"])
def test_a_body_that_is_not_a_json_object_is_a_400(db, body):
    client = token_client(ACME_HOST, "admin@acme.example")
    for path in ("/api/v1/partners/", "/api/v1/workflows/", "/api/v1/org-units/"):
        answer = client.post(path, body, content_type="application/json")
        assert answer.status_code == 400, (path, answer.content)
        assert answer.json()["detail"] == "The request body must be a JSON object."
