"""A reorganisation year: children move between posyandu (within a desa's puskesmas, to another kabupaten
and back) after months of weighings and doses. A month's report read after the month's end stays the same
whenever it is read again: a child counts, in a month, at the posyandu she was registered at on its last
day (``reports.cohort.placed_on``), with her weighings and doses, though they follow her to her new posyandu.
Every number worked out by hand (domain.md; both databases).

Mawar (p2, desa Sooko) and Melati (p1, desa Sumbergede), both of PKM Wringinanom, kabupaten Gresik.
Ages in completed months on the month's last day.

child  sex born        registered  what happened
R      M   2025-03-01  Mawar       Mar 8 9.0 kg (12 months: B), Apr 8 9.3 (13: +300 >= KBM 200: N);
                                   MR 1 on 2026-03-08 (at 12 months: due at 9)
M      F   2025-05-01  Melati      Mar 5 8.0 kg (B); not weighed in April (S only)
Then (today, in a later month than April 2026) R moves to Melati.

March 2026 SKDN, posyandu: Mawar S1 K1 D1 B1; Melati S1 K1 D1 B1.
April 2026 SKDN, posyandu: Mawar S1 D1 N1 (D' 1); Melati S1 D0. Puskesmas and kabupaten: S2 D1 N1.
MR 1 coverage, March 2026: Mawar target 1 (R, 12 months) covered 1; Melati target 1 (M, 10 months) covered 0.
"""
from __future__ import annotations

import uuid

import pytest

from posyandu.validators import local_today
from tests.api.test_reports_coverage import post  # noqa: F401  (the fixture posting as bidan_a)

MAR, APR = "2026-03", "2026-04"
REPORTS = ("skdn", "f1", "prevalence", "coverage")
LEVELS = ("posyandu", "desa", "puskesmas", "kabupaten")


def this_month() -> str:
    """Gresik's month now (WIB): a move made now counts from it (from 17:00 UTC on a month's last day it is
    already the next month's, while the machine's UTC date is not)."""
    return f"{local_today('35.25'):%Y-%m}"
SKDN_KEYS = ("S", "K", "D", "N", "T", "O", "B", "D_prime")


@pytest.fixture
def year(client, world, make_child, post):
    kids = {"R": make_child(by="kader2", posyandu="p2", name="Anak R", sex="M", birth_date="2025-03-01", has_kms=True),
            "M": make_child(name="Anak M", sex="F", birth_date="2025-05-01", has_kms=True)}
    for child, on, kg in (("R", "2026-03-08", 9.0), ("R", "2026-04-08", 9.3), ("M", "2026-03-05", 8.0)):
        post(f"children/{kids[child]['id']}/measurements", {"measured_on": on, "weight_kg": kg})
    post(f"children/{kids['R']['id']}/immunisations", {"vaccine": "MR", "dose": 1, "given_on": "2026-03-08",
                                                       "batch_number": "B1", "place": "posyandu"})
    return kids


def report(client, world, name, month, level="posyandu", who="bidan_a"):
    resp = client.get(f"/api/v1/reports/{name}?month={month}&level={level}", headers=world.headers(who))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["rows"]


def skdn(client, world, month, level="posyandu", who="bidan_a"):
    return {r["area_name"]: tuple(r[k] for k in SKDN_KEYS) for r in report(client, world, "skdn", month, level, who)}


def every_report(client, world):
    """Every report of March and April at every level, for PKM Wringinanom's bidan and Gresik's dinkes."""
    return {(who, name, month, level): report(client, world, name, month, level, who)
            for who in ("bidan_a", "dinkes_gresik") for name in REPORTS for month in (MAR, APR) for level in LEVELS}


def move(client, world, child, to, by="bidan_a"):
    resp = client.patch(f"/api/v1/children/{child['id']}", json={"posyandu_id": str(world.ids[to])},
                        headers=world.headers(by))
    assert resp.status_code == 200, resp.get_json()


def test_the_months_before_a_move_count_the_child_where_she_was(client, world, year):
    assert skdn(client, world, MAR) == {"Melati": (1, 1, 1, 0, 0, 0, 1, 0), "Mawar": (1, 1, 1, 0, 0, 0, 1, 0)}
    april = {"Melati": (1, 1, 0, 0, 0, 0, 0, 0), "Mawar": (1, 1, 1, 1, 0, 0, 0, 1)}
    assert skdn(client, world, APR) == april
    before = every_report(client, world)
    move(client, world, year["R"], "p1")
    # April read again after R left Mawar: the same, Mawar keeps her and her weighing (it was 0 and Melati S2 D1)
    assert skdn(client, world, APR) == april
    assert skdn(client, world, APR, "puskesmas") == {"PKM Wringinanom": (2, 2, 1, 1, 0, 0, 0, 1)}
    assert skdn(client, world, APR, "kabupaten", "dinkes_gresik") == {"Gresik": (2, 2, 1, 1, 0, 0, 0, 1)}
    doses = {(r["area_name"], r["indicator"]): (r["target"], r["covered"])
             for r in report(client, world, "coverage", MAR) if r["kind"] == "dose"}
    assert (doses[("Mawar", "MR 1")], doses[("Melati", "MR 1")]) == ((1, 1), (1, 0))
    assert every_report(client, world) == before  # F1, prevalence, coverage at every level too
    # this month, R is Melati's: S counts her there and no longer at Mawar
    got = skdn(client, world, this_month())
    assert (got["Melati"][0], got["Mawar"][0]) == (2, 0)


def test_a_family_gone_to_another_kabupaten_and_back_leaves_the_past_as_it_was(client, world, year):
    before = every_report(client, world)
    move(client, world, year["R"], "p3", by="admin")
    # Gresik's April, read while R lives in Bangkalan: still hers (no child lost from the district's total)
    assert skdn(client, world, APR, "kabupaten", "dinkes_gresik") == {"Gresik": (2, 2, 1, 1, 0, 0, 0, 1)}
    assert "Kenanga" not in {r["area_name"] for r in report(client, world, "skdn", APR, who="admin")
                             if r["S"]}  # Bangkalan's April never had her
    move(client, world, year["R"], "p2", by="admin")
    assert every_report(client, world) == before


def test_a_closed_posyandus_months_stay_in_its_regions_and_its_puskesmas_report(client, world, year):
    """Mawar closes: its child R moves to Melati, its kader is moved there too, then the admin closes it.
    April (before the closing) still counts R at Mawar: Gresik, PKM Wringinanom and desa Sooko keep her (their
    totals lost her, read 1 for 2), and the puskesmas's report by posyandu still has Mawar's row to print."""
    before = {level: skdn(client, world, APR, level) for level in LEVELS}
    _close_mawar(client, world, year)
    assert before["kabupaten"] == {"Gresik": (2, 2, 1, 1, 0, 0, 0, 1)}
    for level in LEVELS:
        assert skdn(client, world, APR, level) == before[level], level
    assert skdn(client, world, APR, "kabupaten", "dinkes_gresik") == before["kabupaten"]
    # Mawar's own April, asked for by its id, still downloads for the puskesmas and the district
    for who in ("bidan_a", "dinkes_gresik"):
        resp = client.get(f"/api/v1/reports/skdn?month={APR}&posyandu_id={world.ids['p2']}", headers=world.headers(who))
        assert resp.status_code == 200, resp.get_json()
        assert [(r["area_name"], r["S"], r["D"], r["N"]) for r in resp.get_json()["rows"]] == [("Mawar", 1, 1, 1)]
        csv = client.get(f"/api/v1/reports/skdn?month={APR}&posyandu_id={world.ids['p2']}&format=csv",
                         headers=world.headers(who))
        assert csv.status_code == 200 and "Mawar" in csv.data.decode("utf-8-sig")
    # its desa (Sooko held Mawar alone) asked for by its code: the midwife who ran it reads its April, as
    # every level of her reports shows it (a 404 said the desa was not in her area)
    for path in (f"reports/skdn?month={APR}&level=posyandu", f"reports/workbook?month={APR}", f"exports/fhir?month={APR}"):
        resp = client.get(f"/api/v1/{path}&region_code=35.25.01.2002", headers=world.headers("bidan_a"))
        assert resp.status_code == 200, (path, resp.get_json())
    resp = client.get(f"/api/v1/reports/skdn?month={APR}&region_code=35.25.01.2002&level=posyandu", headers=world.headers("bidan_a"))
    assert [(r["area_name"], r["S"]) for r in resp.get_json()["rows"]] == [("Mawar", 1)]
    # this month Mawar is gone from the report, R counted at Melati
    got = skdn(client, world, this_month())
    assert "Mawar" not in got and got["Melati"][0] == 2


def _close_mawar(client, world, year):
    """R moves to Melati, Mawar's kader is moved there too, then the admin closes Mawar."""
    move(client, world, year["R"], "p1")
    users = client.get("/api/v1/users?limit=100", headers=world.headers("admin")).get_json()["items"]
    kader2_id = next(u["id"] for u in users if u["username"] == "kader2")
    assert client.patch(f"/api/v1/users/{kader2_id}", json={"posyandu_id": str(world.ids["p1"])},
                        headers=world.headers("admin")).status_code == 200
    resp = client.delete(f"/api/v1/posyandu/{world.ids['p2']}?reason=digabung", headers=world.headers("admin"))
    assert resp.status_code == 204, resp.get_json()


def test_a_posyandu_closed_within_the_period_keeps_a_row_for_the_doses_it_gave(client, world, year, post):
    """R is given MR 2 at Mawar on the 15th of last month; today Mawar closes (R moved to Melati). Coverage of
    last month to this month by posyandu had no Mawar row, its dose counted by the desa, puskesmas and
    kabupaten rows only (the rows did not add up). Mawar keeps a row for it, no child in its targets; every
    level counts the dose once."""
    from datetime import timedelta

    last_month = local_today("35.25").replace(day=1) - timedelta(days=1)
    post(f"children/{year['R']['id']}/immunisations", {"vaccine": "MR", "dose": 2, "given_on": f"{last_month:%Y-%m}-15",
                                                       "batch_number": "B2", "place": "posyandu"})
    _close_mawar(client, world, year)

    def given(level):
        resp = client.get(f"/api/v1/reports/coverage?from={last_month:%Y-%m}&to={this_month()}&level={level}",
                          headers=world.headers("bidan_a"))
        assert resp.status_code == 200, resp.get_json()
        return {r["area_name"]: (r["given_in_period"], r["target"]) for r in resp.get_json()["rows"]
                if r["indicator"] == "MR 2"}

    assert given("posyandu") == {"Melati": (0, 2), "Mawar": (1, 0)}
    assert given("desa") == {"Sumbergede": (0, 2), "Sooko": (1, 0)}
    assert given("puskesmas") == {"PKM Wringinanom": (1, 2)} and given("kabupaten") == {"Gresik": (1, 2)}


def action_lists(client, world, months=(MAR, APR)):
    """Each posyandu's follow-up list of each month, and its counts: (name, posyandu, reasons) of each row."""
    out = {}
    for month in months:
        for posyandu in ("p1", "p2"):
            query = f"month={month}&posyandu_id={world.ids[posyandu]}"
            items = client.get(f"/api/v1/reports/actions?{query}&limit=500", headers=world.headers("bidan_a")).get_json()
            counts = client.get(f"/api/v1/reports/actions/counts?{query}", headers=world.headers("bidan_a")).get_json()
            out[(month, posyandu)] = ([(r["name"], r["posyandu_name"], r["reasons"]) for r in items["items"]], counts)
    return out


def test_every_report_and_follow_up_list_of_the_months_before_a_closing_stays_as_it_was(client, world, year):
    """Mawar closes. Every report of March and April at every level, read again, is what it was: its
    coverage had lost every dose row but IDL and Baduta, its rows named by nothing but Mawar's id, as its
    schedule's doses and its name were read from open posyandu only. The follow-up lists of both months
    still list R at Mawar: they listed her at her posyandu now, Melati, for months she was not there (its
    counts above Melati's S), and Mawar's lists no longer had her."""
    before, lists = every_report(client, world), action_lists(client, world)
    assert ("Anak R", "Mawar") in [row[:2] for row in lists[(APR, "p2")][0]]  # doses overdue at 13 months
    assert "Anak R" not in [row[0] for row in lists[(APR, "p1")][0]]
    _close_mawar(client, world, year)
    assert every_report(client, world) == before
    assert action_lists(client, world) == lists
    doses = [r for r in report(client, world, "coverage", MAR) if r["area"] == str(world.ids["p2"])]
    assert len(doses) > 2 and {r["area_name"] for r in doses} == {"Mawar"}
    assert [(r["target"], r["covered"]) for r in doses if r["indicator"] == "MR 1"] == [(1, 1)]
    # this month she is Melati's, on its list and in its counts
    now = action_lists(client, world, (this_month(),))
    assert ("Anak R", "Melati") in [row[:2] for row in now[(this_month(), "p1")][0]]


def test_the_fhir_bundle_of_a_month_before_a_move_has_the_child_the_report_counts(client, world, year):
    """Mawar's April Bundle after R left: her Patient and April weighing, as Mawar's April SKDN counts her
    (D 1); Melati's April Bundle has no Patient of hers (Melati's April does not count her). The old kader
    no longer sees R, the new one does."""
    move(client, world, year["R"], "p1")

    def bundle(posyandu):
        resp = client.get(f"/api/v1/exports/fhir?month={APR}&posyandu_id={world.ids[posyandu]}",
                          headers=world.headers("bidan_a"))
        assert resp.status_code == 200, resp.get_json()
        entries = [e["resource"] for e in resp.get_json()["entry"]]
        return ({r["id"] for r in entries if r["resourceType"] == "Patient"},
                sorted(r["effectiveDateTime"][:10] for r in entries if r["resourceType"] == "Observation"))

    assert bundle("p2") == ({year["R"]["id"]}, ["2026-04-08"])
    assert bundle("p1") == (set(), [])
    assert skdn(client, world, APR)["Mawar"][2] == 1
    for kader, status in (("kader2", 404), ("kader1", 200)):
        assert client.get(f"/api/v1/children/{year['R']['id']}", headers=world.headers(kader)).status_code == status


def test_a_posyandu_closed_early_on_the_1st_keeps_the_month_before(client, world, year):
    """Mawar closed at 05:00 WIB on 1 May (22:00 UTC on 30 April), R moved to Melati just before: her move
    is dated 1 May (Gresik's day), but the closing was judged by UTC's date, so Mawar counted as closed
    on 30 April, and R, placed at Mawar in April, counted nowhere: April's S, D and N fell by one. (Moved
    and closed now, then dated back to that morning: the clock cannot go back before the logins.)"""
    from datetime import date, datetime, timezone

    from sqlalchemy import update

    from posyandu.extensions import db
    from posyandu.registry.models import ChildMove, Posyandu

    before = {level: skdn(client, world, APR, level) for level in LEVELS}
    assert before["kabupaten"] == {"Gresik": (2, 2, 1, 1, 0, 0, 0, 1)}
    _close_mawar(client, world, year)
    with world.app.app_context():
        db.session.execute(update(ChildMove).values(moved_on=date(2026, 5, 1)))
        db.session.execute(update(Posyandu).where(Posyandu.id == world.ids["p2"])
                           .values(deleted_at=datetime(2026, 4, 30, 22, 0, tzinfo=timezone.utc)))
        db.session.commit()
    for level in LEVELS:
        assert skdn(client, world, APR, level) == before[level], level
    # May, the month it closed in: no Mawar, R counted at Melati
    got = skdn(client, world, "2026-05")
    assert "Mawar" not in got and got["Melati"][0] == 2


def test_a_child_moved_out_of_a_kaders_posyandu_is_counted_in_its_past_follow_up_list_never_named(client, world, year):
    """R moved to Melati: Mawar's kader no longer sees her record (404), and its April follow-up list must
    not name her (her name, mother and phone), though its counts, as its SKDN, still count her there."""
    def listed(who):
        resp = client.get(f"/api/v1/reports/actions?month={APR}&limit=500", headers=world.headers(who))
        assert resp.status_code == 200, resp.get_json()
        return [r["name"] for r in resp.get_json()["items"]]

    def counted(who):
        got = client.get(f"/api/v1/reports/actions/counts?month={APR}", headers=world.headers(who)).get_json()
        return got["children"], got["not_listed"]

    before = (listed("kader2"), counted("kader2"))
    assert "Anak R" in before[0] and before[1][1] == 0
    move(client, world, year["R"], "p1")
    assert client.get(f"/api/v1/children/{year['R']['id']}", headers=world.headers("kader2")).status_code == 404
    assert "Anak R" not in listed("kader2")
    # still counted, and the count says one of them is not named (her screen says why)
    assert counted("kader2") == (before[1][0], 1)
    assert counted("bidan_a")[1] == counted("admin")[1] == 0  # she moved within their area
    from tests.api.test_scope_every_route import _xlsx_text
    csv = client.get(f"/api/v1/reports/actions?month={APR}&format=csv", headers=world.headers("kader2"))
    assert csv.status_code == 200 and "Anak R" not in csv.data.decode("utf-8-sig")
    for url in (f"/api/v1/reports/actions?month={APR}&format=xlsx", f"/api/v1/reports/workbook?month={APR}"):
        resp = client.get(url, headers=world.headers("kader2"))
        assert resp.status_code == 200 and "Anak R" not in _xlsx_text(resp.data), url
    midwifes = _xlsx_text(client.get(f"/api/v1/reports/workbook?month={APR}", headers=world.headers("bidan_a")).data)
    assert "Anak R" in midwifes  # a name in a workbook is seen by this test
    assert "Anak R" in listed("bidan_a")  # the midwife sees both posyandu: named, at Mawar


def test_a_posyandu_is_named_in_a_months_rows_of_a_period_as_in_that_months_own_report(client, world, app, year):
    """A second Mawar (desa Sumbergede, opened in 2025) closed on 15 March: February's rows tell the two apart by their desa,
    April's have one Mawar. A February-April report named April's "Mawar (Sooko)", April's own report
    "Mawar": a district joining monthly downloads by name found two posyandu."""
    from datetime import datetime, timezone

    from sqlalchemy import update

    from posyandu.extensions import db
    from posyandu.registry.models import Posyandu

    made = client.post("/api/v1/posyandu", headers=world.headers("admin"), json={
        "name": "Mawar", "desa_code": "35.25.01.2001", "puskesmas_id": str(world.ids["pkm_a"]), "meeting_day": 3})
    assert made.status_code == 201, made.get_json()
    other = made.get_json()["id"]
    assert client.delete(f"/api/v1/posyandu/{other}", headers=world.headers("admin")).status_code == 204
    with app.app_context():
        db.session.execute(update(Posyandu).where(Posyandu.id == uuid.UUID(other))
                           .values(created_at=datetime(2025, 1, 1, tzinfo=timezone.utc),
                                   deleted_at=datetime(2026, 3, 15, 3, 0, tzinfo=timezone.utc)))
        db.session.commit()
    p2 = str(world.ids["p2"])

    def names(query):
        resp = client.get(f"/api/v1/reports/skdn?level=posyandu&{query}", headers=world.headers("bidan_a"))
        assert resp.status_code == 200, resp.get_json()
        return {(r.get("month"), r["area"]): r["area_name"] for r in resp.get_json()["rows"]}

    feb, apr = names("month=2026-02"), names("month=2026-04")
    assert (feb[("2026-02", p2)], feb[("2026-02", other)]) == ("Mawar (Sooko)", "Mawar (Sumbergede)")
    assert apr[("2026-04", p2)] == "Mawar" and ("2026-04", other) not in apr
    period = names("from=2026-02&to=2026-04")
    assert period[("2026-02", p2)] == "Mawar (Sooko)" and period[("2026-04", p2)] == "Mawar"


def test_a_posyandu_without_children_closed_since_keeps_its_zero_rows_of_the_months_it_was_open(client, world, app, year):
    """Anyelir (opened in 2025, no child) reported zeros in April; closed now, April read again still has
    its zero row (a missing row reads "did not report"), and this month has none."""
    from datetime import datetime, timezone

    from sqlalchemy import update

    from posyandu.extensions import db
    from posyandu.registry.models import Posyandu

    made = client.post("/api/v1/posyandu", headers=world.headers("admin"), json={
        "name": "Anyelir", "desa_code": "35.25.01.2002", "puskesmas_id": str(world.ids["pkm_a"]), "meeting_day": 4})
    assert made.status_code == 201, made.get_json()
    with app.app_context():
        db.session.execute(update(Posyandu).where(Posyandu.id == uuid.UUID(made.get_json()["id"]))
                           .values(created_at=datetime(2025, 1, 1, tzinfo=timezone.utc)))
        db.session.commit()
    before = {level: skdn(client, world, APR, level) for level in LEVELS}
    assert before["posyandu"]["Anyelir"] == (0,) * len(SKDN_KEYS)
    assert client.delete(f"/api/v1/posyandu/{made.get_json()['id']}", headers=world.headers("admin")).status_code == 204
    assert {level: skdn(client, world, APR, level) for level in LEVELS} == before
    assert "Anyelir" not in skdn(client, world, this_month())


def _change_posyandu(client, world, posyandu="p2", **change):
    resp = client.patch(f"/api/v1/posyandu/{world.ids[posyandu]}", json=change, headers=world.headers("admin"))
    assert resp.status_code == 200, resp.get_json()


def test_a_posyandu_handed_to_another_puskesmas_leaves_the_months_before_as_they_were(client, world, app, year):
    """Mawar is handed to a new puskesmas of the kecamatan (PKM Sooko) today. Reports grouped and scoped every
    month by the posyandu's puskesmas now: PKM Wringinanom's March and April lost Mawar (S 2 → 1) and PKM
    Sooko's gained it, months before it existed; and bidan_a, who ran Mawar then, was told 404 for Mawar's
    April. Every report of March and April, at every level, for her and for Gresik's dinkes, is what it was;
    this month Mawar is PKM Sooko's."""
    made = client.post("/api/v1/puskesmas", headers=world.headers("admin"),
                       json={"name": "PKM Sooko", "kecamatan_code": "35.25.01", "code": "PS"})
    assert made.status_code == 201, made.get_json()
    before, lists = every_report(client, world), action_lists(client, world)
    assert skdn(client, world, APR, "puskesmas") == {"PKM Wringinanom": (2, 2, 1, 1, 0, 0, 0, 1)}
    _change_posyandu(client, world, puskesmas_id=made.get_json()["id"])
    assert every_report(client, world) == before
    # her follow-up lists: Melati's as they were; Mawar's counts as they were, its children no longer named
    # to her (she no longer sees their records: as a child moved out of her area, counted, never named)
    after = action_lists(client, world)
    for (month, posyandu), (items, counts) in lists.items():
        unnamed = 0 if posyandu == "p1" else counts["children"]  # each counted, said to be not named
        assert counts["not_listed"] == 0
        assert after[(month, posyandu)] == ((items if posyandu == "p1" else []), {**counts, "not_listed": unnamed}), \
            (month, posyandu)
    april = client.get(f"/api/v1/reports/skdn?month={APR}&posyandu_id={world.ids['p2']}", headers=world.headers("bidan_a"))
    assert april.status_code == 200, april.get_json()
    assert [(r["area_name"], r["S"], r["D"], r["N"]) for r in april.get_json()["rows"]] == [("Mawar", 1, 1, 1)]
    bundle = client.get(f"/api/v1/exports/fhir?month={APR}&posyandu_id={world.ids['p2']}", headers=world.headers("bidan_a"))
    assert bundle.status_code == 200, bundle.get_json()
    assert [e["resource"]["name"] for e in bundle.get_json()["entry"] if e["resource"]["resourceType"] == "Location"] == [
        "Mawar"]
    # her downloads of Mawar's months named none of its children: its families' access history is told of none
    csv = client.get(f"/api/v1/reports/actions?month={APR}&posyandu_id={world.ids['p2']}&format=csv",
                     headers=world.headers("bidan_a"))
    assert csv.status_code == 200 and "Anak R" not in csv.get_data(as_text=True)
    with app.app_context():
        from sqlalchemy import func, select

        from posyandu.extensions import db
        from posyandu.privacy import AccessLog
        assert db.session.scalar(select(func.count()).select_from(AccessLog).where(
            AccessLog.posyandu_id == world.ids["p2"], AccessLog.action == "export")) == 0
    # this month: Mawar (R, 21 months) is PKM Sooko's, in Gresik's puskesmas rows and no longer bidan_a's
    now = this_month()
    assert {name: counts[0] for name, counts in skdn(client, world, now, "puskesmas", "dinkes_gresik").items()} == {
        "PKM Wringinanom": 1, "PKM Sooko": 1}
    assert set(skdn(client, world, now, who="bidan_a")) == {"Melati"}


def test_a_posyandu_whose_desa_moves_to_another_kabupaten_leaves_both_districts_months_as_they_were(
        client, world, year):
    """Mawar's desa is corrected to Gili Anyar, kabupaten Bangkalan: Gresik's March and April (every report, every
    level) are what they were, Bangkalan's have no Mawar; this month Mawar is Bangkalan's."""
    before = every_report(client, world)
    theirs = {(name, month): report(client, world, name, month, "kabupaten", "dinkes_bangkalan")
              for name in REPORTS for month in (MAR, APR)}
    _change_posyandu(client, world, desa_code="35.26.01.2001")
    assert every_report(client, world) == before
    assert {(name, month): report(client, world, name, month, "kabupaten", "dinkes_bangkalan")
            for name in REPORTS for month in (MAR, APR)} == theirs
    assert "Mawar" in skdn(client, world, this_month(), who="dinkes_bangkalan")
    assert "Mawar" not in skdn(client, world, this_month(), who="dinkes_gresik")


def test_a_period_report_reads_every_part_with_the_posyandu_where_they_were_at_its_end(client, world, app, year):
    """Mawar handed to PKM Sooko on 15 March: a February-April coverage report reads the posyandu as they were on
    30 April, in every part. Its vitamin A round of February read them as in February: bidan_a's report gave
    Mawar a February capsule row beside dose rows of 0/0, its doses counted in PKM Sooko's rows."""
    from datetime import date

    from sqlalchemy import update

    from posyandu.extensions import db
    from posyandu.registry.models import PosyanduMove

    made = client.post("/api/v1/puskesmas", headers=world.headers("admin"),
                       json={"name": "PKM Sooko", "kecamatan_code": "35.25.01", "code": "PS"})
    assert made.status_code == 201, made.get_json()
    _change_posyandu(client, world, puskesmas_id=made.get_json()["id"])
    with app.app_context():
        db.session.execute(update(PosyanduMove).values(moved_on=date(2026, 3, 15)))
        db.session.commit()
    rows = client.get("/api/v1/reports/coverage?from=2026-02&to=2026-04&level=posyandu",
                      headers=world.headers("bidan_a")).get_json()["rows"]
    assert {r["area_name"] for r in rows} == {"Melati"}
    assert {"MR 1", "2026-02"} <= {r["indicator"] for r in rows} | {r["round"] for r in rows}
    # Gresik's, by puskesmas: R's MR 1 (8 March) in PKM Sooko's row, where Mawar was at the period's end
    by = client.get("/api/v1/reports/coverage?from=2026-02&to=2026-04&level=puskesmas",
                    headers=world.headers("dinkes_gresik")).get_json()["rows"]
    mr1 = {r["area_name"]: (r["target"], r["covered"]) for r in by if r["indicator"] == "MR 1"}
    assert mr1 == {"PKM Wringinanom": (1, 0), "PKM Sooko": (1, 1)}
    assert {r["area_name"] for r in by} == {"PKM Wringinanom", "PKM Sooko"}
    # given in the period: at Mawar (8 March), Mawar in the puskesmas it stood in at the period's end, as the
    # target and covered columns and Mawar's own row read it, and as March's own report (Mawar PKM Sooko's on
    # 31 March): read on the day given, PKM Wringinanom's row counted a dose none of its posyandu rows had
    given = {r["area_name"]: r["given_in_period"] for r in by if r["indicator"] == "MR 1"}
    march = {r["area_name"]: r["given_in_period"] for r in client.get(
        "/api/v1/reports/coverage?month=2026-03&level=puskesmas", headers=world.headers("dinkes_gresik")).get_json()["rows"]
        if r["indicator"] == "MR 1"}
    assert given == march == {"PKM Wringinanom": 0, "PKM Sooko": 1}, (given, march)
    by_posyandu = {r["area_name"]: r["given_in_period"] for r in client.get(
        "/api/v1/reports/coverage?month=2026-03&level=posyandu", headers=world.headers("dinkes_gresik")).get_json()["rows"]
        if r["indicator"] == "MR 1"}
    assert by_posyandu == {"Melati": 0, "Mawar": 1}, by_posyandu


def test_a_desa_a_posyandu_left_is_still_asked_for_by_its_months_before(client, world, year):
    """Mawar's desa corrected from Sooko to Sumbergede: bidan_a's April report by desa still has a Sooko row
    (Mawar was there in April), and asking for Sooko's April (``region_code``) was 404, "not in your area"."""
    _change_posyandu(client, world, desa_code="35.25.01.2001")
    assert "Sooko" in skdn(client, world, APR, "desa")
    resp = client.get(f"/api/v1/reports/skdn?month={APR}&level=desa&region_code=35.25.01.2002",
                      headers=world.headers("bidan_a"))
    assert resp.status_code == 200, resp.get_json()
    assert [(r["area_name"], r["S"], r["D"]) for r in resp.get_json()["rows"]] == [("Sooko", 1, 1)]
