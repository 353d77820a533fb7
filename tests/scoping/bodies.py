"""The readable text of any response body: HTML, CSV, JSON, XLSX (its XML), PDF (its text) and ZIP packs (every
member, recursively), so that a marker is found whatever the format it is served in."""

from __future__ import annotations

import html
import io
import json
import zipfile
from typing import Any

from tests.scoping.world import leaks

HERNING_ONLY_TITLE = "Kun Herning: oversvømmelse ved Fuglsang Sø"
# What names the Herning-only incident (its title, its decision's title) wherever it is written.
HERNING_ONLY_MARKERS = (HERNING_ONLY_TITLE, "Fuglsang")


def extract(data: bytes, mimetype: str = "") -> str:
    """All the text in ``data``."""
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(f"[{name}]\n" + extract(archive.read(name)) for name in archive.namelist())
    if data[:5] == b"%PDF-":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    text = data.decode("utf-8", errors="replace")
    if "json" in mimetype or text.lstrip()[:1] in ("{", "["):
        try:
            # JSON escapes non-ASCII (ø); write it back unescaped so titles are found as written.
            return text + "\n" + json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            pass
    return text + "\n" + html.unescape(text)


def text_of(response: Any) -> str:
    return extract(response.get_data(), response.mimetype or "")


def herning_traces(text: str) -> list[str]:
    """Herning's cost markers and the Herning-only incident's names found in ``text``."""
    return leaks(text) + [marker for marker in HERNING_ONLY_MARKERS if marker in text]
