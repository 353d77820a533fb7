"""Danish first, English selectable. Catalogs are compiled from the committed .po files on start."""

from __future__ import annotations

import os
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import current_app, request, session

TRANSLATIONS_DIR = Path(__file__).parent / "translations"


def compile_catalogs(directory: Path = TRANSLATIONS_DIR) -> None:
    """Compile every ``messages.po`` whose ``.mo`` is missing or older (atomic; safe for many workers)."""
    for po_path in directory.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        tmp = mo_path.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        os.replace(tmp, mo_path)


def select_locale() -> str:
    languages: list[str] = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    if isinstance(chosen, str) and chosen in languages:
        return chosen
    if request.path.startswith("/api/"):
        return "en"
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def select_timezone() -> str:
    return str(current_app.config["LBS_TIMEZONE"])
