"""Forms shared across domains."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField
from wtforms.fields.choices import SelectChoice


def choices(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """``SelectField`` choices from (value, label) pairs (tuples are deprecated in WTForms 3.3).

    Labels stay lazy (``lazy_gettext``): forms are declared at import time, and the label must be
    translated when the page is rendered, in the user's language."""
    return [SelectChoice(str(value), label) for value, label in pairs]


class EmptyForm(FlaskForm):
    """CSRF-protected POST button."""


class LanguageForm(FlaskForm):
    lang = SelectField(choices=choices([("da", "Dansk"), ("en", "English")]))
    next = HiddenField()
