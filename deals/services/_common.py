"""Helpers of the deals services: the server's clock, the account tree's locks."""

from __future__ import annotations

from datetime import datetime

from django.db import connection

from deals.models import CustomerAccount
from partners.models import ancestor_paths
from prm.locking import advisory_lock


def server_now() -> datetime:
    """The database server's clock now (``clock_timestamp()``): the one clock every
    reservation's start and end are read from, whichever web server wrote them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        return cursor.fetchone()[0]


def _lock_tree_shape() -> None:
    """Serialise inserts and moves in the account tree (treebeard computes paths)."""
    advisory_lock("tree:customer_account")


def _lock_account_line(account: CustomerAccount) -> list[CustomerAccount]:
    """Lock ``account`` and every account above it, top first (a fixed order, so two
    transactions locking overlapping lines never deadlock). Whoever reserves an account
    of the line or of a subtree below it takes the lock of their shared top, so the
    multi-office rules are decided by one transaction at a time."""
    return list(
        CustomerAccount.objects.select_for_update(of=("self",))
        .filter(path__in=ancestor_paths(account))
        .order_by("path")
    )
