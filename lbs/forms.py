"""Forms shared across domains."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import HiddenField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import Select


def choices(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """``SelectField`` choices from (value, label) pairs (tuples are deprecated in WTForms 3.3).

    Labels stay lazy (``lazy_gettext``): forms are declared at import time, and the label must be
    translated when the page is rendered, in the user's language."""
    return [SelectChoice(str(value), label) for value, label in pairs]


class QuickSelect(Select):
    """WTForms' ``<select>`` with a quicker renderer for plain options (the decision form has several hundred:
    organisations and consultation parties per row); options with extra attributes render as before."""

    @classmethod
    def render_option(cls, choice: SelectChoice, **kwargs: Any) -> Markup:
        if kwargs or choice.render_kw or isinstance(choice.value, bool):
            return Markup(super().render_option(choice, **kwargs))
        selected = " selected" if choice.selected else ""
        label = choice.label if choice.label is not None else choice.value
        return Markup(f'<option{selected} value="{escape(choice.value)}">{escape(label)}</option>')


def form_errors(form: Any) -> list[tuple[str, str, str]]:
    """(field id, label, message) of every error of ``form``, in the form's order, for the error summary; a row
    of a list of subforms (the decision form's cost lines, say) is labelled with its number."""
    items: list[tuple[str, str, str]] = []
    for field in form:
        if field.type == "FieldList":
            for entry in field:
                row = int(entry.id.rsplit("-", 1)[-1]) + 1
                for sub in entry.form:
                    items += [(sub.id, f"{field.label.text} {row}: {sub.label.text}", str(m)) for m in sub.errors or []]
        elif field.type != "CSRFTokenField":
            items += [(field.id, str(field.label.text), str(m)) for m in field.errors or []]
    return items


class EmptyForm(FlaskForm):
    """CSRF-protected POST button."""


class LanguageForm(FlaskForm):
    lang = SelectField(choices=choices([("da", "Dansk"), ("en", "English")]))
    next = HiddenField()
