"""Costs pages and exports read by a municipality user: its own lines and totals over them, nothing else."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.scoping.world import World, build, leaks


@pytest.fixture
def world(api_as: Any) -> World:
    return build(api_as)


def _text(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _xlsx_text(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    workbook = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    return " ".join(str(cell) for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row)


@pytest.mark.parametrize("incident", ["shared", "bears_only"])
def test_holstebros_ledger_shows_only_its_own_lines_and_totals(login: Any, world: World, incident: str) -> None:
    html = _text(login("holstebro").get(f"/costs/incidents/{getattr(world, incident)}"))
    assert leaks(html) == []
    assert "Herning Kommune" not in html
    assert "12.345,67" in html and "Holstebro forplejning" in html


def test_the_ledger_is_narrowed_after_everything_was_kept(login: Any, client: Any, world: World) -> None:
    """The police's reading fills the per-worker caches (sums, chart); Holstebro's must not come from them."""
    police = _text(login("politi").get(f"/costs/incidents/{world.shared}"))
    assert "Herning-hemmelig-beskrivelse" in police and "987.654,32" in police
    client.post("/logout")
    html = _text(login("holstebro").get(f"/costs/incidents/{world.shared}"))
    assert leaks(html) == []
    client.post("/logout")
    herning = _text(login("herning").get(f"/costs/incidents/{world.shared}"))
    assert "Herning-hemmelig-beskrivelse" in herning and "Holstebro forplejning" not in herning


def test_an_incident_out_of_scope_has_no_ledger_nor_exports(login: Any, world: World) -> None:
    client = login("holstebro")
    for suffix in ("", "/costs.csv", "/costs.xlsx"):
        assert client.get(f"/costs/incidents/{world.herning_only}{suffix}").status_code == 404


def test_incident_exports_hold_only_holstebros_lines(login: Any, world: World) -> None:
    client = login("holstebro")
    for incident in (world.shared, world.bears_only):
        csv = _text(client.get(f"/costs/incidents/{incident}/costs.csv"))
        assert leaks(csv) == [] and "Holstebro forplejning" in csv
        xlsx = _xlsx_text(client.get(f"/costs/incidents/{incident}/costs.xlsx"))
        assert leaks(xlsx) == [] and "Herning Kommune" not in xlsx and "Holstebro forplejning" in xlsx


def test_police_exports_hold_every_bearer(login: Any, world: World) -> None:
    client = login("politi")
    csv = _text(client.get(f"/costs/incidents/{world.shared}/costs.csv"))
    assert "Herning-hemmelig-beskrivelse" in csv and "Holstebro forplejning" in csv
    xlsx = _xlsx_text(client.get(f"/costs/incidents/{world.shared}/costs.xlsx"))
    assert "Herning Kommune" in xlsx and "Holstebro Kommune" in xlsx
    assert client.get("/costs/municipalities/657/costs.csv").status_code == 200


def test_a_municipality_exports_only_its_own_ledger(login: Any, client: Any, world: World) -> None:
    holstebro = login("holstebro")
    for suffix in ("csv", "xlsx"):
        assert holstebro.get(f"/costs/municipalities/657/costs.{suffix}").status_code == 404
    own = _text(holstebro.get("/costs/municipalities/661/costs.csv"))
    assert leaks(own) == [] and "Holstebro forplejning" in own
    assert leaks(_xlsx_text(holstebro.get("/costs/municipalities/661/costs.xlsx"))) == []
    client.post("/logout")
    herning = _text(login("herning").get("/costs/municipalities/657/costs.csv"))
    assert "Herning-hemmelig-beskrivelse" in herning


def test_holstebros_dashboard_and_line_pages(login: Any, world: World) -> None:
    client = login("holstebro")
    dashboard = _text(client.get("/costs/"))
    assert leaks(dashboard) == [] and "Kun Herning" not in dashboard
    for line in world.holstebro_lines:
        assert leaks(_text(client.get(f"/costs/lines/{line}"))) == []
    for line in world.herning_lines + world.region_lines:
        assert client.get(f"/costs/lines/{line}").status_code == 404


def test_herning_reads_its_own_in_every_incident(login: Any, world: World) -> None:
    client = login("herning")
    for incident in (world.herning_only, world.shared, world.bears_only):
        html = _text(client.get(f"/costs/incidents/{incident}"))
        assert "Herning-hemmelig-beskrivelse" in html
        assert "Holstebro forplejning" not in html and "Region-beskrivelse-xyz" not in html
    assert "987.654,32" in _text(client.get("/costs/"))
