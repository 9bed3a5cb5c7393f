"""WHO Child Growth Standards (2006) LMS tables as NumPy arrays.

The tables are WHO's own igrowup/anthro files (see ``data/SOURCE.md``), copied
into the package and read from disk on first use, never fetched. They are
parsed once per process with ``numpy.loadtxt`` and cached: parsing all seven
takes about 25 ms here, so no binary cache file is kept (measured; a ``.npz``
cache would save ~20 ms at the cost of a writable location to manage).

Each table is one array of shape ``(3 sexes, n, 3)`` holding L, M and S, indexed
by sex (1 male, 2 female; row 0 is unused and NaN) and by position from the
table's first index: the age in whole days (0..1856; acfa from 91) or the
length/height in tenths of a centimetre (wfl 450..1100, wfh 650..1200).
Positions that WHO gives no value for are NaN.

This module is pure: it imports neither Flask nor the app's extensions.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).with_name("data")

MAX_AGE_DAYS = 1856
"""Last day of month 60; WHO's igrowup computes age-based z-scores to here."""

AGE_TABLE_FILES = {
    "wfa": "weianthro.txt",
    "lhfa": "lenanthro.txt",
    "bfa": "bmianthro.txt",
    "hcfa": "hcanthro.txt",
    "acfa": "acanthro.txt",
}
LENGTH_TABLE_FILES = {"wfl": "wflanthro.txt", "wfh": "wfhanthro.txt"}
TABLE_FILES = {**AGE_TABLE_FILES, **LENGTH_TABLE_FILES}


@dataclass(frozen=True)
class LmsTable:
    """One WHO table: L, M, S per sex and per index step (day or 0.1 cm)."""

    name: str
    first: int
    last: int
    lms: np.ndarray  # shape (3, last - first + 1, 3); [sex, index - first, (L, M, S)]

    def rows(self, sex: np.ndarray, index: np.ndarray) -> np.ndarray:
        """L, M, S rows (shape ``(n, 3)``) for integer ``sex`` and ``index``.

        Out-of-range positions give NaN rows, so the z-score there is null.
        """
        span = self.last - self.first + 1
        offset = np.asarray(index, dtype=np.int64) - self.first
        sex = np.asarray(sex, dtype=np.int64)
        inside = (offset >= 0) & (offset < span) & ((sex == 1) | (sex == 2))
        flat = np.where(inside, sex * span + offset, 0)  # row 0 of sex 0 is NaN
        return self.lms.reshape(-1, 3)[flat]


@dataclass(frozen=True)
class GrowthTables:
    """All tables the growth calculator needs, keyed by indicator."""

    tables: dict[str, LmsTable]

    def __getitem__(self, indicator: str) -> LmsTable:
        return self.tables[indicator]

    def as_dict(self) -> dict[str, LmsTable]:
        return dict(self.tables)


def _read_table(name: str, filename: str) -> LmsTable:
    raw = np.loadtxt(DATA_DIR / filename, skiprows=1, usecols=range(5), delimiter="\t")
    scale = 10 if name in LENGTH_TABLE_FILES else 1
    index = np.rint(raw[:, 1] * scale).astype(np.int64)
    first, last = int(index.min()), int(index.max())
    lms = np.full((3, last - first + 1, 3), np.nan)
    lms[raw[:, 0].astype(np.int64), index - first] = raw[:, 2:5]
    return LmsTable(name=name, first=first, last=last, lms=lms)


@functools.cache
def growth_tables() -> GrowthTables:
    """Load (once per process) and return every WHO table used here."""
    return GrowthTables({name: _read_table(name, f) for name, f in TABLE_FILES.items()})
