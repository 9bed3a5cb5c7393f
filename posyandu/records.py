"""Columns shared by the append-only child events: measurements, immunisations, supplements."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from posyandu.database import SyncedMixin


class ChildEventMixin(SyncedMixin):
    """An observation about one child made at one posyandu.

    ``posyandu_id`` and ``kabupaten_code`` are copied from the child when the
    event is recorded so that a region's month is read from one indexed table
    (and so that the table can later be distributed by kabupaten).
    """

    @declared_attr
    def child_id(cls) -> Mapped[uuid.UUID]:
        return mapped_column(ForeignKey("child.id"))

    @declared_attr
    def posyandu_id(cls) -> Mapped[uuid.UUID]:
        return mapped_column(ForeignKey("posyandu.id"))

    @declared_attr
    def recorded_by(cls) -> Mapped[uuid.UUID | None]:
        return mapped_column(ForeignKey("user.id"))

    @declared_attr
    def possible_duplicate_of(cls) -> Mapped[uuid.UUID | None]:
        return mapped_column(ForeignKey(f"{cls.__tablename__}.id"))

    kabupaten_code: Mapped[str] = mapped_column(String(5))
    client_id: Mapped[str | None] = mapped_column(String(64))
    recorded_at: Mapped[datetime | None]  # the device's clock, untrusted
