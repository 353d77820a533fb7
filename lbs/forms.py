"""Forms shared across domains."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import get_translations, ngettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import Form as WTForm
from wtforms import HiddenField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import Select

# WTForms' and Flask-WTF's own messages (WTForms ships no Danish): marked here so that our catalog translates
# them; :class:`Form` and :class:`SubForm` look every one of them up there.
WTFORMS_MESSAGES = (
    _l("This field is required."),
    _l("Invalid input."),
    _l("Not a valid choice."),
    _l("Invalid Choice: could not coerce."),
    _l("Choices cannot be None."),
    _l("Invalid choice(s): one or more data inputs could not be coerced."),
    _l("Not a valid datetime value."),
    _l("Not a valid date value."),
    _l("Not a valid time value."),
    _l("Not a valid week value."),
    _l("Not a valid integer value."),
    _l("Not a valid decimal value."),
    _l("Not a valid float value."),
    _l("Number must be at least %(min)s."),
    _l("Number must be at most %(max)s."),
    _l("Number must be between %(min)s and %(max)s."),
    _l("Date must be at least %(min)s."),
    _l("Date must be at most %(max)s."),
    _l("Date must be between %(min)s and %(max)s."),
    _l("Field must be between %(min)d and %(max)d characters long."),
    _l("Field must be equal to %(other_name)s."),
    _l("Invalid email address."),
    _l("Invalid URL."),
    _l("Invalid UUID."),
    _l("Invalid IP address."),
    _l("Invalid Mac address."),
    _l("Invalid value, must be one of: %(values)s."),
    _l("Invalid value, can't be any of: %(values)s."),
    _l("This field cannot be edited."),
    _l("This field is disabled and cannot have a value."),
    _l("The CSRF token is missing."),
    _l("The CSRF session token is missing."),
    _l("The CSRF token has expired."),
    _l("The CSRF token is invalid."),
    _l("The CSRF tokens do not match."),
)


def wtforms_plurals(n: int) -> list[str]:
    """WTForms' messages with a plural, marked for the catalog as :data:`WTFORMS_MESSAGES` are."""
    return [
        ngettext("Field must be at least %(min)d character long.",
                 "Field must be at least %(min)d characters long.", n, min=n),
        ngettext("Field cannot be longer than %(max)d character.",
                 "Field cannot be longer than %(max)d characters.", n, max=n),
        ngettext("Field must be exactly %(max)d character long.",
                 "Field must be exactly %(max)d characters long.", n, max=n),
        ngettext("'%(value)s' is not a valid choice for this field.",
                 "'%(value)s' are not valid choices for this field.", n, value=n),
    ]


class CatalogTranslations:
    """WTForms' translations object backed by the app's catalog (lbs/translations), in the user's language.

    Flask-WTF would look WTForms' messages up in WTForms' own catalogs, which have no Danish; ours has them.
    WTForms fills the placeholders in itself (``% {"max": 200}``), so the messages are returned unformatted."""

    def gettext(self, string: str) -> str:
        return str(get_translations().ugettext(string))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return str(get_translations().ungettext(singular, plural, n))


class _CatalogMeta:
    def get_translations(self, form: Any) -> CatalogTranslations:
        return CatalogTranslations()


class Form(FlaskForm):
    """The base of every form of the app (CSRF-protected): WTForms' own messages come in the user's language.

    Every form derives from it (or, for a row of a ``FieldList``, from :class:`SubForm`); a test checks."""

    class Meta(_CatalogMeta):
        pass


class SubForm(WTForm):
    """A form nested in another (a row of a ``FieldList``): no CSRF field of its own, messages translated."""

    class Meta(_CatalogMeta):
        pass


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


class EmptyForm(Form):
    """CSRF-protected POST button."""


class LanguageForm(Form):
    lang = SelectField(choices=choices([("da", "Dansk"), ("en", "English")]))
    next = HiddenField()
