"""The fund request page (everyone who may see the request: its facts, its status with
its timeline, the decision, and the actions of the viewer's side and the request's state)
and the vendor's list of fund requests.

A request waiting in a workflow approval is decided as the approvals inbox decides it:
approving answers the viewer's approval (``approval_decide``) and the workflow goes on
(its next step approves the request); rejecting goes through the request's own service,
whose move answers the viewer's approval and ends the runs still asking (as a deal's
rejection does). Nobody approves past an approval the workflow asks of someone else."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path
from django.utils import timezone
from django.views.decorators.http import require_POST

from incentives import scope
from incentives.claims import claimable
from incentives.forms import ApproveForm, CancelForm, RejectForm, RequestFilterForm
from incentives.models import MDF_REQUEST_LIFECYCLE, MdfRequest, ProofType, RequestStatus
from incentives.requests import (
    mdf_request_approve,
    mdf_request_cancel,
    mdf_request_reject,
    mdf_request_submit,
)
from partners.views._common import requires
from prm.audit import audit_trail, viewer_of
from prm.errors import Conflict, Invalid
from prm.permissions import can
from prm.portal.templatetags.portal import money
from prm.portal.views import PortalRequest, service_errors
from prm.users.models import User
from workflows.approvals import approval_decide, decisions_timeline
from workflows.models import Approval, RunStatus

S = RequestStatus
PAGE_SIZE = 50
OBJECT_TYPE = "mdfrequest"  # the workflow subject (incentives.subjects)


def _pending(request_obj: MdfRequest):
    """The undecided approvals workflows ask about this request."""
    return Approval.objects.filter(
        run__object_type=OBJECT_TYPE,
        run__object_id=str(request_obj.pk),
        run__status=RunStatus.WAITING,
        decided_at__isnull=True,
        superseded=False,
    ).select_related("approver", "run__version")


def _asks_more_after(approval: Approval) -> bool:
    """Whether the workflow asks another approval after this one (then only the workflow
    approves: it asks the next approver)."""
    actions = approval.run.version.definition.get("actions", [])
    return any(a.get("type") == "request_approval" for a in actions[approval.step + 1 :])


def _decision(request: PortalRequest, request_obj: MdfRequest) -> dict[str, Any]:
    """How the viewer decides a waiting request: ``mine`` (the approval asked of them),
    ``lower`` (whether they may approve less than asked), ``others`` (who else is asked
    when it is not the viewer), ``direct`` (no workflow asks: the decider decides)."""
    user = request.user
    if request_obj.status != S.SUBMITTED or not can(user, "mdf.decide"):
        return {"decide": False}
    pending = list(_pending(request_obj))
    mine = next((a for a in pending if a.approver_id == user.pk), None)
    if mine is not None:
        return {"decide": True, "mine": mine, "lower": not _asks_more_after(mine)}
    if pending:
        viewer = viewer_of(user)
        names = sorted({viewer.person(a.approver) for a in pending})
        return {"decide": False, "others": names}
    return {"decide": True, "direct": True, "lower": True}


MONEY_FIELDS = {"requested_amount", "partner_contribution", "expected_pipeline", "approved_amount"}


def _with_money(entry: dict, currency: str) -> dict:
    """The history's amounts written as every amount of the portal is ("USD 2,500")."""
    for change in entry.get("changes", []):
        if change["field"] not in MONEY_FIELDS:
            continue
        before, after = change["before"], change["after"]
        label = change["label"]
        if before in (None, ""):
            text = f"{label} set to {money(after, currency)}"
        elif after in (None, ""):
            text = f"{label} cleared (was {money(before, currency)})"
        else:
            text = f"{label} changed from {money(before, currency)} to {money(after, currency)}"
        entry["summary"] = entry["summary"].replace(change["text"], text, 1)
        entry["details"] = [text if d == change["text"] else d for d in entry["details"]]
    return entry


def _timeline(request: PortalRequest, request_obj: MdfRequest) -> list[dict]:
    """The request's history (who, when, why) with the workflow approvers' decisions in
    their own words, newest first."""
    viewer = viewer_of(request.user)
    entries = [_with_money(e, request_obj.currency) for e in audit_trail(request_obj, viewer)]
    entries += decisions_timeline(OBJECT_TYPE, request_obj.pk, viewer)
    return sorted(entries, key=lambda e: e["at"], reverse=True)


def _actions(request: PortalRequest, request_obj: MdfRequest) -> dict[str, bool]:
    user = request.user
    status = request_obj.status
    partner = user.is_partner_side and can(user, "mdf.request")
    staff = user.is_vendor_side and can(user, "mdf.decide")
    return {
        "submit": partner and status == S.DRAFT,
        "cancel": (partner and MDF_REQUEST_LIFECYCLE.can(status, S.CANCELLED))
        or (staff and status == S.APPROVED),
    }


def _detail(
    request: PortalRequest,
    request_obj: MdfRequest,
    *,
    failed: str = "",
    form: forms.Form | None = None,
) -> HttpResponse:
    forms_: dict[str, forms.Form] = {
        "approve": ApproveForm(prefix="approve", initial={"amount": request_obj.requested_amount}),
        "reject": RejectForm(prefix="reject"),
        "cancel": CancelForm(prefix="cancel"),
    }
    if failed and form is not None:
        forms_[failed] = form
    viewer = viewer_of(request.user)
    fund = request_obj.fund
    proofs = dict(ProofType.choices)
    context = {
        "r": request_obj,
        "fund": fund,
        "program": fund.program,
        "vendor_view": request.user.is_vendor_side,
        "trail": _timeline(request, request_obj),
        "decided_by": viewer.person(request_obj.decided_by),
        "requested_by": viewer.person(request_obj.requested_by),
        "proofs": [proofs.get(p, p) for p in request_obj.required_proofs],
        "actions": _actions(request, request_obj),
        "decision": _decision(request, request_obj),
        "forms": forms_,
        "failed": failed,
        "total_cost": request_obj.requested_amount + request_obj.partner_contribution,
        # Its claims, and whether the viewer may file one (incentives.views.claims).
        "claims": list(request_obj.claims.order_by("-submitted_at")),
        "claimable": claimable(request_obj),
        "may_claim": request_obj.status == RequestStatus.APPROVED
        and can(request.user, "mdf.request"),
        "claim_overdue": bool(
            request_obj.claim_due_on and request_obj.claim_due_on < timezone.localdate()
        ),
    }
    return render(request, "incentives/request_detail.html", context, status=400 if failed else 200)


@login_required
def request_detail(request: PortalRequest, request_id: int) -> HttpResponse:
    return _detail(request, scope.get_request_for(request.user, request_id))


def _act(request: PortalRequest, request_id: int, capability: str) -> MdfRequest:
    if not can(request.user, capability):
        raise Http404
    return scope.get_request_for(request.user, request_id)


def _done(request: PortalRequest, request_obj: MdfRequest, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("mdf-request", request_obj.pk)


def _with_form(
    request: PortalRequest, request_obj: MdfRequest, name: str, form: forms.Form, write
) -> HttpResponse | None:
    """Run ``write`` for a valid ``form``; otherwise, or if the service refuses, the page
    again with the form's errors beside its fields (None: it worked)."""
    if form.is_valid():
        with service_errors(request, form) as outcome:
            write(form.cleaned_data)
        if not outcome.failed:
            return None
    fresh = scope.get_request_for(request.user, request_obj.pk)
    return _detail(request, fresh, failed=name, form=form)


def request_submit(request: PortalRequest, request_id: int) -> HttpResponse:
    request_obj = _act(request, request_id, "mdf.request")
    with service_errors(request) as outcome:
        mdf_request_submit(actor=request.user, request=request_obj)
    if outcome.failed:
        return redirect("mdf-request", request_obj.pk)
    return _done(request, request_obj, "Submitted: the channel team decides, and you see it here.")


def request_cancel(request: PortalRequest, request_id: int) -> HttpResponse:
    user = request.user
    request_obj = _act(request, request_id, "mdf.request" if user.is_partner_side else "mdf.decide")
    was_approved = request_obj.status == S.APPROVED
    if user.is_vendor_side and not was_approved:
        # The channel team rejects what waits (through the workflow); it cancels only an
        # approval, which gives the money back.
        messages.error(request, "Decide a waiting request: approve or reject it.")
        return redirect("mdf-request", request_obj.pk)
    form = CancelForm(request.POST, prefix="cancel")
    failed = _with_form(
        request,
        request_obj,
        "cancel",
        form,
        lambda d: mdf_request_cancel(actor=user, request=request_obj, reason=d["reason"]),
    )
    if failed:
        return failed
    if was_approved and request_obj.approved_amount:
        amount = money(request_obj.approved_amount, request_obj.currency)
        return _done(request, request_obj, f"Cancelled: {amount} goes back to the fund.")
    return _done(request, request_obj, "Cancelled.")


def request_approve(request: PortalRequest, request_id: int) -> HttpResponse:
    request_obj = _act(request, request_id, "mdf.decide")
    form = ApproveForm(request.POST, prefix="approve")
    decision = _decision(request, request_obj)
    user = request.user

    if decision.get("others"):  # the page shows no approval form to answer beside
        with service_errors(request):
            _waiting(decision)
        return redirect("mdf-request", request_obj.pk)

    def approve(d: dict) -> None:
        amount = d["amount"]
        lower = amount is not None and amount != request_obj.requested_amount
        mine: Approval | None = decision.get("mine")
        if mine is not None and not lower:
            # The workflow asked the viewer: its next step approves the request. A fund
            # that cannot cover it is said now, not after the workflow skipped it.
            fund = request_obj.fund
            if fund.available < request_obj.requested_amount:
                raise Conflict(
                    f"{request_obj.partner}'s fund has {money(fund.available, fund.currency)} "
                    f"available, less than the {money(request_obj.requested_amount, fund.currency)}"
                    " asked: approve less, or reject it.",
                    code="insufficient_funds",
                )
            approval_decide(actor=user, approval_id=mine.pk, decision="approved", comment=d["note"])
            return
        if mine is not None and not decision["lower"]:
            raise Invalid(
                {
                    "amount": [
                        "The workflow asks another approver after you: approve the amount "
                        "asked, or reject the request with a note."
                    ]
                }
            )
        # No workflow asks, or the viewer's approval is the last one it asks: the decision
        # service approves (for less if asked) and its move answers the viewer's approval.
        mdf_request_approve(actor=user, request=request_obj, reason=d["note"], amount=amount)

    failed = _with_form(request, request_obj, "approve", form, approve)
    if failed:
        return failed
    request_obj.refresh_from_db()
    if request_obj.status == S.APPROVED:
        amount = money(request_obj.approved_amount, request_obj.currency)
        return _done(
            request,
            request_obj,
            f"Approved: {amount} is committed from the fund; the claim is due by "
            f"{request_obj.claim_due_on:%d %b %Y}.",
        )
    return _done(request, request_obj, "Your approval is recorded: the workflow goes on.")


def _waiting(decision: dict) -> None:
    names = ", ".join(decision.get("others", [])) or "someone else"
    raise Conflict(f"The workflow asks {names} to decide this request.", code="not_asked")


def request_reject(request: PortalRequest, request_id: int) -> HttpResponse:
    request_obj = _act(request, request_id, "mdf.decide")
    form = RejectForm(request.POST, prefix="reject")
    decision = _decision(request, request_obj)
    user = request.user

    if decision.get("others"):
        with service_errors(request):
            _waiting(decision)
        return redirect("mdf-request", request_obj.pk)

    def reject(d: dict) -> None:
        # The service's move answers the viewer's approval as rejected and ends the runs
        # still asking (incentives.requests._move).
        mdf_request_reject(actor=user, request=request_obj, reason=d["note"])

    failed = _with_form(request, request_obj, "reject", form, reject)
    return failed or _done(request, request_obj, "Rejected: the partner sees your note.")


# --- the vendor's list ----------------------------------------------------------------------


@requires("mdf.view")
def request_list(request: PortalRequest) -> HttpResponse:
    """The fund requests the viewer sees, filtered by status and program, newest first."""
    user: User = request.user
    if not user.is_vendor_side:
        raise Http404
    programs = list(scope.programs_visible_to(user).values_list("pk", "name"))
    form = RequestFilterForm(request.GET, programs=programs)
    form.is_valid()  # a bad value filters nothing
    chosen = getattr(form, "cleaned_data", {})
    # A draft is the partner's until they submit it: not in the channel team's list.
    rows = (
        scope.requests_visible_to(user)
        .exclude(status=S.DRAFT)
        .select_related("fund__program", "partner")
    )
    if chosen.get("status"):
        rows = rows.filter(status=chosen["status"])
    if chosen.get("program"):
        rows = rows.filter(fund__program_id=chosen["program"])
    rows = rows.order_by(F("submitted_at").desc(nulls_last=True), "-created_at", "-id")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    kept = request.GET.copy()
    kept.pop("page", None)
    return render(
        request,
        "incentives/requests_staff.html",
        {
            "form": form,
            "page": page,
            "requests": list(page.object_list),
            "filtered": bool(chosen.get("status") or chosen.get("program")),
            "page_query": kept.urlencode(),
        },
    )


def _login_post(view):
    return login_required(require_POST(view))


urlpatterns: list[URLPattern | URLResolver] = [
    path("funds/requests/", request_list, name="mdf-requests"),
    path("funds/requests/<int:request_id>/", request_detail, name="mdf-request"),
    *(
        path(
            f"funds/requests/<int:request_id>/{slug}/",
            _login_post(view),
            name=f"mdf-request-{slug}",
        )
        for slug, view in [
            ("submit", request_submit),
            ("cancel", request_cancel),
            ("approve", request_approve),
            ("reject", request_reject),
        ]
    ),
]
