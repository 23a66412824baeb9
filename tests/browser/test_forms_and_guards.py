"""Issue 11 in the browser: the partner form renders every widget properly, Enter in a
one-line box decides nothing, the org tree moves what it says, errors stand beside their
field with the input kept, and consequential actions are confirmed (with a reason)."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import schema_context

from partners.models import Partner
from tests.browser.conftest import screenshot
from tests.browser.test_login import sign_in

pytestmark = pytest.mark.browser


def box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def overlaps(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


@pytest.fixture
def acme(django_db_blocker):
    """Read (and put back) rows of the shared test database the portal serves."""

    class Acme:
        def partner(self, name: str) -> Partner:
            with django_db_blocker.unblock(), schema_context("acme"):
                return Partner.objects.get(display_name=name)

    return Acme()


def signed_in(page, portal: str, email: str = "admin@acme.example") -> str:
    sign_in(page, portal, "acme", email)
    # The main menu is off-canvas on a phone: wait for the signed-in page's bell instead.
    page.get_by_role("link", name=re.compile("^Notifications")).wait_for()
    return portal.format(host="acme")


@pytest.mark.parametrize("width", [1280, 375])
def test_partner_edit_form_lays_out_its_checkbox_groups_inside_the_card(page, portal, acme, width):
    page.set_viewport_size({"width": width, "height": 900})
    base = signed_in(page, portal)
    page.goto(base + f"/partners/{acme.partner('Northwind Traders').pk}/edit/")
    group = page.get_by_role("group", name="Competencies")
    boxes = group.get_by_role("checkbox")
    assert boxes.count() > 1
    card = box(page, ".card-body")
    rects = [boxes.nth(i).bounding_box() for i in range(boxes.count())]
    labels = group.locator("label")
    label_rects = [labels.nth(i).bounding_box() for i in range(labels.count())]
    for r in rects + label_rects:  # every box and label inside the card ...
        assert card["x"] <= r["x"] and r["x"] + r["width"] <= card["x"] + card["width"] + 1
    for i, a in enumerate(label_rects):  # ... and none on top of another
        assert not any(overlaps(a, b) for b in label_rects[i + 1 :])
    save = page.get_by_role("button", name="Save").bounding_box()
    industries = page.get_by_role("group", name="Industries").bounding_box()
    assert industries["y"] + industries["height"] <= save["y"]
    assert page.locator("label[for=id_display_name] + .required-mark").count() == 1
    screenshot(page, f"issue11-partner-edit-{width}")


def test_partner_edit_form_marks_an_invalid_field_and_keeps_the_input(page, portal):
    base = signed_in(page, portal)
    page.goto(base + "/partners/new/")
    page.get_by_label("Website").fill("not a web address")
    page.get_by_role("group", name="Competencies").get_by_role("checkbox").first.check()
    page.get_by_role("button", name="Save").click()
    assert "is-invalid" in page.locator("#id_display_name").get_attribute("class")
    assert "is-invalid" in page.locator("#id_website").get_attribute("class")
    assert page.locator("#id_website").input_value() == "not a web address"
    assert page.get_by_role("group", name="Competencies").get_by_role("checkbox").first.is_checked()
    page.locator(".invalid-feedback").first.wait_for()


@pytest.fixture
def pending_approval(django_db_blocker):
    """An approval waiting in the channel manager's inbox (on a run of the demo data)."""
    from prm.users.models import User
    from workflows.models import Approval, WorkflowRun

    with django_db_blocker.unblock(), schema_context("acme"):
        run = WorkflowRun.objects.order_by("pk").first()
        assert run is not None, "the demo data has workflow runs"
        cam = User.objects.get(email="cam@acme.example")
        approval = Approval.objects.create(
            run=run, step=99, approver=cam, summary="Enter guard check"
        )
    yield approval
    with django_db_blocker.unblock(), schema_context("acme"):
        Approval.objects.filter(pk=approval.pk).delete()


def test_enter_in_the_approval_comment_box_decides_nothing(
    page, portal, pending_approval, django_db_blocker
):
    from workflows.models import Approval

    base = signed_in(page, portal, "cam@acme.example")
    page.goto(base + "/approvals/")
    row = page.get_by_role("row").filter(has_text="Enter guard check")
    comment = row.get_by_label("Comment")
    comment.fill("looks fine, but let me check")
    comment.press("Enter")
    page.wait_for_timeout(500)
    assert comment.input_value() == "looks fine, but let me check"  # no page load
    with django_db_blocker.unblock(), schema_context("acme"):
        assert Approval.objects.get(pk=pending_approval.pk).decided_at is None


@pytest.fixture
def org_units(django_db_blocker):
    """Names of the demo tree, and the tree put back after the test moved a unit."""
    from partners.models import OrgUnit

    with django_db_blocker.unblock(), schema_context("acme"):
        dach = OrgUnit.objects.get(name="Germany")
        before = dach.path
        parent = OrgUnit.objects.get(path=before[: -len(before) // dach.depth])
    yield {"unit": dach, "parent": parent}
    with django_db_blocker.unblock(), schema_context("acme"):
        dach = OrgUnit.objects.get(name="Germany")
        if dach.path[: len(parent.path)] != parent.path or dach.depth != parent.depth + 1:
            OrgUnit.objects.move(dach, OrgUnit.objects.get(pk=parent.pk), "last-child")


@pytest.mark.parametrize("width", [1280, 375])
def test_org_tree_shows_subtree_counts_and_edit_controls_on_request(page, portal, org_units, width):
    page.set_viewport_size({"width": width, "height": 900})
    base = signed_in(page, portal)
    page.goto(base + "/organisation/")
    tree = page.get_by_test_id("org-tree")
    unit, parent = org_units["unit"], org_units["parent"]
    row = tree.locator(f'li[data-unit="{parent.name}"]')
    # The controls stay out of the way until asked for.
    assert not tree.get_by_label(f"Move {unit.name} under").is_visible()
    counts = {
        li.get_attribute("data-unit"): int(
            li.get_by_test_id("partner-count").inner_text().split()[0]
        )
        for li in tree.locator("li[data-unit]").all()
    }
    assert counts[parent.name] >= counts[unit.name] > 0  # the whole subtree counts
    screenshot(page, f"issue11-org-tree-{width}")
    page.get_by_role("button", name=f"Edit {unit.name}").click()
    select = tree.get_by_label(f"Move {unit.name} under")
    select.wait_for()
    page.locator(f"#edit-unit-{unit.pk}.show:not(.collapsing)").wait_for()
    # The select starts at the current parent, not "(top level)".
    assert select.evaluate("el => el.options[el.selectedIndex].text").strip().endswith(parent.name)
    assert row.count() == 1
    screenshot(page, f"issue11-org-tree-editing-{width}")


def test_org_tree_move_without_a_reason_is_refused_beside_the_field(page, portal, org_units):
    base = signed_in(page, portal)
    page.goto(base + "/organisation/")
    unit = org_units["unit"]
    page.get_by_role("button", name=f"Edit {unit.name}").click()
    page.get_by_label(f"Move {unit.name} under").select_option(label="(top level)")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name=f"Move {unit.name}").click()
    item = page.get_by_test_id("org-tree").locator(f'li[data-unit="{unit.name}"]')
    item.locator(".invalid-feedback").filter(has_text="Say why").wait_for()
    assert dialogs and "Move" in dialogs[0]
    # The choice is kept, and nothing moved.
    select = page.get_by_label(f"Move {unit.name} under")
    assert select.input_value() == ""
    assert "is-invalid" in item.get_by_label("Why it moves").get_attribute("class")


@pytest.fixture
def northwind_active(django_db_blocker):
    """Northwind Traders active (as in the demo data) before and after the test."""
    with django_db_blocker.unblock(), schema_context("acme"):
        partner = Partner.objects.get(display_name="Northwind Traders")
        status = partner.status
    yield partner
    with django_db_blocker.unblock(), schema_context("acme"):
        Partner.objects.filter(pk=partner.pk).update(status=status)


@pytest.mark.parametrize("width", [1280, 375])
def test_partner_page_shows_a_small_forms_error_beside_its_field_with_the_input_kept(
    page, portal, acme, width
):
    page.set_viewport_size({"width": width, "height": 900})
    base = signed_in(page, portal)
    page.goto(base + f"/partners/{acme.partner('Northwind Traders').pk}/")
    page.get_by_role("button", name="A certification").click()
    form = page.locator("#add-certification")
    form.locator("#id_holder_name").fill("Jo Typed")
    form.locator("#id_name").fill("Cloud Architect")
    form.locator("#id_issued_on").fill("2026-03-01")
    form.locator("#id_expires_on").fill("2026-02-01")
    page.get_by_role("button", name="Save certification").click()
    feedback = page.locator("#add-certification .invalid-feedback")
    feedback.wait_for()
    assert feedback.inner_text() == "The expiry date must be after the issue date."
    assert "is-invalid" in page.locator("#add-certification #id_expires_on").get_attribute("class")
    assert page.locator("#add-certification #id_holder_name").input_value() == "Jo Typed"
    assert "__all__" not in page.content() and "Constraint" not in page.content()
    page.locator("#add-certification").scroll_into_view_if_needed()
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # fits the screen
    screenshot(page, f"issue11-partner-form-error-{width}")


def test_enter_in_the_status_reason_box_changes_nothing_and_a_suspension_is_confirmed(
    page, portal, northwind_active, django_db_blocker
):
    base = signed_in(page, portal)
    page.goto(base + f"/partners/{northwind_active.pk}/")
    status_form = page.get_by_test_id("status-form")
    reason = status_form.get_by_label("Reason")
    reason.fill("late payments")
    reason.press("Enter")
    page.wait_for_timeout(500)
    assert reason.input_value() == "late payments"  # no page load, no status change
    with django_db_blocker.unblock(), schema_context("acme"):
        assert Partner.objects.get(pk=northwind_active.pk).status == "active"
    # Suspending asks first; "Cancel" changes nothing.
    dialogs = []
    page.once("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    status_form.get_by_role("button", name="Suspended").click()
    page.wait_for_timeout(300)
    assert dialogs and "Suspended" in dialogs[0]
    with django_db_blocker.unblock(), schema_context("acme"):
        assert Partner.objects.get(pk=northwind_active.pk).status == "active"
    # Without a reason the service refuses, beside the field.
    reason.fill("")
    page.once("dialog", lambda d: d.accept())
    status_form.get_by_role("button", name="Suspended").click()
    page.get_by_test_id("status-form").locator(".invalid-feedback").wait_for()
    assert "Say why" in page.get_by_test_id("status-form").inner_text()
    with django_db_blocker.unblock(), schema_context("acme"):
        assert Partner.objects.get(pk=northwind_active.pk).status == "active"


def test_replacing_the_api_token_asks_first(page, portal):
    base = signed_in(page, portal, "bob@northwind.example")
    page.goto(base + "/")
    button = page.get_by_role("button", name="Create API token")
    if button.count():
        button.click()
        page.get_by_test_id("new-token").wait_for()
        page.goto(base + "/")
    dialogs = []
    page.once("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.get_by_role("button", name="Replace token").click()
    page.wait_for_timeout(500)
    assert dialogs and "Replace your API token" in dialogs[0]
    assert page.get_by_test_id("new-token").count() == 0  # cancelled: nothing replaced


def test_deactivating_a_user_asks_why_on_a_confirmation_page(page, portal):
    base = signed_in(page, portal, "alice@northwind.example")
    page.goto(base + "/users/")
    page.get_by_role("link", name="Deactivate bob@northwind.example").click()
    page.get_by_text("will no longer be able to sign in").wait_for()
    page.get_by_role("button", name="Deactivate").click()
    page.locator(".invalid-feedback").filter(has_text="Say why").wait_for()
    page.get_by_role("link", name="Cancel").click()
    page.get_by_role("link", name="Deactivate bob@northwind.example").wait_for()
