"""The CSV and XLSX writers (posyandu.reports.exports): formula text is never a formula."""
from __future__ import annotations

import csv
import io
from datetime import date

from openpyxl import load_workbook

from posyandu.reports.columns import Column
from posyandu.reports.exports.csv import csv_chunks
from posyandu.reports.exports.xlsx import xlsx_file

COLUMNS = [Column("name", "Nama", "text"), Column("z", "Z", "int"), Column("pct", "Persen", "pct"),
           Column("born", "Lahir", "date"), Column("reasons", "Alasan", "list")]
FORMULAS = ['=HYPERLINK("http://evil.example/x","Klik")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
            "\t=1+1", "\r=1+1"]


def _csv(rows: list[dict], sep: str = "comma") -> list[list[str]]:
    text = b"".join(csv_chunks(COLUMNS, rows, sep)).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter={"comma": ",", "semicolon": ";"}[sep]))


def test_csv_text_a_spreadsheet_would_run_gets_a_leading_quote():
    rows = [{"name": name, "z": 1, "pct": 1.0, "born": date(2025, 1, 2), "reasons": ["T"]} for name in FORMULAS]
    rows.append({"name": "Budi", "z": 2, "pct": 2.0, "born": None, "reasons": ["=1+1", "T"]})
    out = _csv(rows)
    # (the carriage return is a line break too: the formula after it gets its own quote)
    assert [r[0] for r in out[1:-1]] == ["'" + name for name in FORMULAS[:-1]] + ["'\r'=1+1"]
    assert out[-1] == ["Budi", "2", "2.0", "", "'=1+1; T"]


def test_csv_numbers_stay_numbers_negative_ones_too():
    out = _csv([{"name": "Siti - Rahma", "z": -3, "pct": -2.5, "born": date(2025, 1, 2), "reasons": []}])
    assert out[1] == ["Siti - Rahma", "-3", "-2.5", "2025-01-02", ""]


def test_a_csv_for_a_spreadsheet_set_to_indonesian_separates_by_semicolons_with_decimal_commas():
    rows = [{"name": "Siti, Rahma", "z": -3, "pct": 16.6, "born": date(2025, 1, 2), "reasons": ["T", "2T"]},
            {"name": "=1+1", "z": 2, "pct": -2.5, "born": None, "reasons": []}]
    text = b"".join(csv_chunks(COLUMNS, rows, "semicolon")).decode("utf-8-sig")
    assert text.splitlines()[1] == 'Siti, Rahma;-3;16,6;2025-01-02;"T; 2T"'
    assert _csv(rows, "semicolon")[2] == ["'=1+1", "2", "-2,5", "", ""]


def test_xlsx_writes_formula_text_as_text_and_numbers_as_numbers():
    names = FORMULAS[:-1]  # (openpyxl reads a carriage return back as "_x000D_")
    rows = [{"name": name, "z": -3, "pct": -2.5, "born": date(2025, 1, 2), "reasons": ["=1+1"]} for name in names]
    with xlsx_file([("Sheet", COLUMNS, rows)]) as f:
        book = load_workbook(io.BytesIO(f.read()))
    sheet = book["Sheet"]
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [v[0] for v in values] == names and all(v[1:3] == (-3, -2.5) and v[4] == "=1+1" for v in values)
    assert all(c.data_type == "s" for row in sheet.iter_rows(min_row=2) for c in (row[0], row[4]))


def test_xlsx_shows_a_date_day_first_as_indonesia_writes_it():
    """A date cell shows 02/01/2025, as a spreadsheet set to Indonesian shows the CSV's dates and as the
    import template heads them (imports.template): it showed 2025-01-02."""
    rows = [{"name": "Budi", "z": 1, "pct": 1.0, "born": date(2025, 1, 2), "reasons": []}]
    with xlsx_file([("Sheet", COLUMNS, rows)]) as f:
        cell = load_workbook(io.BytesIO(f.read()))["Sheet"]["D2"]
    assert cell.is_date and cell.number_format == "dd/mm/yyyy"


def _child(**kw):
    import uuid

    from posyandu.registry.models import Child

    return Child(id=uuid.uuid4(), name="Bayi Ani", sex="F", birth_date=date(2025, 6, 1), **kw)


def test_fhir_a_childs_nik_that_is_her_mothers_is_not_exported_as_hers():
    """The mother's NIK typed in the child's NIK field (seen in real registers) is the mother's: the
    child's Patient must not carry it as her own official ``…/id/nik`` (SATUSEHAT would take the
    child for her mother); it identifies her as the mother's NIK (``…/id/nik-ibu``)."""
    from fhir.resources.R4B.patient import Patient

    from posyandu.reports.exports.fhir import NIK, NIK_IBU, patient

    mother = "3525015502900001"
    out = patient(_child(nik=mother, mother_nik=mother))
    Patient.model_validate(out)
    assert [i["system"] for i in out["identifier"] if i["value"] == mother] == [NIK_IBU]
    own = patient(_child(nik="3525014106250001", mother_nik=mother))
    assert own["identifier"][0] == {"use": "official", "system": NIK, "value": "3525014106250001"}


def test_fhir_an_infant_under_9_months_entered_standing_is_exported_as_a_length():
    """Under 9 months a child cannot stand (domain.md): the growth calculator takes the position as
    not recorded, i.e. lying under 731 days, and adds no 0.7 cm. The Observation says the same: body
    length 8306-3 with the value measured, not body height 8302-2."""
    import uuid

    from fhir.resources.R4B.observation import Observation

    from posyandu.growth.models import Measurement
    from posyandu.reports.exports.fhir import observations

    def length_code(days, position):
        m = Measurement(id=uuid.uuid4(), child_id=uuid.uuid4(), measured_on=date(2025, 8, 10), weight_kg=None,
                        length_height_cm=60.0, position=position, head_circumference_cm=None, muac_cm=None,
                        age_days=days)
        (obs,) = observations(m)
        Observation.model_validate(obs)
        return obs["code"]["coding"][0]["code"], obs["valueQuantity"]["value"]

    assert length_code(100, "standing") == ("8306-3", 60.0)
    assert length_code(273, "standing") == ("8306-3", 60.0)
    assert length_code(274, "standing") == ("8302-2", 60.0)  # 9 months: may stand; measured height
    assert length_code(800, "lying") == ("8306-3", 60.0)  # measured lying: the length, not −0.7 cm
    assert length_code(800, None) == ("8302-2", 60.0)


def _cells_as_split_by(text: str, separator: str) -> list[str]:
    """The cells a spreadsheet makes of each line when it splits on ``separator`` whatever the file's
    own separator (Excel opening a .csv splits on the list separator of the computer's region: ";"
    in Indonesia, "," elsewhere), quotes of the other separator's fields not taken as quotes."""
    return [piece for line in text.splitlines()[1:] for piece in line.split(separator)]


def test_a_formula_after_the_other_separator_is_not_a_formula_where_the_spreadsheet_splits_on_it():
    """OWASP: checking a field's first character is not enough; a field separator inside the text
    starts a new cell with the formula at its beginning. A comma CSV opened by a spreadsheet set to
    Indonesian is split on ";", a semicolon CSV opened elsewhere on ",": a name
    ``Ani;=HYPERLINK(...)`` (or ``Ani,=…``) became a cell that ran."""
    evil = ['Ani;=HYPERLINK("http://evil.example/x","Klik")', "Ani,=1+1", "Ani; @SUM(A1:A9)", 'Ani;"=1+1"',
            "Ani,\t+cmd", "Ani\n=1+1"]
    rows = [{"name": name, "z": 1, "pct": None, "born": None, "reasons": []} for name in evil]
    for sep, other in (("comma", ";"), ("semicolon", ",")):
        text = b"".join(csv_chunks(COLUMNS, rows, sep)).decode("utf-8-sig")
        for separator in (other, "\n"):
            for piece in _cells_as_split_by(text, separator):
                assert not piece.lstrip(' \t"').startswith(("=", "+", "-", "@")), (sep, piece)
    # harmless separators and dashes are left as they are
    safe = [{"name": "Siti, Rahma; Ani - Budi", "z": -3, "pct": -2.5, "born": None, "reasons": ["T", "2T"]}]
    assert _csv(safe)[1] == ["Siti, Rahma; Ani - Budi", "-3", "-2.5", "", "T; 2T"]
    assert _csv(safe, "semicolon")[1] == ["Siti, Rahma; Ani - Budi", "-3", "-2,5", "", "T; 2T"]


def test_xlsx_text_columns_are_wide_enough_to_read_a_name():
    """Every column was as wide as its header: "Nama anak" 11 characters, "Alasan" 10, so a child's
    name or "T; imunisasi terlambat" was cut off at the next filled cell and the data officer
    widened each column by hand. Text and lists get room for a name; numbers stay narrow."""
    from posyandu.reports.columns import ACTIONS, SKDN

    with xlsx_file([("A", ACTIONS, []), ("S", SKDN, [])]) as f:
        book = load_workbook(io.BytesIO(f.read()))
    def widths(sheet, columns):  # openpyxl keeps a run of equal widths under its first column
        by_index = {i: d.width for d in sheet.column_dimensions.values() for i in range(d.min, d.max + 1)}
        return {c.header: by_index[i] for i, c in enumerate(columns, 1)}

    widths_a = widths(book["A"], ACTIONS)
    assert min(widths_a[h] for h in ("Nama anak", "Nama ibu", "Posyandu")) >= 24
    assert min(widths_a[h] for h in ("Alasan", "Imunisasi terlambat")) >= 30
    assert widths_a["ID anak"] >= 36 and widths_a["Tanggal lahir"] >= 12
    skdn = widths(book["S"], SKDN)
    assert skdn["D (ditimbang)"] <= 16 and skdn["Nama wilayah"] >= 24


def test_every_reports_column_headers_are_indonesian_in_the_apps_own_words():
    """domain.md: "every report must export to CSV and XLSX with Indonesian column headers", named
    as the PWA's report names them (i18n.js nut_*: 'Gizi kurang/buruk', 'Berat badan kurang'): the
    prevalence sheet said "Wasting (...)", "Prevalensi underweight (%)". 'Stunting' is the word
    Kemenkes and the PWA use."""
    import re

    from posyandu.reports.columns import REPORTS

    english = re.compile(r"\b(wasting|wasted|underweight|overweight|prevalence|coverage|children)\b", re.IGNORECASE)
    said = [(name, c.header) for name, (_, columns) in REPORTS.items() for c in columns if english.search(c.header)]
    assert said == []
