"""Vectorised WHO Child Growth Standards z-scores, following WHO's igrowup/anthro.

Method (WHO Multicentre Growth Reference Study Group 2006, ch. 7; WHO igrowup
macros; WHO ``anthro`` R package, ``R/z-score*.R``; ``shared/docs/domain.md``):

* Age in days is looked up at the whole day (half days round up, as anthro's
  ``round_up``); age in months is ``days / 30.4375``. Age-based z-scores exist
  for 0 <= days <= 1856 (igrowup; anthro >= 0.9.3 stops at 60.0 months), acfa
  from day 91 where its table starts.
* Length/height: with no position, under 731 days is lying, from 731 standing.
  Standing under 731 days adds 0.7 cm; lying from 731 days subtracts 0.7 cm.
  Standing under 9 months (days / 30.4375 < 9, i.e. day < 274) is implausible:
  like WHO anthro >= 1.0 (``c9mo_flag``) the position is treated as not
  recorded (so no 0.7 cm is added) and the warning
  ``standing_under_9_months`` is raised. BMI uses the adjusted value.
* Weight-for-length (45-110 cm) under 731 days, weight-for-height (65-120 cm)
  from 731 days; with unknown age the position decides, then length < 87 cm.
  Between 0.1 cm rows L, M and S are interpolated linearly.
* z = ((y/M)^L - 1) / (S L) (ln(y/M)/S when L = 0); beyond +-3 SD the
  restricted method for wfa, wfl, wfh, bfa and acfa (not lhfa, hcfa).
* Oedema: wfa, wfl, wfh and bfa are null. Measurements <= 0 give null, and so
  does a z-score that overflows (1e308 kg) - with the warning ``remeasure``.
* Rounded to 2 decimals, then flagged (WHO): wfa < -6 or > 5; lhfa beyond
  +-6; the others beyond +-5.

Rounding: the exact binary value is rounded to the nearest 0.01, ties away from
zero. This is JavaScript's ``Number.prototype.toFixed(2)`` (so ``growth.js``
is identical) and SAS/Stata's ``round(z, 0.01)``; R's ``round()`` used by
anthro gives the same except on exact ties (z = k + n/8), where R rounds half
to even. Pure module: imports neither Flask nor the app's extensions.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from . import categories
from .tables import MAX_AGE_DAYS, growth_tables

__all__ = [
    "INDICATORS", "GrowthBatch", "GrowthInputError", "calculate", "calculate_batch",
    "calculate_many", "lms_zscore", "measurement_columns", "restricted_zscore", "round_zscore", "sd_line",
]

INDICATORS = ("wfa", "lhfa", "wfl", "wfh", "bfa", "hcfa", "acfa")
FLAG_LIMITS = {
    "wfa": (-6.0, 5.0), "lhfa": (-6.0, 6.0), "wfl": (-5.0, 5.0), "wfh": (-5.0, 5.0),
    "bfa": (-5.0, 5.0), "hcfa": (-5.0, 5.0), "acfa": (-5.0, 5.0),
}
WARNINGS = (
    "standing_under_9_months", "age_over_60_months", "oedema",
    "length_height_out_of_range", "remeasure",
)
POSITION_UNKNOWN, POSITION_LYING, POSITION_STANDING = 0, 1, 2
DAYS_PER_MONTH = 30.4375
HEIGHT_FROM_DAYS = 731
MAX_INPUT_AGE_DAYS = (date.max - date.min).days  # 3652058: the most two dates can be apart
STANDING_PLAUSIBLE_FROM_DAYS = 274
LENGTH_HEIGHT_RANGES = {"wfl": (45.0, 110.0), "wfh": (65.0, 120.0)}
CHUNK_ROWS = 1 << 15  # rows per chunk: temporaries stay in cache; chunks run on all cores
_TENTH_TOLERANCE = 1e-6  # in tenths of a cm: absorbs float noise such as 73.5 + 0.7
SEXES = {"M": 1, "F": 2}
POSITIONS = {None: POSITION_UNKNOWN, "lying": POSITION_LYING, "standing": POSITION_STANDING}
MEASUREMENT_FIELDS = ("weight_kg", "length_height_cm", "head_circumference_cm", "muac_cm")
COLUMNS = ("sex", "age_days", *MEASUREMENT_FIELDS, "position", "oedema")
ROW_FIELDS = frozenset((*COLUMNS, "birth_date", "measured_on"))  # what a calculator row may hold


class GrowthInputError(ValueError):
    """Impossible calculator input (unknown sex, measured before birth, ...)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def round_zscore(z: np.ndarray) -> np.ndarray:
    """Round to 2 decimals: nearest of the exact value, ties away from zero."""
    z = np.asarray(z, dtype=np.float64)
    huge = np.abs(z) >= 1e15  # no hundredths left to round (and * 100 could overflow): as toFixed
    safe = np.where(huge, 0.0, z)
    hundredths = np.abs(safe) * 100.0
    rounded = np.floor(hundredths + 0.5)
    near_tie = np.abs(hundredths - np.floor(hundredths) - 0.5) < 1e-6
    for i in np.flatnonzero(near_tie):  # decide these few on the exact binary value
        exact = Decimal(float(abs(safe.flat[i]))).quantize(Decimal("0.01"), ROUND_HALF_UP)
        rounded.flat[i] = float(exact * 100)
    return np.where(huge, z, np.copysign(rounded / 100.0, safe)) + 0.0  # + 0.0 turns -0.0 into 0.0


def lms_zscore(y: np.ndarray, lms: np.ndarray) -> np.ndarray:
    """WHO LMS z-score ((y/M)^L - 1)/(S L), or ln(y/M)/S where L is 0."""
    l, m, s = lms[:, 0], lms[:, 1], lms[:, 2]
    with np.errstate(all="ignore"):
        ratio = y / m
        z = (ratio**l - 1.0) / (s * l)
        zero = l == 0
        if zero.any():
            z[zero] = np.log(ratio[zero]) / s[zero]
    return z


def sd_line(lms: np.ndarray, sd: float) -> np.ndarray:
    """Measurement at ``sd`` SDs: M (1 + L S sd)^(1/L), or M exp(S sd) for L = 0."""
    l, m, s = lms[:, 0], lms[:, 1], lms[:, 2]
    with np.errstate(all="ignore"):
        return np.where(l == 0, m * np.exp(s * sd), m * (1.0 + l * s * sd) ** (1.0 / l))


_sd_line = sd_line  # older private name, still used by posyandu/growth/chart.py


def restricted_zscore(y: np.ndarray, lms: np.ndarray) -> np.ndarray:
    """LMS z-score with WHO's restricted application beyond +-3 SD.

    Above +3: 3 + (y - SD3pos) / (SD3pos - SD2pos); below -3:
    -3 + (y - SD3neg) / (SD2neg - SD3neg) (WHO 2006, ch. 7, p. 302).
    """
    z = lms_zscore(y, lms)
    for sign in (1.0, -1.0):
        beyond = np.flatnonzero(z * sign > 3.0)
        if beyond.size:
            part = lms[beyond]
            sd3, sd2 = sd_line(part, 3.0 * sign), sd_line(part, 2.0 * sign)
            z[beyond] = 3.0 * sign + (y[beyond] - sd3) / np.abs(sd3 - sd2)
    return z


@dataclass
class GrowthBatch:
    """Column results of :func:`calculate_batch`; NaN means null."""

    age_days: np.ndarray
    age_months: np.ndarray
    zscores: dict[str, np.ndarray]
    flags: dict[str, np.ndarray]
    warnings: np.ndarray  # uint8 bitmask over WARNINGS
    status: dict[str, np.ndarray]  # int8 codes into categories.STATUS_CATEGORIES

    def __len__(self) -> int:
        return len(self.age_days)

    def to_results(self) -> list[dict]:
        """One API result dict per row, shaped as in ``api-contract.md``."""
        return _results(self)


def _column(values, n: int) -> np.ndarray:
    if values is None:
        return np.full(n, np.nan)
    return np.asarray(values, dtype=np.float64)


def _adjusted_length_height(day, known, position, length_height):
    """WHO's 0.7 cm length/height conversion and the under-9-months check."""
    implausible = known & (position == POSITION_STANDING) & (day < STANDING_PLAUSIBLE_FROM_DAYS)
    position = np.where(implausible, POSITION_UNKNOWN, position)
    young = known & (day < HEIGHT_FROM_DAYS)
    shift = np.where(young & (position == POSITION_STANDING), 0.7, 0.0)
    shift = np.where(known & ~young & (position == POSITION_LYING), -0.7, shift)
    return length_height + shift, position, implausible


def _by_length(table, sex, length_height, usable):
    """Interpolated L, M, S rows of a 0.1 cm table (NaN outside its range)."""
    tenths = np.where(usable, length_height * 10.0, np.nan)
    low = np.floor(tenths + _TENTH_TOLERANCE)
    step = tenths - low
    step = np.where(step < _TENTH_TOLERANCE, 0.0, step)
    inside = (low >= table.first) & ((low < table.last) | ((low == table.last) & (step == 0)))
    low = np.where(inside, low, -1).astype(np.int64)
    lower, upper = table.rows(sex, low), table.rows(sex, np.where(step > 0, low + 1, low))
    return lower + step[:, None] * (upper - lower)


def _weight_for_length_height(sex, day, known, position, length_height, weight, usable):
    """wfl and wfh z-scores: the table follows age, else position, else 87 cm."""
    lying = (position == POSITION_LYING) | ((position == POSITION_UNKNOWN) & (length_height < 87))
    choose = {"wfl": np.where(known, day < HEIGHT_FROM_DAYS, lying)}
    choose["wfh"] = ~choose["wfl"]
    tables, out = growth_tables(), {}
    for name in ("wfl", "wfh"):
        lms = _by_length(tables[name], sex, length_height, usable & choose[name])
        out[name] = restricted_zscore(weight, lms)
    return out


def _age_zscores(sex, day, age_ok, measures):
    """Age-based z-scores; ``measures`` maps indicator to (y, usable)."""
    tables, out = growth_tables(), {}
    index = np.where(age_ok, day, -1)
    for name, (y, usable) in measures.items():
        lms = tables[name].rows(sex, np.where(usable, index, -1))
        restricted = name in ("wfa", "bfa", "acfa")
        out[name] = restricted_zscore(y, lms) if restricted else lms_zscore(y, lms)
    return out


def _warning_bits(**conditions: np.ndarray) -> np.ndarray:
    bits = np.zeros(len(next(iter(conditions.values()))), dtype=np.uint8)
    for name, condition in conditions.items():
        bits |= condition.astype(np.uint8) << WARNINGS.index(name)
    return bits


def calculate_batch(
    sex, age_days, weight_kg=None, length_height_cm=None, position=None,
    head_circumference_cm=None, muac_cm=None, oedema=None,
) -> GrowthBatch:
    """Z-scores, flags, warnings and status for columns of measurements.

    ``sex`` 1 male / 2 female; ``age_days`` whole days (NaN unknown);
    ``position`` 0 unknown / 1 lying / 2 standing; measurements in kg and cm
    (NaN absent); ``oedema`` booleans. Returns a :class:`GrowthBatch`.
    Large inputs are computed in chunks that stay in the CPU cache.
    """
    columns = dict(sex=sex, age_days=age_days, weight_kg=weight_kg, length_height_cm=length_height_cm,
                   position=position, head_circumference_cm=head_circumference_cm, muac_cm=muac_cm, oedema=oedema)
    n = len(sex)
    if n <= CHUNK_ROWS:
        return _calculate_chunk(**columns)
    growth_tables()  # load once before the threads start
    chunks = [{k: None if v is None else v[i:i + CHUNK_ROWS] for k, v in columns.items()}
              for i in range(0, n, CHUNK_ROWS)]
    with ThreadPoolExecutor(max_workers=min(os.cpu_count() or 1, len(chunks))) as pool:
        parts = list(pool.map(lambda chunk: _calculate_chunk(**chunk), chunks))  # NumPy releases the GIL
    return _concatenate(parts)


def _concatenate(parts: list[GrowthBatch]) -> GrowthBatch:
    def joined(name):
        return {k: np.concatenate([getattr(p, name)[k] for p in parts]) for k in getattr(parts[0], name)}

    return GrowthBatch(
        np.concatenate([p.age_days for p in parts]), np.concatenate([p.age_months for p in parts]),
        joined("zscores"), joined("flags"), np.concatenate([p.warnings for p in parts]), joined("status"),
    )


def _calculate_chunk(
    sex, age_days, weight_kg=None, length_height_cm=None, position=None,
    head_circumference_cm=None, muac_cm=None, oedema=None,
) -> GrowthBatch:
    sex = np.asarray(sex, dtype=np.int64)
    n = len(sex)
    age = _column(age_days, n)
    # an age past any two dates' distance is not an age (and would overflow the whole-day cast)
    known = np.isfinite(age) & (age >= 0) & (age <= MAX_INPUT_AGE_DAYS)
    day = np.where(known, np.floor(age + 0.5), -1.0).astype(np.int64)
    age_ok = known & (day <= MAX_AGE_DAYS)
    weight, raw_length = _column(weight_kg, n), _column(length_height_cm, n)
    position = np.zeros(n, np.int64) if position is None else np.asarray(position, np.int64)
    swollen = np.zeros(n, bool) if oedema is None else np.asarray(oedema, dtype=bool)
    length, position, implausible = _adjusted_length_height(day, known, position, raw_length)
    weight_ok, length_ok = weight > 0, length > 0
    # a length given that the 0.7 cm conversion takes to nothing (0.5 cm lying at 2 years): none, re-measure
    lost = (raw_length > 0) & ~length_ok
    # absurd values (a length of 1e308 cm) overflow on the way: inf and NaN are what _finish expects
    with np.errstate(all="ignore"):
        bmi = weight / (length / 100.0) ** 2
        head, muac = _column(head_circumference_cm, n), _column(muac_cm, n)
        z = _age_zscores(sex, day, age_ok, {
            "wfa": (weight, weight_ok & ~swollen), "lhfa": (length, length_ok),
            "bfa": (bmi, weight_ok & length_ok & ~swollen), "hcfa": (head, head > 0),
            "acfa": (muac, muac > 0),
        })
        usable = weight_ok & length_ok & ~swollen & (~known | age_ok)
        z.update(_weight_for_length_height(sex, day, known, position, length, weight, usable))
        return _finish(z, age, day, known, swollen, implausible, usable, lost)


def _finish(z, age, day, known, swollen, implausible, usable, lost) -> GrowthBatch:
    zscores = {name: round_zscore(z[name]) for name in INDICATORS}
    # absurd input (1e308 kg, a length of 1e-300 cm) overflows: no z-score, and re-measure
    overflowed = np.logical_or.reduce([np.isinf(zscores[name]) for name in INDICATORS])
    neither = np.isnan(zscores["wfl"]) & np.isnan(zscores["wfh"])
    zscores = {name: np.where(np.isinf(v), np.nan, v) for name, v in zscores.items()}
    flags = {name: (zscores[name] < lo) | (zscores[name] > hi) for name, (lo, hi) in FLAG_LIMITS.items()}
    flagged = np.logical_or.reduce([flags[name] for name in INDICATORS]) | overflowed
    warnings = _warning_bits(
        standing_under_9_months=implausible, age_over_60_months=known & (day > MAX_AGE_DAYS),
        oedema=swollen, length_height_out_of_range=usable & neither, remeasure=flagged | lost,
    )
    age_days = np.where(known, day, np.nan)
    age_months = round_zscore(age_days / DAYS_PER_MONTH)
    status = categories.status_codes(zscores, flags)
    return GrowthBatch(age_days, age_months, zscores, flags, warnings, status)


def _result_columns(batch: GrowthBatch) -> dict[str, list]:
    """The batch as plain lists, null as None: ``age_days``, ``age_months``, ``warnings``
    (names per row), ``z_<indicator>``, ``flag_<indicator>`` (None where the z-score is) and
    each status key."""
    out: dict[str, list] = {
        "age_days": [None if d != d else int(d) for d in batch.age_days.tolist()],
        "age_months": [None if m != m else m for m in batch.age_months.tolist()],
        "warnings": [[w for j, w in enumerate(WARNINGS) if bits >> j & 1] if bits else []
                     for bits in batch.warnings.tolist()],
    }
    for name in INDICATORS:
        z = out["z_" + name] = [None if v != v else v for v in batch.zscores[name].tolist()]
        out["flag_" + name] = [None if zi is None else f for zi, f in zip(z, batch.flags[name].tolist())]
    for key, codes in batch.status.items():
        out[key] = categories.category_names(key, codes).tolist()
    return out


def _results(batch: GrowthBatch) -> list[dict]:
    cols = _result_columns(batch)
    return [{
        "age_days": cols["age_days"][i],
        "age_months": cols["age_months"][i],
        "zscores": {k: cols["z_" + k][i] for k in INDICATORS},
        "flags": {k: cols["flag_" + k][i] for k in INDICATORS},
        "warnings": cols["warnings"][i],
        "status": {key: cols[key][i] for key in categories.STATUS_KEYS},
    } for i in range(len(batch))]


def stored_values(batch: GrowthBatch) -> list[dict]:
    """One dict per row of the values a stored measurement keeps (its model's columns):
    ``z_<indicator>``, the status keys, ``age_days``, ``flags``, ``warnings`` and ``flagged``
    (a flag raised); the same values as :meth:`GrowthBatch.to_results`, flat."""
    cols = _result_columns(batch)
    # row by row from the columns zipped (indexing each column per row was most of the time)
    keys = (*("z_" + k for k in INDICATORS), *categories.STATUS_KEYS, "age_days")
    by_row = zip(*(cols[key] for key in keys))
    flags_by_row = zip(*(cols["flag_" + k] for k in INDICATORS))
    out = []
    for row, row_flags, warnings in zip(by_row, flags_by_row, cols["warnings"]):
        values = dict(zip(keys, row))
        values.update(flags=dict(zip(INDICATORS, row_flags)), warnings=warnings, flagged=any(row_flags))
        out.append(values)
    return out


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _as_date(value, field: str) -> date:
    """A date, or text of exactly YYYY-MM-DD (as growth.js reads it: Python's ``fromisoformat`` also
    takes '20240301' and the week date '2024-W10-1', which the phone refuses)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        if not (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise GrowthInputError(field, "must be an ISO date (YYYY-MM-DD)") from None


def _is_number(value) -> bool:
    """A finite number within float range (a JSON integer of 400 digits is not: it overflowed)."""
    if not isinstance(value, (int, float, Decimal)) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def _age_days(row: Mapping) -> int:
    """Age in days: ``age_days``, or ``measured_on - birth_date``."""
    age = row.get("age_days")
    if age is not None:
        if not _is_number(age) or age < 0 or age > MAX_INPUT_AGE_DAYS or not float(age).is_integer():
            raise GrowthInputError("age_days", f"must be a whole number of days, 0 to {MAX_INPUT_AGE_DAYS}")
        return int(age)
    if row.get("birth_date") is None or row.get("measured_on") is None:
        raise GrowthInputError("age_days", "give age_days, or birth_date and measured_on")
    days = (_as_date(row["measured_on"], "measured_on") - _as_date(row["birth_date"], "birth_date")).days
    if days < 0:
        raise GrowthInputError("measured_on", "is before birth_date")
    return days


def _field_value(row: Mapping, field: str):
    value = row.get(field)
    if field == "sex":
        if not isinstance(value, str) or value.upper() not in SEXES:
            raise GrowthInputError("sex", 'must be "M" or "F"')
        return SEXES[value.upper()]
    if field == "age_days":
        return _age_days(row)
    if field == "position":
        if not (value is None or isinstance(value, str)) or value not in POSITIONS:  # a list: unhashable
            raise GrowthInputError("position", 'must be "lying" or "standing"')
        return POSITIONS[value]
    if field == "oedema":
        if value is not None and not isinstance(value, bool):
            raise GrowthInputError("oedema", "must be true or false")
        return bool(value)
    if value is not None and (not _is_number(value) or value <= 0):
        raise GrowthInputError(field, "must be a positive number")
    return math.nan if value is None else float(value)


def measurement_columns(measurements: Sequence[Mapping], raise_errors: bool = False):
    """Columns for :func:`calculate_batch` from API-shaped dicts, and row errors.

    Returns ``(columns, errors)``; ``errors`` maps a row index to
    ``{field: [message]}`` and that row is left out of the columns.
    """
    rows, errors = [], {}
    for i, row in enumerate(measurements):
        row = row if isinstance(row, Mapping) else {}  # once a row: an ABC's check is slow
        values, problems = [], {}
        for field in COLUMNS:
            try:
                values.append(_field_value(row, field))
            except GrowthInputError as error:
                if raise_errors:
                    raise
                problems[error.field] = [error.message]
        if problems:
            errors[i] = problems
        else:
            rows.append(values)
    table = np.array(rows, dtype=np.float64).reshape(-1, len(COLUMNS))
    return {name: table[:, j] for j, name in enumerate(COLUMNS)}, errors


def calculate_many(measurements: Sequence[Mapping]) -> list[dict]:
    """Results for API-shaped measurement dicts, in order.

    A row with impossible input gets ``{"errors": {field: [message]}}`` in its
    place (api-contract.md); the other rows are still computed. So does a row with a
    field no row has: "weigth_kg" was ignored, the row answered with every z-score null.
    """
    columns, errors = measurement_columns(measurements)
    results = iter(calculate_batch(**columns).to_results())
    out = [{"errors": errors[i]} if i in errors else next(results) for i in range(len(measurements))]
    for i, row in enumerate(measurements):
        if isinstance(row, Mapping) and not row.keys() <= ROW_FIELDS:
            unknown = {str(key): ["Unknown field."] for key in row if key not in ROW_FIELDS}
            out[i] = {"errors": {**out[i].get("errors", {}), **unknown}}
    return out


def calculate(measurement: Mapping) -> dict:
    """Result for one API-shaped measurement; raises :class:`GrowthInputError`."""
    columns, errors = measurement_columns([measurement], raise_errors=True)
    return calculate_batch(**columns).to_results()[0]
