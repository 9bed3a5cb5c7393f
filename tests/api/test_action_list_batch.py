"""The follow-up list (``GET /reports/actions``) against the way it was computed before it was made fast
for a district (docs/scaling.md): a full immunisation card per child (``immunisation_card``), in chunks.
Children of every kind are put in by the ORM (ages from the birth day to past five years, doses on
time, late, early, twice, deleted, before birth, after the month, in a JE kabupaten and out of it;
deleted and merged registrations; some weighed); every answer must be the same row for row, for
several months, reason filters, areas and chunk sizes (both databases)."""
from __future__ import annotations

import random
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from posyandu.immunisation.due import Area, GivenDose, immunisation_card
from posyandu.immunisation.operations import schedule_in_force
from posyandu.ages import add_months
from posyandu.immunisation.schedule import load_default_schedule
from posyandu.reports import action_list as actions
from posyandu.reports.period import Month

MONTHS = ["2025-08", "2025-02", "2024-02", "2026-01"]


def doses_of(session, child_ids):
    """Every dose of these children not deleted, one row each, as the list read them before."""
    from posyandu.immunisation.models import Immunisation

    out = {}
    for child_id, vaccine, dose, given_on in session.execute(
            select(Immunisation.child_id, Immunisation.vaccine, Immunisation.dose, Immunisation.given_on)
            .where(Immunisation.child_id.in_(child_ids), Immunisation.deleted_at.is_(None))):
        out.setdefault(child_id, []).append(GivenDose(vaccine, dose, given_on))
    return out


def reference(session, month, posyandu_filter, reasons=None):
    """The action list as computed before: a full card for every child, ``CHUNK`` children at a time."""
    wanted = set(reasons or actions.REASONS)
    schedule = schedule_in_force(session, month.last) if "overdue_immunisation" in wanted else None
    result = session.execute(actions._children(month, posyandu_filter)).mappings()
    for chunk in result.partitions(actions.CHUNK):
        given = doses_of(session, [r["child_id"] for r in chunk]) if schedule else {}
        for r in chunk:
            found, overdue = actions.growth_reasons(r, month), []
            if schedule:
                card = immunisation_card(schedule, r["birth_date"], given.get(r["child_id"], []), month.last,
                                         area=Area(kabupaten=r["kabupaten_code"]))
                overdue = [e.label for e in card.entries if e.status == "overdue"]
                found += ["overdue_immunisation"] if overdue else []
            found = [f for f in found if f in wanted]
            if found:
                yield actions._row(r, month, found, overdue)


@pytest.fixture
def district(app, world):
    """About 400 children in Gresik, Bangkalan and Denpasar (JE is given in Bali only)."""
    from posyandu.auth.models import User
    from posyandu.extensions import db
    from posyandu.growth.models import Measurement
    from posyandu.immunisation.models import Immunisation
    from posyandu.registry.models import Child, Posyandu
    from posyandu.registry.operations import create_posyandu, create_puskesmas, upsert_region

    rng, schedule = random.Random("action-list"), load_default_schedule()
    with app.app_context():
        for code, name in [("51", "Bali"), ("51.71", "Denpasar"), ("51.71.01", "Denpasar Selatan"),
                           ("51.71.01.1001", "Sesetan")]:
            upsert_region(code, name)
        pkm = create_puskesmas({"name": "PKM Denpasar Selatan", "kecamatan_code": "51.71.01", "code": "PD"})
        admin = db.session.scalar(db.select(User).filter_by(username="admin"))
        bali = create_posyandu(admin, {"name": "Cempaka", "desa_code": "51.71.01.1001", "puskesmas_id": pkm.id,
                                       "meeting_day": 3})
        places = [db.session.get(Posyandu, world.ids[p]) for p in ("p1", "p2", "p3")] + [bali]
        now = datetime.now(timezone.utc)
        end = date(2026, 1, 31)
        for n in range(400):
            pos = places[n % 4]
            born = end - timedelta(days=rng.randint(-20, 68 * 31))
            child = Child(id=uuid.uuid4(), posyandu_id=pos.id, kabupaten_code=pos.kabupaten_code,
                          name=f"Anak {rng.choice('ABCDEFG')} {n:03}", sex=rng.choice("MF"), birth_date=born,
                          mother_name=rng.choice([None, f"Ibu {n}"]), guardian_phone=rng.choice([None, "0812345678"]),
                          deleted_at=now if n % 53 == 0 else None)
            db.session.add(child)
            db.session.flush()  # before its doses and weighing (no ORM relationship orders them)
            missing = rng.choice([0.0, 0.0, 0.0, 0.1, 0.5, 1.0])
            for e in schedule.entries:
                on = e.recommended_age.after(born)
                roll = rng.random()
                if rng.random() < missing:
                    continue
                if roll < 0.15:
                    on = add_months(on, rng.randint(1, 20))  # late
                elif roll < 0.2:
                    on = on - timedelta(days=rng.randint(1, 60))  # early, or before birth
                for twice in range(2 if roll > 0.95 else 1):
                    db.session.add(Immunisation(
                        id=uuid.uuid4(), child_id=child.id, posyandu_id=pos.id, kabupaten_code=pos.kabupaten_code,
                        vaccine=e.vaccine, dose=e.dose, given_on=on + timedelta(days=30 * twice), place="posyandu",
                        deleted_at=now if rng.random() < 0.03 else None))
            if rng.random() < 0.5:
                month = Month.parse(rng.choice(MONTHS), date.today())
                db.session.add(Measurement(
                    id=uuid.uuid4(), child_id=child.id, posyandu_id=pos.id, kabupaten_code=pos.kabupaten_code,
                    measured_on=month.first + timedelta(days=9), weight_kg=8.0, trend=rng.choice(["N", "T", None]),
                    two_t=rng.random() < 0.2, bgm=rng.random() < 0.1))
        db.session.flush()
        twins = db.session.scalars(db.select(Child).where(Child.deleted_at.is_(None)).order_by(Child.name).limit(3))
        first = None
        for child in twins:  # two registrations merged into the first
            if first is None:
                first = child
            else:
                child.merged_into = first.id
        db.session.commit()
    return world


def _as_json(rows):
    return [{k: (str(v) if isinstance(v, (date, uuid.UUID)) else v) for k, v in row.items()} for row in rows]


def test_the_list_is_the_one_every_childs_card_gives(app, district, monkeypatch):
    from posyandu.extensions import db
    from posyandu.registry.models import Posyandu

    everywhere, bali = Posyandu.deleted_at.is_(None), Posyandu.kabupaten_code == "51.71"
    cases = [(month, everywhere, None, 1000) for month in MONTHS] + [
        (MONTHS[0], bali, None, 1000), (MONTHS[0], Posyandu.id == district.ids["p3"], None, 1000),
        (MONTHS[0], everywhere, ["overdue_immunisation"], 1000), (MONTHS[1], everywhere, ["T", "not_weighed_2_months"], 1000),
        (MONTHS[0], everywhere, None, 7), (MONTHS[2], everywhere, ["overdue_immunisation", "2T"], 7)]
    seen_overdue = seen_any = 0
    with app.app_context():
        for month, area, reasons, chunk in cases:
            monkeypatch.setattr(actions, "CHUNK", chunk)
            got = list(actions.action_list(db.session, Month.parse(month, date.today()), area, reasons))
            expected = list(reference(db.session, Month.parse(month, date.today()), area, reasons))
            assert got == expected, (month, str(area), reasons, chunk)
            seen_any += len(got)
            seen_overdue += sum(bool(r["overdue_immunisations"]) for r in got)
    # the dataset has children on the list with overdue doses and without
    assert seen_overdue > 100 and seen_any - seen_overdue > 100


def every_page(client, query, headers, limit=500):
    """The follow-up list's JSON pages read to the end: (the first answer, every row)."""
    first, rows, cursor = None, [], None
    while True:
        resp = client.get(f"/api/v1/reports/actions?{query}&limit={limit}" + (f"&cursor={cursor}" if cursor else ""),
                          headers=headers)
        assert resp.status_code == 200, resp.get_json()
        body = resp.get_json()
        assert len(body["items"]) <= limit and set(body) == {"from", "to", "items", "next_cursor"}
        first, rows, cursor = first or body, rows + body["items"], body["next_cursor"]
        if cursor is None:
            return first, rows


def test_the_api_answers_the_same_list(client, district):
    from posyandu.extensions import db
    from posyandu.registry.models import Posyandu

    _, rows = every_page(client, "month=2025-08", district.headers("admin"))
    with district.app.app_context():
        expected = _as_json(reference(db.session, Month.parse("2025-08", date.today()), Posyandu.deleted_at.is_(None)))
    assert rows == expected and any(r["overdue_immunisations"] for r in expected)
    assert any("JE" in r["overdue_immunisations"] for r in expected)  # Denpasar's children


def test_the_list_comes_in_pages_with_limit_and_cursor(client, district):
    """A whole district's list is too long for one answer (tens of MB): it is a list as the contract's
    lists are (``items``, ``limit``, ``cursor``), 50 children a page unless ``limit`` says otherwise
    (it came whole, and as ``rows``); the pages of any size are the same list."""
    headers = district.headers("admin")
    query = "month=2025-08&reason=overdue_immunisation&reason=T"
    first = client.get(f"/api/v1/reports/actions?{query}", headers=headers).get_json()
    _, whole = every_page(client, query, headers)
    assert first["from"] == "2025-08" and first["items"] == whole[:50] and first["next_cursor"] and len(whole) > 100
    _, small = every_page(client, query, headers, limit=37)
    assert small == whole


def tally(rows):
    """The counts of a whole list, worked out from its rows."""
    by_reason = dict.fromkeys(actions.REASONS, 0)
    for row in rows:
        for reason in row["reasons"]:
            by_reason[reason] += 1
    return {"children": len(rows), "reasons": by_reason}


def test_the_counts_are_those_of_the_whole_list(app, district, monkeypatch):
    """``counts`` (what a report screen shows beside the list's first page) counts the rows the card per
    child gives, for every month, area and chunk size."""
    from posyandu.extensions import db
    from posyandu.registry.models import Posyandu

    everywhere, bali = Posyandu.deleted_at.is_(None), Posyandu.kabupaten_code == "51.71"
    cases = [(month, everywhere, 1000) for month in MONTHS] + [
        (MONTHS[0], bali, 1000), (MONTHS[0], Posyandu.id == district.ids["p3"], 1000), (MONTHS[2], everywhere, 7)]
    with app.app_context():
        for month, area, chunk in cases:
            monkeypatch.setattr(actions, "CHUNK", chunk)
            expected = tally(list(reference(db.session, Month.parse(month, date.today()), area)))
            assert actions.counts(db.session, Month.parse(month, date.today()), area) == expected, (month, str(area), chunk)
            assert expected["children"] > 0


def test_the_api_counts_the_list_it_pages(client, district):
    """``GET /reports/actions/counts`` answers the counts of the list ``GET /reports/actions`` pages, for the
    caller's area (dinkes Gresik: Gresik's children alone), naming no child (no access-log row)."""
    from posyandu.extensions import db
    from posyandu.privacy import AccessLog

    for who, query in (("admin", "month=2025-08"), ("dinkes_gresik", "month=2025-08"),
                       ("admin", "from=2025-01&to=2025-02&level=kabupaten&region_code=51.71")):
        headers = district.headers(who)
        whole, rows = every_page(client, query, headers)
        with district.app.app_context():
            logged = db.session.scalar(db.select(db.func.count()).select_from(AccessLog))
        resp = client.get(f"/api/v1/reports/actions/counts?{query}", headers=headers)
        assert resp.status_code == 200, resp.get_json()
        body = resp.get_json()
        assert body == {"from": whole["from"], "to": whole["to"], **tally(rows), "not_listed": 0}, (who, query)
        assert body["children"] > 10
        with district.app.app_context():
            assert db.session.scalar(db.select(db.func.count()).select_from(AccessLog)) == logged


def test_a_bad_page_request_is_a_problem_with_its_field(client, district):
    headers = district.headers("admin", lang="id")
    for query, field in (("limit=0", "limit"), ("limit=abc", "limit"), ("limit=5&cursor=bm90LWEtY3Vyc29y", "cursor"),
                         ("limit=5&cursor=" + "WyJhIiwgMSwgImIiLCAyXQ", "cursor")):
        resp = client.get(f"/api/v1/reports/actions?month=2025-08&{query}", headers=headers)
        assert resp.status_code == 422 and resp.mimetype == "application/problem+json", (query, resp.get_json())
        assert field in resp.get_json()["errors"], (query, resp.get_json())


def test_pages_read_in_batches_are_the_whole_list(app, district, monkeypatch):
    """A page (``limit``) reads the children after its cursor a batch at a time, each batch with its own
    children's visits alone (``_batches``): page after page, for every month, reason filter, page size
    and chunk size, the pages put together are the list the card per child gives, and a page of a few
    rows reads the visits of a few dozen children, not the whole area's."""
    from posyandu import database
    from posyandu.extensions import db
    from posyandu.registry.models import Posyandu

    everywhere = Posyandu.deleted_at.is_(None)
    cases = [(month, None, 5, 1000) for month in MONTHS] + [
        (MONTHS[0], ["overdue_immunisation"], 37, 1000), (MONTHS[1], ["T", "not_weighed_2_months"], 3, 7),
        (MONTHS[2], ["2T"], 1, 7), (MONTHS[0], None, 500, 1000)]
    named: list[int] = []
    among = database.among
    monkeypatch.setattr(database, "among", lambda session, column, values: (
        named.append(len(values := list(values))), among(session, column, values))[1])
    with app.app_context():
        for month, reasons, limit, chunk in cases:
            monkeypatch.setattr(actions, "CHUNK", chunk)
            expected = list(reference(db.session, Month.parse(month, date.today()), everywhere, reasons))
            got, after = [], None
            while True:
                rows, cursor = actions.page(actions.action_list(db.session, Month.parse(month, date.today()), everywhere, reasons,
                                                                after, limit), limit)
                got += rows
                if cursor is None:
                    break
                after = actions.cursor_after(cursor)
            assert got == expected, (month, reasons, limit, chunk)
        named.clear()
        rows, _ = actions.page(actions.action_list(db.session, Month.parse(MONTHS[0], date.today()), everywhere, None, None, 5), 5)
        assert len(rows) == 5 and 0 < sum(named) <= 2 * (6 + 24)  # a batch of 6 children, or 6 and 24 (of about 400)


def test_a_page_of_a_reason_few_children_have_reads_the_area_in_few_batches(app, district, monkeypatch):
    """The batches grow fourfold without a cap: a page of a reason nobody has reads the whole area in a
    handful of queries (batches capped at ``CHUNK`` read a kabupaten in 100, 109 s against 5 s), and
    answers the same (no row, no cursor)."""
    from posyandu.extensions import db
    from posyandu.registry.models import Posyandu

    monkeypatch.setattr(actions, "CHUNK", 7)
    batches, children = [], actions._children
    monkeypatch.setattr(actions, "_children", lambda *a, **k: (batches.append(1), children(*a, **k))[1])
    with app.app_context():
        rows, cursor = actions.page(actions.action_list(db.session, Month.parse(MONTHS[0], date.today()), Posyandu.deleted_at.is_(None),
                                                        ["muac_severe"], None, 1), 1)
    assert rows == [] and cursor is None
    assert 0 < len(batches) <= 6  # 2, 8, 32, 128, 512 children: the area's 400 (capped at 7: some 60 batches)
