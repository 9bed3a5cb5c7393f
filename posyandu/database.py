"""Declarative base, naming convention and mixins shared by every model."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from typing import Any

import orjson
from sqlalchemy import JSON, DateTime, Integer, MetaData, TypeDecorator, Uuid, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def json_text(value: Any) -> str:
    """JSON columns are written with orjson: a pushed measurement writes seven JSON values
    (flags, warnings, its ledger answer, audit and change-log rows), and json.dumps was a
    tenth of the push time. NaN is written as null (PostgreSQL refuses NaN in JSON)."""
    return orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS).decode()


# merged into every engine's options (posyandu.create_app)
JSON_ENGINE_OPTIONS = {"json_serializer": json_text, "json_deserializer": orjson.loads}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UtcDateTime(TypeDecorator):
    """A UTC instant on every database. SQLite keeps no offset: without this it
    would store 10:00+07:00 as 10:00 and hand back naive values, which the API
    would then send without any offset."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else aware(value).astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else aware(value).astimezone(timezone.utc)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={
            uuid.UUID: Uuid(),
            datetime: UtcDateTime(),
            dict[str, Any]: JSON(),
            list[Any]: JSON(),
        },
    )


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, server_default=func.now())


class SyncedMixin(TimestampMixin):
    """A record that phones create offline: client UUID, version, soft delete."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


def aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def as_json_value(value: Any) -> Any:
    """A model attribute as it appears in JSON snapshots (audit, change log)."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return aware(value).astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return value
