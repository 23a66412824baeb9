"""The scope matrix of MDF claims, their files and payouts, through the API and the file
URL: every persona x every claim and payout x list, detail, a file and an action. Out of
scope is the same 404 as missing; a partner never sees another partner's claim, file or
payout; only finance and admins move payouts.

World: the fund requests of tests/incentives/test_scope_matrix.py, approved and their
activities over; bob's and carol's claims approved (each with its payout), mia's waiting.
Each claim has its invoice (a PDF)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from incentives import claims, requests
from incentives.models import MdfRequest, Payout
from prm.money import Money
from tests.deals.conftest import all_rows, api_as
from tests.deals.test_partner_pages import browser_as
from tests.incentives.test_scope_matrix import (
    DECIDERS,
    PERSONAS,
    SEES_REQUESTS,
    VENDOR_STAFF,
    _mdf_world,
    _names,
)

__all__ = ["_mdf_world"]  # the fixture, imported for these tests

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
CSV = b"Name,Company\nAda,Analytical\n"
CLAIMS = ["bobs", "mias", "carols"]
SEES_CLAIMS = SEES_REQUESTS  # a claim is seen by who sees its request
PAYOUTS = ["bobs", "carols"]
SEES_PAYOUTS = {p: {c for c in PAYOUTS if c in SEES_CLAIMS[p]} for p in PERSONAS}
PAYS = {"admin", "finance"}  # mdf.pay
CLAIM_DECIDERS = DECIDERS | {"finance"}  # mdf.decide_claims


@pytest.fixture(scope="module")
def _claims_world(_mdf_world, django_db_blocker):
    from django.db import connection

    from tests.conftest import _activate

    w = _mdf_world
    with django_db_blocker.unblock():
        _activate("acme")
        w.claims, w.documents, w.payouts = {}, {}, {}
        for name, request in w.requests.items():
            approved = requests.mdf_request_approve(actor=w.admin, request=request)
            past = timezone.localdate() - dt.timedelta(days=3)
            MdfRequest.objects.filter(pk=approved.pk).update(starts_on=past, ends_on=past)
            approved.refresh_from_db()
            claim = claims.claim_file(
                actor={"bobs": w.bob, "mias": w.mia, "carols": w.carol}[name],
                request=approved,
                amount=Money(Decimal("400.00"), approved.currency),
                files=[claims.ProofIn("invoice", SimpleUploadedFile("invoice.pdf", PDF))]
                + [
                    claims.ProofIn(
                        proof, SimpleUploadedFile(f"{proof}.csv", b"Name,Company\na,b\n")
                    )
                    for proof in approved.required_proofs
                    if proof != "invoice"
                ],
                invoice_number=f"MATRIX-{name}",
                supplier_tax_id="DE1",
                invoice_total=Decimal("400.00"),
            )
            if name != "mias":
                claims.claim_approve(actor=w.admin, claim=claim)
                w.payouts[name] = Payout.objects.get(claim=claim)
            w.claims[name] = claim
            w.documents[name] = claim.documents.get(proof_type="invoice")
        connection.set_schema_to_public()
    return w


@pytest.fixture
def world(_claims_world, module_world):
    return module_world


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_lists_show_exactly_the_claims_and_payouts_in_scope(world, persona):
    client = api_as(getattr(world, persona))
    assert _names(all_rows(client, "/api/v1/mdf/claims/"), world.claims) == SEES_CLAIMS[persona]
    assert _names(all_rows(client, "/api/v1/payouts/"), world.payouts) == SEES_PAYOUTS[persona]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", CLAIMS)
def test_a_claim_and_its_files_out_of_scope_are_404_to_read_and_to_act_on(world, persona, name):
    user = getattr(world, persona)
    client = api_as(user)
    claim, document = world.claims[name], world.documents[name]
    url = f"/api/v1/mdf/claims/{claim.pk}/"
    visible = name in SEES_CLAIMS[persona]
    read = client.get(url)
    assert read.status_code == (200 if visible else 404)
    if visible:
        [invoice] = [d for d in read.json()["documents"] if d["proof_type"] == "invoice"]
        assert invoice["url"] == f"/funds/claims/{claim.pk}/files/{document.pk}/"
    file = browser_as(user).get(f"/funds/claims/{claim.pk}/files/{document.pk}/")
    assert file.status_code == (200 if visible else 404)
    if visible:
        assert b"".join(file.streaming_content) == PDF
        # The claim's page frames its PDFs; nothing else may, and nothing in them runs.
        assert file["X-Frame-Options"] == "SAMEORIGIN"
        assert "frame-ancestors 'self'" in file["Content-Security-Policy"]
        assert file["X-Content-Type-Options"] == "nosniff"
    # Another claim's file under this claim's URL is not found either.
    other = world.documents["carols" if name != "carols" else "bobs"]
    assert browser_as(user).get(f"/funds/claims/{claim.pk}/files/{other.pk}/").status_code == 404
    # No reason: invalid for those who decide claims, refused for the others who see it.
    rejected = client.post(f"{url}reject/", {}, format="json")
    expected = (400 if persona in CLAIM_DECIDERS else 403) if visible else 404
    assert rejected.status_code == expected, rejected.content
    added = client.post(
        f"{url}documents/", {"photos": SimpleUploadedFile("p.png", PDF)}, format="multipart"
    )
    # Vendor staff add no proof; a partner who sees it: only while it waits (mia's).
    if not visible:
        assert added.status_code == 404
    elif persona in VENDOR_STAFF:
        assert added.status_code == 403
    else:
        assert added.status_code == (200 if name == "mias" else 409), added.content


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", PAYOUTS)
def test_a_payout_out_of_scope_is_404_and_only_finance_moves_payouts(world, persona, name):
    client = api_as(getattr(world, persona))
    payout = world.payouts[name]
    visible = name in SEES_PAYOUTS[persona]
    assert client.get(f"/api/v1/payouts/{payout.pk}/").status_code == (200 if visible else 404)
    approved = client.post("/api/v1/payouts/approve/", {"payouts": [payout.pk]}, format="json")
    # Finance sees every payout; the others are refused before their body is read.
    assert approved.status_code == (200 if persona in PAYS else 403), approved.content
    payout.refresh_from_db()
    assert payout.status == ("approved" if persona in PAYS else "pending")


def test_a_claim_is_filed_only_against_ones_own_request(world):
    body = {
        "request": world.requests["carols"].pk,
        "amount": "10.00",
        "invoice_number": "X-1",
        "supplier_tax_id": "DE1",
        "invoice_total": "10.00",
        "invoice": SimpleUploadedFile("invoice.pdf", PDF),
    }
    response = api_as(world.bob).post("/api/v1/mdf/claims/", body, format="multipart")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    missing = api_as(world.bob).post(
        "/api/v1/mdf/claims/", {**body, "request": 999999}, format="multipart"
    )
    assert missing.status_code == 404 and missing.json() == response.json()
