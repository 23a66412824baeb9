"""The partners app's workflow subjects: partner, agreement and application (declared from
``PartnersConfig.ready``). Everything the workflow engine knows about these objects is here."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from partners import scope, services
from partners.defaults import PARTNER_DEFAULTS
from partners.models import (
    PARTNER_LIFECYCLE,
    Agreement,
    MembershipRole,
    OrgUnit,
    Partner,
    PartnerApplication,
    PartnerStatus,
    Tier,
    ancestor_paths,
)
from prm.users.models import User
from workflows.subjects import (
    Decide,
    Field,
    SetContext,
    Settable,
    Subject,
    directory_register,
    subject_declare,
)

MANAGERS = [MembershipRole.MANAGER, MembershipRole.ADMINISTRATOR]


def unit_managers(unit: OrgUnit | None, levels_up: int = 0) -> list[User]:
    """Managers of ``unit`` (or of the unit ``levels_up`` above the first one that has
    managers), walking up the tree while a unit has none."""
    ancestors = (
        list(OrgUnit.objects.filter(path__in=ancestor_paths(unit)).order_by("-depth"))
        if unit
        else []
    )
    found = 0
    for candidate in ancestors:
        users = list(
            User.objects.filter(
                unit_memberships__unit=candidate,
                unit_memberships__role__in=MANAGERS,
                is_active=True,
            )
        )
        if users:
            if found == levels_up:
                return users
            found += 1
    return []


# --- set_field: through the partner services, so the lifecycle applies -----------------


def _status_valid(value: Any) -> str | None:
    if value in PartnerStatus.values:
        return None
    return f"status is one of {', '.join(PartnerStatus.values)}."


def _status_apply(partner: Partner, value: Any, context: SetContext) -> tuple[Any, Any]:
    if value == partner.status:
        return partner.status, partner.status
    if not PARTNER_LIFECYCLE.can(partner.status, value):
        raise ValueError(f"A partner cannot go from {partner.status} to {value}.")
    if context.actor is None:
        raise ValueError("Nobody to change the status in the name of.")
    before = partner.status
    # emit=False: a workflow's own change starts no workflows (no loops).
    changed = services._partner_transition(
        actor=context.actor, partner=partner, status=value, reason=context.reason, emit=False
    )
    return before, changed.status


def _tier_valid(value: Any) -> str | None:
    if value == "{qualified_tier}" or Tier.objects.filter(name=value).exists():
        return None
    names = ", ".join(Tier.objects.values_list("name", flat=True))
    return f"no tier {value!r}; tiers: {names}, or {{qualified_tier}}."


def _tier_apply(partner: Partner, value: Any, context: SetContext) -> tuple[Any, Any]:
    before = partner.tier.name if partner.tier else None
    tier = Tier.objects.get(name=context.render(str(value)))
    changed = services._partner_tier_set(
        actor=context.actor, partner=partner, tier=tier, reason=context.reason
    )
    return before, str(changed.tier or "")


def _partners_scheduled() -> QuerySet[Partner]:
    return Partner.objects.exclude(status=PartnerStatus.TERMINATED).select_related(
        "tier", "territory", "channel_manager"
    )


def _partner_by_name(user: User, text: str) -> Partner | None:
    return scope.partners_visible_to(user).filter(display_name__iexact=text).first()


PARTNER = Subject(
    name="partner",
    model=Partner,
    label="partner",
    is_partner=True,
    events={
        "partner.enrolled": "A partner organisation was enrolled or approved.",
        "partner.status_changed": "A partner moved to another status.",
        "certification.expiring": "A certification of a partner's person expires soon "
        "(60, 30 and 7 days before, as the reminder workflows say).",
        "partner.contacted": "The vendor's team recorded a contact with a partner.",
        "partner.user_joined": "Someone accepted an invitation and joined a partner's team.",
    },
    event_labels={
        "partner.enrolled": "Partner enrolled",
        "partner.status_changed": "Partner's status changed",
        "certification.expiring": "Certification about to expire",
        "partner.contacted": "Partner contacted",
        "partner.user_joined": "Someone joined a partner's team",
    },
    threshold_events=frozenset({"certification.expiring"}),
    fields=[
        Field("display_name", "str", "Partner's name"),
        Field("status", "str", "Partner's status"),
        Field("partner_type", "str", "Partner's type"),
        Field("email_domain", "str", "Partner's e-mail domain"),
        Field("tier.name", "str", "Partner's tier"),
        Field("tier.rank", "int", "Partner's tier rank (1 = lowest)"),
        Field("territory.name", "str", "Partner's territory"),
        Field("channel_manager.email", "str", "Channel manager's e-mail"),
        Field("days_since_review", "int", "Days since the partner's profile was reviewed"),
        Field("certified_people", "int", "Certified people at the partner"),
        Field("qualified_tier.name", "str", "Tier the partner qualifies for"),
        Field("tier_review", "str", "Tier review (upgrade or downgrade)"),
        Field("competencies", "list", "Partner's competencies"),
        Field("industries", "list", "Industries the partner serves"),
    ],
    settable={
        "status": Settable(
            "Partner's status", _status_valid, _status_apply, lambda: PartnerStatus.values
        ),
        "tier.name": Settable(
            "Partner's tier",
            _tier_valid,
            _tier_apply,
            lambda: [*Tier.objects.values_list("name", flat=True), "{qualified_tier}"],
        ),
    },
    placeholders={
        "tier": lambda partner, payload: partner.tier or "none yet",
        "qualified_tier": lambda partner, payload: partner.qualified_tier() or "",
        "discount": lambda partner, payload: (
            f"{partner.tier.discount_percent:g}" if partner.tier else "0"
        ),
        "days": lambda partner, payload: payload.get("left", payload.get("days", "")),
        "certification": lambda partner, payload: payload.get("certification_name", ""),
        "holder": lambda partner, payload: payload.get("holder", ""),
    },
    recipients={
        "channel_manager": lambda p: [p.channel_manager] if p.channel_manager else [],
        "partner_admins": scope.partner_admins,
    },
    approvers={
        "channel_manager": lambda p: [p.channel_manager] if p.channel_manager else [],
        "unit_manager": lambda p: unit_managers(p.territory),
        "parent_unit_manager": lambda p: unit_managers(p.territory, levels_up=1),
    },
    labels={
        "channel_manager": "the partner's channel manager",
        "partner_admins": "the partner's admins",
        "unit_manager": "the manager of the partner's territory",
        "parent_unit_manager": "the manager of the unit above the partner's territory",
    },
    partner_of=lambda partner: partner,
    url=lambda pk: reverse("partner-detail", args=[pk]),
    schedule_trigger="schedule",
    schedule=_partners_scheduled,
    schedule_label="On a schedule, for each partner",
    defaults=PARTNER_DEFAULTS,
    visible_to=scope.partners_visible_to,
    find=_partner_by_name,
    history=lambda: Partner.history,
    select_related=("tier", "territory", "channel_manager"),
)

AGREEMENT = Subject(
    name="agreement",
    model=Agreement,
    label="agreement",
    events={
        "agreement.published": "A new version of the program agreement was published.",
        "agreement.reminder_sent": "The people who had not accepted the current agreement "
        "were reminded.",
    },
    event_labels={
        "agreement.published": "New agreement version published",
        "agreement.reminder_sent": "Reminder to accept the agreement sent",
    },
    fields=[
        Field("version", "int", "Agreement version"),
        Field("title", "str", "Agreement title"),
    ],
    url=lambda pk: reverse("agreement"),
    visible_to=lambda user: Agreement.objects.filter(published_at__isnull=False),
    find=lambda user, text: (
        Agreement.objects.filter(title__iexact=text).order_by("-version").first()
    ),
    history=lambda: Agreement.history,
)


APPLICATION = Subject(
    name="partnerapplication",
    model=PartnerApplication,
    label="application",
    events={"application.submitted": "A prospect applied to the program through the public form."},
    event_labels={"application.submitted": "Application submitted"},
    fields=[
        Field("company_name", "str", "Applicant's company"),
        Field("partner_type", "str", "Partner type applied for"),
        Field("country.code", "str", "Applicant's country code"),
        Field("email_domain", "str", "Applicant's e-mail domain"),
        Field("domain_enrolled", "bool", "E-mail domain already enrolled"),
        Field("website", "str", "Applicant's website"),
        Field("message", "str", "Applicant's message"),
    ],
    decide=Decide(
        approve=lambda application, actor, reason: services._application_approve(
            actor=actor, application=application, note=reason
        ),
        reject=lambda application, actor, reason: services._application_reject(
            actor=actor, application=application, reason=reason
        ),
    ),
    url=lambda pk: reverse("application", args=[pk]),
    visible_to=scope.applications_visible_to,
    find=lambda user, text: (
        scope.applications_visible_to(user).filter(company_name__iexact=text).first()
    ),
    history=lambda: PartnerApplication.history,
)


def declare() -> None:
    """Declare the subjects, and the org directory approvers by unit rely on."""
    for subject in (PARTNER, AGREEMENT, APPLICATION):
        subject_declare(subject)
    directory_register(
        unit_exists=lambda name: OrgUnit.objects.filter(name__iexact=name).exists(),
        in_unit=lambda users, name: users.filter(unit_memberships__unit__name__iexact=name),
    )
