"""Build ``growth_fixtures.json`` from WHO reference material (see README.md).

Run from the repository root: ``python tests/data/who_make_fixtures.py``.
Nothing here calls the project's growth engine: expectations are WHO's own
numbers (igrowup / anthro outputs, published SD tables, anthro's tests) or
hand arithmetic on a row of WHO's LMS tables, written out in each ``source``.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

HERE = Path(__file__).resolve().parent
TABLES = HERE.parents[1] / "posyandu" / "growth" / "data"
SURVEY = "WHO igrowup example survey, survey_z_rc.csv (ewheeler/pygrowup pygrowup/survey_z_rc.csv @d6697264)"
MACRO = "WHO anthro macro MySurvey_z_st (spoon-foundation/jsgrowup2 src/tests/data_who.ts @eff9050d)"
SD_TABLE = "WHO SD table {file} (ewheeler/pygrowup pygrowup/tables @7ce09543), {label} row {index}"
ANTHRO = "WHO anthro R package, WorldHealthOrganization/anthro tests/testthat/{file}"
SD_COLUMNS = ("SD3neg", "SD2neg", "SD1neg", "SD0", "SD1", "SD2", "SD3")
MAX_SD_TOLERANCE = 0.15
SD_Z = dict(zip(SD_COLUMNS, (-3, -2, -1, 0, 1, 2, 3)))


def number(text: str) -> float | None:
    return float(text) if text.strip() else None


def survey_rows() -> list[dict]:
    """All 498 rows of WHO's example survey with igrowup's and the macro's z-scores."""
    macro = {r["id"]: r for r in csv.DictReader(open(HERE / "who_anthro_survey_z_st_hc_ac.csv"))}
    rows = []
    for r in csv.DictReader(open(HERE / "who_igrowup_survey_z_rc.csv")):
        day = int(r["_agedays"])
        row = {"id": f"igrowup-survey-{r['id']}", "sex": "M" if r["GENDER"] == "1" else "F", "age_days": day}
        fields = {"weight_kg": "WEIGHT", "length_height_cm": "HEIGHT", "head_circumference_cm": "HEAD", "muac_cm": "MUAC"}
        row.update({k: number(r[c]) for k, c in fields.items() if number(r[c]) is not None})
        if r["measure"]:
            row["position"] = {"l": "lying", "h": "standing"}[r["measure"]]
        row["oedema"] = r["oedema"] == "y"
        wfl = "wfl" if day < 731 else "wfh"
        z = {"wfa": "_ZWEI", "lhfa": "_ZLEN", wfl: "_ZWFL", "bfa": "_ZBMI"}
        f = {"wfa": "_FWEI", "lhfa": "_FLEN", wfl: "_FWFL", "bfa": "_FBMI"}
        zscores = {k: number(r[c]) for k, c in z.items()}
        zscores["wfh" if wfl == "wfl" else "wfl"] = None
        zscores["hcfa"], zscores["acfa"] = number(macro[r["id"]]["zhc"]), number(macro[r["id"]]["zac"])
        flags = {k: (None if zscores[k] is None else r[c] == "1") for k, c in f.items()}
        row["expected"] = {"age_days": day, "zscores": zscores, "flags": flags}
        row["source"] = f"{SURVEY} id {r['id']}; hcfa/acfa: {MACRO} id {r['id']}"
        rows.append(row)
    return rows


def sd_table_rows() -> list[dict]:
    """WHO SD tables: the published SD lines must come back as their z-score.

    WHO prints the SD lines to 0.1 kg/cm, so the tolerance is 0.01 plus half a
    last digit (0.05) divided by the distance to the neighbouring SD line. The
    monthly tables are for exact ages (month x 30.4375 days) while the daily
    lookup uses the whole day, so the change of the daily M over that fraction
    of a day (WHO's daily table) is added to the half digit.
    """
    rows = []
    for r in csv.DictReader(open(HERE / "who_sd_tables.csv")):
        values = {c: float(r[c]) for c in SD_COLUMNS}
        for column in ("SD3neg", "SD2neg", "SD0", "SD2", "SD3"):
            row = _sd_row(r, values, column)
            if row["tolerance"] <= MAX_SD_TOLERANCE:  # else the printed digit says too little
                rows.append(row)
    return rows


def _sd_row(r: dict, values: dict, column: str) -> dict:
    table, z = r["table"], SD_Z[column]
    i = SD_COLUMNS.index(column)
    gaps = [abs(values[SD_COLUMNS[j]] - values[column]) for j in (i - 1, i + 1) if 0 <= j < len(SD_COLUMNS)]
    y = values[column]
    tolerance = round(0.01 + (0.05 + _age_drift(table, r["sex"], r["index"], y)) / min(gaps), 3)
    row = {"id": f"who-sd-{table}-{r['sex']}-{r['index']}-{column}", "sex": r["sex"]}
    if table in ("wfl", "wfh"):
        lying = table == "wfl"
        row.update(age_days=300 if lying else 1000, weight_kg=y, length_height_cm=float(r["index"]),
                   position="lying" if lying else "standing")
    else:
        day = math.floor(int(r["index"]) * 30.4375 + 0.5)
        row["age_days"] = day
        position = "lying" if day < 731 else "standing"
        measure = {"lhfa": "length_height_cm", "hcfa": "head_circumference_cm", "acfa": "muac_cm", "wfa": "weight_kg"}
        if table == "bfa":  # BMI = weight / 1 m^2 at 100 cm
            row.update(weight_kg=y, length_height_cm=100.0, position=position)
        else:
            row[measure[table]] = y
            if table == "lhfa":
                row["position"] = position
    label = "length/height (cm)" if table in ("wfl", "wfh") else "month"
    row["expected"] = {"zscores": {table: float(z)}}
    row["tolerance"] = tolerance
    row["source"] = SD_TABLE.format(file=r["file"], label=label, index=r["index"]) + f", {column} = {y}"
    return row


def _age_drift(table: str, sex: str, index: str, y: float) -> float:
    """How far the SD line moves between the exact monthly age and the whole day used."""
    if table in ("wfl", "wfh"):
        return 0.0
    exact = int(index) * 30.4375
    low, high = math.floor(exact), math.ceil(exact)
    if low == high or high > 1856:
        return 0.0
    m_low, m_high = lms(table, sex, low)[1], lms(table, sex, high)[1]
    return abs(m_high - m_low) * abs(exact - math.floor(exact + 0.5)) * y / m_low


def lms(table: str, sex: str, index: float) -> tuple[float, float, float]:
    """One row (L, M, S) of WHO's LMS table file."""
    name = {"wfa": "weianthro", "lhfa": "lenanthro", "bfa": "bmianthro", "wfl": "wflanthro", "wfh": "wfhanthro",
            "acfa": "acanthro", "hcfa": "hcanthro"}[table]
    code = "1" if sex == "M" else "2"
    for line in open(TABLES / f"{name}.txt").read().splitlines()[1:]:
        cells = line.split("\t")
        if cells[0] == code and abs(float(cells[1]) - index) < 1e-9:
            return float(cells[2]), float(cells[3]), float(cells[4])
    raise KeyError((table, sex, index))


def hand_z(y: float, l: float, m: float, s: float, restricted: bool) -> tuple[float, str]:
    """WHO's formula worked by hand, with the arithmetic as text."""
    z = ((y / m) ** l - 1) / (s * l)
    text = f"z=((y/M)^L-1)/(S*L) with y={y} L={l} M={m} S={s} -> {z:.4f}"
    if restricted and abs(z) > 3:
        sign = 1 if z > 0 else -1
        sd3, sd2 = (m * (1 + l * s * 3 * sign) ** (1 / l), m * (1 + l * s * 2 * sign) ** (1 / l))
        z = 3 * sign + (y - sd3) / abs(sd3 - sd2)
        text += f"; restricted: SD3={sd3:.4f} SD2={sd2:.4f} -> {3 * sign}+(y-SD3)/|SD3-SD2| = {z:.4f}"
    return round(z, 2), text


def hand_row(case_id, inputs, table, lookup, y, restricted, extra=None, note=""):
    z, text = hand_z(y, *lms(*lookup), restricted)
    expected = {"zscores": {table: z}}
    for key, value in (extra or {}).items():
        expected.setdefault(key, {}).update(value) if isinstance(value, dict) else expected.update({key: value})
    source = f"hand-worked from WHO LMS {lookup}: {text}" + (f"; {note}" if note else "")
    return {"id": f"hand-{case_id}", **inputs, "expected": expected, "source": source}


def hand_rows() -> list[dict]:
    from who_hand_cases import hand_cases  # the case list, kept apart for size

    return [hand_row(*case) if isinstance(case, tuple) else case for case in hand_cases(lms)]


def main() -> None:
    import sys

    sys.path.insert(0, str(HERE))
    rows = hand_rows() + survey_rows() + sd_table_rows()
    document = {
        "about": "Growth calculator fixtures; see tests/data/README.md for every source. Rows: calculator input "
        "fields, 'expected' (subset of the output), optional 'tolerance' for z-scores (default 0.01), 'source'.",
        "rows": rows,
    }
    (HERE / "growth_fixtures.json").write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(rows)} fixture rows written")


if __name__ == "__main__":
    main()
