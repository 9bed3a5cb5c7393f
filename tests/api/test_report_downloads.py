"""The CSV and XLSX downloads of the reports: what a health office reads in the file alone."""
from __future__ import annotations

import csv
import io


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
