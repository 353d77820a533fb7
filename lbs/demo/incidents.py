"""Demo incidents: the Herning cloudburst with decisions 1–6, and a snowstorm exercise.

Decisions go through the real log service, so numbers and hash chains are exactly as in production.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from lbs.auth.models import User
from lbs.consultation.facts import DecisionType
from lbs.consultation.models import Mode, Outcome
from lbs.costs.models import CostChange
from lbs.decisions.draft import ConsultationDraft, CostDraft, DecisionDraft
from lbs.decisions.log import log_decision
from lbs.decisions.models import CostCategory, CostLine, CostStatus
from lbs.extensions import db
from lbs.incidents import services as incidents
from lbs.incidents.models import Incident, IncidentKind, Readiness
from lbs.organisations.models import Organisation
from lbs.staffs.models import Person

DEMO_TITLE = "DEMO: Skybrud og oversvømmelse i Herning midtby"
EXERCISE_TITLE = "ØVELSE: Snestorm i Thisted, Morsø, Lemvig og Struer"


def _org(name: str) -> Organisation:
    return db.session.scalars(select(Organisation).where(Organisation.name == name)).one()


def _person(name: str) -> int:
    return db.session.scalars(select(Person.id).where(Person.name == name)).one()


def _c(party: str, at: datetime, mode: Mode, outcome: Outcome, channel: str | None = None,
       note: str | None = None) -> ConsultationDraft:
    return ConsultationDraft(party=party, consulted_at=at, mode=mode, outcome=outcome, channel=channel, note=note)


def _log(incident: Incident, at: datetime, **fields: Any) -> int:
    draft = DecisionDraft(decided_at=at, **fields)
    decision = log_decision(incident=incident, draft=draft, by=None,
                                     now=at + timedelta(minutes=4)).decision
    return decision.id


def seed(now: datetime) -> None:
    """The cloudburst in Herning: six decisions logged through the real service, then the exercise.

    Long on purpose: the decisions read as the incident's story, in order, each with the facts an inquiry asks
    for; split into pieces they would no longer read as one night."""
    police = _org("Midt- og Vestjyllands Politi")
    herning = _org("Herning Kommune")
    region = _org("Region Midtjylland")
    brs_midt = _org("Beredskabsstyrelsen Midtjylland")
    pi, pd = _person("Politiinspektør (stabschef)"), _person("Politidirektør")
    kd = _person("Kommunaldirektør, Herning Kommune")
    M, Oc = Mode, Outcome
    T = DecisionType
    C = CostCategory

    start = now - timedelta(hours=8)
    demo = incidents.create_incident(
        title=DEMO_TITLE, kind=IncidentKind.FLOOD, started_at=start, municipality_codes=["657"], by=None,
        description="Demonstrationsdata: et skybrud over Herning midtby med oversvømmede kældre og veje.")
    incidents.add_activation(incident=demo, staff_code="LBS-O", readiness=Readiness.ACTIVATED,
                             active_from=start + timedelta(minutes=20), by=None)
    incidents.add_activation(incident=demo, staff_code="LBS-S", readiness=Readiness.ACTIVATED,
                             active_from=start + timedelta(minutes=55), by=None)

    t1 = start + timedelta(minutes=35)
    _log(demo, t1, staff="LBS-O", decided_by_id=pi, owner_id=police.id, type=T.CORDON,
         title="Afspærring af Bredgade og Østergade",
         decision="Politiet afspærrer Bredgade og Østergade mellem Torvet og Gullestrupvej for al trafik.",
         information="Vand op til 50 cm på kørebanen; to biler er kørt fast.",
         options=[{"text": "Kun skiltning", "chosen": False, "rejection_reason": "Bilister kører alligevel ind"},
                  {"text": "Fuld afspærring", "chosen": True, "rejection_reason": None}],
         rationale="Personsikkerhed: strømmende vand og skjulte kloakdæksler.",
         legal_basis="Beredskabsloven § 17, stk. 2; politiloven § 6",
         expected_outcome="Ingen køretøjer i det oversvømmede område.",
         consultations=[_c("657:repraesentant", t1 - timedelta(minutes=3), M.INFORM, Oc.AGREED, "telefon")])

    t2 = start + timedelta(hours=1, minutes=20)
    _log(demo, t2, staff="LBS-S", decided_by_id=pd, owner_id=police.id, type=T.EVACUATION,
         title="Anbefalet evakuering af ca. 120 beboere i Nørregade-kvarteret",
         decision="Politiet anbefaler evakuering af ca. 120 beboere; kommunen modtager, indkvarterer og forpleger.",
         information="Prognose: yderligere 30 mm regn inden for to timer; kældre og stuelejligheder oversvømmes.",
         options=[{"text": "Påbudt evakuering", "chosen": False,
                   "rejection_reason": "Ikke nødvendigt; beboerne følger anbefalingen"},
                  {"text": "Anbefalet evakuering", "chosen": True, "rejection_reason": None}],
         rationale="Risiko for liv og helbred i stuelejligheder; anbefaling er tilstrækkelig.",
         legal_basis="Beredskabsloven § 17, stk. 2 (politiet); § 12, stk. 1 (kommunens modtagelse)",
         expected_outcome="Alle beboere ude inden kl. 23.", conditions={"statutory_before_grant": True},
         costs=[CostDraft(herning.id, C.EMERGENCY_ACCOMMODATION, Decimal("100000.00"), False,
                          "Nødindkvartering, 80–120 t.kr."),
                CostDraft(herning.id, C.CATERING, Decimal("50000.00"), False, "Forplejning, 40–60 t.kr."),
                CostDraft(herning.id, C.EVACUATION_TRANSPORT, Decimal("25000.00"), False, "Busser")],
         consultations=[
             _c("657:repraesentant", t2 - timedelta(minutes=10), M.CONSULT, Oc.AGREED, "stabsmøde"),
             _c("brand:bmv", t2 - timedelta(minutes=10), M.CONSULT, Oc.AGREED, "stabsmøde"),
             # The kommunaldirektør approves the municipality's costs (R5 requires an approval).
             _c("657:kommunaldirektoer", t2 - timedelta(minutes=8), M.APPROVE, Oc.AGREED, "stabsmøde"),
             _c("657:oekonomi", t2 + timedelta(minutes=30), M.INFORM, Oc.AGREED, "e-mail",
                "Lovbundne udgifter afholdes før bevilling; tillægsbevilling følger."),
         ])

    t3 = start + timedelta(hours=1, minutes=45)
    _log(demo, t3, staff="LBS-S", decided_by_id=kd, owner_id=herning.id, type=T.SHELTER,
         title="Evakueringscenter i Herning Hallen",
         decision="Herning Kommune åbner evakueringscenter i den kommunale idrætshal med 150 pladser.",
         rationale="Hallen ligger tørt, har bade og køkken og er ledig i weekenden.",
         legal_basis="Beredskabsloven § 12, stk. 1",
         costs=[CostDraft(herning.id, C.EMERGENCY_ACCOMMODATION, Decimal("150000.00"), False,
                          "Drift af evakueringscenter")],
         consultations=[
             _c("657:kommunaldirektoer", t3 - timedelta(minutes=5), M.APPROVE, Oc.AGREED, "stabsmøde"),
             _c("657:repraesentant", t3 - timedelta(minutes=5), M.CONSULT, Oc.AGREED, "stabsmøde"),
         ])

    t4 = start + timedelta(hours=2, minutes=30)
    _log(demo, t4, staff="LBS-O", decided_by_id=pi, owner_id=police.id, type=T.ASSISTANCE_REQUEST,
         title="Højtydende pumper fra Beredskabsstyrelsen",
         decision="Der anmodes om to højtydende pumper med mandskab fra Beredskabsstyrelsen Midtjylland.",
         rationale="Kommunens egne pumper har ikke kapacitet til at tømme Nørregade-tunnelen.",
         # The provisional cost line makes the bearer uncertain (R8); the assisting agency is consulted (R10).
         conditions={"assisting_organisation_ids": [brs_midt.id]},
         costs=[CostDraft(herning.id, C.EXTERNAL_ASSISTANCE, Decimal("80000.00"), True,
                          "Pumper og mandskab; betaler afklares (foreløbig Herning Kommune)")],
         consultations=[
             _c("brs:midt", t4 - timedelta(minutes=6), M.CONSULT, Oc.AGREED, "telefon"),
             _c("657:repraesentant", t4 - timedelta(minutes=4), M.CONSULT, Oc.AGREED_WITH_RESERVATION, "telefon",
                "Kommunen tager forbehold for betalingen."),
             _c("politi:formand", t4 - timedelta(minutes=2), M.CONSULT, Oc.AGREED, "telefon"),
         ])

    t5 = start + timedelta(hours=3, minutes=10)
    d5 = _log(demo, t5, staff="LBS-S", decided_by_id=kd, owner_id=herning.id, type=T.EVACUATION,
              title="Flytning af beboere fra plejecentret Fruehøjgaard",
              decision="34 beboere flyttes til plejecenter Bakkehuset; AMK sørger for liggende transport.",
              information="Kælderen under plejecentret er oversvømmet; nødstrøm usikker.",
              rationale="Sårbare borgere kan ikke evakueres sent på natten, hvis strømmen går.",
              conditions={"vulnerable": True, "disputed": True, "disputed_bearer_ids": [herning.id, region.id]},
              costs=[CostDraft(herning.id, C.EVACUATION_TRANSPORT, Decimal("35000.00"), True,
                               "Liggende transport; omtvistet mellem Herning Kommune og Region Midtjylland")],
              consultations=[
                  _c("amk:midt", t5 - timedelta(minutes=12), M.CONSULT, Oc.AGREED, "telefon"),
                  _c("657:socialdirektoer", t5 - timedelta(minutes=10), M.CONSULT, Oc.AGREED, "telefon"),
                  _c("region:midt", t5 - timedelta(minutes=8), M.CONSULT, Oc.OBJECTED, "telefon",
                     "Regionen mener, at kommunen skal betale transporten."),
                  _c("politi:formand", t5 - timedelta(minutes=5), M.CONSULT, Oc.AGREED, "stabsmøde"),
              ])
    herning_user = db.session.scalars(select(User).where(User.username == "herning")).first()
    line = db.session.scalars(select(CostLine).where(CostLine.decision_id == d5)).one()
    line.status = CostStatus.DISPUTED
    line.note = f"Omtvistet: {region.name} mener, at kommunen bærer transporten."
    if herning_user is not None:
        db.session.add(CostChange(cost_line_id=line.id, at=t5 + timedelta(hours=1), by_id=herning_user.id,
                                  field="status", old="estimated", new="disputed"))

    t6 = start + timedelta(hours=4, minutes=5)
    _log(demo, t6, staff="LBS-O", decided_by_id=pi, owner_id=police.id, type=T.WARNING, urgent=True,
         title="Advarsel på DR P4 Midt & Vest",
         decision="Borgere i Herning midtby opfordres via radioen til at blive indendørs og undgå kældre.",
         rationale="Nyt skybrud ramte byen; ingen tid til at samle staben.",
         legal_basis="Beredskabsloven § 17, stk. 2",
         missing_reason="Truffet uden for møde; staben orienteres på næste stabsmøde.",
         consultations=[
             _c("657:kommunikation", t6 + timedelta(minutes=2), M.INFORM, Oc.AGREED, "telefon"),
             _c("politi:kommunikation", t6, M.INFORM, Oc.AGREED, "telefon"),
             _c("region:midt:kommunikation", t6 + timedelta(minutes=3), M.INFORM, Oc.NO_ANSWER, "sms"),
             _c("politi:stab", t6 + timedelta(minutes=3), M.INFORM, Oc.NO_ANSWER, "sms",
                "Orientering på næste stabsmøde."),
         ])

    _seed_exercise(now)


def _seed_exercise(now: datetime) -> None:
    police = _org("Midt- og Vestjyllands Politi")
    thisted = _org("Thisted Kommune")
    pi, pd = _person("Politiinspektør (stabschef)"), _person("Politidirektør")
    start = now - timedelta(days=20)
    exercise = incidents.create_incident(
        title=EXERCISE_TITLE, kind=IncidentKind.SEVERE_WEATHER, started_at=start,
        municipality_codes=["787", "773", "665", "671"], exercise=True, by=None,
        description="Øvelse: snestorm med lukkede veje og strømsvigt på tværs af to regioner.")
    incidents.add_activation(incident=exercise, staff_code="LBS-S", readiness=Readiness.ACTIVATED,
                             active_from=start + timedelta(minutes=30), active_until=start + timedelta(hours=10),
                             by=None)
    t1 = start + timedelta(hours=1)
    _log(exercise, t1, staff="LBS-S", decided_by_id=pd, owner_id=police.id, type=DecisionType.CLOSURE,
         title="Lukning af rute 11 mellem Thisted og Struer",
         decision="Rute 11 lukkes for al trafik undtagen udrykning.", rationale="Snedriver og fastkørte lastbiler.",
         consultations=[_c("787:repraesentant", t1, Mode.CONSULT, Outcome.AGREED, "stabsmøde"),
                        _c("671:repraesentant", t1, Mode.CONSULT, Outcome.AGREED, "stabsmøde")])
    t2 = start + timedelta(hours=3)
    _log(exercise, t2, staff="LBS-S", decided_by_id=pd, owner_id=thisted.id, type=DecisionType.EVACUATION,
         title="Flytning af beboere fra plejehjem i Hanstholm",
         decision="Beboerne flyttes til Thisted; AMK Nordjylland koordinerer transporten.",
         rationale="Strømsvigt i mere end 12 timer.", conditions={"vulnerable": True},
         costs=[CostDraft(thisted.id, CostCategory.EVACUATION_TRANSPORT, Decimal("40000.00"), False, None)],
         consultations=[_c("amk:nord", t2, Mode.CONSULT, Outcome.AGREED, "telefon"),
                        _c("787:socialdirektoer", t2, Mode.CONSULT, Outcome.AGREED, "telefon")])
    t3 = start + timedelta(hours=4)
    _log(exercise, t3, staff="LBS-O", decided_by_id=pi, owner_id=police.id, type=DecisionType.WARNING,
         title="Opfordring: bliv hjemme", decision="Borgerne i de fire kommuner opfordres til at blive hjemme.",
         rationale="Vejene er ufremkommelige.", urgent=True,
         consultations=[_c(f"{code}:kommunikation", t3, Mode.INFORM, Outcome.AGREED, "e-mail")
                        for code in ("787", "773", "665", "671")])
