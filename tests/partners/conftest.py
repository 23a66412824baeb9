"""A small acme world built through the services, for the scope tests:

    Planet ─ Europe ─ DACH          Northwind (territory DACH) ─ Berlin, Munich
              └ The Americas         Tailwind (territory The Americas)

cam_emea manages Europe, cam_us manages The Americas; alice is partner_admin of Northwind,
bob a partner_user in Berlin, mia in Munich, carol in Tailwind (attribute ``contoso``).
Names differ from the demo data, which the test database also holds.

``world`` is built once per module (``module_world``, see there): what a test changes in
it is rolled back after the test, so each test starts from the same world. ``build_world``
builds another one where a test needs it built inside the test."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import TestCase
from rest_framework.test import APIClient

from partners import services
from partners.models import MembershipRole, PartnerType
from prm.users.models import Role
from prm.users.services import user_create
from tests.conftest import ACME_HOST, _activate

MANAGER, MEMBER, ADMIN = MembershipRole.MANAGER, MembershipRole.MEMBER, MembershipRole.ADMINISTRATOR


def api_as(user, host: str = ACME_HOST) -> APIClient:
    client = APIClient(HTTP_HOST=host)
    client.force_authenticate(user)
    return client


@pytest.fixture
def world(module_world):
    """The world, built once per module (``module_world``): each test's writes to it are
    rolled back, each test gets its own copy of the objects."""
    return module_world


@pytest.fixture(scope="module")
def _module_world(django_db_setup, django_db_blocker):
    """The world built once for a module, inside a transaction rolled back at its end.

    The same atomics as Django's ``TestCase.setUpClass`` / ``setUpTestData``: each test's
    own transaction (pytest-django's ``db``) becomes a savepoint inside this one, so what a
    test writes is rolled back after it, and the world after the module."""
    with django_db_blocker.unblock():
        atomics = TestCase._enter_atomics()
        try:
            _activate("acme")
            built = build_world()
        except BaseException:
            TestCase._rollback_atomics(atomics)
            raise
        finally:
            connection.set_schema_to_public()
    yield built
    with django_db_blocker.unblock():
        TestCase._rollback_atomics(atomics)
        connection.set_schema_to_public()


@pytest.fixture
def module_world(_module_world, acme):
    """``world`` built once per module (a module opts in with a ``world`` fixture that
    returns this). Each test gets its own copy of the objects, as ``setUpTestData`` gives
    each test its own; the rows are shared and each test's changes are rolled back."""
    return copy.deepcopy(_module_world)


def build_world() -> SimpleNamespace:
    """Build the world in the active tenant (acme), through the services."""
    w = SimpleNamespace()
    w.admin = user_create(email="va@world.example", role=Role.VENDOR_ADMIN, send_welcome=False)
    w.global_ = services.org_unit_create(actor=w.admin, name="Planet")
    w.emea = services.org_unit_create(actor=w.admin, name="Europe", parent=w.global_)
    w.dach = services.org_unit_create(actor=w.admin, name="DACH", parent=w.emea)
    w.americas = services.org_unit_create(actor=w.admin, name="The Americas", parent=w.global_)

    def vendor_user(email, role, unit, unit_role):
        user = user_create(email=email, role=role, send_welcome=False)
        services.org_unit_membership_set(actor=w.admin, unit=unit, user=user, role=unit_role)
        return user

    w.cam_emea = vendor_user("cam.emea@world.example", Role.CHANNEL_MANAGER, w.emea, MANAGER)
    w.cam_us = vendor_user("cam.us@world.example", Role.CHANNEL_MANAGER, w.americas, MANAGER)

    def partner(name, territory=None, parent=None):
        fields = {"display_name": name, "partner_type": PartnerType.RESELLER}
        if territory:
            fields["territory"] = territory
        return services.partner_create(actor=w.admin, parent=parent, fields=fields)

    w.northwind = partner("Northwind", w.dach)
    w.berlin = partner("Northwind Berlin", parent=w.northwind)
    w.munich = partner("Northwind Munich", parent=w.northwind)
    w.contoso = partner("Tailwind", w.americas)

    def partner_user(email, role, org, org_role):
        user = user_create(email=email, role=role, send_welcome=False)
        services.partner_membership_set(actor=w.admin, partner=org, user=user, role=org_role)
        return user

    w.alice = partner_user("alice@world.example", Role.PARTNER_ADMIN, w.northwind, ADMIN)
    w.bob = partner_user("bob@world.example", Role.PARTNER_USER, w.berlin, MEMBER)
    w.mia = partner_user("mia@world.example", Role.PARTNER_USER, w.munich, MEMBER)
    w.carol = partner_user("carol@world.example", Role.PARTNER_USER, w.contoso, MEMBER)
    return w
