"""The demo program's customer accounts and reservations (issue 12, point 9)."""

from datetime import timedelta

from django.utils import timezone

from deals.demo import OLD_CRM
from deals.models import CustomerAccount, Reservation, ReservationStatus
from deals.selectors import account_lookup
from prm.users.models import User


def test_the_demo_has_accounts_with_offices_domains_and_named_accounts(acme):
    accounts = CustomerAccount.objects.all()
    assert 350 <= accounts.count() <= 450
    assert accounts.filter(depth__gt=1).count() >= 80  # offices and subsidiaries
    assert accounts.filter(vendor_owned=True, vendor_owner__isnull=False).count() >= 20
    assert accounts.filter(domains__isnull=False).distinct().count() >= 380
    assert set(accounts.values_list("country", flat=True)) >= {"DE", "US", "GB", "JP", "BR"}


def test_the_demo_has_near_duplicates_the_lookup_finds(acme):
    duplicates = CustomerAccount.objects.filter(external_crm_id__startswith=OLD_CRM)
    assert duplicates.count() == 5
    admin = User.objects.get(email="admin@acme.example")
    for duplicate in duplicates:
        # The original: same name but for its legal form, same country, with a domain.
        original = (
            CustomerAccount.objects.filter(domains__isnull=False, name_key=duplicate.name_key)
            .exclude(pk=duplicate.pk)
            .get()
        )
        answer = account_lookup(admin, q=original.name, country=original.country.code)
        found = {m.account.pk: m.verdict for m in answer.matches}
        assert found.get(duplicate.pk) == "match", (original.name, found)


def test_the_demo_has_reservations_in_every_state_some_ending_this_week(acme):
    now = timezone.now()
    rows = Reservation.objects.all()
    assert 50 <= rows.count() <= 70
    by_status = {s: rows.filter(status=s).count() for s in ReservationStatus.values}
    assert all(count >= 8 for count in by_status.values()), by_status
    ending = rows.filter(status="active", expires_at__lte=now + timedelta(days=7))
    assert ending.count() >= 3
    assert not rows.filter(status="active", expires_at__lte=now).exists()
    assert rows.filter(status="active", partner__display_name__startswith="Northwind").exists()
    assert rows.filter(status="active", partner__display_name__startswith="Contoso").exists()
