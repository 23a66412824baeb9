"""Demo deal registrations (``seed_demo``, after the catalogue): about 2,000 deals of acme's
partners over the last 18 months, in every state, on the demo customer accounts, with lines
of the demo catalogue, and each partner's won revenue of the last 12 months inside its
tier's band (``partners.demo.TIERS``), but for one partner that has outgrown its tier and
one that has fallen below it, so the quarterly tier review proposes two true changes.

The past goes in by bulk statements: the deals, their lines, and their history rows dated
at each step (created, submitted, decided, closed), as the timeline of a deal page reads
them. Registrations that hold a customer (undecided, or approved and protected) are placed
so none competes with another partner's: one partner per customer and a product line each.

What happens today goes through the services, for its side effects (conflict rows, the
queue, approvals in the channel manager's inbox): bob@northwind.example's and
carol@contoso.example's registrations waiting for a decision, two partners registering
customers already registered by another (one queued behind an approved registration), and
a rejection disputed (one dispute open, one decided). Deterministic and idempotent: a
tenant that has deals is left alone."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from deals.demo import OLD_CRM
from deals.models import (
    CustomerAccount,
    Deal,
    DealLine,
    DealPolicy,
    DealStatus,
    DisputeReason,
    Product,
    RejectionReason,
    Reservation,
    ReservationStatus,
)
from deals.services.deals import LineIn, _deal_create, _deal_reject, _deal_submit
from deals.services.disputes import _deal_dispute, _dispute_decide
from partners.models import Partner, PartnerStatus, Tier
from partners.selectors import has_accepted_current_terms
from prm.outbox.models import Event
from prm.users.models import PARTNER_ROLES, Role, User

S = DealStatus
HISTORY_DAYS = 540  # 18 months, as the partners' history
TOTAL = 2000
BOB, ALICE, CAROL = "bob@northwind.example", "alice@northwind.example", "carol@contoso.example"
# Shares of the deals that are not won (the won ones follow from the tiers' revenue).
SHARES = {
    S.DRAFT: 0.04,
    S.SUBMITTED: 0.02,
    S.UNDER_REVIEW: 0.03,
    S.INFO_REQUESTED: 0.02,
    S.APPROVED: 0.15,
    S.REJECTED: 0.13,
    S.WITHDRAWN: 0.08,
    S.LOST: 0.40,
    S.EXPIRED: 0.13,
}
EXPIRING_SOON = 12  # approved registrations whose protection ends within 14 days
# How many of each product a partner of a tier's rank sells in one deal, at most.
QUANTITY = {1: 3, 2: 12, 3: 30, 4: 80}
PRICEY = Decimal(10000)  # of products dearer than this, fewer
OPPORTUNITIES = [
    "Firewall refresh", "Branch network upgrade", "Endpoint rollout", "Backup modernisation",
    "SD-WAN pilot", "Data centre security", "Microsoft 365 backup", "Zero trust programme",
    "Remote sites connectivity", "Security health check", "Disaster recovery plan",
    "XDR consolidation", "Cloud migration", "Ransomware readiness", "Network segmentation",
]  # fmt: skip
LOST_REASONS = [
    "Price: the customer chose a cheaper offer",
    "Competitor: went with the incumbent vendor",
    "Budget cut for this year",
    "Project postponed indefinitely",
    "No decision: the customer stopped responding",
    "Lost to the customer's in-house team",
]
REJECTION_NOTES = {
    "duplicate": "Another partner registered this opportunity first.",
    "existing_customer": "This customer is served by another partner under a current contract.",
    "direct_sales": "Our enterprise team is already working this account directly.",
    "incomplete": "The registration does not say who the buyer is or when they decide.",
    "not_eligible": "These products need a certification your company did not hold then.",
    "other": "The opportunity is too early to register: come back once there is a budget.",
}
QUESTIONS = [
    "Who is the decision maker, and when do they decide?",
    "Please attach the customer's request for proposal.",
    "Is this a renewal of an existing contract or a new purchase?",
    "Which sites are in scope? The quantities look high for one office.",
]
APPROVAL_NOTES = ["", "", "Good opportunity, go ahead.", "Approved: keep me posted on the POC."]


@dataclass
class Seller:
    """A demo partner company and what it may sell."""

    partner: Partner
    people: list[User]
    joined: datetime
    rank: int
    products: list[Product]
    target: Decimal = Decimal(0)  # won revenue of the trailing 12 months


@dataclass
class Planned:
    deal: Deal
    lines: list[tuple[Product, int, Decimal]]
    steps: list[tuple[dict[str, Any], datetime, User | None, str]] = field(default_factory=list)


def seed_deals(schema: str, admin_email: str) -> None:
    """The demo tenant's deals, once (skipped when it has deals or no catalogue)."""
    if Deal.objects.exists() or not Product.objects.filter(active=True).exists():
        return
    rng = random.Random(f"deals:{schema}")
    with transaction.atomic():
        if schema == "acme":
            _Demo(rng).seed()
        else:  # a small program: a few deals of the last months, none waiting
            _Demo(rng, total=24, small=True).seed()


PAST_EVENTS = {
    S.SUBMITTED,
    S.APPROVED,
    S.REJECTED,
    S.INFO_REQUESTED,
    S.WITHDRAWN,
    S.WON,
    S.LOST,
    S.EXPIRED,
}


def _payload(deal: Deal, status: str) -> dict[str, Any]:
    """What the services' event of ``status`` says (deals.services.deals)."""
    payload: dict[str, Any] = {"status": status}
    if status == S.SUBMITTED:
        payload |= {
            "amount": str(deal.amount),
            "currency": deal.currency,
            "conflict_count": 0,
            "conflict_codes": [],
        }
    elif status == S.APPROVED and deal.protected_until:
        payload |= {"protected_until": deal.protected_until.isoformat(), "reason": ""}
    elif status == S.REJECTED:
        reason = deal.rejection_reason
        payload |= {"reason_code": reason.code if reason else "", "reason": deal.decision_note}
    elif status == S.INFO_REQUESTED:
        payload |= {"question": deal.decision_note}
    elif status == S.WON and deal.closed_on:
        payload |= {"final_amount": str(deal.final_amount), "closed_on": deal.closed_on.isoformat()}
    elif status == S.LOST:
        payload |= {"reason": deal.lost_reason}
    return payload


def _money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class _Demo:
    def __init__(self, rng: random.Random, total: int = TOTAL, small: bool = False) -> None:
        self.rng = rng
        self.total = total
        self.small = small
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.policy = DealPolicy.current()
        self.reasons = {r.code: r for r in RejectionReason.objects.all()}
        self.tiers = sorted(Tier.objects.all(), key=lambda t: t.rank)
        self.plans: list[Planned] = []
        self.held: dict[int, set[int]] = {}  # account -> product lines held by its owner
        self.admin = User.objects.filter(role=Role.VENDOR_ADMIN).order_by("pk").first()
        cam = User.objects.filter(email="cam@acme.example").first()
        self.cam_id = cam.pk if cam else None

    # --- who sells what, to whom ------------------------------------------------------

    def sellers(self) -> list[Seller]:
        products = list(
            Product.objects.filter(active=True).select_related("line", "min_tier").order_by("sku")
        )
        rows = []
        partners = Partner.objects.filter(depth=1)
        if not self.small:  # acme's onboarding partners joined weeks ago: none sold yet
            partners = partners.exclude(status=PartnerStatus.ONBOARDING)
        for partner in partners.select_related("tier").order_by("pk"):
            people = list(
                User.objects.filter(
                    role__in=PARTNER_ROLES,
                    is_active=True,
                    partner_membership__partner__path__startswith=partner.path,
                ).order_by("email")
            )
            if not people:
                continue
            rank = partner.tier.rank if partner.tier else 1
            held = set(partner.certifications.values_list("name", flat=True))
            allowed = [
                p
                for p in products
                if (p.min_tier is None or p.min_tier.rank <= rank)
                and (not p.required_certification or p.required_certification in held)
            ]
            # The small demo has no history of its partners: they sold these last months.
            joined = self.now - timedelta(days=150) if self.small else partner.created_at
            rows.append(Seller(partner, people, joined, rank, allowed))
        return rows

    def band(self, rank: int) -> tuple[Decimal, Decimal]:
        """The won revenue that keeps a partner of ``rank`` where it is."""
        ranks = [t.rank for t in self.tiers]
        low = self.tiers[ranks.index(rank)].min_trailing_revenue if rank in ranks else 0
        higher = [t.min_trailing_revenue for t in self.tiers if t.rank > rank]
        high = min(higher) if higher else Decimal(low) * Decimal("1.4") + 1_000_000
        return Decimal(low), Decimal(high)

    def people_rank(self, partner: Partner) -> int:
        people = partner.certified_people()
        fits = [t.rank for t in self.tiers if t.min_certified_people <= people]
        return max(fits, default=0)

    def targets(self, sellers: list[Seller]) -> None:
        """Each partner's trailing won revenue: inside its tier's band, but for one active
        partner qualified (by its people) for the tier above, whose revenue has grown into
        it, and one that has fallen below its tier's band."""
        upgrade = downgrade = None
        for seller in sellers:
            if seller.partner.status != PartnerStatus.ACTIVE or seller.partner.depth != 1:
                continue
            if seller.partner.display_name in {"Northwind Traders", "Contoso"}:
                continue
            top = max(t.rank for t in self.tiers)
            if (
                upgrade is None
                and seller.rank < top
                and self.people_rank(seller.partner) > (seller.rank)
            ):
                upgrade = seller
            elif downgrade is None and seller.rank > 1 and seller is not upgrade:
                downgrade = seller
        for seller in sellers:
            rank = seller.rank
            if seller is upgrade:
                rank += 1
            elif seller is downgrade:
                rank -= 1
            low, high = self.band(rank)
            lowest = max(low * Decimal("1.08"), Decimal(30_000))
            highest = low + (high - low) * Decimal("0.8")
            if self.small:  # a few deals of the last months (its partners are not reviewed)
                lowest, highest = Decimal(40_000), Decimal(80_000)
            seller.target = _money(lowest + (highest - lowest) * Decimal(self.rng.random()))
        self.upgrade, self.downgrade = upgrade, downgrade

    def accounts(self) -> None:
        duplicates = CustomerAccount.objects.filter(external_crm_id__startswith=OLD_CRM)
        base = CustomerAccount.objects.filter(vendor_owned=False).exclude(
            Q(external_crm_id__startswith=OLD_CRM) | Q(name_key__in=duplicates.values("name_key"))
        )
        # Not under a customer the vendor sells to itself either.
        direct = tuple(
            CustomerAccount.objects.filter(vendor_owned=True).values_list("path", flat=True)
        )
        self.any_account = [a for a in base.order_by("pk") if not a.path.startswith(direct)]
        # Customers a registration may hold today: no office above or below, no other
        # partner's reservation; each has one partner that registers it.
        leaves = list(base.filter(depth=1, numchild=0).order_by("pk"))
        reserved = dict(
            Reservation.objects.filter(
                status=ReservationStatus.ACTIVE, expires_at__gt=self.now
            ).values_list("account_id", "partner_id")
        )
        # A few customers nobody registered yet, for today's registrations.
        spare = [a for a in leaves if a.pk not in reserved][:: max(1, len(leaves) // 8)][:6]
        self.spare = spare
        self.leaves = [a for a in leaves if a not in spare]
        self.reserved = reserved
        self.owner: dict[int, int] = {}

    # --- the plan ---------------------------------------------------------------------

    def pick_lines(
        self, seller: Seller, line_id: int | None = None, below: Decimal | None = None
    ) -> list[tuple[Product, int, Decimal]]:
        choice = [p for p in seller.products if line_id is None or p.line_id == line_id]
        if not choice:
            choice = seller.products
        count = min(len(choice), self.rng.choice([1, 1, 2, 2, 3]))
        picked = self.rng.sample(choice, count)
        lines = []
        for product in picked:
            most = QUANTITY.get(seller.rank, 3) * min(Decimal(1), PRICEY / product.list_price)
            quantity = self.rng.randint(1, max(1, round(most)))
            discount = Decimal(self.rng.choice([0, 0, 5, 10, 15, 20])) / 100
            price = _money(product.list_price * (1 - discount))
            if below is not None:
                quantity = max(1, min(quantity, int(below / max(price, Decimal(1)))))
            lines.append((product, quantity, price))
        return lines

    def plan(
        self,
        seller: Seller,
        status: str,
        account: CustomerAccount,
        registered: datetime | None,
        lines: list[tuple[Product, int, Decimal]],
        submitter: User | None = None,
    ) -> Planned:
        rng = self.rng
        amount = sum((q * p for _, q, p in lines), Decimal(0))
        submitter = submitter or rng.choice(seller.people)
        created = (registered or self.now) - timedelta(
            days=rng.randint(0, 6), hours=rng.randint(1, 6)
        )
        created = max(created, seller.joined + timedelta(hours=2))
        if registered is not None:
            registered = max(registered, created + timedelta(minutes=rng.randint(5, 600)))
        horizon = (registered or self.now) + timedelta(days=rng.randint(30, 150))
        deal = Deal(
            account=account,
            partner=seller.partner,
            submitter=submitter,
            name=f"{rng.choice(OPPORTUNITIES)} {(registered or self.now).year}",
            description="",
            currency=lines[0][0].currency,
            amount=amount,
            expected_close_date=horizon.date(),
            campaign_code=rng.choice(["", "", "", "", "Q-SECURE", "MDF-SPRING"]),
            status=status,
            created_at=created,
            updated_at=created,
            registered_at=registered,
            submissions=0 if registered is None else 1,
        )
        planned = Planned(deal, lines)
        planned.steps.append(
            (
                {"status": S.DRAFT, "registered_at": None, "submissions": 0},
                created,
                submitter,
                "created",
            )
        )
        if registered is not None:
            planned.steps.append(
                ({"status": S.SUBMITTED, "submissions": 1}, registered, submitter, "submitted")
            )
        self.plans.append(planned)
        return planned

    def decide(self, planned: Planned, status: str, at: datetime, **fields: Any) -> None:
        """The channel manager's review and decision at ``at`` (after the submission)."""
        deal = planned.deal
        seller_manager = deal.partner.channel_manager
        assert deal.registered_at is not None
        at = max(at, deal.registered_at + timedelta(hours=2))
        review = deal.registered_at + (at - deal.registered_at) / 3
        planned.steps.append(({"status": S.UNDER_REVIEW}, review, seller_manager, "under review"))
        deal.decided_at = at
        deal.decided_by = seller_manager
        for name, value in fields.items():
            setattr(deal, name, value)
        label = DealStatus(status).label.lower()
        note = fields.get("decision_note", "")
        changed = {"status": status, "decided_at": at, "decided_by": seller_manager, **fields}
        reason = f"{label}: {note}" if note else label
        if status == S.REJECTED and deal.rejection_reason is not None:
            reason = f"{deal.rejection_reason.label}. {note}".strip()
        planned.steps.append((changed, at, seller_manager, reason[:100]))
        deal.updated_at = at

    def approve(self, planned: Planned, at: datetime) -> None:
        note = self.rng.choice(APPROVAL_NOTES)
        until = at + timedelta(days=self.policy.protection_days)
        self.decide(planned, S.APPROVED, at, decision_note=note, protected_until=until)

    def won_deals(self, seller: Seller) -> None:
        """Won deals closed in the last 12 months adding up to the partner's target, and
        some closed the six months before."""
        rng = self.rng
        start = max(self.now - timedelta(days=360), seller.joined + timedelta(days=25))
        if start >= self.now - timedelta(days=3):
            return
        won = Decimal(0)
        while won < seller.target:
            remaining = seller.target - won
            lines = self.pick_lines(seller, below=remaining)
            amount = sum((q * p for _, q, p in lines), Decimal(0))
            final = _money(amount * Decimal(rng.choice([90, 95, 100, 100, 100, 104])) / 100)
            if final >= remaining or remaining - final < 2_000:
                final = remaining  # the last order of the year, as negotiated
            won += final
            closed = start + (self.now - timedelta(days=1) - start) * rng.random()
            self.won(seller, lines, closed, final)
        older = max(
            self.now - timedelta(days=HISTORY_DAYS - 40), seller.joined + timedelta(days=25)
        )
        if older < self.now - timedelta(days=370):
            for _ in range(rng.randint(1, 3) + seller.rank * 2):
                closed = older + (self.now - timedelta(days=370) - older) * rng.random()
                lines = self.pick_lines(seller)
                self.won(seller, lines, closed, None)

    def won(self, seller: Seller, lines, closed: datetime, final: Decimal | None) -> None:
        rng = self.rng
        registered = closed - timedelta(days=rng.randint(12, 80), hours=rng.randint(0, 9))
        registered = max(registered, seller.joined + timedelta(days=1))
        account = rng.choice(self.any_account)
        planned = self.plan(seller, S.WON, account, registered, lines)
        decided = registered + (closed - registered) * rng.uniform(0.05, 0.3)
        self.approve(planned, decided)
        deal = planned.deal
        deal.closed_on = closed.date()
        deal.final_amount = deal.amount if final is None else final
        planned.steps.append(
            (
                {"status": S.WON, "closed_on": deal.closed_on, "final_amount": deal.final_amount},
                closed,
                deal.submitter,
                "won",
            )
        )
        deal.updated_at = closed

    def holding_account(self, seller: Seller) -> tuple[CustomerAccount, int | None] | None:
        """A customer this partner may hold today, and a product line free on it."""
        lines_sold = sorted({p.line_id for p in seller.products})
        options = [
            a
            for a in self.leaves
            if self.owner.get(a.pk, self.reserved.get(a.pk, seller.partner.pk)) == seller.partner.pk
            and set(lines_sold) - self.held.get(a.pk, set())
        ]
        if not options:
            return None
        account = self.rng.choice(options)
        free = [line for line in lines_sold if line not in self.held.get(account.pk, set())]
        line = self.rng.choice(free)
        self.owner[account.pk] = seller.partner.pk
        self.held.setdefault(account.pk, set()).add(line)
        return account, line

    def others(self, sellers: list[Seller], counts: dict[DealStatus, int]) -> None:
        rng = self.rng
        active = [s for s in sellers if s.partner.status == PartnerStatus.ACTIVE] or sellers
        logins = [
            (s, u) for s in active for u in s.people if u.email in (BOB, CAROL)
        ]  # bob and carol see registrations of their own in every state
        expiring = 0
        for status, count in counts.items():
            holds = status in (S.SUBMITTED, S.UNDER_REVIEW, S.INFO_REQUESTED, S.APPROVED)
            pool = active if holds or status == S.DRAFT else sellers
            for i in range(count):
                seller = rng.choices(pool, [1 + s.rank for s in pool])[0]
                submitter = None
                if logins and i < 2 * len(logins):
                    seller, submitter = logins[i % len(logins)]
                if holds:
                    found = self.holding_account(seller)
                    if found is None:
                        continue
                    account, line_id = found
                    lines = self.pick_lines(seller, line_id)
                else:
                    account, lines = rng.choice(self.any_account), self.pick_lines(seller)
                if not lines:
                    continue
                decided = None
                if status == S.APPROVED:
                    days = self.policy.protection_days
                    soon = expiring < EXPIRING_SOON
                    expiring += soon
                    ago = rng.randint(days - 13, days - 1) if soon else rng.randint(1, days - 15)
                    decided = self.now - timedelta(days=ago, hours=rng.randint(0, 6))
                    registered = decided - timedelta(
                        days=rng.randint(1, 5), hours=rng.randint(1, 8)
                    )
                else:
                    registered = self.registered_at(seller, status)
                planned = self.plan(
                    seller,
                    status,
                    account,
                    None if status == S.DRAFT else registered,
                    lines,
                    submitter,
                )
                self.story(planned, status, decided)

    def story(self, planned: Planned, status: str, decided: datetime | None) -> None:
        """What happened to a registration after it was submitted, to ``status``."""
        rng = self.rng
        deal = planned.deal
        registered = deal.registered_at
        manager = deal.partner.channel_manager
        if status == S.DRAFT or registered is None:
            return
        if status == S.APPROVED:
            assert decided is not None
            self.approve(planned, max(decided, registered + timedelta(hours=3)))
        elif status == S.UNDER_REVIEW:
            at = min(registered + timedelta(hours=rng.randint(2, 30)), self.now)
            planned.steps.append(({"status": S.UNDER_REVIEW}, at, manager, "under review"))
            deal.updated_at = at
        elif status == S.INFO_REQUESTED:
            question = rng.choice(QUESTIONS)
            at = min(registered + timedelta(hours=rng.randint(4, 40)), self.now)
            planned.steps.append(
                ({"status": S.UNDER_REVIEW}, at - timedelta(minutes=30), manager, "under review")
            )
            planned.steps.append(
                (
                    {"status": S.INFO_REQUESTED, "decision_note": question},
                    at,
                    manager,
                    f"information requested: {question}"[:100],
                )
            )
            deal.decision_note = question
            deal.updated_at = at
        elif status == S.REJECTED:
            code = rng.choice(list(REJECTION_NOTES))
            self.decide(
                planned,
                S.REJECTED,
                registered + timedelta(hours=rng.randint(3, 70)),
                rejection_reason=self.reasons.get(code),
                decision_note=REJECTION_NOTES[code],
            )
        elif status == S.WITHDRAWN:
            at = registered + timedelta(days=rng.randint(1, 20))
            planned.steps.append(({"status": S.WITHDRAWN}, at, deal.submitter, "withdrawn"))
            deal.updated_at = at
        elif status == S.LOST:
            self.approve(planned, registered + timedelta(days=rng.randint(1, 5)))
            assert deal.protected_until is not None and deal.decided_at is not None
            span = min(deal.protected_until, self.now) - deal.decided_at
            lost = deal.decided_at + span * rng.uniform(0.2, 0.95)
            deal.lost_reason = rng.choice(LOST_REASONS)
            deal.closed_on = lost.date()
            planned.steps.append(
                (
                    {
                        "status": S.LOST,
                        "lost_reason": deal.lost_reason,
                        "closed_on": deal.closed_on,
                    },
                    lost,
                    deal.submitter,
                    f"lost: {deal.lost_reason}"[:100],
                )
            )
            deal.updated_at = lost
        elif status == S.EXPIRED:
            self.approve(planned, registered + timedelta(days=rng.randint(1, 5)))
            assert deal.protected_until is not None
            planned.steps.append(({"status": S.EXPIRED}, deal.protected_until, None, "expired"))
            deal.updated_at = deal.protected_until

    def registered_at(self, seller: Seller, status: str) -> datetime:
        rng = self.rng
        if status in (S.SUBMITTED, S.UNDER_REVIEW, S.INFO_REQUESTED, S.DRAFT):
            ago = timedelta(days=rng.randint(0, 12), hours=rng.randint(2, 20))
        elif status == S.EXPIRED:
            days = self.policy.protection_days
            ago = timedelta(days=rng.randint(days + 10, HISTORY_DAYS - 5), hours=rng.randint(0, 9))
        else:  # rejected, withdrawn, lost: decided (or closed) by now
            ago = timedelta(days=rng.randint(25, HISTORY_DAYS - 5), hours=rng.randint(0, 9))
        return max(self.now - ago, seller.joined + timedelta(days=3))

    # --- writing ------------------------------------------------------------------------

    def write(self) -> None:
        deals = [p.deal for p in self.plans]
        dates = [(d.created_at, d.updated_at) for d in deals]
        Deal.objects.bulk_create(deals, batch_size=500)
        for deal, (created, updated) in zip(deals, dates, strict=True):
            deal.created_at, deal.updated_at = created, updated  # auto_now(_add) set them
        Deal.objects.bulk_update(deals, ["created_at", "updated_at"], batch_size=500)
        DealLine.objects.bulk_create(
            (
                DealLine(deal=p.deal, product=product, quantity=quantity, unit_price=price)
                for p in self.plans
                for product, quantity, price in p.lines
            ),
            batch_size=1000,
        )
        # The history: a row per step, with the fields as they were then.
        names = [f.attname for f in Deal._meta.concrete_fields if f.attname != "updated_at"]
        later_fields = {
            "registered_at": None,
            "submissions": 0,
            "decided_at": None,
            "decided_by_id": None,
            "rejection_reason_id": None,
            "decision_note": "",
            "protected_until": None,
            "closed_on": None,
            "final_amount": None,
            "lost_reason": "",
        }
        first: list[Deal] = []
        later: list[Deal] = []
        for p in self.plans:
            state = {n: getattr(p.deal, n) for n in names} | later_fields
            for n, (changes, at, user, why) in enumerate(p.steps):
                for key, value in changes.items():
                    attname = getattr(Deal._meta.get_field(key), "attname", key)
                    state[attname] = getattr(value, "pk", value)
                if changes.get("status") == S.SUBMITTED:
                    state["registered_at"] = p.deal.registered_at
                row = Deal(**state)
                row._history_date = at  # type: ignore[attr-defined]
                row._history_user = user  # type: ignore[attr-defined]
                row._change_reason = why  # type: ignore[attr-defined]
                (later if n else first).append(row)
        Deal.history.bulk_history_create(first, batch_size=1000)
        Deal.history.bulk_history_create(later, batch_size=1000, update=True)
        # The events of what happened, already processed (they start no workflow today).
        Event.objects.bulk_create(
            (
                Event(
                    type=f"deal.{status}",
                    object_type="deal",
                    object_id=str(p.deal.pk),
                    partner_id=p.deal.partner_id,
                    actor=user,
                    created_at=at,
                    processed_at=at,
                    payload=_payload(p.deal, status),
                )
                for p in self.plans
                for changes, at, user, _why in p.steps
                if (status := changes.get("status")) in PAST_EVENTS
            ),
            batch_size=1000,
        )

    # --- today, through the services ---------------------------------------------------

    def today_registrations(self, sellers: list[Seller]) -> None:
        """bob's and carol's registrations waiting for the channel manager; customers
        registered by a second partner (one queued behind an approved registration); a
        rejection for a conflict disputed twice, one dispute decided."""
        by_email = {u.email: u for s in sellers for u in s.people}
        bob, alice, carol = by_email.get(BOB), by_email.get(ALICE), by_email.get(CAROL)
        plain = list(
            Product.objects.filter(
                active=True, min_tier__isnull=True, required_certification=""
            ).order_by("sku")
        )
        big = [p for p in plain if p.list_price >= 3000]
        if not big or bob is None or alice is None:
            return
        close = self.today + timedelta(days=75)
        free = list(self.spare)

        def register(
            actor: User,
            account: CustomerAccount,
            product: Product,
            quantity: int,
            submitter: User | None = None,
        ) -> Deal:
            deal = _deal_create(
                actor=submitter or actor,
                name=f"{self.rng.choice(OPPORTUNITIES)} {self.today.year + 1}",
                lines=[LineIn(product, quantity, product.list_price)],
                currency=product.currency,
                expected_close_date=close,
                account=account,
                description="The customer confirmed the budget; the technical evaluation "
                "is under way.",
            )
            return _deal_submit(actor=actor, deal=deal)

        # Above the automatic approval's amount: the channel manager decides them.
        quantity = int(self.policy.auto_approve_below / big[0].list_price) + 2
        for n in range(2):  # bob drafted them; alice, who accepted the terms, submitted
            register(alice, free.pop(), big[n % len(big)], quantity, submitter=bob)
        if carol is not None and has_accepted_current_terms(carol):
            register(carol, free.pop(), big[2 % len(big)], quantity)
        # Customers another partner registered first.
        soon = self.now + timedelta(days=20)
        approved = [
            p.deal
            for p in self.plans
            if p.deal.status == S.APPROVED
            and p.deal.protected_until
            and p.deal.protected_until > soon
        ]
        waiting = [p.deal for p in self.plans if p.deal.status == S.UNDER_REVIEW]
        rivals = [
            (s.partner, u)
            for s in sellers
            if s.partner.status == PartnerStatus.ACTIVE
            for u in s.people
            if u.role == Role.PARTNER_ADMIN and u.email != ALICE and has_accepted_current_terms(u)
        ]
        # The rivals the demo's channel manager looks after first (their approvals are cam's).
        rivals.sort(key=lambda r: (r[0].channel_manager_id != self.cam_id, r[1].email))
        cases = [(d, "queued") for d in approved[:1]] + [(d, "flagged") for d in waiting[:2]]
        cases += [(d, "disputed") for d in waiting[2:4]]
        disputes = []
        for earlier, kind in cases:
            rival = next(((p, u) for p, u in rivals if p.pk != earlier.partner_id), None)
            if rival is None:
                break
            rivals.remove(rival)
            line_id = earlier.lines.values_list("product__line_id", flat=True).first()
            product = next((p for p in plain if p.line_id == line_id), plain[0])
            deal = register(rival[1], earlier.account, product, 2)
            if kind != "disputed":
                continue
            deal = _deal_reject(
                actor=earlier.partner.channel_manager or User.objects.get(email="cam@acme.example"),
                deal=deal,
                reason_code="duplicate",
                note="Another partner registered this customer for these products first.",
            )
            disputes.append(
                _deal_dispute(
                    actor=rival[1],
                    deal=deal,
                    statement="We have worked with this customer since the spring: we ran the "
                    "proof of concept and wrote the proposal they are reviewing.",
                )
            )
        # The disputed registrations' earlier events are past: only the open dispute's
        # decision is still asked for.
        ids = [str(d.deal_id) for d in disputes]
        Event.objects.filter(object_type="deal", object_id__in=ids).exclude(
            type="deal.disputed", object_id=ids[0] if ids else ""
        ).update(processed_at=self.now)
        if len(disputes) == 2:
            _dispute_decide(
                actor=self.admin,
                dispute=disputes[1],
                overturn=False,
                reason_code=DisputeReason.PRIORITY_STANDS,
                text="The other registration came first and is being worked: it keeps its "
                "priority.",
            )
            Event.objects.filter(object_type="deal", object_id=ids[1]).update(processed_at=self.now)

    def seed(self) -> None:
        sellers = self.sellers()
        if not sellers:
            return
        self.accounts()
        self.targets(sellers)
        for seller in sellers:
            self.won_deals(seller)
        rest = max(0, self.total - len(self.plans))
        counts = {status: round(rest * share) for status, share in SHARES.items()}
        self.others(sellers, counts)
        self.write()
        if not self.small:
            self.today_registrations(sellers)
