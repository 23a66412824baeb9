"""A small load generator. ``run``: closed loop, C threads each sending GETs back to back
over a fresh connection (gunicorn's sync workers close after each response). ``jobs``: the
same closed loop over any job (a create and a submit, say); ``open_loop``: jobs started at a
constant rate whatever the latency, each timed from the moment it was scheduled."""

from __future__ import annotations

import http.client
import itertools
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    errors: int
    latencies: list[float] = field(default_factory=list, repr=False)  # seconds

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def _result(latencies: list[float], seconds: float, errors: int) -> Result:
    q = statistics.quantiles(latencies, n=100)
    return Result(len(latencies), seconds, q[49] * 1000, q[94] * 1000, errors, latencies)


def run(port: int, path: str, host: str, headers: dict[str, str], total: int, concurrency: int):
    def get(_: int) -> bool:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", path, headers={"Host": host, **headers})
        response = conn.getresponse()
        response.read()
        conn.close()
        return response.status == 200

    return jobs(get, total, concurrency)


Job = Callable[[int], bool]  # job(i): do the i-th unit of work; True if it went right


def _attempt(job: Job, i: int) -> bool:
    try:
        return job(i)
    except Exception:  # a dropped connection or a bad answer counts as an error
        return False


def jobs(job: Job, total: int, concurrency: int, first: int = 0) -> Result:
    """Closed loop: ``concurrency`` threads run jobs ``first`` .. ``first + total - 1``
    back to back; each job timed from its start."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    numbers = itertools.count(first)
    last = first + total

    def worker() -> None:
        nonlocal errors
        mine: list[float] = []
        bad = 0
        while (i := next(numbers)) < last:
            started = time.perf_counter()
            bad += not _attempt(job, i)
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return _result(latencies, time.perf_counter() - started, errors)


def open_loop(job: Job, rate: float, seconds: float, threads: int = 64, first: int = 0) -> Result:
    """Open loop: job ``first + k`` is due at ``k / rate`` seconds from the start, for
    ``seconds``; a pool of ``threads`` runs each when due (or as soon as a thread is free),
    and its latency counts from when it was due, so a slow server cannot slow the
    arrivals down and hide its queue (no coordinated omission)."""
    total = int(rate * seconds)
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    numbers = itertools.count()
    start = time.perf_counter() + 0.05

    def worker() -> None:
        nonlocal errors
        mine: list[float] = []
        bad = 0
        while (k := next(numbers)) < total:
            due = start + k / rate
            if (wait := due - time.perf_counter()) > 0:
                time.sleep(wait)
            bad += not _attempt(job, first + k)
            mine.append(time.perf_counter() - due)
        with lock:
            latencies.extend(mine)
            errors += bad

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return _result(latencies, time.perf_counter() - start, errors)
