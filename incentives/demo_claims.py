"""The demo tenant's claims, payouts and ROI: the approved requests of quarters gone by are
claimed with their proof (small real PDF, PNG and CSV files), decided, and paid in monthly
payment batches; those of last quarter whose deadline is still open are partly claimed
through the services (waiting in the channel manager's inbox) and partly approved with
their payout waiting for finance. Deals each activity's partner registered after it are
attributed to it, sourced or influenced, so the ROI page shows real figures on day one."""

from __future__ import annotations

import datetime as dt
import random
import zlib
from collections import defaultdict
from decimal import ROUND_DOWN, Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.utils import timezone

from deals.models import Deal, DealStatus
from incentives import ledger
from incentives.claims import ProofIn, _claim_file, invoice_key
from incentives.figures import figures_refresh
from incentives.models import (
    Attribution,
    AttributionKind,
    AttributionSource,
    ClaimDocument,
    ClaimStatus,
    MdfClaim,
    MdfRequest,
    Payout,
    PayoutBatch,
    PayoutStatus,
    ProofType,
    RequestStatus,
)
from incentives.rates import rate_on
from prm.money import Money
from prm.tenancy.context import current_schema
from prm.uploads import KINDS
from prm.users.models import User

C, P = ClaimStatus, PayoutStatus
SUPPLIERS = [
    ("Messe Event Services GmbH", "DE811234567"),
    ("BrightWeb Media Ltd", "GB123456789"),
    ("Contenta Syndication BV", "NL001234567B01"),
    ("Eventful Venues SAS", "FR40123456789"),
    ("PrintPro Solutions Inc", "US-94-1234567"),
]


CENT = Decimal("0.01")


def pdf(lines: list[str]) -> bytes:
    """A one-page PDF that shows ``lines`` (what an invoice preview needs)."""
    text = (
        "BT /F1 12 Tf 60 780 Td 16 TL "
        + " ".join(
            "(" + line.replace("\\", "").replace("(", "").replace(")", "") + ") '" for line in lines
        )
        + " ET"
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text.encode("latin-1")),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (n, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def png(seed: int, width: int = 160, height: int = 100) -> bytes:
    """A small photo-like PNG (a colour gradient), valid for any viewer."""
    rng = random.Random(seed)
    base = [rng.randrange(60, 200) for _ in range(3)]
    rows = b"".join(
        b"\x00"
        + bytes(
            (base[c] + (x * 40) // width + (y * 30) // height) % 256
            for x in range(width)
            for c in range(3)
        )
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + b"\x08\x02\x00\x00\x00"
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def attendees(rng: random.Random, count: int) -> bytes:
    first = ["Anna", "Ben", "Chloé", "David", "Elif", "Farid", "Greta", "Hugo", "Ines", "Jonas"]
    last = ["Schmidt", "Martin", "Rossi", "Novak", "Jensen", "García", "Kowalski", "Dubois"]
    rows = ["Name,Company,E-mail,Job title"]
    for i in range(count):
        f, la = rng.choice(first), rng.choice(last)
        rows.append(f"{f} {la},Customer {i % 17 + 1},{f.lower()}.{i}@example.com,IT manager")
    return ("\n".join(rows) + "\n").encode("utf-8")


def _proofs(request: MdfRequest, number: str, supplier: str, total: Decimal, rng: random.Random):
    """(proof type, file name, content) of each proof the request's approval asked for."""
    made = []
    for proof in request.required_proofs:
        if proof == ProofType.INVOICE:
            lines = [
                supplier,
                f"Invoice {number}",
                f"Date {request.ends_on:%d %b %Y}",
                f"{request.title}: {total:,.2f} {request.currency}",
            ]
            made.append((proof, f"invoice-{number}.pdf", pdf(lines)))
        elif proof == ProofType.PHOTOS:
            made.append((proof, "activity-photo.png", png(rng.randrange(10**6))))
        elif proof == ProofType.ATTENDEES:
            made.append((proof, "attendees.csv", attendees(rng, rng.randint(12, 40))))
        else:
            lines = [f"{request.title}: results", f"Leads: {request.expected_leads}"]
            made.append((proof, f"{proof}.pdf", pdf(lines)))
    return made


def seed_claims(rng: random.Random, decider: User, finance: User, today: dt.date) -> None:
    """Claims, payouts and attributions of the approved requests (see the module)."""
    approved = (
        MdfRequest.objects.filter(status=RequestStatus.APPROVED, ends_on__lt=today)
        .select_related("fund__program", "partner", "requested_by")
        .order_by("starts_on", "pk")
    )
    batches: dict[tuple[int, int], PayoutBatch] = {}
    decided_claims: list[tuple[dt.datetime, MdfClaim]] = []
    in_euro = False
    for n, request in enumerate(approved):
        assert request.approved_amount is not None and request.claim_due_on is not None
        supplier, tax_id = SUPPLIERS[n % len(SUPPLIERS)]
        number = f"{request.ends_on:%y%m}-{request.pk:05d}"
        share = Decimal(rng.choice(["1", "1", "1", "0.9", "0.75"]))
        amount = (request.approved_amount * share).quantize(Decimal("0.01"))
        total = (amount * Decimal("1.6")).quantize(Decimal("0.01"))
        fields = {
            "invoice_number": f"INV-{number}",
            "supplier_tax_id": tax_id,
            "invoice_total": total,
            "leads": rng.randint(max(1, request.expected_leads // 2), request.expected_leads + 10),
            "attendees": rng.randint(15, 90),
            "pipeline": request.expected_pipeline * Decimal(rng.choice(["0.6", "0.9", "1.2"])),
            "note": "Activity ran as planned.",
        }
        proofs = _proofs(request, number, supplier, total, rng)
        open_deadline = request.claim_due_on >= today
        if open_deadline and n % 2 == 0:  # waiting in the channel manager's inbox
            entered = Money(amount, request.currency)
            euro = rate_on("EUR", today) if request.currency != "EUR" and not in_euro else None
            if euro is not None:
                # The first one is entered in EUR, the invoice's currency (converted at the
                # rate in force: at most the amount left, whatever the rounding).
                in_euro = True
                rate = euro / (rate_on(request.currency, today) or 1)
                entered = Money((amount / rate).quantize(CENT, rounding=ROUND_DOWN), "EUR")
                fields = {**fields, "invoice_total": (total / rate).quantize(CENT)}
            _claim_file(
                actor=request.requested_by,
                request=request,
                amount=entered,
                files=[ProofIn(p, SimpleUploadedFile(name, data)) for p, name, data in proofs],
                **fields,
            )
            continue
        roll = rng.random()
        # Mostly approved; some rejected (a proof missing), a few withdrawn by the partner.
        status = C.WITHDRAWN if n % 13 == 7 else C.REJECTED if roll > 0.93 else C.APPROVED
        decided = timezone.make_aware(
            dt.datetime.combine(request.ends_on, dt.time(15))
            + dt.timedelta(days=rng.randint(8, 25))
        )
        claim = MdfClaim.objects.create(
            request=request,
            fund=request.fund,
            partner=request.partner,
            claimed_by=request.requested_by,
            currency=request.currency,
            amount=amount,
            invoice_key=invoice_key(fields["invoice_number"]),
            status=status,
            approved_amount=amount if status == C.APPROVED else None,
            decided_at=None if status == C.WITHDRAWN else min(decided, timezone.now()),
            decided_by=None if status == C.WITHDRAWN else decider,
            decision_note={
                C.APPROVED: "Proof complete.",
                C.REJECTED: "The photos are missing.",
            }.get(status, ""),
            **fields,
        )
        MdfClaim.objects.filter(pk=claim.pk).update(submitted_at=decided - dt.timedelta(days=6))
        for proof, name, data in proofs:
            ext = name.rsplit(".", 1)[1]
            stored = default_storage.save(
                f"{current_schema()}/mdf/{request.pk}/demo-{claim.pk}-{proof}.{ext}",
                ContentFile(data),
            )
            ClaimDocument.objects.create(
                claim=claim,
                proof_type=proof,
                file=stored,
                original_name=name,
                content_type=KINDS[ext][1],
                size=len(data),
                uploaded_by=request.requested_by,
            )
        if status == C.APPROVED:
            decided_claims.append((decided, claim))
    # The latest approved claims' payouts wait for finance, are approved for payment or sent
    # to accounts payable; the older ones are paid.
    decided_claims.sort(key=lambda pair: pair[0])
    for rank, (decided, claim) in enumerate(reversed(decided_claims)):
        state = [P.PENDING, P.APPROVED, P.APPROVED, P.EXPORTED, P.EXPORTED][rank : rank + 1]
        _paid(claim, decided, finance, today, batches, state[0] if state else P.PAID)
    _attribute(rng, today)
    figures_refresh()  # written by hand above: the ROI figures of every activity


def _paid(
    claim: MdfClaim,
    decided: dt.datetime,
    finance: User,
    today: dt.date,
    batches: dict[tuple[int, int], PayoutBatch],
    status: str,
) -> None:
    """The approved claim's payable entry and its payout in ``status``: exported and paid
    ones in a batch of the month of their approval, paid a few weeks after it."""
    money = Money(claim.amount, claim.currency)
    ledger.claim(fund=claim.fund, amount=money, actor=claim.decided_by, reference=claim.reference)
    payout = Payout.objects.create(
        claim=claim,
        fund=claim.fund,
        partner=claim.partner,
        currency=claim.currency,
        amount=claim.amount,
        status=P.APPROVED if status == P.PAID else status,
    )
    if status in (P.PENDING, P.APPROVED):
        return
    month = (decided.year, decided.month)
    batch = batches.get(month)
    if batch is None:
        batch = batches[month] = PayoutBatch.objects.create(created_by=finance)
        PayoutBatch.objects.filter(pk=batch.pk).update(created_at=decided + dt.timedelta(days=3))
    if status == P.EXPORTED:
        Payout.objects.filter(pk=payout.pk).update(batch=batch)
        return
    entry = ledger.pay(fund=claim.fund, amount=money, actor=finance, reference=payout.reference)
    paid_on = min(decided.date() + dt.timedelta(days=rnd_days(claim.pk)), today)
    Payout.objects.filter(pk=payout.pk).update(
        status=P.PAID,
        batch=batch,
        pay_entry=entry,
        payment_reference=f"SEPA-{paid_on:%Y%m%d}-{batch.pk:03d}",
        paid_on=paid_on,
    )


def rnd_days(seed: int) -> int:
    """Days from a claim's approval to its payment: two to five weeks."""
    return 14 + seed * 7 % 22


def _attribute(rng: random.Random, today: dt.date) -> None:
    """Deals each activity's partner registered in the 90 days after it: a share sourced
    (their campaign code written at registration), some influenced by the channel
    manager."""
    taken: set[int] = set()
    requests = MdfRequest.objects.filter(status=RequestStatus.APPROVED, ends_on__lt=today)
    by_partner: dict[int, list[MdfRequest]] = defaultdict(list)
    for request in requests.order_by("ends_on"):
        by_partner[request.partner_id].append(request)
    pipeline = Q(status__in=[DealStatus.APPROVED, DealStatus.WON, DealStatus.SUBMITTED])
    for partner_id, theirs in by_partner.items():
        for request in theirs:
            after = timezone.make_aware(dt.datetime.combine(request.ends_on, dt.time()))
            deals = list(
                Deal.objects.filter(
                    pipeline,
                    partner_id=partner_id,
                    currency=request.currency,
                    registered_at__gte=after,
                    registered_at__lt=after + dt.timedelta(days=90),
                )
                .exclude(pk__in=taken)
                .order_by("registered_at")[:6]
            )
            for deal in deals:
                if rng.random() < 0.45:
                    continue
                taken.add(deal.pk)
                sourced = rng.random() < 0.5
                if sourced:
                    Deal.objects.filter(pk=deal.pk).update(campaign_code=request.campaign_code)
                Attribution.objects.create(
                    deal=deal,
                    request=request,
                    kind=AttributionKind.SOURCED if sourced else AttributionKind.INFLUENCED,
                    source=AttributionSource.CAMPAIGN_CODE
                    if sourced
                    else AttributionSource.CHANNEL_MANAGER,
                    attributed_by=deal.submitter if sourced else request.decided_by,
                )
