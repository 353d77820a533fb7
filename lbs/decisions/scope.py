"""What a user may read: every read of incidents and cost lines is narrowed here, nowhere else.

Police, admin and reviewer users read everything. A municipality user reads the incidents that *affect*
their municipality and, of costs, only the lines their municipality bears. An incident affects a
municipality when it names the municipality, when the municipality bears one of its cost lines, or when one
of the municipality's parties was asked in it (a hearing): the municipality must be able to read what it
pays for and what it is asked about, even where the police did not name it on the incident.

A :class:`ReadScope` is built from the user once (:meth:`ReadScope.of`) and gives the SQL conditions that
lists, totals and exports add to their statements (:meth:`incidents`, :meth:`lines`) and the checks that
reads of one object make (:meth:`check_incident` and its kin, ``NotFound`` when out of scope, so that what
a user may not read looks exactly like what does not exist). :func:`guard` applies those checks to a
request's URL arguments (``incident_id``, ``decision_id``, ``proposal_id``, ``line_id``, ``request_id``,
``attachment_id``) for every read route at once; the app calls it before each read view
(``lbs.main.register_read_scope``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import g, has_request_context
from flask_login import current_user
from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true

from lbs.auth.models import Role, User
from lbs.consultation.hearings import ConsultationRequest, Proposal
from lbs.consultation.models import Party
from lbs.decisions.attachment_models import Attachment
from lbs.decisions.models import CostLine, Decision
from lbs.errors import NotFound
from lbs.extensions import db
from lbs.incidents.models import Incident, incident_municipalities
from lbs.organisations.models import Municipality


@dataclass(frozen=True)
class ReadScope:
    """Everything (``municipality_code`` None) or one municipality's share of it."""

    municipality_code: str | None = None
    organisation_id: int | None = None

    @classmethod
    def of(cls, user: User | None) -> ReadScope:
        """The scope of ``user``: a municipality user's municipality, everything for the other roles."""
        if user is None or user.role is not Role.MUNICIPALITY:
            return EVERYTHING
        code = user.municipality_code
        organisation_id = db.session.scalar(select(Municipality.organisation_id).where(Municipality.code == code))
        # A municipality user without a (known) municipality reads no incident and no line.
        return cls(municipality_code=code or "", organisation_id=organisation_id or 0)

    @classmethod
    def of_municipality(cls, code: str) -> ReadScope:
        """One municipality's share (a scoped review pack built by the worker, which has no user)."""
        organisation_id = db.session.scalar(select(Municipality.organisation_id).where(Municipality.code == code))
        return cls(municipality_code=code, organisation_id=organisation_id or 0)

    @property
    def everything(self) -> bool:
        return self.municipality_code is None

    # ------------------------------------------------------------ SQL conditions for lists and totals

    def incidents(self, incident_id: Any = Incident.id) -> ColumnElement[bool]:
        """True for the incidents in scope; ``incident_id`` is the column holding an incident's id."""
        if self.everything:
            return true()
        if not self.municipality_code:
            return false()
        named = exists().where(incident_municipalities.c.incident_id == incident_id,
                               incident_municipalities.c.municipality_code == self.municipality_code)
        bears = exists().where(CostLine.incident_id == incident_id, CostLine.bearer_id == self.organisation_id)
        asked = exists().where(ConsultationRequest.incident_id == incident_id,
                               ConsultationRequest.party_id == Party.id, self._own_party())
        return or_(named, bears, asked)

    def lines(self, bearer_id: Any = CostLine.bearer_id) -> ColumnElement[bool]:
        """True for the cost lines in scope; ``bearer_id`` is the column holding a line's bearer."""
        if self.everything:
            return true()
        return and_(bearer_id == self.organisation_id)

    def bearer_ids(self) -> set[int] | None:
        """The bearers whose lines are in scope, or None for every bearer (for lines already in hand)."""
        return None if self.everything else {self.organisation_id or 0}

    def sees_bearer(self, bearer_id: int) -> bool:
        return self.everything or bearer_id == self.organisation_id

    def _own_party(self) -> ColumnElement[bool]:
        own_organisation = Party.organisation_id == self.organisation_id
        return or_(Party.municipality_code == self.municipality_code,
                   and_(Party.municipality_code.is_(None), own_organisation))

    # ------------------------------------------------------------ checks of one object

    def sees_incident(self, incident_id: int) -> bool:
        if self.everything:
            return True
        return bool(db.session.scalar(select(self.incidents(Incident.id)).where(Incident.id == incident_id)))

    def check_incident(self, incident_id: int) -> None:
        if not self.sees_incident(incident_id):
            raise NotFound("incident not found")

    def _check_in_incident(self, model: Any, object_id: int, name: str) -> None:
        """``NotFound`` unless the ``model`` row ``object_id`` belongs to an incident in scope."""
        if self.everything:
            return
        incident_id = db.session.scalar(select(model.incident_id).where(model.id == object_id))
        if incident_id is None or not self.sees_incident(incident_id):
            raise NotFound(f"{name} not found")

    def check_decision(self, decision_id: int) -> None:
        self._check_in_incident(Decision, decision_id, "decision")

    def check_proposal(self, proposal_id: int) -> None:
        self._check_in_incident(Proposal, proposal_id, "proposal")

    def check_request(self, request_id: int) -> None:
        self._check_in_incident(ConsultationRequest, request_id, "consultation request")

    def check_attachment(self, attachment_id: int) -> None:
        self._check_in_incident(Attachment, attachment_id, "attachment")

    def check_line(self, line_id: int) -> None:
        if self.everything:
            return
        bearer_id = db.session.scalar(select(CostLine.bearer_id).where(CostLine.id == line_id))
        if bearer_id is None or not self.sees_bearer(bearer_id):
            raise NotFound("cost line not found")

    def check_municipality(self, code: str) -> None:
        """A municipality's own ledger: only its own for a municipality user."""
        if not self.everything and code != self.municipality_code:
            raise NotFound("municipality not found")


EVERYTHING = ReadScope()

# URL argument → the check of the object it names.
_CHECKS = {
    "incident_id": ReadScope.check_incident,
    "decision_id": ReadScope.check_decision,
    "proposal_id": ReadScope.check_proposal,
    "request_id": ReadScope.check_request,
    "line_id": ReadScope.check_line,
    "attachment_id": ReadScope.check_attachment,
}


def current_scope() -> ReadScope:
    """The scope of the request's user (the API's token user, else the signed-in user), built once a request."""
    user = g.get("api_user")
    if user is None and current_user.is_authenticated:
        user = current_user._get_current_object()
    key = getattr(user, "id", None)
    cached: tuple[int | None, ReadScope] | None = g.get("read_scope")
    if cached is None or cached[0] != key:
        cached = g.read_scope = (key, ReadScope.of(user))
    return cached[1]


def ambient_scope() -> ReadScope:
    """The request's reader's scope in a request; everything outside one (the CLI, the worker)."""
    return current_scope() if has_request_context() else EVERYTHING


def guard(scope: ReadScope, view_args: Mapping[str, Any] | None) -> None:
    """Raise ``NotFound`` when a URL argument names an object outside ``scope``."""
    if scope.everything or not view_args:
        return
    for name, check in _CHECKS.items():
        value = view_args.get(name)
        if isinstance(value, int):
            check(scope, value)
