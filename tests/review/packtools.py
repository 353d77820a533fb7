"""Helpers to rewrite review packs in tests: re-sign a changed manifest (what only the key's holder can do),
and write ZIP entries byte by byte as a forger would."""

from __future__ import annotations

import io
import zipfile

from lbs.review import signing


def resign(data: bytes) -> bytes:
    """The pack with ``manifest.sig`` made anew over its ``manifest.json`` by this instance's key."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        manifest = src.read("manifest.json")
        for info in src.infolist():
            if info.filename != "manifest.sig":
                dst.writestr(info.filename, src.read(info.filename))
        dst.writestr("manifest.sig", signing.sign(manifest))
    return out.getvalue()
