"""Helpers of the deals services: the account tree's locks (and the server's clock, from
deals.selectors)."""

from __future__ import annotations

from deals.models import CustomerAccount
from deals.selectors import server_now
from partners.models import ancestor_paths
from prm.locking import advisory_lock

__all__ = ["_lock_account_line", "_lock_tree_shape", "server_now"]


def _lock_tree_shape() -> None:
    """Serialise inserts and moves in the account tree (treebeard computes paths)."""
    advisory_lock("tree:customer_account")


def _lock_account_line(account: CustomerAccount) -> list[CustomerAccount]:
    """Lock ``account`` and every account above it, top first (a fixed order, so two
    transactions locking overlapping lines never deadlock). Whoever reserves an account
    of the line or of a subtree below it takes the lock of their shared top, so the
    multi-office rules are decided by one transaction at a time."""
    return list(
        CustomerAccount.objects.select_for_update(of=("self",), no_key=True)
        .filter(path__in=ancestor_paths(account))
        .order_by("path")
    )
