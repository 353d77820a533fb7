"""The staff page names the incoming holder of a seat that changes hands at a known time, says when a seat
will be empty instead, and names and links each gap to its seat's row."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from lbs.extensions import db
from lbs.staffs import roster, services
from lbs.staffs.models import Assignment, Position
from lbs.timeutil import to_local, utcnow
from tests import factories

T0 = datetime(2030, 3, 1, 8, 0, tzinfo=UTC)


@dataclass
class Seat:
    id: int
    mandatory: bool = True
    min_deputies: int = 0
    sort_order: int = 0


@dataclass
class Held:
    id: int
    position_id: int
    person_id: int
    rank: int
    valid_from: datetime
    valid_to: datetime | None = None
    extra: dict[str, str] = field(default_factory=dict)


def local(moment: datetime) -> str:
    return to_local(moment).strftime("%d.%m.%Y %H:%M")


def seat(title: str) -> Position:
    return db.session.scalars(select(Position).where(Position.title == title)).one()


def row_of(html: str, position: Position) -> str:
    start = html.index(f'id="position-{position.id}"')
    return html[start:html.index("</tr>", start)]


# ---------------------------------------------------------------- the pure functions


def test_successor_is_the_earliest_later_holder_of_the_same_rank():
    current = Held(1, 10, 7, 0, T0, T0 + timedelta(days=5))
    deputy = Held(2, 10, 8, 1, T0, T0 + timedelta(days=5))
    seats = roster.roster_at([Seat(10)], [current, deputy], T0 + timedelta(days=1))
    later = [
        Held(3, 10, 9, 0, T0 + timedelta(days=9)),
        Held(4, 10, 5, 0, T0 + timedelta(days=5), T0 + timedelta(days=9)),
        Held(5, 11, 6, 1, T0 + timedelta(days=5)),  # another seat
    ]
    roster.add_successors(seats, later)
    assert seats[0].successors == {1: later[1]}
    roster.add_warnings(seats, T0 + timedelta(days=1))
    kinds = {(g.person_id, g.problem) for g in seats[0].problems}
    # the seamless change is a notice, not a warning; the deputy's rank has no successor: a warning
    assert kinds == {(7, roster.Problem.HANDOVER), (8, roster.Problem.ENDING_SOON)}
    assert [g.problem for g in seats[0].warnings] == [roster.Problem.ENDING_SOON]


# ---------------------------------------------------------------- the page


def _plan_handover(hours: int = 30) -> tuple[Assignment, Assignment, datetime]:
    log = seat("Logfører")
    current = db.session.scalars(select(Assignment).where(Assignment.position_id == log.id, Assignment.rank == 0,
                                                          Assignment.valid_to.is_(None))).one()
    at = (utcnow() + timedelta(hours=hours)).replace(second=0, microsecond=0)
    incoming = factories.person("Hans Hansen")
    db.session.flush()
    new = services.replace_holder(by=None, assignment=current, person_id=incoming.id, at=at)
    db.session.commit()
    return current, new, at


def test_a_planned_handover_names_the_incoming_holder(login):
    client = login("revisor")
    _current, _new, at = _plan_handover()
    html = client.get("/staffs/LBS-O").get_data(as_text=True)
    row = row_of(html, seat("Logfører"))
    assert f"Afløses af Hans Hansen {local(at)}" in row
    assert f"Planlagt skifte: Logfører B, Midt- og Vestjyllands Politi afløses af Hans Hansen {local(at)}" in row
    assert "slutter" not in row  # no warning: the seat is not left empty
    assert 'class="has-problem"' not in row and "Bemandet" in row
    # the print view tells it too
    printed = client.get("/staffs/LBS-O/print").get_data(as_text=True)
    assert f"afløses af Hans Hansen {local(at)}" in printed


def test_an_ending_without_successor_says_the_seat_is_then_empty(login):
    client = login("revisor")
    log = seat("Logfører")
    deputy = db.session.scalars(select(Assignment).where(Assignment.position_id == log.id,
                                                         Assignment.rank == 1)).one()
    end = (utcnow() + timedelta(days=3)).replace(second=0, microsecond=0)
    services.end_assignment(by=None, assignment=deputy, valid_to=end)
    db.session.commit()
    row = row_of(client.get("/staffs/LBS-O").get_data(as_text=True), log)
    assert (f"Advarsel: tildelingen til {deputy.person.name} (Stedfortræder 1) slutter {local(end)}, "
            "og ingen afløser er planlagt: pladsen står derefter tom") in row
    assert "Afløses af" not in row


def test_a_later_successor_leaves_the_seat_empty_in_between(login):
    client = login("revisor")
    log = seat("Logfører")
    deputy = db.session.scalars(select(Assignment).where(Assignment.position_id == log.id,
                                                         Assignment.rank == 1)).one()
    end = (utcnow() + timedelta(days=3)).replace(second=0, microsecond=0)
    services.end_assignment(by=None, assignment=deputy, valid_to=end)
    later = factories.person("Senere Stedfortræder")
    db.session.flush()
    services.assign(by=None, position_id=log.id, person_id=later.id, rank=1, valid_from=end + timedelta(days=2))
    db.session.commit()
    row = row_of(client.get("/staffs/LBS-O").get_data(as_text=True), log)
    assert (f"Senere Stedfortræder overtager {local(end + timedelta(days=2))}, og pladsen står tom indtil da"
            in row)
    assert f"derefter Senere Stedfortræder fra {local(end + timedelta(days=2))}" in row


def test_each_gap_is_named_in_words_and_links_to_its_seat(login):
    client = login("herning")
    html = client.get("/staffs/LBS-O").get_data(as_text=True)
    summary = html[html.index('id="gaps-heading"'):html.index("</section>", html.index('id="gaps-heading"'))]
    herning = seat("Krisestabskontakt, Herning Kommune")
    log = seat("Logfører")
    assert "1 hul(ler) i bemandingen" in summary
    link = (f'<a href="#position-{herning.id}">Krisestabskontakt, Herning Kommune</a>: '
            "for få stedfortrædere (0 af mindst 1)")
    assert link in summary
    # every gap is listed once, every link has its target row (focusable when followed)
    count = int(re.search(r"(\d+) hul\(ler\)", summary).group(1))  # type: ignore[union-attr]
    targets = re.findall(r'href="#position-(\d+)"', summary)
    assert len(targets) == count
    for target in targets:
        assert f'<tr id="position-{target}" tabindex="-1"' in html
    assert f"#position-{log.id}" not in summary  # staffed
    # a mandatory seat without a primary holder is told as "ingen primær"
    chief = seat("Stabschef (politiinspektør)")
    primary = db.session.scalars(select(Assignment).where(Assignment.position_id == chief.id,
                                                          Assignment.rank == 0)).one()
    services.end_assignment(by=None, assignment=primary, valid_to=utcnow() - timedelta(minutes=1))
    db.session.commit()
    html = client.get("/staffs/LBS-O").get_data(as_text=True)
    assert f'<a href="#position-{chief.id}">Stabschef (politiinspektør)</a>: ingen primær' in html


def test_no_gaps_no_list(login):
    client = login("politi")
    herning = seat("Krisestabskontakt, Herning Kommune")
    someone = factories.person("Ekstra stedfortræder", "Herning Kommune")
    db.session.flush()
    services.assign(by=None, position_id=herning.id, person_id=someone.id, rank=1,
                    valid_from=utcnow() - timedelta(hours=1))
    db.session.commit()
    html = client.get("/staffs/LBS-O").get_data(as_text=True)
    # the demo's only LBS-O gap is filled
    assert services.roster_at(staff=factories.staff("LBS-O"), at=utcnow()).gaps == []
    assert "gap-list" not in html and "Ingen huller" in html and 'href="#position-' not in html
