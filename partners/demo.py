"""Demo program data for ``seed_demo``: acme gets a three-level vendor tree, about forty
partners (tiers, types, subsidiaries, locations, skills, certifications, plans, users), each
owned by the channel manager of its region, two agreement versions, and 18 months of history
(partners.demo_history: contacts, applications, status changes, acceptances, events); globex
a small program of its own. Deterministic (relative to today) and idempotent: a tenant that
already has org units is left alone."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from partners import demo_history, services
from partners.models import (
    AgreementAcceptance,
    BusinessPlan,
    Certification,
    Competency,
    Industry,
    Location,
    MembershipRole,
    OrgUnit,
    Partner,
    PartnerStatus,
    PartnerType,
    Tier,
)
from prm.seeding import demo_user
from prm.users.models import Role, User

TIERS = [
    ("Registered", 1, 0, 0, 0),
    ("Silver", 2, 250_000, 2, 10),
    ("Gold", 3, 1_000_000, 5, 20),
    ("Platinum", 4, 5_000_000, 12, 30),
]
COMPETENCIES = ["Cloud", "Security", "Networking", "Data & AI", "Collaboration", "Managed Services"]
INDUSTRIES = ["Healthcare", "Finance", "Manufacturing", "Retail", "Public Sector", "Education"]
CERTS = {
    "Cloud": "Certified Cloud Architect",
    "Security": "Certified Security Engineer",
    "Networking": "Certified Network Professional",
    "Data & AI": "Certified Data Engineer",
    "Collaboration": "Certified Collaboration Specialist",
    "Managed Services": "Certified Service Manager",
}
EXPIRIES = [-300, -150, -20, 7, 25, 55, 200, 400, 700]  # days from today
PEOPLE = ["Ana", "Ben", "Chloé", "Dev", "Emil", "Farah", "Goran", "Hana", "Ivo", "Jules", "Kai"]
ACME_TREE = {
    "EMEA": [
        ("Germany", "DE", "Berlin"),
        ("France", "FR", "Paris"),
        ("United Kingdom", "GB", "London"),
    ],
    "Americas": [
        ("United States", "US", "Chicago"),
        ("Canada", "CA", "Toronto"),
        ("Brazil", "BR", "São Paulo"),
    ],
    "APAC": [("Japan", "JP", "Tokyo"), ("Australia", "AU", "Sydney"), ("India", "IN", "Bengaluru")],
}
ACME_PARTNERS = [
    "Northwind Traders",
    "Contoso",
    "Fabrikam",
    "Tailspin Toys",
    "Wide World Importers",
    "Adventure Works",
    "Litware",
    "Proseware",
    "Woodgrove",
    "Alpine Ski House",
    "Coho Winery",
    "Fourth Coffee",
    "Margie's Travel",
    "Lucerne Publishing",
    "Trey Research",
    "Blue Yonder Airlines",
    "City Power & Light",
    "Humongous Insurance",
    "Southridge Video",
    "Consolidated Messenger",
    "VanArsdel",
    "Relecloud",
    "Datum Corporation",
    "Munson's Pickles",
    "Nod Publishers",
    "Bellows College",
    "Best For You Organics",
    "Wingtip Toys",
    "First Up Consultants",
    "Lamna Healthcare",
    "Liberty Delightful",
    "Adatum",
]
SUBSIDIARIES = {
    "Northwind Traders": ["Northwind Berlin", "Northwind Munich"],
    "Contoso": ["Contoso East", "Contoso West"],
    "Fabrikam": ["Fabrikam Services"],
    "Adventure Works": ["Adventure Works Outdoor"],
}


def seed_program(schema: str, admin_email: str) -> None:
    if OrgUnit.objects.exists():
        return
    admin = User.objects.get(email=admin_email)
    with transaction.atomic():
        if schema == "acme":
            _seed_acme(admin)
        else:
            _seed_small(admin)


def _tiers() -> list[Tier]:
    return [
        Tier.objects.create(
            name=name,
            rank=rank,
            min_trailing_revenue=revenue,
            min_certified_people=people,
            discount_percent=discount,
        )
        for name, rank, revenue, people, discount in TIERS
    ]


def _skills() -> tuple[list[Competency], list[Industry]]:
    return (
        [Competency.objects.create(name=n) for n in COMPETENCIES],
        [Industry.objects.create(name=n) for n in INDUSTRIES],
    )


def _seed_acme(admin: User) -> None:
    rng = random.Random(42)
    tiers = _tiers()
    competencies, industries = _skills()
    global_ = services._org_unit_create(actor=admin, name="Global")
    countries = []
    for region_name, members in ACME_TREE.items():
        region = services._org_unit_create(actor=admin, name=region_name, parent=global_)
        for country_name, code, city in members:
            unit = services._org_unit_create(actor=admin, name=country_name, parent=region)
            countries.append((unit, code, city))
        if region_name == "EMEA":
            emea = region

    cam = User.objects.get(email="cam@acme.example")
    services._org_unit_membership_set(actor=admin, unit=emea, user=cam, role=MembershipRole.MANAGER)
    # The vendor admin heads the program: disputes of a channel manager's decisions, and
    # what the regions escalate, come to the head of the tree.
    services._org_unit_membership_set(
        actor=admin, unit=global_, user=admin, role=MembershipRole.MANAGER
    )
    finance = User.objects.get(email="finance@acme.example")
    services._org_unit_membership_set(
        actor=admin, unit=global_, user=finance, role=MembershipRole.MEMBER
    )
    region_cams = {emea.path: cam}
    for region_name in ("Americas", "APAC"):
        region = OrgUnit.objects.get(name=region_name)
        other = demo_user(
            f"cam.{region_name.lower()}@acme.example",
            Role.CHANNEL_MANAGER,
            f"{region_name} Channel Manager",
        )
        services._org_unit_membership_set(
            actor=admin, unit=region, user=other, role=MembershipRole.MANAGER
        )
        region_cams[region.path] = other

    types = list(PartnerType.values)
    statuses = [PartnerStatus.ACTIVE] * 6 + [PartnerStatus.ONBOARDING, PartnerStatus.SUSPENDED]
    today = date.today()
    stories: list[demo_history.Joined] = []
    for i, name in enumerate(ACME_PARTNERS):
        unit, code, city = countries[i % len(countries)]
        if name in {"Northwind Traders", "Contoso"}:
            unit, code, city = countries[0]  # Germany: in cam@acme.example's EMEA
        tier = tiers[min(3, int(rng.random() ** 1.5 * 4))]
        # The channel manager of the partner's region (it manages the territory's subtree).
        manager = region_cams[next(p for p in region_cams if unit.path.startswith(p))]
        partner = services._partner_create(
            actor=admin,
            fields={
                "display_name": name,
                "legal_name": f"{name} {'GmbH' if code == 'DE' else 'Ltd.'}",
                "partner_type": types[i % len(types)],
                "tier": tier,
                "territory": unit,
                "channel_manager": manager,
                "website": f"https://{_slug(name)}.example",
                "email_domain": f"{_slug(name)}.example",
                "description": f"{name} sells and services Acme solutions in {unit.name}.",
            },
        )
        units = [partner] + [
            services._partner_create(actor=admin, parent=partner, fields={"display_name": sub})
            for sub in SUBSIDIARIES.get(name, [])
        ]
        for unit_partner in units:
            Location.objects.create(
                partner=unit_partner,
                label="Headquarters" if unit_partner is partner else "Office",
                city=city,
                country=code,
                region=unit.name,
                is_headquarters=unit_partner is partner,
            )
        skills = rng.sample(competencies, k=rng.randint(1, 3))
        if name == "Northwind Traders" and competencies[0] not in skills:
            skills.append(competencies[0])  # the demo's "Cloud in DE" search finds someone
        partner.competencies.set(skills)
        partner.industries.set(rng.sample(industries, k=rng.randint(1, 3)))
        Certification.objects.bulk_create(
            Certification(
                partner=partner,
                holder_name=f"{rng.choice(PEOPLE)} {name.split()[0]}",
                name=CERTS[skill.name],
                competency=skill,
                # Some expire within the next weeks, some expired (recently or months ago);
                # demo_history moves the issue dates after the partner joined.
                expires_on=(expires := today + timedelta(days=rng.choice(EXPIRIES))),
                issued_on=expires - timedelta(days=rng.choice([365, 730, 1095])),
            )
            for skill in skills
            for _ in range(rng.randint(0, 3) + tier.rank - 1)
        )
        _enough_certified_people(partner, tier, skills, today)
        BusinessPlan.objects.create(
            partner=partner,
            year=today.year,
            revenue_target=Decimal(rng.randint(2, 60) * 50_000),
            deals_target=rng.randint(5, 60),
            certified_people_target=tier.min_certified_people + 2,
        )
        status = statuses[i % len(statuses)] if i > 1 else PartnerStatus.ACTIVE
        stories.append(demo_history.Joined(partner, [u.pk for u in units], status, manager))
    _demo_partner_users(admin)
    demo_history.backdate(admin, stories, rng)  # and its 18 months of history


SURNAMES = ["Okafor", "Lindqvist", "Moreau", "Tanaka", "Schulz", "Rossi", "Novak", "Silva"]


def _enough_certified_people(
    partner: Partner, tier: Tier, skills: list[Competency], today: date
) -> None:
    """Top the partner's certified people up to what its tier asks (the tier review judges
    people and revenue: a partner keeps its tier only when it has both), with people of
    their own and certifications valid for a year or two more. No draw of the generator,
    so the rest of the demo stays as it was."""
    people = partner.certified_people()
    needed = tier.min_certified_people - people
    if needed <= 0:
        return
    taken = set(partner.certifications.values_list("holder_name", flat=True))
    holders = [
        f"{first} {last}" for last in SURNAMES for first in PEOPLE if f"{first} {last}" not in taken
    ][:needed]
    Certification.objects.bulk_create(
        Certification(
            partner=partner,
            holder_name=holder,
            name=CERTS[skills[n % len(skills)].name],
            competency=skills[n % len(skills)],
            expires_on=(expires := today + timedelta(days=[200, 400, 700][n % 3])),
            issued_on=expires - timedelta(days=730),
        )
        for n, holder in enumerate(holders)
    )


def _demo_partner_users(admin: User) -> None:
    """The PRODUCT.md logins get their partners; every partner gets an admin and a rep."""
    northwind = Partner.objects.get(display_name="Northwind Traders")
    contoso = Partner.objects.get(display_name="Contoso")
    placements = {
        "alice@northwind.example": (northwind, MembershipRole.ADMINISTRATOR),
        "bob@northwind.example": (northwind, MembershipRole.MEMBER),
        "carol@contoso.example": (contoso, MembershipRole.MEMBER),
    }
    for email, (partner, unit_role) in placements.items():
        services._partner_membership_set(
            actor=admin, partner=partner, user=User.objects.get(email=email), role=unit_role
        )
    for partner in Partner.objects.filter(depth=1).exclude(pk__in=[northwind.pk, contoso.pk]):
        slug = _slug(partner.display_name)
        for local, role, member_role in (
            ("admin", Role.PARTNER_ADMIN, MembershipRole.ADMINISTRATOR),
            ("sales", Role.PARTNER_USER, MembershipRole.MEMBER),
        ):
            user = demo_user(
                f"{local}@{slug}.example", role, f"{local.title()} at {partner.display_name}"
            )
            services._partner_membership_set(
                actor=admin, partner=partner, user=user, role=member_role
            )
    services._agreement_publish(  # the first version; demo_history dates both
        actor=admin, title="Acme Partner Program Agreement", body=FIRST_TERMS
    )
    agreement = services._agreement_publish(
        actor=admin,
        title="Acme Partner Program Agreement",
        body=PROGRAM_TERMS,
    )
    accepted = [
        *User.objects.filter(email__in=["alice@northwind.example", "carol@contoso.example"]),
        *User.objects.filter(email__startswith="admin@", role=Role.PARTNER_ADMIN)[:12],
    ]
    for user in accepted:
        AgreementAcceptance.objects.get_or_create(
            agreement=agreement,
            user=user,
            defaults={"partner_id": user.partner_membership.partner_id, "ip_address": "192.0.2.10"},
        )


FIRST_TERMS = """1. Scope. This agreement governs your participation in the partner program.
2. Deal registration. Registered opportunities are protected for 60 days.
3. Conduct. You represent the vendor's products accurately and comply with applicable law.
4. Term. Either party may end participation with 60 days' written notice."""


def _seed_small(admin: User) -> None:
    tiers = _tiers()
    competencies, industries = _skills()
    world = services._org_unit_create(actor=admin, name="Worldwide")
    north = services._org_unit_create(actor=admin, name="North", parent=world)
    services._org_unit_create(actor=admin, name="South", parent=world)
    cam = User.objects.filter(role=Role.CHANNEL_MANAGER).first()
    if cam:
        services._org_unit_membership_set(
            actor=admin, unit=north, user=cam, role=MembershipRole.MANAGER
        )
    initech = services._partner_create(
        actor=admin,
        fields={
            "display_name": "Initech",
            "partner_type": PartnerType.SYSTEM_INTEGRATOR,
            "tier": tiers[1],
            "territory": north,
            "channel_manager": cam,
        },
    )
    initech.competencies.set(competencies[:2])
    initech.industries.set(industries[:1])
    Location.objects.create(partner=initech, city="Austin", country="US", is_headquarters=True)
    dana = User.objects.filter(email="dana@initech.example").first()
    if dana:
        services._partner_membership_set(
            actor=admin, partner=initech, user=dana, role=MembershipRole.MEMBER
        )
    services._agreement_publish(actor=admin, title="Globex Partner Terms", body=PROGRAM_TERMS)


def _slug(name: str) -> str:
    return "".join(
        ch for ch in name.lower().replace("&", "and") if ch.isalnum() or ch == " "
    ).replace(" ", "-")


PROGRAM_TERMS = """1. Scope. This agreement governs your participation in the partner program.
2. Deal registration. Registered opportunities are protected for the registration period.
3. Market development funds. Funds are used only for approved activities and claimed with proof.
4. Conduct. You represent the vendor's products accurately and comply with applicable law.
5. Term. Either party may end participation with 30 days' written notice."""
