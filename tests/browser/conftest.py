"""Browser tests: Playwright drives Debian's chromium against a real gunicorn serving the
committed test database (the demo tenants), so no test data is flushed between tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import subprocess_env
from tests.test_launcher import free_port

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def portal_mail(tmp_path_factory) -> Path:
    """Where the portal server writes its e-mails (one file per message)."""
    return tmp_path_factory.mktemp("portal-mail")


@pytest.fixture(scope="session")
def portal(django_db_setup, portal_mail):
    """Base URL template of a running portal: ``portal.format(host="acme")``."""
    port = free_port()
    env = subprocess_env(
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(portal_mail),
        PORTAL_URL_PORT=f":{port}",
    )
    # One process with threads: the test settings' cache is per process (local memory),
    # and what the lookup answered a user must be there when they reserve.
    cmd = [sys.executable, "-m", "gunicorn", "prm.wsgi", "-b", f"127.0.0.1:{port}"]
    cmd += ["-w", "1", "--threads", "4"]
    server = subprocess.Popen(cmd, env=env, cwd=settings.BASE_DIR)
    try:
        for _ in range(150):
            try:
                req = urllib.request.Request(f"http://127.0.0.1:{port}/healthz/")
                req.add_header("Host", "localhost")
                urllib.request.urlopen(req, timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("the portal server did not start")
        yield f"http://{{host}}.localhost:{port}"
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail("chromium is missing: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread, and Django refuses
    # ORM calls (the test database set-up among them) while one runs.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
