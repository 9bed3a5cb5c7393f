"""XLSX export with XlsxWriter in ``constant_memory`` mode: each row is flushed to
disk as it is written, the workbook is assembled in a temporary file and that
file is streamed back, so memory stays flat however many rows a district has.
One sheet per report; numbers are written as numbers, dates as dates. Each sheet
keeps its header row and the columns naming a row (``Column.pinned``: the area, its
sex and age group, the child) in view, and filters on its header row."""
from __future__ import annotations

import tempfile
from datetime import datetime, time
from typing import IO, Iterable, Iterator

import xlsxwriter
from werkzeug.wsgi import FileWrapper

from posyandu.heartbeat import alive
from posyandu.reports.columns import Column, cell

CHUNK = 64 * 1024
Sheet = tuple[str, list[Column], Iterable[dict]]
# Least column width per kind (characters): a name or a list of reasons readable without widening
# the column by hand (constant_memory writes the columns before the rows, so no fitting to them).
KIND_WIDTH = {"text": 24, "list": 32, "date": 12, "phone": 17}


# A sheet naming children (its columns hold a child's name) marks the file and each printed page:
# personal data of minors (UU 27/2022 PDP), not to be passed on (the follow-up list is printed for
# the posyandu day).
CONFIDENTIAL = "RAHASIA: data pribadi anak (UU 27/2022 PDP), jangan disebarkan"
CONFIDENTIAL_KEYWORDS = "RAHASIA, data pribadi, UU 27/2022 PDP"


MAX_ROWS = 1_048_575
"""Rows under the header a sheet holds (Excel's 1,048,576 in all). XlsxWriter refuses a row past it without
a word (it returns -1): a province's F1 over three years, or its whole follow-up list, came out cut short."""


class SheetFull(Exception):
    """A sheet given more rows than ``MAX_ROWS``: nothing is answered (the CSV holds them all)."""

    def __init__(self, title: str) -> None:
        super().__init__(title)
        self.title, self.limit = title, MAX_ROWS


def names_children(columns: list[Column]) -> bool:
    return any(col.key == "name" for col in columns)


def xlsx_file(sheets: Iterable[Sheet]) -> IO[bytes]:
    """Write the sheets to a temporary file (rewound, deleted when closed); ``SheetFull`` (the file closed)
    when one has more rows than a sheet holds."""
    out = tempfile.TemporaryFile(suffix=".xlsx")
    try:
        return _written(out, sheets)
    except BaseException:
        out.close()
        raise


def _written(out: IO[bytes], sheets: Iterable[Sheet]) -> IO[bytes]:
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "tmpdir": tempfile.gettempdir()})
    formats = {"header": book.add_format({"bold": True, "text_wrap": True, "valign": "top"}),
               # a date day first, as Indonesia writes it (and the import template, imports.template)
               "pct": book.add_format({"num_format": "0.0"}), "date": book.add_format({"num_format": "dd/mm/yyyy"})}
    sheets = list(sheets)  # their columns, not their rows (read as each sheet is written)
    # a file naming children in any sheet is marked on each sheet's printed pages: the workbook's SKDN
    # printed with its follow-up list went out unmarked
    confidential = any(names_children(columns) for _, columns, _ in sheets)
    if confidential:
        book.set_properties({"subject": CONFIDENTIAL, "keywords": CONFIDENTIAL_KEYWORDS})
    for title, columns, rows in sheets:
        sheet = book.add_worksheet(title[:31])
        if confidential:
            sheet.set_header(f"&C{CONFIDENTIAL}")
        if not _write_sheet(sheet, formats, columns, rows):
            book.close()  # its temporary files removed; the file itself is not answered
            raise SheetFull(title)
    book.close()
    out.seek(0)
    return out


def _write_sheet(sheet, formats: dict, columns: list[Column], rows: Iterable[dict]) -> bool:  # type: ignore[no-untyped-def]
    """Whether every row was written (false: more than ``MAX_ROWS``)."""
    for c, col in enumerate(columns):
        sheet.set_column(c, c, col.width or max(KIND_WIDTH.get(col.kind, 10), min(40, len(col.header) + 2)))
    # before the rows: constant_memory writes the panes ahead of them (the autofilter goes after)
    pinned = max((c + 1 for c, col in enumerate(columns) if col.pinned), default=0)
    sheet.freeze_panes(1, pinned)
    # printed (the follow-up list for the posyandu day): A4 across, each page with the header and the names
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.repeat_rows(0)
    if pinned:
        sheet.repeat_columns(0, pinned - 1)
    sheet.write_row(0, 0, [c.header for c in columns], formats["header"])
    r = 0
    for r, row in enumerate(rows, 1):
        if r > MAX_ROWS:
            return False
        alive()  # written before the first byte is sent: gunicorn is told of each row (at most once a second)
        for c, col in enumerate(columns):
            value = cell(col, row)
            if value is None:
                continue
            if col.kind == "int":
                sheet.write_number(r, c, value)
            elif col.kind == "pct":
                sheet.write_number(r, c, value, formats["pct"])
            elif col.kind == "date":
                sheet.write_datetime(r, c, datetime.combine(value, time()), formats["date"])
            else:
                sheet.write_string(r, c, str(value))
    sheet.autofilter(0, 0, r, len(columns) - 1)
    return True


def file_chunks(f: IO[bytes]) -> Iterator[bytes]:
    """Stream a file in 64 KiB pieces; closing the stream closes (deletes) it, read to its end or not."""
    return FileWrapper(f, CHUNK)
