"""A kabupaten/kota with its own vitamin A and deworming rounds (domain.md: "a district may move a
round, so the months are configuration"): published in a schedule version, then used for the children
of that kabupaten by the card, the due list, the capsule checks and vitamin A coverage (both databases).

The version below (in force from 2024-06-01) moves Gresik (35.25: posyandu Melati p1, meeting day 5)
to vitamin A rounds in March and September and deworming in March; Bangkalan (35.26: posyandu Kenanga
p3, meeting day 9) keeps the national February and August.
"""
from __future__ import annotations

import copy
import uuid

import pytest

from tests.api.test_immunisation_api import card

SCHEDULE = "/api/v1/immunisation/schedule"


def document(client, world):
    resp = client.get(SCHEDULE, headers=world.headers("admin"))
    assert resp.status_code == 200, resp.get_json()
    return copy.deepcopy(resp.get_json()["document"])


def publish(client, world, vitamin_a, deworming, status=201):
    doc = document(client, world)
    doc.update(version="2024.3-gresik", valid_from="2024-06-01")
    doc["supplements"]["vitamin_a"]["round_months_by_area"] = vitamin_a
    doc["supplements"]["deworming"]["round_months_by_area"] = deworming
    resp = client.post(SCHEDULE + "/versions", json={"document": doc}, headers=world.headers("admin"))
    assert resp.status_code == status, resp.get_json()
    return resp.get_json()


@pytest.fixture
def gresik_moved(client, world):
    return publish(client, world, {"35.25": [9, 3]}, {"3525": [3]})


def supplement(client, world, child, kind, on, by, status=201, lang="en", **extra):
    resp = client.post(f"/api/v1/children/{child['id']}/supplements", json={
        "id": str(uuid.uuid4()), "kind": kind, "given_on": on, **extra}, headers=world.headers(by, lang=lang))
    assert resp.status_code == status, resp.get_json()
    return resp.get_json()


def test_the_rounds_of_a_kabupaten_are_published_and_read_back(client, world, gresik_moved):
    # kept as an entry's areas are, by the 4-digit code, months sorted
    assert gresik_moved["document"]["supplements"]["vitamin_a"]["round_months_by_area"] == {"3525": [3, 9]}
    assert gresik_moved["document"]["supplements"]["deworming"]["round_months_by_area"] == {"3525": [3]}
    read = client.get(f"{SCHEDULE}/versions/{gresik_moved['id']}", headers=world.headers("kader1")).get_json()
    assert read["document"] == gresik_moved["document"]
    in_force = client.get(SCHEDULE + "?on=2025-03-01", headers=world.headers("kader1")).get_json()
    assert in_force["version"] == "2024.3-gresik" and in_force["document"]["supplements"] == read["document"]["supplements"]
    # the national months are unchanged, and a version without any writes none
    assert read["document"]["supplements"]["vitamin_a"]["round_months"] == [2, 8]
    bundled = client.get(SCHEDULE + "?on=2024-05-01", headers=world.headers("kader1")).get_json()
    assert "round_months_by_area" not in bundled["document"]["supplements"]["vitamin_a"]


def test_bad_kabupaten_rounds_are_422_per_field_in_both_languages(client, world):
    doc = document(client, world)
    doc.update(version="2024.3-bad")
    doc["supplements"]["vitamin_a"]["round_months_by_area"] = {"Gresik": [3], "35.25": [3, 3]}
    doc["supplements"]["deworming"]["round_months_by_area"] = {"35.26": []}
    for lang, expected in (("en", {
        "document.supplements.vitamin_a.round_months_by_area": [
            "supplements.vitamin_a.round_months_by_area: 'Gresik' is not a kabupaten/kota code like '35.25'"],
        "document.supplements.vitamin_a.round_months_by_area[35.25]": [
            "supplements.vitamin_a.round_months_by_area[35.25] must be a non-empty list of distinct months 1-12"],
        "document.supplements.deworming.round_months_by_area[35.26]": [
            "supplements.deworming.round_months_by_area[35.26] must be a non-empty list of distinct months 1-12"],
    }), ("id", {
        "document.supplements.vitamin_a.round_months_by_area": [
            "supplements.vitamin_a.round_months_by_area: 'Gresik' bukan kode kabupaten/kota seperti '35.25'"],
        "document.supplements.vitamin_a.round_months_by_area[35.25]": [
            "supplements.vitamin_a.round_months_by_area[35.25] harus daftar bulan 1-12 yang tidak kosong "
            "dan tidak berulang"],
        "document.supplements.deworming.round_months_by_area[35.26]": [
            "supplements.deworming.round_months_by_area[35.26] harus daftar bulan 1-12 yang tidak kosong "
            "dan tidak berulang"],
    })):
        resp = client.post(SCHEDULE + "/versions", json={"document": doc}, headers=world.headers("admin", lang=lang))
        assert resp.status_code == 422 and resp.get_json()["errors"] == expected


def test_a_child_of_the_moved_kabupaten_is_due_in_march_not_february(client, world, make_child, gresik_moved):
    # Both born 2023-01-15: 25 completed months on 2025-02-15, 26 on 2025-03-15 (red capsule, deworming).
    gresik = make_child(name="Anak Gresik", birth_date="2023-01-15")
    bangkalan = make_child(by="kader3", posyandu="p3", name="Anak Bangkalan", birth_date="2023-01-15")
    due = lambda child, on: [(s["kind"], s["round"]) for s in card(client, world, child["id"], on, by="admin")[  # noqa: E731
        "supplements_due"]]
    assert due(gresik, "2025-02-15") == []
    assert due(gresik, "2025-03-15") == [("vitamin_a_red", "2025-03"), ("deworming", "2025-03")]
    assert due(gresik, "2025-09-15") == [("vitamin_a_red", "2025-09")]  # deworming in March only
    assert due(bangkalan, "2025-02-15") == [("vitamin_a_red", "2025-02"), ("deworming", "2025-02")]
    assert due(bangkalan, "2025-03-15") == []

    def due_list(posyandu, on):
        resp = client.get(f"/api/v1/posyandu/{world.ids[posyandu]}/due-list?date={on}", headers=world.headers("admin"))
        assert resp.status_code == 200, resp.get_json()
        return {r["name"]: [s["kind"] for s in r["supplements"]] for r in resp.get_json()["children"]}
    assert due_list("p1", "2025-02-05").get("Anak Gresik", []) == []
    assert due_list("p1", "2025-03-05")["Anak Gresik"] == ["vitamin_a_red", "deworming"]
    assert due_list("p3", "2025-02-09")["Anak Bangkalan"] == ["vitamin_a_red", "deworming"]
    assert due_list("p3", "2025-03-09").get("Anak Bangkalan", []) == []


def test_a_capsule_outside_the_kabupatens_round_is_refused_with_its_months(client, world, make_child, gresik_moved):
    gresik = make_child(name="Anak Gresik", birth_date="2023-01-15")
    bangkalan = make_child(by="kader3", posyandu="p3", name="Anak Bangkalan", birth_date="2023-01-15")
    refused = supplement(client, world, gresik, "vitamin_a_red", "2025-02-05", "bidan_a", status=422)
    assert refused["violations"] == [{"code": "not_round_month", "overridable": True,
                                      "message": "5 Feb 2025 is outside the round months (March, September)."}]
    refused = supplement(client, world, gresik, "vitamin_a_red", "2025-02-05", "bidan_a", status=422, lang="id")
    assert refused["violations"][0]["message"] == "5 Feb 2025 bukan bulan pemberian (Maret, September)."
    worm = supplement(client, world, gresik, "deworming", "2025-09-05", "bidan_a", status=422)
    assert worm["violations"][0]["message"] == "5 Sep 2025 is outside the round months (March)."
    supplement(client, world, gresik, "vitamin_a_red", "2025-03-05", "bidan_a")
    supplement(client, world, gresik, "deworming", "2025-03-05", "bidan_a")
    supplement(client, world, bangkalan, "vitamin_a_red", "2025-02-09", "bidan_b")
    refused = supplement(client, world, bangkalan, "vitamin_a_red", "2025-03-09", "bidan_b", status=422)
    assert [v["code"] for v in refused["violations"]] == ["not_round_month"]
    assert refused["violations"][0]["message"] == "9 Mar 2025 is outside the round months (February, August)."


def test_vitamin_a_coverage_counts_each_kabupaten_in_its_own_round_months(client, world, make_child, gresik_moved):
    """Worked by hand (completed months on the posyandu's meeting day of the month):

    child  posyandu (kabupaten)  born        Feb        Mar        what happened
    A      Melati (35.25)        2023-01-15  —          26 red     red capsule 2025-03-05
    B      Melati (35.25)        2024-07-20  —          7 blue     nothing
    E      Melati (35.25)        2022-06-01  —          33 red     red capsule 2025-02-05 (outside the round, excused)
    C      Kenanga (35.26)       2023-01-15  24 red     —          red capsule 2025-02-09
    D      Kenanga (35.26)       2024-07-20  6 blue     —          nothing

    February is a round in Bangkalan only: blue D (1 target, 0 covered), red C (1/1); E's February capsule is
    outside her kabupaten's rounds, so she is in no February target (nationally she would be red, covered).
    March is a round in Gresik only: blue B (1/0), red A given and E not (her February capsule is another
    month) → 2/1. Each kabupaten reads 0/0 in the other's round month.
    """
    melati = {k: make_child(name=f"Anak {k}", birth_date=born) for k, born in
              {"A": "2023-01-15", "B": "2024-07-20", "E": "2022-06-01"}.items()}
    kenanga = {k: make_child(by="kader3", posyandu="p3", name=f"Anak {k}", birth_date=born) for k, born in
               {"C": "2023-01-15", "D": "2024-07-20"}.items()}
    supplement(client, world, melati["A"], "vitamin_a_red", "2025-03-05", "bidan_a")
    supplement(client, world, melati["E"], "vitamin_a_red", "2025-02-05", "bidan_a",
               override_reason="sweeping sebelum putaran kabupaten")
    supplement(client, world, kenanga["C"], "vitamin_a_red", "2025-02-09", "bidan_b")

    def coverage(query):
        resp = client.get(f"/api/v1/reports/coverage?{query}&level=kabupaten", headers=world.headers("admin"))
        assert resp.status_code == 200, resp.get_json()
        return {(r["area"], r["kind"], r["round"]): (r["target"], r["covered"])
                for r in resp.get_json()["rows"] if r["kind"].startswith("vitamin_a")}

    february = {("35.25", "vitamin_a_blue", "2025-02"): (0, 0), ("35.25", "vitamin_a_red", "2025-02"): (0, 0),
                ("35.26", "vitamin_a_blue", "2025-02"): (1, 0), ("35.26", "vitamin_a_red", "2025-02"): (1, 1)}
    march = {("35.25", "vitamin_a_blue", "2025-03"): (1, 0), ("35.25", "vitamin_a_red", "2025-03"): (2, 1),
             ("35.26", "vitamin_a_blue", "2025-03"): (0, 0), ("35.26", "vitamin_a_red", "2025-03"): (0, 0)}
    assert coverage("month=2025-02") == february
    assert coverage("month=2025-03") == march
    assert coverage("from=2025-01&to=2025-04") == {**february, **march}  # a quarter holds both rounds
    assert coverage("month=2025-04") == {}  # a round nowhere
