"""Time a 10,000-row POST /api/v1/growth/calculate (the issue's target: well under 1 s).

Baseline, measured in the same run: the engine alone (``calculate_many``) on
the same rows, so the ratio shows what HTTP, JSON and validation add.
Run: .venv/bin/python benchmarks/calculator.py
"""
from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config import TestConfig  # noqa: E402
from posyandu import create_app  # noqa: E402
from posyandu.growth.zscores import calculate_many  # noqa: E402

rng = random.Random(1)
ROWS = [{"sex": rng.choice("MF"), "age_days": (d := rng.randint(0, 1856)), "weight_kg": round(3 + d / 160 + rng.gauss(0, 1), 1),
         "length_height_cm": round(50 + d / 27 + rng.gauss(0, 3), 1), "head_circumference_cm": round(35 + d / 200, 1),
         "muac_cm": round(11 + d / 600, 1), "oedema": rng.random() < 0.01} for _ in range(10_000)]


def best_of(fn, n: int = 5) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main() -> None:
    cfg = type("Bench", (TestConfig,), {"RATELIMIT_ENABLED": False, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    client = create_app(cfg).test_client()

    def request() -> None:
        resp = client.post("/api/v1/growth/calculate", json={"measurements": ROWS})
        assert resp.status_code == 200 and len(resp.get_json()["results"]) == 10_000

    engine_best, engine_median = best_of(lambda: calculate_many(ROWS))
    http_best, http_median = best_of(request)
    print("10,000-row growth calculator request")
    print(f"  engine only (calculate_many)   best {engine_best * 1000:7.1f} ms   median {engine_median * 1000:7.1f} ms")
    print(f"  full request (WSGI, JSON)      best {http_best * 1000:7.1f} ms   median {http_median * 1000:7.1f} ms")
    print(f"  request / engine ratio         {http_median / engine_median:.2f}x   target: request well under 1000 ms")


if __name__ == "__main__":
    main()
