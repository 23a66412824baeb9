"""Ids in request bodies resolve through the caller's scope (STYLE.md "Reading: one door
per model"; REVIEW.md finding 4): for every id field of the API, a missing id and an id
outside the caller's scope get exactly the same answer, the 404 an id in a URL gets.
And authorization comes before validation: a caller who may not write learns nothing
from the errors of the body.

One test per id field; ``MISSING`` is an id no row has."""

from __future__ import annotations

from partners.models import Agreement, OrgUnitMembership, Partner, PartnerMembership, Tier
from tests.partners.conftest import api_as
from workflows.services import workflow_save

MISSING = 999999
NOT_FOUND = {"code": "not_found", "detail": "Not found.", "fields": {}}


def same_answer(client, method: str, url: str, body: dict, field: str, theirs, missing=MISSING):
    """POST/PATCH ``body`` with ``field`` set to another partner's row and to a missing id;
    both answers, which must not differ."""
    send = getattr(client, method)
    a = send(url, {**body, field: theirs}, format="json")
    b = send(url, {**body, field: missing}, format="json")
    assert (a.status_code, a.json()) == (b.status_code, b.json()), (a.content, b.content)
    return a


def test_an_id_in_a_url_gets_the_answer_the_body_ids_are_held_to(world):
    answer = api_as(world.alice).get(f"/api/v1/partners/{world.contoso.pk}/")
    assert (answer.status_code, answer.json()) == (404, NOT_FOUND)


# --- partners: parent, territory, channel manager, tier --------------------------------


def test_a_missing_parent_and_a_parent_out_of_scope_get_the_same_answer(world):
    client = api_as(world.alice)
    theirs = client.post(
        "/api/v1/partners/", {"display_name": "X", "parent": world.contoso.pk}, format="json"
    )
    missing = client.post(
        "/api/v1/partners/", {"display_name": "X", "parent": MISSING}, format="json"
    )
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json() == NOT_FOUND


def test_a_missing_parent_is_a_404_whatever_else_in_the_body_is_wrong(world):
    client = api_as(world.alice)
    body = {"display_name": "", "website": "not a url"}
    answer = same_answer(client, "post", "/api/v1/partners/", body, "parent", world.contoso.pk)
    assert (answer.status_code, answer.json()) == (404, NOT_FOUND)
    # A parent that is not an id at all is a plain 400 on the field, as before.
    typo = client.post("/api/v1/partners/", {"display_name": "X", "parent": "abc"}, format="json")
    assert typo.status_code == 400 and "parent" in typo.json()["fields"]


def test_a_missing_territory_and_a_territory_out_of_scope_get_the_same_answer(world):
    # The vendor's org tree is out of every partner user's scope.
    body = {"display_name": "Northwind Vienna", "parent": world.northwind.pk}
    answer = same_answer(
        api_as(world.alice), "post", "/api/v1/partners/", body, "territory", world.americas.pk
    )
    assert (answer.status_code, answer.json()) == (404, NOT_FOUND)
    assert not Partner.objects.filter(display_name="Northwind Vienna").exists()
    patched = same_answer(
        api_as(world.alice),
        "patch",
        f"/api/v1/partners/{world.northwind.pk}/",
        {},
        "territory",
        world.americas.pk,
    )
    assert (patched.status_code, patched.json()) == (404, NOT_FOUND)
    world.northwind.refresh_from_db()
    assert world.northwind.territory == world.dach


def test_a_missing_territory_is_a_404_for_the_vendor_too(world):
    answer = api_as(world.cam_emea).patch(
        f"/api/v1/partners/{world.northwind.pk}/", {"territory": MISSING}, format="json"
    )
    assert (answer.status_code, answer.json()) == (404, NOT_FOUND)
    moved = api_as(world.cam_emea).patch(
        f"/api/v1/partners/{world.northwind.pk}/", {"territory": world.emea.pk}, format="json"
    )
    assert moved.status_code == 200 and moved.json()["territory"]["name"] == "Europe"


def test_a_missing_channel_manager_and_one_out_of_scope_get_the_same_answer(world):
    body = {"display_name": "Northwind Vienna", "parent": world.northwind.pk}
    answer = same_answer(
        api_as(world.alice), "post", "/api/v1/partners/", body, "channel_manager", world.cam_emea.pk
    )
    assert (answer.status_code, answer.json()) == (404, NOT_FOUND)
    # Vendor staff see their colleagues: a channel manager resolves, anyone else does not.
    client = api_as(world.cam_emea)
    url = f"/api/v1/partners/{world.northwind.pk}/"
    ok = client.patch(url, {"channel_manager": world.cam_us.pk}, format="json")
    assert ok.status_code == 200 and ok.json()["channel_manager"]["id"] == world.cam_us.pk
    not_a_cam = same_answer(client, "patch", url, {}, "channel_manager", world.admin.pk)
    assert (not_a_cam.status_code, not_a_cam.json()) == (404, NOT_FOUND)


def test_a_missing_tier_gets_the_same_404_as_any_missing_id(world):
    # Every user of the tenant sees the tiers: no tier is out of scope, a missing one is 404.
    gold, _ = Tier.objects.get_or_create(name="Gold", defaults={"rank": 3})
    client = api_as(world.cam_emea)
    url = f"/api/v1/partners/{world.northwind.pk}/"
    missing = client.patch(url, {"tier": MISSING}, format="json")
    assert (missing.status_code, missing.json()) == (404, NOT_FOUND)
    ok = client.patch(url, {"tier": gold.pk}, format="json")
    assert ok.status_code == 200 and ok.json()["tier"]["name"] == "Gold"
    cleared = client.patch(url, {"tier": None}, format="json")
    assert cleared.status_code == 200 and cleared.json()["tier"] is None


# --- members of a partner and of an org unit -------------------------------------------


def test_a_missing_member_and_a_member_out_of_scope_get_the_same_answer_on_a_partner(world):
    client = api_as(world.alice)
    url = f"/api/v1/partners/{world.northwind.pk}/members/"
    answer = same_answer(client, "post", url, {"role": "member"}, "user", world.carol.pk)
    assert (answer.status_code, answer.json()) == (404, NOT_FOUND)
    assert PartnerMembership.objects.get(user=world.carol).partner == world.contoso
    # A user in her scope is placed.
    moved = client.post(url, {"user": world.bob.pk, "role": "member"}, format="json")
    assert moved.status_code == 204
    assert PartnerMembership.objects.get(user=world.bob).partner == world.northwind


def test_a_missing_member_and_a_member_out_of_scope_get_the_same_answer_on_an_org_unit(world):
    url = f"/api/v1/org-units/{world.emea.pk}/members/"
    missing = api_as(world.admin).post(url, {"user": MISSING, "role": "member"}, format="json")
    assert (missing.status_code, missing.json()) == (404, NOT_FOUND)
    # cam_emea sees the unit but may not change it: refused before the user is looked up.
    answer = same_answer(
        api_as(world.cam_emea), "post", url, {"role": "member"}, "user", world.carol.pk
    )
    assert answer.status_code == 403
    placed = api_as(world.admin).post(
        url, {"user": world.cam_us.pk, "role": "member"}, format="json"
    )
    assert placed.status_code == 204
    assert OrgUnitMembership.objects.filter(unit=world.emea, user=world.cam_us).exists()


# --- org units: parent ------------------------------------------------------------------


def test_a_missing_parent_unit_gets_the_same_404_as_any_missing_id(world):
    client = api_as(world.admin)
    created = client.post("/api/v1/org-units/", {"name": "Nordics", "parent": MISSING})
    assert (created.status_code, created.json()) == (404, NOT_FOUND)
    moved = client.patch(f"/api/v1/org-units/{world.dach.pk}/", {"parent": MISSING}, format="json")
    assert (moved.status_code, moved.json()) == (404, NOT_FOUND)
    world.dach.refresh_from_db()
    assert world.dach.path.startswith(world.emea.path)
    # Who may not change the tree hears the same for any parent, existing or not.
    refused = same_answer(
        api_as(world.alice), "post", "/api/v1/org-units/", {"name": "N"}, "parent", world.dach.pk
    )
    assert refused.status_code == 403


# --- users: partner, org unit -----------------------------------------------------------


def test_a_missing_partner_and_a_partner_out_of_scope_get_the_same_answer_for_a_new_user(world):
    body = {"email": "new@world.example", "role": "partner_user"}
    for persona in (world.alice, world.cam_emea):
        answer = same_answer(
            api_as(persona), "post", "/api/v1/users/", body, "partner", world.contoso.pk
        )
        assert (answer.status_code, answer.json()) == (404, NOT_FOUND)
    ok = api_as(world.alice).post(
        "/api/v1/users/", {**body, "partner": world.berlin.pk}, format="json"
    )
    assert ok.status_code == 201 and ok.json()["partner"]["id"] == world.berlin.pk


def test_a_missing_org_unit_and_one_out_of_scope_get_the_same_answer_for_a_new_user(world):
    body = {"email": "new@world.example", "role": "partner_user", "partner": world.berlin.pk}
    answer = same_answer(
        api_as(world.alice), "post", "/api/v1/users/", body, "org_unit", world.dach.pk
    )
    assert (answer.status_code, answer.json()) == (404, NOT_FOUND)
    vendor = {"email": "staff@world.example", "role": "channel_manager"}
    missing = api_as(world.admin).post("/api/v1/users/", {**vendor, "org_unit": MISSING})
    assert (missing.status_code, missing.json()) == (404, NOT_FOUND)
    ok = api_as(world.admin).post("/api/v1/users/", {**vendor, "org_unit": world.dach.pk})
    assert ok.status_code == 201 and ok.json()["org_units"][0]["id"] == world.dach.pk


def test_a_users_partner_and_org_unit_cannot_be_changed_whichever_id_is_given(world):
    url = f"/api/v1/users/{world.bob.pk}/"
    for field, theirs in (("partner", world.contoso.pk), ("org_unit", world.dach.pk)):
        answer = same_answer(api_as(world.alice), "patch", url, {}, field, theirs)
        assert answer.status_code == 400
        assert answer.json()["fields"] == {field: ["This field cannot be changed."]}


# --- workflows: the dry run's object ----------------------------------------------------


def test_a_missing_object_and_one_out_of_scope_get_the_same_answer_in_a_dry_run(world):
    # An agreement not yet published is no object a dry run may try.
    draft = Agreement.objects.create(version=90, title="Draft", body="Not yet")
    workflow = workflow_save(
        actor=world.admin,
        name="Terms",
        trigger="agreement.published",
        definition={"actions": [{"type": "notify", "to": "vendor_admins", "title": "New"}]},
    )
    url = f"/api/v1/workflows/{workflow.pk}/dry-run/"
    answer = same_answer(api_as(world.admin), "post", url, {}, "object_id", draft.pk)
    assert (answer.status_code, answer.json()) == (404, NOT_FOUND)


# --- authorization before validation ----------------------------------------------------


def test_who_may_not_write_hears_403_whatever_the_body_holds(world):
    bob = api_as(world.bob)
    bad = {"display_name": "", "website": "not a url", "territory": MISSING, "tier": MISSING}
    good = {"display_name": "Rogue", "partner_type": "reseller"}
    for body in (bad, good):
        assert bob.post("/api/v1/partners/", body, format="json").status_code == 403
        branch = {**body, "parent": world.berlin.pk}
        assert bob.post("/api/v1/partners/", branch, format="json").status_code == 403
        patched = bob.patch(f"/api/v1/partners/{world.berlin.pk}/", body, format="json")
        assert patched.status_code == 403
    members = f"/api/v1/partners/{world.berlin.pk}/members/"
    for body in ({"user": MISSING, "role": "boss"}, {"user": world.bob.pk, "role": "member"}):
        assert bob.post(members, body, format="json").status_code == 403
    for body in ({}, {"email": "x", "role": "nobody", "partner": MISSING}):
        assert bob.post("/api/v1/users/", body, format="json").status_code == 403
    cam = api_as(world.cam_emea)
    for body in ({"parent": MISSING}, {"name": "Nordics", "parent": world.emea.pk}):
        assert cam.post("/api/v1/org-units/", body, format="json").status_code == 403
        patched = cam.patch(f"/api/v1/org-units/{world.dach.pk}/", body, format="json")
        assert patched.status_code == 403
    alice_on_carol = api_as(world.alice).patch(
        f"/api/v1/users/{world.carol.pk}/", {"role": "nobody"}, format="json"
    )
    assert alice_on_carol.status_code == 404  # not in her scope at all
    cam_on_alice = cam.patch(f"/api/v1/users/{world.alice.pk}/", {"role": "x"}, format="json")
    assert cam_on_alice.status_code == 403  # visible, not editable
