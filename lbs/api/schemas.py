"""Small helpers to write JSON Schema fragments for the OpenAPI document."""

from __future__ import annotations

from typing import Any

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["message"],
            "properties": {
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
            },
        }
    },
}

MONEY = {"type": "string", "pattern": "^[0-9]{1,12}\\.[0-9]{2}$"}
MONEY_IN = {
    "oneOf": [
        {"type": "string", "pattern": "^[0-9]{1,12}(\\.[0-9]{1,2})?$"},
        {"type": "integer", "minimum": 0, "maximum": 999_999_999_999},
    ]
}
TIME = {"type": "string", "format": "date-time"}
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}


def obj(properties: dict[str, Any], required: list[str] | None = None, *, closed: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    schema["required"] = required if required is not None else list(properties)
    if closed:
        schema["additionalProperties"] = False
    return schema


def array_of(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item}
