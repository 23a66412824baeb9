"""Tasks of the deals app, each one service call (the service imported in the body). Beat
sends them per tenant through ``tenancy.fan_out``."""

from __future__ import annotations

from prm.celery import app


@app.task(name="deals.reservations_expire")
def reservations_expire() -> int:
    """Expire the reservations whose end has passed (idempotent: one row per claim)."""
    from deals.services import reservations_expire

    return reservations_expire()


@app.task(name="deals.reservations_remind")
def reservations_remind() -> int:
    """``reservation.expiring`` on the policy's reminder days (once per day and end)."""
    from deals.services import reservations_remind

    return reservations_remind()


@app.task(name="deals.deals_expire")
def deals_expire() -> int:
    """Expire the approved registrations whose protection ended; hand on those queued."""
    from deals.services import deals_expire

    return deals_expire()


@app.task(name="deals.deals_remind")
def deals_remind() -> int:
    """``deal.expiring`` on the deal policy's reminder days (once per day and end)."""
    from deals.services import deals_remind

    return deals_remind()


@app.task(name="deals.common_name_keys_refresh")
def common_name_keys_refresh() -> int:
    """Recount the name keys too common to search by (deals.namekeys)."""
    from deals.namekeys import common_name_keys_refresh

    return common_name_keys_refresh()
