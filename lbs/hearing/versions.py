"""Versions of what a page shows, for pages that update themselves (``docs/live-updates.md``).

A version is a short string of ``<key><number>`` parts joined by ``-`` (``d12-a3-c5-p2-r7-v1-e0``), read from
the database in one statement of a few indexed lookups, so that every worker on every host answers alike and
none keeps anything in memory. Each part only grows while the thing changes (rows are never deleted, a
request is answered or withdrawn once, a proposal decided or withdrawn once), so a changed version means a
changed page. The keys say what changed; the page announces it in words (``d``: a new decision).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from sqlalchemy import BindParameter, Connection, ScalarSelect, Select, bindparam, func, select

from lbs.auth.models import Role, User
from lbs.consultation.hearings import ConsultationRequest, Proposal
from lbs.extensions import db
from lbs.hearing.reads import _scope, waiting_count
from lbs.incidents.models import Activation, Incident, IncidentEvent
from lbs.notifications.services import counts, counts_statement

# What each key counts; the words a page says for each are in ``templates/_live_status.html``.
KEYS = {
    "d": "decisions logged (the incident's last decision number)",
    "a": "consultations appended after their decision",
    "c": "changes to the incident's cost lines",
    "p": "proposals made, plus those decided or withdrawn",
    "r": "consultation requests made, plus those answered or withdrawn",
    "v": "staff activations",
    "e": "closings and reopenings",
    "w": "open requests awaiting the user's answer (the navigation's count)",
    "n": "notifications, and how many are unread",
}


def _join(parts: dict[str, Any]) -> str:
    return "-".join(f"{key}{value}" for key, value in parts.items())


def _requests_sum(where: Any) -> ScalarSelect[Any]:
    """Requests + answered + withdrawn, of those matching ``where``: grows with every change of a request."""
    return (select(func.count(ConsultationRequest.id) + func.count(ConsultationRequest.answered_at)
                   + func.count(ConsultationRequest.withdrawn_at)).where(where).scalar_subquery())


@cache
def _incident_statement() -> Select[Any]:
    """Built once (a poll is answered many times a second): the incident's row by key, and its proposals,
    requests, activations and events counted through their ``incident_id`` indexes, in one statement."""
    key: BindParameter[int] = bindparam("incident_id")
    proposals = (select(func.count(Proposal.id) + func.count(Proposal.closed_at))
                 .where(Proposal.incident_id == key).scalar_subquery())
    activations = select(func.count(Activation.id)).where(Activation.incident_id == key).scalar_subquery()
    events = select(func.count(IncidentEvent.id)).where(IncidentEvent.incident_id == key).scalar_subquery()
    return (select(Incident.last_decision_number, Incident.appended_consultations, Incident.costs_version,
                   proposals, _requests_sum(ConsultationRequest.incident_id == key), activations, events)
            .where(Incident.id == key))


@cache
def _proposal_statement() -> Select[Any]:
    key: BindParameter[int] = bindparam("proposal_id")
    return (select(Proposal.closed_at.is_not(None), _requests_sum(ConsultationRequest.proposal_id == key))
            .where(Proposal.id == key))


def _incident_parts(row: Sequence[Any]) -> str:
    return _join(dict(zip("dacprve", row, strict=True)))


def _proposal_parts(row: Sequence[Any]) -> str:
    return _join({"p": int(row[0]), "r": row[1]})


def _notifications_parts(row: Sequence[Any]) -> str:
    return _join({"n": f"{int(row[0] or 0)}.{int(row[1] or 0)}"})


def incident_version(incident_id: int) -> str | None:
    """The incident page's version (None: no such incident)."""
    row = db.session.execute(_incident_statement(), {"incident_id": incident_id}).first()
    return None if row is None else _incident_parts(row)


def proposal_version(proposal_id: int) -> str | None:
    """The proposal page's version (None: no such proposal): decided or withdrawn, and its requests' states."""
    row = db.session.execute(_proposal_statement(), {"proposal_id": proposal_id}).first()
    return None if row is None else _proposal_parts(row)


def requests_version(user: User) -> str:
    """The version of the user's consultation requests (their list, the landing section, the navigation's
    count): the requests a municipality user sees are those to their municipality's parties, police and admin
    see all, a reviewer none."""
    scoped = _scope(user, answerable_only=False).subquery()
    total = db.session.execute(select(func.count(), func.count(scoped.c.answered_at),
                                      func.count(scoped.c.withdrawn_at)).select_from(scoped)).one()
    return _join({"r": sum(total)})


def waiting_version(user: User, count: int | None = None) -> str:
    """The navigation's count of requests awaiting the user's answer, which is its own version (``count``: when
    the page already counted them)."""
    return _join({"w": waiting_count(user) if count is None else count})


def notifications_version(user: User, counted: tuple[int, int] | None = None) -> str:
    """The user's notifications: how many, and how many unread (``counted``: when the page already counted
    them, :func:`lbs.notifications.services.counts`)."""
    return _notifications_parts(counted if counted is not None else counts(user))


# The sources whose version does not depend on the user's role (the fast path of polls,
# ``lbs/hearing/live_fastpath.py``): statement, its key's name (None: the user's id), the version from its row.
CHECKED: dict[str, tuple[Callable[[], Select[Any]], str | None, Callable[[Sequence[Any]], str]]] = {
    "incident": (_incident_statement, "incident_id", _incident_parts),
    "proposal": (_proposal_statement, "proposal_id", _proposal_parts),
    "notifications": (counts_statement, None, _notifications_parts),
}


@cache
def _checked_statement(source: str) -> Select[Any]:
    """The source's statement with, as its last column, the id of the user bound as ``user_id`` when that user
    exists, is active and is of the session's ``session_version`` (else NULL: a signed-out session). For an
    incident or a proposal the user must also read everything (not a municipality user, whose reads are scoped,
    :mod:`lbs.decisions.scope`): a municipality user's poll of one is left to Flask, which checks that it is in
    their scope."""
    conditions = [User.id == bindparam("user_id"), User.active.is_(True),
                  User.session_version == bindparam("session_version")]
    if CHECKED[source][1] is not None:
        conditions.append(User.role != Role.MUNICIPALITY)
    active = select(User.id).where(*conditions).scalar_subquery()
    return CHECKED[source][0]().add_columns(active)


def version_for_active_user(connection: Connection, source: str, key: int | None, user_id: int,
                            session_version: int = 0) -> str | None:
    """In one statement: the version of ``source`` (``key``: its id) if the user ``user_id`` exists, is active and
    is of ``session_version`` (the session's, :data:`lbs.auth.models.SESSION_VERSION_KEY`); None when not, or when
    there is no such incident or proposal."""
    _, argument, parts = CHECKED[source]
    parameters: dict[str, Any] = {"user_id": user_id, "session_version": session_version}
    if argument is not None:
        parameters[argument] = key
    row = connection.execute(_checked_statement(source), parameters).first()
    if row is None or row[-1] is None:
        return None
    return parts(tuple(row)[:-1])
