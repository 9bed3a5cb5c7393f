"""Write the WHO LMS tables as compact JSON for the offline PWA.

Run ``python -m posyandu.growth.export_js_tables``; it writes
``static/pwa/data/who/<indicator>.json`` (served at ``/data/who/``), the same
numbers as ``posyandu/growth/data/*.txt`` (WHO Child Growth Standards, see
``data/SOURCE.md``). Each file: ``{"indicator", "source", "index": "day" or
"length_tenth_cm", "first", "last", "l": [male, female], "m": [...], "s": [...]}``
where position ``i`` of a list is index ``first + i``; null where WHO gives none.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from .tables import LENGTH_TABLE_FILES, growth_tables

OUTPUT_DIR = Path(__file__).resolve().parents[2] / "static" / "pwa" / "data" / "who"
SOURCE = "WHO Child Growth Standards 2006, LMS tables as distributed with WHO igrowup/anthro"


def _column(values) -> list:
    return [None if math.isnan(v) else float(v) for v in values]


def table_document(name: str) -> dict:
    """The JSON document for one indicator's table."""
    table = growth_tables()[name]
    lists = {key: [_column(table.lms[sex, :, j]) for sex in (1, 2)] for j, key in enumerate("lms")}
    index = "length_tenth_cm" if name in LENGTH_TABLE_FILES else "day"
    return {"indicator": name, "source": SOURCE, "index": index, "first": table.first, "last": table.last, **lists}


def export(directory: Path = OUTPUT_DIR) -> list[Path]:
    """Write every table; returns the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in growth_tables().tables:
        path = directory / f"{name}.json"
        path.write_text(json.dumps(table_document(name), separators=(",", ":")) + "\n")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in export():
        print(f"wrote {path} ({path.stat().st_size} bytes)")
