"""SKDN, F1 Gizi, prevalence, coverage, action list and FHIR for a hand-built August 2025,
every expected number worked out by hand below (domain.md; both databases).

Posyandu Melati (p1, desa 35.25.01.2001, PKM Wringinanom, kecamatan 35.25.01, kabupaten 35.25).
Ages are completed calendar months on 2025-08-31, the month's last day.

child  sex born        age  group  visits (kg, cm)                           KMS    status of the Aug visit
A      M   2024-08-15  12   12-23  Jul 9.0 → Aug 10 9.3 kg, 75 cm lying       N      all normal
B      M   2024-08-15  12   12-23  Jun 9.2 → Jul 9.1 → Aug 10 9.0            T, 2T  BB/U normal
C      F   2025-04-10   4   0-5    Jun 5.5, (no July), Aug 10 6.5            O      BB/U normal
D      F   2025-02-01   6   6-11   first weighing Aug 10 5.0                 B      wfa −3.23: BGM, BB/U sangat kurang
E      M   2022-08-20  36   36-59  no KMS, not weighed; turns 36 m on Aug 20 (S36)
F      M   2020-08-31  60   —      weighed Aug 10 18.0: 60 months on Aug 31 → not under five, in no count
G      F   2020-09-01  59   36-59  Aug 10 14.0 kg, 95 cm standing            B      lhfa −2.97 pendek (stunted)
H      M   2023-05-15  27   24-35  Aug 10 10.0 kg, 88 cm standing            B      wfh −2.78 gizi kurang; wfa −2.08 kurang
I      F   2024-03-10  17   12-23  Aug 10 8.0 kg, 76 cm lying, oedema        B      oedema → wasted (severe); no BB/U
J      M   2023-11-01  21   12-23  Aug 10 11.0 kg, 60 cm lying               B      lhfa −8.79, wfl 7.8 flagged; wfa normal
L      F   2022-03-10  41   36-59  Aug 10 19.0 kg, 98 cm standing            B      wfh +2.72 gizi lebih (overweight)
Q      F   2023-08-05  24   24-35  never weighed; turns 2 on Aug 5
K      M   2024-08-15  12   12-23  Posyandu Mawar (p2): first weighing Aug 12 9.0 → B

Doses: A all IDL doses on time; B the same but MR 1 on 2025-08-20 (after the first birthday);
C HB0, BCG, OPV 1, OPV 2, DPT-HB-Hib 1, DPT-HB-Hib 2 (Aug 10); D HB0, BCG, OPV 1;
Q HB0, BCG, OPV 1, DPT-HB-Hib 1-4, MR 1, MR 2 (boosters at 18 months).
Vitamin A (August round): D a blue capsule, E a red one.
"""
from __future__ import annotations

import csv
import io
import json
import uuid

import pytest

AUG = "2025-08"
A_DOSES = [("HB0", 1, "2024-08-15"), ("BCG", 1, "2024-09-15"), ("OPV", 1, "2024-09-15"), ("OPV", 2, "2024-10-15"),
           ("OPV", 3, "2024-11-15"), ("OPV", 4, "2024-12-15"), ("DPT-HB-Hib", 1, "2024-10-15"),
           ("DPT-HB-Hib", 2, "2024-11-15"), ("DPT-HB-Hib", 3, "2024-12-15"), ("IPV", 1, "2024-12-15"),
           ("MR", 1, "2025-05-15")]
DOSES = {
    "A": A_DOSES,
    "B": A_DOSES[:-1] + [("MR", 1, "2025-08-20")],
    "C": [("HB0", 1, "2025-04-10"), ("BCG", 1, "2025-05-10"), ("OPV", 1, "2025-05-10"), ("OPV", 2, "2025-06-10"),
          ("DPT-HB-Hib", 1, "2025-06-10"), ("DPT-HB-Hib", 2, "2025-08-10")],
    "D": [("HB0", 1, "2025-02-01"), ("BCG", 1, "2025-03-01"), ("OPV", 1, "2025-03-01")],
    "Q": [("HB0", 1, "2023-08-05"), ("BCG", 1, "2023-09-05"), ("OPV", 1, "2023-09-05"), ("DPT-HB-Hib", 1, "2023-10-05"),
          ("DPT-HB-Hib", 2, "2023-11-05"), ("DPT-HB-Hib", 3, "2023-12-05"), ("MR", 1, "2024-05-05"),
          ("DPT-HB-Hib", 4, "2025-02-05"), ("MR", 2, "2025-02-05")],
}


@pytest.fixture
def august(client, world, make_child):
    def post(path, body, by="bidan_a"):
        resp = client.post(f"/api/v1/{path}", json={"id": str(uuid.uuid4()), **body}, headers=world.headers(by))
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()

    def weigh(child, on, kg, cm=None, position=None, oedema=False):
        body = {"measured_on": on, "weight_kg": kg, "oedema": oedema}
        body.update({"length_height_cm": cm, "position": position} if cm else {})
        return post(f"children/{child['id']}/measurements", body)

    spec = {"A": ("M", "2024-08-15"), "B": ("M", "2024-08-15"), "C": ("F", "2025-04-10"), "D": ("F", "2025-02-01"),
            "E": ("M", "2022-08-20"), "F": ("M", "2020-08-31"), "G": ("F", "2020-09-01"), "H": ("M", "2023-05-15"),
            "I": ("F", "2024-03-10"), "J": ("M", "2023-11-01"), "L": ("F", "2022-03-10"), "Q": ("F", "2023-08-05")}
    kids = {k: make_child(name=f"Anak {k}", sex=sex, birth_date=born, has_kms=k != "E") for k, (sex, born) in spec.items()}
    kids["K"] = make_child(by="kader2", posyandu="p2", name="Anak K", sex="M", birth_date="2024-08-15")
    weigh(kids["A"], "2025-07-10", 9.0)
    weigh(kids["A"], "2025-08-10", 9.3, 75.0, "lying")
    for on, kg in (("2025-06-10", 9.2), ("2025-07-10", 9.1), ("2025-08-10", 9.0)):
        weigh(kids["B"], on, kg)
    weigh(kids["C"], "2025-06-10", 5.5)
    weigh(kids["C"], "2025-08-10", 6.5)
    weigh(kids["D"], "2025-08-10", 5.0)
    weigh(kids["F"], "2025-08-10", 18.0)
    weigh(kids["G"], "2025-08-10", 14.0, 95.0, "standing")
    weigh(kids["H"], "2025-08-10", 10.0, 88.0, "standing")
    weigh(kids["I"], "2025-08-10", 8.0, 76.0, "lying", oedema=True)
    weigh(kids["J"], "2025-08-10", 11.0, 60.0, "lying")
    weigh(kids["L"], "2025-08-10", 19.0, 98.0, "standing")
    weigh(kids["K"], "2025-08-12", 9.0)
    for k, doses in DOSES.items():
        for vaccine, dose, on in doses:
            post(f"children/{kids[k]['id']}/immunisations", {"vaccine": vaccine, "dose": dose, "given_on": on,
                                                              "batch_number": "T1", "place": "posyandu"})
    post(f"children/{kids['D']['id']}/supplements", {"kind": "vitamin_a_blue", "given_on": "2025-08-10"})
    post(f"children/{kids['E']['id']}/supplements", {"kind": "vitamin_a_red", "given_on": "2025-08-10"})
    return kids


def get_rows(client, world, report, query, who="bidan_a"):
    resp = client.get(f"/api/v1/reports/{report}?{query}", headers=world.headers(who))
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    return body["rows"] if report != "actions" else body["items"]


def test_the_august_visits_have_the_statuses_the_table_assumes(client, world, august):
    # The hand counts below rest on these calculator results (checked against WHO elsewhere).
    def last(k):
        items = client.get(f"/api/v1/children/{august[k]['id']}/measurements", headers=world.headers("bidan_a")).get_json()["items"]
        return items[-1]
    assert (last("A")["trend"], last("B")["trend"], last("B")["two_t"], last("C")["trend"]) == ("N", "T", True, "O")
    assert (last("D")["trend"], last("D")["bgm"], last("D")["status"]["bb_u"]) == ("B", True, "sangat_kurang")
    assert last("G")["status"]["tb_u"] == "pendek" and last("G")["status"]["bb_u"] == "normal"
    assert (last("H")["status"]["bb_tb"], last("H")["status"]["bb_u"]) == ("gizi_kurang", "kurang")
    assert last("I")["zscores"]["wfa"] is None and last("I")["status"]["bb_tb"] is None
    assert last("J")["flags"]["lhfa"] and last("J")["flags"]["wfl"] and last("J")["status"]["bb_u"] == "normal"
    assert last("L")["status"]["bb_tb"] == "gizi_lebih" and last("L")["status"]["bb_u"] == "risiko_lebih"
    assert last("L")["referral"] and not (last("L")["bgm"] or last("L")["two_t"])


def test_skdn_of_melati_by_hand(client, world, august):
    (r,) = get_rows(client, world, "skdn", f"month={AUG}&posyandu_id={world.ids['p1']}")
    # S: A B C D E G H I J L Q = 11 (F is 60 months on Aug 31). K: all but E = 10.
    # D: A B C D G H I J L = 9 = N 1 (A) + T 1 (B) + O 1 (C) + B 6 (D G H I J L).
    assert (r["S"], r["K"], r["D"], r["N"], r["T"], r["O"], r["B"], r["BGM"], r["2T"]) == (11, 10, 9, 1, 1, 1, 6, 1, 1)
    # D′ = N + T = 2. K/S 10/11 = 90.9; D/S 9/11 = 81.8; D/K 9/10 = 90.0; N/D 1/9 = 11.1; N/D′ 1/2 = 50.0; N/S 1/11 = 9.1
    assert r["D_prime"] == 2
    assert (r["K_S"], r["D_S"], r["D_K"], r["N_D"], r["N_D_prime"], r["N_S"]) == (90.9, 81.8, 90.0, 11.1, 50.0, 9.1)
    assert (r["month"], r["area"], r["area_name"]) == (AUG, str(world.ids["p1"]), "Melati")


@pytest.mark.parametrize("level, area, name", [("desa", "35.25.01.2001", "Sumbergede"), ("kecamatan", "35.25.01", "Wringinanom"),
                                               ("kabupaten", "35.25", "Gresik")])
def test_skdn_rolls_up_by_hand(client, world, august, level, area, name):
    rows = {r["area"]: r for r in get_rows(client, world, "skdn", f"month={AUG}&level={level}", "dinkes_gresik")}
    # Melati alone is desa 35.25.01.2001; kecamatan and kabupaten add Mawar's K: S 11 + 1, D 9 + 1, B 6 + 1.
    plus = 0 if level == "desa" else 1
    assert (rows[area]["S"], rows[area]["D"], rows[area]["B"], rows[area]["area_name"]) == (11 + plus, 9 + plus, 6 + plus, name)


def test_skdn_for_a_range_gives_a_row_per_month(client, world, august):
    rows = get_rows(client, world, "skdn", f"from=2025-06&to={AUG}&level=puskesmas")
    # June: weighed B (9.2, first: B), C (5.5, first: B) → D 2, B 2. July: A (B), B (T, 9.2 → 9.1; no 2T yet) → D 2.
    assert [(r["month"], r["D"], r["B"], r["T"], r["2T"]) for r in rows] == [
        ("2025-06", 2, 2, 0, 0), ("2025-07", 2, 1, 1, 0), (AUG, 10, 7, 1, 1)]


def cell(rows, sex, age):
    return next(r for r in rows if (r["sex"], r["age_group"]) == (sex, age))


def test_f1_gizi_of_melati_by_hand(client, world, august):
    rows = get_rows(client, world, "f1", f"month={AUG}&posyandu_id={world.ids['p1']}")
    # 18 rows: total, 2 sexes, 5 age groups × (both sexes, M, F).
    assert len(rows) == 18
    total = cell(rows, "all", "0-59")
    # As SKDN, plus BB/U sangat kurang D and I (oedema: below -3 SD, WHO anthro), kurang H; S36 E (36 months on
    # Aug 20); vitamin A blue D, red E.
    assert {k: total[k] for k in ("S", "K", "D", "N", "T", "O", "B", "BGM", "2T", "bb_u_sangat_kurang", "bb_u_kurang",
                                  "S36", "vitamin_a_blue", "vitamin_a_red")} == {
        "S": 11, "K": 10, "D": 9, "N": 1, "T": 1, "O": 1, "B": 6, "BGM": 1, "2T": 1, "bb_u_sangat_kurang": 2,
        "bb_u_kurang": 1, "S36": 1, "vitamin_a_blue": 1, "vitamin_a_red": 1}
    # Boys A B E H J = 5, girls C D G I L Q = 6.
    assert (cell(rows, "M", "0-59")["S"], cell(rows, "F", "0-59")["S"]) == (5, 6)
    # Boys 12-23: A (N), B (T, 2T), J (B).
    m12 = cell(rows, "M", "12-23")
    assert (m12["S"], m12["D"], m12["N"], m12["T"], m12["B"], m12["2T"]) == (3, 3, 1, 1, 1, 1)
    # Girls 6-11: D alone — weighed first time, BGM, sangat kurang, blue capsule.
    f6 = cell(rows, "F", "6-11")
    assert (f6["S"], f6["D"], f6["B"], f6["BGM"], f6["bb_u_sangat_kurang"], f6["vitamin_a_blue"]) == (1, 1, 1, 1, 1, 1)
    # Boys 36-59: E — no KMS, not weighed, S36. His red capsule (Aug 10) is counted by his age that day,
    # 35 months (36 on Aug 20): in boys 24-35, where H is the child in S.
    m36 = cell(rows, "M", "36-59")
    assert (m36["S"], m36["K"], m36["D"], m36["S36"], m36["vitamin_a_red"]) == (1, 0, 0, 1, 0)
    m24 = cell(rows, "M", "24-35")
    assert (m24["S"], m24["vitamin_a_red"]) == (1, 1)
    # Age groups over both sexes: 0-5 C; 6-11 D; 12-23 A B I J; 24-35 H Q; 36-59 E G L.
    assert [cell(rows, "all", g)["S"] for g in ("0-5", "6-11", "12-23", "24-35", "36-59")] == [1, 1, 4, 2, 3]


def test_prevalence_of_melati_by_hand(client, world, august):
    rows = get_rows(client, world, "prevalence", f"month={AUG}&posyandu_id={world.ids['p1']}")
    assert [(r["sex"], r["age_group"]) for r in rows] == [
        ("all", "0-59"), ("M", "0-59"), ("F", "0-59"), ("all", "0-5"), ("all", "6-11"), ("all", "12-23"),
        ("all", "24-35"), ("all", "36-59")]
    t = rows[0]
    # Measured in August and under five: A B C D G H I J L = 9; J has flagged values.
    assert (t["measured"], t["flagged"]) == (9, 1)
    # TB/U: A G H I L have one (J flagged → left out, counted in flagged_tb_u); stunted G → 1/5 = 20.0 %.
    assert (t["tb_u_n"], t["stunted"], t["severely_stunted"], t["flagged_tb_u"], t["stunting_pct"]) == (5, 1, 0, 1, 20.0)
    # BB/TB: A G H L + I (oedema counts) = 5; wasted H + I = 2 → 40.0 %; severe I; overweight L → 20.0 %; J flagged.
    assert (t["bb_tb_n"], t["wasted"], t["severely_wasted"], t["overweight"], t["flagged_bb_tb"]) == (5, 2, 1, 1, 1)
    assert (t["wasting_pct"], t["overweight_pct"]) == (40.0, 20.0)
    # BB/U: all 9, I too: her oedema leaves her no weight z-score but counts her below -3 SD (WHO anthro's
    # prevalence, zwei_aux = -3.1); underweight D + H + I = 3 → 33.3 %; severe D + I.
    assert (t["bb_u_n"], t["underweight"], t["severely_underweight"], t["underweight_pct"]) == (9, 3, 2, 33.3)
    boys, girls = rows[1], rows[2]
    # Boys A B H J: TB/U A H → 0/2; BB/TB A H → wasted H 1/2 = 50.0; BB/U A B H J → H 1/4 = 25.0.
    assert (boys["stunting_pct"], boys["wasting_pct"], boys["underweight_pct"], boys["overweight_pct"]) == (0.0, 50.0, 25.0, 0.0)
    # Girls C D G I L: TB/U G I L → G 1/3 = 33.3; BB/TB G I L → I 1/3 = 33.3, L 1/3 = 33.3; BB/U C D G I L → D I 2/5.
    assert (girls["stunting_pct"], girls["wasting_pct"], girls["underweight_pct"], girls["overweight_pct"]) == (33.3, 33.3, 40.0, 33.3)
    by_age = {r["age_group"]: r for r in rows[3:]}
    # 12-23: A B I J — wasted I of A I = 50.0; underweight I (oedema) of A B I J = 25.0; J flagged.
    assert (by_age["12-23"]["measured"], by_age["12-23"]["wasting_pct"], by_age["12-23"]["underweight_pct"],
            by_age["12-23"]["flagged"]) == (4, 50.0, 25.0, 1)
    # 36-59: G L — stunted G 1/2; overweight L 1/2. 6-11: D underweight 1/1, no length → no stunting figure.
    assert (by_age["36-59"]["stunting_pct"], by_age["36-59"]["overweight_pct"]) == (50.0, 50.0)
    assert (by_age["6-11"]["underweight_pct"], by_age["6-11"]["stunting_pct"]) == (100.0, None)



def test_a_weight_only_reweighing_later_in_the_month_keeps_the_months_length(client, world, august):
    # G (stunted) and H (wasted) are weighed again on Aug 20, weight only (the same weights): their TB/U and
    # BB/TB still come from the Aug 10 measurement with a length, their BB/U from the latest weighing (BB/U
    # 9 and underweight 3 with I's oedema, as in test_prevalence_of_melati_by_hand).
    for k, kg in (("G", 14.0), ("H", 10.0)):
        resp = client.post(f"/api/v1/children/{august[k]['id']}/measurements", headers=world.headers("bidan_a"),
                           json={"id": str(uuid.uuid4()), "measured_on": "2025-08-20", "weight_kg": kg})
        assert resp.status_code == 201, resp.get_json()
    t = get_rows(client, world, "prevalence", f"month={AUG}&posyandu_id={world.ids['p1']}")[0]
    assert (t["measured"], t["tb_u_n"], t["stunted"], t["bb_tb_n"], t["wasted"], t["bb_u_n"], t["underweight"]) == (
        9, 5, 1, 5, 2, 9, 3)
    reasons = {r["name"]: r["reasons"] for r in get_rows(client, world, "actions", f"month={AUG}&reason=wasting&reason=stunting")}
    assert reasons == {"Anak G": ["stunting"], "Anak H": ["wasting"], "Anak I": ["wasting"]}

def test_coverage_of_melati_by_hand(client, world, august):
    rows = {r["indicator"]: r for r in get_rows(client, world, "coverage", f"month={AUG}&posyandu_id={world.ids['p1']}")}
    pick = lambda name: (rows[name]["target"], rows[name]["covered"], rows[name]["coverage_pct"], rows[name]["given_in_period"])  # noqa: E731
    # Target = the 11 children under five on Aug 31 who reached the dose's recommended age by then (one past
    # the dose's maximum age without it among them, uncovered: a child the programme did not reach).
    # BCG (1 month): all 11; given to A B C D Q → 5/11 = 45.5 % (E G H I J L, past their first birthday without
    # it, can no longer have it: they stay uncovered); none given in August.
    assert pick("BCG") == (11, 5, 45.5, 0)
    # DPT-HB-Hib 2 (3 months): all 11 (C is 4 months); A B C Q → 4/11 = 36.4 %; C's dose was in August.
    assert pick("DPT-HB-Hib 2") == (11, 4, 36.4, 1)
    # MR 1 (9 months): not C (4) or D (6) → 9; A B Q → 3/9 = 33.3 %; B's dose (Aug 20) in August.
    assert pick("MR 1") == (9, 3, 33.3, 1)
    # DPT-HB-Hib 4 (18 months: born by 2024-02-29): E G H J L Q → 6; Q → 1/6 = 16.7 %.
    assert pick("DPT-HB-Hib 4") == (6, 1, 16.7, 0)
    # JE is for endemic kabupaten only (Bali): offered nowhere in Gresik, it has no row.
    assert "JE" not in rows
    # IDL: first birthday in August: A and B (Aug 15); A had all 11 IDL doses before it, B's MR 1 came after → 1/2.
    assert pick("Complete basic immunisation (IDL)")[:3] == (2, 1, 50.0)
    # Baduta Lengkap: second birthday in August: Q (Aug 5), boosters at 18 months → 1/1.
    assert pick("Complete under-two immunisation (Baduta)")[:2] == (1, 1)
    # Vitamin A, August round. Given a capsule: D blue (6 months on Aug 10), E red → each in its band, covered.
    # The others by what is due on Melati's meeting day, Aug 5: A and B are 11 months (12 on Aug 15), never had
    # a blue → blue; C (3) nothing; F 59 months (60 on Aug 31), G 59, H 26, I 16, J 21, L 40, Q 24 (Aug 5) → red.
    # Blue D A B = 3, covered D → 1/3 = 33.3 %; red E F G H I J L Q = 8, covered E → 1/8 = 12.5 %.
    assert (rows["Vitamin A (blue) August 2025"]["target"], rows["Vitamin A (blue) August 2025"]["covered"],
            rows["Vitamin A (blue) August 2025"]["coverage_pct"]) == (3, 1, 33.3)
    assert (rows["Vitamin A (red) August 2025"]["target"], rows["Vitamin A (red) August 2025"]["covered"],
            rows["Vitamin A (red) August 2025"]["coverage_pct"]) == (8, 1, 12.5)


def test_a_period_without_a_vitamin_a_round_has_no_vitamin_a_rows(client, world, august):
    rows = get_rows(client, world, "coverage", f"from=2025-06&to=2025-07&posyandu_id={world.ids['p1']}")
    assert not [r for r in rows if r["kind"].startswith("vitamin_a")]
    # IDL cohort June-July: nobody of ours had a first birthday then.
    assert next(r for r in rows if r["kind"] == "idl")["target"] == 0


def test_the_bidans_action_list_by_hand(client, world, august):
    growth = "&".join(f"reason={r}" for r in ("T", "2T", "BGM", "overweight_risk", "wasting", "stunting",
                                               "not_weighed_2_months"))
    rows = get_rows(client, world, "actions", f"month={AUG}&{growth}")
    # Looking at July-August: B T and 2T; D BGM; E and Q never weighed; G stunted; H and I wasted (I: oedema);
    # L above the KMS's orange line (girl, 41 months, 19.0 kg: WHO's table for girls at 41 months: +1 SD 16.9 kg, +2 SD
    # 19.5 kg; domain.md: referral, like BGM and 2T). A (N, normal), C (O, normal), J (flagged) and K need
    # no follow-up.
    assert [(r["name"], r["reasons"]) for r in rows] == [
        ("Anak B", ["T", "2T"]), ("Anak D", ["BGM"]), ("Anak E", ["not_weighed_2_months"]), ("Anak G", ["stunting"]),
        ("Anak H", ["wasting"]), ("Anak I", ["wasting"]), ("Anak L", ["overweight_risk"]),
        ("Anak Q", ["not_weighed_2_months"])]
    assert rows[0]["weighed_on"] == "2025-08-10" and rows[2]["last_weighed_on"] is None
    # the download says it in the bidan's words, and the counts count it
    resp = client.get(f"/api/v1/reports/actions?month={AUG}&reason=overweight_risk&format=csv",
                      headers=world.headers("bidan_a"))
    (header, row), = [list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))]
    assert row[header.index("Nama anak")] == "Anak L" and row[header.index("Alasan")] == "BB/U > +1 SD"
    counts = client.get(f"/api/v1/reports/actions/counts?month={AUG}&posyandu_id={world.ids['p1']}",
                        headers=world.headers("bidan_a")).get_json()
    assert counts["reasons"]["overweight_risk"] == 1
    # C's overdue doses on Aug 31 (more than a month past due): OPV 3 due Jul 10, PCV 1 and RV 1 due Jun 10.
    # OPV 4, PCV 2, RV 2 wait for the dose before; DPT-HB-Hib 3 is due Sep 7 (4 weeks after Aug 10); IPV 1 due Aug 10.
    overdue = {r["name"]: r["overdue_immunisations"] for r in get_rows(client, world, "actions",
                                                                        f"month={AUG}&reason=overdue_immunisation")}
    assert overdue["Anak C"] == ["OPV 3", "PCV 1", "RV 1"]


def test_a_dose_after_a_late_one_is_catch_up_in_the_fhir_bundle(client, world, make_child):
    """Imunisasi kejar is for a child who did not get a dose at the age the schedule sets (Permenkes
    12/2017). A boy born 2025-01-10 got DPT-HB-Hib 1 at 6 months (recommended at 2: overdue from
    2025-04-10) and dose 2 on 2025-08-10, recommended at 3 months (2025-04-10), overdue from
    2025-05-10. Dose 2 was called ideal: it came when the card, moved by the late dose 1, said it
    was due."""
    boy = make_child(name="Anak Kejar", sex="M", birth_date="2025-01-10")
    for dose, on in ((1, "2025-07-10"), (2, "2025-08-10")):
        resp = client.post(f"/api/v1/children/{boy['id']}/immunisations",
                           json={"id": str(uuid.uuid4()), "vaccine": "DPT-HB-Hib", "dose": dose, "given_on": on,
                                 "batch_number": "T1", "place": "posyandu"}, headers=world.headers("bidan_a"))
        assert resp.status_code == 201, resp.get_json()
    timing = {}
    for month in ("2025-07", "2025-08"):
        resp = client.get(f"/api/v1/exports/fhir?month={month}&posyandu_id={world.ids['p1']}",
                          headers=world.headers("bidan_a"))
        timing.update({r["resource"]["occurrenceDateTime"]: r["resource"]["reasonCode"][0]["coding"][1]["code"]
                       for r in json.loads(resp.data)["entry"] if r["resource"]["resourceType"] == "Immunization"})
    assert timing == {"2025-07-10": "IM-Kejar", "2025-08-10": "IM-Kejar"}


def test_a_dose_past_its_maximum_age_is_catch_up_in_the_fhir_bundle(client, world, make_child):
    """HB0 is due at birth and allowed up to 7 days (the schedule's max_age): for a girl born
    2024-03-01 the last allowed day is 2024-03-08. Given that day it is on time (IM-Ideal); given on
    2024-03-20, on a bidan's override of the after_max_age rule, it is late (IM-Kejar), though less
    than a month past its recommended day 0 — it was called IM-Ideal."""
    for name, on in (("Tepat", "2024-03-08"), ("Telat", "2024-03-20")):
        girl = make_child(name=name, sex="F", birth_date="2024-03-01")
        resp = client.post(f"/api/v1/children/{girl['id']}/immunisations",
                           json={"id": str(uuid.uuid4()), "vaccine": "HB0", "dose": 1, "given_on": on,
                                 "batch_number": "T1", "place": "posyandu", "override_reason": "lahir di rumah"},
                           headers=world.headers("bidan_a"))
        assert resp.status_code == 201, resp.get_json()
    resp = client.get(f"/api/v1/exports/fhir?month=2024-03&posyandu_id={world.ids['p1']}", headers=world.headers("bidan_a"))
    timing = {r["resource"]["occurrenceDateTime"]: r["resource"]["reasonCode"][0]["coding"][1]["code"]
              for r in json.loads(resp.data)["entry"] if r["resource"]["resourceType"] == "Immunization"}
    assert timing == {"2024-03-08": "IM-Ideal", "2024-03-20": "IM-Kejar"}


def test_csv_and_xlsx_have_indonesian_headers_and_numbers(client, world, august):
    from openpyxl import load_workbook

    query = f"month={AUG}&posyandu_id={world.ids['p1']}"
    resp = client.get(f"/api/v1/reports/skdn?{query}&format=csv", headers=world.headers("bidan_a"))
    assert resp.status_code == 200 and resp.mimetype == "text/csv" and "attachment" in resp.headers["Content-Disposition"]
    header, row = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert header[:6] == ["Bulan", "Kode/ID wilayah", "Nama wilayah", "S (balita terdaftar)", "K (punya KMS/Buku KIA)",
                          "D (ditimbang)"]
    assert row[:6] == [AUG, str(world.ids["p1"]), "Melati", "11", "10", "9"] and row[header.index("D/S (%)")] == "81.8"
    # for a spreadsheet set to Indonesian: semicolons, and the percentage with a decimal comma
    local = client.get(f"/api/v1/reports/skdn?{query}&format=csv&sep=semicolon", headers=world.headers("bidan_a"))
    header, row = list(csv.reader(io.StringIO(local.data.decode("utf-8-sig")), delimiter=";"))
    assert row[:6] == [AUG, str(world.ids["p1"]), "Melati", "11", "10", "9"] and row[header.index("D/S (%)")] == "81,8"
    bad = client.get(f"/api/v1/reports/skdn?{query}&format=csv&sep=tab", headers=world.headers("bidan_a"))
    assert bad.status_code == 422 and "sep" in bad.get_json()["errors"]
    resp = client.get(f"/api/v1/reports/f1?{query}&format=xlsx", headers=world.headers("bidan_a"))
    assert resp.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(resp.data))
    assert book.sheetnames == ["F1 Gizi"]
    values = list(book.active.iter_rows(values_only=True))
    assert values[0][:5] == ("Bulan", "Kode/ID wilayah", "Nama wilayah", "Jenis kelamin", "Kelompok umur (bulan)")
    assert values[1][3:7] == ("L+P", "0-59 bln", 11, 10) and isinstance(values[1][5], int)


def test_the_workbook_has_one_sheet_per_report(client, world, august):
    from openpyxl import load_workbook

    resp = client.get(f"/api/v1/reports/workbook?month={AUG}&posyandu_id={world.ids['p1']}", headers=world.headers("bidan_a"))
    book = load_workbook(io.BytesIO(resp.data))
    assert book.sheetnames == ["SKDN", "F1 Gizi", "Prevalensi gizi", "Cakupan imunisasi", "Daftar tindak lanjut"]
    pct = [r for r in book["Prevalensi gizi"].iter_rows(min_row=2, values_only=True)][0]
    assert 20.0 in pct and all(not isinstance(v, str) for v in pct[5:])


def test_the_fhir_bundle_validates_and_carries_loinc_ucum_and_cvx(client, world, august):
    from fhir.resources.R4B.bundle import Bundle

    from tests.support.fhir_r4 import assert_valid_r4

    resp = client.get(f"/api/v1/exports/fhir?month={AUG}&posyandu_id={world.ids['p1']}", headers=world.headers("bidan_a"))
    assert resp.status_code == 200 and resp.mimetype == "application/fhir+json"
    bundle = Bundle.model_validate_json(resp.data)
    assert_valid_r4(resp.data)  # R4B above; R4 (4.0.1) itself, SATUSEHAT's, by fhir.resources 6.4
    kinds = [e.resource.get_resource_type() for e in bundle.entry]
    # Children with an August measurement or dose: A B C D F G H I J L = 10 (E had only a capsule, Q nothing).
    # Observations: weight + length/height for A G H I J L (12), weight only for B C D F (4) = 16.
    # Immunizations in August: C's DPT-HB-Hib 2 and B's MR 1. One Location: Melati.
    assert (kinds.count("Location"), kinds.count("Patient"), kinds.count("Observation"), kinds.count("Immunization")) == (1, 10, 16, 2)
    data = json.loads(resp.data)
    by_id = {e["resource"]["id"]: e["resource"] for e in data["entry"]}
    a_obs = [r for r in by_id.values() if r["resourceType"] == "Observation" and r["subject"]["reference"] == f"urn:uuid:{august['A']['id']}"]
    assert sorted((o["code"]["coding"][0]["code"], o["valueQuantity"]["value"], o["valueQuantity"]["code"]) for o in a_obs) == [
        ("29463-7", 9.3, "kg"), ("8306-3", 75.0, "cm")]  # A is 12 months: length, lying
    g_len = [r for r in by_id.values() if r["resourceType"] == "Observation" and r["subject"]["reference"] == f"urn:uuid:{august['G']['id']}"
             and r["valueQuantity"]["code"] == "cm"]
    assert g_len[0]["code"]["coding"][0]["code"] == "8302-2"  # G is 59 months: height, standing
    doses = {r["vaccineCode"]["text"]: r for r in by_id.values() if r["resourceType"] == "Immunization"}
    assert doses["DPT-HB-Hib 2"]["vaccineCode"]["coding"][0] == {"system": "http://hl7.org/fhir/sid/cvx", "code": "198",
                                                                 "display": "DTP-hepB-Hib Pentavalent Non-US"}
    # C's DPT-HB-Hib 2 was due Jul 10 (3 months) and given Aug 10, not yet a month late → ideal;
    # B's MR 1 was due 2025-05-15 (9 months) and given Aug 20 → catch-up (kejar).
    assert doses["DPT-HB-Hib 2"]["reasonCode"][0]["coding"][1]["code"] == "IM-Ideal"
    assert doses["MR 1"]["reasonCode"][0]["coding"][1]["code"] == "IM-Kejar"
    # both basic immunisation (they count toward IDL): SATUSEHAT's programme reason, then the timing,
    # in one reasonCode as SATUSEHAT's Immunization example writes them
    for text in ("DPT-HB-Hib 2", "MR 1"):
        assert len(doses[text]["reasonCode"]) == 1
        assert doses[text]["reasonCode"][0]["coding"][0] == {
            "system": "http://terminology.kemkes.go.id/CodeSystem/immunization-reason", "code": "IM-Dasar",
            "display": "Imunisasi Program Rutin Dasar"}
    assert doses["MR 1"]["protocolApplied"] == [{"doseNumberPositiveInt": 1}] and doses["MR 1"]["lotNumber"] == "T1"
    patient = by_id[august["A"]["id"]]
    assert (patient["gender"], patient["birthDate"]) == ("male", "2024-08-15")
