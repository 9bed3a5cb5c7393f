"""Doses and supplements through POST /api/v1/sync/push: the schedule's rules as REST judges them (both databases)."""
from __future__ import annotations

from datetime import date, timedelta

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
