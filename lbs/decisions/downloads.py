"""An attachment as an HTTP response: always a download, never rendered (``docs/attachments.md``).

The stored type, ``Content-Disposition: attachment`` with the name made safe for the header (an ASCII fallback
and the UTF-8 name, RFC 6266/5987), ``nosniff``, a sandboxing Content-Security-Policy and no caching; the
bytes streamed chunk by chunk. ``inline`` (images only, for the preview on the decision page) lets an ``<img>``
of the same origin show a PNG or JPEG; nothing else is ever inline.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from flask import Response

from lbs.decisions.attachment_models import Attachment
from lbs.decisions.attachments import stream_bytes
from lbs.decisions.sniff import IMAGES

_UNSAFE_ASCII = re.compile(r'[^A-Za-z0-9._ ()+-]')


def header_filename(name: str) -> tuple[str, str]:
    """(an ASCII fallback, the percent-encoded UTF-8 name) of the last part of ``name``: no path, quotes,
    control characters or newlines reach the header."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip() or "attachment"
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C")
    ascii_name = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    ascii_name = _UNSAFE_ASCII.sub("_", ascii_name).strip(" .") or "attachment"
    return ascii_name[:150], quote(base[:150], safe="")


def attachment_response(attachment: Attachment, *, inline: bool = False) -> Response:
    response = Response(stream_bytes(attachment.id), mimetype=attachment.content_type)
    response.headers["Content-Type"] = attachment.content_type
    response.headers["Content-Length"] = str(attachment.size)
    fallback, encoded = header_filename(attachment.filename)
    disposition = "inline" if inline and attachment.content_type in IMAGES else "attachment"
    response.headers["Content-Disposition"] = f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox; frame-ancestors 'none'"
    response.headers["Cache-Control"] = "no-store"
    return response
