"""The header's bell and the notifications page: newest first, unread in words, following one marks it read and
goes to what it is about (only a path of this application), marking one or all read."""

from __future__ import annotations

import re

from lbs.extensions import db
from lbs.notifications import services
from lbs.notifications.models import Notification
from tests.notifications.inbox import tell, user

BADGE = re.compile(r'class="bell"[^>]*>.*?<span class="badge">(\d+)<span class="visually-hidden"> ulæste</span>', re.S)


def _bell(page: str) -> str | None:
    found = BADGE.search(page)
    return found.group(1) if found else None


def _read_all_of(username: str) -> None:
    services.mark_all_read(user(username))
    db.session.commit()


def test_the_bell_shows_the_unread_count_and_nothing_at_zero(client, login):
    _read_all_of("revisor")
    login("revisor")
    page = client.get("/incidents").get_data(as_text=True)
    assert 'href="/notifications"' in page and "Notifikationer" in page
    assert _bell(page) is None
    tell("revisor", 2)
    assert _bell(client.get("/incidents").get_data(as_text=True)) == "2"


def test_the_bell_costs_one_count_query(client, login, count_queries):
    login("revisor")
    with count_queries() as counter:
        assert client.get("/review/").status_code == 200
    counting = [s for s in counter.statements if "notifications" in s and "count(" in s.lower()]
    assert len(counting) == 1, counting


def test_the_page_lists_newest_first_with_unread_in_words(client, login):
    _read_all_of("revisor")
    older, newer = tell("revisor", 2)
    services.mark_read(user("revisor"), older.id)
    db.session.commit()
    login("revisor")
    page = client.get("/notifications").get_data(as_text=True)
    assert "<h1>Notifikationer</h1>" in page and "1 ulæst notifikation." in page
    assert page.index(f"/notifications/{newer.id}/open") < page.index(f"/notifications/{older.id}/open")
    newer_item = page.split(f"/notifications/{newer.id}/open")[0].rsplit("<li", 1)[1]
    older_item = page.split(f"/notifications/{older.id}/open")[0].rsplit("<li", 1)[1]
    assert "Ulæst" in newer_item and "Ulæst" not in older_item and "Læst" in older_item
    assert "1.234,50\u00a0kr." in page and "Markér som læst" in page and "Markér alle som læste" in page


def test_opening_marks_read_and_goes_to_the_notification_url(client, login):
    (note,) = tell("revisor", url="/incidents")
    login("revisor")
    response = client.post(f"/notifications/{note.id}/open")
    assert response.status_code == 302 and response.headers["Location"] == "/incidents"
    db.session.expire_all()
    assert db.session.get(Notification, note.id).read_at is not None


def test_opening_never_leaves_the_application(client, login):
    login("revisor")
    for url in ("https://evil.example/x", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"):
        (note,) = tell("revisor", url=url)
        response = client.post(f"/notifications/{note.id}/open")
        assert response.status_code == 302 and response.headers["Location"] == "/notifications", url


def test_another_users_notification_cannot_be_opened_or_marked(client, login):
    (note,) = tell("politi")
    login("revisor")
    assert client.post(f"/notifications/{note.id}/open").status_code == 404
    assert client.post(f"/notifications/{note.id}/read").status_code == 404
    db.session.expire_all()
    assert db.session.get(Notification, note.id).read_at is None


def test_mark_one_and_mark_all_read(client, login):
    first, second, third = tell("revisor", 3)
    theirs = tell("politi")[0]
    login("revisor")
    response = client.post(f"/notifications/{first.id}/read", follow_redirects=True)
    assert "Notifikationen er markeret som læst." in response.get_data(as_text=True)
    assert services.unread_count(user("revisor")) >= 2
    response = client.post("/notifications/read-all", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Alle notifikationer er markeret som læste." in page and "Du har ingen ulæste notifikationer." in page
    db.session.expire_all()
    assert services.unread_count(user("revisor")) == 0
    assert all(db.session.get(Notification, n.id).read_at for n in (first, second, third))
    assert db.session.get(Notification, theirs.id).read_at is None
    assert _bell(page) is None


def test_the_page_forms_need_a_csrf_token(app, client, login):
    (note,) = tell("revisor")
    login("revisor")
    app.config["WTF_CSRF_ENABLED"] = True
    for path in (f"/notifications/{note.id}/open", f"/notifications/{note.id}/read", "/notifications/read-all"):
        assert client.post(path).status_code == 400, path
    db.session.expire_all()
    assert db.session.get(Notification, note.id).read_at is None


def test_an_empty_inbox_says_so(client, login):
    login("admin")
    db.session.query(Notification).filter(Notification.user_id == user("admin").id).delete()
    db.session.commit()
    page = client.get("/notifications").get_data(as_text=True)
    assert "Ingen notifikationer endnu." in page and "Markér alle som læste" not in page
