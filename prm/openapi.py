"""The OpenAPI schema's description of errors: every operation can answer with the error
shape of PRODUCT.md §9 (``prm.api.error_body``), and the schema says with which statuses."""

from __future__ import annotations

from typing import Any

ERROR = {
    "type": "object",
    "properties": {
        "code": {"type": "string", "description": "machine-readable: invalid, not_found, ..."},
        "detail": {"type": "string", "description": "what went wrong, in words"},
        "fields": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "for invalid input: the problems of each field of the request",
        },
    },
    "required": ["code", "detail", "fields"],
}


# Every operation: input (the query string too), authentication, permission and the 404 of
# an object out of scope or an unknown portal host.
EVERY_OPERATION = {
    "400": "Invalid input: `fields` names each problem.",
    "401": "Not signed in: no token, or an unknown one.",
    "403": "Signed in, but this action is not the caller's to take.",
    "404": "No such object for the caller (missing or out of scope look the same).",
}
# Operations that change something: state conflicts and the request body's size and type.
WRITES = {
    "409": "Conflict: the object's state does not allow this now (nothing changed).",
    "413": "The request body is larger than the portal accepts.",
    "415": "The request body is not JSON.",
}


def document_errors(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: add the error answers to every operation (an
    operation's own ``extend_schema`` may add more, such as the token endpoint's 429)."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    error = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            codes = EVERY_OPERATION | (WRITES if method != "get" else {})
            responses = operation.setdefault("responses", {})
            for code, description in codes.items():
                responses.setdefault(code, {"description": description})
            for code, response in responses.items():
                if code >= "400" and "content" not in response:
                    response["content"] = {"application/json": {"schema": error}}
    return result
