"""(e) A domain event to the committed automatic workflow decision through two real Celery
workers with 50 workflows in the tenant, versus a no-op task's round trip; runs/s."""

from __future__ import annotations

import time
from functools import partial

from bench.harness import percentiles, start_workers, stop_processes, wait_until

DECISION_TIMEOUT = 30.0  # seconds for one decision; the figures are in tens of milliseconds


def run(samples: int, burst: int) -> dict:
    """Event emitted -> automatic decision committed, through real workers, with 50
    workflows in the tenant; baseline: a no-op task's round trip in the same run."""
    from django_tenants.utils import schema_context

    from partners import services as partner_services
    from partners.models import OrgUnit, Partner
    from prm.tenancy.tasks import ping
    from prm.users.models import User
    from workflows.models import RunStatus, Workflow, WorkflowRun
    from workflows.services import workflow_save

    names = ["bench0", "bench1"]
    workers = start_workers(*names, args=["-c", "1"])
    watch = {f"Celery worker {name}": worker for name, worker in zip(names, workers, strict=True)}
    try:
        with schema_context("acme"):
            admin = User.objects.get(email="admin@acme.example")
            for n in range(49 - Workflow.objects.filter(name__startswith="Bench noise").count()):
                workflow_save(
                    actor=admin,
                    name=f"Bench noise {n}",
                    trigger="partner.status_changed",
                    enabled=True,
                    definition={
                        "conditions": {
                            "all": [{"field": "display_name", "op": "=", "value": f"Nobody {n}"}]
                        },
                        "actions": [{"type": "notify", "to": "vendor_admins", "title": "never"}],
                    },
                )
            if not Workflow.objects.filter(name="Bench auto decision").exists():
                workflow_save(
                    actor=admin,
                    name="Bench auto decision",
                    trigger="partner.status_changed",
                    enabled=True,
                    definition={
                        "conditions": {
                            "all": [{"field": "display_name", "op": "=", "value": "Bench Partner"}]
                        },
                        "actions": [{"type": "set_field", "field": "tier.name", "value": "Gold"}],
                    },
                )
            partner = Partner.objects.filter(display_name="Bench Partner").first()
            partner = partner or partner_services.partner_create(
                actor=admin,
                fields={
                    "display_name": "Bench Partner",
                    "partner_type": "reseller",
                    "territory": OrgUnit.objects.get(name="Germany"),
                },
            )
            Partner.objects.filter(pk=partner.pk).update(status="active")
            workflows = Workflow.objects.filter(enabled=True).count()

            for _ in range(20):  # warm-up: workers up, connections open
                ping.delay().get(timeout=60)
            round_trips = []
            for _ in range(samples):
                started = time.perf_counter()
                ping.delay().get(timeout=30)
                round_trips.append((time.perf_counter() - started) * 1000)

            auto = Workflow.objects.get(name="Bench auto decision")
            statuses = ["suspended", "active"]

            def change(i: int) -> None:
                partner_services.partner_transition(
                    actor=admin, partner=partner, status=statuses[i % 2], reason="bench"
                )

            def completed() -> int:
                return WorkflowRun.objects.filter(workflow=auto, status=RunStatus.COMPLETED).count()

            def decided(before: int, more: int) -> bool:
                return completed() >= before + more

            latencies = []
            for i in range(samples):
                done = completed()
                started = time.perf_counter()
                change(i)
                wait_until(
                    partial(decided, done, 1),
                    timeout=DECISION_TIMEOUT,
                    what=f"the decision of sample {i + 1} of {samples}",
                    watch=watch,
                    interval=0.002,
                )
                latencies.append((time.perf_counter() - started) * 1000)

            done = completed()
            started = time.perf_counter()
            for i in range(burst):
                change(i + samples)
            wait_until(
                partial(decided, done, burst),
                timeout=DECISION_TIMEOUT + burst * 0.5,
                what=f"the {burst} decisions of the burst",
                watch=watch,
            )
            seconds = time.perf_counter() - started
    finally:
        stop_processes(workers)
    p50, p95 = percentiles(latencies)
    b50, b95 = percentiles(round_trips)
    return {
        "workflows_in_tenant": workflows,
        "decision_p50_ms": p50,
        "decision_p95_ms": p95,
        "baseline_task_p50_ms": b50,
        "baseline_task_p95_ms": b95,
        "samples": samples,
        "burst": burst,
        "runs_per_second": burst / seconds,
        "workers": len(workers),
        "target": "p95 under 1000 ms",
    }
