"""The rule editor's choices: Danish labels for the rule format's codes, and the condition JSON read from and
written to the choices (kind, decision types, staff, municipalities, cost thresholds in kroner).

The choices cover the common keys of a condition (:data:`CHOSEN_KEYS`); every other key of the condition
(``flags``, ``kinds``, ``share_of_budget`` …) is kept as it stands in the JSON (the editor's advanced view).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l

from lbs.errors import DomainError
from lbs.money import money_str, parse_money_form

CHOSEN_KEYS = ("when", "types", "staff", "only_municipalities", "min", "max")
STAFFS = ("LBS-S", "LBS-O")
THRESHOLDS = ("T1", "T2")

KIND_LABELS: dict[str, Any] = {
    "decision": _l("A decision (of the chosen types)"),
    "several_municipalities": _l("Several municipalities affected"),
    "owner_differs": _l("The owner differs from a cost bearer"),
    "municipal_cost": _l("A municipal cost between two thresholds"),
    "assistance": _l("Assistance from another organisation"),
    "bearer_uncertain": _l("The cost bearer is provisional or disputed"),
    "incident_total": _l("The incident's total passes a share of the budget"),
    "party": _l("Another party is consulted (party to party)"),
}
ROLE_LABELS: dict[str, Any] = {
    "representative": _l("LBS representative"), "kommunaldirektoer": _l("Municipal director"),
    "borgmester": _l("Mayor"), "oekonomiudvalg": _l("Finance committee"), "byraad": _l("Municipal council"),
    "socialdirektoer": _l("Director of social services"), "oekonomi": _l("Head of finance"),
    "kommunikation": _l("Communication lead"), "fire_service": _l("The municipality's fire service"),
    "regional_health": _l("The region's AMK (health)"),
    "region_kommunikation": _l("The region's communication lead"),
    "lbs_chair": _l("LBS chair"), "whole_staff": _l("The whole staff"),
}


def role_label(role: str) -> str:
    """A role in words, in the user's language (the code itself when it has no label)."""
    return str(ROLE_LABELS[role]) if role in ROLE_LABELS else role


def kind_label(condition: dict[str, Any]) -> str:
    """When a rule applies, in words (the condition's ``when``)."""
    kind = str(condition.get("when", "decision"))
    return str(KIND_LABELS[kind]) if kind in KIND_LABELS else kind


def role_choices(roles: Sequence[str]) -> list[tuple[str, str]]:
    """The roles as (code, label in words), by label."""
    pairs = [(role, role_label(role)) for role in roles]
    return sorted(pairs, key=lambda pair: pair[1].casefold())


def threshold_value(text: str) -> str | None:
    """A threshold as a form gives it ("T1", "T2", "250.000", "250000,50") as the condition stores it
    ("T1", "T2", "250000.00"); None when empty. Raises ``ValueError`` for text that is no amount."""
    cleaned = text.strip()
    if not cleaned:
        return None
    if cleaned.upper() in THRESHOLDS:
        return cleaned.upper()
    try:
        amount = parse_money_form(cleaned)
    except (DomainError, ValueError) as exc:
        raise ValueError(cleaned) from exc
    if amount < 0:
        raise ValueError(cleaned)
    return money_str(amount)


def threshold_text(value: Any) -> str:
    """A stored threshold as the form shows it: "T1", or kroner in Danish ("250.000,00")."""
    if value is None:
        return ""
    if value in THRESHOLDS:
        return str(value)
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        return str(value)
    whole, _dot, cents = f"{amount:,.2f}".partition(".")
    return f"{whole.replace(',', '.')},{cents}"


def merged_condition(base: Mapping[str, Any], chosen: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` (the advanced JSON) with the chosen keys set from ``chosen``: an empty choice removes the key."""
    merged = {key: value for key, value in base.items() if key not in CHOSEN_KEYS}
    for key in CHOSEN_KEYS:
        value = chosen.get(key)
        if value not in (None, "", []):
            merged[key] = value
    return {"when": merged.pop("when", ""), **merged} if "when" in merged else merged


def chosen_from(condition: Mapping[str, Any]) -> dict[str, Any]:
    """The choices a stored condition shows (lists of strings only; other shapes stay in the JSON)."""
    def strings(key: str) -> list[str]:
        value = condition.get(key)
        return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []

    return {"when": str(condition.get("when", "")), "types": strings("types"),
            "staff": condition.get("staff") if condition.get("staff") in STAFFS else "",
            "only_municipalities": strings("only_municipalities"),
            "min": threshold_text(condition.get("min")), "max": threshold_text(condition.get("max"))}
