"""app.css is appended to by every domain: an unclosed block silently swallows every rule after it (the
consultation graph once rendered unstyled on screen because a print block above it was never closed)."""

from __future__ import annotations

import re
from pathlib import Path

CSS = Path(__file__).resolve().parent.parent / "lbs" / "static" / "css" / "app.css"


def _blocks(text: str) -> list[tuple[int, str]]:
    """(depth, selector) of every block opened in the stylesheet."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    depth, opened, start = 0, [], 0
    for i, char in enumerate(text):
        if char == "{":
            opened.append((depth, text[start:i].strip().split(";")[-1].strip()))
            depth += 1
            start = i + 1
        elif char == "}":
            depth -= 1
            assert depth >= 0, f"a '}}' closes nothing near: {text[max(0, i - 60):i]!r}"
            start = i + 1
        elif char == ";" and depth == 0:
            start = i + 1
    assert depth == 0, f"{depth} block(s) never closed"
    return opened


def test_every_block_is_closed_and_only_at_rules_nest():
    for depth, selector in _blocks(CSS.read_text(encoding="utf-8")):
        if depth > 0:
            continue
        assert selector, "an empty selector"
    nested_parents = {sel for d, sel in _blocks(CSS.read_text(encoding="utf-8")) if d == 0 and sel.startswith("@")}
    text = re.sub(r"/\*.*?\*/", "", CSS.read_text(encoding="utf-8"), flags=re.S)
    # Every block at depth 1 must sit inside an @-rule (e.g. @media print), never inside an ordinary rule.
    depth, parent = 0, ""
    for match in re.finditer(r"([^{};]*)\{|\}", text):
        if match.group(0) == "}":
            depth -= 1
            continue
        selector = match.group(1).strip()
        if depth == 0:
            parent = selector
        elif depth == 1:
            assert parent.startswith("@"), f"'{selector}' is nested inside the rule '{parent}'"
        depth += 1
    assert nested_parents, "expected @media blocks"


def test_the_checker_catches_an_unclosed_block():
    try:
        _blocks("@media print { .a { color: red; }\n.b { color: blue; }")
    except AssertionError as exc:
        assert "never closed" in str(exc)
    else:
        raise AssertionError("an unclosed block went unnoticed")
