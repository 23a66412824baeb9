"""MDF at benchmark scale (``seed_scale --tenant T --claims N``, ``add_claims``): 8 quarterly
programs with a fund for every partner in each, allocations, fund requests (approved
mostly), N claims (approved mostly, some waiting, some rejected or withdrawn) with one proof
file each (a shared tiny PDF), payouts in every state for the approved claims in monthly
payment batches, and about 100,000 of the tenant's deals attributed to the approved
requests of their partner (sourced and influenced).

Rows go in with COPY, not through the services (no workflow runs, no events, no history
rows), but the money follows the ledger's rules: every movement is an entry (allocate,
commit, claim, pay and a payment's reversal), and each fund's four running totals are the
sums of its entries, written in the same transaction, so the CHECK constraints hold.
Idempotent: a tenant that has the scale programs already is left as it is."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, models
from django.utils import timezone

from deals.models import Deal
from incentives.figures import figures_refresh
from incentives.models import (
    REQUIRED_PROOFS,
    ActivityFigures,
    ActivityType,
    Attribution,
    ClaimDocument,
    ClaimStatus,
    EntryKind,
    Fund,
    LedgerEntry,
    MdfClaim,
    MdfPolicy,
    MdfProgram,
    MdfRequest,
    Payout,
    PayoutBatch,
    PayoutKind,
    PayoutStatus,
    RequestStatus,
)
from partners.models import PartnerMembership
from prm.tenancy.context import current_tenant
from prm.users.models import PARTNER_ROLES, Role, User

PREFIX = "Scale MDF"  # the scale programs' names start with it (how a re-run knows them)
PROGRAMS = 8
ATTRIBUTIONS = 100_000
CENT = Decimal("0.01")
REQUEST_MIX = [
    (RequestStatus.APPROVED, 86),
    (RequestStatus.REJECTED, 6),
    (RequestStatus.CANCELLED, 4),
    (RequestStatus.SUBMITTED, 2),
    (RequestStatus.DRAFT, 2),
]
CLAIM_MIX = [
    (ClaimStatus.APPROVED, 88),
    (ClaimStatus.SUBMITTED, 6),
    (ClaimStatus.REJECTED, 4),
    (ClaimStatus.WITHDRAWN, 2),
]
PAYOUT_MIX = [
    (PayoutStatus.PAID, 72),
    (PayoutStatus.PENDING, 9),
    (PayoutStatus.APPROVED, 6),
    (PayoutStatus.EXPORTED, 6),
    (PayoutStatus.FAILED, 4),
    (PayoutStatus.REVERSED, 3),
]
ACTIVITIES = [
    (ActivityType.EVENT, "Customer event"),
    (ActivityType.WEBINAR, "Webinar series"),
    (ActivityType.DIGITAL_CAMPAIGN, "Digital campaign"),
    (ActivityType.CONTENT_SYNDICATION, "Content syndication"),
    (ActivityType.TRAINING, "Sales training"),
]
SUPPLIERS = ["DE811234567", "GB123456789", "NL001234567B01", "FR40123456789", "US-94-1234567"]
LEDGER_COLUMNS = [
    "id", "fund_id", "kind", "currency", "allocated", "committed", "payable", "paid",
    "reverses_id", "memo", "reference", "actor_id", "created_at",
]  # fmt: skip
REQUEST_COLUMNS = [
    "id", "fund_id", "partner_id", "requested_by_id", "activity_type", "title",
    "description", "starts_on", "ends_on", "currency", "requested_amount",
    "partner_contribution", "expected_leads", "expected_pipeline", "campaign_code",
    "status", "submitted_at", "approved_amount", "decided_at", "decided_by_id",
    "decision_note", "claim_due_on", "required_proofs", "extension_reason",
    "extension_asked_at", "extensions", "created_at", "updated_at",
]  # fmt: skip
CLAIM_COLUMNS = [
    "id", "request_id", "fund_id", "partner_id", "claimed_by_id", "currency", "amount",
    "invoice_number", "invoice_key", "supplier_tax_id", "invoice_total", "leads",
    "attendees", "pipeline", "note", "status", "submitted_at", "approved_amount",
    "decided_at", "decided_by_id", "decision_note", "updated_at",
]  # fmt: skip
DOCUMENT_COLUMNS = [
    "claim_id", "proof_type", "file", "original_name", "content_type", "size",
    "uploaded_by_id", "uploaded_at",
]  # fmt: skip
PAYOUT_COLUMNS = [
    "id", "kind", "claim_id", "fund_id", "partner_id", "currency", "amount", "status",
    "batch_id", "payment_reference", "failure_reason", "paid_on", "pay_entry_id",
    "created_at", "updated_at",
]  # fmt: skip


def _ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` ids from the table's own sequence (COPY gives none back)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _quarters(today: dt.date, count: int) -> list[tuple[dt.date, dt.date]]:
    """The last ``count`` calendar quarters up to today's, oldest first."""
    first = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    out = []
    for _ in range(count):
        end = (first.replace(day=28) + dt.timedelta(days=95)).replace(day=1)
        end = dt.date(end.year, 3 * ((end.month - 1) // 3) + 1, 1) - dt.timedelta(days=1)
        out.append((first, end))
        previous = first - dt.timedelta(days=1)
        first = dt.date(previous.year, 3 * ((previous.month - 1) // 3) + 1, 1)
    return out[::-1]


def _at(day: dt.date, rng: random.Random, now: dt.datetime) -> dt.datetime:
    """A time on ``day`` during office hours, never after ``now``."""
    moment = dt.datetime.combine(day, dt.time(8), tzinfo=dt.UTC) + dt.timedelta(
        minutes=rng.randrange(600)
    )
    return min(moment, now)


def _pick(rng: random.Random, mix: list) -> str:
    return rng.choices([s for s, _ in mix], [w for _, w in mix])[0]


def scale_present() -> bool:
    return MdfProgram.objects.filter(name__startswith=PREFIX).exists()


def add_claims(count: int, copy_rows: Callable) -> None:
    """Add the scale MDF data with ``count`` claims to the active tenant (see the module);
    nothing when its scale programs exist already."""
    if scale_present():
        print(f"{PREFIX} programs are in place already: nothing added.")
        return
    members: dict[int, list[int]] = {}
    for partner_id, user_id in (
        PartnerMembership.objects.filter(user__role__in=PARTNER_ROLES, user__is_active=True)
        .order_by("partner_id", "user_id")
        .values_list("partner_id", "user_id")
    ):
        members.setdefault(partner_id, []).append(user_id)
    partners = sorted(members)
    if not partners:
        raise ValueError("MDF scale data needs partners with people: add them first.")
    staff = list(
        User.objects.filter(role__in=[Role.CHANNEL_MANAGER, Role.VENDOR_ADMIN], is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    admin = User.objects.filter(role=Role.VENDOR_ADMIN).order_by("pk").values_list("pk", flat=True)
    payer = admin.first() or staff[0]
    currency = current_tenant().currency
    claim_days = MdfPolicy.current().claim_days
    rng = random.Random(14)
    now = timezone.now()
    today = now.date()
    nowiso = now.isoformat()

    # Programs (ORM: eight rows), then every figure below in Python, then COPY.
    quarters = _quarters(today, PROGRAMS)
    program_ids = _ids(MdfProgram, PROGRAMS)
    fund_ids = _ids(Fund, PROGRAMS * len(partners))
    funds: list[dict] = []  # program index, partner, figures
    for p in range(PROGRAMS):
        for n, partner_id in enumerate(partners):
            funds.append(
                {
                    "id": fund_ids[p * len(partners) + n],
                    "program": p,
                    "partner": partner_id,
                    "allocation": Decimal(rng.randrange(20, 81) * 1000),
                    "allocated": Decimal(0),  # the figures: sums of the entries below
                    "committed": Decimal(0),
                    "payable": Decimal(0),
                    "paid": Decimal(0),
                }
            )
    entries: list[tuple] = []  # (fund, kind, when, reference, moves); ids given last

    def entry(fund: dict, kind: str, when: dt.datetime, reference: str, **moves: Decimal) -> int:
        for figure, value in moves.items():
            fund[figure] += value
        entries.append((fund, kind, when, reference, moves))
        return len(entries) - 1  # its index; the id is given once all are known

    for fund in funds:
        start = quarters[fund["program"]][0]
        entry(
            fund,
            EntryKind.ALLOCATE,
            _at(start, rng, now),
            "",
            allocated=fund["allocation"],
        )

    # Requests: enough approved ones for the claims (about 1.12 per claim).
    request_count = max(PROGRAMS, int(count * 1.3))
    request_ids = _ids(MdfRequest, request_count)
    requests: list[dict] = []
    for rid in request_ids:
        fund = funds[rng.randrange(len(funds))]
        q_start, q_end = quarters[fund["program"]]
        starts = q_start + dt.timedelta(days=rng.randrange(max(1, (q_end - q_start).days - 10)))
        ends = starts + dt.timedelta(days=rng.randrange(0, 10))
        activity, title = ACTIVITIES[rng.randrange(len(ACTIVITIES))]
        amount = Decimal(rng.randrange(10, 81) * 100)
        status = _pick(rng, REQUEST_MIX)
        if status == RequestStatus.APPROVED and fund["committed"] + amount > fund["allocated"]:
            status = RequestStatus.REJECTED  # the fund could not cover it
        created = _at(starts - dt.timedelta(days=rng.randrange(14, 40)), rng, now)
        submitted = None if status == RequestStatus.DRAFT else created + dt.timedelta(hours=2)
        decided = (
            created + dt.timedelta(days=rng.randrange(1, 6))
            if status in (RequestStatus.APPROVED, RequestStatus.REJECTED, RequestStatus.CANCELLED)
            else None
        )
        if decided:
            decided = min(decided, now)
        row = {
            "id": rid,
            "fund": fund,
            "partner": fund["partner"],
            "by": rng.choice(members[fund["partner"]]),
            "activity": activity,
            "title": f"{title} {rid}",
            "starts": starts,
            "ends": ends,
            "amount": amount,
            "status": status,
            "created": created,
            "submitted": submitted,
            "decided": decided,
            "decider": rng.choice(staff) if decided else None,
            "approved": None,
            "due": None,
            "claimed": Decimal(0),
        }
        if status == RequestStatus.APPROVED:
            assert decided is not None
            row["approved"] = amount
            row["due"] = ends + dt.timedelta(days=claim_days)
            entry(fund, EntryKind.COMMIT, decided, f"mdf_request:{rid}", committed=amount)
        elif status == RequestStatus.CANCELLED and rng.random() < 0.5:  # approved, then cancelled
            row["approved"] = amount
            row["due"] = ends + dt.timedelta(days=claim_days)
            assert decided is not None
            entry(fund, EntryKind.COMMIT, decided, f"mdf_request:{rid}", committed=amount)
            entry(
                fund,
                EntryKind.RELEASE,
                min(decided + dt.timedelta(days=3), now),
                f"mdf_request:{rid}",
                committed=-amount,
            )
        requests.append(row)
    approved = [r for r in requests if r["status"] == RequestStatus.APPROVED]

    # Claims: one per approved request; more than those are second claims, refused ones.
    claim_ids = _ids(MdfClaim, count)
    claims: list[dict] = []
    for n, cid in enumerate(claim_ids):
        request = approved[n % len(approved)]
        first = n < len(approved)
        status = _pick(rng, CLAIM_MIX) if first else ClaimStatus.REJECTED
        fund = request["fund"]
        left = request["approved"] - request["claimed"]
        amount = max(CENT, (left * Decimal(rng.randrange(70, 101)) / 100).quantize(CENT))
        submitted = _at(request["ends"] + dt.timedelta(days=rng.randrange(1, 30)), rng, now)
        decided = (
            min(submitted + dt.timedelta(days=rng.randrange(1, 8)), now)
            if status != ClaimStatus.SUBMITTED
            else None
        )
        approved_amount = None
        if status == ClaimStatus.APPROVED:
            assert decided is not None
            approved_amount = amount if rng.random() < 0.9 else (amount * 9 / 10).quantize(CENT)
            request["claimed"] += approved_amount
            entry(
                fund,
                EntryKind.CLAIM,
                decided,
                f"claim:{cid}",
                committed=-approved_amount,
                payable=approved_amount,
            )
        claims.append(
            {
                "id": cid,
                "request": request,
                "status": status,
                "amount": amount,
                "approved": approved_amount,
                "submitted": submitted,
                "decided": decided,
                "decider": rng.choice(staff) if decided else None,
                "by": rng.choice(members[request["partner"]]),
                "leads": rng.randrange(0, 120),
                "attendees": rng.randrange(0, 300),
            }
        )

    # Payouts of the approved claims, in every state; batches by the month of their export.
    approved_claims = [c for c in claims if c["status"] == ClaimStatus.APPROVED]
    reversed_count = 0
    payouts: list[dict] = []
    months: dict[tuple[int, int], dt.datetime] = {}
    for claim in approved_claims:
        status = _pick(rng, PAYOUT_MIX)
        fund = claim["request"]["fund"]
        created = claim["decided"]
        payout = {"claim": claim, "fund": fund, "status": status, "created": created}
        payout |= {"batch": None, "reference": "", "paid_on": None, "entry": None, "failure": ""}
        if status != PayoutStatus.PENDING and status != PayoutStatus.APPROVED:
            exported = min(created + dt.timedelta(days=rng.randrange(3, 20)), now)
            months.setdefault((exported.year, exported.month), exported)
            payout["batch"] = (exported.year, exported.month)
            payout["updated"] = exported
        if status in (PayoutStatus.PAID, PayoutStatus.REVERSED):
            paid_at = min(payout.get("updated", created) + dt.timedelta(days=2), now)
            value = claim["approved"]
            payout["entry"] = entry(
                fund, EntryKind.PAY, paid_at, f"payout:{len(payouts)}", payable=-value, paid=value
            )
            payout["reference"] = f"PAY-{paid_at:%Y%m}-{claim['id']}"
            payout["paid_on"] = paid_at.date()
            payout["updated"] = paid_at
        if status == PayoutStatus.FAILED:
            payout["failure"] = "Account closed: new bank details needed."
        payouts.append(payout)
        if status == PayoutStatus.REVERSED:  # the payment came back: owed again, anew
            reversed_count += 1
            back = min(payout["updated"] + dt.timedelta(days=5), now)
            payout["reversal"] = back
            payouts.append(
                {"claim": claim, "fund": fund, "status": PayoutStatus.PENDING, "created": back}
                | {"batch": None, "reference": "", "paid_on": None, "entry": None, "failure": ""}
            )

    payout_ids = _ids(Payout, len(payouts))
    for payout, pid in zip(payouts, payout_ids, strict=True):
        payout["id"] = pid
    # The reversals, once the payouts have their ids (their entries name them).
    for payout in payouts:
        if payout["status"] == PayoutStatus.REVERSED:
            value = payout["claim"]["approved"]
            payout["reversal_entry"] = entry(
                payout["fund"],
                EntryKind.REVERSE,
                payout["reversal"],
                f"payout:{payout['id']}",
                payable=value,
                paid=-value,
            )
    entry_ids = _ids(LedgerEntry, len(entries))
    batch_keys = sorted(months)
    batch_ids = dict(zip(batch_keys, _ids(PayoutBatch, len(batch_keys)), strict=True))
    for payout in payouts:  # the pay entries' references name their payout
        if payout["entry"] is not None:
            fund, kind, when, _ref, moves = entries[payout["entry"]]
            entries[payout["entry"]] = (fund, kind, when, f"payout:{payout['id']}", moves)
    reverses = {
        p["reversal_entry"]: entry_ids[p["entry"]]
        for p in payouts
        if p["status"] == PayoutStatus.REVERSED
    }

    # --- COPY, parents first --------------------------------------------------------------
    for (start, end), pid in zip(quarters, program_ids, strict=True):
        quarter = (start.month - 1) // 3 + 1
        budget = sum(f["allocated"] for f in funds if f["program"] == program_ids.index(pid))
        MdfProgram.objects.create(
            id=pid,
            name=f"{PREFIX} {start.year} Q{quarter}",
            period_kind="quarter",
            starts_on=start,
            ends_on=end,
            currency=currency,
            budget=budget,
            shared_pool=False,
            active=end >= today,
        )
    copy_rows(
        Fund._meta.db_table,
        ["id", "program_id", "partner_id", "allocated", "committed", "payable", "paid"],
        (
            (
                f["id"],
                program_ids[f["program"]],
                f["partner"],
                f["allocated"],
                f["committed"],
                f["payable"],
                f["paid"],
            )
            for f in funds
        ),
        len(funds),
        "funds",
    )
    copy_rows(
        LedgerEntry._meta.db_table,
        LEDGER_COLUMNS,
        (
            (
                entry_ids[n],
                fund["id"],
                kind,
                currency,
                moves.get("allocated", 0),
                moves.get("committed", 0),
                moves.get("payable", 0),
                moves.get("paid", 0),
                reverses.get(n),
                "Payment returned by the bank" if kind == EntryKind.REVERSE else "",
                reference,
                payer,
                when.isoformat(),
            )
            for n, (fund, kind, when, reference, moves) in enumerate(entries)
        ),
        len(entries),
        "ledger entries",
    )
    copy_rows(
        MdfRequest._meta.db_table,
        REQUEST_COLUMNS,
        (
            (
                r["id"],
                r["fund"]["id"],
                r["partner"],
                r["by"],
                r["activity"],
                r["title"],
                "",
                r["starts"].isoformat(),
                r["ends"].isoformat(),
                currency,
                r["amount"],
                0,
                rng.randrange(10, 200),
                r["amount"] * 10,
                f"SC{r['id']}",
                r["status"],
                r["submitted"].isoformat() if r["submitted"] else None,
                r["approved"],
                r["decided"].isoformat() if r["decided"] else None,
                r["decider"],
                "",
                r["due"].isoformat() if r["due"] else None,
                "{" + ",".join(REQUIRED_PROOFS[r["activity"]]) + "}" if r["approved"] else "{}",
                "",
                None,
                0,
                r["created"].isoformat(),
                (r["decided"] or r["created"]).isoformat(),
            )
            for r in requests
        ),
        len(requests),
        "fund requests",
    )
    copy_rows(
        MdfClaim._meta.db_table,
        CLAIM_COLUMNS,
        (
            (
                c["id"],
                c["request"]["id"],
                c["request"]["fund"]["id"],
                c["request"]["partner"],
                c["by"],
                currency,
                c["amount"],
                f"INV-{c['id']}",
                f"INV{c['id']}",
                SUPPLIERS[c["id"] % len(SUPPLIERS)],
                c["amount"],
                c["leads"],
                c["attendees"],
                c["amount"] * 8,
                "",
                c["status"],
                c["submitted"].isoformat(),
                c["approved"],
                c["decided"].isoformat() if c["decided"] else None,
                c["decider"],
                "Proof missing." if c["status"] == ClaimStatus.REJECTED else "",
                (c["decided"] or c["submitted"]).isoformat(),
            )
            for c in claims
        ),
        len(claims),
        "claims",
    )
    proof = default_storage.save("mdf/scale/invoice.pdf", ContentFile(_tiny_pdf()))
    size = default_storage.size(proof)
    copy_rows(
        ClaimDocument._meta.db_table,
        DOCUMENT_COLUMNS,
        (
            (
                c["id"],
                "invoice",
                proof,
                f"invoice-{c['id']}.pdf",
                "application/pdf",
                size,
                c["by"],
                c["submitted"].isoformat(),
            )
            for c in claims
        ),
        len(claims),
        "claim documents",
    )
    copy_rows(
        PayoutBatch._meta.db_table,
        ["id", "created_by_id", "created_at"],
        ((batch_ids[k], payer, months[k].isoformat()) for k in batch_keys),
        len(batch_keys),
        "payment batches",
    )
    copy_rows(
        Payout._meta.db_table,
        PAYOUT_COLUMNS,
        (
            (
                p["id"],
                PayoutKind.MDF_CLAIM,
                p["claim"]["id"],
                p["fund"]["id"],
                p["fund"]["partner"],
                currency,
                p["claim"]["approved"],
                p["status"],
                batch_ids[p["batch"]] if p["batch"] else None,
                p["reference"],
                p["failure"],
                p["paid_on"].isoformat() if p["paid_on"] else None,
                entry_ids[p["entry"]] if p["entry"] is not None else None,
                p["created"].isoformat(),
                p.get("reversal", p.get("updated", p["created"])).isoformat(),
            )
            for p in payouts
        ),
        len(payouts),
        "payouts",
    )
    _attribute(program_ids, payer, nowiso)
    figures_refresh()  # the ROI figures of every activity, from the rows just written
    with connection.cursor() as cursor:
        for model in (
            Fund,
            LedgerEntry,
            MdfRequest,
            MdfClaim,
            Payout,
            Attribution,
            ActivityFigures,
        ):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
    print(
        f"{PREFIX}: {PROGRAMS} programs, {len(funds)} funds, {len(requests)} requests, "
        f"{len(claims)} claims, {len(payouts)} payouts ({reversed_count} paid again), "
        f"{len(entries)} ledger entries."
    )


def _attribute(program_ids: list[int], actor: int, now: str) -> None:
    """About ``ATTRIBUTIONS`` deals, each of an approved request's own partner, attributed
    to it (two per request, in the order of both ids; 3 in 5 sourced, one source per deal;
    deals attributed already are left alone)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH r AS (
                SELECT q.id, q.partner_id,
                       row_number() OVER (PARTITION BY q.partner_id ORDER BY q.id) AS rn
                FROM {MdfRequest._meta.db_table} q
                JOIN {Fund._meta.db_table} f ON f.id = q.fund_id
                WHERE q.status = 'approved' AND f.program_id = ANY(%s)
            ), d AS (
                SELECT x.id, x.partner_id,
                       row_number() OVER (PARTITION BY x.partner_id ORDER BY x.id) AS rn
                FROM {Deal._meta.db_table} x
                WHERE NOT EXISTS (  -- a deal attributed already keeps its activity
                    SELECT 1 FROM {Attribution._meta.db_table} a WHERE a.deal_id = x.id
                )
            )
            INSERT INTO {Attribution._meta.db_table}
                (deal_id, request_id, kind, source, attributed_by_id, attributed_at)
            SELECT d.id, r.id,
                   CASE WHEN d.id %% 5 < 3 THEN 'sourced' ELSE 'influenced' END,
                   'channel_manager', %s, %s
            FROM r JOIN d ON d.partner_id = r.partner_id
                AND d.rn IN (2 * r.rn - 1, 2 * r.rn)
            LIMIT %s
            """,
            [program_ids, actor, now, ATTRIBUTIONS],
        )


def _tiny_pdf() -> bytes:
    from incentives.demo_claims import pdf

    return pdf(["Invoice", "Scale data: one file shared by the benchmark's claims."])


__all__ = ["add_claims", "scale_present"]
