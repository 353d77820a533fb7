"""The demo district: Midt- og Vestjyllands Politi and its 11 municipalities.

People are seeded by office title only; no private data. Budgets are round demo figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from lbs.audit import services as audit
from lbs.auth import services as auth_services
from lbs.auth.models import User
from lbs.consultation.models import Party
from lbs.extensions import db
from lbs.organisations.models import District, Municipality, Organisation, OrgKind
from lbs.staffs.models import Assignment, Person, Position, Staff, StaffLevel
from lbs.timeutil import utcnow

POLICE = "Midt- og Vestjyllands Politi"
FIRE_SERVICES = {
    "bmv": "Brand & Redning MidtVest",
    "nvb": "Nordvestjyllands Brandvæsen",
    "mbr": "Midtjysk Brand & Redning",
    "njb": "Nordjyllands Beredskab",
}


@dataclass(frozen=True)
class MunicipalityData:
    code: str
    name: str
    fire: str
    region: str
    budget_mio: int


MUNICIPALITIES = [
    MunicipalityData("657", "Herning", "bmv", "Midtjylland", 6800),
    MunicipalityData("756", "Ikast-Brande", "bmv", "Midtjylland", 3400),
    MunicipalityData("760", "Ringkøbing-Skjern", "bmv", "Midtjylland", 4600),
    MunicipalityData("661", "Holstebro", "nvb", "Midtjylland", 4400),
    MunicipalityData("665", "Lemvig", "nvb", "Midtjylland", 1500),
    MunicipalityData("671", "Struer", "nvb", "Midtjylland", 1700),
    MunicipalityData("779", "Skive", "nvb", "Midtjylland", 3800),
    MunicipalityData("791", "Viborg", "mbr", "Midtjylland", 7500),
    MunicipalityData("740", "Silkeborg", "mbr", "Midtjylland", 7400),
    MunicipalityData("787", "Thisted", "njb", "Nordjylland", 3600),
    MunicipalityData("773", "Morsø", "njb", "Nordjylland", 1700),
]

# Demo thresholds (domain.md): Herning T1 = 50.000 kr., T2 = 250.000 kr.; the same defaults elsewhere.
DEFAULT_T1 = Decimal("50000.00")
DEFAULT_T2 = Decimal("250000.00")

DEMO_USERS = [
    ("politi", "police", None, "Politi (demo)"),
    ("herning", "municipality", "657", "Herning Kommune (demo)"),
    ("holstebro", "municipality", "661", "Holstebro Kommune (demo)"),
    ("revisor", "reviewer", None, "Revisor (demo)"),
    ("admin", "admin", None, "Administrator (demo)"),
]
DEMO_PASSWORD = "demo"


def database_is_empty() -> bool:
    organisations = db.session.scalar(select(func.count()).select_from(Organisation)) or 0
    users = db.session.scalar(select(func.count()).select_from(User)) or 0
    return organisations == 0 and users == 0


class _Builder:
    """Creates the district; keeps handles by short key for the later steps."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        # Seats have been held since the start of the year (demo), some changed recently.
        self.since = datetime(now.year, 1, 1, tzinfo=now.tzinfo) - timedelta(days=365)
        self.orgs: dict[str, Organisation] = {}
        self.municipalities: dict[str, Municipality] = {}
        self.positions: dict[str, Position] = {}
        self.sort = 0

    def org(
        self, key: str, name: str, kind: OrgKind, parent: str | None = None, short: str | None = None
    ) -> Organisation:
        org = Organisation(name=name, kind=kind, parent=self.orgs.get(parent) if parent else None, short_name=short)
        db.session.add(org)
        self.orgs[key] = org
        return org

    def person(self, title: str, org: Organisation, email: str | None = None, phone: str | None = None) -> Person:
        person = Person(name=title, job_title=title.split(",")[0], organisation=org, email=email, phone=phone)
        db.session.add(person)
        return person

    def seat(
        self,
        key: str,
        staff: Staff,
        title: str,
        org: Organisation,
        holders: list[str],
        *,
        mandatory: bool = True,
        min_deputies: int = 1,
    ) -> Position:
        self.sort += 1
        position = Position(staff=staff, title=title, organisation=org, mandatory=mandatory,
                            min_deputies=min_deputies, sort_order=self.sort)
        db.session.add(position)
        self.positions[key] = position
        for rank, holder in enumerate(holders):
            db.session.add(Assignment(position=position, person=self.person(holder, org), rank=rank,
                                      valid_from=self.since))
        return position


def seed(now: datetime | None = None) -> None:
    """Load the demo district into an empty database (the caller checks emptiness and commits).

    Long on purpose: it is the district written out, organisation by organisation and seat by seat, so that it
    reads like the list in the domain description; each line is data, not logic."""
    now = now or utcnow()
    b = _Builder(now)
    K = OrgKind

    police = b.org("police", POLICE, K.POLICE, short="MVJP")
    db.session.add(District(number=1462, name=POLICE, headquarters="Holstebro", organisation=police))
    b.org("region_midt", "Region Midtjylland", K.REGION)
    b.org("amk_midt", "Præhospitalet (AMK), Region Midtjylland", K.REGION, parent="region_midt")
    b.org("region_nord", "Region Nordjylland", K.REGION)
    b.org("amk_nord", "AMK, Region Nordjylland", K.REGION, parent="region_nord")
    b.org("brs", "Beredskabsstyrelsen", K.STATE_AGENCY)
    b.org("brs_midt", "Beredskabsstyrelsen Midtjylland", K.STATE_AGENCY, parent="brs")
    b.org("brs_nord", "Beredskabsstyrelsen Nordjylland", K.STATE_AGENCY, parent="brs")
    b.org("hjv", "Hjemmeværnsdistrikt Midt- og Vestjylland", K.HOME_GUARD)
    b.org("forsvaret", "Forsvaret", K.DEFENCE)
    for key, name in FIRE_SERVICES.items():
        b.org(key, name, K.FIRE_SERVICE)
    for m in MUNICIPALITIES:
        org = b.org(m.code, f"{m.name} Kommune", K.MUNICIPALITY)
        region_key = "region_midt" if m.region == "Midtjylland" else "region_nord"
        municipality = Municipality(
            code=m.code, name=m.name, organisation=org, region=m.region,
            region_organisation=b.orgs[region_key], fire_service=b.orgs[m.fire],
            budget_dkk=Decimal(m.budget_mio) * 1_000_000, threshold_t1_dkk=DEFAULT_T1, threshold_t2_dkk=DEFAULT_T2,
        )
        db.session.add(municipality)
        b.municipalities[m.code] = municipality
    db.session.flush()

    lbs_s = Staff(code="LBS-S", name="Lokal beredskabsstab – strategisk", level=StaffLevel.STRATEGIC)
    lbs_o = Staff(code="LBS-O", name="Lokal beredskabsstab – operativ", level=StaffLevel.OPERATIVE, parent=lbs_s)
    db.session.add_all([lbs_s, lbs_o])

    o = b.orgs
    # LBS-S: the strategic level.
    b.seat("s_chair", lbs_s, "Politidirektør (formand)", police,
           ["Politidirektør", "Vicepolitidirektør", "Stabschef, Midt- og Vestjyllands Politi"], min_deputies=2)
    for m in MUNICIPALITIES:
        b.seat(f"s_kd_{m.code}", lbs_s, f"Kommunaldirektør, {m.name} Kommune", o[m.code],
               [f"Kommunaldirektør, {m.name} Kommune", f"Teknisk direktør, {m.name} Kommune"])
    for key, name in FIRE_SERVICES.items():
        b.seat(f"s_fire_{key}", lbs_s, f"Beredskabsdirektør, {name}", o[key],
               [f"Beredskabsdirektør, {name}", f"Vicedirektør, {name}"])
    b.seat("s_amk_midt", lbs_s, "Præhospital direktør, Region Midtjylland", o["amk_midt"],
           ["Præhospital direktør, Region Midtjylland", "Vicedirektør, Præhospitalet, Region Midtjylland"])
    b.seat("s_amk_nord", lbs_s, "Præhospital chef, Region Nordjylland", o["amk_nord"],
           ["Præhospital chef, Region Nordjylland", "Vicechef, Præhospitalet, Region Nordjylland"])
    b.seat("s_brs_midt", lbs_s, "Centerchef, Beredskabsstyrelsen Midtjylland", o["brs_midt"],
           ["Centerchef, Beredskabsstyrelsen Midtjylland", "Souschef, Beredskabsstyrelsen Midtjylland"])
    b.seat("s_brs_nord", lbs_s, "Centerchef, Beredskabsstyrelsen Nordjylland", o["brs_nord"],
           ["Centerchef, Beredskabsstyrelsen Nordjylland", "Souschef, Beredskabsstyrelsen Nordjylland"])
    b.seat("s_hjv", lbs_s, "Distriktschef, Hjemmeværnsdistrikt Midt- og Vestjylland", o["hjv"],
           ["Distriktschef, Hjemmeværnsdistrikt Midt- og Vestjylland",
            "Stabschef, Hjemmeværnsdistrikt Midt- og Vestjylland"])
    b.seat("s_forsvaret", lbs_s, "Forbindelsesofficer, Forsvaret", o["forsvaret"],
           ["Forbindelsesofficer, Forsvaret"], mandatory=False, min_deputies=0)

    # LBS-O: the operative level.
    b.seat("o_chief", lbs_o, "Stabschef (politiinspektør)", police,
           ["Politiinspektør (stabschef)", "Vicepolitiinspektør"])
    logkeeper = b.seat("o_log", lbs_o, "Logfører", police, [], min_deputies=1)
    # The logkeeper seat changed hands two weeks ago: the as-of view of last month shows the old holder.
    changed = now - timedelta(days=14)
    old_keeper = b.person("Logfører A, Midt- og Vestjyllands Politi", police)
    new_keeper = b.person("Logfører B, Midt- og Vestjyllands Politi", police)
    deputy_keeper = b.person("Logfører C, Midt- og Vestjyllands Politi", police)
    db.session.add_all([
        Assignment(position=logkeeper, person=old_keeper, rank=0, valid_from=b.since, valid_to=changed),
        Assignment(position=logkeeper, person=new_keeper, rank=0, valid_from=changed),
        Assignment(position=logkeeper, person=deputy_keeper, rank=1, valid_from=b.since),
    ])
    b.seat("o_situation", lbs_o, "Situationsbillede", police,
           ["Situationsbilledansvarlig, Midt- og Vestjyllands Politi",
            "Situationsbilledansvarlig (stedfortræder), Midt- og Vestjyllands Politi"])
    b.seat("o_comms", lbs_o, "Kommunikation", police,
           ["Kommunikationschef, Midt- og Vestjyllands Politi",
            "Kommunikationsmedarbejder, Midt- og Vestjyllands Politi"])
    b.seat("o_isl_brand", lbs_o, "Vagthavende indsatsleder (ISL-BRAND)", o["bmv"],
           ["Vagthavende indsatsleder, Brand & Redning MidtVest",
            "Indsatsleder (stedfortræder), Brand & Redning MidtVest"])
    # Herning's crisis staff contact has no deputy yet: the demo roster shows that gap.
    b.seat("o_herning", lbs_o, "Krisestabskontakt, Herning Kommune", o["657"],
           ["Beredskabskoordinator, Herning Kommune"], min_deputies=1)
    b.seat("o_amk", lbs_o, "AMK-koordinator, Region Midtjylland", o["amk_midt"],
           ["AMK-vagtchef, Region Midtjylland", "AMK-koordinator (stedfortræder), Region Midtjylland"])
    b.seat("o_brs", lbs_o, "Vagthavende officer, Beredskabsstyrelsen Midtjylland", o["brs_midt"],
           ["Vagthavende officer, Beredskabsstyrelsen Midtjylland"], min_deputies=0)
    b.seat("o_hjv", lbs_o, "Vagthavende officer, Hjemmeværnsdistrikt Midt- og Vestjylland", o["hjv"],
           ["Vagthavende officer, Hjemmeværnsdistrikt Midt- og Vestjylland"], min_deputies=0)
    db.session.flush()

    _seed_parties(b)
    _seed_users()
    audit.record(by=None, action="demo.seed", object_type="district", object_id=1462,
                 summary="demo district loaded (seed-demo)")
    db.session.flush()


def _party(key: str, name: str, role: str, org: Organisation, *, municipality: str | None = None,
           position: Position | None = None) -> None:
    db.session.add(Party(key=key, name=name, role=role, organisation=org, municipality_code=municipality,
                         position_id=position.id if position else None))


def _seed_parties(b: _Builder) -> None:
    """Consultation parties: roles, linked to the staff seat where the role has one."""
    o, p = b.orgs, b.positions
    _party("politi:formand", "LBS-formand (Politidirektør)", "lbs_chair", o["police"], position=p["s_chair"])
    _party("politi:stab", "Hele staben (LBS-S og LBS-O)", "whole_staff", o["police"])
    _party("politi:kommunikation", "Kommunikation, Midt- og Vestjyllands Politi", "kommunikation", o["police"],
           position=p["o_comms"])
    for m in MUNICIPALITIES:
        org = o[m.code]
        kd = p[f"s_kd_{m.code}"]
        representative = p["o_herning"] if m.code == "657" else kd
        _party(f"{m.code}:repraesentant", f"LBS-repræsentant, {m.name} Kommune", "representative", org,
               municipality=m.code, position=representative)
        _party(f"{m.code}:kommunaldirektoer", f"Kommunaldirektør, {m.name} Kommune", "kommunaldirektoer", org,
               municipality=m.code, position=kd)
        _party(f"{m.code}:borgmester", f"Borgmester, {m.name} Kommune", "borgmester", org, municipality=m.code)
        _party(f"{m.code}:oekonomiudvalg", f"Økonomi- og Erhvervsudvalget, {m.name} Kommune", "oekonomiudvalg",
               org, municipality=m.code)
        _party(f"{m.code}:byraad", f"Byrådet, {m.name} Kommune", "byraad", org, municipality=m.code)
        _party(f"{m.code}:socialdirektoer", f"Socialdirektør, {m.name} Kommune", "socialdirektoer", org,
               municipality=m.code)
        _party(f"{m.code}:oekonomi", f"Økonomichef, {m.name} Kommune", "oekonomi", org, municipality=m.code)
        _party(f"{m.code}:kommunikation", f"Kommunikationschef, {m.name} Kommune", "kommunikation", org,
               municipality=m.code)
    for key, name in FIRE_SERVICES.items():
        _party(f"brand:{key}", f"Beredskabsdirektør, {name}", "representative", o[key], position=p[f"s_fire_{key}"])
    _party("amk:midt", "AMK, Region Midtjylland", "representative", o["amk_midt"], position=p["o_amk"])
    _party("amk:nord", "AMK, Region Nordjylland", "representative", o["amk_nord"], position=p["s_amk_nord"])
    _party("region:midt:kommunikation", "Kommunikation, Region Midtjylland", "kommunikation", o["region_midt"])
    _party("region:nord:kommunikation", "Kommunikation, Region Nordjylland", "kommunikation", o["region_nord"])
    _party("region:midt", "Region Midtjylland", "representative", o["region_midt"], position=p["s_amk_midt"])
    _party("region:nord", "Region Nordjylland", "representative", o["region_nord"], position=p["s_amk_nord"])
    _party("brs:midt", "Beredskabsstyrelsen Midtjylland", "representative", o["brs_midt"], position=p["s_brs_midt"])
    _party("brs:nord", "Beredskabsstyrelsen Nordjylland", "representative", o["brs_nord"], position=p["s_brs_nord"])
    _party("hjv", "Hjemmeværnsdistrikt Midt- og Vestjylland", "representative", o["hjv"], position=p["s_hjv"])
    _party("forsvaret", "Forsvaret (forbindelsesofficer)", "representative", o["forsvaret"],
           position=p["s_forsvaret"])
    db.session.flush()


def _seed_users() -> None:
    for username, role, municipality, display in DEMO_USERS:
        auth_services.create_user(username=username, role=role, password=DEMO_PASSWORD,
                                  municipality_code=municipality, display_name=display,
                                  email=f"{username}@demo.invalid", password_policy=False)
