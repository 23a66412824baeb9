"""deals.normalise on its own: company names and domains, and the evidence half of the
matching table (tests/deals/matching_table.py), both directions."""

from __future__ import annotations

import socket

import pytest
import tldextract

from deals import normalise
from deals.normalise import (
    account_domain,
    is_free_email_domain,
    looks_like_domain,
    name_keys,
    normalise_name,
    registrable_domain,
)
from tests.deals.matching_table import MUST_MATCH, MUST_NOT, ROWS, row_id

NAME_ROWS = [r for r in ROWS if r[0] and r[3] and not r[2] and not r[5]]
DOMAIN_ROWS = [r for r in ROWS if r[2] and r[5]]


def test_the_table_has_at_least_sixty_pairs_each_way():
    assert len(MUST_MATCH) >= 60
    assert len(MUST_NOT) >= 60


@pytest.mark.parametrize("row", [r for r in NAME_ROWS if r[6] == "match"], ids=row_id)
def test_names_that_must_match_normalise_to_the_same_key_both_ways(row):
    a, b = row[0], row[3]
    assert normalise_name(a).key == normalise_name(b).key
    assert normalise_name(b).key == normalise_name(a).key
    assert normalise_name(a).usable


@pytest.mark.parametrize("row", [r for r in NAME_ROWS if r[6] != "match"], ids=row_id)
def test_names_that_are_not_hard_evidence_normalise_apart(row):
    a, b = row[0], row[3]
    if row[1] == row[4]:  # same country: only a different name keeps them apart
        assert normalise_name(a).key != normalise_name(b).key


@pytest.mark.parametrize("row", DOMAIN_ROWS, ids=row_id)
def test_domains_reduce_to_the_same_registrable_domain_only_when_they_must_match(row):
    a, b = account_domain(row[2]), account_domain(row[5])
    if row[6] == "match":
        assert a == b and a is not None
    else:
        assert a != b or a is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("shop.acme.co.uk", "acme.co.uk"),
        ("https://www.Shop.Acme.co.uk:8443/path?x=1#top", "acme.co.uk"),
        ("bob@acme.com", "acme.com"),
        ("Bob.Smith@Sales.ACME.de", "acme.de"),
        ("ACME.COM.", "acme.com"),
        ("www.acme.com.au", "acme.com.au"),
        ("http://acme.com.br/contato", "acme.com.br"),
        ("acme.github.io", "acme.github.io"),
        ("mail.acme.co.jp", "acme.co.jp"),
        ("  acme.io  ", "acme.io"),
    ],
)
def test_a_domain_is_its_registrable_domain_without_scheme_www_path_port_or_local_part(
    raw, expected
):
    assert registrable_domain(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "localhost", "co.uk", "http://10.0.0.1/", "[::1]", "not a domain", "http://"]
)
def test_what_has_no_registrable_domain_gives_none(raw):
    assert registrable_domain(raw) is None


@pytest.mark.parametrize("raw", ["gmail.com", "x@gmail.com", "someone@outlook.com", "web.de"])
def test_free_email_domains_are_never_an_accounts_domain(raw):
    assert is_free_email_domain(registrable_domain(raw))
    assert account_domain(raw) is None


def test_a_company_domain_is_not_a_free_email_domain():
    assert not is_free_email_domain("acme.com")
    assert account_domain("ceo@acme.com") == "acme.com"


def test_the_public_suffix_list_is_the_bundled_snapshot_and_nothing_is_fetched(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the suffix list must not be fetched at run time")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    extract = tldextract.TLDExtract(**normalise.EXTRACT_OPTIONS)
    assert extract("shop.acme.co.uk").top_domain_under_public_suffix == "acme.co.uk"
    assert normalise.EXTRACT_OPTIONS["suffix_list_urls"] == ()
    assert normalise.EXTRACT_OPTIONS["cache_dir"] is None


@pytest.mark.parametrize(
    ("name", "normalised", "core"),
    [
        ("ACME Corp.", "acme", "acme"),
        ("The Acme Group Ltd", "acme group", "acme"),
        ("Acme Solutions GmbH", "acme solutions", "acme"),
        ("Acme Intl Svcs", "acme international services", "acme"),
        ("Müller & Söhne GmbH & Co. KG", "muller and sohne", "muller sohne"),
        ("Tech Systems Group", "technology systems group", "technology systems group"),
    ],
)
def test_a_name_is_normalised_and_its_core_drops_generic_words(name, normalised, core):
    result = normalise_name(name)
    assert (result.normalised, result.core) == (normalised, core)
    assert result.key == normalised.replace(" ", "")


def test_a_name_of_only_a_legal_form_or_punctuation_is_not_usable():
    assert not normalise_name("...").usable
    assert not normalise_name("").usable


def test_a_query_that_is_an_address_looks_like_a_domain_and_a_name_does_not():
    assert looks_like_domain("acme.com")
    assert looks_like_domain("bob@acme.co.uk")
    assert not looks_like_domain("Acme Corp")
    assert not looks_like_domain("Acme Corp.")


# --- the lookup's candidate keys ----------------------------------------------------------


@pytest.mark.parametrize(
    "word, typo",
    [
        ("northwind", "northwimd"),  # a letter changed
        ("northwind", "northwinds"),  # a letter more
        ("northwind", "nortwind"),  # a letter fewer
        ("northwind", "nortwhind"),  # two letters swapped
    ],
)
def test_two_words_one_typo_apart_share_a_name_key(word, typo):
    assert set(name_keys(word)) & set(name_keys(typo))


def test_words_two_typos_apart_share_no_name_key():
    assert not set(name_keys("northwind")) & set(name_keys("nortwimd"))


def test_a_short_word_is_a_key_only_as_itself_and_the_words_are_joined_too():
    assert name_keys("ibm north wind") == sorted(
        {"ibm", "ibmnorthwind"}
        | {"nort", "orth", "nrth", "noth", "norh", "north"}
        | {"wind", "ind", "wnd", "wid", "win"}
    )
