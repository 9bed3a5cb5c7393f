"""Doses and supplements through POST /api/v1/sync/push: the schedule's rules as REST judges them (both databases)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from posyandu.messages import date_text

from tests.sync.helpers import child_data, mutation, new_id, push


def _baby(client, world, days: int) -> tuple[str, date]:
    cid, born = new_id(), date.today() - timedelta(days=days)
    [res] = push(client, world.headers("kader1"), [mutation("child", cid, child_data(world.ids["p1"],
                                                                                     birth_date=born.isoformat()))])
    assert res["status"] == "applied", res
    return cid, born


def test_a_bidan_correcting_a_dose_she_accepted_keeps_her_reason_as_rest_does(world, client):
    # A private clinic's early DPT 1, copied from the Buku KIA and accepted by the bidan with her reason.
    # She corrects its date, still before the minimum age, sending her reason as the record holds it
    # (the whole record, or only the date and the reason): push applies it as REST's PATCH does.
    cid, born = _baby(client, world, days=200)
    early = born + timedelta(days=20)
    dose = {"child_id": cid, "vaccine": "DPT-HB-Hib", "dose": 1, "given_on": early.isoformat(), "source": "record",
            "override_reason": "klinik swasta"}
    did, h = new_id(), world.headers("bidan_a")
    [made] = push(client, h, [mutation("immunisation", did, dose)])
    assert made["status"] == "applied" and made["record"]["override_by"] is not None, made
    [whole, partial] = push(client, h, [
        mutation("immunisation", did, {**dose, "given_on": (early + timedelta(days=1)).isoformat()}, base_version=1),
        mutation("immunisation", did, {"given_on": (early + timedelta(days=2)).isoformat(),
                                       "override_reason": "klinik swasta"}, base_version=1)])
    assert [whole["status"], partial["status"]] == ["applied", "applied"], (whole, partial)
    assert partial["record"]["given_on"] == (early + timedelta(days=2)).isoformat()
    assert partial["record"]["override_reason"] == "klinik swasta"
    rest = client.patch(f"/api/v1/immunisations/{did}", json={"given_on": (early + timedelta(days=3)).isoformat(),
                                                               "override_reason": "klinik swasta"}, headers=h)
    assert rest.status_code == 200, rest.get_json()
    # without her reason, or from a kader, the date outside the rules is still refused
    [bare] = push(client, h, [mutation("immunisation", did, {"given_on": (early + timedelta(days=4)).isoformat()},
                                       base_version=3)])
    assert bare["status"] == "rejected" and "override_reason" in bare["errors"]
    [kader] = push(client, world.headers("kader1"), [mutation("immunisation", did, {
        **dose, "given_on": (early + timedelta(days=4)).isoformat()}, base_version=3)])
    assert kader["status"] == "rejected" and "override_reason" in kader["errors"]


def test_a_bidan_correcting_a_capsule_she_accepted_keeps_her_reason(world, client):
    # a deworming dose outside the round months, accepted by the bidan; she moves it one day
    cid, born = _baby(client, world, days=500)
    day = next(born + timedelta(days=n) for n in range(400, 480) if (born + timedelta(days=n)).month not in (2, 8)
               and (born + timedelta(days=n + 1)).month not in (2, 8))
    sid, h = new_id(), world.headers("bidan_a")
    data = {"child_id": cid, "kind": "deworming", "given_on": day.isoformat(), "override_reason": "wabah cacingan"}
    [made] = push(client, h, [mutation("supplement", sid, data)])
    assert made["status"] == "applied", made
    [moved] = push(client, h, [mutation("supplement", sid, {**data, "given_on": (day + timedelta(days=1)).isoformat()},
                                        base_version=1)])
    assert moved["status"] == "applied", moved


# --- a dose restored over its tombstone is judged as a new one -----------------------------------
# While a dose was deleted, another may have been recorded (or the child's birth date corrected) that
# makes it break a rule: the phone that held the tombstone and chose "restore" sends its whole copy,
# date and dose unchanged, and the server judges it as it would the same dose recorded now.

def _record(client, world, by: str, entity: str, data: dict) -> str:
    record_id = new_id()
    [made] = push(client, world.headers(by), [mutation(entity, record_id, data)])
    assert made["status"] == "applied", made
    return record_id


def _deleted(client, world, entity: str, record_id: str) -> int:
    """Delete the record as kader1 (her phone's last version: 1); the tombstone's version."""
    [gone] = push(client, world.headers("kader1"), [mutation(entity, record_id, {"reason": "salah input"},
                                                             op="delete", base_version=1)])
    assert gone["status"] == "applied", gone
    return gone["version"]


def test_a_restored_dose_given_again_meanwhile_is_refused_until_the_other_goes(world, client):
    cid, born = _baby(client, world, days=200)
    first = {"child_id": cid, "vaccine": "DPT-HB-Hib", "dose": 1, "given_on": (born + timedelta(days=60)).isoformat(),
             "source": "record"}
    did = _record(client, world, "kader1", "immunisation", first)
    tombstone = _deleted(client, world, "immunisation", did)
    # the other cadre records DPT 1 again, ten days later (there is no DPT 1 on the server)
    other = _record(client, world, "kader1b", "immunisation",
                    {**first, "given_on": (born + timedelta(days=70)).isoformat()})
    # the phone that deleted it restores its copy: DPT 1 twice, on two days, as a new record would be
    for by in ("kader1", "bidan_a"):
        [back] = push(client, world.headers(by), [mutation("immunisation", did, {**first, "override_reason": "KMS"},
                                                           base_version=tombstone)])
        assert back["status"] == "rejected", back
        assert "already recorded" in back["errors"]["dose"][0], back["errors"]
    assert client.get(f"/api/v1/immunisations/{did}", headers=world.headers("kader1")).status_code == 404
    # no REST path restores a tombstone (an edit of it is not found): push is the only way back
    assert client.patch(f"/api/v1/immunisations/{did}", json={"given_on": first["given_on"]},
                        headers=world.headers("bidan_a")).status_code == 404
    # the second record deleted, the restore breaks no rule: it applies
    push(client, world.headers("kader1b"), [mutation("immunisation", other, op="delete", base_version=1)])
    [back] = push(client, world.headers("kader1"), [mutation("immunisation", did, first, base_version=tombstone)])
    assert back["status"] == "applied" and back["record"]["deleted_at"] is None, back
    assert back["record"]["override_by"] is None


def test_a_restored_dose_now_too_soon_after_the_previous_one_needs_a_bidan_and_her_reason(world, app, client):
    from posyandu.audit import AuditLog
    from posyandu.auth.models import User
    from posyandu.extensions import db

    cid, born = _baby(client, world, days=200)
    opv = {"child_id": cid, "vaccine": "OPV", "source": "record"}
    one = _record(client, world, "kader1", "immunisation", {**opv, "dose": 1, "given_on": (born + timedelta(days=45))
                                                            .isoformat()})
    two = {**opv, "dose": 2, "given_on": (born + timedelta(days=80)).isoformat()}
    tid = _record(client, world, "kader1", "immunisation", two)
    tombstone = _deleted(client, world, "immunisation", tid)
    # meanwhile OPV 1's date is corrected from the Buku KIA: 20 days before OPV 2's, which needs 28
    [moved] = push(client, world.headers("kader1b"), [mutation("immunisation", one, {
        "given_on": (born + timedelta(days=60)).isoformat()}, base_version=1)])
    assert moved["status"] == "applied", moved
    h = world.headers("bidan_a")
    [kader] = push(client, world.headers("kader1"), [mutation("immunisation", tid, two, base_version=tombstone)])
    assert kader["status"] == "rejected" and "20 days after OPV 1" in kader["errors"]["given_on"][0], kader
    assert "ask the midwife" in kader["errors"]["override_reason"][0]
    [bare] = push(client, h, [mutation("immunisation", tid, two, base_version=tombstone)])
    assert bare["status"] == "rejected" and "override_reason" in bare["errors"], bare
    [accepted] = push(client, h, [mutation("immunisation", tid, {**two, "override_reason": "tanggal dari Buku KIA"},
                                           base_version=tombstone)])
    assert accepted["status"] == "applied" and accepted["record"]["deleted_at"] is None, accepted
    assert accepted["record"]["override_reason"] == "tanggal dari Buku KIA"
    with app.app_context():
        bidan = db.session.scalar(select(User.id).where(User.username == "bidan_a"))
        overrides = db.session.execute(select(AuditLog.changes, AuditLog.reason, AuditLog.user_id).where(
            AuditLog.action == "override", AuditLog.record_id == tid)).all()
    assert accepted["record"]["override_by"] == str(bidan)
    assert [(r.changes["violations"], r.reason, r.user_id) for r in overrides] == [
        (["interval_too_short"], "tanggal dari Buku KIA", bidan)]
    assert "20 days after OPV 1" in overrides[0].changes["causes"][0]


def test_a_restored_rotavirus_dose_past_the_maximum_age_of_a_corrected_birth_date_is_refused(world, client):
    cid, born = _baby(client, world, days=200)
    rv = {"child_id": cid, "vaccine": "RV", "dose": 1, "given_on": (born + timedelta(days=150)).isoformat(),
          "source": "record"}
    rid = _record(client, world, "kader1", "immunisation", rv)
    tombstone = _deleted(client, world, "immunisation", rid)
    # the birth date corrected 80 days earlier: the dose was given at 230 days, past 6 months 29 days
    [child] = push(client, world.headers("kader1b"), [mutation("child", cid, {
        "birth_date": (born - timedelta(days=80)).isoformat()}, base_version=1)])
    assert child["status"] == "applied", child
    [back] = push(client, world.headers("kader1"), [mutation("immunisation", rid, rv, base_version=tombstone)])
    assert back["status"] == "rejected" and "maximum age" in back["errors"]["given_on"][0], back


def test_a_restored_capsule_given_again_in_its_round_meanwhile_is_refused(world, client):
    cid, born = _baby(client, world, days=700)
    # the last February or August wholly past: a round month the child was 12 months or older
    day = next(d for d in (date.today() - timedelta(days=n) for n in range(31, 250)) if d.month in (2, 8)
               and d.day == 1)
    data = {"child_id": cid, "kind": "deworming", "given_on": day.isoformat()}
    sid = _record(client, world, "kader1", "supplement", data)
    tombstone = _deleted(client, world, "supplement", sid)
    other = _record(client, world, "kader1b", "supplement", {**data, "given_on": (day + timedelta(days=9)).isoformat()})
    [back] = push(client, world.headers("kader1"), [mutation("supplement", sid, data, base_version=tombstone)])
    assert back["status"] == "rejected" and "already given" in back["errors"]["given_on"][0], back
    push(client, world.headers("kader1b"), [mutation("supplement", other, op="delete", base_version=1)])
    [back] = push(client, world.headers("kader1"), [mutation("supplement", sid, data, base_version=tombstone)])
    assert back["status"] == "applied" and back["record"]["deleted_at"] is None, back


def test_a_kader_undoes_her_mistaken_delete_of_a_dose_the_bidan_accepted(world, app, client):
    """A restore judged the dose whole, as new: a kader undoing her own mistaken delete of the bidan's
    accepted early DPT 1 (her phone's copy, the bidan's reason in it) was refused, "only a bidan may
    override". What the bidan accepted stands for a restore as it was; a rule broken only now, or a
    restore that moves the date, is judged as for a new dose."""
    from posyandu.audit import AuditLog
    from posyandu.extensions import db

    cid, born = _baby(client, world, days=200)
    early = born + timedelta(days=20)
    dose = {"child_id": cid, "vaccine": "DPT-HB-Hib", "dose": 1, "given_on": early.isoformat(), "source": "record",
            "override_reason": "klinik swasta"}
    did = new_id()
    [made] = push(client, world.headers("bidan_a"), [mutation("immunisation", did, dose)])
    assert made["status"] == "applied", made
    tombstone = _deleted(client, world, "immunisation", did)
    # moving the date while restoring it: a new judgement, which is the bidan's
    [moved] = push(client, world.headers("kader1"), [mutation("immunisation", did, {
        **dose, "given_on": (early + timedelta(days=1)).isoformat()}, base_version=tombstone)])
    assert moved["status"] == "rejected" and "override_reason" in moved["errors"], moved
    # as it was, with the bidan's reason as the record held it, or without any
    [back] = push(client, world.headers("kader1"), [mutation("immunisation", did, dose, base_version=tombstone)])
    assert back["status"] == "applied" and back["record"]["deleted_at"] is None, back
    assert back["record"]["override_by"] == made["record"]["override_by"]
    assert back["record"]["override_reason"] == "klinik swasta"
    gone = _deleted_again(client, world, did, back["version"])
    bare = {k: v for k, v in dose.items() if k != "override_reason"}
    [again] = push(client, world.headers("kader1"), [mutation("immunisation", did, bare, base_version=gone)])
    assert again["status"] == "applied", again
    # a reason of her own is hers to give: refused
    gone = _deleted_again(client, world, did, again["version"])
    [own] = push(client, world.headers("kader1"), [mutation("immunisation", did, {**dose, "override_reason": "kata ibu"},
                                                            base_version=gone)])
    assert own["status"] == "rejected" and "override_reason" in own["errors"], own
    with app.app_context():
        overrides = db.session.scalars(select(AuditLog.reason).where(AuditLog.action == "override",
                                                                     AuditLog.record_id == did)).all()
    assert overrides == ["klinik swasta"]     # the bidan's, once: no acceptance was made again

    # the bidan rewords her reason later; the kader's copy carries the new wording
    [back] = push(client, world.headers("kader1"), [mutation("immunisation", did, dose, base_version=gone)])
    assert back["status"] == "applied", back
    [reworded] = push(client, world.headers("bidan_a"), [mutation("immunisation", did, {
        "override_reason": "klinik swasta (Buku KIA)"}, base_version=back["version"])])
    assert reworded["status"] == "applied", reworded
    gone = _deleted_again(client, world, did, reworded["version"])
    [back] = push(client, world.headers("kader1"), [mutation("immunisation", did, {
        **dose, "override_reason": "klinik swasta (Buku KIA)"}, base_version=gone)])
    assert back["status"] == "applied" and back["record"]["override_reason"] == "klinik swasta (Buku KIA)", back
    gone = _deleted_again(client, world, did, back["version"])

    # a dose recorded while it was deleted (the same dose on another day) still refuses the restore
    push(client, world.headers("bidan_a"), [mutation("immunisation", new_id(), {
        **dose, "given_on": (born + timedelta(days=60)).isoformat(), "override_reason": None})])
    [clash] = push(client, world.headers("kader1"), [mutation("immunisation", did, dose, base_version=gone)])
    assert clash["status"] == "rejected" and "dose" in clash["errors"], clash


def _deleted_again(client, world, record_id: str, version: int) -> int:
    [gone] = push(client, world.headers("kader1"), [mutation("immunisation", record_id, {"reason": "salah input"},
                                                             op="delete", base_version=version)])
    assert gone["status"] == "applied", gone
    return gone["version"]


def test_a_restore_is_judged_afresh_when_the_cause_of_an_accepted_breach_changed(world, client):
    """The bidan accepted OPV 2 given 20 days after OPV 1 (28 needed). Restored unchanged, it keeps
    her acceptance; once OPV 1's date is corrected to 10 days before it, the same rule is broken for
    another cause she never saw: a kader's restore is refused and asks her."""
    cid, born = _baby(client, world, days=200)
    opv = {"child_id": cid, "vaccine": "OPV", "source": "record"}
    one = _record(client, world, "kader1", "immunisation", {**opv, "dose": 1, "given_on": (born + timedelta(days=45))
                                                            .isoformat()})
    two = {**opv, "dose": 2, "given_on": (born + timedelta(days=65)).isoformat(), "override_reason": "tanggal dari KIA"}
    tid = new_id()
    [made] = push(client, world.headers("bidan_a"), [mutation("immunisation", tid, two)])
    assert made["status"] == "applied" and made["record"]["override_by"], made
    gone = _deleted_again(client, world, tid, 1)
    [back] = push(client, world.headers("kader1"), [mutation("immunisation", tid, two, base_version=gone)])
    assert back["status"] == "applied", back
    gone = _deleted_again(client, world, tid, back["version"])
    [moved] = push(client, world.headers("kader1b"), [mutation("immunisation", one, {
        "given_on": (born + timedelta(days=55)).isoformat()}, base_version=1)])
    assert moved["status"] == "applied", moved
    [again] = push(client, world.headers("kader1"), [mutation("immunisation", tid, two, base_version=gone)])
    assert again["status"] == "rejected" and "10 days after OPV 1" in again["errors"]["given_on"][0], again
    assert "override_reason" in again["errors"]


@pytest.mark.parametrize("days, as_audited", [
    (20, lambda d: d.isoformat()),  # before rule messages wrote dates as "15 Mar 2024"
    (1, lambda d: date_text(d, "en")),  # before a count of one said "1 day" (it said "1 days")
])
def test_a_bidans_acceptance_audited_in_an_older_wording_still_covers_a_restore(world, app, client, days, as_audited):
    """Overrides audited before rule messages wrote dates as "15 Mar 2024" hold their causes with ISO
    dates ("... (2025-01-05); earliest allowed date is 2025-02-02."), and before they said "1 day" with
    "1 days". The same breach, restored as it was, is still the one she accepted: the kader's undo is
    applied, not sent back to the bidan."""
    from posyandu.audit import AuditLog
    from posyandu.extensions import db

    cid, born = _baby(client, world, days=200)
    opv = {"child_id": cid, "vaccine": "OPV", "source": "record"}
    first = born + timedelta(days=45)
    _record(client, world, "kader1", "immunisation", {**opv, "dose": 1, "given_on": first.isoformat()})
    two = {**opv, "dose": 2, "given_on": (first + timedelta(days=days)).isoformat(),
           "override_reason": "tanggal dari KIA"}
    tid = new_id()
    [made] = push(client, world.headers("bidan_a"), [mutation("immunisation", tid, two)])
    assert made["status"] == "applied" and made["record"]["override_by"], made
    with app.app_context():
        row = db.session.scalars(select(AuditLog).where(AuditLog.action == "override", AuditLog.record_id == tid)).one()
        assert row.changes["violations"] == ["interval_too_short"], row.changes
        row.changes = {**row.changes, "causes": [  # as audited before; OPV 2 needs 28 days after OPV 1
            f"OPV 2 given {days} days after OPV 1 ({as_audited(first)}); earliest allowed date is "
            f"{as_audited(first + timedelta(days=28))}."]}
        db.session.commit()
    gone = _deleted_again(client, world, tid, 1)
    [back] = push(client, world.headers("kader1"), [mutation("immunisation", tid, two, base_version=gone)])
    assert back["status"] == "applied", back


def test_a_capsule_accepted_when_its_cause_said_not_a_round_month_still_covers_a_restore(world, app, client):
    """A capsule outside the round months accepted by the bidan before the message said "is outside the
    round months" ("5 Mar 2025 is not a round month (February, August)."): restored as it was, it is still
    the breach she accepted."""
    from posyandu.audit import AuditLog
    from posyandu.extensions import db
    from posyandu.messages import MONTH_NAMES

    cid, born = _baby(client, world, days=500)
    day = next(born + timedelta(days=n) for n in range(400, 480) if (born + timedelta(days=n)).month not in (2, 8))
    data = {"child_id": cid, "kind": "deworming", "given_on": day.isoformat(), "override_reason": "wabah cacingan"}
    sid = _record(client, world, "bidan_a", "supplement", data)
    with app.app_context():
        row = db.session.scalars(select(AuditLog).where(AuditLog.action == "override", AuditLog.record_id == sid)).one()
        assert row.changes["violations"] == ["not_round_month"], row.changes
        rounds = ", ".join(MONTH_NAMES["en"][m - 1] for m in (2, 8))
        row.changes = {**row.changes, "causes": [f"{date_text(day, 'en')} is not a round month ({rounds})."]}
        db.session.commit()
    gone = _deleted(client, world, "supplement", sid)
    [back] = push(client, world.headers("kader1"), [mutation("supplement", sid, data, base_version=gone)])
    assert back["status"] == "applied", back


def test_a_kader_cannot_change_or_clear_the_bidans_reason(world, client):
    """The reason for a dose outside the rules is the bidan's word. A kader's edit that cleared it was
    applied (the rules are judged only when the date or dose changes), leaving override_by with no
    reason. Her corrections that resend it unchanged still go."""
    cid, born = _baby(client, world, days=200)
    dose = {"child_id": cid, "vaccine": "DPT-HB-Hib", "dose": 1, "given_on": (born + timedelta(days=20)).isoformat(),
            "source": "record", "override_reason": "klinik swasta"}
    did = new_id()
    [made] = push(client, world.headers("bidan_a"), [mutation("immunisation", did, dose)])
    assert made["status"] == "applied", made
    k = world.headers("kader1")
    [cleared, reworded] = push(client, k, [mutation("immunisation", did, {"override_reason": None}, base_version=1),
                                           mutation("immunisation", did, {"override_reason": "kata ibu"}, base_version=1)])
    assert [cleared["status"], reworded["status"]] == ["rejected", "rejected"], (cleared, reworded)
    assert list(cleared["errors"]) == ["override_reason"]
    rest = client.patch(f"/api/v1/immunisations/{did}", json={"override_reason": None}, headers=k)
    assert rest.status_code == 403 and "override_reason" in rest.get_json()["errors"], rest.get_json()
    # her correction of the batch, her copy's reason unchanged: applied; the bidan may reword it
    [batch] = push(client, k, [mutation("immunisation", did, {**dose, "batch_number": "A-17"}, base_version=1)])
    assert batch["status"] == "applied" and batch["record"]["override_reason"] == "klinik swasta", batch
    # her correction's audit row gives no reason of hers (the bidan's was only resent)
    with world.app.app_context():
        from posyandu.audit import AuditLog
        from posyandu.extensions import db

        logged = db.session.execute(select(AuditLog.reason).where(
            AuditLog.record_id == did, AuditLog.action == "update")).scalars().all()
    assert logged == [None], logged
    [bidan] = push(client, world.headers("bidan_a"), [mutation("immunisation", did, {"override_reason": "KIA klinik"},
                                                               base_version=batch["version"])])
    assert bidan["status"] == "applied", bidan
    # a kader's stale copy (the old wording) is not a change of hers: the merge leaves it out
    [stale] = push(client, k, [mutation("immunisation", did, {**dose, "batch_number": "A-18"},
                                        base_version=batch["version"])])
    assert stale["status"] == "applied" and stale["record"]["override_reason"] == "KIA klinik", stale


def test_a_kader_gives_no_reason_on_a_new_record_nor_in_the_push_that_made_it(world, client):
    """The check read the last committed version: a dose created in the same push, or one a kader
    created with a reason while breaking no rule, kept a reason no bidan gave (override_by null)."""
    cid, born = _baby(client, world, days=200)
    dose = {"child_id": cid, "vaccine": "DPT-HB-Hib", "dose": 1, "given_on": (born + timedelta(days=60)).isoformat(),
            "source": "record"}
    did, other = new_id(), new_id()
    [made, edited, with_reason] = push(client, world.headers("kader1"), [
        mutation("immunisation", did, dose),
        mutation("immunisation", did, {"override_reason": "disetujui bidan"}, base_version=1),
        mutation("immunisation", other, {**dose, "vaccine": "OPV", "override_reason": "disetujui bidan"})])
    assert made["status"] == "applied", made
    assert [edited["status"], with_reason["status"]] == ["rejected", "rejected"], (edited, with_reason)
    assert list(edited["errors"]) == ["override_reason"] and list(with_reason["errors"]) == ["override_reason"]
    # a weighing's N/T reason likewise
    [weighing] = push(client, world.headers("kader1"), [mutation("measurement", new_id(), {
        "child_id": cid, "measured_on": date.today().isoformat(), "weight_kg": 7.1,
        "trend_override_reason": "garis pertumbuhan"})])
    assert weighing["status"] == "rejected" and "trend_override_reason" in weighing["errors"], weighing
