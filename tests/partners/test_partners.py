from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from guardian.shortcuts import assign_perm

from partners import services
from partners.models import (
    Certification,
    Competency,
    Location,
    Partner,
    PartnerStatus,
    PartnerType,
    Tier,
)
from tests.partners.conftest import api_as


def test_a_subsidiary_inherits_territory_and_channel_manager(world):
    services.partner_update(
        actor=world.admin, partner=world.northwind, fields={"channel_manager": world.cam_emea}
    )
    response = api_as(world.alice).post(
        "/api/v1/partners/", {"display_name": "Northwind Vienna", "parent": world.northwind.pk}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["parent"] == world.northwind.pk
    assert body["territory"]["name"] == "DACH"
    assert body["channel_manager"]["name"] == "cam.emea@world.example"


def test_partner_users_cannot_enrol_partners_or_add_branches(world):
    response = api_as(world.bob).post(
        "/api/v1/partners/", {"display_name": "Rogue", "partner_type": "reseller"}
    )
    assert response.status_code == 403
    branch = api_as(world.bob).post(
        "/api/v1/partners/", {"display_name": "Rogue", "parent": world.berlin.pk}
    )
    assert branch.status_code == 403


def test_partner_admin_cannot_change_what_the_vendor_decides(world):
    gold, _ = Tier.objects.get_or_create(name="Gold", defaults={"rank": 3})
    response = api_as(world.alice).patch(
        f"/api/v1/partners/{world.northwind.pk}/", {"tier": gold.pk}, format="json"
    )
    assert response.status_code == 403
    world.northwind.refresh_from_db()
    assert world.northwind.tier is None


def test_status_follows_the_lifecycle_and_illegal_moves_are_409(world):
    client = api_as(world.cam_emea)
    url = f"/api/v1/partners/{world.northwind.pk}/status/"
    assert client.post(url, {"status": "active"}).json()["status"] == "active"
    illegal = client.post(url, {"status": "onboarding"})
    assert illegal.status_code == 409
    assert illegal.json()["code"] == "illegal_transition"
    assert "Active to Onboarding" in illegal.json()["detail"]
    world.northwind.refresh_from_db()
    assert world.northwind.status == PartnerStatus.ACTIVE
    assert client.post(url, {"status": "suspended", "reason": "unpaid"}).status_code == 200
    assert client.post(url, {"status": "active"}).status_code == 200
    assert client.post(url, {"status": "terminated"}).status_code == 200
    assert client.post(url, {"status": "active"}).status_code == 409


def test_partner_admins_cannot_change_status(world):
    response = api_as(world.alice).post(
        f"/api/v1/partners/{world.northwind.pk}/status/", {"status": "active"}
    )
    assert response.status_code == 403


def test_an_explicit_grant_shares_one_partner(world):
    client = api_as(world.bob)
    assert client.get(f"/api/v1/partners/{world.contoso.pk}/").status_code == 404
    assign_perm("view_partner", world.bob, world.contoso)
    world.bob._prm_scope = None
    assert client.get(f"/api/v1/partners/{world.contoso.pk}/").status_code == 200
    # Seeing is not changing.
    patch = client.patch(f"/api/v1/partners/{world.contoso.pk}/", {"description": "x"})
    assert patch.status_code == 403


def test_audit_trail_shows_who_changed_what(world):
    client = api_as(world.cam_emea)
    client.patch(
        f"/api/v1/partners/{world.northwind.pk}/", {"website": "https://northwind.example"}
    )
    client.post(f"/api/v1/partners/{world.northwind.pk}/status/", {"status": "active"})
    audit = client.get(
        "/api/v1/audit/", {"object_type": "partner", "object_id": world.northwind.pk}
    ).json()["results"]
    status_change, profile_change, created = audit[0], audit[1], audit[-1]
    assert status_change["by"] == "cam.emea@world.example"
    assert status_change["changes"] == [
        {
            "field": "status",
            "before": "onboarding",
            "after": "active",
            "label": "Status",
            "before_text": "Onboarding",
            "after_text": "Active",
            "text": "Status changed from Onboarding to Active",
        }
    ]
    assert status_change["summary"] == (
        "Status changed from Onboarding to Active by cam.emea@world.example."
    )
    assert status_change["reason"] == "status onboarding → active"
    assert {"field": "website", "before": "", "after": "https://northwind.example"} in [
        {k: c[k] for k in ("field", "before", "after")} for c in profile_change["changes"]
    ]
    assert created["action"] == "created"


def test_audit_of_an_object_out_of_scope_is_404(world):
    response = api_as(world.carol).get(
        "/api/v1/audit/", {"object_type": "partner", "object_id": world.northwind.pk}
    )
    assert response.status_code == 404
    assert api_as(world.carol).get("/api/v1/audit/").status_code == 400


@pytest.fixture
def skilled(world):
    cloud, _ = Competency.objects.get_or_create(name="Cloud")
    gold, _ = Tier.objects.get_or_create(name="Gold", defaults={"rank": 3})
    silver, _ = Tier.objects.get_or_create(name="Silver", defaults={"rank": 2})
    for partner, tier, people in ((world.northwind, silver, 3), (world.contoso, gold, 1)):
        services.partner_update(actor=world.admin, partner=partner, fields={"tier": tier})
        Location.objects.create(partner=partner, city="Berlin", country="DE")
        for n in range(people):
            Certification.objects.create(
                partner=partner,
                holder_name=f"Person {n}",
                name="Cloud Architect",
                competency=cloud,
                issued_on=date.today() - timedelta(days=100),
                expires_on=date.today() + timedelta(days=100),
            )
    # An expired certification does not count.
    Certification.objects.create(
        partner=world.contoso,
        holder_name="Old timer",
        name="Cloud Architect",
        competency=cloud,
        issued_on=date(2020, 1, 1),
        expires_on=date(2021, 1, 1),
    )
    return world


def test_search_ranks_by_certified_people_then_tier(skilled):
    results = (
        api_as(skilled.admin)
        .get("/api/v1/partners/search/", {"skill": "cloud", "country": "de"})
        .json()["results"]
    )
    ours = [r for r in results if r["display_name"] in {"Northwind", "Tailwind"}]
    assert [r["display_name"] for r in ours] == ["Northwind", "Tailwind"]
    assert [r["certified_people"] for r in ours] == [3, 1]
    assert ours[0]["score"] > ours[1]["score"]
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)


def test_search_filters_by_tier_and_stays_in_scope(skilled):
    gold = api_as(skilled.admin).get("/api/v1/partners/search/", {"tier": "gold"}).json()
    names = {r["display_name"] for r in gold["results"]}
    assert "Tailwind" in names and "Northwind" not in names
    scoped = api_as(skilled.cam_emea).get("/api/v1/partners/search/", {"skill": "Cloud"}).json()
    assert [r["display_name"] for r in scoped["results"]] == ["Northwind"]


def test_partner_admin_maintains_locations_certifications_and_plans(world):
    client = api_as(world.alice)
    base = f"/api/v1/partners/{world.berlin.pk}"
    location = client.post(
        f"{base}/locations/",
        {"city": "Berlin", "country": "DE", "is_headquarters": True},
        format="json",
    )
    assert location.status_code == 201, location.content
    second = client.post(f"{base}/locations/", {"city": "Potsdam", "country": "DE"}, format="json")
    assert api_as(world.bob).delete(f"{base}/locations/{second.json()['id']}/").status_code == 403
    assert client.delete(f"{base}/locations/{second.json()['id']}/").status_code == 204
    cert = client.post(
        f"{base}/certifications/",
        {
            "holder_name": "Ana",
            "name": "Cloud Architect",
            "issued_on": "2026-01-10",
            "expires_on": "2025-01-10",
        },
        format="json",
    )
    assert cert.status_code == 400  # expires before it was issued
    assert cert.json()["code"] == "invalid"
    plan = {"year": 2027, "revenue_target": "250000.00", "deals_target": 12}
    assert client.post(f"{base}/plans/", plan, format="json").status_code == 201
    plan["deals_target"] = 20
    assert client.post(f"{base}/plans/", plan, format="json").status_code == 201
    assert [p["deals_target"] for p in client.get(f"{base}/plans/").json()] == [20]
    # bob sees his unit's details but cannot change them; carol cannot see them at all.
    assert api_as(world.bob).get(f"{base}/locations/").json()[0]["city"] == "Berlin"
    refused = api_as(world.bob).post(f"{base}/plans/", plan, format="json")
    assert refused.status_code == 403
    assert api_as(world.carol).get(f"{base}/locations/").status_code == 404


@pytest.mark.parametrize(
    "field", ["tier", "territory", "channel_manager", "partner_type", "status"]
)
def test_a_partner_admin_cannot_set_vendor_only_fields_on_a_new_subsidiary(world, field):
    gold, _ = Tier.objects.get_or_create(name="Gold", defaults={"rank": 3})
    value = {
        "tier": gold,
        "territory": world.americas,
        "channel_manager": world.cam_us,
        "partner_type": PartnerType.MSP,
        "status": "active",
    }[field]
    before = Partner.objects.count()
    with pytest.raises(PermissionDenied):
        services.partner_create(
            actor=world.alice,
            parent=world.northwind,
            fields={"display_name": "Northwind Platinum", field: value},
        )
    assert Partner.objects.count() == before
    # Without them the subsidiary inherits the parent's.
    branch = services.partner_create(
        actor=world.alice, parent=world.northwind, fields={"display_name": "Northwind Hamburg"}
    )
    assert (branch.tier, branch.territory) == (world.northwind.tier, world.northwind.territory)


def test_a_channel_manager_cannot_place_a_partner_outside_their_territory(world):
    client = api_as(world.cam_emea)  # manager of Europe
    before = Partner.objects.count()
    outside = client.post(
        "/api/v1/partners/",
        {"display_name": "Far Away", "partner_type": "reseller", "territory": world.americas.pk},
        format="json",
    )
    assert outside.status_code == 400 and "territory" in outside.json()["fields"]
    assert Partner.objects.count() == before
    moved = client.patch(
        f"/api/v1/partners/{world.northwind.pk}/", {"territory": world.americas.pk}, format="json"
    )
    assert moved.status_code == 400
    world.northwind.refresh_from_db()
    assert world.northwind.territory == world.dach
    inside = client.post(
        "/api/v1/partners/",
        {"display_name": "Close By", "partner_type": "reseller", "territory": world.dach.pk},
        format="json",
    )
    assert inside.status_code == 201
