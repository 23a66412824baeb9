"""What every scenario stands on: the servers, ``manage.py``, gunicorn, Celery workers, API
tokens, bounded waits and the figures' medians and percentiles."""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

from bench import load
from prm import embedded

BASE_DIR = Path(__file__).resolve().parent.parent

T = TypeVar("T")


def setup_services(data_dir: Path) -> list[object]:
    """Start the embedded PostgreSQL and Redis under ``data_dir`` unless ``DATABASE_URL`` /
    ``REDIS_URL`` are set; keep the returned handles referenced for the life of the run."""
    handles = []
    if not os.environ.get("DATABASE_URL"):
        server, os.environ["DATABASE_URL"] = embedded.start_postgres(data_dir)
        handles.append(server)
    if not os.environ.get("REDIS_URL"):
        client, os.environ["REDIS_URL"] = embedded.start_redis(data_dir)
        handles.append(client)
    return handles


def prepare(data_dir: Path) -> list[object]:
    """The environment of a bench run (DEBUG off), its servers, migrated and seeded demo
    tenants, and Django set up in this process. Returns ``setup_services``' handles."""
    os.environ.update(
        PRM_DATA_DIR=str(data_dir),
        DEBUG="0",
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench-only-secret-key-" + "x" * 30),
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="prm.settings",
    )
    handles = setup_services(data_dir)
    manage("migrate_schemas", "-v", "0")
    manage("collectstatic", "--noinput", "-v", "0")
    manage("seed_demo")
    import django

    django.setup()
    return handles


def manage(*args: str, settings: str = "prm.settings") -> float:
    """Run ``manage.py`` in a subprocess; returns its wall-clock seconds."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=dict(os.environ, DJANGO_SETTINGS_MODULE=settings),
        check=True,
    )
    return time.perf_counter() - started


def wait_until(
    predicate: Callable[[], T],
    *,
    timeout: float,
    what: str,
    watch: Mapping[str, subprocess.Popen] | None = None,
    interval: float = 0.01,
) -> T:
    """Poll ``predicate`` until it returns something truthy, and return that. Raises
    ``RuntimeError`` after ``timeout`` seconds, or as soon as a process in ``watch``
    (label -> process) has exited, naming ``what`` was awaited."""
    deadline = time.monotonic() + timeout
    while True:
        if value := predicate():
            return value
        for label, proc in (watch or {}).items():
            if (code := proc.poll()) is not None:
                raise RuntimeError(f"{label} exited with code {code} while waiting for {what}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


def stop_process(proc: subprocess.Popen | None, timeout: float = 30) -> None:
    """Stop a child cleanly (SIGTERM: a worker's warm shutdown), killing it if it hangs.
    The tests' real-process helpers use it too."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def stop_processes(procs: Iterable[subprocess.Popen], timeout: float = 30) -> None:
    """``stop_process`` for several children, signalled together so they stop in parallel."""
    running = [p for p in procs if p.poll() is None]
    for proc in running:
        proc.terminate()
    for proc in running:
        stop_process(proc, timeout)


def start_gunicorn(
    port: int,
    settings: str,
    timeout: float = 30,
    *,
    workers: int = 2,
    env: Mapping[str, str] | None = None,
) -> subprocess.Popen:
    """gunicorn with ``workers`` sync workers on ``port`` (``os.environ`` updated with
    ``env``), returned once ``/healthz/`` answers."""
    env = dict(os.environ, DJANGO_SETTINGS_MODULE=settings, **(env or {}))
    cmd = [sys.executable, "-m", "gunicorn", "prm.wsgi", "-b", f"127.0.0.1:{port}"]
    cmd += ["-w", str(workers)]
    proc = subprocess.Popen(cmd, cwd=BASE_DIR, env=env, stderr=subprocess.DEVNULL)

    def healthy() -> bool:
        try:
            req = urllib.request.Request(f"http://127.0.0.1:{port}/healthz/")
            req.add_header("Host", "acme.localhost")
            urllib.request.urlopen(req, timeout=1).close()
            return True
        except OSError:
            return False

    try:
        wait_until(
            healthy,
            timeout=timeout,
            what=f"gunicorn with {settings} on port {port}",
            watch={f"gunicorn with {settings}": proc},
            interval=0.1,
        )
    except BaseException:
        stop_process(proc)
        raise
    return proc


def start_workers(
    *names: str,
    args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    stdout: int | None = subprocess.DEVNULL,
    timeout: float = 60,
) -> list[subprocess.Popen]:
    """Real ``celery -A prm worker`` subprocesses, one per name (node ``name@<host>``, so
    names must be unique on the broker), on ``os.environ`` updated with ``env`` and with
    ``args`` added (``-c 1``, ``-P solo``, ``-Q queue``…). Returns once every one answers a
    control ping; if one exits first or ``timeout`` passes, stops them all and raises."""
    from prm.celery import app as celery_app

    host = socket.gethostname()
    nodes = [f"{name}@{host}" for name in names]
    cmd = [sys.executable, "-m", "celery", "-A", "prm", "worker", "-l", "warning"]
    cmd += ["--without-mingle", "--without-gossip", *args]
    full_env = dict(os.environ, **(env or {}))
    procs = [
        subprocess.Popen([*cmd, "-n", node], cwd=BASE_DIR, env=full_env, stdout=stdout)
        for node in nodes
    ]
    waiting = set(nodes)

    def all_answer() -> bool:
        for reply in celery_app.control.ping(destination=sorted(waiting), timeout=0.5):
            waiting.difference_update(reply)
        return not waiting

    try:
        wait_until(
            all_answer,
            timeout=timeout,
            what=f"Celery worker(s) {', '.join(nodes)} to answer a ping",
            watch={f"Celery worker {node}": proc for node, proc in zip(nodes, procs, strict=True)},
            interval=0.1,
        )
    except BaseException:
        stop_processes(procs)
        raise
    return procs


def api_token(port: int, email: str = "admin@acme.example", host: str = "acme.localhost") -> str:
    """A DRF token for a demo user (password ``demo-pass-123``) from the running server."""
    body = json.dumps({"email": email, "password": "demo-pass-123"}).encode()
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/auth/token/",
        data=body,
        headers={"Host": host, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as response:
        return json.load(response)["token"]


def medians(results: list[load.Result]) -> dict[str, float]:
    """The median req/s, p50 and p95 over rounds of the same load."""
    return {
        "rps": statistics.median(r.rps for r in results),
        "p50_ms": statistics.median(r.p50_ms for r in results),
        "p95_ms": statistics.median(r.p95_ms for r in results),
    }


def p50_p95_p99(values: list[float]) -> dict[str, float]:
    """p50, p95 and p99 of ``values`` (seconds, at least two) in milliseconds."""
    q = statistics.quantiles(values, n=100)
    return {"p50_ms": q[49] * 1000, "p95_ms": q[94] * 1000, "p99_ms": q[98] * 1000}


def percentiles(values: list[float]) -> tuple[float, float]:
    """p50 and p95 of ``values`` (at least two)."""
    q = statistics.quantiles(values, n=100)
    return q[49], q[94]
