"""Immunisation doses, vitamin A and deworming, and the versioned schedule."""
from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from posyandu.database import TimestampMixin
from posyandu.extensions import db
from posyandu.records import ChildEventMixin

PLACES = ("posyandu", "puskesmas", "elsewhere")
# Where a dose's record comes from (FHIR primarySource / reportOrigin): given at this visit by a
# health worker (first-hand: SATUSEHAT then requires its lot and expiry), copied from the Buku KIA
# or another written record, or the parent's recollection. None: not stated (records before 0006).
DOSE_SOURCES = ("given", "record", "recall")
SUPPLEMENT_KINDS = ("vitamin_a_blue", "vitamin_a_red", "deworming")


class Immunisation(ChildEventMixin, db.Model):
    __tablename__ = "immunisation"
    __table_args__ = (
        CheckConstraint("place IN ('posyandu','puskesmas','elsewhere')", name="place"),
        CheckConstraint("source IN ('given','record','recall')", name="source"),
        Index("ix_immunisation_child_vaccine", "child_id", "vaccine", "dose"),
        Index("ix_immunisation_kabupaten_date", "kabupaten_code", "given_on"),
        Index("ix_immunisation_posyandu_date", "posyandu_id", "given_on"),
    )

    vaccine: Mapped[str] = mapped_column(String(20))
    dose: Mapped[int]
    given_on: Mapped[date]
    batch_number: Mapped[str | None] = mapped_column(String(40))
    expiry_date: Mapped[date | None]
    given_by: Mapped[str | None] = mapped_column(String(120))
    place: Mapped[str] = mapped_column(String(10), default="posyandu")
    source: Mapped[str | None] = mapped_column(String(8))
    kfa_code: Mapped[str | None] = mapped_column(String(8))  # the vaccine product in KFA (93xxxxxx)
    override_reason: Mapped[str | None] = mapped_column(String(255))
    override_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))


class Supplement(ChildEventMixin, db.Model):
    __tablename__ = "supplement"
    __table_args__ = (
        CheckConstraint("kind IN ('vitamin_a_blue','vitamin_a_red','deworming')", name="kind"),
        Index("ix_supplement_child_date", "child_id", "given_on"),
        Index("ix_supplement_kabupaten_date", "kabupaten_code", "given_on"),
        Index("ix_supplement_posyandu_date", "posyandu_id", "given_on"),
    )

    kind: Mapped[str] = mapped_column(String(16))
    given_on: Mapped[date]
    given_by: Mapped[str | None] = mapped_column(String(120))
    place: Mapped[str] = mapped_column(String(10), default="posyandu")
    override_reason: Mapped[str | None] = mapped_column(String(255))
    override_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))


class ScheduleVersion(TimestampMixin, db.Model):
    """One published version of the national immunisation schedule (and the
    vitamin A / deworming configuration), as JSON validated by
    ``posyandu.immunisation.schedule``. The newest active version valid on a
    date applies (``operations.schedule_in_force``). A published document is
    never edited: a change is a new version."""

    __tablename__ = "schedule_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    valid_from: Mapped[date]
    document: Mapped[dict[str, Any]]
    active: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))
