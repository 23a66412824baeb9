"""The lookup's evaluation set (deals.evaluation) at a small size: a few hundred generated
accounts in the test tenant, the bench's generator and figures, and the issue's targets,
which could fail: false matches at most 1%, recall at least 95% by domain or exact name
after normalisation and at least 85% for typos and other name-only variants."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.db import connection
from django.test import TestCase

from deals import evaluation
from deals.models import CustomerAccount
from deals.normalise import normalise_name, registrable_domain
from deals.scale import add_accounts
from deals.selectors import account_lookup
from prm.tenancy.management.commands.seed_scale import copy_rows
from prm.users.models import User
from tests.conftest import _activate

PER_RULE = 30


@pytest.fixture(scope="module")
def _evaluated(django_db_setup, django_db_blocker):
    """The accounts, queries and the lookup's answers, which the three tests of the targets
    only read: built once for the module, in acme, inside a transaction rolled back after
    the module (as ``module_world`` in tests/partners/conftest.py)."""
    with django_db_blocker.unblock():
        atomics = TestCase._enter_atomics()
        try:
            _activate("acme")
            add_accounts(400, copy_rows)
            pool = CustomerAccount.objects.filter(external_crm_id__startswith="SCALE-")
            queries = evaluation.generate(seed=7, per_rule=PER_RULE, pool=pool)
            bob = User.objects.get(email="bob@northwind.example")
            answers = [
                evaluation.lookup_answer(
                    account_lookup(bob, q=q.q, domain=q.domain, country=q.country)
                )
                for q in queries
            ]
        except BaseException:
            TestCase._rollback_atomics(atomics)
            raise
        finally:
            connection.set_schema_to_public()
    yield queries, answers
    with django_db_blocker.unblock():
        TestCase._rollback_atomics(atomics)
        connection.set_schema_to_public()


@pytest.fixture
def evaluated(_evaluated, acme):
    """``_evaluated``, in acme, each test in a savepoint of the module's transaction."""
    return _evaluated


def test_the_generator_makes_every_rule_with_the_same_queries_for_the_same_seed(acme):
    add_accounts(400, copy_rows)
    pool = CustomerAccount.objects.filter(external_crm_id__startswith="SCALE-")
    first = evaluation.generate(seed=3, per_rule=10, pool=pool)
    assert first == evaluation.generate(seed=3, per_rule=10, pool=pool)
    assert first != evaluation.generate(seed=4, per_rule=10, pool=pool)
    made = {q.rule for q in first}
    assert made == set(evaluation.RULES)
    for rule in evaluation.RULES:
        assert sum(q.rule == rule for q in first) == 10, rule


def test_each_query_knows_its_account_or_that_the_company_is_not_in_the_data(acme):
    add_accounts(400, copy_rows)
    pool = CustomerAccount.objects.filter(external_crm_id__startswith="SCALE-")
    queries = evaluation.generate(seed=5, per_rule=15, pool=pool)
    for query in queries:
        if query.rule in evaluation.NEGATIVE_RULES:
            assert query.expected is None
            if query.q and query.rule != "negative_other_country":
                key = normalise_name(query.q).key
                assert not CustomerAccount.objects.filter(name_key=key).exists(), query
            if query.domain:
                found = registrable_domain(query.domain)
                assert not CustomerAccount.objects.filter(domains__domain=found).exists()
        else:
            account = CustomerAccount.objects.get(pk=query.expected)
            family = evaluation.POSITIVE_RULES[query.rule]
            if family == "exact":
                assert normalise_name(query.q).key == account.name_key, query
            elif family == "domain":
                domains = set(account.domains.values_list("domain", flat=True))
                assert registrable_domain(query.domain) in domains, query
            else:  # a typo is never another company's exact name
                key = normalise_name(query.q).key
                assert key != account.name_key, query
                assert not CustomerAccount.objects.filter(name_key=key).exists(), query


def test_a_country_suffix_is_asked_only_for_accounts_whose_domain_has_one(acme):
    add_accounts(400, copy_rows)
    pool = CustomerAccount.objects.filter(external_crm_id__startswith="SCALE-")
    queries = evaluation.generate(seed=9, per_rule=20, pool=pool, rules=["domain_country_suffix"])
    assert len(queries) == 20
    for query in queries:
        assert registrable_domain(query.domain).rsplit(".", 1)[-1] != "com"


def test_the_lookup_makes_at_most_one_percent_false_matches(evaluated):
    queries, answers = evaluated
    summary = evaluation.summary(evaluation.figures(queries, answers))
    assert summary["false_match"] <= evaluation.FALSE_MATCH_TARGET
    assert summary["false_match_negatives"] <= evaluation.FALSE_MATCH_TARGET


def test_the_lookup_finds_the_account_by_domain_or_exact_name_at_least_95_percent(evaluated):
    queries, answers = evaluated
    per_rule = evaluation.figures(queries, answers)
    for rule, family in evaluation.POSITIVE_RULES.items():
        if family in ("domain", "exact"):
            assert per_rule[rule].recall >= 0.95, (rule, per_rule[rule])


def test_the_lookup_finds_the_account_despite_typos_at_least_85_percent(evaluated):
    queries, answers = evaluated
    per_rule = evaluation.figures(queries, answers)
    for rule, family in evaluation.POSITIVE_RULES.items():
        if family == "fuzzy":
            assert per_rule[rule].recall >= 0.85, (rule, per_rule[rule])


def test_the_figures_count_a_match_on_another_company_as_false_and_a_miss_against_recall():
    right = evaluation.Query("typo", q="Acme Sytems", country="DE", expected=1)
    missed = evaluation.Query("typo", q="Acme Systmes", country="DE", expected=2)
    stranger = evaluation.Query("negative_easy", q="Bluebird Bakery", country="DE")
    answers = [
        evaluation.Answer(matches=[], possibles=[1]),
        evaluation.Answer(matches=[], possibles=[]),
        evaluation.Answer(matches=[5], possibles=[]),
    ]
    per_rule = evaluation.figures([right, missed, stranger], answers)
    assert per_rule["typo"].recall == 0.5
    assert per_rule["negative_easy"].false_match == 1.0


def test_the_lookup_budget_is_sixty_a_minute_unless_the_setting_raises_it():
    from django.conf import settings

    from deals import selectors

    assert settings.PRM_ACCOUNT_LOOKUP_RATE == "60/m" == selectors.LOOKUP_RATE
    code = (
        "import django; django.setup(); from deals import selectors; print(selectors.LOOKUP_RATE)"
    )
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="prm.settings", DEBUG="1")
    env["PRM_ACCOUNT_LOOKUP_RATE"] = "1000/s"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "1000/s"
