"""The CSV and XLSX downloads of the reports: what a health office reads in the file alone."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from sqlalchemy import func, select


def test_the_coverage_download_names_its_period_in_every_row(client, world):
    """Every other report's rows carry their month ("Bulan"); coverage is for a period (targets at its
    end, doses given in it) and its CSV and XLSX rows said nothing of which: two quarters downloaded
    by a dinkes office, pasted together, could not be told apart. Each row now names its period."""
    from openpyxl import load_workbook

    headers = world.headers("bidan_a")
    resp = client.get(f"/api/v1/reports/coverage?from=2025-06&to=2025-08&posyandu_id={world.ids['p1']}&format=csv",
                      headers=headers)
    assert resp.status_code == 200
    header, *rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert header[:3] == ["Periode", "Kode/ID wilayah", "Nama wilayah"]
    assert rows and {row[0] for row in rows} == {"2025-06/2025-08"}
    for lang in ("en", "id"):  # the same in every language: a value, not a phrase
        answer = client.get(f"/api/v1/reports/coverage?from=2025-06&to=2025-08&posyandu_id={world.ids['p1']}",
                            headers=world.headers("bidan_a", lang)).get_json()
        rows_json = answer["rows"]
        assert rows_json and {r["period"] for r in rows_json} == {"2025-06/2025-08"}, lang
    resp = client.get(f"/api/v1/reports/coverage?month=2025-08&posyandu_id={world.ids['p1']}&format=xlsx",
                      headers=headers)
    values = list(load_workbook(io.BytesIO(resp.data)).active.iter_rows(values_only=True))
    assert values[0][0] == "Periode" and {v[0] for v in values[1:]} == {"2025-08"}
    book = client.get(f"/api/v1/reports/workbook?month=2025-08&posyandu_id={world.ids['p1']}", headers=headers)
    sheet = list(load_workbook(io.BytesIO(book.data))["Cakupan imunisasi"].iter_rows(values_only=True))
    assert sheet[0][0] == "Periode" and {v[0] for v in sheet[1:]} == {"2025-08"}


# the columns naming a row, kept in view in the XLSX: up to the area's name (F1 and prevalence: its sex
# and age group too), the child's name on the follow-up list
FROZEN = {"skdn": "D2", "f1": "F2", "prevalence": "F2", "coverage": "D2", "actions": "C2"}


def test_each_xlsx_sheet_keeps_its_row_names_in_view_and_filters_on_its_header(client, world, make_child):
    """A puskesmas's F1 is 18 columns wide: scrolled to the vitamin A columns, the rows' posyandu, sex and
    age group were out of sight (only the header row was frozen), and no sheet could be filtered
    without setting it up by hand. Each sheet now freezes its header and naming columns, and has an
    autofilter over its header and every row written. Printed (the follow-up list is, for the posyandu
    day), a sheet came out portrait, its columns split over pages of which only the first had the header
    or the names: now A4 landscape, the header row and the naming columns on every page."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    from posyandu.reports.columns import REPORTS

    make_child(name="Ani", birth_date=(date.today() - timedelta(days=200)).isoformat())
    month = f"{date.today():%Y-%m}"
    headers = world.headers("bidan_a")

    def check(sheet, report):
        width = len(REPORTS[report][1])
        assert sheet.max_row > 1, report
        assert sheet.freeze_panes == FROZEN[report], report
        # the frozen columns leave the numbers room: at most 72 characters, under half a laptop's Excel window
        # (the code's column was 38 wide, a posyandu's id whole: F1 froze 94)
        widths = {i: dim.width for dim in sheet.column_dimensions.values() for i in range(dim.min, dim.max + 1)}
        assert sum(widths[i] for i in range(1, ord(FROZEN[report][0]) - ord("A") + 1)) <= 72, report
        assert sheet.auto_filter.ref == f"A1:{get_column_letter(width)}{sheet.max_row}", report
        # printed: A4 landscape, every page with the header row and the same naming columns
        assert (sheet.page_setup.orientation, sheet.page_setup.paperSize) == ("landscape", 9), report
        assert sheet.print_title_rows == "$1:$1", report
        assert sheet.print_title_cols == f"$A:${chr(ord(FROZEN[report][0]) - 1)}", report

    for report in FROZEN:
        resp = client.get(f"/api/v1/reports/{report}?month={month}&level=posyandu&format=xlsx", headers=headers)
        assert resp.status_code == 200, report
        check(load_workbook(io.BytesIO(resp.data)).active, report)
    book = load_workbook(io.BytesIO(client.get(f"/api/v1/reports/workbook?month={month}", headers=headers).data))
    titles = {title: report for report, (title, _) in REPORTS.items()}
    assert set(book.sheetnames) <= set(titles) and len(book.sheetnames) > 1
    for sheet in book.worksheets:
        check(sheet, titles[sheet.title])


def test_a_sheet_holds_as_many_rows_as_a_spreadsheet_takes_and_one_more_is_refused_not_cut(
        client, world, db, make_child, monkeypatch):
    """XlsxWriter refuses a row past Excel's 1,048,576 without a word: a province's F1 over three years came
    out cut short, its autofilter gone, answered 200 beside a CSV holding every row. A sheet that would
    hold more is refused (422, naming the CSV); the limit lowered here to a few rows, as it is the same code."""
    import xlsxwriter.worksheet
    from openpyxl import load_workbook

    from posyandu.reports.exports import xlsx

    assert xlsx.MAX_ROWS == xlsxwriter.worksheet.Worksheet().xls_rowmax - 1  # Excel's, under the header row
    make_child(name="Ani", birth_date=(date.today() - timedelta(days=200)).isoformat())
    query, headers = f"month={date.today():%Y-%m}&level=posyandu", world.headers("bidan_a", "id")
    rows = len(client.get(f"/api/v1/reports/skdn?{query}", headers=headers).get_json()["rows"])
    assert rows >= 2
    monkeypatch.setattr(xlsx, "MAX_ROWS", rows)
    whole = client.get(f"/api/v1/reports/skdn?{query}&format=xlsx", headers=headers)
    assert whole.status_code == 200
    assert load_workbook(io.BytesIO(whole.data)).active.max_row == rows + 1
    monkeypatch.setattr(xlsx, "MAX_ROWS", rows - 1)
    cut = client.get(f"/api/v1/reports/skdn?{query}&format=xlsx", headers=headers)
    assert cut.status_code == 422 and cut.content_type == "application/problem+json", cut.data[:200]
    [message] = cut.get_json()["errors"]["format"]
    assert message.startswith(f'lebih dari {rows - 1} baris untuk lembar "SKDN"') and "unduh CSV" in message, message
    assert cut.get_json()["detail"] == message  # what the app shows of a download refused (no field to mark)
    english = client.get(f"/api/v1/reports/skdn?{query}&format=xlsx", headers=world.headers("bidan_a"))
    assert "download the CSV" in english.get_json()["errors"]["format"][0]
    csv_rows = client.get(f"/api/v1/reports/skdn?{query}&format=csv", headers=headers).data.decode("utf-8-sig")
    assert len(csv_rows.strip().splitlines()) == rows + 1  # the CSV holds them all
    # a download naming children, refused, disclosed nothing: nothing in the access log (its families were
    # told of an export never sent)
    from posyandu.privacy import AccessLog

    logged = lambda: db.session.scalar(select(func.count()).select_from(AccessLog))  # noqa: E731
    before = logged()
    book = client.get(f"/api/v1/reports/workbook?{query}", headers=headers)
    assert book.status_code == 422 and list(book.get_json()["errors"]) == ["_schema"], book.get_json()
    monkeypatch.setattr(xlsx, "MAX_ROWS", 0)
    follow_up = client.get(f"/api/v1/reports/actions?month={date.today():%Y-%m}&format=xlsx", headers=headers)
    assert follow_up.status_code == 422, follow_up.get_json()
    db.session.remove()
    assert logged() == before
    monkeypatch.setattr(xlsx, "MAX_ROWS", 1_048_575)
    assert client.get(f"/api/v1/reports/actions?month={date.today():%Y-%m}&format=xlsx", headers=headers).status_code == 200
    db.session.remove()
    assert logged() > before  # one sent is logged


def test_an_empty_list_in_the_xlsx_is_a_blank_cell(client, world, make_child):
    """A child on the follow-up list with no dose overdue had an empty text cell under "Imunisasi
    terlambat": Excel's "(Blanks)" filter and COUNTBLANK-style counts of who needs no dose missed it."""
    from openpyxl import load_workbook

    # past every dose's maximum age (no dose overdue), never weighed: on the list for that alone
    child = make_child(name="Ani", birth_date=(date.today() - timedelta(days=1700)).isoformat())
    query = f"month={date.today():%Y-%m}&reason=not_weighed_2_months"
    listed = client.get(f"/api/v1/reports/actions?{query}", headers=world.headers("bidan_a")).get_json()["items"]
    assert [r["overdue_immunisations"] for r in listed if r["child_id"] == child["id"]] == [[]]
    resp = client.get(f"/api/v1/reports/actions?{query}&format=xlsx", headers=world.headers("bidan_a"))
    header, *rows = load_workbook(io.BytesIO(resp.data)).active.iter_rows(values_only=True)
    got = {row[header.index("ID anak")]: dict(zip(header, row)) for row in rows}[child["id"]]
    assert got["Imunisasi terlambat"] is None and got["Alasan"] == "tidak ditimbang 2 bulan"


def test_prevalence_overall_gives_each_areas_total_rows_alone(client, world, make_child):
    """The reports screen reads prevalence's rows of all sexes and ages alone; it was sent eight rows per
    area and month (a district's months per posyandu: tens of MB for a phone to read). ``overall=true``
    answers those rows alone, the same numbers, JSON and downloads alike."""
    make_child(name="Ani", birth_date=(date.today() - timedelta(days=200)).isoformat())
    query = f"from={date.today() - timedelta(days=62):%Y-%m}&to={date.today():%Y-%m}&level=posyandu"
    headers = world.headers("bidan_a")
    every = client.get(f"/api/v1/reports/prevalence?{query}", headers=headers).get_json()["rows"]
    resp = client.get(f"/api/v1/reports/prevalence?{query}&overall=true", headers=headers)
    assert resp.status_code == 200, resp.get_json()
    rows = resp.get_json()["rows"]
    assert rows == [r for r in every if (r["sex"], r["age_group"]) == ("all", "0-59")]
    assert len(rows) * 8 == len(every) and len({(r["month"], r["area"]) for r in rows}) == len(rows) > 2
    body = client.get(f"/api/v1/reports/prevalence?{query}&overall=true&format=csv", headers=headers).data
    assert len(list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))) == len(rows) + 1
    assert client.get(f"/api/v1/reports/prevalence?{query}&overall=maybe", headers=headers).status_code == 422
