"""The judging of a required consultation (contract: *Incidents and decisions*, statuses)."""

import pytest

from lbs.consultation.judging import Status, judge, judge_all, unmet


@pytest.mark.parametrize(("required", "made", "expected"), [
    ("approve", [], Status.MISSING),
    ("approve", [("inform", "agreed")], Status.INSUFFICIENT_FORM),
    ("approve", [("consult", "agreed")], Status.INSUFFICIENT_FORM),
    ("approve", [("approve", "agreed")], Status.MET),
    ("approve", [("approve", "agreed_with_reservation")], Status.MET),
    ("approve", [("approve", "objected")], Status.OBJECTED),
    ("approve", [("approve", "no_answer")], Status.NO_ANSWER),
    ("approve", [("approve", "no_answer"), ("approve", "agreed")], Status.MET),
    ("approve", [("approve", "objected"), ("approve", "no_answer"), ("inform", "agreed")], Status.OBJECTED),
    ("approve", [("consult", "agreed"), ("approve", "no_answer")], Status.NO_ANSWER),
    ("consult", [("inform", "agreed")], Status.INSUFFICIENT_FORM),
    ("consult", [("consult", "objected")], Status.MET),
    ("consult", [("approve", "objected")], Status.MET),
    ("consult", [("consult", "no_answer")], Status.NO_ANSWER),
    ("consult", [("approve", "no_answer")], Status.NO_ANSWER),
    ("inform", [("inform", "no_answer")], Status.MET),
    ("inform", [("approve", "objected")], Status.MET),
    ("inform", [], Status.MISSING),
])
def test_judge(required, made, expected):
    assert judge(required, made) is expected


def test_judge_all_judges_each_party_over_all_its_consultations():
    required = [{"party": "a", "mode": "approve", "rule": "R5"}, {"party": "b", "mode": "inform", "rule": "R1"}]
    made = [{"party": "a", "mode": "inform", "outcome": "agreed"}, {"party": "c", "mode": "approve",
                                                                     "outcome": "agreed"},
            {"party": "a", "mode": "approve", "outcome": "agreed"}]
    judged = judge_all(required, made)
    assert [(r["party"], r["rule"], r["status"]) for r in judged] == [("a", "R5", "met"), ("b", "R1", "missing")]
    assert [r["party"] for r in unmet(judged)] == ["b"]
    assert "status" not in required[0]  # the records given are not changed
