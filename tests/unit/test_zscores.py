"""WHO z-scores against independent WHO reference values (tests/data/README.md)."""

import json
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
    ({"sex": "F", "age_days": 10, "weight_kg": -2}, "weight_kg"),
    ({"sex": "F", "age_days": 10, "position": "sitting"}, "position"),
    ({"sex": "F", "birth_date": "31/01/2024", "measured_on": "2024-02-10"}, "birth_date"),
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
    (tmp_path / "rows.json").write_text(json.dumps(rows))
    root = Path(__file__).resolve().parents[2]
    script = (
        f"import {{ readFileSync }} from 'node:fs';\n"
        f"import {{ calculateMany }} from '{(root / 'static/pwa/js/growth.js').as_uri()}';\n"
        f"const dir = '{root / 'static/pwa/data/who'}';\n"
        "const names = ['wfa','lhfa','wfl','wfh','bfa','hcfa','acfa'];\n"
        "const tables = Object.fromEntries(names.map(n => [n, JSON.parse(readFileSync(`${dir}/${n}.json`))]));\n"
        f"const rows = JSON.parse(readFileSync('{tmp_path / 'rows.json'}'));\n"
        "process.stdout.write(JSON.stringify(calculateMany(rows, tables)));\n"
    )
    (tmp_path / "run.mjs").write_text(script)
    done = subprocess.run(["node", str(tmp_path / "run.mjs")], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == calculate_many(rows)


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
