"""The accessibility statement follows Digitaliseringsstyrelsen's template: what it covers, the compliance status,
what is known not to conform, how it was prepared and when last reviewed, a concrete contact (configurable) and
the complaint route."""

from __future__ import annotations

import html


def _statement(client) -> str:
    response = client.get("/accessibility")
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def test_the_statement_has_the_templates_sections_in_danish(client):
    page = _statement(client)
    for heading in ("Hvad erklæringen omfatter", "Overholdelsesstatus", "Indhold, der ikke er tilgængeligt",
                    "Manglende overholdelse af lovgivningen om tilgængelighed", "Uforholdsmæssig stor byrde",
                    "Udarbejdelse af denne tilgængelighedserklæring", "Feedback og kontaktoplysninger",
                    "Klagemulighed (håndhævelsesprocedure)"):
        assert f">{heading}</h" in page, heading
    assert "overholder delvist WCAG 2.1 niveau AA" in page
    assert "Zoom til 400 procent" in page  # the honest list of known gaps stays
    assert "skærmlæsere" in page


def test_the_statement_names_the_last_review(client):
    page = _statement(client)
    assert 'Erklæringen blev senest gennemgået den <time datetime="2026-12-07">07.12.2026</time>.' in page


def test_the_contact_is_the_lbs_secretariat_with_a_configured_mailbox(app, client):
    page = _statement(client)
    assert "LBS-sekretariatet ved Midt- og Vestjyllands Politi" in page
    assert '<a href="mailto:mvjp-lbs@politi.dk">mvjp-lbs@politi.dk</a>' in page
    assert 'href="tel:114"' in page
    app.config["LBS_ACCESSIBILITY_CONTACT"] = "tilgaengelighed@example.dk"
    app.config["LBS_ACCESSIBILITY_PHONE"] = "96 14 14 48"
    try:
        page = _statement(client)
    finally:
        app.config["LBS_ACCESSIBILITY_CONTACT"] = "mvjp-lbs@politi.dk"
        app.config["LBS_ACCESSIBILITY_PHONE"] = "114"
    assert 'href="mailto:tilgaengelighed@example.dk"' in page and 'href="tel:96141448">96 14 14 48</a>' in page


def test_the_complaint_route_links_digitaliseringsstyrelsen_and_ligebehandlingsnaevnet(client):
    page = _statement(client)
    assert 'href="https://digst.dk/digital-inklusion/webtilgaengelighed/oplever-du-ikke-tilgaengeligt-indhold/"' in page
    assert 'href="https://ligebehandlingsnaevnet.dk/"' in page
    assert "inden for 10 arbejdsdage" in page


def test_the_statement_in_english(client):
    client.post("/language", data={"lang": "en", "next": "/accessibility"})
    page = _statement(client)
    assert "Compliance status" in page and "Complaint route" in page
    assert "The statement was last reviewed on" in page and "2026-12-07" in page
