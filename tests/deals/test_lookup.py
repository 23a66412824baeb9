"""The account lookup: the matching table (tests/deals/matching_table.py) against the
database in both directions, and the answer's shape: statuses, reasons, the tree, the
limit on candidates and what it never says."""

from __future__ import annotations

import pytest

from deals import services
from deals.models import CommonNameKey, CustomerAccount, ReservationPolicy
from deals.namekeys import common_name_keys_refresh, name_keys_fill
from deals.normalise import account_domain, looks_like_domain, name_keys
from deals.selectors import LOOKUP_MAX_MATCHES, account_lookup
from tests.deals.conftest import make_account
from tests.deals.matching_table import ROWS, row_id


def _verdict(answer, account) -> str:
    for candidate in answer.matches:
        if candidate.account.pk == account.pk:
            return candidate.verdict
    return "none"


def _check(expected: str, verdict: str) -> None:
    if expected == "not_match":
        assert verdict != "match"
    else:
        assert verdict == expected


@pytest.mark.parametrize("row", ROWS, ids=row_id)
def test_the_matching_table_holds_with_the_first_as_the_account(world, row):
    a, ca, da, b, cb, db, expected = row
    account = make_account(world.admin, a, ca, [da] if da else [])
    answer = account_lookup(world.bob, q=b, domain=db, country=cb)
    _check(expected, _verdict(answer, account))


@pytest.mark.parametrize("row", ROWS, ids=row_id)
def test_the_matching_table_holds_with_the_second_as_the_account(world, row):
    a, ca, da, b, cb, db, expected = row
    if looks_like_domain(b):  # a query by address: the other way, it is the account's
        b, db = "", b
    domain = account_domain(db) if db else None
    account = make_account(
        world.admin, b or "Reverse Direction Test Company", cb, [domain] if domain else []
    )
    answer = account_lookup(world.bob, q=a, domain=da, country=ca)
    _check(expected, _verdict(answer, account))


def test_an_open_account_that_matches_answers_open_with_the_reason(world):
    account = make_account(world.admin, "ACME Corporation", "DE", ["acme.com"])
    answer = account_lookup(world.bob, q="Acme Corp", country="DE")
    assert answer.status == "open"
    [candidate] = answer.matches
    assert (candidate.account, candidate.verdict, candidate.status) == (account, "match", "open")
    assert candidate.reasons == [
        "same name after normalisation (Acme Corp = ACME Corporation), same country DE"
    ]


def test_a_domain_match_says_same_domain(world):
    make_account(world.admin, "Acme", "GB", ["acme.co.uk"])
    answer = account_lookup(world.bob, q="", domain="https://shop.acme.co.uk/")
    assert answer.matches[0].reasons == ["same domain acme.co.uk"]


def test_a_similar_name_alone_is_needs_review_with_its_score(world):
    make_account(world.admin, "Northrop Grumman", "US")
    answer = account_lookup(world.bob, q="Northrup Grumman", country="US")
    assert answer.status == "needs_review"
    [candidate] = answer.matches
    assert candidate.verdict == "possible"
    assert candidate.reasons[0].startswith("name 0.")
    assert "(Northrup Grumman ≈ Northrop Grumman), same country US" in candidate.reasons[0]


def test_nothing_found_is_open_with_no_matches(world):
    answer = account_lookup(world.bob, q="Completely Unknown Widgets", country="US")
    assert (answer.status, answer.matches) == ("open", [])


def test_a_reserved_account_is_reserved_for_others_and_reserved_by_you_for_its_holder(world):
    account = make_account(world.admin, "Globex Corporation", "US")
    services.reservation_create(actor=world.bob, account=account)
    assert account_lookup(world.bob, q="Globex", country="US").status == "reserved_by_you"
    answer = account_lookup(world.carol, q="Globex", country="US")
    assert answer.status == "reserved"
    text = repr(answer)  # never who holds it
    assert "Northwind" not in text and "bob@" not in text


def test_a_vendor_owned_account_answers_vendor_owned(world):
    make_account(world.admin, "Initech", "US", vendor_owned=True, vendor_owner=world.admin)
    assert account_lookup(world.carol, q="Initech Inc", country="US").status == "vendor_owned"


def test_parents_and_children_of_a_match_are_named_as_such(world):
    group = make_account(world.admin, "Umbrella Group", "US", ["umbrella.com"])
    make_account(world.admin, "Umbrella Berlin", "DE", ["umbrella.de"], parent=group)
    answer = account_lookup(world.bob, q="", domain="umbrella.de")
    assert "child of Umbrella Group" in answer.matches[0].reasons
    assert answer.matches[0].parent == group


def test_the_lookup_answers_at_most_a_few_candidates(world):
    for i in range(LOOKUP_MAX_MATCHES + 3):
        make_account(world.admin, f"Vertex Analytics {i}", "US")
    answer = account_lookup(world.bob, q="Vertex Analytics", country="US")
    assert len(answer.matches) == LOOKUP_MAX_MATCHES


def test_the_tenants_thresholds_decide_what_is_possible(world):
    make_account(world.admin, "Schneider Electric", "FR")
    assert account_lookup(world.bob, q="Schnieder Electric", country="FR").matches
    ReservationPolicy.objects.update_or_create(
        singleton=True, defaults={"possible_min_score": 0.99}
    )
    assert account_lookup(world.bob, q="Schnieder Electric", country="FR").matches == []


# --- the name keys the candidates are found by (deals.namekeys) ---------------------------


def test_an_account_carries_the_keys_of_its_name_and_a_rename_rewrites_them(world):
    account = make_account(world.admin, "Zorvan Logistics GmbH", "DE")
    assert account.name_keys == name_keys("zorvan logistics")
    services.account_update(
        actor=world.admin, account=account, fields={"name": "Quellor Foods GmbH"}
    )
    account.refresh_from_db()
    assert account.name_keys == name_keys("quellor foods")


def test_the_keys_of_accounts_written_without_the_services_are_filled_in(world):
    account = make_account(world.admin, "Zorvan Logistics GmbH", "DE")
    CustomerAccount.objects.filter(pk=account.pk).update(name_keys=[])
    assert name_keys_fill(only_missing=True) >= 1
    account.refresh_from_db()
    assert account.name_keys == name_keys("zorvan logistics")


def test_keys_more_accounts_share_than_the_threshold_are_counted_as_common(world, monkeypatch):
    monkeypatch.setattr(CommonNameKey, "COMMON_NAME_KEY", 2)
    for word in ("Zorvan", "Quellor", "Brintax"):
        make_account(world.admin, f"{word} Logistics", "DE")
    common_name_keys_refresh()
    common = dict(CommonNameKey.objects.values_list("key", "accounts"))
    assert common["logistics"] >= 3 and common["logistcs"] >= 3  # and its one-typo neighbours
    assert "zorvan" not in common


def test_a_typo_is_found_by_its_distinctive_word_when_the_other_is_common(world, monkeypatch):
    monkeypatch.setattr(CommonNameKey, "COMMON_NAME_KEY", 2)
    for word in ("Zorvan", "Quellor", "Brintax"):
        make_account(world.admin, f"{word} Logistics", "DE")
    common_name_keys_refresh()
    answer = account_lookup(world.bob, q="Zorvam Logistics", country="DE")
    assert [(c.account.name, c.verdict) for c in answer.matches] == [
        ("Zorvan Logistics", "possible")
    ]


def test_a_name_of_only_common_words_is_looked_up_by_its_exact_name(world, monkeypatch):
    monkeypatch.setattr(CommonNameKey, "COMMON_NAME_KEY", 2)
    for word in ("Zorvan", "Quellor", "Brintax"):
        make_account(world.admin, f"{word} Logistics", "DE")
    exact = make_account(world.admin, "Logistics AG", "DE")
    common_name_keys_refresh()
    answer = account_lookup(world.bob, q="Logistics GmbH", country="DE")
    assert [(c.account, c.verdict) for c in answer.matches] == [(exact, "match")]


def test_the_lookup_reads_as_many_queries_for_five_candidates_as_for_one(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_account(world.admin, "Quorvane Dynamics", "US")
    for i in range(LOOKUP_MAX_MATCHES):
        make_account(world.admin, f"Zentrivo Analytics {i}", "US")
    counts = []
    for q in ("Quorvane Dynamics", "Zentrivo Analytics"):
        account_lookup(world.bob, q=q, country="US")  # the policy and caches warm
        with CaptureQueriesContext(connection) as queries:
            answer = account_lookup(world.bob, q=q, country="US")
        counts.append((len(answer.matches), len(queries)))
    (one, few), (five, many) = counts
    assert (one, five) == (1, LOOKUP_MAX_MATCHES)
    assert few == many
