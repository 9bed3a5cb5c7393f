"""WHO z-scores against independent WHO reference values (tests/data/README.md)."""

import json
import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from posyandu.growth.zscores import (
    GrowthInputError, calculate, calculate_batch, calculate_many, round_zscore,
)

FIXTURES = json.loads((Path(__file__).parents[1] / "data" / "growth_fixtures.json").read_text())["rows"]
NOT_INPUT = {"id", "expected", "source", "tolerance"}


def mismatches(row: dict, result: dict) -> list:
    expected, tolerance = row["expected"], row.get("tolerance", 0.01)
    problems = []
    for key, want in expected.get("zscores", {}).items():
        got = result["zscores"][key]
        if (want is None) != (got is None) or (want is not None and abs(want - got) > tolerance + 1e-9):
            problems.append(("zscores", key, want, got))
    for section in ("flags", "status"):
        problems += [(section, k, v, result[section][k]) for k, v in expected.get(section, {}).items()
                     if result[section][k] != v]
    for key in ("warnings", "age_days", "age_months"):
        if key in expected and result[key] != expected[key]:
            problems.append((key, expected[key], result[key]))
    missing = set(expected.get("warnings_include", ())) - set(result["warnings"])
    return problems + ([("warnings_include", sorted(missing))] if missing else [])


@pytest.mark.parametrize("row", FIXTURES, ids=[r["id"] for r in FIXTURES])
def test_calculator_matches_who_reference(row):
    result = calculate({k: v for k, v in row.items() if k not in NOT_INPUT})
    assert mismatches(row, result) == [], row["source"]


def test_batch_gives_the_same_results_as_one_row_at_a_time():
    inputs = [{k: v for k, v in r.items() if k not in NOT_INPUT} for r in FIXTURES]
    assert calculate_many(inputs) == [calculate(i) for i in inputs]


def test_result_has_the_api_contract_shape():
    result = calculate({"sex": "M", "birth_date": "2024-01-31", "measured_on": "2025-02-10", "weight_kg": 9.4,
                        "length_height_cm": 74.2, "position": "lying", "head_circumference_cm": 46.0,
                        "muac_cm": 14.1, "oedema": False})
    assert list(result) == ["age_days", "age_months", "zscores", "flags", "warnings", "status"]
    assert list(result["zscores"]) == ["wfa", "lhfa", "wfl", "wfh", "bfa", "hcfa", "acfa"]
    assert list(result["flags"]) == list(result["zscores"])
    assert list(result["status"]) == ["bb_u", "tb_u", "bb_tb", "imt_u"]
    assert result["zscores"]["wfh"] is None and result["flags"]["wfh"] is None


@pytest.mark.parametrize("measurement, field", [
    ({"sex": "X", "age_days": 10}, "sex"),
    ({"age_days": 10}, "sex"),
    ({"sex": "F", "birth_date": "2024-02-01", "measured_on": "2024-01-31"}, "measured_on"),
    ({"sex": "F"}, "age_days"),
    ({"sex": "F", "age_days": -1}, "age_days"),
    ({"sex": "F", "age_days": 3652059}, "age_days"),
    ({"sex": "F", "age_days": 10, "weight_kg": -2}, "weight_kg"),
    ({"sex": "F", "age_days": 10, "position": "sitting"}, "position"),
    ({"sex": "F", "birth_date": "31/01/2024", "measured_on": "2024-02-10"}, "birth_date"),
    # ISO 8601 forms Python's date.fromisoformat takes but growth.js (and the message) do not
    ({"sex": "F", "birth_date": "2024-01-01", "measured_on": "20240301"}, "measured_on"),
    ({"sex": "F", "birth_date": "2024-W01-1", "measured_on": "2024-03-01"}, "birth_date"),
])
def test_impossible_input_raises_growth_input_error_naming_the_field(measurement, field):
    with pytest.raises(GrowthInputError) as raised:
        calculate(measurement)
    assert raised.value.field == field
    assert isinstance(raised.value, ValueError)


def test_bad_rows_get_errors_and_the_other_rows_are_still_computed():
    results = calculate_many([{"sex": "M", "age_days": 0, "weight_kg": 3.3464}, {"sex": "Q", "age_days": 1}])
    assert results[0]["zscores"]["wfa"] == 0.0
    assert results[1] == {"errors": {"sex": ['must be "M" or "F"']}}


@pytest.mark.parametrize("z, rounded", [
    (1.005, 1.0),  # the double below 1.005: nearest is 1.00
    (0.125, 0.13), (-0.125, -0.13), (2.375, 2.38),  # exact ties: away from zero
    (-3.4949999, -3.49), (-0.004, 0.0), (3.999, 4.0),
])
def test_rounding_is_nearest_of_the_exact_value_with_ties_away_from_zero(z, rounded):
    assert round_zscore(np.array([z]))[0] == rounded
    assert str(round_zscore(np.array([z]))[0]) != "-0.0"


def test_columns_api_takes_numpy_arrays_and_returns_nan_for_null():
    batch = calculate_batch(sex=np.array([1, 2]), age_days=np.array([0.0, np.nan]),
                            weight_kg=np.array([3.3464, 10.0]))
    assert batch.zscores["wfa"][0] == 0.0 and np.isnan(batch.zscores["wfa"][1])
    assert np.isnan(batch.age_days[1])


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_javascript_engine_gives_identical_results_on_random_rows(tmp_path):
    rng = np.random.default_rng(7)
    n = 5000
    rows = [{
        "sex": "MF"[int(rng.integers(2))], "age_days": int(rng.integers(0, 1900)),
        "weight_kg": round(float(rng.uniform(1.5, 30)), 2), "length_height_cm": round(float(rng.uniform(40, 125)), 2),
        "position": [None, "lying", "standing"][int(rng.integers(3))],
        "head_circumference_cm": round(float(rng.uniform(30, 56)), 1), "muac_cm": round(float(rng.uniform(9, 24)), 1),
        "oedema": bool(rng.random() < 0.05),
    } for _ in range(n)]
    assert _phone(tmp_path, rows) == calculate_many(rows)


def test_large_batches_are_chunked_across_threads_without_changing_results(monkeypatch):
    from posyandu.growth import zscores

    inputs = [{k: v for k, v in r.items() if k not in NOT_INPUT} for r in FIXTURES]
    columns, _ = zscores.measurement_columns(inputs)
    whole = calculate_batch(**columns).to_results()
    monkeypatch.setattr(zscores, "CHUNK_ROWS", 64)
    assert calculate_batch(**columns).to_results() == whole


def test_stored_values_are_the_results_flat():
    """What a stored measurement keeps (growth.operations) is the API result, column by column,
    on every WHO fixture row (nulls, flags, warnings and statuses of every kind)."""
    from posyandu.growth.zscores import measurement_columns, stored_values

    inputs = [{k: v for k, v in r.items() if k not in NOT_INPUT} for r in FIXTURES]
    columns, _ = measurement_columns(inputs)
    batch = calculate_batch(**columns)
    flat = [{**{"z_" + k: v for k, v in r["zscores"].items()}, **r["status"], "age_days": r["age_days"],
             "flags": r["flags"], "warnings": r["warnings"], "flagged": any(r["flags"].values())}
            for r in batch.to_results()]
    assert stored_values(batch) == flat
    assert any(v["warnings"] for v in flat) and any(v["flagged"] for v in flat)
    assert any(v["z_wfl"] is None for v in flat) and any(v["flags"]["wfa"] is None for v in flat)


def _who_reference():
    """tests/data/who_reference.py (tests/ is not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("who_reference", Path(__file__).parents[1] / "data" / "who_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _boundary_rows(seed: int, n: int) -> list[dict]:
    """Rows given as dates (births on 29 Feb, spans across leap days), at the days where the
    rules switch (273/274 standing, 730/731 length/height, 1856/1857 the end, 90/91 acfa), at the
    lengths where the tables end (45, 65, 87, 110, 120 cm, with the 0.7 cm shift either side),
    and with weights on WHO's -3, -2, +1, +2, +3 SD lines (exactly, and to the gram) so that the
    z-score lands on a Permenkes cut-off."""
    import random
    from datetime import date, timedelta

    sd_weight = _who_reference().sd_weight
    rng = random.Random(seed)
    days = [0, 90, 91, 273, 274, 729, 730, 731, 732, 1825, 1826, 1827, 1855, 1856, 1857]
    lengths = [44.3, 44.9, 45.0, 64.3, 65.0, 65.7, 86.3, 86.9, 87.0, 109.3, 110.0, 110.1, 119.3, 120.0, 120.7]
    rows = []
    for _ in range(n):
        birth = rng.choice([date(2020, 2, 29), date(2024, 2, 29), date(2019, 3, 1), date(2023, 2, 28)]
                           + [date(2018, 1, 1) + timedelta(days=rng.randint(0, 2600))])
        day = rng.choice(days) if rng.random() < 0.5 else rng.randint(0, 1900)
        sex = rng.choice("MF")
        length = rng.choice(lengths) if rng.random() < 0.3 else round(rng.uniform(42, 125), 1)
        position = rng.choice([None, "lying", "standing"])
        weight = round(rng.uniform(1.5, 30), 2)
        if rng.random() < 0.4 and day <= 1856:
            sd = rng.choice([-3, -2, 1, 2, 3])
            if rng.random() < 0.5:  # weight-for-age on its SD line
                weight = sd_weight("wfa", sex, day, sd)
            else:  # weight-for-length/height on its SD line (at a table row: no interpolation)
                name, (low, high) = ("wfl", (450, 1100)) if day < 731 else ("wfh", (650, 1200))
                tenths = rng.randint(low, high)
                shift = 7 if (position == "standing" and 274 <= day < 731) else -7 if (position == "lying" and day >= 731) else 0
                length = (tenths - shift) / 10
                weight = sd_weight(name, sex, tenths, sd)
            weight = round(weight, 3) if rng.random() < 0.5 else weight
        rows.append({
            "sex": sex, "birth_date": birth.isoformat(), "measured_on": (birth + timedelta(days=day)).isoformat(),
            "weight_kg": weight if rng.random() < 0.95 else None,
            "length_height_cm": length if rng.random() < 0.85 else None, "position": position,
            "head_circumference_cm": round(rng.uniform(30, 56), 1), "muac_cm": round(rng.uniform(9, 24), 1),
            "oedema": rng.random() < 0.03,
        })
    return rows


def test_server_matches_an_independent_who_reference_on_dates_and_at_every_boundary():
    """The calculator against tests/data/who_reference.py (written from WHO's method and domain.md,
    none of the project's code) on rows at the switch days, the tables' ends and the Permenkes
    cut-offs, ages given as dates across leap years: z-scores, flags and categories exactly."""
    from datetime import date

    reference = _who_reference().reference
    rows = _boundary_rows(11, 20_000)
    problems = []
    for row, got in zip(rows, calculate_many(rows)):
        day = (date.fromisoformat(row["measured_on"]) - date.fromisoformat(row["birth_date"])).days
        want = reference(row["sex"], day, row["weight_kg"], row["length_height_cm"], row["position"],
                         row["head_circumference_cm"], row["muac_cm"], row["oedema"])
        if {k: got[k] for k in want} != want or got["age_days"] != day:
            problems.append((row, want, got))
    assert problems[:3] == []
    cut_offs = sum(1 for r in calculate_many(rows) if any(v in (-3.0, -2.0, 1.0, 2.0, 3.0) for v in r["zscores"].values()))
    assert cut_offs > 1000  # the rows do reach the cut-offs


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_javascript_engine_agrees_on_dates_boundaries_and_cut_offs(tmp_path):
    """growth.js and the server on the same boundary rows (``_boundary_rows``), ages as dates,
    plus absurd values whose z-scores overflow."""
    rows = _boundary_rows(12, 8_000) + [
        {"sex": "M", "age_days": 100, "weight_kg": 1e308, "length_height_cm": 60},
        {"sex": "F", "age_days": 400, "weight_kg": 9, "length_height_cm": 1e-300},
        {"sex": "F", "age_days": 800, "weight_kg": 1e-300, "length_height_cm": 1e300, "muac_cm": 1e300},
        # dates only as YYYY-MM-DD, years 1-9999, on both (the server took '20240301' and the week date
        # '2024-W10-1'; the phone read years 0-99 as 1900-1999 and took year 0)
        {"sex": "M", "birth_date": "2024-01-01", "measured_on": "20240301", "weight_kg": 5.0},
        {"sex": "M", "birth_date": "2024-01-01", "measured_on": "2024-W10-1", "weight_kg": 5.0},
        {"sex": "M", "birth_date": "0099-12-01", "measured_on": "0100-01-01", "weight_kg": 4.0},
        {"sex": "M", "birth_date": "0050-01-01", "measured_on": "0050-03-01", "weight_kg": 5.0},
        {"sex": "M", "birth_date": "0000-01-01", "measured_on": "0000-03-01", "weight_kg": 5.0},
        {"sex": "M", "birth_date": "2024-02-30", "measured_on": "2024-03-01", "weight_kg": 5.0},
        {"sex": "M", "birth_date": "2023-13-01", "measured_on": "2024-03-01", "weight_kg": 5.0}]
    phone, server = _phone(tmp_path, rows), calculate_many(rows)
    assert [(r, p, s) for r, p, s in zip(rows, phone, server) if not _same(p, s)][:3] == []
    dated = server[-7:]
    assert [r.get("age_days") for r in dated] == [None, None, 31, 59, None, None, None]


def _phone(tmp_path, rows: list[dict]) -> list[dict]:
    """The phone's growth.js calculate() of each row, in node, as the server's calculate_many answers a
    batch: a row it refuses as {"errors": {field: [message]}}."""
    root = Path(__file__).resolve().parents[2]
    (tmp_path / "rows.json").write_text(json.dumps(rows))
    (tmp_path / "run.mjs").write_text(
        "import { readFileSync } from 'node:fs';\n"
        f"import {{ calculate, GrowthInputError }} from '{(root / 'static/pwa/js/growth.js').as_uri()}';\n"
        f"const dir = '{root / 'static/pwa/data/who'}';\n"
        "const names = ['wfa','lhfa','wfl','wfh','bfa','hcfa','acfa'];\n"
        "const tables = Object.fromEntries(names.map(n => [n, JSON.parse(readFileSync(`${dir}/${n}.json`))]));\n"
        f"const rows = JSON.parse(readFileSync('{tmp_path / 'rows.json'}'));\n"
        "const one = (m) => { try { return calculate(m, tables); } catch (e) {\n"
        "  if (!(e instanceof GrowthInputError)) throw e; return { errors: { [e.field]: [e.detail] } }; } };\n"
        "process.stdout.write(JSON.stringify(rows.map(one)));\n")
    done = subprocess.run(["node", str(tmp_path / "run.mjs")], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def _same(phone, server) -> bool:
    """Equal, but for z-scores past ±1000 (only absurd values make them: a LiLA of 1e300 cm gives
    6.385702067195748e+299 by node 20's Math.pow and 6.385702067195733e+299 by numpy's), which agree
    to 12 digits; every z-score a child can have is compared exactly."""
    if isinstance(phone, dict) and isinstance(server, dict):
        return phone.keys() == server.keys() and all(_same(phone[k], server[k]) for k in phone)
    if isinstance(phone, float) and isinstance(server, float) and abs(server) > 1000:
        return math.isclose(phone, server, rel_tol=1e-12)
    return phone == server
