"""A deal's files (the type read from the content, a size limit, served only to those who
may see the deal) and disputes of a rejection for a conflict: once, with a statement and
files; the competing partner's own evidence; decided by the manager of the channel
manager's unit through the engine's approval; the outcome in the audit trail."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from deals import scope, services
from deals.models import DealDispute, DealPolicy, DealStatus, DisputeStatus
from partners import services as partner_services
from partners.models import MembershipRole
from prm.errors import Conflict, IllegalTransition, Invalid, NotFound
from prm.uploads import FileTooLarge, UnsupportedFile
from tests.deals.test_deals import draft, shop, submitted
from tests.deals.test_partner_pages import browser_as
from workflows.approvals import approval_decide
from workflows.models import Approval
from workflows.services import defaults_install

__all__ = ["shop"]  # the fixture, imported for these tests

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
S = DealStatus


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_a_file_is_typed_by_its_content_and_served_only_to_who_sees_the_deal(world, shop):
    deal = draft(world, shop)
    document = services.deal_document_add(
        actor=world.bob, deal=deal, upload=upload("order.png", PDF), kind="po"
    )
    assert (document.content_type, document.original_name) == ("application/pdf", "order.png")
    assert document.file.name.endswith(".pdf") and "order" not in document.file.name
    url = f"/deals/{deal.pk}/files/{document.pk}/"
    own = browser_as(world.bob).get(url)
    assert own.status_code == 200 and own["Content-Type"] == "application/pdf"
    assert own["X-Content-Type-Options"] == "nosniff"
    assert b"".join(own.streaming_content) == PDF
    assert browser_as(world.cam_emea).get(url).status_code == 200
    assert browser_as(world.carol).get(url).status_code == 404
    assert browser_as(world.carol).get(f"/deals/{deal.pk}/files/999999/").status_code == 404


@pytest.mark.parametrize(
    ("content", "error"),
    [(b"MZ\x90\x00" + b"\x00" * 60, UnsupportedFile), (b"", UnsupportedFile)],
    ids=["executable", "empty"],
)
def test_a_file_of_another_type_is_refused_and_nothing_is_kept(world, shop, content, error):
    deal = draft(world, shop)
    with pytest.raises(error) as refused:
        services.deal_document_add(
            actor=world.bob, deal=deal, upload=upload("po.pdf", content), kind="po"
        )
    assert refused.value.status == 415
    assert deal.documents.count() == 0


def test_a_file_over_the_limit_is_a_413(world, shop, monkeypatch):
    monkeypatch.setattr("prm.uploads.MAX_BYTES", 64)
    deal = draft(world, shop)
    with pytest.raises(FileTooLarge) as refused:
        services.deal_document_add(
            actor=world.bob, deal=deal, upload=upload("po.pdf", PDF * 3), kind="po"
        )
    assert refused.value.status == 413 and deal.documents.count() == 0


def test_a_deal_above_the_evidence_amount_needs_a_file_to_be_submitted(world, shop):
    DealPolicy.objects.update_or_create(
        singleton=True, defaults={"evidence_above": Decimal("1000")}
    )
    deal = draft(world, shop)
    with pytest.raises(Invalid) as refused:
        services.deal_submit(actor=world.bob, deal=deal)
    assert refused.value.message_dict["documents"] == [
        "Deals above USD\xa01,000 need evidence: attach a letter of intent, a purchase order "
        "or a proposal."
    ]
    services.deal_document_add(
        actor=world.bob, deal=deal, upload=upload("loi.pdf", PDF), kind="loi"
    )
    assert services.deal_submit(actor=world.bob, deal=deal).status == S.SUBMITTED


@pytest.fixture
def contested(world, shop):
    """Northwind registered first; Tailwind's later registration (now of Europe too) was
    rejected for it."""
    partner_services.partner_update(
        actor=world.admin,
        partner=world.contoso,
        fields={"channel_manager": world.cam_emea, "territory": world.emea},
    )
    first = submitted(world, shop)
    later = submitted(world, shop, user=world.carol, name="Tailwind firewall")
    services.deal_reject(actor=world.cam_emea, deal=later, reason_code="duplicate", note="Late")
    later.refresh_from_db()
    return first, later


def test_a_rejection_for_a_conflict_is_disputed_once(world, shop, contested):
    first, later = contested
    dispute = services.deal_dispute(
        actor=world.carol,
        deal=later,
        statement="We met the customer in March.",
        files=[upload("minutes.png", PNG)],
    )
    assert dispute.status == DisputeStatus.OPEN
    assert later.documents.get().kind == "dispute"
    with pytest.raises(Conflict) as again:
        services.deal_dispute(actor=world.carol, deal=later, statement="Again")
    assert again.value.error_code == "already_disputed"
    with pytest.raises(Invalid):
        services.deal_dispute(actor=world.carol, deal=later, statement=" ")
    with pytest.raises(NotFound):  # Northwind's deal is not Tailwind's to dispute
        services.deal_dispute(actor=world.carol, deal=first, statement="Mine")


def test_only_a_rejection_for_a_conflict_can_be_disputed(world, shop):
    deal = submitted(world, shop)
    with pytest.raises(IllegalTransition):
        services.deal_dispute(actor=world.bob, deal=deal, statement="Not rejected yet")
    services.deal_reject(actor=world.admin, deal=deal, reason_code="incomplete")
    with pytest.raises(Conflict) as refused:
        services.deal_dispute(actor=world.bob, deal=deal, statement="It was complete")
    assert refused.value.error_code == "not_disputable"
    assert not DealDispute.objects.filter(deal=deal).exists()


def test_the_competing_partner_adds_evidence_that_the_disputing_partner_never_sees(
    world, shop, contested
):
    _, later = contested
    dispute = services.deal_dispute(actor=world.carol, deal=later, statement="We were first")
    assert list(scope.disputes_answerable_by(world.bob)) == [dispute]
    assert list(scope.disputes_answerable_by(world.carol)) == []
    response = services.dispute_respond(
        actor=world.bob,
        dispute=dispute,
        statement="Our PO is from January.",
        files=[upload("po.pdf", PDF)],
    )
    assert response.partner == world.berlin
    file = response.documents.get()
    assert file in scope.documents_visible_to(world.cam_emea, later)
    assert file not in scope.documents_visible_to(world.carol, later)
    assert browser_as(world.carol).get(f"/deals/{later.pk}/files/{file.pk}/").status_code == 404
    with pytest.raises(NotFound):
        services.dispute_respond(actor=world.carol, dispute=dispute, statement="Me too")


def make_unit_manager(world):
    """A manager of the channel manager's unit (Europe) other than the channel manager."""
    from prm.users.models import Role
    from prm.users.services import user_create

    boss = user_create(email="boss@world.example", role=Role.CHANNEL_MANAGER, send_welcome=False)
    partner_services.org_unit_membership_set(
        actor=world.admin, unit=world.emea, user=boss, role=MembershipRole.MANAGER
    )
    return boss


def test_the_unit_manager_overturns_a_rejection_through_the_default_workflow(
    world, shop, contested, django_capture_on_commit_callbacks
):
    first, later = contested
    boss = make_unit_manager(world)
    defaults_install(actor=world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        services.deal_dispute(actor=world.carol, deal=later, statement="We were first")
    approval = Approval.objects.get(  # (the demo has an open dispute of its own)
        run__workflow__name="Deal disputes", run__object_id=str(later.pk)
    )
    assert approval.approver == boss  # not the channel manager who rejected it
    with django_capture_on_commit_callbacks(execute=True):
        approval_decide(actor=boss, approval_id=approval.pk, decision="approved", comment="PO")
    later.refresh_from_db()
    assert later.status == S.APPROVED and later.protected_until is not None
    assert later.dispute.status == DisputeStatus.OVERTURNED
    assert later.dispute.decided_at is not None
    reasons = [h.history_change_reason for h in later.history.order_by("history_date")]
    assert any(r and r.startswith("approved: dispute overturned") for r in reasons)
    assert world.carol.notifications.filter(title="Dispute decided: Tailwind firewall").exists()
    # Priority as decided: Northwind's registration, still undecided, now waits behind it.
    first.refresh_from_db()
    assert first.queued_behind == later


def test_the_unit_manager_upholds_a_rejection_with_a_reason(world, shop, contested):
    _, later = contested
    boss = make_unit_manager(world)
    dispute = services.deal_dispute(actor=world.carol, deal=later, statement="We were first")
    with pytest.raises(Invalid):
        services.dispute_decide(
            actor=boss, dispute=dispute, overturn=False, reason_code="nope", text=""
        )
    services.dispute_decide(
        actor=boss, dispute=dispute, overturn=False, reason_code="priority_stands", text="Jan PO"
    )
    dispute.refresh_from_db()
    later.refresh_from_db()
    assert (dispute.status, later.status) == (DisputeStatus.UPHELD, S.REJECTED)
    assert dispute.history.first().history_change_reason.startswith(
        "rejection upheld: The earlier registration keeps its priority. Jan PO"
    )
    with pytest.raises(Conflict):
        services.dispute_decide(
            actor=boss, dispute=dispute, overturn=True, reason_code="other", text=""
        )
    with pytest.raises(Conflict):  # a second dispute after the decision
        services.deal_dispute(actor=world.carol, deal=later, statement="Again")
