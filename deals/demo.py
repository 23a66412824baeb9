"""Demo customer accounts and reservations (``seed_demo``): about 400 accounts of a real
program (companies in ten countries, their offices and subsidiaries as children, web
domains, some named accounts the vendor sells to itself, a few near-duplicates waiting to
be merged) and about 60 reservations of the demo partners over the last months, in every
state: active (some ending this week), released and expired, with their events.

Deterministic (a seeded generator), and through the account service, so names are
normalised and domains reduced as for any account.

And the product catalogue (``seed_catalogue``): five product lines of about 25 products."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from deals.models import (
    CustomerAccount,
    ProductLine,
    Reservation,
    ReservationPolicy,
    ReservationStatus,
)
from deals.services.accounts import _account_create
from deals.services.catalogue import _product_create, _product_line_create
from partners.models import PartnerMembership, PartnerStatus, Tier
from prm.outbox.models import Event
from prm.tenancy.context import current_tenant
from prm.users.models import Role, User

# country, legal forms, domain suffix, region
COUNTRIES = [
    ("DE", ["GmbH", "AG", "GmbH & Co. KG"], "de", "EMEA"),
    ("GB", ["Ltd", "PLC", "Limited"], "co.uk", "EMEA"),
    ("FR", ["SA", "SAS", "SARL"], "fr", "EMEA"),
    ("NL", ["BV", "NV"], "nl", "EMEA"),
    ("SE", ["AB"], "se", "EMEA"),
    ("IT", ["S.p.A.", "S.r.l."], "it", "EMEA"),
    ("ES", ["S.A.", "S.L."], "es", "EMEA"),
    ("US", ["Inc.", "Corp.", "LLC", "Corporation"], "com", "Americas"),
    ("BR", ["Ltda"], "com.br", "Americas"),
    ("JP", ["KK", "Co., Ltd."], "co.jp", "APAC"),
]
FIRST = [
    "Aurora", "Bluepeak", "Brightwater", "Cedar", "Coastal", "Copperleaf", "Crescent",
    "Evergreen", "Fairview", "Falcon", "Granite", "Harbor", "Highland", "Ironwood", "Juniper",
    "Keystone", "Lakeside", "Meridian", "Northstar", "Oakridge", "Pinnacle", "Quarry",
    "Redwood", "Riverbend", "Sapphire", "Silverline", "Summit", "Sunrise", "Timberline",
    "Trident", "Vanguard", "Westfield", "Willow", "Zenith",
]  # fmt: skip
TRADE = [
    "Logistics", "Health", "Foods", "Energy", "Manufacturing", "Retail", "Insurance",
    "Pharma", "Telecom", "Media", "Engineering", "Capital", "Hotels", "Motors", "Textiles",
    "Analytics", "Airlines", "Dental", "Bank", "Chemicals",
]  # fmt: skip
OFFICES = ["North", "South", "Services", "Digital", "International"]
ROOTS = 290  # and about 100 offices and subsidiaries under them
OLD_CRM = "OLD-"  # the CRM ids of the near-duplicates
RESERVATIONS = {ReservationStatus.ACTIVE: 36, ReservationStatus.RELEASED: 14, "expired": 10}


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-").replace("--", "-")


def seed_accounts(schema: str, admin_email: str) -> None:
    """The demo tenant's accounts and reservations, once (skipped when it has accounts)."""
    if CustomerAccount.objects.exists():
        return
    rng = random.Random(f"accounts:{schema}")
    admin = User.objects.get(email=admin_email)
    owners = list(User.objects.filter(role=Role.CHANNEL_MANAGER).order_by("email")) or [admin]
    roots = ROOTS if schema == "acme" else 40
    with transaction.atomic():
        _accounts(admin, owners, roots, rng)
        _reservations(rng)


def _accounts(admin: User, owners: list[User], roots: int, rng: random.Random) -> None:
    names = sorted({f"{a} {b}" for a in FIRST for b in TRADE})
    rng.shuffle(names)
    created: list[tuple[str, CustomerAccount]] = []
    for index, core in enumerate(names[:roots]):
        country, forms, suffix, region = COUNTRIES[index % len(COUNTRIES)]
        vendor_owned = index % 11 == 0  # about 1 in 11: the vendor's named accounts
        account = _account_create(
            actor=admin,
            name=f"{core} {rng.choice(forms)}",
            country=country,
            region=region,
            domains=[f"{_slug(core)}.{suffix}"],
            vendor_owned=vendor_owned,
            vendor_owner=rng.choice(owners) if vendor_owned else None,
            external_crm_id=f"CRM-{10000 + index}",
        )
        created.append((core, account))
        if index % 3 == 0:  # offices and subsidiaries: a child in another country or unit
            o_country, o_forms, o_suffix, o_region = rng.choice(COUNTRIES)
            office = rng.choice(OFFICES)
            _account_create(
                actor=admin,
                name=f"{core} {office} {rng.choice(o_forms)}",
                country=o_country,
                region=o_region,
                parent=account,
                domains=[f"{_slug(core)}-{_slug(office)}.{o_suffix}"],
            )
    # Near-duplicates for the merge page: the same company entered again from an old CRM
    # export, in capitals, without its legal form or a domain.
    for index, (core, original) in enumerate(created[5:10]):
        _account_create(
            actor=admin,
            name=core.upper(),
            country=original.country,
            region=original.region,
            external_crm_id=f"{OLD_CRM}{index + 1}",
        )


def _reservations(rng: random.Random) -> None:
    """Reservations of the demo partners' users on accounts with no children (so no
    multi-office rule is in play), each with its events, already processed."""
    members = list(
        PartnerMembership.objects.filter(
            user__role__in=[Role.PARTNER_USER, Role.PARTNER_MANAGER, Role.PARTNER_ADMIN],
            partner__status=PartnerStatus.ACTIVE,
        )
        .select_related("partner", "user")
        .order_by("user__email")
    )
    if not members:
        return
    # The demo logins first, so bob and carol see reservations of their own on day one.
    demo = [m for m in members if m.user.email.endswith(("northwind.example", "contoso.example"))]
    period = timedelta(days=ReservationPolicy.current().period_days)
    now = timezone.now()
    leaves = list(
        CustomerAccount.objects.filter(depth=1, numchild=0, vendor_owned=False)
        .exclude(external_crm_id__startswith=OLD_CRM)
        .order_by("pk")
    )
    rng.shuffle(leaves)
    rows: list[Reservation] = []
    n = 0
    for status, count in RESERVATIONS.items():
        for i in range(count):
            account = leaves[n]
            n += 1
            member = demo[n % len(demo)] if demo and n % 3 == 0 else rng.choice(members)
            if status == ReservationStatus.ACTIVE:
                # a week's worth end within 7 days; the rest spread over the period
                age = rng.randint(84, 89) if i < 6 else rng.randint(1, 80)
                starts = now - timedelta(days=age, hours=rng.randint(0, 8))
                ended = None
            elif status == ReservationStatus.RELEASED:
                starts = now - timedelta(days=rng.randint(100, 480))
                ended = starts + timedelta(days=rng.randint(5, 60))
            else:  # ran out
                starts = now - timedelta(days=rng.randint(100, 480))
                ended = starts + period
            rows.append(
                Reservation(
                    account=account,
                    partner=member.partner,
                    reserved_by=member.user,
                    status=ReservationStatus.EXPIRED if status == "expired" else status,
                    starts_at=starts,
                    expires_at=starts + period,
                    ended_at=ended,
                    ended_by=member.user if status == ReservationStatus.RELEASED else None,
                )
            )
    Reservation.objects.bulk_create(rows)
    Event.objects.bulk_create(
        event for row in rows for event in _events(row) if event.created_at <= now
    )


def _events(row: Reservation) -> list[Event]:
    def event(kind: str, at) -> Event:
        return Event(
            type=f"reservation.{kind}",
            object_type="reservation",
            object_id=str(row.pk),
            partner_id=row.partner_id,
            created_at=at,
            processed_at=at,
            payload={"account_id": row.account_id, "expires_at": row.expires_at.isoformat()},
        )

    events = [event("created", row.starts_at)]
    if row.status == ReservationStatus.RELEASED:
        events.append(event("released", row.ended_at))
    elif row.status == ReservationStatus.EXPIRED:
        events.append(event("expiring", row.expires_at - timedelta(days=14)))
        events.append(event("expired", row.ended_at))
    return events


# --- the product catalogue --------------------------------------------------------------

GOLD, SILVER = "Gold", "Silver"
NETWORK, SECURITY, CLOUD = (
    "Certified Network Professional",
    "Certified Security Engineer",
    "Certified Cloud Architect",
)
INACTIVE = "inactive"
# line, description, [(sku, name, list price, minimum tier, required certification, flags)]
ACME_CATALOGUE = [
    (
        "Firewalls",
        "Sentinel next-generation firewalls, from the branch office to the data centre.",
        [
            ("FW-1100", "Sentinel FW-1100 Branch Firewall", "1450.00", None, "", ""),
            ("FW-2200", "Sentinel FW-2200 Firewall Appliance", "8950.00", SILVER, "", ""),
            ("FW-5400", "Sentinel FW-5400 Data Centre Firewall", "42500.00", GOLD, NETWORK, ""),
            ("FW-VM-10G", "Sentinel Virtual Firewall, 10 Gbps", "6200.00", None, "", ""),
            ("FW-TP-1Y", "Threat Prevention Subscription, 1 year", "1200.00", None, "", ""),
            ("FW-1000", "Sentinel FW-1000 (previous generation)", "990.00", None, "", INACTIVE),
        ],
    ),
    (
        "Endpoint security",
        "Guardian protection for laptops, servers and phones, managed from the cloud.",
        [
            ("EP-STD-100", "Guardian Endpoint Standard, 100 seats", "3600.00", None, "", ""),
            ("EP-EDR-100", "Guardian Endpoint EDR, 100 seats", "6900.00", None, SECURITY, ""),
            ("EP-XDR-500", "Guardian XDR, 500 seats", "48000.00", GOLD, SECURITY, ""),
            ("EP-MTD-50", "Guardian Mobile Threat Defence, 50 devices", "1750.00", None, "", ""),
            ("EP-AV-100", "Guardian Antivirus Classic, 100 seats", "1200.00", None, "", INACTIVE),
        ],
    ),
    (
        "Cloud backup",
        "Vault backup and recovery for Microsoft 365, servers and cloud workloads.",
        [
            ("CB-M365-100", "Vault Backup for Microsoft 365, 100 users", "2400.00", None, "", ""),
            ("CB-SRV-10", "Vault Server Backup, 10 servers", "3950.00", None, "", ""),
            ("CB-STOR-1TB", "Vault Cloud Storage, 1 TB for 1 year", "600.00", None, "", ""),
            ("CB-IMM-10TB", "Vault Immutable Storage, 10 TB", "5400.00", SILVER, "", ""),
            ("CB-DR-ENT", "Vault Disaster Recovery Enterprise", "24000.00", GOLD, CLOUD, ""),
        ],
    ),
    (
        "SD-WAN",
        "Meshline SD-WAN edges, orchestration and secure access for distributed sites.",
        [
            ("SDW-EDGE-S", "Meshline Edge S", "1890.00", None, "", ""),
            ("SDW-EDGE-L", "Meshline Edge L", "5750.00", None, "", ""),
            ("SDW-ORCH-1Y", "Meshline Orchestrator, 1 year", "12000.00", SILVER, NETWORK, ""),
            ("SDW-SASE-100", "Meshline SASE Gateway, 100 users", "9600.00", GOLD, "", ""),
            ("SDW-LTE", "Meshline LTE Failover Module", "420.00", None, "", ""),
        ],
    ),
    (
        "Professional services",
        "Deployment, migration and expert services delivered with the partner.",
        [
            ("PS-QUICKSTART", "Quick-start Deployment (2 days)", "3200.00", None, "", ""),
            ("PS-FW-MIGRATE", "Firewall Migration Service", "14500.00", None, NETWORK, ""),
            ("PS-HEALTH", "Security Health Check", "5800.00", None, SECURITY, ""),
            ("PS-RESIDENT-1M", "Resident Engineer, 1 month", "22000.00", GOLD, "", ""),
            ("PS-LEGACY-AUDIT", "Legacy Network Audit", "4100.00", None, "", INACTIVE),
        ],
    ),
]
SMALL_CATALOGUE = [
    (
        "Industrial sensors",
        "Sensors and gateways for factory floors.",
        [
            ("GX-SENSE-10", "Globex Sense 10-pack", "2900.00", None, "", ""),
            ("GX-GATEWAY", "Globex Edge Gateway", "1650.00", None, "", ""),
            ("GX-SENSE-PRO", "Globex Sense Pro", "7400.00", GOLD, "", ""),
        ],
    ),
    (
        "Support plans",
        "Support for Globex hardware.",
        [
            ("GX-CARE-1Y", "Globex Care, 1 year", "950.00", None, "", ""),
            ("GX-CARE-24X7", "Globex Care 24x7, 1 year", "2400.00", SILVER, "", ""),
        ],
    ),
]


def seed_catalogue(schema: str, admin_email: str) -> None:
    """The demo tenant's product catalogue, once (skipped when it has product lines):
    acme's in five lines with USD list prices, some for Gold or Silver partners or needing
    a certification the demo partners' people hold, a few inactive; a small one elsewhere.
    Through the catalogue services, so SKUs and prices are checked as for any product."""
    if ProductLine.objects.exists():
        return
    admin = User.objects.get(email=admin_email)
    tiers = {t.name: t for t in Tier.objects.all()}
    currency = "USD" if schema == "acme" else current_tenant().currency
    catalogue = ACME_CATALOGUE if schema == "acme" else SMALL_CATALOGUE
    with transaction.atomic():
        for line_name, description, products in catalogue:
            line = _product_line_create(actor=admin, name=line_name, description=description)
            for sku, name, price, tier, certification, flags in products:
                _product_create(
                    actor=admin,
                    sku=sku,
                    name=name,
                    line=line,
                    list_price=Decimal(price),
                    currency=currency,
                    active=flags != INACTIVE,
                    min_tier=tiers.get(tier) if tier else None,
                    required_certification=certification,
                )
