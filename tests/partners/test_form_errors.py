"""Issue 11: every constraint has a human message beside its field, refused small forms on
the partner page keep the input, certifications cannot be issued in the future, and the
changes that take rights away need a reason that is recorded."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from partners import services
from partners.models import AccessChange, Partner
from prm.errors import Invalid
from tests.partners.conftest import api_as
from tests.partners.test_pages import browser_as


def test_every_constraint_of_the_partners_app_has_a_human_message():
    from django.apps import apps

    for model in apps.get_app_config("partners").get_models():
        for constraint in model._meta.constraints:
            message = constraint.get_violation_error_message()
            assert "Constraint" not in message and constraint.name not in message, constraint


def test_a_certification_expiring_before_its_issue_is_refused_beside_the_expiry(world):
    with pytest.raises(ValidationError) as refused:
        services.certification_add(
            actor=world.admin,
            partner=world.northwind,
            fields={
                "holder_name": "Jo",
                "name": "Pro",
                "issued_on": date(2026, 3, 1),
                "expires_on": date(2026, 2, 1),
            },
        )
    assert refused.value.message_dict == {
        "expires_on": ["The expiry date must be after the issue date."]
    }


def test_the_partner_page_shows_a_certification_error_beside_the_field_and_keeps_the_input(
    world,
):
    response = browser_as(world.admin).post(
        f"/partners/{world.northwind.pk}/add/certification/",
        {
            "holder_name": "Jo Typed",
            "name": "Pro",
            "issued_on": "2026-03-01",
            "expires_on": "2026-02-01",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "The expiry date must be after the issue date." in page
    assert "__all__" not in page and "certification_expires_after_issue" not in page
    assert 'value="Jo Typed"' in page
    assert 'id="add-certification" class="accordion-collapse collapse show"' in page
    assert not world.northwind.certifications.exists()


def test_a_certification_issued_in_the_future_is_refused(world):
    later = timezone.localdate() + timedelta(days=3)
    with pytest.raises(Invalid) as refused:
        services.certification_add(
            actor=world.admin,
            partner=world.northwind,
            fields={"holder_name": "Jo", "name": "Pro", "issued_on": later},
        )
    assert "future" in refused.value.message_dict["issued_on"][0]


def test_a_partner_page_form_with_a_typo_keeps_what_was_typed_beside_the_error(world):
    response = browser_as(world.admin).post(
        f"/partners/{world.northwind.pk}/add/contact/",
        {"kind": "call", "happened_on": "2999-01-01", "note": "Long talk about Q3"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "A contact cannot be in the future" in page
    assert "happened_on:" not in page
    assert "Long talk about Q3" in page


def test_a_branch_name_taken_is_shown_beside_the_branch_field(world):
    client = browser_as(world.alice)
    response = client.post(
        f"/partners/{world.northwind.pk}/branch/", {"display_name": world.berlin.display_name}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "already exists there" in page and f'value="{world.berlin.display_name}"' in page


@pytest.mark.parametrize("status", ["suspended", "terminated"])
def test_suspending_or_terminating_without_a_reason_is_refused_beside_the_reason(world, status):
    services.partner_transition(actor=world.admin, partner=world.northwind, status="active")
    response = browser_as(world.admin).post(
        f"/partners/{world.northwind.pk}/status/", {"status": status, "reason": ""}
    )
    assert response.status_code == 400
    assert "Say why the partner is" in response.content.decode()
    assert Partner.objects.get(pk=world.northwind.pk).status == "active"


def test_the_reason_of_a_suspension_is_kept_in_the_audit_trail(world):
    services.partner_transition(actor=world.admin, partner=world.northwind, status="active")
    services.partner_transition(
        actor=world.admin, partner=world.northwind, status="suspended", reason="unpaid invoices"
    )
    latest = world.northwind.history.order_by("-history_date").first()
    assert latest.history_change_reason == "status active → suspended: unpaid invoices"


def test_deactivating_a_user_needs_a_reason_which_is_recorded(world):
    with pytest.raises(Invalid) as refused:
        services.user_update(actor=world.alice, user=world.mia, fields={"is_active": False})
    assert "reason" in refused.value.message_dict
    world.mia.refresh_from_db()
    assert world.mia.is_active and not AccessChange.objects.exists()
    services.user_update(
        actor=world.alice, user=world.mia, fields={"is_active": False}, reason="left the company"
    )
    change = AccessChange.objects.get(user=world.mia)
    assert (change.active, change.reason, change.changed_by) == (
        False,
        "left the company",
        world.alice,
    )


def test_the_users_api_needs_a_reason_to_deactivate(world):
    client = api_as(world.admin)
    url = f"/api/v1/users/{world.mia.pk}/"
    refused = client.patch(url, {"is_active": False}, format="json")
    assert refused.status_code == 400 and refused.json()["fields"]["reason"]
    done = client.patch(url, {"is_active": False, "reason": "left"}, format="json")
    assert done.status_code == 200 and done.json()["is_active"] is False


def test_the_deactivation_page_asks_why_and_keeps_the_user_active_without_a_reason(world):
    client = browser_as(world.alice)
    page = client.get(f"/users/{world.mia.pk}/active/").content.decode()
    assert "will no longer be able to sign in" in page and 'name="reason"' in page
    refused = client.post(f"/users/{world.mia.pk}/active/", {"active": "0", "reason": "  "})
    assert refused.status_code == 400 and "is-invalid" in refused.content.decode()
    world.mia.refresh_from_db()
    assert world.mia.is_active


def test_reactivating_needs_no_reason_and_is_recorded_too(world):
    client = browser_as(world.alice)
    client.post(f"/users/{world.mia.pk}/active/", {"active": "0", "reason": "on leave"})
    assert client.post(f"/users/{world.mia.pk}/active/", {"active": "1"}).status_code == 302
    world.mia.refresh_from_db()
    assert world.mia.is_active
    changes = list(AccessChange.objects.filter(user=world.mia).order_by("changed_at"))
    assert [(c.active, c.reason) for c in changes] == [(False, "on leave"), (True, "")]


def test_the_org_page_shows_a_rename_clash_beside_the_name_with_the_input_kept(world):
    services.org_unit_create(actor=world.admin, name="Nordics", parent=world.emea)
    client = browser_as(world.admin)
    response = client.post(f"/organisation/{world.dach.pk}/rename/", {"name": "nordics"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "A unit with this name already exists under that parent." in page
    assert 'value="nordics"' in page
    assert "name:" not in page  # no internal field name in a banner
    assert f'class="collapse show" id="edit-unit-{world.dach.pk}"' in page  # its panel is open


def test_the_org_page_preselects_each_units_current_parent(world):
    page = browser_as(world.admin).get("/organisation/").content.decode()
    select = page.split(f'id="move-{world.dach.pk}"', 1)[1].split("</select>", 1)[0]
    assert f'<option value="{world.emea.pk}" selected>' in select
    assert f'value="{world.dach.pk}"' not in select  # not under itself
