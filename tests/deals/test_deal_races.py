"""Deal submissions under real concurrency (threads, each on its own database connection,
committing for real, as tests/deals/test_reservation_races.py does): two partners submit
conflicting deals on one account at the same moment, 200 times. Each time the outcome is
the serial outcome of the commit order: the first registration has no conflict and keeps
its priority, the second is flagged against the first; and no deal is approved
automatically while a conflicting earlier one is active."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from deals import services
from deals.models import (
    ConflictCode,
    CustomerAccount,
    Deal,
    DealStatus,
    Product,
    ProductLine,
)
from deals.services import LineIn
from partners.models import (
    AgreementAcceptance,
    Partner,
    PartnerMembership,
    PartnerStatus,
    PartnerType,
    Tier,
)
from partners.selectors import agreement_current
from partners.services import agreement_accept
from prm.outbox.models import Event
from prm.users.models import Role, User
from prm.users.services import user_create
from tests.workflows.test_races import Racers
from workflows.models import WorkflowRun

PREFIX = "Deal race"
TRIALS = 200
pytestmark = pytest.mark.worker  # commits, like the real-process tests


def clean_up() -> None:
    deals = Deal.objects.filter(name__startswith=PREFIX)
    ids = [str(pk) for pk in deals.values_list("pk", flat=True)]
    WorkflowRun.objects.filter(object_type="deal", object_id__in=ids).delete()
    Event.objects.filter(object_type="deal", object_id__in=ids).delete()
    Deal.history.filter(name__startswith=PREFIX).delete()
    deals.delete()
    CustomerAccount.objects.filter(name__startswith=PREFIX).delete()
    Product.objects.filter(sku__startswith="RACE-").delete()
    ProductLine.objects.filter(name__startswith=PREFIX).delete()
    PartnerMembership.objects.filter(user__email__startswith="race-deal-").delete()
    # The race's own users: their acceptances are kept forever otherwise (PROTECT).
    AgreementAcceptance.objects.filter(user__email__startswith="race-deal-").delete()
    User.objects.filter(email__startswith="race-deal-").delete()
    Partner.objects.filter(display_name__startswith=PREFIX).delete()


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), schema_context("acme"):
        clean_up()
        yield User.objects.get(email="admin@acme.example")
        clean_up()


def gold_partner_users(count: int) -> list[User]:
    """One partner user in each of ``count`` new active Gold partners, who accepted the
    current agreement (committed)."""
    gold = Tier.objects.get(name="Gold")
    users = []
    for i in range(count):
        partner = Partner.objects.add_root(
            instance=Partner(
                display_name=f"{PREFIX} partner {i}",
                partner_type=PartnerType.RESELLER,
                status=PartnerStatus.ACTIVE,
                tier=gold,
                channel_manager=User.objects.get(email="cam@acme.example"),
            )
        )
        user = user_create(
            email=f"race-deal-{i}@acme.example", role=Role.PARTNER_USER, send_welcome=False
        )
        PartnerMembership.objects.create(partner=partner, user=user, role="member")
        if agreement_current() is not None:
            agreement_accept(actor=user, agreement=agreement_current(), ip_address="127.0.0.1")
        users.append(user)
    return users


def test_two_partners_submitting_conflicting_deals_at_once_end_in_the_serial_outcome(committed):
    line = ProductLine.objects.create(name=f"{PREFIX} firewalls")
    product = Product.objects.create(
        sku="RACE-FW", name="Race firewall", line=line, list_price=1000, currency="USD"
    )
    users = gold_partner_users(2)
    close = timezone.localdate() + timedelta(days=30)
    with Racers(2) as racers:
        for trial in range(TRIALS):
            account = services.account_create(actor=committed, name=f"{PREFIX} customer {trial}")
            drafts = [
                services.deal_create(
                    actor=user,
                    account=account,
                    name=f"{PREFIX} {trial} by {i}",
                    lines=[LineIn(product, 2, Decimal("900.00"))],
                    currency="USD",
                    expected_close_date=close,
                )
                for i, user in enumerate(users)
            ]
            results = racers.run(
                lambda i, drafts=drafts: services.deal_submit(
                    actor=User.objects.get(pk=users[i].pk), deal=drafts[i]
                ),
            )
            assert all(isinstance(r, Deal) for r in results), (trial, results)
            first, second = sorted(
                Deal.objects.filter(pk__in=[d.pk for d in drafts]), key=lambda d: d.registered_at
            )
            assert first.registered_at < second.registered_at, trial
            # The earlier registration saw nothing; the later one is flagged against it.
            assert first.conflict_count == 0, trial
            assert second.conflict_codes == [ConflictCode.SAME_ACCOUNT], trial
            assert second.conflicts.get().competing_deal_id == first.pk, trial
            # Whatever the workflows did after commit, the later one was not approved by itself.
            assert second.status in (DealStatus.SUBMITTED, DealStatus.UNDER_REVIEW), (trial, second)
            # The next trial's customers are other companies: these no longer compete.
            Deal.objects.filter(pk__in=[first.pk, second.pk]).update(status=DealStatus.WITHDRAWN)
