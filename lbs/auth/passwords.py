"""The password policy of ``create-user`` and ``set-password``: at least 12 characters, not whitespace only, and
not a common password (``common_passwords.txt``, with digits or punctuation around it, a word repeated, or a run
of the alphabet, the digits or a keyboard row)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

MIN_LENGTH = 12
_LIST = Path(__file__).with_name("common_passwords.txt")
# The word inside digits and punctuation: "Password2024!" → "password".
_CORE = re.compile(r"[\d\W_]*(.*?)[\d\W_]*", re.DOTALL)
_REPEATED = re.compile(r"(.+?)\1+", re.DOTALL)
_RUNS = ("abcdefghijklmnopqrstuvwxyzæøå", "01234567890123456789", "qwertyuiopå", "asdfghjklæø", "zxcvbnm",
         "qwertzuiop", "azertyuiop", "1qaz2wsx3edc4rfv5tgb", "q1w2e3r4t5y6u7i8o9p0")


@cache
def common_passwords() -> frozenset[str]:
    lines = _LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _is_run(text: str) -> bool:
    """A stretch of the alphabet, the digits or a keyboard row, forwards or backwards (``abcdef``, ``0987``)."""
    return len(text) >= 3 and any(text in run or text in run[::-1] for run in _RUNS)


def _is_common(text: str) -> bool:
    common = common_passwords()
    if text in common or _is_run(text):
        return True
    repeated = _REPEATED.fullmatch(text)
    return bool(repeated and (len(repeated.group(1)) <= 4 or _is_common(repeated.group(1))))


def password_problem(password: str) -> str | None:
    """Why ``password`` may not be used (None when it may)."""
    if not password.strip():
        return "password must not be empty or whitespace only"
    if len(password) < MIN_LENGTH:
        return f"password must have at least {MIN_LENGTH} characters"
    lowered = password.strip().lower()
    compact = re.sub(r"\s+", "", lowered)
    core_match = _CORE.fullmatch(compact)
    core = core_match.group(1) if core_match else compact
    if any(_is_common(text) for text in {lowered, compact, core} if text):
        return "password is too common (a well-known password or an easy pattern): choose another"
    if not core and _is_common(re.sub(r"\D", "", compact)):
        return "password is too common (a well-known password or an easy pattern): choose another"
    return None
