"""Read an uploaded CSV or XLSX sheet into rows keyed by our column names.

Headers are matched loosely (case, spaces, punctuation and a unit, in brackets
or after a measurement's name, are ignored) against Indonesian and English names, so "Tgl Lahir",
"tanggal_lahir" and "birth_date" all mean ``birth_date``. A weight column headed
in grams ("BBL (gram)", "BB Lahir (gr)", "Berat gram") is read in grams
(``in_grams``), every other in kg. Columns we do not
know are ignored; blank rows are skipped; two columns of one meaning (PB and TB)
are read together. The header is the first of the top 30 rows (``HEADER_SEARCH_ROWS``) that names every
required column (titles and a letterhead above the table are skipped), with the row under it when
the header spans two rows (merged cells); in a workbook, on the sheet that has it, a cell
merged over rows giving its value to each, a formula saved without its value refused on
its cell. Row numbers are the spreadsheet's. CSV may be comma-, semicolon- or
tab-separated (.csv, .tsv, .txt), UTF-8 (with or without BOM) or Windows-1252.
"""
from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from typing import IO, Any, Iterator

from posyandu.i18n import Msg
from posyandu.imports.template import TITLES

COLUMNS: dict[str, tuple[str, ...]] = {
    "posyandu": ("posyandu", "nama_posyandu", "posyandu_id"),
    "name": ("nama", "nama_anak", "nama_balita", "nama_bayi", "nama_bayi_balita", "nama_balita_bayi", "nama_lengkap",
             "nama_lengkap_anak", "nama_lengkap_balita", "name", "child_name", "child_s_name", "full_name"),
    "sex": ("jenis_kelamin", "jk", "l_p", "sex", "gender"),
    "birth_date": ("tanggal_lahir", "tgl_lahir", "tanggal_lahir_anak", "tgl_lahir_anak", "tanggal_lahir_balita",
                   "tgl_lahir_balita", "birth_date", "date_of_birth", "dob"),
    "nik": ("nik", "nik_anak", "nik_balita"),
    "mother_nik": ("nik_ibu", "mother_nik"),
    "mother_name": ("nama_ibu", "nama_ibu_kandung", "mother_name", "mother_s_name"),
    "father_name": ("nama_ayah", "father_name"),
    "guardian_phone": ("no_hp", "hp", "telepon", "nomor_hp", "no_telp", "telp", "no_telepon", "nomor_telepon",
                       "guardian_phone", "phone", "phone_number"),
    "address": ("alamat", "address"),
    "rt": ("rt",), "rw": ("rw",),
    "birth_weight_kg": ("bb_lahir", "bbl", "berat_lahir", "berat_badan_lahir", "birth_weight_kg", "birth_weight"),
    "birth_length_cm": ("pb_lahir", "pbl", "panjang_lahir", "panjang_badan_lahir", "birth_length_cm", "birth_length"),
    "has_kms": ("punya_kms", "kms", "buku_kia", "has_kms"),
    "not_duplicate": ("bukan_duplikat", "not_duplicate"),
    "measured_on": ("tanggal_ukur", "tanggal_timbang", "tgl_timbang", "tgl_ukur", "tanggal_kunjungan", "tgl_kunjungan",
                    "tanggal_penimbangan", "tgl_penimbangan", "tanggal_pengukuran", "tgl_pengukuran", "measured_on",
                    "tanggal_ukur_timbang", "tgl_ukur_timbang", "tanggal_timbang_ukur", "tgl_timbang_ukur",
                    "visit_date", "date_measured", "date_of_visit", "weighing_date", "date_weighed", "measurement_date",
                    "date_of_measurement"),
    "weight_kg": ("bb", "berat", "berat_badan", "bb_kg", "weight_kg", "weight", "bb_sekarang", "berat_sekarang",
                  "berat_badan_sekarang"),
    "length_height_cm": ("tb", "pb", "tb_pb", "pb_tb", "tinggi", "panjang", "tinggi_badan", "panjang_badan",
                         "panjang_tinggi_badan", "tinggi_panjang_badan", "panjang_badan_tinggi_badan",
                         "tinggi_badan_panjang_badan", "panjang_tinggi", "tinggi_panjang", "length_height_cm",
                         "length_height", "height_length", "height", "length"),
    "position": ("posisi", "cara_ukur", "position"),
    "head_circumference_cm": ("lingkar_kepala", "lk", "l_kepala", "head_circumference_cm", "head_circumference"),
    "muac_cm": ("lila", "lingkar_lengan", "lingkar_lengan_atas", "muac_cm", "muac"),
    "oedema": ("edema", "oedema"),
}
REQUIRED = ("posyandu", "name", "sex", "birth_date")
# the columns a header is found by: a posyandu's own register names its posyandu in its title only (the
# upload's ``posyandu_id`` gives it), a column it then lacks (``read_rows``)
FOUND_BY = ("name", "sex", "birth_date")
# the rows a header is looked for in: a letterhead (kop) of ten lines and more sits above a register's table
HEADER_SEARCH_ROWS = 30
# a length/height column named for one position: in a file with a PB column and a TB column, the one a
# row's value sits in tells how the child was measured (a file with one such column names them all by it,
# an infant's length under "TB" included, so it tells nothing)
POSITION_OF_COLUMN = {**dict.fromkeys(("pb", "panjang", "panjang_badan", "length"), "lying"),
                      **dict.fromkeys(("tb", "tinggi", "tinggi_badan", "height"), "standing")}
_ALIASES = {alias: key for key, aliases in COLUMNS.items() for alias in aliases}
WEIGHTS = ("birth_weight_kg", "weight_kg")
GRAM_UNITS = frozenset({"g", "gr", "grm", "gram", "grams"})  # a unit of grams, in a header or a cell ("3200 gr")
# a unit written after a measurement's name, without brackets ("BB Lahir kg", "Berat gr", "PB cm"): read as
# the same unit in brackets is (dropped from the name; a weight's grams read by ``in_grams``)
UNITS = {**dict.fromkeys(WEIGHTS, GRAM_UNITS | {"kg", "kgs", "kilogram"}),
         **dict.fromkeys(("birth_length_cm", "length_height_cm", "head_circumference_cm", "muac_cm"), {"cm"})}
FLAGS = {"has_kms": True, "oedema": False, "not_duplicate": False}  # the yes/no columns, and what a blank one says
_DASHES = "\\-\u2010-\u2015\u2212"  # hyphen-minus, the Unicode hyphens and dashes (– —), the minus sign
DASH = re.compile(f"[\\s{_DASHES}]*[{_DASHES}][\\s{_DASHES}]*")
"""A cell holding only a dash ("-", "–", "—", "--", "- -"): a register's "none", read as a blank cell in every
column (``_rows``: no NIK, no phone, no weight, nothing written into a child's record), but a yes/no column's
(``FLAGS``), where it is "tidak" (``rows._flag``)."""


def is_dash(value: Any) -> bool:
    return isinstance(value, str) and bool(DASH.fullmatch(value))


class FileError(ValueError):
    """The file cannot be read as a spreadsheet of children and visits."""

    def __init__(self, message: Msg):
        super().__init__(str(message))
        self.message = message


def normalise_header(text: Any) -> str:
    text = re.sub(r"\(.*?\)", "", str(text or "")).lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def _stem(name: str) -> str:
    """A normalised header without the unit written after a measurement's name (``UNITS``:
    "bb_lahir_gram", "bb_lahir_kg", "berat_gr", "pb_cm": "bb_lahir", "bb_lahir", "berat", "pb"), else as it is."""
    stem, _, unit = name.rpartition("_")
    return stem if unit in UNITS.get(_ALIASES.get(stem), ()) else name


def column_of(header: Any) -> str | None:
    """Our column a header names, if any."""
    return _ALIASES.get(_stem(normalise_header(header)))


def in_grams(header: Any) -> bool:
    """A header stating grams, in brackets or after the name ("BBL (gram)", "BB Lahir (gr)", "Berat
    Lahir (g)", "BB gram"): registers write birth weights so (3200). Said of a weight's column only
    (``read_rows``): a header in kg, or with no unit, is read in kg."""
    stated = [normalise_header(unit).split("_") for unit in re.findall(r"\(([^()]*)\)", str(header or ""))]
    stated.append([normalise_header(header).rpartition("_")[2]])
    return any(GRAM_UNITS & set(words) and "kg" not in words for words in stated)


class Headers(dict):
    """{our column: the file's header}, and ``ignored``: the headers of the file's other columns, which
    the import does not read (a register's immunisation doses, vitamin A, ages, nutrition status): the
    answer names them, so no one believes them imported."""

    ignored: list[str] = []


ROW_NUMBER = {"no", "nomor", "no_urut", "nomor_urut"}  # a register's row numbers: nothing to import, nothing lost
# a word of a register's header of an immunisation dose or vitamin A ("HB0", "Hepatitis B0", "DPT-HB-Hib 1",
# "Campak/MR", "Pneumokokus (PCV) 1", read without its parentheses, "Vit A Merah"): recorded in the app, not
# imported (``UNREAD``). "Hb" alone is haemoglobin ("Kadar Hb", "Hb (g/dL)"): hepatitis B only with its dose's
# number, in the word or after it ("HB0", "Hb 0", "HB-0": ``is_dose``), or as "Hep B", "Hepatitis B0"
DOSE_WORD = re.compile(r"(bcg|hb\d+|hbo|hep|hepatitis|b?opv\d*|ipv\d*|polio\d*|dpt\d*|penta\w*|pcv\d*|pneumo\w*"
                       r"|rv\d*|rota\w*|je|mm?r\d*|campak\d*|measles|vit|vitamin|kapsul|imunisasi|immuni[sz]ation"
                       r"|vaksin|vaccine|idl)")


def is_dose(header: Any) -> bool:
    """Whether a header not read is an immunisation dose's or vitamin A's (``DOSE_WORD``; "Hb" followed by
    a number, "Hb 0", is hepatitis B's, "Hb" else haemoglobin)."""
    words = normalise_header(header).split("_")
    return any(DOSE_WORD.fullmatch(w) or (w == "hb" and after.isdigit())
               for w, after in zip(words, [*words[1:], ""]))


# A file's first bytes, whatever its name says: a workbook renamed .csv (or saved by a phone as "data.csv")
# is read as the workbook it is; an old Excel workbook or a PDF is told as what it is, not "missing columns".
ZIP, OLE, PDF = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"%PDF"
OLD_EXCEL = Msg("an old Excel workbook (.xls): open it and save it as .xlsx (Excel Workbook) or CSV, then import that",
                "buku kerja Excel lama (.xls): buka lalu simpan sebagai .xlsx (Buku Kerja Excel) atau CSV, lalu impor berkas itu")
ODS = Msg("a LibreOffice spreadsheet (.ods): open it and save it as .xlsx (Excel 2007-365) or CSV, then import that",
          "lembar kerja LibreOffice (.ods): buka lalu simpan sebagai .xlsx (Excel 2007-365) atau CSV, lalu impor berkas itu")
A_PDF = Msg("a PDF, not a spreadsheet: import the register's .xlsx or .csv file (a PDF's table cannot be read)",
            "berkas PDF, bukan spreadsheet: impor berkas .xlsx atau .csv register (tabel dalam PDF tidak dapat dibaca)")


PROTECTED = Msg("a workbook protected by a password (or damaged): open it, remove the password, save it as .xlsx, then "
                "import that", "buku kerja dilindungi kata sandi (atau rusak): buka, hapus kata sandinya, simpan sebagai .xlsx, lalu "
                "impor berkas itu")


def _kind(data: IO[bytes], ext: str) -> str:
    """The file's kind by its first bytes (``ZIP``: read as XLSX, whatever its name; an old Excel
    workbook's, or an .xlsx's encrypted by a password, which Excel wraps so), else by its name's
    ``ext``; rewound."""
    head = data.read(8)
    data.seek(0)
    if head.startswith(OLE):
        raise FileError(PROTECTED if ext in ("xlsx", "xlsm") else OLD_EXCEL)
    if head.startswith(PDF):
        raise FileError(A_PDF)
    return ("xlsm" if ext == "xlsm" else "xlsx") if head.startswith(ZIP) else ext


def read_rows(data: IO[bytes], filename: str, *,
              posyandu_given: bool = False) -> tuple[Headers, Iterator[tuple[int, dict[str, Any]]]]:
    """(``Headers``, iterator of (row number, {our column: raw value})). ``posyandu_given``: the upload
    names the rows' posyandu, the file may have no Posyandu column."""
    ext = _kind(data, (filename or "").lower().rsplit(".", 1)[-1])
    if ext == "xls":
        raise FileError(OLD_EXCEL)
    if ext in ("xlsx", "xlsm"):  # xlsm: a template with macros (not run: the values saved are read)
        from posyandu.imports.xlsx import read_xlsx  # it reads this module's names

        table, delimiter = read_xlsx(data), None
    elif ext in ("csv", "txt", "tsv"):
        delimiter, table = _csv(data)
    else:
        raise FileError(Msg("the file must be .csv or .xlsx (or .tsv/.txt, tab-separated)",
                             "berkas harus .csv atau .xlsx (atau .tsv/.txt, dipisah tab)"))
    header, columns, first, table, headless = _header(table)
    missing = [k for k in REQUIRED if k not in columns.values() and not (k == "posyandu" and posyandu_given)]
    if missing:
        titles = ", ".join(TITLES[k] for k in missing)  # named as the template heads them, in both languages
        # a posyandu's own register: its posyandu chosen for the whole file instead (``posyandu_given``)
        choose = (" (or choose the posyandu the whole file is of)", " (atau pilih posyandu seluruh berkas ini)") \
            if "posyandu" in missing else ("", "")
        raise FileError(Msg(f"missing columns: {titles}{choose[0]}", f"kolom wajib tidak ada: {titles}{choose[1]}"))
    names = Headers()
    for i, key in sorted(columns.items()):  # two columns of one meaning (PB and TB): named by the first
        names.setdefault(key, str(header[i]).strip())
    unread = {i: " ".join(str(h).split()) for i, h in enumerate(header)
              if i not in columns and str(h or "").strip() and normalise_header(h) not in ROW_NUMBER}
    names.ignored = list(dict.fromkeys(unread.values()))
    doses = {i: h for i, h in unread.items() if is_dose(h)}
    # a text file's row wider than its header: a cell split in two, most often a decimal comma in a
    # comma-separated file (7,2 read as 7 and a cell "2" under no header, dropped); a spreadsheet's
    # cells cannot split, and a note beside its table is no one's column
    width = len(header) if ext not in ("xlsx", "xlsm") else None
    grams = {i for i, key in columns.items() if key in WEIGHTS and in_grams(header[i])}
    return names, _rows(table, columns, first, width, _position_columns(header, columns), doses, grams,
                        [str(h).strip() for h in header], headless, delimiter)


def _position_columns(header: list[Any], columns: dict[int, str]) -> dict[int, tuple[str, str]]:
    """{column: (its name, the position it is named for)} of the length/height columns, when the file
    has one for each position (else none: see ``POSITION_OF_COLUMN``)."""
    found = {i: (str(header[i]).strip(), POSITION_OF_COLUMN[_stem(normalise_header(header[i]))]) for i, key in
             columns.items() if key == "length_height_cm" and _stem(normalise_header(header[i])) in POSITION_OF_COLUMN}
    return found if len({position for _, position in found.values()}) == 2 else {}


def known_columns(values: list[Any]) -> dict[int, str]:
    """{column index: our column} of a row's cells that name one."""
    return {i: key for i, h in enumerate(values) if (key := column_of(h))}


Headless = dict[int, tuple[str, int, int, bool]]
"""{column: (the header merged over it, its first and last column, whether any value refuses the file)} of
the columns a header we read is merged over beyond its first, that name nothing of their own (``_header``):
a workbook's merged cells, any value; a text file's blank header cells after a measurement's or a date's
(``_blank_after``), a number or a date only (a note there, "rujuk puskesmas", is no one's column)."""
NO_MEASURE = re.compile(r"\b(umur|usia|age|bulan|bln|tahun|thn|no|nomor|urut|anak\s*ke)\b", re.IGNORECASE)
"""A column's header naming a number no measurement is (an age, a row's number)."""
VALUE_LIKE = re.compile(r"[\d\s.,/:-]+")  # a number or a date, as a weight's or a date's sibling column holds


def _header(table: Iterator[list[Any]]) -> tuple[list[Any], dict[int, str], int, Iterator[list[Any]], Headless]:
    """The header row: the first of the top rows naming every required column (report titles above
    the table are skipped), else the first of those naming the most of them, so that the file is refused
    naming only the columns its header lacks (a posyandu's own register has no Posyandu column: under a
    title row, it was told its name, sex and birth date columns were missing too); none naming any column
    a header is found by (``FOUND_BY``), the file is refused saying no header row was found in the top
    rows, not that every column is missing (a letterhead of ten lines hid it). Returns it, its known
    columns, the next row's number, the rows after it and its ``Headless`` columns. A header over two
    rows (merged cells: "Penimbangan" above "Tgl Timbang", "BB", "TB") takes the names of the row under it
    where it has none of its own, or where one of ours is merged over several columns ("BB (kg)" over
    "Lahir" | "Sekarang"). A header of ours merged over several columns with no names under them reads
    its first column only: the others are ``Headless`` (a value in one refuses the file, ``_rows``;
    "BB (kg)" over the birth weight and the weight of the day read the birth weight as the weighing)."""
    top: list[list[Any]] = []
    values, number = next(table, None), 1
    while values is not None:
        below = next(table, None)
        table = itertools.chain([below], table) if below is not None else table
        columns = known_columns(values)
        if names_required(values, below):
            merged = hasattr(values, "across")
            across = dict(values.across) if merged else _blank_after(values)
            header, columns, first, table = _second_header_row(table, values, columns, number, across)
            headless = {i: (str(header[start]).strip(), start, last, merged) for start, last in across.items()
                        if start in columns for i in range(start + 1, last + 1) if i not in columns}
            return header, columns, first, table, headless
        top.append(values)
        if number == HEADER_SEARCH_ROWS:
            break
        values, number = next(table, None), number + 1
    if not top:
        raise FileError(Msg("the file is empty", "berkas kosong"))
    # the columns a header is found by first: a letterhead's "Posyandu" | ": Melati" named as many required
    # columns as a header naming Nama Anak alone, and came first (the file was told no header was found)
    best = max(top, key=lambda values: (len(set(known_columns(values).values()) & set(FOUND_BY)),
                                        len(set(known_columns(values).values()) & set(REQUIRED))))
    if not set(known_columns(best).values()) & set(FOUND_BY):
        raise FileError(_no_header())
    return best, known_columns(best), 2, table, {}


def _no_header() -> Msg:
    """No header row in the top rows, the columns it is found by named as the template heads them."""
    sought = [TITLES[k] for k in FOUND_BY]
    return Msg(
        f"no header row found in the first {HEADER_SEARCH_ROWS} rows: a row of column headings naming "
        f"{', '.join(sought[:-1])} and {sought[-1]} (as the template heads them); if the table's header is lower "
        "down, delete the lines above it",
        f"baris judul kolom tidak ditemukan di {HEADER_SEARCH_ROWS} baris pertama: baris judul yang memuat kolom "
        f"{', '.join(sought[:-1])} dan {sought[-1]} (seperti judul di contoh berkas); jika judul tabel ada lebih ke "
        "bawah, hapus baris-baris di atasnya")


MEASURED = (*UNITS, "birth_date", "measured_on")  # a column a merged header's sibling would be read wrong beside


def _blank_after(values: list[Any]) -> dict[int, int]:
    """A text file's header, which cannot say which cells were merged: {first column: last column} of each
    measurement's or date's cell followed by blank ones, read as merged over them. A spreadsheet's merged
    header saved as CSV keeps its value in its first cell only ("BB (kg)" over the birth weight and the
    weight of the day, then blank): the column after it was dropped unsaid, and the birth weight read as
    the weighing. After a name or an address, a blank-headed column is a note's, read as no one's."""
    runs: dict[int, int] = {}
    start = None
    for i, value in enumerate(values):
        if str(value or "").strip():
            start = i if column_of(value) in MEASURED else None
        elif start is not None:
            runs[start] = i
    return runs


def names_required(values: list[Any], below: list[Any] | None) -> bool:
    """Whether a row names every required column, itself or with the sub-headers of the row under it
    ("Tanggal" merged over "Lahir" | "Timbang": the birth date and the visit date, ``_under_groups``).
    A title row (``_title``) or a row adding nothing to the names of the row under it is not the top of
    a header: the row under it is the header (a title directly above a one-row header was taken for its
    top row, the header for its sub-headers, and the columns not read went unnamed)."""
    named = set(known_columns(values).values())
    if below is not None and not all(k in named for k in FOUND_BY) and not _title(values):
        alone = set(known_columns(below).values())
        grouped = {key for key, _ in _under_groups(values, below).values()}
        if not (all(k in alone for k in FOUND_BY) and grouped <= alone):
            named |= grouped
    return all(k in named for k in FOUND_BY)


def _title(values: list[Any]) -> bool:
    """Whether a row is blank or a title: one text, in its first column (a workbook's title merged across
    the table holds it in its first cell), "REGISTER PENIMBANGAN POSYANDU KENANGA". A group's name over
    its sub-headers ("Penimbangan" over "Tgl" | "BB") stands over them, not in the first column."""
    filled = [i for i, value in enumerate(values) if str(value if value is not None else "").strip()]
    return filled in ([], [0])


def _second_header_row(table: Iterator[list[Any]], header: list[Any], columns: dict[int, str], number: int,
                       across: dict[int, int] | None = None) -> tuple[list[Any], dict[int, str], int, Iterator[list[Any]]]:
    """The header at row ``number`` and, when the row under it names columns the header left unnamed
    and holds nothing under the header's own columns, those names too (the data then starts below it).
    A header cell merged across columns (``across``: {first column: last column}) names none of them
    itself where the row under it names them: "BB (kg)" over "Lahir" | "Sekarang" is the birth weight
    and the weight of the day, not the weight twice."""
    below = next(table, None)
    if below is None:
        return header, columns, number + 1, table
    named = _under_groups(header, below)
    spanned = {i for first, last in (across or {}).items() for i in range(first, last + 1)}
    own = {i: key for i, key in columns.items() if i not in spanned or i not in named}
    more = {i: key for i, (key, _) in named.items() if i not in own}
    unread = _unread_under(header, below, {**own, **more})
    # merged: the same name; a row of sub-headers of columns not read only ("Imunisasi" over "HB0" | "BCG")
    # when it is a group's, under a header cell merged over them (blank past its first)
    grouped = more or (unread and set(unread) | {i for i, v in enumerate(below) if v in (None, "", *header[i:i + 1])}
                       == set(range(len(below))) and any(i >= len(header) or header[i] in (None, "") for i in unread))
    if grouped and all(below[i] in (None, "", header[i]) for i in own if i < len(below)):
        header = [named[i][1] if i in more else unread.get(i, h) for i, h in enumerate(header)] + \
            [unread.get(i, below[i]) for i in range(len(header), len(below))]
        return header, {**own, **more}, number + 2, table
    return header, columns, number + 1, itertools.chain([below], table)


def _unread_under(header: list[Any], below: list[Any], read: dict[int, str]) -> dict[int, str]:
    """{column: its name} of the texts the row under a header gives columns not read, each with its group
    (the header's cell above, or the nearest left of it over blank cells): "Imunisasi HB0", "Imunisasi
    BCG", named as such (``Headers.ignored``) and known as doses (``is_dose``), not as "Imunisasi"."""
    found: dict[int, str] = {}
    group: Any = None
    for i, value in enumerate(below):
        above = header[i] if i < len(header) else None
        group = above if above not in (None, "") else group
        if i in read or not isinstance(value, str) or not value.strip() or value == above:
            continue
        found[i] = " ".join(f"{group or ''} {value}".split())
    return found


def _under_groups(header: list[Any], below: list[Any]) -> dict[int, tuple[str, Any]]:
    """{column: (our column, its name)} of the row under a header, each read with the group above it
    first ("Lahir" merged over "BB", "PB": ``bb_lahir``, named "Lahir BB"; "Penimbangan" over "Tanggal":
    ``tanggal_penimbangan``), else alone ("BB" under "Penimbangan": ``bb``). A group is the header's
    cell above, or the nearest one left of it over blank cells (a merged cell's value is its first)."""
    found: dict[int, tuple[str, Any]] = {}
    group: Any = None
    for i, value in enumerate(below):
        above = header[i] if i < len(header) else None
        group = above if above not in (None, "") else group
        if value in (None, ""):
            continue
        together = f"{_stem(normalise_header(value))}_{normalise_header(group)}"
        after = f"{_stem(normalise_header(group))}_{_stem(normalise_header(value))}"  # "BB" over "Lahir": bb_lahir
        if group not in (None, "") and together in _ALIASES:
            found[i] = (_ALIASES[together], f"{str(group).strip()} {str(value).strip()}")
        elif group not in (None, "") and after in _ALIASES:
            found[i] = (_ALIASES[after], f"{str(group).strip()} {str(value).strip()}")
        elif column_of(value):
            found[i] = (column_of(value), value)
    return found


class Differing(tuple):
    """The different values of one row in two columns of one meaning (PB and TB): the row is refused
    on that column (``rows.parse_row``), not read from whichever column came last; a weight's values
    that are one weight read each in its column's unit ("BB (kg)" 3,2 and "BB (gram)" 3200) are that
    weight. A weight in a kg and a grams column is kept twice even written alike ("3,2" in both): its
    text alone does not tell which column's unit it is in (``rows._one_weight``). ``grams``: whether
    each value is from a column headed in grams (``in_grams``); ``columns``: each value's header."""

    grams: tuple[bool, ...] = ()
    columns: tuple[str, ...] = ()


POSITION_BY_COLUMN = "_position_by_column"
"""A row's key for the position its length/height column is named for (``_position_columns``), as
(the column's name, "lying" or "standing"): ``rows.parse_row`` takes it as the position, or refuses
a position cell that says otherwise."""

BEYOND = "_beyond"
"""A row's key for the cells past the header's last column (``read_rows``), as (the key of the last
column, the values): ``rows.parse_row`` refuses the row on that column."""


GRAMS = "_grams"
"""A row's key for its weights read from a column headed in grams (``in_grams``), as a tuple of our
columns: ``rows.parse_row`` reads them in grams (3200 is 3.2 kg)."""


LABEL = "_label"
"""A row's key for the first text left of its name column (the row-number column's, "No", or a cell merged
over No and Nama) when its name cell is blank or a count: a register's totals line written there ("JUMLAH" in
the No column, or merged over No to Nama, its count of children under Nama) is told by it
(``rows.totals_row``), not refused as a nameless child or one named "4"."""

COUNT = re.compile(r"[+-]?\d[\d.,\s]*%?|[+-]?[.,]\d+")
"""A sum, a mean or a percentage of a totals line, as text."""


def is_count(value: Any) -> bool:
    """A cell holding a number (a count, a sum), as a spreadsheet's or as text: no name."""
    if isinstance(value, str):
        return bool(COUNT.fullmatch(value.strip()))
    return isinstance(value, (int, float)) and not isinstance(value, bool)


MERGED = "_merged"
"""A row's key for our columns whose cell is in a range merged over rows (``xlsx._FilledRow.spanned``: its top
row's too), when no column not read right of the name holds a number on the row, as a tuple: ``rows.parse_row``
reads a visit date merged down the table beside no measurement as the session's date of a child absent that
day (registered, no visit), not as her weight forgotten."""

UNREAD = "_unread"
"""A row's key for the headers of the columns not read (``Headers.ignored``) of a dose or vitamin A
(``DOSE_WORD``) its cells fill: ``rows.parse_row`` names them when the row's visit gives nothing the
import reads. Not an age, a note or a status the register fills on every line: a row of those alone,
its weight forgotten, is told so plainly."""


def _rows(table: Iterator[list[Any]], columns: dict[int, str], first: int, width: int | None = None,
          positions: dict[int, tuple[str, str]] | None = None, doses: dict[int, str] | None = None,
          grams: set[int] | None = None, header: list[str] | None = None,
          headless: Headless | None = None, delimiter: str | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    positions, doses, grams, header, headless = positions or {}, doses or {}, grams or set(), header or [], headless or {}
    named_at = min((i for i, key in columns.items() if key == "name"), default=0)
    flags = {i for i, key in columns.items() if key in FLAGS}
    for number, values in enumerate(table, start=first):
        filled, spanned = getattr(values, "filled", ()), getattr(values, "spanned", ())
        values = _undashed(values, flags)
        if filled and all(values[i] in (None, "") or i in filled for i in columns if i < len(values)):
            continue  # only merged cells from above: a blank row
        for i, (name, start, last, any_value) in headless.items():
            if i < len(values) and values[i] is not None and str(values[i]).strip() and (
                    any_value or not isinstance(values[i], str) or VALUE_LIKE.fullmatch(values[i].strip())):
                _refuse_headless(name, start, last, i, number, values[i])
        found: dict[str, list[tuple[Any, int]]] = {}  # {our column: [(value, its column)]}, a value once per unit
        for i, key in sorted(columns.items()):
            value = values[i] if i < len(values) else None
            value = value.strip() if isinstance(value, str) else value
            given = found.setdefault(key, [])
            if value not in (None, "") and all(value != v or (i in grams) != (j in grams) for v, j in given):
                given.append((value, i))
        row = {key: (None if not given else given[0][0] if len(given) == 1 else _differing(given, grams, header))
               for key, given in found.items()}
        if any(v is not None for v in row.values()):
            named = {positions[i] for i in positions if i < len(values) and values[i] not in (None, "")
                     and str(values[i]).strip()}
            if len({position for _, position in named}) == 1:  # both filled: refused as Differing, or no telling
                row[POSITION_BY_COLUMN] = min(named)
            beyond = [v.strip() for v in values[width:] if v.strip()] if width is not None else []
            if beyond:
                row[BEYOND] = (columns[max(columns)], beyond, delimiter)
            given = tuple(dict.fromkeys(name for i, name in doses.items() if i < len(values)
                                        and values[i] is not None and str(values[i]).strip()))
            if given:
                row[UNREAD] = given
            gram_keys = tuple(dict.fromkeys(columns[i] for i in sorted(grams) if i < len(values)
                                           and values[i] is not None and str(values[i]).strip()))
            if gram_keys:
                row[GRAMS] = gram_keys
            # a number in a column not read, right of the name (a weight under a header we do not know; the
            # row's number "No." is left of it), but an age's: not a child absent that day (``rows.parse_row``)
            unread_number = any(i > named_at and i not in columns and i not in spanned and not isinstance(v, bool)
                                and not (i < len(header) and NO_MEASURE.search(str(header[i] or "")))
                                and (is_count(v) or (isinstance(v, str) and VALUE_LIKE.fullmatch(v.strip())))
                                for i, v in enumerate(values))
            merged = tuple(dict.fromkeys(columns[i] for i in sorted(spanned) if i in columns))
            if merged and not unread_number:
                row[MERGED] = merged
            if row.get("name") is None or is_count(row["name"]):
                label = next((v.strip() for v in values[:named_at] if isinstance(v, str) and v.strip()), None)
                if label:
                    row[LABEL] = label
            yield number, row


def _undashed(values: list[Any], flags: set[int]) -> list[Any]:
    """A row with its cells holding only a dash (``DASH``) blank, but in the yes/no columns (``flags``)."""
    if not any(is_dash(v) for v in values):
        return values
    return ["" if i not in flags and is_dash(v) else v for i, v in enumerate(values)]


def _letter(column: int) -> str:
    """A column's letter as a spreadsheet shows it (0: A, 26: AA)."""
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _refuse_headless(name: str, start: int, last: int, column: int, number: int, value: Any) -> None:
    """A value in a column a header is merged over beyond its first (``Headless``): which column the
    header names is no telling (read from its first, "BB (kg)" over the birth weight and the weight of
    the day imported the birth weight as the weighing, and the weight nowhere)."""
    span, shown = f"{_letter(start)}-{_letter(last)}", " ".join(str(value).split())
    raise FileError(Msg(
        f"the header {name} is merged over columns {span}, and column {_letter(column)} holds values under no "
        f"header of its own (row {number}: {shown}): give each column its own header (e.g. BB Lahir and BB), or "
        f"name each in a row under {name}",
        f"judul {name} digabung di atas kolom {span}, dan kolom {_letter(column)} berisi nilai tanpa judul "
        f"sendiri (baris {number}: {shown}): beri tiap kolom judulnya sendiri (mis. BB Lahir dan BB), atau "
        f"tulis judul tiap kolom di baris di bawah {name}"))


def _differing(given: list[tuple[Any, int]], grams: set[int], header: list[str]) -> Differing:
    found = Differing(value for value, _ in given)
    found.grams = tuple(i in grams for _, i in given)
    found.columns = tuple(header[i] if i < len(header) else "" for _, i in given)
    return found


def _encoding(data: IO[bytes]) -> str:
    """UTF-16 after its BOM (Excel's "Unicode Text", tab-separated), or without it when every other byte of
    its start is NUL (told that no header was found: the header read as NULs); UTF-8 (with or without BOM) when
    the whole file decodes so, else Windows-1252 (the first bytes alone do not tell: a name like
    "André" far down a file of plain ASCII); rewound."""
    head = data.read(512)
    data.seek(0)
    if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return "utf-16"
    # without its BOM (a program's export): every other byte NUL, as its ASCII letters are written
    pairs = len(head) // 2
    if pairs >= 8:
        odd, even = head[1:2 * pairs:2].count(0), head[0:2 * pairs:2].count(0)
        if odd >= 0.9 * pairs and not even:
            return "utf-16-le"
        if even >= 0.9 * pairs and not odd:
            return "utf-16-be"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := data.read(1 << 16):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    finally:
        data.seek(0)
    return "utf-8-sig"


def _csv(data: IO[bytes]) -> tuple[str, Iterator[list[Any]]]:
    """The file's separator and its lines' cells."""
    encoding = _encoding(data)
    head = data.read(4096)
    data.seek(0)
    delimiter = _delimiter(head.decode(encoding, errors="replace"))
    return delimiter, _csv_rows(data, encoding, delimiter)


def _csv_rows(data: IO[bytes], encoding: str, delimiter: str) -> Iterator[list[Any]]:
    text = io.TextIOWrapper(data, encoding=encoding, errors="strict", newline="")
    reader = csv.reader(text, delimiter=delimiter)
    try:
        yield from reader
    except UnicodeDecodeError:
        raise FileError(Msg("not a readable CSV file (use UTF-8)", "bukan berkas CSV yang dapat dibaca (gunakan UTF-8)")) from None
    except csv.Error as exc:  # the text is read: its table is not (a cell past csv's limit, a stray quote)
        line = reader.line_num
        if "field limit" in str(exc):
            limit = f"{csv.field_size_limit():,}"
            raise FileError(Msg(f"line {line}: a cell is longer than {limit} characters",
                                f"baris {line}: ada sel yang lebih panjang dari {limit.replace(',', '.')} karakter")) from None
        raise FileError(Msg(f"not a readable CSV file (line {line})", f"bukan berkas CSV yang dapat dibaca (baris {line})")) from None
    finally:
        text.detach()


DELIMITERS = ("\t", ";", ",")


def _delimiter(head: str) -> str:
    """Tab, ";" or ",": the one that splits a line of the top rows into every required column (a title
    line above the table may hold none, or a comma in a semicolon file), else the most frequent in the
    first line (a comma on a tie). Tabs: cells copied from a spreadsheet into a .txt file."""
    lines = head.splitlines()
    for line in lines[:HEADER_SEARCH_ROWS]:
        for delimiter in DELIMITERS:
            named = {column_of(h) for h in next(csv.reader([line], delimiter=delimiter), [])}
            if all(k in named for k in FOUND_BY):
                return delimiter
    first = lines[0] if lines else ""
    return max(reversed(DELIMITERS), key=first.count)


def count_rows(data: IO[bytes], filename: str, *, posyandu_given: bool = False) -> int:
    """Data rows in the file (for a progress bar); the stream is rewound."""
    try:
        _, rows = read_rows(data, filename, posyandu_given=posyandu_given)
        return sum(1 for _ in rows)
    finally:
        data.seek(0)
