"""``seed_scale --accounts N``: accounts by COPY, normalised as the services write them, with
domains and near-duplicates the lookup finds."""

from deals.models import AccountDomain, CustomerAccount
from deals.normalise import normalise_name
from deals.scale import add_accounts
from deals.selectors import account_lookup
from prm.tenancy.management.commands.seed_scale import copy_rows
from prm.users.models import User


def test_scale_accounts_are_normalised_with_domains_and_findable_near_duplicates(acme):
    before = CustomerAccount.objects.count()
    add_accounts(400, copy_rows)
    added = CustomerAccount.objects.filter(external_crm_id__startswith="SCALE-")
    assert added.count() == 400 == CustomerAccount.objects.count() - before
    sample = added.order_by("pk")[7]
    assert sample.normalised_name == normalise_name(sample.name).normalised
    with_domain = AccountDomain.objects.filter(account__in=added).count()
    assert 350 <= with_domain < 400  # the near-duplicates have none
    duplicate = added.filter(domains__isnull=True).order_by("pk").first()
    original = added.filter(name_key=duplicate.name_key, domains__isnull=False).get()
    admin = User.objects.get(email="admin@acme.example")
    answer = account_lookup(admin, q=original.name, country=original.country.code)
    assert {m.account.pk: m.verdict for m in answer.matches}.get(duplicate.pk) == "match"
    assert len({a.path for a in added}) == 400  # every account its own place in the tree
