"""A child's exit from the register (died, moved out of the area): recorded and undone by the child
update, counted in the reports up to and including the month of her exit, never after (both databases).

Posyandu Melati (p1), every number worked out by hand:

child  sex born        weighed (kg)                         doses            exit
X      F   2024-08-15  Jul 10 8.0, Aug 10 8.3               HB0, BCG         died 2025-08-20
Y      M   2024-08-15  Jul 10 9.0, Aug 10 9.2, Sep 10 9.4    HB0, BCG         -
Z      M   2023-01-10  Jun 10 11.0                          -                moved away 2025-07-05
"""
from __future__ import annotations

import uuid

import pytest

from tests.api.test_audit_trail import _rows

DOSES = [("HB0", 1, "2024-08-15"), ("BCG", 1, "2024-09-15")]


def _post(client, world, path, body, by="bidan_a"):
    return client.post(f"/api/v1/{path}", json={"id": str(uuid.uuid4()), **body}, headers=world.headers(by))


def _weighed(client, world, make_child, name, sex, born, on, kg):
    """A second registration of a child, weighed once."""
    child = make_child(name=name, sex=sex, birth_date=born)
    resp = _post(client, world, f"children/{child['id']}/measurements", {"measured_on": on, "weight_kg": kg})
    assert resp.status_code == 201, resp.get_json()
    return child, resp.get_json()


def _merge(client, world, kept, duplicate):
    return client.post(f"/api/v1/children/{kept['id']}/merge", json={"duplicate_id": duplicate["id"]},
                       headers=world.headers("bidan_a"))


def _exit(client, world, child, on, reason, by="kader1"):
    return client.patch(f"/api/v1/children/{child['id']}", json={"exit_date": on, "exit_reason": reason},
                        headers=world.headers(by))


@pytest.fixture
def kids(client, world, make_child):
    kids = {"X": make_child(name="Anak X", sex="F", birth_date="2024-08-15"),
            "Y": make_child(name="Anak Y", sex="M", birth_date="2024-08-15"),
            "Z": make_child(name="Anak Z", sex="M", birth_date="2023-01-10")}
    for k, visits in {"X": [("2025-07-10", 8.0), ("2025-08-10", 8.3)],
                      "Y": [("2025-07-10", 9.0), ("2025-08-10", 9.2), ("2025-09-10", 9.4)],
                      "Z": [("2025-06-10", 11.0)]}.items():
        for on, kg in visits:
            resp = _post(client, world, f"children/{kids[k]['id']}/measurements", {"measured_on": on, "weight_kg": kg})
            assert resp.status_code == 201, resp.get_json()
    for k in "XY":
        for vaccine, dose, on in DOSES:
            resp = _post(client, world, f"children/{kids[k]['id']}/immunisations",
                         {"vaccine": vaccine, "dose": dose, "given_on": on, "place": "posyandu"})
            assert resp.status_code == 201, resp.get_json()
    for k, on, reason in (("X", "2025-08-20", "died"), ("Z", "2025-07-05", "moved_away")):
        resp = _exit(client, world, kids[k], on, reason)
        assert resp.status_code == 200, resp.get_json()
        assert (resp.get_json()["exit_date"], resp.get_json()["exit_reason"]) == (on, reason)
    return kids


def _report(client, world, name, month, **extra):
    query = "&".join(f"{k}={v}" for k, v in {"month": month, "posyandu_id": world.ids["p1"], **extra}.items())
    resp = client.get(f"/api/v1/reports/{name}?{query}", headers=world.headers("bidan_a"))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["rows" if name != "actions" else "items"]


def _s_d(client, world, month):
    (r,) = _report(client, world, "skdn", month)
    return r["S"], r["D"], r["D_S"]


def _bcg(client, world, month):
    row = next(r for r in _report(client, world, "coverage", month) if r["indicator"] == "BCG")
    return row["target"], row["covered"], row["coverage_pct"]


def test_skdn_prevalence_and_coverage_count_her_up_to_her_exit_month_by_hand(client, world, kids):
    # July: X, Y and Z (Z left on Jul 5, in July) = S 3; weighed X, Y = D 2 → 66.7 %.
    # August: Z is gone; X (died Aug 20) counts in her exit month with her Aug 10 weighing: S 2, D 2 → 100.0 %.
    # September: Y alone, S 1, D 1 (old code: S 3, D 1, 33.3 %).
    assert [_s_d(client, world, m) for m in ("2025-07", "2025-08", "2025-09")] == [(3, 2, 66.7), (2, 2, 100.0), (1, 1, 100.0)]
    # BCG target: every child under five past 1 month: Jul X Y Z, covered X Y → 2/3; Aug X Y → 2/2; Sep Y → 1/1.
    assert [_bcg(client, world, m) for m in ("2025-07", "2025-08", "2025-09")] == [(3, 2, 66.7), (2, 2, 100.0), (1, 1, 100.0)]
    # Prevalence (the weighed of the month): August's X and Y, both BB/U; September's Y alone.
    assert [_report(client, world, "prevalence", m, overall="true")[0]["bb_u_n"] for m in ("2025-08", "2025-09")] == [2, 1]
    # Follow-up, August: Z (not weighed in July or August) has left; X, in her exit month's S, has no dose overdue;
    # Y (12 months, HB0 and BCG only) has.
    late = _report(client, world, "actions", "2025-08", reason="overdue_immunisation")
    assert [r["name"] for r in late] == ["Anak Y"]
    assert _report(client, world, "actions", "2025-08", reason="not_weighed_2_months") == []
    # A month's report read later stays: July still counts Z after his exit was recorded.
    # Undo X's exit (a mistake): both fields cleared, she counts in September again: S 2, D 1 → 50.0 %.
    undo = client.patch(f"/api/v1/children/{kids['X']['id']}", json={"exit_date": None, "exit_reason": None},
                        headers=world.headers("bidan_a"))
    assert undo.status_code == 200, undo.get_json()
    assert _s_d(client, world, "2025-09") == (2, 1, 50.0)
    assert _bcg(client, world, "2025-09") == (2, 2, 100.0)


def test_the_follow_up_list_says_a_child_left_in_its_month_not_before(client, world, kids, make_child):
    """A child who died in the month is on its follow-up list (its SKDN counts her), "T" beside her mother's
    phone, and nothing said she had died: the bidan would call a bereaved mother about a weight gain. Her
    row now says why and when she left, on the screen's JSON, the CSV and the XLSX; in a month before
    the one she left in, nothing.
    W: weighed Jul 10 9.0, Aug 10 8.7 (T), died Sep 3: on August's list (T) as not left, on September's
    (T from August's weighing, none in September) as died on Sep 3."""
    import csv
    import io

    from openpyxl import load_workbook

    w = make_child(name="Anak W", sex="M", birth_date="2024-08-15")
    for on, kg in (("2025-07-10", 9.0), ("2025-08-10", 8.7)):
        assert _post(client, world, f"children/{w['id']}/measurements", {"measured_on": on, "weight_kg": kg}).status_code == 201
    assert _exit(client, world, w, "2025-09-03", "died").status_code == 200
    listed = {m: {r["name"]: r for r in _report(client, world, "actions", m, reason="T")} for m in ("2025-08", "2025-09")}
    assert [(r["reasons"], r["exit_date"], r["exit_reason"]) for r in (listed["2025-08"]["Anak W"],
                                                                      listed["2025-09"]["Anak W"])] == [
        (["T"], None, None), (["T"], "2025-09-03", "died")]
    query = f"month=2025-09&posyandu_id={world.ids['p1']}&reason=T"
    text = client.get(f"/api/v1/reports/actions?{query}&format=csv", headers=world.headers("bidan_a")).data
    row = next(r for r in csv.DictReader(io.StringIO(text.decode("utf-8-sig"))) if r["Nama anak"] == "Anak W")
    assert (row["Keluar"], row["Tanggal keluar"], row["Alasan"]) == ("meninggal", "2025-09-03", "T"), row
    sheet = load_workbook(io.BytesIO(client.get(f"/api/v1/reports/actions?{query}&format=xlsx",
                                                headers=world.headers("bidan_a")).data)).active
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    cells = dict(zip(header, next(r for r in rows if "Anak W" in r)))
    assert (cells["Keluar"], cells["Tanggal keluar"].date().isoformat()) == ("meninggal", "2025-09-03"), cells


def test_the_due_list_leaves_out_a_child_after_her_exit(client, world, kids):
    on = "2025-09-05"  # X died Aug 20, Z left Jul 5: Y alone is due his doses
    resp = client.get(f"/api/v1/posyandu/{world.ids['p1']}/due-list?date={on}", headers=world.headers("kader1"))
    assert resp.status_code == 200, resp.get_json()
    assert [c["name"] for c in resp.get_json()["children"]] == ["Anak Y"]
    # from the day of her exit: X died on Aug 20, the list of that day leaves her out, the day before names her
    names = {day: [c["name"] for c in client.get(f"/api/v1/posyandu/{world.ids['p1']}/due-list?date={day}",
                                                 headers=world.headers("kader1")).get_json()["children"]]
             for day in ("2025-08-19", "2025-08-20")}
    assert names == {"2025-08-19": ["Anak X", "Anak Y"], "2025-08-20": ["Anak Y"]}


def test_her_card_has_nothing_due_after_her_exit(client, world, kids):
    def card(k, on):
        resp = client.get(f"/api/v1/children/{kids[k]['id']}/immunisation-card?on={on}", headers=world.headers("kader1"))
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()

    after, before, y = card("X", "2025-09-01"), card("X", "2025-08-19"), card("Y", "2025-09-01")
    assert {d["status"] for d in after["doses"]} == {"given", "not_applicable"}
    assert not any(d["can_give"] for d in after["doses"]) and after["supplements_due"] == []
    assert "overdue" in {d["status"] for d in before["doses"]} and "overdue" in {d["status"] for d in y["doses"]}


def test_nothing_is_recorded_after_her_exit(client, world, kids):
    after = _post(client, world, f"children/{kids['X']['id']}/measurements", {"measured_on": "2025-08-21", "weight_kg": 8.4},
                  by="kader1")
    assert after.status_code == 422, after.get_json()
    assert "measured_on" in after.get_json()["errors"]
    dose = _post(client, world, f"children/{kids['X']['id']}/immunisations",
                 {"vaccine": "OPV", "dose": 1, "given_on": "2025-09-01", "place": "posyandu"})
    assert dose.status_code == 422 and "given_on" in dose.get_json()["errors"], dose.get_json()
    indonesian = _post(client, world, f"children/{kids['X']['id']}/supplements",
                       {"kind": "vitamin_a_red", "given_on": "2025-09-01", "place": "posyandu"}, by="kader1")
    assert indonesian.status_code == 422
    # on her exit day itself, a late entry of a weighing is taken
    same_day = _post(client, world, f"children/{kids['X']['id']}/measurements", {"measured_on": "2025-08-20", "weight_kg": 8.3})
    assert same_day.status_code == 201, same_day.get_json()


def test_an_exit_is_checked_and_audited(app, client, world, kids):
    y = kids["Y"]
    both = client.patch(f"/api/v1/children/{y['id']}", json={"exit_reason": "died"}, headers=world.headers("kader1"))
    assert both.status_code == 422 and list(both.get_json()["errors"]) == ["exit_date"], both.get_json()
    wrong = _exit(client, world, y, "2025-09-01", "lost")
    assert wrong.status_code == 422 and "exit_reason" in wrong.get_json()["errors"]
    before_weighing = _exit(client, world, y, "2025-09-01", "moved_away")  # weighed Sep 10
    assert before_weighing.status_code == 422 and "exit_date" in before_weighing.get_json()["errors"]
    before_birth = _exit(client, world, y, "2024-08-01", "died")
    assert before_birth.status_code == 422 and "exit_date" in before_birth.get_json()["errors"]
    future = _exit(client, world, y, "2099-01-01", "died")
    assert future.status_code == 422 and "exit_date" in future.get_json()["errors"]
    parent = _exit(client, world, y, "2025-09-20", "died", by="parent1")
    assert parent.status_code in (403, 404)
    other_kader = _exit(client, world, y, "2025-09-20", "died", by="kader2")
    assert other_kader.status_code == 404
    assert client.get(f"/api/v1/children/{y['id']}", headers=world.headers("kader1")).get_json()["exit_date"] is None
    ok = _exit(client, world, y, "2025-09-20", "moved_away", by="bidan_a")
    assert ok.status_code == 200, ok.get_json()
    changes = [c for *_, c in _rows(app, action="update", entity="child", record_id=y["id"])]
    assert changes[-1] == {"exit_date": [None, "2025-09-20"], "exit_reason": [None, "moved_away"]}


def test_a_refusal_after_exit_is_in_indonesian(client, world, kids):
    resp = client.post(f"/api/v1/children/{kids['X']['id']}/measurements", headers=world.headers("kader1", "id"),
                       json={"id": str(uuid.uuid4()), "measured_on": "2025-09-01", "weight_kg": 8.4})
    assert resp.status_code == 422
    assert "sudah keluar" in resp.get_json()["errors"]["measured_on"][0]


def test_an_exit_recorded_offline_is_pushed_as_a_child_update_and_pulled_by_the_other_phones(client, world, kids):
    from tests.sync.helpers import measurement_data, mutation, pull_all, push

    y = kids["Y"]
    version = client.get(f"/api/v1/children/{y['id']}", headers=world.headers("kader1")).get_json()["version"]
    died = {"exit_date": "2025-09-12", "exit_reason": "died"}
    (answer,) = push(client, world.headers("kader1"), [mutation("child", y["id"], died, base_version=version)], "phone-k1")
    assert answer["status"] == "applied", answer
    changes, _, _ = pull_all(client, world.headers("kader1b"))
    pulled = [c for c in changes if c["entity"] == "child" and c["id"] == y["id"]][-1]
    assert (pulled["record"]["exit_date"], pulled["record"]["exit_reason"]) == ("2025-09-12", "died")
    # a weighing dated after the exit, from a phone that did not know of it: refused, naming the date
    (late,) = push(client, world.headers("kader1b"), [mutation("measurement", str(uuid.uuid4()),
                                                              measurement_data(y["id"], measured_on="2025-09-15"))], "phone-k1b")
    assert late["status"] != "applied" and "measured_on" in late["errors"], late
    # a parent's phone may not record (or undo) an exit
    refused = client.post("/api/v1/sync/push", headers=world.headers("parent1"), json={
        "client_id": "phone-parent", "mutations": [mutation("child", y["id"], {"exit_date": None, "exit_reason": None},
                                                            base_version=version + 1)]})
    assert refused.status_code == 403, refused.get_json()
    assert client.get(f"/api/v1/children/{y['id']}", headers=world.headers("kader1")).get_json()["exit_reason"] == "died"


def test_a_duplicate_weighed_after_her_exit_is_not_merged_into_her(client, world, kids, make_child):
    # X died on 2025-08-20; a second registration of her, weighed on 2025-09-10, merged into her would
    # give her a weighing after her exit (which no weighing of hers may have): refused, as a duplicate
    # born after her first record is, on duplicate_id, and nothing merged
    twin, weighing = _weighed(client, world, make_child, "X", "F", "2024-08-15", "2025-09-10", 8.6)
    merged = _merge(client, world, kids["X"], twin)
    assert merged.status_code == 422, merged.get_json()
    assert "duplicate_id" in merged.get_json()["errors"]
    assert client.get(f"/api/v1/children/{twin['id']}", headers=world.headers("bidan_a")).get_json()["merged_into"] is None
    # weighed on her exit day: merged
    resp = client.patch(f"/api/v1/measurements/{weighing['id']}", json={"measured_on": "2025-08-20"},
                        headers=world.headers("bidan_a"))
    assert resp.status_code == 200, resp.get_json()
    merged = _merge(client, world, kids["X"], twin)
    assert merged.status_code == 200, merged.get_json()


def test_a_period_spanning_her_exit_counts_her_first_birthday_as_its_months_do(client, world, kids):
    # X and Y: first birthday 2025-08-15, both in the register then; X died on 2025-08-20. August's IDL
    # target is X and Y; July-September's, whose months hold her birthday and her exit, is the same two
    # (the period's target: the children reaching their first birthday in it while in the register), as
    # the sum of its months' (July 0, August 2, September 0). Old code: Y alone, judged at September's end.
    def idl(**period):
        query = "&".join(f"{k}={v}" for k, v in {**period, "posyandu_id": world.ids["p1"]}.items())
        resp = client.get(f"/api/v1/reports/coverage?{query}", headers=world.headers("bidan_a"))
        assert resp.status_code == 200, resp.get_json()
        return next(r["target"] for r in resp.get_json()["rows"] if r["kind"] == "idl")

    assert [idl(month=m) for m in ("2025-07", "2025-08", "2025-09")] == [0, 2, 0]
    assert idl(**{"from": "2025-07", "to": "2025-09"}) == 2
    assert idl(**{"from": "2025-08", "to": "2025-08"}) == 2
    # a child who left before her birthday's month is no target of it: Z (moved away in July 2025) had his
    # second birthday in January 2025, in the register: counted for Baduta in January, not after
    resp = client.get(f"/api/v1/reports/coverage?from=2025-01&to=2025-09&posyandu_id={world.ids['p1']}",
                      headers=world.headers("bidan_a"))
    assert next(r["target"] for r in resp.get_json()["rows"] if r["kind"] == "baduta") == 1


def test_her_exit_recorded_on_a_duplicate_is_kept_by_the_merge(client, world, kids, make_child):
    # X died on 2025-08-20 (recorded on her record); a second registration of her is kept as the child
    # that stands and X merged into it: the exit stays hers (old code: dropped, a child who died back on
    # the due lists, her doses overdue)
    kept, _ = _weighed(client, world, make_child, "Anak X Kedua", "F", "2024-08-15", "2025-08-01", 8.2)
    merged = _merge(client, world, kept, kids["X"])
    assert merged.status_code == 200, merged.get_json()
    assert (merged.get_json()["exit_date"], merged.get_json()["exit_reason"]) == ("2025-08-20", "died")
    due = client.get(f"/api/v1/posyandu/{world.ids['p1']}/due-list?date=2025-09-05", headers=world.headers("kader1"))
    assert [c["name"] for c in due.get_json()["children"]] == ["Anak Y"]


def test_a_duplicate_that_left_before_her_latest_weighing_is_not_merged_into_her(client, world, kids, make_child):
    # Z moved away on 2025-07-05; a second registration of him weighed on 2025-08-01 cannot take that
    # exit (a weighing after it): refused on duplicate_id, nothing merged
    kept, _ = _weighed(client, world, make_child, "Anak Z Kedua", "M", "2023-01-10", "2025-08-01", 11.5)
    merged = _merge(client, world, kept, kids["Z"])
    assert merged.status_code == 422 and "duplicate_id" in merged.get_json()["errors"], merged.get_json()
    assert client.get(f"/api/v1/children/{kids['Z']['id']}", headers=world.headers("bidan_a")).get_json()["merged_into"] is None


def test_a_child_who_left_in_the_month_is_not_listed_to_be_weighed(client, world, kids, make_child):
    # W, weighed last in May, moved away on 2025-08-03: July's follow-up list names her (not weighed in June
    # or July); August's, the month she left in, does not send a kader to weigh her, as it names no dose
    # overdue for her (old code: 'tidak ditimbang 2 bulan' in August)
    w, _ = _weighed(client, world, make_child, "Anak W", "F", "2024-01-01", "2025-05-10", 9.0)
    assert _exit(client, world, w, "2025-08-03", "moved_away").status_code == 200
    names = {m: [r["name"] for r in _report(client, world, "actions", m, reason="not_weighed_2_months")]
             for m in ("2025-07", "2025-08")}
    assert names == {"2025-07": ["Anak W"], "2025-08": []}
