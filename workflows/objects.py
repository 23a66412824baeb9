"""The objects a workflow run can be about, by the ``object_type`` events record (a model
name). Later apps add theirs (deal, reservation, claim)."""

from __future__ import annotations

from typing import Any

from django.db import models

from partners.models import Agreement, Partner, PartnerApplication

OBJECT_MODELS: dict[str, type[models.Model]] = {
    "partner": Partner,
    "agreement": Agreement,
    "partnerapplication": PartnerApplication,
}


def load_object(object_type: str, object_id: str) -> Any:
    """The run's or event's object; None when it is gone (conditions on it are false)."""
    model = OBJECT_MODELS.get(object_type)
    return model._default_manager.filter(pk=object_id).first() if model else None
