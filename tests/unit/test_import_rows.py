"""Cleaning one spreadsheet row (posyandu.imports.rows) and reading headers (posyandu.imports.reader)."""
from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime

import pytest

from posyandu.imports.reader import FileError, normalise_header, read_rows
from posyandu.imports.rows import parse_row

BASE = {"posyandu": "Melati", "name": "Rara", "sex": "P", "birth_date": "2025-01-15"}


def errors(row):
    return {k: [str(m) for m in v] for k, v in parse_row({**BASE, **row}).errors.items()}


def test_a_clean_row_gives_a_child_and_a_visit():
    p = parse_row({**BASE, "nik": "3525015501250001", "birth_weight_kg": "3,1", "measured_on": "10/06/2025",
                   "weight_kg": "7,2", "length_height_cm": 65.5, "position": "Berbaring", "oedema": "tidak"})
    assert p.errors == {} and p.posyandu == "Melati"
    assert p.child == {"name": "Rara", "sex": "F", "birth_date": date(2025, 1, 15), "nik": "3525015501250001",
                       "birth_weight_kg": 3.1, "has_kms": True}
    assert p.visit == {"measured_on": date(2025, 6, 10), "weight_kg": 7.2, "length_height_cm": 65.5,
                       "position": "lying", "oedema": False}


@pytest.mark.parametrize("row, field, words", [
    ({"nik": "352501550125000"}, "nik", "leading zero"),
    ({"nik": "3.52501E+15"}, "nik", "turned the NIK into a number"),
    ({"birth_weight_kg": "3200"}, "birth_weight_kg", "grams"),
    ({"measured_on": "2025-06-10", "weight_kg": "7200"}, "weight_kg", "grams"),
    ({"birth_date": "31/02/2025"}, "birth_date", "not a date"),
    ({"sex": "X"}, "sex", "L or P"),
    ({"position": "duduk", "measured_on": "2025-06-10", "weight_kg": 7}, "position", "berbaring"),
    ({"weight_kg": 7}, "measured_on", "needs its date"),
    ({"name": ""}, "name", "missing data"),
    ({"posyandu": None}, "posyandu", "missing data"),
    ({"has_kms": "mungkin"}, "has_kms", "ya or tidak"),
    ({"measured_on": "2099-01-01", "weight_kg": 7}, "measured_on", "after today"),
])
def test_messy_values_are_named_with_the_reason(row, field, words):
    found = errors(row)
    assert field in found and words.lower() in found[field][0].lower(), found


@pytest.mark.parametrize("row, field", [
    ({"birth_date": "31/02/2025"}, "birth_date"), ({"birth_date": "01/15/2025"}, "birth_date"), ({"sex": "X"}, "sex")])
def test_a_row_with_a_nik_and_an_unreadable_birth_date_or_sex_is_refused_on_that_field(row, field):
    """The NIK's check against the birth date and sex read a field the row had refused: a KeyError,
    and the whole upload answered 500 (dry run, accept_valid and the CLI alike)."""
    found = errors({"nik": "3525015501250001", **row})
    assert list(found) == [field], found


def test_one_message_per_field():
    assert errors({"sex": "X"}) == {"sex": ["must be L or P"]}


@pytest.mark.parametrize("value, expected", [("L", "M"), ("laki-laki", "M"), ("Perempuan", "F"), ("p", "F"),
                                             ("Pria", "M"), ("Wanita", "F"), ("Lelaki", "M")])
def test_sex_words(value, expected):
    assert parse_row({**BASE, "sex": value}).child["sex"] == expected


@pytest.mark.parametrize("value", [3525015501250000, 3525015501250000.0])
def test_a_16_digit_nik_from_a_number_cell_ending_in_0_is_refused(value):
    """Excel keeps 15 significant digits: NIK 3525015501250001 typed in a number cell is saved as
    3525015501250000, a valid-looking NIK of no one, which was stored. As text it is taken."""
    found = errors({"nik": value, "mother_nik": value})
    assert set(found) == {"nik", "mother_nik"} and "15 digits" in found["nik"][0], found
    assert parse_row({**BASE, "nik": "3525015501250010"}).errors == {}


@pytest.mark.parametrize("value", ["3525 0155 0125 0001", "3525.0155.0125.0001", "3525-0155-0125-0001",
                                   " 352501 550125 0001 ", "3525.0155 0125-0001"])
def test_a_nik_written_with_spaces_dots_or_dashes_is_read_as_its_16_digits(value):
    """A register writes a NIK in groups ("3525 0155 0125 0001", as on the KTP, or with dots): it was
    refused as not 16 digits. Its digits are the NIK, the mother's too."""
    p = parse_row({**BASE, "nik": value, "mother_nik": "3525.0148.0895.0002"})
    assert p.errors == {} and (p.child["nik"], p.child["mother_nik"]) == ("3525015501250001", "3525014808950002")


@pytest.mark.parametrize("value", ["3525 0155 0125 000", "3525 0155 0125 00012", "3525/0155/0125/0001",
                                   "3525 0155 0125 000l", "NIK 3525 0155 0125 0001"])
def test_a_nik_with_separators_but_not_16_digits_is_still_refused(value):
    assert errors({"nik": value}) == {"nik": ["NIK must be exactly 16 digits"]}


def test_spreadsheet_types_are_understood():
    p = parse_row({**BASE, "birth_date": datetime(2025, 1, 15), "nik": 3525015501250001.0, "rt": 3.0})
    assert p.errors == {} and (p.child["birth_date"], p.child["nik"], p.child["rt"]) == (date(2025, 1, 15), "3525015501250001", "3")


@pytest.mark.parametrize("value, expected", [("1", True), (1, True), (1.0, True), ("√", True), ("Ya", True),
                                             ("0", False), (0, False), ("-", False), ("Tidak Ada", False),
                                             (None, False), ("", False)])
def test_yes_no_columns_read_digits_ticks_and_dashes(value, expected):
    """Oedema "1" (or a number cell 1, or a tick) is oedema, not the blank default; has_kms "0" or "-" is no KMS."""
    visit = parse_row({**BASE, "measured_on": "2025-06-10", "weight_kg": 7, "oedema": value})
    assert visit.errors == {} and visit.visit["oedema"] is expected
    if value not in (None, ""):
        assert parse_row({**BASE, "has_kms": value}).child["has_kms"] is expected
    assert parse_row({**BASE, "not_duplicate": value}).not_duplicate is expected


def test_a_cell_holding_only_a_dash_is_blank_in_every_column_but_a_yes_no_one_where_it_is_no():
    """A register writes "-" for none: a NIK, a phone, a weight "-" refused the row, a father's name or an
    address "-" was stored as one (written into a registered child's record), a PB "-" beside a TB value
    refused as two columns disagreeing. Any dash ("–", "—", "- -") is a blank cell; in a yes/no column it
    is "tidak", as it was."""
    data = ("posyandu;nama;jk;tgl lahir;nik;nik ibu;no hp;nama ayah;alamat;rt;tgl timbang;bb;pb;tb;posisi;"
            "lila;punya kms;edema\n"
            "Melati;Ani;P;01/02/2025;-;–;—;- -;-;--;10/06/2025;7,1;-;65;-;−;-;—\n"
            "Melati;Budi;L;01/02/2025;;;;;;;-;-;-;;;;;\n").encode()
    _, rows = read_rows(io.BytesIO(data), "a.csv")
    rows = list(rows)
    assert rows[0][1] == {"posyandu": "Melati", "name": "Ani", "sex": "P", "birth_date": "01/02/2025", "nik": None,
                          "mother_nik": None, "guardian_phone": None, "father_name": None, "address": None, "rt": None,
                          "measured_on": "10/06/2025", "weight_kg": "7,1", "length_height_cm": "65", "position": None,
                          "muac_cm": None, "has_kms": "-", "oedema": "—", "_position_by_column": ("tb", "standing")}
    ani, budi = (parse_row(raw) for _, raw in rows)
    assert ani.errors == {} and budi.errors == {}, (ani.errors, budi.errors)
    assert ani.child == {"name": "Ani", "sex": "F", "birth_date": date(2025, 2, 1), "has_kms": False}
    assert ani.visit == {"measured_on": date(2025, 6, 10), "weight_kg": 7.1, "length_height_cm": 65.0,
                         "position": "standing", "oedema": False}  # the TB column's: its PB "-" is none
    assert budi.visit is None and budi.child["has_kms"] is True


@pytest.mark.parametrize("row, read", [
    ({"position": "Terlentang"}, ("position", "lying")),  # e-PPGBM's and the KMS's spelling
    ({"oedema": "+"}, ("oedema", True)), ({"oedema": "++"}, ("oedema", True)), ({"oedema": "+++"}, ("oedema", True)),
    ({"oedema": "-"}, ("oedema", False)),
    ({"has_kms": "Punya"}, ("has_kms", True)), ({"has_kms": "Tidak punya"}, ("has_kms", False)),
])
def test_a_registers_common_spellings_are_read(row, read):
    """Cara Ukur "Terlentang", Edema "+" (graded +, ++, +++), Punya KMS "Punya" / "Tidak punya" were refused."""
    p = parse_row({**BASE, "measured_on": "2025-06-10", "weight_kg": 7, "length_height_cm": 65, **row})
    assert p.errors == {}, p.errors
    key, value = read
    assert {**p.child, **p.visit}[key] == value


def test_an_unreadable_yes_no_value_is_refused_not_taken_as_the_default():
    assert "ya or tidak" in errors({"measured_on": "2025-06-10", "weight_kg": 7, "oedema": "?"})["oedema"][0]


@pytest.mark.parametrize("header, key", [("Tgl Lahir", "tgl_lahir"), ("BB (kg)", "bb"), ("TB/PB (cm)", "tb_pb"),
                                         (" Nama  Anak ", "nama_anak"), ("L/P", "l_p")])
def test_headers_are_matched_loosely(header, key):
    assert normalise_header(header) == key


def test_a_semicolon_csv_with_windows_1252_is_read():
    data = "Posyandu;Nama;JK;Tgl Lahir;Catatan\nMelati;Andr\xe9;L;01/02/2025;x\n\n".encode("cp1252")
    names, rows = read_rows(io.BytesIO(data), "a.csv")
    assert names == {"posyandu": "Posyandu", "name": "Nama", "sex": "JK", "birth_date": "Tgl Lahir"}
    assert list(rows) == [(2, {"posyandu": "Melati", "name": "André", "sex": "L", "birth_date": "01/02/2025"})]


def test_headers_of_common_registers_and_english_ones_are_read_not_dropped():
    """A register's "Panjang Badan/Tinggi Badan (cm)", "Nama Ibu Kandung", "BBL (gram)", "L. Kepala" and
    "Tanggal Ukur/Timbang", and English headers, were columns no one knew: their values were dropped
    without a word (a birth weight in grams not even refused). "BBL (gram)" 3200 was then refused as
    "looks like grams" (the unit in brackets was dropped with the brackets, the column read in kg):
    changed deliberately, its header says grams, so 3200 is read as 3.2 kg
    (``test_a_weight_column_headed_in_grams_is_read_in_grams``)."""
    data = ("Posyandu;Nama;JK;Tgl Lahir;Nama Ibu Kandung;BBL (gram);Tanggal Ukur/Timbang;Berat;"
            "Panjang Badan/Tinggi Badan (cm);L. Kepala\n"
            "Melati;Rara;P;15/01/2025;Siti;3200;10/06/2025;7,2;65,5;41\n").encode()
    names, rows = read_rows(io.BytesIO(data), "a.csv")
    [(_, row)] = list(rows)
    assert {k: row[k] for k in ("mother_name", "birth_weight_kg", "measured_on", "length_height_cm",
                                "head_circumference_cm")} == {"mother_name": "Siti", "birth_weight_kg": "3200",
                                                              "measured_on": "10/06/2025", "length_height_cm": "65,5",
                                                              "head_circumference_cm": "41"}
    parsed = parse_row(row)
    assert parsed.errors == {} and parsed.child["birth_weight_kg"] == 3.2, parsed.errors
    english = b"Posyandu,Name,Gender,Date of birth,Visit date,Weight (kg),Height (cm),MUAC (cm)\nMelati,Rara,F,2025-01-15,2025-06-10,7.2,65.5,13\n"
    names, rows = read_rows(io.BytesIO(english), "a.csv")
    assert set(names) == {"posyandu", "name", "sex", "birth_date", "measured_on", "weight_kg", "length_height_cm", "muac_cm"}
    assert [row["weight_kg"] for _, row in rows] == ["7.2"]  # read to the end (a generator left open warns)


def test_excel_unicode_text_utf16_is_read():
    """Excel's "Save as Unicode Text" writes UTF-16 with tabs: it was answered "missing columns" for a file
    that has them all."""
    data = "Posyandu\tNama\tJK\tTgl Lahir\nMelati\tNur \u2018Aini\tP\t01/02/2025\n".encode("utf-16")
    names, rows = read_rows(io.BytesIO(data), "a.txt")
    assert list(rows) == [(2, {"posyandu": "Melati", "name": "Nur \u2018Aini", "sex": "P", "birth_date": "01/02/2025"})]


def test_missing_required_columns_are_named():
    with pytest.raises(FileError, match=r"Posyandu, Jenis Kelamin \(L/P\) \(or choose the posyandu the whole file is of\)$"):
        read_rows(io.BytesIO(b"nama,tanggal_lahir\nA,2025-01-01\n"), "a.csv")


def test_a_header_under_a_long_letterhead_is_found_and_a_file_with_none_is_told_so_not_missing_columns():
    """A register under a letterhead (kop) of ten lines: its header on row 11 was not looked for, and the file
    was refused "missing columns: Posyandu, Nama Anak, …" though every column is there. The header is looked
    for in the top 30 rows (on the sheet that has it); a file without one is told no header row was found,
    naming the columns it is found by."""
    kop = ["PEMERINTAH KABUPATEN GRESIK", "DINAS KESEHATAN", "UPT PUSKESMAS WRINGINANOM", "Jl. Raya Wringinanom No. 1",
           None, "REGISTER PENIMBANGAN BALITA", "POSYANDU : MELATI", "DESA : SUMBERGEDE", "BULAN : JUNI 2025", None]
    table = [["Posyandu", "Nama Anak", "JK", "Tgl Lahir"], ["Melati", "Wulan", "P", "01/06/2024"]]
    sheet = [[line] for line in kop * 2] + table  # the header on row 21
    guide = ("Petunjuk", [["Isi data anak di lembar Data"]] * 25)
    _, rows = read_rows(_workbook(guide, ("Data", sheet)), "a.xlsx")
    assert list(rows) == [(22, {"posyandu": "Melati", "name": "Wulan", "sex": "P", "birth_date": "01/06/2024"})]
    csv = "".join(f"{line or ''};;;\n" for line in kop) + "Posyandu;Nama Anak;JK;Tgl Lahir\nMelati;Wulan;P;01/06/2024\n"
    assert [number for number, _ in read_rows(io.BytesIO(csv.encode()), "a.csv")[1]] == [12]
    for data, name in ((_workbook(("Data", [[line] for line in kop * 3] + table)), "a.xlsx"),
                       (io.BytesIO(b"kode;umur\n1;2\n"), "a.csv")):
        with pytest.raises(FileError) as refused:
            read_rows(data, name)
        assert str(refused.value.message) == (
            "no header row found in the first 30 rows: a row of column headings naming Nama Anak, Jenis Kelamin (L/P) "
            "and Tanggal Lahir (as the template heads them); if the table's header is lower down, delete the lines "
            "above it")
        assert refused.value.message.id_text.startswith("baris judul kolom tidak ditemukan di 30 baris pertama: baris "
                                                        "judul yang memuat kolom Nama Anak, Jenis Kelamin (L/P) dan "
                                                        "Tanggal Lahir")
    with pytest.raises(FileError, match="^missing columns: Jenis Kelamin"):  # a header: its missing columns named
        read_rows(io.BytesIO(b"posyandu;nama;tgl lahir\nMelati;Wulan;01/06/2024\n"), "a.csv")
    # a letterhead's "Posyandu" | ": Melati" above a header naming Nama Anak alone: that header, its columns missing
    with pytest.raises(FileError, match="^missing columns: Posyandu, Jenis Kelamin"):
        read_rows(io.BytesIO(b"Posyandu;: Melati\nNama Anak;Umur\nWulan;2\n"), "a.csv")


def test_title_rows_above_the_table_are_skipped_and_row_numbers_kept():
    data = b"LAPORAN PENIMBANGAN BALITA\nPuskesmas Wringinanom,,,\n\nposyandu,nama,jk,tgl lahir\nMelati,Ani,P,2025-01-01\n"
    names, rows = read_rows(io.BytesIO(data), "a.csv")
    assert list(rows) == [(5, {"posyandu": "Melati", "name": "Ani", "sex": "P", "birth_date": "2025-01-01"})]


def test_a_windows_1252_character_far_down_the_file_is_read():
    """The encoding is judged on the whole file: an "é" after the first 4 KB of plain ASCII was
    refused as not UTF-8."""
    lines = "".join(f"Melati;Anak {i};L;01/02/2025\n" for i in range(200))
    data = ("posyandu;nama;jk;tgl lahir\n" + lines + "Melati;Andr\xe9;L;01/02/2025\n").encode("cp1252")
    assert len(data) > 5000
    _, rows = read_rows(io.BytesIO(data), "a.csv")
    assert list(rows)[-1] == (202, {"posyandu": "Melati", "name": "André", "sex": "L", "birth_date": "01/02/2025"})


@pytest.mark.parametrize("title", ["LAPORAN PENIMBANGAN BALITA JUNI 2025", "Posyandu Melati, Desa Kedungrejo;;;"])
def test_a_semicolon_file_with_a_title_line_is_read(title):
    data = f"{title}\nposyandu;nama;jk;tgl lahir\nMelati;Ani;P;01/02/2025\n".encode()
    _, rows = read_rows(io.BytesIO(data), "a.csv")
    assert list(rows) == [(3, {"posyandu": "Melati", "name": "Ani", "sex": "P", "birth_date": "01/02/2025"})]


def test_two_columns_of_one_meaning_are_read_together_and_refused_when_they_disagree():
    """PB and TB both mean length/height: a value in PB was dropped when TB, the later column, was blank."""
    data = (b"posyandu,nama,jk,tgl lahir,tgl timbang,PB,TB\n"
            b"Melati,Ani,P,01/02/2025,10/06/2025,60.5,\nMelati,Ani,P,01/02/2025,10/07/2025,,62\n"
            b"Melati,Ani,P,01/02/2025,10/08/2025,63,64\n")
    names, rows = read_rows(io.BytesIO(data), "a.csv")
    assert names["length_height_cm"] == "PB"
    parsed = [parse_row(raw) for _, raw in rows]
    assert [p.visit and p.visit["length_height_cm"] for p in parsed[:2]] == [60.5, 62.0]
    assert "63 / 64" in str(parsed[2].errors["length_height_cm"][0])


def test_a_header_over_two_rows_takes_the_names_of_the_second():
    """Merged header cells: "Penimbangan" above "Tgl Timbang", "BB", "TB". The visit columns were
    silently ignored (children imported without their weighings)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Posyandu", "Nama Anak", "JK", "Tgl Lahir", "Penimbangan", None, None])
    sheet.append([None, None, None, None, "Tgl Timbang", "BB (kg)", "TB (cm)"])
    for column in "ABCD":
        sheet.merge_cells(f"{column}1:{column}2")
    sheet.merge_cells("E1:G1")
    sheet.append(["Melati", "Wulan", "P", datetime(2024, 6, 1), datetime(2025, 6, 10), 8.1, 70.2])
    out = io.BytesIO()
    book.save(out)
    names, rows = read_rows(io.BytesIO(out.getvalue()), "a.xlsx")
    assert names["weight_kg"] == "BB (kg)" and names["measured_on"] == "Tgl Timbang"
    [(number, row)] = list(rows)
    assert number == 3 and (row["weight_kg"], row["length_height_cm"]) == (8.1, 70.2)
    # a first data row right under the header is still data
    data = b"posyandu,nama,jk,tgl lahir,x\nMelati,Ani,P,01/02/2025,bb\n"
    assert list(read_rows(io.BytesIO(data), "a.csv")[1])[0][0] == 2


@pytest.mark.parametrize("value", [81234567890, 81234567890.0, "81234567890", "081234567890", "0812-3456-7890"])
def test_a_phone_number_whose_leading_zero_the_spreadsheet_dropped_gets_it_back(value):
    """A number cell drops the 0 of 0812…: the row was refused as "not a valid mobile number"."""
    p = parse_row({**BASE, "guardian_phone": value})
    assert p.errors == {} and p.child["guardian_phone"] == "081234567890"


def test_the_apostrophe_keeping_digits_text_is_read_off_every_digits_column_as_off_the_nik():
    """The template's NIK, NIK Ibu, No HP, RT and RW columns are formatted as text; filled in LibreOffice with
    the habitual leading apostrophe, the cell keeps it: NIK and NIK Ibu were read without it, but No HP was
    refused as no mobile number and RT/RW stored as "'002"."""
    p = parse_row({**BASE, "nik": "'3525015501250001", "mother_nik": " '3525014203900001", "guardian_phone": "'081234567890",
                   "rt": "'002", "rw": "'001"})
    assert p.errors == {}, p.errors
    assert [p.child[k] for k in ("nik", "mother_nik", "guardian_phone", "rt", "rw")] == [
        "3525015501250001", "3525014203900001", "081234567890", "002", "001"]


@pytest.mark.parametrize("value, expected", [
    ("45672", date(2025, 1, 15)), (45672, date(2025, 1, 15)), (45672.0, date(2025, 1, 15)),
    ("15 Januari 2025", date(2025, 1, 15)), ("15-Jan-2025", date(2025, 1, 15)), ("15 Agt 2025", date(2025, 8, 15)),
    ("15 agustus 2025", date(2025, 8, 15)), ("1 Mei 2025", date(2025, 5, 1)), ("3-Des-24", date(2024, 12, 3)),
    ("15 Peb 2025", date(2025, 2, 15)), ("15. Okt. 2024", date(2024, 10, 15)), ("15 Sept 2024", date(2024, 9, 15)),
    ("15/01/25", date(2025, 1, 15)), ("01/02/2025", date(2025, 2, 1)), ("2025-01-15 00:00:00", date(2025, 1, 15)),
    ("2025/1/5", date(2025, 1, 5)),
])
def test_excel_serials_and_indonesian_written_dates_are_read(value, expected):
    """A date cell exported to CSV as its serial (45672), an XLSX date stored as a plain number, and dates
    written the Indonesian way ("15 Januari 2025", "15 Agt 2025", "15/01/25") were refused as not a date.
    Numeric dates are read day first, as Indonesia writes them (01/02/2025 is 1 February)."""
    p = parse_row({**BASE, "birth_date": value, "measured_on": value, "weight_kg": 3})
    assert p.errors == {} and p.child["birth_date"] == p.visit["measured_on"] == expected, p.errors


@pytest.mark.parametrize("value, words", [
    ("01/15/2025", "month first"), ("12/31/24", "month first"), ("15 Jamuari 2025", "not a date"),
    ("15", "not a date"), (15, "not a date"), ("1234567", "not a date"), ("31 Februari 2025", "not a date"),
    ("15/01/98", "4 digits"), ("45672,5", "not a date"),
])
def test_unreadable_or_month_first_dates_are_refused_with_the_reason(value, words):
    """Never guessed: a month-first date (a spreadsheet set to English (US)) is named as such, a
    small number is no serial date, a 2-digit year that would be in the future is not 19xx."""
    found = errors({"birth_date": value})
    assert "birth_date" in found and words in found["birth_date"][0], found


@pytest.mark.parametrize("cells, refused", [
    ([(datetime(2025, 3, 4), None), ("13/04/2025", None)], "Tanggal Lahir"),  # US Excel: date cells, text day first
    ([(None, datetime(2026, 5, 10)), (None, " 13/05/2026 ")], "Tanggal Timbang"),
    ([(datetime(2025, 3, 4), None), ("2025-04-13", None)], None),  # text read either way: nothing to tell
    ([(datetime(2025, 4, 13), None), (datetime(2025, 4, 3), None)], None),  # all date cells
    ([("13/04/2025", None), ("03/04/2025", None)], None),  # all text
    ([(datetime(2025, 3, 4), "13/05/2026")], None),  # in another column: each column tells of its own
    ([(datetime(2025, 3, 4), None), ("31/02/2025", None)], None),  # no date: refused on its row
])
def test_an_xlsx_read_month_first_by_excel_is_refused_whole(cells, refused):
    """A date column holding a text date only day first reads (Excel set to English (US) left it text)
    beside date cells (03/04/2025 typed day first, read 4 March) is refused as a file, naming the column."""
    from posyandu.imports.rows import refuse_excel_month_first

    rows = [(number, {"birth_date": born, "measured_on": on}) for number, (born, on) in enumerate(cells, start=2)]
    if refused is None:
        refuse_excel_month_first(rows, {})
        return
    with pytest.raises(FileError) as caught:
        refuse_excel_month_first(rows, {})
    assert f"column {refused} were read month first" in str(caught.value), caught.value


@pytest.mark.parametrize("cells, cited", [
    ([(datetime(2025, 1, 3), None), ("16.01.2025", None)], None),  # typed with dots: text in any Excel
    ([(datetime(2025, 2, 20), None), ("15/01/2025", None)], None),  # 20 Feb: typed 02/20/2025? never
    ([(datetime(2025, 5, 5), None), ("13/04/2025", None)], None),  # 5 May: the same read either way
    ([(datetime(2025, 2, 20), None), ("15/01/2025", None), (datetime(2025, 3, 4), None)], ("row 4", "4 Mar 2025")),
    ([(datetime(2025, 3, 4), None), ("13-04-2025", None)], ("row 2", "4 Mar 2025")),  # dashes: US Excel's too
])
def test_only_a_text_date_with_slashes_or_dashes_and_a_date_cell_that_could_be_swapped_tell_excel_read_month_first(
        cells, cited):
    """A workbook was refused as read month first by Excel for a date typed with dots (16.01.2025, text in
    Excel whatever its language) or beside a date cell of day 13 or more (20 Feb 2025: "typed 02/20/2025?"),
    which no day-first date read month first makes: neither is evidence. A date cell that could have been
    swapped is the one cited."""
    from posyandu.imports.rows import refuse_excel_month_first

    rows = [(number, {"birth_date": born, "measured_on": on}) for number, (born, on) in enumerate(cells, start=2)]
    if cited is None:
        refuse_excel_month_first(rows, {})
        return
    with pytest.raises(FileError) as caught:
        refuse_excel_month_first(rows, {})
    assert f"{cited[0]} the date {cited[1]}" in str(caught.value), caught.value


@pytest.mark.parametrize("value, expected", [
    ("12,5", 12.5), ("12.5", 12.5), ("12,5 kg", 12.5), ("12.5kg", 12.5), ("12,5 KG", 12.5), (" 9 ", 9.0),
    ("3.200", 3.2), ("3,200", 3.2), (12.5, 12.5),
])
def test_weights_with_a_decimal_comma_or_the_unit_are_read(value, expected):
    """"12,5 kg" (the unit typed in the cell) was refused as not a number. A single separator is the
    decimal one: "3.200" / "3,200" is 3.2 kg whether it was meant as kg or as grams with a thousands
    dot (3 200 g), never 3200 kg."""
    p = parse_row({**BASE, "measured_on": "2025-06-10", "weight_kg": value})
    assert p.errors == {} and p.visit["weight_kg"] == expected, p.errors


@pytest.mark.parametrize("value, words", [
    ("1,234.5", "grams"), ("1.234,5", "grams"), ("12 5", "not a number"), ("1,2,3", "not a number"),
    ("1.23,4", "not a number"), ("12,5 cm", "kg"), ("7200 gram", "kg"), ("7,5,", "not a number"),
])
def test_numbers_with_thousands_separators_or_the_wrong_unit_are_refused_not_misread(value, words):
    """"1,234.5" was read as 1.2345 kg (the dot dropped as if a thousands separator, the comma taken as
    the decimal one) and stored; "12 5" as 125. A number with thousands separators is read as written
    (1234.5), so the kg range refuses it as grams; another unit than the column's is refused."""
    found = errors({"measured_on": "2025-06-10", "weight_kg": value})
    assert "weight_kg" in found and words in found["weight_kg"][0], found


def test_a_length_with_its_unit_is_read_and_a_weight_unit_refused():
    p = parse_row({**BASE, "measured_on": "2025-06-10", "length_height_cm": "65,5 cm", "muac_cm": "12 cm"})
    assert p.errors == {} and (p.visit["length_height_cm"], p.visit["muac_cm"]) == (65.5, 12.0), p.errors
    assert "cm" in errors({"measured_on": "2025-06-10", "length_height_cm": "65 kg"})["length_height_cm"][0]


@pytest.mark.parametrize("name", ["a.txt", "a.tsv", "a.csv"])
def test_a_tab_separated_file_is_read(name):
    """Copied from a spreadsheet into a .txt (tabs between cells): answered "missing columns"."""
    data = "LAPORAN JUNI 2025\nposyandu\tnama\tjk\ttgl lahir\tbb\nMelati\tAni, Putri\tP\t01/02/2025\t7,5\n".encode()
    names, rows = read_rows(io.BytesIO(data), name)
    assert set(names) == {"posyandu", "name", "sex", "birth_date", "weight_kg"}
    assert list(rows) == [(3, {"posyandu": "Melati", "name": "Ani, Putri", "sex": "P", "birth_date": "01/02/2025",
                               "weight_kg": "7,5"})]
    no_title = b"posyandu\tnama\tjk\ttgl lahir\nMelati\tAni\tP\t01/02/2025\n"
    assert list(read_rows(io.BytesIO(no_title), name)[1])[0][1]["name"] == "Ani"


@pytest.mark.parametrize("row, shown", [
    ({"nik": "3525015008950002"}, "female born 10/08/95"),  # the mother's NIK typed in the child's column
    ({"nik": "3525011501250001"}, "male born 15/01/25"),  # a boy's NIK on a girl: day not + 40
    ({"nik": "3525015601250001"}, "female born 16/01/25"),  # one day off
    ({"nik": "3525015502250001"}, "female born 15/02/25"),
    ({"nik": "3525015501240001"}, "female born 15/01/24"),
])
def test_a_nik_whose_birth_date_or_sex_is_not_the_childs_is_refused_naming_both(row, shown):
    """Digits 7-12 of a NIK are the holder's birth date (DDMMYY, day + 40 for a woman): a mother's NIK
    typed in the child's column, or a sibling's, was taken as the child's own."""
    found = errors(row)
    assert set(found) == {"nik"}, found
    assert shown in found["nik"][0] and "female born 15/01/2025" in found["nik"][0], found


def test_a_boys_nik_agrees_with_a_boy():
    assert parse_row({**BASE, "sex": "L", "nik": "3525011501250001"}).errors == {}


def _workbook(*sheets, hidden=()):
    """An XLSX of (title, rows) sheets."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        if title in hidden:
            sheet.sheet_state = "hidden"
    out = io.BytesIO()
    book.save(out)
    return io.BytesIO(out.getvalue())


TABLE = [["Posyandu", "Nama Anak", "JK", "Tgl Lahir"], ["Melati", "Wulan", "P", "01/06/2024"]]


def test_the_sheet_holding_the_table_is_read_whichever_it_is():
    """A workbook whose first sheet is the instructions ("Petunjuk") and the table on "Data" was
    refused "missing columns: posyandu, name, sex, birth_date"; a hidden sheet is not the one."""
    guide = ("Petunjuk", [["Isi data anak di lembar Data"], ["Tanggal ditulis HH/BB/TTTT"]])
    _, rows = read_rows(_workbook(guide, ("Data", TABLE)), "a.xlsx")
    assert list(rows) == [(2, {"posyandu": "Melati", "name": "Wulan", "sex": "P", "birth_date": "01/06/2024"})]
    old = ("Lama", [TABLE[0], ["Melati", "Ani", "P", "01/06/2023"]])
    _, rows = read_rows(_workbook(guide, old, ("Data", TABLE), hidden=("Lama",)), "a.xlsx")
    assert [row["name"] for _, row in rows] == ["Wulan"]


def test_a_workbook_with_the_table_on_several_sheets_is_refused_naming_them():
    """One sheet a month (Juni, Juli): only the first was read, and the import said it succeeded."""
    july = [TABLE[0], ["Melati", "Wulan", "P", "01/06/2024"]]
    with pytest.raises(FileError) as refused:
        read_rows(_workbook(("Juni", TABLE), ("Juli", july)), "a.xlsx")
    assert "Juni, Juli" in str(refused.value) and "Juni, Juli" in refused.value.message.id_text


def _rewritten(data, change):
    """The XLSX with its first sheet's XML passed through ``change`` (bytes -> bytes)."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(data) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            part = src.read(item.filename)
            dst.writestr(item, change(part) if item.filename == "xl/worksheets/sheet1.xml" else part)
    return io.BytesIO(out.getvalue())


def test_merged_cells_in_the_table_give_their_value_to_every_row_they_cover():
    """A child weighed twice written once, her name, sex and birth date merged over her two rows, and
    the posyandu merged down the column: Excel shows the value on every row, but only the first
    held it, and the rows under it were refused "Wajib diisi" on posyandu, nama, JK, tgl lahir."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Posyandu", "Nama Anak", "JK", "Tgl Lahir", "Tgl Timbang", "BB (kg)"])
    sheet.append(["Melati", "Wulan", "P", "01/06/2024", "10/06/2025", 8.1])
    sheet.append([None, None, None, None, "10/07/2025", 8.3])
    sheet.append([None, "Yusuf", "L", "02/06/2024", "10/07/2025", 8.6])
    sheet.append([None, None, None, None, None, None, "Keterangan"])  # the template's empty rows, under the merge
    sheet.append([None, None, None, None, None, None, None])
    sheet.merge_cells("A2:A6")
    for column in "BCD":
        sheet.merge_cells(f"{column}2:{column}3")
    out = io.BytesIO()
    book.save(out)
    _, rows = read_rows(io.BytesIO(out.getvalue()), "a.xlsx")
    got = [(n, row["posyandu"], row["name"], row["sex"], row["birth_date"], row["measured_on"]) for n, row in rows]
    assert got == [(2, "Melati", "Wulan", "P", "01/06/2024", "10/06/2025"),
                   (3, "Melati", "Wulan", "P", "01/06/2024", "10/07/2025"),
                   (4, "Melati", "Yusuf", "L", "02/06/2024", "10/07/2025")]


def test_a_child_not_measured_under_the_sessions_date_merged_down_the_table_is_absent_not_refused():
    """The session's date merged down the date column, a child with no weight nor length: refused "enter at
    least the weight", though she was only absent (in S, not in D). Her row registers her, no visit. A date
    typed on the row with nothing measured is still a weight forgotten; a dose, an oedema, a position given
    under the merged date still tell of a visit, refused as before."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["No", "Posyandu", "Nama Anak", "JK", "Tgl Lahir", "Tgl Timbang", "BB (kg)", "TB (cm)", "Edema",
                  "Posisi", "BCG"])
    sheet.append([1, "Melati", "Absen Satu", "P", datetime(2025, 3, 1), datetime(2025, 6, 10), 6.1, 60])
    sheet.append([2, "Melati", "Absen Dua", "L", datetime(2025, 1, 1), None, None, None, "-"])
    sheet.append([3, "Melati", "Absen Tiga", "P", datetime(2024, 12, 1), None, 7.5])
    sheet.append([4, "Melati", "Absen Empat", "P", datetime(2024, 12, 1), None, None, None, "ya"])
    sheet.append([5, "Melati", "Absen Lima", "P", datetime(2024, 12, 1), None, None, None, None, "berdiri"])
    sheet.append([6, "Melati", "Absen Enam", "P", datetime(2024, 12, 1), None, None, None, None, None, "√"])
    sheet.append([7, "Melati", "Lupa Timbang", "L", datetime(2025, 1, 1), datetime(2025, 6, 10)])
    sheet.merge_cells("F2:F7")
    out = io.BytesIO()
    book.save(out)
    parsed = {number: parse_row(raw) for number, raw in read_rows(io.BytesIO(out.getvalue()), "a.xlsx")[1]}
    assert [(n, p.visit is not None) for n, p in parsed.items() if not p.errors] == [(2, True), (3, False), (4, True)]
    assert parsed[3].child["name"] == "Absen Dua" and parsed[4].visit["measured_on"] == date(2025, 6, 10)
    assert {n: sorted(p.errors) for n, p in parsed.items() if p.errors} == {
        5: ["weight_kg"], 6: ["weight_kg"], 7: ["weight_kg"], 8: ["weight_kg"]}


def test_an_absent_child_on_the_merged_dates_top_row_is_absent_too_and_a_number_under_a_header_not_read_is_no_absence():
    """The review: a child absent on the session's first line (the merged date's own cell) was refused as a
    weight forgotten while one on a line below was registered; and a weight typed under a header the import
    does not read ("Hasil (kg)") beside a merged date registered the child with no visit and no word, where
    before the row was refused. The top line is absent as the others; a number in a column not read, right
    of the name, is refused as before (a note there, "tidak hadir", is no number; the No. column is left of
    the name; an age, "Umur (bln)", is no measurement)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["No", "Posyandu", "Nama Anak", "JK", "Tgl Lahir", "Tgl Timbang", "BB (kg)", "Hasil (kg)", "Ket",
                  "Umur (bln)"])
    sheet.append([1, "Melati", "Absen Atas", "P", datetime(2025, 3, 1), datetime(2025, 6, 10), None, None, "tidak hadir",
                  3])
    sheet.append([2, "Melati", "Ditimbang", "L", datetime(2025, 1, 1), None, 8.1])
    sheet.append([3, "Melati", "Kolom Lain", "P", datetime(2024, 12, 1), None, None, 7.1])
    sheet.merge_cells("F2:F4")
    out = io.BytesIO()
    book.save(out)
    parsed = {number: parse_row(raw) for number, raw in read_rows(io.BytesIO(out.getvalue()), "a.xlsx")[1]}
    assert [(n, p.child["name"], p.visit is not None) for n, p in parsed.items() if not p.errors] == [
        (2, "Absen Atas", False), (3, "Ditimbang", True)]
    assert sorted(parsed[4].errors) == ["weight_kg"]


def test_a_sheet_whose_recorded_size_is_wrong_is_read_whole():
    """Some programs that write XLSX record the sheet's size as its first cell (<dimension ref="A1"/>):
    read as that size, the file held no rows (or one column), and was imported as 0 rows."""
    from openpyxl import Workbook

    book = Workbook()
    for row in TABLE + [["Melati", "Yusuf", "L", "02/06/2024"]]:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    data = _rewritten(out, lambda xml: re.sub(rb'<dimension ref="A1:D3" ?/>', b'<dimension ref="A1"/>', xml))
    assert b'<dimension ref="A1"/>' in zipfile.ZipFile(data).read("xl/worksheets/sheet1.xml")
    _, rows = read_rows(data, "a.xlsx")
    assert [(n, row["name"], row["birth_date"]) for n, row in rows] == [(2, "Wulan", "01/06/2024"), (3, "Yusuf", "02/06/2024")]


def test_a_formula_with_no_saved_value_is_refused_on_its_cell_not_read_as_blank():
    """A formula is read by the value the spreadsheet saved with it. A file written by a program that
    saves none (the weight as =H2/1000) read as blank: the visit imported without its weight, or the
    row refused "enter at least the weight" though the sheet shows one."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Posyandu", "Nama Anak", "JK", "Tgl Lahir", "Tgl Timbang", "BB (kg)", "TB (cm)", "Gram"])
    sheet.append(["Melati", "Wulan", "P", "01/06/2024", "10/06/2025", "=H2/1000", 70.5, 8100])
    sheet.append(["Melati", "Yusuf", "L", "02/06/2024", "10/06/2025", "=H3/1000", 71, 8600])
    out = io.BytesIO()
    book.save(out)
    # row 3's formula as Excel saves it, with its value
    data = _rewritten(out, lambda xml: re.sub(rb"<f>H3/1000</f><v ?/>", b"<f>H3/1000</f><v>8.6</v>", xml))
    assert b"<v>8.6</v>" in zipfile.ZipFile(data).read("xl/worksheets/sheet1.xml")
    _, rows = read_rows(data, "a.xlsx")
    (_, wulan), (_, yusuf) = rows
    assert parse_row(yusuf).visit["weight_kg"] == 8.6
    problem = parse_row(wulan)
    assert set(problem.errors) == {"weight_kg"}, problem.errors
    message = problem.errors["weight_kg"][0]
    assert "H2/1000" in str(message) and "formula" in str(message) and "rumus" in message.id_text


@pytest.mark.parametrize("header, key", [
    ("Tanggal Penimbangan", "measured_on"), ("Tgl. Penimbangan", "measured_on"), ("Tgl Pengukuran", "measured_on"),
    ("Tgl Kunjungan", "measured_on"), ("Panjang/Tinggi Badan (cm)", "length_height_cm"),
    ("Tinggi/Panjang Badan", "length_height_cm"), ("Lingkar Lengan Atas (cm)", "muac_cm"),
    ("Berat Badan Lahir (kg)", "birth_weight_kg"), ("Panjang Badan Lahir", "birth_length_cm"),
    ("NIK Balita", "nik"), ("Tanggal Lahir Anak", "birth_date"), ("Nama Bayi/Balita", "name"), ("Nama Bayi", "name"),
    ("Nama Balita/Bayi", "name")])
def test_the_headers_of_puskesmas_registers_are_known(header, key):
    """Headers as the registers (Register Penimbangan, e-PPGBM exports) write them were ignored as
    unknown: the weighing date ("kunjungan harus ada tanggalnya" on every row), the length or the MUAC
    (silently dropped from every visit)."""
    data = f"posyandu,nama,jk,tgl lahir,{header}\nMelati,Ani,P,01/02/2025,x\n".encode()
    if key == "birth_date":
        data = f"posyandu,nama,jk,{header}\nMelati,Ani,P,x\n".encode()
    if key == "name":  # "Nama Bayi/Balita": "kolom wajib tidak ada: Nama Anak"
        data = f"posyandu,{header},jk,tgl lahir\nMelati,Ani,P,01/02/2025\n".encode()
    names, rows = read_rows(io.BytesIO(data), "a.csv")
    assert names[key] == header.strip()


@pytest.mark.parametrize("header", [
    "Posyandu,Child name,Gender,DOB,Weighing date,Weight (kg),Phone number",
    "Posyandu,Full name,Sex,Date of birth,Measurement date,Weight,Phone",
    "Posyandu;Nama Lengkap;L/P;Tgl. Lahir;Tgl Timbang;BB;No. Telp",
    "Posyandu;Nama Lengkap Anak;JK;Tanggal Lahir;Tanggal Penimbangan;Berat Badan;Nomor Telepon"])
def test_a_register_headed_in_english_or_with_the_childs_full_name_and_phone_is_read(header):
    """A register headed in English ("Child name", "Weighing date", "Phone") or as many Indonesian ones
    ("Nama Lengkap", "No. Telp") was refused whole, "missing columns: name", or every row "a visit needs
    its date" while the dates sat in a column listed as not read; the phone numbers were dropped."""
    sep = ";" if ";" in header else ","
    data = f"{header}\nMelati{sep}Rara{sep}P{sep}15/01/2025{sep}10/06/2025{sep}7{sep}081234567890\n".encode()
    names, rows = read_rows(io.BytesIO(data), "a.csv")
    assert names.ignored == [] and set(names) == {"posyandu", "name", "sex", "birth_date", "measured_on", "weight_kg",
                                                  "guardian_phone"}, (dict(names), names.ignored)
    [(_, row)] = list(rows)
    parsed = parse_row(row)
    assert parsed.errors == {} and parsed.child["guardian_phone"] == "081234567890", parsed
    assert parsed.visit["measured_on"] == date(2025, 6, 10) and parsed.visit["weight_kg"] == 7


def test_a_dated_row_of_a_dose_only_is_refused_naming_the_columns_not_imported():
    """A register's line of a dose (the date, "Campak: ya", no weight) was refused "enter at least the
    weight or a length/height", as if the weight were forgotten: the data manager saw no reason for a
    row that holds what she meant to record. The message names the columns the row fills that are not
    imported, and what to do; a row filling none of them is told as before."""
    data = ("posyandu;nama;jk;tgl lahir;tgl timbang;bb (kg);Campak;Vit A;Umur\n"
            "Melati;Rara;P;15/01/2025;10/06/2025;;ya;;\n"
            "Melati;Rara;P;15/01/2025;10/07/2025;;;;\n").encode()
    _, rows = read_rows(io.BytesIO(data), "a.csv")
    (_, dose), (_, forgotten) = rows
    [message] = parse_row(dose).errors["weight_kg"]
    assert "only Campak, not imported" in str(message) and "Vit A" not in str(message), str(message)
    assert "hanya berisi Campak" in message.id_text and parse_row(dose).visit is None
    assert [str(m) for m in parse_row(forgotten).errors["weight_kg"]] == [
        "enter at least the weight or a length/height"]


def test_a_dated_row_whose_weight_was_forgotten_is_told_so_whatever_else_the_register_fills():
    """A register fills an age, a note or a status on every line. A row whose weight was forgotten was
    told that of its visit it gives only "Umur (bln), Catatan", not imported, "immunisation doses and
    vitamin A are recorded in the app; if the row is no weighing, remove it": as if it were a dose's line,
    and every such row of a register with an age column so. Only the columns of a dose or vitamin A
    ("HB-0", "DPT-HB-Hib 1", "Vit. A Merah", "Measles") are named; a row of none of them is told plainly."""
    data = ("Posyandu;Nama;JK;Tgl Lahir;Tgl Timbang;BB (kg);Umur (bln);Catatan;Status Gizi;HB-0;DPT-HB-Hib 1;"
            "Vit. A Merah;Measles\n"
            "Melati;Rara;P;15/01/2025;10/06/2025;;5;tidak bawa KMS;baik;;;;\n"
            "Melati;Rara;P;15/01/2025;10/07/2025;;6;;;;ya;;\n"
            "Melati;Rara;P;15/01/2025;10/08/2025;;7;;;;;1;ya\n").encode()
    names, rows = read_rows(io.BytesIO(data), "a.csv")
    assert names.ignored == ["Umur (bln)", "Catatan", "Status Gizi", "HB-0", "DPT-HB-Hib 1", "Vit. A Merah",
                             "Measles"]  # all said not read, as before
    (_, forgotten), (_, dose), (_, vitamin) = rows
    assert [str(m) for m in parse_row(forgotten).errors["weight_kg"]] == [
        "enter at least the weight or a length/height"]
    [message] = parse_row(dose).errors["weight_kg"]
    assert "only DPT-HB-Hib 1, not imported" in str(message) and "Umur" not in message.id_text, message.id_text
    [message] = parse_row(vitamin).errors["weight_kg"]
    assert "hanya berisi Vit. A Merah, Measles, yang tidak diimpor" in message.id_text, message.id_text


def test_a_dose_written_out_in_full_in_the_header_is_named_as_a_dose_too():
    """The Buku KIA and most registers write "Hepatitis B0", "Pneumokokus (PCV) 1" (the parentheses
    dropped when a header is read) and, in English ones, "MMR": a dated row of such a dose alone was told
    plainly to enter the weight, as if it were a weighing whose weight was forgotten, not that the dose is
    recorded in the app and the row removed if it is no weighing."""
    data = ("Posyandu;Nama;JK;Tgl Lahir;Tgl Timbang;BB (kg);Hepatitis B0;Pneumokokus (PCV) 1;MMR\n"
            "Melati;Rara;P;15/01/2025;16/01/2025;;ya;;\n"
            "Melati;Rara;P;15/01/2025;15/03/2025;;;ya;\n"
            "Melati;Rara;P;15/01/2025;15/02/2026;;;;ya\n").encode()
    _, rows = read_rows(io.BytesIO(data), "a.csv")
    said = [parse_row(row).errors["weight_kg"][0].id_text for _, row in rows]
    for message, column in zip(said, ("Hepatitis B0", "Pneumokokus (PCV) 1", "MMR")):
        assert f"hanya berisi {column}, yang tidak diimpor" in message, message


def test_an_unreadable_weight_is_named_once_not_also_as_missing():
    """"7,2kg" typed "7.2 kh" was answered "not a number ..." and then "enter at least the weight or
    a length/height", as if the cell were empty."""
    assert errors({"measured_on": "2025-06-10", "weight_kg": "7,2 kh"}) == {
        "weight_kg": ["write the value in kg (kh is another unit)"]}
    assert errors({"measured_on": "2025-06-10", "weight_kg": "abc"}) == {
        "weight_kg": ["not a number: write it as 12,5 or 12.5 (in kg)"]}


@pytest.mark.parametrize("value, expected", [
    ("Rabu, 15 Januari 2025", date(2025, 1, 15)), ("Jumat, 1 Agustus 2025", date(2025, 8, 1)),
    ("Jum'at, 1 Agustus 2025", date(2025, 8, 1)), ("Wednesday, 15 January 2025", date(2025, 1, 15)),
    ("January 15, 2025", date(2025, 1, 15)), ("Wednesday, January 15, 2025", date(2025, 1, 15)),
    ("Jan 5, 2025", date(2025, 1, 5)),
])
def test_long_dates_as_a_spreadsheet_shows_them_are_read(value, expected):
    """A date cell in the "long date" format exported to CSV is its text: "Rabu, 15 Januari 2025" with
    Indonesian settings, "Wednesday, January 15, 2025" with English (US): both refused as not a date."""
    p = parse_row({**BASE, "birth_date": value, "measured_on": value, "weight_kg": 3})
    assert p.errors == {} and p.child["birth_date"] == p.visit["measured_on"] == expected, p.errors


def test_a_long_date_whose_day_of_the_week_is_not_its_own_is_refused():
    found = errors({"birth_date": "Senin, 15 Januari 2025"})  # 15 January 2025 was a Wednesday (Rabu)
    assert "Senin" in found["birth_date"][0] and "15 Jan 2025" in found["birth_date"][0], found


@pytest.mark.parametrize("code", ["#N/A", "#REF!", "#VALUE!", "#NAME?", "#DIV/0!", "Err:502"])
def test_a_formula_error_in_a_cell_is_refused_not_stored_as_text(code):
    """Names pulled by a formula (VLOOKUP from the register) show #N/A when the lookup fails: the
    child was registered named "#N/A" (a mother "#REF!"), and a posyandu "#N/A" was "unknown"."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Posyandu", "Nama Anak", "JK", "Tgl Lahir", "Nama Ibu"])
    book.active.append(["Melati", code, "P", "01/06/2024", code])
    out = io.BytesIO()
    book.save(out)
    _, rows = read_rows(io.BytesIO(out.getvalue()), "a.xlsx")
    [(_, raw)] = rows
    problem = parse_row(raw)
    assert set(problem.errors) == {"name", "mother_name"}, problem.errors
    assert code in str(problem.errors["name"][0]) and "rumus" in problem.errors["name"][0].id_text
    assert set(parse_row({**BASE, "posyandu": code}).errors) == {"posyandu"}


def test_a_number_no_date_can_be_in_a_date_cell_is_told_so_not_as_a_formula_error():
    """A phone number or a NIK typed into a date-formatted cell: openpyxl reads it "#VALUE!" (warning), and the
    row was refused as showing a formula error. Told apart by the sheet's XML (a number saved, no error): the
    number is said to be no date; a formula's error and such a number in a column not formatted as dates are
    told as before."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Posyandu", "Nama Anak", "JK", "Tgl Lahir", "Tgl Timbang", "BB (kg)"])
    sheet.append(["Melati", "Wulan", "P", 81234567890, 3525015501250002, 81234567890])
    sheet.append(["Melati", "Yusuf", "L", "#VALUE!", datetime(2025, 6, 10), 8.1])  # a formula's error, saved so
    for cell in ("D2", "E2", "D3"):
        sheet[cell].number_format = "dd/mm/yyyy"
    out = io.BytesIO()
    book.save(out)
    assert 't="e"' in zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml").decode()
    rows = list(read_rows(io.BytesIO(out.getvalue()), "a.xlsx")[1])
    wulan, yusuf = ({k: [str(m) for m in v] for k, v in parse_row(raw).errors.items()} for _, raw in rows)
    assert wulan["birth_date"] == ["cell D2 is formatted as a date but holds the number 81234567890, which is no date "
                                   "(a phone number or a NIK in this column?): type the date (DD/MM/YYYY)"]
    assert "the number 3525015501250002, which is no date" in wulan["measured_on"][0], wulan
    assert rows[0][1]["weight_kg"] == 81234567890  # not formatted as a date: the number, refused by its range
    assert yusuf["birth_date"][0].startswith("the cell shows a formula error (#VALUE!)"), yusuf
    assert parse_row(rows[0][1]).errors["birth_date"][0].id_text.startswith(
        "sel D2 berformat tanggal tetapi berisi angka 81234567890, yang bukan tanggal")


def test_missing_required_columns_are_named_as_the_template_heads_them():
    """'kolom wajib tidak ada: posyandu, name, sex, birth_date': English names in the Indonesian message;
    then 'jenis_kelamin, tanggal_lahir', names no sheet heads: she adds the column the template shows.
    In English too: 'missing columns: posyandu, sex, birth_date' named the API's keys, not her sheet's."""
    with pytest.raises(FileError) as refused:
        read_rows(io.BytesIO(b"no,nama anak,umur\n1,A,2\n"), "a.csv")
    assert refused.value.message.id_text == "kolom wajib tidak ada: Posyandu, Jenis Kelamin (L/P), Tanggal Lahir (atau pilih posyandu seluruh berkas ini)"
    assert str(refused.value.message) == "missing columns: Posyandu, Jenis Kelamin (L/P), Tanggal Lahir (or choose the posyandu the whole file is of)"


def test_a_macro_enabled_workbook_is_read():
    """A register template with macros is saved .xlsm: refused "the file must be .csv or .xlsx"."""
    _, rows = read_rows(_workbook(("Data", TABLE)), "Register Penimbangan.XLSM")
    assert [row["name"] for _, row in rows] == ["Wulan"]


def test_a_two_row_header_reads_a_column_with_the_group_above_it():
    """"Lahir" above "BB", "PB" and "Penimbangan" above "Tanggal", "BB", "TB": the birth weight was read
    as the visit's weight (every row refused "two columns of the same meaning give different values
    (3.1 / 8.1)"), and the weighing's "Tanggal" was not known."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["No", "Posyandu", "Nama Anak", "JK", "Tgl Lahir", "Lahir", None, "Penimbangan", None, None])
    sheet.append([None, None, None, None, None, "BB (kg)", "PB (cm)", "Tanggal", "BB (kg)", "TB (cm)"])
    for column in "ABCDE":
        sheet.merge_cells(f"{column}1:{column}2")
    sheet.merge_cells("F1:G1")
    sheet.merge_cells("H1:J1")
    sheet.append([1, "Melati", "Wulan", "P", "01/06/2024", 3.1, 49, "10/06/2025", 8.1, 70])
    out = io.BytesIO()
    book.save(out)
    names, rows = read_rows(io.BytesIO(out.getvalue()), "a.xlsx")
    assert (names["birth_weight_kg"], names["weight_kg"], names["measured_on"]) == \
        ("Lahir BB (kg)", "BB (kg)", "Penimbangan Tanggal"), names
    [(number, raw)] = rows
    parsed = parse_row(raw)
    assert number == 3 and parsed.errors == {}, parsed.errors
    assert (parsed.child["birth_weight_kg"], parsed.child["birth_length_cm"]) == (3.1, 49)
    assert (parsed.visit["measured_on"], parsed.visit["weight_kg"], parsed.visit["length_height_cm"]) == \
        (date(2025, 6, 10), 8.1, 70)


def test_the_position_is_read_from_a_pb_or_tb_column_only_when_the_file_has_both():
    """One column named TB holds every child's measure, an infant's lying length too: it tells no
    position. With a PB and a TB column, the one filled does, unless both are."""
    both = (b"posyandu;nama;jk;tgl lahir;tgl timbang;PB (cm);TB (cm)\n"
            b"Melati;Ani;P;01/02/2024;10/06/2025;;80\nMelati;Ani;P;01/02/2024;10/07/2025;81;\n"
            b"Melati;Ani;P;01/02/2024;10/08/2025;82;82\n")
    parsed = [parse_row(raw).visit for _, raw in read_rows(io.BytesIO(both), "a.csv")[1]]
    assert [(v["length_height_cm"], v.get("position")) for v in parsed] == \
        [(80, "standing"), (81, "lying"), (82, None)]
    one = b"posyandu;nama;jk;tgl lahir;tgl timbang;TB\nMelati;Ani;P;01/02/2025;10/06/2025;60\n"
    [(_, raw)] = read_rows(io.BytesIO(one), "a.csv")[1]
    assert parse_row(raw).visit == {"measured_on": date(2025, 6, 10), "length_height_cm": 60, "oedema": False}


def test_the_columns_not_read_are_named_a_row_number_aside():
    """A register's immunisation and vitamin A columns were dropped without a word: the import said
    it succeeded, and the doses were believed imported. Their headers are now named (a row-number
    column, which holds nothing lost, is not)."""
    data = ("No.;Posyandu;Nama;JK;Tgl Lahir;BB;HB-0;BCG;Vitamin  A;;BCG\n"
            "1;Melati;Rara;P;15/01/2025;7;x;x;Biru;;\n").encode()
    names, rows = read_rows(io.BytesIO(data), "a.csv")
    assert names.ignored == ["HB-0", "BCG", "Vitamin A"]
    assert list(rows)[0][1]["name"] == "Rara"


def gram_file(header, value, weight_header="BB (kg)", weight="7,2"):
    """The one row of a file whose birth weight is headed ``header``, read and cleaned."""
    data = (f"Posyandu;Nama;JK;Tgl Lahir;{header};Tgl Timbang;{weight_header}\n"
            f"Melati;Rara;P;15/01/2025;{value};10/06/2025;{weight}\n").encode()
    names, rows = read_rows(io.BytesIO(data), "a.csv")
    [(_, row)] = list(rows)
    return names, parse_row(row)


@pytest.mark.parametrize("header", ["BBL (gram)", "BB Lahir (gr)", "Berat Lahir (g)", "Berat Badan Lahir (GRAM)",
                                    "BB Lahir (gr.)", "BB Lahir gram", "Berat lahir (dalam gram)", "BBL [g]",
                                    "Birth weight (grams)"])
@pytest.mark.parametrize("value, kg", [("3200", 3.2), ("3.200", 3.2), ("3,200", 3.2), ("3 200", 3.2),
                                       ("3250 g", 3.25), ("3250gr", 3.25), ("3.250 gram", 3.25), ("2990", 2.99)])
def test_a_weight_column_headed_in_grams_is_read_in_grams(header, value, kg):
    """Registers write birth weights in grams and say so in the header ("BBL (gram)"): every value was
    refused as "looks like grams" (the unit in the header ignored), so a column had to be converted by
    hand. In a column headed in grams a value is grams (a single "." or "," before three digits groups
    thousands: grams are whole numbers), given in kg."""
    names, parsed = gram_file(header, value)
    assert names["birth_weight_kg"] == header
    assert parsed.errors == {} and parsed.child["birth_weight_kg"] == kg, parsed.errors


@pytest.mark.parametrize("header", ["BB (gram)", "Berat (gr)", "Berat Badan (g)", "BB gr"])
def test_a_childs_weight_column_headed_in_grams_is_read_in_grams(header):
    names, parsed = gram_file("BBL (kg)", "3,1", header, "7.250")
    assert names["weight_kg"] == header
    assert parsed.errors == {} and (parsed.child["birth_weight_kg"], parsed.visit["weight_kg"]) == (3.1, 7.25)


@pytest.mark.parametrize("value, shown", [("3,2", "3.2"), ("3.25", "3.25"), ("3", "3"), ("12,5", "12.5")])
def test_kilograms_in_a_column_headed_in_grams_are_refused_saying_so(value, shown):
    """3,2 in a gram column is no child's weight in grams (3.2 g): refused as kilograms, not stored as 3.2 g."""
    _, parsed = gram_file("BBL (gram)", value)
    [message] = parsed.errors["birth_weight_kg"]
    assert f"the column is in grams (its header says so) and {shown} looks like kilograms" in str(message)
    assert f"kolom ini dalam gram (menurut judul kolomnya) dan {shown.replace('.', ',')} tampaknya dalam kg" \
        in message.id_text
    assert "birth_weight_kg" not in parsed.child


def test_a_cell_saying_kg_in_a_column_headed_in_grams_is_refused_as_another_unit():
    """As a cell saying grams is in a column in kg: the cell and its header disagree, nothing is guessed."""
    _, parsed = gram_file("BBL (gram)", "3,2 kg")
    assert [str(m) for m in parsed.errors["birth_weight_kg"]] == ["write the value in grams (kg is another unit)"]
    assert gram_file("BBL (gram)", "3,2,0")[1].errors["birth_weight_kg"][0].id_text == \
        "bukan angka: tulis seperti 3200 (dalam gram)"


def test_a_weight_out_of_range_in_a_column_headed_in_grams_is_refused_in_kg_and_in_grams():
    """The range is the API's, in kg: "must be between 0.5 and 6.0" alone, under a value the file wrote in
    grams (32000), read as if 32000 were not between them; the value read in kg is told with it."""
    _, parsed = gram_file("BBL (gram)", "32000", "BB (gram)", "450")
    assert {k: [str(m) for m in v] for k, v in parsed.errors.items()} == {
        "birth_weight_kg": ["must be between 0.5 and 6.0",
                            "the column is in grams (its header says so): 32000 g is 32 kg"],
        "weight_kg": ["must be between 0.5 and 70",
                      "the column is in grams (its header says so): 450 g is 0.45 kg"]}
    assert parsed.errors["weight_kg"][1].id_text == "kolom ini dalam gram (menurut judul kolomnya): 450 g adalah 0,45 kg"


@pytest.mark.parametrize("header", ["BBL (kg)", "BBL", "BB Lahir (Kg)", "Berat Lahir (kg, bukan gram)"])
def test_a_weight_column_in_kg_or_without_a_unit_is_read_in_kg_as_before(header):
    _, parsed = gram_file(header, "3200")
    assert "looks like grams" in str(parsed.errors["birth_weight_kg"][0])
    _, parsed = gram_file(header, "3,200")
    assert parsed.errors == {} and parsed.child["birth_weight_kg"] == 3.2


def test_only_a_weight_is_read_in_grams():
    """A length headed "(g)" by mistake stays in cm, a column "Gram" of its own is no weight (ignored)."""
    data = ("Posyandu;Nama;JK;Tgl Lahir;PB Lahir (g);Gram\nMelati;Rara;P;15/01/2025;49;3200\n").encode()
    names, rows = read_rows(io.BytesIO(data), "a.csv")
    [(_, row)] = list(rows)
    assert names.ignored == ["Gram"] and parse_row(row).child["birth_length_cm"] == 49


def test_a_workbook_weight_in_grams_under_a_merged_group_and_as_a_number_cell_is_read_in_grams():
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Posyandu", "Nama Anak", "JK", "Tgl Lahir", "Lahir", None, "Tgl Timbang", "BB (gram)"])
    sheet.append([None, None, None, None, "BB (gram)", "PB (cm)", None, None])
    sheet.append(["Melati", "Rara", "P", datetime(2025, 1, 15), 3200, 49, datetime(2025, 6, 10), 7250.0])
    sheet.append(["Melati", "Rara", "P", datetime(2025, 1, 15), 3.2, 49, datetime(2025, 7, 10), 7500])
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    names, rows = read_rows(out, "a.xlsx")
    assert names["birth_weight_kg"] == "Lahir BB (gram)"
    first, second = (parse_row(row) for _, row in rows)
    assert first.errors == {} and (first.child["birth_weight_kg"], first.visit["weight_kg"]) == (3.2, 7.25)
    assert "looks like kilograms" in str(second.errors["birth_weight_kg"][0]) and second.visit["weight_kg"] == 7.5


def test_a_haemoglobin_column_is_no_dose_a_hepatitis_b_one_is():
    """"Kadar Hb" matched the dose word "hb": a dated row of a haemoglobin alone was told it gave only a
    dose, "recorded in the app". Only a hepatitis B header (Hb with its dose's number, Hep B) is a dose."""
    from posyandu.imports.reader import is_dose

    for header in ("HB0", "Hb 0", "HB-0", "HB 0-7 hari", "Hep B", "Hepatitis B0", "DPT-HB-Hib 1", "HB1"):
        assert is_dose(header), header
    for header in ("Kadar Hb", "Hb (g/dL)", "Hb", "HB g/dL", "Kadar Hemoglobin"):
        assert not is_dose(header), header
    data = ("Posyandu;Nama;JK;Tgl Lahir;Tgl Timbang;BB (kg);Kadar Hb;Hb (g/dL);HB-0\n"
            "Melati;Rara;P;15/01/2025;10/06/2025;;11,2;11,2;\n"
            "Melati;Rara;P;15/01/2025;16/01/2025;;;;ya\n").encode()
    names, rows = read_rows(io.BytesIO(data), "a.csv")
    assert names.ignored == ["Kadar Hb", "Hb (g/dL)", "HB-0"]
    haemoglobin, dose = (parse_row(row) for _, row in rows)
    assert [str(m) for m in haemoglobin.errors["weight_kg"]] == ["enter at least the weight or a length/height"]
    assert "only HB-0, not imported" in str(dose.errors["weight_kg"][0])


@pytest.mark.parametrize("header, key, grams", [
    ("BB Lahir kg", "birth_weight_kg", False), ("BB kg", "weight_kg", False), ("BB gram", "weight_kg", True),
    ("Berat Lahir gr", "birth_weight_kg", True), ("Berat Badan KG", "weight_kg", False),
    ("PB Lahir cm", "birth_length_cm", False), ("TB cm", "length_height_cm", False),
    ("LiLA cm", "muac_cm", False), ("Lingkar Kepala cm", "head_circumference_cm", False)])
def test_a_unit_after_a_measurements_name_without_brackets_is_read_as_in_brackets(header, key, grams):
    """"BB Lahir kg" (no brackets) was no header: the column ignored, its values not imported, as
    "BB Lahir (kg)" is read. The unit is read whether bracketed or not."""
    from posyandu.imports.reader import column_of, in_grams

    assert (column_of(header), in_grams(header)) == (key, grams)
    bracketed = f"{header.rsplit(' ', 1)[0]} ({header.rsplit(' ', 1)[1]})"
    assert (column_of(bracketed), in_grams(bracketed)) == (key, grams)


def test_a_weight_headed_in_kg_without_brackets_is_imported_in_kg():
    names, parsed = gram_file("BB Lahir kg", "3,1", "BB kg", "7,2")
    assert (names["birth_weight_kg"], names["weight_kg"]) == ("BB Lahir kg", "BB kg") and names.ignored == []
    assert parsed.errors == {} and (parsed.child["birth_weight_kg"], parsed.visit["weight_kg"]) == (3.1, 7.2)


def test_pb_and_tb_columns_with_a_unit_without_brackets_still_tell_the_position():
    data = (b"posyandu;nama;jk;tgl lahir;tgl timbang;PB cm;TB cm\n"
            b"Melati;Ani;P;01/02/2024;10/06/2025;;80\nMelati;Ani;P;01/02/2024;10/07/2025;81;\n")
    parsed = [parse_row(raw).visit for _, raw in read_rows(io.BytesIO(data), "a.csv")[1]]
    assert [(v["length_height_cm"], v.get("position")) for v in parsed] == [(80, "standing"), (81, "lying")]


def test_a_weight_in_kg_and_in_grams_that_agree_is_one_weight_that_disagree_is_refused_naming_both():
    """A register with "BB (kg)" and "BB (gram)" both filled was refused row by row as two columns that
    differ, though 3,2 kg is 3200 g. Where they agree the row is read, one weight; where not, refused."""
    data = ("Posyandu;Nama;JK;Tgl Lahir;BBL (kg);BBL (gram);Tgl Timbang;BB (kg);BB (gram)\n"
            "Melati;Rara;P;15/01/2025;3,2;3200;10/06/2025;7,25;7.250\n"
            "Melati;Rara;P;15/01/2025;3,2;;10/07/2025;;7500\n"
            "Melati;Rara;P;15/01/2025;3,2;3500;10/08/2025;7,8;7900\n").encode()
    _, rows = read_rows(io.BytesIO(data), "a.csv")
    agree, one, differ = (parse_row(row) for _, row in rows)
    assert agree.errors == {} and (agree.child["birth_weight_kg"], agree.visit["weight_kg"]) == (3.2, 7.25)
    assert one.errors == {} and (one.child["birth_weight_kg"], one.visit["weight_kg"]) == (3.2, 7.5)
    assert {k: [str(m) for m in v] for k, v in differ.errors.items()} == {
        "birth_weight_kg": ["the weight differs between the columns BBL (kg) and BBL (gram): 3,2 is 3.2 kg, 3500 is "
                            "3.5 kg; correct one, or keep one column"],
        "weight_kg": ["the weight differs between the columns BB (kg) and BB (gram): 7,8 is 7.8 kg, 7900 is 7.9 kg; "
                      "correct one, or keep one column"]}


def test_the_same_weight_in_a_kg_and_a_grams_column_is_read_in_the_unit_it_is_plainly_in():
    """A cadre typing "3,2" in both "BB (kg)" and "BB (gram)": the grams cell was read as 3.2 g and the row
    refused as kilograms in a grams column (the same text read once, in grams), or, written "3.2", as two
    columns that differ. Of a row with both columns, a grams cell under 100 is kilograms and a kg cell of
    100 or more grams (domain.md: birth weights in grams in a kilogram column), each then read so: one
    weight where they agree, refused naming both columns and what each was read as where not. A cell
    with no other column is never read so (refused as before)."""
    data = ("Posyandu;Nama;JK;Tgl Lahir;BBL (kg);BBL (gram);Tgl Timbang;BB (kg);BB (gram)\n"
            "Melati;Rara;P;15/01/2025;3,2;3,2;10/06/2025;7,25;7,25\n"
            "Melati;Rara;P;15/01/2025;3,2;3.2;10/07/2025;7.5;7,5\n"
            "Melati;Rara;P;15/01/2025;3200;3200;10/08/2025;7800;7,8\n"
            "Melati;Rara;P;15/01/2025;3.200;3.200;10/09/2025;12;12,0\n"
            "Melati;Rara;P;15/01/2025;3,2;3,25;10/10/2025;8,1;81\n"
            "Melati;Rara;P;15/01/2025;;3,2;10/11/2025;3200;\n").encode()
    _, rows = read_rows(io.BytesIO(data), "a.csv")
    *agree, differ, alone = (parse_row(row) for _, row in rows)
    assert [(p.errors, p.child["birth_weight_kg"], p.visit["weight_kg"]) for p in agree] == [
        ({}, 3.2, 7.25), ({}, 3.2, 7.5), ({}, 3.2, 7.8), ({}, 3.2, 12)]
    assert {k: [str(m) for m in v] for k, v in differ.errors.items()} == {
        "birth_weight_kg": ["the weight differs between the columns BBL (kg) and BBL (gram): 3,2 is 3.2 kg, 3,25 is "
                            "3.25 kg; correct one, or keep one column"],
        "weight_kg": ["the weight differs between the columns BB (kg) and BB (gram): 8,1 is 8.1 kg, 81 is 81 kg; "
                      "correct one, or keep one column"]}
    assert differ.errors["birth_weight_kg"][0].id_text == (
        "berat berbeda antara kolom BBL (kg) dan BBL (gram): 3,2 adalah 3,2 kg, 3,25 adalah 3,25 kg; perbaiki salah "
        "satunya, atau pakai satu kolom saja")
    assert "looks like kilograms" in str(alone.errors["birth_weight_kg"][0])
    assert "looks like grams" in str(alone.errors["weight_kg"][0])


def test_a_weight_in_two_kg_columns_written_alike_is_one_weight_a_length_in_pb_and_tb_still_refused():
    data = (b"posyandu;nama;jk;tgl lahir;tgl timbang;BB;Berat (kg);PB;TB\n"
            b"Melati;Ani;P;01/02/2025;10/06/2025;7,2;7.20;60;60.0\n")
    [(_, raw)] = read_rows(io.BytesIO(data), "a.csv")[1]
    parsed = parse_row(raw)
    assert list(parsed.errors) == ["length_height_cm"] and parsed.visit["weight_kg"] == 7.2, parsed.errors


@pytest.mark.parametrize("name", ["Jumlah", "JUMLAH", "Total", "total ", "Jumlah Balita", "Sub Total"])
def test_a_registers_totals_line_is_told_apart(name):
    from posyandu.imports.rows import skipped_totals, totals_row

    assert totals_row({"posyandu": None, "name": name, "sex": None, "birth_date": None, "measured_on": None,
                       "weight_kg": "152,4", "length_height_cm": 1204, "_unread": ("BCG",)})
    assert totals_row({"posyandu": "Melati", "name": name, "sex": "", "birth_date": "", "weight_kg": "85%"})
    assert str(skipped_totals({"name": name})).startswith("skipped: a totals line")


def test_a_totals_line_under_a_date_merged_down_the_table_is_told_apart_a_child_named_jumlah_is_not():
    """A register's visit date merged down the whole table (one posyandu day) fills the totals line's date
    cell too: the line was refused as a child without sex and birth date, and the file with it. Its date
    is the table's; another date, a sex or a birth date is no totals line."""
    from openpyxl import Workbook

    from posyandu.imports.rows import table_dates, totals_row

    book = Workbook()
    sheet = book.active
    sheet.append(["Posyandu", "Nama Anak", "JK", "Tgl Lahir", "Tgl Timbang", "BB (kg)"])
    sheet.append(["Melati", "Wulan", "P", "01/06/2024", datetime(2025, 6, 10), 8.1])
    sheet.append(["Melati", "Yusuf", "L", "02/06/2024", None, 8.6])
    sheet.append([None, "JUMLAH", None, None, None, 16.7])
    sheet.merge_cells("E2:E4")
    out = io.BytesIO()
    book.save(out)
    _, rows = read_rows(io.BytesIO(out.getvalue()), "a.xlsx")
    raws = [raw for _, raw in rows]
    dates = table_dates(raws)
    assert [totals_row(raw, dates) for raw in raws] == [False, False, True]
    totals = raws[2]
    assert totals["measured_on"] == raws[0]["measured_on"]   # the merged date, filled in
    assert not totals_row({**totals, "sex": "P"}, dates)     # a child named "Jumlah"
    assert not totals_row({**totals, "birth_date": "01/06/2024"}, dates)
    assert not totals_row({**totals, "sex": 2}, dates)       # a sex written as a number is a sex
    # in a CSV, the same date written on every line
    csv = ("posyandu;nama;jk;tgl lahir;tgl timbang;bb\nMelati;Wulan;P;01/06/2024;10/06/2025;8,1\n"
           ";Jumlah;;; 10/06/2025 ;8,1\n;Total;;;11/06/2025;8,1\n")
    raws = [raw for _, raw in read_rows(io.BytesIO(csv.encode()), "a.csv")[1]]
    assert [totals_row(raw, table_dates(raws)) for raw in raws] == [False, True, True]


@pytest.mark.parametrize("closed", [datetime(2026, 11, 30), "30/11/2026", "30 November 2026", "2026-11-30", 46356])
def test_a_totals_line_dated_otherwise_than_the_table_is_told_apart(closed):
    """A register's totals line holding its closing date ("30/11/2026") in the date column, no date of the
    table's, was refused as a child without sex and birth date, and the file with it. Any date there is
    a totals line's (no child: no sex, no birth date); a text that is no date is not."""
    from posyandu.imports.rows import table_dates, totals_row

    table = {"posyandu": "Melati", "name": "Wulan", "sex": "P", "birth_date": "01/06/2024",
             "measured_on": "10/11/2026", "weight_kg": "8,1"}
    totals = {"posyandu": None, "name": "Jumlah", "sex": None, "birth_date": None, "measured_on": closed,
              "weight_kg": "16,7"}
    dates = table_dates([table, totals])
    assert totals_row(totals, dates) and totals_row(totals)
    assert not totals_row({**totals, "measured_on": "s.d. akhir bulan"}, dates)
    assert not totals_row({**totals, "birth_date": closed}, dates)  # a birth date: a child's line
    assert not totals_row({**totals, "sex": "L"}, dates)


@pytest.mark.parametrize("sex", ["12", "L: 12", "P=10", "L 12 / P 10", "L=12, P=10", "12 L", "laki-laki: 5", 23, 23.0,
                                 "0"])
def test_a_totals_line_counting_children_in_its_sex_column_is_told_apart(sex):
    """A totals line counting the boys and girls in the sex column ("L: 12", "P=10", "12") was refused
    as a child, its sex unreadable, and the file with it."""
    from posyandu.imports.rows import totals_row

    assert totals_row({"posyandu": None, "name": "Jumlah", "sex": sex, "birth_date": None, "weight_kg": "152,4",
                       "measured_on": "30/11/2026"})


@pytest.mark.parametrize("sex", ["L", "P", "laki-laki", "Perempuan", "Lk", "pr", 1, 2, "1", "2", "L: banyak", "12 anak",
                                 "L?"])
def test_a_row_named_jumlah_with_a_sex_in_its_sex_column_is_no_totals_line(sex):
    """A real sex (or 1/2, sex as BPS codes it), or a text that is no count, is a child's line: never skipped."""
    from posyandu.imports.rows import totals_row

    assert not totals_row({"posyandu": None, "name": "Jumlah", "sex": sex, "birth_date": None, "weight_kg": "8,1"})


@pytest.mark.parametrize("row", [
    {"name": "Jumlah", "sex": "L", "birth_date": "01/02/2025"},  # a child so named, or no totals line
    {"name": "Jumlah", "sex": "", "birth_date": "", "measured_on": "bulan ini"},
    {"name": "Rara Total", "sex": "", "birth_date": ""}, {"name": "Totalia", "sex": "", "birth_date": ""},
    {"name": "", "sex": "", "birth_date": "", "weight_kg": "12"}])
def test_a_row_with_more_than_numbers_is_no_totals_line(row):
    from posyandu.imports.rows import totals_row

    assert not totals_row({"posyandu": "Melati", **row})


@pytest.mark.parametrize("above", ["DATA;;;;;;", "DATA PENIMBANGAN POSYANDU MAWAR\n;;;;;;", ";;;;;;",
                                   "REGISTER;;;;;Bulan: Juni 2026;"])
def test_a_title_or_a_blank_row_directly_above_a_one_row_header_is_no_header(above):
    """A title line (or a blank one) right above the header was taken as the header's top row and the
    header as its sub-headers: the columns not read (HB0, Status Gizi) went unnamed in ``ignored``."""
    data = (f"{above}\nPosyandu;Nama;JK;Tgl Lahir;HB0;Status Gizi;BB\n"
            "Mawar;Tes Satu;L;01/01/2026;;Baik;7,1\n").encode()
    names, rows = read_rows(io.BytesIO(data), "a.csv")
    assert names.ignored == ["HB0", "Status Gizi"]
    assert names["name"] == "Nama" and [raw["name"] for _, raw in rows] == ["Tes Satu"]


@pytest.mark.parametrize("gap", [False, True])
def test_a_workbooks_title_merged_across_the_table_is_no_header(gap):
    """A title merged across the table (A1:G1), with or without a blank row under it: the file was refused
    "judul Posyandu digabung di atas kolom A-G, dan kolom G berisi nilai tanpa judul sendiri" (the title's
    span taken for the first column's), or read with the title named as a column not read."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["REGISTER PENIMBANGAN POSYANDU MAWAR JUNI 2026"])
    if gap:
        sheet.append([])
    sheet.append(["Posyandu", "Nama", "JK", "Tgl Lahir", "Tgl Timbang", "BB", "BCG", "Keterangan"])
    sheet.append(["Mawar", "Tes Dua", "P", "01/06/2026", "08/07/2026", 4.1, "08/07/2026", "pindahan"])
    sheet.merge_cells("A1:H1")
    out = io.BytesIO()
    book.save(out)
    names, rows = read_rows(io.BytesIO(out.getvalue()), "a.xlsx")
    assert names.ignored == ["BCG", "Keterangan"]
    [(number, raw)] = rows
    assert number == 3 + gap and raw["weight_kg"] == 4.1


def test_a_totals_line_in_the_no_column_or_merged_over_no_to_nama_is_told_apart():
    """"Total" in the No column of a CSV, "JUMLAH" merged over No to Nama in a workbook (its text in the
    No cell), the name cell blank: refused as a child without name, sex and birth date (rows.totals_row
    read only the name cell). A row with a number in No and no name is no totals line."""
    from openpyxl import Workbook

    from posyandu.imports.rows import skipped_totals, table_dates, totals_row

    csv = ("No;Posyandu;Nama;JK;Tgl Lahir;Tgl Timbang;BB\n1;Melati;Wulan;P;01/06/2024;10/06/2025;8,1\n"
           "Total;;;L=0 P=1;;;8,1\n2;;;;;;8,1\n")
    raws = [raw for _, raw in read_rows(io.BytesIO(csv.encode()), "a.csv")[1]]
    assert [totals_row(raw, table_dates(raws)) for raw in raws] == [False, True, False]
    assert str(skipped_totals(raws[1])) == 'skipped: a totals line ("Total"), no child'
    assert "_label" not in parse_row(raws[1]).errors  # the text left of the name is no column of a child
    book = Workbook()
    sheet = book.active
    sheet.append(["No", "Posyandu", "Nama Anak", "JK", "Tgl Lahir", "Tgl Timbang", "BB (kg)"])
    sheet.append([1, "Melati", "Wulan", "P", "01/06/2024", "10/06/2025", 8.1])
    sheet.append(["JUMLAH", None, None, "L: 0 / P: 1", None, None, 8.1])
    sheet.merge_cells("A3:C3")
    out = io.BytesIO()
    book.save(out)
    raws = [raw for _, raw in read_rows(io.BytesIO(out.getvalue()), "a.xlsx")[1]]
    assert [totals_row(raw, table_dates(raws)) for raw in raws] == [False, True]
    assert str(skipped_totals(raws[1])) == 'skipped: a totals line ("JUMLAH"), no child'


def test_a_line_giving_only_the_posyandu_a_date_or_a_no_is_skipped_saying_so_not_refused_as_a_nameless_child():
    """A register's unused lines holding only what was copied down them (the posyandu, the session's date)
    or an unticked checkbox (FALSE) were refused as children without name, sex and birth date, though the
    same line with the posyandu merged down is blank. They give no child: skipped, said so, and counted in
    no row limit. A line with a yes, a dose or anything of a child is a child's, refused as such."""
    from openpyxl import Workbook

    from posyandu.imports.rows import skipped_rows, within_limit

    book = Workbook()
    sheet = book.active
    sheet.append(["Posyandu", "Nama Anak", "JK", "Tgl Lahir", "Tgl Timbang", "BB (kg)", "Edema", "Punya KMS", "HB0"])
    sheet.append(["Melati", "Rina", "P", datetime(2025, 3, 1), datetime(2025, 6, 10), 6.1, False, True, None])
    sheet.append(["Melati", None, None, None, None, None, None, None, None])
    sheet.append([None, None, None, None, None, None, False, None, None])
    sheet.append(["Melati", None, None, None, datetime(2025, 6, 10), None, "tidak", "-", None])
    sheet.append(["Melati", None, None, None, None, None, None, "ya", None])  # a yes: a child's, refused
    sheet.append(["Melati", None, None, None, None, None, None, None, "√"])  # a dose: a child's, refused
    sheet.append(["Melati", None, None, None, None, 7.2, None, None, None])
    out = io.BytesIO()
    book.save(out)
    rows = list(read_rows(io.BytesIO(out.getvalue()), "a.xlsx")[1])
    skipped = skipped_rows(rows)
    assert [(s["row"], str(s["reason"])) for s in skipped] == [
        (3, 'skipped: the line gives no child (no name, sex, birth date, NIK nor measurement), only "Melati"'),
        (4, 'skipped: the line gives no child (no name, sex, birth date, NIK nor measurement), only "FALSE"'),
        (5, 'skipped: the line gives no child (no name, sex, birth date, NIK nor measurement), only '
            '"Melati; 10 Jun 2025; tidak; -"')]
    assert skipped[2]["reason"].id_text.endswith('hanya "Melati; 10 Jun 2025; tidak; -"')
    assert [number for number, raw in rows if parse_row(raw).errors] == [3, 4, 5, 6, 7, 8]  # as parse_row sees them
    assert within_limit(rows, 3) == (rows[:6], 4)


@pytest.mark.parametrize("numbers", [[f"({i})" for i in range(1, 9)], list(range(1, 9))])
def test_a_registers_column_numbers_and_signature_are_skipped_saying_so(numbers):
    """The printed column numbers under a register's header ("(1)" … "(8)", or 1 … 8) were refused as a
    child with ten messages, and the signature under the table ("Wringinanom, 31 Agustus 2025", "Kader
    Posyandu", her name) each as a child too: the file was refused. They are skipped, saying why; a line
    of text followed by a child's line is that child's, refused as any."""
    from openpyxl import Workbook

    from posyandu.imports.rows import skipped_rows

    book = Workbook()
    sheet = book.active
    sheet.append(["No", "Posyandu", "Nama Anak", "JK", "Tgl Lahir", "Tgl Timbang", "BB (kg)", "Keterangan"])
    sheet.append(numbers)
    sheet.append([1, "Melati", "Wulan", "P", "01/06/2024", "10/06/2025", 8.1, None])
    sheet.append([None, None, "JUMLAH", "L: 0 / P: 1", None, None, 8.1, None])
    sheet.append([])
    sheet.append([None, None, None, None, None, None, "Wringinanom, 31 Agustus 2025"])
    sheet.append([None, None, None, None, None, None, "Kader Posyandu"])
    sheet.append([])
    sheet.append([None, None, None, None, None, None, "Siti Aminah"])
    out = io.BytesIO()
    book.save(out)
    rows = list(read_rows(io.BytesIO(out.getvalue()), "a.xlsx")[1])
    assert [(s["row"], str(s["reason"])) for s in skipped_rows(rows)] == [
        (2, "skipped: the header's column numbers ((1), (2), …), no child"),
        (4, 'skipped: a totals line ("JUMLAH"), no child'),
        (6, 'skipped: the signature under the table ("Wringinanom, 31 Agustus 2025"), no child'),
        (7, 'skipped: the signature under the table ("Kader Posyandu"), no child'),
        (9, 'skipped: the signature under the table ("Siti Aminah"), no child')]
    assert skipped_rows(rows)[0]["reason"].id_text == "dilewati: baris nomor kolom ((1), (2), …), bukan anak"
    # a text under the signature followed by a child's line is no signature; a child's line never is
    child = (9, {"posyandu": "Melati", "name": "Rara", "sex": "P", "birth_date": "01/06/2024",
                 "measured_on": "10/06/2025", "weight_kg": "Kader Posyandu"})
    assert [s["row"] for s in skipped_rows([*rows[:-1], *rows[-1:], (10, rows[1][1])])] == [2, 4, 6, 7]
    assert [s["row"] for s in skipped_rows([*rows[:-1], child])] == [2, 4, 6, 7]
    # a child's line whose cells are numbers is no column numbers
    assert skipped_rows([(3, {"posyandu": "1", "name": "2", "sex": "L", "birth_date": "4"})]) == []


def test_the_doses_of_a_two_row_header_are_named_each_and_known_as_doses():
    """"Imunisasi" merged over "HB0" | "BCG": the columns not read were named "Imunisasi" once, and a
    dated row giving only a BCG was refused "enter at least the weight" without saying its dose is not
    imported, as a one-row header's "BCG" is."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Posyandu", "Nama", "JK", "Tgl Lahir", "Tgl Timbang", "BB", "Imunisasi", None, "Keterangan"])
    sheet.append([None, None, None, None, None, None, "HB0", "BCG", None])
    for column in "ABCDEFI":
        sheet.merge_cells(f"{column}1:{column}2")
    sheet.merge_cells("G1:H1")
    sheet.append(["Mawar", "Tes Dua", "P", "01/06/2026", "08/07/2026", None, None, "08/07/2026", None])
    out = io.BytesIO()
    book.save(out)
    csv = ("Posyandu;Nama;JK;Tgl Lahir;Tgl Timbang;BB;Imunisasi;;Keterangan\n;;;;;;HB0;BCG;\n"
           "Mawar;Tes Dua;P;01/06/2026;08/07/2026;;;08/07/2026;\n").encode()
    for data, name in ((out.getvalue(), "a.xlsx"), (csv, "a.csv")):
        names, rows = read_rows(io.BytesIO(data), name)
        assert names.ignored == ["Imunisasi HB0", "Imunisasi BCG", "Keterangan"], name
        [(number, raw)] = rows
        assert number == 3
        assert "the row gives only Imunisasi BCG, not imported" in str(parse_row(raw).errors["weight_kg"][0])
    # a data row right under a one-row header, its note under a column not read, is still data
    data = b"posyandu;nama;jk;tgl lahir;catatan;\nMelati;Ani;P;01/02/2025;;pindahan\n"
    assert [number for number, _ in read_rows(io.BytesIO(data), "a.csv")[1]] == [2]


def test_a_zero_width_character_pasted_from_a_chat_is_no_part_of_a_number_a_date_or_a_code():
    """A weight "6,1" pasted from WhatsApp with a zero-width space after it looked right and was refused "not a
    number"; so a birth date, a sex, a phone with a BOM. Such invisible characters are dropped from the cells of
    numbers, dates and codes (not from a name, kept as typed)."""
    parsed = parse_row({"posyandu": "Melati", "name": "Ani Putri", "sex": "P\u200b", "birth_date": "03/01/2025\u200b",
                        "measured_on": "03/06/2025", "weight_kg": "6,1\u200b", "guardian_phone": "\ufeff081234567890",
                        "nik": "3525014301250002\u200d"})
    assert parsed.errors == {}, parsed.errors
    assert (parsed.child["sex"], parsed.child["birth_date"], parsed.visit["weight_kg"], parsed.child["guardian_phone"],
            parsed.child["nik"]) == ("F", date(2025, 1, 3), 6.1, "081234567890", "3525014301250002")
