"""A small closed-loop HTTP load generator: C threads, each sending requests back to back
over a fresh connection (gunicorn's sync workers close after each response)."""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from dataclasses import dataclass


@dataclass
class Result:
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def run(port: int, path: str, host: str, headers: dict[str, str], total: int, concurrency: int):
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    per_thread = total // concurrency

    def worker() -> None:
        nonlocal errors
        mine: list[float] = []
        bad = 0
        for _ in range(per_thread):
            started = time.perf_counter()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", path, headers={"Host": host, **headers})
            response = conn.getresponse()
            response.read()
            conn.close()
            mine.append(time.perf_counter() - started)
            bad += response.status != 200
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    q = statistics.quantiles(latencies, n=100)
    return Result(len(latencies), seconds, q[49] * 1000, q[94] * 1000, errors)
