"""Organisations, municipalities and the police district."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lbs.enum_type import text_enum
from lbs.extensions import Base


class OrgKind(enum.StrEnum):
    POLICE = "police"
    MUNICIPALITY = "municipality"
    REGION = "region"
    FIRE_SERVICE = "fire_service"
    STATE_AGENCY = "state_agency"
    DEFENCE = "defence"
    HOME_GUARD = "home_guard"
    OTHER = "other"


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str | None] = mapped_column(String(60))
    kind: Mapped[OrgKind] = mapped_column(text_enum(OrgKind), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    valid_from: Mapped[datetime | None]
    valid_to: Mapped[datetime | None]

    parent: Mapped[Organisation | None] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r}>"


class Municipality(Base):
    __tablename__ = "municipalities"

    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), unique=True)
    region: Mapped[str] = mapped_column(String(60))
    region_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    fire_service_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    # Yearly gross operating budget; the 0.2 % "significant financial event" flag (R14) uses it.
    budget_dkk: Mapped[Decimal | None]
    # Consultation thresholds (data, not law): T1 what the municipal representative may commit,
    # T2 above which the mayor decides.
    threshold_t1_dkk: Mapped[Decimal]
    threshold_t2_dkk: Mapped[Decimal]

    organisation: Mapped[Organisation] = relationship(foreign_keys=[organisation_id])
    region_organisation: Mapped[Organisation | None] = relationship(foreign_keys=[region_organisation_id])
    fire_service: Mapped[Organisation | None] = relationship(foreign_keys=[fire_service_id])


class District(Base):
    """The police district (politikreds) this installation serves."""

    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(200))
    headquarters: Mapped[str | None] = mapped_column(String(120))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))

    organisation: Mapped[Organisation] = relationship()
