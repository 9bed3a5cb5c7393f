"""Measurements (with their server-computed growth results) and the KBM table."""
from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, Float, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from posyandu.database import TimestampMixin, utcnow
from posyandu.extensions import db
from posyandu.records import ChildEventMixin

ZSCORE_KEYS = ("wfa", "lhfa", "wfl", "wfh", "bfa", "hcfa", "acfa")
STATUS_KEYS = ("bb_u", "tb_u", "bb_tb", "imt_u")


class Measurement(ChildEventMixin, db.Model):
    """One weighing/measuring of a child. Inputs come from the cadre; the
    growth results below are recomputed by the server whenever the inputs,
    the child's birth date or sex change."""

    __tablename__ = "measurement"
    __table_args__ = (
        CheckConstraint("position IN ('lying','standing')", name="position"),
        Index("ix_measurement_child_date", "child_id", "measured_on"),
        Index("ix_measurement_posyandu_date", "posyandu_id", "measured_on"),
        Index("ix_measurement_kabupaten_date", "kabupaten_code", "measured_on"),
    )

    measured_on: Mapped[date]
    weight_kg: Mapped[float | None] = mapped_column(Numeric(5, 2, asdecimal=False))
    length_height_cm: Mapped[float | None] = mapped_column(Numeric(5, 1, asdecimal=False))
    position: Mapped[str | None] = mapped_column(String(8))
    head_circumference_cm: Mapped[float | None] = mapped_column(Numeric(4, 1, asdecimal=False))
    muac_cm: Mapped[float | None] = mapped_column(Numeric(4, 1, asdecimal=False))
    oedema: Mapped[bool] = mapped_column(default=False)
    # Server-computed (posyandu.growth): age, z-scores, flags, categories, KMS trend.
    age_days: Mapped[int | None]
    z_wfa: Mapped[float | None] = mapped_column(Float)
    z_lhfa: Mapped[float | None] = mapped_column(Float)
    z_wfl: Mapped[float | None] = mapped_column(Float)
    z_wfh: Mapped[float | None] = mapped_column(Float)
    z_bfa: Mapped[float | None] = mapped_column(Float)
    z_hcfa: Mapped[float | None] = mapped_column(Float)
    z_acfa: Mapped[float | None] = mapped_column(Float)
    flags: Mapped[dict[str, Any] | None]
    warnings: Mapped[list[Any] | None]
    bb_u: Mapped[str | None] = mapped_column(String(20))
    tb_u: Mapped[str | None] = mapped_column(String(20))
    bb_tb: Mapped[str | None] = mapped_column(String(20))
    imt_u: Mapped[str | None] = mapped_column(String(20))
    flagged: Mapped[bool] = mapped_column(default=False)  # any implausible value
    trend: Mapped[str | None] = mapped_column(String(1))  # N, T, O, B (KMS)
    trend_computed: Mapped[str | None] = mapped_column(String(1))
    trend_override: Mapped[str | None] = mapped_column(String(1))  # a health worker's N/T
    trend_override_reason: Mapped[str | None] = mapped_column(String(255))
    weight_gain_g: Mapped[int | None]
    kbm_g: Mapped[int | None]
    bgm: Mapped[bool] = mapped_column(default=False)
    two_t: Mapped[bool] = mapped_column(default=False)
    referral: Mapped[bool] = mapped_column(default=False)


class KbmTable(TimestampMixin, db.Model):
    """A version of the KBM (kenaikan berat badan minimal) table: grams by
    completed month of age. Printed sources disagree, so admins may publish
    a new version; the newest active one is used."""

    __tablename__ = "kbm_table"

    version: Mapped[int] = mapped_column(primary_key=True)
    grams_by_month: Mapped[dict[str, Any]]
    source: Mapped[str] = mapped_column(String(255))


class GrowthRecompute(db.Model):
    """A child whose growth results wait to be recomputed in full (``posyandu.growth.recompute``):
    every child, after an admin published a KBM table or the WHO tables changed. Worked off a batch
    of children at a time, each batch its own transaction, so no request or transaction has to hold
    a district's children at once. ``requested_at``: when she was last asked for."""

    __tablename__ = "growth_recompute"

    child_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(String(64))


def _zscores(self: Measurement) -> dict[str, float | None]:
    return {k: getattr(self, "z_" + k) for k in ZSCORE_KEYS}


def _status(self: Measurement) -> dict[str, str | None]:
    return {k: getattr(self, k) for k in STATUS_KEYS}


def _muac_sign(self: Measurement) -> str | None:
    from posyandu.growth.signs import muac_sign

    return muac_sign(self.age_days, self.muac_cm)


def _head_sign(self: Measurement) -> str | None:
    from posyandu.growth.signs import head_sign

    return head_sign(self.z_hcfa)


Measurement.zscores = property(_zscores)  # type: ignore[attr-defined]
Measurement.status = property(_status)  # type: ignore[attr-defined]
# The LiLA and head-circumference signs (posyandu.growth.signs) follow from stored columns (the
# LiLA, the age and the head z-score, recomputed with the child's birth date): read, not stored.
Measurement.muac_sign = property(_muac_sign)  # type: ignore[attr-defined]
Measurement.head_sign = property(_head_sign)  # type: ignore[attr-defined]
