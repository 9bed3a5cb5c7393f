"""Moving every child of a posyandu to another in one request (``POST /posyandu/{id}/move-children``):
before it closes, or when two merge. Each child moves as a move of one does (``PATCH /children/{id}``):
her months before stay counted where she was (the hand-worked April of tests/api/test_reports_reorganisation.py),
she is judged against the children there for a likely duplicate, the old posyandu's phones drop her and the
new one's pull her. A refusal moves no one. Both databases."""
from __future__ import annotations

import pytest

from posyandu.audit import AuditLog
from posyandu.extensions import db
from tests.api.test_reports_coverage import post  # noqa: F401  (the fixture posting as bidan_a)
from tests.api.test_reports_reorganisation import APR, LEVELS, skdn, this_month, year  # noqa: F401  (fixture)
from tests.sync.helpers import pull_all


def move_all(client, world, source="p2", to="p1", who="admin", **body):
    return client.post(f"/api/v1/posyandu/{world.ids[source]}/move-children",
                       json={"to_posyandu_id": str(world.ids[to]) if to in world.ids else to, **body},
                       headers=world.headers(who, "id"))


def children_at(client, world, posyandu, who="admin"):
    resp = client.get(f"/api/v1/children?posyandu_id={world.ids[posyandu]}&limit=100", headers=world.headers(who))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["items"]


def at(client, world, posyandu, who="admin"):
    return {c["name"]: c for c in children_at(client, world, posyandu, who)}


def test_every_child_moves_and_the_months_before_stay_where_they_were(client, world, make_child, year):
    """Mawar (R, with weighings and MR; and an exited child, still on its register) merges into Melati: both
    move, R's April stays Mawar's (S1 D1 N1 by hand), and Mawar then closes once its kader moved too."""
    gone = make_child(by="kader2", posyandu="p2", name="Anak Keluar", sex="F", birth_date="2025-01-10")
    resp = client.patch(f"/api/v1/children/{gone['id']}", json={"exit_date": "2026-02-01", "exit_reason": "moved_away"},
                        headers=world.headers("bidan_a"))
    assert resp.status_code == 200, resp.get_json()
    deleted = make_child(by="kader2", posyandu="p2", name="Salah Daftar", sex="M", birth_date="2025-06-01")
    assert client.delete(f"/api/v1/children/{deleted['id']}", headers=world.headers("bidan_a")).status_code == 204
    before = {level: skdn(client, world, APR, level) for level in LEVELS}

    resp = move_all(client, world, reason="Mawar digabung ke Melati", who="bidan_a")
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json() == {"moved": 2, "to_posyandu_id": str(world.ids["p1"]), "possible_duplicates": 0}

    assert at(client, world, "p2") == {}
    moved = at(client, world, "p1")
    assert set(moved) == {"Anak R", "Anak M", "Anak Keluar"}
    assert moved["Anak Keluar"]["exit_reason"] == "moved_away"
    # the mistaken registration stays a tombstone where it was
    resp = client.get(f"/api/v1/children/deleted?posyandu_id={world.ids['p2']}", headers=world.headers("bidan_a"))
    assert [c["id"] for c in resp.get_json()["items"]] == [deleted["id"]]
    # April, read again, is what it was at every level: R counted at Mawar (S1 D1 N1)
    assert before["posyandu"]["Mawar"][:4] == (1, 1, 1, 1)
    for level in LEVELS:
        assert skdn(client, world, APR, level) == before[level], level
    # this month R counts at Melati with M (the exited child left the register in February)
    assert skdn(client, world, this_month())["Melati"][0] == 2
    # each child's move is in the audit log with its reason, by the bidan
    with world.app.app_context():
        rows = db.session.scalars(db.select(AuditLog).where(AuditLog.entity == "child",
                                                            AuditLog.reason == "Mawar digabung ke Melati")).all()
        assert sorted(r.record_id for r in rows) == sorted([year["R"]["id"], gone["id"]])
        assert all(r.changes["posyandu_id"] == [str(world.ids["p2"]), str(world.ids["p1"])] for r in rows)

    # Mawar can now be closed, once its kader works at Melati
    users = client.get("/api/v1/users?limit=100", headers=world.headers("admin")).get_json()["items"]
    kader2 = next(u["id"] for u in users if u["username"] == "kader2")
    assert client.patch(f"/api/v1/users/{kader2}", json={"posyandu_id": str(world.ids["p1"])},
                        headers=world.headers("admin")).status_code == 200
    assert client.delete(f"/api/v1/posyandu/{world.ids['p2']}", headers=world.headers("admin")).status_code == 204
    # asked again (a retry after a lost answer): nothing left to move, and the posyandu is closed
    assert move_all(client, world).status_code == 404


def test_nothing_left_to_move_says_so(client, world):
    resp = move_all(client, world)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["moved"] == 0


def test_a_child_registered_at_both_is_flagged_for_the_midwife(client, world, make_child):
    """The same child registered at Mawar and at Melati (two kader, one family): moved together, the
    one from Mawar is flagged as a likely duplicate of Melati's, not refused, and the answer counts it."""
    here = make_child(name="Siti Aminah", sex="F", birth_date="2025-04-02", mother_name="Ny. Wulan")
    there = make_child(by="kader2", posyandu="p2", name="Siti Aminah", sex="F", birth_date="2025-04-02",
                       mother_name="Ny. Wulan")
    other = make_child(by="kader2", posyandu="p2", name="Bagus Prakoso", sex="M", birth_date="2024-11-20")
    # a pair flagged at Mawar already moves flagged still: not counted as registered at Melati before
    first = make_child(by="kader2", posyandu="p2", name="Dewi Lestari", sex="F", birth_date="2024-06-06")
    second = make_child(by="kader2", posyandu="p2", name="Dewi Lestari", sex="F", birth_date="2024-06-06")
    assert second["possible_duplicate_of"] == first["id"]
    resp = move_all(client, world)
    assert resp.status_code == 200, resp.get_json()
    assert (resp.get_json()["moved"], resp.get_json()["possible_duplicates"]) == (4, 1)
    flags = {c["id"]: c["possible_duplicate_of"] for c in children_at(client, world, "p1")}
    assert (flags[there["id"]], flags[here["id"]]) == (here["id"], None)
    assert flags[other["id"]] is None
    assert {flags[first["id"]], flags[second["id"]]} in ({None, first["id"]}, {None, second["id"]})  # still a pair


def test_the_old_posyandus_phones_drop_them_and_the_new_ones_pull_them(client, world, make_child):
    child = make_child(by="kader2", posyandu="p2", name="Dewi Lestari", sex="F", birth_date="2025-02-02")
    _, old_cursor, _ = pull_all(client, world.headers("kader2"))
    _, new_cursor, _ = pull_all(client, world.headers("kader1"))
    assert move_all(client, world).status_code == 200
    old, _, _ = pull_all(client, world.headers("kader2"), old_cursor)
    assert [(c["id"], c["op"], c["reason"]) for c in old if c["entity"] == "child"] == \
        [(child["id"], "delete", "out_of_scope")]
    new, _, _ = pull_all(client, world.headers("kader1"), new_cursor)
    assert [(c["id"], c["op"], c["record"]["posyandu_id"]) for c in new if c["entity"] == "child"] == \
        [(child["id"], "upsert", str(world.ids["p1"]))]


@pytest.mark.parametrize(("who", "source", "to", "status", "field"), [
    ("admin", "p2", "p2", 422, "to_posyandu_id"),        # to itself
    ("bidan_a", "p2", "p3", 422, "to_posyandu_id"),      # another puskesmas's: not hers
    ("admin", "p2", "not-an-id", 422, "to_posyandu_id"),
    ("admin", "p2", None, 422, "to_posyandu_id"),        # missing
    ("bidan_b", "p2", "p3", 404, None),                  # Mawar is not hers
    ("kader2", "p2", "p1", 403, None),
    ("dinkes_gresik", "p2", "p1", 403, None),
    ("parent1", "p2", "p1", 403, None),
])
def test_a_refused_move_moves_no_one(client, world, make_child, who, source, to, status, field):
    child = make_child(by="kader2", posyandu="p2", name="Dewi Lestari", sex="F", birth_date="2025-02-02")
    body = {} if to is None else {"to_posyandu_id": str(world.ids[to]) if to in world.ids else to}
    resp = client.post(f"/api/v1/posyandu/{world.ids[source]}/move-children", json=body, headers=world.headers(who, "id"))
    assert resp.status_code == status, resp.get_json()
    assert resp.content_type == "application/problem+json"
    if field:
        assert list(resp.get_json()["errors"]) == [field]
    assert set(at(client, world, "p2")) == {child["name"]}


def test_a_closed_posyandu_is_refused_by_name(client, world, make_child):
    make_child(by="kader2", posyandu="p2", name="Dewi Lestari", sex="F", birth_date="2025-02-02")
    users = client.get("/api/v1/users?limit=100", headers=world.headers("admin")).get_json()["items"]
    for u in users:
        if u["username"] in ("kader1", "kader1b"):
            assert client.patch(f"/api/v1/users/{u['id']}", json={"active": False},
                                headers=world.headers("admin")).status_code == 200
    assert client.delete(f"/api/v1/posyandu/{world.ids['p1']}", headers=world.headers("admin")).status_code == 204
    resp = move_all(client, world)
    assert resp.status_code == 422
    assert resp.get_json()["errors"]["to_posyandu_id"] == ["posyandu ini sudah ditutup: pilih posyandu lain"]
    assert set(at(client, world, "p2")) == {"Dewi Lestari"}
