"""The reservation and deal sweeps (and the lookup's count of common name keys) run on
beat, per tenant, through the fan-out dispatcher."""

from django.conf import settings


def test_the_reservation_and_deal_sweeps_are_on_the_beat_schedule():
    scheduled = {
        entry["args"][0]: entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "tenancy.fan_out"
    }
    for task in (
        "deals.reservations_expire",
        "deals.reservations_remind",
        "deals.deals_expire",
        "deals.deals_remind",
        "deals.common_name_keys_refresh",
    ):
        assert task in scheduled, task
        assert scheduled[task]["tenant_schemas"] == ["public"]
    assert scheduled["deals.reservations_expire"]["schedule"] <= 3600
    assert scheduled["deals.deals_expire"]["schedule"] <= 3600
