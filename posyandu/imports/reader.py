"""Read an uploaded CSV or XLSX sheet into rows keyed by our column names.

Headers are matched loosely (case, spaces, punctuation and a unit in brackets
are ignored) against Indonesian and English names, so "Tgl Lahir",
"tanggal_lahir" and "birth_date" all mean ``birth_date``. Columns we do not
know are ignored; blank rows are skipped. The header is the first of the top
ten rows that names every required column (titles above the table are skipped).
Row numbers are the spreadsheet's. CSV may be comma- or semicolon-separated, UTF-8 (with
or without BOM) or Windows-1252.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from typing import IO, Any, Iterator

from posyandu.i18n import Msg

COLUMNS: dict[str, tuple[str, ...]] = {
    "posyandu": ("posyandu", "nama_posyandu", "posyandu_id"),
    "name": ("nama", "nama_anak", "nama_balita", "name"),
    "sex": ("jenis_kelamin", "jk", "l_p", "sex"),
    "birth_date": ("tanggal_lahir", "tgl_lahir", "birth_date"),
    "nik": ("nik", "nik_anak"),
    "mother_nik": ("nik_ibu", "mother_nik"),
    "mother_name": ("nama_ibu", "mother_name"),
    "father_name": ("nama_ayah", "father_name"),
    "guardian_phone": ("no_hp", "hp", "telepon", "nomor_hp", "guardian_phone"),
    "address": ("alamat", "address"),
    "rt": ("rt",), "rw": ("rw",),
    "birth_weight_kg": ("bb_lahir", "berat_lahir", "birth_weight_kg"),
    "birth_length_cm": ("pb_lahir", "panjang_lahir", "birth_length_cm"),
    "has_kms": ("punya_kms", "kms", "buku_kia", "has_kms"),
    "not_duplicate": ("bukan_duplikat", "not_duplicate"),
    "measured_on": ("tanggal_ukur", "tanggal_timbang", "tgl_timbang", "tgl_ukur", "tanggal_kunjungan", "measured_on"),
    "weight_kg": ("bb", "berat", "berat_badan", "bb_kg", "weight_kg"),
    "length_height_cm": ("tb", "pb", "tb_pb", "pb_tb", "tinggi", "panjang", "tinggi_badan", "panjang_badan",
                         "length_height_cm"),
    "position": ("posisi", "cara_ukur", "position"),
    "head_circumference_cm": ("lingkar_kepala", "lk", "head_circumference_cm"),
    "muac_cm": ("lila", "lingkar_lengan", "muac_cm"),
    "oedema": ("edema", "oedema"),
}
REQUIRED = ("posyandu", "name", "sex", "birth_date")
HEADER_SEARCH_ROWS = 10
_ALIASES = {alias: key for key, aliases in COLUMNS.items() for alias in aliases}


class FileError(ValueError):
    """The file cannot be read as a spreadsheet of children and visits."""

    def __init__(self, message: Msg):
        super().__init__(str(message))
        self.message = message


def normalise_header(text: Any) -> str:
    text = re.sub(r"\(.*?\)", "", str(text or "")).lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def read_rows(data: IO[bytes], filename: str) -> tuple[dict[str, str], Iterator[tuple[int, dict[str, Any]]]]:
    """({our column: the file's header}, iterator of (row number, {our column: raw value}))."""
    ext = (filename or "").lower().rsplit(".", 1)[-1]
    if ext == "xlsx":
        table = _xlsx(data)
    elif ext in ("csv", "txt"):
        table = _csv(data)
    else:
        raise FileError(Msg("the file must be .csv or .xlsx", "berkas harus .csv atau .xlsx"))
    header, columns, first = _header(table)
    missing = [k for k in REQUIRED if k not in columns.values()]
    if missing:
        raise FileError(Msg(f"missing columns: {', '.join(missing)}",
                            f"kolom wajib tidak ada: {', '.join(missing)}"))
    names = {key: str(header[i]).strip() for i, key in columns.items()}
    return names, _rows(table, columns, first)


def _header(table: Iterator[list[Any]]) -> tuple[list[Any], dict[int, str], int]:
    """The header row: the first of the top rows naming every required column (report titles above
    the table are skipped), else the first row. Returns it, its known columns and the next row's number."""
    top: list[list[Any]] = []
    for number, values in enumerate(table, start=1):
        columns = {i: _ALIASES[normalise_header(h)] for i, h in enumerate(values) if normalise_header(h) in _ALIASES}
        if all(k in columns.values() for k in REQUIRED):
            return values, columns, number + 1
        top.append(values)
        if number == HEADER_SEARCH_ROWS:
            break
    if not top:
        raise FileError(Msg("the file is empty", "berkas kosong"))
    columns = {i: _ALIASES[normalise_header(h)] for i, h in enumerate(top[0]) if normalise_header(h) in _ALIASES}
    return top[0], columns, 2


def _rows(table: Iterator[list[Any]], columns: dict[int, str], first: int) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, values in enumerate(table, start=first):
        row = {key: values[i] for i, key in columns.items() if i < len(values)}
        row = {k: (v.strip() if isinstance(v, str) else v) for k, v in row.items()}
        if any(v not in (None, "") for v in row.values()):
            yield number, row


def _xlsx(data: IO[bytes]) -> Iterator[list[Any]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(data, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise FileError(Msg("not a readable XLSX workbook", "bukan berkas XLSX yang dapat dibaca")) from None
    try:
        for values in book.worksheets[0].iter_rows(values_only=True):
            yield list(values)
    finally:
        book.close()


def _csv(data: IO[bytes]) -> Iterator[list[Any]]:
    head = data.read(4096)
    data.seek(0)
    encoding = "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head[:4000])
    except UnicodeDecodeError:
        encoding = "cp1252"
    first_line = head.split(b"\n", 1)[0]
    delimiter = ";" if first_line.count(b";") > first_line.count(b",") else ","
    text = io.TextIOWrapper(data, encoding=encoding, errors="strict", newline="")
    try:
        yield from csv.reader(text, delimiter=delimiter)
    except (UnicodeDecodeError, csv.Error):
        raise FileError(Msg("not a readable CSV file (use UTF-8)", "bukan berkas CSV yang dapat dibaca (gunakan UTF-8)")) from None
    finally:
        text.detach()


def count_rows(data: IO[bytes], filename: str) -> int:
    """Data rows in the file (for a progress bar); the stream is rewound."""
    try:
        _, rows = read_rows(data, filename)
        return sum(1 for _ in rows)
    finally:
        data.seek(0)
