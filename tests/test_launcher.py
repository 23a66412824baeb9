"""``make run``'s launcher and the embedded servers, as real processes in a fresh data dir."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.worker


def ours(data_dir: Path) -> list[psutil.Process]:
    """Every live process started for this data dir (by command line or environment)."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        try:
            if str(data_dir) in " ".join(proc.info["cmdline"] or []) or (
                proc.environ().get("PRM_DATA_DIR") == str(data_dir)
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


def test_embedded_servers_keep_their_data_and_stop_with_the_last_process(tmp_path):
    runs = [
        subprocess.run(
            [sys.executable, "-c", EMBEDDED, str(tmp_path)],
            cwd=BASE_DIR,
            env=clean_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout.split()
        for _ in range(2)
    ]
    assert runs == [["1", "1"], ["2", "2"]]
    assert wait_until_gone(tmp_path) == []


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
    # The web server may need a moment after the banner.
    for _ in range(100):
        try:
            req = urllib.request.Request(f"http://127.0.0.1:{port}/healthz/")
            req.add_header("Host", "localhost")
            with urllib.request.urlopen(req, timeout=2) as response:
                assert response.status == 200
                return proc
        except OSError:
            time.sleep(0.2)
    pytest.fail("web server did not answer")


def test_launcher_stops_everything_on_sigterm_also_after_a_killed_run(tmp_path):
    port = free_port()
    first = start_launcher(tmp_path, port)
    first.send_signal(signal.SIGKILL)  # no chance to clean up
    first.wait()
    first.stdout.close()
    second = start_launcher(tmp_path, port)  # reaps what the first left, reuses the data
    assert len(ours(tmp_path)) >= 4  # launcher, web, worker, beat, postgres, redis
    second.send_signal(signal.SIGTERM)
    output = second.communicate(timeout=60)[0]
    assert second.returncode == 0
    assert "postgres stopped" in output
    assert wait_until_gone(tmp_path) == []
