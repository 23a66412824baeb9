"""The portal pages of claims, payouts and ROI (incentives issue, point 8): a partner files a
claim with its files (a bad one keeps what was typed and says why, nothing stored) or asks
for a later deadline; the claim page shows the files inline, the fund and, to the channel
team, the partner's history, and its decision goes through the workflow's approval; finance
approves, exports, marks paid in bulk and downloads the batch; the ROI page shows the
activity's figures. Out of scope is a 404."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from incentives import roi
from incentives.claims import claim_approve, claim_file
from incentives.models import MdfClaim, MdfRequest, Payout
from partners import services as partner_services
from tests.incentives.test_claims import CSV, PDF, PNG, approved, cash, invoice, proofs, stored
from tests.incentives.test_pages import browser_as
from tests.incentives.test_payouts import finance
from tests.incentives.test_requests import funds
from workflows.models import Approval
from workflows.services import defaults_install

__all__ = ["approved", "finance", "funds"]  # the fixtures, imported for these tests


@pytest.fixture
def world(module_world):
    return module_world


def form(**overrides):
    return {
        "amount": "2000.00",
        "invoice_number": "INV-P-1",
        "supplier_tax_id": "DE99",
        "invoice_total": "2500.00",
        "leads": "12",
        "attendee_count": "30",
        "pipeline": "40000",
        "note": "",
        "invoice": SimpleUploadedFile("invoice.pdf", PDF),
        "photos": SimpleUploadedFile("stand.png", PNG),
        "attendees": SimpleUploadedFile("list.csv", CSV),
        **overrides,
    }


def post_claim(client, request, **overrides):
    data = {k: v for k, v in form(**overrides).items() if v is not None}
    return client.post(f"/funds/requests/{request.pk}/claim/", data)


def test_a_partner_files_a_claim_on_the_page_and_sees_it_with_its_files(world, approved):
    client = browser_as(world.bob)
    page = client.get(f"/funds/requests/{approved.pk}/claim/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Invoice" in text and "Attendee list" in text and "needed" in text
    # The attendee list is missing: the form again, with what was typed, nothing stored.
    response = post_claim(client, approved, attendees=None)
    assert response.status_code == 200
    assert "Attach the proof this activity needs: attendee list." in response.content.decode()
    assert 'value="INV-P-1"' in response.content.decode()
    assert not MdfClaim.objects.filter(request=approved).exists() and stored(approved) == []
    # A file that is not what its name says: refused, nothing stored.
    bad = post_claim(client, approved, invoice=SimpleUploadedFile("i.pdf", b"MZ\x90\x00" * 16))
    assert "is not a file we take here" in bad.content.decode()
    assert not MdfClaim.objects.filter(request=approved).exists() and stored(approved) == []
    full = post_claim(client, approved)
    claim = MdfClaim.objects.get(request=approved)
    assert full.status_code == 302 and full["Location"] == f"/funds/claims/{claim.pk}/"
    assert claim.attendees == 30
    detail = client.get(f"/funds/claims/{claim.pk}/").content.decode()
    assert "preview-pdf" in detail and "preview-image" in detail
    assert "Waiting for the channel team" in detail
    assert "partner-history" not in detail  # the partner's history is for the channel team
    assert browser_as(world.carol).get(f"/funds/claims/{claim.pk}/").status_code == 404
    assert browser_as(world.carol).get(f"/funds/requests/{approved.pk}/claim/").status_code == 404
    staff = browser_as(world.cam_emea).get(f"/funds/claims/{claim.pk}/").content.decode()
    assert "partner-history" in staff and "decide-form" in staff
    request_page = client.get(f"/funds/requests/{approved.pk}/").content.decode()
    assert f"/funds/claims/{claim.pk}/" in request_page and "request-claims" in request_page


def test_a_partner_asks_for_a_later_deadline_on_the_claim_page(world, approved):
    MdfRequest.objects.filter(pk=approved.pk).update(
        claim_due_on=timezone.localdate() - dt.timedelta(days=1)
    )
    client = browser_as(world.bob)
    page = client.get(f"/funds/requests/{approved.pk}/claim/").content.decode()
    assert "extension-form" in page and "claim-form" not in page
    client.post(f"/funds/requests/{approved.pk}/later-deadline/", {"later-reason": "Late invoice"})
    approved.refresh_from_db()
    assert approved.extension_reason == "Late invoice"
    again = client.get(f"/funds/requests/{approved.pk}/claim/").content.decode()
    assert "You asked for a later deadline" in again


def test_the_channel_manager_decides_on_the_claim_page_through_the_workflows_approval(
    world, approved, django_capture_on_commit_callbacks
):
    defaults_install(actor=world.admin)
    partner_services.partner_update(
        actor=world.admin, partner=world.berlin, fields={"channel_manager": world.cam_emea}
    )
    with django_capture_on_commit_callbacks(execute=True):
        claim = claim_file(
            actor=world.bob, request=approved, amount=cash("900"), files=proofs(), **invoice()
        )
    client = browser_as(world.cam_emea)
    refused = client.post(
        f"/funds/claims/{claim.pk}/decide/", {"decision": "rejected", "decide-note": ""}
    )
    assert refused.status_code == 302
    claim.refresh_from_db()
    assert claim.status == "submitted"  # a rejection needs its reason
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/funds/claims/{claim.pk}/decide/", {"decision": "approved", "decide-note": "ok"}
        )
    claim.refresh_from_db()
    assert claim.status == "approved"
    approval = Approval.objects.get(run__object_type="mdfclaim", run__object_id=str(claim.pk))
    assert (approval.decision, approval.approver) == ("approved", world.cam_emea)
    assert browser_as(world.bob).post(f"/funds/claims/{claim.pk}/decide/", {}).status_code == 404


def test_finance_approves_exports_and_marks_paid_in_bulk_on_the_payouts_page(
    world, approved, finance
):
    made = []
    for number, amount in (("B-1", "700"), ("B-2", "300")):
        claim = claim_file(
            actor=world.bob,
            request=approved,
            amount=cash(amount),
            files=proofs(),
            **invoice(invoice_number=number),
        )
        claim_approve(actor=world.cam_emea, claim=claim)
        made.append(Payout.objects.get(claim=claim))
    ids = [str(p.pk) for p in made]
    client = browser_as(finance)
    page = client.get("/funds/payouts/?status=pending").content.decode()
    assert f"tick-{made[0].number}" in page and "bulk-paid" in page
    assert (
        client.post(
            "/funds/payouts/bulk/", {"action": "paid", "payouts": ids, "payment_reference": "X"}
        ).status_code
        == 302
    )
    assert {p.status for p in Payout.objects.filter(pk__in=ids)} == {"pending"}  # not exported
    client.post("/funds/payouts/bulk/", {"action": "approve", "payouts": ids})
    client.post("/funds/payouts/bulk/", {"action": "export", "payouts": ids})
    batch = Payout.objects.get(pk=ids[0]).batch
    file = client.get(f"/funds/payouts/batches/{batch.pk}.csv")
    rows = list(csv.DictReader(io.StringIO(file.content.decode())))
    assert {r["Invoice number"] for r in rows} == {"B-1", "B-2"}
    client.post(
        "/funds/payouts/bulk/",
        {"action": "paid", "payouts": ids, "payment_reference": "SEPA-77", "paid_on": ""},
    )
    assert {p.status for p in Payout.objects.filter(pk__in=ids)} == {"paid"}
    mine = browser_as(world.bob).get("/funds/payouts/").content.decode()
    assert made[0].number in mine and "bulk-paid" not in mine
    assert (
        browser_as(world.carol).get("/funds/payouts/").content.decode().count(made[0].number) == 0
    )
    assert (
        browser_as(world.bob).post("/funds/payouts/bulk/", {"action": "approve"}).status_code == 404
    )
    export = client.get("/funds/payouts/?format=csv")
    assert export["Content-Type"] == "text/csv" and "SEPA-77" in export.content.decode()


def test_the_roi_page_shows_the_activity_with_its_figures(world, approved):
    claim = claim_file(
        actor=world.bob, request=approved, amount=cash("2000"), files=proofs(), **invoice()
    )
    claim_approve(actor=world.cam_emea, claim=claim)
    page = browser_as(world.cam_emea).get("/funds/results/?by=activity").content.decode()
    assert approved.title in page and "-100%" in page
    activity = browser_as(world.cam_emea).get(f"/funds/results/activities/{approved.pk}/")
    assert activity.status_code == 200 and "attribute-form" in activity.content.decode()
    assert (
        browser_as(world.carol).get(f"/funds/results/activities/{approved.pk}/").status_code == 404
    )
    rows = roi.roi_rows(world.cam_emea, by="activity")
    assert any(r.key == approved.pk and r.roi_text == "-100%" for r in rows)
    csv_file = browser_as(world.cam_emea).get("/funds/results/?by=program&format=csv")
    assert csv_file["Content-Type"] == "text/csv"


def test_the_admin_sets_a_programs_caps_on_its_page(world, approved):
    from incentives.models import ActivityCap

    program = approved.fund.program
    page = browser_as(world.admin).get(f"/funds/programs/{program.pk}/").content.decode()
    assert "caps-form" in page and "Content syndication" in page
    client = browser_as(world.admin)
    bad = client.post(f"/funds/programs/{program.pk}/caps/", {"event-amount": "lots"})
    assert bad.status_code == 302 and not ActivityCap.objects.filter(program=program).exists()
    client.post(
        f"/funds/programs/{program.pk}/caps/", {"event-amount": "2,500", "webinar-percent": "50"}
    )
    caps = {c.activity_type: (c.max_amount, c.max_percent) for c in program.caps.all()}
    assert caps == {"event": (2500, None), "webinar": (None, 50)}
    assert 'value="2500.00"' in client.get(f"/funds/programs/{program.pk}/").content.decode()
    cam = browser_as(world.cam_emea)
    assert cam.post(f"/funds/programs/{program.pk}/caps/", {"event-amount": "1"}).status_code == 404


def test_the_payouts_page_reads_the_same_few_queries_whatever_its_rows(world, approved, finance):
    """Each payout's partner, claim, activity, batch and payee come with it (the columns
    the list shows, not one query per row)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = browser_as(finance)
    client.get("/funds/payouts/")  # the tenant's host and the session, read once

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            page = client.get("/funds/payouts/?status=pending").content.decode()
        return len(captured.captured_queries), page.count('data-testid="payout-row"')

    before, shown = queries()
    for number in ("INV-Q-1", "INV-Q-2", "INV-Q-3"):
        claim = claim_file(
            actor=world.bob,
            request=approved,
            amount=cash("100"),
            files=proofs(),
            **invoice(invoice_number=number),
        )
        claim_approve(actor=world.cam_emea, claim=claim)
    after, more = queries()
    assert more == shown + 3
    assert after == before
