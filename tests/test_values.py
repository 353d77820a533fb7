"""Pure value handling: money parsing/formatting, times (offsets, DST), input validation."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from lbs.errors import ValidationError
from lbs.formatting import dt, money
from lbs.money import MoneyError, parse_money, parse_money_form
from lbs.timeutil import TimeError, localize_strict, parse_iso_aware
from lbs.validation import Fields

CPH = ZoneInfo("Europe/Copenhagen")


@pytest.mark.parametrize("value,expected", [
    ("12000", Decimal("12000.00")), ("1.5", Decimal("1.50")), ("45000.50", Decimal("45000.50")),
    (0, Decimal("0.00")), (999_999_999_999, Decimal("999999999999.00")),
])
def test_money_accepted(value, expected):
    assert parse_money(value) == expected


@pytest.mark.parametrize("value", ["1e3", "-5", "1.234", "", " 5", "1,5", -1, 10**12, 1.5, True, None,
                                   "1000000000000", "NaN", "Infinity", [1]])
def test_money_refused(value):
    with pytest.raises(MoneyError):
        parse_money(value)


@pytest.mark.parametrize("text,expected", [
    ("1.234.567,50", "1234567.50"), ("125000", "125000.00"), ("125.000", "125000.00"),
    ("1234,5", "1234.50"), ("80 000 kr.", "80000.00"), ("45000.50", "45000.50"),
])
def test_danish_form_money(text, expected):
    assert parse_money_form(text) == Decimal(expected)


def test_money_and_time_filters_in_danish(app):
    with app.test_request_context("/"):
        assert money(Decimal("1234567.5")) == "1.234.567,50\u00a0kr."
        assert money(Decimal("0")) == "0,00\u00a0kr."
        assert dt(datetime(2026, 11, 28, 13, 5, tzinfo=UTC)) == "28.11.2026 14:05"
        assert dt(datetime(2026, 7, 1, 0, 14, tzinfo=UTC)) == "01.07.2026 02:14"


def test_iso_times_need_an_offset():
    assert parse_iso_aware("2026-11-28T14:05:00+01:00") == datetime(2026, 11, 28, 13, 5, tzinfo=UTC)
    assert parse_iso_aware("2026-11-28T13:05:00Z") == datetime(2026, 11, 28, 13, 5, tzinfo=UTC)
    for bad in ["2026-11-28T14:05:00", "yesterday", "", "2026-13-01T00:00:00Z", "\x00"]:
        with pytest.raises(TimeError):
            parse_iso_aware(bad)


def test_iso_times_keep_every_digit_they_were_given():
    assert parse_iso_aware("2026-11-28T14:05:00.123456+01:00").microsecond == 123456
    with pytest.raises(TimeError):  # a nanosecond time would be cut to microseconds without a word
        parse_iso_aware("2026-11-28T14:05:00.123456789+01:00")


def test_local_times_refuse_dst_gaps_and_doubles():
    # 25 October 2026 02:30 happens twice in Copenhagen; 29 March 2026 02:30 never happens.
    with pytest.raises(TimeError, match="ambiguous"):
        localize_strict(datetime(2026, 10, 25, 2, 30), CPH)
    with pytest.raises(TimeError, match="does not exist"):
        localize_strict(datetime(2026, 3, 29, 2, 30), CPH)
    assert localize_strict(datetime(2026, 11, 28, 14, 5), CPH) == datetime(2026, 11, 28, 13, 5, tzinfo=UTC)


def test_fields_collect_every_error():
    fields = Fields({"title": "x" * 201, "note": "a\x00b", "n": "3", "flag": "yes", "when": "2026-01-01T00:00:00",
                     "items": [{"amount": "-1"}, 7]})
    fields.name("title")
    fields.text("note")
    fields.integer("n")
    fields.boolean("flag")
    fields.time("when")
    fields.text("missing")
    for item in fields.objects("items"):
        item.money("amount")
    with pytest.raises(ValidationError) as info:
        fields.check()
    assert set(info.value.fields) == {"title", "note", "n", "flag", "when", "missing", "items[0].amount", "items[1]"}
