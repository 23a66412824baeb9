import os
import subprocess
import sys

import pytest
from django.conf import settings

from tests.test_launcher import clean_env, ours

CHECK = "import django; django.setup(); print('started')"


def run_settings(**env):
    base = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    return subprocess.run(
        [sys.executable, "-c", CHECK],
        env={**base, "DJANGO_SETTINGS_MODULE": "prm.settings", "REDIS_URL": "redis://x", **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_with_the_development_secret_key():
    result = run_settings(DEBUG="0", DATABASE_URL="postgres://u@localhost/x")
    assert result.returncode != 0
    assert "SECRET_KEY is the development key while DEBUG is off" in result.stderr


def test_production_starts_with_a_real_secret_key():
    result = run_settings(
        DEBUG="0", SECRET_KEY="a-real-one-" * 5, DATABASE_URL="postgres://u@localhost/x"
    )
    assert result.stdout.strip() == "started", result.stderr


PROBE = """
import django
django.setup()
from django.conf import settings
print(settings.DATABASES["default"]["OPTIONS"]["host"])
print(settings.CELERY_BROKER_URL)
"""


@pytest.mark.parametrize("module", ["prm.settings", "prm.settings_test"])
def test_importing_the_settings_without_service_urls_starts_nothing(tmp_path, module):
    """What mypy's Django plugin, ``manage.py check`` and the image build rely on."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=dict(clean_env(tmp_path), DJANGO_SETTINGS_MODULE=module, DEBUG="1"),
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    # Where the embedded servers of the data dir would listen, none of them running.
    assert result.stdout.split() == [
        str(tmp_path / "pg"),
        f"redis+socket://{tmp_path / 'redis-not-running.socket'}",
    ]
    assert list(tmp_path.iterdir()) == []  # no server data, no socket
    assert ours(tmp_path) == []


def test_manage_py_check_needs_no_servers(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        env=dict(clean_env(tmp_path), DEBUG="1"),
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == []
    assert ours(tmp_path) == []
