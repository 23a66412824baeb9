"""The scope matrix: every persona x every object x list / detail / update, for partners,
users and org units, from one table. A later issue adds its model by adding a RESOURCES row.

Relationships covered (from the personas' side): own record (bob → bob, alice → Northwind),
same partner (alice → Berlin's bob), other branch of the same partner (bob → Munich / mia),
other partner (carol → Northwind), other territory (cam_us → Northwind), other tenant
(globex → everything of acme).

The world is built once for the module (``module_world``); each case runs in a savepoint
that is rolled back, so a PATCH of one case is not seen by the next."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django_tenants.utils import schema_context

from prm.users.models import VENDOR_ROLES, Role
from prm.users.services import user_create
from tests.conftest import GLOBEX_HOST
from tests.partners.conftest import api_as

PERSONAS = ["admin", "cam_emea", "cam_us", "alice", "bob", "carol"]
PARTNERS = ["northwind", "berlin", "munich", "contoso"]
USERS = ["admin", "cam_emea", "cam_us", "alice", "bob", "mia", "carol"]
UNITS = ["global_", "emea", "dach", "americas"]
VENDOR_STAFF = {"admin", "cam_emea", "cam_us"}


@dataclass(frozen=True)
class Resource:
    url: str
    objects: list[str]
    label: str  # the field that names an object in the API
    patch: dict
    visible: dict[str, set[str]]  # persona -> objects it sees
    editable: dict[str, set[str]]  # persona -> objects it may change
    # Rows outside the world (demo data) a persona may also list: the admin sees the whole
    # tenant; vendor staff see the whole vendor-side directory.
    extra_ok: Callable[[str, dict], bool] = lambda persona, row: persona == "admin"


RESOURCES = {
    "partners": Resource(
        url="/api/v1/partners/",
        objects=PARTNERS,
        label="display_name",
        patch={"description": "Updated by the scope matrix"},
        visible={
            "admin": set(PARTNERS),
            "cam_emea": {"northwind", "berlin", "munich"},  # DACH is under EMEA
            "cam_us": {"contoso"},
            "alice": {"northwind", "berlin", "munich"},  # her subtree
            "bob": {"berlin"},  # his own unit only
            "carol": {"contoso"},
        },
        editable={
            "admin": set(PARTNERS),
            "cam_emea": {"northwind", "berlin", "munich"},
            "cam_us": {"contoso"},
            "alice": {"northwind", "berlin", "munich"},
            "bob": set(),
            "carol": set(),
        },
    ),
    "users": Resource(
        url="/api/v1/users/",
        objects=USERS,
        label="email",
        patch={"full_name": "Renamed by the scope matrix"},
        visible={
            "admin": set(USERS),
            "cam_emea": VENDOR_STAFF | {"alice", "bob", "mia"},
            "cam_us": VENDOR_STAFF | {"carol"},
            "alice": {"alice", "bob", "mia"},
            "bob": {"bob"},
            "carol": {"carol"},
        },
        editable={
            "admin": set(USERS),
            "cam_emea": set(),
            "cam_us": set(),
            "alice": {"alice", "bob", "mia"},
            "bob": set(),
            "carol": set(),
        },
        extra_ok=lambda persona, row: (
            persona == "admin" or (persona in VENDOR_STAFF and row["role"] in VENDOR_ROLES)
        ),
    ),
    "org_units": Resource(
        url="/api/v1/org-units/",
        objects=UNITS,
        label="name",
        patch={"name": "Renamed"},
        visible={p: set(UNITS) if p in VENDOR_STAFF else set() for p in PERSONAS},
        editable={p: set(UNITS) if p == "admin" else set() for p in PERSONAS},
        extra_ok=lambda persona, row: persona in VENDOR_STAFF,  # the whole vendor tree
    ),
}


@pytest.fixture
def world(module_world):
    return module_world


def _label(world, resource: Resource, name: str) -> str:
    obj = getattr(world, name)
    return str(getattr(obj, "email" if resource.label == "email" else resource.label))


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("resource", RESOURCES.values(), ids=RESOURCES.keys())
def test_list_shows_exactly_the_rows_in_scope(world, resource, persona):
    response = api_as(getattr(world, persona)).get(resource.url, {"page_size": 200})
    assert response.status_code == 200
    rows = response.json()["results"]
    world_labels = {_label(world, resource, name) for name in resource.objects}
    expected = {_label(world, resource, name) for name in resource.visible[persona]}
    assert {row[resource.label] for row in rows} & world_labels == expected
    extras = [row for row in rows if row[resource.label] not in world_labels]
    assert all(resource.extra_ok(persona, row) for row in extras), extras


def _cases(kind: str):
    for key, resource in RESOURCES.items():
        for persona in PERSONAS:
            for name in resource.objects:
                yield pytest.param(resource, persona, name, id=f"{key}-{persona}-{kind}-{name}")


@pytest.mark.parametrize(("resource", "persona", "name"), list(_cases("detail")))
def test_detail_is_404_out_of_scope(world, resource, persona, name):
    obj = getattr(world, name)
    response = api_as(getattr(world, persona)).get(f"{resource.url}{obj.pk}/")
    expected = 200 if name in resource.visible[persona] else 404
    assert response.status_code == expected, response.content


@pytest.mark.parametrize(("resource", "persona", "name"), list(_cases("update")))
def test_update_only_where_editable_403_where_only_visible_404_elsewhere(
    world, resource, persona, name
):
    obj = getattr(world, name)
    before = _row(obj)
    response = api_as(getattr(world, persona)).patch(
        f"{resource.url}{obj.pk}/", resource.patch, format="json"
    )
    if name in resource.editable[persona]:
        expected = 200
    elif name in resource.visible[persona]:
        expected = 403
    else:
        expected = 404
    assert response.status_code == expected, response.content
    after = _row(obj)
    if expected == 200:
        assert {field: after[field] for field in resource.patch} == resource.patch
    else:
        assert after == before  # the row as it was, and no new audit record


def _row(obj) -> dict:
    """The object's row as the database holds it now, and the length of its audit trail."""
    model = type(obj)
    row = model._base_manager.filter(pk=obj.pk).values().get()
    if history := getattr(model, "history", None):
        row["audit records"] = history.filter(id=obj.pk).count()
    return row


@pytest.mark.parametrize("resource", RESOURCES.values(), ids=RESOURCES.keys())
def test_another_tenant_sees_nothing_of_acme(world, resource):
    with schema_context("globex"):
        stranger = user_create(
            email="admin2@globex.example", role=Role.VENDOR_ADMIN, send_welcome=False
        )
    client = api_as(stranger, host=GLOBEX_HOST)
    names = {_label(world, resource, name) for name in resource.objects}
    listed = {row[resource.label] for row in client.get(resource.url).json()["results"]}
    assert not (listed & names - {"admin2@globex.example"})
    for name in resource.objects:
        response = client.get(f"{resource.url}{getattr(world, name).pk}/")
        assert response.status_code == 404 or response.json()[resource.label] not in names
