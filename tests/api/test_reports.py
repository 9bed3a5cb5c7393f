"""SKDN and prevalence for a hand-built month, worked out by hand (domain.md, SKDN)."""
from __future__ import annotations

import csv
import io
from datetime import date

import pytest

JUNE = "2025-06"


@pytest.fixture
def june(client, world, make_child):
    """Posyandu Melati (p1), June 2025; every child born 2024-06-15 (12 months → KBM 200 g):
    A weighed May 9.0 → June 9.3 kg: gain 300 g ≥ 200 → N
    B weighed May 9.0 → June 8.9 kg: loss → T
    C weighed April 9.0 → June 9.5 kg, not in May → O
    D first weighing ever in June, girl, 5.5 kg: wfa < −3 SD → B and BGM
    E registered, no KMS, not weighed → in S only
    F born 2019-01-01, over five → not in S
    G in Posyandu Mawar (p2, same kecamatan), first weighing in June → B
    """
    def weigh(child, on, kg, by="kader1"):
        resp = client.post(f"/api/v1/children/{child['id']}/measurements", json={"measured_on": on, "weight_kg": kg},
                           headers=world.headers(by))
        assert resp.status_code == 201, resp.get_json()

    kids = {k: make_child(name=f"Anak {k}", birth_date="2024-06-15", sex="F" if k == "D" else "M") for k in "ABCD"}
    kids["E"] = make_child(name="Anak E", birth_date="2024-06-15", has_kms=False)
    kids["F"] = make_child(name="Anak F", birth_date="2019-01-01")
    kids["G"] = make_child(by="kader2", posyandu="p2", name="Anak G", birth_date="2024-06-15")
    for k, may, jun in (("A", 9.0, 9.3), ("B", 9.0, 8.9)):
        weigh(kids[k], "2025-05-10", may)
        weigh(kids[k], "2025-06-10", jun)
    weigh(kids["C"], "2025-04-10", 9.0)
    weigh(kids["C"], "2025-06-10", 9.5)
    weigh(kids["D"], "2025-06-10", 5.5)
    weigh(kids["G"], "2025-06-12", 9.0, by="kader2")
    return kids


def test_skdn_for_one_posyandu_matches_the_hand_count(client, world, june):
    rows = client.get(f"/api/v1/reports/skdn?month={JUNE}&posyandu_id={world.ids['p1']}",
                      headers=world.headers("bidan_a")).get_json()["rows"]
    assert len(rows) == 1
    r = rows[0]
    assert (r["S"], r["K"], r["D"], r["N"], r["T"], r["O"], r["B"], r["BGM"], r["2T"]) == (5, 4, 4, 1, 1, 1, 1, 1, 0)
    assert r["D"] == r["N"] + r["T"] + r["O"] + r["B"] and r["D_prime"] == 2
    assert (r["K_S"], r["D_S"], r["D_K"], r["N_D"], r["N_D_prime"], r["N_S"]) == (80.0, 80.0, 100.0, 25.0, 50.0, 20.0)


def test_skdn_counts_the_children_weighed_without_a_recorded_kms(client, world, june):
    """E (no KMS recorded) weighed in June: D 5 of K 4, D/K 125 %, as the KMS rules count it (the
    numbers unchanged), with the count that says why (``D_no_kms``) in the JSON, the downloads and
    the OpenAPI document; an area with no such child says 0."""
    resp = client.post(f"/api/v1/children/{june['E']['id']}/measurements",
                       json={"measured_on": "2025-06-10", "weight_kg": 9.0}, headers=world.headers("kader1"))
    assert resp.status_code == 201, resp.get_json()
    rows = client.get(f"/api/v1/reports/skdn?month={JUNE}", headers=world.headers("bidan_a")).get_json()["rows"]
    by_name = {r["area_name"]: r for r in rows}
    r = by_name["Melati"]
    assert (r["S"], r["K"], r["D"], r["B"], r["D_K"], r["D_no_kms"]) == (5, 4, 5, 2, 125.0, 1)
    assert by_name["Mawar"]["D_no_kms"] == 0
    up = client.get(f"/api/v1/reports/skdn?month={JUNE}&level=kabupaten", headers=world.headers("dinkes_gresik"))
    assert [(x["D"], x["K"], x["D_no_kms"]) for x in up.get_json()["rows"]] == [(6, 5, 1)]
    empty = client.get(f"/api/v1/reports/skdn?month={JUNE}", headers=world.headers("kader3")).get_json()["rows"]
    assert [x["D_no_kms"] for x in empty] == [0]  # Kenanga: no child, its zero row
    csv_text = client.get(f"/api/v1/reports/skdn?month={JUNE}&format=csv&posyandu_id={world.ids['p1']}",
                          headers=world.headers("bidan_a")).data.decode("utf-8-sig")
    head, line = list(csv.reader(io.StringIO(csv_text)))
    assert dict(zip(head, line))["Ditimbang tanpa KMS tercatat (D/K bisa > 100%)"] == "1"
    # the F1 Gizi form counts it too, in E's cell (a boy of 12 months) and its totals, and says so last
    f1 = client.get(f"/api/v1/reports/f1?month={JUNE}&posyandu_id={world.ids['p1']}&format=csv",
                    headers=world.headers("bidan_a")).data.decode("utf-8-sig")
    head, *lines = list(csv.reader(io.StringIO(f1)))
    assert head[-1] == "Ditimbang tanpa KMS tercatat (D/K bisa > 100%)"
    cells = {(x["Jenis kelamin"], x["Kelompok umur (bulan)"]): int(x[head[-1]]) for x in (dict(zip(head, v)) for v in lines)}
    assert {k: n for k, n in cells.items() if n} == {(s, f"{a} bln"): 1 for s in ("L", "L+P") for a in ("12-23", "0-59")}
    doc = client.get("/api/v1/openapi.json").get_json()
    for schema in ("SkdnRow", "F1Row"):
        assert "no KMS" in doc["components"]["schemas"][schema]["properties"]["D_no_kms"]["description"]


def test_the_follow_up_lists_t_counts_last_months_weighing_of_a_child_absent_this_month(client, world, june, make_child):
    """H weighed April 9.0 → May 8.8 kg (T), absent in June: not in June's SKDN T (B alone), still on the
    follow-up list with T (a child absent once is followed up), by her May weighing, which the
    download's header says may be last month's."""
    h = make_child(name="Anak H", birth_date="2024-06-15")
    for on, kg in (("2025-04-10", 9.0), ("2025-05-10", 8.8)):
        resp = client.post(f"/api/v1/children/{h['id']}/measurements", json={"measured_on": on, "weight_kg": kg},
                           headers=world.headers("kader1"))
        assert resp.status_code == 201, resp.get_json()
    p1 = world.ids["p1"]
    skdn = client.get(f"/api/v1/reports/skdn?month={JUNE}&posyandu_id={p1}", headers=world.headers("bidan_a")).get_json()
    assert skdn["rows"][0]["T"] == 1
    items = client.get(f"/api/v1/reports/actions?month={JUNE}&posyandu_id={p1}&reason=T",
                       headers=world.headers("bidan_a")).get_json()["items"]
    assert sorted((r["name"], str(r["weighed_on"])) for r in items) == [("Anak B", "2025-06-10"), ("Anak H", "2025-05-10")]
    text = client.get(f"/api/v1/reports/actions?month={JUNE}&posyandu_id={p1}&reason=T&format=csv",
                      headers=world.headers("bidan_a")).data.decode("utf-8-sig")
    rows = {r["Nama anak"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows["Anak H"]["Tanggal timbang (bulan ini atau bulan lalu)"] == "2025-05-10"


def test_skdn_rolls_up_to_kecamatan_and_kabupaten(client, world, june):
    for level, area in (("kecamatan", "35.25.01"), ("kabupaten", "35.25")):
        rows = client.get(f"/api/v1/reports/skdn?month={JUNE}&level={level}", headers=world.headers("dinkes_gresik")).get_json()["rows"]
        assert [(r["area"], r["S"], r["D"], r["B"]) for r in rows] == [(area, 6, 5, 2)]


def test_prevalence_excludes_missing_indices_and_counts_underweight(client, world, june):
    r = client.get(f"/api/v1/reports/prevalence?month={JUNE}&posyandu_id={world.ids['p1']}",
                   headers=world.headers("kader1")).get_json()["rows"][0]
    # A, B, C, D measured (weights only): no length → no stunting/wasting denominator; D is underweight.
    assert (r["measured"], r["tb_u_n"], r["bb_u_n"], r["underweight"], r["flagged"]) == (4, 0, 4, 1, 0)
    assert r["underweight_pct"] == 25.0 and r["stunting_pct"] is None


def test_reports_follow_the_callers_area(client, world, june):
    # Kenanga (Bangkalan) has no child: its row, with nothing of Gresik's counted
    for who in ("kader3", "dinkes_bangkalan"):
        rows = client.get(f"/api/v1/reports/skdn?month={JUNE}", headers=world.headers(who)).get_json()["rows"]
        assert [(r["area_name"], r["S"], r["D"]) for r in rows] == [("Kenanga", 0, 0)]
    own = client.get(f"/api/v1/reports/skdn?month={JUNE}", headers=world.headers("kader2")).get_json()["rows"]
    assert [r["S"] for r in own] == [1]
    assert client.get(f"/api/v1/reports/skdn?month={JUNE}", headers=world.headers("parent1")).status_code == 403


@pytest.mark.parametrize("query", ["month=2025-13", "month=juni", "", f"month={JUNE}&level=provinsi"])
def test_bad_report_arguments_are_422(client, world, query):
    assert client.get(f"/api/v1/reports/skdn?{query}", headers=world.headers("bidan_a")).status_code == 422


@pytest.mark.parametrize("path", ["reports/skdn", "reports/f1", "reports/prevalence", "reports/coverage",
                                  "reports/actions", "reports/actions?format=csv", "reports/skdn?format=xlsx",
                                  "reports/workbook", "exports/fhir"])
@pytest.mark.parametrize("query, field", [("month=9999-12", "month"), ("from=9997-01&to=9999-12", "from"),
                                          ("from=2025-01&to=9999-12", "to"), ("month=1999-12", "month"),
                                          ("month={next}", "month"), ("from={this}&to={next}", "to")])
def test_report_months_not_begun_or_before_2000_are_422_on_the_field(client, world, path, query, field):
    """A month not begun has no weighings: its SKDN said D/S 0 % (a posyandu day no one came to) and its
    follow-up list named most children. The month under way is the latest, its date in WIT (UTC+9)."""
    from posyandu.reports.period import Month, latest_month
    from posyandu.validators import today

    this = latest_month(today())
    assert this == Month(today().year, today().month)
    query = query.format(this=this, next=this.plus(1))
    sep = "&" if "?" in path else "?"
    resp = client.get(f"/api/v1/{path}{sep}{query}", headers=world.headers("bidan_a", lang="id"))
    assert resp.status_code == 422 and resp.content_type == "application/problem+json", resp.data[:200]
    assert resp.get_json()["errors"][field] == [f"harus bulan dari 2000-01 sampai {this}"]
    ok = client.get(f"/api/v1/{path}{sep}month={this}", headers=world.headers("bidan_a"))
    assert ok.status_code == 200


def test_the_action_list_csv_writes_formula_names_as_text(client, world, make_child):
    """A name a spreadsheet would run (CSV injection) comes out with a leading quote, in CSV only."""
    from openpyxl import load_workbook

    evil = '=HYPERLINK("http://evil.example/x","Klik")'
    make_child(name=evil, mother_name="@SUM(1+1)", guardian_phone="+6281234567890")  # never weighed: on the list
    query = f"month={date.today():%Y-%m}&reason=not_weighed_2_months"
    resp = client.get(f"/api/v1/reports/actions?{query}&format=csv", headers=world.headers("bidan_a"))
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    header, row = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"), newline="")))
    got = dict(zip(header, row))
    assert (got["Nama anak"], got["Nama ibu"], got["No. HP"]) == ("'" + evil, "'@SUM(1+1)", "'+62 812-3456-7890")
    assert got["Umur (bulan)"].isdigit() and got["Alasan"] == "tidak ditimbang 2 bulan"
    resp = client.get(f"/api/v1/reports/actions?{query}&format=xlsx", headers=world.headers("bidan_a"))
    sheet = load_workbook(io.BytesIO(resp.data)).active
    header, row = list(sheet.iter_rows(values_only=True)), list(sheet.iter_rows(min_row=2))[0]
    cells = dict(zip(header[0], row))
    assert (cells["Nama anak"].value, cells["Nama anak"].data_type) == (evil, "s")
    assert isinstance(cells["Umur (bulan)"].value, int)
    assert (cells["No. HP"].value, cells["No. HP"].data_type) == ("+62 812-3456-7890", "s")


@pytest.mark.parametrize("sep", ["comma", "semicolon"])
def test_a_phone_in_the_csv_keeps_its_leading_zero_when_a_spreadsheet_opens_it(client, world, make_child, sep):
    """084414593869 in a CSV cell is a number to a spreadsheet (LibreOffice, Excel): opened, the
    follow-up list's phones lost their 0. Grouped as Indonesians write them, they stay text."""
    make_child(name="Ani", guardian_phone="084414593869")
    make_child(name="Budi", guardian_phone="6281234567")
    query = f"month={date.today():%Y-%m}&reason=not_weighed_2_months&format=csv&sep={sep}"
    resp = client.get(f"/api/v1/reports/actions?{query}", headers=world.headers("bidan_a"))
    rows = list(csv.DictReader(io.StringIO(resp.data.decode("utf-8-sig"), newline=""), delimiter=";" if sep == "semicolon" else ","))
    assert sorted((r["Nama anak"], r["No. HP"]) for r in rows) == [("Ani", "0844-1459-3869"), ("Budi", "62 812-3456-7")]
    assert all(not float_like(r["No. HP"]) for r in rows)


def float_like(text: str) -> bool:
    try:
        float(text.replace(",", "."))
        return True
    except ValueError:
        return False


def test_a_posyandu_rolls_up_to_the_kecamatan_of_its_desa_not_of_its_puskesmas(client, world, make_child, app):
    """PKM Wringinanom (kecamatan 35.25.01) runs a posyandu in desa Cangkir of kecamatan Driyorejo
    (35.25.02): the desa lies in Driyorejo, so its children count there, as the region filter says."""
    from posyandu.extensions import db
    from posyandu.registry.operations import upsert_region

    with app.app_context():
        upsert_region("35.25.02", "Driyorejo")
        upsert_region("35.25.02.2001", "Cangkir")
        db.session.commit()
    resp = client.post("/api/v1/posyandu", headers=world.headers("bidan_a"), json={
        "name": "Dahlia", "desa_code": "35.25.02.2001", "puskesmas_id": str(world.ids["pkm_a"]), "meeting_day": 3})
    assert resp.status_code == 201, resp.get_json()
    world.ids["dahlia"] = resp.get_json()["id"]
    make_child(by="bidan_a", posyandu="dahlia", name="Anak Dahlia", birth_date="2024-06-15")
    make_child(name="Anak Melati", birth_date="2024-06-15")
    for report in ("skdn", "coverage"):
        rows = client.get(f"/api/v1/reports/{report}?month={JUNE}&level=kecamatan",
                          headers=world.headers("dinkes_gresik")).get_json()["rows"]
        assert sorted({(r["area"], r["area_name"]) for r in rows}) == [("35.25.01", "Wringinanom"),
                                                                       ("35.25.02", "Driyorejo")], report
    rows = client.get(f"/api/v1/reports/skdn?month={JUNE}&level=kecamatan&region_code=35.25.02",
                      headers=world.headers("dinkes_gresik")).get_json()["rows"]
    assert [(r["area"], r["S"]) for r in rows] == [("35.25.02", 1)]


def test_every_open_posyandu_of_the_area_has_a_row_even_without_children(client, world, june):
    """Mawar's only child is G; Sooko, a desa of Wringinanom, gets a new posyandu with no child yet. A
    health office reads a missing row as 'did not report': every open posyandu (and every area holding
    one) is listed, with zeros. A posyandu opened and closed since (after June) had no June: it is not
    listed there, nor in any month after its closing."""
    def posyandu(name):
        resp = client.post("/api/v1/posyandu", headers=world.headers("bidan_a"), json={
            "name": name, "desa_code": "35.25.01.2002", "puskesmas_id": str(world.ids["pkm_a"]), "meeting_day": 12})
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()["id"]

    new_id, closed = posyandu("Seruni"), posyandu("Tutup")
    assert client.delete(f"/api/v1/posyandu/{closed}", headers=world.headers("admin")).status_code in (200, 204)

    def rows(report, query, who="bidan_a"):
        resp = client.get(f"/api/v1/reports/{report}?month={JUNE}&{query}", headers=world.headers(who))
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()["rows"]

    skdn = {r["area_name"]: r for r in rows("skdn", "level=posyandu")}
    assert sorted(skdn) == ["Mawar", "Melati", "Seruni"]
    from posyandu.validators import local_today
    now = client.get(f"/api/v1/reports/skdn?month={local_today('35.25'):%Y-%m}", headers=world.headers("bidan_a")).get_json()
    assert sorted(r["area_name"] for r in now["rows"]) == ["Mawar", "Melati", "Seruni"]
    seruni = skdn["Seruni"]
    assert (seruni["area"], seruni["S"], seruni["K"], seruni["D"], seruni["N"], seruni["2T"], seruni["D_prime"]) == (
        new_id, 0, 0, 0, 0, 0, 0)
    assert (seruni["D_S"], seruni["N_D"], seruni["month"]) == (None, None, JUNE)
    assert (skdn["Melati"]["S"], skdn["Mawar"]["S"]) == (5, 1)  # the others unchanged
    # the kader of a posyandu without children sees its row; so does dinkes of a kabupaten without any
    assert [(r["area_name"], r["S"]) for r in rows("skdn", "", "kader3")] == [("Kenanga", 0)]
    assert [(r["area"], r["S"]) for r in rows("skdn", "level=kabupaten", "admin")] == [("35.25", 6), ("35.26", 0)]
    # F1: every cell of the form (total, by sex, by age group and sex) with zeros
    f1 = [r for r in rows("f1", f"posyandu_id={new_id}")]
    assert len(f1) == 18 and all(r["S"] == 0 and r["vitamin_a_red"] == 0 and r["area_name"] == "Seruni" for r in f1)
    prev = rows("prevalence", f"posyandu_id={new_id}")
    assert len(prev) == 8 and all(r["measured"] == 0 and r["stunting_pct"] is None for r in prev)
    cov = rows("coverage", f"posyandu_id={new_id}")
    assert cov and {(r["target"], r["covered"], r["coverage_pct"], r["area_name"]) for r in cov} == {(0, 0, None, "Seruni")}
    assert {r["indicator"] for r in cov} == {r["indicator"] for r in rows("coverage", f"posyandu_id={world.ids['p1']}")}
    # the CSV download lists it too
    resp = client.get(f"/api/v1/reports/skdn?month={JUNE}&format=csv", headers=world.headers("bidan_a"))
    names = [line[2] for line in csv.reader(io.StringIO(resp.data.decode("utf-8-sig")))][1:]
    assert sorted(names) == ["Mawar", "Melati", "Seruni"]


def test_downloads_are_named_for_their_area_and_months(client, world, make_child):
    """A health office downloading each area's report in turn got files all named
    ``skdn-2025-06-2025-06.csv``, nothing telling one area's from another's; the FHIR bundle came
    with no file name at all. Each name says the report, the area and the month(s)."""
    make_child(name="Ñoño")

    def name(path: str, who: str) -> str:
        resp = client.get(f"/api/v1/{path}", headers=world.headers(who))
        assert resp.status_code == 200, resp.data[:300]
        return resp.headers["Content-Disposition"]

    p1 = world.ids["p1"]
    assert name(f"reports/skdn?month={JUNE}&format=csv", "kader1") == 'attachment; filename="skdn-posyandu-melati-2025-06.csv"'
    assert name(f"reports/skdn?month={JUNE}&format=xlsx", "bidan_a") == 'attachment; filename="skdn-pkm-wringinanom-2025-06.xlsx"'
    assert name(f"reports/f1?from=2025-04&to={JUNE}&format=csv&region_code=35.25.01", "dinkes_gresik") == \
        'attachment; filename="f1-gizi-35.25.01-wringinanom-2025-04-2025-06.csv"'
    assert name(f"reports/actions?month={JUNE}&format=xlsx&posyandu_id={p1}", "dinkes_gresik") == \
        'attachment; filename="daftar-tindak-lanjut-posyandu-melati-2025-06.xlsx"'
    # the follow-up list is of the end of the last month, whatever the range asked for: named for that month
    assert name(f"reports/actions?from=2025-04&to={JUNE}&format=csv", "bidan_a") == \
        'attachment; filename="daftar-tindak-lanjut-pkm-wringinanom-2025-06.csv"'
    assert name(f"reports/workbook?month={JUNE}", "dinkes_bangkalan") == 'attachment; filename="laporan-35.26-bangkalan-2025-06.xlsx"'
    # one language: each report named in Indonesian, as its area is (not "coverage-semua-wilayah")
    assert name(f"reports/prevalence?month={JUNE}&format=csv", "kader1") == \
        'attachment; filename="prevalensi-gizi-posyandu-melati-2025-06.csv"'
    assert name(f"reports/coverage?month={JUNE}&format=csv", "admin") == 'attachment; filename="cakupan-imunisasi-semua-wilayah-2025-06.csv"'
    assert name(f"exports/fhir?month={JUNE}", "bidan_a") == 'attachment; filename="fhir-pkm-wringinanom-2025-06.json"'
    # a region around the caller's whole area covers only her area: named by it, not by the province
    assert name(f"reports/skdn?month={JUNE}&format=csv&region_code=35", "dinkes_gresik") == \
        'attachment; filename="skdn-35.25-gresik-2025-06.csv"'
    assert name(f"exports/fhir?month={JUNE}&region_code=35.25", "bidan_a") == \
        'attachment; filename="fhir-pkm-wringinanom-2025-06.json"'


def test_a_report_rolled_up_further_is_named_for_its_level(client, world):
    """A health office downloading its kabupaten's SKDN per posyandu, per puskesmas and per kecamatan
    (the reports screen's "Rincian per") got three files all named ``skdn-35.25-gresik-2025-06.csv``,
    the browser adding "(1)", "(2)". A roll-up past the posyandu is named; the follow-up list and the
    FHIR bundle, which no roll-up changes, are not."""
    def name(path: str) -> str:
        resp = client.get(f"/api/v1/{path}", headers=world.headers("dinkes_gresik"))
        assert resp.status_code == 200, resp.data[:300]
        return resp.headers["Content-Disposition"].split('filename="')[1].rstrip('"')

    names = {level: name(f"reports/skdn?month={JUNE}&format=csv&level={level}")
             for level in ("posyandu", "desa", "puskesmas", "kecamatan", "kabupaten")}
    assert names == {"posyandu": "skdn-35.25-gresik-2025-06.csv", "desa": "skdn-35.25-gresik-per-desa-2025-06.csv",
                     "puskesmas": "skdn-35.25-gresik-per-puskesmas-2025-06.csv",
                     "kecamatan": "skdn-35.25-gresik-per-kecamatan-2025-06.csv",
                     "kabupaten": "skdn-35.25-gresik-per-kabupaten-2025-06.csv"}
    assert name(f"reports/coverage?from=2025-04&to={JUNE}&format=xlsx&level=kecamatan&region_code=35.25.01") == \
        "cakupan-imunisasi-35.25.01-wringinanom-per-kecamatan-2025-04-2025-06.xlsx"
    assert name(f"reports/workbook?month={JUNE}&level=puskesmas") == "laporan-35.25-gresik-per-puskesmas-2025-06.xlsx"
    assert name(f"reports/actions?month={JUNE}&format=csv&level=puskesmas") == "daftar-tindak-lanjut-35.25-gresik-2025-06.csv"
    assert name(f"exports/fhir?month={JUNE}") == "fhir-35.25-gresik-2025-06.json"


def test_posyandu_named_alike_but_for_posyandu_before_it_or_case_are_twins_named_with_their_desa(client, world, app):
    """The registry judges "Posyandu Anggrek" and "anggrek" one name (one desa holds one of them), and the
    import refuses either as ambiguous; the reports told twins apart by the very same name only, so they
    listed "Anggrek" and "Posyandu anggrek" of two desa with nothing to say which is where."""
    from posyandu.extensions import db
    from posyandu.registry.operations import upsert_region

    with app.app_context():
        for code, name in (("35.25.02", "Driyorejo"), ("35.25.02.2001", "Sooko"), ("35.25.02.2002", "Cangkir")):
            upsert_region(code, name)
        db.session.commit()
    made = {}
    for name, desa in (("Anggrek", "35.25.02.2001"), ("Posyandu anggrek", "35.25.02.2002")):
        resp = client.post("/api/v1/posyandu", headers=world.headers("admin"), json={
            "name": name, "desa_code": desa, "puskesmas_id": str(world.ids["pkm_a"]), "meeting_day": 3})
        assert resp.status_code == 201, resp.get_json()
        made[name] = resp.get_json()["id"]
    resp = client.get(f"/api/v1/reports/skdn?month={JUNE}&level=posyandu", headers=world.headers("dinkes_gresik"))
    named = {r["area"]: r["area_name"] for r in resp.get_json()["rows"]}
    assert (named[made["Anggrek"]], named[made["Posyandu anggrek"]]) == ("Anggrek (Sooko)", "Posyandu anggrek (Cangkir)")
    assert named[str(world.ids["p1"])] == "Melati"


def test_two_posyandu_or_desa_of_one_name_in_a_kabupaten_are_named_with_their_desa_or_kecamatan(client, world, app,
                                                                                               make_child):
    """A district names its posyandu after flowers, and many of its desa Sooko or Sumberejo: its SKDN per
    posyandu had two rows "Mawar", per desa two rows "Sooko", nothing telling one from the other (the
    CSV gave only their ids). A name another posyandu (desa) of the kabupaten has too is followed by its
    desa (kecamatan), in every report and whether or not the other is in it; a name shared only with
    another kabupaten's, or with a posyandu closed before the month, is not."""
    from posyandu.extensions import db
    from posyandu.registry.operations import upsert_region

    with app.app_context():
        for code, name in (("35.25.02", "Driyorejo"), ("35.25.02.2001", "Sooko"), ("35.25.02.2002", "Cangkir")):
            upsert_region(code, name)
        db.session.commit()

    def posyandu(name: str, desa: str, pkm: str = "pkm_a") -> str:
        resp = client.post("/api/v1/posyandu", headers=world.headers("admin"), json={
            "name": name, "desa_code": desa, "puskesmas_id": str(world.ids[pkm]), "meeting_day": 3})
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()["id"]

    other_mawar = posyandu("Mawar", "35.25.02.2002")  # Mawar (p2) is in Sooko of Wringinanom
    anggrek = posyandu("Anggrek", "35.25.02.2001")  # in Sooko of Driyorejo
    melati_bangkalan = posyandu("Melati", "35.26.01.2001", "pkm_b")  # another kabupaten's Melati
    closed = posyandu("Melati", "35.25.02.2002")  # Gresik's second Melati, closed before June
    assert client.delete(f"/api/v1/posyandu/{closed}", headers=world.headers("admin")).status_code in (200, 204)
    with app.app_context():
        import uuid
        from datetime import datetime, timezone

        from sqlalchemy import update

        from posyandu.registry.models import Posyandu
        db.session.execute(update(Posyandu).where(Posyandu.id == uuid.UUID(closed)).values(
            deleted_at=datetime(2025, 1, 31, tzinfo=timezone.utc)))
        db.session.commit()

    def names(report: str, query: str, who: str = "dinkes_gresik") -> list:
        resp = client.get(f"/api/v1/reports/{report}?month={JUNE}&{query}", headers=world.headers(who))
        assert resp.status_code == 200, resp.get_json()
        return sorted({(r["area"], r["area_name"]) for r in resp.get_json()["rows"]})

    p1, p2, p3 = (str(world.ids[p]) for p in ("p1", "p2", "p3"))
    assert names("skdn", "level=posyandu") == sorted([(p1, "Melati"), (p2, "Mawar (Sooko)"),
                                                      (other_mawar, "Mawar (Cangkir)"), (anggrek, "Anggrek")])
    assert names("skdn", "level=desa") == [("35.25.01.2001", "Sumbergede"), ("35.25.01.2002", "Sooko (Wringinanom)"),
                                           ("35.25.02.2001", "Sooko (Driyorejo)"), ("35.25.02.2002", "Cangkir")]
    # the bidan's reports name them as the district's do
    assert (p2, "Mawar (Sooko)") in names("prevalence", "level=posyandu", "bidan_a")
    assert ("35.25.01.2002", "Sooko (Wringinanom)") in names("coverage", "level=desa", "bidan_a")
    assert names("f1", f"posyandu_id={other_mawar}") == [(other_mawar, "Mawar (Cangkir)")]
    assert names("skdn", f"posyandu_id={p1}") == [(p1, "Melati")]
    assert names("skdn", "level=posyandu", "dinkes_bangkalan") == sorted([(p3, "Kenanga"), (melati_bangkalan, "Melati")])
    # and so are their children's on the follow-up list, a page at a time and downloaded (a posyandu day's
    # list "Posyandu Mawar" held two posyandu's children)
    world.ids["mawar2"] = other_mawar
    make_child(by="admin", posyandu="p2", name="Anak Sooko")
    make_child(by="admin", posyandu="mawar2", name="Anak Cangkir")
    query = f"month={date.today():%Y-%m}&reason=not_weighed_2_months"
    listed, cursor = [], ""
    while cursor is not None:
        answer = client.get(f"/api/v1/reports/actions?{query}&limit=1{cursor and '&cursor=' + cursor}",
                            headers=world.headers("dinkes_gresik")).get_json()
        listed += [(r["name"], r["posyandu_name"]) for r in answer["items"]]
        cursor = answer["next_cursor"]
    assert sorted(listed) == [("Anak Cangkir", "Mawar (Cangkir)"), ("Anak Sooko", "Mawar (Sooko)")]  # each once
    resp = client.get(f"/api/v1/reports/actions?{query}&format=csv", headers=world.headers("bidan_a"))
    assert sorted((r["Nama anak"], r["Posyandu"]) for r in csv.DictReader(io.StringIO(resp.data.decode("utf-8-sig")))) \
        == sorted(listed)
    # and so are their downloads
    resp = client.get(f"/api/v1/reports/skdn?month={JUNE}&format=csv&posyandu_id={other_mawar}",
                      headers=world.headers("dinkes_gresik"))
    assert resp.headers["Content-Disposition"] == 'attachment; filename="skdn-posyandu-mawar-cangkir-2025-06.csv"'
    resp = client.get(f"/api/v1/reports/skdn?month={JUNE}&format=csv", headers=world.headers("kader2"))
    assert resp.headers["Content-Disposition"] == 'attachment; filename="skdn-posyandu-mawar-sooko-2025-06.csv"'


def test_rows_per_posyandu_or_puskesmas_come_by_their_desa_or_kecamatan_then_name(client, world):
    """Per posyandu, a district's SKDN (on screen and downloaded) listed its posyandu by their ids: an order
    no reader could follow or find one in. Posyandu come by their desa's code then their name, puskesmas by
    their kecamatan's code then their name, in every report; regions by their code as before."""
    resp = client.post("/api/v1/posyandu", headers=world.headers("admin"), json={
        "name": "Anggrek", "desa_code": "35.25.01.2001", "puskesmas_id": str(world.ids["pkm_a"]), "meeting_day": 3})
    assert resp.status_code == 201, resp.get_json()

    def areas(report: str, level: str, who: str = "admin") -> list:
        resp = client.get(f"/api/v1/reports/{report}?month={JUNE}&level={level}", headers=world.headers(who))
        assert resp.status_code == 200, resp.get_json()
        return list(dict.fromkeys(r["area_name"] for r in resp.get_json()["rows"]))  # in the order given, once each

    for report in ("skdn", "f1", "prevalence", "coverage"):
        # Sumbergede (35.25.01.2001): Anggrek, Melati; Sooko (.2002): Mawar; then Bangkalan's Kenanga
        assert areas(report, "posyandu") == ["Anggrek", "Melati", "Mawar", "Kenanga"], report
        assert areas(report, "puskesmas") == ["PKM Wringinanom", "PKM Kamal"], report  # 35.25.01, 35.26.01
        assert areas(report, "desa") == ["Sumbergede", "Sooko", "Gili Anyar"], report
    resp = client.get(f"/api/v1/reports/skdn?month={JUNE}&level=posyandu&format=csv", headers=world.headers("bidan_a"))
    assert [row[2] for row in csv.reader(io.StringIO(resp.data.decode("utf-8-sig")))][1:] == ["Anggrek", "Melati", "Mawar"]
