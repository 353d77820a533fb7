"""Issue 23's acceptance: a crawl signed in as Holstebro finds no Herning-only incident and no Herning cost line,
note or amount anywhere: not on a page reachable by links from the start page, the lists and the pages of the
incidents Holstebro may read, nor in any download (CSV, XLSX, JSON, PDF, ZIP) those pages link to."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin, urlparse

from flask.testing import FlaskClient

from tests.crawl import HREF, Page, crawl, pattern
from tests.scoping.bodies import extract, herning_traces
from tests.scoping.world import World, build

DOWNLOAD = re.compile(r"\.(csv|xlsx|zip|pdf|json)(\?|$)|/export")
LISTS = ["/", "/incidents", "/costs/", "/review/", "/consultation-requests", "/notifications", "/consultation/"]


def _starts(world: World) -> list[str]:
    """The lists, and every page of the incidents Holstebro may read (and of their decisions and lines)."""
    pages = [f"{prefix}/incidents/{incident}" for incident in (world.shared, world.bears_only)
             for prefix in ("", "/costs", "/review", "/consultation")]
    pages[len(pages):] = [f"/decisions/{world.shared_decision}", f"/incidents/{world.shared}/proposals",
                          *[f"/costs/lines/{line}" for line in world.holstebro_lines]]
    return LISTS + pages


def _downloads(pages: list[Page], per_pattern: int = 4) -> list[str]:
    """The same-site download links on the pages (at most ``per_pattern`` differing only by ids)."""
    found: list[str] = []
    per: dict[str, int] = {}
    for page in pages:
        for href in HREF.findall(page.body if page.mimetype == "text/html" else ""):
            target = urlparse(urljoin("http://localhost" + page.path, href.replace("&amp;", "&")))
            link = target.path + (f"?{target.query}" if target.query else "")
            key = pattern(target.path)
            if target.netloc in ("", "localhost") and DOWNLOAD.search(link) and link not in found \
                    and not link.startswith(("/static/", "/api/")) and per.get(key, 0) < per_pattern:
                per[key] = per.get(key, 0) + 1
                found.append(link)
    return found


def test_a_crawl_as_holstebro_finds_nothing_of_hernings(app: Any, client: FlaskClient, api_as: Any,
                                                         login: Any) -> None:
    world = build(api_as)
    login("holstebro")
    pages = list(crawl(client, _starts(world), limit=300, per_pattern=4))
    assert len(pages) > 20
    assert f"/incidents/{world.shared}" in {page.path for page in pages}
    leaked = {}
    for page in pages:
        assert page.status < 500, f"{page.path} answered {page.status}"
        if found := herning_traces(extract(page.body.encode())):
            leaked[page.path] = found
    downloads = _downloads(pages)
    assert any(link.endswith(".xlsx") for link in downloads) and any(".csv" in link for link in downloads)
    for link in downloads:
        response = client.get(link)
        assert response.status_code < 500, f"{link} answered {response.status_code}"
        if found := herning_traces(extract(response.get_data(), response.mimetype or "")):
            leaked[link] = found
    assert not leaked, "Holstebro reads Herning's: " + "; ".join(f"{path}: {found}" for path, found in leaked.items())
