"""JSON Schema fragments for the OpenAPI document, and the registry of its named component schemas.

A schema given a name with :func:`component` goes once into ``components.schemas`` and is used everywhere
by ``$ref``, so a generated client has one model per name (``Decision``, ``CostLine``, …) instead of one per
operation and status code.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

COMPONENTS: dict[str, Schema] = {}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def component(name: str, schema: Schema) -> Schema:
    """Register ``schema`` as ``components.schemas[name]`` and return a ``$ref`` to it.

    Registering the same name twice is allowed only with an equal schema (an import run twice)."""
    known = COMPONENTS.setdefault(name, schema)
    if known != schema:
        raise ValueError(f"two different component schemas are named {name!r}")
    return ref(name)


def obj(properties: dict[str, Any], required: list[str] | None = None, *, closed: bool = False) -> Schema:
    schema: Schema = {"type": "object", "properties": properties}
    schema["required"] = required if required is not None else list(properties)
    if closed:
        schema["additionalProperties"] = False
    return schema


def array_of(item: Schema) -> Schema:
    return {"type": "array", "items": item}


def list_component(name: str, item: Schema) -> Schema:
    """A named JSON array of ``item`` (``IncidentList`` …): the API's lists are plain arrays."""
    return component(name, array_of(item))


def nullable(schema: Schema) -> Schema:
    """``schema`` or JSON null (for a ``$ref``, where a type list cannot be used)."""
    return {"oneOf": [schema, {"type": "null"}]}


def enum_of(name: str, values: list[str], description: str | None = None) -> Schema:
    """A named string enumeration (a generated client makes it an enum class of that name)."""
    schema: Schema = {"type": "string", "enum": values}
    if description:
        schema["description"] = description
    return component(name, schema)


ERROR_DETAIL = component("ErrorDetail", obj({
    "message": {"type": "string"},
    "fields": component("FieldErrors", {
        "type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}},
        "description": "messages by field name, where the error concerns fields"}),
}, ["message"]))
ERROR = component("Error", obj({"error": ERROR_DETAIL}))

MONEY = component("Money", {"type": "string", "pattern": "^[0-9]{1,12}\\.[0-9]{2}$",
                            "description": "DKK with two decimals"})
NULLABLE_MONEY = nullable(MONEY)
MONEY_IN = component("MoneyInput", {
    "description": "DKK: a string with at most two decimals, or a whole number",
    "oneOf": [
        {"type": "string", "pattern": "^[0-9]{1,12}(\\.[0-9]{1,2})?$"},
        {"type": "integer", "minimum": 0, "maximum": 999_999_999_999},
    ],
})
TIME = {"type": "string", "format": "date-time"}
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
