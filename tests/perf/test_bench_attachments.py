"""The bench's attachment reading: a 25 MB upload and download through the app each hold a few MB at most."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import attachments


@pytest.mark.slow
def test_a_25_mb_attachment_goes_up_and_down_in_a_few_mb(tmp_path: Path) -> None:
    result = attachments.run(attachments.prepare(f"sqlite:///{tmp_path / 'bench.db'}"))
    assert "error" not in result, result.get("error")
    assert result["bytes"] > 24 * 1024 * 1024
    for way in ("upload", "download"):
        assert result[way]["python_peak_mb"] < 8, result
        if result[way]["rss_growth_mb"] is not None:
            assert result[way]["rss_growth_mb"] < 32, result
