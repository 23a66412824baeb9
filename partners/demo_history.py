"""The acme demo's past: 18 months of program history, so that simulations, "has not
happened" conditions and dashboards show something real on the first day.

``partners.demo`` creates today's state through the services; this module then dates it
back (partners joined over the last 18 months, onboarded, some suspended) and writes what
happened on the way as it would have been recorded: history rows at their dates, contacts,
applications (approved, rejected, pending), certification reminders, agreement versions and
acceptances, and the outbox events of all of it. Past events are written already processed:
they happened then, and start no workflow today. Deterministic for a given day (the seeded
``random.Random`` of the caller); a few bulk statements per partner, so seeding stays fast."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from partners.models import (
    Agreement,
    AgreementAcceptance,
    ApplicationStatus,
    BusinessPlan,
    Certification,
    ContactKind,
    OrgUnit,
    Partner,
    PartnerApplication,
    PartnerContact,
    PartnerStatus,
)
from partners.reminders import REMINDER_DAYS
from prm.audit import audit_note
from prm.outbox.models import Event
from prm.users.models import PARTNER_ROLES, Role, User

HISTORY_DAYS = 540  # 18 months
CAROL = "carol@contoso.example"
CONTACT_NOTES = {
    ContactKind.CALL: ["Quarterly pipeline call", "Checked in on open deals", "Renewal forecast"],
    ContactKind.MEETING: ["Business plan review", "Joint account planning", "QBR"],
    ContactKind.EMAIL: ["Sent the new price list", "Shared the MDF guidelines", "Follow-up"],
    ContactKind.VISIT: ["On-site enablement day", "Visited their office", "Customer workshop"],
}
PROSPECTS = [
    ("Graphic Design Institute", "GB", ApplicationStatus.REJECTED, "No Acme practice yet."),
    ("Northridge Systems", "US", ApplicationStatus.REJECTED, "Outside our target segments."),
    ("Kestrel Analytics", "DE", ApplicationStatus.REJECTED, "Already represented by a partner."),
    ("Pinewood IT", "CA", ApplicationStatus.REJECTED, "Could not verify the company."),
    ("Sakura Cloudworks", "JP", ApplicationStatus.REJECTED, "Asked to reapply next year."),
    ("Meridian Data", "BR", ApplicationStatus.REJECTED, "No certified staff."),
    ("Harbor Networks", "AU", ApplicationStatus.PENDING, ""),
    ("Quillon Security", "FR", ApplicationStatus.PENDING, ""),
    ("Bluebird Managed IT", "IN", ApplicationStatus.PENDING, ""),
]


@dataclass
class Joined:
    """One top-level demo partner and how its story goes."""

    partner: Partner
    unit_ids: list[int]  # the partner and its subsidiaries
    status: str  # where it is today
    manager: User


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _event(event_type: str, at: datetime, obj_type: str, obj_id: int, **fields) -> Event:
    return Event(
        type=event_type,
        object_type=obj_type,
        object_id=str(obj_id),
        created_at=at,
        processed_at=at,
        **fields,
    )


def backdate(admin: User, stories: list[Joined], rng: random.Random) -> None:
    """Give the freshly seeded acme program its last 18 months (see the module)."""
    now = timezone.now()
    today = timezone.localdate()
    start = now - timedelta(days=HISTORY_DAYS + 10)
    OrgUnit.objects.update(created_at=start)
    OrgUnit.history.update(history_date=start)
    events: list[Event] = []
    contacts: list[PartnerContact] = []
    joined_on: dict[int, datetime] = {}
    for n, story in enumerate(stories):
        partner = story.partner
        if n < 2:  # the PRODUCT.md logins' companies are the oldest partners
            days = HISTORY_DAYS - 10 * n
        elif story.status == PartnerStatus.ONBOARDING:
            days = rng.randint(15, 75)
        else:
            days = rng.randint(90, HISTORY_DAYS - 20)
        joined = now - timedelta(days=days, hours=rng.randint(0, 8))
        joined_on[partner.pk] = joined
        # What the services wrote today happened when the partner joined.
        Partner.history.filter(id__in=story.unit_ids).update(history_date=joined)
        Event.objects.filter(type="partner.enrolled", partner_id=partner.pk).update(
            created_at=joined
        )
        last_change = joined
        if story.status in {PartnerStatus.ACTIVE, PartnerStatus.SUSPENDED}:
            onboarded = rng.randint(10, 45)
            steps = [(PartnerStatus.ONBOARDING, PartnerStatus.ACTIVE, onboarded)]
            if story.status == PartnerStatus.SUSPENDED:
                suspended = onboarded + rng.randint(20, max(21, days - onboarded - 10))
                steps.append((PartnerStatus.ACTIVE, PartnerStatus.SUSPENDED, suspended))
            for before, after, after_days in steps:
                at = joined + timedelta(days=after_days)
                _status_row(partner, after, at, story.manager, f"status {before} → {after}")
                events.append(
                    _event(
                        "partner.status_changed",
                        at,
                        "partner",
                        partner.pk,
                        partner_id=partner.pk,
                        actor=story.manager,
                        payload={"from": before, "to": after, "reason": ""},
                    )
                )
                last_change = at
        reviewed = last_change + (now - last_change) * rng.random()
        Partner.objects.filter(pk__in=story.unit_ids).update(
            created_at=joined, updated_at=max(last_change, reviewed)
        )
        # The company's own profile review; its subsidiaries keep theirs of today.
        Partner.objects.filter(pk=partner.pk).update(profile_reviewed_at=reviewed)
        User.objects.filter(partner_membership__partner_id__in=story.unit_ids).update(
            date_joined=joined + timedelta(days=2)
        )
        if story.status != PartnerStatus.ONBOARDING or days > 30:
            contacts += _contacts(story, joined, now, rng)
    contacts = PartnerContact.objects.bulk_create(contacts)
    for contact in contacts:
        contact.created_at = _at(contact.happened_on, 17)
        events.append(
            _event(
                "partner.contacted",
                contact.created_at,
                "partner",
                contact.partner_id,
                partner_id=contact.partner_id,
                actor=contact.user,
                payload={"kind": contact.kind, "on": contact.happened_on.isoformat()},
            )
        )
    PartnerContact.objects.bulk_update(contacts, ["created_at"])
    events += _certifications(joined_on, today, rng)
    events += _applications(admin, stories, joined_on, now, rng)
    root_of = {unit: story.partner.pk for story in stories for unit in story.unit_ids}
    events += _agreements(now, joined_on, root_of, rng)
    _last_years_plans(stories, joined_on, today, rng)
    Event.objects.bulk_create(events)


def _status_row(partner: Partner, status: str, at: datetime, actor: User, why: str) -> None:
    """Save the partner in ``status`` with its history row dated ``at`` (today's status is
    written last, so the partner ends where the demo wants it)."""
    partner.status = status
    partner._history_date = at  # simple-history dates the row of the next save with this
    audit_note(partner, actor, why)
    partner.save(update_fields=["status"])


def _contacts(
    story: Joined, joined: datetime, now: datetime, rng: random.Random
) -> list[PartnerContact]:
    """Contacts every few weeks; about a third of the partners have gone quiet for the last
    three months or more (what "reach out to your partner" schedules look for)."""
    quiet = rng.random() < 0.35
    until = now - timedelta(days=rng.randint(95, 150) if quiet else 0)
    rows = []
    day = joined + timedelta(days=rng.randint(3, 20))
    while day < until:
        kind = rng.choice(list(ContactKind))
        rows.append(
            PartnerContact(
                partner=story.partner,
                user=story.manager,
                kind=kind,
                happened_on=day.date(),
                note=rng.choice(CONTACT_NOTES[kind]),
            )
        )
        day += timedelta(days=rng.randint(18, 60))
    return rows


def _certifications(joined_on: dict[int, datetime], today: date, rng: random.Random) -> list[Event]:
    """Issue dates after the partner joined (or a year before an expiry already near), and
    the expiry reminders that were due before today, with the sweep's own dedupe keys, so
    the daily sweep neither sends them again nor misses those still to come."""
    events = []
    certs = list(Certification.objects.filter(partner_id__in=joined_on))
    for cert in certs:
        joined = joined_on[cert.partner_id].date()
        issued = joined + timedelta(days=rng.randint(0, max(1, (today - joined).days - 5)))
        assert cert.expires_on is not None  # the demo gives every certification an expiry
        cert.issued_on = min(issued, cert.expires_on - timedelta(days=365))
        for days in REMINDER_DAYS:
            due = cert.expires_on - timedelta(days=days)
            if due < today:
                events.append(
                    _event(
                        "certification.expiring",
                        _at(due, 6),
                        "partner",
                        cert.partner_id,
                        partner_id=cert.partner_id,
                        dedupe_key=f"certification:{cert.pk}:{days}",
                        payload={
                            "certification": cert.pk,
                            "days": days,
                            "left": days,
                            "certification_name": cert.name,
                            "holder": cert.holder_name,
                        },
                    )
                )
    Certification.objects.bulk_update(certs, ["issued_on"])
    return events


def _applications(
    admin: User,
    stories: list[Joined],
    joined_on: dict[int, datetime],
    now: datetime,
    rng: random.Random,
) -> list[Event]:
    """A third of the partners came in through the public form (approved the day they
    joined); prospects that were turned down over the months; three waiting for a decision."""
    rows: list[tuple[PartnerApplication, datetime, datetime | None]] = []
    for story in stories[2::3]:
        partner = story.partner
        decided = joined_on[partner.pk]
        app = PartnerApplication(
            company_name=partner.display_name,
            website=partner.website,
            partner_type=partner.partner_type,
            country=partner.locations.values_list("country", flat=True).first() or "US",
            contact_name=f"Admin at {partner.display_name}",
            contact_email=f"admin@{partner.email_domain}",
            message="We would like to join the Acme partner program.",
            status=ApplicationStatus.APPROVED,
            decided_by=admin,
            decided_at=decided,
            partner=partner,
        )
        rows.append((app, decided - timedelta(days=rng.randint(2, 9), hours=3), decided))
    for n, (name, country, status, reason) in enumerate(PROSPECTS):
        if status == ApplicationStatus.PENDING:
            submitted = now - timedelta(days=rng.randint(1, 20), hours=rng.randint(0, 9))
        else:
            submitted = now - timedelta(days=rng.randint(40, HISTORY_DAYS - 30))
        decided_at = submitted + timedelta(days=rng.randint(1, 6)) if reason else None
        slug = name.lower().replace(" ", "-")
        app = PartnerApplication(
            company_name=name,
            website=f"https://{slug}.example",
            partner_type=["reseller", "system_integrator", "msp"][n % 3],
            country=country,
            contact_name=f"{name.split()[0]} Contact",
            contact_email=f"hello@{slug}.example",
            message="We sell and service IT solutions and would like to add Acme.",
            status=status,
            decision_reason=reason,
            decided_by=admin if reason else None,
            decided_at=decided_at,
        )
        rows.append((app, submitted, decided_at))
    apps = PartnerApplication.objects.bulk_create([app for app, _, _ in rows])
    for app, (_, submitted, _) in zip(apps, rows, strict=True):
        app.submitted_at = submitted
    PartnerApplication.objects.bulk_update(apps, ["submitted_at"])
    # Their history: as submitted, then as decided.
    decided_apps = []
    for app, (_, submitted, decided_at) in zip(apps, rows, strict=True):
        app._history_date = submitted  # type: ignore[attr-defined]
        if decided_at is not None:
            decided_apps.append((app, decided_at))
    pending_copies = [
        PartnerApplication(**{**_fields(app), "status": ApplicationStatus.PENDING}) for app in apps
    ]
    for copy, app in zip(pending_copies, apps, strict=True):
        copy._history_date = app._history_date  # type: ignore[attr-defined]
    PartnerApplication.history.bulk_history_create(pending_copies)
    for app, decided_at in decided_apps:
        app._history_date = decided_at  # type: ignore[attr-defined]
    PartnerApplication.history.bulk_history_create([app for app, _ in decided_apps])
    return [
        _event(
            "application.submitted",
            app.submitted_at,
            "partnerapplication",
            app.pk,
        )
        for app in apps
    ]


def _fields(app: PartnerApplication) -> dict:
    return {
        f.attname: getattr(app, f.attname)
        for f in PartnerApplication._meta.concrete_fields
        if f.attname not in {"status", "decided_by_id", "decided_at", "decision_reason"}
    }


def _agreements(
    now: datetime, joined_on: dict[int, datetime], root_of: dict[int, int], rng: random.Random
) -> list[Event]:
    """Two versions: the first published when the program started, the current one four
    months ago. Most partner admins accepted the first; alice, carol and twelve admins the
    current one (as PRODUCT.md's logins expect); a reminder went out a month ago."""
    first, current = Agreement.objects.order_by("version")[:2]
    published = {first.pk: now - timedelta(days=HISTORY_DAYS), current.pk: now - timedelta(120)}
    events = []
    for agreement in (first, current):
        at = published[agreement.pk]
        Agreement.objects.filter(pk=agreement.pk).update(published_at=at, created_at=at)
        Agreement.history.filter(id=agreement.pk).update(history_date=at)
        Event.objects.filter(type="agreement.published", object_id=str(agreement.pk)).update(
            created_at=at,
            # The first version's notifications went out long ago.
            processed_at=at if agreement.pk == first.pk else None,
        )
    for acceptance in AgreementAcceptance.objects.filter(agreement=current):
        acceptance.accepted_at = published[current.pk] + timedelta(
            days=rng.randint(1, 100), hours=rng.randint(8, 17)
        )
        acceptance.save(update_fields=["accepted_at"])
    older = []
    signers = User.objects.filter(
        role__in=PARTNER_ROLES, partner_membership__isnull=False
    ).select_related("partner_membership")
    for user in signers:
        root_id = root_of.get(user.partner_membership.partner_id)
        if root_id is None or (user.role != Role.PARTNER_ADMIN and user.email != CAROL):
            continue  # the partner admins (and carol, who accepts for Contoso) signed it
        start = max(published[first.pk], joined_on[root_id])
        if start + timedelta(days=3) >= published[current.pk]:
            continue  # joined after the current version: never saw the first
        older.append(
            AgreementAcceptance(
                agreement=first,
                user=user,
                partner_id=user.partner_membership.partner_id,
                accepted_at=start + timedelta(days=rng.randint(1, 20), hours=rng.randint(8, 17)),
                ip_address="192.0.2.10",
            )
        )
    AgreementAcceptance.objects.bulk_create(older, ignore_conflicts=True)
    pending = list(
        User.objects.filter(role__in=PARTNER_ROLES, partner_membership__isnull=False)
        .exclude(acceptances__agreement=current)
        .values_list("pk", flat=True)
    )
    reminded = now - timedelta(days=30)
    events.append(
        _event(
            "agreement.reminder_sent",
            reminded,
            "agreement",
            current.pk,
            payload={"version": current.version, "users": pending},
        )
    )
    return events


def _last_years_plans(
    stories: list[Joined], joined_on: dict[int, datetime], today: date, rng: random.Random
) -> None:
    """Partners that were in the program last year had a plan for it too."""
    BusinessPlan.objects.bulk_create(
        BusinessPlan(
            partner=story.partner,
            year=today.year - 1,
            revenue_target=rng.randint(2, 50) * 50_000,
            deals_target=rng.randint(5, 50),
            certified_people_target=_target(story.partner),
        )
        for story in stories
        if joined_on[story.partner.pk].year < today.year
    )


def _target(partner: Partner) -> int:
    return (partner.tier.min_certified_people if partner.tier else 0) + 1
