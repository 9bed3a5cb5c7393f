"""CSV export: UTF-8 with a byte-order mark (spreadsheets then read names correctly),
comma-separated, one header row in Bahasa Indonesia, numbers unquoted. Streamed
in batches from any row iterable."""
from __future__ import annotations

import csv
import io
from typing import Iterable, Iterator

from posyandu.reports.columns import Column, cell

BATCH = 500


def csv_chunks(columns: list[Column], rows: Iterable[dict]) -> Iterator[bytes]:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    buf.write("\ufeff")
    writer.writerow([c.header for c in columns])
    for i, row in enumerate(rows, 1):
        writer.writerow(["" if v is None else v for v in (cell(c, row) for c in columns)])
        if i % BATCH == 0:
            yield buf.getvalue().encode("utf-8")
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue().encode("utf-8")
