"""Hypothesis strategies for hostile input: values that are wrong for a field of a given kind, and bodies that
are valid except for one to three such fields."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from lbs.extensions import db

# No shrinking: a failure is reported with the example as found (shrinking HTTP round trips is slow).
SETTINGS = settings(max_examples=30, deadline=None, database=None, derandomize=True,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
DROP = object()  # remove the field from the body

CONTROL = st.sampled_from(["\x00", "\x01", "\x07", "\x1b", "\x7f", "\x08"])
_junk_text = st.text(max_size=20)
WRONG_TYPES = st.one_of(st.integers(min_value=-(2**70), max_value=2**70), st.booleans(),
                        st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(),
                                                                             max_size=2),
                        st.floats(allow_nan=True, allow_infinity=True))
# Local times without an offset (nonexistent and ambiguous in Copenhagen), impossible dates, garbage.
BAD_TIMES = st.sampled_from([
    "2026-03-29T02:30:00", "2026-10-25T02:30:00", "2026-11-28T14:05:00", "2026-02-30T10:00:00+01:00",
    "2026-13-01T00:00:00Z", "2026-11-28T25:00:00+01:00", "2026-11-28T14:05:00+25:00", "0000-01-01T00:00:00Z",
    "yesterday", "", "  ", "2026-11-28T14:05:00+01:00\x00", "1732780800", "2026-11-28 14:05",
    "9" * 300, "2026-11-28T14:05:00.123456789012345+01:00",
])
BAD_MONEY = st.sampled_from([
    "1e3", "-5", "-0.01", "1.234", "1000000000000", "999999999999.999", "12,50", "1.234,50", "", " 5", "0x10",
    "NaN", "Infinity", "١٢٣", 10**12, 10**30, -1, 1.5, 0.1, True, [], {}, float("nan"), float("inf"),
])
BAD_REFS = st.one_of(st.sampled_from([0, -1, 2**31, 2**63, 10**30, "1", "abc", 1.5, True, [1], {"id": 1}]),
                     st.integers(min_value=900_000, max_value=2**31 - 1))


def bad_string(max_len: int, *, required: bool) -> st.SearchStrategy[Any]:
    options = [
        WRONG_TYPES,
        st.builds(lambda a, c, b: a + c + b, _junk_text, CONTROL, _junk_text),
        st.just("x" * (max_len + 1)),
        st.just("å" * (max_len + 50)),
    ]
    if required:
        options += [st.just(None), st.just(DROP), st.sampled_from(["", "   "])]
    return st.one_of(*options)


def bad_value(kind: str, *, required: bool) -> st.SearchStrategy[Any]:
    """A value that is invalid for a field of ``kind``."""
    nullish = [st.just(None), st.just(DROP)] if required else []
    if kind == "name":
        return bad_string(200, required=required)
    if kind == "text":
        return bad_string(10_000, required=required)
    if kind == "time":
        return st.one_of(BAD_TIMES, WRONG_TYPES, *nullish)
    if kind == "money":
        return st.one_of(BAD_MONEY, *nullish)
    if kind == "ref":
        return st.one_of(BAD_REFS, *nullish)
    if kind == "int":
        return st.one_of(st.sampled_from([-1, 10**20, "1", 1.5, True, None if required else "x", [], {}]), *nullish)
    if kind == "bool":
        return st.sampled_from(["true", 1, 0, "yes", [], {}, 1.5])
    if kind.startswith("enum"):
        return st.one_of(st.sampled_from(["nonsense", "", "OTHER", 1, True, [], "other\x00", "x" * 5000]), *nullish)
    raise AssertionError(kind)


@st.composite
def hostile_body(draw: st.DrawFn, valid: dict[str, Any], kinds: dict[str, tuple[str, bool]],
                 nested: dict[str, tuple[dict[str, Any], dict[str, tuple[str, bool]]]] | None = None) -> Any:
    """``valid`` with one to three fields replaced by invalid values; nested lists of objects get an item with
    an invalid field, or are not lists of objects at all."""
    nested = nested or {}
    body = dict(valid)
    names = draw(st.lists(st.sampled_from(sorted([*kinds, *nested])), min_size=1, max_size=3, unique=True))
    for name in names:
        if name in nested:
            item_valid, item_kinds = nested[name]
            value = draw(st.one_of(
                st.builds(lambda item: [item], hostile_body(item_valid, item_kinds)),
                st.sampled_from(["x", 1, {"a": 1}, [1, 2], [None], [[]]]),
                st.just([item_valid] * 201),
            ))
        else:
            kind, required = kinds[name]
            value = draw(bad_value(kind, required=required))
        if value is DROP:
            body.pop(name, None)
        else:
            body[name] = value
    return body


def row_counts() -> dict[str, int]:
    """Rows per table, to check that a refused request wrote nothing."""
    db.session.expire_all()
    counts = {table.name: db.session.scalar(select(func.count()).select_from(table)) or 0
              for table in db.metadata.sorted_tables}
    db.session.rollback()
    return counts
