"""HTML: the incidents blueprint and the lookup its views share.

Every view of this blueprint lists or shows what lies above incidents (the list is narrowed to what the
reader may see, :mod:`lbs.decisions.scope`; the incident page shows the decision timeline; closing judges the
end against the decisions), so the views live in :mod:`lbs.decisions.incident_list`,
:mod:`lbs.decisions.incident_page` and :mod:`lbs.decisions.closing_views`, registered on this blueprint.
"""

from __future__ import annotations

from flask import Blueprint

from lbs.incidents import services
from lbs.incidents.models import Incident
from lbs.web import load_or_404

bp = Blueprint("incidents", __name__)


def incident_or_404(incident_id: int) -> Incident:
    return load_or_404(lambda: services.get_incident(incident_id))
