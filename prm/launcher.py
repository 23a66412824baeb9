"""``make run``: one process that owns everything it starts.

It starts the embedded PostgreSQL and Redis (unless ``DATABASE_URL`` / ``REDIS_URL`` are
set), migrates, seeds the demo tenants, then runs the web server, a Celery worker and
Celery beat as children. On Ctrl-C or SIGTERM it stops the children, then Redis, then
PostgreSQL. Children are recorded in ``<data dir>/run/children.json`` and die with the
launcher (``PR_SET_PDEATHSIG``); a later start kills whatever an earlier, killed run left.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil

from prm import embedded

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def _die_with_parent() -> None:
    """Runs in the child before exec: get SIGTERM when the launcher dies, even by SIGKILL."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def say(text: str) -> None:
    """Print, surviving a closed terminal or pipe (cleanup must go on regardless)."""
    with contextlib.suppress(OSError):
        print(text, flush=True)


def _kill_tree(pid: int, timeout: float = 10.0) -> None:
    try:
        parent = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return
    procs = [*parent.children(recursive=True), parent]
    for proc in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.terminate()
    _, alive = psutil.wait_procs(procs, timeout=timeout)
    for proc in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()


def reap_leftovers(state_file: Path) -> None:
    """Stop children of an earlier run that was killed before it could stop them."""
    if not state_file.exists():
        return
    try:
        entries = json.loads(state_file.read_text())
    except ValueError:
        entries = []
    for entry in entries:
        try:
            proc = psutil.Process(entry["pid"])
            if abs(proc.create_time() - entry["started"]) < 1:  # not a recycled PID
                say(f"Stopping leftover {entry['name']} (pid {entry['pid']})")
                _kill_tree(proc.pid, timeout=5)
        except (psutil.NoSuchProcess, KeyError):
            continue
    state_file.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
    # Loopback unless told otherwise: the demo logins share one published password.
    parser.add_argument("--bind", default=os.environ.get("BIND", "127.0.0.1"))
    parser.add_argument("--no-seed", action="store_true", help="Skip the demo data.")
    args = parser.parse_args(argv)

    data_dir = embedded.resolve_data_dir()
    data_dir.mkdir(parents=True, exist_ok=True)
    state_file = embedded.prepare_runtime_dir(data_dir) / "children.json"
    reap_leftovers(state_file)

    started = time.monotonic()
    env = dict(os.environ, PRM_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
    env.setdefault("DEBUG", "1")
    env.setdefault("PORTAL_URL_PORT", f":{args.port}")
    servers: list[tuple[str, Any]] = []
    children: list[tuple[str, subprocess.Popen]] = []
    stopping = False

    def stop(signum=None, frame=None) -> None:
        nonlocal stopping
        if stopping:
            return
        stopping = True
        # A closing terminal sends SIGHUP (and make may exit first on Ctrl-C): finish anyway.
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        say("\nStopping…")
        for name, proc in reversed(children):
            _kill_tree(proc.pid)
            say(f"  {name} stopped")
        state_file.unlink(missing_ok=True)
        for name, server in reversed(servers):
            embedded.stop(name, server)
            say(f"  {name} stopped")

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *a: sys.exit(0))
    try:
        servers.extend(embedded.start_missing(data_dir, env))

        def manage(*cmd: str) -> None:
            subprocess.run([PYTHON, "manage.py", *cmd], cwd=BASE_DIR, env=env, check=True)

        manage("migrate_schemas", "-v", "0")
        if not args.no_seed:
            manage("seed_demo")
        web = [PYTHON, "manage.py", "runserver", f"{args.bind}:{args.port}"]
        celery = [PYTHON, "-m", "celery", "-A", "prm"]
        commands = {
            "web": web,
            "worker": [*celery, "worker", "-l", "info", "--concurrency", "2"],
            "beat": [*celery, "beat", "-l", "info", "-s", str(data_dir / "run/celerybeat")],
        }
        # The development server serves each request in a thread of its own: a connection
        # kept for reuse (CONN_MAX_AGE) would only pile up, one per thread of a burst, until
        # PostgreSQL answers "too many clients". Close each at the end of its request.
        envs = {"web": {"DB_CONN_MAX_AGE": env.get("DB_CONN_MAX_AGE", "0")}}
        for name, cmd in commands.items():
            proc = subprocess.Popen(
                cmd,
                cwd=BASE_DIR,
                env={**env, **envs.get(name, {})},
                preexec_fn=_die_with_parent,
            )
            children.append((name, proc))
        state_file.write_text(
            json.dumps(
                [
                    {"name": n, "pid": p.pid, "started": psutil.Process(p.pid).create_time()}
                    for n, p in children
                ]
            )
        )
        _print_banner(args.port, time.monotonic() - started)
        while True:
            for name, proc in children:
                if proc.poll() is not None:
                    say(f"{name} exited with {proc.returncode}; stopping everything.")
                    return 1
            time.sleep(0.5)
    except subprocess.CalledProcessError as exc:
        print(f"Start-up step failed: {' '.join(map(str, exc.cmd))}", file=sys.stderr)
        return 1
    except SystemExit:
        return 0
    finally:
        stop()


def _print_banner(port: int, seconds: float) -> None:
    from prm.demo import PASSWORD, logins

    width = max(len(email) for email, _ in logins())
    say(
        f"\nPRM portal is up ({seconds:.1f}s):\n"
        f"  http://acme.localhost:{port}/     (tenant acme)\n"
        f"  http://globex.localhost:{port}/   (tenant globex)\n"
        f"  http://localhost:{port}/admin/    (platform operator)\n"
        f"Logins (password {PASSWORD}):\n"
        + "".join(f"  {email:<{width}}  {what}\n" for email, what in logins())
        + "Press Ctrl-C to stop.\n"
    )


if __name__ == "__main__":
    sys.exit(main())
