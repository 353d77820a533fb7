"""The notifications API: the user's own, newest first, in the request's language; marking one read."""

from __future__ import annotations

from datetime import datetime

from lbs.extensions import db
from lbs.notifications.models import Notification
from tests.notifications.inbox import tell, user


def test_the_list_is_the_users_own_newest_first_with_offsets(api_as):
    mine = tell("revisor", 3)
    tell("politi", 1)
    body = api_as("revisor").get("/api/v1/notifications").get_json()
    ids = [item["id"] for item in body]
    assert ids == sorted(ids, reverse=True)
    assert {n.id for n in mine} <= set(ids)
    owners = {db.session.get(Notification, i).user_id for i in ids}
    assert owners == {user("revisor").id}
    first = body[0]
    assert set(first) == {"id", "kind", "title", "url", "created_at", "read_at"}
    assert first["id"] == mine[-1].id and first["kind"] == "cost_line" and first["url"] == "/incidents"
    assert datetime.fromisoformat(first["created_at"]).utcoffset() is not None
    assert first["read_at"] is None


def test_the_title_is_danish_by_default_and_english_when_asked(api_as):
    tell("revisor")
    api = api_as("revisor")
    danish = api.get("/api/v1/notifications").get_json()[0]["title"]
    assert "1.234,50\u00a0kr." in danish and "Forplejning af indsatsen" in danish
    english = api.get("/api/v1/notifications", headers={"Accept-Language": "en-GB,en;q=0.8"}).get_json()[0]["title"]
    assert "DKK\u00a01,234.50" in english and "Catering" in english


def test_unread_true_lists_only_the_unread_and_a_bad_value_is_422(api_as):
    first, second = tell("revisor", 2)
    api = api_as("revisor")
    assert api.post(f"/api/v1/notifications/{first.id}/read").status_code == 200
    unread = [item["id"] for item in api.get("/api/v1/notifications?unread=true").get_json()]
    assert second.id in unread and first.id not in unread
    everything = [item["id"] for item in api.get("/api/v1/notifications?unread=false").get_json()]
    assert {first.id, second.id} <= set(everything)
    response = api.get("/api/v1/notifications?unread=yes")
    assert response.status_code == 422 and "unread" in response.get_json()["error"]["fields"]


def test_marking_read_answers_the_notification_and_keeps_the_first_time(api_as):
    (note,) = tell("revisor")
    api = api_as("revisor")
    response = api.post(f"/api/v1/notifications/{note.id}/read")
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == note.id and body["read_at"] is not None
    assert datetime.fromisoformat(body["read_at"]).utcoffset() is not None
    again = api.post(f"/api/v1/notifications/{note.id}/read").get_json()
    assert again["read_at"] == body["read_at"]
    db.session.expire_all()
    assert db.session.get(Notification, note.id).read_at is not None


def test_another_users_notification_is_404_and_stays_unread(api_as):
    (note,) = tell("politi")
    response = api_as("revisor").post(f"/api/v1/notifications/{note.id}/read")
    assert response.status_code == 404
    assert api_as("revisor").post("/api/v1/notifications/999999999/read").status_code == 404
    db.session.expire_all()
    assert db.session.get(Notification, note.id).read_at is None


def test_the_openapi_document_describes_both_operations(client):
    document = client.get("/api/v1/openapi.json").get_json()
    listing = document["paths"]["/api/v1/notifications"]["get"]
    assert listing["operationId"] == "listNotifications"
    assert any(p["name"] == "unread" for p in listing["parameters"])
    read = document["paths"]["/api/v1/notifications/{notification_id}/read"]["post"]
    assert read["operationId"] == "markNotificationRead" and "404" in read["responses"]
    schema = document["components"]["schemas"]["Notification"]
    assert set(schema["required"]) == {"id", "kind", "title", "url", "created_at", "read_at"}


def test_the_language_switch_also_chooses_the_apis_language(client, api_as):
    tell("revisor")
    api = api_as("revisor")
    client.post("/language", data={"lang": "en", "next": "/"})
    assert "DKK\u00a01,234.50" in api.get("/api/v1/notifications").get_json()[0]["title"]
