"""KMS growth trend: N, T, O, B, BGM and 2T (Buku KIA; shared/docs/domain.md).

Rules (Buku KIA / Standar Pemantauan Pertumbuhan Balita, as in domain.md):

* **N** (naik): weighed this month and last month, gain >= KBM (kenaikan berat
  badan minimal) for the child's age. **T** (tidak naik): weighed both months,
  gain below KBM or a loss.
* **O**: weighed this month but not last month. **B**: weighed for the first time (in
  the calendar month of the first weighing: re-weighed later that month, still B).
* **BGM** (bawah garis merah): weight-for-age z < -3. **2T**: T this month and
  T last month. BGM, 2T and weight-for-age above +1 SD mean referral.

Definitions used here (documented choices):

* "This month" and "last month" are calendar months of ``measured_on``
  (posyandu sessions are monthly). With several weighings in a month the
  latest one of each month counts.
* Age for the KBM lookup is in completed months at the current weighing, counted as the
  Buku KIA and the KMS count them: calendar months (``ages.completed_months``: born 1 January,
  4 months old on 1 May), as the app says the child's age beside her N or T and as the schedule,
  vitamin A and the reports count it. WHO's 30.4375-day months (121 days: 3.97, "3 months") judged
  such a weighing by the month before's KBM, 800 g instead of 600 g, near each monthly birthday.
  KBM tables start at month 1, so month 0 uses month 1's value and ages past the last listed month
  use the last one.
* The KMS ends with the fifth year: the KBM table stops at 60 completed months, WHO's weight-for-age
  at day 1856. A weighing at 61 completed months or more, or after day 1856 (whichever comes first),
  has no trend (None: no N, T, O or B), so no 2T and no KMS referral either; the app says the KMS is
  over when her z-scores are.
* The gain is compared in whole grams (``floor(kg * 1000 + 0.5)`` of each
  weight), so 7.5 -> 8.3 kg is exactly 800 g; ``growth.js`` does the same.

A health worker may override N/T (Buku KIA: the direction of the curve decides
when in doubt): ``Weighing.override``. It stands only over a computed N or T (O and
B cannot be N or T: there is no last month to compare with), an N only over a gain (a
weight flat or down is T), and 2T follows it in
both months: a month overridden to N is neither the first nor the second T of a 2T, one
overridden to T is either (``effective_trend``).
Pure module: imports neither Flask nor the app's extensions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from posyandu.ages import completed_months

DEFAULT_KBM: dict[int, int] = {
    1: 800, 2: 900, 3: 800, 4: 600, 5: 500, 6: 400, 7: 400, 8: 300, 9: 300, 10: 300, 11: 200,
    **{month: 200 for month in range(12, 61)},
}
"""KBM in grams by age in completed months (domain.md; keep it as versioned data)."""

NAIK, TIDAK_NAIK, TIDAK_DITIMBANG_BULAN_LALU, BARU = "N", "T", "O", "B"
KMS_LAST_MONTH = 60
"""The KMS (and its KBM table) covers ages up to 60 completed months (domain.md)."""
KMS_LAST_DAY = 1856
"""And up to WHO's last day (``tables.MAX_AGE_DAYS``), where weight-for-age ends: a weighing past it has no
z-score, so no BGM, and no N/T either (born 1 January 2020, 31 January 2025 is 60 calendar months, day 1857)."""


@dataclass(frozen=True)
class Weighing:
    """One weighing of a child: date, weight, (optionally) its wfa z-score and a health
    worker's N/T override."""

    measured_on: date
    weight_kg: float
    wfa: float | None = None
    override: str | None = None


@dataclass(frozen=True)
class KmsTrend:
    """The KMS result of one weighing."""

    trend: str | None  # N, T, O or B; None past the KMS (over 60 months)
    age_months: int
    kbm_g: int | None  # KBM that applied (N/T only)
    gain_g: int | None  # weight gain since last month's weighing (N/T only)
    bgm: bool  # weight-for-age below -3 SD
    two_t: bool  # T this month and last month
    above_plus_one: bool  # weight-for-age above +1 SD (above the orange line)

    @property
    def referral(self) -> bool:
        """BGM, 2T or weight-for-age above +1 SD: refer to the health worker."""
        return self.bgm or self.two_t or self.above_plus_one


def kbm_for_age(age_months: int, kbm: Mapping[int, int] = DEFAULT_KBM) -> int:
    """KBM (grams) for an age in completed months, per the KBM table."""
    if age_months in kbm:  # listed: its own value (the table lists most months)
        return kbm[age_months]
    months = sorted(kbm)
    listed = [m for m in months if m <= age_months]
    return kbm[listed[-1] if listed else months[0]]


def month_index(day: date) -> int:
    """Calendar month as a running number, so consecutive months differ by 1."""
    return day.year * 12 + day.month - 1


def grams(weight_kg: float) -> int:
    return math.floor(weight_kg * 1000 + 0.5)


def kms_trend(
    birth_date: date,
    current: Weighing,
    last_month: Weighing | None,
    weighed_before: bool,
    kbm: Mapping[int, int] = DEFAULT_KBM,
    age_months: int | None = None,
) -> tuple[str | None, int | None, int | None]:
    """N, T, O or B for ``current``, with the gain and KBM used (Buku KIA); None past the KMS
    (older than ``KMS_LAST_MONTH`` completed months, or than ``KMS_LAST_DAY`` days).

    ``last_month`` is the latest weighing of the previous calendar month (or
    None); ``weighed_before`` says whether the child was ever weighed earlier.
    ``age_months``: the child's age at ``current`` if already known.
    """
    if age_months is None:
        age_months = completed_months(birth_date, current.measured_on)
    if age_months > KMS_LAST_MONTH or (current.measured_on - birth_date).days > KMS_LAST_DAY:
        return None, None, None
    if last_month is None:
        return (TIDAK_DITIMBANG_BULAN_LALU if weighed_before else BARU), None, None
    if month_index(last_month.measured_on) != month_index(current.measured_on) - 1:
        raise ValueError("last_month must be a weighing of the previous calendar month")
    needed = kbm_for_age(age_months, kbm)
    gain = grams(current.weight_kg) - grams(last_month.weight_kg)
    return (NAIK if gain >= needed else TIDAK_NAIK), gain, needed


def effective_trend(computed: str | None, override: str | None, gain_g: int | None = None) -> str | None:
    """The trend that counts: a health worker's N/T override over a computed N or T; a
    computed O or B (or none) stands, whatever override is stored (its previous month's
    weighing may have been deleted since the override was made). An N stands only over a gain
    (``gain_g`` > 0): a weight flat or down is T (Buku KIA: "grafik BB mendatar atau menurun"),
    whatever was judged before a weighing of the two months was corrected."""
    if override in (NAIK, TIDAK_NAIK) and computed in (NAIK, TIDAK_NAIK) and \
            not (override == NAIK and gain_g is not None and gain_g <= 0):
        return override
    return computed


def kms_status(
    birth_date: date,
    current: Weighing,
    last_month: Weighing | None,
    weighed_before: bool,
    last_month_trend: str | None = None,
    kbm: Mapping[int, int] = DEFAULT_KBM,
) -> KmsTrend:
    """Trend plus BGM, 2T and the referral signs for one weighing (Buku KIA). ``trend`` is the
    computed one; 2T reads the trend that counts in both months (a health worker's override)."""
    age_months = completed_months(birth_date, current.measured_on)
    trend, gain, needed = kms_trend(birth_date, current, last_month, weighed_before, kbm, age_months)
    wfa = current.wfa
    return KmsTrend(
        trend=trend,
        age_months=age_months,
        kbm_g=needed,
        gain_g=gain,
        bgm=wfa is not None and wfa < -3,
        two_t=effective_trend(trend, current.override, gain) == TIDAK_NAIK and last_month_trend == TIDAK_NAIK,
        above_plus_one=wfa is not None and wfa > 1,
    )


def series_trends(
    birth_date: date, weighings: Sequence[Weighing], kbm: Mapping[int, int] = DEFAULT_KBM,
    weighed_before: bool = False,
) -> list[KmsTrend]:
    """KMS results for a child's whole series, in the order given.

    Each weighing is compared with the latest weighing of the previous calendar
    month; 2T looks at the trend that counts (``effective_trend``: a health worker's
    override included) of the latest weighing of the previous month. The results are
    the computed trends; the override is applied by the caller.
    Used when a child's record is recomputed (e.g. a corrected birth date).
    ``weighed_before``: the child was weighed before the first of ``weighings`` (the
    series is a window of a longer one; a first weighing is then O, not B).
    """
    order = sorted(range(len(weighings)), key=lambda i: weighings[i].measured_on)
    latest: dict[int, Weighing] = {}
    for i in order:  # stable sort: the later entry of a same-day pair wins
        latest[month_index(weighings[i].measured_on)] = weighings[i]
    month_trend: dict[int, str] = {}
    results: dict[int, KmsTrend] = {}
    first_month = month_index(weighings[order[0]].measured_on) if order else 0
    for i in order:
        month = month_index(weighings[i].measured_on)
        # B is the month of the first weighing: a second weighing that month is still new, not O
        result = kms_status(birth_date, weighings[i], latest.get(month - 1), weighed_before or month > first_month,
                            month_trend.get(month - 1), kbm)
        results[i] = result
        if latest[month] is weighings[i]:
            month_trend[month] = effective_trend(result.trend, weighings[i].override, result.gain_g)
    return [results[i] for i in range(len(weighings))]
