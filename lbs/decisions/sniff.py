"""What a file is, by its bytes: the types an attachment may have (PDF, PNG, JPEG, plain text, CSV, DOCX,
XLSX, ODT, ODS), and whether the name's extension claims the same.

The file is read from a seekable binary file (an upload spooled to disk), never whole: the first bytes for
the signatures, the ZIP directory for the Office and OpenDocument formats, and text in chunks.
"""

from __future__ import annotations

import zipfile
from typing import IO

PDF, PNG, JPEG, TEXT, CSV = "application/pdf", "image/png", "image/jpeg", "text/plain", "text/csv"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"

# The extension a name may end in → the type it claims.
EXTENSIONS = {
    "pdf": PDF, "png": PNG, "jpg": JPEG, "jpeg": JPEG, "txt": TEXT, "text": TEXT, "csv": CSV,
    "docx": DOCX, "xlsx": XLSX, "odt": ODT, "ods": ODS,
}
IMAGES = {PNG, JPEG}
_TEXT_CONTROLS = set(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D}
_CHUNK = 1 << 20
_MAX_ZIP_ENTRIES = 10_000


class Unrecognised(Exception):
    """The bytes are none of the allowed types, or not the type the name claims."""


def claimed_type(filename: str) -> str | None:
    """The type the name's extension claims (None: no extension); an extension not allowed is refused."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    if "." not in base.strip("."):
        return None
    extension = base.rsplit(".", 1)[-1].lower()
    if extension not in EXTENSIONS:
        raise Unrecognised(f"files of type .{extension} cannot be attached")
    return EXTENSIONS[extension]


def _zip_type(handle: IO[bytes]) -> str | None:
    handle.seek(0)
    try:
        with zipfile.ZipFile(handle) as archive:
            infos = archive.infolist()
            if len(infos) > _MAX_ZIP_ENTRIES:
                return None
            names = {info.filename for info in infos}
            if infos and infos[0].filename == "mimetype" and infos[0].file_size < 100:
                mimetype = archive.read(infos[0]).decode("ascii", "replace").strip()
                return mimetype if mimetype in (ODT, ODS) else None
            if "[Content_Types].xml" in names:
                if "word/document.xml" in names:
                    return DOCX
                if "xl/workbook.xml" in names:
                    return XLSX
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return None
    return None


def _is_text(handle: IO[bytes]) -> bool:
    """UTF-8 (with or without a byte-order mark) or Windows-1252 text without control characters but tab, line
    feed, form feed and carriage return."""
    handle.seek(0)
    utf8 = True
    carry = b""
    while chunk := handle.read(_CHUNK):
        if any(byte in _TEXT_CONTROLS for byte in chunk) or 0x7F in chunk:
            return False
        if utf8:
            data = carry + chunk
            try:
                data.decode("utf-8")
                carry = b""
            except UnicodeDecodeError as exc:
                if exc.start >= len(data) - 3 and exc.reason == "unexpected end of data":
                    carry = data[exc.start:]
                else:
                    utf8 = False
    if utf8 and carry:
        utf8 = False
    if not utf8:
        handle.seek(0)
        while chunk := handle.read(_CHUNK):
            try:
                chunk.decode("cp1252")
            except UnicodeDecodeError:
                return False
    return True


def detect(handle: IO[bytes], filename: str) -> str:
    """The type of the file's bytes, agreeing with the type its name claims; ``Unrecognised`` otherwise."""
    claimed = claimed_type(filename)
    handle.seek(0)
    head = handle.read(16)
    found: str | None
    if head.startswith(b"%PDF-"):
        found = PDF
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        found = PNG
    elif head.startswith(b"\xff\xd8\xff"):
        found = JPEG
    elif head.startswith(b"PK\x03\x04"):
        found = _zip_type(handle)
    elif _is_text(handle):
        found = CSV if claimed == CSV else TEXT
    else:
        found = None
    if found is None:
        raise Unrecognised("the file is not one of the types that can be attached (PDF, PNG, JPEG, text, CSV, "
                           "DOCX, XLSX, ODT, ODS)")
    if claimed is not None and claimed != found:
        raise Unrecognised(f"the file's name says {claimed} but its content is {found}")
    return found
