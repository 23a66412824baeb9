import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partners import services
from partners.scope import partners_visible_to
from prm.errors import Conflict
from tests.partners.conftest import api_as


def names(queryset):
    return set(queryset.values_list("display_name", flat=True))


def test_moving_a_unit_rescopes_its_subtree_at_once(world):
    assert "Northwind" in names(partners_visible_to(world.cam_emea))
    services.org_unit_move(
        actor=world.admin, unit=world.dach, parent=world.americas, reason="reorganised"
    )
    world.cam_emea._prm_scope = world.cam_us._prm_scope = None  # a new request
    assert "Northwind" not in names(partners_visible_to(world.cam_emea))
    assert {"Northwind", "Northwind Berlin", "Tailwind"} <= names(partners_visible_to(world.cam_us))


def test_moving_a_unit_under_its_own_descendant_is_refused(world):
    with pytest.raises(ValidationError, match="under itself or one of its own sub-units"):
        services.org_unit_move(actor=world.admin, unit=world.emea, parent=world.dach)
    world.dach.refresh_from_db()
    assert world.dach.path.startswith(world.emea.path)


def test_cyclic_move_through_the_api_is_a_400_and_changes_nothing(world):
    client = api_as(world.admin)
    response = client.patch(f"/api/v1/org-units/{world.global_.pk}/", {"parent": world.dach.pk})
    assert response.status_code == 400
    assert response.json()["fields"]["parent"]
    assert client.get(f"/api/v1/org-units/{world.global_.pk}/").json()["parent"] is None


def test_duplicate_unit_names_under_one_parent_are_refused(world):
    client = api_as(world.admin)
    response = client.post("/api/v1/org-units/", {"name": "europe", "parent": world.global_.pk})
    assert response.status_code == 400
    assert "already exists" in response.json()["fields"]["name"][0]
    # The same name elsewhere in the tree is fine.
    ok = client.post("/api/v1/org-units/", {"name": "Europe", "parent": world.americas.pk})
    assert ok.status_code == 201


def test_moving_next_to_a_namesake_is_refused(world):
    other = services.org_unit_create(actor=world.admin, name="DACH", parent=world.americas)
    with pytest.raises(ValidationError, match="already exists"):
        services.org_unit_move(actor=world.admin, unit=other, parent=world.emea, reason="merge")


def test_a_unit_with_members_or_partners_cannot_be_deleted(world):
    client = api_as(world.admin)
    response = client.delete(f"/api/v1/org-units/{world.americas.pk}/")
    assert response.status_code == 409
    assert "1 member(s)" in response.json()["detail"]
    assert "1 partner(s)" in response.json()["detail"]
    empty = services.org_unit_create(actor=world.admin, name="APAC", parent=world.global_)
    assert client.delete(f"/api/v1/org-units/{empty.pk}/").status_code == 204
    with pytest.raises(Conflict, match="sub-unit"):
        services.org_unit_delete(actor=world.admin, unit=world.emea)


def test_org_unit_api_returns_the_tree_with_parents(world):
    rows = {
        r["name"]: r
        for r in api_as(world.cam_emea).get("/api/v1/org-units/").json()["results"]
        if r["name"] in {"Planet", "Europe", "DACH"}
    }
    assert rows["Planet"]["parent"] is None
    assert rows["Europe"]["parent"] == world.global_.pk
    assert rows["DACH"]["parent"] == world.emea.pk


def test_scoped_partner_list_query_count_does_not_grow_with_page_size(world):
    for i in range(30):
        services.partner_create(
            actor=world.admin,
            fields={
                "display_name": f"Reseller {i}",
                "partner_type": "reseller",
                "territory": world.dach,
            },
        )
    client = api_as(world.cam_emea)
    client.get("/api/v1/partners/")  # warm-up: scope, content types
    counts = []
    for size in (5, 30):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/api/v1/partners/", {"page_size": size})
        assert len(response.json()["results"]) == size
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_scoped_user_list_query_count_does_not_grow_with_page_size(world):
    client = api_as(world.admin)
    client.get("/api/v1/users/")
    counts = []
    for size in (2, 8):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/api/v1/users/", {"page_size": size})
        assert len(response.json()["results"]) == size
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_moving_a_unit_without_a_reason_is_refused_and_changes_nothing(world):
    before = world.dach.path
    with pytest.raises(ValidationError) as refused:
        services.org_unit_move(actor=world.admin, unit=world.dach, parent=world.americas)
    assert "reason" in refused.value.message_dict
    world.dach.refresh_from_db()
    assert world.dach.path == before


def test_the_reason_of_a_move_is_kept_in_the_audit_trail(world):
    services.org_unit_move(
        actor=world.admin, unit=world.dach, parent=world.americas, reason="new sales region"
    )
    latest = world.dach.history.order_by("-history_date").first()
    assert latest.history_change_reason == "moved under The Americas: new sales region"
    assert latest.history_user == world.admin


def test_a_move_through_the_api_needs_a_reason(world):
    client = api_as(world.admin)
    url = f"/api/v1/org-units/{world.dach.pk}/"
    refused = client.patch(url, {"parent": world.americas.pk}, format="json")
    assert refused.status_code == 400 and refused.json()["fields"]["reason"]
    assert client.get(url).json()["parent"] == world.emea.pk
    moved = client.patch(url, {"parent": world.americas.pk, "reason": "reorg"}, format="json")
    assert moved.status_code == 200 and moved.json()["parent"] == world.americas.pk
