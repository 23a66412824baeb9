"""Lifecycles as data: a table of allowed moves per status, one check, and the database
constraint that keeps the column to the known statuses.

Each app declares its lifecycles (``PARTNER_LIFECYCLE = Lifecycle("partner", {...})``) and
has one transition function per lifecycle that locks the row, calls ``check`` and writes.
The tables are also data for the workflow builder (which statuses a ``set_field`` offers).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Q

from prm.errors import IllegalTransition


@dataclass(frozen=True)
class Lifecycle:
    name: str  # what moves, in the users' words: "partner", "deal"
    moves: Mapping[str, frozenset[str]]
    labels: Mapping[str, str] = field(default_factory=dict)  # status -> label

    @property
    def statuses(self) -> list[str]:
        return list(self.moves)

    def allowed(self, current: str) -> frozenset[str]:
        return self.moves.get(current, frozenset())

    def can(self, current: str, target: str) -> bool:
        return target in self.allowed(current)

    def label(self, status: str) -> str:
        return str(self.labels.get(status, status))

    def check(self, current: str, target: str) -> None:
        """Refuse an illegal move with ``IllegalTransition`` (409, nothing changes)."""
        if not self.can(current, target):
            raise IllegalTransition(
                f"A {self.name} cannot go from {self.label(current)} to {self.label(target)}."
            )

    def constraint(
        self, field_name: str, name: str, message: str | None = None
    ) -> models.CheckConstraint:
        """The status column holds one of the lifecycle's statuses; ``message`` is what a
        user reads when it is violated (Django's default names the constraint)."""
        return status_constraint(field_name, self.statuses, name, message)


def status_constraint(
    field_name: str, values: Iterable[str], name: str, message: str | None = None
) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field_name}__in": list(values)}),
        name=name,
        violation_error_message=message,
    )
