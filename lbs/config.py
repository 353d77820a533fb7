"""Settings from the environment, with safe defaults."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any


def _persisted_secret_key(instance_path: Path) -> str:
    """A random key generated once and kept in ``instance/secret_key`` (shared by all workers)."""
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        tmp = key_file.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(secrets.token_hex(32))
        tmp.chmod(0o600)
        # Atomic and first-writer-wins: concurrent workers end up with the same key.
        try:
            os.link(tmp, key_file)
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    return key_file.read_text().strip()


def normalise_database_url(url: str) -> str:
    """Accept the usual ``postgres://``/``postgresql://`` forms and use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def load_config(instance_path: Path) -> dict[str, Any]:
    env = os.environ
    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'lbs.db'}"
    return {
        "SECRET_KEY": env.get("SECRET_KEY") or _persisted_secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "LBS_TIMEZONE": env.get("LBS_TIMEZONE", "Europe/Copenhagen"),
        "BABEL_DEFAULT_LOCALE": "da",
        "BABEL_DEFAULT_TIMEZONE": env.get("LBS_TIMEZONE", "Europe/Copenhagen"),
        "LANGUAGES": ["da", "en"],
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Always Secure with LBS_SECURE_COOKIES=1; otherwise Secure whenever the request came over HTTPS
        # (behind a TLS-terminating proxy set LBS_PROXY_FIX=1 so that X-Forwarded-Proto is trusted).
        "SESSION_COOKIE_SECURE": env.get("LBS_SECURE_COOKIES", "") == "1",
        "LBS_PROXY_FIX": env.get("LBS_PROXY_FIX", "") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": int(env.get("LBS_SESSION_SECONDS", str(12 * 3600))),
        # Set the session cookie only when a request changed the session. Refreshed on every response, a
        # read that was in flight when a form was saved (the consultation panel's) came back with the
        # session as it was before the save and wiped the save's flash message in the browser.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 4 * 1024 * 1024,
        "JSON_SORT_KEYS": False,
        "RATELIMIT_STORAGE_URI": env.get("LBS_RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": env.get("LBS_RATELIMIT", "1") != "0",
        "RATELIMIT_HEADERS_ENABLED": False,
        # Mail (notifications): nothing is mailed without LBS_SMTP_URL (smtp://[user:password@]host:port, smtps://…).
        "LBS_SMTP_URL": env.get("LBS_SMTP_URL") or None,
        "LBS_MAIL_FROM": env.get("LBS_MAIL_FROM") or "lbs@localhost",
        "LBS_BASE_URL": env.get("LBS_BASE_URL") or "http://127.0.0.1:5000",
        "LBS_LOGIN_LIMIT": env.get("LBS_LOGIN_LIMIT", "10 per minute;100 per hour"),
        # The review packs' Ed25519 signing key (PEM); unset: generated once in instance/signing_key.pem.
        "LBS_SIGNING_KEY": env.get("LBS_SIGNING_KEY") or None,
        # The accessibility statement's contact for feedback: the LBS secretariat's mailbox and telephone.
        "LBS_ACCESSIBILITY_CONTACT": env.get("LBS_ACCESSIBILITY_CONTACT") or "mvjp-lbs@politi.dk",
        "LBS_ACCESSIBILITY_PHONE": env.get("LBS_ACCESSIBILITY_PHONE") or "114",
    }
