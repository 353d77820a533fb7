"""Bytes stored in numbered chunks (attachments, review packs), read back one chunk at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from flask import current_app

ChunkAt = Callable[[int], "bytes | None"]  # the chunk of that index, None past the last


def iter_chunks(chunk_at: ChunkAt) -> Iterator[bytes]:
    """The stored bytes, chunk by chunk (one statement and one chunk in memory at a time)."""
    index = 0
    while (chunk := chunk_at(index)) is not None:
        yield chunk
        index += 1


def stream_chunks(chunk_at: ChunkAt) -> Iterator[bytes]:
    """:func:`iter_chunks` for a response body, produced after the view has returned: each chunk read in a short
    app context of its own, none held across a ``yield``."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def generate() -> Iterator[bytes]:
        index = 0
        while True:
            with app.app_context():
                chunk = chunk_at(index)
            if chunk is None:
                return
            yield chunk
            index += 1

    return generate()
