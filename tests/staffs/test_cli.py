"""``lbs import-roster``: a good file imports, a bad file writes nothing and lists every bad row."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from lbs.audit.models import AuditEvent
from lbs.extensions import db
from lbs.staffs import services
from lbs.staffs.models import Assignment, Person
from lbs.timeutil import utcnow
from tests import factories

HEADER = "staff;position;person;job_title;organisation;email;phone;rank;valid_from;valid_to\n"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def counts() -> tuple[int, int, int]:
    return count(Person), count(Assignment), count(AuditEvent)


def with_reason(text: str, reason: str = "Efterregistreret") -> str:
    """The file with a ``reason`` column (its rows start in the past, over the demo's logged decisions; a row
    with too few fields stays short)."""
    lines = text.splitlines()
    out = [lines[0] + ";reason"] + [line + f";{reason}" if line.count(";") == 9 else line for line in lines[1:]]
    return "\n".join(out) + "\n"


def write(tmp_path: Path, text: str, *, bom: bool = False, name: str = "roster.csv") -> str:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return str(path)


def test_good_file_imports_everything(app, runner, tmp_path):
    lines = HEADER + (
        "LBS-O;Krisestabskontakt, Herning Kommune;Beredskabsmedarbejder, Herning Kommune;Beredskabsmedarbejder;"
        "Herning Kommune;beredskab@herning.dk;+45 96 28 28 28;1;2026-01-05 08:00;\n"
        "LBS-O;Kommunikation;Pressevagt, Midt- og Vestjyllands Politi;Pressevagt;Midt- og Vestjyllands Politi;;;2;"
        "2026-01-01T00:00:00+01:00;2026-06-01T00:00:00Z\n"
        # a second assignment of a person created earlier in the same file, touching the previous one
        "LBS-O;Kommunikation;Pressevagt, Midt- og Vestjyllands Politi;Pressevagt;Midt- og Vestjyllands Politi;;;2;"
        "2026-06-01T00:00:00Z;\n"
    )
    before = counts()
    result = runner.invoke(args=["lbs", "import-roster", write(tmp_path, with_reason(lines), bom=True)])
    assert result.exit_code == 0, result.output
    assert "imported 3 assignment(s)" in result.output and "2 new person(s)" in result.output
    people, assignments, events = counts()
    assert (people, assignments) == (before[0] + 2, before[1] + 3)
    assert events == before[2] + 5
    staff = factories.staff("LBS-O")
    seat = next(s for s in services.roster_at(staff=staff, at=utcnow()).seats
                if s.position.title == "Krisestabskontakt, Herning Kommune")
    assert [d.person.name for d in seat.deputies] == ["Beredskabsmedarbejder, Herning Kommune"]
    assert seat.deputies[0].person.email == "beredskab@herning.dk"
    # local Copenhagen time (winter: UTC+1)
    assert seat.deputies[0].valid_from.isoformat() == "2026-01-05T07:00:00+00:00"


def test_comma_separated_and_existing_person(app, runner, tmp_path):
    # a comma inside a title needs quoting in a comma file
    text = ("staff,position,person,job_title,organisation,rank,valid_from,reason\n"
            'LBS-O,"Krisestabskontakt, Herning Kommune","Forbindelsesofficer, Forsvaret",Forbindelsesofficer,'
            "Forsvaret,1,2026-02-01 10:00,Efterregistreret\n")
    before = counts()
    result = runner.invoke(args=["lbs", "import-roster", write(tmp_path, text)])
    assert result.exit_code == 0, result.output
    assert "0 new person(s)" in result.output
    assert counts()[:2] == (before[0], before[1] + 1)


def test_bad_file_writes_nothing_and_lists_every_bad_row(app, runner, tmp_path):
    good = ("LBS-O;Kommunikation;Ny;Ny;Midt- og Vestjyllands Politi;;;3;2026-01-01 10:00;\n")
    lines = HEADER + good + (
        "LBS-X;Kommunikation;A;A;Midt- og Vestjyllands Politi;;;1;2026-01-01 10:00;\n"          # row 3
        "LBS-O;Ingen plads;A;A;Midt- og Vestjyllands Politi;;;1;2026-01-01 10:00;\n"            # row 4
        "LBS-O;Kommunikation;A;A;Ukendt organisation;;;1;2026-01-01 10:00;\n"                   # row 5
        "LBS-O;Kommunikation;A;A;Midt- og Vestjyllands Politi;;;-1;2026-01-01 10:00;\n"         # row 6
        "LBS-O;Kommunikation;A;A;Midt- og Vestjyllands Politi;;;1;2026-10-25 02:30;\n"          # row 7 ambiguous
        "LBS-O;Kommunikation;A;A;Midt- og Vestjyllands Politi;;;1;2026-03-29 02:30;\n"          # row 8 skipped
        "LBS-O;Kommunikation;A;A;Midt- og Vestjyllands Politi;;;1;2026-05-01 10:00;2026-04-01 10:00\n"  # row 9
        "LBS-O;Kommunikation;A;A;Midt- og Vestjyllands Politi;;;0;2026-05-01 10:00;\n"          # row 10 overlap DB
        "LBS-O;Kommunikation;;A;Midt- og Vestjyllands Politi;;;1;2026-05-01 10:00;\n"           # row 11 no person
        "LBS-O;Kommunikation;B;B;Midt- og Vestjyllands Politi;;;3;2026-02-01 10:00;\n"          # row 12 overlaps row 2
        "LBS-O;Kommunikation;B;B\n"                                                             # row 13 short
        "LBS-O;Kommunikation;B;B;Midt- og Vestjyllands Politi;;;1;tomorrow;\n"                  # row 14
    )
    before = counts()
    result = runner.invoke(args=["lbs", "import-roster", write(tmp_path, with_reason(lines))])
    assert result.exit_code == 1
    stderr = result.stderr
    for number, reason in [(3, "unknown staff"), (4, "no position"), (5, "unknown organisation"), (6, "rank"),
                           (7, "ambiguous"), (8, "does not exist"), (9, "valid_to"), (10, "overlaps existing"),
                           (11, "person"), (12, "overlaps row 2"), (13, "fields"), (14, "not a time")]:
        line = next((x for x in stderr.splitlines() if x.startswith(f"row {number}:")), None)
        assert line is not None and reason in line, (number, stderr)
    assert "row 2:" not in stderr
    assert "nothing was imported" in stderr
    assert counts() == before


def test_file_level_errors(app, runner, tmp_path):
    before = counts()
    for text, message in [("", "empty"), ("staff;position\n", "missing column"),
                          (HEADER.strip() + ";extra\n", "unknown column"), (HEADER, "no rows")]:
        result = runner.invoke(args=["lbs", "import-roster", write(tmp_path, text)])
        assert result.exit_code == 1 and message in result.stderr, (text, result.stderr)
    latin = tmp_path / "latin.csv"
    latin.write_bytes(HEADER.encode() + "LBS-O;Logfører;Æ;Æ;Forsvaret;;;1;2026-01-01 10:00;\n".encode("latin-1"))
    result = runner.invoke(args=["lbs", "import-roster", str(latin)])
    assert result.exit_code == 1 and "UTF-8" in result.stderr
    missing = runner.invoke(args=["lbs", "import-roster", str(tmp_path / "nope.csv")])
    assert missing.exit_code != 0
    assert counts() == before
