"""Nutritional status categories of Permenkes RI No. 2 Tahun 2020 (0-60 months).

Peraturan Menteri Kesehatan No. 2 Tahun 2020 tentang Standar Antropometri Anak
adopts the WHO Child Growth Standards 2006 and sets these cut-offs (see
``shared/docs/domain.md``, "Categories"):

* BB/U (``bb_u``, weight-for-age): sangat_kurang z < -3; kurang -3 <= z < -2;
  normal -2 <= z <= +1; risiko_lebih z > +1.
* PB/U or TB/U (``tb_u``, length/height-for-age): sangat_pendek z < -3;
  pendek -3 <= z < -2; normal -2 <= z <= +3; tinggi z > +3.
* BB/PB or BB/TB (``bb_tb``, weight-for-length/height) and IMT/U (``imt_u``,
  BMI-for-age): gizi_buruk z < -3; gizi_kurang -3 <= z < -2; gizi_baik
  -2 <= z <= +1; berisiko_gizi_lebih +1 < z <= +2; gizi_lebih +2 < z <= +3;
  obesitas z > +3.

The cut-offs apply to the z-score as reported (rounded to 2 decimals). A
z-score that is null or flagged implausible (WHO flags) gets no category.
Everything is vectorised: codes are small integers, -1 meaning "no category".
Pure module: imports neither Flask nor the app's extensions.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

NO_CATEGORY = -1

WASTING_SCALE = (
    "gizi_buruk",
    "gizi_kurang",
    "gizi_baik",
    "berisiko_gizi_lebih",
    "gizi_lebih",
    "obesitas",
)
STATUS_CATEGORIES: dict[str, tuple[str, ...]] = {
    "bb_u": ("sangat_kurang", "kurang", "normal", "risiko_lebih"),
    "tb_u": ("sangat_pendek", "pendek", "normal", "tinggi"),
    "bb_tb": WASTING_SCALE,
    "imt_u": WASTING_SCALE,
}
STATUS_KEYS = tuple(STATUS_CATEGORIES)

# Each cut-off is (value, inclusive): a z-score at or above an inclusive
# cut-off, or strictly above an exclusive one, moves up one category.
_CUT_OFFS: dict[str, tuple[tuple[float, bool], ...]] = {
    "bb_u": ((-3, True), (-2, True), (1, False)),
    "tb_u": ((-3, True), (-2, True), (3, False)),
    "bb_tb": ((-3, True), (-2, True), (1, False), (2, False), (3, False)),
    "imt_u": ((-3, True), (-2, True), (1, False), (2, False), (3, False)),
}
_NAME_LOOKUP = {
    key: np.array([*names, None], dtype=object) for key, names in STATUS_CATEGORIES.items()
}


def category_codes(key: str, zscore: np.ndarray) -> np.ndarray:
    """Permenkes 2/2020 category index of each z-score for status ``key``.

    Returns int8 codes into ``STATUS_CATEGORIES[key]``; NaN gives ``NO_CATEGORY``.
    """
    z = np.asarray(zscore, dtype=np.float64)
    codes = np.zeros(z.shape, dtype=np.int8)
    for value, inclusive in _CUT_OFFS[key]:
        codes += (z >= value) if inclusive else (z > value)
    codes[np.isnan(z)] = NO_CATEGORY
    return codes


def status_codes(
    zscores: Mapping[str, np.ndarray], flags: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Category codes of every status key; a flagged z-score gets none.

    ``bb_tb`` uses weight-for-length or weight-for-height, whichever the row has
    (the calculator fills at most one of them).
    """
    wfl = np.asarray(zscores["wfl"], dtype=np.float64)
    use_wfl = ~np.isnan(wfl)
    sources = {
        "bb_u": (zscores["wfa"], flags["wfa"]),
        "tb_u": (zscores["lhfa"], flags["lhfa"]),
        "bb_tb": (np.where(use_wfl, wfl, zscores["wfh"]), np.where(use_wfl, flags["wfl"], flags["wfh"])),
        "imt_u": (zscores["bfa"], flags["bfa"]),
    }
    codes = {}
    for key, (z, flagged) in sources.items():
        codes[key] = category_codes(key, z)
        codes[key][np.asarray(flagged, dtype=bool)] = NO_CATEGORY
    return codes


def category_names(key: str, codes: np.ndarray) -> np.ndarray:
    """Snake_case category names for ``codes`` (object array, None where no category)."""
    return _NAME_LOOKUP[key][codes]


def category(key: str, zscore: float | None) -> str | None:
    """Category name of one z-score, e.g. ``category("tb_u", -2.31) == "pendek"``."""
    if zscore is None:
        return None
    return category_names(key, category_codes(key, np.array([zscore])))[0]
