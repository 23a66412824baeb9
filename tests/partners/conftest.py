"""A small acme world built through the services, for the scope tests:

    Planet ─ Europe ─ DACH          Northwind (territory DACH) ─ Berlin, Munich
              └ The Americas         Tailwind (territory The Americas)

cam_emea manages Europe, cam_us manages The Americas; alice is partner_admin of Northwind,
bob a partner_user in Berlin, mia in Munich, carol in Tailwind (attribute ``contoso``).
Names differ from the demo data, which the test database also holds."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from partners import services
from partners.models import MembershipRole, PartnerType
from prm.users.models import Role
from prm.users.services import user_create
from tests.conftest import ACME_HOST

MANAGER, MEMBER, ADMIN = MembershipRole.MANAGER, MembershipRole.MEMBER, MembershipRole.ADMINISTRATOR


def api_as(user, host: str = ACME_HOST) -> APIClient:
    client = APIClient(HTTP_HOST=host)
    client.force_authenticate(user)
    return client


@pytest.fixture
def world(acme):
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
