"""The two pager macros every paged list uses: the links they give on the first, a middle and the last page."""

from __future__ import annotations

import re

from flask import Flask

NUMBERED = ('{% import "_macros/pager.html" as pagers %}'
            '{{ pagers.numbered("Pages", page, has_next, "incidents.index", summary=summary) }}')
BY_NUMBER = ('{% import "_macros/pager.html" as pagers %}'
             '{{ pagers.by_number("Decisions", prev, next, "review.incident", latest_after=latest, '
             'fragment="#decisions", incident_id=7, missing="1") }}')


def _links(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<a (?:rel="(\w+)" )?href="([^"]+)"', html)


def _render(app: Flask, source: str, **context: object) -> str:
    with app.test_request_context():
        return app.jinja_env.from_string(source).render(**context)


def test_a_single_page_has_no_pager(app: Flask) -> None:
    assert _render(app, NUMBERED, page=1, has_next=False, summary="x").strip() == ""
    assert _render(app, BY_NUMBER, prev=None, next=None, latest=None).strip() == ""


def test_numbered_pages_link_back_and_on(app: Flask) -> None:
    first = _render(app, NUMBERED, page=1, has_next=True, summary="Page 1 of 3")
    assert _links(first) == [("next", "/incidents?page=2")]
    assert "<p>Page 1 of 3</p>" in first
    middle = _render(app, NUMBERED, page=2, has_next=True, summary=None)
    assert _links(middle) == [("prev", "/incidents?page=1"), ("next", "/incidents?page=3")]
    assert "<p>" not in middle


def test_keyset_pages_keep_the_filter_and_the_fragment(app: Flask) -> None:
    middle = _render(app, BY_NUMBER, prev=0, next=50, latest=75)
    assert _links(middle) == [
        ("", "/review/incidents/7?missing=1#decisions"),
        ("prev", "/review/incidents/7?after=0&amp;missing=1#decisions"),
        ("next", "/review/incidents/7?after=50&amp;missing=1#decisions"),
        ("", "/review/incidents/7?after=75&amp;missing=1#decisions"),
    ]
    last = _render(app, BY_NUMBER, prev=25, next=None, latest=75)
    assert [rel for rel, _ in _links(last)] == ["", "prev"]
