"""Danish first, English selectable. Catalogs are compiled from the committed .po files on start."""

from __future__ import annotations

import os
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import current_app, g, has_app_context, request, session
from flask_babel import get_locale, gettext

from lbs.errors import message_template

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


def current_locale() -> str:
    """The language of this request (``da`` outside one). A page formats hundreds of amounts and times, and
    flask-babel's ``get_locale()`` is slow enough to show on such a page, so the locale it has already chosen
    for this request (and any ``force_locale``) is read from where it keeps it,
    ``g._flask_babel.babel_locale``; the public call is the fallback, and chooses it the first time."""
    if not has_app_context():
        return "da"
    locale = getattr(g.get("_flask_babel"), "babel_locale", None) or get_locale()
    return str(locale.language) if locale else "da"


def translated(message: str) -> str:
    """A service's English message (marked with :func:`lbs.errors.N_`) in the user's language, for an HTML page;
    text the catalog does not know comes back as it is."""
    text = str(message)
    found = gettext(text)
    if found != text:
        return str(found)
    template = message_template(text)
    if template is None:
        return text
    msgid, values = template
    # A value may be a marked word itself ("settled"), or a list of them ("accepted, disputed").
    words = {name: ", ".join(str(gettext(word)) for word in value.split(", ")) for name, value in values.items()}
    return str(gettext(msgid, **words))
