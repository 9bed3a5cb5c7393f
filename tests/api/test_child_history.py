"""Reading the audit log (posyandu.history): a child's history of changes (who changed what, from and to
what, when and why) for the staff in scope and her parent, in her data export too, and an admin's search
of every write with the phone and address it came from (both databases)."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from tests.support.paging import all_pages


def _story(world, client, make_child, link_parent):
    """kader1 registers Siti and weighs her (8,0 kg), then corrects the weight to 8,4 kg; kader1b records
    her MR 1 and deletes it with a reason; a duplicate registration of Siti with its own weighing is
    merged into her by bidan_a; another child of the posyandu is weighed too."""
    on = (date.today() - timedelta(days=5)).isoformat()
    siti = make_child(name="Siti Aminah", sex="F")
    other = make_child(name="Budi Santoso")
    twin = make_child(name="Siti Aminah", sex="F", by="kader1b")
    link_parent(siti["id"])
    k1 = {**world.headers("kader1"), "X-Client-Id": "hp-kader1"}
    weighings = {}
    for child in (siti, other, twin):
        resp = client.post(f"/api/v1/children/{child['id']}/measurements",
                           json={"measured_on": on, "weight_kg": 8.0, "length_height_cm": 70.0}, headers=k1)
        assert resp.status_code == 201, resp.get_json()
        weighings[child["id"]] = resp.get_json()["id"]
    fix = client.patch(f"/api/v1/measurements/{weighings[siti['id']]}", json={"weight_kg": 8.4}, headers=k1)
    assert fix.status_code == 200, fix.get_json()
    dose = client.post(f"/api/v1/children/{siti['id']}/immunisations", headers=world.headers("kader1b"),
                       json={"vaccine": "MR", "dose": 1, "given_on": on, "batch_number": "B1"})
    assert dose.status_code == 201, dose.get_json()
    gone = client.delete(f"/api/v1/immunisations/{dose.get_json()['id']}?reason=salah anak",
                         headers=world.headers("kader1b"))
    assert gone.status_code in (200, 204), gone.get_json()
    merged = client.post(f"/api/v1/children/{siti['id']}/merge", json={"duplicate_id": twin["id"]},
                         headers=world.headers("bidan_a"))
    assert merged.status_code == 200, merged.get_json()
    return siti, other, twin, weighings, dose.get_json()["id"]


def test_a_childs_history_says_who_changed_what_from_what_to_what_and_why(world, client, make_child, link_parent):
    siti, other, twin, weighings, dose_id = _story(world, client, make_child, link_parent)
    items = all_pages(client, f"/api/v1/children/{siti['id']}/history", world.headers("bidan_a"), limit=2)
    assert [i["id"] for i in items] == sorted((i["id"] for i in items), reverse=True)   # newest first, each once
    ours = {weighings[siti["id"]], weighings[twin["id"]], dose_id, siti["id"], twin["id"]}
    assert {i["record_id"] for i in items} == ours          # nothing of the other child's
    fix = next(i for i in items if i["record_id"] == weighings[siti["id"]] and i["action"] == "update")
    assert fix["changes"]["weight_kg"] == [8.0, 8.4]
    assert (fix["entity"], fix["actor"]) == ("measurement", {"name": "Kader1", "role": "kader"})
    deleted = next(i for i in items if i["record_id"] == dose_id and i["action"] == "delete")
    assert (deleted["entity"], deleted["reason"], deleted["actor"]["role"]) == ("immunisation", "salah anak", "kader")
    # the duplicate merged into her: its registration, its weighing (now hers) and the merge
    assert {(i["entity"], i["action"]) for i in items if i["record_id"] == twin["id"]} >= {("child", "create"),
                                                                                           ("child", "merge")}
    assert any(i["record_id"] == weighings[twin["id"]] and i["action"] == "create" for i in items)
    merge = next(i for i in items if i["record_id"] == siti["id"] and i["action"] == "merge")
    assert merge["actor"]["role"] == "bidan"
    assert "client_id" not in fix and "ip" not in fix                    # the admin's search alone says where from
    # her parent reads the same; the kader of the posyandu too
    assert all_pages(client, f"/api/v1/children/{siti['id']}/history", world.headers("parent1")) == items
    assert all_pages(client, f"/api/v1/children/{siti['id']}/history", world.headers("kader1b")) == items


def test_who_may_read_a_childs_history_and_each_read_is_logged(world, client, db, make_child, link_parent):
    from posyandu.privacy import AccessLog

    siti, other, *_ = _story(world, client, make_child, link_parent)
    url = f"/api/v1/children/{siti['id']}/history"
    assert client.get(url, headers=world.headers("dinkes_gresik")).status_code == 403   # no family's details
    for outsider in ("kader2", "kader3", "bidan_b"):
        assert client.get(url, headers=world.headers(outsider)).status_code == 404
    assert client.get(f"/api/v1/children/{other['id']}/history", headers=world.headers("parent1")).status_code == 404
    db.session.remove()
    before = db.session.scalar(select(AccessLog.id).order_by(AccessLog.id.desc()).limit(1)) or 0
    assert client.get(url, headers=world.headers("parent1")).status_code == 200
    row = db.session.scalars(select(AccessLog).where(AccessLog.id > before)).one()
    assert (str(row.child_id), row.action, row.resource) == (siti["id"], "view",
                                                              "GET /api/v1/children/<uuid:child_id>/history")
    assert client.get(url + "?cursor=abc", headers=world.headers("parent1")).status_code == 422


def test_a_childs_export_holds_who_changed_her_data(world, client, make_child, link_parent):
    """PDP Art. 7: what a parent is owed includes the values a correction replaced and the records deleted."""
    siti, _, _, weighings, dose_id = _story(world, client, make_child, link_parent)
    data = client.get(f"/api/v1/children/{siti['id']}/export", headers=world.headers("parent1")).get_json()
    fix = next(i for i in data["history"] if i["record_id"] == weighings[siti["id"]] and i["action"] == "update")
    assert fix["changes"]["weight_kg"] == [8.0, 8.4]
    assert any(i["record_id"] == dose_id and i["action"] == "delete" for i in data["history"])
    assert dose_id not in {d["id"] for d in data["immunisations"]}          # the dose itself stays out


def test_the_admin_searches_every_write_with_where_it_came_from(world, client, db, make_child, link_parent):
    from posyandu.auth.models import User

    siti, _, _, weighings, _ = _story(world, client, make_child, link_parent)
    kader1 = db.session.scalar(select(User.id).where(User.username == "kader1"))
    mine = all_pages(client, "/api/v1/audit-log", world.headers("admin"), limit=1, user_id=kader1, entity="measurement")
    assert [(i["action"], i["entity"]) for i in mine] == [("update", "measurement")] + [("create", "measurement")] * 3
    assert {i["client_id"] for i in mine} == {"hp-kader1"} and all(i["ip"] for i in mine)
    one = all_pages(client, "/api/v1/audit-log", world.headers("admin"), record_id=weighings[siti["id"]], action="update")
    assert [i["changes"]["weight_kg"] for i in one] == [[8.0, 8.4]]
    logins = all_pages(client, "/api/v1/audit-log", world.headers("admin"), action="login_failed")
    client.post("/api/v1/auth/login", json={"username": "kader1", "password": "salah-sandi"})
    again = all_pages(client, "/api/v1/audit-log", world.headers("admin"), action="login_failed")
    assert len(again) == len(logins) + 1 and again[0]["entity"] == "user"
    assert client.get("/api/v1/audit-log?entity=" + "x" * 31, headers=world.headers("admin")).status_code == 422
    for role in ("kader1", "bidan_a", "dinkes_gresik", "parent1"):
        assert client.get("/api/v1/audit-log", headers=world.headers(role)).status_code == 403


def test_each_row_of_a_weighing_or_dose_says_its_day(world, client, make_child, link_parent):
    """A midwife read "Sistem menghitung ulang status gizi: 2 penimbangan" and could not tell which:
    each row of a weighing or dose carries that record's day (a deleted dose's too), the child's none."""
    siti, _, twin, weighings, dose_id = _story(world, client, make_child, link_parent)
    on = (date.today() - timedelta(days=5)).isoformat()
    items = all_pages(client, f"/api/v1/children/{siti['id']}/history", world.headers("bidan_a"), limit=50)
    days = {(i["entity"], i["record_day"]) for i in items}
    assert days == {("child", None), ("measurement", on), ("immunisation", on)}, days
    moved = client.patch(f"/api/v1/measurements/{weighings[siti['id']]}", headers=world.headers("kader1"),
                         json={"measured_on": (date.today() - timedelta(days=3)).isoformat()})
    assert moved.status_code == 200, moved.get_json()
    items = all_pages(client, f"/api/v1/children/{siti['id']}/history", world.headers("bidan_a"), limit=50)
    # the day as it stands now, on every row of that weighing
    assert {i["record_day"] for i in items if i["record_id"] == weighings[siti["id"]]} == {
        (date.today() - timedelta(days=3)).isoformat()}
    assert {i["record_day"] for i in items if i["record_id"] == dose_id} == {on}
