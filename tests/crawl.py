"""Crawl the HTML pages a signed-in user can reach by links (test client, no browser)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urljoin, urlparse

HREF = re.compile(r'href="([^"#]+)')
SKIP = re.compile(r"^/api/|^/static/|^/logout|\.(csv|xlsx|zip|pdf|json)(\?|$)|/export")


def pattern(path: str) -> str:
    return re.sub(r"\d+", "N", path)


@dataclass
class Page:
    path: str
    status: int
    mimetype: str
    body: str


def crawl(client, start: str | list[str] = "/", limit: int = 150, per_pattern: int = 2) -> Iterator[Page]:
    """Breadth-first over same-site links from ``start`` (one path or several); at most ``per_pattern`` pages
    differing only by ids."""
    queue = [start] if isinstance(start, str) else list(start)
    seen: set[str] = set()
    per: dict[str, int] = {}
    count = 0
    while queue and count < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        key = pattern(urlparse(path).path)
        if per.get(key, 0) >= per_pattern:
            continue
        per[key] = per.get(key, 0) + 1
        response = client.get(path)
        count += 1
        body = response.get_data(as_text=True) if response.mimetype.startswith("text/") else ""
        yield Page(path, response.status_code, response.mimetype, body)
        if response.mimetype != "text/html":
            continue
        for href in HREF.findall(body):
            href = href.replace("&amp;", "&")
            target = urlparse(urljoin("http://localhost" + path, href))
            if target.netloc not in ("", "localhost"):
                continue
            link = target.path + (f"?{target.query}" if target.query else "")
            if not SKIP.search(link) and link not in seen:
                queue.append(link)
