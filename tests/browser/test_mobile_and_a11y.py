"""Issue 11, points 14 and 20: every persona's pages fit a 375 px phone (no page wider than
the viewport, the menu off-canvas behind a button) and axe-core (from node_modules, injected
by Playwright) finds no critical or serious accessibility violation on the portal's pages."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from prm.demo import PASSWORD
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"

PERSONAS = [
    ("acme", "admin@acme.example"),
    ("acme", "cam@acme.example"),
    ("acme", "finance@acme.example"),
    ("acme", "alice@northwind.example"),
    ("acme", "bob@northwind.example"),
    ("acme", "carol@contoso.example"),
    ("globex", "admin@globex.example"),
]

# Links to the main detail pages (the first of each kind): in a page's tables and lists, its
# top bar ("Edit profile", "New workflow", the bell) and its tabs (with their query).
DETAIL_LINKS = "main table a[href^='/'], main .list-group a[href^='/'], header a[href^='/']"
TAB_LINKS = "main .nav-tabs a[href]"


def signed_in(browser, portal: str, host: str, email: str, width: int, *, axe: bool = False):
    # axe is injected as a script tag, which the portal's CSP would refuse: its context
    # bypasses the CSP (the other pages' tests do not).
    context = browser.new_context(viewport={"width": width, "height": 800}, bypass_csp=axe)
    if axe:  # in every page as it loads (once per context, not sent again for each page)
        context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.goto(portal.format(host=host) + "/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login/" not in url)
    return context, page


def walk(page, check) -> list[str]:
    """Go to each of the persona's menu pages, then to the first page of each kind linked
    from them (a partner, an application, a workflow, a form) and from those (a partner's
    edit form), and call ``check(path)`` on each while it is loaded: one visit per page,
    which both finds the next pages' links and is checked. The paths, in order."""
    base = "/".join(page.url.split("/", 3)[:3])
    links = "links => links.map(a => a.getAttribute('href'))"
    nav = page.eval_on_selector_all("nav[aria-label=Main] a.nav-link", links)
    pages: list[str] = list(dict.fromkeys(nav))
    kinds: set[str] = set()
    visit = list(pages)
    for level in range(3):
        found: list[str] = []
        for href in visit:
            page.goto(base + href)
            if level < 2:  # the pages of the last level are checked, not followed
                tabs = [
                    urlsplit(href).path + t for t in page.eval_on_selector_all(TAB_LINKS, links)
                ]
                for link in page.eval_on_selector_all(DETAIL_LINKS, links) + tabs:
                    parts = urlsplit(link)
                    url = parts.path + (f"?{parts.query}" if parts.query else "")
                    kind = re.sub(r"/\d+", "/<id>", url)
                    if (
                        parts.path.endswith(".csv")
                        or "/add/" in url
                        or url in pages
                        or kind in kinds
                    ):
                        continue
                    kinds.add(kind)
                    found.append(url)
            check(href)
        pages += found
        visit = found
    return pages


def axe_violations(page) -> list[str]:
    if page.evaluate("typeof axe") == "undefined":  # not loaded by signed_in(axe=True)
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations"
        ".filter(v => v.impact === 'critical' || v.impact === 'serious')"
        ".map(v => v.id + ' (' + v.impact + '): ' + v.help + ' at ' +"
        " v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')))"
    )
    return result


@pytest.mark.parametrize(("host", "email"), PERSONAS)
def test_no_page_of_the_persona_is_wider_than_a_phone_and_axe_finds_no_serious_violation(
    browser, portal, host, email
):
    """One walk of the persona's pages, each loaded on a 375 px phone: no page is wider than
    it; then, on the same page widened to 1280 px, axe finds no serious violation."""
    context, page = signed_in(browser, portal, host, email, 375, axe=True)
    phone, desktop = {"width": 375, "height": 800}, {"width": 1280, "height": 800}
    try:
        too_wide: dict[str, int] = {}
        found: dict[str, list[str]] = {}

        def check(path: str) -> None:
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 375:
                too_wide[path] = width
                slug = path.strip("/").replace("/", "-")
                screenshot(page, f"too-wide-{email.split('@')[0]}-{slug}")
            if path.startswith("/api/"):
                return  # Swagger UI's page (drf-spectacular), not one of the portal's own
            page.set_viewport_size(desktop)
            violations = axe_violations(page)
            if violations:
                found[path] = violations
            page.set_viewport_size(phone)  # the next page loads on the phone

        assert walk(page, check)
        assert not too_wide, "\n".join(f"{p}: {w} px" for p, w in too_wide.items())
        assert not found, "\n".join(f"{p}: {v}" for p, vs in found.items() for v in vs)
    finally:
        context.close()


@pytest.mark.parametrize(
    ("email", "name"),
    [
        ("admin@acme.example", "vendor-admin"),
        ("cam@acme.example", "channel-manager"),
        ("alice@northwind.example", "partner-admin"),
        ("bob@northwind.example", "partner-user"),
    ],
)
def test_the_menu_is_off_canvas_behind_a_button_on_a_phone(browser, portal, email, name):
    context, page = signed_in(browser, portal, "acme", email, 375)
    try:
        menu = page.get_by_role("navigation", name="Main")
        assert not menu.is_visible()  # the first screen is the page, not the menu
        assert page.get_by_role("heading", level=1).is_visible()
        screenshot(page, f"mobile-home-{name}")
        page.get_by_role("button", name="Menu").click()
        menu.get_by_role("link", name="Home").wait_for()
        page.locator("#sidebar.show:not(.showing)").wait_for()
        screenshot(page, f"mobile-menu-{name}")
        page.get_by_role("button", name="Close the menu").click()
        menu.wait_for(state="hidden")
        first = "Partners" if name in ("vendor-admin", "channel-manager") else "Our company"
        page.get_by_role("button", name="Menu").click()
        menu.get_by_role("link", name=first, exact=True).click()
        page.wait_for_load_state()
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        screenshot(page, f"mobile-{first.lower().replace(' ', '-')}-{name}")
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 375])
def test_home_pages_and_the_partner_list_at_desktop_and_phone_width(browser, portal, width):
    for email, name in [
        ("admin@acme.example", "vendor-admin"),
        ("cam@acme.example", "channel-manager"),
        ("bob@northwind.example", "partner-user"),
    ]:
        context, page = signed_in(browser, portal, "acme", email, width)
        try:
            screenshot(page, f"home-{name}-{width}")
            if name != "partner-user":
                page.goto(portal.format(host="acme") + "/partners/")
                screenshot(page, f"partners-{name}-{width}")
            if width == 1280:
                assert page.get_by_role("navigation", name="Main").is_visible()
                assert not page.get_by_role("button", name="Menu").is_visible()
        finally:
            context.close()


PUBLIC_PAGES = ["/login/", "/apply/", "/password-reset/"]


def public_url(portal: str, path: str) -> str:
    return (
        portal.format(host="acme") + path
        if path != "operator"
        else portal.replace("{host}.", "") + "/"
    )


@pytest.mark.parametrize("path", [*PUBLIC_PAGES, "operator"])
def test_the_pages_without_sign_in_fit_a_phone_and_pass_axe(browser, portal, path):
    for width in (375, 1280):
        context = browser.new_context(viewport={"width": width, "height": 800}, bypass_csp=True)
        try:
            page = context.new_page()
            page.goto(public_url(portal, path))
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            if width == 1280:
                assert not axe_violations(page), axe_violations(page)
        finally:
            context.close()
