"""Proposals and consultation requests: propose, ask, answer, decide, withdraw."""

from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from lbs.api.blueprint import api_bp
from lbs.api.consultation import MODE
from lbs.api.costs import CATEGORY
from lbs.api.decisions import CONSULTATION_IN, DECISION, DECISION_PROPS, REQUIREMENT
from lbs.api.frame import WRITERS, api_user, endpoint, json_body
from lbs.api.schemas import (
    ERROR,
    MONEY,
    NULLABLE_TIME,
    TIME,
    array_of,
    component,
    enum_of,
    list_component,
    obj,
)
from lbs.auth.models import Role
from lbs.consultation.hearings import Answer, ProposalStatus, RequestStatus
from lbs.decisions import reads as decision_reads
from lbs.decisions.read_model import logged_record
from lbs.decisions.scope import current_scope
from lbs.errors import ValidationError
from lbs.extensions import db
from lbs.hearing import answers, deciding, proposals, reads
from lbs.hearing.records import proposal_record, request_record
from lbs.incidents import services as incidents

REQUEST = component("ConsultationRequest", obj({
    "id": {"type": "integer"}, "proposal_id": {"type": ["integer", "null"]},
    "decision_id": {"type": ["integer", "null"]}, "incident_id": {"type": "integer"}, "party": {"type": "string"},
    "party_name": {"type": "string"}, "organisation_id": {"type": "integer"}, "mode": MODE,
    "status": enum_of("ConsultationRequestStatus", [s.value for s in RequestStatus]),
    "requested_at": TIME, "respond_by": NULLABLE_TIME,
    "outcome": {"type": ["string", "null"], "enum": [*(a.value for a in Answer), None]},
    "comment": {"type": ["string", "null"]}, "answered_at": NULLABLE_TIME,
    "answered_by": {"type": ["integer", "null"]}}))
PROPOSED_PROPS = {key: DECISION_PROPS[key] for key in proposals.PROPOSED}
PROPOSAL_IN = component("ProposalInput", obj(
    {**PROPOSED_PROPS, "respond_by": TIME}, required=["staff", "owner", "type", "title", "decision", "rationale"]))
NULLABLE_TEXT = {"type": ["string", "null"]}
# The proposed fields as a proposal answers them: normalised, every key present, optional texts null.
PROPOSED_OPTION = component("ProposedOption", obj({"text": {"type": "string"}, "chosen": {"type": "boolean"},
                                                   "rejection_reason": NULLABLE_TEXT}))
PROPOSED_COST = component("ProposedCost", obj({
    "bearer": {"type": "integer"}, "category": CATEGORY, "estimate_dkk": MONEY, "provisional": {"type": "boolean"},
    "description": NULLABLE_TEXT}))
PROPOSED_OUT = {**PROPOSED_PROPS, **{key: NULLABLE_TEXT for key in
                                     ("information", "legal_basis", "expected_outcome", "missing_reason")},
                "options": array_of(PROPOSED_OPTION), "costs": array_of(PROPOSED_COST),
                "consultations": array_of(CONSULTATION_IN)}
PROPOSAL = component("Proposal", obj({
    "id": {"type": "integer"}, "incident_id": {"type": "integer"},
    "status": enum_of("ProposalStatus", [s.value for s in ProposalStatus]), **PROPOSED_OUT,
    "respond_by": NULLABLE_TIME, "created_at": TIME, "created_by": {"type": ["integer", "null"]},
    "decision_id": {"type": ["integer", "null"]}, "closed_at": NULLABLE_TIME,
    "withdraw_reason": {"type": ["string", "null"]}, "required_consultations": array_of(REQUIREMENT),
    "requests": array_of(REQUEST)}))
ASK_IN = component("ConsultationRequestInput", obj({"party": {"type": "string"}, "mode": MODE,
                                                    "respond_by": TIME}, required=["party", "mode"]))
ANSWER_IN = component("ConsultationAnswer", obj({
    "outcome": enum_of("ConsultationAnswerOutcome", [a.value for a in Answer]),
    "comment": {"type": "string", "description": "required with agreed_with_reservation and objected"}},
    required=["outcome"]))
DECIDE_IN = component("ProposalDecision", obj(
    {"decided_at": TIME, "decided_by": {"type": "integer"}, "delay_reason": {"type": "string"},
     **PROPOSED_PROPS}, required=["decided_at", "decided_by"]))
WITHDRAW_IN = component("ProposalWithdrawal", obj({"reason": {"type": "string"}}, required=["reason"]))
STATUS_QUERY = [{"name": "status", "in": "query", "required": False,
                 "schema": enum_of("ConsultationRequestStatus", [s.value for s in RequestStatus])}]
ANSWERERS = (Role.MUNICIPALITY, Role.POLICE, Role.ADMIN)


def _proposal_json(proposal_id: int) -> dict[str, object]:
    proposal = reads.get_proposal(proposal_id)
    return proposal_record(proposal, reads.requests_of_proposal(proposal.id), current_scope())


@endpoint(api_bp, "/incidents/<id:incident_id>/proposals", "POST", operation_id="proposeDecision",
          summary="Propose a decision: every required party is asked in the required form", tag="hearing",
          roles=WRITERS, request_schema=PROPOSAL_IN,
          responses={201: PROPOSAL, 400: ERROR, 404: ERROR, 409: ERROR, 422: ERROR})
def propose(incident_id: int) -> ResponseReturnValue:
    incident = incidents.get_incident(incident_id)
    proposal = proposals.propose(incident=incident, data=json_body(), by=api_user())
    body = proposal_record(proposal, reads.requests_of_proposal(proposal.id))
    db.session.commit()
    return jsonify(body), 201


@endpoint(api_bp, "/incidents/<id:incident_id>/proposals", "GET", operation_id="listProposals",
          summary="The incident's proposals, oldest first", tag="hearing",
          responses={200: list_component("ProposalList", PROPOSAL), 404: ERROR})
def list_proposals(incident_id: int) -> ResponseReturnValue:
    incident = incidents.get_incident(incident_id)
    scope = current_scope()
    return jsonify([proposal_record(p, reads.requests_of_proposal(p.id), scope)
                    for p in reads.proposals_of(incident.id)])


@endpoint(api_bp, "/proposals/<id:proposal_id>", "GET", operation_id="getProposal", summary="One proposal",
          tag="hearing", responses={200: PROPOSAL, 404: ERROR})
def get_proposal(proposal_id: int) -> ResponseReturnValue:
    return jsonify(_proposal_json(proposal_id))


@endpoint(api_bp, "/proposals/<id:proposal_id>/requests", "POST", operation_id="askAboutProposal",
          summary="Ask one more party about an open proposal", tag="hearing", roles=WRITERS,
          request_schema=ASK_IN, responses={201: REQUEST, 400: ERROR, 404: ERROR, 409: ERROR, 422: ERROR})
def ask_about_proposal(proposal_id: int) -> ResponseReturnValue:
    proposal = reads.get_proposal(proposal_id)
    asked = proposals.ask_on_proposal(proposal=proposal, data=json_body(), by=api_user())
    body = request_record(asked)
    db.session.commit()
    return jsonify(body), 201


@endpoint(api_bp, "/decisions/<id:decision_id>/requests", "POST", operation_id="askAboutDecision",
          summary="Ask a party about a logged decision: the answer is appended to it as a consultation",
          tag="hearing", roles=WRITERS, request_schema=ASK_IN,
          responses={201: REQUEST, 400: ERROR, 404: ERROR, 409: ERROR, 422: ERROR})
def ask_about_decision(decision_id: int) -> ResponseReturnValue:
    decision = decision_reads.get_decision(decision_id)
    asked = proposals.ask_on_decision(decision=decision, data=json_body(), by=api_user())
    body = request_record(asked)
    db.session.commit()
    return jsonify(body), 201


@endpoint(api_bp, "/consultation-requests", "GET", operation_id="listConsultationRequests",
          summary="The consultation requests the user may answer (a municipality user: their municipality's; "
                  "police and admin: all), oldest first", tag="hearing", query=STATUS_QUERY,
          responses={200: list_component("ConsultationRequestList", REQUEST), 422: ERROR})
def list_requests() -> ResponseReturnValue:
    raw = request.args.get("status")
    status = None
    if raw is not None:
        try:
            status = RequestStatus(raw)
        except ValueError:
            allowed = ", ".join(s.value for s in RequestStatus)
            raise ValidationError("invalid query parameter", {"status": [f"must be one of: {allowed}"]}) from None
    return jsonify([request_record(r) for r in reads.requests_for(api_user(), status=status)])


@endpoint(api_bp, "/consultation-requests/<id:request_id>/answer", "POST", operation_id="answerConsultationRequest",
          summary="Answer a consultation request for one's own party (once; never changed)", tag="hearing",
          roles=ANSWERERS, request_schema=ANSWER_IN,
          responses={200: REQUEST, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR, 422: ERROR})
def answer_request(request_id: int) -> ResponseReturnValue:
    asked = reads.get_request(request_id)
    answers.check_may_answer(api_user(), asked)
    done = answers.answer(request=asked, data=json_body(), by=api_user())
    body = request_record(done)
    db.session.commit()
    return jsonify(body)


@endpoint(api_bp, "/proposals/<id:proposal_id>/decide", "POST", operation_id="decideProposal",
          summary="Log the proposal as a decision with the answers as its consultations", tag="hearing",
          roles=WRITERS, request_schema=DECIDE_IN,
          responses={201: DECISION, 400: ERROR, 404: ERROR, 409: ERROR, 422: ERROR})
def decide(proposal_id: int) -> ResponseReturnValue:
    proposal = reads.get_proposal(proposal_id)
    logged = deciding.decide(proposal=proposal, data=json_body(), by=api_user())
    body = logged_record(logged)
    db.session.commit()
    return jsonify(body), 201


@endpoint(api_bp, "/proposals/<id:proposal_id>/withdraw", "POST", operation_id="withdrawProposal",
          summary="Withdraw an open proposal with a reason; its open requests are withdrawn", tag="hearing",
          roles=WRITERS, request_schema=WITHDRAW_IN,
          responses={200: PROPOSAL, 400: ERROR, 404: ERROR, 409: ERROR, 422: ERROR})
def withdraw(proposal_id: int) -> ResponseReturnValue:
    proposal = reads.get_proposal(proposal_id)
    proposals.withdraw(proposal=proposal, data=json_body(), by=api_user())
    db.session.commit()
    return jsonify(_proposal_json(proposal_id))
