"""The incentives tests' world: the partners' scope world (tests/partners/conftest.py)."""

from __future__ import annotations

from tests.partners.conftest import _module_world, module_world

__all__ = ["_module_world", "module_world"]
