"""The editor without code: builder rows become a typed definition, errors name the row,
and a definition can be dry-run and simulated over a past period before it is saved."""

import html
from datetime import date, timedelta

from django.utils import timezone

from partners import services as partner_services
from prm.outbox.models import Event
from tests.partners.test_pages import browser_as
from workflows import builder
from workflows.models import Workflow
from workflows.services import workflow_save
from workflows.simulation import simulate

ROWS = {
    "name": "Gold goes live",
    "trigger": "partner.status_changed",
    "enabled": "on",
    "match": "all",
    "conditions": "3",
    "c0-field": "tier.rank",
    "c0-op": ">=",
    "c0-value": "3",
    "c1-field": "status",
    "c1-op": "in",
    "c1-value": "active, suspended",
    "c2-field": "not_happened:partner.contacted",
    "c2-days": "30",
    "actions": "2",
    "a0-type": "request_approval",
    "a0-from": "role",
    "a0-role": "finance_approver",
    "a0-note": "{partner} is {status}",
    "a1-type": "notify",
    "a1-to": "partner_admins",
    "a1-title": "Welcome, {partner}",
    "a1-email": "on",
}


def test_builder_rows_are_saved_as_a_typed_definition(world):
    client = browser_as(world.admin)
    response = client.post("/workflows/new/", {**ROWS, "op": "save"})
    assert response.status_code == 302
    workflow = Workflow.objects.get(name="Gold goes live")
    assert workflow.enabled and workflow.current.definition == {
        "conditions": {
            "all": [
                {"field": "tier.rank", "op": ">=", "value": 3},
                {"field": "status", "op": "in", "value": ["active", "suspended"]},
                {"not_happened": "partner.contacted", "days": 30},
            ]
        },
        "actions": [
            {
                "type": "request_approval",
                "from": "role",
                "role": "finance_approver",
                "note": "{partner} is {status}",
            },
            {
                "type": "notify",
                "to": "partner_admins",
                "title": "Welcome, {partner}",
                "email": True,
            },
        ],
    }
    # Opened again, the builder shows the same rows.
    page = client.get(f"/workflows/{workflow.pk}/").content.decode()
    assert 'value="{partner} is {status}"' in page and 'name="c2-days" value="30"' in page


def test_builder_errors_name_the_row_and_nothing_is_saved(world):
    client = browser_as(world.admin)
    bad = {**ROWS, "c0-value": "three", "a1-to": "", "op": "save"}
    page = html.unescape(client.post("/workflows/new/", bad).content.decode())
    # The row's field by its label, not its path (tier.rank).
    assert "Condition 1: Partner's tier rank (1 = lowest) needs a number." in page
    bad = {**ROWS, "a0-role": "", "a1-title": "", "op": "save"}
    page = client.post("/workflows/new/", bad).content.decode()
    assert "Action 1: role is one of" in page and "Action 2: notify needs title." in page
    assert not Workflow.objects.filter(name="Gold goes live").exists()
    assert 'value="{partner} is {status}"' in page  # what was typed is kept


def test_builder_buttons_reshape_the_rows_without_saving_or_judging(world):
    client = browser_as(world.admin)
    response = client.post(
        "/workflows/new/", {**ROWS, "name": "", "op": "add_action"}, HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert page.lstrip().startswith('<form id="workflow-form"')  # just the editor
    assert page.count('data-testid="action"') == 3 and "is-invalid" not in page
    removed = client.post("/workflows/new/", {**ROWS, "op": "remove_condition:0"}).content
    assert removed.decode().count('data-testid="condition"') == 2
    moved = client.post("/workflows/new/", {**ROWS, "op": "up_action:1"}).content.decode()
    assert moved.index('name="a0-to"') < moved.index('name="a1-from"')  # notify is first now
    # A new trigger offers its own object's fields and actions.
    application = client.post(
        "/workflows/new/", {**ROWS, "trigger": "application.submitted", "op": "refresh"}
    ).content.decode()
    assert 'value="domain_enrolled"' in application and 'value="approve"' in application
    assert not Workflow.objects.filter(name="Gold goes live").exists()


def test_nested_groups_open_as_json_and_json_converts_to_the_builder_when_flat(world):
    nested = {
        "conditions": {"any": [{"all": [{"field": "status", "op": "=", "value": "active"}]}]},
        "actions": [{"type": "notify", "to": "actor", "title": "x"}],
    }
    workflow = workflow_save(
        actor=world.admin, name="Nested", trigger="partner.enrolled", definition=nested
    )
    client = browser_as(world.admin)
    page = client.get(f"/workflows/{workflow.pk}/").content.decode()
    assert 'name="mode" value="json"' in page
    as_json = client.post("/workflows/new/", {**ROWS, "op": "json"}).content.decode()
    assert 'name="mode" value="json"' in as_json and "&quot;not_happened&quot;" in as_json
    back = client.post(
        "/workflows/new/",
        {
            "mode": "json",
            "op": "builder",
            "name": "x",
            "trigger": "partner.enrolled",
            "definition": '{"actions": [{"type": "notify", "to": "actor", "title": "hi"}]}',
        },
    ).content.decode()
    assert 'name="mode" value="builder"' in back and 'value="hi"' in back


def test_a_dry_run_tries_the_unsaved_definition_on_a_record(world):
    client = browser_as(world.admin)
    editor = client.get("/workflows/new/").content.decode()
    # The record is picked from the partners the admin sees, by name.
    assert f'<option value="{world.northwind.pk}">Northwind</option>' in editor
    page = client.post(
        "/workflows/new/", {**ROWS, "op": "dry_run", "record": world.northwind.pk}
    ).content.decode()
    assert 'data-testid="dry-run"' in page and "conditions not met" in page
    assert "Partner&#x27;s tier rank (1 = lowest) is at least 3 — it is nothing" in page
    assert "tier.rank" not in page.split('data-testid="dry-run"')[1]
    assert "Ask everyone with a role to approve" not in page  # not matched: nothing would run
    for chosen in ("", "999999", "Northwind"):
        missing = client.post("/workflows/new/", {**ROWS, "op": "dry_run", "record": chosen})
        assert "Choose a partner to try the workflow on." in missing.content.decode()
    assert not Workflow.objects.filter(name="Gold goes live").exists()


def backdate(days_ago: int, event_type: str = "partner.status_changed"):
    Event.objects.filter(
        type=event_type, created_at__gte=timezone.now() - timedelta(minutes=5)
    ).update(created_at=timezone.now() - timedelta(days=days_ago))


def test_simulation_counts_what_would_have_matched_and_been_decided_last_period(world):
    partner_services.partner_transition(actor=world.admin, partner=world.berlin, status="active")
    backdate(200)  # outside the period
    for partner in (world.northwind, world.contoso):
        partner_services.partner_transition(actor=world.admin, partner=partner, status="active")
    # Moved afterwards: the simulation judges the partner as it was at the event.
    partner_services.partner_update(
        actor=world.admin, partner=world.northwind, fields={"territory": world.americas}
    )
    definition = {
        "conditions": {"all": [{"field": "territory.name", "op": "=", "value": "DACH"}]},
        "actions": [{"type": "request_approval", "from": "channel_manager"}],
    }
    start, end = date.today() - timedelta(days=30), date.today()
    result = simulate(trigger="partner.status_changed", definition=definition, start=start, end=end)
    mine = [e for e in result.examples if "Northwind" in e or "Tailwind" in e]
    assert len(mine) == 1 and "Northwind" in mine[0]
    assert result.outcomes["routed for approval"] == result.matched >= 1
    assert "would have matched" in result.sentence("events")
    client = browser_as(world.admin)
    page = client.post(
        "/workflows/new/",
        {**ROWS, "conditions": "0", "op": "simulate", "sim_from": start, "sim_to": end},
    ).content.decode()
    assert 'data-testid="simulation"' in page and "Had this been live from" in page
    future = client.post(
        "/workflows/new/",
        {**ROWS, "op": "simulate", "sim_from": end, "sim_to": end + timedelta(days=9)},
    )
    assert "Simulate over a past period" in future.content.decode()


def test_a_scheduled_simulation_checks_each_period_with_the_history_of_events(world):
    partner_services.partner_transition(actor=world.admin, partner=world.northwind, status="active")
    partner_services.partner_contact_log(
        actor=world.admin, partner=world.northwind, fields={"kind": "call"}
    )
    backdate(10, "partner.contacted")
    definition = {
        "schedule": {"every": "week"},
        "conditions": {
            "all": [
                {"field": "display_name", "op": "=", "value": "Northwind"},
                {"not_happened": "partner.contacted", "days": 7},
            ]
        },
        "actions": [{"type": "notify", "to": "channel_manager", "title": "Call"}],
    }
    today = date.today()
    result = simulate(
        trigger="schedule", definition=definition, start=today - timedelta(days=27), end=today
    )
    # Four weekly checks: the one within 7 days after the contact does not match.
    assert result.matched == 3 and result.outcomes == {"acted on": 3}


def test_builder_messages_are_readable():
    assert builder.readable("actions[2]: notify needs title.") == "Action 3: notify needs title."
    assert builder.readable("conditions.any[0]: unknown operator 'x'.") == (
        "Condition 1: unknown operator 'x'."
    )


def test_the_api_simulates_a_workflow_over_a_past_period(world):
    from tests.partners.conftest import api_as

    workflow = Workflow.objects.get(name="Applications from enrolled companies")
    partner_services.application_submit(
        fields={
            "company_name": "Simco",
            "contact_name": "Sim",
            "contact_email": "s@simco.example",
            "partner_type": "reseller",
            "country": "DE",
        },
        ip_address=None,
    )
    admin = api_as(world.admin)
    url = f"/api/v1/workflows/{workflow.pk}/simulate/"
    today = date.today()
    response = admin.post(url, {"start": today - timedelta(days=90), "end": today}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["sentence"].startswith("Had this been live from")
    assert "of 1 “Application submitted” events" in body["sentence"] or body["considered"] > 1
    assert body["matched"] <= body["considered"]
    # A period without any such event says so, and where the latest one was.
    long_ago = {"start": date(2020, 1, 1), "end": date(2020, 3, 31)}
    empty = admin.post(url, long_ago, format="json").json()["sentence"]
    assert empty == (
        "There were no “Application submitted” events from 1 Jan 2020 to 31 Mar 2020, so "
        f"nothing to try; the latest was on {today:%-d %b %Y}: simulate over a period that "
        "includes it."
    )
    future = admin.post(url, {"start": today, "end": today + timedelta(days=1)}, format="json")
    assert future.status_code == 400 and future.json()["fields"]["end"]
    assert api_as(world.cam_emea).post(url, {}, format="json").status_code == 404
