"""Demo and scale data, contributed by each app (registered from ``AppConfig.ready``) and run
by the ``seed_demo`` / ``seed_scale`` commands, which import no domain app."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

DemoSeeder = Callable[[str, str], None]  # (schema, admin e-mail), inside the tenant
DEMO_SEEDERS: list[tuple[str, DemoSeeder]] = []


@dataclass(frozen=True)
class ScaleOption:
    """``seed_scale --<name> N``: ``add(N, copy_rows)`` adds N rows of the app's entity."""

    name: str
    help: str
    add: Callable[[int, Callable], None]
    # Run after the command's --users are added and placed (rows that need people).
    after_users: bool = False


SCALE_OPTIONS: list[ScaleOption] = []
# Called with the ids of the users seed_scale added (e.g. to place them in partners).
USERS_ADDED: list[Callable[[list[int], Callable], None]] = []


def demo_seeder(name: str, seeder: DemoSeeder) -> None:
    """Register an app's demo data, run in app order, idempotently, in each demo tenant."""
    if name not in {n for n, _ in DEMO_SEEDERS}:
        DEMO_SEEDERS.append((name, seeder))


def scale_option(option: ScaleOption) -> None:
    if option.name not in {o.name for o in SCALE_OPTIONS}:
        SCALE_OPTIONS.append(option)


def on_users_added(hook: Callable[[list[int], Callable], None]) -> None:
    if hook not in USERS_ADDED:
        USERS_ADDED.append(hook)


@functools.cache
def _password_hash() -> str:
    from django.contrib.auth.hashers import make_password

    from prm.demo import PASSWORD

    return make_password(PASSWORD)


def demo_user(email: str, role: str, full_name: str) -> Any:
    """A demo login with the demo password, hashed once for all (hashing is the slow part)."""
    from prm.users.services import user_create

    user = user_create(email=email, role=role, full_name=full_name, send_welcome=False)
    user.password = _password_hash()
    user.save(update_fields=["password"])
    return user
