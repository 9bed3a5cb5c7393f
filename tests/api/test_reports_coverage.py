"""Coverage and F1 Gizi against the rules a posyandu day applies (the due list, the capsule and dose
checks, the card), every number worked out by hand below (domain.md; both databases).

Posyandu Melati (p1), its meeting day moved to the 10th. Ages in completed calendar months.

Vitamin A (blue 6-11 months once, red 12-59, rounds February and August):

child  born        on 2025-02-10   on 2025-02-28   on 2025-08-10   what happened
E      2024-08-20   5 (too young)   6               11               blue capsule 2025-08-10
K      2024-02-20  11 (blue had)   12               17               blue capsule 2024-08-25 (at 6 months)
H      2024-08-05   6               6               12               nothing
G      2020-02-15  59              60               65               red capsule 2025-02-10
V      2024-02-20  11              12               —                blue capsule 2025-02-10 (F1 test alone)
"""
from __future__ import annotations

import uuid

import pytest


@pytest.fixture
def post(client, world):
    def post(path, body, by="bidan_a", status=201):
        resp = client.post(f"/api/v1/{path}", json={"id": str(uuid.uuid4()), **body}, headers=world.headers(by))
        assert resp.status_code == status, resp.get_json()
        return resp.get_json()
    return post


@pytest.fixture
def meeting_on_the_10th(client, world):
    resp = client.patch(f"/api/v1/posyandu/{world.ids['p1']}", json={"meeting_day": 10}, headers=world.headers("admin"))
    assert resp.status_code == 200 and resp.get_json()["meeting_day"] == 10, resp.get_json()


def report(client, world, name, month):
    resp = client.get(f"/api/v1/reports/{name}?month={month}&posyandu_id={world.ids['p1']}",
                      headers=world.headers("bidan_a"))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["rows"]


def vitamin_a(client, world, month):
    rows = {r["kind"]: r for r in report(client, world, "coverage", month) if r["kind"].startswith("vitamin_a")}
    return {k: (r["target"], r["covered"]) for k, r in rows.items()}


def due_supplements(client, world, on):
    resp = client.get(f"/api/v1/posyandu/{world.ids['p1']}/due-list?date={on}", headers=world.headers("bidan_a"))
    assert resp.status_code == 200, resp.get_json()
    return {r["name"]: [s["kind"] for s in r["supplements"] if s["kind"].startswith("vitamin_a")]
            for r in resp.get_json()["children"] if r["supplements"]}


def violations(problem):
    return [v["code"] for v in problem["violations"]]


def test_vitamin_a_target_is_who_the_due_list_names_on_the_meeting_day(client, world, make_child, post,
                                                                        meeting_on_the_10th):
    kids = {k: make_child(name=f"Anak {k}", sex="F", birth_date=born) for k, born in {
        "E": "2024-08-20", "K": "2024-02-20", "H": "2024-08-05", "G": "2020-02-15"}.items()}
    post(f"children/{kids['K']['id']}/supplements", {"kind": "vitamin_a_blue", "given_on": "2024-08-25"})

    # February, meeting day Feb 10: E is 5 months (too young), K 11 with her blue given (no red before 12),
    # H 6 (blue due), G 59 (red due). The due list, and the capsule checks, say so.
    assert due_supplements(client, world, "2025-02-10") == {"Anak H": ["vitamin_a_blue"],
                                                            "Anak G": ["vitamin_a_red"]}
    refused = post(f"children/{kids['E']['id']}/supplements", {"kind": "vitamin_a_blue", "given_on": "2025-02-10"},
                   status=422)
    assert violations(refused) == ["too_young"]
    refused = post(f"children/{kids['K']['id']}/supplements", {"kind": "vitamin_a_red", "given_on": "2025-02-10"},
                   status=422)
    assert violations(refused) == ["wrong_capsule_for_age"]
    post(f"children/{kids['G']['id']}/supplements", {"kind": "vitamin_a_red", "given_on": "2025-02-10"})
    # Blue: H alone, not given → 1 target, 0 covered (E, 6 months by Feb 28, and K, 12 by then, are in no
    # target: nothing was due to them). Red: G, given on Feb 10 at 59 months → 1/1, though 60 by Feb 28.
    assert vitamin_a(client, world, "2025-02") == {"vitamin_a_blue": (1, 0), "vitamin_a_red": (1, 1)}

    # August, meeting day Aug 10: E 11 months, never had a blue → blue due, given that day; K 17 → red;
    # H 12 (since Aug 5) → red; G 65 → nothing.
    assert due_supplements(client, world, "2025-08-10") == {"Anak E": ["vitamin_a_blue"], "Anak H": ["vitamin_a_red"],
                                                            "Anak K": ["vitamin_a_red"]}
    post(f"children/{kids['E']['id']}/supplements", {"kind": "vitamin_a_blue", "given_on": "2025-08-10"})
    # Blue: E, given (at 11 months; 12 on Aug 20, still the blue band: the capsule she got) → 1/1.
    # Red: K and H, not given → 2/0.
    assert vitamin_a(client, world, "2025-08") == {"vitamin_a_blue": (1, 1), "vitamin_a_red": (2, 0)}


def test_vitamin_a_of_a_child_too_young_on_the_meeting_day_or_born_after_it(client, world, make_child, post,
                                                                          meeting_on_the_10th):
    # Born 2024-08-15: 5 months on Feb 10 (6 on Feb 15): not due at the meeting, in no target, even though a
    # capsule given later in the month (say on a home visit, Feb 20, 6 months) would be allowed and counted.
    late = make_child(name="Anak L", sex="M", birth_date="2024-08-15")
    make_child(name="Anak N", sex="M", birth_date="2025-02-20")  # born after the meeting day
    assert vitamin_a(client, world, "2025-02") == {"vitamin_a_blue": (0, 0), "vitamin_a_red": (0, 0)}
    post(f"children/{late['id']}/supplements", {"kind": "vitamin_a_blue", "given_on": "2025-02-20"})
    assert vitamin_a(client, world, "2025-02") == {"vitamin_a_blue": (1, 1), "vitamin_a_red": (0, 0)}


def test_vitamin_a_target_leaves_out_a_child_who_left_by_the_meeting_day(client, world, make_child, post,
                                                                        meeting_on_the_10th):
    """August's round, meeting day Aug 10. Red is due to each child below (12-59 months). D died on Aug 3 and
    M moved away on Aug 10: neither is on that day's due list, yet both were counted in the round's target,
    unreached. L left on Aug 20, after the meeting: in the target, uncovered; R, who died on Aug 3 after a
    capsule on Aug 1 (a home visit), counts, reached."""
    kids = {k: make_child(name=f"Anak {k}", sex="M", birth_date="2023-03-01") for k in "DMLR"}
    post(f"children/{kids['R']['id']}/supplements", {"kind": "vitamin_a_red", "given_on": "2025-08-01"})
    for k, on, why in (("D", "2025-08-03", "died"), ("M", "2025-08-10", "moved_away"), ("L", "2025-08-20", "moved_away"),
                       ("R", "2025-08-03", "died")):
        left = client.patch(f"/api/v1/children/{kids[k]['id']}", json={"exit_date": on, "exit_reason": why},
                            headers=world.headers("bidan_a"))
        assert left.status_code == 200, left.get_json()
    assert due_supplements(client, world, "2025-08-10") == {"Anak L": ["vitamin_a_red"]}
    assert vitamin_a(client, world, "2025-08") == {"vitamin_a_blue": (0, 0), "vitamin_a_red": (2, 1)}


def test_f1_counts_capsules_by_the_age_on_the_day_given(client, world, make_child, post):
    g = make_child(name="Anak G", sex="M", birth_date="2020-02-15")
    v = make_child(name="Anak V", sex="F", birth_date="2024-02-20")
    # G: red on Feb 10 at 59 months (60 on Feb 15: not in February's S) → boys 36-59.
    # V: blue on Feb 10 at 11 months (12 on Feb 20: in S as 12-23) → girls 6-11.
    post(f"children/{g['id']}/supplements", {"kind": "vitamin_a_red", "given_on": "2025-02-10"})
    post(f"children/{v['id']}/supplements", {"kind": "vitamin_a_blue", "given_on": "2025-02-10"})
    cells = {(r["sex"], r["age_group"]): r for r in report(client, world, "f1", "2025-02")}
    pick = lambda sex, age: (cells[(sex, age)]["S"], cells[(sex, age)]["vitamin_a_blue"],  # noqa: E731
                             cells[(sex, age)]["vitamin_a_red"])
    assert pick("all", "0-59") == (1, 1, 1)  # S: V alone
    assert pick("M", "36-59") == (0, 0, 1)
    assert pick("F", "6-11") == (0, 1, 0)
    assert pick("F", "12-23") == (1, 0, 0)
    assert (pick("M", "0-59"), pick("F", "0-59"), pick("all", "36-59"), pick("all", "6-11")) == (
        (0, 0, 1), (1, 1, 0), (0, 0, 1), (0, 1, 0))


def dose_rows(client, world, month):
    return {r["indicator"]: (r["target"], r["covered"]) for r in report(client, world, "coverage", month)
            if r["kind"] == "dose"}


def test_a_child_past_a_doses_maximum_age_without_it_stays_in_its_target_uncovered(client, world, make_child, post):
    """Coverage is the share of the children who reached a dose's age that were given it. A child who
    passed its maximum age without it (HB0 after 7 days, BCG after the first birthday, RV after 6 months
    29 days) is one the programme did not reach: she stays in the target, uncovered. Left out, a
    posyandu that gave 5 of 11 children BCG read 100 %."""
    old = make_child(name="Anak O", sex="F", birth_date="2021-06-01")  # 45 months on 2025-03-31, no dose
    late = make_child(name="Anak P", sex="F", birth_date="2021-06-01")
    given = post(f"children/{late['id']}/immunisations", {
        "vaccine": "RV", "dose": 1, "given_on": "2025-03-03", "batch_number": "T1", "place": "posyandu"}, status=422)
    assert violations(given) == ["after_max_age"]
    post(f"children/{late['id']}/immunisations", {"vaccine": "RV", "dose": 1, "given_on": "2025-03-03",
                                                   "batch_number": "T1", "place": "posyandu",
                                                   "override_reason": "catatan dari klinik swasta"})
    got = dose_rows(client, world, "2025-03")
    # Both reached every dose's recommended age and are past HB0's, BCG's and RV's maximum ages: both in each
    # target. O has none of them; P was given RV 1 (overridden) → covered there alone.
    assert (got["HB0"], got["BCG"], got["RV 1"], got["RV 2"], got["RV 3"]) == ((2, 0), (2, 0), (2, 1), (2, 0), (2, 0))
    # DPT-HB-Hib 1 may be caught up until 59 months: both are still in its target, neither covered; OPV 1
    # has no maximum age.
    assert (got["DPT-HB-Hib 1"], got["OPV 1"]) == ((2, 0), (2, 0))
    # the card says the same of O
    card = client.get(f"/api/v1/children/{old['id']}/immunisation-card?on=2025-03-31", headers=world.headers("bidan_a"))
    status = {d["label"]: d["status"] for d in card.get_json()["doses"]}
    assert [status[k] for k in ("HB0", "BCG", "RV 1", "RV 2", "RV 3", "DPT-HB-Hib 1")] == [
        "missed", "missed", "missed", "missed", "missed", "overdue"]


def test_a_doses_last_day_is_the_cards_last_day_before_missed(client, world, make_child):
    # On 2025-03-31: HB0's last day is birth + 7 days → born 2025-03-24 is on it (due), born 2025-03-23 is
    # past it (Mar 30: missed). RV 1's last day is birth + 6 months + 29 days → born 2024-09-02:
    # 2025-03-02 + 29 days = 2025-03-31, on it; born 2024-09-01: 2025-03-30, past it.
    kids = {k: make_child(name=f"Anak {k}", birth_date=born) for k, born in {
        "H0": "2025-03-24", "H1": "2025-03-23", "R0": "2024-09-02", "R1": "2024-09-01"}.items()}
    got = dose_rows(client, world, "2025-03")
    # Coverage keeps them all, uncovered: HB0 (day 0) all four; RV 1 (2 months) R0 and R1 (H0, H1 too young).
    assert (got["HB0"], got["RV 1"]) == ((4, 0), (2, 0))
    statuses = {}
    for k, child in kids.items():
        card = client.get(f"/api/v1/children/{child['id']}/immunisation-card?on=2025-03-31",
                          headers=world.headers("bidan_a")).get_json()
        statuses[k] = {d["label"]: d["status"] for d in card["doses"]}
    assert [statuses[k]["HB0"] == "missed" for k in ("H0", "H1")] == [False, True]
    assert [statuses[k]["RV 1"] == "missed" for k in ("R0", "R1")] == [False, True]


def test_a_capsule_given_against_its_colour_counts_in_the_band_of_the_childs_age(client, world, make_child, post):
    """Vitamin A's target population is by age: blue at 6-11 months, red at 12-59 (domain.md). A bidan may
    give a capsule of the other colour (wrong_capsule_for_age, overridden: the red capsules ran out and a
    toddler gets two blue ones, or an infant half a red one). The child reached is one of her age band's,
    target and covered there; counted in the capsule's colour, she moved the 12-59 months' child into the
    6-11 months' target and out of her own. Melati (p1) meets on the 5th.

    child  born        Feb 5 / Feb 10   Aug 5 / Aug 10   what happened
    T      2023-11-10  14 / 15          20 / 21          Feb 10: blue capsule (red ran out), overridden
    U      2023-06-01  20               26               Feb 10: red capsule
    N      2024-06-15   7 (blue due)    13 (red due)     nothing
    I      2024-11-01   3               9 (blue due)     Aug 10: red capsule (blue ran out), overridden
    """
    kids = {k: make_child(name=f"Anak {k}", sex="F", birth_date=born) for k, born in {
        "T": "2023-11-10", "U": "2023-06-01", "N": "2024-06-15", "I": "2024-11-01"}.items()}
    refused = post(f"children/{kids['T']['id']}/supplements", {"kind": "vitamin_a_blue", "given_on": "2025-02-10"},
                   status=422)
    assert violations(refused) == ["wrong_capsule_for_age"]
    post(f"children/{kids['T']['id']}/supplements", {"kind": "vitamin_a_blue", "given_on": "2025-02-10",
                                                      "override_reason": "kapsul merah habis: 2 kapsul biru"})
    post(f"children/{kids['U']['id']}/supplements", {"kind": "vitamin_a_red", "given_on": "2025-02-10"})
    # February. Blue (6-11 months): N, due, not given → 1/0. Red (12-59): T and U, both given → 2/2.
    assert vitamin_a(client, world, "2025-02") == {"vitamin_a_blue": (1, 0), "vitamin_a_red": (2, 2)}
    post(f"children/{kids['I']['id']}/supplements", {"kind": "vitamin_a_red", "given_on": "2025-08-10",
                                                      "override_reason": "kapsul biru habis: setengah kapsul merah"})
    # August. Blue: I, given at 9 months → 1/1. Red: T, U and N (13 months, never had a blue: red now),
    # none given → 3/0.
    assert vitamin_a(client, world, "2025-08") == {"vitamin_a_blue": (1, 1), "vitamin_a_red": (3, 0)}


def test_an_infant_given_a_red_capsule_is_due_no_blue_after_and_in_no_blue_target(client, world, make_child, post,
                                                                                  meeting_on_the_10th):
    """Born 2024-08-15, given a red capsule on 2025-02-20 at 6 months (overridden: red is for 12-59 months,
    the blue ran out). On the August meeting day (Aug 10) she is 11 months: she had her infant dose, a higher
    one, and the blue capsule is once at 6-11 months: the due list named her for a blue capsule, and the
    coverage counted her in the blue target, uncovered. At 12 months (Aug 15) she is due red, as any child."""
    r = make_child(name="Anak R", sex="F", birth_date="2024-08-15")
    refused = post(f"children/{r['id']}/supplements", {"kind": "vitamin_a_red", "given_on": "2025-02-20"},
                   status=422)
    assert violations(refused) == ["wrong_capsule_for_age"], refused
    post(f"children/{r['id']}/supplements", {"kind": "vitamin_a_red", "given_on": "2025-02-20",
                                             "override_reason": "kapsul biru habis"})
    # February: a capsule in the round at 6 months counts in the 6-11 band, given (band_given)
    assert vitamin_a(client, world, "2025-02") == {"vitamin_a_blue": (1, 1), "vitamin_a_red": (0, 0)}
    assert due_supplements(client, world, "2025-08-10") == {}
    assert due_supplements(client, world, "2025-08-15") == {"Anak R": ["vitamin_a_red"]}
    # August: due nothing on the meeting day (Aug 10), so in no target
    assert vitamin_a(client, world, "2025-08") == {"vitamin_a_blue": (0, 0), "vitamin_a_red": (0, 0)}


def test_an_infant_dose_after_a_red_capsule_given_too_young_leaves_her_in_no_blue_target(client, world, make_child,
                                                                                      post, meeting_on_the_10th):
    """Born 2024-09-20: a red capsule on 2025-02-10 at 4 months (overridden as too young: no dose of the
    6-11 band) and another on 2025-04-10 at 6 months (overridden: her infant dose). On the August meeting
    day (Aug 10) she is 10 months: the due list names her for nothing. The coverage read her first red
    capsule alone (the one at 4 months) and counted her in the blue target, uncovered."""
    s = make_child(name="Anak S", sex="F", birth_date="2024-09-20")
    for given_on in ("2025-02-10", "2025-04-10"):
        post(f"children/{s['id']}/supplements", {"kind": "vitamin_a_red", "given_on": given_on,
                                                 "override_reason": "kapsul biru habis"})
    assert due_supplements(client, world, "2025-08-10") == {}
    assert vitamin_a(client, world, "2025-08") == {"vitamin_a_blue": (0, 0), "vitamin_a_red": (0, 0)}
