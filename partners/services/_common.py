"""Helpers shared by the partners services: the lock of one tree and the scope check
that refuses an actor outside ``queryset``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import connection


def _lock_tree(name: str) -> None:
    """Serialise changes to one tree (treebeard rewrites paths in several statements)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"tree:{name}"])


def _require(queryset, obj, message: str) -> None:
    if not queryset.filter(pk=obj.pk).exists():
        raise PermissionDenied(message)
