"""Attachments are covered by the integrity check: a file changed, cut or deleted behind the application's back,
or its recorded hash changed, makes ``verify`` false and names the file (API and CLI)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, update

from lbs.decisions.attachment_models import Attachment, AttachmentChunk
from lbs.extensions import db
from tests.attachments import files
from tests.attachments.conftest import upload


@pytest.fixture
def attached(api_as: Any, decision: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    politi = api_as("politi")
    found = [upload(politi, decision["id"], name, data).get_json()
             for name, data in (("vurdering.pdf", files.pdf()), ("diget.png", files.png()))]
    return decision, found


def _verify(api_as: Any, incident_id: int) -> dict[str, Any]:
    return dict(api_as("politi").get(f"/api/v1/incidents/{incident_id}/verify").get_json())


def test_intact_attachments_verify(api_as: Any, attached: Any) -> None:
    decision, _found = attached
    assert _verify(api_as, decision["incident_id"]) == {"ok": True, "checked": 1, "first_broken": None,
                                                        "broken_attachment": None}


@pytest.mark.parametrize("tamper", ["bytes", "chunk_deleted", "recorded_hash", "name"])
def test_a_changed_attachment_is_found_and_named(api_as: Any, attached: Any, runner: Any, tamper: str) -> None:
    decision, found = attached
    target = found[0]["id"]
    if tamper == "bytes":
        db.session.execute(update(AttachmentChunk).where(AttachmentChunk.attachment_id == target)
                           .values(data=files.pdf("forfalsket")))
    elif tamper == "chunk_deleted":
        db.session.execute(delete(AttachmentChunk).where(AttachmentChunk.attachment_id == target))
    elif tamper == "recorded_hash":
        db.session.execute(update(Attachment).where(Attachment.id == target).values(sha256="0" * 64))
    else:
        db.session.execute(update(Attachment).where(Attachment.id == target).values(filename="andet.pdf"))
    db.session.commit()
    result = _verify(api_as, decision["incident_id"])
    assert result["ok"] is False and result["first_broken"] == decision["number"]
    assert result["broken_attachment"] in ("vurdering.pdf", "andet.pdf")
    out = runner.invoke(args=["lbs", "verify", "--incident", str(decision["incident_id"])])
    assert out.exit_code == 1
    assert "vurdering.pdf" in out.output or "andet.pdf" in out.output


def test_a_deleted_newest_attachment_is_found(api_as: Any, attached: Any) -> None:
    decision, found = attached
    newest = found[-1]["id"]
    db.session.execute(delete(AttachmentChunk).where(AttachmentChunk.attachment_id == newest))
    db.session.execute(delete(Attachment).where(Attachment.id == newest))
    db.session.commit()
    result = _verify(api_as, decision["incident_id"])
    assert result["ok"] is False and result["first_broken"] == decision["number"]
    assert result["broken_attachment"] == ""


def test_a_deleted_attachment_in_the_middle_is_found(api_as: Any, attached: Any) -> None:
    decision, found = attached
    first = found[0]["id"]
    db.session.execute(delete(AttachmentChunk).where(AttachmentChunk.attachment_id == first))
    db.session.execute(delete(Attachment).where(Attachment.id == first))
    db.session.commit()
    result = _verify(api_as, decision["incident_id"])
    assert result["ok"] is False and result["broken_attachment"] == "diget.png"
