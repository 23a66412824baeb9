"""The demo logins of PRODUCT.md §10 (plain data: the launcher prints them before Django
is set up; ``seed_demo`` creates them)."""

from typing import TypedDict


class DemoTenant(TypedDict):
    name: str
    domain: str
    admin: tuple[str, str]  # e-mail, full name
    users: list[tuple[str, str, str]]  # e-mail, full name, role


PASSWORD = "demo-pass-123"
OPERATOR = "operator@platform.example"
TENANTS: dict[str, DemoTenant] = {
    "acme": {
        "name": "Acme",
        "domain": "acme.localhost",
        "admin": ("admin@acme.example", "Ada Admin"),
        "users": [
            ("cam@acme.example", "Carlos Channel", "channel_manager"),
            ("finance@acme.example", "Fiona Finance", "finance_approver"),
            ("alice@northwind.example", "Alice Andrews", "partner_admin"),
            ("bob@northwind.example", "Bob Baker", "partner_user"),
            ("carol@contoso.example", "Carol Chen", "partner_user"),
        ],
    },
    "globex": {
        "name": "Globex",
        "domain": "globex.localhost",
        "admin": ("admin@globex.example", "Gina Globex"),
        "users": [
            ("cam@globex.example", "Hank Channel", "channel_manager"),
            ("dana@initech.example", "Dana Dunn", "partner_user"),
        ],
    },
}


def logins() -> list[tuple[str, str]]:
    """(e-mail, what it is) for every demo login."""
    rows = [(OPERATOR, "platform operator, http://localhost:8000/admin/")]
    for schema, spec in TENANTS.items():
        rows.append((spec["admin"][0], f"vendor_admin, {schema}"))
        rows += [(email, f"{role}, {schema}") for email, _, role in spec["users"]]
    return rows
