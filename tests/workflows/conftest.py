# The shared acme world fixture, built once per module (tests/partners/conftest.py).
from tests.partners.conftest import _module_world, module_world, world  # noqa: F401
