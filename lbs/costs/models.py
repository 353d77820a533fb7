"""The history of every change to a cost line (the line itself is logged with its decision)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from lbs.extensions import Base
from lbs.timeutil import utcnow


class CostChange(Base):
    """One field change of a cost line: who, when, old → new."""

    __tablename__ = "cost_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    cost_line_id: Mapped[int] = mapped_column(ForeignKey("cost_lines.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    field: Mapped[str] = mapped_column(String(40))
    old: Mapped[str | None]
    new: Mapped[str | None]
