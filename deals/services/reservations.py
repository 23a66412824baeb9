"""Services of reservations: reserve (race-free), release, and the expiry sweep with its
reminders.

Reserving locks late and once: the account and every account above it, top first
(``_lock_account_line``), then decides the vendor-owned and multi-office rules on
committed rows and inserts. The partial unique index "one active reservation per account"
stays the last word: an ``IntegrityError`` is the same ``Conflict`` (409
``account_reserved``) as a refusal by the rules."""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction

from deals import scope
from deals.models import (
    RESERVATION_LIFECYCLE,
    CustomerAccount,
    Reservation,
    ReservationPolicy,
    ReservationStatus,
)
from deals.selectors import account_standing
from deals.services._common import _lock_account_line, server_now
from partners.models import Partner
from prm.audit import audit_note
from prm.errors import Conflict, Forbidden, NotFound
from prm.locking import advisory_lock
from prm.outbox.events import event_emit
from prm.permissions import require
from prm.users.models import User

RESERVED = "account_reserved"


def _reserved(message: str) -> Conflict:
    return Conflict(message, code=RESERVED)


def _reservation_create(*, actor: User, account: CustomerAccount) -> Reservation:
    """Reserve ``account`` for the actor's partner for the tenant's policy period. Of any
    number of concurrent attempts exactly one wins; the others get ``Conflict``
    (``account_reserved``), which never names the holder."""
    require(actor, "reservations.create", "Only partner users reserve customer accounts.")
    partner: Partner | None = scope.partner_of(actor)
    if partner is None:
        raise Forbidden("You are not a member of a partner, so you cannot reserve accounts.")
    policy = ReservationPolicy.current()
    account = _lock_account_line(account)[-1]  # the account itself, as committed now
    standing = account_standing(account, partner_id=partner.pk, policy=policy)
    if standing.vendor_owned:
        why = (
            f"it belongs to {standing.vendor_owned_by}, which the vendor sells to directly"
            if standing.vendor_owned_by
            else "the vendor sells to it directly"
        )
        raise Conflict(f"{account.name} cannot be reserved: {why}.", code="account_vendor_owned")
    if standing.own is not None:
        raise _reserved(f"You have already reserved {account.name}.")
    if standing.covered_by_own:
        raise _reserved(
            f"{account.name} is already covered by your reservation of {standing.covered_by_own}."
        )
    if standing.held_by_others:
        raise _reserved(f"{account.name} is already reserved by another partner.")
    if policy.max_active_per_partner is not None:
        # After the account locks, always in this order (no deadlock with another reserver).
        advisory_lock(f"reservations:partner:{partner.pk}")
        active = Reservation.objects.filter(partner=partner, status=ReservationStatus.ACTIVE)
        if active.count() >= policy.max_active_per_partner:
            raise Conflict(
                f"{partner.display_name} already holds {policy.max_active_per_partner} active "
                "reservations, the most the program allows: release one first.",
                code="reservation_limit",
            )
    starts_at = server_now()
    reservation = Reservation(
        account=account,
        partner=partner,
        reserved_by=actor,
        starts_at=starts_at,
        expires_at=starts_at + timedelta(days=policy.period_days),
    )
    audit_note(reservation, actor, "reserved")
    try:
        with transaction.atomic():
            reservation.save()
    except IntegrityError:
        raise _reserved(f"{account.name} is already reserved by another partner.") from None
    event_emit(
        event_type="reservation.created",
        obj=reservation,
        actor=actor,
        partner_id=partner.pk,
        payload={"account_id": account.pk, "expires_at": reservation.expires_at.isoformat()},
    )
    return reservation


reservation_create = transaction.atomic(durable=True)(_reservation_create)


def _locked_visible(actor: User, reservation: Reservation) -> Reservation:
    """The reservation locked, if the actor sees it; the same 404 as a missing one."""
    locked = (
        scope.reservations_visible_to(actor)
        .select_for_update(of=("self",))
        .filter(pk=reservation.pk)
        .first()
    )
    if locked is None:
        raise NotFound("No such reservation.")
    return locked


def _end(reservation: Reservation, *, actor: User | None, status: str, reason: str) -> Reservation:
    RESERVATION_LIFECYCLE.check(reservation.status, status)
    reservation.status = status
    reservation.ended_at = server_now()
    reservation.ended_by = actor
    audit_note(reservation, actor, reason)
    reservation.save(update_fields=["status", "ended_at", "ended_by"])
    return reservation


def _reservation_release(*, actor: User, reservation: Reservation) -> Reservation:
    """End an active reservation: the partner side for its own partner, the vendor's
    decision makers for the partners in their scope. Someone else's is a 404."""
    require(actor, "reservations.release", "You cannot release reservations.")
    locked = _locked_visible(actor, reservation)
    _end(locked, actor=actor, status=ReservationStatus.RELEASED, reason="released")
    event_emit(
        event_type="reservation.released",
        obj=locked,
        actor=actor,
        partner_id=locked.partner_id,
        payload={"account_id": locked.account_id},
    )
    return locked


reservation_release = transaction.atomic(durable=True)(_reservation_release)


def reservations_expire(*, limit: int = 500) -> int:
    """The sweep: expire the active reservations whose end has passed, one transaction
    each, claimed with ``skip_locked`` (a second sweep or a release at the same moment
    takes other rows). Returns how many expired."""
    expired = 0
    for _ in range(limit):
        with transaction.atomic(durable=True):
            now = server_now()
            reservation = (
                Reservation.objects.select_for_update(skip_locked=True)
                .filter(status=ReservationStatus.ACTIVE, expires_at__lte=now)
                .order_by("expires_at", "pk")
                .first()
            )
            if reservation is None:
                break
            _end(reservation, actor=None, status=ReservationStatus.EXPIRED, reason="expired")
            event_emit(
                event_type="reservation.expired",
                obj=reservation,
                partner_id=reservation.partner_id,
                payload={"account_id": reservation.account_id},
            )
            expired += 1
    return expired


@transaction.atomic(durable=True)
def reservations_remind() -> int:
    """Emit ``reservation.expiring`` for active reservations due in one of the policy's
    reminder days (once per reservation, day and end: the outbox's dedupe key)."""
    policy = ReservationPolicy.current()
    now = server_now()
    days = sorted(set(policy.reminder_days))
    if not days:
        return 0
    sent = 0
    due = Reservation.objects.filter(
        status=ReservationStatus.ACTIVE,
        expires_at__gt=now,
        expires_at__lte=now + timedelta(days=days[-1]),
    )
    for reservation in due.iterator():
        left = reservation.expires_at - now
        # The nearest reminder day only: one created a week before its end gets the
        # 3-day reminder when it is due, not the 14-day one as well.
        day = next(d for d in days if left <= timedelta(days=d))
        key = f"reservation:{reservation.pk}:{day}:{reservation.expires_at.date()}"
        if event_emit(
            event_type="reservation.expiring",
            obj=reservation,
            partner_id=reservation.partner_id,
            payload={"days": day, "expires_at": reservation.expires_at.isoformat()},
            dedupe_key=key,
        ):
            sent += 1
    return sent


def _extension_limit(reservation: Reservation, policy: ReservationPolicy) -> None:
    if reservation.extensions >= policy.max_extensions:
        raise Conflict(
            f"This reservation has had {reservation.extensions} of the "
            f"{policy.max_extensions} extension(s) the program allows.",
            code="extension_limit",
        )


def _reservation_extend_request(*, actor: User, reservation: Reservation) -> Reservation:
    """Ask for more time: emits ``reservation.extension_requested``, which the tenant's
    workflow sends for approval (by default to the partner's channel manager); its approval
    extends the reservation (``_reservation_extend``). Once per extension."""
    require(actor, "reservations.create", "Only partner users ask to extend reservations.")
    locked = _locked_visible(actor, reservation)
    if locked.status != ReservationStatus.ACTIVE:
        raise Conflict("Only an active reservation can be extended.", code="illegal_transition")
    policy = ReservationPolicy.current()
    _extension_limit(locked, policy)
    number = locked.extensions + 1
    event = event_emit(
        event_type="reservation.extension_requested",
        obj=locked,
        actor=actor,
        partner_id=locked.partner_id,
        payload={"extension": number, "days": policy.extension_days},
        dedupe_key=locked.extension_request_key,
    )
    if event is None:
        raise Conflict(
            "An extension of this reservation has been asked for already.",
            code="extension_pending",
        )
    return locked


reservation_extend_request = transaction.atomic(durable=True)(_reservation_extend_request)


def _reservation_extend(*, actor: User, reservation: Reservation, reason: str = "") -> Reservation:
    """The approval of an extension (the reservation subject's decision): the policy's
    extension days more, within its maximum number of extensions."""
    locked = Reservation.objects.select_for_update(of=("self",)).get(pk=reservation.pk)
    if locked.status != ReservationStatus.ACTIVE:
        raise Conflict("The reservation ended before its extension was decided.")
    policy = ReservationPolicy.current()
    _extension_limit(locked, policy)
    locked.expires_at = locked.expires_at + timedelta(days=policy.extension_days)
    locked.extensions += 1
    audit_note(locked, actor, f"extended: {reason}" if reason else "extended")
    locked.save(update_fields=["expires_at", "extensions"])
    return locked


def _reservation_extension_refuse(
    *, actor: User, reservation: Reservation, reason: str = ""
) -> Reservation:
    """A refused extension leaves the reservation to run to its end; the refusal closes the
    request, so the partner may ask again."""
    locked = Reservation.objects.select_for_update(of=("self",)).get(pk=reservation.pk)
    locked.extension_refusals += 1
    audit_note(locked, actor, f"extension refused: {reason}" if reason else "extension refused")
    locked.save(update_fields=["extension_refusals"])
    return locked
