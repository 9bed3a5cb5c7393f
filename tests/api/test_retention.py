"""Retention (UU 27/2022 PDP): a deleted child's personal data leaves the database after the
retention period (``flask purge-deleted-children``, posyandu.retention)."""
from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.sync.helpers import mutation, pull_all, push

NIK, MOTHER_NIK = "3525010101240001", "3525014101950002"


def _deleted_child(client, world, make_child, link_parent, *, name: str) -> dict:
    child = make_child(name=name, sex="F", nik=NIK if name == "Siti Aminah" else None,
                       mother_nik=MOTHER_NIK if name == "Siti Aminah" else None, mother_name="Ibu " + name,
                       father_name="Bapak " + name, guardian_phone="081234567890", address="Jl. Melati 3",
                       rt="001", rw="002")
    link_parent(child["id"])
    resp = client.patch(f"/api/v1/children/{child['id']}", json={"address": "Jl. Mawar 9"},
                        headers=world.headers("kader1"))
    assert resp.status_code == 200, resp.get_json()
    resp = client.delete(f"/api/v1/children/{child['id']}", query_string={"reason": "permintaan orang tua"},
                         headers=world.headers("kader1"))
    assert resp.status_code == 204
    return child


def _age_delete(db, child_id: str, days: int) -> None:
    from posyandu.registry.models import Child

    db.session.remove()
    child = db.session.get(Child, uuid.UUID(child_id))
    child.deleted_at = child.deleted_at - timedelta(days=days)
    db.session.commit()


def _everything_about(db, child_id: str) -> str:
    """Every row the database keeps that names the child, as text."""
    from posyandu.audit import AuditLog
    from posyandu.registry.models import Child
    from posyandu.sync.models import ChangeLog, SyncMutation

    cid = uuid.UUID(child_id)
    db.session.remove()
    child = db.session.get(Child, cid)
    rows = [{k: str(getattr(child, k)) for k in ("name", "nik", "mother_nik", "mother_name", "father_name",
                                                 "guardian_phone", "address", "rt", "rw")}]
    rows += [r.changes for r in db.session.scalars(select(AuditLog).where(AuditLog.record_id == child_id))]
    rows += [r.record for r in db.session.scalars(select(ChangeLog).where(ChangeLog.record_id == cid))]
    rows += [r.result for r in db.session.scalars(select(SyncMutation).where(SyncMutation.record_id == cid))]
    return json.dumps(rows, default=str)


def test_a_deleted_childs_personal_data_is_erased_after_the_retention_period_keeping_proof_of_writes(
        app, world, client, db, make_child, link_parent):
    from posyandu.audit import AuditLog
    from posyandu.registry.models import Child, ParentLink

    old = _deleted_child(client, world, make_child, link_parent, name="Siti Aminah")
    recent = _deleted_child(client, world, make_child, link_parent, name="Dewi Lestari")
    live = make_child(name="Budi Santoso", mother_name="Ibu Budi")
    _age_delete(db, old["id"], 400)
    before = _everything_about(db, old["id"])
    assert "Siti Aminah" in before and NIK in before and "Jl. Mawar 9" in before  # held until then

    result = app.test_cli_runner().invoke(args=["purge-deleted-children", "--days", "365"])
    assert result.exit_code == 0, result.output
    assert "1 " in result.output

    after = _everything_about(db, old["id"])
    for value in ("Siti Aminah", NIK, MOTHER_NIK, "Ibu Siti", "Bapak Siti", "081234567890", "Jl. Melati 3",
                  "Jl. Mawar 9"):
        assert value not in after, value
    erased = db.session.get(Child, uuid.UUID(old["id"]))
    assert (erased.name, erased.nik, erased.sex, str(erased.birth_date)) == ("[dihapus]", None, "F", old["birth_date"])
    # the audit still proves who wrote which field when: the create, the parent linked, the edit and the
    # delete, and the erasure
    actions = [(r.action, sorted((r.changes or {}).keys())) for r in db.session.scalars(
        select(AuditLog).where(AuditLog.record_id == old["id"]).order_by(AuditLog.id))]
    assert [a for a, _ in actions] == ["create", "link", "update", "delete", "erase"]
    assert "address" in actions[2][1] and "name" in actions[0][1]
    assert db.session.scalar(select(ParentLink).where(ParentLink.child_id == uuid.UUID(old["id"]))) is None
    # a child deleted within the period, and one not deleted, keep everything
    assert "Dewi Lestari" in _everything_about(db, recent["id"])
    assert db.session.get(Child, uuid.UUID(live["id"])).mother_name == "Ibu Budi"
    # again: nothing more to erase
    again = app.test_cli_runner().invoke(args=["purge-deleted-children", "--days", "365"])
    assert again.exit_code == 0 and again.output.startswith("0 "), again.output


def test_the_reasons_typed_for_a_childs_writes_are_erased_with_her_data(app, world, client, db, make_child):
    """A delete's reason names the family as often as not ("permintaan ibu Sulastri"), and the delete
    copies it to each of the child's weighings and doses: the purge left it, in clear, on every one
    of those audit rows (privacy.md: the rows keep who, when, the action and the fields' names)."""
    from datetime import date

    from posyandu.audit import AuditLog
    from posyandu.growth.models import Measurement

    child = make_child(name="Rara Kusumawati")
    weighed = client.post(f"/api/v1/children/{child['id']}/measurements", headers=world.headers("kader1"),
                          json={"measured_on": (date.today() - timedelta(days=3)).isoformat(), "weight_kg": 9.1})
    assert weighed.status_code == 201, weighed.get_json()
    reason = "permintaan ibu Sulastri Kusumawati, pindah ke Surabaya"
    resp = client.delete(f"/api/v1/children/{child['id']}", query_string={"reason": reason},
                         headers=world.headers("kader1"))
    assert resp.status_code == 204
    _age_delete(db, child["id"], 400)
    texts = [child["id"], *(str(i) for i in db.session.scalars(
        select(Measurement.id).where(Measurement.child_id == uuid.UUID(child["id"]))))]
    rows = select(AuditLog).where(AuditLog.record_id.in_(texts)).order_by(AuditLog.id)
    assert sum(r.reason == reason for r in db.session.scalars(rows)) == 2  # the child's delete, the weighing's

    result = app.test_cli_runner().invoke(args=["purge-deleted-children", "--days", "365"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    kept = [(r.entity, r.action, r.reason) for r in db.session.scalars(rows)]
    assert ("child", "delete", "[dihapus]") in kept and ("measurement", "delete", "[dihapus]") in kept
    assert not any("Sulastri" in (why or "") for _, _, why in kept), kept


def test_a_bidans_reasons_typed_on_a_dose_or_a_weighing_are_erased_wherever_they_are_kept(app, world, client, db, make_child):
    """A bidan's reason for a dose outside the rules, or for her N/T, names the family as often ("permintaan
    Ibu Siti Aminah"): the purge blanked only the audit rows' reason, and left the text on the dose, in the
    audit row of an override lifted, and in the change log's copies phones pull."""
    from datetime import date

    from posyandu.audit import AuditLog
    from posyandu.growth.models import Measurement
    from posyandu.immunisation.models import Immunisation
    from posyandu.sync.models import ChangeLog

    born = date.today() - timedelta(days=300)
    child = make_child(name="Siti Aminah", birth_date=born.isoformat())
    why, trend_why = "permintaan Ibu Siti Aminah, pindah ke Surabaya", "Ibu Siti Aminah bilang anaknya sakit"

    def dose(n: int, days_ago: int) -> Any:
        resp = client.post(f"/api/v1/children/{child['id']}/immunisations", headers=world.headers("bidan_a"), json={
            "vaccine": "RV", "dose": n, "given_on": (date.today() - timedelta(days=days_ago)).isoformat(),
            "batch_number": "T1", "override_reason": why})
        assert resp.status_code == 201 and resp.get_json()["override_reason"] == why, resp.get_json()
        return resp

    lifted = dose(1, 30)  # past RV's age: accepted by the bidan, then its date corrected within it (lifted)
    corrected = client.patch(f"/api/v1/immunisations/{lifted.get_json()['id']}", headers=world.headers("bidan_a"),
                             json={"given_on": (born + timedelta(days=60)).isoformat()})
    assert corrected.status_code == 200 and corrected.get_json()["override_reason"] is None, corrected.get_json()
    late = dose(2, 20)
    for days_ago, kg in ((35, 8.1), (3, 8.15)):  # a gain under her KBM: T, which the bidan judges N
        weighed = client.post(f"/api/v1/children/{child['id']}/measurements", headers=world.headers("kader1"),
                              json={"measured_on": (date.today() - timedelta(days=days_ago)).isoformat(),
                                    "weight_kg": kg})
        assert weighed.status_code == 201, weighed.get_json()
    judged = client.patch(f"/api/v1/measurements/{weighed.get_json()['id']}", headers=world.headers("bidan_a"),
                          json={"trend_override": "N", "trend_override_reason": trend_why})
    assert judged.status_code == 200, judged.get_json()
    resp = client.delete(f"/api/v1/children/{child['id']}", query_string={"reason": "salah daftar"},
                         headers=world.headers("kader1"))
    assert resp.status_code == 204
    _age_delete(db, child["id"], 400)
    ids = [uuid.UUID(r.get_json()["id"]) for r in (late, lifted, weighed)]

    def kept() -> str:
        db.session.remove()
        rows = [[d.override_reason for d in db.session.scalars(select(Immunisation).where(Immunisation.id.in_(ids)))],
                [m.trend_override_reason for m in db.session.scalars(select(Measurement).where(Measurement.id.in_(ids)))],
                [(a.reason, a.changes) for a in db.session.scalars(select(AuditLog).where(
                    AuditLog.record_id.in_([str(i) for i in ids])))],
                [c.record for c in db.session.scalars(select(ChangeLog).where(ChangeLog.record_id.in_(ids)))]]
        return json.dumps(rows, default=str)

    assert why in kept() and trend_why in kept()
    result = app.test_cli_runner().invoke(args=["purge-deleted-children", "--days", "365"])
    assert result.exit_code == 0, result.output
    after = kept()
    assert "Siti" not in after and "Aminah" not in after, after
    assert '"override_reason": "[dihapus]"' in after and '"trend_override_reason": "[dihapus]"' in after


def test_the_purge_refuses_a_period_shorter_than_a_phone_stays_offline(app, world):
    result = app.test_cli_runner().invoke(args=["purge-deleted-children", "--days", "7"])
    assert result.exit_code == 2 and "--days" in result.output


def test_a_phone_pulling_after_the_erasure_gets_no_personal_data_and_cannot_restore_the_child(
        app, world, client, db, make_child, link_parent):
    old = _deleted_child(client, world, make_child, link_parent, name="Siti Aminah")
    _age_delete(db, old["id"], 400)
    assert app.test_cli_runner().invoke(args=["purge-deleted-children"]).exit_code == 0
    changes, _, _ = pull_all(client, world.headers("kader1b"))
    mine = [c for c in changes if c["id"] == old["id"]]
    assert mine and "Siti" not in json.dumps(mine) and NIK not in json.dumps(mine)
    version = max(c["version"] for c in mine)
    [result] = push(client, world.headers("bidan_a", "id"),
                    [mutation("child", old["id"], {"name": "Siti Aminah"}, base_version=version)])
    assert result["status"] == "rejected", result
    assert "dihapus permanen" in result["errors"]["deleted_at"][0]


def test_a_child_restored_while_the_purge_runs_is_not_erased(app, world, client, db, make_child, link_parent):
    """A phone restores a child (its late 'undo') while the monthly purge is erasing: the purge must
    judge the child as she stands once the restore commits, not as it first read her, else a child
    back on the register loses her name, NIKs, parents and phone (and her parents' links) for good.
    PostgreSQL: two real transactions (SQLite's one write lock serialises them anyway)."""
    import threading

    from sqlalchemy import text

    from posyandu.registry.models import Child, ParentLink

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("two concurrent transactions")
    old = _deleted_child(client, world, make_child, link_parent, name="Siti Aminah")
    _age_delete(db, old["id"], 400)
    cid = uuid.UUID(old["id"])
    with app.app_context():
        restore = db.engine.connect()
        tx = restore.begin()
        # the restore holds the child's row (as registry.restore_child, under access.lock_children)
        restore.execute(text("UPDATE child SET deleted_at = NULL WHERE id = :id"), {"id": cid})
        done: dict = {}

        def purge() -> None:
            with app.app_context():
                done["result"] = app.test_cli_runner().invoke(args=["purge-deleted-children"])

        runner = threading.Thread(target=purge)
        runner.start()
        runner.join(2)  # the purge reads, then waits for the child's row
        tx.commit()
        restore.close()
        runner.join(30)
    assert not runner.is_alive() and done["result"].exit_code == 0, done
    db.session.remove()
    child = db.session.get(Child, cid)
    assert child.deleted_at is None
    assert (child.name, child.nik, child.guardian_phone) == ("Siti Aminah", NIK, "081234567890")
    assert db.session.scalar(select(ParentLink).where(ParentLink.child_id == cid)) is not None
