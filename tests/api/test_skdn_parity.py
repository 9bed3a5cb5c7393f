"""The numbers a cadre sees offline against the health office's reports, for the same posyandu and month.

Random posyandu months (seeded) are written through the real API: children born and turning five
within the month, moved in and out, deleted, merged duplicates, weighed twice in a month, on its first
and last day, with oedema, with implausible weights, first weighings (B) and gaps (O), children without
a KMS, trend overrides, deleted weighings, vitamin A in February and August. The cadre's phone pulls
them (/sync/pull, applied as js/incoming.js applies them) and counts with its own code in node
(js/skdn.js skdnOf, js/due-list.js dueList: tests/support/phone_counts.mjs); every count both show must
equal the server's /reports/skdn (the cadre's own and the health office's posyandu rows) and
/posyandu/{id}/due-list. The hand-worked August of test_reports_hand.py is counted on the phone too,
against the values worked out there from domain.md.
"""
from __future__ import annotations

import json
import random
import shutil
import subprocess
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.api.test_reports_hand import august  # noqa: F401  (the hand-worked fixture)
from tests.sync.helpers import pull_all

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")

RUNNER = Path(__file__).resolve().parents[1] / "support" / "phone_counts.mjs"
COUNTS = ("S", "K", "D", "N", "T", "O", "B", "BGM", "2T", "D_prime")
RATIOS = ("K_S", "D_S", "D_K", "N_D", "N_D_prime", "N_S")
MONTHS = ("2025-05", "2025-06", "2025-07", "2025-08", "2025-09")
ENTITIES = {"child": "children", "measurement": "measurements", "immunisation": "immunisations", "supplement": "supplements"}


def phone_records(client, headers) -> dict[str, list[dict[str, Any]]]:
    """What a phone holds after a first full pull: upserts kept, deletes dropped (the weighings
    deleted on their own kept aside in ``deleted_measurements``, for ``as_unsent``)."""
    changes, _, _ = pull_all(client, headers)
    held: dict[str, dict[str, Any]] = {k: {} for k in (*ENTITIES.values(), "deleted_measurements")}
    for c in changes:
        store = held.get(ENTITIES.get(c["entity"], ""))
        if store is None:
            continue
        if c["op"] == "delete":
            store.pop(c["id"], None)
            if c["entity"] == "measurement" and c["reason"] == "deleted" and c["record"]:
                held["deleted_measurements"][c["id"]] = c["record"]
        else:
            store[c["id"]] = c["record"]
            held["deleted_measurements"].pop(c["id"], None)
    return {k: list(v.values()) for k, v in held.items()}


MEASUREMENT_FIELDS = ("child_id", "measured_on", "weight_kg", "length_height_cm", "position", "head_circumference_cm",
                      "muac_cm", "oedema", "recorded_at", "trend_override", "trend_override_reason")  # js/outbox.js FIELDS


def as_unsent(records: dict[str, list[dict[str, Any]]], rng: random.Random) -> None:
    """Make the phone hold some of what the server has as changes it has not sent yet: children
    edited offline (every weighing of theirs judged on the phone, assess.markStale), weighings saved
    offline (only what the form saves: the server's results unknown; each the last the server
    created on its child's day, as a weighing sent later is) and weighings deleted offline."""
    for c in records["children"]:
        if rng.random() < 0.25:
            c["_pending"] = True
    last_of_day: dict[tuple[str, str], dict[str, Any]] = {}
    for m in records["measurements"]:
        key = (m["child_id"], m["measured_on"])
        if key not in last_of_day or m["created_at"] > last_of_day[key]["created_at"]:
            last_of_day[key] = m
    unsent = {m["id"] for m in last_of_day.values() if rng.random() < 0.3}
    records["measurements"] = [
        {"id": m["id"], **{k: m.get(k) for k in MEASUREMENT_FIELDS}, "_pending": True} if m["id"] in unsent else m
        for m in records["measurements"]]
    live = {c["id"] for c in records["children"]}
    records["measurements"] += [{**m, "deleted_at": m.get("deleted_at") or "2025-09-30T00:00:00Z", "_pending": True}
                                for m in records.pop("deleted_measurements", []) if m["child_id"] in live and rng.random() < 0.7]


def on_phone(client, world, user: str, skdn: list[dict[str, str]] = (), due: list[dict[str, str]] = (),
             unsent: random.Random | None = None, totals: dict[str, list] | None = None) -> dict[str, Any]:
    headers = world.headers(user)
    # a health office's reports screen reads the reports only (it syncs no records)
    records = phone_records(client, headers) if skdn or due else {k: [] for k in ENTITIES.values()}
    if unsent:
        as_unsent(records, unsent)
    records.pop("deleted_measurements", None)
    payload = {**records, "skdn": list(skdn), "due": list(due), "totals": totals,
               "schedule": client.get("/api/v1/immunisation/schedule", headers=headers).get_json(),
               "kbm": client.get("/api/v1/growth/kbm", headers=headers).get_json()}
    done = subprocess.run(["node", str(RUNNER)], input=json.dumps(payload), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def server_skdn(client, world, user: str, query: str) -> list[dict[str, Any]]:
    resp = client.get(f"/api/v1/reports/skdn?{query}", headers=world.headers(user))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["rows"]


def pick(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in COUNTS + RATIOS}


def rough_weight(age_months: float) -> float:
    """About the WHO median, to scatter weights around (not a reference value)."""
    if age_months < 12:
        return 3.3 + 0.85 * age_months - 0.035 * age_months ** 2
    return 9.6 + 0.2 * (age_months - 12)


class Posyandu:
    """Writes a random posyandu history through the API as the bidan (who sees p1 and p2)."""

    def __init__(self, client, world, rng: random.Random) -> None:
        self.client, self.world, self.rng = client, world, rng
        self.log: list[str] = []

    def call(self, method: str, path: str, body: dict | None = None, ok=(200, 201, 204)) -> Any:
        resp = getattr(self.client, method)(f"/api/v1/{path}", json=body, headers=self.world.headers("bidan_a"))
        assert resp.status_code < 500, (path, body, resp.get_json())
        if resp.status_code not in ok:
            self.log.append(f"{method} {path} {body} → {resp.status_code}")
            return None
        return resp.get_json() if resp.status_code != 204 else {}

    def child(self, posyandu: str, born: date, **extra: Any) -> dict:
        body = {"id": str(uuid.uuid4()), "posyandu_id": str(self.world.ids[posyandu]),
                "name": f"Anak {self.rng.randrange(10 ** 6)}", "sex": self.rng.choice("MF"), "birth_date": born.isoformat(),
                "has_kms": self.rng.random() > 0.2, **extra}
        made = self.call("post", "children", body, ok=(201,))
        assert made, self.log[-1]
        return made

    def weigh(self, child: dict, on: date, kg: float, **extra: Any) -> dict | None:
        body = {"id": str(uuid.uuid4()), "measured_on": on.isoformat(), "weight_kg": round(kg, 2), **extra}
        return self.call("post", f"children/{child['id']}/measurements", body, ok=(201,))

    def history(self, child: dict, born: date, months: list[tuple[int, int]]) -> list[dict]:
        """Weighings in some of ``months`` (year, month), on random days (the first and last among them)."""
        made = []
        kg = None
        for y, m in months:
            if self.rng.random() < 0.3:
                continue
            last_day = (date(y + m // 12, m % 12 + 1, 1) - timedelta(days=1)).day
            day = self.rng.choice([1, last_day, self.rng.randint(1, last_day)])
            on = date(y, m, day)
            if on < born:
                continue
            age = (on - born).days / 30.4375
            kg = (rough_weight(age) * self.rng.uniform(0.75, 1.15)) if kg is None else kg + self.rng.uniform(-0.3, 0.9)
            kg = max(kg, 1.0)
            extra: dict[str, Any] = {}
            r = self.rng.random()
            if r < 0.05:
                extra["oedema"] = True
            elif r < 0.09:
                kg_now = max(0.6, rough_weight(age) * 0.3)  # implausible: weight-for-age below −6
                w = self.weigh(child, on, kg_now, **extra)
                made += [w] if w else []
                continue
            if self.rng.random() < 0.3:
                extra.update(length_height_cm=round(45 + age * 1.3 + self.rng.uniform(-3, 3), 1))
            w = self.weigh(child, on, kg, **extra)
            made += [w] if w else []
            if self.rng.random() < 0.15:  # weighed again later the same month (or the same day)
                again = on + timedelta(days=self.rng.randint(0, last_day - day))
                w2 = self.weigh(child, again, kg + self.rng.uniform(-0.2, 0.3))
                made += [w2] if w2 else []
        return made


def random_world(client, world, seed: int, moves: bool = True) -> None:
    """``moves``: the four children moved between the posyandu are moved (today); without, the same world
    with them left where they were. A month's report counts a child where she was on its last day (README,
    reports), so the office counts a child moved today at the posyandu she left in every month compared here,
    while the phone, which keeps no record of a move, counts the children it holds now."""
    rng = random.Random(seed)
    p = Posyandu(client, world, rng)
    months = [(2025, m) for m in range(4, 10)]
    kids: list[tuple[dict, date, list[dict]]] = []
    for i in range(36):
        where = "p1" if i < 28 else "p2"
        kind = rng.random()
        if kind < 0.12:
            born = date(2020, rng.choice([5, 6, 7, 8, 9]), rng.randint(1, 28))  # turning five around the months
        elif kind < 0.2:
            born = date(2025, rng.choice([6, 7, 8, 9]), rng.randint(1, 28))  # born within the months
        else:
            born = date(2020, 10, 1) + timedelta(days=rng.randint(0, 1650))
        c = p.child(where, born)
        kids.append((c, born, p.history(c, born, months)))
    weighings = [w for _, _, ws in kids for w in ws]
    # a health worker's N/T override on some weighings judged N or T
    for w in rng.sample(weighings, min(6, len(weighings))):
        fresh = p.call("get", f"measurements/{w['id']}")
        if fresh and fresh["trend"] in ("N", "T"):
            flip = "T" if fresh["trend"] == "N" else "N"
            p.call("patch", f"measurements/{w['id']}", {"trend_override": flip, "trend_override_reason": "kurva diperiksa"})
    # weighings deleted as entered by mistake
    for w in rng.sample(weighings, min(5, len(weighings))):
        p.call("delete", f"measurements/{w['id']}?reason=salah%20input")
    # moved: two children of Mawar to Melati, two of Melati to Mawar
    p1_kids = [k for k in kids if k[0]["posyandu_id"] == str(world.ids["p1"])]
    p2_kids = [k for k in kids if k[0]["posyandu_id"] == str(world.ids["p2"])]
    for (c, _, _), to in [*((k, "p1") for k in rng.sample(p2_kids, 2)), *((k, "p2") for k in rng.sample(p1_kids, 2))]:
        if moves:
            p.call("patch", f"children/{c['id']}", {"posyandu_id": str(world.ids[to])})
    # deleted children
    for c, _, _ in rng.sample(p1_kids, 2):
        p.call("delete", f"children/{c['id']}?reason=salah%20input")
    # duplicates registered a second time, then merged into the first record
    for c, born, _ in rng.sample(p1_kids, 3):
        dup = p.child("p1", born, name=c["name"] + " dua", sex=c["sex"])
        p.history(dup, born, months)
        p.call("post", f"children/{c['id']}/merge", {"duplicate_id": dup["id"]})
    # a duplicate left unmerged, never weighed
    c, born, _ = rng.choice(p1_kids)
    p.child("p1", born)
    # immunisation doses about when due, some late, some missed (the due list's doses and vials)
    plan = [("HB0", 1, 0), ("BCG", 1, 1), ("OPV", 1, 1), ("DPT-HB-Hib", 1, 2), ("OPV", 2, 2), ("PCV", 1, 2), ("RV", 1, 2),
            ("DPT-HB-Hib", 2, 3), ("OPV", 3, 3), ("PCV", 2, 3), ("RV", 2, 3), ("DPT-HB-Hib", 3, 4), ("OPV", 4, 4),
            ("IPV", 1, 4), ("RV", 3, 4), ("MR", 1, 9), ("IPV", 2, 9), ("PCV", 3, 12), ("DPT-HB-Hib", 4, 18), ("MR", 2, 18)]
    for c, born, _ in kids:
        for vaccine, dose, months_old in plan:
            on = born + timedelta(days=int(months_old * 30.5) + rng.choice([0, 0, 3, 20, 60]))
            if on > date(2025, 9, 10) or rng.random() < 0.25:
                continue
            p.call("post", f"children/{c['id']}/immunisations", {"id": str(uuid.uuid4()), "vaccine": vaccine, "dose": dose,
                                                                 "given_on": on.isoformat(), "batch_number": "T1",
                                                                 "place": "posyandu"})
    # vitamin A in February and August
    for c, born, _ in kids:
        for on in (date(2025, 2, rng.randint(1, 28)), date(2025, 8, rng.randint(1, 31))):
            months_old = (on - born).days / 30.4375
            if months_old < 6 or months_old >= 60 or rng.random() < 0.3:
                continue
            kind = "vitamin_a_blue" if months_old < 12 else "vitamin_a_red"
            p.call("post", f"children/{c['id']}/supplements", {"id": str(uuid.uuid4()), "kind": kind, "given_on": on.isoformat()})


@pytest.mark.parametrize("seed", [1, 2])
def test_the_phones_skdn_is_the_servers_on_random_posyandu(client, world, seed):
    random_world(client, world, seed, moves=False)  # months before a move: random_world
    for user, posyandu in (("kader1", "p1"), ("kader2", "p2")):
        pid = str(world.ids[posyandu])
        phone = on_phone(client, world, user, skdn=[{"posyandu_id": pid, "month": m} for m in MONTHS])["skdn"]
        for month, mine in zip(MONTHS, phone):
            (own,) = server_skdn(client, world, user, f"month={month}&posyandu_id={pid}")
            office = {r["area"]: r for r in server_skdn(client, world, "dinkes_gresik", f"month={month}&level=posyandu")}
            assert pick(mine) == pick(own), (seed, posyandu, month)
            assert pick(own) == pick(office[pid]), (seed, posyandu, month)
            assert own["D"] == own["N"] + own["T"] + own["O"] + own["B"]


@pytest.mark.parametrize("seed", [4, 6])
def test_what_the_phone_judges_itself_is_what_the_server_judges(client, world, seed):
    # the same records, but some not sent yet: the phone computes N/T/O/B, BGM and 2T itself (assess.kmsOf)
    random_world(client, world, seed, moves=False)
    for user, posyandu in (("kader1", "p1"), ("kader2", "p2")):
        pid = str(world.ids[posyandu])
        phone = on_phone(client, world, user, skdn=[{"posyandu_id": pid, "month": m} for m in MONTHS],
                         unsent=random.Random(seed))["skdn"]
        for month, mine in zip(MONTHS, phone):
            (own,) = server_skdn(client, world, user, f"month={month}&posyandu_id={pid}")
            assert pick(mine) == pick(own), (seed, posyandu, month)


@pytest.mark.parametrize("seed", [5])
def test_the_report_screens_totals_are_the_servers_rows_of_the_larger_area(client, world, seed):
    # a health office reading its kabupaten by posyandu sees a total row the phone adds up
    # (report-shape.js): it must be the server's own row for the kabupaten
    random_world(client, world, seed)
    for query in ("month=2025-08", "from=2025-06&to=2025-08", "from=2025-01&to=2025-12"):
        def rows(report, level):
            resp = client.get(f"/api/v1/reports/{report}?{query}&level={level}", headers=world.headers("dinkes_gresik"))
            assert resp.status_code == 200, resp.get_json()
            return resp.get_json()["rows"]
        last = {r.get("month") for r in rows("skdn", "kabupaten")}
        month = max(last)
        by_posyandu = {k: rows(k, "posyandu") for k in ("skdn", "prevalence", "coverage")}
        totals = {"skdn": [r for r in by_posyandu["skdn"] if r["month"] == month],
                  "prevalence": [r for r in by_posyandu["prevalence"] if r.get("month", month) == month],
                  "coverage": by_posyandu["coverage"]}
        got = on_phone(client, world, "dinkes_gresik", totals=totals)["totals"]
        (kab,) = [r for r in rows("skdn", "kabupaten") if r["month"] == month]
        assert {k: got["skdn"][k] for k in COUNTS + RATIOS} == pick(kab), query
        (prev,) = [r for r in rows("prevalence", "kabupaten") if r.get("month", month) == month
                   and r["sex"] == "all" and r["age_group"] == "0-59"]
        assert {k: got["prevalence"][k] for k in got["prevalence"]} == {k: prev[k] for k in got["prevalence"]}, query
        cov = rows("coverage", "kabupaten")
        assert [{k: r[k] for k in ("indicator", "target", "covered", "coverage_pct", "given_in_period")} for r in cov] == [
            {k: r[k] for k in ("indicator", "target", "covered", "coverage_pct", "given_in_period")} for r in got["coverage"]], query


@pytest.mark.parametrize("seed", [3])
def test_the_phones_due_list_is_the_servers_on_random_posyandu(client, world, seed):
    random_world(client, world, seed)
    days = ["2025-02-10", "2025-08-01", "2025-08-31", "2025-09-15"]
    for user, posyandu in (("kader1", "p1"), ("kader2", "p2")):
        pid = str(world.ids[posyandu])
        phone = on_phone(client, world, user, due=[{"posyandu_id": pid, "on": d} for d in days])["due"]
        for day, mine in zip(days, phone):
            resp = client.get(f"/api/v1/posyandu/{pid}/due-list?date={day}", headers=world.headers(user))
            assert resp.status_code == 200, resp.get_json()
            server = resp.get_json()
            keys = ("children", "vaccines", "supplements", "schedule_version")
            shape = lambda d: {k: d[k] for k in keys}  # noqa: E731
            assert json.loads(json.dumps(shape(mine))) == shape(server), (seed, posyandu, day)


def test_the_phone_counts_the_hand_worked_august(client, world, august):  # noqa: F811
    # test_reports_hand.py works these out from domain.md: S 11 (F is 60 months on Aug 31), K 10 (E has no
    # KMS), D 9 = N 1 (A) + T 1 (B) + O 1 (C) + B 6 (D G H I J L); BGM 1 (D), 2T 1 (B); D′ 2.
    # June: B and C weighed for the first time (B 2); July: A first (B), B lighter (T).
    months = ["2025-06", "2025-07", "2025-08"]
    rows = on_phone(client, world, "kader1", skdn=[{"posyandu_id": str(world.ids["p1"]), "month": m} for m in months])["skdn"]
    got = [tuple(r[k] for k in ("S", "K", "D", "N", "T", "O", "B", "BGM", "2T", "D_prime")) for r in rows]
    # S in June and July: August's 11 and F (born 2020-08-31: 58 and 59 completed months), 12; K 11 (all but E).
    assert got == [(12, 11, 2, 0, 0, 0, 2, 0, 0, 0), (12, 11, 2, 0, 1, 0, 1, 0, 0, 1), (11, 10, 9, 1, 1, 1, 6, 1, 1, 2)]
    assert (rows[2]["K_S"], rows[2]["D_S"], rows[2]["D_K"], rows[2]["N_D"], rows[2]["N_D_prime"], rows[2]["N_S"]) == (
        90.9, 81.8, 90.0, 11.1, 50.0, 9.1)
