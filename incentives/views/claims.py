"""Portal pages of MDF claims: the new claim of an approved request (its proofs dropped on
the page, uploaded with a progress bar; a later deadline asked for when it passed), the
claims list, and the claim page (status, timeline, the files previewed in the page, the
fund's balance and the partner's history for the channel team, and the actions of the
viewer's role and the claim's state). Reads through incentives.scope, writes through
incentives.claims."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet, Sum
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from incentives import claims as services
from incentives import rates, scope
from incentives.forms import entered_currency_field
from incentives.models import (
    ClaimStatus,
    MdfClaim,
    MdfPolicy,
    MdfRequest,
    ProofType,
    RequestStatus,
)
from partners.views._common import requires
from prm.audit import audit_trail, viewer_of
from prm.permissions import can
from prm.portal.forms import PortalForm
from prm.portal.views import PortalRequest, service_errors
from workflows.approvals import approval_decide, decisions_timeline
from workflows.models import Approval

S = ClaimStatus
LIST_LIMIT = 100


class ClaimForm(PortalForm):
    # Offered when the tenant has exchange rates (incentives.rates): the invoice's currency,
    # the amount converted into the program's at the rate in force today.
    currency = entered_currency_field(
        "Currency of the invoice",
        "The amount you claim is converted into the program's currency at today's exchange rate.",
    )
    amount = forms.DecimalField(
        label="Amount you claim", max_digits=14, decimal_places=2, min_value=Decimal("0.01")
    )
    invoice_number = forms.CharField(label="Invoice number", max_length=60)
    supplier_tax_id = forms.CharField(
        label="Supplier's tax or VAT number", max_length=40, help_text="As printed on the invoice."
    )
    invoice_total = forms.DecimalField(
        label="Invoice total", max_digits=14, decimal_places=2, min_value=Decimal("0.01")
    )
    leads = forms.IntegerField(label="Leads", min_value=0, max_value=10**9, required=False)
    # Not "attendees": that is the name of the attendee list's drop zone.
    attendee_count = forms.IntegerField(
        label="Attendees", min_value=0, max_value=10**9, required=False
    )
    pipeline = forms.DecimalField(
        label="Pipeline created", max_digits=14, decimal_places=2, min_value=0, required=False
    )
    note = forms.CharField(
        label="Anything the channel team should know",
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, currencies: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if len(currencies) < 2:  # no rate: the program's currency only
            del self.fields["currency"]
        else:
            self.fields["currency"].choices = [(c, c) for c in currencies]  # type: ignore[attr-defined]  # a ChoiceField
            self.fields["currency"].initial = currencies[0]


class NoteForm(PortalForm):
    note = forms.CharField(label="Note", max_length=500, required=False)
    amount = forms.DecimalField(
        label="Approve", max_digits=14, decimal_places=2, min_value=Decimal("0.01"), required=False
    )


class ExtensionForm(PortalForm):
    reason = forms.CharField(
        label="Why can the claim not be filed in time?",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _proof_files(request: PortalRequest, names: list[str]) -> list[services.ProofIn]:
    return [
        services.ProofIn(name, upload) for name in names for upload in request.FILES.getlist(name)
    ]


def _proof_slots(approved: MdfRequest) -> list[dict[str, Any]]:
    """The drop zones of the form: the proofs the approval asked for, then the optional
    others."""
    required = list(approved.required_proofs)
    others = [p for p in ProofType.values if p not in required]
    return [
        {"name": p, "label": ProofType(p).label, "required": p in required}
        for p in required + others
    ]


@login_required
@requires("mdf.request")
def claim_new(request: PortalRequest, request_id: int) -> HttpResponse:
    approved = scope.get_request_for(request.user, request_id)
    left = services.claimable(approved)
    currencies = rates.convertible_currencies(approved.currency, timezone.localdate())
    form = ClaimForm(request.POST or None, initial={"amount": left or None}, currencies=currencies)
    extension = ExtensionForm(prefix="later")
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["attendees"] = data.pop("attendee_count")
        amount = rates.entered(data.pop("amount"), data.pop("currency", "") or approved.currency)
        files = _proof_files(request, ProofType.values)
        with service_errors(request, form) as outcome:
            claim = services.claim_file(
                actor=request.user, request=approved, amount=amount, files=files, **data
            )
        if not outcome.failed:
            messages.success(request, "Your claim is filed: the channel team decides it.")
            return redirect("mdf-claim", claim.pk)
    context = {
        "approved": approved,
        "form": form,
        "extension": extension,
        "left": left,
        "slots": _proof_slots(approved),
        "due": approved.claim_due_on,
        "overdue": approved.claim_due_on is not None
        and approved.claim_due_on < timezone.localdate(),
        "open": approved.status == RequestStatus.APPROVED and left > 0,
        "asked": services.extension_pending(approved),
        "policy": MdfPolicy.current(),
    }
    return render(request, "incentives/claim_form.html", context)


@login_required
@requires("mdf.request")
@require_POST
def claim_extension(request: PortalRequest, request_id: int) -> HttpResponse:
    approved = scope.get_request_for(request.user, request_id)
    form = ExtensionForm(request.POST, prefix="later")
    if form.is_valid():
        with service_errors(request) as outcome:
            services.claim_extension_ask(
                actor=request.user, request=approved, reason=form.cleaned_data["reason"]
            )
        if not outcome.failed:
            messages.success(
                request, "A later deadline is asked for: your channel manager decides."
            )
    else:
        messages.error(request, "Say why the claim cannot be filed in time.")
    return redirect("mdf-claim-new", approved.pk)


def _claims(user, params) -> QuerySet[MdfClaim]:
    rows = scope.claims_visible_to(user).select_related("request", "partner", "claimed_by")
    status = params.get("status")
    if status in S.values:
        rows = rows.filter(status=status)
    return rows.order_by("-submitted_at", "-id")


@login_required
@requires("mdf.view")
def claim_list(request: PortalRequest) -> HttpResponse:
    rows = _claims(request.user, request.GET)
    context = {
        "claims": rows[:LIST_LIMIT],
        "count": rows.count(),
        "limit": LIST_LIMIT,
        "statuses": S.choices,
        "status": request.GET.get("status", ""),
    }
    return render(request, "incentives/claim_list.html", context)


def _my_approval(request: PortalRequest, claim: MdfClaim) -> Approval | None:
    """The approval of this claim asked of the viewer, if any: deciding on the claim page
    decides it, so the workflow goes on (to finance) as in the inbox."""
    return Approval.objects.filter(
        run__object_type="mdfclaim",
        run__object_id=str(claim.pk),
        approver=request.user,
        decided_at__isnull=True,
        superseded=False,
    ).first()


def _timeline(request: PortalRequest, claim: MdfClaim) -> list[dict]:
    viewer = viewer_of(request.user)
    entries = audit_trail(claim, viewer) + decisions_timeline("mdfclaim", claim.pk, viewer)
    for payout in claim.payouts.all():
        for record in payout.history.order_by("history_date"):
            entries.append(
                {
                    "at": record.history_date,
                    "summary": f"Payout {payout.number}: {record.get_status_display().lower()}"
                    + (
                        f" (reference {record.payment_reference})"
                        if record.payment_reference
                        else ""
                    ),
                    "details": [],
                }
            )
    entries.sort(key=lambda e: e["at"], reverse=True)
    return entries


def _history(claim: MdfClaim) -> dict[str, Any]:
    """The partner's MDF record, for the channel team: claims filed and approved, and what
    was paid."""
    theirs = MdfClaim.objects.filter(partner_id=claim.partner_id).exclude(pk=claim.pk)
    return {
        "claims": theirs.count(),
        "approved": theirs.filter(status=S.APPROVED).count(),
        "rejected": theirs.filter(status=S.REJECTED).count(),
        "approved_total": theirs.filter(status=S.APPROVED, currency=claim.currency).aggregate(
            total=Sum("approved_amount")
        )["total"]
        or Decimal(0),
        "recent": list(theirs.select_related("request").order_by("-submitted_at")[:5]),
    }


@login_required
@requires("mdf.view")
def claim_detail(request: PortalRequest, claim_id: int) -> HttpResponse:
    claim = scope.get_claim_for(request.user, claim_id)
    user = request.user
    documents = list(scope.claim_documents_visible_to(user, claim))
    waiting = claim.status == S.SUBMITTED
    staff = user.is_vendor_side
    context = {
        "claim": claim,
        "documents": documents,
        "trail": _timeline(request, claim),
        "fund": claim.fund,
        "payouts": list(claim.payouts.order_by("-created_at")),
        "staff": staff,
        "history": _history(claim) if staff else None,
        "can_decide": waiting and can(user, "mdf.decide_claims"),
        "my_approval": _my_approval(request, claim) if waiting and staff else None,
        "can_withdraw": waiting and user.is_partner_side and can(user, "mdf.request"),
        "can_add": waiting and user.is_partner_side and can(user, "mdf.request"),
        "decide_form": NoteForm(prefix="decide"),
        "proof_types": ProofType.choices,
        "needs_finance": claim.amount > MdfPolicy.current().finance_approval_above,
    }
    return render(request, "incentives/claim_detail.html", context)


@login_required
@requires("mdf.decide_claims")
@require_POST
def claim_decide(request: PortalRequest, claim_id: int) -> HttpResponse:
    claim = scope.get_claim_for(request.user, claim_id)
    form = NoteForm(request.POST, prefix="decide")
    decision = request.POST.get("decision")
    if not form.is_valid() or decision not in ("approved", "rejected"):
        messages.error(request, "Choose approve or reject; an amount is at most the claim's.")
        return redirect("mdf-claim", claim.pk)
    note, amount = form.cleaned_data["note"], form.cleaned_data["amount"]
    # The service asks the same of a direct rejection; an approval's rejection would pass the
    # engine's "Rejected (who)" as the reason, so the page asks here.
    if decision == "rejected" and not note.strip():
        messages.error(request, "Say why the claim is rejected: the partner reads it.")
        return redirect("mdf-claim", claim.pk)
    approval = _my_approval(request, claim)
    with service_errors(request) as outcome:
        if approval is not None and amount in (None, claim.amount):
            approval_decide(
                actor=request.user, approval_id=approval.pk, decision=decision, comment=note
            )
        elif decision == "approved":
            services.claim_approve(actor=request.user, claim=claim, reason=note, amount=amount)
        else:
            services.claim_reject(actor=request.user, claim=claim, reason=note)
    if not outcome.failed:
        claim.refresh_from_db()
        if claim.status == S.SUBMITTED:
            messages.success(request, "Approved: it goes on to finance.")
        else:
            messages.success(request, f"The claim is {claim.get_status_display().lower()}.")
    return redirect("mdf-claim", claim.pk)


@login_required
@requires("mdf.request")
@require_POST
def claim_withdraw(request: PortalRequest, claim_id: int) -> HttpResponse:
    claim = scope.get_claim_for(request.user, claim_id)
    with service_errors(request) as outcome:
        services.claim_withdraw(actor=request.user, claim=claim)
    if not outcome.failed:
        messages.success(request, "Your claim is withdrawn; you may file it again.")
    return redirect("mdf-claim", claim.pk)


@login_required
@requires("mdf.request")
@require_POST
def claim_files(request: PortalRequest, claim_id: int) -> HttpResponse:
    claim = scope.get_claim_for(request.user, claim_id)
    kind = request.POST.get("proof_type", "")
    files = [services.ProofIn(kind, f) for f in request.FILES.getlist("files")]
    with service_errors(request) as outcome:
        services.claim_documents_add(actor=request.user, claim=claim, files=files)
    if not outcome.failed:
        messages.success(request, "The files are added to your claim.")
    return redirect(reverse("mdf-claim", args=[claim.pk]) + "#files")


urlpatterns: list[URLPattern] = [
    path("funds/requests/<int:request_id>/claim/", claim_new, name="mdf-claim-new"),
    path(
        "funds/requests/<int:request_id>/later-deadline/",
        claim_extension,
        name="mdf-claim-extension",
    ),
    path("funds/claims/", claim_list, name="mdf-claims"),
    path("funds/claims/<int:claim_id>/", claim_detail, name="mdf-claim"),
    path("funds/claims/<int:claim_id>/decide/", claim_decide, name="mdf-claim-decide"),
    path("funds/claims/<int:claim_id>/withdraw/", claim_withdraw, name="mdf-claim-withdraw"),
    path("funds/claims/<int:claim_id>/add-files/", claim_files, name="mdf-claim-files"),
]
