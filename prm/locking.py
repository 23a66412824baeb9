"""Locks for scarce things, one way (pretix's ``locking.rst``): taken inside the
transaction that changes them, late, once, with a timeout, and released at its end.

A lock that cannot be had within the timeout raises ``Conflict`` ("try again"), instead of
queueing requests behind a long writer."""

from __future__ import annotations

from django.db import OperationalError, connection, transaction

from prm.errors import Conflict

DEFAULT_TIMEOUT_MS = 3000


def advisory_lock(key: str, *, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> None:
    """Serialise the holders of ``key`` until the current transaction ends.

    Callers: tree changes (org units, partners), agreement publishing; later reservations
    and funds. Must run inside ``transaction.atomic``."""
    if not connection.in_atomic_block:
        raise RuntimeError("advisory_lock() runs inside a transaction.")
    try:
        with transaction.atomic(), connection.cursor() as cursor:  # a savepoint: a timeout
            cursor.execute("SET LOCAL lock_timeout = %s", [f"{int(timeout_ms)}ms"])
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [key])
            cursor.execute("SET LOCAL lock_timeout = DEFAULT")
    except OperationalError as exc:  # lock_not_available
        raise Conflict("Someone else is changing this right now; try again.", code="busy") from exc
