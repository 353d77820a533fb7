""""Tilføj høring" offers the parties whose requirement is not met first, in a group of their own; once the
call-back is appended and the requirement met, the group is gone."""

from __future__ import annotations

import re

from tests.decisions.test_appended_api import _consultation
from tests.decisions.test_appended_web import logged  # noqa: F401  (fixture)


def _groups(page: str) -> dict[str, list[str]]:
    select_html = page.split('name="party"', 1)[1].split("</select>", 1)[0]
    return {label: re.findall(r'value="([^"]+)"', body)
            for label, body in re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', select_html, re.S)}


def test_unmet_parties_come_first_until_met(login, logged):  # noqa: F811
    _incident, decision, api = logged
    client = login("politi")
    unmet = [r["party"] for r in decision["missing_consultations"]]
    assert "657:kommunaldirektoer" in unmet
    groups = _groups(client.get(f"/decisions/{decision['id']}").get_data(as_text=True))
    assert groups["Krævet og ikke opfyldt"] == unmet
    assert set(unmet) <= set(groups["Alle parter"]) and len(groups["Alle parter"]) > len(unmet)

    for party in unmet:
        response = api.post(f"/api/v1/decisions/{decision['id']}/consultations", json=_consultation(party=party))
        assert response.status_code == 201, response.get_json()
    page = client.get(f"/decisions/{decision['id']}").get_data(as_text=True)
    assert _groups(page) == {}
    assert 'value="657:kommunaldirektoer"' in page.split('name="party"', 1)[1].split("</select>", 1)[0]
