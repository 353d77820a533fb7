"""Every page in Danish: a crawl of the pages each demo user reaches by links (the demo district, Danish by
default) finds no English sentence and no internal code in what a person reads: the visible text and the
labels, titles and placeholders a screen reader or a tooltip speaks. User data of the demo district is Danish,
so English there is ours. The API is not crawled (its messages stay English)."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from tests.crawl import crawl

USERS = ("politi", "herning", "holstebro", "revisor", "admin")
# English words that are not also Danish words (so "for", "by", "to", "and", "at", "have" are left out).
ENGLISH = re.compile(r"\b(the|of|with|this|was|were|are|has|must|should|which|your|you|please|been|from|"
                     r"into|cannot|can't|does|doesn't|isn't|not found|required|invalid|field|characters|download|"
                     r"search|previous|next|page|submit|save|cancel|delete|edit|show|hide|there|their|when|"
                     r"where|what|who|while|because|before|after|than|then)\b", re.IGNORECASE)
# Internal codes shown as words (an enum's value where its Danish label belongs).
CODES = re.compile(r"\b(evacuation|shelter|catering|evacuation_transport|emergency_accommodation|estimated|"
                   r"disputed|settled|accepted|confirmed|fire_service|regional_health|municipality|police|"
                   r"reviewer)\b")
SPOKEN = re.compile(r'\s(?:aria-label|title|placeholder|alt)="([^"]*)"')
# What may legitimately look English: product names, standards, file formats, our own URLs and code samples.
ALLOWED = re.compile(r"LBS Register|WCAG|EN 301 549|SHA-256|Ed25519|JSON|CSV|XLSX|PDF|ZIP|API|axe-core|"
                     r"flask --app wsgi lbs [a-z-]+[^<]*|/api/v1/[^\s<]*|https?://\S+|\b[\w.-]+\.(?:dk|eu|org|com)\b|"
                     r"\S+@\S+|\bEnglish\b|\bDansk\b")


def visible_text(body: str) -> str:
    """What a person reads: the text and the spoken attributes, less code (``<code>``, scripts, form input, and
    the advanced JSON views of the rule pages, which are JSON by design)."""
    body = re.sub(r'(?is)<details class="advanced".*?</details>', " ", body)
    body = re.sub(r"(?is)<(script|style|code|pre|kbd|samp|textarea)\b.*?</\1>", " ", body)
    spoken = " ".join(SPOKEN.findall(body))
    text = re.sub(r"(?s)<[^>]+>", " ", body)
    return ALLOWED.sub(" ", html.unescape(text + " " + spoken))


def english_on(body: str) -> list[str]:
    text = visible_text(body)
    found = []
    for match in [*ENGLISH.finditer(text), *CODES.finditer(text)]:
        start, end = max(0, match.start() - 40), min(len(text), match.end() + 40)
        found.append(" ".join(text[start:end].split()))
    return found


@pytest.mark.parametrize("username", USERS)
def test_every_page_a_demo_user_reaches_is_danish(client: Any, login: Any, username: str) -> None:
    login(username)
    problems = []
    pages = 0
    for page in crawl(client, "/", limit=120, per_pattern=2):
        if page.status != 200 or page.mimetype != "text/html":
            continue
        pages += 1
        problems += [f"{page.path}: …{snippet}…" for snippet in english_on(page.body)]
    assert pages > 15
    assert not problems, f"{len(problems)} English or code words:\n" + "\n".join(sorted(set(problems))[:80])


def test_the_check_finds_english_and_codes() -> None:
    assert english_on("<p>Please correct the following</p>")
    assert english_on('<button aria-label="Show the menu">≡</button>')
    assert english_on("<td>evacuation</td>")
    assert not english_on("<p>Beslutning 4 for Herning Kommune til 1.234,50 kr.</p><script>var the = 1;</script>")
