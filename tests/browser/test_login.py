import pytest

from prm.demo import PASSWORD
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def sign_in(page, portal: str, host: str, email: str, password: str = PASSWORD) -> None:
    page.goto(portal.format(host=host) + "/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_vendor_admin_signs_in_and_sees_the_program_overview(page, portal):
    sign_in(page, portal, "acme", "admin@acme.example")
    page.get_by_role("heading", name="Program overview").wait_for()
    assert page.get_by_test_id("role").inner_text() == "Vendor admin"
    assert page.get_by_role("navigation").get_by_role("link", name="API").is_visible()
    screenshot(page, "home-vendor-admin")


def test_partner_user_signs_in_and_sees_the_partner_home(page, portal):
    sign_in(page, portal, "acme", "bob@northwind.example")
    page.get_by_role("heading", name="Welcome, Bob Baker").wait_for()
    assert page.get_by_text("Your contact at Acme").is_visible()
    assert page.get_by_role("navigation").get_by_role("link", name="API").is_visible()
    screenshot(page, "home-partner-user")


def test_wrong_password_shows_one_clear_message(page, portal):
    sign_in(page, portal, "acme", "admin@acme.example", "wrong-password")
    alert = page.get_by_role("alert")
    assert "do not match an account of this portal" in alert.inner_text()
    screenshot(page, "login-wrong-password")


def test_an_acme_user_cannot_sign_in_on_globex(page, portal):
    sign_in(page, portal, "globex", "admin@acme.example")
    assert "do not match" in page.get_by_role("alert").inner_text()


def test_sign_out_returns_to_the_login_page(page, portal):
    sign_in(page, portal, "acme", "cam@acme.example")
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name="Sign in").wait_for()
    page.goto(portal.format(host="acme") + "/")
    assert "/login/" in page.url
