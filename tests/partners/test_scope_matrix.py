"""The scope matrix: every persona x every object x list / detail / update, and every persona x
every writable field x create, for partners, users and org units, from tables. A later issue
adds its model by adding a RESOURCES row (and a CREATIONS row).

Relationships covered (from the personas' side): own record (bob → bob, alice → Northwind),
same partner (alice → Berlin's bob), other branch of the same partner (bob → Munich / mia),
other partner (carol → Northwind), other territory (cam_us → Northwind), other tenant
(globex → everything of acme).

The world is built once for the module (``module_world``); each case runs in a savepoint
that is rolled back, so a PATCH of one case is not seen by the next."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django_tenants.utils import schema_context

from partners.models import Competency, Industry, OrgUnit, Partner, Tier
from prm.users.models import VENDOR_ROLES, Role, User
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


# --- create, with every writable field -------------------------------------------------
#
# For each resource: who may create, a minimal body per creator, and for every writable
# field a value in the creator's own scope. A persona who may not create gets a 403 for any
# body (authorization before validation); a partner-side creator gets a 403 for a field
# only the vendor sets; every other case creates the row. Ids out of the creator's scope
# are in OUTSIDE: refused before anything is written.

# Objects in each persona's own scope, for the ids of a body.
OWN_PARTNER = {
    "admin": "northwind",
    "cam_emea": "northwind",
    "cam_us": "contoso",
    "alice": "berlin",
    "bob": "berlin",
    "carol": "contoso",
}
TERRITORY = {"admin": "dach", "cam_emea": "dach", "cam_us": "americas"}
CAM = {"admin": "cam_emea", "cam_emea": "cam_emea", "cam_us": "cam_us"}


def _pk(world, name: str) -> int:
    return getattr(world, name).pk


def _catalogue(model) -> str:
    return model.objects.order_by("pk").values_list("name", flat=True).first()


@dataclass(frozen=True)
class Creation:
    url: str
    model: Callable[[], type]
    creators: set[str]
    base: Callable[[SimpleNamespace, str], dict]
    # field -> the body's additions that set it, in the creator's scope
    fields: dict[str, Callable[[SimpleNamespace, str], dict]]
    vendor_only: set[str] = frozenset()
    # Vendor-only id fields: the vendor's org tree and staff are out of every partner-side
    # user's scope, so their ids are the 404 of any id out of scope.
    vendor_ids: set[str] = frozenset()
    admin_only: set[str] = frozenset()  # e.g. only the vendor admin adds vendor staff
    # (creator, field) -> (an addition out of the creator's scope, the status it gets)
    outside: dict[tuple[str, str], tuple[Callable[[SimpleNamespace], dict], int]] = None


def _partner_base(w, persona):
    if persona == "alice":  # a subsidiary of her own company
        return {"display_name": "Matrix Co", "parent": _pk(w, "northwind")}
    body = {"display_name": "Matrix Co", "partner_type": "reseller"}
    if persona.startswith("cam"):
        body["territory"] = _pk(w, TERRITORY[persona])
    return body


CREATIONS = {
    "partners": Creation(
        url="/api/v1/partners/",
        model=lambda: Partner,
        creators={"admin", "cam_emea", "cam_us", "alice"},
        base=_partner_base,
        fields={
            "legal_name": lambda w, p: {"legal_name": "Matrix Co GmbH"},
            "parent": lambda w, p: {"parent": _pk(w, OWN_PARTNER[p])},
            "partner_type": lambda w, p: {"partner_type": "msp"},
            "tier": lambda w, p: {"tier": Tier.objects.order_by("-rank").first().pk},
            "territory": lambda w, p: {"territory": _pk(w, TERRITORY.get(p, "dach"))},
            "channel_manager": lambda w, p: {"channel_manager": _pk(w, CAM.get(p, "cam_emea"))},
            "website": lambda w, p: {"website": "https://matrix.example"},
            "email_domain": lambda w, p: {"email_domain": "matrix.example"},
            "description": lambda w, p: {"description": "Created by the scope matrix"},
            "competencies": lambda w, p: {"competencies": [_catalogue(Competency)]},
            "industries": lambda w, p: {"industries": [_catalogue(Industry)]},
        },
        vendor_only={"partner_type", "tier"},
        vendor_ids={"territory", "channel_manager"},
        outside={
            ("cam_emea", "parent"): (lambda w: {"parent": w.contoso.pk}, 404),
            ("cam_us", "parent"): (lambda w: {"parent": w.northwind.pk}, 404),
            ("alice", "parent"): (lambda w: {"parent": w.contoso.pk}, 404),
            ("cam_emea", "territory"): (lambda w: {"territory": w.americas.pk}, 400),
            ("cam_us", "territory"): (lambda w: {"territory": w.dach.pk}, 400),
        },
    ),
    "users": Creation(
        url="/api/v1/users/",
        model=lambda: User,
        creators={"admin", "cam_emea", "cam_us", "alice"},  # cams: their partners' people
        base=lambda w, p: {
            "email": "matrix@world.example",
            "role": "partner_user",
            "partner": _pk(w, OWN_PARTNER[p]),
        },
        fields={
            "email": lambda w, p: {"email": "Matrix.Two@World.example"},
            "full_name": lambda w, p: {"full_name": "Matt Rix"},
            "role": lambda w, p: {"role": "partner_admin"},
            "is_active": lambda w, p: {"is_active": True},
            "partner": lambda w, p: {"partner": _pk(w, OWN_PARTNER[p])},
            "membership_role": lambda w, p: {"membership_role": "manager"},
            "org_unit": lambda w, p: {
                "role": "channel_manager",
                "partner": None,
                "org_unit": w.dach.pk,
            },
        },
        vendor_ids={"org_unit"},
        admin_only={"org_unit"},
        outside={("alice", "partner"): (lambda w: {"partner": w.contoso.pk}, 404)},
    ),
    "org_units": Creation(
        url="/api/v1/org-units/",
        model=lambda: OrgUnit,
        creators={"admin"},
        base=lambda w, p: {"name": "Matrix unit", "parent": w.global_.pk},
        fields={
            "name": lambda w, p: {"name": "Matrix unit two"},
            "parent": lambda w, p: {"parent": w.emea.pk},
        },
    ),
}


def _body(world, creation: Creation, persona: str, addition: dict) -> dict:
    body = {**creation.base(world, persona), **addition}
    return {key: value for key, value in body.items() if value is not None}


def _create_cases():
    for key, creation in CREATIONS.items():
        for persona in PERSONAS:
            for field in creation.fields:
                yield pytest.param(creation, persona, field, id=f"{key}-{persona}-{field}")


@pytest.mark.parametrize(("creation", "persona", "field"), list(_create_cases()))
def test_create_with_each_writable_field(world, creation, persona, field):
    model = creation.model()
    before = model.objects.count()
    body = _body(world, creation, persona, creation.fields[field](world, persona))
    response = api_as(getattr(world, persona)).post(creation.url, body, format="json")
    partner_side = persona not in VENDOR_STAFF
    if persona not in creation.creators:
        expected = 403  # whatever the body holds
    elif partner_side and field in creation.vendor_ids:
        expected = 404
    elif (partner_side and field in creation.vendor_only) or (
        persona != "admin" and field in creation.admin_only
    ):
        expected = 403
    else:
        expected = 201
    assert response.status_code == expected, response.content
    assert model.objects.count() == before + (expected == 201)
    if expected == 201 and field in response.json() and not field.endswith("role"):
        answer = response.json()[field]
        sent = body[field]
        assert (
            answer == sent
            or (isinstance(answer, dict) and answer.get("id") == sent)
            or (isinstance(sent, str) and str(answer).lower() == sent.lower())
            or isinstance(answer, list)
        ), (field, answer, sent)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("creation", CREATIONS.values(), ids=CREATIONS.keys())
def test_who_may_not_create_learns_nothing_from_the_body(world, creation, persona):
    if persona in creation.creators:
        return
    for body in ({}, {"name": "", "display_name": "", "email": "not an address"}):
        response = api_as(getattr(world, persona)).post(creation.url, body, format="json")
        assert response.status_code == 403, (body, response.content)
        assert response.json()["fields"] == {}


def _outside_cases():
    for key, creation in CREATIONS.items():
        for (persona, field), (addition, status) in (creation.outside or {}).items():
            yield pytest.param(creation, persona, addition, status, id=f"{key}-{persona}-{field}")


@pytest.mark.parametrize(("creation", "persona", "addition", "status"), list(_outside_cases()))
def test_create_with_an_id_out_of_scope_writes_nothing(world, creation, persona, addition, status):
    model = creation.model()
    before = model.objects.count()
    body = _body(world, creation, persona, addition(world))
    response = api_as(getattr(world, persona)).post(creation.url, body, format="json")
    assert response.status_code == status, response.content
    assert model.objects.count() == before
