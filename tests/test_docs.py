"""The README stays a newcomer's page: small, starting with the two commands, and every relative link in it and in
docs/ points to a file of the repository (the reference pages live in docs/, one topic each)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
README_MAX_BYTES = 10_240
FIRST_COMMANDS = ["make run", "make test"]

_FENCE = re.compile(r"^(```|~~~)")
_INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]*)>?(?:\s+[\"'(][^)]*)?\)")
_REFERENCE_LINK = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.M)
_CODE_SPAN = re.compile(r"(`+)[^`]*?\1")
_EXTERNAL = ("http://", "https://", "mailto:")


def markdown_files() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


def first_code_block(text: str) -> tuple[list[str], list[str]] | None:
    """(the lines before the first fenced block, the block's lines), or None without a fenced block."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if _FENCE.match(line.strip())), None)
    if start is None:
        return None
    fence = _FENCE.match(lines[start].strip())
    assert fence is not None
    end = next((i for i in range(start + 1, len(lines)) if lines[i].strip().startswith(fence.group(1))), len(lines))
    return lines[:start], lines[start + 1:end]


def commands(block: list[str]) -> list[str]:
    """The commands of a shell block, comments and blank lines left out."""
    found = []
    for line in block:
        command = line.split("#", 1)[0].strip()
        if command:
            found.append(" ".join(command.split()))
    return found


def start_problems(text: str) -> list[str]:
    """Why the text does not start with exactly the two commands (nothing but a title before them)."""
    block = first_code_block(text)
    if block is None:
        return ["no fenced code block"]
    before, body = block
    problems = [f"before the commands: {line!r}" for line in before if line.strip() and not line.startswith("# ")]
    if commands(body) != FIRST_COMMANDS:
        problems.append(f"the first block's commands are {commands(body)!r}, not {FIRST_COMMANDS!r}")
    return problems


def _prose(text: str) -> str:
    """The text without fenced blocks and code spans (a link-like text in code is not a link)."""
    kept, fence = [], None
    for line in text.splitlines():
        marker = _FENCE.match(line.strip())
        if fence is None and marker:
            fence = marker.group(1)
        elif fence is not None and line.strip().startswith(fence):
            fence = None
        elif fence is None:
            kept.append(_CODE_SPAN.sub("", line))
    return "\n".join(kept)


def link_targets(text: str) -> list[str]:
    prose = _prose(text)
    return [*_INLINE_LINK.findall(prose), *_REFERENCE_LINK.findall(prose)]


def broken_links(path: Path, text: str) -> list[str]:
    """The relative link targets of a Markdown file that are not a file or folder inside the repository."""
    broken = []
    for target in link_targets(text):
        if target.lower().startswith(_EXTERNAL):
            continue
        file_part = target.split("#", 1)[0].split("?", 1)[0]
        if not file_part:  # an anchor in the same page
            continue
        base = ROOT if file_part.startswith("/") else path.parent
        resolved = (base / file_part.lstrip("/")).resolve()
        if not resolved.is_relative_to(ROOT) or not resolved.exists():
            broken.append(target)
    return broken


def test_readme_is_at_most_10_kb() -> None:
    size = len(README.read_bytes())
    assert size <= README_MAX_BYTES, f"README.md is {size} bytes; move reference material to docs/"


def test_readme_starts_with_make_run_and_make_test() -> None:
    assert start_problems(README.read_text(encoding="utf-8")) == []


def test_every_relative_link_points_to_a_file_of_the_repository() -> None:
    broken = {
        str(path.relative_to(ROOT)): found
        for path in markdown_files()
        if (found := broken_links(path, path.read_text(encoding="utf-8")))
    }
    assert broken == {}


def test_every_docs_page_is_linked_from_the_readme() -> None:
    linked = {
        (README.parent / target.split("#", 1)[0]).resolve()
        for target in link_targets(README.read_text(encoding="utf-8"))
        if not target.lower().startswith(_EXTERNAL)
    }
    orphans = [page.name for page in sorted(DOCS.glob("*.md")) if page.resolve() not in linked]
    assert orphans == []


def test_the_checks_catch_a_readme_that_breaks_the_rules() -> None:
    """Guard: the checks above would fail on a README like the old one (heading first, a link outside the repo)."""
    diary = "# LBS Register\n\n## Benchmarks\nOn 2026-12-03 we ran…\n\n```\nmake bench\n```\n"
    assert start_problems(diary)
    assert start_problems("# T\n\n```\nmake test\nmake run\n```\n")
    assert start_problems("# T\n\n```\nmake run     # serve\nmake test    # suite\n```\n") == []
    text = ("See [contract](../shared/contract.md), [gone](docs/missing.md#x), [ok](README.md#top), "
            "[web](https://example.org/a.md), `[code](nowhere.md)` and [top](#top).\n\n"
            "[ref]: docs/also-missing.md\n\n```\n[fenced](nowhere-either.md)\n```\n")
    assert broken_links(README, text) == ["../shared/contract.md", "docs/missing.md#x", "docs/also-missing.md"]
