"""Forms shared across domains."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField
from wtforms.fields.choices import SelectChoice


def choices(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """``SelectField`` choices from (value, label) pairs (tuples are deprecated in WTForms 3.3)."""
    return [SelectChoice(str(value), str(label)) for value, label in pairs]


class EmptyForm(FlaskForm):
    """CSRF-protected POST button."""


class LanguageForm(FlaskForm):
    lang = SelectField(choices=choices([("da", "Dansk"), ("en", "English")]))
    next = HiddenField()
