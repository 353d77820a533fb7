"""Import every model module so that the metadata (and Alembic) sees the whole schema."""

from lbs.audit.models import AppState, AuditEvent
from lbs.auth.attempts import LoginAttempt
from lbs.auth.models import ApiToken, User
from lbs.consultation.hearings import ConsultationRequest, Proposal
from lbs.consultation.models import Consultation, Party, Rule
from lbs.costs.models import CostChange
from lbs.decisions.attachment_models import Attachment, AttachmentChunk
from lbs.decisions.models import CostLine, Decision
from lbs.incidents.models import Activation, Incident
from lbs.notifications.models import Notification, OutboxMail
from lbs.organisations.models import District, Municipality, Organisation
from lbs.review.models import Finding, SignOff
from lbs.review.pack_models import ReviewPack, ReviewPackChunk
from lbs.staffs.models import Assignment, Person, Position, Staff

__all__ = [
    "Activation",
    "ApiToken",
    "AppState",
    "Assignment",
    "Attachment",
    "AttachmentChunk",
    "AuditEvent",
    "Consultation",
    "ConsultationRequest",
    "CostChange",
    "CostLine",
    "Decision",
    "District",
    "Finding",
    "Incident",
    "LoginAttempt",
    "Municipality",
    "Notification",
    "Organisation",
    "OutboxMail",
    "Party",
    "Person",
    "Position",
    "Proposal",
    "ReviewPack",
    "ReviewPackChunk",
    "Rule",
    "SignOff",
    "Staff",
    "User",
]
