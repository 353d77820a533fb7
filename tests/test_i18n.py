"""Danish first: every user-facing string marked for translation has a Danish translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None, "N_": None}
METHODS = [("lbs/**.py", "python"), ("templates/**.html", "jinja2")]


def extracted_messages() -> set[str]:
    found: set[str] = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=METHODS, keywords=KEYWORDS,
        # Babel skips folders starting with "_" by default; templates/_macros holds shared strings.
        directory_filter=lambda path: not Path(path).name.startswith(".") and Path(path).name != ".venv",
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_message_has_a_danish_translation():
    with (ROOT / "lbs/translations/da/LC_MESSAGES/messages.po").open("rb") as po_file:
        catalog = read_po(po_file, locale="da")
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id and m.string}
    missing = sorted(extracted_messages() - translated)
    assert len(extracted_messages()) > 20
    assert "Please correct the following" in extracted_messages()
    assert not missing, "untranslated (add to lbs/translations/da/LC_MESSAGES/messages.po): " + repr(missing)


def test_select_options_render_in_the_users_language(client, login):
    """Choices are declared at import time; their labels must still follow the user's language."""
    login("politi")
    from sqlalchemy import select

    from lbs.demo.incidents import DEMO_TITLE
    from lbs.extensions import db
    from lbs.incidents.models import Incident

    incident = db.session.scalars(select(Incident).where(Incident.title == DEMO_TITLE)).one()
    page = client.get(f"/incidents/{incident.id}/decisions/new").get_data(as_text=True)
    assert '<option value="evacuation">Evakuering</option>' in page
    assert ">Orientere<" in page
    client.post("/language", data={"lang": "en", "next": "/"})
    english = client.get(f"/incidents/{incident.id}/decisions/new").get_data(as_text=True)
    assert '<option value="evacuation">Evacuation</option>' in english
