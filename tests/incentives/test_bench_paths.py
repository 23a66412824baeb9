"""What the MDF benchmark (bench/scenarios/mdf.py) found slow at 50,000 claims, pinned: the
payouts list reads its page newest first through an index, not by sorting every payout in
the viewer's scope."""

from __future__ import annotations

import pytest
from django.db import connection

from incentives import scope


@pytest.fixture
def world(module_world):
    return module_world


def test_the_payouts_list_reads_its_newest_page_through_an_index(world):
    page = (
        scope.payouts_visible_to(world.cam_emea)
        .select_related("partner", "fund__program", "batch")
        .order_by("-created_at", "-id")[:50]
    )
    with connection.cursor() as cursor:  # no sort possible: the plan must walk an index
        cursor.execute("SET LOCAL enable_sort = off")
    plan = page.explain()
    assert "payout_newest_first" in plan
