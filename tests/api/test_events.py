"""Measurements, immunisations and supplements: scope, validation, audit, duplicates."""
from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

EVENTS = {
    "measurements": {"measured_on": None, "weight_kg": 9.4, "length_height_cm": 74.2, "position": "lying"},
    "immunisations": {"vaccine": "MR", "dose": 1, "given_on": None, "batch_number": "B123", "place": "posyandu"},
    "supplements": {"kind": "vitamin_a_red", "given_on": None},
}
DATE_KEY = {"measurements": "measured_on", "immunisations": "given_on", "supplements": "given_on"}


def body_for(kind: str, on: date, **overrides) -> dict:
    return {**EVENTS[kind], DATE_KEY[kind]: on.isoformat(), "id": str(uuid.uuid4()), **overrides}


def recent(kind: str, days_back: int) -> date:
    """A recent date the rules accept: vitamin A is given only in a February/August round, so for
    supplements a day of the latest round already under way (day 3 - days_back of that month)."""
    if kind != "supplements":
        return date.today() - timedelta(days=days_back)
    d = date.today() - timedelta(days=3)
    while d.month not in (2, 8):
        d = d.replace(day=1) - timedelta(days=1)
    return d.replace(day=3 - days_back)


@pytest.fixture
def child(make_child):
    # ~20 months: MR 1 is allowed any day, and at any round of the last six months a red capsule is due
    return make_child(birth_date=(date.today() - timedelta(days=600)).isoformat())


@pytest.mark.parametrize("kind", EVENTS)
def test_staff_record_and_everyone_in_scope_reads(client, world, child, link_parent, kind):
    link_parent(child["id"])
    on = recent(kind, 2)
    resp = client.post(f"/api/v1/children/{child['id']}/{kind}", json=body_for(kind, on), headers=world.headers("kader1"))
    assert resp.status_code == 201, resp.get_json()
    event = resp.get_json()
    assert event["child_id"] == child["id"] and event["version"] == 1
    for who in ("kader1b", "bidan_a", "dinkes_gresik", "parent1", "admin"):
        listed = client.get(f"/api/v1/children/{child['id']}/{kind}", headers=world.headers(who))
        assert [e["id"] for e in listed.get_json()["items"]] == [event["id"]], who
        assert client.get(f"/api/v1/{kind}/{event['id']}", headers=world.headers(who)).status_code == 200
    for who in ("kader2", "kader3", "bidan_b", "dinkes_bangkalan"):
        assert client.get(f"/api/v1/{kind}/{event['id']}", headers=world.headers(who)).status_code == 404
        assert client.get(f"/api/v1/children/{child['id']}/{kind}", headers=world.headers(who)).status_code == 404
        # a role that may record nothing is told so (403) for any child, before her scope is looked at
        assert client.post(f"/api/v1/children/{child['id']}/{kind}", json=body_for(kind, on),
                           headers=world.headers(who)).status_code == (403 if who.startswith("dinkes") else 404)
    for who in ("parent1", "dinkes_gresik"):
        assert client.post(f"/api/v1/children/{child['id']}/{kind}", json=body_for(kind, on),
                           headers=world.headers(who)).status_code == 403
        assert client.patch(f"/api/v1/{kind}/{event['id']}", json={}, headers=world.headers(who)).status_code == 403


@pytest.mark.parametrize("kind", EVENTS)
def test_an_event_before_birth_or_in_the_future_is_refused(client, world, child, db, kind):
    from posyandu.audit import AuditLog

    headers = world.headers("kader1")
    before = db.session.scalar(select(func.count()).select_from(AuditLog))
    for on in (date.fromisoformat(child["birth_date"]) - timedelta(days=1), date.today() + timedelta(days=5)):
        resp = client.post(f"/api/v1/children/{child['id']}/{kind}", json=body_for(kind, on), headers=headers)
        assert resp.status_code == 422 and DATE_KEY[kind] in resp.get_json()["errors"]
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(AuditLog)) == before


MEASUREMENT_BAD = [("weight_kg", 0.3), ("weight_kg", 71), ("weight_kg", 9400), ("length_height_cm", 37.9),
                   ("length_height_cm", 151), ("head_circumference_cm", 24), ("head_circumference_cm", 61),
                   ("muac_cm", 4.9), ("muac_cm", 31), ("position", "sitting"), ("oedema", "ya"),
                   ("measured_on", "2025-13-01"), ("weight_kg", "berat")]


@pytest.mark.parametrize("field,value", MEASUREMENT_BAD, ids=[f"{f}={v}" for f, v in MEASUREMENT_BAD])
def test_implausible_measurement_input_is_422_for_that_field(client, world, child, field, value):
    body = body_for("measurements", date.today(), **{field: value})
    resp = client.post(f"/api/v1/children/{child['id']}/measurements", json=body, headers=world.headers("kader1"))
    assert resp.status_code == 422 and field in resp.get_json()["errors"]
    listed = client.get(f"/api/v1/children/{child['id']}/measurements", headers=world.headers("kader1")).get_json()
    assert listed["items"] == []


def test_a_measurement_needs_something_measured(client, world, child):
    body = {"measured_on": date.today().isoformat()}
    resp = client.post(f"/api/v1/children/{child['id']}/measurements", json=body, headers=world.headers("kader1"))
    assert resp.status_code == 422 and "weight_kg" in resp.get_json()["errors"]


def test_a_stored_measurement_carries_server_computed_growth(client, world, make_child):
    # WHO weianthro.txt, boys, day 365: L=0.0645 M=9.646 S=0.10925.
    # z = ((9.6/9.646)^0.0645 − 1) / (0.0645 × 0.10925) = −0.0437 → −0.04 (worked by hand)
    child = make_child(sex="M", birth_date=(date.today() - timedelta(days=365)).isoformat())
    body = body_for("measurements", date.today(), weight_kg=9.6, length_height_cm=None, position=None)
    m = client.post(f"/api/v1/children/{child['id']}/measurements", json=body, headers=world.headers("kader1")).get_json()
    assert m["age_days"] == 365 and m["zscores"]["wfa"] == -0.04
    assert m["status"]["bb_u"] == "normal" and m["zscores"]["lhfa"] is None


def test_correcting_the_birth_date_recomputes_the_measurements(client, world, make_child):
    child = make_child(sex="M", birth_date=(date.today() - timedelta(days=365)).isoformat())
    body = body_for("measurements", date.today(), weight_kg=9.6)
    m = client.post(f"/api/v1/children/{child['id']}/measurements", json=body, headers=world.headers("kader1")).get_json()
    new_birth = (date.today() - timedelta(days=730)).isoformat()
    client.patch(f"/api/v1/children/{child['id']}", json={"birth_date": new_birth}, headers=world.headers("kader1"))
    again = client.get(f"/api/v1/measurements/{m['id']}", headers=world.headers("kader1")).get_json()
    assert again["age_days"] == 730 and again["version"] == 2 and again["zscores"]["wfa"] < -2


def test_a_second_measurement_on_the_same_day_is_kept_and_flagged(client, world, child):
    url = f"/api/v1/children/{child['id']}/measurements"
    first = client.post(url, json=body_for("measurements", date.today()), headers=world.headers("kader1")).get_json()
    second = client.post(url, json=body_for("measurements", date.today(), weight_kg=9.5), headers=world.headers("kader1b"))
    assert second.status_code == 201 and second.get_json()["possible_duplicate_of"] == first["id"]
    assert len(client.get(url, headers=world.headers("kader1")).get_json()["items"]) == 2


def test_only_a_health_worker_overrides_the_trend(client, world, child):
    url = f"/api/v1/children/{child['id']}/measurements"
    this_month = date.today().replace(day=1)
    m = client.post(url, json={"measured_on": this_month.isoformat(), "weight_kg": 9.4},
                    headers=world.headers("kader1")).get_json()
    body = {"trend_override": "N", "trend_override_reason": "kurva mengikuti garis pertumbuhan"}
    assert client.patch(f"/api/v1/measurements/{m['id']}", json=body, headers=world.headers("kader1")).status_code == 403
    assert client.patch(f"/api/v1/measurements/{m['id']}", json={"trend_override": "N"},
                        headers=world.headers("bidan_a")).status_code == 422
    # a first weighing (B) has no N or T to override (domain.md: O and B cannot be N)
    first = client.patch(f"/api/v1/measurements/{m['id']}", json=body, headers=world.headers("bidan_a"))
    assert first.status_code == 422 and "trend_override" in first.get_json()["errors"]
    again = client.get(f"/api/v1/measurements/{m['id']}", headers=world.headers("kader1")).get_json()
    assert (again["trend"], again["trend_override"], again["version"]) == ("B", None, 1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    client.post(url, json={"measured_on": last_month.isoformat(), "weight_kg": 9.35}, headers=world.headers("kader1"))
    assert client.get(f"/api/v1/measurements/{m['id']}", headers=world.headers("kader1")).get_json()["trend"] == "T"
    ok = client.patch(f"/api/v1/measurements/{m['id']}", json=body, headers=world.headers("bidan_a"))
    assert ok.status_code == 200 and (ok.get_json()["trend"], ok.get_json()["trend_computed"]) == ("N", "T")


def test_a_bidans_n_never_counts_for_a_weight_that_stayed_or_went_down(client, world, child):
    """Buku KIA: "TIDAK NAIK (T): grafik BB mendatar atau menurun". A bidan's N over a gain below
    the KBM stood after a kader corrected the weighing to a loss of a kilo (the SKDN counted it N);
    an N given on a loss was taken. The N stands over a gain only, and is refused on a loss."""
    url = f"/api/v1/children/{child['id']}/measurements"
    this_month = date.today().replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    client.post(url, json={"measured_on": last_month.isoformat(), "weight_kg": 9.0}, headers=world.headers("kader1"))
    m = client.post(url, json={"measured_on": this_month.isoformat(), "weight_kg": 9.1},
                    headers=world.headers("kader1")).get_json()
    body = {"trend_override": "N", "trend_override_reason": "kurva mengikuti garis pertumbuhan"}
    judged = client.patch(f"/api/v1/measurements/{m['id']}", json=body, headers=world.headers("bidan_a")).get_json()
    assert (judged["trend"], judged["trend_computed"], judged["weight_gain_g"]) == ("N", "T", 100)
    for weight, gain in ((8.0, -1000), (9.0, 0)):
        fixed = client.patch(f"/api/v1/measurements/{m['id']}", json={"weight_kg": weight},
                             headers=world.headers("kader1")).get_json()
        assert (fixed["trend"], fixed["weight_gain_g"]) == ("T", gain), fixed
    back = client.patch(f"/api/v1/measurements/{m['id']}", json={"weight_kg": 9.1}, headers=world.headers("kader1"))
    assert back.get_json()["trend"] == "N"  # a gain again: her judgement of it stands
    client.patch(f"/api/v1/measurements/{m['id']}", json={"trend_override": None, "weight_kg": 8.9},
                 headers=world.headers("bidan_a"))
    refused = client.patch(f"/api/v1/measurements/{m['id']}", json=body, headers=world.headers("bidan_a"))
    assert refused.status_code == 422 and "T (Buku KIA)" in refused.get_json()["errors"]["trend_override"][0]


def test_a_bidans_n_t_judgement_on_a_new_weighing_is_audited_with_her_reason(client, world, child, db):
    """The reason for an N/T given with a new weighing is in its create audit row, as it is when
    given by an edit."""
    from posyandu.audit import AuditLog

    url = f"/api/v1/children/{child['id']}/measurements"
    this_month = date.today().replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    client.post(url, json={"measured_on": last_month.isoformat(), "weight_kg": 9.35}, headers=world.headers("kader1"))
    made = client.post(url, json={"measured_on": this_month.isoformat(), "weight_kg": 9.4, "trend_override": "N",
                                  "trend_override_reason": "kurva mengikuti garis"}, headers=world.headers("bidan_a"))
    assert made.status_code == 201 and made.get_json()["trend"] == "N", made.get_json()
    db.session.remove()
    reason = db.session.scalar(select(AuditLog.reason).where(AuditLog.record_id == made.get_json()["id"],
                                                             AuditLog.action == "create"))
    assert reason == "kurva mengikuti garis"


def test_a_kader_cannot_clear_a_health_workers_n_t_judgement(client, world, make_child):
    """Overriding N/T is a health worker's (domain.md), so is undoing it: a kader's edit that clears
    the bidan's judgement, by REST or by a push, is refused and the judgement stands; a kader's
    new weighing sent with no judgement, and the bidan clearing her own, still go through."""
    from tests.sync.helpers import mutation, push

    this_month = date.today().replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    child = make_child(sex="M", birth_date=(this_month - timedelta(days=730)).isoformat())  # KBM 200 g
    url = f"/api/v1/children/{child['id']}/measurements"
    client.post(url, json={"measured_on": last_month.isoformat(), "weight_kg": 11.0}, headers=world.headers("kader1"))
    m = client.post(url, json={"measured_on": this_month.isoformat(), "weight_kg": 11.1, "trend_override": None},
                    headers=world.headers("kader1"))
    assert m.status_code == 201 and m.get_json()["trend"] == "T"
    m = m.get_json()
    body = {"trend_override": "N", "trend_override_reason": "kurva mengikuti garis pertumbuhan"}
    judged = client.patch(f"/api/v1/measurements/{m['id']}", json=body, headers=world.headers("bidan_a"))
    assert judged.status_code == 200 and judged.get_json()["trend"] == "N"
    cleared = client.patch(f"/api/v1/measurements/{m['id']}", json={"trend_override": None},
                           headers=world.headers("kader1"))
    assert cleared.status_code == 403
    [r] = push(client, world.headers("kader1"), [mutation("measurement", m["id"], {"child_id": child["id"],
               "trend_override": None}, base_version=judged.get_json()["version"])])
    assert r["status"] == "rejected"
    after = client.get(f"/api/v1/measurements/{m['id']}", headers=world.headers("kader1")).get_json()
    assert (after["trend"], after["trend_override"], after["version"]) == ("N", "N", judged.get_json()["version"])
    own = client.patch(f"/api/v1/measurements/{m['id']}", json={"trend_override": None, "trend_override_reason": None},
                       headers=world.headers("bidan_a"))
    assert own.status_code == 200 and (own.get_json()["trend"], own.get_json()["trend_override"]) == ("T", None)


def test_an_override_counts_for_next_months_2t_and_an_override_without_last_month_is_ignored(
        client, world, make_child, db):
    """2T is T twice in a row (domain.md): a month a health worker overrode to N is not the first
    T of a 2T, and one overridden to T is. A stored override whose last-month weighing is deleted
    later no longer stands: the weighing is then the first one, B."""
    this_month = date.today().replace(day=1)
    child = make_child(sex="M", birth_date=(this_month - timedelta(days=730)).isoformat())  # KBM 200 g
    url = f"/api/v1/children/{child['id']}/measurements"
    months = [this_month]
    for _ in range(2):
        months.insert(0, (months[0] - timedelta(days=1)).replace(day=1))
    made = [client.post(url, json={"measured_on": on.isoformat(), "weight_kg": kg}, headers=world.headers("kader1"))
            .get_json() for on, kg in zip(months, (11.0, 11.1, 11.2))]  # +100 g a month: T, T
    read = lambda m: client.get(f"/api/v1/measurements/{m['id']}", headers=world.headers("kader1")).get_json()  # noqa: E731
    assert [read(m)["trend"] for m in made] == ["B", "T", "T"] and read(made[2])["two_t"] is True
    skdn_2t = lambda: client.get(  # noqa: E731
        f"/api/v1/reports/skdn?posyandu_id={child['posyandu_id']}&month={this_month:%Y-%m}",
        headers=world.headers("bidan_a")).get_json()["rows"][0]["2T"]
    before = skdn_2t()
    body = {"trend_override": "N", "trend_override_reason": "kurva mengikuti garis pertumbuhan"}
    assert client.patch(f"/api/v1/measurements/{made[1]['id']}", json=body,
                        headers=world.headers("bidan_a")).status_code == 200
    after = read(made[2])
    assert (after["trend"], after["two_t"]) == ("T", False)
    assert skdn_2t() == before - 1
    assert client.delete(f"/api/v1/measurements/{made[0]['id']}", headers=world.headers("kader1")).status_code == 204
    middle = read(made[1])
    assert (middle["trend"], middle["trend_computed"], middle["trend_override"]) == ("B", "B", "N")


def test_a_month_overridden_to_n_is_not_the_second_t_of_a_2t_and_one_overridden_to_t_is(client, world, make_child):
    """2T is T twice in a row (domain.md), read in this month as in the last by the trend that
    counts: a weighing a bidan judged N is counted N in the SKDN, never also 2T (nor referred for
    it); one she judged T after a T month is 2T."""
    this_month = date.today().replace(day=1)
    months = [this_month]
    for _ in range(2):
        months.insert(0, (months[0] - timedelta(days=1)).replace(day=1))
    skdn = lambda child: client.get(  # noqa: E731
        f"/api/v1/reports/skdn?posyandu_id={child['posyandu_id']}&month={this_month:%Y-%m}",
        headers=world.headers("bidan_a")).get_json()["rows"][0]
    read = lambda m: client.get(f"/api/v1/measurements/{m['id']}", headers=world.headers("kader1")).get_json()  # noqa: E731
    judge = lambda m, trend: client.patch(  # noqa: E731
        f"/api/v1/measurements/{m['id']}", json={"trend_override": trend, "trend_override_reason": "kurva mengikuti garis"},
        headers=world.headers("bidan_a"))
    for weights, computed, judged, two_t in [((11.0, 11.1, 11.2), "T", "N", False), ((11.2, 11.1, 11.5), "N", "T", True)]:
        child = make_child(sex="M", birth_date=(this_month - timedelta(days=730)).isoformat())  # KBM 200 g
        url = f"/api/v1/children/{child['id']}/measurements"
        made = [client.post(url, json={"measured_on": on.isoformat(), "weight_kg": kg}, headers=world.headers("kader1"))
                .get_json() for on, kg in zip(months, weights)]
        assert [read(m)["trend"] for m in made] == ["B", "T", computed] and read(made[2])["two_t"] is not two_t
        before = skdn(child)
        assert judge(made[2], judged).status_code == 200
        now = read(made[2])
        assert (now["trend"], now["trend_computed"], now["two_t"], now["referral"]) == (judged, computed, two_t, two_t)
        after = skdn(child)
        assert (after[judged], after[computed], after["2T"]) == (before[judged] + 1, before[computed] - 1,
                                                                 before["2T"] + (1 if two_t else -1))
        assert after["D"] == after["N"] + after["T"] + after["O"] + after["B"]


@pytest.mark.parametrize("kind", EVENTS)
def test_edit_and_delete_are_versioned_and_audited(client, world, child, db, kind):
    from posyandu.audit import AuditLog

    on = recent(kind, 1)
    event = client.post(f"/api/v1/children/{child['id']}/{kind}", json=body_for(kind, on), headers=world.headers("kader1")).get_json()
    edit = client.patch(f"/api/v1/{kind}/{event['id']}", json={DATE_KEY[kind]: recent(kind, 0).isoformat(), "base_version": 1},
                        headers=world.headers("kader1b"))
    assert edit.status_code == 200 and edit.get_json()["version"] == 2
    stale = client.patch(f"/api/v1/{kind}/{event['id']}", json={DATE_KEY[kind]: on.isoformat(), "base_version": 1},
                         headers=world.headers("kader1"))
    assert stale.status_code == 409
    assert client.delete(f"/api/v1/{kind}/{event['id']}", headers=world.headers("kader1")).status_code == 204
    assert client.get(f"/api/v1/{kind}/{event['id']}", headers=world.headers("kader1")).status_code == 404
    db.session.remove()
    actions = db.session.scalars(select(AuditLog.action).where(AuditLog.record_id == event["id"]).order_by(AuditLog.id)).all()
    assert actions == ["create", "update", "delete"]


def test_kms_trend_n_then_t_then_2t_with_referral(client, world, make_child):
    # Born 200 days before the 1st of this month: 6 completed months then → KBM 400 g
    # (Buku KIA); a month earlier ~170 days, 5 months → KBM 500 g.
    first_day = date.today().replace(day=1)
    child = make_child(sex="F", birth_date=(first_day - timedelta(days=200)).isoformat())
    url = f"/api/v1/children/{child['id']}/measurements"
    months = [(first_day - timedelta(days=1)).replace(day=1), first_day]
    prev = (months[0] - timedelta(days=1)).replace(day=1)
    results = []
    for on, kg in ((prev, 6.0), (months[0], 6.9), (months[1], 7.0)):
        results.append(client.post(url, json={"measured_on": on.isoformat(), "weight_kg": kg},
                                   headers=world.headers("kader1")).get_json())
    trends = [m["trend"] for m in client.get(url, headers=world.headers("kader1")).get_json()["items"]]
    assert trends == ["B", "N", "T"]
    last = client.get(f"/api/v1/measurements/{results[-1]['id']}", headers=world.headers("kader1")).get_json()
    assert last["weight_gain_g"] == 100 and last["kbm_g"] == 400 and last["referral"] is False


@pytest.mark.parametrize("how", ["rest", "push"])
def test_a_child_weighed_twice_in_its_first_month_counts_as_b_in_the_skdn(client, world, make_child, how):
    """B is new this month (domain.md): the month's latest weighing of a child first weighed that
    month is B, not O, whether the two weighings come one by one or in one push."""
    from tests.sync.helpers import measurement_data, mutation, new_id, push

    last_month = (date.today().replace(day=1) - timedelta(days=1)).replace(day=1)
    child = make_child(sex="F", birth_date=(last_month - timedelta(days=300)).isoformat())
    days = [last_month + timedelta(days=2), last_month + timedelta(days=20)]
    skdn = lambda: client.get(  # noqa: E731
        f"/api/v1/reports/skdn?posyandu_id={child['posyandu_id']}&month={last_month:%Y-%m}",
        headers=world.headers("bidan_a")).get_json()["rows"][0]
    before = skdn()
    if how == "rest":
        for on, kg in zip(days, (7.5, 7.6)):
            assert client.post(f"/api/v1/children/{child['id']}/measurements", headers=world.headers("kader1"),
                               json={"measured_on": on.isoformat(), "weight_kg": kg}).status_code == 201
    else:
        results = push(client, world.headers("kader1"), [
            mutation("measurement", new_id(), measurement_data(child["id"], measured_on=on.isoformat(), weight_kg=kg))
            for on, kg in zip(days, (7.5, 7.6))])
        assert [r["status"] for r in results] == ["applied", "applied"], results
    items = client.get(f"/api/v1/children/{child['id']}/measurements", headers=world.headers("kader1")).get_json()["items"]
    assert [m["trend"] for m in items] == ["B", "B"]
    after = skdn()
    assert (after["D"], after["B"], after["O"]) == (before["D"] + 1, before["B"] + 1, before["O"])


def test_an_admin_publishes_a_new_kbm_and_trends_follow(client, world, make_child):
    this_month = date.today().replace(day=1)
    child = make_child(sex="M", birth_date=(this_month - timedelta(days=200)).isoformat())
    url = f"/api/v1/children/{child['id']}/measurements"
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    client.post(url, json={"measured_on": last_month.isoformat(), "weight_kg": 7.0}, headers=world.headers("kader1"))
    m = client.post(url, json={"measured_on": this_month.isoformat(), "weight_kg": 7.45}, headers=world.headers("kader1")).get_json()
    assert m["trend"] == "N" and m["kbm_g"] == 400  # 450 g ≥ KBM 400 g at 6 months
    body = {"grams_by_month": {"1": 800, "5": 500, "6": 500, "7": 500}, "source": "test: stricter KBM"}
    assert client.post("/api/v1/growth/kbm", json=body, headers=world.headers("kader1")).status_code == 403
    from posyandu.growth.trend import DEFAULT_KBM

    built_in = {"grams_by_month": {str(k): v for k, v in DEFAULT_KBM.items()}, "source": "Buku KIA"}
    same = client.post("/api/v1/growth/kbm", json=built_in, headers=world.headers("admin", "id"))  # the one in force
    assert same.status_code == 422 and same.get_json()["errors"]["grams_by_month"] == [
        "sama dengan tabel bawaan (Buku KIA) yang berlaku: tidak ada yang diterbitkan"], same.get_json()
    assert client.post("/api/v1/growth/kbm", json=body, headers=world.headers("admin")).status_code == 201
    again = client.get(f"/api/v1/measurements/{m['id']}", headers=world.headers("kader1")).get_json()
    assert again["trend"] == "T" and again["kbm_g"] == 500
    assert client.get("/api/v1/growth/kbm", headers=world.headers("kader1")).get_json()["version"] == 1
    # the same table again (a second tap on "Ya, terbitkan"): no version 2 changing nothing, no N/T judged again
    same = client.post("/api/v1/growth/kbm", json={**body, "grams_by_month": {"1": 800, "5": 500}, "source": "again"},
                       headers=world.headers("admin", "id"))
    assert same.status_code == 422 and same.get_json()["errors"]["grams_by_month"] == [
        "sama dengan tabel versi 1 yang berlaku: tidak ada yang diterbitkan"], same.get_json()
    assert client.get("/api/v1/growth/kbm", headers=world.headers("kader1")).get_json()["version"] == 1
    # back to the built-in table: a change, published
    assert client.post("/api/v1/growth/kbm", json=built_in, headers=world.headers("admin")).status_code == 201


def test_a_weight_for_age_flagged_implausible_still_marks_bgm_as_the_pwa_does(client, world, make_child):
    """The same boy as tests/js/pwa.test.mjs: 3.0 kg at almost a year is far below −6 SD, flagged for
    re-measuring and kept out of prevalence, yet below the red line of the KMS: BGM, referral."""
    child = make_child(sex="M", birth_date="2024-08-15")
    m = client.post(f"/api/v1/children/{child['id']}/measurements", json={"measured_on": "2025-08-10", "weight_kg": 3.0},
                    headers=world.headers("kader1")).get_json()
    assert m["flags"]["wfa"] is True and m["zscores"]["wfa"] < -6 and m["status"]["bb_u"] is None
    assert (m["bgm"], m["referral"]) == (True, True)


def test_an_edit_may_clear_some_measured_values_but_not_all(client, world, child):
    url = f"/api/v1/children/{child['id']}/measurements"
    both = client.post(url, json={"measured_on": date.today().isoformat(), "weight_kg": 9.4, "length_height_cm": 74.2},
                       headers=world.headers("kader1")).get_json()
    ok = client.patch(f"/api/v1/measurements/{both['id']}", json={"length_height_cm": None}, headers=world.headers("kader1"))
    assert ok.status_code == 200 and ok.get_json()["length_height_cm"] is None and ok.get_json()["version"] == 2
    resp = client.patch(f"/api/v1/measurements/{both['id']}", json={"weight_kg": None}, headers=world.headers("kader1", "id"))
    assert resp.status_code == 422
    assert resp.get_json()["errors"]["weight_kg"] == ["isi minimal berat atau panjang/tinggi badan"]
    kept = client.get(f"/api/v1/measurements/{both['id']}", headers=world.headers("kader1")).get_json()
    assert (kept["weight_kg"], kept["version"]) == (9.4, 2)


@pytest.mark.parametrize("kind", EVENTS)
@pytest.mark.parametrize("recorded_at", ["0001-01-01T00:00:00+07:00", "9999-12-31T23:00:00-07:00",
                                         "1999-12-31T23:59:59Z", "2100-01-01T00:00:00Z"])
def test_a_device_clock_reading_no_phone_could_show_is_422_for_recorded_at(client, world, child, kind, recorded_at):
    """Past datetime's range in UTC it once crashed the write (500); before 2000 no clock was set."""
    body = body_for(kind, recent(kind, 1), recorded_at=recorded_at)
    resp = client.post(f"/api/v1/children/{child['id']}/{kind}", json=body, headers=world.headers("kader1"))
    assert resp.status_code == 422 and list(resp.get_json()["errors"]) == ["recorded_at"], resp.get_json()
    made = client.post(f"/api/v1/children/{child['id']}/{kind}", json=body_for(kind, recent(kind, 1)),
                       headers=world.headers("kader1")).get_json()
    fixed = client.patch(f"/api/v1/{kind}/{made['id']}", json={"recorded_at": recorded_at},
                         headers=world.headers("kader1"))
    assert fixed.status_code == 422 and list(fixed.get_json()["errors"]) == ["recorded_at"], fixed.get_json()


def test_an_edit_onto_another_weighings_day_flags_it_and_an_edit_off_it_clears_the_flag(client, world, child):
    """Same-day weighings are both kept, the later flagged (api-contract, Sync): also when an edit
    brings one onto the other's day, and no longer once it leaves that day."""
    url = f"/api/v1/children/{child['id']}/measurements"
    first = client.post(url, json=body_for("measurements", recent("measurements", 3)),
                        headers=world.headers("kader1")).get_json()
    later = client.post(url, json=body_for("measurements", recent("measurements", 2), weight_kg=9.5),
                        headers=world.headers("kader1")).get_json()
    assert later["possible_duplicate_of"] is None
    moved = client.patch(f"/api/v1/measurements/{later['id']}", json={"measured_on": first["measured_on"]},
                         headers=world.headers("kader1"))
    assert moved.status_code == 200 and moved.get_json()["possible_duplicate_of"] == first["id"]
    apart = client.patch(f"/api/v1/measurements/{later['id']}", json={"measured_on": later["measured_on"]},
                         headers=world.headers("kader1"))
    assert apart.status_code == 200 and apart.get_json()["possible_duplicate_of"] is None
    assert client.get(f"/api/v1/measurements/{first['id']}", headers=world.headers("kader1")).get_json()[
        "possible_duplicate_of"] is None


def test_deleting_the_first_of_a_days_weighings_makes_the_next_the_first_on_every_phone(client, world, child):
    """Three weighings of one day: the second and third flagged against the first. The first
    deleted, the second is the day's first (unflagged) and the third is flagged against it; the
    phones pull both changes. A flag never points at a deleted record for a person to resolve."""
    from tests.sync.helpers import pull_all

    url = f"/api/v1/children/{child['id']}/measurements"
    day = recent("measurements", 1)
    a, b, c = (client.post(url, json=body_for("measurements", day, weight_kg=kg), headers=world.headers("kader1"))
               .get_json() for kg in (9.4, 9.5, 9.6))
    assert (b["possible_duplicate_of"], c["possible_duplicate_of"]) == (a["id"], a["id"])
    _, cursor, _ = pull_all(client, world.headers("kader1b"))
    assert client.delete(f"/api/v1/measurements/{a['id']}", headers=world.headers("kader1")).status_code == 204
    read = lambda m: client.get(f"/api/v1/measurements/{m['id']}", headers=world.headers("kader1")).get_json()  # noqa: E731
    assert (read(b)["possible_duplicate_of"], read(c)["possible_duplicate_of"]) == (None, b["id"])
    later, _, _ = pull_all(client, world.headers("kader1b"), cursor)
    assert sorted((x["id"], x["op"], x["record"]["possible_duplicate_of"]) for x in later) == sorted(
        [(a["id"], "delete", None), (b["id"], "upsert", None), (c["id"], "upsert", b["id"])])
    # deleting a flagged one changes no other record
    assert client.delete(f"/api/v1/measurements/{c['id']}", headers=world.headers("kader1")).status_code == 204
    assert read(b)["version"] == 2


def weighed_t_this_month(client, world, make_child) -> tuple[list[date], dict]:
    """A child weighed 9.0 kg three months ago, 9.05 last month and 9.1 on this month's first day (a T,
    the gain under the KBM): the first days of this month and the three before (newest first), and
    this month's weighing as the API answered it."""
    child = make_child(birth_date=(date.today() - timedelta(days=500)).isoformat())
    url = f"/api/v1/children/{child['id']}/measurements"
    month = [date.today().replace(day=1)]
    for _ in range(3):
        month.append((month[-1] - timedelta(days=1)).replace(day=1))
    for day, weight in ((month[3], 9.0), (month[1], 9.05)):
        assert client.post(url, json={"measured_on": day.isoformat(), "weight_kg": weight},
                           headers=world.headers("kader1")).status_code == 201
    m = client.post(url, json={"measured_on": month[0].isoformat(), "weight_kg": 9.1},
                    headers=world.headers("kader1")).get_json()
    return month, m


def test_a_weighing_moved_to_another_month_loses_the_bidans_n_t_judgement(client, world, make_child, db):
    """A bidan's N/T judged a month's gain over the month before. A kader correcting the weighing's
    date into another month took the judgement along: the N stood over whatever the new month
    computed, and the SKDN counted it. It is dropped (audited with her edit); a date moved within
    the month keeps it."""
    from posyandu.audit import AuditLog

    month, m = weighed_t_this_month(client, world, make_child)
    body = {"trend_override": "N", "trend_override_reason": "kurva mengikuti garis pertumbuhan"}
    judged = client.patch(f"/api/v1/measurements/{m['id']}", json=body, headers=world.headers("bidan_a")).get_json()
    assert (judged["trend"], judged["trend_computed"]) == ("N", "T")
    same_month = client.patch(f"/api/v1/measurements/{m['id']}", json={"measured_on": (month[0] + timedelta(days=1)).isoformat()},
                              headers=world.headers("kader1"))
    if month[0] + timedelta(days=1) <= date.today():
        assert same_month.status_code == 200 and same_month.get_json()["trend"] == "N", same_month.get_json()
    moved = client.patch(f"/api/v1/measurements/{m['id']}", json={"measured_on": month[2].isoformat()},
                         headers=world.headers("kader1"))
    assert moved.status_code == 200, moved.get_json()
    got = moved.get_json()
    assert (got["trend"], got["trend_computed"], got["trend_override"], got["trend_override_reason"]) == ("T", "T", None, None)
    row = db.session.scalars(select(AuditLog).where(AuditLog.record_id == m["id"], AuditLog.action == "update")
                             .order_by(AuditLog.id.desc())).first()
    assert row.changes["trend_override"] == ["N", None] and "measured_on" in row.changes
