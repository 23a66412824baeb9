from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from partners import selectors, services
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


def test_the_invitation_token_does_not_travel_through_the_broker(
    world, django_capture_on_commit_callbacks
):
    from celery.app.task import Task

    sent = []
    real = Task.apply_async

    def record(task, args=None, kwargs=None, **options):
        sent.append((task.name, args, kwargs))
        return real(task, args, kwargs, **options)

    with mock.patch.object(Task, "apply_async", record):
        with django_capture_on_commit_callbacks(execute=True):
            invitation, token = services.invitation_create(
                actor=world.alice,
                email="quiet@world.example",
                role=Role.PARTNER_USER,
                partner=world.munich,
            )
        with django_capture_on_commit_callbacks(execute=True):
            _, again = services.invitation_resend(actor=world.alice, invitation=invitation)
    invitation_tasks = [s for s in sent if s[0] == "partners.send_invitation_email"]
    assert invitation_tasks == [
        ("partners.send_invitation_email", (invitation.pk,), {}),
        ("partners.send_invitation_email", (invitation.pk,), {}),
    ]
    assert token not in repr(sent) and again not in repr(sent)
    assert f"/invitations/{token}/" in mail.outbox[-2].body  # the task rebuilt it
    assert f"/invitations/{again}/" in mail.outbox[-1].body


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


# --- one pending invitation per address, resend and revoke (issue 11, point 6) ----------


def invite(actor, email="twice@world.example", partner=None, role=Role.PARTNER_USER):
    return services.invitation_create(actor=actor, email=email, role=role, partner=partner)


def test_inviting_an_address_twice_is_refused_and_sends_nothing(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(world.alice, partner=world.munich)
    with pytest.raises(Conflict, match="already has a pending invitation") as refused:
        invite(world.admin, email="Twice@World.example", partner=world.berlin)
    assert refused.value.error_code == "invitation_pending"
    assert Invitation.objects.filter(email="twice@world.example").count() == 1
    assert len(mail.outbox) == 1


def test_the_database_holds_one_pending_invitation_per_address(world):
    invitation, _ = invite(world.alice, partner=world.munich)
    second = Invitation(
        email=invitation.email,
        role=Role.PARTNER_USER,
        partner=world.munich,
        token_hash="x" * 64,
        expires_at=invitation.expires_at,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()
    services.invitation_revoke(actor=world.alice, invitation=invitation)
    second.save()  # a revoked invitation no longer counts


def test_a_concurrent_invitation_of_the_same_address_is_a_conflict(world, monkeypatch):
    invite(world.alice, partner=world.munich)
    # The other invitation commits after this one looked: the insert itself is refused.
    monkeypatch.setattr(Invitation.objects, "select_for_update", Invitation.objects.none)
    with pytest.raises(Conflict, match="already has a pending invitation"):
        invite(world.admin, partner=world.berlin)
    assert Invitation.objects.filter(email="twice@world.example").count() == 1


def test_resending_extends_the_same_invitation_with_a_new_link(
    world, django_capture_on_commit_callbacks
):
    invitation, old = invite(world.alice, partner=world.munich)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        resent, new = services.invitation_resend(actor=world.alice, invitation=invitation)
    assert resent.pk == invitation.pk and new != old
    assert resent.expires_at > timezone.now() + timedelta(days=services.INVITATION_DAYS - 1)
    assert Invitation.objects.filter(email="twice@world.example").count() == 1
    assert f"/invitations/{new}/" in mail.outbox[-1].body
    with pytest.raises(ValidationError, match="use the link in the latest e-mail"):
        services.invitation_for_token(old)
    user = services.invitation_accept(token=new, full_name="Twice", password="Sales-2026-ok")
    assert user.partner_membership.partner == world.munich
    with pytest.raises(Conflict, match="already accepted"):
        services.invitation_resend(actor=world.alice, invitation=invitation)


def test_a_revoked_invitation_cannot_be_used_and_the_address_can_be_invited_again(world):
    invitation, token = invite(world.alice, partner=world.munich)
    services.invitation_revoke(actor=world.alice, invitation=invitation)
    with pytest.raises(ValidationError, match="withdrawn"):
        services.invitation_accept(token=token, full_name="No", password="Sales-2026-ok")
    assert not User.objects.filter(email="twice@world.example").exists()
    with pytest.raises(Conflict, match="revoked"):
        services.invitation_resend(actor=world.alice, invitation=invitation)
    again, _ = invite(world.alice, partner=world.berlin)
    assert again.pk != invitation.pk


def test_inviting_again_after_expiry_replaces_the_expired_invitation(world):
    first, old = invite(world.alice, partner=world.munich)
    Invitation.objects.filter(pk=first.pk).update(expires_at=timezone.now())
    second, new = invite(world.alice, partner=world.berlin)
    first.refresh_from_db()
    assert first.revoked_at is not None and second.partner == world.berlin
    with pytest.raises(ValidationError):
        services.invitation_for_token(old)
    assert services.invitation_for_token(new) == second


def test_only_those_who_may_invite_there_resend_or_revoke(world):
    invitation, _ = invite(world.admin, partner=world.contoso)
    for change in (services.invitation_resend, services.invitation_revoke):
        with pytest.raises(PermissionDenied):
            change(actor=world.alice, invitation=invitation)
    assert selectors.invitations_pending_visible_to(world.alice).count() == 0
    # (The shared test database may hold others' invitations: look at this one.)
    assert invitation in selectors.invitations_pending_visible_to(world.admin)
    assert list(selectors.invitations_pending_visible_to(world.cam_us)) == [invitation]
    assert selectors.invitations_pending_visible_to(world.bob).count() == 0


def test_the_invitation_email_names_the_role_and_the_partner(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(world.alice, partner=world.munich, role=Role.PARTNER_ADMIN)
        services.invitation_create(
            actor=world.admin, email="cm@world.example", role=Role.CHANNEL_MANAGER
        )
    partner_mail, vendor_mail = mail.outbox
    assert "as a partner admin of Northwind Munich" in partner_mail.body
    assert partner_mail.subject.endswith("as a partner admin")
    assert "as a channel manager" in vendor_mail.body


def test_the_users_page_lists_pending_invitations_with_confirmed_resend_and_revoke(
    world, django_capture_on_commit_callbacks
):
    from django.test import Client

    from tests.conftest import ACME_HOST

    invitation, _ = invite(world.alice, partner=world.munich)
    hidden, _ = invite(world.admin, email="elsewhere@world.example", partner=world.contoso)
    client = Client(HTTP_HOST=ACME_HOST)
    client.force_login(world.alice)
    page = client.get("/users/").content.decode()
    pending = page[page.index('data-testid="pending-invitations"') :]
    assert "twice@world.example" in pending and "Northwind Munich" in pending
    assert "elsewhere@world.example" not in page
    assert 'data-confirm="Send the invitation to twice@world.example again?' in pending
    assert 'data-confirm="Revoke the invitation to twice@world.example?' in pending

    assert client.post(f"/users/invitations/{hidden.pk}/revoke/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        resent = client.post(f"/users/invitations/{invitation.pk}/resend/", follow=True)
    assert "Invitation sent again to twice@world.example" in resent.content.decode()
    assert mail.outbox[-1].to == ["twice@world.example"]
    revoked = client.post(f"/users/invitations/{invitation.pk}/revoke/", follow=True)
    assert "Invitation to twice@world.example revoked" in revoked.content.decode()
    assert "No invitations waiting" in revoked.content.decode()
    new_token = mail.outbox[-1].body.split("/invitations/")[1].split("/")[0]
    link = Client(HTTP_HOST=ACME_HOST).get(f"/invitations/{new_token}/").content.decode()
    assert "This invitation was withdrawn" in link
    assert client.post(f"/users/invitations/{invitation.pk}/resend/").status_code == 404


def test_the_invitation_form_starts_at_the_least_powerful_role_and_the_own_company(world):
    from partners.forms import InviteForm
    from partners.scope import partners_editable_by

    alice = InviteForm(actor=world.alice, partners=partners_editable_by(world.alice))
    assert alice["role"].value() == Role.PARTNER_USER
    assert alice["membership_role"].value() == "member"
    assert alice["partner"].value() == world.northwind.pk
    assert alice.fields["role"].choices[0][0] == Role.PARTNER_USER
    page = browser_as_html(world.alice)
    assert '<option value="partner_user" selected>' in page
    assert f'<option value="{world.northwind.pk}" selected>' in page

    admin = InviteForm(actor=world.admin, partners=partners_editable_by(world.admin))
    assert admin["role"].value() == Role.PARTNER_USER
    assert admin["partner"].value() is None


def browser_as_html(user) -> str:
    return browser_client(user).get("/users/").content.decode()


# --- a notification that asks for an action is done when it is taken (point 8) ----------


def test_accepting_the_terms_marks_the_terms_notification_done(
    world, django_capture_on_commit_callbacks
):
    from workflows.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        agreement = services.agreement_publish(actor=world.admin, title="Terms", body="v9")
    asked = Notification.objects.filter(title="New program terms to accept")
    assert asked.filter(user=world.bob, done_at__isnull=True, read_at__isnull=True).exists()
    client = browser_client(world.bob)
    assert 'data-testid="unread">' in client.get("/").content.decode()

    services.agreement_accept(actor=world.bob, agreement=agreement, ip_address="203.0.113.9")
    mine = asked.get(user=world.bob)
    assert mine.done_at is not None and mine.read_at is not None
    assert asked.get(user=world.mia).done_at is None  # only the actor's own
    assert 'data-testid="unread"' not in client.get("/").content.decode()
    page = client.get("/notifications/").content.decode()
    assert "New program terms to accept" in page and "Done" in page
    listed = api_as(world.bob).get("/api/v1/notifications/").json()["results"]
    assert [(n["done"], n["read"]) for n in listed if n["id"] == mine.pk] == [(True, True)]


def test_who_accepted_before_the_publication_was_processed_is_not_asked(world):
    from prm.outbox import events
    from prm.outbox.models import Event
    from workflows.models import Notification

    agreement = services.agreement_publish(actor=world.admin, title="Terms", body="v9")
    services.agreement_accept(actor=world.bob, agreement=agreement, ip_address=None)
    event = Event.objects.get(type="agreement.published", object_id=str(agreement.pk))
    events.event_process(event_id=str(event.pk))
    asked = Notification.objects.filter(event=event)
    assert asked.filter(user=world.mia).exists()
    assert not asked.filter(user=world.bob).exists()


def browser_client(user):
    from django.test import Client

    from tests.conftest import ACME_HOST

    client = Client(HTTP_HOST=ACME_HOST)
    client.force_login(user)
    return client


# --- the applicant is told the application arrived (point 20) ---------------------------


def test_an_applicant_is_emailed_that_the_application_arrived_and_what_happens_next(
    world, django_capture_on_commit_callbacks
):
    from partners.tasks import send_application_received_email

    with django_capture_on_commit_callbacks(execute=True):
        app = application()
    (sent,) = mail.outbox
    assert sent.to == ["fay@greenfield.example"]
    assert "received your application" in sent.subject
    assert "Hello Fay Fabrikam" in sent.body and "Greenfield Systems" in sent.body
    assert "What happens next" in sent.body and "partner admin" in sent.body
    assert f"valid for {services.INVITATION_DAYS} days" in sent.body
    # A redelivered task sends nothing twice.
    assert send_application_received_email(app.pk) is False
    assert len(mail.outbox) == 1


def test_a_refused_application_sends_no_confirmation(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        application(contact_email="")
    assert mail.outbox == []


def test_a_failed_confirmation_is_retried_and_then_sent(world, monkeypatch):
    from partners import tasks

    app = application()
    monkeypatch.setattr(tasks, "send_mail", mock_failing_send_mail)
    with pytest.raises(ConnectionError):  # called outside a worker, the retry re-raises
        tasks.send_application_received_email(app.pk)
    app.refresh_from_db()
    assert app.received_email_sent_at is None  # the claim was released for the retry
    monkeypatch.undo()
    assert tasks.send_application_received_email(app.pk) is True
    assert mail.outbox[0].to == ["fay@greenfield.example"]


def mock_failing_send_mail(**kwargs):
    raise ConnectionError("SMTP down")
