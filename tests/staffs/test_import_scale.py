"""``import-roster`` at scale: the overlap rules run in one sorted pass per seat and the rows are written in
bulk, so the statements it runs do not grow with the rows (timings: ``make bench``, docs/performance.md);
the file is validated before the write lock is taken."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from lbs import database
from lbs.audit.models import AuditEvent
from lbs.extensions import db
from lbs.staffs import cli
from lbs.staffs.models import Assignment, Person
from tests import factories as f

HEADER = "staff;position;person;job_title;organisation;email;phone;rank;valid_from;valid_to\n"
POLICE = "Midt- og Vestjyllands Politi"


def roster_csv(seats: int, periods: int, *, prefix: str = "Skalaplads", seed: int = 7) -> str:
    """``periods`` consecutive months on each of ``seats`` new seats (from 2030), each month by its own new
    person, in shuffled order."""
    for s in range(seats):
        f.position(f"{prefix} {s}")
    lines = [f"LBS-O;{prefix} {s};{prefix}-person {s}-{m};Vagt;{POLICE};;;0;"
             f"{2030 + m // 12}-{m % 12 + 1:02d}-01 08:00;{2030 + (m + 1) // 12}-{(m + 1) % 12 + 1:02d}-01 08:00"
             for s in range(seats) for m in range(periods)]
    random.Random(seed).shuffle(lines)
    return HEADER + "\n".join(lines) + "\n"


def _import(runner: Any, tmp_path: Path, text: str, name: str) -> Any:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return runner.invoke(args=["lbs", "import-roster", str(path)])


def _count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_the_statements_do_not_grow_with_the_rows(app: Any, runner: Any, tmp_path: Path, count_queries: Any) -> None:
    small, large = roster_csv(3, 2, prefix="Lille"), roster_csv(3, 30, prefix="Stor")
    counted = []
    for name, text, rows in (("small.csv", small, 6), ("large.csv", large, 90)):
        before = (_count(Person), _count(Assignment), _count(AuditEvent))
        with count_queries() as counter:
            result = _import(runner, tmp_path, text, name)
        assert result.exit_code == 0, result.output
        assert f"imported {rows} assignment(s)" in result.output
        assert (_count(Person), _count(Assignment), _count(AuditEvent)) == (
            before[0] + rows, before[1] + rows, before[2] + 2 * rows)
        counted.append(counter.count)
    assert counted[0] == counted[1], counted


def test_overlaps_are_found_whatever_the_order_of_the_file(app: Any, runner: Any, tmp_path: Path) -> None:
    f.position("Ordensplads")
    rows = [
        f"LBS-O;Ordensplads;Anna;Vagt;{POLICE};;;0;2031-02-01 08:00;2031-03-01 08:00",
        f"LBS-O;Ordensplads;Bent;Vagt;{POLICE};;;0;2031-01-01 08:00;2031-02-15 08:00",  # starts earlier, overlaps
        f"LBS-O;Ordensplads;Anna;Vagt;{POLICE};;;1;2031-02-20 08:00;",  # Anna at rank 1 while at rank 0
        f"LBS-O;Ordensplads;Carl;Vagt;{POLICE};;;0;2031-03-01 08:00;2031-04-01 08:00",  # touches: fine
        f"LBS-O;Ordensplads;Dora;Vagt;{POLICE};;;0;2030-01-01 08:00;",  # open-ended, under all of rank 0
    ]
    before = _count(Assignment)
    result = _import(runner, tmp_path, HEADER + "\n".join(rows) + "\n", "order.csv")
    assert result.exit_code == 1
    output = result.output
    assert "row 3: overlaps row 2 of the same position and rank" in output
    assert "row 4: Anna already holds rank 0 of 'Ordensplads'" in output and "(row 2, " in output
    assert "row 5:" not in output  # Carl touches Anna's end; Dora's open seat is later in the file
    assert "row 6: overlaps row 3 of the same position and rank" in output  # the earliest it overlaps
    assert "3 bad row(s); nothing was imported" in output
    assert _count(Assignment) == before


def test_an_existing_assignment_is_named(app: Any, runner: Any, tmp_path: Path) -> None:
    f.position("Fast plads")
    first = _import(runner, tmp_path, HEADER + f"LBS-O;Fast plads;Eva;Vagt;{POLICE};;;0;2032-01-01 08:00;\n", "a.csv")
    assert first.exit_code == 0, first.output
    existing = db.session.scalars(select(Assignment).join(Person).where(Person.name == "Eva")).one()
    again = _import(runner, tmp_path, HEADER + f"LBS-O;Fast plads;Finn;Vagt;{POLICE};;;0;2033-01-01 08:00;\n",
                    "b.csv")
    assert again.exit_code == 1
    assert f"row 2: overlaps existing assignment {existing.id} of the same position and rank" in again.output


def test_the_file_is_validated_before_the_write_lock(app: Any, runner: Any, tmp_path: Path,
                                                      monkeypatch: Any) -> None:
    seen: list[bool] = []
    original = cli.validate

    def watched(*args: Any) -> Any:
        seen.append(database._write_intent.get())
        return original(*args)

    monkeypatch.setattr(cli, "validate", watched)
    result = _import(runner, tmp_path, roster_csv(1, 2, prefix="Laas"), "lock.csv")
    assert result.exit_code == 0, result.output
    assert seen == [False]


def _pairwise(rows: list[Any], person_ids: list[int], existing: list[Any]) -> dict[int, str]:
    """The quadratic reference: each row against the existing assignments and every earlier row."""
    from types import SimpleNamespace

    from lbs.staffs import roster

    seen: list[Any] = list(existing)
    found: dict[int, str] = {}
    for i, row in enumerate(rows):
        period = {"valid_from": row.valid_from, "valid_to": row.valid_to}
        if roster.find_overlap(seen, position_id=row.position.id, rank=row.rank, **period):
            found[row.number] = "same"
        elif roster.find_other_rank(seen, position_id=row.position.id, person_id=person_ids[i], rank=row.rank,
                                    **period):
            found[row.number] = "other"
        seen.append(SimpleNamespace(id=-(i + 1), position_id=row.position.id, person_id=person_ids[i],
                                    rank=row.rank, **period))
    return found


def test_the_sorted_pass_reports_what_the_pairwise_check_reports() -> None:
    from datetime import UTC, datetime, timedelta
    from types import SimpleNamespace

    from lbs.staffs import roster_import

    start = datetime(2030, 1, 1, tzinfo=UTC)
    generator = random.Random(3)
    for _ in range(200):
        seats = [SimpleNamespace(id=p, title=f"P{p}", staff_id=1) for p in range(2)]

        def period() -> tuple[datetime, datetime | None]:
            begin = start + timedelta(days=generator.randrange(30))
            return begin, None if generator.random() < 0.15 else begin + timedelta(days=generator.randrange(1, 8))

        existing = []
        for e in range(generator.randrange(3)):
            begin, end = period()
            existing.append(SimpleNamespace(id=e + 1, position_id=generator.randrange(2),
                                            person_id=generator.randrange(4), rank=generator.randrange(2),
                                            valid_from=begin, valid_to=end))
        rows, people = [], []
        for n in range(generator.randrange(1, 12)):
            begin, end = period()
            rows.append(SimpleNamespace(number=n + 2, position=seats[generator.randrange(2)],
                                        rank=generator.randrange(2), valid_from=begin, valid_to=end, person_name="x",
                                        organisation=SimpleNamespace(id=1)))
            people.append(generator.randrange(4))
        errors = roster_import.overlap_errors(rows, people, existing)
        got = {int(e.split(":")[0].split()[1]): "same" if "same position and rank" in e else "other" for e in errors}
        assert got == _pairwise(rows, people, existing)


def test_a_clash_written_between_two_batches_stops_the_import_there(app: Any, runner: Any, tmp_path: Path,
                                                                    monkeypatch: Any) -> None:
    """The rows are written a batch at a time (the lock is held that long): a writer that assigns a seat
    meanwhile is seen by the next batch, which refuses and says how far the import got."""
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from lbs.staffs import services

    seat = f.position("Mellemplads")
    db.session.commit()
    monkeypatch.setattr(cli, "WRITE_BATCH", 2)
    monkeypatch.setattr(cli, "WRITE_PAUSE", 0)
    paused: list[float] = []

    def someone_else_assigns(seconds: float) -> None:
        """Between the first and the second batch (the lock is free), another writer takes May 2034."""
        if not paused:
            other = f.person("Gæst")
            services.assign(by=None, position_id=seat.id, person_id=other.id, rank=0,
                            valid_from=datetime(2034, 5, 1, tzinfo=UTC), valid_to=datetime(2034, 6, 1, tzinfo=UTC))
            db.session.commit()
        paused.append(seconds)

    monkeypatch.setattr(cli, "time", SimpleNamespace(sleep=someone_else_assigns))
    lines = [f"LBS-O;Mellemplads;Vagt {m};Vagt;{POLICE};;;0;2034-{m:02d}-01 08:00;2034-{m + 1:02d}-01 08:00"
             for m in (1, 2, 4, 5)]
    result = _import(runner, tmp_path, HEADER + "\n".join(lines) + "\n", "mid.csv")
    assert result.exit_code == 1
    assert "row 5: overlaps existing assignment" in result.output
    assert "the rows before row 4 (2 of 4) were imported, from row 4 on nothing" in result.output
    held = db.session.scalars(select(Person.name).join(Assignment).where(Assignment.position_id == seat.id)).all()
    assert sorted(held) == ["Gæst", "Vagt 1", "Vagt 2"]
