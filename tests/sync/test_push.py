"""POST /api/v1/sync/push: exactly-once, merge, conflicts, rejections (both databases)."""
from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from tests.support.statements import before_each_statement
from tests.sync.helpers import child_data, measurement_data, mutation, new_id, pull_all, push


def _count(app, model, **where):
    from posyandu.extensions import db

    with app.app_context():
        stmt = select(func.count()).select_from(model)
        for k, v in where.items():
            stmt = stmt.where(getattr(model, k) == v)
        return db.session.scalar(stmt)


def _new_child(client, world, by="kader1", posyandu="p1", **overrides):
    cid = new_id()
    [res] = push(client, world.headers(by), [mutation("child", cid, child_data(world.ids[posyandu], **overrides))])
    assert res["status"] == "applied", res
    return cid, res


def test_creates_apply_in_order_and_measurements_carry_server_growth(world, client):
    cid = new_id()
    results = push(client, world.headers("kader1"), [
        mutation("child", cid, child_data(world.ids["p1"])),
        mutation("measurement", new_id(), measurement_data(cid)),
    ])
    assert [r["status"] for r in results] == ["applied", "applied"]
    assert [r["version"] for r in results] == [1, 1]
    assert all(r["replayed"] is False and r["errors"] is None for r in results)
    m = results[1]["record"]
    assert m["child_id"] == cid and m["posyandu_id"] == str(world.ids["p1"])
    assert m["zscores"]["wfa"] is not None and m["status"]["bb_u"] == "normal"


def test_a_retry_after_a_lost_response_applies_nothing_twice(world, app, client):
    from posyandu.audit import AuditLog
    from posyandu.growth.models import Measurement
    from posyandu.sync.models import ChangeLog

    cid = new_id()
    batch = [mutation("child", cid, child_data(world.ids["p1"])),
             mutation("measurement", new_id(), measurement_data(cid)),
             mutation("measurement", new_id(), measurement_data(cid, weight_kg=-3))]
    first = push(client, world.headers("kader1"), batch)
    counts = (_count(app, Measurement), _count(app, ChangeLog), _count(app, AuditLog))
    again = push(client, world.headers("kader1"), batch)
    assert [r["status"] for r in again] == [r["status"] for r in first] == ["applied", "applied", "rejected"]
    assert all(r["replayed"] for r in again)
    assert [{**r, "replayed": False} for r in again] == first
    assert (_count(app, Measurement), _count(app, ChangeLog), _count(app, AuditLog)) == counts == (1, counts[1], counts[2])


def test_a_lost_conflict_answer_is_still_a_conflict_on_replay(world, client):
    cid, _ = _new_child(client, world)
    push(client, world.headers("kader1b"), [mutation("child", cid, {"name": "Siti A."}, base_version=1)])
    edit = mutation("child", cid, {"name": "Siti Aminah Putri"}, base_version=1)
    [first] = push(client, world.headers("kader1"), [edit])
    [replay] = push(client, world.headers("kader1"), [edit])
    assert first["status"] == replay["status"] == "conflict"
    assert replay["replayed"] is True and replay["record"]["name"] == "Siti A."


def test_a_replayed_answer_speaks_the_language_it_is_asked_in(world, client):
    """The ledger kept an answer's errors in the first request's language: a retry from a phone
    switched to English since (or from another client) got Indonesian. Rejections on reading, on a
    rule, and a conflict's fields alike."""
    cid, _ = _new_child(client, world)
    push(client, world.headers("kader1b"), [mutation("child", cid, {"name": "Siti A."}, base_version=1)])
    batch = [mutation("measurement", new_id(), measurement_data(cid, weight_kg=8500)),   # grams typed as kg
             mutation("vaccination", new_id(), {}),
             mutation("child", cid, {"name": "Siti Aminah Putri"}, base_version=1)]
    in_id = push(client, {**world.headers("kader1"), "Accept-Language": "id"}, batch)
    in_en = push(client, {**world.headers("kader1"), "Accept-Language": "en"}, batch)
    again_in_id = push(client, {**world.headers("kader1"), "Accept-Language": "id"}, batch)
    assert [r["status"] for r in in_id] == ["rejected", "rejected", "conflict"]
    assert all(r["replayed"] for r in in_en + again_in_id)
    assert "gram" in in_id[0]["errors"]["weight_kg"][0] and "gram" in in_en[0]["errors"]["weight_kg"][0]
    assert in_en[0]["errors"] != in_id[0]["errors"] and in_en[1]["errors"] != in_id[1]["errors"]
    assert [r["errors"] for r in again_in_id] == [r["errors"] for r in in_id]
    first_en = push(client, {**world.headers("kader1"), "Accept-Language": "en"},
                    [mutation("measurement", new_id(), measurement_data(cid, weight_kg=8500))])
    assert first_en[0]["errors"] == in_en[0]["errors"]     # as a first answer in English says it
    assert set(in_en[2]["errors"]) == set(in_id[2]["errors"]) == {"name"}


def test_a_refusal_comes_in_every_language_for_a_phone_to_keep(world, client):
    """A phone keeps a refused change until the cadre corrects it, and shows why in the language
    she picks, maybe another than the push's: each answer with errors carries them in every
    language (``errors_in``), first answers and replays alike, whatever the request asked for."""
    cid, _ = _new_child(client, world)
    weighing = mutation("measurement", new_id(), measurement_data(cid, weight_kg=8500))
    [in_id] = push(client, {**world.headers("kader1"), "Accept-Language": "id"}, [weighing])
    [replay_en] = push(client, {**world.headers("kader1"), "Accept-Language": "en"}, [weighing])
    [first_en] = push(client, {**world.headers("kader1"), "Accept-Language": "en"},
                      [mutation("measurement", new_id(), measurement_data(cid, weight_kg=8500))])
    assert in_id["status"] == replay_en["status"] == "rejected" and replay_en["replayed"] is True
    both = in_id["errors_in"]
    assert set(both) == {"id", "en"} and both["id"] != both["en"]
    assert both["id"] == in_id["errors"] and both["en"] == first_en["errors"] == replay_en["errors"]
    assert replay_en["errors_in"] == first_en["errors_in"] == both
    [applied] = push(client, world.headers("kader1"), [mutation("measurement", new_id(), measurement_data(cid))])
    assert applied["status"] == "applied" and applied["errors"] is None and "errors_in" not in applied


def test_a_reused_mutation_id_with_other_content_is_rejected(world, client):
    cid, _ = _new_child(client, world)
    m = mutation("child", cid, {"name": "Nama Satu"}, base_version=1)
    push(client, world.headers("kader1"), [m])
    [res] = push(client, world.headers("kader1"), [{**m, "data": {"name": "Nama Dua"}}])
    assert res["status"] == "rejected" and "mutation_id" in res["errors"]
    # another user replaying someone's mutation id learns nothing about it
    [other] = push(client, world.headers("kader1b"), [m])
    assert other["status"] == "rejected" and other["record"] is None


def test_a_bad_mutation_is_rejected_with_field_errors_and_the_rest_apply(world, app, client):
    from posyandu.growth.models import Measurement

    cid, _ = _new_child(client, world)
    results = push(client, {**world.headers("kader1"), "Accept-Language": "id"}, [
        mutation("measurement", new_id(), measurement_data(cid, weight_kg=8500)),   # grams typed as kg
        {"mutation_id": "not-a-uuid", "entity": "measurement", "op": "upsert", "id": new_id(), "data": {}},
        mutation("vaccination", new_id(), {}),
        {"entity": "measurement", "op": "upsert", "id": new_id()},
        42, "x", None, [],  # not even objects: answered in their place, the batch still applies
        mutation("measurement", new_id(), measurement_data(cid)),
    ])
    assert [r["status"] for r in results] == ["rejected"] * 8 + ["applied"]
    assert results[3]["mutation_id"] is None and "mutation_id" in results[3]["errors"]
    for r in results[4:8]:
        assert r["mutation_id"] is None and r["errors"] == {"_schema": ["mutasi harus berupa objek"]}
    assert "gram" in results[0]["errors"]["weight_kg"][0]
    assert "mutation_id" in results[1]["errors"] and "entity" in results[2]["errors"]
    assert _count(app, Measurement) == 1


def test_an_id_written_otherwise_than_a_uuid_is_rejected_and_an_upper_case_one_answered_in_lower_case(world, app, client):
    """The contract: a malformed id is refused. Braces, "urn:uuid:" and 32 digits run together were read
    (Python reads them) and the record answered under another id than the one its phone made: a phone
    keying its records by their text held two. An upper-case UUID is one (RFC 9562): answered in lower case."""
    from posyandu.registry.models import Child

    h = world.headers("kader1")
    plain = str(uuid.uuid4())
    written = [f"{{{plain}}}", f"urn:uuid:{plain}", plain.replace("-", "")]
    results = push(client, h, [mutation("child", i, child_data(world.ids["p1"], name=f"Anak {n}"))
                               for n, i in enumerate(written)])
    assert [(r["status"], list(r["errors"])) for r in results] == [("rejected", ["id"])] * 3, results
    [upper] = push(client, h, [mutation("child", plain.upper(), child_data(world.ids["p1"], name="Anak Besar"))])
    assert upper["status"] == "applied" and upper["record"]["id"] == plain, upper
    assert _count(app, Child) == 1
    # an event naming her so, in the bulk path and one at a time alike: refused on child_id, not put under her
    for bulk in (True, False):
        app.config["SYNC_BULK"] = bulk
        try:
            events = push(client, h, [mutation("measurement", new_id(), measurement_data(other)) for other in written])
        finally:
            app.config["SYNC_BULK"] = True
        assert [(r["status"], list(r["errors"])) for r in events] == [("rejected", ["child_id"])] * 3, events


def test_a_required_field_sent_null_in_a_push_is_told_wajib_diisi_as_over_rest(world, app, client):
    """A phone's record with a required value null (a date the cadre never picked) was told "tidak boleh
    kosong" in the push, while the same record posted to the REST API was told "wajib diisi": one
    message for one mistake, wherever it arrives. A field that may be empty still takes null."""
    from posyandu.growth.models import Measurement

    cid, _ = _new_child(client, world)
    h = {**world.headers("kader1"), "Accept-Language": "id"}
    measured, child, fine = push(client, h, [
        mutation("measurement", new_id(), measurement_data(cid, measured_on=None)),
        mutation("child", new_id(), child_data(world.ids["p1"], name=None, birth_date=None)),
        mutation("measurement", new_id(), measurement_data(cid, muac_cm=None)),
    ])
    assert measured["status"] == "rejected" and measured["errors"] == {"measured_on": ["wajib diisi"]}
    assert measured["errors_in"]["en"] == {"measured_on": ["missing data for required field"]}
    assert child["errors"] == {"name": ["wajib diisi"], "birth_date": ["wajib diisi"]}
    assert fine["status"] == "applied", fine
    rest = client.post("/api/v1/children", json=child_data(world.ids["p1"], name=None, birth_date=None), headers=h)
    assert rest.status_code == 422 and rest.get_json()["errors"] == child["errors"]
    assert _count(app, Measurement) == 1


def test_a_mutation_refused_on_reading_is_kept_replayed_and_its_id_never_used_again(world, app, client):
    # The contract: sending a mutation id again changes nothing and answers the first answer,
    # replayed, rejections included; also for mutations too broken to apply (an unknown entity,
    # a bad record id, text no database can store), as long as their mutation id can be read.
    from posyandu.growth.models import Measurement
    from posyandu.registry.models import Child

    cid, _ = _new_child(client, world)
    h = world.headers("kader1")
    broken = [mutation("vaccination", new_id(), {}),
              {**mutation("measurement", new_id(), measurement_data(cid)), "id": "bukan-uuid"},
              mutation("child", new_id(), child_data(world.ids["p1"], name="Ani\x00")),
              mutation("child", new_id(), child_data(world.ids["p1"], name="Ani\ud800")),
              {**mutation("measurement", new_id(), measurement_data(cid)), "op": "\x00"},
              {**mutation("measurement", new_id(), measurement_data(cid)), "mutation_id": "bukan-uuid"}]
    first = push(client, h, broken)
    assert [(r["status"], r["replayed"]) for r in first] == [("rejected", False)] * 6
    # a record's field named as every refusal of it names it, not nested under "data" (the phone's list of
    # refused records joins each field's messages: it showed "[object Object]")
    assert list(first[2]["errors"]) == list(first[3]["errors"]) == ["name"], first[2:4]
    assert all(isinstance(m, str) for r in first for ms in r["errors"].values() for m in ms), first
    assert list(first[4]["errors"]) == ["op"], first[4]
    # a record's field named as a mutation's own: lifted beside it, the mutation's id still read (the phone
    # matches answers by it)
    odd = mutation("child", new_id(), child_data(world.ids["p1"], mutation_id="x\x00"))
    [answer] = push(client, h, [odd])
    assert answer["mutation_id"] == odd["mutation_id"] and answer["status"] == "rejected", answer
    again = push(client, h, broken)
    assert [(r["status"], r["replayed"]) for r in again[:5]] == [("rejected", True)] * 5
    assert [{**r, "replayed": False} for r in again[:5]] == first[:5]
    assert again[5] == first[5] and again[5]["mutation_id"] is None   # no id to remember it by
    # the same ids with a mended change are refused: an id means one change
    mended = [mutation("measurement", m["id"] if m["entity"] == "vaccination" else new_id(), measurement_data(cid),
                       mutation_id=m["mutation_id"]) for m in broken[:5]]
    answers = push(client, h, mended)
    assert [r["status"] for r in answers] == ["rejected"] * 5
    assert all(list(r["errors"]) == ["mutation_id"] for r in answers)
    assert _count(app, Measurement) == 0 and _count(app, Child) == 1


def test_more_than_500_mutations_is_413_and_applies_nothing(world, app, client):
    from posyandu.registry.models import Child

    body = {"client_id": "d", "mutations": [mutation("child", new_id(), child_data(world.ids["p1"]))
                                            for _ in range(501)]}
    resp = client.post("/api/v1/sync/push", json=body, headers=world.headers("kader1"))
    assert resp.status_code == 413 and resp.content_type == "application/problem+json"
    assert _count(app, Child) == 0


def test_only_staff_push(world, client):
    for user, status in (("parent1", 403), ("dinkes_gresik", 403)):
        resp = client.post("/api/v1/sync/push", json={"client_id": "d", "mutations": []}, headers=world.headers(user))
        assert resp.status_code == status
    assert client.post("/api/v1/sync/push", json={"client_id": "d", "mutations": []}).status_code == 401
    for bad in ("x", {"a": 1}, None):
        resp = client.post("/api/v1/sync/push", json={"client_id": "d", "mutations": bad}, headers=world.headers("kader1"))
        assert resp.status_code == 422 and "mutations" in resp.get_json()["errors"]
    # a list that holds something else than mutations: each item answered in its place (below)
    resp = client.post("/api/v1/sync/push", json={"client_id": "d", "mutations": ["not an object"]},
                       headers=world.headers("kader1"))
    assert resp.status_code == 200 and resp.get_json()["results"][0]["status"] == "rejected"


def test_non_overlapping_edits_merge_and_overlapping_ones_conflict(world, client):
    cid, _ = _new_child(client, world)
    [a] = push(client, world.headers("kader1"), [mutation("child", cid, {"mother_name": "Ibu Rina"}, base_version=1)])
    assert a["status"] == "applied" and a["version"] == 2
    # kader1b last saw version 1 and sends the whole record with one field changed:
    # the unchanged fields must not undo kader1's edit
    whole = {**child_data(world.ids["p1"]), "address": "Dusun Krajan RT 2"}
    [b] = push(client, world.headers("kader1b"), [mutation("child", cid, whole, base_version=1)])
    assert b["status"] == "applied" and b["version"] == 3
    assert b["record"]["mother_name"] == "Ibu Rina" and b["record"]["address"] == "Dusun Krajan RT 2"
    # both changed mother_name to different values: a conflict carrying the server's record
    [c] = push(client, world.headers("kader1b"), [mutation("child", cid, {"mother_name": "Ibu Rini"}, base_version=1)])
    assert c["status"] == "conflict" and c["version"] == 3 and c["record"]["mother_name"] == "Ibu Rina"
    assert list(c["errors"]) == ["mother_name"]
    # the same value on both sides is not a conflict
    [d] = push(client, world.headers("kader1b"), [mutation("child", cid, {"mother_name": "Ibu Rina"}, base_version=1)])
    assert d["status"] == "applied" and d["version"] == 3
    # resolving: a new mutation based on the server version
    [e] = push(client, world.headers("kader1b"), [mutation("child", cid, {"mother_name": "Ibu Rini"}, base_version=3)])
    assert e["status"] == "applied" and e["record"]["mother_name"] == "Ibu Rini" and e["version"] == 4


def test_create_then_edits_queued_offline_in_one_batch(world, client):
    cid, mid = new_id(), new_id()
    results = push(client, world.headers("kader1"), [
        mutation("child", cid, child_data(world.ids["p1"])),
        mutation("child", cid, {"name": "Siti Nurhaliza"}),
        mutation("measurement", mid, measurement_data(cid)),
        mutation("measurement", mid, {"weight_kg": 8.3}),
    ])
    assert [r["status"] for r in results] == ["applied"] * 4
    assert [r["version"] for r in results] == [1, 1, 1, 1]
    assert results[0]["record"]["name"] == results[1]["record"]["name"] == "Siti Nurhaliza"
    assert results[2]["record"]["weight_kg"] == 8.3
    changes, _, _ = pull_all(client, world.headers("kader1b"))
    [child] = [c for c in changes if c["entity"] == "child"]
    assert child["record"]["name"] == "Siti Nurhaliza" and child["version"] == 1


def test_a_birth_date_fix_recomputes_z_scores_as_new_versions(world, client):
    cid, _ = _new_child(client, world)
    [m] = push(client, world.headers("kader1"), [mutation("measurement", new_id(), measurement_data(cid))])
    _, cursor, _ = pull_all(client, world.headers("kader1b"))
    older = child_data(world.ids["p1"])["birth_date"].replace(child_data(world.ids["p1"])["birth_date"][:4],
                                                              str(int(child_data(world.ids["p1"])["birth_date"][:4]) - 1))
    [c] = push(client, world.headers("kader1"), [mutation("child", cid, {"birth_date": older}, base_version=1)])
    assert c["status"] == "applied"
    changes, _, _ = pull_all(client, world.headers("kader1b"), cursor)
    [pulled] = [x for x in changes if x["entity"] == "measurement"]
    assert pulled["version"] == 2 and pulled["record"]["age_days"] > m["record"]["age_days"] + 360
    assert pulled["record"]["zscores"]["wfa"] < m["record"]["zscores"]["wfa"]


def test_deletes_tombstones_and_restore(world, app, client):
    from posyandu.growth.models import Measurement

    cid, _ = _new_child(client, world)
    mid = new_id()
    push(client, world.headers("kader1"), [mutation("measurement", mid, measurement_data(cid))])
    push(client, world.headers("kader1b"), [mutation("child", cid, {"address": "Jl. Mawar 3"}, base_version=1)])
    # a delete based on a stale version does not remove what another cadre just changed
    [stale] = push(client, world.headers("kader1"), [mutation("child", cid, op="delete", base_version=1)])
    assert stale["status"] == "conflict" and stale["record"]["address"] == "Jl. Mawar 3"
    [gone] = push(client, world.headers("kader1"), [mutation("child", cid, {"reason": "salah input"},
                                                             op="delete", base_version=2)])
    assert gone["status"] == "applied" and gone["record"]["deleted_at"] is not None
    with app.app_context():
        from posyandu.extensions import db
        assert db.session.get(Measurement, __import__("uuid").UUID(mid)).deleted_at is not None  # cascade
    [again] = push(client, world.headers("kader1"), [mutation("child", cid, op="delete", base_version=2)])
    assert again["status"] == "applied"
    # an edit of a tombstone is a conflict; a restore based on the tombstone's version applies
    [edit] = push(client, world.headers("kader1b"), [mutation("child", cid, {"name": "X"}, base_version=2)])
    assert edit["status"] == "conflict" and edit["errors"] == {"deleted_at": [edit["errors"]["deleted_at"][0]]}
    [restore] = push(client, world.headers("kader1b"), [mutation("child", cid, {"name": "Siti"}, base_version=3)])
    assert restore["status"] == "applied" and restore["record"]["deleted_at"] is None
    assert restore["record"]["name"] == "Siti"
    changes, _, _ = pull_all(client, world.headers("kader1b"))
    deletes = [c for c in changes if c["op"] == "delete"]
    assert {(c["entity"], c["reason"]) for c in deletes} == {("child", "deleted"), ("measurement", "deleted")}


def _reviews(app, record_id):
    from posyandu.audit import AuditLog
    from posyandu.extensions import db

    with app.app_context():
        return [a.reason for a in db.session.scalars(select(AuditLog).where(
            AuditLog.action == "needs_review", AuditLog.record_id == str(record_id)))]


def test_weighings_for_a_child_deleted_meanwhile_are_kept_for_review_recorded_or_restored(world, app, client):
    cid, _ = _new_child(client, world)
    kept, late = new_id(), new_id()
    push(client, world.headers("kader1"), [mutation("measurement", kept, measurement_data(cid))])
    [gone] = push(client, world.headers("kader1b"), [mutation("child", cid, op="delete", base_version=1)])
    assert gone["status"] == "applied"
    # the other phone, offline, weighed the child: its weighing is kept, for a person to review
    [new] = push(client, world.headers("kader1"), [mutation("measurement", late, measurement_data(cid, weight_kg=8.3))])
    assert new["status"] == "applied" and new["record"]["deleted_at"] is None
    assert _reviews(app, late) == ["recorded for a deleted child"]
    # and restoring the weighing the child's delete removed is kept the same way
    tombstone = [c for c in pull_all(client, world.headers("kader1"))[0] if c["id"] == kept][-1]
    assert tombstone["op"] == "delete"
    [back] = push(client, world.headers("kader1"), [mutation("measurement", kept, measurement_data(cid),
                                                             base_version=tombstone["version"])])
    assert back["status"] == "applied" and back["record"]["deleted_at"] is None, back
    assert _reviews(app, kept) == ["restored for a deleted child"]


def test_a_child_deleted_by_a_phone_that_never_saw_a_new_weighing_of_hers_is_a_conflict(world, app, client):
    """Kader B, offline, deleted a child as registered by mistake; kader A had weighed her today and synced
    first: B's delete (of the child's version B saw, unchanged) took A's weighing with her, unsaid (a QA pass
    with two phones; sent the other way round the weighing is kept for review). Her delete is a conflict
    until her phone has pulled the weighing; then her "Tetap hapus" deletes both. Her own weighing, or one
    deleted since, asks nothing."""
    from posyandu.growth.models import Measurement

    def pull(who, phone):
        resp = client.get("/api/v1/sync/pull", query_string={"client_id": phone, "limit": 500},
                          headers=world.headers(who))
        assert resp.status_code == 200, resp.get_json()

    cid, _ = _new_child(client, world)
    pull("kader1b", "phone-b")
    weighed = new_id()
    push(client, world.headers("kader1"), [mutation("measurement", weighed, measurement_data(cid))], client_id="phone-a")
    [asked] = push(client, world.headers("kader1b"), [mutation("child", cid, {"reason": "terdaftar keliru"}, op="delete",
                                                               base_version=1)], client_id="phone-b")
    assert asked["status"] == "conflict", asked
    assert _count(app, Measurement, id=uuid.UUID(weighed), deleted_at=None) == 1
    pull("kader1b", "phone-b")  # the weighing reaches her phone; she keeps her delete
    [gone] = push(client, world.headers("kader1b"), [mutation("child", cid, {"reason": "terdaftar keliru"}, op="delete",
                                                              base_version=1)], client_id="phone-b")
    assert gone["status"] == "applied", gone
    assert _count(app, Measurement, id=uuid.UUID(weighed), deleted_at=None) == 0

    # her own weighing since her pull asks nothing, nor another's deleted since
    for own in (True, False):
        cid, _ = _new_child(client, world)
        pull("kader1b", "phone-b")
        mid = new_id()
        by, phone = ("kader1b", "phone-b") if own else ("kader1", "phone-a")
        [m] = push(client, world.headers(by), [mutation("measurement", mid, measurement_data(cid))], client_id=phone)
        if not own:
            push(client, world.headers("kader1"), [mutation("measurement", mid, op="delete", base_version=m["version"])],
                 client_id="phone-a")
        [gone] = push(client, world.headers("kader1b"), [mutation("child", cid, op="delete", base_version=1)],
                      client_id="phone-b")
        assert gone["status"] == "applied", (own, gone)


def _closed_before_its_kader_were_moved(app, posyandu_id):
    """A posyandu closed while its kader stayed active there, as the server allowed before it asked
    that they be moved or switched off first: their phones still hold its records."""
    from posyandu.audit import record_change
    from posyandu.extensions import db
    from posyandu.registry.models import Posyandu

    with app.app_context():
        record_change(db.session.get(Posyandu, posyandu_id), "delete", reason="closed with its kader")
        db.session.commit()


def test_a_child_is_not_restored_at_a_posyandu_closed_since(world, app, client):
    """Its kader still sees her closed posyandu's deleted child (her phone holds the tombstone): she
    is told the posyandu is closed, and nothing comes back to life there."""
    from posyandu.registry.models import Child

    cid, _ = _new_child(client, world, by="kader2", posyandu="p2")
    [gone] = push(client, world.headers("kader2"), [mutation("child", cid, op="delete", base_version=1)])
    _closed_before_its_kader_were_moved(app, world.ids["p2"])
    [back] = push(client, world.headers("kader2"), [mutation("child", cid, child_data(world.ids["p2"]),
                                                             base_version=gone["version"])])
    assert back["status"] == "rejected" and list(back["errors"]) == ["posyandu_id"], back
    assert "ditutup" in back["errors"]["posyandu_id"][0] or "closed" in back["errors"]["posyandu_id"][0]
    assert _count(app, Child, id=uuid.UUID(cid), deleted_at=None) == 0


def test_a_delete_is_no_conflict_for_what_the_server_derived_since(world, client):
    # A cadre deletes the weighing she entered by mistake. Meanwhile another cadre recorded last
    # month's weighing late, which gave hers a KMS trend (a new version, computed by the server),
    # and a posyandu's desa correction moved her child's kabupaten. Neither is a change a device
    # made to what she deletes: the delete applies. Another device's edit still conflicts.
    cid, _ = _new_child(client, world, birth_date=(date.today() - timedelta(days=400)).isoformat())
    mine, other = new_id(), new_id()
    [made] = push(client, world.headers("kader1b"), [mutation("measurement", mine, measurement_data(cid)),
                                                     mutation("measurement", other, measurement_data(cid))],
                  client_id="phone-b")[:1]
    assert made["record"]["trend"] == "B"
    [late] = push(client, world.headers("kader1"), [mutation("measurement", new_id(), measurement_data(
        cid, measured_on=_month(1), weight_kg=7.6))], client_id="phone-a")
    assert late["status"] == "applied"
    [edit] = push(client, world.headers("kader1"), [mutation("measurement", other, {"weight_kg": 8.3},
                                                             base_version=1)], client_id="phone-a")
    assert edit["status"] == "applied"
    [gone, stale] = push(client, world.headers("kader1b"), [mutation("measurement", mine, op="delete", base_version=1),
                                                            mutation("measurement", other, op="delete", base_version=1)],
                         client_id="phone-b")
    assert gone["status"] == "applied" and gone["record"]["deleted_at"] is not None, gone
    assert stale["status"] == "conflict" and stale["record"]["weight_kg"] == 8.3
    cid2, _ = _new_child(client, world, name="Budi")
    resp = client.patch(f"/api/v1/posyandu/{world.ids['p1']}", json={"desa_code": "35.26.01.2001"},
                        headers=world.headers("admin"))
    assert resp.status_code == 200, resp.get_json()
    [child_gone] = push(client, world.headers("kader1b"), [mutation("child", cid2, op="delete", base_version=1)])
    assert child_gone["status"] == "applied", child_gone
    # a restore is a device's change: a delete based on the tombstone it restored still conflicts
    [back] = push(client, world.headers("kader1"), [mutation("measurement", mine, {}, base_version=gone["version"])],
                  client_id="phone-a")
    assert back["status"] == "applied" and back["record"]["deleted_at"] is None, back
    [again] = push(client, world.headers("bidan_a"), [mutation("measurement", mine, op="delete",
                                                               base_version=gone["version"])], client_id="phone-c")
    assert again["status"] == "conflict" and again["record"]["deleted_at"] is None


def test_a_delete_conflicts_with_another_devices_change_even_one_it_undid_since(world, client):
    # The bidan moved the child to Mawar and back (a wrong tap, corrected), and another cadre
    # renamed a second child and then put the name back. Values now equal what the deleting
    # cadre saw, but another person wrote the record since her version: "stale base_version ->
    # conflict" (sync-notes), the delete waits for her to look again; from the version she is
    # shown it applies.
    moved, renamed = _new_child(client, world)[0], _new_child(client, world, name="Rina")[0]
    for posyandu, version in (("p2", 1), ("p1", 2)):
        [res] = push(client, world.headers("bidan_a"), [mutation("child", moved, {"posyandu_id": str(world.ids[posyandu])},
                                                                 base_version=version)], client_id="phone-bidan")
        assert res["status"] == "applied", res
    for name, version in (("Rina Wati", 1), ("Rina", 2)):
        [res] = push(client, world.headers("kader1b"), [mutation("child", renamed, {"name": name},
                                                                 base_version=version)], client_id="phone-b")
        assert res["status"] == "applied", res
    stale = push(client, world.headers("kader1"), [mutation("child", moved, op="delete", base_version=1),
                                                    mutation("child", renamed, op="delete", base_version=1)],
                 client_id="phone-a")
    assert [(r["status"], r["version"], r["record"]["deleted_at"]) for r in stale] == [("conflict", 3, None)] * 2
    again = push(client, world.headers("kader1"), [mutation("child", moved, op="delete", base_version=3),
                                                    mutation("child", renamed, op="delete", base_version=3)],
                 client_id="phone-a")
    assert [r["status"] for r in again] == ["applied"] * 2 and all(r["record"]["deleted_at"] for r in again)


def _month(months_ago: int) -> str:
    """The first day of the calendar month ``months_ago`` before this one."""
    index = date.today().year * 12 + date.today().month - 1 - months_ago
    return date(index // 12, index % 12 + 1, 1).isoformat()


def _stored(app, model, ids):
    """Each record as stored: (live, KMS trend or None, weight gain or None)."""
    from posyandu.extensions import db

    with app.app_context():
        found = {str(r.id): r for r in db.session.scalars(select(model).where(model.id.in_(map(uuid.UUID, ids))))}
        return [(r.deleted_at is None, getattr(r, "trend", None), getattr(r, "weight_gain_g", None))
                for r in map(found.get, ids)]


def test_restoring_a_deleted_weighing_gives_next_month_its_trend_back_on_every_phone(world, app, client):
    """Weighed three months running: deleting the middle weighing makes the last one O (not weighed
    the month before); restoring it makes the last one T again (no gain), on the server and on the
    phones, which pull the restored weighing and its neighbour's new trend."""
    from posyandu.growth.models import Measurement

    cid, _ = _new_child(client, world, birth_date=(date.today() - timedelta(days=500)).isoformat())
    h = world.headers("kader1")
    ids = [new_id() for _ in range(3)]
    push(client, h, [mutation("measurement", mid, measurement_data(cid, measured_on=_month(ago), weight_kg=kg))
                     for mid, ago, kg in zip(ids, (2, 1, 0), (9.0, 9.5, 9.5))])
    assert _stored(app, Measurement, ids) == [(True, "B", None), (True, "N", 500), (True, "T", 0)]
    [gone] = push(client, h, [mutation("measurement", ids[1], {"reason": "salah"}, op="delete", base_version=1)])
    assert _stored(app, Measurement, ids)[2] == (True, "O", None)
    _, cursor, _ = pull_all(client, world.headers("kader1b"))
    [back] = push(client, h, [mutation("measurement", ids[1], {}, base_version=gone["version"])])
    assert back["status"] == "applied" and back["record"]["deleted_at"] is None, back
    assert _stored(app, Measurement, ids) == [(True, "B", None), (True, "N", 500), (True, "T", 0)]
    later, _, _ = pull_all(client, world.headers("kader1b"), cursor)
    assert sorted((c["id"], c["op"], c["record"]["trend"]) for c in later) == sorted(
        [(ids[1], "upsert", "N"), (ids[2], "upsert", "T")])


def test_a_weighing_restored_after_a_birth_date_correction_is_computed_for_the_birth_date_now(world, client):
    """Deleted while the child's birth date was corrected two months earlier: restored, its age,
    z-scores and categories are those of the birth date the child has now. A weighing the
    corrected birth date puts before the birth cannot come back as it was."""
    born = date.today() - timedelta(days=400)
    cid, _ = _new_child(client, world, birth_date=born.isoformat())
    h = world.headers("kader1")
    mid, early = new_id(), new_id()
    made, _ = push(client, h, [mutation("measurement", mid, measurement_data(cid, measured_on=_month(1))),
                               mutation("measurement", early, measurement_data(cid, measured_on=born.isoformat()))])
    gone = push(client, h, [mutation("measurement", mid, op="delete", base_version=1),
                            mutation("measurement", early, op="delete", base_version=1)])
    [fixed] = push(client, h, [mutation("child", cid, {"birth_date": (born - timedelta(days=60)).isoformat()},
                                        base_version=1)])
    assert fixed["status"] == "applied", fixed
    [back] = push(client, h, [mutation("measurement", mid, {}, base_version=gone[0]["version"])])
    assert back["status"] == "applied", back
    assert back["record"]["age_days"] == made["record"]["age_days"] + 60
    assert back["record"]["zscores"]["wfa"] < made["record"]["zscores"]["wfa"]
    [later] = push(client, h, [mutation("child", cid, {"birth_date": (born + timedelta(days=1)).isoformat()},
                                        base_version=fixed["version"])])
    assert later["status"] == "applied", later   # only live weighings bind the birth date
    [refused] = push(client, h, [mutation("measurement", early, {}, base_version=gone[1]["version"])])
    assert refused["status"] == "rejected" and list(refused["errors"]) == ["measured_on"], refused
    [dated] = push(client, h, [mutation("measurement", early, {"measured_on": (born + timedelta(days=1)).isoformat()},
                                        base_version=gone[1]["version"])])
    assert dated["status"] == "applied" and dated["record"]["age_days"] == 0, dated


def test_restoring_a_deleted_child_brings_back_the_events_its_delete_removed_and_no_others(world, app, client):
    """A child's delete removes its weighings and doses with it: restoring the child brings those
    back, with the KMS trend of the whole history, and not a weighing deleted on its own before."""
    from posyandu.growth.models import Measurement
    from posyandu.immunisation.models import Immunisation

    cid, _ = _new_child(client, world, birth_date=(date.today() - timedelta(days=500)).isoformat())
    h = world.headers("kader1")
    alone, with_child, late, dose = new_id(), new_id(), new_id(), new_id()
    push(client, h, [mutation("measurement", alone, measurement_data(cid, measured_on=_month(2), weight_kg=9.0)),
                     mutation("measurement", with_child, measurement_data(cid, measured_on=_month(1), weight_kg=9.5)),
                     mutation("immunisation", dose, {"child_id": cid, "vaccine": "MR", "dose": 1,
                                                     "given_on": _month(1)})])
    push(client, h, [mutation("measurement", alone, {"reason": "salah anak"}, op="delete", base_version=1)])
    [gone] = push(client, h, [mutation("child", cid, {"reason": "salah input"}, op="delete", base_version=1)])
    assert gone["status"] == "applied"
    # weighed this month on a phone that had not heard of the delete: kept, with no history to compare
    [r] = push(client, world.headers("kader1b"), [mutation("measurement", late, measurement_data(cid, weight_kg=9.5))])
    assert r["status"] == "applied" and r["record"]["trend"] in ("B", "O"), r
    _, cursor, _ = pull_all(client, world.headers("kader1b"))
    [back] = push(client, h, [mutation("child", cid, {}, base_version=gone["version"])])
    assert back["status"] == "applied" and back["record"]["deleted_at"] is None, back
    assert _stored(app, Measurement, [alone, with_child, late]) == [(False, "B", None), (True, "B", None),
                                                                   (True, "T", 0)]
    assert _stored(app, Immunisation, [dose]) == [(True, None, None)]
    later, _, _ = pull_all(client, world.headers("kader1b"), cursor)
    assert sorted((c["entity"], c["id"], c["op"]) for c in later) == sorted(
        [("child", cid, "upsert"), ("measurement", with_child, "upsert"), ("measurement", late, "upsert"),
         ("immunisation", dose, "upsert")])


def test_restoring_the_first_of_a_days_weighings_flags_the_later_one_against_it_again(world, client):
    """Two weighings of one day, the later flagged. The first deleted, the later one stands alone
    (unflagged); the first restored, the later one is flagged against it again, on every phone."""
    cid, _ = _new_child(client, world)
    h = world.headers("kader1")
    first, later = new_id(), new_id()
    made = push(client, h, [mutation("measurement", first, measurement_data(cid)),
                            mutation("measurement", later, measurement_data(cid, weight_kg=8.2))])
    assert made[1]["record"]["possible_duplicate_of"] == first
    [gone] = push(client, h, [mutation("measurement", first, {"reason": "dobel"}, op="delete", base_version=1)])
    _, cursor, _ = pull_all(client, world.headers("kader1b"))
    [back] = push(client, h, [mutation("measurement", first, {}, base_version=gone["version"])])
    assert back["status"] == "applied" and back["record"]["possible_duplicate_of"] is None, back
    pulled, _, _ = pull_all(client, world.headers("kader1b"), cursor)
    assert sorted((c["id"], c["op"], c["record"]["possible_duplicate_of"]) for c in pulled) == sorted(
        [(first, "upsert", None), (later, "upsert", first)])


def test_events_for_unknown_or_foreign_children_are_rejected(world, client):
    foreign, _ = _new_child(client, world, by="kader3", posyandu="p3")
    results = push(client, world.headers("kader1", "id"), [
        mutation("measurement", new_id(), measurement_data(new_id())),
        mutation("measurement", new_id(), measurement_data(foreign)),
        mutation("child", new_id(), child_data(world.ids["p3"])),
        mutation("child", foreign, {"name": "Intip"}, base_version=1),
    ])
    assert [r["status"] for r in results] == ["rejected"] * 4
    assert results[0]["errors"] == results[1]["errors"] == {"child_id": ["anak tidak ditemukan atau di luar wilayah Anda"]}
    assert "posyandu_id" in results[2]["errors"] and "id" in results[3]["errors"]
    assert all(r["record"] is None for r in results)


def test_two_weighings_on_one_day_are_both_kept_and_flagged(world, app, client):
    from posyandu.growth.models import Measurement

    cid, _ = _new_child(client, world)
    [a] = push(client, world.headers("kader1"), [mutation("measurement", new_id(), measurement_data(cid))], "phone-a")
    [b] = push(client, world.headers("kader1b"), [mutation("measurement", new_id(), measurement_data(cid, weight_kg=8.2))],
               "phone-b")
    assert a["status"] == b["status"] == "applied"
    assert b["record"]["possible_duplicate_of"] == a["record"]["id"]
    assert _count(app, Measurement) == 2


def test_merging_duplicates_repoints_late_mutations(world, app, client):
    first, _ = _new_child(client, world, by="kader1", name="Ahmad Fauzi", sex="M")
    second, res = _new_child(client, world, by="kader1b", name="Ahmad Fauzi", sex="M", nik="3525010101240001")
    assert res["record"]["possible_duplicate_of"] == first
    m_old = new_id()
    push(client, world.headers("kader1b"), [mutation("measurement", m_old, measurement_data(second))])
    resp = client.post(f"/api/v1/children/{first}/merge", json={"duplicate_id": second}, headers=world.headers("kader1"))
    assert resp.status_code == 403
    resp = client.post(f"/api/v1/children/{first}/merge", json={"duplicate_id": second}, headers=world.headers("bidan_a"))
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["nik"] == "3525010101240001"   # blank filled from the duplicate
    # kader1b was offline: an edit and a new weighing addressed to the merged id land on the winner
    results = push(client, world.headers("kader1b"), [
        mutation("child", second, {"mother_name": "Ibu Lestari"}, base_version=1),
        mutation("measurement", new_id(), measurement_data(second, measured_on=(date.today() - timedelta(days=30)).isoformat())),
    ])
    assert [r["status"] for r in results] == ["applied", "applied"]
    assert results[0]["record"]["id"] == first and results[0]["record"]["mother_name"] == "Ibu Lestari"
    assert results[1]["record"]["child_id"] == first
    page = client.get(f"/api/v1/children/{first}/measurements", headers=world.headers("bidan_a")).get_json()
    assert {m["id"] for m in page["items"]} >= {m_old, results[1]["record"]["id"]}
    changes, _, _ = pull_all(client, world.headers("kader1"))
    [tomb] = [c for c in changes if c["id"] == second and c["op"] == "delete"]
    assert tomb["reason"] == "deleted" and tomb["record"]["merged_into"] == first


def test_an_edit_never_moves_an_event_to_another_child(world, app, client):
    """A weighing entered for the wrong twin: an edit naming the other twin's id is refused on
    child_id, as REST refuses the field, instead of answered ``applied`` with the move left out
    (the phone would show it under one twin, the server keep it under the other). The id of a
    duplicate merged into its child since still names its child."""
    one, _ = _new_child(client, world, name="Hasan", sex="M")
    two, _ = _new_child(client, world, name="Husein", sex="M")
    w, d = new_id(), new_id()
    push(client, world.headers("kader1"), [
        mutation("measurement", w, measurement_data(one)),
        mutation("immunisation", d, {"child_id": one, "vaccine": "BCG", "dose": 1, "given_on": date.today().isoformat()})])
    moved = push(client, world.headers("kader1"), [
        mutation("measurement", w, measurement_data(two, weight_kg=8.4), base_version=1),
        mutation("immunisation", d, {"child_id": two, "place": "puskesmas"}, base_version=1),
        mutation("measurement", w, measurement_data("bukan-uuid"), base_version=1)])
    assert [r["status"] for r in moved] == ["rejected"] * 3, moved
    assert all(list(r["errors"]) == ["child_id"] for r in moved)
    rest = client.patch(f"/api/v1/measurements/{w}", json={"child_id": two}, headers=world.headers("kader1"))
    assert rest.status_code == 422 and "child_id" in rest.get_json()["errors"]
    page = client.get(f"/api/v1/children/{one}/measurements", headers=world.headers("kader1")).get_json()
    assert [(m["id"], m["weight_kg"]) for m in page["items"]] == [(w, 8.1)]
    # the twin registered twice by mistake is merged: an edit naming the merged id still applies
    dup, _ = _new_child(client, world, by="kader1b", name="Hasan", sex="M")
    w2 = new_id()
    push(client, world.headers("kader1b"), [mutation("measurement", w2, measurement_data(dup, weight_kg=8.2))])
    resp = client.post(f"/api/v1/children/{one}/merge", json={"duplicate_id": dup}, headers=world.headers("bidan_a"))
    assert resp.status_code == 200, resp.get_json()
    [late] = push(client, world.headers("kader1b"), [
        mutation("measurement", w2, measurement_data(dup, weight_kg=8.3), base_version=1)])
    assert late["status"] == "applied" and late["record"]["child_id"] == one and late["record"]["weight_kg"] == 8.3


def test_a_duplicate_merged_into_a_child_of_another_posyandu_is_out_of_reach(world, client):
    """A bidan merges a Melati registration into the same child registered at Mawar: kader1's
    late edits addressed to the merged id are refused, not applied to (nor answered with) a
    child of a posyandu she does not serve."""
    loser, _ = _new_child(client, world, by="kader1", name="Ahmad Fauzi", sex="M")
    winner, _ = _new_child(client, world, by="kader2", posyandu="p2", name="Ahmad Fauzi", sex="M",
                           nik="3525010101240001", mother_name="Ibu Lestari")
    resp = client.post(f"/api/v1/children/{winner}/merge", json={"duplicate_id": loser}, headers=world.headers("bidan_a"))
    assert resp.status_code == 200, resp.get_json()
    for data in ({}, {"address": "Jl. Mawar 1", "guardian_phone": "081234567890"}):
        [r] = push(client, world.headers("kader1"), [mutation("child", loser, data, base_version=1)])
        assert r["status"] == "rejected" and "id" in r["errors"] and r["record"] is None, r
    kept = client.get(f"/api/v1/children/{winner}", headers=world.headers("kader2")).get_json()
    assert kept["address"] is None and kept["guardian_phone"] is None and kept["version"] == 1 + 1  # the merge's


def test_every_applied_write_is_audited_with_the_device(world, app, client):
    from posyandu.audit import AuditLog
    from posyandu.extensions import db

    cid, _ = _new_child(client, world)
    with app.app_context():
        rows = db.session.scalars(select(AuditLog).where(AuditLog.record_id == cid)).all()
        assert [(r.action, r.client_id) for r in rows] == [("create", "device-1")]


def test_a_rejected_mutation_mid_batch_keeps_the_others_in_the_change_log(world, client):
    cid = new_id()
    results = push(client, world.headers("kader1"), [
        mutation("child", cid, child_data(world.ids["p1"])),
        mutation("measurement", new_id(), measurement_data(cid, measured_on="1990-01-01")),  # before birth
        mutation("child", cid, {"name": "Siti Zahra"}),
        mutation("measurement", new_id(), measurement_data(cid)),
    ])
    assert [r["status"] for r in results] == ["applied", "rejected", "applied", "applied"]
    changes, _, _ = pull_all(client, world.headers("kader1b"))
    assert sorted((c["entity"], c["record"]["id"] == cid) for c in changes if c["entity"] != "posyandu") == \
        [("child", True), ("measurement", False)]
    assert [c["record"]["name"] for c in changes if c["entity"] == "child"] == ["Siti Zahra"]


def test_a_device_never_conflicts_with_its_own_earlier_edits(world, client):
    cid, _ = _new_child(client, world)
    h = world.headers("kader1")
    # two offline edits of one field, both based on version 1, in one batch
    results = push(client, h, [mutation("child", cid, {"name": "Satu"}, base_version=1),
                               mutation("child", cid, {"name": "Dua"}, base_version=1)])
    assert [r["status"] for r in results] == ["applied", "applied"] and results[1]["record"]["name"] == "Dua"
    # the answer to an edit was lost; a later edit still based on version 2 follows it without conflict
    lost = mutation("child", cid, {"name": "Tiga"}, base_version=2)
    push(client, h, [lost])
    results = push(client, h, [lost, mutation("child", cid, {"name": "Empat"}, base_version=2),
                               mutation("child", cid, op="delete", base_version=2)])
    assert [(r["status"], r["replayed"]) for r in results] == [("applied", True), ("applied", False), ("applied", False)]
    assert results[2]["record"]["deleted_at"] is not None
    # the same edits from another device do conflict
    [other] = push(client, world.headers("kader1b"), [mutation("child", cid, {"name": "Lima"}, base_version=2)])
    assert other["status"] == "conflict"


def test_a_phone_that_has_not_pulled_a_merge_never_conflicts_with_its_own_edits_of_the_duplicate(world, client):
    """Edits addressed to a duplicate merged away land on the child that stands. The base of each
    is the duplicate as the phone saw it; the phone's own earlier edit (this batch, or a push whose
    answer it had not had when it queued the next) was folded in only for the duplicate's rows,
    not for the child that stands, which holds it: its second edit of a field conflicted with its
    first, the 'server' value offered being its own."""
    dup, _ = _new_child(client, world, by="kader1b", name="Ahmad Fauzi", sex="M")
    stands, _ = _new_child(client, world, by="kader1", name="Ahmad Fauzi", sex="M")
    resp = client.post(f"/api/v1/children/{stands}/merge", json={"duplicate_id": dup}, headers=world.headers("bidan_a"))
    assert resp.status_code == 200, resp.get_json()
    h = world.headers("kader1b")
    results = push(client, h, [mutation("child", dup, {"address": "Jl. Satu"}, base_version=1),
                               mutation("child", dup, {"address": "Jl. Dua"}, base_version=1)])
    assert [r["status"] for r in results] == ["applied", "applied"], results
    assert results[1]["record"]["id"] == stands and results[1]["record"]["address"] == "Jl. Dua"
    [later] = push(client, h, [mutation("child", dup, {"address": "Jl. Tiga", "rt": "001"}, base_version=1)])
    assert later["status"] == "applied" and (later["record"]["address"], later["record"]["rt"]) == ("Jl. Tiga", "001")
    # another device's change since is still a conflict, on the duplicate's id as on the child's
    [other] = push(client, world.headers("kader1"), [mutation("child", stands, {"address": "Jl. Empat"},
                                                              base_version=later["version"])])
    assert other["status"] == "applied"
    [mine] = push(client, h, [mutation("child", dup, {"address": "Jl. Lima"}, base_version=1)])
    assert mine["status"] == "conflict" and list(mine["errors"]) == ["address"]
    assert mine["record"]["address"] == "Jl. Empat"


def test_a_conflict_answers_the_record_as_committed_not_as_it_stood_mid_batch(world, client):
    # One version number must mean one content: a conflict answered mid-batch with a record
    # that a later mutation of the same batch changes again (same version) would leave the
    # phone holding a copy no pull ever corrects.
    cid, _ = _new_child(client, world)
    mid = new_id()
    push(client, world.headers("kader1"), [mutation("measurement", mid, measurement_data(cid))])
    push(client, world.headers("kader1b"), [mutation("measurement", mid, {"weight_kg": 8.4}, base_version=1)])
    results = push(client, world.headers("kader1"), [
        mutation("measurement", mid, {"length_height_cm": 71.0}, base_version=1),   # merges: version 3
        mutation("measurement", mid, {"weight_kg": 8.2}, base_version=1),           # conflict on weight
        mutation("child", cid, op="delete", base_version=1),                        # cascades to the measurement
    ])
    assert [r["status"] for r in results] == ["applied", "conflict", "applied"]
    changes, _, _ = pull_all(client, world.headers("kader1b"))
    [committed] = [c for c in changes if c["id"] == mid and c["version"] == 3]
    assert results[1]["version"] == 3 and results[1]["record"] == committed["record"]
    assert results[1]["record"]["deleted_at"] is not None and results[1]["record"]["length_height_cm"] == 71.0


def test_a_mutation_sent_twice_in_one_batch_is_answered_as_the_first_copy_is_committed(world, client):
    # An outbox that queued one mutation twice (a retry written before the first send was
    # cleared): the second copy is a replay of the first, and both answers carry the record as
    # it is committed, not the second copy a copy of the first's mid-batch answer.
    cid, _ = _new_child(client, world)
    mid = new_id()
    create = mutation("measurement", mid, measurement_data(cid, weight_kg=8.0))
    edit = mutation("child", cid, {"name": "Siti Aminah"}, base_version=1)
    delete_after = mutation("measurement", mid, {"reason": "salah anak"}, op="delete", base_version=1)
    results = push(client, world.headers("kader1"), [create, edit, create, delete_after, create])
    assert [(r["status"], r["replayed"]) for r in results] == [
        ("applied", False), ("applied", False), ("applied", True), ("applied", False), ("applied", True)]
    changes, _, _ = pull_all(client, world.headers("kader1b"))
    [committed] = [c for c in changes if c["id"] == str(mid)]
    assert committed["version"] == 1 and committed["op"] == "delete"
    for answer in (results[0], results[2], results[3], results[4]):
        assert (answer["version"], answer["record"]) == (1, committed["record"])
    assert committed["record"]["deleted_at"] is not None
    # a later retry of the whole batch answers the same
    again = push(client, world.headers("kader1"), [create, edit, create, delete_after, create])
    assert all(r["replayed"] for r in again)
    assert [{**r, "replayed": True} for r in results] == again


def test_audit_and_change_log_name_the_user_and_the_phone_of_each_write(world, app, client):
    # (each request in its own app context, as in the server: no ``db`` fixture holding one open)
    from posyandu.audit import AuditLog
    from posyandu.auth.models import User
    from posyandu.extensions import db
    from posyandu.sync.models import ChangeLog

    cid = new_id()
    push(client, world.headers("kader1"), [mutation("child", cid, child_data(world.ids["p1"])),
                                           mutation("measurement", new_id(), measurement_data(cid))],
         client_id="hp-kader-satu")
    body = {k: v for k, v in measurement_data(cid, weight_kg=8.3).items() if k != "child_id"}
    rest = client.post(f"/api/v1/children/{cid}/measurements", json=body,
                       headers={**world.headers("kader1b"), "X-Client-Id": "tablet-posyandu"})
    assert rest.status_code == 201, rest.get_json()
    with app.app_context():
        kader1, kader1b = (db.session.scalar(select(User.id).where(User.username == name))
                           for name in ("kader1", "kader1b"))
        audit = db.session.execute(select(AuditLog.user_id, AuditLog.client_id, AuditLog.ip)
                                   .where(AuditLog.entity.in_(("child", "measurement")))).all()
        log = db.session.execute(select(ChangeLog.user_id, ChangeLog.client_id)
                                 .where(ChangeLog.child_id == uuid.UUID(cid))).all()
    by_phone, by_tablet = (kader1, "hp-kader-satu"), (kader1b, "tablet-posyandu")
    assert sorted(map(tuple, audit), key=str) == sorted([(*by_phone, "127.0.0.1")] * 2 + [(*by_tablet, "127.0.0.1")],
                                                        key=str)
    assert sorted(map(tuple, log), key=str) == sorted([by_phone] * 2 + [by_tablet], key=str)


def test_measurements_answer_and_log_the_value_the_database_stores(world, app, client):
    # PostgreSQL's numeric(5,1) stores 70.375 as 70.4 (SQLite would keep 70.375): the answer,
    # the z-scores and the change log must carry what is stored, on both databases.
    cid, _ = _new_child(client, world)
    mid = new_id()
    [res] = push(client, world.headers("kader1"), [
        mutation("measurement", mid, measurement_data(cid, weight_kg=8.125, length_height_cm=70.375, muac_cm=13.25))])
    assert res["status"] == "applied"
    changes, _, _ = pull_all(client, world.headers("kader1b"))
    [pulled] = [c["record"] for c in changes if c["id"] == mid]
    assert pulled == res["record"]
    assert (pulled["weight_kg"], pulled["length_height_cm"], pulled["muac_cm"]) == (8.13, 70.4, 13.3)
    with app.app_context():
        from posyandu.extensions import db
        from posyandu.growth.models import Measurement

        db.session.expire_all()
        stored = db.session.get(Measurement, __import__("uuid").UUID(mid))
        assert (stored.weight_kg, stored.length_height_cm, stored.muac_cm) == (8.13, 70.4, 13.3)


def test_a_replay_answers_the_record_as_first_answered_though_the_ledger_keeps_no_copy(world, app, client):
    """The ledger keeps each answer without its record (the change log holds it at that
    version): a replay after later edits still gets the first answer's record, and answers
    kept with their record (before this was so) are replayed as kept."""
    from posyandu.extensions import db
    from posyandu.sync.models import SyncMutation

    cid, _ = _new_child(client, world)
    weighing = mutation("measurement", new_id(), measurement_data(cid, weight_kg=8.1))
    [first] = push(client, world.headers("kader1"), [weighing])
    [edit] = push(client, world.headers("kader1b"), [mutation("measurement", weighing["id"], {"weight_kg": 8.4},
                                                              base_version=1)])
    assert edit["status"] == "applied" and edit["version"] == 2
    [replay] = push(client, world.headers("kader1"), [weighing])
    assert replay == {**first, "replayed": True}
    assert replay["record"]["weight_kg"] == 8.1 and replay["version"] == 1
    with app.app_context():
        kept = db.session.get(SyncMutation, uuid.UUID(weighing["mutation_id"]))
        assert kept.result["record"] is None and kept.result["record_of"] == ["measurement", weighing["id"]]
        kept.result = {**first, "record": {**first["record"], "note": "kept whole"}}  # an answer kept the old way
        db.session.commit()
    [old_way] = push(client, world.headers("kader1"), [weighing])
    assert old_way["replayed"] is True and old_way["record"]["note"] == "kept whole"
    with app.app_context():  # a change history rebuilt by an operator: the record as it stands
        from sqlalchemy import delete

        from posyandu.sync.models import ChangeLog

        kept = db.session.get(SyncMutation, uuid.UUID(weighing["mutation_id"]))
        kept.result = {**first, "record": None, "record_of": ["measurement", weighing["id"]]}
        db.session.execute(delete(ChangeLog).where(ChangeLog.record_id == uuid.UUID(weighing["id"])))
        db.session.commit()
    [rebuilt] = push(client, world.headers("kader1"), [weighing])
    assert rebuilt["replayed"] is True and rebuilt["record"] == edit["record"]


def test_a_whole_batch_replayed_reads_its_records_back_in_one_query(world, app, client):
    """A phone that lost the answer to a posyandu day's push sends it all again: the answers
    come from the ledger, and their records from the change log in one query, not one each."""
    from posyandu.extensions import db

    cid, _ = _new_child(client, world)
    # five monthly weighings after her birth (300 days ago): fixed dates fell before it as the years went on
    days = [(date.today() - timedelta(days=30 * k)).isoformat() for k in range(1, 6)]
    batch = [mutation("measurement", new_id(), measurement_data(cid, measured_on=day, weight_kg=7 + k / 10))
             for k, day in enumerate(days, start=1)]
    first = push(client, world.headers("kader1"), batch)
    assert [r["status"] for r in first] == ["applied"] * 5, first
    reads: list[str] = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT") and "change_log" in statement:
            reads.append(statement)

    with app.app_context():
        engine = db.engine
    with before_each_statement(engine, count):
        again = push(client, world.headers("kader1"), batch)
    assert again == [{**r, "replayed": True} for r in first]
    assert len(reads) == 1


def test_a_base_version_that_is_not_a_whole_number_is_rejected(world, client):
    """1.5 is no version a client was ever given: not read as 1 (nor "1" as 1), and the record stays."""
    cid, _ = _new_child(client, world)
    for bad in (1.5, "1", True):
        [r] = push(client, world.headers("kader1"), [mutation("child", cid, {"mother_name": "Ibu Lain"}, base_version=bad)])
        assert r["status"] == "rejected" and "base_version" in r["errors"], (bad, r)
    resp = client.patch(f"/api/v1/children/{cid}", json={"mother_name": "Ibu Lain", "base_version": 1.5},
                        headers=world.headers("kader1"))
    assert resp.status_code == 422 and "base_version" in resp.get_json()["errors"]
    assert client.get(f"/api/v1/children/{cid}", headers=world.headers("kader1")).get_json()["version"] == 1


@pytest.mark.parametrize("bulk", [True, False], ids=["bulk", "one-at-a-time"])
def test_a_record_id_written_in_upper_case_in_its_fields_is_the_mutations_id(world, app, client, bulk):
    """A client may write UUIDs in upper case (iOS's uuidString, .NET's ToString("D").ToUpper()): the
    record's fields naming its id so are naming the mutation's id, as REST reads the same id. A
    different id is still refused, and so is one not written as a UUID is (its digits run together)."""
    cid, mid, did = new_id().upper(), new_id().upper(), new_id()
    app.config["SYNC_BULK"] = bulk
    try:
        results = push(client, world.headers("kader1"), [
            mutation("child", cid, {**child_data(world.ids["p1"]), "id": cid}),
            mutation("measurement", mid, {**measurement_data(cid), "id": mid}),
            mutation("immunisation", did, {"id": did.upper(), "child_id": cid, "vaccine": "BCG",
                                           "dose": 1, "given_on": date.today().isoformat()}),
            mutation("measurement", new_id(), {**measurement_data(cid), "id": new_id()}),
            mutation("measurement", new_id(), {**measurement_data(cid), "id": "bukan-uuid"}),
            mutation("measurement", (run := new_id()), {**measurement_data(cid), "id": run.replace("-", "")})])
    finally:
        app.config["SYNC_BULK"] = True
    assert [r["status"] for r in results] == ["applied"] * 3 + ["rejected"] * 3, results
    assert [r["record"]["id"] for r in results[:3]] == [cid.lower(), mid.lower(), did]
    assert results[1]["record"]["child_id"] == cid.lower()
    assert all(list(r["errors"]) == ["id"] for r in results[3:])


@pytest.mark.parametrize("bulk", [True, False], ids=["bulk", "one-at-a-time"])
def test_a_retry_that_writes_a_whole_number_differently_asks_the_same(world, app, client, db, bulk):
    """8 and 8.0 are one value: a retry whose JSON library wrote 74.0 where the first attempt wrote 74 is
    answered as a replay, not refused as a different change under the same id. A different value still
    is; so is 1 for true. A ledger answer kept before numbers were hashed by value (its hash over 74.0
    as written) still answers the same retry."""
    from sqlalchemy import update

    from posyandu.sync.models import SyncMutation

    cid = new_id()
    child = mutation("child", cid, child_data(world.ids["p1"]))
    first = mutation("measurement", new_id(), measurement_data(cid, weight_kg=9, length_height_cm=74.0))
    flagged = mutation("measurement", new_id(), measurement_data(cid, weight_kg=9.1, oedema=False))
    app.config["SYNC_BULK"] = bulk
    try:
        assert [r["status"] for r in push(client, world.headers("kader1"), [child, first, flagged])] == ["applied"] * 3
        written_again = {**first, "data": {**first["data"], "weight_kg": 9.0, "length_height_cm": 74}}
        other_value = {**first, "data": {**first["data"], "weight_kg": 9.01}}
        a_number_for_a_bool = {**flagged, "data": {**flagged["data"], "oedema": 0}}
        answers = push(client, world.headers("kader1"), [written_again, other_value, a_number_for_a_bool])
        assert [(r["status"], r["replayed"]) for r in answers] == [("applied", True)] + [("rejected", False)] * 2
        assert all(list(r["errors"]) == ["mutation_id"] for r in answers[1:])
        # a ledger row hashed as an older server did: over the numbers as written the first time
        older = mutation("measurement", new_id(), measurement_data(cid, weight_kg=9.2, length_height_cm=75.0))
        assert push(client, world.headers("kader1"), [older])[0]["status"] == "applied"
        asked = {k: older.get(k) for k in ("entity", "op", "id", "base_version", "data")}
        as_written = hashlib.sha256(json.dumps(asked, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
        db.session.execute(update(SyncMutation).where(SyncMutation.mutation_id == uuid.UUID(older["mutation_id"]))
                           .values(request_hash=as_written))
        db.session.commit()
        [replay] = push(client, world.headers("kader1"), [older])
        assert (replay["status"], replay["replayed"]) == ("applied", True)
    finally:
        app.config["SYNC_BULK"] = True


def test_a_value_nested_hundreds_of_levels_deep_is_refused_alone(world, client):
    """Reading whole numbers by walking the mutation in Python raised RecursionError at about 334
    levels: the whole push answered 500. Such a mutation is answered on its own (refused on its unknown
    field, as REST refuses it), the rest applied, and its retry replayed."""
    cid = new_id()
    deep: object = 8.0
    for _ in range(800):
        deep = {"a": deep}
    batch = [mutation("child", cid, child_data(world.ids["p1"])),
             mutation("measurement", new_id(), {**measurement_data(cid), "note": deep}),
             mutation("measurement", new_id(), measurement_data(cid))]
    first = push(client, world.headers("kader1"), batch)
    assert [r["status"] for r in first] == ["applied", "rejected", "applied"], first
    assert list(first[1]["errors"]) == ["note"], first[1]
    again = push(client, world.headers("kader1"), batch)
    assert [(r["status"], r["replayed"]) for r in again] == [("applied", True), ("rejected", True), ("applied", True)]


@pytest.mark.parametrize("bulk", [True, False], ids=["bulk", "one-at-a-time"])
def test_each_answer_names_its_mutation_id_as_the_client_wrote_it(world, app, client, bulk):
    """A client matches answers to its outbox by the string it sent: an id in upper case, in braces or
    without hyphens came back in RFC 4122's lower-case form, and such a client never saw its answer.
    The same on a replay, and on a rejection."""
    cid = new_id()
    sent = [new_id().upper(), "{" + new_id() + "}", new_id().replace("-", ""), new_id().upper()]
    batch = [mutation("child", cid, child_data(world.ids["p1"]), mutation_id=sent[0]),
             mutation("measurement", new_id(), measurement_data(cid), mutation_id=sent[1]),
             mutation("measurement", new_id(), measurement_data(cid), mutation_id=sent[2]),
             mutation("measurement", new_id(), measurement_data(cid, weight_kg=-1), mutation_id=sent[3])]
    app.config["SYNC_BULK"] = bulk
    try:
        first = push(client, world.headers("kader1"), batch)
        again = push(client, world.headers("kader1"), batch)
    finally:
        app.config["SYNC_BULK"] = True
    assert [r["status"] for r in first] == ["applied"] * 3 + ["rejected"], first
    assert [r["mutation_id"] for r in first] == sent
    assert [r["mutation_id"] for r in again] == sent and all(r["replayed"] for r in again)


@pytest.mark.parametrize("bulk", [True, False], ids=["bulk", "one-at-a-time"])
@pytest.mark.parametrize("recorded_at", ["0001-01-01T00:00:00+07:00", "9999-12-31T23:00:00-07:00",
                                         "1970-01-01T00:00:00Z", "2100-01-01T00:00:00Z"])
def test_a_device_clock_reading_no_phone_could_show_rejects_only_its_mutation(world, app, client, bulk,
                                                                             recorded_at):
    """A recorded_at past datetime's range in UTC once crashed the push (500, the whole batch rolled
    back, the outbox stuck); one before 2000 is a clock that was never set. Each is refused on its
    field, for every event, and the rest of the batch applies."""
    cid, _ = _new_child(client, world)
    on = date.today().isoformat()
    app.config["SYNC_BULK"] = bulk
    try:
        results = push(client, world.headers("kader1"), [
            mutation("child", new_id(), child_data(world.ids["p1"], name="Anak Lain")),
            mutation("measurement", new_id(), measurement_data(cid, recorded_at=recorded_at)),
            mutation("immunisation", new_id(), {"child_id": cid, "vaccine": "BCG", "dose": 1, "given_on": on,
                                                "recorded_at": recorded_at}),
            mutation("supplement", new_id(), {"child_id": cid, "kind": "vitamin_a_blue", "given_on": on,
                                              "recorded_at": recorded_at}),
            mutation("measurement", new_id(), measurement_data(cid, weight_kg=8.2))])
    finally:
        app.config["SYNC_BULK"] = True
    assert [r["status"] for r in results] == ["applied", "rejected", "rejected", "rejected", "applied"], results
    assert all(list(r["errors"]) == ["recorded_at"] for r in results[1:4]), results


def test_a_weighing_from_a_phone_whose_clock_runs_days_ahead_keeps_the_clocks_reading(world, client):
    """The cadre can correct the date the server refused (in the future), not the reading of the
    clock the weighing was saved at: that is kept as it was read."""
    cid, _ = _new_child(client, world)
    ahead = (datetime.now(timezone.utc) + timedelta(days=3)).replace(microsecond=0)
    [r] = push(client, world.headers("kader1"), [
        mutation("measurement", new_id(), measurement_data(cid, recorded_at=ahead.isoformat()))])
    assert r["status"] == "applied", r
    assert datetime.fromisoformat(r["record"]["recorded_at"].replace("Z", "+00:00")) == ahead


@pytest.mark.parametrize("bulk", [True, False], ids=["bulk", "one-at-a-time"])
@pytest.mark.parametrize("field,value", [("rt", "123\n"), ("rw", "001\n"), ("nik", "320101450423000\u0661"),
                                         ("mother_nik", "320101450423000\u0661"), ("rt", "\u0661\u0662")])
def test_a_value_longer_than_its_column_rejects_only_its_mutation(world, app, client, bulk, field, value):
    """A final newline once slipped past the patterns ("$" matches before it): PostgreSQL then refused
    the row and the whole batch with it (422), SQLite stored it. Digits are ASCII digits. (A NIK with
    a final newline is its 16 digits, as one written in groups.)"""
    app.config["SYNC_BULK"] = bulk
    try:
        results = push(client, world.headers("kader1"), [
            mutation("child", new_id(), child_data(world.ids["p1"], name="Anak Lain")),
            mutation("child", new_id(), child_data(world.ids["p1"], **{field: value}))])
    finally:
        app.config["SYNC_BULK"] = True
    assert [r["status"] for r in results] == ["applied", "rejected"], results
    assert list(results[1]["errors"]) == [field]


@pytest.mark.parametrize("bulk", [True, False], ids=["bulk", "one-at-a-time"])
def test_a_phone_number_typed_with_dashes_or_spaces_is_stored_as_the_pwa_sends_it(world, app, client, bulk):
    """The phone check ignores the dashes and spaces people type between groups; the number is stored
    without them, as the PWA sends it (so it fits its column, and a tel: link works)."""
    app.config["SYNC_BULK"] = bulk
    try:
        results = push(client, world.headers("kader1"), [
            mutation("child", new_id(), child_data(world.ids["p1"], guardian_phone="0-8-1-2-3-4-5-6-7-8-9-0")),
            mutation("child", new_id(), child_data(world.ids["p1"], name="Ani", guardian_phone="+62 812 3456-7890"))])
    finally:
        app.config["SYNC_BULK"] = True
    assert [(r["status"], r["record"]["guardian_phone"]) for r in results] == [
        ("applied", "081234567890"), ("applied", "+6281234567890")], results
    changes, _, _ = pull_all(client, world.headers("kader1b"))
    assert {c["record"]["guardian_phone"] for c in changes if c["entity"] == "child"} == {"081234567890",
                                                                                         "+6281234567890"}


@pytest.mark.parametrize("bulk", [True, False], ids=["bulk", "one-at-a-time"])
def test_a_value_the_database_refuses_rejects_only_its_mutation(world, app, client, monkeypatch, bulk):
    """Should a value ever pass the schema that the column cannot hold (PostgreSQL refuses it: a
    DataError), only its mutation is rejected; its savepoint is rolled back and the rest apply."""
    from posyandu.extensions import db
    from posyandu.registry.models import Child
    from posyandu.sync import push as pushing

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite does not enforce a column's length")
    loaded = pushing._load

    def lenient(schema, data):  # a validator that lets an over-long value through
        out = loaded(schema, data)
        return {**out, "rt": "12345"} if data.get("name") == "Terlalu Panjang" else out

    monkeypatch.setattr(pushing, "_load", lenient)
    app.config["SYNC_BULK"] = bulk
    try:
        results = push(client, world.headers("kader1"), [
            mutation("child", new_id(), child_data(world.ids["p1"], name="Anak Lain")),
            mutation("child", new_id(), child_data(world.ids["p1"], name="Terlalu Panjang")),
            mutation("child", new_id(), child_data(world.ids["p1"], name="Anak Ketiga"))])
    finally:
        app.config["SYNC_BULK"] = True
    assert [r["status"] for r in results] == ["applied", "rejected", "applied"], results
    assert _count(app, Child) == 2
    changes, _, _ = pull_all(client, world.headers("kader1b"))
    assert sorted(c["record"]["name"] for c in changes if c["entity"] == "child") == ["Anak Ketiga", "Anak Lain"]


def test_a_kader_cannot_restore_a_child_a_bidan_deleted_but_her_own_delete_and_a_bidan_can(world, app, client):
    """A bidan removed a child (registered at the wrong posyandu, out of the area): the kader's
    phone, whose edit of the child came back a conflict, offered "restore". A kader does not undo a
    health worker's decision: the conflict says so (``restorable`` false, and why, in each
    language), her phone offers only to drop her change, and a restore sent anyway is rejected,
    naming why, the child staying deleted. A kader undoing a kader's delete needs no one, and a
    bidan restores what she deleted."""
    from posyandu.registry.models import Child

    cid, _ = _new_child(client, world)
    assert client.delete(f"/api/v1/children/{cid}?reason=bukan%20wilayah", headers=world.headers("bidan_a")).status_code == 204
    edited = mutation("child", cid, {"address": "Jl. Kenanga"}, base_version=1)
    [edit] = push(client, world.headers("kader1"), [edited])
    assert edit["status"] == "conflict" and edit["restorable"] is False, edit
    assert "hanya bidan" in edit["errors_in"]["id"]["deleted_at"][0] and "midwife" in edit["errors_in"]["en"]["deleted_at"][0]
    [replay] = push(client, world.headers("kader1"), [edited])
    assert replay["replayed"] and replay["restorable"] is False
    [other] = push(client, world.headers("kader1b"), [mutation("child", cid, {"name": "X"}, base_version=1)])
    assert other["status"] == "conflict" and other["restorable"] is False
    # a midwife's own edit of it: a conflict she may resolve by restoring
    [hers] = push(client, world.headers("bidan_a"), [mutation("child", cid, {"name": "X"}, base_version=1)])
    assert hers["status"] == "conflict" and "restorable" not in hers, hers
    tombstone = edit["record"]["version"]
    [back] = push(client, world.headers("kader1"), [mutation("child", cid, {"address": "Jl. Kenanga"},
                                                             base_version=tombstone)])
    assert back["status"] == "rejected" and list(back["errors"]) == ["deleted_at"], back
    assert "midwife" in back["errors"]["deleted_at"][0]  # English, as the PWA names a bidan
    assert _count(app, Child, id=uuid.UUID(cid), deleted_at=None) == 0
    [mine] = push(client, world.headers("bidan_a"), [mutation("child", cid, {"address": "Jl. Kenanga"},
                                                              base_version=tombstone)])
    assert mine["status"] == "applied" and mine["record"]["deleted_at"] is None, mine
    # a kader's own delete, undone by another kader of the posyandu
    [gone] = push(client, world.headers("kader1"), [mutation("child", cid, op="delete", base_version=mine["record"]["version"])])
    [edit] = push(client, world.headers("kader1b"), [mutation("child", cid, {"name": "Y"}, base_version=1)])
    assert edit["status"] == "conflict" and "restorable" not in edit, edit
    [undo] = push(client, world.headers("kader1b"), [mutation("child", cid, {}, base_version=gone["record"]["version"])])
    assert undo["status"] == "applied" and undo["record"]["deleted_at"] is None, undo


def test_a_restored_child_is_judged_against_the_registration_made_while_she_was_deleted(world, app, client):
    """Deleted by mistake, the child was registered again by another kader; then the first record is
    restored: the two are flagged for a bidan, not left as two unflagged children."""
    first, _ = _new_child(client, world, name="Rahmat Hidayat", sex="M", birth_date="2025-02-02")
    [gone] = push(client, world.headers("kader1"), [mutation("child", first, op="delete", base_version=1)])
    again, made = _new_child(client, world, by="kader1b", name="Rahmat Hidayat", sex="M", birth_date="2025-02-02")
    [back] = push(client, world.headers("kader1"), [mutation("child", first, {}, base_version=gone["record"]["version"])])
    assert back["status"] == "applied" and back["record"]["deleted_at"] is None, back
    assert back["record"]["possible_duplicate_of"] == again


def test_a_pushed_nik_written_in_groups_is_stored_as_its_16_digits_and_a_bad_one_rejected(world, client):
    """The push reads a child's NIK as the REST API and the import do: grouped as on the KTP, its digits."""
    cid, res = _new_child(client, world, nik="3525 0154 0324 0001", mother_nik="3525.0141.0195.0002")
    assert (res["record"]["nik"], res["record"]["mother_nik"]) == ("3525015403240001", "3525014101950002")
    [edit] = push(client, world.headers("kader1"), [mutation("child", cid, {"nik": "3525-0154-0324-0009"}, base_version=1)])
    assert edit["status"] == "applied" and edit["record"]["nik"] == "3525015403240009", edit
    [bad] = push(client, world.headers("kader1"), [
        mutation("child", new_id(), child_data(world.ids["p1"], nik="3525 0154 0324 000"))])
    assert bad["status"] == "rejected" and bad["errors"] == {"nik": ["NIK must be exactly 16 digits"]}, bad


def test_a_birth_weight_to_the_gram_is_pushed_and_pulled_as_it_was_weighed(world, client):
    """2,499 g is under the 2,500 g line of low birth weight (BBLR): numeric(4,2) made it 2.50 kg on
    PostgreSQL. Pushed, answered, read and pulled, it stays 2.499 on both databases; an edit of it to
    another gram merges as a change."""
    cid = new_id()
    [made] = push(client, world.headers("kader1"), [mutation("child", cid, child_data(world.ids["p1"], birth_weight_kg=2.499))])
    assert made["status"] == "applied" and made["record"]["birth_weight_kg"] == 2.499, made
    assert client.get(f"/api/v1/children/{cid}", headers=world.headers("kader1")).get_json()["birth_weight_kg"] == 2.499
    [pulled] = [c["record"] for c in pull_all(client, world.headers("kader1b"))[0] if c["id"] == cid]
    assert pulled["birth_weight_kg"] == 2.499
    [edited] = push(client, world.headers("kader1b"), [mutation("child", cid, {"birth_weight_kg": 2.498}, base_version=1)])
    assert edited["status"] == "applied" and edited["record"]["birth_weight_kg"] == 2.498, edited


def test_a_field_the_record_has_not_is_refused_as_rest_refuses_it_and_a_pulled_record_sent_back_whole_applies(
        world, client):
    """A key mistyped or of another version ("weigth_kg", "lila_cm", "mother_nama") was dropped: the push
    answered applied, the value stored nowhere, the phone told nothing (REST answered 422). Refused on
    that field now, the batch's other records applied; the fields the server computes, in a record
    pulled and sent back whole, are still ignored."""
    from posyandu.extensions import db
    from posyandu.growth.models import Measurement

    cid, mid = new_id(), new_id()
    [child, weighing, lila] = push(client, world.headers("kader1"), [
        mutation("child", cid, child_data(world.ids["p1"])), mutation("measurement", mid, measurement_data(cid)),
        mutation("measurement", new_id(), {**measurement_data(cid, measured_on=(date.today() - timedelta(days=1))
                                                              .isoformat()), "lila_cm": 13.0})])
    assert (child["status"], weighing["status"]) == ("applied", "applied"), (child, weighing)
    assert lila["status"] == "rejected" and list(lila["errors"]) == ["lila_cm"], lila
    [typo, nama] = push(client, world.headers("kader1"), [
        mutation("measurement", mid, {"weigth_kg": 9.1}, base_version=1),
        mutation("child", cid, {"mother_nama": "Siti"}, base_version=1)])
    assert typo["status"] == "rejected" and list(typo["errors"]) == ["weigth_kg"], typo
    assert nama["status"] == "rejected" and list(nama["errors"]) == ["mother_nama"], nama
    rest = client.patch(f"/api/v1/measurements/{mid}", json={"weigth_kg": 9.1}, headers=world.headers("kader1"))
    assert rest.status_code == 422 and typo["errors"] == rest.get_json()["errors"], (typo, rest.get_json())
    with world.app.app_context():
        assert db.session.get(Measurement, uuid.UUID(mid)).weight_kg == 8.1
    pulled = {c["id"]: c["record"] for c in pull_all(client, world.headers("kader1"))[0] if c["record"]}
    assert {"zscores", "version", "trend"} <= set(pulled[mid])  # computed fields, sent back with the edit
    [whole] = push(client, world.headers("kader1"), [
        mutation("measurement", mid, {**pulled[mid], "weight_kg": 8.4}, base_version=pulled[mid]["version"])])
    assert whole["status"] == "applied" and whole["record"]["weight_kg"] == 8.4, whole
