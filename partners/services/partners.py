"""Writes of the partners app: org units, partners, memberships, agreements, invitations and
applications. Each service is keyword-only, checks the actor's right through partners.scope,
runs in one transaction and leaves an audit record (django-simple-history) with a reason."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from treebeard.exceptions import InvalidMoveToDescendant

from partners.models import (
    PARTNER_M2M_FIELDS,
    PARTNER_TRANSITIONS,
    Agreement,
    AgreementAcceptance,
    ApplicationStatus,
    BusinessPlan,
    Certification,
    Invitation,
    Location,
    MembershipRole,
    OrgUnit,
    OrgUnitMembership,
    Partner,
    PartnerApplication,
    PartnerContact,
    PartnerMembership,
    PartnerStatus,
)
from partners.scope import partners_editable_by, partners_visible_to, users_editable_by
from prm.api import Conflict
from prm.audit import audit_note
from prm.tasks import enqueue_on_commit
from prm.users.models import PARTNER_ROLES, VENDOR_ROLES, Role, User
from prm.users.services import user_create
from workflows.events import event_emit

INVITATION_DAYS = 7


def _lock_tree(name: str) -> None:
    """Serialise changes to one tree (treebeard rewrites paths in several statements)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"tree:{name}"])


def _require(queryset, obj, message: str) -> None:
    if not queryset.filter(pk=obj.pk).exists():
        raise PermissionDenied(message)


def _require_vendor_admin(actor: User) -> None:
    if actor.role != Role.VENDOR_ADMIN:
        raise PermissionDenied("Only vendor admins change the organisation.")


# --- org units ------------------------------------------------------------------------


def _clean_unit_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ValidationError({"name": ["A unit needs a name."]})
    return name


def _sibling_clash() -> ValidationError:
    return ValidationError({"name": ["A unit with this name already exists under that parent."]})


@transaction.atomic
def org_unit_create(*, actor: User, name: str, parent: OrgUnit | None = None) -> OrgUnit:
    """Add a unit under ``parent`` (or a new root). Vendor admins only."""
    _require_vendor_admin(actor)
    name = _clean_unit_name(name)
    _lock_tree("org_unit")
    unit = OrgUnit(name=name)
    audit_note(unit, actor, "created")
    try:
        with transaction.atomic():
            if parent is None:
                return OrgUnit.objects.add_root(instance=unit)
            parent.refresh_from_db()
            return OrgUnit.objects.add_child(parent, instance=unit)
    except IntegrityError:
        raise _sibling_clash() from None


@transaction.atomic
def org_unit_rename(*, actor: User, unit: OrgUnit, name: str) -> OrgUnit:
    _require_vendor_admin(actor)
    unit.name = _clean_unit_name(name)
    audit_note(unit, actor, "renamed")
    try:
        with transaction.atomic():
            unit.save(update_fields=["name"])
    except IntegrityError:
        raise _sibling_clash() from None
    return unit


@transaction.atomic
def org_unit_move(*, actor: User, unit: OrgUnit, parent: OrgUnit | None) -> OrgUnit:
    """Move ``unit`` and its subtree under ``parent`` (None: make it a root). Scope follows
    at once: it is computed from paths, which the move rewrites."""
    _require_vendor_admin(actor)
    _lock_tree("org_unit")
    unit.refresh_from_db()
    if parent is not None:
        parent.refresh_from_db()
        if parent.pk == unit.pk or parent.path.startswith(unit.path):
            raise ValidationError(
                {"parent": ["A unit cannot move under itself or one of its own sub-units."]}
            )
    try:
        with transaction.atomic():
            if parent is None:
                last_root = OrgUnit.objects.get_last_root_node()
                OrgUnit.objects.move(unit, last_root, "last-sibling")
            else:
                OrgUnit.objects.move(unit, parent, "last-child")
    except InvalidMoveToDescendant:
        raise ValidationError(
            {"parent": ["A unit cannot move under itself or one of its own sub-units."]}
        ) from None
    except IntegrityError:
        raise _sibling_clash() from None
    unit.refresh_from_db()
    audit_note(unit, actor, f"moved under {parent.name if parent else 'the top level'}")
    unit.save()  # records the move in the audit trail
    return unit


@transaction.atomic
def org_unit_delete(*, actor: User, unit: OrgUnit) -> None:
    """Delete an empty unit. Refused while it has sub-units, members or partners."""
    _require_vendor_admin(actor)
    _lock_tree("org_unit")
    unit.refresh_from_db()
    blockers = []
    if unit.numchild:
        blockers.append(f"{unit.numchild} sub-unit(s)")
    if members := unit.memberships.count():
        blockers.append(f"{members} member(s)")
    if partners := unit.partners.count():
        blockers.append(f"{partners} partner(s)")
    if blockers:
        raise Conflict(f"{unit.name} still has {', '.join(blockers)}: move them first.")
    audit_note(unit, actor, "deleted")
    unit.delete()


@transaction.atomic
def org_unit_membership_set(
    *, actor: User, unit: OrgUnit, user: User, role: str
) -> OrgUnitMembership:
    """Put a vendor-side user into a unit as member, manager or administrator."""
    _require_vendor_admin(actor)
    if user.role not in VENDOR_ROLES:
        raise ValidationError({"user": ["Only vendor-side users belong to vendor org units."]})
    if role not in MembershipRole.values:
        raise ValidationError({"role": [f"Choose one of {', '.join(MembershipRole.values)}."]})
    membership, _ = OrgUnitMembership.objects.update_or_create(
        unit=unit, user=user, defaults={"role": role}
    )
    return membership


# --- partners -------------------------------------------------------------------------

NAME_TAKEN = {"display_name": ["A partner unit with this name already exists there."]}
VENDOR_ONLY_FIELDS = {"tier", "territory", "channel_manager", "status", "partner_type"}


@transaction.atomic
def partner_create(
    *, actor: User, parent: Partner | None = None, fields: dict[str, Any]
) -> Partner:
    """Enrol a partner organisation (status ``onboarding``), or a subsidiary/branch under
    ``parent``, which inherits territory, channel manager, tier and type unless given."""
    if parent is not None:
        _require(partners_editable_by(actor), parent, "You cannot add units to this partner.")
    elif actor.role not in {Role.VENDOR_ADMIN, Role.CHANNEL_MANAGER}:
        raise PermissionDenied("Only the vendor enrols partners.")
    data = dict(fields)
    m2m = {key: data.pop(key) for key in PARTNER_M2M_FIELDS if key in data}
    if parent is not None:
        for key in ("territory", "channel_manager", "tier", "partner_type"):
            data.setdefault(key, getattr(parent, key))
    data.setdefault("status", PartnerStatus.ONBOARDING)
    if not data.get("legal_name"):
        data["legal_name"] = data.get("display_name", "")
    partner = Partner(**data)
    partner.full_clean(exclude=["path", "depth", "numchild"])
    _lock_tree("partner")
    audit_note(partner, actor, "enrolled" if parent is None else f"added under {parent}")
    try:
        with transaction.atomic():
            if parent is None:
                partner = Partner.objects.add_root(instance=partner)
            else:
                parent.refresh_from_db()
                partner = Partner.objects.add_child(parent, instance=partner)
    except IntegrityError:
        raise ValidationError(NAME_TAKEN) from None
    for key, values in m2m.items():
        getattr(partner, key).set(values)
    if parent is None:
        event_emit(event_type="partner.enrolled", obj=partner, actor=actor)
    return partner


@transaction.atomic
def partner_update(*, actor: User, partner: Partner, fields: dict[str, Any]) -> Partner:
    """Change a partner's profile. Partner admins change the profile fields; tier,
    territory, channel manager and type are the vendor's. Status has its own service."""
    _require(partners_editable_by(actor), partner, "You cannot change this partner.")
    if "status" in fields:
        raise ValidationError({"status": ["Use the status transition instead."]})
    if actor.role in PARTNER_ROLES and (forbidden := VENDOR_ONLY_FIELDS & set(fields)):
        raise PermissionDenied(f"Only the vendor changes {', '.join(sorted(forbidden))}.")
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    m2m = {key: fields[key] for key in PARTNER_M2M_FIELDS if key in fields}
    for key, value in fields.items():
        if key not in m2m:
            setattr(partner, key, value)
    if not partner.legal_name:
        partner.legal_name = partner.display_name
    if actor.role in PARTNER_ROLES:
        partner.profile_reviewed_at = timezone.now()  # the partner has reviewed its profile
    partner.full_clean(exclude=["path", "depth", "numchild"])
    audit_note(partner, actor, "profile updated")
    try:
        with transaction.atomic():
            partner.save()
    except IntegrityError:
        raise ValidationError(NAME_TAKEN) from None
    for key, values in m2m.items():
        getattr(partner, key).set(values)
    return partner


@transaction.atomic
def partner_transition(*, actor: User, partner: Partner, status: str, reason: str = "") -> Partner:
    """Move a partner along applied → onboarding → active ⇄ suspended → terminated.
    Illegal transitions are a 409 and change nothing."""
    if actor.role not in {Role.VENDOR_ADMIN, Role.CHANNEL_MANAGER}:
        raise PermissionDenied("Only the vendor changes a partner's status.")
    _require(partners_editable_by(actor), partner, "You cannot change this partner.")
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    if status not in PartnerStatus.values:
        raise ValidationError({"status": [f"Unknown status {status!r}."]})
    if status not in PARTNER_TRANSITIONS[partner.status]:
        raise Conflict(
            f"A partner cannot go from {partner.get_status_display()} to "
            f"{PartnerStatus(status).label}.",
            code="illegal_transition",
        )
    before = partner.status
    partner.status = status
    audit_note(partner, actor, f"status {before} → {status}" + (f": {reason}" if reason else ""))
    partner.save(update_fields=["status", "updated_at"])
    event_emit(
        event_type="partner.status_changed",
        obj=partner,
        actor=actor,
        payload={"from": before, "to": status, "reason": reason},
    )
    return partner


@transaction.atomic
def partner_membership_set(
    *, actor: User, partner: Partner, user: User, role: str
) -> PartnerMembership:
    """Place a partner-side user in a partner unit (a user belongs to one unit)."""
    _require(partners_editable_by(actor), partner, "You cannot manage this partner's users.")
    if user.role not in PARTNER_ROLES:
        raise ValidationError({"user": ["Only partner-side users belong to partners."]})
    if role not in MembershipRole.values:
        raise ValidationError({"role": [f"Choose one of {', '.join(MembershipRole.values)}."]})
    membership, _ = PartnerMembership.objects.update_or_create(
        user=user, defaults={"partner": partner, "role": role}
    )
    return membership


# --- agreements -----------------------------------------------------------------------


def agreement_current() -> Agreement | None:
    return Agreement.objects.filter(published_at__isnull=False).order_by("-version").first()


@transaction.atomic
def agreement_publish(*, actor: User, title: str, body: str) -> Agreement:
    """Publish a new version of the terms; every partner user must accept it again."""
    if actor.role != Role.VENDOR_ADMIN:
        raise PermissionDenied("Only vendor admins publish agreements.")
    errors = {}
    if not title.strip():
        errors["title"] = ["The agreement needs a title."]
    if not body.strip():
        errors["body"] = ["The agreement needs its text."]
    if errors:
        raise ValidationError(errors)
    with connection.cursor() as cursor:  # one publisher at a time: versions stay gapless
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('agreement:publish'))")
    version = (Agreement.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    agreement = Agreement(
        version=version,
        title=title.strip(),
        body=body,
        published_at=timezone.now(),
        created_by=actor,
    )
    audit_note(agreement, actor, f"version {version} published")
    agreement.save()
    event_emit(
        event_type="agreement.published", obj=agreement, actor=actor, payload={"version": version}
    )
    return agreement


def has_accepted_current_terms(user: User) -> bool:
    """Has this partner user accepted the current agreement? True when none is published.
    Deals and claims call this (through ``require_current_terms``) before they accept input."""
    current = agreement_current()
    if current is None:
        return True
    return AgreementAcceptance.objects.filter(agreement=current, user=user).exists()


def require_current_terms(user: User) -> None:
    if user.role in PARTNER_ROLES and not has_accepted_current_terms(user):
        raise Conflict(
            "Accept the current partner program agreement first.", code="terms_not_accepted"
        )


@transaction.atomic
def agreement_accept(
    *, actor: User, agreement: Agreement, ip_address: str | None, user_agent: str = ""
) -> AgreementAcceptance:
    """Record the acceptance of the current version by a partner user (idempotent)."""
    if actor.role not in PARTNER_ROLES:
        raise PermissionDenied("Only partner users accept the partner agreement.")
    membership = PartnerMembership.objects.filter(user=actor).first()
    if membership is None:
        raise PermissionDenied("Your account is not attached to a partner.")
    current = agreement_current()
    if current is None or current.pk != agreement.pk:
        raise Conflict("Only the current version can be accepted.", code="not_current")
    acceptance, _ = AgreementAcceptance.objects.get_or_create(
        agreement=agreement,
        user=actor,
        defaults={
            "partner_id": membership.partner_id,
            "ip_address": ip_address,
            "user_agent": user_agent[:300],
        },
    )
    return acceptance


# --- invitations ----------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invitation_create(
    *,
    actor: User,
    email: str,
    role: str,
    partner: Partner | None = None,
    org_unit: OrgUnit | None = None,
    membership_role: str = MembershipRole.MEMBER,
) -> tuple[Invitation, str]:
    """Invite someone to the portal. Vendor admins invite anyone; partner admins invite
    partner-side users into their own subtree. Returns the invitation and its token (only
    the e-mail carries it; the database keeps a hash)."""
    email = User.objects.normalize_email(email.strip()).lower()
    if role not in Role.values:
        raise ValidationError({"role": [f"Choose one of {', '.join(Role.values)}."]})
    if role in PARTNER_ROLES:
        if partner is None:
            raise ValidationError({"partner": ["Partner-side users need a partner."]})
        if actor.role not in {Role.VENDOR_ADMIN, Role.CHANNEL_MANAGER, Role.PARTNER_ADMIN}:
            raise PermissionDenied("You cannot invite users.")
        _require(partners_editable_by(actor), partner, "You cannot invite users to this partner.")
    elif actor.role != Role.VENDOR_ADMIN:
        raise PermissionDenied("Only vendor admins invite vendor-side users.")
    if membership_role not in MembershipRole.values:
        raise ValidationError({"membership_role": ["Choose member, manager or administrator."]})
    if User.objects.filter(email=email).exists():
        raise ValidationError({"email": ["A user with this e-mail already exists."]})
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        email=email,
        role=role,
        partner=partner if role in PARTNER_ROLES else None,
        org_unit=org_unit if role in VENDOR_ROLES else None,
        membership_role=membership_role,
        token_hash=_token_hash(token),
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
        invited_by=actor,
    )
    invitation.full_clean(exclude=["token_hash"])
    invitation.save()
    from partners.tasks import send_invitation_email

    enqueue_on_commit(send_invitation_email, invitation.pk, token)
    return invitation, token


def invitation_for_token(token: str) -> Invitation:
    """The open invitation behind ``token``, or a ValidationError saying why not."""
    invitation = Invitation.objects.filter(token_hash=_token_hash(token)).first()
    if invitation is None:
        raise ValidationError("This invitation link is not valid.")
    if invitation.accepted_at is not None:
        raise ValidationError("This invitation has already been used. Sign in instead.")
    if invitation.expires_at <= timezone.now():
        raise ValidationError("This invitation has expired. Ask for a new one.")
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, full_name: str, password: str) -> User:
    """Create the invited user with the chosen password, once."""
    invitation = invitation_for_token(token)
    claimed = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
        accepted_at=timezone.now()
    )
    if not claimed:  # a concurrent acceptance won
        raise ValidationError("This invitation has already been used. Sign in instead.")
    user = user_create(
        email=invitation.email,
        role=invitation.role,
        password=password,
        full_name=full_name.strip(),
        send_welcome=False,
    )
    if invitation.partner_id:
        membership = PartnerMembership.objects.create(
            partner_id=invitation.partner_id, user=user, role=invitation.membership_role
        )
        event_emit(
            event_type="partner.user_joined",
            obj=membership.partner,
            actor=user,
            payload={"user": user.email, "role": user.role},
        )
    elif invitation.org_unit_id:
        OrgUnitMembership.objects.create(
            unit_id=invitation.org_unit_id, user=user, role=invitation.membership_role
        )
    return user


# --- applications ---------------------------------------------------------------------


@transaction.atomic
@transaction.atomic
def application_submit(*, fields: dict[str, Any], ip_address: str | None) -> PartnerApplication:
    """Record a prospect's application; workflows on ``application.submitted`` may decide
    it at once (e.g. reject a domain already enrolled) or route it for review."""
    application = PartnerApplication(**fields, submitted_ip=ip_address)
    application.full_clean()
    audit_note(application, None, "submitted")
    application.save()
    event_emit(event_type="application.submitted", obj=application)
    return application


def _pending(application: PartnerApplication) -> PartnerApplication:
    application = PartnerApplication.objects.select_for_update().get(pk=application.pk)
    if application.status != ApplicationStatus.PENDING:
        raise Conflict(
            f"This application was already {application.get_status_display().lower()}.",
            code="already_decided",
        )
    return application


@transaction.atomic
def application_approve(
    *,
    actor: User,
    application: PartnerApplication,
    territory: OrgUnit | None = None,
    channel_manager: User | None = None,
    tier=None,
    note: str = "",
) -> Partner:
    """Approve: create the partner in ``onboarding`` and invite the applicant as its
    partner_admin (a single-use, expiring link to set a password)."""
    if actor.role not in {Role.VENDOR_ADMIN, Role.CHANNEL_MANAGER}:
        raise PermissionDenied("Only the vendor decides applications.")
    application = _pending(application)
    domain = application.contact_email.rpartition("@")[2]
    partner = partner_create(
        actor=actor,
        fields={
            "legal_name": application.company_name,
            "display_name": application.company_name,
            "website": application.website,
            "email_domain": domain,
            "partner_type": application.partner_type,
            "territory": territory,
            "channel_manager": channel_manager
            or (actor if actor.role == Role.CHANNEL_MANAGER else None),
            "tier": tier,
        },
    )
    application.status = ApplicationStatus.APPROVED
    application.partner = partner
    application.decided_by = actor
    application.decided_at = timezone.now()
    application.decision_reason = note
    audit_note(application, actor, f"approved: {note}" if note else "approved")
    application.save()
    invitation_create(
        actor=actor,
        email=application.contact_email,
        role=Role.PARTNER_ADMIN,
        partner=partner,
        membership_role=MembershipRole.ADMINISTRATOR,
    )
    return partner


@transaction.atomic
def application_reject(*, actor: User, application: PartnerApplication, reason: str) -> None:
    if actor.role not in {Role.VENDOR_ADMIN, Role.CHANNEL_MANAGER}:
        raise PermissionDenied("Only the vendor decides applications.")
    if not reason.strip():
        raise ValidationError({"reason": ["Say why, so the applicant can be told."]})
    application = _pending(application)
    application.status = ApplicationStatus.REJECTED
    application.decision_reason = reason.strip()
    application.decided_by = actor
    application.decided_at = timezone.now()
    audit_note(application, actor, "rejected")
    application.save()


# --- users ----------------------------------------------------------------------------


@transaction.atomic
def user_provision(
    *,
    actor: User,
    email: str,
    role: str,
    full_name: str = "",
    partner: Partner | None = None,
    org_unit: OrgUnit | None = None,
    membership_role: str = MembershipRole.MEMBER,
) -> User:
    """Create a user directly (API, CSV import): no password yet, the welcome e-mail links
    to choosing one. Same rights as invitations."""
    if role in PARTNER_ROLES:
        if partner is None:
            raise ValidationError({"partner": ["Partner-side users need a partner."]})
        if actor.role not in {Role.VENDOR_ADMIN, Role.CHANNEL_MANAGER, Role.PARTNER_ADMIN}:
            raise PermissionDenied("You cannot create users.")
        _require(partners_editable_by(actor), partner, "You cannot add users to this partner.")
    elif actor.role != Role.VENDOR_ADMIN:
        raise PermissionDenied("Only vendor admins create vendor-side users.")
    if membership_role not in MembershipRole.values:
        raise ValidationError({"membership_role": ["Choose member, manager or administrator."]})
    user = user_create(email=email, role=role, full_name=full_name, password=None)
    if partner is not None and role in PARTNER_ROLES:
        PartnerMembership.objects.create(partner=partner, user=user, role=membership_role)
    elif org_unit is not None:
        OrgUnitMembership.objects.create(unit=org_unit, user=user, role=membership_role)
    return user


@transaction.atomic
def user_update(*, actor: User, user: User, fields: dict[str, Any]) -> User:
    """Change a user's name, role or active flag. Vendor admins change anyone; partner
    admins the partner-side users of their subtree, within partner roles."""
    if not users_editable_by(actor).filter(pk=user.pk).exists():
        raise PermissionDenied("You cannot change this user.")
    if "role" in fields:
        allowed = Role.values if actor.role == Role.VENDOR_ADMIN else PARTNER_ROLES
        if fields["role"] not in allowed:
            raise ValidationError({"role": ["You cannot give this role."]})
        if (fields["role"] in PARTNER_ROLES) != (user.role in PARTNER_ROLES):
            raise ValidationError({"role": ["A user cannot change sides (vendor/partner)."]})
    if fields.get("is_active") is False and user.pk == actor.pk:
        raise ValidationError({"is_active": ["You cannot deactivate yourself."]})
    for key in ("full_name", "role", "is_active"):
        if key in fields:
            setattr(user, key, fields[key])
    user.save(update_fields=[k for k in ("full_name", "role", "is_active") if k in fields])
    return user


# --- profile details: locations, certifications, business plans ------------------------


def _profile_detail(actor: User, partner: Partner, instance: Any, reason: str) -> Any:
    """Validate and save a row that belongs to a partner's profile; the partner's editors
    (vendor staff in scope, its partner admins) may do so."""
    _require(partners_editable_by(actor), partner, "You cannot change this partner.")
    instance.partner = partner
    instance.full_clean()
    audit_note(instance, actor, reason)
    instance.save()
    return instance


@transaction.atomic
def location_add(*, actor: User, partner: Partner, fields: dict[str, Any]) -> Location:
    location = Location(**fields)
    if location.is_headquarters:  # one headquarters per partner unit
        Location.objects.filter(partner=partner, is_headquarters=True).update(is_headquarters=False)
    return _profile_detail(actor, partner, location, "location added")


@transaction.atomic
def location_remove(*, actor: User, location: Location) -> None:
    _require(partners_editable_by(actor), location.partner, "You cannot change this partner.")
    audit_note(location, actor, "location removed")
    location.delete()


@transaction.atomic
def certification_add(*, actor: User, partner: Partner, fields: dict[str, Any]) -> Certification:
    return _profile_detail(actor, partner, Certification(**fields), "certification added")


@transaction.atomic
def business_plan_set(*, actor: User, partner: Partner, fields: dict[str, Any]) -> BusinessPlan:
    """Set the targets of one year (one plan per partner and year)."""
    plan = BusinessPlan.objects.filter(partner=partner, year=fields["year"]).first()
    plan = plan or BusinessPlan()
    for key, value in fields.items():
        setattr(plan, key, value)
    return _profile_detail(actor, partner, plan, f"plan {fields['year']} set")


@transaction.atomic
def partner_contact_log(*, actor: User, partner: Partner, fields: dict[str, Any]) -> PartnerContact:
    """Record a call, meeting, e-mail or visit with a partner (vendor staff who see it).
    Emits ``partner.contacted``, which "reach out to your partner" schedules look for."""
    if actor.role not in VENDOR_ROLES:
        raise PermissionDenied("Contacts are recorded by the vendor's team.")
    _require(partners_visible_to(actor), partner, "You cannot see this partner.")
    contact = PartnerContact(**fields, partner=partner, user=actor)
    contact.full_clean()
    contact.save()
    event_emit(
        event_type="partner.contacted",
        obj=partner,
        actor=actor,
        payload={"kind": contact.kind, "on": contact.happened_on.isoformat()},
    )
    return contact
