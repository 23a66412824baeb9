"""Approvals asked by workflow runs: who approves, deciding, and escalation after the SLA."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from prm import limits
from prm.audit import Viewer, audit_note
from prm.errors import Conflict, Invalid, NotFound
from prm.limits import check_length
from prm.tasks import enqueue_on_commit
from prm.users.models import Role, User
from workflows import subjects
from workflows.models import Approval, Decision, RunStatus, WorkflowRun, WorkflowStep
from workflows.notifications import asking, notifications_done, notify
from workflows.objects import object_decide, recipients
from workflows.selectors import approvals_of
from workflows.subjects import DIRECTORY, load_object, subject_of
from workflows.tasks import run_advance as run_advance_task


def approvers_for(run: WorkflowRun, who: str, action: dict | None = None) -> list[User]:
    """Who decides: a role of the vendor (optionally only its members of a named org unit),
    a named user, the vendor admins, or an approver the run's subject declares (the
    partner's channel manager, the manager of its territory or of the unit above it)."""
    action = action or {}
    if who == "user":
        return list(User.objects.filter(email__iexact=action.get("user", ""), is_active=True))
    if who == "role":
        users = User.objects.filter(role=action.get("role"), is_active=True)
        if action.get("unit"):
            users = DIRECTORY.in_unit(users, action["unit"])
        return list(users.distinct())
    if who == "vendor_admins":
        return list(User.objects.filter(role=Role.VENDOR_ADMIN, is_active=True))
    if who in {Role.FINANCE_APPROVER, Role.LEGAL_APPROVER}:
        return list(User.objects.filter(role=who, is_active=True))
    subject = subject_of(run.object_type)
    obj = load_object(run.object_type, run.object_id) if subject else None
    if subject is None or obj is None:
        return []
    return subjects.people(subject, "approvers", who, obj) or []


def request_approval(run: WorkflowRun, action: dict, following: dict | None, summary: str) -> dict:
    """The ``request_approval`` step: ask the approvers, notify them, park the run.
    ``summary``: what is asked, in the admin's words (the action's ``note``) or the object."""
    approvers = approvers_for(run, action["from"], action)
    if not approvers:
        raise ValueError(f"Nobody to ask: no {action['from']} for this {run.object_type}.")
    due = None
    escalate_to = ""
    if following and following.get("type") == "escalate":
        due = timezone.now() + timedelta(hours=float(following["after_hours"]))
        escalate_to = following["to"]
    elif action.get("sla_hours"):
        due = timezone.now() + timedelta(hours=float(action["sla_hours"]))
    bulk_create_with_history(
        [
            Approval(
                run=run,
                step=run.next_step,
                approver=u,
                summary=summary[:300],
                due_at=due,
                escalate_to=escalate_to,
            )
            for u in approvers
        ],
        Approval,
        ignore_conflicts=True,
        default_change_reason="requested",
    )
    notify(
        users=approvers,
        title=f"Approval needed: {run.workflow}",
        body=summary,
        url="/approvals/",
        asks=deciding(run, run.next_step),
    )
    return {"asked": [u.email for u in approvers], "due_at": due.isoformat() if due else None}


def deciding(run: WorkflowRun, step: int) -> str:
    """What the notifications of an approval step ask for: deciding it (by anyone asked)."""
    return asking("approval.decide", run) + f":{step}"


@transaction.atomic(durable=True)
def approval_decide(*, actor: User, approval_id: int, decision: str, comment: str = "") -> Approval:
    """Record the decision and resume the run: approved goes on with the next action,
    rejected ends the run. Deciding twice, or after someone else decided, is a 409."""
    run_id = approvals_of(actor).filter(pk=approval_id).values_list("run_id", flat=True).first()
    if run_id is None:
        raise NotFound("No such approval.")
    if decision not in Decision.values:
        raise Invalid({"decision": ["Decide approved or rejected."]})
    check_length("comment", comment, limits.NOTE)
    # Locks in one order, the run first: approvers deciding one step at once queue on the
    # run instead of each holding their approval and waiting for the others' (a deadlock).
    # of=("self",): lock the row itself, not the joined version and workflow rows.
    run = (
        WorkflowRun.objects.select_for_update(of=("self",)).select_related("version").get(pk=run_id)
    )
    approval = approvals_of(actor).select_for_update(of=("self",)).get(pk=approval_id)
    if (
        approval.decided_at
        or approval.superseded
        or run.next_step != approval.step + 1
        or (run.status != RunStatus.WAITING)
    ):
        raise Conflict("This approval is already decided.", code="already_decided")
    now = timezone.now()
    approval.decision, approval.decided_at, approval.comment = decision, now, comment
    audit_note(approval, actor, f"{decision}: {comment}" if comment else decision)
    approval.save(update_fields=["decision", "decided_at", "comment"])
    Approval.objects.filter(run=run, step=approval.step, decided_at__isnull=True).exclude(
        pk=approval.pk
    ).update(superseded=True)
    notifications_done(asks=deciding(run, approval.step))  # of every approver asked
    WorkflowStep.objects.filter(run=run, index=approval.step).update(
        result={"decision": decision, "by": actor.email, "comment": comment}, finished_at=now
    )
    actions = run.version.definition.get("actions", [])
    if run.next_step < len(actions) and actions[run.next_step].get("type") == "escalate":
        WorkflowStep.objects.update_or_create(
            run=run,
            index=run.next_step,
            defaults={
                "action": actions[run.next_step],
                "status": "done",
                "finished_at": now,
                "result": {
                    "escalated": Approval.objects.filter(
                        run=run, step=approval.step, escalated_at__isnull=False
                    ).exists()
                },
            },
        )
        run.next_step += 1
    if decision == Decision.REJECTED:  # the run ends, and a decided object is rejected
        run.move(RunStatus.COMPLETED, also=("next_step",), finished_at=now)
        object_decide(run, approved=False, reason=f"{comment or 'Rejected'} ({actor.email})")
    else:
        run.move(RunStatus.RUNNING, also=("next_step",))
        enqueue_on_commit(run_advance_task, run.pk)
    return approval


@transaction.atomic(durable=True)
def approval_request_info(*, actor: User, approval_id: int, comment: str) -> Approval:
    """Ask for more information before deciding: the question goes to whoever caused the
    run and to the partner's admins; the approval stays open (its SLA keeps running)."""
    if not comment.strip():
        raise Invalid({"comment": ["Say what you need to know."]})
    check_length("comment", comment, limits.NOTE)
    approval = approvals_of(actor).select_for_update(of=("self",)).filter(pk=approval_id).first()
    if approval is None:
        raise NotFound("No such approval.")
    if approval.decided_at or approval.superseded:
        raise Conflict("This approval is already decided.", code="already_decided")
    approval.info_requested_at, approval.comment = timezone.now(), comment.strip()
    audit_note(approval, actor, f"information requested: {comment.strip()}")
    approval.save(update_fields=["info_requested_at", "comment"])
    run = approval.run
    obj = load_object(run.object_type, run.object_id)
    askees = recipients(run, "actor", obj) + recipients(run, "partner_admins", obj)
    notify(users=askees, title=f"Question about {run.workflow}", body=f"{actor}: {comment}")
    return approval


def approvals_escalate() -> int:
    """The SLA sweep: ask the escalation target for every overdue, undecided approval."""
    overdue = Approval.objects.filter(
        ~Q(escalate_to=""),
        decided_at__isnull=True,
        superseded=False,
        escalated_at__isnull=True,
        due_at__lt=timezone.now(),
    ).select_related("run__workflow")
    escalated = 0
    for approval in overdue[:500]:
        with transaction.atomic():
            claimed = Approval.objects.filter(pk=approval.pk, escalated_at__isnull=True).update(
                escalated_at=timezone.now()
            )
            if not claimed:
                continue
            targets = approvers_for(approval.run, approval.escalate_to)
            bulk_create_with_history(
                [
                    Approval(
                        run=approval.run, step=approval.step, approver=u, summary=approval.summary
                    )
                    for u in targets
                ],
                Approval,
                ignore_conflicts=True,
                default_change_reason="escalated",
            )
            notify(
                users=targets,
                title=f"Escalated approval: {approval.run.workflow}",
                body=f"Not decided in time by {approval.approver}.",
                url="/approvals/",
                asks=deciding(approval.run, approval.step),
            )
            escalated += 1
    return escalated


def approvals_close(
    *,
    object_type: str,
    object_id: str | int,
    reason: str,
    decided_by: User | None = None,
    decision: str = "",
) -> int:
    """The object was decided by other means (a person on its own page, another workflow,
    its lifecycle moving on): its open approvals end, their inbox notifications are done,
    and the runs waiting on them end. An approval asked of ``decided_by`` records their
    ``decision`` (approved / rejected), when given; the others are superseded. Called by
    the owning app's transition service, inside its transaction; returns how many runs
    ended."""
    waiting = Approval.objects.filter(
        run__object_type=object_type,
        run__object_id=str(object_id),
        run__status=RunStatus.WAITING,
        decided_at__isnull=True,
        superseded=False,
    )
    runs = list(
        WorkflowRun.objects.select_for_update(of=("self",)).filter(
            pk__in=waiting.values("run_id"), status=RunStatus.WAITING
        )
    )
    now = timezone.now()
    for run in runs:
        steps = set(waiting.filter(run=run).values_list("step", flat=True))
        if decided_by is not None and decision in Decision.values:
            waiting.filter(run=run, approver=decided_by).update(
                decision=decision, decided_at=now, comment=reason[: limits.NOTE]
            )
        waiting.filter(run=run, decided_at__isnull=True).update(superseded=True)
        for step in steps:
            notifications_done(asks=deciding(run, step))
            WorkflowStep.objects.filter(run=run, index=step).update(
                result={"decision": "decided elsewhere", "reason": reason}, finished_at=now
            )
        run.move(RunStatus.COMPLETED, finished_at=now)
    return len(runs)


def decisions_timeline(object_type: str, object_id: str | int, viewer: Viewer) -> list[dict]:
    """The decisions the workflows' approvers took on an object, in their own words, as
    timeline entries (``prm.audit.audit_trail``'s shape) for its page."""
    decided = Approval.objects.filter(
        run__object_type=object_type, run__object_id=str(object_id), decided_at__isnull=False
    ).select_related("approver")
    entries: list[dict] = []
    for approval in decided:
        said = f": “{approval.comment}”" if approval.comment else "."
        entries.append(
            {
                "at": approval.decided_at,
                "summary": f"{viewer.person(approval.approver)} "
                f"{approval.get_decision_display().lower()} it when asked for approval{said}",
                "details": [],
            }
        )
    return entries
