"""Small real files of every allowed type, built in memory."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib


def pdf(text: str = "Beredskabets vurdering") -> bytes:
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% " + text.encode() + b"\ntrailer << >>\n%%EOF\n")


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
            + chunk(b"IEND", b""))


def jpeg() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def _zip(entries: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in entries:
            archive.writestr(name, data, compress_type=zipfile.ZIP_STORED if name == "mimetype"
                             else zipfile.ZIP_DEFLATED)
    return out.getvalue()


def docx() -> bytes:
    return _zip([("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w:document/>")])


def xlsx() -> bytes:
    return _zip([("[Content_Types].xml", b"<Types/>"), ("xl/workbook.xml", b"<workbook/>")])


def odt() -> bytes:
    return _zip([("mimetype", b"application/vnd.oasis.opendocument.text"), ("content.xml", b"<office/>")])


def ods() -> bytes:
    return _zip([("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"), ("content.xml", b"<office/>")])


def plain_zip() -> bytes:
    return _zip([("readme.txt", b"hej")])
