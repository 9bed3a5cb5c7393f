"""Keep every stored measurement's growth results in step with its inputs.

Called whenever a measurement is written or a child's birth date or sex
changes. Results that change are new versions of the measurement, so the
change log carries them to every phone (sync-notes §1.2 "derived data changes
are changes").
"""
from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import func, select

from posyandu.audit import record_change
from posyandu.extensions import db
from posyandu.growth.models import STATUS_KEYS, ZSCORE_KEYS, Measurement
from posyandu.registry.models import Child

COMPUTED = tuple("z_" + k for k in ZSCORE_KEYS) + STATUS_KEYS + (
    "age_days", "flags", "warnings", "flagged", "trend", "trend_computed", "weight_gain_g", "kbm_g",
    "bgm", "two_t", "referral")


GROWTH_KEYS = tuple("z_" + k for k in ZSCORE_KEYS) + STATUS_KEYS + ("age_days", "flags", "warnings", "flagged")


def growth_values(child: Child, m: Measurement) -> dict[str, Any]:
    """The calculator's result for one stored measurement, as model columns."""
    from posyandu.growth.zscores import calculate

    result = calculate({"sex": child.sex, "birth_date": child.birth_date, "measured_on": m.measured_on,
                        "weight_kg": m.weight_kg, "length_height_cm": m.length_height_cm, "position": m.position,
                        "head_circumference_cm": m.head_circumference_cm, "muac_cm": m.muac_cm,
                        "oedema": m.oedema})
    values = {"z_" + k: result["zscores"][k] for k in ZSCORE_KEYS}
    values.update({k: result["status"][k] for k in STATUS_KEYS})
    values.update(age_days=result["age_days"], flags=result["flags"], warnings=result["warnings"],
                  flagged=any(v for v in result["flags"].values() if v))
    return values


def refresh_child_growth(child: Child, *, touched: Measurement | Collection[Measurement] | None = None,
                         only: Measurement | None = None) -> None:
    """Recompute z-scores, categories and the KMS trend of all the child's measurements.

    ``touched``: measurement(s) being written in this transaction, whose own audit row
    already stands (their computed values are not audited again as a recompute).
    ``only``: the one measurement whose inputs changed (the child's did not): the others
    keep their stored z-scores and categories, which depend only on their own inputs and
    the child's sex and birth date; the KMS trend, which depends on the neighbours, is
    recomputed for all."""
    touched = set(touched) if isinstance(touched, Collection) else {touched}
    from posyandu.growth.trend_series import series_trends

    rows = list(db.session.scalars(select(Measurement).where(Measurement.child_id == child.id,
                                                             Measurement.deleted_at.is_(None))
                                   .order_by(Measurement.measured_on, Measurement.created_at)))
    computed = [growth_values(child, m) if only is None or m is only else {k: getattr(m, k) for k in GROWTH_KEYS}
                for m in rows]
    for values, trend in zip(computed, series_trends(child.birth_date, rows, computed, db.session)):
        values.update(trend)
    for m, values in zip(rows, computed):
        changes = {k: [getattr(m, k), v] for k, v in values.items() if getattr(m, k) != v}
        for k, (_, v) in changes.items():
            setattr(m, k, v)
        if changes and m not in touched and m.version:
            record_change(m, "update", {k: [None, None] for k in changes}, action="recompute")


def after_measurement_write(user: Any, m: Measurement, child: Child, data: dict[str, Any]) -> None:
    """Hook for ``posyandu.events``: only a health worker may override N/T; then recompute."""
    if data.get("trend_override"):
        from posyandu.access import require_health_worker
        require_health_worker(user)
    refresh_child_growth(child, touched=m, only=m)


def kbm_in_force() -> dict[str, Any]:
    from posyandu.growth.models import KbmTable
    from posyandu.growth.trend import DEFAULT_KBM

    row = db.session.scalar(select(KbmTable).order_by(KbmTable.version.desc()).limit(1))
    if row is None:
        return {"version": 0, "grams_by_month": {str(k): v for k, v in DEFAULT_KBM.items()},
                "source": "Buku KIA default (domain.md)", "created_at": None}
    return row


def publish_kbm(grams_by_month: dict[str, int], source: str) -> Any:
    """A new KBM version (months missing take the previous month's value), then recompute N/T."""
    from posyandu.audit import log_action
    from posyandu.growth.models import KbmTable

    filled, last = {}, None
    for month in range(1, 61):
        last = grams_by_month.get(str(month), last)
        if last is not None:
            filled[str(month)] = last
    version = (db.session.scalar(select(func.max(KbmTable.version))) or 0) + 1
    row = KbmTable(version=version, grams_by_month=filled, source=source)
    db.session.add(row)
    db.session.flush()
    log_action("create", "kbm_table", version, {"grams_by_month": [None, filled]}, reason=source)
    for child in db.session.scalars(select(Child).where(Child.deleted_at.is_(None))):
        refresh_child_growth(child)
    return row
