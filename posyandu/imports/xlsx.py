"""Read the rows of an XLSX workbook as Excel shows them (``reader.read_rows``): the sheet holding the
table, a cell merged over rows giving its value to each, a formula saved without its value marked (not
read as blank), a date cell whose number is no date marked (not read as a formula's error), a sheet whose
recorded size is wrong read whole."""
from __future__ import annotations

import warnings
import zipfile
import zlib
from typing import IO, Any, Iterable, Iterator

from posyandu.i18n import Msg
from posyandu.imports.reader import HEADER_SEARCH_ROWS, ODS, FileError, names_required

MAX_COLUMNS = 256
"""The columns read (A to IV, Excel 2003's last): no register is wider. A cell far right (XFD, column
16384) made every row that wide, and a merged range across it filled that many cells in every row down
to the last: a 2 KB file kept a server process busy for half an hour."""
MAX_ROWS = 1_048_576  # Excel's last row: one numbered beyond it (no spreadsheet's) is not read, nor the gap to it
MAX_UNPACKED = 48 << 20
"""The most a workbook's parts may unpack to (as its zip directory records them; never more is read): a
year's register of a puskesmas unpacks to some 15 MB. A 400 KB upload whose shared strings unpacked to
170 MB took 1 GB of memory and two minutes (8 MB, the largest upload: the server's memory)."""


class Int1904(int):
    """A number cell of a workbook in Excel's 1904 date system (old Mac Excel): as a date, a serial counted
    from 1 January 1904, 1,462 days after the 1900 system's (``rows._serial``)."""


class Float1904(float):
    """``Int1904``'s fraction (a date and time)."""


def _in_1904(row: Any) -> Any:
    if isinstance(row, list):
        for i, value in enumerate(row):
            if type(value) is int:
                row[i] = Int1904(value)
            elif type(value) is float:
                row[i] = Float1904(value)
    return row


OPENDOCUMENT_SPREADSHEET = b"application/vnd.oasis.opendocument.spreadsheet"
"""The ``mimetype`` entry an OpenDocument spreadsheet (LibreOffice's .ods; its template, .ots) starts its zip with: told
to save it as .xlsx, as an old Excel workbook is (``reader.OLD_EXCEL``), not that it is no readable XLSX."""
STRICT_OOXML = b"http://purl.oclc.org/ooxml/"
"""The namespaces of a workbook saved in Excel as "Strict Open XML Spreadsheet": openpyxl reads Excel's
usual (transitional) ones alone, and found no sheet in it (the file was told it held only charts)."""


def read_xlsx(data: IO[bytes]) -> Iterator[list[Any]]:
    from openpyxl import load_workbook
    from openpyxl.utils.datetime import CALENDAR_MAC_1904
    from openpyxl.utils.exceptions import CellCoordinatesException, InvalidFileException

    unreadable = FileError(Msg("not a readable XLSX workbook", "bukan berkas XLSX yang dapat dibaca"))
    # a damaged part is only read here or as the rows are: broken XML (SyntaxError), a bad deflate stream,
    # a cell naming a shared string the workbook lacks (IndexError) or a row 0 (CellCoordinatesException)
    broken = (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, SyntaxError, zlib.error,
              IndexError, CellCoordinatesException)
    try:
        with zipfile.ZipFile(data) as archive:
            if "mimetype" in archive.namelist() and archive.open("mimetype").read(len(OPENDOCUMENT_SPREADSHEET)) \
                    == OPENDOCUMENT_SPREADSHEET:
                raise FileError(ODS)
            unpacked = sum(item.file_size for item in archive.infolist())
            if unpacked > MAX_UNPACKED:
                raise FileError(Msg(f"the workbook unpacks to more than {MAX_UNPACKED >> 20} MB: no register is that "
                                    "large (split it, or save it again from the spreadsheet)",
                                    f"isi buku kerja lebih dari {MAX_UNPACKED >> 20} MB setelah dibuka: tidak ada "
                                    "register sebesar itu (pecah berkas, atau simpan ulang dari aplikasi spreadsheet)"))
            if "_rels/.rels" in archive.namelist() and STRICT_OOXML in archive.read("_rels/.rels"):
                raise FileError(Msg("the workbook is saved as \"Strict Open XML Spreadsheet\", which cannot be read: "
                                    "save it again as \"Excel Workbook (*.xlsx)\"",
                                    "buku kerja disimpan sebagai \"Strict Open XML Spreadsheet\" yang tidak dapat "
                                    "dibaca: simpan ulang sebagai \"Excel Workbook (*.xlsx)\""))
        data.seek(0)
        book = load_workbook(data, read_only=True, data_only=True)
    except FileError:
        raise
    except broken:
        raise unreadable from None
    try:
        for sheet in book.worksheets:  # a size recorded wrong (<dimension ref="A1"/>) cut the rows read
            sheet.reset_dimensions()
        sheet = _table_sheet(book)
        merged, marked, across = _scan(sheet)
        rows = _filled(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS, max_row=MAX_ROWS), merged, marked, across)
        # a date cell openpyxl reads in the workbook's own system; a number (a date saved unformatted) is marked
        yield from (map(_in_1904, rows) if book.epoch == CALENDAR_MAC_1904 else rows)
    except FileError:
        raise
    except broken:
        raise unreadable from None
    finally:
        book.close()


class UncalculatedFormula:
    """A formula cell saved without its value (by a program that writes XLSX without calculating):
    refused on its cell (``rows.parse_row``), never read as a blank cell."""

    read_as = None  # what openpyxl reads in its place (``_filled``)

    def __init__(self, cell: str, formula: str):
        self.cell, self.formula = cell, formula

    def __str__(self) -> str:
        return f"={self.formula}" if self.formula else self.cell

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UncalculatedFormula) and (self.cell, self.formula) == (other.cell, other.formula)

    def __hash__(self) -> int:
        return hash((self.cell, self.formula))


class NotADate:
    """A number cell formatted as a date whose number is no date (after 31 Dec 9999: a phone number or a NIK
    typed in a date column), which openpyxl reads "#VALUE!", as a formula's error it is not: refused on its
    cell as a number that is no date (``rows.parse_row``)."""

    read_as = "#VALUE!"  # what openpyxl reads in its place (``_filled``)

    def __init__(self, cell: str, number: str):
        self.cell, self.number = cell, number

    def __str__(self) -> str:  # as the spreadsheet shows it: 3525015501250002, not 3.525015501250002E+15
        number = float(self.number)
        return str(int(number)) if number.is_integer() and abs(number) < 1e16 else self.number

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NotADate) and (self.cell, self.number) == (other.cell, other.number)

    def __hash__(self) -> int:
        return hash((self.cell, self.number))


Marked = UncalculatedFormula | NotADate
# openpyxl's warning for a date cell whose number is no date: said on its cell instead (``NotADate``). Ignored
# for the process, once: ``warnings.catch_warnings`` around each read swapped the process's filters, and two
# imports in two threads left one installed, or let the warning through (pytest.ini ignores it too)
warnings.filterwarnings("ignore", r"Cell \S+ is marked as a date but the serial value .* is outside the limits for dates",
                        UserWarning)


def _no_date(text: str, epoch: Any) -> bool:
    """Whether a number cell's saved value, of 7 characters or more (``_scan``: under 1,000,000 a date before
    the year 4638), is one openpyxl cannot read as a date (``NotADate``)."""
    from openpyxl.utils.datetime import from_excel

    try:
        number = float(text)
        if -690_000 < number < 2_950_000:  # from year 11 to 9976 (either date system): a date
            return False
        from_excel(number, epoch)
    except (OverflowError, ValueError):
        return True
    return False


def _scan(sheet: Any) -> tuple[list[tuple[int, int, int, int]], dict[int, dict[int, Marked]],
                               dict[int, dict[int, int]]]:
    """What openpyxl's read-only mode does not read, from the sheet's XML: its merged ranges over more
    than one row ((first row, first column, last row, last column), rows 1-based, columns 0-based), its
    formulas saved without a value and its numbers no date can be (read "#VALUE!" if formatted as a date)
    ({row: {column: ``UncalculatedFormula`` or ``NotADate``}}; a formula whose saved value is the empty
    text (t="str": =IF(H2="";"";H2/1000)) has one), and its cells merged across columns of one row among
    the rows a header is looked for in ({row: {first column: last column}}: a header over several
    columns, ``reader._header``)."""
    from openpyxl.utils.cell import coordinate_from_string, column_index_from_string, range_boundaries
    from openpyxl.xml.functions import iterparse

    merged: list[tuple[int, int, int, int]] = []
    marked: dict[int, dict[int, Marked]] = {}
    across: dict[int, dict[int, int]] = {}
    epoch = sheet.parent.epoch
    with sheet._get_source() as source:  # noqa: SLF001 (openpyxl pinned: requirements.txt)
        for _, element in iterparse(source):
            tag = element.tag.rsplit("}", 1)[-1]
            if tag == "c" and element.get("r"):
                parts = {child.tag.rsplit("}", 1)[-1]: child for child in element}
                value = parts.get("v")
                found: Marked | None = None
                if "f" in parts and (value is None or (not value.text and element.get("t") != "str")):
                    found = UncalculatedFormula(element.get("r"), parts["f"].text or "")
                elif (value is not None and (text := value.text) and (len(text) > 6 or "E" in text or "e" in text)
                      and element.get("t", "n") == "n" and _no_date(text, epoch)):
                    found = NotADate(element.get("r"), value.text.strip())
                if found is not None:
                    letters, row = coordinate_from_string(element.get("r"))
                    if column_index_from_string(letters) <= MAX_COLUMNS:
                        marked.setdefault(row, {})[column_index_from_string(letters) - 1] = found
            elif tag == "row":
                element.clear()
            elif tag == "mergeCell" and element.get("ref"):
                first_column, first_row, last_column, last_row = range_boundaries(element.get("ref"))
                if last_row > first_row and first_column <= MAX_COLUMNS:
                    merged.append((first_row, first_column - 1, last_row, min(last_column, MAX_COLUMNS) - 1))
                elif last_column > first_column and first_column <= MAX_COLUMNS and first_row <= HEADER_SEARCH_ROWS + 1:
                    across.setdefault(first_row, {})[first_column - 1] = min(last_column, MAX_COLUMNS) - 1
    merged = sorted(set(merged))  # a range written twice is one
    if _overlapping(merged):
        raise FileError(Msg("merged cells overlap, which a spreadsheet never saves: open the file in the "
                            "spreadsheet and save it again",
                            "sel gabungan saling tumpang tindih, yang tidak pernah disimpan aplikasi spreadsheet: "
                            "buka berkas di aplikasi spreadsheet lalu simpan ulang"))
    return merged, marked, across


def _overlapping(merged: list[tuple[int, int, int, int]]) -> bool:
    """Whether two merged ranges share a cell (no spreadsheet saves that; Excel repairs such a file). Each
    row read is filled from every range over it (``_filled``): 5,000 ranges over the same 60,000 rows of a
    300 KB file kept a server process busy four minutes. Apart, at most one range covers a cell."""
    active: list[tuple[int, int, int]] = []  # (last row, first column, last column) of those reaching down here
    for first_row, first_column, last_row, last_column in merged:  # sorted by first row
        active = [span for span in active if span[0] >= first_row]
        if any(first <= last_column and first_column <= last for _, first, last in active):
            return True
        active.append((last_row, first_column, last_column))  # apart, at most one per column: 256 at most
    return False


def _filled(table: Iterable[Iterable[Any]], merged: list[tuple[int, int, int, int]],
            marked: dict[int, dict[int, Marked]],
            across: dict[int, dict[int, int]] | None = None) -> Iterator[list[Any]]:
    """The rows with a merged cell's value in every cell it covers (Excel shows it on each row: a child's
    name merged over her visits, the posyandu down the column), the formulas saved without a value and the
    date cells whose number is no date (``marked``, where openpyxl read what each is read as);
    a top row's cells merged across columns (``across``) said on it (``_FilledRow.across``)."""
    across = across or {}
    active: list[tuple[tuple[int, int, int, int], Any]] = []
    waiting = iter(merged)
    upcoming = next(waiting, None)
    for number, values in enumerate(table, start=1):
        if number > HEADER_SEARCH_ROWS + 1 and number not in marked and values.count(None) == len(values):
            # nothing of its own (a gap's rows too): blank, filled or not (``reader._rows``); a range
            # starting on it has nothing to give
            yield values
            continue
        values = list(values)
        for column, mark in marked.get(number, {}).items():
            values.extend([None] * (column + 1 - len(values)))
            if values[column] == mark.read_as:
                values[column] = mark
        active = [(span, top) for span, top in active if span[2] >= number]
        while upcoming is not None and upcoming[0] == number:
            first_column = upcoming[1]
            active.append((upcoming, values[first_column] if first_column < len(values) else None))
            upcoming = next(waiting, None)
        while upcoming is not None and upcoming[0] < number:  # a range starting on a row never read
            upcoming = next(waiting, None)
        values = _FilledRow(values)
        values.across = across.get(number, {})
        for (_, first_column, _, last_column), top in active:
            values.extend([None] * (last_column + 1 - len(values)))
            values.spanned.update(range(first_column, last_column + 1))
            for column in range(first_column, last_column + 1):
                if values[column] in (None, "") and top not in (None, ""):
                    values[column] = top
                    values.filled.add(column)
        yield values


class _FilledRow(list):
    """A sheet's row and the columns a merged cell above filled (``filled``): a row holding nothing of
    its own in our columns is blank (the posyandu merged down a template's empty rows)."""

    def __init__(self, values: list[Any]):
        super().__init__(values)
        self.filled: set[int] = set()
        self.spanned: set[int] = set()  # the columns a range merged over rows covers on it, its top row too
        self.across: dict[int, int] = {}  # {first column: last column} of its cells merged across columns


def _table_sheet(book: Any) -> Any:
    """The sheet whose top rows name every required column, whichever it is (the first may be the
    instructions, "Petunjuk"): a visible one, else a hidden one, else the first sheet (its missing
    columns are then named). The table on several sheets (one a month) is refused naming them: only
    one was read, and the import said it succeeded."""
    def has_table(sheet: Any) -> bool:
        top = [list(values) for values in sheet.iter_rows(max_row=HEADER_SEARCH_ROWS + 1, values_only=True)]
        return any(names_required(values, below) for values, below in zip(top[:HEADER_SEARCH_ROWS], [*top[1:], None]))

    with_table = [sheet for sheet in book.worksheets if has_table(sheet)]
    shown = [sheet for sheet in with_table if sheet.sheet_state == "visible"] or with_table
    if len(shown) > 1:
        titles = ", ".join(sheet.title for sheet in shown)
        raise FileError(Msg(f"the table is on several sheets ({titles}): import one sheet a file (save each "
                            "sheet as its own file, or copy the rows into one sheet)",
                            f"tabel ada di beberapa lembar ({titles}): impor satu lembar per berkas (simpan "
                            "tiap lembar sebagai berkas sendiri, atau salin barisnya ke satu lembar)"))
    if not book.worksheets:  # a workbook of chart sheets only: no cell to read
        raise FileError(Msg("the workbook has no sheet of cells, only charts: save the sheet holding the table",
                            "buku kerja tidak berisi lembar sel, hanya grafik: simpan lembar yang berisi tabel"))
    return shown[0] if shown else book.worksheets[0]
