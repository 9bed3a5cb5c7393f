"""Regions, puskesmas, posyandu, children and the people linked to them."""
from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from posyandu.database import SyncedMixin, TimestampMixin, utcnow
from posyandu.extensions import db
from posyandu.validators import plain_place_name

REGION_LEVELS = {2: "provinsi", 5: "kabupaten", 8: "kecamatan", 13: "desa"}


def kabupaten_of(code: str) -> str:
    """'35.25.01.2001' → '35.25' (the Kemendagri kabupaten/kota prefix)."""
    return ".".join(code.split(".")[:2])


class Region(db.Model):
    """Kemendagri administrative area: provinsi (35) → kabupaten/kota (35.25) →
    kecamatan (35.25.01) → desa/kelurahan (35.25.01.2001)."""

    __tablename__ = "region"

    code: Mapped[str] = mapped_column(String(13), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(10))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)


class Puskesmas(TimestampMixin, db.Model):
    __tablename__ = "puskesmas"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    code: Mapped[str | None] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kecamatan_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    kabupaten_code: Mapped[str] = mapped_column(String(5), index=True)


# The words a name may start with that say only what it is: a puskesmas is written "Puskesmas Kamal",
# "PKM Kamal" or, run by the district as a technical unit, "UPT (UPTD) Puskesmas Kamal"
KIND_WORDS = {"posyandu": ("posyandu",),
              "puskesmas": ("uptd puskesmas", "upt puskesmas", "uptd pkm", "upt pkm", "puskesmas", "pkm")}


def same_name(name: str, kind: str = "posyandu") -> str:
    """A posyandu's (or puskesmas's: ``kind``) name as two are judged the same (one desa holds one posyandu of
    each, one kecamatan one puskesmas; a report names twins with their desa): case, spaces and the words of
    its kind before it aside (``KIND_WORDS``), "Posyandu Melati" is "melati", "PKM Kamal" is "kamal"."""
    text = plain_place_name(name).lower()  # "Melati" with a zero-width space pasted in, or full-width, is "melati"
    while prefix := next((w for w in KIND_WORDS[kind] if text.startswith(f"{w} ")), None):
        text = text.removeprefix(f"{prefix} ")
    return text


class Posyandu(SyncedMixin, db.Model):
    __tablename__ = "posyandu"
    __table_args__ = (CheckConstraint("meeting_day BETWEEN 1 AND 31", name="meeting_day"),)

    name: Mapped[str] = mapped_column(String(120))
    desa_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    puskesmas_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("puskesmas.id"), index=True)
    kabupaten_code: Mapped[str] = mapped_column(String(5), index=True)
    meeting_day: Mapped[int]
    address: Mapped[str | None] = mapped_column(String(255))

    puskesmas: Mapped[Puskesmas] = relationship(lazy="joined")


class Child(SyncedMixin, db.Model):
    """A child under five registered at a posyandu. The id is made by the phone."""

    __tablename__ = "child"
    __table_args__ = (
        CheckConstraint("sex IN ('M','F')", name="sex"),
        CheckConstraint("exit_reason IN ('died','moved_away')", name="exit_reason"),
        CheckConstraint("(exit_date IS NULL) = (exit_reason IS NULL)", name="exit_both"),
        Index("ix_child_posyandu_name", "posyandu_id", "name"),
        # The few registrations merged away or flagged as a possible duplicate, found from the other
        # child (a download, an access history, a visits import; a delete or merge): partial indexes.
        Index("ix_child_merged_into", "merged_into", postgresql_where=text("merged_into IS NOT NULL"),
              sqlite_where=text("merged_into IS NOT NULL")),
        Index("ix_child_possible_duplicate_of", "possible_duplicate_of",
              postgresql_where=text("possible_duplicate_of IS NOT NULL"),
              sqlite_where=text("possible_duplicate_of IS NOT NULL")),
    )

    posyandu_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("posyandu.id"))
    kabupaten_code: Mapped[str] = mapped_column(String(5), index=True)
    name: Mapped[str] = mapped_column(String(120))
    sex: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[date]
    birth_weight_kg: Mapped[float | None] = mapped_column(Numeric(5, 3, asdecimal=False))  # kg to the gram
    birth_length_cm: Mapped[float | None] = mapped_column(Numeric(4, 1, asdecimal=False))
    nik: Mapped[str | None] = mapped_column(String(16), index=True)
    mother_nik: Mapped[str | None] = mapped_column(String(16), index=True)
    mother_name: Mapped[str | None] = mapped_column(String(120))
    father_name: Mapped[str | None] = mapped_column(String(120))
    guardian_phone: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(255))
    rt: Mapped[str | None] = mapped_column(String(3))
    rw: Mapped[str | None] = mapped_column(String(3))
    has_kms: Mapped[bool] = mapped_column(default=True)
    # Left the register (died, moved out of the area) on exit_date: counted up to that month, not after
    # (reports.cohort.in_register_on); both empty again undoes a mistaken exit.
    exit_date: Mapped[date | None]
    exit_reason: Mapped[str | None] = mapped_column(String(10))
    # The local day she was moved to the posyandu she is at (``ChildMove``); None: registered there. A
    # phone counts her in its posyandu's SKDN from that month (js/skdn.js), as the server's reports do.
    arrived_on: Mapped[date | None]
    # Duplicate registrations (two phones, one newborn): a bidan merges the loser into the winner.
    possible_duplicate_of: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("child.id"))
    merged_into: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("child.id"))
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))
    updated_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))

    posyandu: Mapped[Posyandu] = relationship(lazy="joined")


class ParentLink(db.Model):
    """A parent's (or guardian's) access to one child."""

    __tablename__ = "parent_link"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id"), primary_key=True)
    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("child.id"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Invitation(TimestampMixin, db.Model):
    """A one-time code a kader or bidan gives a parent to register for a child.
    Only a hash of the code is stored."""

    __tablename__ = "invitation"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("child.id"), index=True)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id"))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user.id"))


class ChildMove(db.Model):
    """A child moved from one posyandu to another (``registry.operations.update_child``), on the local day
    the move was recorded. Her record and events follow her, so reports read this to count her, in a month
    before the move, where she was registered then (``reports.cohort.placed_on``)."""

    __tablename__ = "child_move"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("child.id"), index=True)
    from_posyandu_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("posyandu.id"), index=True)
    to_posyandu_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("posyandu.id"))
    moved_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PosyanduMove(db.Model):
    """A posyandu handed to another puskesmas, or its desa changed (a region split, a corrected code), on
    the local day it was recorded (``registry.operations.update_posyandu``), with where it stood before.
    Reports read this to count a month before the move where the posyandu was then
    (``reports.cohort.as_of``): its puskesmas's, desa's and kabupaten's past months stay as reported."""

    __tablename__ = "posyandu_move"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    posyandu_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("posyandu.id"), index=True)
    from_puskesmas_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("puskesmas.id"), index=True)
    from_desa_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    from_kabupaten_code: Mapped[str] = mapped_column(String(5))
    moved_on: Mapped[date] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
