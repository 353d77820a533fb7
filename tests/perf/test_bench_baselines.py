"""The bench's plain-SQL baselines fetch the rows the app's pages and lists show (a floor for the same work)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bench import run as bench


@pytest.fixture
def plain(database_url: str) -> Any:
    connection = bench.Plain(database_url)
    yield connection
    connection.close()


def _largest_incident(plain: Any) -> int:
    return int(plain.rows("SELECT incident_id, count(*) FROM decisions GROUP BY incident_id "
                          "ORDER BY 2 DESC, 1 LIMIT 1")[0][0])


def test_the_api_list_baseline_fetches_the_lists_decisions_with_their_children(app, api_as, plain) -> None:
    incident_id = _largest_incident(plain)
    listed = api_as("politi").get(f"/api/v1/incidents/{incident_id}/decisions?limit=1000").get_json()
    floor = json.loads(bench.baseline_api_list(plain, incident_id, 1000))
    assert [d["number"] for d in floor] == [d["number"] for d in listed] and len(listed) > 1
    assert [len(d["costs"]) for d in floor] == [len(d["costs"]) for d in listed]
    assert [len(d["consultations"]) for d in floor] == [len(d["consultations"]) for d in listed]


def test_the_review_baseline_fetches_a_page_of_decisions_with_the_roster_at_each(app, plain) -> None:
    incident_id = _largest_incident(plain)
    decisions = int(plain.value("SELECT count(*) FROM decisions WHERE incident_id = ?", (incident_id,)))
    floor = json.loads(bench.baseline_review(plain, incident_id, 3))
    assert [d["number"] for d in floor["decisions"]] == list(range(1, min(3, decisions) + 1))
    assert floor["incident"][0]["id"] == incident_id
    for decision in floor["decisions"]:
        # every seat of the decision's staff, held or not, as of the decision's time
        seats = int(plain.value("SELECT count(*) FROM positions WHERE staff_id = ?", (decision["staff_id"],)))
        assert len({row["title"] for row in decision["roster"]}) == seats > 0
        assert any(row["name"] for row in decision["roster"])
    assert floor["totals"], "the demo incident's cost lines are summed per bearer"


@pytest.mark.parametrize("name", ["incident_page", "ledger", "dashboard"])
def test_the_page_baselines_return_rows(app, plain, name: str) -> None:
    incident_id = _largest_incident(plain)
    if name == "dashboard":
        herning = int(plain.value("SELECT organisation_id FROM municipalities WHERE name = 'Herning'"))
        floor = json.loads(bench.baseline_dashboard(plain, herning, 100))
    else:
        floor = json.loads(getattr(bench, f"baseline_{name}")(plain, incident_id, 50))
    assert floor["rows"]


def _partial(database: str, started: str, finished: str, probe: float, load: tuple[float, float]) -> dict[str, Any]:
    return {"scale": "large", "started_at": started, "finished_at": finished,
            "machine": {"nproc": 2, "speed_probe_ms_start": probe, "loadavg_start": [load[0], 0, 0],
                        "loadavg_end": [load[1], 0, 0]},
            "databases": [{"database": database, "reads": []}]}


def test_merged_partial_runs_keep_each_runs_own_times_and_machine() -> None:
    sqlite = _partial("sqlite", "2026-12-03T20:01:23+00:00", "2026-12-03T20:18:55+00:00", 62.6, (1.4, 1.0))
    postgresql = _partial("postgresql", "2026-12-04T02:30:09+00:00", "2026-12-04T02:42:58+00:00", 48.2, (0.2, 1.1))
    results = bench.merged([sqlite, postgresql])
    assert [d["database"] for d in results["databases"]] == ["sqlite", "postgresql"]
    assert (results["started_at"], results["finished_at"]) == (sqlite["started_at"], postgresql["finished_at"])
    assert results["machine"]["loadavg_start"][0] == 0.2 and results["machine"]["loadavg_end"][0] == 1.1
    assert [(p["databases"], p["machine"]["speed_probe_ms_start"]) for p in results["parts"]] == [
        (["sqlite"], 62.6), (["postgresql"], 48.2)]
    assert "parts" not in sqlite and len(sqlite["databases"]) == 1  # the parts are left as they were
