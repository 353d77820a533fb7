"""Extensions created at module level; ``init_app`` happens in :func:`lbs.create_app`."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import JSON, MetaData, Text
from sqlalchemy.orm import DeclarativeBase, registry

from lbs.types import Money, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={
            str: Text(),
            datetime: UTCDateTime(),
            Decimal: Money(),
            dict[str, Any]: JSON(),
            list[Any]: JSON(),
        },
    )


db = SQLAlchemy(
    model_class=Base,
    # create_savepoint only matters when a session is bound to a Connection (the per-test rollback).
    session_options={"expire_on_commit": False, "join_transaction_mode": "create_savepoint"},
)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
