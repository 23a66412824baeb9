"""Writes of the deals app. Each ``x`` is an entry point with its own durable transaction;
``_x`` is the same write inside a caller's transaction (other services, workflow steps,
seeding). One module per entity; this package re-exports them."""

from deals.services.accounts import (
    _account_create,
    _account_merge,
    _account_update,
    account_create,
    account_merge,
    account_update,
)
from deals.services.catalogue import (
    _product_create,
    _product_line_create,
    _product_line_update,
    _product_update,
    product_create,
    product_line_create,
    product_line_update,
    product_update,
)
from deals.services.policy import _reservation_policy_update, reservation_policy_update
from deals.services.reservations import (
    _reservation_create,
    _reservation_extend,
    _reservation_extend_request,
    _reservation_extension_refuse,
    _reservation_release,
    reservation_create,
    reservation_extend_request,
    reservation_release,
    reservations_expire,
    reservations_remind,
)

__all__ = [
    "_account_create",
    "_account_merge",
    "_account_update",
    "_product_create",
    "_product_line_create",
    "_product_line_update",
    "_product_update",
    "_reservation_create",
    "_reservation_extend",
    "_reservation_extend_request",
    "_reservation_extension_refuse",
    "_reservation_policy_update",
    "_reservation_release",
    "account_create",
    "account_merge",
    "account_update",
    "product_create",
    "product_line_create",
    "product_line_update",
    "product_update",
    "reservation_create",
    "reservation_extend_request",
    "reservation_policy_update",
    "reservation_release",
    "reservations_expire",
    "reservations_remind",
]
