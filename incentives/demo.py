"""The demo tenant's MDF program: a quarterly program for each of the last six quarters and
the next one, allocated by the rule "3% of each partner's won revenue of the quarter
before" (bob's and carol's partners get a fund in each), and fund requests in every state:
decided ones in past quarters, waiting and drafts in the current and next quarters; then
their claims (one of them entered in EUR), payouts and attributed deals
(incentives.demo_claims); and acme's EUR and GBP exchange rates."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from incentives import ledger
from incentives.demo_claims import seed_claims
from incentives.models import (
    REQUIRED_PROOFS,
    ActivityType,
    ExchangeRate,
    Fund,
    MdfPolicy,
    MdfProgram,
    MdfRequest,
    PeriodKind,
    RequestStatus,
)
from incentives.rates import _rate_set
from incentives.requests import _mdf_request_create
from incentives.services import _allocation_apply, _fund_allocate, _program_create
from prm.errors import Conflict
from prm.money import Money
from prm.tenancy.context import current_tenant
from prm.users.models import Role, User
from workflows.services import defaults_install

S = RequestStatus
BUDGET = Decimal("150000.00")
PERCENTS = (Decimal(3), Decimal(2), Decimal(1))  # the first that fits the budget
ACTIVITIES = [
    (ActivityType.EVENT, "Customer roadshow", 4000),
    (ActivityType.WEBINAR, "Zero-trust webinar series", 1500),
    (ActivityType.DIGITAL_CAMPAIGN, "Paid search campaign", 2500),
    (ActivityType.CONTENT_SYNDICATION, "Whitepaper syndication", 2000),
    (ActivityType.TRAINING, "Hands-on lab day", 3000),
    (ActivityType.OTHER, "Trade show booth share", 5000),
]


def _quarter(day: dt.date, shift: int) -> tuple[dt.date, dt.date, str]:
    """The quarter ``shift`` quarters from the one holding ``day``: (start, end, name)."""
    index = (day.year * 4 + (day.month - 1) // 3) + shift
    year, q = divmod(index, 4)
    start = dt.date(year, q * 3 + 1, 1)
    end = dt.date(year + (q == 3), (q * 3 + 3) % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end, f"{year} Q{q + 1} MDF"


# acme's exchange rates (one unit in USD), a few dated over the last months: requests and
# claims may be entered in EUR and GBP, and deals in them count on the ROI pages.
DEMO_RATES = {
    "EUR": [(150, "1.0725"), (90, "1.0850"), (30, "1.0790")],
    "GBP": [(120, "1.2650"), (45, "1.2710")],
}


def seed_rates(schema: str, admin_email: str) -> None:
    """acme's rates, set by finance (once: skipped when the tenant has a rate)."""
    if schema != "acme" or current_tenant().currency != "USD" or ExchangeRate.objects.exists():
        return
    today = timezone.localdate()
    finance = User.objects.filter(role=Role.FINANCE_APPROVER).order_by("email").first()
    actor = finance or User.objects.get(email=admin_email)
    for code, dated in DEMO_RATES.items():
        for days, rate in dated:
            _rate_set(
                actor=actor,
                currency=code,
                rate=Decimal(rate),
                effective_from=today - dt.timedelta(days=days),
            )


def seed_mdf(schema: str, admin_email: str) -> None:
    """Once (skipped when the tenant has a program)."""
    with transaction.atomic():
        seed_rates(schema, admin_email)
    if MdfProgram.objects.exists():
        return
    rng = random.Random(f"mdf:{schema}")
    admin = User.objects.get(email=admin_email)
    decider = User.objects.filter(role=Role.CHANNEL_MANAGER).order_by("email").first() or admin
    people = {
        u.email: u
        for u in User.objects.filter(email__in=["bob@northwind.example", "carol@contoso.example"])
    }
    own = [u.partner_membership.partner for u in people.values()]
    today = timezone.localdate()
    currency = current_tenant().currency
    with transaction.atomic():
        # The fund request workflow first, so that the requests waiting now are in the
        # channel manager's inbox (the engine's own demo seeder runs after this one).
        defaults_install(actor=admin)
        for shift in range(-5, 2):  # six quarters to this one, and the next
            start, end, name = _quarter(today, shift)
            program = _program_create(
                actor=admin,
                name=name,
                period_kind=PeriodKind.QUARTER,
                starts_on=start,
                ends_on=end,
                currency=currency,
                budget=BUDGET,
            )
            before_start, before_end, _ = _quarter(today, shift - 1)
            for percent in PERCENTS:
                try:
                    with transaction.atomic():
                        _allocation_apply(
                            actor=admin,
                            program=program,
                            percent=percent,
                            since=before_start,
                            until=before_end,
                        )
                    break
                except Conflict:
                    continue
            for partner in own:
                if not Fund.objects.filter(program=program, partner=partner).exists():
                    _fund_allocate(
                        actor=admin,
                        program=program,
                        partner=partner,
                        amount=Money(Decimal("5000.00"), currency),
                        memo="Starter fund",
                    )
            _requests(program, shift, rng, decider, people, today)
        finance = User.objects.filter(role=Role.FINANCE_APPROVER).order_by("email").first()
        seed_claims(rng, decider, finance or admin, today)


def _past_request(
    fund: Fund, rng: random.Random, status: str, decider: User, until: dt.date | None = None
) -> None:
    """A request of a quarter gone by (its dates in the past, so not through the services,
    which take requests before the activity): its money moved through the ledger as the
    services move it."""
    program, partner = fund.program, fund.partner
    assert partner is not None  # a partner's fund, not the shared pool
    kind, title, amount = rng.choice(ACTIVITIES)
    days = ((until or program.ends_on) - program.starts_on).days
    if days < 4:
        return
    starts = program.starts_on + dt.timedelta(days=rng.randrange(days - 3))
    asked = min(Decimal(amount), fund.available) if fund.available > 0 else Decimal(amount)
    if asked <= 0:
        return
    user = (
        User.objects.filter(partner_membership__partner=fund.partner, is_active=True)
        .order_by("email")
        .first()
    )
    if user is None:
        return
    submitted = timezone.make_aware(dt.datetime.combine(starts, dt.time(10)) - dt.timedelta(21))
    request = MdfRequest.objects.create(
        fund=fund,
        partner=partner,
        requested_by=user,
        activity_type=kind,
        title=title,
        description="Joint activity with the vendor's field team.",
        starts_on=starts,
        ends_on=starts + dt.timedelta(days=rng.choice([0, 1, 2])),
        currency=program.currency,
        requested_amount=asked,
        partner_contribution=(asked / 2).quantize(Decimal("0.01")),
        expected_leads=rng.randint(10, 80),
        expected_pipeline=asked * rng.randint(20, 60),
        campaign_code=f"MDF-{program.starts_on:%y}{fund.partner_id:04d}-{rng.randint(10, 99)}",
        status=S.SUBMITTED,
        submitted_at=submitted,
    )
    if status == S.SUBMITTED:
        return
    request.decided_at = submitted + dt.timedelta(hours=rng.randint(4, 60))
    request.decided_by = decider
    if status == S.REJECTED:
        request.status = S.REJECTED
        request.decision_note = "Outside this quarter's plan."
    else:
        approved = asked if rng.random() < 0.7 else (asked * Decimal("0.8")).quantize(Decimal(1))
        ledger.commit(
            fund=fund,
            amount=Money(approved, program.currency),
            actor=decider,
            reference=request.reference,
        )
        request.status = S.APPROVED
        request.approved_amount = approved
        request.claim_due_on = request.ends_on + dt.timedelta(days=MdfPolicy.current().claim_days)
        request.required_proofs = [str(p) for p in REQUIRED_PROOFS[kind]]
        if status == S.CANCELLED:
            ledger.release(
                fund=fund,
                amount=Money(approved, program.currency),
                actor=user,
                reference=request.reference,
            )
            request.status = S.CANCELLED
    request.save()


def _requests(
    program: MdfProgram,
    shift: int,
    rng: random.Random,
    decider: User,
    people: dict[str, User],
    today: dt.date,
) -> None:
    funds = list(
        Fund.objects.filter(program=program, partner__isnull=False)
        .select_related("program", "partner")
        .order_by("pk")
    )
    if shift <= 0:  # activities gone by (this quarter's, those before today)
        theirs = {u.partner_membership.partner_id for u in people.values()}
        chosen = [f for f in funds if f.partner_id in theirs]
        chosen += [f for f in funds if f.partner_id not in theirs][:10]
        until = today - dt.timedelta(days=2) if shift == 0 else None
        for fund in chosen:
            status = rng.choices([S.APPROVED, S.REJECTED, S.CANCELLED], weights=[75, 15, 10])[0]
            _past_request(fund, rng, status, decider, until)
            if shift == 0 and fund.partner_id in theirs:  # a second, claimable now
                _past_request(fund, rng, S.APPROVED, decider, until)
        if shift < 0:
            return
    # This quarter and the next: bob's and carol's partners ask through the services.
    for email, user in sorted(people.items()):
        mine = [f for f in funds if f.partner_id == user.partner_membership.partner_id]
        if not mine:
            continue
        fund = mine[0]
        start = max(program.starts_on, today + dt.timedelta(days=14))
        if start >= program.ends_on:
            continue
        kind, title, amount = ACTIVITIES[(len(email) + shift) % len(ACTIVITIES)]
        _mdf_request_create(
            actor=user,
            fund=fund,
            submit=shift == 0 or email.startswith("bob"),
            activity_type=kind,
            title=title,
            description="Planned with our channel manager.",
            starts_on=start,
            ends_on=start + dt.timedelta(days=1),
            requested_amount=Decimal(amount),
            partner_contribution=Decimal(amount) / 2,
            expected_leads=30,
            expected_pipeline=Decimal(amount) * 40,
            campaign_code=f"MDF-{program.starts_on:%y}-{email[:3].upper()}",
        )
