"""``make run``'s launcher, ``manage.py`` by hand, the test set-up (``prm/testing.py``) and the
embedded servers they start, as real processes in a fresh data dir."""

from __future__ import annotations

import concurrent.futures
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psutil
import pytest

from prm import embedded

BASE_DIR = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.worker


@pytest.fixture
def data_dir(request):
    """A data directory inside the project (.data/), not under /tmp/pytest-of-root: every
    pytest session resets that folder to mode 0700, which locks out the ``pgserver`` user
    that runs PostgreSQL for root."""
    path = (
        BASE_DIR / ".data" / "launcher-tests" / f"{request.node.name[:40]}-{uuid.uuid4().hex[:8]}"
    )
    path.mkdir(parents=True)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def ours(data_dir: Path) -> list[psutil.Process]:
    """Every live process started for this data dir: by command line (postgres), environment
    (the launcher's children) or working directory (redis-server, which overwrites its
    environment with its process title)."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        try:
            if (
                str(data_dir) in " ".join(proc.info["cmdline"] or [])
                or proc.environ().get("PRM_DATA_DIR") == str(data_dir)
                or Path(proc.cwd()).is_relative_to(data_dir)
            ):
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return [p for p in found if p.pid != os.getpid() and p.status() != psutil.STATUS_ZOMBIE]


def wait_until_gone(data_dir: Path, timeout: float = 20) -> list[psutil.Process]:
    deadline = time.monotonic() + timeout
    while (left := ours(data_dir)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_"))}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("XDG_RUNTIME_DIR", None)
    return dict(env, PRM_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")


EMBEDDED = """
import sys
from pathlib import Path
from prm import embedded
data = Path(sys.argv[1])
pg, url = embedded.start_postgres(data)
redis, redis_url = embedded.start_redis(data)
import psycopg2
conn = psycopg2.connect(url)
conn.autocommit = True
with conn.cursor() as cur:
    cur.execute("CREATE TABLE IF NOT EXISTS kept (n int)")
    cur.execute("INSERT INTO kept VALUES (1)")
    cur.execute("SELECT count(*) FROM kept")
    print(cur.fetchone()[0])
conn.close()
redis.incr("starts")
print(int(redis.get("starts")))
"""


def test_embedded_servers_keep_their_data_and_stop_with_the_last_process(data_dir):
    runs = [
        subprocess.run(
            [sys.executable, "-c", EMBEDDED, str(data_dir)],
            cwd=BASE_DIR,
            env=clean_env(data_dir),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout.split()
        for _ in range(2)
    ]
    assert runs == [["1", "1"], ["2", "2"]]
    assert wait_until_gone(data_dir) == []


def start_launcher(data_dir: Path, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "prm.launcher", "--no-seed", "--port", str(port)],
        cwd=BASE_DIR,
        env=clean_env(data_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 120
    for line in proc.stdout:
        if "PRM portal is up" in line:
            break
        assert time.monotonic() < deadline, "launcher did not come up"
    else:
        pytest.fail(f"launcher exited with {proc.wait()}")
    # The web server may need a moment after the banner (longer on a loaded machine).
    answer_by = time.monotonic() + 90
    while time.monotonic() < answer_by:
        try:
            req = urllib.request.Request(f"http://127.0.0.1:{port}/healthz/")
            req.add_header("Host", "localhost")
            with urllib.request.urlopen(req, timeout=2) as response:
                assert response.status == 200
                return proc
        except OSError:
            time.sleep(0.2)
    pytest.fail("web server did not answer")


def burst(port: int, count: int = 50) -> list[int]:
    """``count`` requests at once against the run's web server; their statuses."""

    def one(_: int) -> int:
        req = urllib.request.Request(f"http://127.0.0.1:{port}/healthz/")
        req.add_header("Host", "localhost")
        try:
            with urllib.request.urlopen(req, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    with concurrent.futures.ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def test_launcher_holds_bursts_and_stops_everything_on_sigterm_also_after_a_killed_run(
    data_dir,
):
    port = free_port()
    first = start_launcher(data_dir, port)
    first.send_signal(signal.SIGKILL)  # no chance to clean up
    first.wait()
    first.stdout.close()
    second = start_launcher(data_dir, port)  # reaps what the first left, reuses the data
    assert len(ours(data_dir)) >= 4  # launcher, web, worker, beat, postgres, redis
    for _ in range(3):  # 150 requests, more than PostgreSQL's 100 connections
        statuses = burst(port)
        assert statuses == [200] * 50, sorted(set(statuses))
    second.send_signal(signal.SIGTERM)
    output = second.communicate(timeout=60)[0]
    assert second.returncode == 0
    assert "postgres stopped" in output
    assert wait_until_gone(data_dir) == []


MANAGE_PROBE = """
from django.core.cache import cache
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SELECT current_database()")
    print(cursor.fetchone()[0])
cache.set("probe", 42)
print(cache.get("probe"))
"""


def test_manage_py_by_hand_starts_the_embedded_servers_and_they_stop_with_it(data_dir):
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", MANAGE_PROBE],
        cwd=BASE_DIR,
        env=dict(clean_env(data_dir), DEBUG="1"),  # prm.settings, no DATABASE_URL / REDIS_URL
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.split()[-2:] == ["prm", "42"], result.stderr
    assert (data_dir / "pg" / "PG_VERSION").exists()
    assert wait_until_gone(data_dir) == []


PLUGIN_PROBE = """
import json, os
from pathlib import Path

import redis
from django.conf import settings


def test_probe(worker_id):
    client = redis.Redis(unix_socket_path=settings.REDIS_URL.removeprefix("redis+socket://"))
    seen = {
        "pid": os.getpid(),
        "settings_module": settings.SETTINGS_MODULE,
        "env": [os.environ["DATABASE_URL"], os.environ["REDIS_URL"]],
        "settings": [settings.DATABASE_URL, settings.REDIS_URL],
        "ping": client.ping(),
    }
    client.close()
    Path(os.environ["PROBE_OUT"], worker_id + ".json").write_text(json.dumps(seen))
"""


def test_the_test_set_up_starts_what_is_not_configured_once_for_all_xdist_workers(data_dir):
    """A run of two xdist workers with the project's plugin and test settings, with
    DATABASE_URL configured and REDIS_URL not."""
    suite, data, out = data_dir / "suite", data_dir / "data", data_dir / "out"
    for path in (suite, data, out):
        path.mkdir()
    (suite / "pytest.ini").write_text("[pytest]\nDJANGO_SETTINGS_MODULE = prm.settings_test\n")
    (suite / "test_probe.py").write_text(PLUGIN_PROBE)
    env = {k: v for k, v in clean_env(data).items() if not k.startswith("PYTEST_")}
    database_url = "postgres://u@db.invalid/x"
    cmd = [sys.executable, "-m", "pytest", "-p", "prm.testing", "-p", "no:cacheprovider"]
    cmd += ["-q", "-c", str(suite / "pytest.ini"), "-n", "2", "--dist", "each", str(suite)]
    result = subprocess.run(
        cmd,
        cwd=BASE_DIR,
        env={**env, "PROBE_OUT": str(out), "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    seen = [json.loads(path.read_text()) for path in sorted(out.iterdir())]
    assert len(seen) == 2 and seen[0]["pid"] != seen[1]["pid"]  # gw0 and gw1
    assert all(s["ping"] for s in seen)
    # The plugin imports prm, whose Celery module defaults DJANGO_SETTINGS_MODULE: undone.
    assert {s["settings_module"] for s in seen} == {"prm.settings_test"}
    # Redis's socket path is random per start: the same URL everywhere is the same server.
    (redis_url,) = {url for s in seen for url in (s["env"][1], s["settings"][1])}
    assert redis_url.startswith("redis+socket://")
    assert {url for s in seen for url in (s["env"][0], s["settings"][0])} == {database_url}
    assert not (data / "pg").exists()  # configured: no embedded PostgreSQL
    assert wait_until_gone(data) == []


def test_nothing_starts_when_both_urls_are_configured(data_dir):
    env = {"DATABASE_URL": "postgres://u@db.invalid/x", "REDIS_URL": "redis://redis.invalid/0"}
    assert embedded.start_missing(data_dir, env) == []
    assert list(data_dir.iterdir()) == []
