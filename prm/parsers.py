"""The API's request parsers (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES). A module of its
own: DRF imports it while loading its settings, before prm.api can be imported."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, parsers


def _has_nul(data: Any, depth: int = 0) -> bool:
    if isinstance(data, str):
        return "\x00" in data
    if isinstance(data, dict):
        return any(_has_nul(k) or _has_nul(v, depth + 1) for k, v in data.items())
    if isinstance(data, list):
        return any(_has_nul(v, depth + 1) for v in data)
    return False


class JSONParser(parsers.JSONParser):
    """The API's only body format: JSON (form and multipart bodies answer 415), and no NUL
    character anywhere in it (Postgres cannot store one: it would be a 500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if _has_nul(data):
            raise exceptions.ParseError("The request contains a NUL character.")
        return data
