"""The OpenAPI schema describes what every operation accepts and answers: schemathesis
generates valid and invalid requests for every operation, as a vendor admin and as a
partner user, and checks each answer: no 5xx, and status code, content type, headers and
body as the schema documents them."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from decimal import Decimal

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from prm.wsgi import application
from tests.conftest import ACME_HOST, _activate, token_client

EXAMPLES = 3  # per operation and kind of input: about 400 requests per persona
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _in_test_transaction(environ, start_response):
    """The portal as a WSGI app that keeps the test's transaction across requests: Django's
    handler closes a connection that is inside a transaction when a request starts and ends
    (the test client avoids that in the same way)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        response = application(environ, start_response)
        body = b"".join(response)
        response.close()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    return [body]


def _rolled_back():
    """A savepoint per example, so that one example's writes (a replaced token, a partner
    suspended) do not change the next; marked as a test case's own, as Django's TestCase
    marks its blocks, so that the services' durable transactions run inside it."""
    atomic = transaction.atomic()
    atomic._from_testcase = True
    return atomic


def _known_ids(client, path: str) -> dict[str, int]:
    """Ids of objects the caller sees for a path's parameters (the first row of the list
    the path's ``{id}`` belongs to, and of its sub-list for ``{location_id}``)."""
    if "{id}" not in path:
        return {}
    listed = client.get(path.split("{id}")[0])
    rows = listed.json().get("results", []) if listed.status_code == 200 else []
    if not rows:
        return {}
    known = {"id": rows[0]["id"]}
    if "{location_id}" in path:
        locations = client.get(path.split("{location_id}")[0].format(**known)).json()
        if not locations:
            return {}
        known["location_id"] = locations[0]["id"]
    return known


def _checker(strategy, label: str, call: dict, counts: dict, failures: list[str]):
    """A hypothesis test of one operation: each example is sent, its answer checked against
    the schema, and a failure collected under ``label`` (so every operation runs)."""

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        counts["examples"] += 1
        with _rolled_back():
            response = case.call(**call)
            try:
                case.validate_response(
                    response, checks=CHECKS, headers=call["headers"], transport_kwargs=call
                )
            except BaseExceptionGroup as error:
                failures.append(f"{label}: {error}"[:3000])
            transaction.set_rollback(True)

    return check


def run_every_operation(email: str) -> tuple[dict[str, int], list[str]]:
    client = token_client(ACME_HOST, email)
    headers = {"Authorization": client.defaults["HTTP_AUTHORIZATION"]}
    schema = schemathesis.openapi.from_dict(client.get("/api/schema/?format=json").json())
    schema.app = _in_test_transaction
    call = {"base_url": f"http://{ACME_HOST}", "headers": headers}
    counts = {"operations": 0, "examples": 0}
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        counts["operations"] += 1
        flavours = [
            ("valid", operation.as_strategy()),
            ("invalid", operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)),
        ]
        known = _known_ids(client, operation.path)
        if known:  # random ids are mostly missing: real answers come with real ones
            flavours.append(("valid, real ids", operation.as_strategy(path_parameters=known)))
        for flavour, strategy in flavours:
            # Unsatisfiable: e.g. no invalid request exists for a GET without input.
            with contextlib.suppress(Unsatisfiable):
                _checker(strategy, f"{operation.label} ({flavour})", call, counts, failures)()
    return counts, failures


def _a_deal_of_bobs() -> None:
    """The deal operations are called with a real id too: bob's submitted deal (the demo
    tenant may have no deals yet), which both personas see. Submitted, not a draft: a draft
    cannot be withdrawn yet (tests/deals/test_deals_api.py::test_a_draft_is_withdrawn)."""
    from deals import services
    from deals.models import Deal, Product, ProductLine
    from partners.selectors import agreement_current, has_accepted_current_terms
    from partners.services import agreement_accept
    from prm.users.models import User

    _activate("acme")
    bob = User.objects.get(email="bob@northwind.example")
    if not Deal.objects.filter(submitter=bob).exists():
        # A product of its own: the demo's may need a tier or a certification.
        line = ProductLine.objects.create(name="Conformance firewalls")
        product = Product.objects.create(
            sku="CONF-FW-1", name="Firewall", line=line, list_price=5000, currency="USD"
        )
        if not has_accepted_current_terms(bob):
            agreement_accept(actor=bob, agreement=agreement_current(), ip_address="127.0.0.1")
        deal = services.deal_create(
            actor=bob,
            account=services.account_create(actor=bob, name="Conformance Customer", country="US"),
            name="Conformance deal",
            lines=[services.LineIn(product, 2, Decimal("5000.00"))],
            currency="USD",
            expected_close_date=timezone.localdate() + timedelta(days=30),
        )
        services.deal_submit(actor=bob, deal=deal)
    connection.set_schema_to_public()


@pytest.mark.parametrize("email", ["admin@acme.example", "bob@northwind.example"])
def test_every_operation_answers_as_its_schema_says(db, email):
    _a_deal_of_bobs()
    counts, failures = run_every_operation(email)
    print(email, counts)
    assert counts["operations"] >= 50
    assert failures == [], "\n\n".join(failures)
