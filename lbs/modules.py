"""Import the listed domain modules that exist (domains land one issue at a time)."""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType


def module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # the parent package does not exist
        return False


def optional_modules(names: list[str]) -> list[ModuleType]:
    return [importlib.import_module(name) for name in names if module_exists(name)]
