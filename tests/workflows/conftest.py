from tests.partners.conftest import world  # noqa: F401 - the shared acme world fixture
