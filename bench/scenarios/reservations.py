"""(g) Reservation races: trials of 8 concurrent clients (8 partner users of 8 partners of
tenant "bench") reserving the same fresh open account through the API on gunicorn with 8
sync workers, so the 8 requests are in the database at once. Each trial must give exactly
one 201 and seven 409 ``account_reserved``, no 5xx and no deadlock. Each trial's race is
followed by a burst of the same 8 clients on ``GET /api/v1/me/`` (the baseline: the same
authentication, tenancy and concurrency, no reservation) in the same run."""

from __future__ import annotations

import http.client
import json
import threading
import time

from bench.harness import api_token, p50_p95_p99, start_gunicorn, stop_process
from bench.scenarios.lookup import HOST, ensure_bench_tenant, partner_users

PORT = 18108
CLIENTS = 8
WORKERS = 8


def _fresh_accounts(count: int) -> list[int]:
    """Top-level accounts without offices, not vendor-owned and never reserved."""
    from django.db.models import Exists, OuterRef
    from django_tenants.utils import schema_context

    from deals.models import CustomerAccount, Reservation

    with schema_context("bench"):
        ever = Reservation.objects.filter(account=OuterRef("pk"))
        ids = list(
            CustomerAccount.objects.filter(depth=1, numchild=0, vendor_owned=False)
            .filter(~Exists(ever))
            .order_by("-id")
            .values_list("id", flat=True)[:count]
        )
    assert len(ids) == count, f"only {len(ids)} fresh accounts"
    return ids


def _looked_up(users: list, account_id: int) -> None:
    from django_tenants.utils import schema_context

    from deals.scope import accounts_looked_up

    with schema_context("bench"):
        for user in users:
            accounts_looked_up(user, [account_id])


def _deadlocks() -> int:
    """The database's deadlock count (statistics are flushed within a second or so)."""
    from django.db import connection

    time.sleep(2)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def _send(method: str, path: str, headers: dict[str, str], body: bytes | None, gate) -> tuple:
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    conn.connect()
    gate.wait()
    started = time.perf_counter()
    conn.request(method, path, body=body, headers={"Host": HOST, **headers})
    response = conn.getresponse()
    raw = response.read()
    seconds = time.perf_counter() - started
    conn.close()
    code = ""
    if response.status >= 400 and raw:
        try:
            code = json.loads(raw).get("code", "")
        except ValueError:
            code = "not json"
    return response.status, code, seconds


def _burst(requests: list[tuple[str, str, dict[str, str], bytes | None]]) -> list[tuple]:
    """The requests sent at once (connections opened first, then released together)."""
    gate = threading.Barrier(len(requests))
    results: list[tuple] = [()] * len(requests)

    def client(i: int) -> None:
        try:
            results[i] = _send(*requests[i], gate)
        except Exception as exc:  # a dropped connection counts as an error, not a crash
            results[i] = (0, type(exc).__name__, 0.0)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(requests))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _one(method: str, path: str, headers: dict[str, str], body: bytes | None = None) -> tuple:
    return _burst([(method, path, headers, body)])[0]


def run(trials: int, accounts: int, sequential: int = 200) -> dict:
    from django_tenants.utils import schema_context

    from deals.models import Reservation, ReservationStatus

    ensure_bench_tenant(accounts)
    emails = partner_users(CLIENTS)
    with schema_context("bench"):
        from prm.users.models import User

        by_email = {u.email: u for u in User.objects.filter(email__in=emails)}
        users = [by_email[e] for e in emails]
    ids = _fresh_accounts(trials + sequential)
    ids, alone = ids[:trials], ids[trials:]
    deadlocks_before = _deadlocks()
    server = start_gunicorn(PORT, "prm.settings", workers=WORKERS)
    try:
        tokens = [api_token(PORT, email, HOST) for email in emails]
        auth = [{"Authorization": f"Token {t}", "Content-Type": "application/json"} for t in tokens]
        for _ in range(3):  # warm-up: every worker has its connection and imports
            _burst([("GET", "/api/v1/me/", h, None) for h in auth])
        reserve: list[float] = []
        winners: list[float] = []
        baseline: list[float] = []
        bad_trials: list[dict] = []
        statuses: dict[str, int] = {}
        started = time.perf_counter()
        for account_id in ids:
            # The partners found the customer through the lookup first (untimed): only
            # accounts the lookup answered may be named (deals.scope.accounts_nameable_by).
            _looked_up(users, account_id)
            body = json.dumps({"account": account_id}).encode()
            race = _burst([("POST", "/api/v1/reservations/", h, body) for h in auth])
            outcome = sorted((status, code) for status, code, _ in race)
            for status, code, seconds in race:
                key = f"{status} {code}".strip()
                statuses[key] = statuses.get(key, 0) + 1
                reserve.append(seconds)
                if status == 201:
                    winners.append(seconds)
            if outcome != [(201, "")] + [(409, "account_reserved")] * (CLIENTS - 1):
                bad_trials.append({"account": account_id, "outcome": outcome})
            for status, _, seconds in _burst([("GET", "/api/v1/me/", h, None) for h in auth]):
                assert status == 200, f"/api/v1/me/ answered {status}"
                baseline.append(seconds)
        seconds_total = time.perf_counter() - started
        # Uncontended: one client reserving fresh accounts, each beside a GET of /api/v1/me/.
        alone_reserve: list[float] = []
        alone_me: list[float] = []
        for i, account_id in enumerate(alone):
            h = auth[i % CLIENTS]
            _looked_up([users[i % CLIENTS]], account_id)
            body = json.dumps({"account": account_id}).encode()
            status, code, seconds = _one("POST", "/api/v1/reservations/", h, body)
            assert status == 201, f"an uncontended reservation answered {status} {code}"
            alone_reserve.append(seconds)
            status, _, seconds = _one("GET", "/api/v1/me/", h)
            assert status == 200, f"/api/v1/me/ answered {status}"
            alone_me.append(seconds)
    finally:
        stop_process(server)
    with schema_context("bench"):
        active = Reservation.objects.filter(account_id__in=ids, status=ReservationStatus.ACTIVE)
        active_count = active.count()
        accounts_reserved = active.values("account_id").distinct().count()
    five_xx = sum(n for key, n in statuses.items() if key.startswith("5") or key.startswith("0"))
    return {
        "trials": trials,
        "clients": CLIENTS,
        "workers": WORKERS,
        "exact_trials": trials - len(bad_trials),
        "bad_trials": bad_trials[:20],
        "statuses": statuses,
        "five_xx_or_dropped": five_xx,
        "deadlocks": _deadlocks() - deadlocks_before,
        "active_reservations": active_count,
        "accounts_reserved": accounts_reserved,
        "reserve": p50_p95_p99(reserve),
        "winner": p50_p95_p99(winners) if len(winners) > 1 else {},
        "baseline_me": p50_p95_p99(baseline),
        "sequential": {
            "requests": len(alone),
            "reserve": p50_p95_p99(alone_reserve),
            "baseline_me": p50_p95_p99(alone_me),
        },
        "seconds": seconds_total,
        "target_p95_ms": 30,
    }
