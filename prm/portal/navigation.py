"""The navigation of the portal, by role, in one place. Items name URL routes; later issues
append theirs. Hiding a link is not access control: views check scope themselves."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django_tenants.utils import get_public_schema_name

from prm.permissions import ALL_ROLES, roles_that
from prm.tenancy.context import current_schema
from prm.users.models import PARTNER_ROLES, VENDOR_ROLES


@dataclass(frozen=True)
class NavItem:
    label: str
    route: str
    icon: str
    roles: frozenset[str]
    # Routes whose pages also make this item the active one ("Our company" redirects to the
    # company's page under /partners/).
    also_active: tuple[str, ...] = ()


NAV: list[NavItem] = [
    NavItem("Home", "home", "house", ALL_ROLES),
    NavItem("Partners", "partners", "buildings", VENDOR_ROLES),
    NavItem("Our company", "our-company", "building", PARTNER_ROLES, also_active=("partners",)),
    NavItem("Find partners", "partner-search-page", "search", VENDOR_ROLES),
    # Customer accounts (deals.views): "is this customer free?" and the partner's own
    # reservations on the partner side, the account list on the vendor side.
    NavItem("Customers", "account-lookup", "person-check", PARTNER_ROLES),
    NavItem("My reservations", "my-reservations", "bookmark-check", PARTNER_ROLES),
    # Deal registrations (deals.views.deal_pages): the partner's own, with their pages.
    NavItem("Deals", "my-deals", "clipboard-check", PARTNER_ROLES),
    NavItem("Accounts", "accounts", "briefcase", VENDOR_ROLES),
    NavItem("Products", "products", "box-seam", VENDOR_ROLES),  # the catalogue (deals.views)
    # Deal registrations on the vendor side (deals.views.deal_admin).
    NavItem("Deals", "deal-registrations", "clipboard-check", VENDOR_ROLES),
    # MDF (incentives.views): the partner's funds and fund requests; the vendor's programs,
    # allocations and fund ledgers, at the same address (claims and payouts come beside).
    NavItem("Funds", "funds", "piggy-bank", PARTNER_ROLES),
    NavItem("Funds", "funds", "piggy-bank", VENDOR_ROLES),
    NavItem("Fund requests", "mdf-requests", "cash-coin", VENDOR_ROLES),
    # MDF claims, their payouts and what MDF brought (incentives.views).
    NavItem("Claims", "mdf-claims", "receipt", ALL_ROLES),
    NavItem("Payouts", "mdf-payouts", "wallet2", ALL_ROLES),
    NavItem("MDF results", "mdf-roi", "graph-up-arrow", VENDOR_ROLES),
    # The tenant's exchange rates (incentives.views.rates): finance and vendor admins.
    NavItem("Exchange rates", "mdf-rates", "currency-exchange", roles_that("mdf.rates")),
    # SPIFFs (incentives.views.spiffs): a partner's rewards; the rules and rewards for staff.
    NavItem("My rewards", "my-rewards", "trophy", PARTNER_ROLES),
    NavItem("SPIFFs", "spiffs", "trophy", VENDOR_ROLES),
    NavItem("Applications", "applications", "inbox", roles_that("applications.decide")),
    NavItem("Approvals", "approvals", "check2-square", VENDOR_ROLES),
    NavItem("Organisation", "organisation", "diagram-3", VENDOR_ROLES),
    NavItem("Workflows", "workflows", "lightning-charge", roles_that("workflows.configure")),
    NavItem("Users", "users", "people", roles_that("people.manage")),
    NavItem("Agreement", "agreement", "file-earmark-check", ALL_ROLES),
    NavItem("API", "api-docs", "braces", roles_that("api.use_tokens")),
]


def items_for(user, path: str) -> list[dict]:
    """The user's navigation; the item whose URL is the longest prefix of ``path`` is active."""
    urls: list[tuple[NavItem, str]] = []
    prefixes: list[tuple[str, str]] = []  # (prefix, the URL of the item it activates)
    for item in NAV:
        if user.role not in item.roles:
            continue
        try:
            url = reverse(item.route)
            urls.append((item, url))
            prefixes += [(url, url)] + [(reverse(route), url) for route in item.also_active]
        except NoReverseMatch:
            continue
    matching = [
        (prefix, url)
        for prefix, url in prefixes
        if (path == "/" if prefix == "/" else path.startswith(prefix))
    ]
    active = max(matching, key=lambda m: len(m[0]), default=(None, None))[1]
    return [
        {"label": item.label, "url": url, "icon": item.icon, "active": url == active}
        for item, url in urls
    ]


def context(request) -> dict:
    """Template context: the tenant and the navigation for the signed-in user."""
    tenant = getattr(request, "tenant", None)
    is_public = current_schema() == get_public_schema_name()
    user = getattr(request, "user", None)
    nav = items_for(user, request.path) if user and user.is_authenticated and not is_public else []
    return {"tenant": tenant, "is_public_site": is_public, "nav_items": nav}
