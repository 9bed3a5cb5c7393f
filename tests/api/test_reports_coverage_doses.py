"""The coverage report's doses, IDL and Baduta Lengkap against a per-child count in plain Python, over
many generated doses (both databases).

The report reads each child's doses as bit masks (``coverage.given_masks``); this holds it to domain.md's
definitions, worked out here from the rows put in, on data made to catch what a mask could get wrong:
every schedule dose for most children, some twice (two phones: counted once), some deleted, some after
the period's end or before the birthday, some given at another posyandu (not counted in a report of a
puskesmas that does not run it), some of a vaccine the schedule does not list, children of three
posyandu in two kabupaten, at each roll-up level, and with masks of 5 bits (several masks per child,
the schedule's 21 entries spread over them) as with 62.
"""
from __future__ import annotations

import calendar
import json
import random
import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.api.test_reports_oracle import add_months, months_old

SCHEDULE = json.loads((Path(__file__).parents[2] / "posyandu/immunisation/data/schedule-2024.json").read_text())
PERIODS = [("2024-03", "2024-03"), ("2023-10", "2024-03"), ("2021-04", "2024-03")]  # the longest: 36 months


def after(birth: date, age: dict) -> date:
    return add_months(birth, age.get("months", 0)) + timedelta(days=age.get("days", 0))


def applies(entry: dict, kabupaten: str) -> bool:
    if entry["areas"] is not None:
        return kabupaten.replace(".", "") in entry["areas"]
    return not entry.get("endemic_only", False)


@pytest.fixture
def district(app, world, make_child):
    """About 45 children of p1, p2 (Gresik, PKM Wringinanom) and p3 (Bangkalan, PKM Kamal) and their doses,
    the doses put in by SQL (the report reads rows, not how they came)."""
    from posyandu.extensions import db
    from posyandu.immunisation.models import Immunisation

    rnd = random.Random(11)
    kabupaten = {"p1": "35.25", "p2": "35.25", "p3": "35.26"}
    kids, doses = [], []
    for i in range(45):
        where = rnd.choice(["p1", "p1", "p2", "p3"])
        born = date(2024, 3, 31) - timedelta(days=rnd.choice(
            [rnd.randint(0, 1900), rnd.randint(330, 420), rnd.randint(690, 790), rnd.randint(0, 120)]))
        kid = make_child(by="admin", posyandu=where, name=f"Anak {i}", birth_date=born.isoformat())
        kids.append({"id": kid["id"], "born": born, "posyandu": where, "kabupaten": kabupaten[where]})
        for e in SCHEDULE["entries"] + [{"vaccine": "POLIO", "dose": 1, "recommended_age": {"months": 1}}]:
            if rnd.random() < .15:
                continue
            for _ in range(2 if rnd.random() < .1 else 1):  # the same dose twice: two phones
                on = after(born, e["recommended_age"]) + timedelta(days=rnd.choice([-40, -3, 0, 5, 30, 90, 200]))
                at = rnd.choice([where] * 6 + ["p1", "p2", "p3"])
                doses.append({"child": kid["id"], "vaccine": e["vaccine"], "dose": e["dose"], "on": on, "at": at,
                              "deleted": rnd.random() < .08})
    with app.app_context():
        for d in doses:
            db.session.add(Immunisation(
                id=uuid.uuid4(), child_id=uuid.UUID(d["child"]), posyandu_id=world.ids[d["at"]],
                kabupaten_code=kabupaten[d["at"]], vaccine=d["vaccine"], dose=d["dose"], given_on=d["on"],
                place="posyandu", deleted_at=datetime.now(timezone.utc) if d["deleted"] else None))
        db.session.commit()
    return kids, doses


def expected(kids, doses, first: date, last: date, area_of, in_scope) -> dict:
    """(area, vaccine, dose) → (target, covered, given_in_period) and (area, kind) → (target, covered), by
    domain.md: the child's area her posyandu's, a dose's (given in the period) the posyandu that gave it."""
    live = [d for d in doses if not d["deleted"] and in_scope(d["at"])]
    out: dict = defaultdict(lambda: [0, 0, 0])
    for kid in kids:
        if not in_scope(kid["posyandu"]):
            continue
        area, born, mine = area_of(kid["posyandu"]), kid["born"], [d for d in live if d["child"] == kid["id"]]
        if born <= last and months_old(born, last) < 60:
            for e in SCHEDULE["entries"]:
                if after(born, e["recommended_age"]) <= last and applies(e, kid["kabupaten"]):
                    cell = out[(area, e["vaccine"], e["dose"])]
                    cell[0] += 1
                    cell[1] += any((d["vaccine"], d["dose"]) == (e["vaccine"], e["dose"]) and d["on"] <= last
                                   for d in mine)
        for kind, years in (("idl", 1), ("baduta", 2)):
            birthday = add_months(born, 12 * years)
            if first <= birthday <= last:
                cell = out[(area, kind)]
                cell[0] += 1
                cell[1] += all(any((d["vaccine"], d["dose"]) == (e["vaccine"], e["dose"]) and d["on"] < birthday
                                   for d in mine)
                               for e in SCHEDULE["entries"]
                               if e["counts_toward"] == kind and applies(e, kid["kabupaten"]))
    for e in SCHEDULE["entries"]:
        given = {(area_of(d["at"]), d["child"]) for d in live
                 if (d["vaccine"], d["dose"]) == (e["vaccine"], e["dose"]) and first <= d["on"] <= last}
        for area, _ in given:
            out[(area, e["vaccine"], e["dose"])][2] += 1
    return out


@pytest.mark.parametrize("bits", [62, 5])
def test_coverage_doses_idl_and_baduta_agree_with_each_child_s_doses(client, world, district, monkeypatch, bits):
    from posyandu.reports import coverage

    monkeypatch.setattr(coverage, "BITS", bits)
    kids, doses = district
    ids = world.ids
    areas = {"posyandu": lambda p: str(ids[p]), "kabupaten": lambda p: {"p1": "35.25", "p2": "35.25", "p3": "35.26"}[p],
             "puskesmas": lambda p: str(ids["pkm_b"] if p == "p3" else ids["pkm_a"])}
    asks = [("admin", level, lambda p: True) for level in areas] + [("bidan_a", "kabupaten", lambda p: p != "p3")]
    for start, end in PERIODS:
        first = date(int(start[:4]), int(start[5:]), 1)
        last = date(int(end[:4]), int(end[5:]), calendar.monthrange(int(end[:4]), int(end[5:]))[1])
        for who, level, in_scope in asks:
            resp = client.get(f"/api/v1/reports/coverage?from={start}&to={end}&level={level}",
                              headers=world.headers(who))
            assert resp.status_code == 200, resp.get_json()
            want = expected(kids, doses, first, last, areas[level], in_scope)
            rows = [r for r in resp.get_json()["rows"] if r["kind"] in ("dose", "idl", "baduta")]
            assert len({r["area"] for r in rows}) == len({areas[level](p) for p in ("p1", "p2", "p3") if in_scope(p)})
            for r in rows:
                if r["kind"] == "dose":
                    got = [r["target"], r["covered"], r["given_in_period"]]
                    assert got == want[(r["area"], r["vaccine"], r["dose"])], (start, end, who, level, r)
                else:
                    assert [r["target"], r["covered"]] == want[(r["area"], r["kind"])][:2], (start, end, who, level, r)
            assert sum(r["covered"] for r in rows) > 50, "the data covers something"


def test_a_mask_past_one_word_keeps_its_high_bits_on_both_databases(app, world, make_child):
    """``given_masks`` and ``had`` over 200 entries (four masks of 62 bits): each entry given, and only those,
    read back, the highest bits of a mask (2^61: a bigint, summed distinct on SQLite) and the first of the
    next, one given twice and one deleted; the schedule's 21 entries never reach them."""
    from sqlalchemy import select

    from posyandu.extensions import db
    from posyandu.immunisation.models import Immunisation
    from posyandu.immunisation.schedule import ScheduleEntry
    from posyandu.reports.coverage import BITS, given_masks, had

    entries = [ScheduleEntry(vaccine=f"V{i}", dose=1, recommended_age=None, min_age=None, max_age=None,
                             min_interval=None, counts_toward=None) for i in range(200)]
    given = {0, 30, BITS - 2, BITS - 1, BITS, 2 * BITS - 1, 2 * BITS, 3 * BITS - 1, 3 * BITS, 199}
    kid = uuid.UUID(make_child(by="admin", posyandu="p1", birth_date="2024-01-01")["id"])
    with app.app_context():
        for i, deleted in [(i, False) for i in sorted(given)] + [(BITS - 1, False), (199, False), (100, True)]:
            db.session.add(Immunisation(
                id=uuid.uuid4(), child_id=kid, posyandu_id=world.ids["p1"], kabupaten_code="35.25", vaccine=f"V{i}",
                dose=1, given_on=date(2024, 3, 1), place="posyandu",
                deleted_at=datetime.now(timezone.utc) if deleted else None))
        db.session.commit()
        masks = given_masks([("m", entries, None)])
        row = db.session.execute(select(*(had(masks, "m", i) for i in range(len(entries))))
                                 .select_from(masks).where(masks.c.child_id == kid)).one()
        assert {i for i, was in enumerate(row) if was} == given
