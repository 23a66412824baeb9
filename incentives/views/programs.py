"""The vendor's MDF pages: the programs (budget and the totals of their funds), a new
program, a program's page (its funds per partner, allocating by hand, and by a rule shown
as a preview first and applied after a confirmed second step) and a fund's page (its
ledger, and reversing an entry)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from dateutil.relativedelta import relativedelta
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F, QuerySet, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from incentives import scope, services
from incentives.forms import AllocateForm, ProgramForm, ReverseForm, RuleForm
from incentives.models import (
    ZERO,
    ActivityCap,
    ActivityType,
    EntryKind,
    Fund,
    LedgerEntry,
    MdfProgram,
    PeriodKind,
)
from incentives.services import activity_caps_set
from partners.models import PartnerStatus
from partners.scope import partners_visible_to
from partners.views._common import requires
from prm.audit import viewer_of
from prm.errors import Invalid
from prm.money import Money
from prm.permissions import can
from prm.portal.templatetags.portal import money
from prm.portal.views import PortalRequest, service_errors
from prm.tenancy.context import current_tenant

ENTRY_PAGE = 100
SHARED_POOL = 0  # the allocation form's choice for a program's shared pool
FIGURE_WORDS = {
    "allocated": "Allocated",
    "committed": "Committed",
    "payable": "Owed (approved claims)",
    "paid": "Paid",
}


def _staff(request: PortalRequest) -> None:
    """These pages are the vendor's: partners get the same 404 as for a missing page."""
    if not request.user.is_vendor_side:
        raise Http404


def _totals(funds: QuerySet[Fund]) -> dict[int, dict[str, Decimal]]:
    """Per program: its funds' allocated, committed (promised: approved and not yet paid),
    paid and available, in one query."""
    rows = (
        funds.values("program")
        .annotate(
            allocated_sum=Sum("allocated"),
            promised_sum=Sum(F("committed") + F("payable")),
            paid_sum=Sum("paid"),
        )
        .order_by()
    )
    totals = {}
    for row in rows:
        allocated = row["allocated_sum"] or ZERO
        promised = row["promised_sum"] or ZERO
        paid = row["paid_sum"] or ZERO
        totals[row["program"]] = {
            "allocated": allocated,
            "promised": promised,
            "paid": paid,
            "available": allocated - promised - paid,
        }
    return totals


EMPTY = {"allocated": ZERO, "promised": ZERO, "paid": ZERO, "available": ZERO}


def program_list(request: PortalRequest) -> HttpResponse:
    """Every program with its budget and its funds' totals (a channel manager's: the
    funds of the partners they see)."""
    _staff(request)
    user = request.user
    programs = list(scope.programs_visible_to(user))
    totals = _totals(scope.funds_visible_to(user))
    for program in programs:
        program.totals = totals.get(program.pk, EMPTY)  # type: ignore[attr-defined]  # for the template only
    today = timezone.localdate()
    return render(
        request,
        "incentives/programs.html",
        {
            "programs": programs,
            "today": today,
            "can_configure": can(user, "mdf.configure"),
            "sees_all": can(user, "mdf.see_all"),
            "can_set_rates": can(user, "mdf.rates"),
        },
    )


def _next_quarter() -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    start = dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1) + relativedelta(months=3)
    return start, start + relativedelta(months=3) - dt.timedelta(days=1)


@requires("mdf.configure")
def program_new(request: PortalRequest) -> HttpResponse:
    _staff(request)
    if request.method != "POST":
        starts, ends = _next_quarter()
        form = ProgramForm(
            initial={
                "period_kind": PeriodKind.QUARTER,
                "starts_on": starts,
                "ends_on": ends,
                "currency": current_tenant().currency,
                "name": f"{starts.year} Q{(starts.month - 1) // 3 + 1} MDF",
            }
        )
        return render(request, "incentives/program_form.html", {"form": form})
    form = ProgramForm(request.POST)
    if form.is_valid():
        with service_errors(request, form) as outcome:
            program = services.program_create(actor=request.user, **form.cleaned_data)
        if not outcome.failed:
            messages.success(
                request, f"{program.name} is set up: allocate its budget to partners below."
            )
            return redirect("mdf-program", program.pk)
    return render(request, "incentives/program_form.html", {"form": form}, status=400)


def _program_for(request: PortalRequest, program_id: int) -> MdfProgram:
    _staff(request)
    program = scope.programs_visible_to(request.user).filter(pk=program_id).first()
    if program is None:
        raise Http404("No such program.")
    return program


def _partner_choices(user, program: MdfProgram) -> list[tuple[int, str]]:
    partners = (
        partners_visible_to(user)
        .exclude(status__in=[PartnerStatus.TERMINATED, PartnerStatus.APPLIED])
        .order_by("display_name")
        .values_list("pk", "display_name")
    )
    pool = [(SHARED_POOL, "Shared pool (first come, first served)")] if program.shared_pool else []
    return pool + list(partners)


def _rule_defaults(program: MdfProgram) -> dict[str, Any]:
    """The period before the program's, of the same kind: the usual base of a rule."""
    months = 12 if program.period_kind == PeriodKind.YEAR else 3
    return {
        "since": program.starts_on - relativedelta(months=months),
        "until": program.starts_on - dt.timedelta(days=1),
    }


def _preview(request: PortalRequest, program: MdfProgram, form: RuleForm) -> dict[str, Any] | None:
    """The rule's proposed allocations (nothing written), or None with the form's errors."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    rows = None
    with service_errors(request, form) as outcome:
        rows = services.allocation_preview(
            program=program, percent=data["percent"], since=data["since"], until=data["until"]
        )
    if outcome.failed or rows is None:
        return None
    return {
        "rows": rows,
        "total": sum((r.amount for r in rows), ZERO),
        "won": sum((r.won for r in rows), ZERO),
        "percent": data["percent"],
        "since": data["since"],
        "until": data["until"],
    }


def _program_page(
    request: PortalRequest,
    program: MdfProgram,
    *,
    allocate: AllocateForm | None = None,
    rule: RuleForm | None = None,
    preview: dict[str, Any] | None = None,
    changed: bool = False,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    funds = list(
        scope.funds_visible_to(user)
        .filter(program=program)
        .select_related("partner")
        .order_by(F("partner__display_name").asc(nulls_first=True))
    )
    totals = _totals(scope.funds_visible_to(user).filter(program=program)).get(program.pk, EMPTY)
    given = Fund.objects.filter(program=program).aggregate(total=Sum("allocated"))["total"] or ZERO
    configure = can(user, "mdf.configure")
    if configure and rule is None:
        rule = RuleForm(initial=_rule_defaults(program))
    if configure and allocate is None:
        allocate = AllocateForm(partners=_partner_choices(user, program))
    context = {
        "program": program,
        "funds": funds,
        "totals": totals,
        "left": program.budget - given,
        "can_configure": configure,
        "sees_all": can(user, "mdf.see_all"),
        "allocate_form": allocate,
        "rule_form": rule,
        "preview": preview,
        "changed": changed,
        "caps": _caps(program),
    }
    return render(request, "incentives/program_detail.html", context, status=status)


def _caps(program: MdfProgram) -> list[dict[str, Any]]:
    """Each kind of activity with the program's cap for it (none: empty)."""
    caps = {c.activity_type: c for c in ActivityCap.objects.filter(program=program)}
    return [
        {
            "kind": value,
            "label": label,
            "amount": caps[value].max_amount if value in caps else None,
            "percent": caps[value].max_percent if value in caps else None,
        }
        for value, label in ActivityType.choices
    ]


def _decimal(text: str) -> Decimal | None:
    text = (text or "").strip().replace(",", "")
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        raise Invalid({"caps": [f"“{text}” is not a number."]}) from None


@requires("mdf.configure")
@require_POST
def program_caps(request: PortalRequest, program_id: int) -> HttpResponse:
    """Set the program's caps by kind of activity (an empty box lifts that cap)."""
    program = _program_for(request, program_id)
    with service_errors(request) as outcome:
        caps = {
            kind: (
                _decimal(request.POST.get(f"{kind}-amount", "")),
                _decimal(request.POST.get(f"{kind}-percent", "")),
            )
            for kind in ActivityType.values
        }
        activity_caps_set(actor=request.user, program=program, caps=caps)
    if not outcome.failed:
        messages.success(request, "The caps are saved: requests from now on are held to them.")
    return redirect(reverse("mdf-program", args=[program.pk]) + "#caps")


def program_detail(request: PortalRequest, program_id: int) -> HttpResponse:
    """The program's funds per partner; for its configurers, the allocation forms. A rule
    sent here (``?percent=&since=&until=``) is previewed, nothing allocated."""
    program = _program_for(request, program_id)
    if "percent" in request.GET and can(request.user, "mdf.configure"):
        rule = RuleForm(request.GET)
        preview = _preview(request, program, rule)
        return _program_page(
            request, program, rule=rule, preview=preview, status=200 if preview else 400
        )
    return _program_page(request, program)


@requires("mdf.configure")
def program_allocate(request: PortalRequest, program_id: int) -> HttpResponse:
    """Allocate by hand: a partner (or the shared pool), an amount, a memo."""
    program = _program_for(request, program_id)
    choices = _partner_choices(request.user, program)
    form = AllocateForm(request.POST, partners=choices)
    if form.is_valid():
        data = form.cleaned_data
        partner = None
        if data["partner"] != SHARED_POOL:
            partner = (
                partners_visible_to(request.user).filter(pk=data["partner"]).first()
            )  # in the choices, so in scope
        with service_errors(request, form) as outcome:
            services.fund_allocate(
                actor=request.user,
                program=program,
                partner=partner,
                amount=Money(data["amount"], program.currency),
                memo=data["memo"],
            )
        if not outcome.failed:
            name = partner.display_name if partner else "the shared pool"
            messages.success(
                request, f"{money(data['amount'], program.currency)} allocated to {name}."
            )
            return redirect("mdf-program", program.pk)
    return _program_page(request, program, allocate=form, status=400)


@requires("mdf.configure")
def program_rule_apply(request: PortalRequest, program_id: int) -> HttpResponse:
    """The second step of an allocation by a rule: what the preview showed is allocated, if
    it is still what the rule gives (otherwise the new figures are shown to confirm)."""
    program = _program_for(request, program_id)
    rule = RuleForm(request.POST)
    preview = _preview(request, program, rule)
    if preview is None:
        return _program_page(request, program, rule=rule, status=400)
    if str(preview["total"]) != request.POST.get("total", "") or not preview["rows"]:
        return _program_page(
            request, program, rule=rule, preview=preview, changed=bool(preview["rows"]), status=409
        )
    with service_errors(request, rule) as outcome:
        entries = services.allocation_apply(
            actor=request.user,
            program=program,
            percent=preview["percent"],
            since=preview["since"],
            until=preview["until"],
        )
    if outcome.failed:
        return _program_page(request, program, rule=rule, preview=preview, status=409)
    messages.success(
        request,
        f"{money(preview['total'], program.currency)} allocated to {len(entries)} partner"
        f"{'' if len(entries) == 1 else 's'}.",
    )
    return redirect("mdf-program", program.pk)


# --- a fund's ledger ----------------------------------------------------------------------


def _movements(entry: LedgerEntry) -> list[tuple[str, str, Decimal]]:
    """The figures the entry moves: (word, sign, amount without its sign)."""
    moved = [(word, getattr(entry, name)) for name, word in FIGURE_WORDS.items()]
    minus = "\N{MINUS SIGN}"
    return [(word, "+" if value > 0 else minus, abs(value)) for word, value in moved if value]


def _reference_url(reference: str) -> str:
    kind, _, pk = reference.partition(":")
    if kind == "mdf_request" and pk.isdigit():
        return reverse("mdf-request", args=[int(pk)])
    return ""


def _fund_page(
    request: PortalRequest,
    fund: Fund,
    *,
    failed: int | None = None,
    form: ReverseForm | None = None,
    status: int = 200,
) -> HttpResponse:
    viewer = viewer_of(request.user)
    entries = fund.entries.select_related("actor", "reverses", "reversed_by").order_by(
        "-created_at", "-id"
    )
    page = Paginator(entries, ENTRY_PAGE).get_page(request.GET.get("page"))
    rows = []
    may_reverse = can(request.user, "mdf.reverse")
    for entry in page.object_list:
        try:
            reversed_by = entry.reversed_by
        except LedgerEntry.DoesNotExist:
            reversed_by = None
        rows.append(
            {
                "entry": entry,
                "kind": EntryKind(entry.kind).label,
                "movements": _movements(entry),
                "who": viewer.person(entry.actor) or "The workflow",
                "reversed_by": reversed_by,
                "reference_url": _reference_url(entry.reference),
                "reversible": may_reverse
                and entry.kind != EntryKind.REVERSE
                and reversed_by is None,
                "form": form if failed == entry.pk else ReverseForm(prefix=f"r{entry.pk}"),
            }
        )
    context = {
        "fund": fund,
        "program": fund.program,
        "rows": rows,
        "page": page,
        "failed": failed,
    }
    return render(request, "incentives/fund_detail.html", context, status=status)


def fund_detail(request: PortalRequest, fund_id: int) -> HttpResponse:
    _staff(request)
    return _fund_page(request, scope.get_fund_for(request.user, fund_id))


@requires("mdf.reverse")
def entry_reverse(request: PortalRequest, entry_id: int) -> HttpResponse:
    """Correct an entry by its reversal, with the reason (confirmed on the page)."""
    _staff(request)
    entry = (
        LedgerEntry.objects.filter(fund__in=scope.funds_visible_to(request.user).values("pk"))
        .select_related("fund__program", "fund__partner")
        .filter(pk=entry_id)
        .first()
    )
    if entry is None:
        raise Http404("No such entry.")
    form = ReverseForm(request.POST, prefix=f"r{entry.pk}")
    if form.is_valid():
        with service_errors(request, form) as outcome:
            services.entry_reverse(actor=request.user, entry=entry, memo=form.cleaned_data["memo"])
        if not outcome.failed:
            messages.success(request, "The entry is reversed: its reversal is on the ledger.")
            return redirect("mdf-fund", entry.fund_id)
    return _fund_page(request, entry.fund, failed=entry.pk, form=form, status=400)


def _login_post(view):
    return login_required(require_POST(view))


urlpatterns: list[URLPattern | URLResolver] = [
    path("funds/programs/new/", program_new, name="mdf-program-new"),
    path("funds/programs/<int:program_id>/", login_required(program_detail), name="mdf-program"),
    path(
        "funds/programs/<int:program_id>/allocate/",
        _login_post(program_allocate),
        name="mdf-program-allocate",
    ),
    path(
        "funds/programs/<int:program_id>/rule/",
        _login_post(program_rule_apply),
        name="mdf-program-rule",
    ),
    path("funds/programs/<int:program_id>/caps/", program_caps, name="mdf-program-caps"),
    path("funds/<int:fund_id>/", login_required(fund_detail), name="mdf-fund"),
    path(
        "funds/entries/<int:entry_id>/reverse/",
        _login_post(entry_reverse),
        name="mdf-entry-reverse",
    ),
]
