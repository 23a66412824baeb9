"""Issue 11 in the browser: the users page lists pending invitations, refuses a second
invitation of the same address, and resends or revokes one after asking; the invitation
form starts at the least powerful role and a partner admin's own company."""

import re
import uuid

import pytest
from django_tenants.utils import schema_context

from partners.models import Invitation
from tests.browser.conftest import screenshot
from tests.browser.test_login import sign_in
from tests.test_celery import wait_for

pytestmark = pytest.mark.browser


@pytest.fixture
def tag(django_db_blocker):
    """A tag for the test's addresses; their invitations are removed afterwards (the
    browser writes to the shared test database, which --reuse-db keeps)."""
    tag = uuid.uuid4().hex[:5]
    yield tag
    with django_db_blocker.unblock(), schema_context("acme"):
        Invitation.objects.filter(email__contains=f".{tag}@").delete()


def invite(page, email: str) -> None:
    """Invite with the form's defaults (a partner user of the admin's own company)."""
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Send invitation").click()


def test_pending_invitations_are_listed_once_and_resent_or_revoked_after_asking(
    page, portal, portal_mail, tag
):
    first, second = f"new.rep.{tag}@northwind.example", f"other.rep.{tag}@northwind.example"
    sign_in(page, portal, "acme", "alice@northwind.example")
    page.get_by_role("link", name="Users").click()
    for email in (first, second):
        invite(page, email)
        page.get_by_text(f"Invitation sent to {email} as a partner user").wait_for()
    pending = page.get_by_test_id("pending-invitations")
    assert first in pending.inner_text() and second in pending.inner_text()
    screenshot(page, "users-pending-invitations-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    box = pending.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375  # it fits
    screenshot(page, "users-pending-invitations-375")
    page.set_viewport_size({"width": 1280, "height": 800})

    # The same address again: refused, still one invitation.
    invite(page, first.upper())
    page.get_by_text(f"{first} already has a pending invitation").wait_for()
    screenshot(page, "users-invitation-already-pending")

    item = pending.get_by_role("listitem").filter(has_text=first)
    asked: list[str] = []

    def dismiss(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    item.get_by_role("button", name="Revoke").click()
    assert asked and asked[0].startswith(f"Revoke the invitation to {first}?")
    assert first in pending.inner_text()  # dismissed: nothing changed

    page.once("dialog", lambda dialog: dialog.accept())
    item.get_by_role("button", name="Resend").click()
    page.get_by_text(f"Invitation sent again to {first}").wait_for()

    def latest_link() -> str | None:
        mails = sorted(portal_mail.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
        for message in mails:
            text = message.read_text()
            found = re.search(r"http://\S+/invitations/\S+/", text)
            if f"To: {first}" in text and found:
                return found.group(0)
        return None

    link = wait_for(latest_link)
    page.once("dialog", lambda dialog: dialog.accept())
    pending.get_by_role("listitem").filter(has_text=first).get_by_role(
        "button", name="Revoke"
    ).click()
    page.get_by_text(f"Invitation to {first} revoked").wait_for()
    assert first not in page.get_by_test_id("pending-invitations").inner_text()

    visitor = page.context.browser.new_page()
    visitor.goto(link)
    assert "withdrawn" in visitor.get_by_role("alert").inner_text()
    screenshot(visitor, "invitation-withdrawn")
    visitor.close()


def test_the_invitation_form_starts_at_partner_user_and_the_own_company(page, portal):
    sign_in(page, portal, "acme", "alice@northwind.example")
    page.get_by_role("link", name="Users").click()
    assert page.get_by_label("Role", exact=True).input_value() == "partner_user"
    partner = page.get_by_label("Partner", exact=True)
    chosen = partner.evaluate("el => el.options[el.selectedIndex].text")
    assert chosen.strip() == "Northwind Traders"
    assert partner.evaluate("el => el.selectedIndex") > 0  # not the empty choice
