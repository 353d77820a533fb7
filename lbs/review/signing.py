"""The instance's Ed25519 signing key: review packs' manifests are signed with it.

The key is the PEM file named by ``LBS_SIGNING_KEY``, else ``instance/signing_key.pem``, generated on first use
(mode 0600, written to a temporary file and linked into place only if absent, so that several workers starting
at once end up with the same key). Its fingerprint is the SHA-256 of the raw 32-byte public key, in lowercase hex.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app

KEY_FILE = "signing_key.pem"
_CACHE = "lbs_signing_key"
_MAX_PEM = 64 * 1024


class SigningKeyError(Exception):
    """A key file that cannot be read or is not an Ed25519 key (the message is one line for the CLI)."""


@dataclass(frozen=True)
class PublicKey:
    key: Ed25519PublicKey

    @property
    def raw(self) -> bytes:
        return self.key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()

    @property
    def pem(self) -> str:
        return self.key.public_bytes(serialization.Encoding.PEM,
                                     serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")

    def verifies(self, data: bytes, signature: bytes) -> bool:
        try:
            self.key.verify(signature, data)
        except InvalidSignature:
            return False
        return True


def key_path() -> Path:
    configured = current_app.config.get("LBS_SIGNING_KEY")
    return Path(configured) if configured else Path(current_app.instance_path) / KEY_FILE


def _generate(path: Path) -> None:
    """Write a new key to ``path`` unless one is there already (first writer wins, atomically)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                      serialization.NoEncryption())
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another worker's key is already there: keep it
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def load_private(path: Path) -> Ed25519PrivateKey:
    try:
        with open(path, "rb") as handle:
            data = handle.read(_MAX_PEM + 1)
        key = serialization.load_pem_private_key(data, password=None)
    except OSError as exc:
        raise SigningKeyError(f"cannot read the signing key {path}: {exc.strerror}") from exc
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise SigningKeyError(f"{path} is not an unencrypted PEM private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path} is not an Ed25519 key")
    return key


def private_key() -> Ed25519PrivateKey:
    """This instance's key: ``LBS_SIGNING_KEY`` (never generated: it must exist), else the instance's own."""
    path = key_path()
    cached = current_app.extensions.get(_CACHE)
    if cached is not None and cached[0] == path:
        key: Ed25519PrivateKey = cached[1]
        return key
    if not current_app.config.get("LBS_SIGNING_KEY") and not path.exists():
        _generate(path)
    key = load_private(path)
    current_app.extensions[_CACHE] = (path, key)
    return key


def instance_public_key() -> PublicKey:
    return PublicKey(private_key().public_key())


def load_public(path: str | Path) -> PublicKey:
    """A public key from a PEM file (a private key's PEM gives its public half)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(_MAX_PEM + 1)
    except OSError as exc:
        raise SigningKeyError(f"cannot read the public key {path}: {exc.strerror}") from exc
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        try:
            private = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise SigningKeyError(f"{path} is not a PEM public key") from exc
        key = private.public_key()
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError(f"{path} is not an Ed25519 key")
    return PublicKey(key)


def sign(data: bytes) -> bytes:
    """The signature file's content: the base64 of the raw 64-byte Ed25519 signature, and a newline."""
    return base64.b64encode(private_key().sign(data)) + b"\n"


def decode_signature(content: bytes) -> bytes | None:
    """The raw signature from a signature file's content, or None when it is not one."""
    try:
        raw = base64.b64decode(content.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == 64 else None
