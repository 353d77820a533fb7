"""The party's answer to a consultation request: agreed, agreed with a reservation, or objected, with a comment
(required unless agreed)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, ValidationError

from lbs.consultation.hearings import Answer
from lbs.forms import Form, choices
from lbs.hearing.answers import NEEDS_COMMENT

# What the party chooses (the form's options) and how a given answer is shown.
CHOICE = {
    Answer.AGREED.value: _l("I agree"),
    Answer.AGREED_WITH_RESERVATION.value: _l("I agree with a reservation"),
    Answer.OBJECTED.value: _l("I object"),
}
GIVEN = {
    Answer.AGREED.value: _l("Agreed"),
    Answer.AGREED_WITH_RESERVATION.value: _l("Agreed with reservation"),
    Answer.OBJECTED.value: _l("Against"),
}
COMMENT_MAX = 10_000


class AnswerForm(Form):
    """Nothing is chosen beforehand: the party answers actively."""

    outcome = RadioField(_l("Your answer"), validate_choice=False,
                         choices=choices((a.value, CHOICE[a.value]) for a in Answer),
                         validators=[DataRequired(_l("Choose your answer.")),
                                     AnyOf([a.value for a in Answer], message=_l("Choose your answer."))])
    comment = TextAreaField(_l("Comment"), validators=[
        Length(max=COMMENT_MAX, message=_l("At most %(max)d characters."))])

    def validate_comment(self, field: TextAreaField) -> None:
        if self.outcome.data in {a.value for a in NEEDS_COMMENT} and not (field.data or "").strip():
            raise ValidationError(_l("Write a comment: it is required with a reservation or an objection."))

    def to_body(self) -> dict[str, Any]:
        """The validated form in the API's body shape (read by :func:`lbs.hearing.answers.read_answer`)."""
        return {"outcome": self.outcome.data, "comment": (self.comment.data or "").strip() or None}
