"""docker-compose.yml cannot run here (no Docker engine): check that it is consistent with
the project instead: every command it runs exists, every service is health-checked."""

import importlib.util
from pathlib import Path

import yaml
from django.conf import settings
from django.core.management import get_commands

COMPOSE = yaml.safe_load((Path(settings.BASE_DIR) / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def test_compose_has_the_production_services_on_the_right_versions():
    assert {"postgres", "redis", "web", "worker", "beat", "migrate"} <= set(SERVICES)
    assert SERVICES["postgres"]["image"] == "postgres:18"
    assert SERVICES["redis"]["image"] == "redis:7"
    for name in ("postgres", "redis", "web", "worker"):
        assert SERVICES[name]["healthcheck"]["test"], name


def test_every_app_service_runs_a_command_of_this_project():
    django_commands = get_commands()
    for name, service in SERVICES.items():
        if service.get("image") != "prm-portal":
            continue
        cmd = service["command"]
        if cmd[0] == "gunicorn":
            module = cmd[1].partition(":")[0]
            assert importlib.util.find_spec(module), name
            assert importlib.util.find_spec("gunicorn"), name
        elif cmd[0] == "celery":
            assert cmd[1:3] == ["-A", "prm"], name
            assert cmd[3] in {"worker", "beat"}, name
        elif cmd[:2] == ["python", "manage.py"]:
            assert cmd[2] in django_commands, name
        else:
            raise AssertionError(f"{name}: unknown command {cmd}")


def test_app_services_get_the_settings_production_requires():
    env = SERVICES["web"]["environment"]
    assert env["DEBUG"] == "0"
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS"} <= set(env)
    assert SERVICES["web"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully"
    )


def test_the_dockerfile_copies_every_app_it_installs():
    dockerfile = (Path(settings.BASE_DIR) / "Dockerfile").read_text()
    for app in ("prm", "partners", "deals", "incentives", "workflows"):
        assert f"COPY {app} {app}" in dockerfile


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-production-secret-for-the-check-only-0123456789-abcdefghij",
    "SESSION_COOKIE_SECURE": "1",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
}


def test_the_readme_production_settings_pass_check_deploy_with_no_warning():
    import os
    import subprocess
    import sys
    from pathlib import Path

    base = Path(__file__).resolve().parent.parent
    # The production environment: none of the test run's Django switches (the browser tests
    # set DJANGO_ALLOW_ASYNC_UNSAFE, which check --deploy rightly warns about).
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(PRODUCTION, DJANGO_SETTINGS_MODULE="prm.settings")
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=base,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    readme = (base / "README.md").read_text()
    assert all(f"{name}=" in readme for name in PRODUCTION if name.startswith("SECURE_"))
