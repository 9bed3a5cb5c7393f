"""GET /children/deleted and POST /children/{id}/restore: a midwife brings back a child deleted by
mistake, with her history, after the phone that deleted her has forgotten the tombstone (both
databases)."""
from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import select

from tests.sync.helpers import child_data, measurement_data, mutation, new_id, pull_all, push


def _deleted(client, world, by="bidan_a", **query):
    resp = client.get("/api/v1/children/deleted", query_string=query, headers=world.headers(by))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def _child_with_history(client, world, name="Rahma Aulia"):
    """A child of p1 with a weighing and a dose, and a weighing deleted on its own (a mistake) before."""
    cid = new_id()
    born = (date.today() - timedelta(days=400)).isoformat()
    h = world.headers("kader1")
    weighing, alone, dose = new_id(), new_id(), new_id()
    last_month = (date.today().replace(day=1) - timedelta(days=1)).replace(day=5)
    results = push(client, h, [
        mutation("child", cid, child_data(world.ids["p1"], name=name, birth_date=born)),
        mutation("measurement", weighing, measurement_data(cid, measured_on=last_month.isoformat(), weight_kg=9.1)),
        mutation("measurement", alone, measurement_data(cid, measured_on=(date.today() - timedelta(days=70)).isoformat(),
                                                        weight_kg=8.9)),
        mutation("immunisation", dose, {"child_id": cid, "vaccine": "MR", "dose": 1,
                                        "given_on": last_month.isoformat()})])
    assert [r["status"] for r in results] == ["applied"] * 4, results
    [r] = push(client, h, [mutation("measurement", alone, {"reason": "salah anak"}, op="delete", base_version=1)])
    assert r["status"] == "applied"
    return cid, weighing, alone, dose


def _delete(client, world, cid, by="kader1", reason="salah input"):
    resp = client.delete(f"/api/v1/children/{cid}", query_string={"reason": reason}, headers=world.headers(by))
    assert resp.status_code == 204, resp.get_json()


def test_a_midwife_sees_a_deleted_child_with_who_why_and_what_went_with_her_then_brings_her_back(world, app, client):
    from posyandu.audit import AuditLog
    from posyandu.extensions import db
    from posyandu.growth.models import Measurement

    cid, weighing, alone, dose = _child_with_history(client, world)
    _delete(client, world, cid)
    # a phone that had not heard of the delete weighed her today: kept for review
    late = new_id()
    [r] = push(client, world.headers("kader1b"), [mutation("measurement", late, measurement_data(cid, weight_kg=9.4))])
    assert r["status"] == "applied"

    [item] = _deleted(client, world)["items"]
    assert item["id"] == cid and item["name"] == "Rahma Aulia" and item["posyandu_id"] == str(world.ids["p1"])
    assert item["deleted_by"] == {"name": "Kader1", "role": "kader"} and item["reason"] == "salah input"
    assert item["posyandu_open"] is True
    assert item["removed"] == {"measurement": 1, "immunisation": 1}  # not the weighing deleted on its own before
    assert item["recorded_after"] == {"measurement": 1}
    # a midwife of another puskesmas does not see her; a kader, dinkes or parent may not ask
    assert _deleted(client, world, by="bidan_b")["items"] == []
    assert _deleted(client, world, by="admin")["items"][0]["id"] == cid
    for who in ("kader1", "dinkes_gresik", "parent1"):
        assert client.get("/api/v1/children/deleted", headers=world.headers(who)).status_code == 403
        assert client.post(f"/api/v1/children/{cid}/restore", headers=world.headers(who)).status_code == 403
    assert client.post(f"/api/v1/children/{cid}/restore", headers=world.headers("bidan_b")).status_code == 404

    _, cursor, _ = pull_all(client, world.headers("kader1"))
    resp = client.post(f"/api/v1/children/{cid}/restore", headers=world.headers("bidan_a"))
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["id"] == cid and resp.get_json()["deleted_at"] is None
    with app.app_context():
        live = {str(m.id) for m in db.session.scalars(select(Measurement).where(
            Measurement.child_id == uuid.UUID(cid), Measurement.deleted_at.is_(None)))}
        assert live == {weighing, late}  # the one deleted on its own stays deleted
        [row] = db.session.scalars(select(AuditLog).where(AuditLog.record_id == cid, AuditLog.action == "restore"))
        from posyandu.auth.models import User
        assert row.entity == "child" and row.user_id == db.session.scalar(select(User.id).where(User.username == "bidan_a"))
    # her phones receive her and her history again (the late weighing judged against it: T, not O/B)
    pulled, _, _ = pull_all(client, world.headers("kader1"), cursor)
    assert sorted((c["entity"], c["id"], c["op"]) for c in pulled) == sorted(
        [("child", cid, "upsert"), ("measurement", weighing, "upsert"), ("immunisation", dose, "upsert"),
         ("measurement", late, "upsert")])
    assert [c["record"]["trend"] for c in pulled if c["id"] == late] == ["N"]
    assert client.get(f"/api/v1/children/{cid}", headers=world.headers("kader1")).status_code == 200
    assert _deleted(client, world)["items"] == []
    # a retry whose answer was lost: the child as she stands, nothing written again
    again = client.post(f"/api/v1/children/{cid}/restore", headers=world.headers("bidan_a"))
    assert again.status_code == 200 and again.get_json()["version"] == resp.get_json()["version"]
    with app.app_context():
        assert db.session.query(AuditLog).filter_by(record_id=cid, action="restore").count() == 1


def test_a_merged_duplicate_or_an_erased_child_is_neither_listed_nor_restored(world, app, client, make_child):
    from posyandu.retention import purge_deleted_children

    keep = make_child(name="Dimas Saputra", sex="M")
    twice = make_child(name="Dimas Saputra", sex="M", birth_date=keep["birth_date"])
    assert client.post(f"/api/v1/children/{keep['id']}/merge", json={"duplicate_id": twice["id"]},
                       headers=world.headers("bidan_a")).status_code == 200
    old = make_child(name="Bayu Pratama")
    _delete(client, world, old["id"])
    with app.app_context():
        from posyandu.extensions import db
        assert uuid.UUID(old["id"]) in purge_deleted_children(days=30, now=datetime_in(40))
        db.session.commit()
    assert _deleted(client, world)["items"] == []
    for cid in (twice["id"], old["id"]):
        assert client.post(f"/api/v1/children/{cid}/restore", headers=world.headers("bidan_a")).status_code == 404


def datetime_in(days: int):
    from datetime import datetime, timezone

    return datetime.now(timezone.utc) + timedelta(days=days)


def test_the_list_pages_the_last_deleted_first_and_narrows_to_a_posyandu(world, client, make_child):
    ids = []
    for i, posyandu in enumerate(["p1", "p2", "p1"]):
        child = make_child(by="kader1" if posyandu == "p1" else "kader2", posyandu=posyandu, name=f"Anak Hapus {i}")
        _delete(client, world, child["id"], by="bidan_a", reason=f"alasan {i}")
        ids.append(child["id"])
    first = _deleted(client, world, limit=2)
    assert [c["id"] for c in first["items"]] == [ids[2], ids[1]]
    assert first["items"][0]["deleted_by"] == {"name": "Bidan_A", "role": "bidan"}
    rest = _deleted(client, world, limit=2, cursor=first["next_cursor"])
    assert [c["id"] for c in rest["items"]] == [ids[0]] and rest["next_cursor"] is None
    assert [c["id"] for c in _deleted(client, world, posyandu_id=str(world.ids["p1"]))["items"]] == [ids[2], ids[0]]
    other = client.get("/api/v1/children/deleted", query_string={"posyandu_id": str(world.ids["p3"])},
                       headers=world.headers("bidan_a"))
    assert other.status_code == 404 and "posyandu_id" in other.get_json()["errors"]


def test_a_child_is_not_restored_at_a_posyandu_closed_since_and_nothing_changes(world, app, client, make_child):
    from posyandu.extensions import db
    from posyandu.registry.models import Child

    child = make_child(by="kader2", posyandu="p2", name="Citra Lestari")
    _delete(client, world, child["id"], by="kader2")
    with app.app_context():
        from posyandu.audit import record_change
        from posyandu.registry.models import Posyandu
        record_change(db.session.get(Posyandu, world.ids["p2"]), "delete", reason="ditutup")
        db.session.commit()
    # listed to the admin as of a posyandu closed since (the app offers no way back there)
    [listed] = [c for c in _deleted(client, world, by="admin")["items"] if c["id"] == child["id"]]
    assert listed["posyandu_open"] is False
    # out of the midwife's area now, as the posyandu's children are; the admin is told why
    assert client.post(f"/api/v1/children/{child['id']}/restore", headers=world.headers("bidan_a")).status_code == 404
    resp = client.post(f"/api/v1/children/{child['id']}/restore", headers=world.headers("admin", "id"))
    assert resp.status_code == 422, resp.get_json()
    body = resp.get_json()
    assert resp.content_type == "application/problem+json" and list(body["errors"]) == ["posyandu_id"]
    with app.app_context():
        assert db.session.get(Child, uuid.UUID(child["id"])).deleted_at is not None


def test_a_child_of_a_posyandu_closed_since_comes_back_at_the_open_posyandu_the_admin_names(world, app, client):
    """Told "posyandu ini sudah ditutup: pilih posyandu lain", the admin had no way to name one (the restore
    took no body), and registering the child again lost her weighings and doses. She comes back at the
    posyandu named, moved there with her history; a closed or unseen one is refused on posyandu_id."""
    from posyandu.audit import record_change
    from posyandu.extensions import db
    from posyandu.registry.models import Posyandu

    cid, weighing, _, dose = _child_with_history(client, world, name="Dewi Kembali")
    _delete(client, world, cid)
    with app.app_context():
        record_change(db.session.get(Posyandu, world.ids["p1"]), "delete", reason="ditutup")
        db.session.commit()
    admin = world.headers("admin", "id")
    refused = client.post(f"/api/v1/children/{cid}/restore", json={"posyandu_id": str(world.ids["p1"])}, headers=admin)
    assert refused.status_code == 422 and list(refused.get_json()["errors"]) == ["posyandu_id"], refused.get_json()
    back = client.post(f"/api/v1/children/{cid}/restore", json={"posyandu_id": str(world.ids["p2"])}, headers=admin)
    assert back.status_code == 200, back.get_json()
    assert (back.get_json()["posyandu_id"], back.get_json()["deleted_at"]) == (str(world.ids["p2"]), None)
    mawar = world.headers("kader2")
    weighings = client.get(f"/api/v1/children/{cid}/measurements", headers=mawar).get_json()["items"]
    assert [m["id"] for m in weighings] == [weighing]  # her history with her (not the weighing deleted before)
    assert [i["id"] for i in client.get(f"/api/v1/children/{cid}/immunisations", headers=mawar).get_json()["items"]] == [dose]
    # Mawar's phone gets her at its next pull
    changes, _, _ = pull_all(client, mawar)
    assert cid in {c["id"] for c in changes if c["entity"] == "child" and c["op"] == "upsert"}


def test_a_restore_takes_no_body(world, client, make_child):
    child = make_child(name="Eka Putri")
    _delete(client, world, child["id"])
    resp = client.post(f"/api/v1/children/{child['id']}/restore", json={"name": "X"}, headers=world.headers("bidan_a"))
    assert resp.status_code == 422 and resp.content_type == "application/problem+json"
    assert _deleted(client, world)["items"][0]["name"] == "Eka Putri"
