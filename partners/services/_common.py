"""Helpers shared by the partners services: the lock of one tree and the scope check
that refuses an actor outside ``queryset``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from prm.locking import advisory_lock


def _lock_tree(name: str) -> None:
    """Serialise changes to one tree (treebeard rewrites paths in several statements)."""
    advisory_lock(f"tree:{name}")


def _require(queryset, obj, message: str) -> None:
    if not queryset.filter(pk=obj.pk).exists():
        raise PermissionDenied(message)
