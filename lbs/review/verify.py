"""``verify-pack``'s strict check of a review pack, without extracting anything to disk.

The ZIP's directory first (no link, no absolute or ``..`` name, no backslash, no duplicate, no encrypted or
unusual entry, nothing larger than 1 GB or 200 times its compressed size), then the manifest's Ed25519
signature, its shape, every listed file's SHA-256 (hashed a chunk at a time) and nothing unlisted, and last the
chain heads in ``decisions.json``. The first problem found is named on one line."""

from __future__ import annotations

import hashlib
import io
import json
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lbs.review.signing import PublicKey, decode_signature

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
MAX_ENTRY = 1_000_000_000  # bytes uncompressed
MAX_RATIO = 200
RATIO_FLOOR = 1 << 20  # smaller entries cannot be bombs: honest tiny files often compress very well
MAX_MANIFEST = 10 * 1024 * 1024
MAX_SIGNATURE = 1024
MAX_DECISIONS_JSON = 256 * 1024 * 1024
MAX_ENTRIES = 100_000
MAX_DEPTH = 32
_CHUNK = 1 << 20
_HEX64 = re.compile(r"[0-9a-f]{64}")


class Refused(Exception):
    """The first problem of a pack: ``str()`` is the one line to print."""


@dataclass(frozen=True)
class PackCheck:
    ok: bool
    checked: int
    problem: str | None = None  # "<file>: <what is wrong>" for the first problem


def verify_pack(source: bytes | str | Path, key: PublicKey) -> PackCheck:
    """Check a pack (its bytes or its path) against ``key``."""
    state = {"checked": 0}
    try:
        _verify(source, key, state)
    except Refused as refused:
        return PackCheck(False, state["checked"], str(refused))
    return PackCheck(True, state["checked"])


def _open(source: bytes | str | Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except OSError as exc:
        raise Refused(f"cannot read the file: {exc.strerror or exc}") from exc
    except Exception as exc:  # BadZipFile, and whatever a mangled directory makes zipfile raise
        raise Refused("not a ZIP file (or a damaged one)") from exc


def _verify(source: bytes | str | Path, key: PublicKey, state: dict[str, int]) -> None:
    with _open(source) as archive:
        infos = archive.infolist()
        if len(infos) > MAX_ENTRIES:
            raise Refused(f"more than {MAX_ENTRIES} entries")
        seen: set[str] = set()
        for info in infos:
            _check_entry(info)
            if info.filename in seen:
                raise Refused(f"{info.filename}: appears more than once in the ZIP")
            seen.add(info.filename)
        manifest_bytes = _read_small(archive, MANIFEST, MAX_MANIFEST, seen)
        signature = decode_signature(_read_small(archive, SIGNATURE, MAX_SIGNATURE, seen))
        if signature is None:
            raise Refused(f"{SIGNATURE}: not an Ed25519 signature")
        if not key.verifies(manifest_bytes, signature):
            raise Refused(f"{SIGNATURE}: the signature does not hold for key {key.fingerprint}")
        listed = _parse_manifest(manifest_bytes)
        names = [entry["name"] for entry in listed["files"]]
        for entry in listed["files"]:
            if entry["name"] not in seen:
                raise Refused(f"{entry['name']}: missing")
            if _member_sha256(archive, archive.getinfo(entry["name"])) != entry["sha256"]:
                raise Refused(f"{entry['name']}: SHA-256 does not match the manifest")
            state["checked"] += 1
        unlisted = sorted(seen - set(names) - {MANIFEST, SIGNATURE})
        if unlisted:
            raise Refused(f"{unlisted[0]}: not listed in the manifest")
        if "decisions.json" in names:
            _check_heads(archive, listed)


def _check_entry(info: zipfile.ZipInfo) -> None:
    name = info.filename
    shown = name.encode("unicode_escape").decode("ascii")[:200]
    if not name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise Refused(f"{shown}: an absolute path")
    if "\\" in name:
        raise Refused(f"{shown}: a backslash in the name")
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise Refused(f"{shown}: a control character in the name")
    if any(part in ("..", ".", "") for part in name.split("/")):
        raise Refused(f"{shown}: a '..', '.' or empty part in the name")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise Refused(f"{shown}: a link")
    if info.flag_bits & 0x1:
        raise Refused(f"{shown}: encrypted")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise Refused(f"{shown}: compressed by an unsupported method")
    if info.file_size > MAX_ENTRY:
        raise Refused(f"{shown}: too large ({info.file_size} bytes uncompressed, more than {MAX_ENTRY})")
    if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise Refused(f"{shown}: too large for its compressed size (more than {MAX_RATIO} times)")


def _member_sha256(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    """The SHA-256 of an entry, read a chunk at a time; never more bytes than the directory promised."""
    digest, total = hashlib.sha256(), 0
    try:
        with archive.open(info) as member:
            while chunk := member.read(_CHUNK):
                total += len(chunk)
                if total > info.file_size:
                    raise Refused(f"{info.filename}: more bytes than the ZIP's directory says")
                digest.update(chunk)
    except Refused:
        raise
    except Exception as exc:  # a bad CRC, a mangled local header or deflate stream
        raise Refused(f"{info.filename}: damaged in the ZIP ({_reason(exc)})") from exc
    if total != info.file_size:
        raise Refused(f"{info.filename}: fewer bytes than the ZIP's directory says")
    return digest.hexdigest()


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:120]
    return text or type(exc).__name__


def _read_small(archive: zipfile.ZipFile, name: str, limit: int, present: set[str]) -> bytes:
    if name not in present:
        raise Refused(f"{name}: missing" + (" (the pack is not signed)" if name == SIGNATURE else ""))
    info = archive.getinfo(name)
    if info.file_size > limit:
        raise Refused(f"{name}: too large ({info.file_size} bytes, at most {limit})")
    out = io.BytesIO()
    try:
        with archive.open(info) as member:
            while chunk := member.read(_CHUNK):
                out.write(chunk)
                if out.tell() > limit:
                    raise Refused(f"{name}: too large (at most {limit} bytes)")
    except Refused:
        raise
    except Exception as exc:
        raise Refused(f"{name}: damaged in the ZIP ({_reason(exc)})") from exc
    return out.getvalue()


def load_json(data: bytes, name: str) -> Any:
    """JSON of at most ``MAX_DEPTH`` levels, strict (no NaN or Infinity), or ``Refused``."""
    try:
        value = json.loads(data.decode("utf-8"), parse_constant=_no_constant)
    except (ValueError, RecursionError, UnicodeDecodeError) as exc:
        raise Refused(f"{name}: not valid JSON") from exc
    if _depth(value) > MAX_DEPTH:
        raise Refused(f"{name}: nested more than {MAX_DEPTH} levels deep")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(name)


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, (dict, list)):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


def _parse_manifest(data: bytes) -> dict[str, Any]:
    listed = load_json(data, MANIFEST)
    files = listed.get("files") if isinstance(listed, dict) else None
    if not isinstance(files, list) or not files:
        raise Refused(f"{MANIFEST}: lists no files")
    seen: set[str] = set()
    for entry in files:
        name = entry.get("name") if isinstance(entry, dict) else None
        digest = entry.get("sha256") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not isinstance(digest, str) or not _HEX64.fullmatch(digest):
            raise Refused(f"{MANIFEST}: an entry without a name and a SHA-256")
        if name in seen or name in (MANIFEST, SIGNATURE):
            raise Refused(f"{MANIFEST}: lists {name[:200]} twice")
        seen.add(name)
    document: dict[str, Any] = listed
    return document


def _check_heads(archive: zipfile.ZipFile, listed: dict[str, Any]) -> None:
    """The manifest's chain head is the last decision's hash in decisions.json, and its consultation head ends
    the chain of appended consultations listed there (packs made before it was listed have none to check)."""
    info = archive.getinfo("decisions.json")
    if info.file_size > MAX_DECISIONS_JSON:
        raise Refused("decisions.json: too large to check the chain head")
    document = load_json(archive.read(info), "decisions.json")
    try:
        decisions = document["decisions"]
        head = decisions[-1]["hash"] if decisions else None
    except (KeyError, TypeError, IndexError) as exc:
        raise Refused("decisions.json: not readable") from exc
    if head != listed.get("chain_head"):
        raise Refused("manifest.json: chain head is not the last decision's hash")
    if "consultation_head" not in listed:
        return
    try:
        previous = None
        for index, item in enumerate(document.get("appended_consultations", []), start=1):
            if item["seq"] != index or item["prev_hash"] != previous:
                raise Refused(f"decisions.json: appended consultation {index} is not linked to the one before")
            previous = item["hash"]
    except (KeyError, TypeError, AttributeError) as exc:
        raise Refused("decisions.json: appended consultations not readable") from exc
    if previous != listed["consultation_head"]:
        raise Refused("manifest.json: consultation head is not the last appended consultation's hash")
