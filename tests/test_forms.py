"""The quicker <select> renderer gives exactly WTForms' markup (escaping, selection, extra attributes)."""

from __future__ import annotations

from wtforms import Form, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import Select

from lbs.forms import QuickSelect

CHOICES = [SelectChoice("", "—"), SelectChoice("1", 'Politi & "Beredskab" <Midt>'), SelectChoice("x<y", "x<y"),
           SelectChoice("2", None), SelectChoice("3", "Med attributter", render_kw={"disabled": True})]


class _Plain(Form):
    pick = SelectField(choices=CHOICES, validate_choice=False)


class _Quick(Form):
    pick = SelectField(choices=CHOICES, validate_choice=False, widget=QuickSelect())


def test_quick_select_renders_what_wtforms_renders() -> None:
    for data in ({}, {"pick": "1"}, {"pick": "x<y"}, {"pick": "3"}):
        plain, quick = _Plain(data=data), _Quick(data=data)
        assert str(quick.pick()) == str(plain.pick()), data
        assert str(quick.pick(class_="wide")) == str(plain.pick(class_="wide"))
    html = str(_Quick(data={"pick": "x<y"}).pick())
    assert '<option selected value="x&lt;y">x&lt;y</option>' in html
    assert "Politi &amp; &#34;Beredskab&#34; &lt;Midt&gt;" in html
    assert isinstance(QuickSelect(), Select)
