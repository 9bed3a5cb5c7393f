"""LiLA (MUAC) and head circumference at the weighing table, on the server (both databases).

Kemenkes RI, Pedoman Pencegahan dan Tatalaksana Gizi Buruk pada Balita (2019), following WHO (2013):
for children 6-59 months, LiLA < 11.5 cm is a sign of gizi buruk (refer to the puskesmas), 11.5 to
< 12.5 cm of gizi kurang; under 6 months LiLA is not used. WHO head circumference-for-age below
-2 SD or above +2 SD: refer to a health worker. The rules themselves are checked against
tests/data/lila_head_cases.json in tests/unit/test_signs.py; here, that the measurement's answer,
the pull and the bidan's action list carry them, and that the reports' wasting does not move.
"""
from __future__ import annotations

import uuid
from datetime import date, timedelta

AUG = "2025-08"


def weigh(client, world, child, body, by="kader1"):
    resp = client.post(f"/api/v1/children/{child['id']}/measurements", json={"id": str(uuid.uuid4()), **body},
                       headers=world.headers(by))
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def test_a_two_year_olds_lila_of_11_cm_and_a_small_head_are_in_the_answer(client, world, make_child):
    # day 731, boy: LiLA 11.0 < 11.5 → gizi buruk. Head: WHO hcanthro.txt boys day 731 L 1, M 48.2536, S 0.02821
    # (42.0 / 48.2536 − 1) / 0.02821 = −4.59 → below −2 SD (not flagged: above −5).
    child = make_child(sex="M", birth_date=(date.today() - timedelta(days=731)).isoformat())
    m = weigh(client, world, child, {"measured_on": date.today().isoformat(), "weight_kg": 11.5, "muac_cm": 11.0,
                                     "head_circumference_cm": 42.0})
    assert (m["muac_sign"], m["head_sign"]) == ("gizi_buruk", "mikrosefali")
    assert m["zscores"]["hcfa"] == -4.59
    headers = world.headers("kader1")
    for muac, sign in ((11.5, "gizi_kurang"), (12.5, "normal"), (None, None)):
        edited = client.patch(f"/api/v1/measurements/{m['id']}", json={"muac_cm": muac, "base_version": m["version"]},
                              headers=headers)
        assert edited.status_code == 200, edited.get_json()
        m = edited.get_json()
        assert m["muac_sign"] == sign, muac
    pulled = client.get("/api/v1/sync/pull", headers=headers).get_json()["changes"]
    record = [c["record"] for c in pulled if c["id"] == m["id"]][-1]  # its latest version
    assert (record["muac_sign"], record["head_sign"]) == (None, "mikrosefali")


def test_lila_is_not_read_under_6_months(client, world, make_child):
    # 182 days: 182 / 30.4375 = 5.98 → 5 completed months; 183 days → 6.
    for days, sign in ((182, None), (183, "gizi_buruk")):
        child = make_child(sex="F", birth_date=(date.today() - timedelta(days=days)).isoformat())
        m = weigh(client, world, child, {"measured_on": date.today().isoformat(), "weight_kg": 6.5, "muac_cm": 11.0})
        assert (m["age_days"], m["muac_sign"], m["head_sign"]) == (days, sign, None)


def test_the_openapi_document_describes_the_signs(client):
    schema = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["Measurement"]["properties"]
    for name in ("muac_sign", "head_sign"):
        assert schema[name]["readOnly"] is True and "Kemenkes" in schema["muac_sign"]["description"]
    assert "WHO" in schema["head_sign"]["description"]


def _august(client, world, make_child):
    """A (boy, 11 months) normal by BB/PB, LiLA 11.0; C (boy, 11 months) LiLA 11.5; B (girl, 5 months) LiLA 11.0."""
    kids = {k: make_child(name=f"Anak {k}", sex=sex, birth_date=born)
            for k, sex, born in (("A", "M", "2024-08-15"), ("B", "F", "2025-03-01"), ("C", "M", "2024-08-15"))}
    visits = {k: weigh(client, world, kids[k], {"measured_on": "2025-08-10", "weight_kg": kg, "length_height_cm": cm,
                                                "position": "lying"}, by="bidan_a")
              for k, kg, cm in (("A", 9.3, 75.0), ("B", 7.0, 64.0), ("C", 9.3, 75.0))}
    return kids, visits


def test_the_bidans_action_list_names_a_child_with_a_lila_under_11_5_cm(client, world, make_child):
    kids, visits = _august(client, world, make_child)
    for k, muac in (("A", 11.0), ("B", 11.0), ("C", 11.5)):
        resp = client.patch(f"/api/v1/measurements/{visits[k]['id']}", json={"muac_cm": muac, "base_version": 1},
                            headers=world.headers("bidan_a"))
        assert resp.status_code == 200, resp.get_json()
    # a weight-only re-weighing later in August does not hide the month's LiLA
    weigh(client, world, kids["A"], {"measured_on": "2025-08-20", "weight_kg": 9.4}, by="bidan_a")
    growth = "&".join(f"reason={r}" for r in ("T", "2T", "BGM", "wasting", "stunting", "not_weighed_2_months",
                                              "muac_severe"))
    rows = client.get(f"/api/v1/reports/actions?month={AUG}&posyandu_id={world.ids['p1']}&{growth}",
                      headers=world.headers("bidan_a")).get_json()["items"]
    reasons = {r["name"]: r["reasons"] for r in rows}
    # A: LiLA 11.0 at 11 months; B is under 6 months (LiLA not used); C's 11.5 is gizi kurang, not buruk
    assert reasons.get("Anak A") == ["muac_severe"] and "Anak B" not in reasons and "Anak C" not in reasons
    only = client.get(f"/api/v1/reports/actions?month={AUG}&reason=muac_severe", headers=world.headers("bidan_a"))
    assert [r["name"] for r in only.get_json()["items"]] == ["Anak A"]
    csv = client.get(f"/api/v1/reports/actions?month={AUG}&format=csv", headers=world.headers("bidan_a"))
    assert "LiLA < 11,5 cm" in csv.get_data(as_text=True)


def test_the_reports_wasting_does_not_move_with_lila(client, world, make_child):
    """domain.md: wasting in reports = BB/PB-BB/TB gizi kurang or gizi buruk, or oedema; LiLA is not part of it."""
    _, visits = _august(client, world, make_child)
    query = f"month={AUG}&posyandu_id={world.ids['p1']}"

    def reports():
        return {name: client.get(f"/api/v1/reports/{name}?{query}", headers=world.headers("bidan_a")).get_json()["rows"]
                for name in ("prevalence", "f1", "skdn")}

    before = reports()
    for k in ("A", "B", "C"):
        resp = client.patch(f"/api/v1/measurements/{visits[k]['id']}", json={"muac_cm": 10.5, "base_version": 1},
                            headers=world.headers("bidan_a"))
        assert resp.status_code == 200, resp.get_json()
    after = reports()
    assert after == before
    total = after["prevalence"][0]
    assert (total["wasted"], total["severely_wasted"]) == (0, 0)  # A and C are gizi baik by BB/PB, B too
