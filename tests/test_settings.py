import os
import subprocess
import sys

from django.conf import settings

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
