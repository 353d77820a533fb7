"""A rule condition is bounded (depth 20, 200 values): deeper or larger is a clear form error in Danish, never
a 500, and nothing is stored; the same bound holds for every rule the graph is given (:func:`validate_rule`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from lbs.consultation.models import Rule
from lbs.consultation.rule_schema import (
    MAX_CONDITION_DEPTH,
    MAX_CONDITION_NODES,
    Context,
    RuleData,
    RuleError,
    condition_too_large,
    validate_rule,
)
from lbs.extensions import db

FORM = {"code": "X9", "name": "Lukninger", "target_role": "kommunikation", "source_role": "",
        "target_party_key": "", "mode": "inform", "timing": "at_once", "save": "1"}


def _nested(depth: int) -> dict[str, Any]:
    condition: Any = "x"
    for _ in range(depth - 1):
        condition = [condition]
    return {"when": "decision", "extra": condition}


def _rules() -> int:
    return db.session.scalar(select(func.count()).select_from(Rule)) or 0


@pytest.mark.parametrize("condition", [
    "[" * 4000 + "]" * 4000,
    '{"when": "decision", "x": ' + "[" * 4000 + "]" * 4000 + "}",
    json.dumps(_nested(MAX_CONDITION_DEPTH + 1)),
    json.dumps({"when": "decision", "types": ["evacuation"] * MAX_CONDITION_NODES}),
])
def test_the_rule_editor_refuses_a_deep_or_large_condition(app: Any, login: Any, condition: str) -> None:
    client = login("admin")
    before = _rules()
    response = client.post("/consultation/rules/new", data={**FORM, "condition": condition})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Betingelsen må højst være indlejret 20 niveauer og højst rumme 200 værdier." in page
    assert _rules() == before


def test_a_condition_within_the_bounds_is_saved(app: Any, login: Any) -> None:
    client = login("admin")
    deep = _nested(MAX_CONDITION_DEPTH - 1)
    deep["types"] = ["closure"]
    response = client.post("/consultation/rules/new", data={**FORM, "condition": json.dumps(deep)})
    assert response.status_code == 302
    assert db.session.scalar(select(Rule).where(Rule.code == "X9")) is not None


def test_the_bound_is_checked_without_recursion() -> None:
    assert not condition_too_large(_nested(MAX_CONDITION_DEPTH - 1))
    assert condition_too_large(_nested(MAX_CONDITION_DEPTH + 1))
    assert condition_too_large(_nested(100_000))  # far beyond the interpreter's recursion limit
    assert condition_too_large({"when": "decision", "flags": ["a"] * MAX_CONDITION_NODES})
    assert not condition_too_large({"when": "decision", "flags": ["a"] * (MAX_CONDITION_NODES - 3)})


def test_validate_rule_refuses_it_too() -> None:
    rule = RuleData(id=1, code="X", version=1, name="X", condition=_nested(MAX_CONDITION_DEPTH + 5), mode="inform",
                    timing="at_once", valid_from=datetime(2026, 1, 1, tzinfo=UTC), target_role="kommunikation")
    with pytest.raises(RuleError) as error:
        validate_rule(rule, Context(parties=(), municipalities=()))
    assert error.value.field == "condition" and "20 levels" in error.value.message
