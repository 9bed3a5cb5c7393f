"""Signs a cadre acts on at the weighing table besides the Permenkes 2/2020 categories:
LiLA (lingkar lengan atas, mid-upper arm circumference, MUAC) and head circumference.

* **LiLA** - Kemenkes RI, *Pedoman Pencegahan dan Tatalaksana Gizi Buruk pada Balita* (2019),
  following WHO, *Guideline: updates on the management of severe acute malnutrition in infants
  and children* (2013): for children 6-59 months, LiLA < 11.5 cm is a sign of gizi buruk (severe
  acute malnutrition: refer to the puskesmas); 11.5 to < 12.5 cm a sign of gizi kurang (moderate:
  counselling and follow-up); 12.5 cm or more normal. Under 6 months LiLA is not used. The age is
  in completed months of 30.4375 days, as WHO's guideline and its software count them (the KMS's
  KBM counts calendar months, ``ages``): 6 months begin on day 183, 59 months end on day 1826.
* **Head circumference** - WHO Child Growth Standards: head circumference-for-age (2007): below
  -2 SD (microcephaly) or above +2 SD (macrocephaly) is a reason to refer to a health worker. The
  z-score is the one reported (rounded to 2 decimals, ``zscores``), so -2.00 is not below -2 SD;
  it exists up to day 1856 (WHO's table).

Like BGM (``trend``), a sign reads the value even when its z-score is flagged implausible: the
flag asks the cadre to re-measure and keeps the value out of prevalence, it does not hide a child
who may need referral. Neither sign changes the reports' wasting, which stays BB/PB-BB/TB or
oedema (domain.md); the bidan's action list names a child with a LiLA < 11.5 cm on its own
(``reports.action_list``). ``static/pwa/js/growth.js`` has the same rules (muacSign, headSign),
both checked against ``tests/data/lila_head_cases.json``.
Pure module: imports neither Flask nor the app's extensions.
"""

from __future__ import annotations

DAYS_PER_MONTH = 30.4375
MUAC_FROM_MONTH, MUAC_TO_MONTH = 6, 59
MUAC_SEVERE_BELOW_CM = 11.5  # gizi buruk: LiLA < 11.5 cm
MUAC_MODERATE_BELOW_CM = 12.5  # gizi kurang: 11.5 <= LiLA < 12.5 cm
MUAC_FROM_DAY = 183  # the first day of 6 completed months (183 / 30.4375 = 6.01)
MUAC_TO_DAY = 1826  # the last day of 59 completed months (1827 / 30.4375 = 60.02)
MUAC_SIGNS = ("gizi_buruk", "gizi_kurang", "normal")
HEAD_SIGNS = ("mikrosefali", "normal", "makrosefali")
REFERRED = {"muac_sign": ("gizi_buruk",), "head_sign": ("mikrosefali", "makrosefali")}
"""The signs that send the child on: LiLA to the puskesmas, head circumference to the bidan/puskesmas."""


def lila_applies(age_days: int | None) -> bool:
    """Whether LiLA is read at this age: 6-59 completed months (Kemenkes 2019; WHO 2013)."""
    return age_days is not None and MUAC_FROM_MONTH <= int(age_days // DAYS_PER_MONTH) <= MUAC_TO_MONTH


def muac_sign(age_days: int | None, muac_cm: float | None) -> str | None:
    """``gizi_buruk`` (LiLA < 11.5 cm), ``gizi_kurang`` (11.5 to < 12.5) or ``normal`` for a child of
    6-59 completed months; None under 6 months, from 60 months, or without a LiLA."""
    if muac_cm is None or not lila_applies(age_days):
        return None
    if muac_cm < MUAC_SEVERE_BELOW_CM:
        return "gizi_buruk"
    return "gizi_kurang" if muac_cm < MUAC_MODERATE_BELOW_CM else "normal"


def head_sign(hcfa: float | None) -> str | None:
    """``mikrosefali`` (head circumference-for-age z < -2), ``makrosefali`` (z > +2) or ``normal``
    (WHO); None without a z-score (no head circumference, or past day 1856)."""
    if hcfa is None:
        return None
    return "mikrosefali" if hcfa < -2 else "makrosefali" if hcfa > 2 else "normal"
