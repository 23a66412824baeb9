"""Workflow texts are filled by placeholder name only: no Python format specs, indexes or
attributes reach the worker, and a save refuses what is not a known placeholder."""

import pytest
from django.core.exceptions import ValidationError

from tests.workflows.test_engine import activate
from workflows.engine.actions import render_text
from workflows.models import WorkflowRun
from workflows.services import workflow_save


def save(world, title):
    return workflow_save(
        actor=world.admin,
        name="Texts",
        trigger="partner.status_changed",
        enabled=True,
        definition={"actions": [{"type": "notify", "to": "vendor_admins", "title": title}]},
    )


@pytest.mark.parametrize(
    "title", ["{partner:>20000000}", "{0}", "{partner.__class__}", "{partner[0]}", "{nope}"]
)
def test_a_text_with_anything_but_a_known_placeholder_is_refused(world, title):
    with pytest.raises(ValidationError, match="unknown placeholder"):
        save(world, title)


def test_known_placeholders_are_filled_by_name_and_nothing_else_is_interpreted(
    world, django_capture_on_commit_callbacks
):
    save(world, "{partner} is {status}")
    activate(world, django_capture_on_commit_callbacks)
    run = WorkflowRun.objects.get(workflow__name="Texts")
    assert render_text(run, "{partner} is {status}") == "Northwind is active"
    # A text saved before validation existed: the format spec is left as written, not
    # expanded into a 20 MB string.
    assert render_text(run, "{partner:>20000000} {0}") == "{partner:>20000000} {0}"
    assert len(render_text(run, "{partner}" * 3)) == len("Northwind") * 3
