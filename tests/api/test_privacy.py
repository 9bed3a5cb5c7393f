"""Personal data (UU 27/2022 PDP, domain.md "People and privacy"): every read of a child's data
is logged, a parent sees who read their child's data and exports it."""
from __future__ import annotations

import json
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select


def _log(db, **where):
    from posyandu.privacy import AccessLog

    db.session.remove()
    stmt = select(AccessLog).order_by(AccessLog.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(AccessLog, key) == value)
    return list(db.session.scalars(stmt))


@pytest.fixture
def family(world, client, make_child, link_parent):
    """parent1's child in Melati with one weighing, and another child of Melati."""
    mine = make_child(name="Siti Aminah", sex="F")
    other = make_child(name="Budi Santoso")
    link_parent(mine["id"])
    on = (date.today() - timedelta(days=3)).isoformat()
    for child in (mine, other):
        resp = client.post(f"/api/v1/children/{child['id']}/measurements",
                           json={"measured_on": on, "weight_kg": 9.1, "length_height_cm": 76.0},
                           headers=world.headers("kader1"))
        assert resp.status_code == 201
    return mine, other


def test_each_read_of_a_childs_data_is_logged_with_who_what_and_which_child(world, client, db, family):
    import uuid

    from posyandu.auth.models import User

    mine, other = family
    before = len(_log(db))
    reads = [("kader1", f"/api/v1/children/{mine['id']}", "view", "GET /api/v1/children/<uuid:child_id>"),
             ("bidan_a", f"/api/v1/children/{mine['id']}/measurements", "view",
              "GET /api/v1/children/<uuid:child_id>/measurements"),
             ("parent1", f"/api/v1/children/{mine['id']}/growth-chart", "view",
              "GET /api/v1/children/<uuid:child_id>/growth-chart"),
             ("dinkes_gresik", f"/api/v1/children/{mine['id']}/immunisation-card", "view",
              "GET /api/v1/children/<uuid:child_id>/immunisation-card")]
    for username, url, action, resource in reads:
        assert client.get(url, headers={**world.headers(username), "X-Client-Id": "hp-uji"}).status_code == 200
        row = _log(db)[-1]
        assert (row.action, row.resource, row.child_id, row.client_id) == (action, resource, uuid.UUID(mine["id"]),
                                                                          "hp-uji")
        assert row.user_id == db.session.scalar(select(User.id).where(User.username == username))
    # a list logs each child it names, once
    assert client.get("/api/v1/children", headers=world.headers("kader1")).status_code == 200
    listed = _log(db, action="list")
    assert sorted(str(r.child_id) for r in listed) == sorted([mine["id"], other["id"]])
    # a refused read discloses nothing and logs nothing
    count = len(_log(db))
    for username in ("kader2", "dinkes_bangkalan"):
        assert client.get(f"/api/v1/children/{mine['id']}", headers=world.headers(username)).status_code == 404
    assert client.get(f"/api/v1/children/{other['id']}", headers=world.headers("parent1")).status_code == 404
    assert len(_log(db)) == count == before + len(reads) + 2


def test_a_head_request_discloses_nothing_and_is_not_logged(world, client, db, family):
    """HEAD answers a GET's headers without its body: no child's data went out, so the access history a
    parent reads does not list it (it did, as a read of her child's record or a download of the area)."""
    mine, _ = family
    month = date.today().strftime("%Y-%m")
    count = len(_log(db))
    for username, url in (("kader1", f"/api/v1/children/{mine['id']}"), ("kader1", "/api/v1/children"),
                          ("bidan_a", f"/api/v1/reports/actions?month={month}&format=csv"),
                          ("kader1", f"/api/v1/reports/workbook?month={month}"),
                          ("bidan_a", f"/api/v1/exports/fhir?month={month}")):
        head = client.head(url, headers=world.headers(username))
        assert head.status_code == 200 and head.data == b"", (url, head.data[:100])
    assert len(_log(db)) == count
    assert client.get(f"/api/v1/children/{mine['id']}", headers=world.headers("kader1")).status_code == 200
    assert len(_log(db)) == count + 1  # the GET itself is


def test_a_write_that_changes_nothing_is_logged_as_the_read_its_answer_is(world, client, db, family):
    """An empty PATCH (or a not-duplicate of a child with no flag) writes no audit row, yet answers the
    whole record: logged as a read of the child. A write that changes something is audited instead."""
    import uuid

    mine, _ = family
    weighing = client.get(f"/api/v1/children/{mine['id']}/measurements", headers=world.headers("kader1")).get_json()["items"][0]
    before = len(_log(db))
    for who, method, url, body in [("kader1", "PATCH", f"/api/v1/children/{mine['id']}", {}),
                                   ("bidan_a", "POST", f"/api/v1/children/{mine['id']}/not-duplicate", None),
                                   ("kader1", "PATCH", f"/api/v1/measurements/{weighing['id']}", {})]:
        resp = client.open(url, method=method, json=body, headers=world.headers(who))
        assert resp.status_code == 200, resp.get_json()
        row = _log(db)[-1]
        assert (row.action, row.child_id) == ("view", uuid.UUID(mine["id"])), (method, url)
    assert len(_log(db)) == before + 3
    changed = client.patch(f"/api/v1/children/{mine['id']}", json={"rt": "003"}, headers=world.headers("kader1"))
    assert changed.status_code == 200 and len(_log(db)) == before + 3
    # the child's parents (names, phone numbers) are the child's personal data read too
    assert client.get(f"/api/v1/children/{mine['id']}/parents", headers=world.headers("bidan_a")).status_code == 200
    row = _log(db)[-1]
    assert (row.action, row.child_id, row.resource) == ("view", uuid.UUID(mine["id"]),
                                                         "GET /api/v1/children/<uuid:child_id>/parents")


def test_a_pull_logs_the_children_whose_records_it_carries(world, client, db, family, make_child):
    mine, other = family
    elsewhere = make_child(by="kader2", posyandu="p2")
    page = client.get("/api/v1/sync/pull", headers=world.headers("kader1")).get_json()
    assert page["changes"]
    pulled = {str(r.child_id) for r in _log(db, action="pull")}
    assert pulled == {mine["id"], other["id"]} and elsewhere["id"] not in pulled
    # a pull with nothing new logs nothing
    count = len(_log(db))
    client.get("/api/v1/sync/pull", query_string={"cursor": page["cursor"]}, headers=world.headers("kader1"))
    assert len(_log(db)) == count


def test_a_parent_sees_who_read_their_childs_data_and_only_theirs(world, client, db, family):
    mine, other = family
    client.get(f"/api/v1/children/{mine['id']}", headers=world.headers("kader1"))
    client.get(f"/api/v1/children/{other['id']}/measurements", headers=world.headers("bidan_a"))
    # an area's bulk downloads: Gresik's (the child's kabupaten) shows, Bangkalan's does not
    month = date.today().strftime("%Y-%m")
    assert client.get(f"/api/v1/exports/fhir?month={month}", headers=world.headers("dinkes_gresik")).status_code == 200
    assert client.get(f"/api/v1/exports/fhir?month={month}", headers=world.headers("dinkes_bangkalan")).status_code == 200
    resp = client.get(f"/api/v1/children/{mine['id']}/access-log", headers=world.headers("parent1", "id"))
    assert resp.status_code == 200
    items = resp.get_json()["items"]
    readers = [(i["reader"]["name"], i["action"]) for i in items]
    assert ("Kader1", "view") in readers and ("Dinkes_Gresik", "export") in readers
    assert ("Dinkes_Bangkalan", "export") not in readers and ("Bidan_A", "view") not in readers
    gresik = next(i for i in items if i["reader"]["name"] == "Dinkes_Gresik")
    assert (gresik["child_id"], gresik["region_code"], gresik["resource"]) == (None, "35.25", "GET /api/v1/exports/fhir")
    assert [i["at"] for i in items] == sorted((i["at"] for i in items), reverse=True)  # newest first
    # nobody else's child, and no one but the parent and an admin
    assert client.get(f"/api/v1/children/{other['id']}/access-log", headers=world.headers("parent1")).status_code == 404
    for username in ("kader1", "bidan_a", "dinkes_gresik"):
        assert client.get(f"/api/v1/children/{mine['id']}/access-log",
                          headers=world.headers(username)).status_code == 403
    assert client.get(f"/api/v1/children/{mine['id']}/access-log", headers=world.headers("admin")).status_code == 200


def test_the_access_log_pages_newest_first_and_an_admin_filters_it_by_user(world, client, db, family):
    mine, _ = family
    for _ in range(5):
        client.get(f"/api/v1/children/{mine['id']}", headers=world.headers("kader1b"))
    seen, cursor = [], None
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get(f"/api/v1/children/{mine['id']}/access-log", query_string=query,
                          headers=world.headers("parent1")).get_json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(_log(db, child_id=__import__("uuid").UUID(mine["id"])))
    assert sum(1 for i in seen if i["reader"]["name"] == "Kader1B") == 5
    user_id = next(i["user_id"] for i in seen if i["reader"]["name"] == "Kader1B")
    own = client.get("/api/v1/access-log", query_string={"user_id": user_id, "limit": 500},
                     headers=world.headers("admin")).get_json()["items"]
    assert len(own) == 5 and {i["reader"]["name"] for i in own} == {"Kader1B"}
    assert client.get("/api/v1/access-log", headers=world.headers("dinkes_gresik")).status_code == 403
    bad = client.get(f"/api/v1/children/{mine['id']}/access-log", query_string={"cursor": "x'; --"},
                     headers=world.headers("parent1"))
    assert bad.status_code == 422 and "cursor" in bad.get_json()["errors"]


def test_a_parent_exports_everything_held_about_their_child(world, client, db, family):
    mine, other = family
    client.post(f"/api/v1/children/{mine['id']}/immunisations",
                json={"vaccine": "MR", "dose": 1, "given_on": (date.today() - timedelta(days=2)).isoformat()},
                headers=world.headers("kader1"))
    client.get(f"/api/v1/children/{mine['id']}", headers=world.headers("kader1"))
    resp = client.get(f"/api/v1/children/{mine['id']}/export", headers=world.headers("parent1"))
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    assert resp.headers["Content-Disposition"].startswith(f'attachment; filename="data-anak-{mine["id"]}')
    data = json.loads(resp.data)
    assert data["format"] == "posyandu-child-export/1"
    assert data["child"]["id"] == mine["id"] and data["child"]["name"] == "Siti Aminah"
    [m] = data["measurements"]
    assert m["weight_kg"] == 9.1 and m["zscores"]["wfa"] is not None and m["status"]["bb_u"]
    assert [(d["vaccine"], d["dose"]) for d in data["immunisations"]] == [("MR", 1)]
    assert data["supplements"] == []
    actions = [(i["reader"]["name"], i["action"]) for i in data["access_log"]]
    assert actions[0] == ("Parent1", "export") and ("Kader1", "view") in actions  # this export included
    # staff in scope may export it for a parent; no one else
    assert client.get(f"/api/v1/children/{mine['id']}/export", headers=world.headers("bidan_a")).status_code == 200
    assert client.get(f"/api/v1/children/{other['id']}/export", headers=world.headers("parent1")).status_code == 404
    assert client.get(f"/api/v1/children/{mine['id']}/export", headers=world.headers("kader3")).status_code == 404


def test_lists_and_downloads_that_name_children_are_logged(world, client, db, family):
    import uuid

    mine, other = family
    month = date.today().strftime("%Y-%m")
    rows = client.get(f"/api/v1/reports/actions?month={month}&posyandu_id={world.ids['p1']}",
                      headers=world.headers("bidan_a")).get_json()["items"]
    assert {str(r["child_id"]) for r in rows} == {str(r.child_id) for r in _log(db, action="list")}
    count = len(_log(db))
    csv = client.get(f"/api/v1/reports/actions?month={month}&posyandu_id={world.ids['p1']}&format=csv",
                     headers=world.headers("bidan_a"))
    assert csv.status_code == 200 and csv.data
    [row] = _log(db)[count:]
    assert (row.action, row.child_id, row.posyandu_id) == ("export", None, world.ids["p1"])
    # a kader's workbook of her own posyandu: logged for her posyandu; aggregate reports are not logged
    client.get(f"/api/v1/reports/skdn?month={month}", headers=world.headers("kader1"))
    assert len(_log(db)) == count + 1
    client.get(f"/api/v1/reports/workbook?month={month}", headers=world.headers("kader1")).get_data()
    [row] = _log(db)[count + 1:]
    assert (row.action, row.posyandu_id, row.region_code) == ("export", world.ids["p1"], None)
    # the due list names the children due on the day
    due = client.get(f"/api/v1/posyandu/{world.ids['p1']}/due-list", headers=world.headers("kader1")).get_json()
    named = {uuid.UUID(c["child_id"]) for c in due["children"]}
    assert named and named == {r.child_id for r in _log(db)[count + 2:]}


def test_a_merged_duplicates_reads_stay_in_the_childs_access_history(world, client, db, family, make_child):
    """A duplicate registration is the same child: the reads of its record before a bidan merged it
    away (into the record the parent sees) are reads of the child's data, and stay in the history
    the parent reads and exports. They were dropped: the history asked for the merged child's id only."""
    import uuid

    mine, _ = family
    duplicate = make_child(by="kader1b", name="Siti Aminah", sex="F", birth_date=mine["birth_date"])
    assert client.get(f"/api/v1/children/{duplicate['id']}", headers=world.headers("kader1b")).status_code == 200
    assert client.get(f"/api/v1/children/{duplicate['id']}/measurements",
                      headers=world.headers("bidan_a")).status_code == 200
    merged = client.post(f"/api/v1/children/{mine['id']}/merge", json={"duplicate_id": duplicate["id"]},
                         headers=world.headers("bidan_a"))
    assert merged.status_code == 200, merged.get_json()
    of_duplicate = {(r.user_id, r.resource) for r in _log(db, child_id=uuid.UUID(duplicate["id"]))}
    assert len(of_duplicate) == 2
    items = client.get(f"/api/v1/children/{mine['id']}/access-log", query_string={"limit": 500},
                       headers=world.headers("parent1")).get_json()["items"]
    readers = {(i["reader"]["name"], i["resource"]) for i in items}
    assert ("Kader1B", "GET /api/v1/children/<uuid:child_id>") in readers
    assert ("Bidan_A", "GET /api/v1/children/<uuid:child_id>/measurements") in readers
    exported = json.loads(client.get(f"/api/v1/children/{mine['id']}/export", headers=world.headers("parent1")).data)
    assert {(i["reader"]["name"], i["resource"]) for i in exported["access_log"]} >= readers
    # another child's reads are still not shown
    assert not any(i["child_id"] not in (None, mine["id"], duplicate["id"]) for i in exported["access_log"])


def test_an_area_download_made_before_the_child_was_registered_is_not_in_her_history(world, client, db, family,
                                                                                     make_child, link_parent):
    """A download of the posyandu's (or a region's, or every area's) data names the children registered
    then: a child registered after it was not in the file. Her parent's history listed every such
    download back to the posyandu's first, as reads of her data that never happened."""
    month = date.today().strftime("%Y-%m")
    before = client.get(f"/api/v1/reports/actions?month={month}&posyandu_id={world.ids['p1']}&format=csv",
                        headers=world.headers("bidan_a"))
    assert before.status_code == 200
    assert client.get(f"/api/v1/reports/workbook?month={month}", headers=world.headers("admin")).status_code == 200
    newborn = make_child(name="Bayi Baru", birth_date=(date.today() - timedelta(days=2)).isoformat())
    link_parent(newborn["id"])
    after = client.get(f"/api/v1/reports/actions?month={month}&region_code=35.25&format=csv",
                       headers=world.headers("dinkes_gresik"))
    assert after.status_code == 200
    items = client.get(f"/api/v1/children/{newborn['id']}/access-log", query_string={"limit": 500},
                       headers=world.headers("parent1")).get_json()["items"]
    downloads = [(i["reader"]["name"], i["posyandu_id"], i["region_code"]) for i in items if i["child_id"] is None]
    assert downloads == [("Dinkes_Gresik", None, "35.25")]
    exported = json.loads(client.get(f"/api/v1/children/{newborn['id']}/export", headers=world.headers("parent1")).data)
    assert [(i["reader"]["name"], i["region_code"]) for i in exported["access_log"] if i["child_id"] is None] == [
        ("Dinkes_Gresik", "35.25")]
    # the child registered before both still has both
    mine, _ = family
    items = client.get(f"/api/v1/children/{mine['id']}/access-log", query_string={"limit": 500},
                       headers=world.headers("parent1")).get_json()["items"]
    assert len([i for i in items if i["child_id"] is None]) == 3


def test_the_export_file_is_named_with_the_childs_local_date(world, client, family, monkeypatch):
    """At 01:30 WIB on 1 April (18:30 UTC on 31 March) a Gresik parent's download is named for 1 April,
    the day on her phone, not for the server's date."""
    from datetime import datetime, timezone

    import posyandu.validators as validators

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 3, 31, 18, 30, tzinfo=timezone.utc).astimezone(tz)

    mine, _ = family
    monkeypatch.setattr(validators, "datetime", Clock)
    resp = client.get(f"/api/v1/children/{mine['id']}/export", headers=world.headers("parent1"))
    assert resp.status_code == 200
    assert resp.headers["Content-Disposition"] == f'attachment; filename="data-anak-{mine["id"]}-2026-04-01.json"'


def test_a_moved_childs_history_has_the_downloads_of_where_she_was_then(world, client, db, family):
    """A child who moved from Melati to Mawar was in Melati's downloads until the move and in Mawar's
    after it. Her history listed Mawar's downloads from before she came (which held her not) and none
    of Melati's from her time there (which did)."""
    mine, _ = family
    month = date.today().strftime("%Y-%m")

    def download(posyandu):
        resp = client.get(f"/api/v1/reports/actions?month={month}&posyandu_id={world.ids[posyandu]}&format=csv",
                          headers=world.headers("bidan_a"))
        assert resp.status_code == 200

    download("p2")  # Mawar, before she came
    download("p1")  # Melati, while she was there
    moved = client.patch(f"/api/v1/children/{mine['id']}", json={"posyandu_id": str(world.ids["p2"])},
                         headers=world.headers("bidan_a"))
    assert moved.status_code == 200, moved.get_json()
    download("p1")  # Melati, after she left
    download("p2")  # Mawar, after she came
    items = client.get(f"/api/v1/children/{mine['id']}/access-log", query_string={"limit": 500},
                       headers=world.headers("parent1")).get_json()["items"]
    p1, p2 = str(world.ids["p1"]), str(world.ids["p2"])
    assert [i["posyandu_id"] for i in items if i["child_id"] is None] == [p2, p1]  # newest first


def test_the_admins_audit_log_is_a_read_of_the_children_whose_values_it_shows(world, client, db, make_child):
    """``GET /audit-log`` answers the values written (a mother's phone, her NIK; a weighing): the same rows read
    through the child's history were logged, through the admin's audit log they were not."""
    import uuid

    child = make_child(name="Rara Putri")
    assert client.patch(f"/api/v1/children/{child['id']}", json={"guardian_phone": "081234567890"},
                        headers=world.headers("kader1")).status_code == 200
    weighed = client.post(f"/api/v1/children/{child['id']}/measurements", headers=world.headers("kader1"),
                          json={"measured_on": date.today().isoformat(), "weight_kg": 9.1}).get_json()
    other = make_child(name="Anak Lain")
    before = {c: len(_log(db, child_id=uuid.UUID(c))) for c in (child["id"], other["id"])}
    admin = world.headers("admin")
    rows = client.get("/api/v1/audit-log", query_string={"entity": "child", "record_id": child["id"]}, headers=admin)
    assert rows.status_code == 200 and any("081234567890" in str(i["changes"]) for i in rows.get_json()["items"])
    assert [(r.action, r.resource) for r in _log(db, child_id=uuid.UUID(child["id"]))[before[child["id"]]:]] == \
        [("view", "GET /api/v1/audit-log")]
    assert client.get("/api/v1/audit-log", query_string={"record_id": weighed["id"]}, headers=admin).status_code == 200
    assert len(_log(db, child_id=uuid.UUID(child["id"]))) == before[child["id"]] + 2  # a weighing's row: her read
    assert len(_log(db, child_id=uuid.UUID(other["id"]))) == before[other["id"]]
    # rows of no child (logins): nothing logged
    logged = len(_log(db))
    assert client.get("/api/v1/audit-log", query_string={"action": "login", "limit": 5}, headers=admin).status_code == 200
    assert len(_log(db)) == logged


def test_a_merge_refused_naming_the_child_that_stands_logs_the_read(world, client, db, make_child):
    """A merge into a registration merged away since is 409, naming the child that stands by her name and
    birth date: a disclosure like any read, which left no row (the refusal rolled everything back)."""
    import uuid

    first, second = make_child(name="Anak Kembar"), make_child(name="Anak Kembar")
    bidan = world.headers("bidan_a")
    assert client.post(f"/api/v1/children/{first['id']}/merge", json={"duplicate_id": second["id"]},
                       headers=bidan).status_code == 200
    before = len(_log(db, child_id=uuid.UUID(first["id"])))
    third = make_child(name="Budi Lain")
    refused = client.post(f"/api/v1/children/{second['id']}/merge", json={"duplicate_id": third["id"]}, headers=bidan)
    assert refused.status_code == 409 and "Anak Kembar" in refused.get_json()["detail"], refused.get_json()
    rows = _log(db, child_id=uuid.UUID(first["id"]))[before:]
    assert [(r.action, r.resource) for r in rows] == [("view", "POST /api/v1/children/<uuid:child_id>/merge")]
    assert _log(db, child_id=uuid.UUID(third["id"])) == []  # nothing of the other child was told


def test_a_push_answered_with_the_servers_record_a_conflict_or_a_replay_logs_the_read(world, client, db):
    """A conflict hands the phone the server's version of the child (names another cadre typed);
    a replayed answer hands the record again: reads, logged as any other (not a write's answer)."""
    import uuid

    from tests.sync.helpers import child_data, mutation, new_id, push

    cid = new_id()
    [made] = push(client, world.headers("kader1"), [mutation("child", cid, child_data(world.ids["p1"]))])
    assert made["status"] == "applied"
    [edit] = push(client, world.headers("kader1b"), [mutation("child", cid, {"mother_name": "Ibu Aminah"},
                                                              base_version=1)], client_id="device-2")
    assert edit["status"] == "applied"
    before = len(_log(db, child_id=uuid.UUID(cid)))
    clash = mutation("child", cid, {"mother_name": "Ibu Siti"}, base_version=1)
    [conflict] = push(client, world.headers("kader1"), [clash])
    assert conflict["status"] == "conflict" and conflict["record"]["mother_name"] == "Ibu Aminah"
    rows = _log(db, child_id=uuid.UUID(cid))[before:]
    assert [(r.action, r.resource) for r in rows] == [("view", "POST /api/v1/sync/push")]
    [again] = push(client, world.headers("kader1"), [clash])
    assert again["replayed"] and again["record"]["mother_name"] == "Ibu Aminah"
    assert len(_log(db, child_id=uuid.UUID(cid))) == before + 2
    # an applied change is a write (audited), not a read: nothing more
    push(client, world.headers("kader1"), [mutation("child", cid, {"address": "Jl. Melati 3"}, base_version=2)])
    assert len(_log(db, child_id=uuid.UUID(cid))) == before + 2
    # one that changes nothing (the values it holds) hands the whole record back unwritten: a read, as an empty
    # PATCH is (it left no row at all: neither audited nor logged)
    from posyandu.audit import AuditLog

    audited = db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.record_id == cid))
    [same] = push(client, world.headers("kader1"), [mutation("child", cid, {"address": "Jl. Melati 3"}, base_version=3)])
    assert same["status"] == "applied" and same["record"]["mother_name"] == "Ibu Aminah" and same["version"] == 3
    assert [(r.action, r.resource) for r in _log(db, child_id=uuid.UUID(cid))[before + 2:]] == \
        [("view", "POST /api/v1/sync/push")]
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.record_id == cid)) == audited


def test_a_health_office_gets_the_follow_up_list_without_the_familys_contact_details(world, client, make_child):
    """The bidan calls the family; the dinas kesehatan follows cases, it does not phone mothers: its
    follow-up list (JSON, CSV and the workbook's sheet) names the child but not the mother or the
    phone number (UU 27/2022: no more personal data than the purpose needs)."""
    import csv
    import io

    from openpyxl import load_workbook

    make_child(name="Siti Aminah", mother_name="Ibu Aminah", guardian_phone="081234567890")  # never weighed
    query = f"month={date.today():%Y-%m}&reason=not_weighed_2_months"
    rows = client.get(f"/api/v1/reports/actions?{query}", headers=world.headers("bidan_a")).get_json()["items"]
    assert [(r["name"], r["mother_name"], r["guardian_phone"]) for r in rows] == \
        [("Siti Aminah", "Ibu Aminah", "081234567890")]
    resp = client.get(f"/api/v1/reports/actions?{query}", headers=world.headers("dinkes_gresik"))
    assert [(r["name"], r["mother_name"], r["guardian_phone"]) for r in resp.get_json()["items"]] == \
        [("Siti Aminah", None, None)]
    resp = client.get(f"/api/v1/reports/actions?{query}&format=csv", headers=world.headers("dinkes_gresik"))
    text = resp.data.decode("utf-8-sig")
    assert "Siti Aminah" in text and "Ibu Aminah" not in text and "081234567890" not in text
    header, row = list(csv.reader(io.StringIO(text, newline="")))
    assert "No. HP" in header  # the same columns, left empty
    resp = client.get(f"/api/v1/reports/workbook?month={date.today():%Y-%m}", headers=world.headers("dinkes_gresik"))
    cells = [c for sheet in load_workbook(io.BytesIO(resp.data)) for r in sheet.iter_rows(values_only=True) for c in r]
    assert "Siti Aminah" in cells and "Ibu Aminah" not in cells and "081234567890" not in cells


def test_a_spreadsheet_naming_children_is_marked_confidential_on_screen_and_on_paper(world, client, make_child):
    """The follow-up list and the workbook name children: the file says so in its properties and
    on every printed page (RAHASIA, UU 27/2022 PDP), each sheet's (the workbook's SKDN sheet printed
    with its list went out unmarked); a report of counts only is not marked."""
    import io

    from openpyxl import load_workbook

    make_child(name="Siti Aminah")  # never weighed: on the list
    month = f"month={date.today():%Y-%m}"
    for path in (f"reports/actions?{month}&format=xlsx", f"reports/workbook?{month}"):
        book = load_workbook(io.BytesIO(client.get(f"/api/v1/{path}", headers=world.headers("bidan_a")).data))
        assert "RAHASIA" in (book.properties.subject or "") and "UU 27/2022" in (book.properties.keywords or "")
        assert [s.title for s in book if "RAHASIA" not in (s.oddHeader.center.text or "")] == [], path
        assert "Daftar tindak lanjut" in book.sheetnames and (len(book.sheetnames) > 1) == ("workbook" in path)
    book = load_workbook(io.BytesIO(client.get(f"/api/v1/reports/skdn?{month}&format=xlsx",
                                               headers=world.headers("bidan_a")).data))
    assert "RAHASIA" not in (book.properties.subject or "")


def test_a_health_office_reads_no_familys_contact_details_anywhere_not_only_in_the_follow_up_list(
        world, client, make_child):
    """The follow-up list leaves the mother's name and phone out for dinkes (the bidan calls the
    family, the office does not): the children list, a child's record and the due list of the same
    office left them in, so the same details were one request away. Staff keep them."""
    child = make_child(name="Siti Aminah", mother_name="Ibu Aminah", guardian_phone="081234567890")
    p1 = world.ids["p1"]
    reads = {"list": f"/api/v1/children?posyandu_id={p1}", "record": f"/api/v1/children/{child['id']}",
             "due": f"/api/v1/posyandu/{p1}/due-list"}
    for who, sees in (("dinkes_gresik", False), ("bidan_a", True), ("kader1", True)):
        for what, url in reads.items():
            resp = client.get(url, headers=world.headers(who))
            assert resp.status_code == 200, (who, what, resp.get_json())
            body = resp.get_json()
            rows = body.get("items") or body.get("children") or [body]
            [row] = [r for r in rows if str(r.get("id", r.get("child_id"))) == child["id"]]
            assert row["name"] == "Siti Aminah", (who, what)
            text = json.dumps(body)
            assert ("Ibu Aminah" in text) is sees and ("081234567890" in text) is (sees and what != "due"), \
                (who, what, row)  # the due list names the mother, not the phone
            assert row["mother_name"] == ("Ibu Aminah" if sees else None), (who, what)


def test_a_health_office_reads_neither_the_fathers_name_nor_the_familys_address(world, client, make_child):
    """The father's name and the home address (with its RT/RW) are the family's contact details as much
    as the mother's name and the phone: a dinkes user had them from the children list, a child's
    record and the FHIR export (the address as the Patient's), while the mother's name was left out.
    A bidan keeps them."""
    child = make_child(name="Siti Aminah", mother_name="Ibu Aminah", father_name="Pak Rahmat",
                       address="Dusun Krajan Kidul", rt="003", rw="005",
                       birth_date=(date.today() - timedelta(days=60)).isoformat())
    resp = client.post(f"/api/v1/children/{child['id']}/measurements", headers=world.headers("kader1"),
                       json={"id": str(uuid.uuid4()), "measured_on": date.today().isoformat(), "weight_kg": 5.1})
    assert resp.status_code == 201, resp.get_json()  # the FHIR export holds the children weighed in the month
    month = date.today().strftime("%Y-%m")
    p1 = world.ids["p1"]
    reads = {"list": f"/api/v1/children?posyandu_id={p1}", "record": f"/api/v1/children/{child['id']}",
             "fhir": f"/api/v1/exports/fhir?month={month}&posyandu_id={p1}"}
    for who, sees in (("dinkes_gresik", False), ("bidan_a", True)):
        for what, url in reads.items():
            resp = client.get(url, headers=world.headers(who))
            assert resp.status_code == 200, (who, what, resp.get_json())
            text = resp.get_data(as_text=True)
            assert "Siti Aminah" in text, (who, what)
            for detail in ("Dusun Krajan Kidul",) if what == "fhir" else ("Pak Rahmat", "Dusun Krajan Kidul"):
                assert (detail in text) is sees, (who, what, detail)  # a Patient names no father
            if what != "fhir":
                body = json.loads(text)
                [row] = [r for r in body.get("items") or [body] if r["id"] == child["id"]]
                assert (row["rt"], row["rw"]) == (("003", "005") if sees else (None, None)), (who, what)


def test_a_health_office_reads_the_mothers_nik_only_where_it_stands_for_a_child_without_one(
        world, client, make_child):
    """The mother's NIK is hers: a dinkes user read it beside the child's own NIK in the children list
    and a child's record, while her name was left out. It identifies a child only when the child has
    no NIK (a newborn: the FHIR export's nik-ibu), and there it is kept. A bidan keeps both."""
    mother = "3525014101950002"
    older = make_child(name="Siti Aminah", nik="3525010101240001", mother_nik=mother)
    newborn = make_child(name="Bayi Aminah", mother_nik=mother,
                         birth_date=(date.today() - timedelta(days=9)).isoformat())
    p1 = world.ids["p1"]
    for who, sees in (("dinkes_gresik", False), ("bidan_a", True)):
        listed = client.get(f"/api/v1/children?posyandu_id={p1}", headers=world.headers(who))
        assert listed.status_code == 200, listed.get_json()
        rows = {r["id"]: r for r in listed.get_json()["items"]}
        for child, expected in ((older, mother if sees else None), (newborn, mother)):
            record = client.get(f"/api/v1/children/{child['id']}", headers=world.headers(who)).get_json()
            for row in (rows[child["id"]], record):
                assert (row["nik"], row["mother_nik"]) == (child["nik"], expected), (who, child["name"], row)
    for child in (older, newborn):  # the FHIR export holds the children weighed in the month
        resp = client.post(f"/api/v1/children/{child['id']}/measurements", headers=world.headers("kader1"),
                           json={"measured_on": date.today().isoformat(), "weight_kg": 3.4})
        assert resp.status_code == 201, resp.get_json()
    fhir = client.get(f"/api/v1/exports/fhir?month={date.today():%Y-%m}&posyandu_id={p1}",
                      headers=world.headers("dinkes_gresik"))
    assert fhir.status_code == 200
    patients = {e["resource"]["id"]: e["resource"]["identifier"][0]["value"]
                for e in json.loads(fhir.get_data(as_text=True))["entry"] if e["resource"]["resourceType"] == "Patient"}
    assert (patients[older["id"]], patients[newborn["id"]]) == (older["nik"], mother)
