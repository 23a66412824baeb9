"""Issue 11, point 15: the audit trail reads as what happened ("Tier changed from Silver
to Gold by …"), with field labels and formatted values, and a partner's users never see
the vendor's staff e-mail addresses (on the partner page or in /api/v1/audit/)."""

import html
from datetime import date, datetime

import pytest
from django.utils import timezone

from partners import services
from partners.models import Competency, Partner, PartnerType, Tier
from prm.audit import Viewer, _plain, audit_trail, field_label, viewer_of
from tests.partners.conftest import api_as
from tests.partners.test_pages import browser_as

VENDOR_VIEW = Viewer(partner_side=False, vendor="Acme")
PARTNER_VIEW = Viewer(partner_side=True, vendor="Acme")


@pytest.fixture
def tiers(world):
    silver, _ = Tier.objects.get_or_create(name="Silver", defaults={"rank": 2})
    gold, _ = Tier.objects.get_or_create(name="Gold", defaults={"rank": 3})
    world.cam_emea.full_name = "Cam Emea"
    world.cam_emea.save()
    services.partner_update(
        actor=world.admin,
        partner=world.northwind,
        fields={"tier": silver, "channel_manager": world.cam_emea},
    )
    services.partner_update(actor=world.cam_emea, partner=world.northwind, fields={"tier": gold})
    return world


def test_labels_come_from_the_declarations_or_the_verbose_names():
    assert field_label(Partner, "display_name") == "Name"  # declared
    assert field_label(Partner, "channel_manager") == "Channel manager"  # verbose name
    assert field_label(Partner, "gone_field") == "Gone field"


def test_values_are_formatted_one_way():
    assert _plain(date(2026, 3, 5)) == "5 Mar 2026"
    moment = timezone.make_aware(datetime(2026, 3, 5, 14, 7))
    assert _plain(moment) == "5 Mar 2026 14:07"
    assert _plain(True) == "yes" and _plain(False) == "no"


def test_a_change_reads_as_a_sentence_with_names_not_ids(tiers):
    w = tiers
    trail = audit_trail(w.northwind, VENDOR_VIEW)
    assert trail[0]["summary"] == "Tier changed from Silver to Gold by Cam Emea."
    assert trail[1]["summary"] == (
        "Channel manager set to Cam Emea; Tier set to Silver by va@world.example."
    )
    assert trail[-1]["summary"] == "Enrolled by va@world.example."
    tier = trail[0]["changes"][0]
    assert (tier["label"], tier["before_text"], tier["after_text"]) == ("Tier", "Silver", "Gold")


def test_a_status_change_says_from_what_to_what_and_keeps_the_reason(world):
    services.partner_transition(
        actor=world.admin, partner=world.northwind, status="active", reason="Signed the plan"
    )
    latest = audit_trail(world.northwind, VENDOR_VIEW)[0]
    assert latest["summary"] == (
        "Status changed from Onboarding to Active by va@world.example: “Signed the plan”"
    )


def test_one_operation_saving_many_times_is_one_entry(world):
    cloud, _ = Competency.objects.get_or_create(name="Cloud")
    security, _ = Competency.objects.get_or_create(name="Security")
    partner = services.partner_create(
        actor=world.admin,
        fields={
            "display_name": "Zed",
            "partner_type": PartnerType.RESELLER,
            "competencies": [cloud],
        },
    )
    services.partner_update(actor=world.admin, partner=partner, fields={"competencies": [security]})
    trail = audit_trail(partner, VENDOR_VIEW)
    assert [e["summary"] for e in trail] == [
        "Competencies: added Security; removed Cloud by va@world.example.",
        "Enrolled by va@world.example.",
    ]


def test_many_changes_are_listed_under_what_was_done(world):
    services.partner_update(
        actor=world.admin,
        partner=world.northwind,
        fields={"website": "https://nw.example", "email_domain": "nw.example", "description": "x"},
    )
    latest = audit_trail(world.northwind, VENDOR_VIEW)[0]
    assert latest["summary"] == "Profile updated by va@world.example."
    assert "E-mail domain set to nw.example" in latest["details"]
    assert "Website set to https://nw.example" in latest["details"]


def test_partner_users_see_vendor_staff_without_their_email(tiers):
    w = tiers
    trail = audit_trail(w.northwind, PARTNER_VIEW)
    assert trail[0]["summary"] == "Tier changed from Silver to Gold by Cam Emea (Acme staff)."
    assert trail[1]["summary"] == (
        "Channel manager set to Cam Emea (Acme staff); Tier set to Silver by Acme staff."
    )
    assert viewer_of(w.alice) == Viewer(partner_side=True, vendor="Acme")
    assert viewer_of(w.admin).partner_side is False


def test_the_partner_page_shows_the_trail_in_words_and_no_staff_email_to_partners(tiers):
    w = tiers

    def audit_seen_by(user, partner) -> str:
        page = browser_as(user).get(f"/partners/{partner.pk}/").content.decode()
        return html.unescape(page).split('data-testid="audit"')[1].split("</ul>")[0]

    audit = audit_seen_by(w.alice, w.northwind)
    assert "Tier changed from Silver to Gold by Cam Emea (Acme staff)." in audit
    assert "Enrolled by Acme staff." in audit
    assert "@world.example" not in audit and "Changed —" not in audit
    branch = audit_seen_by(w.bob, w.berlin)
    assert "Added under Northwind by Acme staff." in branch and "@" not in branch
    vendor = html.unescape(browser_as(w.admin).get(f"/partners/{w.northwind.pk}/").content.decode())
    assert "Tier changed from Silver to Gold by Cam Emea." in vendor


def test_the_audit_api_gives_partner_users_no_staff_email(tiers):
    w = tiers
    query = {"object_type": "partner", "object_id": w.northwind.pk}
    answer = api_as(w.alice).get("/api/v1/audit/", query)
    assert answer.status_code == 200
    assert "@world.example" not in answer.content.decode()
    entries = answer.json()["results"]
    assert entries[0]["by"] == "Cam Emea (Acme staff)" and entries[-1]["by"] == "Acme staff"
    manager = next(c for c in entries[1]["changes"] if c["field"] == "channel_manager")
    assert manager["after"] == manager["after_text"] == "Cam Emea (Acme staff)"
    vendor = api_as(w.admin).get("/api/v1/audit/", query).json()["results"]
    assert vendor[-1]["by"] == "va@world.example"  # the vendor's own people keep theirs
