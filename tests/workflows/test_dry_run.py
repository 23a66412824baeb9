"""The dry run is shaped once (``definitions.dry_run``, REVIEW.md finding 5): the API
renders it as JSON fields and the editor in the builder's words, from the same result."""

from __future__ import annotations

import json

from partners import services as partner_services
from partners.models import Tier
from tests.partners.conftest import api_as
from tests.partners.test_pages import browser_as
from workflows import definitions
from workflows.services import workflow_save

NOTIFY = {"type": "notify", "to": "channel_manager", "title": "Hello"}


def definition(tier: str) -> dict:
    return {
        "conditions": {
            "all": [
                {"field": "tier.name", "op": "=", "value": tier},
                {"field": "tier.rank", "op": ">=", "value": 3},
            ]
        },
        "actions": [NOTIFY],
    }


def test_a_dry_run_gives_whether_it_matches_each_check_and_what_would_run(world):
    gold, _ = Tier.objects.get_or_create(name="Gold", defaults={"rank": 3})
    northwind = partner_services.partner_update(
        actor=world.admin, partner=world.northwind, fields={"tier": gold}
    )
    tried = definitions.dry_run(definition("Gold"), northwind)
    assert tried.matched is True
    assert [(c.field, c.actual, c.matched) for c in tried.checks] == [
        ("tier.name", "Gold", True),
        ("tier.rank", gold.rank, True),
    ]
    assert tried.actions == [NOTIFY]
    missed = definitions.dry_run(definition("Silver"), northwind)
    assert missed.matched is False and missed.actions == []
    assert [c.matched for c in missed.checks] == [False, True]
    assert definitions.dry_run({"actions": [NOTIFY]}, northwind).actions == [NOTIFY]


def test_the_api_and_the_editor_render_the_same_dry_run(world):
    gold, _ = Tier.objects.get_or_create(name="Gold", defaults={"rank": 3})
    partner_services.partner_update(
        actor=world.admin, partner=world.northwind, fields={"tier": gold}
    )
    workflow = workflow_save(
        actor=world.admin, name="Gold", trigger="partner.enrolled", definition=definition("Gold")
    )
    api = (
        api_as(world.admin)
        .post(
            f"/api/v1/workflows/{workflow.pk}/dry-run/",
            {"object_id": world.northwind.pk},
            format="json",
        )
        .json()
    )
    assert api == {
        "matched": True,
        "checks": [
            {"field": "tier.name", "op": "=", "value": "Gold", "actual": "Gold", "matched": True},
            {"field": "tier.rank", "op": ">=", "value": 3, "actual": gold.rank, "matched": True},
        ],
        "actions": [NOTIFY],
    }
    page = (
        browser_as(world.admin)
        .post(
            f"/workflows/{workflow.pk}/",
            {
                "mode": "json",
                "op": "dry_run",
                "name": "Gold",
                "trigger": "partner.enrolled",
                "definition": json.dumps(definition("Gold")),
                "record": world.northwind.pk,
            },
        )
        .content.decode()
    )
    assert 'data-testid="dry-run"' in page and "conditions met" in page
    # The same checks in the builder's words: labels, not paths.
    assert "Partner&#x27;s tier is Gold — it is Gold" in page
    assert f"Partner&#x27;s tier rank (1 = lowest) is at least 3 — it is {gold.rank}" in page
    assert "Would run:" in page and "Notify the partner&#x27;s channel manager: “Hello”" in page
