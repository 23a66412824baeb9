"""``seed_scale --accounts N``: accounts by COPY, normalised as the services write them, with
domains and near-duplicates the lookup finds; ``--deals N``: deals and their lines by COPY."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from deals.models import AccountDomain, CustomerAccount, Deal, DealLine, DealStatus, Product
from deals.normalise import name_keys, normalise_name
from deals.scale import add_accounts, add_deals
from deals.selectors import account_lookup
from partners.models import Partner, PartnerMembership
from prm.tenancy.management.commands.seed_scale import copy_rows
from prm.users.models import User


def test_scale_accounts_are_normalised_with_domains_and_findable_near_duplicates(acme):
    before = CustomerAccount.objects.count()
    add_accounts(400, copy_rows)
    added = CustomerAccount.objects.filter(external_crm_id__startswith="SCALE-")
    assert added.count() == 400 == CustomerAccount.objects.count() - before
    sample = added.order_by("pk")[7]
    assert sample.normalised_name == normalise_name(sample.name).normalised
    assert sample.name_keys == name_keys(sample.normalised_name)
    with_domain = AccountDomain.objects.filter(account__in=added).count()
    assert 350 <= with_domain < 400  # the near-duplicates have none
    duplicate = added.filter(domains__isnull=True).order_by("pk").first()
    original = added.filter(name_key=duplicate.name_key, domains__isnull=False).get()
    admin = User.objects.get(email="admin@acme.example")
    answer = account_lookup(admin, q=original.name, country=original.country.code)
    assert {m.account.pk: m.verdict for m in answer.matches}.get(duplicate.pk) == "match"
    assert len({a.path for a in added}) == 400  # every account its own place in the tree


def test_scale_deals_go_in_by_copy_on_the_tenants_accounts_partners_and_products(acme):
    """``seed_scale --deals N`` (issue 13, point 13): every state with what it carries,
    lines summing to the amount, by the partners' own people; the id sequence goes on."""
    before = set(Deal.objects.values_list("pk", flat=True))
    add_deals(300, copy_rows)
    added = Deal.objects.exclude(pk__in=before)
    assert added.count() == 300
    assert set(added.values_list("status", flat=True)) == set(DealStatus.values)
    assert not added.filter(lines__isnull=True).exists()
    for deal in added.order_by("pk")[::37]:
        assert deal.amount == sum(line.amount for line in deal.lines.all())
        assert deal.account.vendor_owned is False
        assert deal.submitter.partner_membership.partner_id == deal.partner_id
        assert {line.product.currency for line in deal.lines.all()} == {deal.currency}
    now = timezone.now()
    assert not added.filter(status=DealStatus.APPROVED, protected_until__lte=now).exists()
    assert not added.filter(status=DealStatus.WON, final_amount__isnull=True).exists()
    assert not added.filter(status=DealStatus.LOST, lost_reason="").exists()
    assert not added.filter(status=DealStatus.REJECTED, rejection_reason__isnull=True).exists()
    assert not added.exclude(status=DealStatus.DRAFT).filter(registered_at__isnull=True).exists()
    assert added.filter(registered_at__lt=now - timedelta(days=365)).exists()
    # The services' next deal takes the next id (the sequence was advanced, not bypassed).
    last = max(added.values_list("pk", flat=True))
    assert Deal.objects.order_by("-pk").first().pk == last
    partner = Partner.objects.get(display_name="Northwind Traders")
    nxt = Deal.objects.create(
        account=added.first().account,
        partner=partner,
        submitter=User.objects.get(email="bob@northwind.example"),
        name="After the scale deals",
        currency="USD",
        expected_close_date=now.date(),
    )
    assert nxt.pk > last


def test_scale_deals_on_a_tenant_without_a_catalogue_get_a_small_one(globex):
    DealLine.objects.all().delete()
    Product.objects.update(active=False)
    add_deals(20, copy_rows)
    scale_products = Product.objects.filter(sku__startswith="SCALE-")
    assert scale_products.count() == 9
    assert set(DealLine.objects.values_list("product__sku", flat=True)) <= set(
        scale_products.values_list("sku", flat=True)
    )


def test_scale_deals_need_accounts_and_partners_with_people(globex):
    PartnerMembership.objects.all().delete()
    with pytest.raises(CommandError, match="partners with people"):
        add_deals(5, copy_rows)


def test_seed_scale_deals_runs_after_the_users_it_adds(acme):
    before = Deal.objects.count()
    call_command(
        "seed_scale", "--tenant", "acme", "--users", "20", "--deals", "40", stdout=io.StringIO()
    )
    connection.set_tenant(acme)
    assert Deal.objects.count() == before + 40
