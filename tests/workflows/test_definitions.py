"""Workflow definitions: validated on save, versioned, evaluated safely, dry-run."""

import pytest
from django.core.exceptions import ValidationError

from partners import services as partner_services
from partners.models import Tier
from tests.partners.conftest import api_as
from workflows import definitions
from workflows.models import Workflow
from workflows.services import workflow_save

NOTIFY = {"type": "notify", "to": "channel_manager", "title": "Hello"}


def gold(op="=", value="Gold"):
    return {
        "conditions": {"all": [{"field": "tier.name", "op": op, "value": value}]},
        "actions": [NOTIFY],
    }


@pytest.mark.parametrize(
    ("trigger", "definition", "message"),
    [
        (
            "partner.enrolled",
            {
                "conditions": {"all": [{"field": "shoe_size", "op": "=", "value": 1}]},
                "actions": [NOTIFY],
            },
            "unknown field 'shoe_size'",
        ),
        ("partner.enrolled", gold(op=">", value=3), "compares numbers"),
        ("partner.enrolled", gold(value=3), "is str, but the value 3 is not"),
        (
            "partner.enrolled",
            {
                "conditions": {"all": [{"field": "tier.rank", "op": "in", "value": ["x"]}]},
                "actions": [NOTIFY],
            },
            "'in' needs a list of int values",
        ),
        (
            "schedule",
            {"actions": [{"type": "approve"}]},
            "does not fit a schedule trigger",
        ),
        ("partner.enrolled", {"actions": [{"type": "teleport"}]}, "unknown action 'teleport'"),
        ("partner.enrolled", {"actions": []}, "at least one action"),
        ("partner.enrolled", {"actions": [{"type": "wait", "hours": -1}]}, "positive number"),
        (
            "agreement.published",
            {"actions": [{"type": "set_field", "field": "status", "value": "x"}]},
            "does not apply to a agreement",
        ),
        ("nonsense.event", gold(), "Unknown trigger"),
    ],
)
def test_bad_definitions_are_refused_with_a_clear_error(world, trigger, definition, message):
    with pytest.raises(ValidationError, match=message):
        workflow_save(actor=world.admin, name="Bad", trigger=trigger, definition=definition)


def test_a_cycle_of_workflows_starting_each_other_is_refused(world):
    first = workflow_save(
        actor=world.admin,
        name="First",
        trigger="partner.enrolled",
        definition={"actions": [NOTIFY]},
    )
    second = workflow_save(
        actor=world.admin,
        name="Second",
        trigger="partner.enrolled",
        definition={"actions": [{"type": "start_workflow", "workflow": first.pk}]},
    )
    with pytest.raises(ValidationError, match="start each other"):
        workflow_save(
            actor=world.admin,
            workflow=first,
            definition={"actions": [{"type": "start_workflow", "workflow": second.pk}]},
        )
    first.refresh_from_db()
    assert first.current.definition == {"actions": [NOTIFY]}


def test_a_condition_on_a_missing_related_object_is_false_not_a_crash(world):
    assert world.northwind.tier is None
    matched, checks = definitions.evaluate(gold()["conditions"], world.northwind)
    assert matched is False and checks[0].actual is None
    empty, _ = definitions.evaluate(
        {"all": [{"field": "tier.name", "op": "is empty"}]}, world.northwind
    )
    assert empty is True


def test_all_and_any_combine(world):
    conditions = {
        "any": [
            {"field": "status", "op": "=", "value": "active"},
            {
                "all": [
                    {"field": "days_since_review", "op": "<", "value": 5},
                    {"field": "territory.name", "op": "in", "value": ["DACH", "Nordics"]},
                ]
            },
        ]
    }
    assert definitions.evaluate(conditions, world.northwind)[0] is True  # fresh, in DACH
    assert definitions.evaluate(conditions, world.contoso)[0] is False


def test_changing_a_definition_makes_a_new_version_and_keeps_the_old(world):
    client = api_as(world.admin)
    created = client.post(
        "/api/v1/workflows/",
        {"name": "Gold welcome", "trigger": "partner.enrolled", "definition": gold()},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["version"] == 1 and body["enabled"] is False
    changed = client.patch(
        f"/api/v1/workflows/{body['id']}/",
        {"definition": gold(value="Platinum"), "enabled": True},
        format="json",
    ).json()
    assert changed["version"] == 2 and changed["enabled"] is True
    same = client.patch(
        f"/api/v1/workflows/{body['id']}/",
        {"definition": gold(value="Platinum"), "enabled": False},
        format="json",
    )
    assert same.json()["version"] == 2  # the same definition makes no new version
    from workflows.models import Workflow

    versions = Workflow.objects.get(pk=body["id"]).versions.order_by("number")
    assert [v.definition["conditions"]["all"][0]["value"] for v in versions] == ["Gold", "Platinum"]
    bad = client.patch(
        f"/api/v1/workflows/{body['id']}/", {"definition": {"actions": []}}, format="json"
    )
    assert bad.status_code == 400 and "at least one action" in bad.json()["detail"]


def test_dry_run_shows_each_condition_and_the_actions_that_would_run(world):
    gold_tier, _ = Tier.objects.get_or_create(name="Gold", defaults={"rank": 3})
    partner_services.partner_update(
        actor=world.admin, partner=world.northwind, fields={"tier": gold_tier}
    )
    workflow = workflow_save(
        actor=world.admin, name="Gold check", trigger="partner.enrolled", definition=gold()
    )
    result = (
        api_as(world.admin)
        .post(f"/api/v1/workflows/{workflow.pk}/dry-run/", {"object_id": world.northwind.pk})
        .json()
    )
    assert result["matched"] is True
    assert result["checks"] == [
        {"field": "tier.name", "op": "=", "value": "Gold", "actual": "Gold", "matched": True}
    ]
    assert result["actions"] == [NOTIFY]
    miss = (
        api_as(world.admin)
        .post(f"/api/v1/workflows/{workflow.pk}/dry-run/", {"object_id": world.contoso.pk})
        .json()
    )
    assert miss["matched"] is False and miss["actions"] == []


def test_workflows_exist_only_for_vendor_admins(world):
    workflow = workflow_save(
        actor=world.admin, name="Private", trigger="partner.enrolled", definition=gold()
    )
    assert api_as(world.cam_emea).get(f"/api/v1/workflows/{workflow.pk}/").status_code == 404
    assert (
        api_as(world.cam_emea)
        .post(
            "/api/v1/workflows/",
            {"name": "x", "trigger": "schedule", "definition": gold()},
            format="json",
        )
        .status_code
        == 403
    )


def test_the_editor_page_shows_json_errors_and_is_for_vendor_admins_only(world):
    from tests.partners.test_pages import browser_as

    client = browser_as(world.admin)
    assert client.get("/workflows/new/").status_code == 200
    response = client.post(
        "/workflows/new/",
        {
            "op": "save",
            "mode": "json",
            "name": "Broken JSON",
            "trigger": "partner.enrolled",
            "definition": "{not json",
        },
    )
    assert "Not valid JSON" in response.content.decode()
    invalid = client.post(
        "/workflows/new/",
        {
            "op": "save",
            "mode": "json",
            "name": "Invalid",
            "trigger": "schedule",
            "definition": '{"actions": [{"type": "reject", "reason": "no"}]}',
        },
    )
    assert "Action 1: reject does not fit a schedule trigger" in invalid.content.decode()
    assert not Workflow.objects.filter(name__in=["Broken JSON", "Invalid"]).exists()
    assert browser_as(world.cam_emea).get("/workflows/").status_code == 404
