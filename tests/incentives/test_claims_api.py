"""The API of claims and payouts (incentives issue, points 4, 5 and 9): a claim is filed
as multipart with each file under its proof; each bad claim is refused with the error
shape (413/415 for files) and stores nothing; finance takes a payout from approval to paid
through the API, with the batch's CSV and the payment confirmation file."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from incentives.models import MdfClaim, Payout
from tests.deals.conftest import api_as
from tests.incentives.test_claims import CSV, PDF, PNG, approved, stored
from tests.incentives.test_payouts import finance
from tests.incentives.test_requests import funds

__all__ = ["approved", "finance", "funds"]  # the fixtures, imported for these tests

CLAIMS = "/api/v1/mdf/claims/"


@pytest.fixture
def world(module_world):
    return module_world


def claim_body(request, **overrides):
    return {
        "request": request.pk,
        "amount": "2000.00",
        "invoice_number": "INV-7",
        "supplier_tax_id": "DE123",
        "invoice_total": "2400.00",
        "leads": "30",
        "attendee_count": "41",
        "pipeline": "90000.00",
        "invoice": SimpleUploadedFile("invoice.pdf", PDF),
        "photos": [SimpleUploadedFile("a.png", PNG), SimpleUploadedFile("b.png", PNG)],
        "attendees": SimpleUploadedFile("list.csv", CSV),
        **overrides,
    }


def post(client, body):
    data = {k: v for k, v in body.items() if v is not None}
    return client.post(CLAIMS, data, format="multipart")


def test_a_claim_is_filed_with_its_files_by_proof(world, approved):
    response = post(api_as(world.bob), claim_body(approved))
    assert response.status_code == 201, response.content
    got = response.json()
    assert (got["leads"], got["attendee_count"]) == (30, 41)
    assert (got["status"], got["amount"], got["currency"]) == (
        "submitted",
        "2000.00",
        approved.currency,
    )
    proofs = sorted(d["proof_type"] for d in got["documents"])
    assert proofs == ["attendees", "invoice", "photos", "photos"]
    assert got["payout"] is None


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"amount": "3000.01"}, 400, "invalid"),
        ({"photos": None}, 400, "invalid"),
        (
            {"invoice": SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00" * 16)},
            415,
            "unsupported_file_type",
        ),
        ({"invoice_total": "abc"}, 400, "invalid"),
        ({"currency": "JPY"}, 400, "invalid"),
    ],
    ids=["above-approved", "missing-photos", "not-a-pdf", "bad-total", "currency"],
)
def test_a_bad_claim_is_refused_with_the_error_shape_and_stores_nothing(
    world, approved, change, status, code
):
    response = post(api_as(world.bob), claim_body(approved, **change))
    assert response.status_code == status, response.content
    assert response.json()["code"] == code and response.json()["detail"]
    assert not MdfClaim.objects.filter(request=approved).exists() and stored(approved) == []


def test_a_file_over_the_limit_is_a_413_and_after_the_deadline_a_409(world, approved, monkeypatch):
    monkeypatch.setattr("prm.uploads.MAX_BYTES", 64)
    response = post(
        api_as(world.bob), claim_body(approved, invoice=SimpleUploadedFile("i.pdf", PDF * 3))
    )
    assert response.status_code == 413 and response.json()["code"] == "file_too_large"
    monkeypatch.undo()
    type(approved).objects.filter(pk=approved.pk).update(claim_due_on=approved.starts_on)
    late = post(api_as(world.bob), claim_body(approved))
    assert late.status_code == 409 and late.json()["code"] == "claim_deadline_passed"
    assert not MdfClaim.objects.filter(request=approved).exists() and stored(approved) == []


def test_finance_takes_a_payout_from_approval_to_paid_through_the_api(world, approved, finance):
    response = post(api_as(world.bob), claim_body(approved))
    claim = response.json()["id"]
    decided = api_as(world.cam_emea).post(
        f"{CLAIMS}{claim}/approve/", {"amount": "1500.00"}, format="json"
    )
    assert decided.status_code == 200 and decided.json()["approved_amount"] == "1500.00"
    payout = decided.json()["payout"]
    client = api_as(finance)
    assert (
        client.post("/api/v1/payouts/approve/", {"payouts": [payout]}, format="json").status_code
        == 200
    )
    batch = client.post("/api/v1/payouts/export/", {"payouts": [payout]}, format="json")
    assert batch.status_code == 201 and batch.json()["payouts"] == [payout]
    file = client.get(f"/api/v1/payout-batches/{batch.json()['id']}/csv/")
    assert file.status_code == 200 and file["Content-Type"] == "text/csv"
    [row] = list(csv.DictReader(io.StringIO(file.content.decode())))
    assert (row["Amount"], row["Invoice number"]) == ("1500.00", "INV-7")
    bad = SimpleUploadedFile(
        "confirm.csv", f"Payout,Payment reference\n{row['Payout']},\n".encode()
    )
    refused = client.post("/api/v1/payouts/confirmations/", {"file": bad}, format="multipart")
    assert refused.status_code == 400 and refused.json()["errors"][0]["row"] == 1
    good = SimpleUploadedFile(
        "confirm.csv", f"Payout,Payment reference\n{row['Payout']},BANK-9\n".encode()
    )
    applied = client.post("/api/v1/payouts/confirmations/", {"file": good}, format="multipart")
    assert applied.json() == {"paid": 1, "failed": 0, "errors": []}
    paid = api_as(world.bob).get(f"/api/v1/payouts/{payout}/").json()
    assert (paid["status"], paid["payment_reference"]) == ("paid", "BANK-9")
    assert Payout.objects.get(pk=payout).pay_entry is not None
    approved.fund.refresh_from_db()
    assert (approved.fund.paid, approved.fund.payable) == (1500, 0)
