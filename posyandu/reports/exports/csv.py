"""CSV export: UTF-8 with a byte-order mark (spreadsheets then read names correctly),
comma-separated, one header row in Bahasa Indonesia, numbers unquoted. Streamed
in batches from any row iterable. ``sep="semicolon"`` writes it as a spreadsheet set
to Indonesian reads a CSV: fields separated by ";" and decimals by "," (such a
spreadsheet takes "16.6" for sixteen thousand six hundred, or keeps a comma-separated
line in one column).

Text that a spreadsheet would read as a formula (a child registered as
``=HYPERLINK(...)``, a mother's name starting with ``@``, a phone ``+62…``) is
written with a leading single quote, as OWASP advises against CSV injection:
the spreadsheet shows it as text and runs nothing. The first character is not enough
(OWASP): a spreadsheet splits a line on its region's separator whatever the file's (";" in
Indonesia, "," elsewhere), and on a line break even inside quotes when it does, so a name
``Ani;=HYPERLINK(...)`` in the comma CSV opened in Indonesia made a cell ``=HYPERLINK(...)``
that ran. A formula character after a ",", ";" or line break (spaces and quotes between) gets
the same single quote right after that separator. Numbers (a negative one too) are not text
and stay numbers. The XLSX export needs no such care: it writes
text cells as strings, never as formulas."""
from __future__ import annotations

import csv
import io
import re
from typing import Iterable, Iterator

from posyandu.reports.columns import Column, cell

BATCH = 500
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SEPARATORS = {"comma": ",", "semicolon": ";"}
# A separator of either kind, or a line break, where a spreadsheet may start a new cell.
CELL_BREAK_FORMULA = re.compile(r"([,;\r\n])(?=[ \t\"]*[=+\-@])")


def neutralised(value: object) -> object:
    """``value`` as a CSV field: text a spreadsheet would take for a formula gets a leading
    single quote, as does a formula starting after a separator or line break inside the text;
    numbers, dates and other text are unchanged; None is an empty field."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_STARTS):
        value = "'" + value
    return CELL_BREAK_FORMULA.sub(r"\1'", value)


def decimal_comma(value: object) -> object:
    """A number with a fractional part written with a decimal comma ("2,5"); anything else unchanged."""
    return repr(value).replace(".", ",") if isinstance(value, float) else value


def csv_chunks(columns: list[Column], rows: Iterable[dict], sep: str = "comma") -> Iterator[bytes]:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=SEPARATORS[sep], lineterminator="\r\n")
    local = decimal_comma if sep == "semicolon" else (lambda value: value)
    buf.write("\ufeff")
    writer.writerow([neutralised(c.header) for c in columns])
    for i, row in enumerate(rows, 1):
        writer.writerow([local(neutralised(cell(c, row))) for c in columns])
        if i % BATCH == 0:
            yield buf.getvalue().encode("utf-8")
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue().encode("utf-8")
