from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from partners import services
from partners.models import (
    Agreement,
    AgreementAcceptance,
    ApplicationStatus,
    Invitation,
    PartnerApplication,
    PartnerStatus,
)
from prm.errors import Conflict
from prm.users.models import Role, User
from tests.partners.conftest import api_as


def test_acceptance_is_recorded_and_a_new_version_needs_it_again(world):
    Agreement.objects.update(published_at=None)  # set the demo program's terms aside
    assert services.has_accepted_current_terms(world.bob)  # nothing published: nothing owed
    admin = api_as(world.admin)
    v1 = admin.post("/api/v1/agreements/", {"title": "Program terms", "body": "v1 text"}).json()
    assert v1["current"]
    assert not services.has_accepted_current_terms(world.bob)
    with pytest.raises(Conflict, match="Accept the current"):
        services.require_current_terms(world.bob)

    bob = api_as(world.bob)
    accepted = bob.post(f"/api/v1/agreements/{v1['id']}/accept/", REMOTE_ADDR="203.0.113.9")
    assert accepted.json()["accepted_by_me"] is True
    record = AgreementAcceptance.objects.get(user=world.bob)
    assert (record.ip_address, record.partner_id) == ("203.0.113.9", world.berlin.pk)
    assert services.has_accepted_current_terms(world.bob)

    v2 = admin.post("/api/v1/agreements/", {"title": "Program terms", "body": "v2"}).json()
    assert not services.has_accepted_current_terms(world.bob)
    old = bob.post(f"/api/v1/agreements/{v1['id']}/accept/")
    assert old.status_code == 409  # only the current version can be accepted
    assert bob.post(f"/api/v1/agreements/{v2['id']}/accept/").status_code == 200
    assert AgreementAcceptance.objects.filter(user=world.bob).count() == 2  # both kept
    me = bob.get("/api/v1/me/").json()
    assert me["terms_accepted"] is True
    assert me["partner"] == {"id": world.berlin.pk, "name": "Northwind Berlin"}


def test_only_vendor_admins_publish_and_only_partner_users_accept(world):
    response = api_as(world.cam_emea).post("/api/v1/agreements/", {"title": "t", "body": "b"})
    assert response.status_code == 403
    agreement = services.agreement_publish(actor=world.admin, title="Terms", body="Text")
    assert (
        api_as(world.cam_emea).post(f"/api/v1/agreements/{agreement.pk}/accept/").status_code == 403
    )


def test_an_invitation_works_once_and_expires(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = services.invitation_create(
            actor=world.alice,
            email="New.Rep@World.example",
            role=Role.PARTNER_USER,
            partner=world.munich,
        )
    assert f"/invitations/{token}/" in mail.outbox[0].body
    assert invitation.token_hash != token  # only a hash is stored
    user = services.invitation_accept(token=token, full_name="New Rep", password="Sales-2026-ok")
    assert user.email == "new.rep@world.example"
    assert user.partner_membership.partner == world.munich
    with pytest.raises(ValidationError, match="already been used"):
        services.invitation_accept(token=token, full_name="Again", password="Sales-2026-ok")

    _, late = services.invitation_create(
        actor=world.admin,
        email="late@world.example",
        role=Role.PARTNER_USER,
        partner=world.munich,
    )
    Invitation.objects.filter(email="late@world.example").update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    with pytest.raises(ValidationError, match="expired"):
        services.invitation_accept(token=late, full_name="Late", password="Sales-2026-ok")
    assert not User.objects.filter(email="late@world.example").exists()


def test_partner_admins_invite_only_into_their_own_subtree(world):
    with pytest.raises(PermissionDenied, match="cannot invite users to this partner"):
        services.invitation_create(
            actor=world.alice,
            email="x@world.example",
            role=Role.PARTNER_USER,
            partner=world.contoso,
        )
    with pytest.raises(PermissionDenied, match="Only vendor admins"):
        services.invitation_create(
            actor=world.alice, email="y@world.example", role=Role.CHANNEL_MANAGER
        )


def application(**overrides):
    fields = {
        "company_name": "Greenfield Systems",
        "website": "https://greenfield.example",
        "partner_type": "msp",
        "country": "DE",
        "contact_name": "Fay Fabrikam",
        "contact_email": "fay@greenfield.example",
    }
    return services.application_submit(fields={**fields, **overrides}, ip_address="198.51.100.7")


def test_approving_an_application_creates_the_partner_and_invites_its_admin(
    world, django_capture_on_commit_callbacks
):
    app = application()
    with django_capture_on_commit_callbacks(execute=True):
        partner = services.application_approve(
            actor=world.cam_emea, application=app, territory=world.dach
        )
    assert partner.status == PartnerStatus.ONBOARDING
    assert partner.channel_manager == world.cam_emea
    assert partner.email_domain == "greenfield.example"
    invitation = Invitation.objects.get(email="fay@greenfield.example")
    assert (invitation.role, invitation.partner) == (Role.PARTNER_ADMIN, partner)
    assert mail.outbox[0].to == ["fay@greenfield.example"]
    app.refresh_from_db()
    assert app.status == ApplicationStatus.APPROVED
    with pytest.raises(Conflict, match="already approved"):
        services.application_approve(actor=world.admin, application=app)


def test_rejection_needs_a_reason(world):
    app = application()
    with pytest.raises(ValidationError, match="Say why"):
        services.application_reject(actor=world.admin, application=app, reason=" ")
    services.application_reject(actor=world.admin, application=app, reason="Out of region")
    app.refresh_from_db()
    assert (app.status, app.decision_reason) == (ApplicationStatus.REJECTED, "Out of region")


def test_an_application_with_missing_fields_is_refused_and_stores_nothing(world):
    before = PartnerApplication.objects.count()
    with pytest.raises(ValidationError) as exc:
        application(contact_email="", company_name="")
    assert {"contact_email", "company_name"} <= set(exc.value.message_dict)
    assert PartnerApplication.objects.count() == before
