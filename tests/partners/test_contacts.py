"""The vendor team's contact log across the personas: staff see the contacts of the
partners in their scope, partner users see none, strangers get 404."""

import pytest
from django_tenants.utils import schema_context

from partners import services
from prm.users.models import Role
from prm.users.services import user_create
from tests.conftest import GLOBEX_HOST
from tests.partners.conftest import api_as

SEES = {  # persona -> partners whose contacts they read
    "admin": {"northwind", "berlin", "contoso"},
    "cam_emea": {"northwind", "berlin"},
    "cam_us": {"contoso"},
}
PARTNER_SIDE_SEES_PARTNER = {
    "alice": {"northwind", "berlin"},
    "bob": {"berlin"},
    "carol": {"contoso"},
}


@pytest.fixture
def logged(world):
    for name in ("northwind", "berlin", "contoso"):
        services.partner_contact_log(
            actor=world.admin,
            partner=getattr(world, name),
            fields={"note": f"met {name}", "kind": "call"},
        )
    return world


@pytest.mark.parametrize("persona", ["admin", "cam_emea", "cam_us", "alice", "bob", "carol"])
@pytest.mark.parametrize("partner", ["northwind", "berlin", "contoso"])
def test_contacts_follow_the_partner_scope(logged, persona, partner):
    url = f"/api/v1/partners/{getattr(logged, partner).pk}/contacts/"
    response = api_as(getattr(logged, persona)).get(url)
    if partner in SEES.get(persona, set()):
        assert [c["note"] for c in response.json()] == [f"met {partner}"]
    elif partner in PARTNER_SIDE_SEES_PARTNER.get(persona, set()):
        assert response.status_code == 200 and response.json() == []
    else:
        assert response.status_code == 404


def test_another_tenant_sees_no_contacts_of_acme(logged):
    with schema_context("globex"):
        stranger = user_create(
            email="admin3@globex.example", role=Role.VENDOR_ADMIN, send_welcome=False
        )
    client = api_as(stranger, host=GLOBEX_HOST)
    for name in ("northwind", "berlin", "contoso"):
        response = client.get(f"/api/v1/partners/{getattr(logged, name).pk}/contacts/")
        # 404, or the contacts of globex's own partner with that id: never acme's notes
        assert response.status_code == 404 or "met " not in response.content.decode()


def test_a_contact_in_the_future_is_refused_and_not_recorded(world):
    from datetime import timedelta

    import pytest as _pytest
    from django.utils import timezone

    from prm.errors import Invalid

    tomorrow = timezone.localdate() + timedelta(days=1)
    with _pytest.raises(Invalid) as refused:
        services.partner_contact_log(
            actor=world.admin,
            partner=world.northwind,
            fields={"kind": "call", "happened_on": tomorrow},
        )
    assert "future" in refused.value.message_dict["happened_on"][0]
    assert not world.northwind.contacts.exists()
    # Today is fine.
    services.partner_contact_log(
        actor=world.admin,
        partner=world.northwind,
        fields={"kind": "call", "happened_on": timezone.localdate()},
    )


def test_the_contacts_api_refuses_a_future_date_beside_the_field(world):
    from datetime import timedelta

    from django.utils import timezone

    url = f"/api/v1/partners/{world.northwind.pk}/contacts/"
    later = (timezone.localdate() + timedelta(days=30)).isoformat()
    response = api_as(world.admin).post(url, {"kind": "meeting", "happened_on": later})
    assert response.status_code == 400
    assert "future" in response.json()["fields"]["happened_on"][0]
    assert not world.northwind.contacts.exists()
