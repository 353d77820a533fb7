"""An incident in the API shape."""

from __future__ import annotations

from typing import Any

from lbs.incidents.models import Incident


def incident_json(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.id, "title": incident.title, "kind": incident.kind.value,
        "started_at": incident.started_at.isoformat(),
        "ended_at": incident.ended_at.isoformat() if incident.ended_at else None,
        "municipalities": [m.code for m in incident.municipalities], "status": incident.status.value,
        "exercise": incident.exercise, "description": incident.description,
    }
