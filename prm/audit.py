"""The audit trail is django-simple-history; this names who and why for the next save."""

from __future__ import annotations

from typing import Any


def audit_note(instance: Any, actor: Any, reason: str) -> None:
    """Who and why for the history row the next save of ``instance`` writes."""
    instance._history_user = actor
    instance._change_reason = reason
