"""Issue 11, point 12: the program agreement in the portal: publishing a new version, the
acceptance report, reminding those pending, and the printable copy with the date a
partner user accepted it. On the demo tenant (acme), each test rolled back."""

import pytest
from django.core import mail
from django.test import Client

from partners import selectors, services
from partners.models import Agreement, AgreementAcceptance
from prm.users.models import Role, User
from prm.users.services import user_create
from tests.conftest import ACME_HOST
from workflows.models import Notification


def browser_as(email_or_user) -> Client:
    user = (
        email_or_user if isinstance(email_or_user, User) else User.objects.get(email=email_or_user)
    )
    client = Client(HTTP_HOST=ACME_HOST)
    client.force_login(user)
    return client


@pytest.fixture
def admin(acme):
    return User.objects.get(email="admin@acme.example")


@pytest.fixture
def new_version(admin):
    """A fresh current version nobody has accepted yet."""
    return services.agreement_publish(actor=admin, title="Program terms 2027", body="1. New.")


def test_the_publish_form_starts_from_the_current_text_and_asks_to_confirm(admin):
    current = selectors.agreement_current()
    page = browser_as(admin).get("/agreement/publish/").content.decode()
    assert current.title in page and "Publish version" in page
    assert "data-confirm=" in page and "accept it again" in page


def test_a_vendor_admin_publishes_a_new_version_in_the_portal(
    admin, django_capture_on_commit_callbacks
):
    before = selectors.agreement_current()
    with django_capture_on_commit_callbacks(execute=True):
        response = browser_as(admin).post(
            "/agreement/publish/", {"title": "Terms 2027", "body": "1. Be nice."}
        )
    assert response.status_code == 302 and response["Location"] == "/agreement/report/"
    current = selectors.agreement_current()
    assert current.version == before.version + 1 and current.title == "Terms 2027"
    bob = User.objects.get(email="bob@northwind.example")
    assert Notification.objects.filter(user=bob, title="New program terms to accept").exists()
    follow = browser_as(admin).get("/agreement/report/").content.decode()
    assert f"Version {current.version} (current)" in follow


def test_publishing_blank_terms_shows_the_errors_beside_the_fields_and_publishes_nothing(admin):
    count = Agreement.objects.count()
    response = browser_as(admin).post("/agreement/publish/", {"title": " ", "body": "x"})
    assert response.status_code == 200
    assert "The agreement needs a title." in response.content.decode()
    assert Agreement.objects.count() == count


@pytest.mark.parametrize("email", ["cam@acme.example", "bob@northwind.example"])
def test_only_vendor_admins_publish_or_remind(acme, email):
    client = browser_as(email)
    count = Agreement.objects.count()
    assert client.get("/agreement/publish/").status_code == 404
    assert client.post("/agreement/publish/", {"title": "t", "body": "b"}).status_code == 404
    assert client.post("/agreement/remind/").status_code == 404
    assert Agreement.objects.count() == count


def test_the_report_says_who_accepted_which_version_when_and_who_is_missing(admin, new_version):
    alice = User.objects.get(email="alice@northwind.example")
    services.agreement_accept(actor=alice, agreement=new_version, ip_address=None)
    page = browser_as(admin).get("/agreement/report/").content.decode()
    accepted = page[page.index('data-testid="accepted"') :]
    pending = page[page.index('data-testid="pending"') : page.index('data-testid="accepted"')]
    assert "alice@northwind.example" in accepted and "bob@northwind.example" not in accepted
    assert "bob@northwind.example" in pending and "alice@northwind.example" not in pending
    signers = selectors.agreement_signers(admin).count()
    assert f'data-testid="pending-count">{signers - 1}<' in page
    # Carol accepted the version before: the report says which.
    assert "carol@contoso.example" in pending and f"Version {new_version.version - 1}" in pending
    older = browser_as(admin).get(f"/agreement/report/?version={new_version.version - 1}")
    assert "carol@contoso.example" in older.content.decode().split('data-testid="accepted"')[1]


def test_the_report_is_for_vendor_admins_and_legal_not_for_others(acme):
    legal = user_create(email="lena@acme.example", role=Role.LEGAL_APPROVER, send_welcome=False)
    report = browser_as(legal).get("/agreement/report/")
    assert report.status_code == 200 and "Remind those pending" not in report.content.decode()
    assert browser_as(legal).post("/agreement/remind/").status_code == 404
    for email in ("cam@acme.example", "alice@northwind.example"):
        assert browser_as(email).get("/agreement/report/").status_code == 404


def test_remind_those_pending_notifies_and_mails_each_pending_partner_user_once(
    admin, new_version, django_capture_on_commit_callbacks
):
    pending = set(
        selectors.agreement_signers(admin)
        .exclude(acceptances__agreement=new_version)
        .values_list("pk", flat=True)
    )
    assert len(pending) > 30
    mail.outbox.clear()
    client = browser_as(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/agreement/remind/", follow=True)
    assert f"Reminded {len(pending)} people" in response.content.decode()
    reminders = Notification.objects.filter(title="Reminder: please accept the program terms")
    assert sorted(reminders.values_list("user_id", flat=True)) == sorted(pending)
    assert len(mail.outbox) == len(pending)
    assert {m.to[0] for m in mail.outbox} == set(
        User.objects.filter(pk__in=pending).values_list("email", flat=True)
    )
    # A second click (or a double submit) reminds nobody again the same day.
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post("/agreement/remind/", follow=True)
    assert "Nobody to remind" in again.content.decode()
    assert reminders.count() == len(pending) and len(mail.outbox) == len(pending)
    page = client.get("/agreement/report/").content.decode()
    assert "Everyone pending was reminded within the last day." in page


def test_nobody_is_reminded_of_an_old_version(admin, new_version):
    old = Agreement.objects.get(version=new_version.version - 1)
    from prm.errors import Conflict

    with pytest.raises(Conflict):
        services.agreement_remind(actor=admin, agreement=old)


def test_the_printable_copy_shows_the_date_the_partner_user_accepted(acme):
    alice = User.objects.get(email="alice@northwind.example")
    acceptance = AgreementAcceptance.objects.get(
        user=alice, agreement=selectors.agreement_current()
    )
    response = browser_as(alice).get("/agreement/print/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Accepted by Alice Andrews" in page and "Northwind Traders" in page
    assert acceptance.accepted_at.strftime("%-d %b %Y") in page
    assert 'class="sidebar' not in page and "data-print" in page  # no portal chrome
    assert "portal/portal.css" in page and "style=" not in page


def test_a_partner_user_who_has_not_accepted_sees_it_said_on_the_printable_copy(acme):
    page = browser_as("bob@northwind.example").get("/agreement/print/").content.decode()
    assert "Not accepted yet." in page


def test_partner_users_print_only_versions_they_accepted_or_the_current_one(admin, new_version):
    older = new_version.version - 1
    bob = browser_as("bob@northwind.example")  # accepted no version
    assert bob.get(f"/agreement/{older}/print/").status_code == 404
    alice = browser_as("alice@northwind.example")  # accepted the older one
    page = alice.get(f"/agreement/{older}/print/").content.decode()
    assert "Accepted by Alice Andrews" in page
    assert alice.get("/agreement/999/print/").status_code == 404


def test_an_admin_prints_a_persons_acceptance_from_the_report(admin):
    acceptance = AgreementAcceptance.objects.filter(
        agreement=selectors.agreement_current(), user__email="carol@contoso.example"
    ).get()
    version = acceptance.agreement.version
    client = browser_as(admin)
    report = client.get("/agreement/report/").content.decode()
    link = f"/agreement/{version}/print/?acceptance={acceptance.pk}"
    assert link in report
    page = client.get(link).content.decode()
    assert "Accepted by Carol Chen" in page and "Contoso" in page
    assert client.get(f"/agreement/{version}/print/?acceptance=x").status_code == 404
    assert client.get(f"/agreement/{version}/print/?acceptance=999999").status_code == 404


def test_the_agreement_page_tells_a_partner_when_they_accepted(acme):
    page = browser_as("alice@northwind.example").get("/agreement/").content.decode()
    assert "You accepted this version on" in page and "/agreement/print/" in page
    assert "style=" not in page.split("<main", 1)[1]
