"""Rules of the partner list written once (REVIEW.md finding 5): the API and the page
filter with one FilterSet, and "stale profile" is the model's threshold in every page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from partners import services
from partners.models import PROFILE_STALE_DAYS, Partner, Tier
from tests.partners.conftest import api_as
from tests.partners.test_pages import browser_as


def api_ids(user, **params) -> set[int]:
    response = api_as(user).get("/api/v1/partners/", {**params, "page_size": 200})
    assert response.status_code == 200
    return {row["id"] for row in response.json()["results"]}


def page_ids(user, **params) -> set[int]:
    response = browser_as(user).get("/partners/", params, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    rows = re.findall(r'<td [^>]*><a href="/partners/(\d+)/">', response.content.decode())
    return {int(pk) for pk in rows}


NAMES = {"northwind", "berlin", "munich", "contoso"}


@pytest.fixture
def gold_northwind(world):
    gold, _ = Tier.objects.get_or_create(name="Gold", defaults={"rank": 3})
    services.partner_update(actor=world.admin, partner=world.northwind, fields={"tier": gold})
    services.partner_update(
        actor=world.admin, partner=world.contoso, fields={"legal_name": "Tailwind Traders Ltd"}
    )
    return world


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"tier": "Gold"}, {"northwind"}),
        ({"tier": "gold"}, {"northwind"}),  # the page used to match the name exactly
        ({"tier": "Bronze-ish"}, set()),
        ({"status": "onboarding"}, NAMES),
        ({"status": "no-such-status"}, set()),  # an unknown status matches nothing
        ({"q": "munich"}, {"munich"}),
        ({"q": "traders"}, {"contoso"}),  # the legal name counts too
        ({"q": "northwind", "status": "active"}, set()),
        ({"tier": "", "status": "", "q": ""}, NAMES),  # empty values filter nothing
    ],
)
def test_the_api_and_the_page_filter_the_partner_list_alike(gold_northwind, params, expected):
    # The demo partners share the tenant (with some of the same names): compare the
    # world's partners, by id.
    world = gold_northwind
    ids = {getattr(world, name).pk: name for name in NAMES}
    from_api = {ids[pk] for pk in api_ids(world.admin, **params) if pk in ids}
    from_page = {ids[pk] for pk in page_ids(world.admin, **params) if pk in ids}
    assert from_api == from_page == expected


def test_the_page_keeps_the_chosen_tier_whatever_its_case(gold_northwind):
    page = browser_as(gold_northwind.admin).get("/partners/", {"tier": "gold"}).content.decode()
    assert "<option selected>Gold</option>" in page


@pytest.mark.parametrize(
    ("days", "stale"), [(PROFILE_STALE_DAYS - 1, False), (PROFILE_STALE_DAYS + 1, True)]
)
def test_a_stale_profile_is_marked_on_the_list_and_the_partner_page(world, days, stale):
    Partner.objects.filter(pk=world.berlin.pk).update(
        profile_reviewed_at=timezone.now() - timedelta(days=days)
    )
    assert Partner.objects.get(pk=world.berlin.pk).profile_is_stale() is stale
    client = browser_as(world.admin)
    listed = client.get("/partners/", {"q": "Berlin"}).content.decode()
    cell = re.search(rf'<td class="text-end small ([^"]*)">\s*{days} days ago', listed)
    assert cell is not None and ("text-danger" in cell.group(1)) is stale
    detail = client.get(f"/partners/{world.berlin.pk}/").content.decode()
    reviewed = re.search(rf'<dd class="col-sm-9 ([^"]*)">[^<]*\({days} days ago\)', detail)
    assert reviewed is not None and ("text-danger" in reviewed.group(1)) is stale


@pytest.mark.parametrize("days", [PROFILE_STALE_DAYS, PROFILE_STALE_DAYS + 1])
def test_the_home_count_and_the_partner_mark_agree_on_the_day_a_profile_turns_stale(world, days):
    from datetime import timedelta

    from django.utils import timezone

    from partners.models import stale_profiles_q

    reviewed = timezone.now() - timedelta(days=days, hours=1)
    Partner.objects.filter(pk=world.berlin.pk).update(profile_reviewed_at=reviewed)
    berlin = Partner.objects.get(pk=world.berlin.pk)
    in_filter = Partner.objects.filter(stale_profiles_q(), pk=berlin.pk).exists()
    assert in_filter is berlin.profile_is_stale() is (days > PROFILE_STALE_DAYS)
