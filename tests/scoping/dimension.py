"""The permission matrix's municipality dimension: every route whose URL names an incident, decision, proposal,
consultation request, cost line, sign-off or municipality code, run by a municipality user on an object of its
own municipality and on another municipality's.

The routes are the matrix's own (:mod:`tests.matrix`): a case's rule is rewritten with objects of the scoping
world (:mod:`tests.scoping.world`) by the URL segment in front of each argument. A segment this module cannot
map is neither scoped nor known to be outside the dimension, and the coverage test fails on it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from lbs.extensions import db
from tests.matrix import Case, all_cases
from tests.review.packs import built_pack
from tests.scoping.world import World

PLACEHOLDER = re.compile(r"<[^>]+>")
# URL segment in front of an argument → the kind of object it names.
SCOPED = {"incidents": "incident", "required": "incident", "decisions": "decision", "proposals": "proposal",
          "consultation-requests": "request", "lines": "line", "costs": "line", "municipalities": "code",
          "sign-offs": "sign_off", "attachments": "attachment", "packs": "pack", "review-packs": "pack"}
# Arguments naming something no municipality owns (rosters, a user's own notifications, admin objects, rules).
UNSCOPED = {"staffs", "positions", "people", "assignments", "notifications", "users", "outbox", "rules", "static",
            "tokens"}
# POSTs through pages open to every reader (verifying a hash chain; answering a request, which any role may try
# and the view refuses by party): the scope guard answers for another municipality's object first, a 404 like a
# GET. The API's answer is a 403 (the contract), its guard covers reads only.
READ_POSTS = {"/incidents/<>/verify", "/review/incidents/<>/verify", "/consultation-requests/<>/answer",
              # asking for a review pack: any reader of the incident may, the API's too (404 out of scope)
              "/review/incidents/<>/pack", "/api/v1/incidents/<>/review-pack"}


def normalise(rule: str) -> str:
    return PLACEHOLDER.sub("<>", rule.split("?")[0])


def kinds(rule: str) -> list[str | None]:
    """The kind of object each argument of ``rule`` names (None when outside the dimension); KeyError when the
    segment is unknown."""
    found: list[str | None] = []
    for match in PLACEHOLDER.finditer(rule):
        segment = rule[:match.start()].rstrip("/").rsplit("/", 1)[-1]
        if segment in SCOPED:
            found.append(SCOPED[segment])
        elif segment in UNSCOPED:
            found.append(None)
        else:
            raise KeyError(f"{rule}: no object for the argument after '{segment}'")
    return found


@dataclass(frozen=True)
class Route:
    """One (method, rule) of the matrix, with whether the municipality role may use it at all."""

    method: str
    rule: str
    municipality: bool
    case: Case

    @property
    def api(self) -> bool:
        return self.rule.startswith("/api/")

    @property
    def reads(self) -> bool:
        return self.method == "GET" or normalise(self.rule) in READ_POSTS

    @property
    def scoped(self) -> bool:
        return any(kind is not None for kind in kinds(self.rule))

    def label(self) -> str:
        return f"{self.method} {self.rule}"

    def path(self, objects: dict[str, Any]) -> str:
        """The rule with the objects of its kinds; a route outside the dimension keeps the matrix's own path."""
        if not self.scoped:
            return self.case.resolve() if PLACEHOLDER.search(self.rule) else self.rule
        parts = iter(kinds(self.rule))
        return PLACEHOLDER.sub(lambda _: str(objects[next(parts) or ""]), self.rule)


def routes() -> list[Route]:
    """The matrix's cases by method and rule (several cases of one rule: the union of their roles)."""
    grouped: dict[tuple[str, str], Route] = {}
    for case in all_cases():
        if case.rule is None and not isinstance(case.path, str):
            raise ValueError(f"{case.label()}: a computed path needs its rule")
        rule = (case.rule or str(case.path)).split("?")[0]
        key = (case.method, normalise(rule))
        known = grouped.get(key)
        allowed = "municipality" in case.allowed or bool(known and known.municipality)
        grouped[key] = Route(case.method, known.rule if known else rule, allowed, known.case if known else case)
    return sorted(grouped.values(), key=Route.label)


def _request_to(proposal_id: int, code: str) -> int:
    from lbs.consultation.hearings import ConsultationRequest
    from lbs.consultation.models import Party

    return db.session.scalars(
        select(ConsultationRequest.id).join(Party, Party.id == ConsultationRequest.party_id)
        .where(ConsultationRequest.proposal_id == proposal_id, Party.key == f"{code}:kommunaldirektoer")).one()


def _proposal(api_as: Any, incident_id: int, bearers: list[int]) -> int:
    from tests.hearing.conftest import proposal_body

    costs = [{"bearer": b, "category": "evacuation_transport", "estimate_dkk": "300000"} for b in bearers]
    response = api_as("politi").post(f"/api/v1/incidents/{incident_id}/proposals",
                                     json=proposal_body(title="Matrix: høring", costs=costs))
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["id"])


def _sign_off(incident_id: int) -> int:
    from lbs.auth.models import User
    from lbs.incidents.models import Incident
    from lbs.review.signoff import sign_off

    revisor = db.session.scalars(select(User).where(User.username == "revisor")).one()
    incident = db.session.get(Incident, incident_id)
    assert incident is not None
    built_pack(incident_id, "revisor")  # a sign-off refers to a ready pack
    found = sign_off(by=revisor, incident=incident).id
    db.session.commit()
    return found


def _pack(incident_id: int, username: str) -> int:
    """The incident's review pack for ``username``'s scope, built (a municipality user's: its own costs)."""
    found = built_pack(incident_id, username).id
    db.session.commit()
    return found


def _attachment(decision_id: int) -> int:
    """A PNG attached to the decision (a file named like Herning's markers would leak through its name)."""
    from tests import factories

    return factories.attached_png(decision_id)


def _decision_of(api_as: Any, incident_id: int) -> int:
    return int(api_as("politi").get(f"/api/v1/incidents/{incident_id}/decisions").get_json()[0]["id"])


class Objects(dict[str, Any]):
    """Objects by kind, each made the first time a route asks for it (a sign-off builds a whole pack)."""

    def __init__(self, **makers: Callable[[], Any]) -> None:
        super().__init__()
        self.makers = makers

    def __missing__(self, kind: str) -> Any:
        self[kind] = value = self.makers[kind]()
        return value


def herning_objects(api_as: Any, world: World) -> Objects:
    """Herning's objects in the Herning-only incident: Holstebro may read none of them."""
    objects = Objects(
        incident=lambda: world.herning_only, decision=lambda: world.herning_only_decision,
        proposal=lambda: _proposal(api_as, world.herning_only, [world.herning_org]),
        request=lambda: _request_to(objects["proposal"], "657"), line=lambda: world.herning_lines[0],
        code=lambda: "657", sign_off=lambda: _sign_off(world.herning_only),
        attachment=lambda: _attachment(world.herning_only_decision),
        pack=lambda: _pack(world.herning_only, "herning"))
    return objects


def holstebro_objects(api_as: Any, world: World) -> list[Objects]:
    """What Holstebro legitimately reads: the shared incident, and the one where it only bears a line."""
    shared = Objects(
        incident=lambda: world.shared, decision=lambda: world.shared_decision,
        proposal=lambda: _proposal(api_as, world.shared, [world.herning_org, world.holstebro_org]),
        request=lambda: _request_to(shared["proposal"], "661"), line=lambda: world.holstebro_lines[0],
        code=lambda: "661", sign_off=lambda: _sign_off(world.shared),
        attachment=lambda: _attachment(world.shared_decision),
        pack=lambda: _pack(world.shared, "holstebro"))
    bears_only = Objects(**dict(
        shared.makers, incident=lambda: world.bears_only, decision=lambda: _decision_of(api_as, world.bears_only),
        proposal=lambda: shared["proposal"], line=lambda: world.holstebro_lines[1],
        sign_off=lambda: _sign_off(world.bears_only),
        attachment=lambda: _attachment(_decision_of(api_as, world.bears_only)),
        pack=lambda: _pack(world.bears_only, "holstebro")))
    return [shared, bears_only]
