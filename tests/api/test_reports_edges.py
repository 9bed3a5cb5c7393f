"""The reports on the hard cases, February 2025 (a vitamin A round), every number worked out by hand
(domain.md; both databases). Posyandu Melati (p1) unless said; ages in completed months on 2025-02-28.

child  sex born        age  what happened                                                     Feb SKDN
A      M   2024-01-15  13   Jan 10 9.0 → Feb 10 9.3 kg (gain 300 ≥ KBM 200)                    N
V      F   2024-02-20  12   not weighed; blue capsule Feb 10, at 11 months (12 on Feb 20)      S only
W      M   2020-02-15  60   Jan 10 16.0, Feb 10 16.1: 60 months on Feb 15 → not under five in Feb (in Jan: 59)
X      F   2023-06-01  20   registered and weighed at Mawar (p2): Jan 10 10.0, Feb 5 10.0;     Mawar's T
                            then (today, long after February) moved to Melati: her weighings follow
                            her, but January and February count her, with them, at Mawar
Y      M   2023-09-10  17   registered twice: Y1 weighed Jan 10 10.0, Y2 Feb 10 10.3;          N
                            Y2 merged into Y1 → one child, Feb is N (was B on Y2)
Z      F   2024-06-01   8   weighed Feb 10 8.0, then deleted (registered by mistake)          nowhere
E      M   2023-03-01  23   first weighing Feb 10: 9.5 kg, 85 cm lying, oedema                 B
"""
from __future__ import annotations

import csv
import io
import uuid

import pytest

FEB, JAN = "2025-02", "2025-01"


@pytest.fixture
def february(client, world, make_child):
    def post(path, body, by="bidan_a"):
        resp = client.post(f"/api/v1/{path}", json={"id": str(uuid.uuid4()), **body}, headers=world.headers(by))
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()

    def weigh(child, on, kg, cm=None, oedema=False, by="bidan_a"):
        body = {"measured_on": on, "weight_kg": kg, "oedema": oedema}
        body.update({"length_height_cm": cm, "position": "lying"} if cm else {})
        return post(f"children/{child['id']}/measurements", body, by)

    kids = {k: make_child(name=f"Anak {k}", sex=sex, birth_date=born, has_kms=True) for k, (sex, born) in {
        "A": ("M", "2024-01-15"), "V": ("F", "2024-02-20"), "W": ("M", "2020-02-15"), "Z": ("F", "2024-06-01"),
        "E": ("M", "2023-03-01")}.items()}
    kids["X"] = make_child(by="kader2", posyandu="p2", name="Anak X", sex="F", birth_date="2023-06-01", has_kms=True)
    kids["Y1"] = make_child(name="Yusuf", sex="M", birth_date="2023-09-10", has_kms=True)
    kids["Y2"] = make_child(by="kader1b", name="Yusup", sex="M", birth_date="2023-09-10", has_kms=True)
    weigh(kids["A"], "2025-01-10", 9.0)
    weigh(kids["A"], "2025-02-10", 9.3)
    weigh(kids["W"], "2025-01-10", 16.0)
    weigh(kids["W"], "2025-02-10", 16.1)
    weigh(kids["X"], "2025-01-10", 10.0, by="kader2")
    weigh(kids["X"], "2025-02-05", 10.0, by="kader2")
    weigh(kids["Y1"], "2025-01-10", 10.0)
    weigh(kids["Y2"], "2025-02-10", 10.3)
    weigh(kids["Z"], "2025-02-10", 8.0)
    weigh(kids["E"], "2025-02-10", 9.5, 85.0, oedema=True)
    post(f"children/{kids['V']['id']}/supplements", {"kind": "vitamin_a_blue", "given_on": "2025-02-10"})
    moved = client.patch(f"/api/v1/children/{kids['X']['id']}", json={"posyandu_id": str(world.ids["p1"])},
                         headers=world.headers("bidan_a"))
    assert moved.status_code == 200, moved.get_json()
    merged = client.post(f"/api/v1/children/{kids['Y1']['id']}/merge", json={"duplicate_id": kids["Y2"]["id"]},
                         headers=world.headers("bidan_a"))
    assert merged.status_code == 200, merged.get_json()
    assert client.delete(f"/api/v1/children/{kids['Z']['id']}?reason=salah+daftar",
                         headers=world.headers("bidan_a")).status_code == 204
    return kids


def rows(client, world, report, query, who="bidan_a", lang="en"):
    resp = client.get(f"/api/v1/reports/{report}?{query}", headers=world.headers(who, lang))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["rows"]


def by_name(found):
    return {r["area_name"]: r for r in found}


SKDN_KEYS = ("S", "K", "D", "N", "T", "O", "B", "BGM", "2T", "D_prime")


def test_skdn_february_by_hand(client, world, february):
    got = by_name(rows(client, world, "skdn", f"month={FEB}"))
    melati, mawar = got["Melati"], got["Mawar"]
    # S: A V Y E = 4 (W is 60 months on Feb 28, Z deleted, Y2 merged into Y, X Mawar's then). D: A Y E = 3 =
    # N 2 (A, Y: 10.0 → 10.3 once merged) + T 0 + O 0 + B 1 (E). No BGM (E's oedema: no wfa), no 2T.
    assert tuple(melati[k] for k in SKDN_KEYS) == (4, 4, 3, 2, 0, 0, 1, 0, 0, 2)
    # K/S 4/4; D/S 3/4; D/K 3/4; N/D 2/3 = 66.67; N/D′ 2/2; N/S 2/4
    assert tuple(melati[k] for k in ("K_S", "D_S", "D_K", "N_D", "N_D_prime", "N_S")) == (
        100.0, 75.0, 75.0, 66.7, 100.0, 50.0)
    # Mawar's child moved away since, her weighings with her: February still counts her there, T
    # (X's January was her first weighing, B; no 2T)
    assert tuple(mawar[k] for k in SKDN_KEYS) == (1, 1, 1, 0, 1, 0, 0, 0, 0, 1) and mawar["D_S"] == 100.0


def test_skdn_january_counts_the_child_who_turned_five_in_february(client, world, february):
    (melati,) = [r for r in rows(client, world, "skdn", f"month={JAN}") if r["area_name"] == "Melati"]
    # S: A (12 on Jan 15) V W (59) Y E = 5 (X Mawar's); D: A W Y = 3, every one a first weighing (B).
    assert tuple(melati[k] for k in ("S", "D", "N", "T", "O", "B")) == (5, 3, 0, 0, 0, 3)


def test_f1_february_by_hand(client, world, february):
    cells = {(r["sex"], r["age_group"]): r for r in rows(client, world, "f1", f"month={FEB}&posyandu_id={world.ids['p1']}")}
    total = cells[("all", "0-59")]
    # every child is 12-23 months (A 13, V 12, Y 17, E 23; X Mawar's in February); boys A Y E, girl V
    assert (total["S"], cells[("all", "12-23")]["S"], cells[("M", "0-59")]["S"],
            cells[("F", "0-59")]["S"]) == (4, 4, 3, 1)
    # BB/U: E's oedema gives no weight-for-age but counts him below -3 SD (sangat kurang, WHO anthro, as the
    # prevalence), the others are normal; V's blue capsule counted; no S36 (born 2022-02)
    assert (total["bb_u_sangat_kurang"], total["bb_u_kurang"], total["vitamin_a_blue"], total["vitamin_a_red"],
            total["S36"]) == (1, 0, 1, 0, 0)
    girls = cells[("F", "12-23")]
    assert (girls["S"], girls["D"], girls["T"], girls["vitamin_a_blue"]) == (1, 0, 0, 0)  # V
    # V's capsule is counted by her age on the day given: 11 months on Feb 10 (12 on Feb 20) → girls 6-11,
    # a row where she is not in S (12 months on Feb 28)
    assert (cells[("F", "6-11")]["S"], cells[("F", "6-11")]["vitamin_a_blue"]) == (0, 1)


def test_prevalence_february_by_hand(client, world, february):
    t = rows(client, world, "prevalence", f"month={FEB}&posyandu_id={world.ids['p1']}")[0]
    # measured A Y E = 3 (X Mawar's in February). Only E has a length (85 cm at 23 months: TB/U normal);
    # his oedema makes him severely wasted (BB/TB denominator 1) and, though he has no weight-for-age
    # z-score, severely underweight: WHO anthro's prevalence counts an oedematous child below -3 SD of
    # weight-for-age too (zwei_aux = -3.1).
    # BB/U of A Y E: E alone → 1/3 = 33.3 %.
    assert (t["measured"], t["tb_u_n"], t["stunted"], t["bb_tb_n"], t["wasted"], t["severely_wasted"],
            t["bb_u_n"], t["underweight"], t["severely_underweight"], t["flagged"]) == (3, 1, 0, 1, 1, 1, 3, 1, 1, 0)
    assert (t["stunting_pct"], t["wasting_pct"], t["underweight_pct"]) == (0.0, 100.0, 33.3)


def test_vitamin_a_february_round_by_hand(client, world, february):
    cov = {r["indicator"]: r for r in rows(client, world, "coverage", f"month={FEB}&posyandu_id={world.ids['p1']}")}
    blue, red = cov["Vitamin A (blue) February 2025"], cov["Vitamin A (red) February 2025"]
    # V had her capsule of the round (blue, Feb 10, at 11 months): target and covered in the blue band → 1/1.
    # The others had none: each in the band due on Melati's meeting day, Feb 5 — red (12-59 months) for
    # A (12 on Jan 15), W (59: 60 only on Feb 15, so due that day though not in February's S), Y (16)
    # and E (23) → 0/4 (X, 20, Mawar's in February: due on Mawar's day).
    assert (blue["target"], blue["covered"], blue["coverage_pct"]) == (1, 1, 100.0)
    assert (red["target"], red["covered"], red["coverage_pct"]) == (4, 0, 0.0)


@pytest.mark.parametrize("report", ["skdn", "f1", "prevalence", "coverage"])
def test_csv_and_xlsx_carry_the_json_numbers(client, world, february, report):
    from openpyxl import load_workbook

    from posyandu.reports.columns import REPORTS, cell

    query = f"from={JAN}&to={FEB}&level=desa"
    # a download is in Indonesian whatever the language asked (its headers are): as the JSON in Indonesian
    expected = [[cell(c, r) for c in REPORTS[report][1]] for r in rows(client, world, report, query, lang="id")]
    resp = client.get(f"/api/v1/reports/{report}?{query}&format=xlsx", headers=world.headers("bidan_a"))
    sheet = list(load_workbook(io.BytesIO(resp.data)).active.iter_rows(min_row=2, values_only=True))
    assert [list(r) for r in sheet] == expected
    resp = client.get(f"/api/v1/reports/{report}?{query}&format=csv", headers=world.headers("bidan_a"))
    body = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))[1:]
    assert body == [["" if v is None else str(v) for v in r] for r in expected]
    assert len(expected) > 1


def test_a_dose_entered_twice_the_same_day_is_one_dose_given(client, world, february):
    """Two phones record A's OPV 1 on Feb 10 (kept, the second flagged a possible duplicate): one child got
    one dose, so the month's count of OPV 1 given is 1 (it said 2); coverage counts A once either way."""
    ids = []
    for by in ("kader1", "kader1b"):
        resp = client.post(f"/api/v1/children/{february['A']['id']}/immunisations", headers=world.headers(by), json={
            "id": str(uuid.uuid4()), "vaccine": "OPV", "dose": 1, "given_on": "2025-02-10", "batch_number": "T1",
            "place": "posyandu"})
        assert resp.status_code == 201, resp.get_json()
        ids.append(resp.get_json())
    assert ids[1]["possible_duplicate_of"] == ids[0]["id"]
    cov = {r["indicator"]: r for r in rows(client, world, "coverage", f"month={FEB}&posyandu_id={world.ids['p1']}")}
    # OPV 1 (1 month): target A V Y E = 4 (X Mawar's in February), covered A alone; given in February: A's one dose
    assert (cov["OPV 1"]["target"], cov["OPV 1"]["covered"], cov["OPV 1"]["given_in_period"]) == (4, 1, 1)


def test_a_vitamin_a_round_is_named_by_its_month_in_the_answers_language(client, world, february):
    """The rounds read "Vitamin A biru 2025-02" in both languages (the English screen too); a
    download stays Indonesian, as its headers are."""
    query = f"month={FEB}&posyandu_id={world.ids['p1']}"
    names = {lang: [r["indicator"] for r in rows(client, world, "coverage", query, lang=lang) if r["round"]]
             for lang in ("id", "en")}
    assert names == {"id": ["Vitamin A biru Februari 2025", "Vitamin A merah Februari 2025"],
                     "en": ["Vitamin A (blue) February 2025", "Vitamin A (red) February 2025"]}
    resp = client.get(f"/api/v1/reports/coverage?{query}&format=csv", headers=world.headers("bidan_a", "en"))
    assert "Vitamin A biru Februari 2025" in resp.data.decode("utf-8-sig")


def test_idl_and_baduta_are_spelled_out_in_the_answers_language(client, world):
    """IDL and Baduta Lengkap are named in full in each language, the abbreviation kept as the reports
    say it (it read "IDL" and "Baduta Lengkap" in English too); the CSV and XLSX downloads and the
    workbook stay Indonesian, as their headers are."""
    from openpyxl import load_workbook

    query = f"month={FEB}&posyandu_id={world.ids['p1']}"
    names = {lang: {r["kind"]: r["indicator"] for r in rows(client, world, "coverage", query, lang=lang)
                    if r["kind"] in ("idl", "baduta")} for lang in ("id", "en")}
    assert names == {"id": {"idl": "Imunisasi Dasar Lengkap (IDL)", "baduta": "Imunisasi Baduta Lengkap"},
                     "en": {"idl": "Complete basic immunisation (IDL)",
                            "baduta": "Complete under-two immunisation (Baduta)"}}
    headers = world.headers("bidan_a", "en")
    text = client.get(f"/api/v1/reports/coverage?{query}&format=csv", headers=headers).data.decode("utf-8-sig")
    assert "Imunisasi Dasar Lengkap (IDL)" in text and "Imunisasi Baduta Lengkap" in text
    assert "Complete" not in text
    for path in (f"reports/coverage?{query}&format=xlsx", f"reports/workbook?{query}"):
        book = load_workbook(io.BytesIO(client.get(f"/api/v1/{path}", headers=headers).data))
        cells = {c for row in book["Cakupan imunisasi"].iter_rows(values_only=True) for c in row}
        assert {"Imunisasi Dasar Lengkap (IDL)", "Imunisasi Baduta Lengkap"} <= cells, path
