"""The attachments of a decision on its page: the "Vedhæft fil" form, the list, and the service's errors as
Danish form messages.

The service (:mod:`lbs.decisions.attachments`) speaks English to the API; the page maps each kind of error
(by its class and field) to a message of its own here instead of translating the service's words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from lbs.auth.models import User
from lbs.decisions import attachments, sniff
from lbs.decisions.attachment_models import Attachment
from lbs.decisions.forms import DecisionForm
from lbs.decisions.models import Decision
from lbs.decisions.reads import current_version
from lbs.errors import Conflict, DomainError
from lbs.extensions import db
from lbs.forms import Form
from lbs.i18n import current_locale

# A page's submit carries a few files: four of the largest size allowed, and the rest of the form.
MAX_FILES_BODY = 4 * attachments.MAX_BYTES + 1024 * 1024


def type_words(content_type: str) -> str:
    """A stored type in words (the page never shows a MIME type alone)."""
    words: dict[str, Callable[[], str]] = {
        sniff.PDF: lambda: _("PDF document"), sniff.PNG: lambda: _("PNG image"),
        sniff.JPEG: lambda: _("JPEG image"), sniff.TEXT: lambda: _("Text file"), sniff.CSV: lambda: _("CSV file"),
        sniff.DOCX: lambda: _("Word document (DOCX)"), sniff.XLSX: lambda: _("Excel spreadsheet (XLSX)"),
        sniff.ODT: lambda: _("OpenDocument text (ODT)"), sniff.ODS: lambda: _("OpenDocument spreadsheet (ODS)"),
    }
    found = words.get(content_type)
    return str(found()) if found else content_type


def size_text(size: int) -> str:
    """``1,2 MB``, ``340 kB`` or ``512 byte`` (binary units, the decimal sign of the locale)."""
    if size < 1024:
        return str(_("%(size)s bytes", size=size))
    value, unit = (size / (1024 * 1024), "MB") if size >= 1024 * 1024 else (size / 1024, "kB")
    text = f"{value:.1f}" if value < 10 else f"{value:.0f}"
    if current_locale() == "da":
        text = text.replace(".", ",")
    return f"{text}\u00a0{unit}"


def chosen_files(field: Any) -> list[FileStorage]:
    """The files chosen in a file field (an empty file input sends one part without a name: not a file)."""
    return [f for f in (field.data or []) if isinstance(f, FileStorage) and f.filename]


class DecisionWithFilesForm(DecisionForm):
    """The form logging a new decision, with files attached as it is logged (the same transaction)."""

    files = MultipleFileField(_l("Attachments (optional)"))

    def chosen(self) -> list[FileStorage]:
        return chosen_files(self.files)


class AttachForm(Form):
    """One or more files and one description for them all (each file is its own attachment)."""

    files = MultipleFileField(_l("Files"))
    description = TextAreaField(_l("Description"), validators=[
        Optional(), Length(max=10_000, message=_l("At most %(max)d characters."))])

    def chosen(self) -> list[FileStorage]:
        return chosen_files(self.files)

    def validate(self, extra_validators: Any = None) -> bool:
        valid = bool(super().validate(extra_validators))
        if not self.chosen():
            self.files.errors = [*self.files.errors, _("Choose at least one file.")]
            return False
        return valid


@dataclass(frozen=True)
class Listed:
    """An attachment as the page lists it."""

    id: int
    filename: str
    type: str
    size: str
    by: str
    at: datetime
    sha256: str
    description: str | None
    image: bool


def listing(found: Sequence[Attachment]) -> list[Listed]:
    ids = {a.uploaded_by_id for a in found if a.uploaded_by_id is not None}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}

    def who(user_id: int | None) -> str:
        user = users.get(user_id) if user_id is not None else None
        if user is None:
            return str(_("unknown"))
        return f"{user.display_name} ({user.username})" if user.display_name else user.username

    return [Listed(id=a.id, filename=a.filename, type=type_words(a.content_type), size=size_text(a.size),
                   by=who(a.uploaded_by_id), at=a.uploaded_at, sha256=a.sha256, description=a.description,
                   image=a.content_type in sniff.IMAGES) for a in found]


_MISMATCH = re.compile(r"name says (\S+) but its content is (\S+)")


def error_text(error: DomainError, decision: Decision) -> str:
    """The Danish message for an error of :func:`lbs.decisions.attachments.attach`."""
    return str(_error_text(error, decision))


def _error_text(error: DomainError, decision: Decision) -> Any:
    if isinstance(error, attachments.TooLarge):
        return _("The file is larger than 25 MB.")
    if isinstance(error, attachments.UnsupportedType):
        mismatch = _MISMATCH.search(error.message)
        if mismatch:
            return _("The file's name says %(claimed)s but its content is %(found)s.",
                     claimed=type_words(mismatch.group(1)), found=type_words(mismatch.group(2)))
        return _("This type of file cannot be attached: only PDF, PNG, JPEG, text, CSV, DOCX, XLSX, ODT and ODS, "
                 "recognised by their content.")
    if isinstance(error, Conflict):
        return _("Decision %(number)s has been amended: attach the file to the current version, decision "
                 "%(current)s.", number=decision.number, current=current_version(decision).number)
    if "the file is empty" in error.fields.get("file", []):
        return _("The file is empty.")
    if "description" in error.fields:
        return _("The description cannot be stored: at most 10,000 characters, no control characters.")
    return _("The file's name cannot be stored: at most 200 characters, without control characters.")


class FileRefused(DomainError):
    """An attachment refused, with the Danish message naming the file (on the form's file field)."""

    status = 422

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, {field: [message]})


def attach_all(decision: Decision, chosen: Sequence[FileStorage], description: str | None, by: User,
               field: str = "files") -> list[Attachment]:
    """Attach every chosen file to the decision (inside the caller's transaction: all or nothing). The first
    refusal is raised as :class:`FileRefused` naming the file, on ``field``."""
    done = []
    for upload in chosen:
        name = upload.filename or ""
        try:
            done.append(attachments.attach(decision=decision, upload=attachments.Upload(name, upload.stream),
                                           description=description, by=by))
        except DomainError as exc:
            shown = name if len(name) <= 80 and "\x00" not in name else name.replace("\x00", "")[:80] + "…"
            raise FileRefused(field, _("%(name)s: %(message)s", name=shown,
                                       message=error_text(exc, decision))) from exc
    return done
