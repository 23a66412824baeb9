"""Services of a partner's profile details: locations, certifications, business plans,
and the vendor team's contacts with the partner."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from partners.models import BusinessPlan, Certification, Location, Partner, PartnerContact
from partners.scope import partners_editable_by, partners_worked_by
from partners.services._common import _require
from prm.audit import audit_note
from prm.errors import Conflict
from prm.outbox.events import event_emit
from prm.permissions import require
from prm.users.models import User


def _profile_detail(actor: User, partner: Partner, instance: Any, reason: str) -> Any:
    """Validate and save a row that belongs to a partner's profile; the partner's editors
    (vendor staff in scope, its partner admins) may do so."""
    _require(partners_editable_by(actor), partner, "You cannot change this partner.")
    instance.partner = partner
    instance.full_clean()
    audit_note(instance, actor, reason)
    instance.save()
    return instance


def _location_add(*, actor: User, partner: Partner, fields: dict[str, Any]) -> Location:
    location = Location(**fields)
    if location.is_headquarters:  # the new one replaces the partner unit's headquarters
        Location.objects.filter(partner=partner, is_headquarters=True).update(is_headquarters=False)
    try:
        with transaction.atomic():
            return _profile_detail(actor, partner, location, "location added")
    except IntegrityError:  # a concurrent headquarters won (one_headquarters_per_partner)
        raise Conflict("Another headquarters was just added; reload and try again.") from None


location_add = transaction.atomic(durable=True)(_location_add)


def _location_remove(*, actor: User, location: Location) -> None:
    _require(partners_editable_by(actor), location.partner, "You cannot change this partner.")
    audit_note(location, actor, "location removed")
    location.delete()


location_remove = transaction.atomic(durable=True)(_location_remove)


def _certification_add(*, actor: User, partner: Partner, fields: dict[str, Any]) -> Certification:
    return _profile_detail(actor, partner, Certification(**fields), "certification added")


certification_add = transaction.atomic(durable=True)(_certification_add)


def _business_plan_set(*, actor: User, partner: Partner, fields: dict[str, Any]) -> BusinessPlan:
    """Set the targets of one year (one plan per partner and year). Concurrent first plans of
    a year queue on the partner's row, so the second updates the first's instead of failing
    on the unique constraint."""
    Partner.objects.select_for_update().filter(pk=partner.pk).first()
    plan = BusinessPlan.objects.filter(partner=partner, year=fields["year"]).first()
    plan = plan or BusinessPlan()
    for key, value in fields.items():
        setattr(plan, key, value)
    return _profile_detail(actor, partner, plan, f"plan {fields['year']} set")


business_plan_set = transaction.atomic(durable=True)(_business_plan_set)


def _partner_contact_log(
    *, actor: User, partner: Partner, fields: dict[str, Any]
) -> PartnerContact:
    """Record a call, meeting, e-mail or visit with a partner (vendor staff who see it).
    Emits ``partner.contacted``, which "reach out to your partner" schedules look for."""
    require(actor, "partners.log_contact", "Contacts are recorded by the vendor's team.")
    # Finance and legal read every partner, but record contacts only with their own.
    _require(partners_worked_by(actor), partner, "You cannot log a contact with this partner.")
    contact = PartnerContact(**fields, partner=partner, user=actor)
    contact.full_clean()
    contact.save()
    event_emit(
        event_type="partner.contacted",
        obj=partner,
        actor=actor,
        payload={"kind": contact.kind, "on": contact.happened_on.isoformat()},
        partner_id=partner.pk,
    )
    return contact


partner_contact_log = transaction.atomic(durable=True)(_partner_contact_log)
