"""User text is escaped everywhere: store a script tag in every free-text column of every table, then
visit every page each role can reach and check no page carries it unescaped (and no page fails)."""

from __future__ import annotations

import pytest
from sqlalchemy import Enum, String, Text, select, update

from lbs.extensions import db
from tests.crawl import crawl

PAYLOAD = "<script>alert('x')</script>"
# Identifiers and machine values, not free text.
NOT_FREE_TEXT = {"code", "key", "username", "password_hash", "token_hash", "prefix", "hash", "prev_hash", "role",
                 "municipality_code", "region", "source_role", "target_role", "target_party_key", "actor", "action",
                 "object_type", "object_id", "field", "old", "new", "email", "phone", "version_num"}


def poison_every_text_column() -> int:
    poisoned = 0
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if column.primary_key or column.foreign_keys or column.name in NOT_FREE_TEXT:
                continue
            if isinstance(column.type, Enum) or not isinstance(column.type, (String, Text)):
                continue
            length = getattr(column.type, "length", None)
            if length is not None and length < len(PAYLOAD) + 10:
                continue
            ids = db.session.execute(select(*table.primary_key.columns).limit(3)).all()
            for row in ids:
                condition = [pk == value for pk, value in zip(table.primary_key.columns, row, strict=True)]
                value = f"{row[0]} {PAYLOAD} {column.name}"[: length or None]
                db.session.execute(update(table).where(*condition).values({column.name: value}))
                poisoned += 1
    db.session.flush()
    db.session.expire_all()
    return poisoned


@pytest.mark.parametrize("username", ["politi", "herning", "revisor", "admin"])
def test_stored_script_is_escaped_on_every_page(app, client, login, username):
    login(username)
    assert poison_every_text_column() > 10
    pages = list(crawl(client))
    assert len(pages) >= 1
    for page in pages:
        assert page.status < 500, f"{page.path} answered {page.status}"
        if page.mimetype == "text/html":
            assert PAYLOAD not in page.body, f"unescaped user text on {page.path}"
