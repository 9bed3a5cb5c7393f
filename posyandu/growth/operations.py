"""Keep every stored measurement's growth results in step with its inputs.

Called whenever a measurement is written or a child's birth date or sex
changes. Results that change are new versions of the measurement, so the
change log carries them to every phone (sync-notes §1.2 "derived data changes
are changes").
"""
from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date
from itertools import groupby
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm.attributes import instance_state

from posyandu.audit import record_change
from posyandu.database import among
from posyandu.errors import ValidationFailed, refuse_fields
from posyandu.extensions import db
from posyandu.growth.models import STATUS_KEYS, ZSCORE_KEYS, Measurement
from posyandu.i18n import Msg
from posyandu.registry.models import Child

COMPUTED = tuple("z_" + k for k in ZSCORE_KEYS) + STATUS_KEYS + (
    "age_days", "flags", "warnings", "flagged", "trend", "trend_computed", "weight_gain_g", "kbm_g",
    "bgm", "two_t", "referral")


NO_GAIN_NO_N = Msg("a weight that stayed or went down is T (Buku KIA): N needs a gain",
                   "berat yang tetap atau turun adalah T (Buku KIA): N harus ada kenaikan")
NO_TREND_TO_OVERRIDE = Msg(
    "only an N or T can be overridden: this weighing has none of last month to compare with (O or B),"
    " or is past the KMS (over 60 months)",
    "hanya N atau T yang dapat diubah: penimbangan ini tidak punya penimbangan bulan lalu untuk dibandingkan (O atau B),"
    " atau sudah melewati KMS (di atas 60 bulan)")

TREND_KEYS = ("trend", "trend_computed", "weight_gain_g", "kbm_g", "bgm", "two_t", "referral")


def growth_values_many(pairs: Sequence[tuple[Child, Measurement]]) -> list[dict[str, Any]]:
    """The calculator's results for stored measurements (each with its child), as model columns,
    in one vectorised run; raises ``GrowthInputError`` for an impossible input."""
    from posyandu.growth.zscores import calculate_batch, measurement_columns, stored_values

    if not pairs:
        return []
    columns, _ = measurement_columns(
        [{"sex": child.sex, "birth_date": child.birth_date, "measured_on": m.measured_on,
          "weight_kg": m.weight_kg, "length_height_cm": m.length_height_cm, "position": m.position,
          "head_circumference_cm": m.head_circumference_cm, "muac_cm": m.muac_cm, "oedema": m.oedema}
         for child, m in pairs], raise_errors=True)
    return stored_values(calculate_batch(**columns))


def refresh_child_growth(child: Child, *, touched: Measurement | Collection[Measurement] | None = None,
                         only: Measurement | None = None) -> None:
    """``refresh_children_growth`` for one child (``only``: its one measurement whose inputs changed)."""
    touched = set(touched) if isinstance(touched, Collection) else {touched} - {None}
    refresh_children_growth([child], touched=touched, only=None if only is None else [only])


def refresh_children_growth(children: Sequence[Child], *, touched: Collection[Measurement] = (),
                            only: Collection[Measurement] | None = None,
                            reasons: Mapping[Any, str | None] | None = None) -> None:
    """Recompute z-scores, categories and the KMS trend of the children's measurements.

    ``touched``: measurements being written in this transaction, whose own audit rows
    already stand (their computed values are not audited again as a recompute).
    ``only``: the measurements whose inputs changed (the children's did not); new ones may
    not be inserted yet. The others keep their stored z-scores and categories, which depend
    only on their own inputs and the child's sex and birth date, and are read as plain
    columns, not loaded as records; their KMS trend, which depends on the neighbours, is
    recomputed. Each value that moves is audited as a ``recompute`` with its old and new value
    (``reasons``: why, by child id: a KBM table published). For a child whose only changes are
    new measurements, from the calendar month two before the earliest of them: nothing earlier
    can change, and a weighing's trend needs no more than the two months before it
    (``trend_window_start``).
    One query for all the children, one calculator run, one trend pass per child."""
    from posyandu.growth.trend_series import current_kbm, series_trends

    if not children:
        return
    touched = set(touched)
    by_id = {child.id: child for child in children}
    order = (Measurement.child_id, Measurement.measured_on, Measurement.created_at)
    alive = (among(db.session, Measurement.child_id, by_id), Measurement.deleted_at.is_(None))
    since: dict[Any, date] = {}  # child id -> first day of its trend window
    new_ids: set[Any] = set()
    weighed_earlier: set[Any] = set()
    if only is None:
        rows: list[Any] = list(db.session.scalars(select(Measurement).where(*alive).order_by(*order)))
        inputs_changed = rows
    else:
        mine = {m.id: m for m in only}
        new = [m for m in only if instance_state(m).transient]  # being created: not inserted yet
        new_ids = {m.id for m in new}
        if all(m.deleted_at is None for m in new) and len(new) == len(mine):
            start = trend_window_start(min(m.measured_on for m in new))
            since = {child_id: start for child_id in by_id}
            weighed_earlier = set(db.session.scalars(
                select(Measurement.child_id).where(*alive, Measurement.measured_on < start,
                                                   Measurement.weight_kg.is_not(None)).distinct()))
            alive = (*alive, Measurement.measured_on >= start)
        light = db.session.execute(select(Measurement.id, Measurement.child_id, Measurement.measured_on,
                                          Measurement.weight_kg, Measurement.z_wfa, Measurement.trend_override,
                                          *(getattr(Measurement, k) for k in TREND_KEYS))
                                   .where(*alive).order_by(*order)).all()
        if new:  # recorded after every stored row: after them on the same day
            rank = {row.id: i for i, row in enumerate(light)}
            # (by the child id's number: the order of the ids' bytes, without comparing UUID objects)
            rows = sorted([*light, *new], key=lambda m: (m.child_id.int, m.measured_on, m.id not in rank,
                                                           rank.get(m.id, 0)))
        else:
            rows = list(light)
        rows = [mine.get(m.id, m) for m in rows]
        inputs_changed = [m for m in rows if m.id in mine]
    fresh = dict(zip((m.id for m in inputs_changed),
                     growth_values_many([(by_id[m.child_id], m) for m in inputs_changed])))
    kbm = current_kbm(db.session)
    moved: list[tuple[Any, dict[str, Any]]] = []  # stored rows whose values move, with their changes
    for child_id, group in groupby(rows, key=lambda m: m.child_id):
        series = list(group)
        computed = [fresh.get(m.id) or {"z_wfa": m.z_wfa} for m in series]
        trends = series_trends(by_id[child_id].birth_date, series, computed, kbm,
                               weighed_before=child_id in weighed_earlier)
        settled = trend_window_settled(since[child_id]) if child_id in since else None
        for m, values, trend in zip(series, computed, trends):
            if settled is not None and m.measured_on < settled:
                continue  # context only: its own trend needs months before the window
            values = {**values, **trend}
            if m.id in new_ids:  # not inserted yet (events.create_events): plain state, as its other values
                m.__dict__.update(values)
                continue
            changes = {k: v for k, v in values.items() if getattr(m, k) != v}
            if changes:
                moved.append((m, changes))
    plain = [m.id for m, _ in moved if not isinstance(m, Measurement)]  # plain rows whose KMS trend moved
    records = {r.id: r for r in db.session.scalars(select(Measurement).where(among(db.session, Measurement.id, plain)))
               } if plain else {}  # loaded in one query, not one each
    for m, changes in moved:
        m = m if isinstance(m, Measurement) else records.get(m.id)
        audited = {k: [getattr(m, k), v] for k, v in changes.items()}
        for k, v in changes.items():
            setattr(m, k, v)
        if m not in touched and m.version:
            record_change(m, "update", audited, action="recompute",
                          reason=reasons.get(m.child_id) if reasons else None)


def trend_window_start(first: date) -> date:
    """The first day of the calendar month two before ``first``'s: the weighings a trend from
    ``first`` on can depend on (the previous month's, and its own previous month's for 2T)."""
    index = first.year * 12 + first.month - 1 - 2
    return date(index // 12, index % 12 + 1, 1)


def trend_window_settled(start: date) -> date:
    """From this day on, trends computed over a window from ``start`` are exact."""
    index = start.year * 12 + start.month - 1 + 2
    return date(index // 12, index % 12 + 1, 1)


def after_measurement_write(user: Any, m: Measurement, child: Child, data: dict[str, Any]) -> dict[str, list[Any]] | None:
    """Hook for ``posyandu.events``: one measurement written. A weighing whose date moves to another
    month loses a health worker's N/T override: it judged that month's gain over the month before,
    and the weighing now stands in a month it never judged (the override would otherwise turn
    whatever trend the new month computes). Answered as what the edit changed in turn."""
    dropped = _override_of_another_month(m, data)
    after_measurements_write(user, [(m, child, data)])
    return dropped


def _override_of_another_month(m: Measurement, data: dict[str, Any]) -> dict[str, list[Any]] | None:
    if m.trend_override is None or "trend_override" in data or "measured_on" not in data:
        return None
    was = instance_state(m).attrs.measured_on.history.deleted
    if not was or (was[0].year, was[0].month) == (m.measured_on.year, m.measured_on.month):
        return None
    dropped = {"trend_override": [m.trend_override, None], "trend_override_reason": [m.trend_override_reason, None]}
    m.trend_override = m.trend_override_reason = None
    return dropped


def after_measurements_write(user: Any, items: Sequence[tuple[Measurement, Child, dict[str, Any]]]) -> None:
    """Hook for ``posyandu.events``: only a health worker may override N/T, or change or clear
    an override (an edit's ``data`` holds only what it changes: a kader's edit that clears a
    bidan's N/T is refused, not only one that gives one); then recompute
    the written measurements' growth and their children's KMS trends. A measurement must keep
    at least one measured value (an edit may clear some, not all). An override is
    refused on a weighing without one of last month to compare with (computed O or B,
    or no weight): there is no N or T to override; an N on a weight that stayed or went down
    too (Buku KIA: T)."""
    from posyandu.growth.schemas import MEASURED, NOTHING_MEASURED

    if any(data.get("trend_override") or ("trend_override" in data and not instance_state(m).transient)
           for m, _, data in items):
        from posyandu.access import require_health_worker
        require_health_worker(user)
    if any(all(getattr(m, k) is None for k in MEASURED) for m, _, _ in items):  # an edit that cleared them all
        raise ValidationFailed(errors={"weight_kg": [NOTHING_MEASURED]})
    children = list({child.id: child for _, child, _ in items}.values())
    written = [m for m, _, _ in items]
    refresh_children_growth(children, touched=written, only=written)
    if any(data.get("trend_override") and m.trend_computed not in ("N", "T") for m, _, data in items):
        raise ValidationFailed(errors={"trend_override": [NO_TREND_TO_OVERRIDE]})
    if any(data.get("trend_override") == "N" and m.weight_gain_g is not None and m.weight_gain_g <= 0
           for m, _, data in items):
        raise ValidationFailed(errors={"trend_override": [NO_GAIN_NO_N]})


def kbm_in_force() -> dict[str, Any]:
    from posyandu.growth.models import KbmTable
    from posyandu.growth.trend import DEFAULT_KBM

    row = db.session.scalar(select(KbmTable).order_by(KbmTable.version.desc()).limit(1))
    if row is None:
        return {"version": 0, "grams_by_month": {str(k): v for k, v in DEFAULT_KBM.items()},
                "source": "Buku KIA / Standar Pemantauan Pertumbuhan Balita (bawaan)", "created_at": None}
    return row


KBM_MONTH_ONE = Msg("month 1 is required: a month missing takes the previous month's value, and month 1 has none",
                   "bulan 1 wajib diisi: bulan yang kosong memakai nilai bulan sebelumnya, dan bulan 1 tidak punya")


def kbm_problems(data: dict[str, Any]) -> dict[str, list[Msg]]:
    """What a KBM table's fields ``data`` break beyond their format: month 1 is required. Judged with
    the other fields' format errors (``Blueprint.arguments(field_checks=…)``), not only once they are fixed."""
    if "grams_by_month" in data and "1" not in data["grams_by_month"]:
        return {"grams_by_month": [KBM_MONTH_ONE]}
    return {}


def _filled(grams_by_month: dict[str, int]) -> dict[str, int]:
    """A KBM table with each month 1-60 missing given the previous month's value."""
    filled, last = {}, None
    for month in range(1, 61):
        last = grams_by_month.get(str(month), last)
        if last is not None:
            filled[str(month)] = last
    return filled


def publish_kbm(grams_by_month: dict[str, int], source: str) -> Any:
    """A new KBM version (months missing take the previous month's value), and every child queued
    for the recompute of her N/T by it (``growth.recompute``: worked off in batches after the caller
    commits). Month 1 is required: without it the months before the first listed had no value of
    their own (an empty table crashed every N/T; one starting at 12 months judged an infant by 12
    months' KBM)."""
    from posyandu.audit import log_action
    from posyandu.growth.models import KbmTable

    refuse_fields(kbm_problems({"grams_by_month": grams_by_month}))
    filled = _filled(grams_by_month)
    in_force = kbm_in_force()
    number, grams = (in_force["version"], in_force["grams_by_month"]) if isinstance(in_force, dict) else (
        in_force.version, in_force.grams_by_month)
    if filled == _filled(grams):  # a second tap, or the same table again: a version changing nothing, every N/T judged again
        en, id_ = (f"table version {number}", f"tabel versi {number}") if number else (
            "the built-in table (Buku KIA)", "tabel bawaan (Buku KIA)")
        refuse_fields({"grams_by_month": [Msg(f"the same as {en} in force: nothing to publish",
                                              f"sama dengan {id_} yang berlaku: tidak ada yang diterbitkan")]})
    version = (db.session.scalar(select(func.max(KbmTable.version))) or 0) + 1
    row = KbmTable(version=version, grams_by_month=filled, source=source)
    db.session.add(row)
    db.session.flush()
    log_action("create", "kbm_table", version, {"grams_by_month": [None, filled]}, reason=source)
    from posyandu.growth.recompute import queue_every_child

    queue_every_child(f"kbm {version}")
    return row
