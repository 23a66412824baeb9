"""The API's request parsers (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES). A module of its
own: DRF imports it while loading its settings, before prm.api can be imported."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, parsers

MAX_DEPTH = 32  # of nested objects and lists in a body; real requests need a handful


def _problem(data: Any, depth: int = 0) -> str | None:
    """Why a parsed body cannot be taken: too deep, or a NUL character (Postgres cannot
    store one: it would be a 500)."""
    if depth > MAX_DEPTH:
        return f"The request is nested more than {MAX_DEPTH} levels deep."
    if isinstance(data, str):
        return "The request contains a NUL character." if "\x00" in data else None
    items = (
        data.items()
        if isinstance(data, dict)
        else enumerate(data)
        if isinstance(data, list)
        else ()
    )
    for key, value in items:
        if isinstance(key, str) and "\x00" in key:
            return "The request contains a NUL character."
        if problem := _problem(value, depth + 1):
            return problem
    return None


class JSONParser(parsers.JSONParser):
    """The API's only body format: a JSON object (form and multipart bodies answer 415), at
    most MAX_DEPTH levels deep and with no NUL character anywhere in it."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:  # nested beyond what the JSON decoder itself can take
            raise exceptions.ParseError(
                f"The request is nested more than {MAX_DEPTH} levels deep."
            ) from None
        if not isinstance(data, dict):  # every operation takes an object of named fields
            raise exceptions.ParseError("The request body must be a JSON object.")
        if problem := _problem(data):
            raise exceptions.ParseError(problem)
        return data
