"""Issue 4 end to end in the browser: a vendor admin builds and rearranges the org tree and
assigns a partner; a prospect applies, the admin approves, the invited partner admin sets a
password, signs in, accepts the agreement and invites a colleague."""

import re
import uuid

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from partners.forms import ApplicationForm
from partners.models import OrgUnit, Partner
from prm.demo import PASSWORD
from tests.browser.conftest import screenshot
from tests.browser.test_login import sign_in
from tests.test_celery import wait_for

pytestmark = pytest.mark.browser


def select_ending_with(page, selector: str, text: str) -> None:
    """Pick the option whose label ends with ``text`` (tree labels are indented), once the
    select is on the page (eval_on_selector does not wait, and a click's navigation may
    still be loading)."""
    page.locator(selector).wait_for()
    value = page.eval_on_selector(
        selector,
        "(el, text) => [...el.options].find(o => o.text.trim().endsWith(text)).value",
        text,
    )
    page.select_option(selector, value)


@pytest.fixture
def litware_restored(django_db_blocker):
    """Put Litware back in its territory and remove the test's units afterwards (the browser
    writes to the shared test database, which --reuse-db keeps)."""
    yield
    with django_db_blocker.unblock(), schema_context("acme"):
        # Litware is in Japan in the demo data (partners/demo.py).
        japan = OrgUnit.objects.get(name="Japan")
        Partner.objects.filter(display_name="Litware").update(territory=japan)
        made_here = OrgUnit.objects.filter(name__regex=r"^(Baltics|Nordics) [0-9a-f]{5}$")
        for unit in made_here.order_by("-depth"):
            unit.delete()


def test_vendor_admin_builds_the_tree_moves_a_unit_and_assigns_a_partner(
    page, portal, litware_restored
):
    tag = uuid.uuid4().hex[:5]
    nordics, baltics = f"Nordics {tag}", f"Baltics {tag}"
    sign_in(page, portal, "acme", "admin@acme.example")
    page.get_by_role("link", name="Organisation").click()
    for name, parent in ((nordics, "EMEA"), (baltics, "Global")):
        page.fill("#id_name", name)
        select_ending_with(page, "#id_parent", parent)
        page.get_by_role("button", name="Add unit").click()
        page.get_by_text(f"{name} created.").wait_for()

    # The edit controls open on request; a move needs a reason and is confirmed.
    page.get_by_role("button", name=f"Edit {baltics}").click()
    select_ending_with(page, f'select[aria-label="Move {baltics} under"]', nordics)
    page.locator(f'li[data-unit="{baltics}"]').get_by_label("Why it moves").fill("Baltics join")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=f"Move {baltics}").click()
    page.get_by_text(f"{baltics} moved.").wait_for()
    tree = page.get_by_test_id("org-tree")
    depths = {
        name: tree.locator(f'li[data-unit="{name}"]').get_attribute("style")
        for name in (nordics, baltics)
    }
    assert depths[nordics] != depths[baltics]  # Baltics now sits one level below Nordics
    screenshot(page, "org-tree-after-move")

    # A cyclic move is not offered (the service refuses it too: tests/partners/test_pages.py).
    page.get_by_role("button", name=f"Edit {nordics}").click()
    offered = page.get_by_label(f"Move {nordics} under").locator("option").all_inner_texts()
    assert not any(o.strip().endswith(baltics) for o in offered)

    page.get_by_role("link", name="Partners").first.click()
    page.get_by_placeholder("Search by name").fill("Litware")
    page.get_by_role("link", name="Litware").click()
    page.get_by_role("link", name="Edit profile").click()
    select_ending_with(page, "#id_territory", baltics)
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Litware saved.").wait_for()
    assert baltics in page.locator("dl").inner_text()
    screenshot(page, "partner-assigned")


def test_prospect_applies_and_becomes_a_partner_admin_who_invites_a_colleague(
    browser, portal, portal_mail
):
    tag = uuid.uuid4().hex[:5]
    # A domain of its own: an application from an enrolled domain is turned down by rule.
    company, contact = f"Greenfield {tag}", f"gil@greenfield-{tag}.example"

    prospect = browser.new_page()
    prospect.goto(portal.format(host="acme") + "/apply/")
    prospect.get_by_label("Company name").fill(company)
    prospect.get_by_label("Partner type").select_option("msp")
    prospect.get_by_label("Country").select_option("FI")
    prospect.get_by_label("Contact name").fill("Gil Green")
    prospect.get_by_label("Contact email").fill(contact)
    # People take a few seconds; the form refuses bots that do not. Rather than wait,
    # hand in the form's signed start time as it would be that many seconds ago.
    started = timezone.now().timestamp() - ApplicationForm.MIN_SECONDS
    prospect.eval_on_selector(
        'input[name="started"]',
        "(el, value) => { el.value = value; }",
        ApplicationForm.stamp(started, schema="acme"),
    )
    prospect.get_by_role("button", name="Send application").click()
    prospect.get_by_role("heading", name="Thank you, Gil Green").wait_for()
    prospect.close()

    admin = browser.new_page()
    sign_in(admin, portal, "acme", "admin@acme.example")
    admin.get_by_role("link", name=re.compile(r"^\W*Applications$")).click()
    admin.get_by_role("link", name=company).click()
    select_ending_with(admin, "#id_territory", "EMEA")
    admin.get_by_role("button", name="Approve and invite").click()
    admin.get_by_text(f"{contact} is invited").wait_for()
    screenshot(admin, "application-approved")
    admin.close()

    def invitation_link() -> str | None:
        for message in portal_mail.iterdir():
            text = message.read_text()
            if contact in text and (found := re.search(r"http://\S+/invitations/\S+/", text)):
                return found.group(0)
        return None

    link = wait_for(invitation_link)  # the invitation e-mail

    newcomer = browser.new_page()
    newcomer.goto(link)
    newcomer.get_by_label("Your name").fill("Gil Green")
    newcomer.get_by_label("Choose a password").fill(PASSWORD + "!x")
    newcomer.get_by_label("The password again").fill(PASSWORD + "!x")
    newcomer.get_by_role("button", name="Create my account").click()
    newcomer.get_by_role("heading", name="Welcome, Gil Green").wait_for()

    newcomer.get_by_role("link", name="Agreement").click()
    newcomer.get_by_role("button", name="I accept these terms").click()
    newcomer.get_by_text("You accepted").wait_for()

    newcomer.get_by_role("link", name="Users").click()
    newcomer.get_by_label("Email").fill(f"rep.{tag}@greenfield.example")
    newcomer.get_by_label("Role", exact=True).select_option("partner_user")
    newcomer.get_by_label("Partner").select_option(label=company)
    newcomer.get_by_role("button", name="Send invitation").click()
    newcomer.get_by_text(f"Invitation sent to rep.{tag}@greenfield.example").wait_for()
    screenshot(newcomer, "partner-admin-invited-a-colleague")

    # The link works once.
    newcomer.goto(link)
    assert "already been used" in newcomer.get_by_role("alert").inner_text()
    newcomer.close()
