"""Adapter: stored measurements → the pure KMS trend rules in ``posyandu.growth.trend``."""
from __future__ import annotations

from typing import Any, Sequence


def series_trends(rows: Sequence[Any], computed: Sequence[dict[str, Any]], session: Any) -> list[dict[str, Any]]:
    """Trend columns (N/T/O/B, gain, KBM, BGM, 2T, referral) for a child's ordered measurements."""
    return [{} for _ in rows]  # replaced below once the pure trend rules land
