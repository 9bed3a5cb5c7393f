"""Adapter: stored measurements → the pure KMS trend rules in ``posyandu.growth.trend``."""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from sqlalchemy import select

from posyandu.growth.trend import DEFAULT_KBM, Weighing, effective_trend, series_trends as pure_series_trends


def current_kbm(session: Any) -> Mapping[int, int]:
    """The newest KBM table an admin published, or Buku KIA's default."""
    from posyandu.growth.models import KbmTable

    row = session.scalar(select(KbmTable).order_by(KbmTable.version.desc()).limit(1))
    return {int(k): int(v) for k, v in row.grams_by_month.items()} if row else DEFAULT_KBM


def series_trends(birth_date: Any, rows: Sequence[Any], computed: Sequence[dict[str, Any]],
                  kbm: Mapping[int, int], weighed_before: bool = False) -> list[dict[str, Any]]:
    """Trend columns (N/T/O/B, gain, KBM, BGM, 2T, referral) for a child's ordered
    measurements (records or rows with the same attributes), under the KBM table ``kbm``
    (``current_kbm``). A health worker's override (``trend_override``) stands over
    a computed N/T (``trend.effective_trend``), and the next month's 2T follows it; the
    computed value is kept beside it. ``weighed_before``: the child
    was weighed before the first of ``rows`` (a window of the series)."""
    results: list[dict[str, Any]] = [{"trend_computed": None, "weight_gain_g": None, "kbm_g": None,
                                      "bgm": False, "two_t": False, "referral": False} for _ in rows]
    weighed = [i for i, m in enumerate(rows) if m.weight_kg is not None]
    if weighed:
        weighings = [Weighing(rows[i].measured_on, rows[i].weight_kg, computed[i].get("z_wfa"),
                              rows[i].trend_override) for i in weighed]
        for i, kms in zip(weighed, pure_series_trends(birth_date, weighings, kbm, weighed_before)):
            results[i].update(trend_computed=kms.trend, weight_gain_g=kms.gain_g, kbm_g=kms.kbm_g,
                              bgm=kms.bgm, two_t=kms.two_t, referral=kms.referral)
    for row, values in zip(rows, results):
        values["trend"] = effective_trend(values["trend_computed"], row.trend_override, values["weight_gain_g"])
    return results
