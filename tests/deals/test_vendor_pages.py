"""Issue 12, point 6: the vendor's pages of customer accounts: the list with its filters
and CSV, an account's page, vendor ownership, merging duplicates and the reservation
policy. Partner users never see them (404)."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from deals import services
from deals.models import AccountDomain, CustomerAccount, Deal, Reservation, ReservationPolicy
from tests.conftest import ACME_HOST, append_only_emptied
from tests.deals.conftest import make_account


def browser_as(user) -> Client:
    client = Client(HTTP_HOST=ACME_HOST)
    client.force_login(user)
    return client


def names_on(response) -> list[str]:
    return [a.name for a in response.context["accounts"]]


# The test's own accounts; the demo tenant has hundreds more, which the filters also list.
OURS = {"Umbrella Group", "Umbrella Berlin", "Initech", "Globex"}


@pytest.fixture
def accounts(world):
    a = world.admin
    group = make_account(a, "Umbrella Group", "US", ["umbrella.com"])
    berlin = make_account(a, "Umbrella Berlin", "DE", ["umbrella.de"], parent=group)
    initech = make_account(a, "Initech", "US", ["initech.com"], vendor_owned=True, vendor_owner=a)
    globex = make_account(a, "Globex", "DE", ["globex.de"])
    services.reservation_create(actor=world.bob, account=globex)
    return {"group": group, "berlin": berlin, "initech": initech, "globex": globex}


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/",
        "/accounts/export.csv",
        "/accounts/{id}/",
        "/accounts/{id}/merge/",
        "/accounts/{id}/merge/{other}/",
        "/settings/reservations/",
    ],
)
@pytest.mark.parametrize("who", ["bob", "alice"])
def test_a_partner_user_gets_404_on_every_vendor_page(world, accounts, path, who):
    url = path.format(id=accounts["globex"].pk, other=accounts["initech"].pk)
    client = browser_as(getattr(world, who))
    assert client.get(url).status_code == 404
    assert client.post(url).status_code in (404, 405)
    post_only = f"/accounts/{accounts['globex'].pk}/ownership/"
    assert client.post(post_only, {"action": "mark"}).status_code == 404


def test_vendor_staff_see_every_account_with_its_holder_owner_and_parent(world, accounts):
    response = browser_as(world.admin).get("/accounts/")
    assert response.status_code == 200
    page = response.content.decode()
    assert set(names_on(response)) >= {"Umbrella Group", "Umbrella Berlin", "Initech", "Globex"}
    assert "Northwind Berlin" in page  # who holds Globex
    assert "va@world.example" in page  # Initech's owner
    assert "table-responsive" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=umbrella", {"Umbrella Group", "Umbrella Berlin"}),
        ("q=globex.de", {"Globex"}),
        ("country=DE", {"Umbrella Berlin", "Globex"}),
        ("vendor_owned=yes", {"Initech"}),
        ("vendor_owned=no", {"Umbrella Group", "Umbrella Berlin", "Globex"}),
        ("reserved=yes", {"Globex"}),
        ("parent=top", {"Umbrella Group", "Initech", "Globex"}),
        ("reserved=no&country=US", {"Umbrella Group", "Initech"}),
        ("vendor_owned=maybe", set()),
    ],
)
def test_the_filters_narrow_the_list(world, accounts, query, expected):
    response = browser_as(world.cam_emea).get(f"/accounts/?{query}")
    assert set(names_on(response)) & OURS == expected


def test_the_parent_filter_lists_the_offices_of_one_company(world, accounts):
    response = browser_as(world.admin).get(f"/accounts/?parent={accounts['group'].pk}")
    assert names_on(response) == ["Umbrella Berlin"]
    assert "Offices of Umbrella Group" in response.content.decode()


def test_an_htmx_request_gets_only_the_rows(world, accounts):
    response = browser_as(world.admin).get("/accounts/?q=Initech", HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "Initech" in page and "<html" not in page


def test_the_empty_list_says_what_to_do(world):
    # A tenant without accounts (the demo's removed, inside the test's transaction).
    append_only_emptied("incentives_spiffreward")  # rewards hold the demo's deals
    Deal.objects.all().delete()  # the demo's deals are on its accounts
    Reservation.objects.all().delete()
    AccountDomain.objects.all().delete()
    CustomerAccount.objects.all().delete()
    page = browser_as(world.admin).get("/accounts/").content.decode()
    assert "There are no customer accounts yet" in page
    page = browser_as(world.admin).get("/accounts/?q=nothing-like-it").content.decode()
    assert "No account matches these filters" in page


def test_the_csv_has_the_filtered_rows_and_neutralises_a_formula_in_a_name(world, accounts):
    make_account(world.admin, '=HYPERLINK("http://evil.example")', "DE")
    response = browser_as(world.admin).get("/accounts/export.csv?country=DE")
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    evil = '\'=HYPERLINK("http://evil.example")'
    assert {r["Name"] for r in rows} & (OURS | {evil}) == {"Umbrella Berlin", "Globex", evil}
    globex = next(r for r in rows if r["Name"] == "Globex")
    assert globex["Reserved by"] == "Northwind Berlin" and globex["Reserved until"]
    berlin = next(r for r in rows if r["Name"] == "Umbrella Berlin")
    assert berlin["Parent company"] == "Umbrella Group" and berlin["Domains"] == "umbrella.de"


def test_the_account_page_shows_its_tree_domains_and_reservation_history(world, accounts):
    globex = accounts["globex"]
    reservation = Reservation.objects.get(account=globex)
    services.reservation_release(actor=world.bob, reservation=reservation)
    services.reservation_create(actor=world.carol, account=globex)
    page = browser_as(world.admin).get(f"/accounts/{accounts['group'].pk}/").content.decode()
    assert "Umbrella Berlin" in page and "umbrella.com" in page and "A top-level company" in page
    page = browser_as(world.admin).get(f"/accounts/{globex.pk}/").content.decode()
    assert "Northwind Berlin" in page and "Tailwind" in page
    assert "Released by bob@world.example" in page
    assert browser_as(world.admin).get("/accounts/999999/").status_code == 404


def test_a_decision_maker_marks_an_account_vendor_owned_and_releases_it(world, accounts):
    client = browser_as(world.cam_emea)
    berlin = accounts["berlin"]
    page = client.get(f"/accounts/{berlin.pk}/").content.decode()
    assert "Mark vendor-owned" in page and "data-confirm" in page
    client.post(f"/accounts/{berlin.pk}/ownership/", {"action": "mark"})
    berlin.refresh_from_db()
    assert berlin.vendor_owned and berlin.vendor_owner == world.cam_emea
    client.post(f"/accounts/{berlin.pk}/ownership/", {"action": "release"})
    berlin.refresh_from_db()
    assert not berlin.vendor_owned and berlin.vendor_owner is None


def test_marking_a_reserved_account_vendor_owned_is_refused_with_a_message(world, accounts):
    globex = accounts["globex"]
    response = browser_as(world.admin).post(
        f"/accounts/{globex.pk}/ownership/", {"action": "mark"}, follow=True
    )
    assert "end the reservation" in response.content.decode()
    globex.refresh_from_db()
    assert not globex.vendor_owned


def test_the_merge_page_suggests_the_lookups_near_duplicates(world, accounts):
    duplicate = make_account(world.admin, "Globex Corp.", "DE", ["globex.com"])
    page = browser_as(world.admin).get(f"/accounts/{accounts['globex'].pk}/merge/")
    assert duplicate in page.context["suggestions"]
    assert accounts["globex"] not in page.context["suggestions"]
    found = browser_as(world.admin).get(f"/accounts/{accounts['globex'].pk}/merge/?q=initech")
    assert list(found.context["results"]) == [accounts["initech"]]


def test_merging_moves_domains_children_and_reservations_and_the_other_is_gone(world, accounts):
    survivor = accounts["group"]
    duplicate = make_account(world.admin, "Umbrella Holdings", "US", ["umbrella.us"])
    office = make_account(world.admin, "Umbrella Paris", "FR", parent=duplicate)
    reservation = services.reservation_create(actor=world.carol, account=duplicate)
    client = browser_as(world.admin)
    url = f"/accounts/{survivor.pk}/merge/{duplicate.pk}/"
    confirm = client.get(url).content.decode()
    assert "umbrella.us" in confirm and "Umbrella Paris" in confirm and "Tailwind" in confirm
    assert "disappears" in confirm
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == f"/accounts/{survivor.pk}/"
    assert not CustomerAccount.objects.filter(pk=duplicate.pk).exists()
    assert AccountDomain.objects.get(domain="umbrella.us").account_id == survivor.pk
    office.refresh_from_db()
    assert CustomerAccount.objects.get_parent(office).pk == survivor.pk
    reservation.refresh_from_db()
    assert reservation.account_id == survivor.pk
    survivor.refresh_from_db()
    assert survivor.history.first().history_change_reason == "merged with Umbrella Holdings"


def test_a_refused_merge_says_why_and_changes_nothing(world, accounts):
    duplicate = make_account(world.admin, "Globex GmbH", "DE", ["globex.eu"])
    services.reservation_create(actor=world.carol, account=duplicate)
    response = browser_as(world.admin).post(
        f"/accounts/{accounts['globex'].pk}/merge/{duplicate.pk}/"
    )
    assert response.status_code == 400
    assert "both reserved" in response.content.decode()
    assert CustomerAccount.objects.filter(pk=duplicate.pk).exists()


def test_merging_an_account_with_its_own_office_is_refused(world, accounts):
    response = browser_as(world.admin).post(
        f"/accounts/{accounts['group'].pk}/merge/{accounts['berlin'].pk}/"
    )
    assert response.status_code == 400
    assert "its own offices" in response.content.decode()


def test_finance_reads_accounts_but_cannot_merge_or_mark_them(world, accounts):
    from prm.users.models import Role
    from prm.users.services import user_create

    finance = user_create(email="fin@world.example", role=Role.FINANCE_APPROVER, send_welcome=False)
    client = browser_as(finance)
    page = client.get(f"/accounts/{accounts['berlin'].pk}/").content.decode()
    assert "Mark vendor-owned" not in page and "Merge a duplicate" not in page
    assert client.get(f"/accounts/{accounts['berlin'].pk}/merge/").status_code == 404
    assert client.get("/settings/reservations/").status_code == 404


POLICY = {
    "period_days": "60",
    "reminder_days": "10, 2",
    "max_active_per_partner": "25",
    "max_extensions": "2",
    "extension_days": "15",
    "parent_covers_children": "on",
    "name_similarity": "0.5",
    "core_similarity": "0.6",
    "possible_min_score": "0.8",
}


def test_the_vendor_admin_changes_the_policy(world):
    client = browser_as(world.admin)
    assert client.get("/settings/reservations/").status_code == 200
    response = client.post("/settings/reservations/", POLICY)
    assert response.status_code == 302
    policy = ReservationPolicy.current()
    assert (policy.period_days, policy.reminder_days) == (60, [10, 2])
    assert (policy.max_active_per_partner, policy.parent_covers_children) == (25, True)
    assert policy.child_blocks_parent is False
    assert 'href="/settings/reservations/"' in client.get("/accounts/").content.decode()


def test_policy_errors_stand_beside_their_fields_and_change_nothing(world):
    before = ReservationPolicy.current()
    bad = {**POLICY, "period_days": "0", "reminder_days": "90, soon", "name_similarity": "2"}
    response = browser_as(world.admin).post("/settings/reservations/", bad)
    assert response.status_code == 400
    form = response.context["form"]
    assert "reminder_days" in form.errors
    bad = {**POLICY, "period_days": "0", "name_similarity": "2"}
    response = browser_as(world.admin).post("/settings/reservations/", bad)
    form = response.context["form"]
    assert form.errors["period_days"] == ["A reservation lasts between 1 and 730 days."]
    assert "reminder_days" not in form.errors  # one wrong value, one error beside it
    assert form.errors["name_similarity"] == ["Choose a similarity between 0.3 and 1."]
    page = response.content.decode()
    assert "is-invalid" in page and "A reservation lasts between 1 and 730 days." in page
    after = ReservationPolicy.current()
    assert (after.period_days, after.name_similarity) == (
        before.period_days,
        before.name_similarity,
    )


def test_a_channel_manager_sees_who_holds_an_account_only_within_their_partner_scope(
    world, accounts
):
    page = browser_as(world.cam_us).get("/accounts/?q=Globex").content.decode()
    assert "Northwind Berlin" not in page and "a partner outside your scope" in page
    page = browser_as(world.cam_emea).get("/accounts/?q=Globex").content.decode()
    assert "Northwind Berlin" in page
    rows = browser_as(world.cam_us).get("/accounts/export.csv?q=Globex").content.decode()
    assert "Northwind Berlin" not in rows and "reserved" in rows
