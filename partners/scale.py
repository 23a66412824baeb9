"""Large partner programs for benchmarks (``seed_scale --partners N --users N``): a vendor tree
of 5 regions x 5 countries, N partners spread over the countries with a location, skills
and certifications, and users spread over the partners. Rows go in with COPY."""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db import connection
from django.utils import timezone

from partners import services
from partners.demo import COMPETENCIES, TIERS
from partners.models import Competency, MembershipRole, OrgUnit, Partner, PartnerType, Tier
from prm.demo import PASSWORD
from prm.users.models import Role, User
from prm.users.services import user_create

REGIONS = ["North", "South", "East", "West", "Central"]
COUNTRIES = ["DE", "FR", "GB", "US", "CA", "BR", "JP", "AU", "IN", "ES", "IT", "NL", "SE"]


def ensure_tree(admin: User) -> list[OrgUnit]:
    """Global → 5 regions → 5 countries; each region gets a channel manager
    (``cam.<region>@scale.example``). Returns the country units."""
    if not OrgUnit.objects.filter(name="Scale Global").exists():
        root = services._org_unit_create(actor=admin, name="Scale Global")
        for region_name in REGIONS:
            region = services._org_unit_create(actor=admin, name=region_name, parent=root)
            cam = user_create(
                email=f"cam.{region_name.lower()}@scale.example",
                role=Role.CHANNEL_MANAGER,
                password=PASSWORD,
                send_welcome=False,
            )
            services._org_unit_membership_set(
                actor=admin, unit=region, user=cam, role=MembershipRole.MANAGER
            )
            for n in range(5):
                services._org_unit_create(actor=admin, name=f"{region_name} {n + 1}", parent=region)
    for rank_row in TIERS:
        Tier.objects.get_or_create(name=rank_row[0], defaults={"rank": rank_row[1]})
    for name in COMPETENCIES:
        Competency.objects.get_or_create(name=name)
    root = OrgUnit.objects.get(name="Scale Global")
    return list(OrgUnit.objects.filter(path__startswith=root.path, depth=root.depth + 2))


def add_partners(count: int, copy_rows) -> None:
    admin = User.objects.filter(role=Role.VENDOR_ADMIN).first()
    assert admin is not None
    countries = ensure_tree(admin)
    rng = random.Random(7)
    tiers = list(Tier.objects.values_list("id", flat=True))
    competencies = list(Competency.objects.values_list("id", flat=True))
    start = Partner.objects.filter(depth=1).count()
    last = Partner.objects.filter(depth=1).order_by("-path").values_list("path", flat=True).first()
    first_step = Partner._str2int(last) + 1 if last else 1
    now = timezone.now()
    types = PartnerType.values
    rows = (
        (
            Partner._get_path(None, 1, first_step + i),
            1,
            0,
            f"Scale Partner {start + i} Ltd.",
            f"Scale Partner {start + i}",
            "active",
            types[i % len(types)],
            rng.choice(tiers),
            countries[i % len(countries)].pk,
            (now - timedelta(days=rng.randint(0, 400))).isoformat(),
            now.isoformat(),
            now.isoformat(),
            "",
            "",
            "",
        )
        for i in range(count)
    )
    copy_rows(
        "partners_partner",
        [
            "path",
            "depth",
            "numchild",
            "legal_name",
            "display_name",
            "status",
            "partner_type",
            "tier_id",
            "territory_id",
            "profile_reviewed_at",
            "created_at",
            "updated_at",
            "website",
            "email_domain",
            "description",
        ],
        rows,
        count,
        "partners",
    )
    new_ids = list(
        Partner.objects.filter(display_name__startswith="Scale Partner ")
        .order_by("-id")
        .values_list("id", flat=True)[:count]
    )
    copy_rows(
        "partners_location",
        [
            "partner_id",
            "label",
            "street",
            "city",
            "postal_code",
            "country",
            "region",
            "is_headquarters",
        ],
        ((pid, "HQ", "", "City", "", rng.choice(COUNTRIES), "", True) for pid in new_ids),
        len(new_ids),
        "locations",
    )
    copy_rows(
        "partners_partner_competencies",
        ["partner_id", "competency_id"],
        ((pid, cid) for pid in new_ids for cid in rng.sample(competencies, 2)),
        len(new_ids) * 2,
        "skills",
    )
    today = date.today()
    certs = [
        (
            pid,
            f"Person {n}",
            "Certified",
            cid,
            today - timedelta(days=300),
            today + timedelta(days=rng.randint(-30, 700)),
        )
        for pid in new_ids
        for n, cid in enumerate(rng.sample(competencies, rng.randint(0, 3)))
    ]
    copy_rows(
        "partners_certification",
        ["partner_id", "holder_name", "name", "competency_id", "issued_on", "expires_on"],
        iter(certs),
        len(certs),
        "certifications",
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE partners_partner; ANALYZE partners_certification")


def attach_users(user_ids: list[int], copy_rows) -> None:
    """Spread partner users over the partners (membership rows), when there are any."""
    partners = list(Partner.objects.values_list("id", flat=True))
    if not partners:
        return
    copy_rows(
        "partners_partnermembership",
        ["partner_id", "user_id", "role"],
        (
            (partners[i % len(partners)], uid, MembershipRole.MEMBER)
            for i, uid in enumerate(user_ids)
        ),
        len(user_ids),
        "memberships",
    )
