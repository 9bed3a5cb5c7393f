"""The reports against an independent count from domain.md's definitions, on random (seeded) months
written through the real API (both databases).

Children are born around the month ends and age-group edges of January-March 2024 (a 29-day
February); they are weighed 0-2 times a month (the same day too), some measured without a weight,
some with a length, some with oedema; some get a vitamin A capsule in the February round and
doses around their recommended ages. The expected numbers are worked out here in plain Python
from the records the API returns (each measurement's z-scores, categories and flags are the
calculator's, tested against WHO elsewhere; its N/T/O/B is worked out again here from the weights),
never from the reports' code: calendar months with the month-end clamp (31 Jan + 1 month = 29 Feb),
the month's latest weighing, S36, vitamin A by the age on the day given (F1) and by the due list on
the meeting day (coverage), IDL and Baduta Lengkap before the birthday. Every roll-up level is the
sum of its posyandu, a puskesmas serving a desa of a neighbouring kecamatan included.
"""
from __future__ import annotations

import calendar
import json
import random
import uuid
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest

MONTHS = [(2024, 1), (2024, 2), (2024, 3)]
GROUPS = (("0-5", 0, 5), ("6-11", 6, 11), ("12-23", 12, 23), ("24-35", 24, 35), ("36-59", 36, 59))
KBM = {1: 800, 2: 900, 3: 800, 4: 600, 5: 500, 6: 400, 7: 400, 8: 300, 9: 300, 10: 300, 11: 200}  # then 200
F1_COUNTS = ("S", "K", "D", "N", "T", "O", "B", "BGM", "2T", "bb_u_sangat_kurang", "bb_u_kurang", "S36",
             "vitamin_a_blue", "vitamin_a_red", "D_no_kms")
PREVALENCE_COUNTS = ("measured", "flagged", "tb_u_n", "stunted", "flagged_tb_u", "bb_tb_n", "wasted", "severely_wasted",
                     "overweight", "flagged_bb_tb", "bb_u_n", "underweight", "flagged_bb_u")
SCHEDULE = json.loads((Path(__file__).parents[2] / "posyandu/immunisation/data/schedule-2024.json").read_text())


def add_months(day: date, n: int) -> date:
    year, month0 = divmod(day.year * 12 + day.month - 1 + n, 12)
    return date(year, month0 + 1, min(day.day, calendar.monthrange(year, month0 + 1)[1]))


def months_old(birth: date, on: date) -> int:
    n = (on.year - birth.year) * 12 + on.month - birth.month
    return n - 1 if add_months(birth, n) > on else n


def group_of(age: int) -> str | None:
    return next((label for label, low, high in GROUPS if low <= age <= high), None)


def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def after(birth: date, age: dict) -> date:
    return add_months(birth, age.get("months", 0)) + timedelta(days=age.get("days", 0))


def in_order(records):
    return sorted(records, key=lambda m: (m["measured_on"], m["created_at"], m["id"]))


def kms_trend(birth: date, weighings: list[dict], x: dict) -> str:
    """N, T, O or B of weighing ``x`` among the child's ``weighings`` (domain.md, Buku KIA)."""
    index = lambda text: int(text[:4]) * 12 + int(text[5:7])  # noqa: E731
    last_month = [m for m in weighings if index(m["measured_on"]) == index(x["measured_on"]) - 1]
    if not last_month:
        return "O" if any(index(m["measured_on"]) < index(x["measured_on"]) for m in weighings) else "B"
    age = int((date.fromisoformat(x["measured_on"]) - birth).days // 30.4375)
    gain = round(x["weight_kg"] * 1000) - round(last_month[-1]["weight_kg"] * 1000)
    return "N" if gain >= KBM.get(max(age, 1), 200) else "T"


@pytest.fixture
def post(client, world):
    def post(path, body, ok=(201,), by="bidan_a"):
        resp = client.post(f"/api/v1/{path}", json={"id": str(uuid.uuid4()), **body}, headers=world.headers(by))
        assert resp.status_code in ok, resp.get_json()
        return resp.get_json() if resp.status_code == 201 else None
    return post


def get(client, world, path, who="bidan_a"):
    resp = client.get(f"/api/v1/{path}", headers=world.headers(who))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def random_children(rnd, make_child, post, n=30):
    """Children born around the months' ends and the age groups' edges, weighed and measured at random."""
    ends = [month_bounds(y, m)[1] for y, m in MONTHS]
    kids = []
    for i in range(n):
        born = add_months(rnd.choice(ends), -rnd.choice([0, 5, 6, 11, 12, 23, 24, 35, 36, 59, 60, rnd.randint(0, 61)]))
        born = min(born + timedelta(days=rnd.choice([-2, -1, 0, 1, 2])), date(2024, 3, 20))
        kid = make_child(name=f"Anak {i}", sex=rnd.choice("MF"), birth_date=born.isoformat(), has_kms=rnd.random() < .9)
        weight = 3.0 + months_old(born, date(2024, 1, 1)) * 0.25 if born < date(2024, 1, 1) else 3.5
        for y, m in [(2023, 12), *MONTHS]:
            for _ in range(rnd.choice([0, 1, 1, 2])):
                day = date(y, m, rnd.randint(1, calendar.monthrange(y, m)[1]))
                if day < born:
                    continue
                weight = round(weight + rnd.choice([-0.2, 0, 0.1, 0.2, 0.3, 0.5, 0.9]), 1)
                body = {"measured_on": day.isoformat(), "oedema": rnd.random() < .05}
                if rnd.random() < .9:
                    body["weight_kg"] = max(weight, 1.0)
                if rnd.random() < .5:
                    body["length_height_cm"] = max(40.0, round(45 + months_old(born, day) * 1.3 + rnd.uniform(-8, 4), 1))
                if "weight_kg" not in body and "length_height_cm" not in body:
                    body["weight_kg"] = max(weight, 1.0)
                post(f"children/{kid['id']}/measurements", body)
        if rnd.random() < .4 and (day := date(2024, 2, rnd.randint(1, 29))) >= born:
            kind = "vitamin_a_blue" if 6 <= months_old(born, day) <= 11 else "vitamin_a_red"
            post(f"children/{kid['id']}/supplements", {"kind": kind, "given_on": day.isoformat()}, ok=(201, 422))
        kids.append(kid)
    return kids


@pytest.mark.parametrize("seed", range(3))
def test_f1_prevalence_and_follow_up_list_agree_with_domain_md(client, world, make_child, post, seed):
    kids = random_children(random.Random(seed), make_child, post)
    measured: dict[str, list[dict]] = {}
    for kid in kids:
        measured[kid["id"]] = in_order(get(client, world, f"children/{kid['id']}/measurements?limit=500")["items"])
        kid["capsules"] = get(client, world, f"children/{kid['id']}/supplements?limit=500")["items"]
    p1 = world.ids["p1"]
    for y, m in MONTHS:
        first, last = month_bounds(y, m)
        f1: dict = defaultdict(lambda: defaultdict(int))    # (sex, age group) → counts
        prev: dict = defaultdict(lambda: defaultdict(int))  # age group → prevalence counts
        actions = {}
        for kid in kids:
            born = date.fromisoformat(kid["birth_date"])
            visits = measured[kid["id"]]
            for kind in ("vitamin_a_blue", "vitamin_a_red"):  # F1: the age on the (first) day given
                days = sorted(c["given_on"] for c in kid["capsules"] if c["kind"] == kind and first.isoformat() <= c["given_on"] <= last.isoformat())
                if days and (group := group_of(months_old(born, date.fromisoformat(days[0])))):
                    f1[(kid["sex"], group)][kind] += 1
            if born > last or months_old(born, last) >= 60:
                continue
            cell, group = f1[(kid["sex"], group_of(months_old(born, last)))], group_of(months_old(born, last))
            cell["S"] += 1
            cell["K"] += kid["has_kms"]
            cell["S36"] += months_old(born, last) >= 36 > months_old(born, first - timedelta(days=1))
            month = [v for v in visits if first.isoformat() <= v["measured_on"] <= last.isoformat()]
            weighed = [v for v in month if v["weight_kg"] is not None]
            if weighed:
                w = weighed[-1]
                assert w["trend"] == kms_trend(born, [v for v in visits if v["weight_kg"] is not None], w)
                cell["D"] += 1
                cell["D_no_kms"] += not kid["has_kms"]
                cell[w["trend"]] += 1
                cell["BGM"] += w["bgm"]
                cell["2T"] += w["two_t"]
                if w["oedema"]:  # below -3 SD of weight-for-age, without a z-score (WHO anthro)
                    cell["bb_u_sangat_kurang"] += 1
                elif w["status"]["bb_u"] in ("kurang", "sangat_kurang"):
                    cell["bb_u_" + w["status"]["bb_u"]] += 1
            if month:  # prevalence: each index from the month's latest measurement of it
                p, flagged = prev[group], False
                p["measured"] += 1
                lengths = [v for v in month if v["length_height_cm"] is not None]
                if lengths and (h := lengths[-1])["status"]["tb_u"] is not None:
                    p["tb_u_n"] += 1
                    p["stunted"] += h["status"]["tb_u"] in ("pendek", "sangat_pendek")
                elif lengths and h["zscores"]["lhfa"] is not None:
                    p["flagged_tb_u"] += 1
                    flagged = True
                both = [v for v in month if (v["weight_kg"] is not None and v["length_height_cm"] is not None) or v["oedema"]]
                if both and ((t := both[-1])["status"]["bb_tb"] is not None or t["oedema"]):
                    p["bb_tb_n"] += 1
                    p["wasted"] += t["oedema"] or t["status"]["bb_tb"] in ("gizi_kurang", "gizi_buruk")
                    p["severely_wasted"] += t["oedema"] or t["status"]["bb_tb"] == "gizi_buruk"
                    p["overweight"] += t["status"]["bb_tb"] in ("gizi_lebih", "obesitas")
                elif both and (t["zscores"]["wfl"] is not None or t["zscores"]["wfh"] is not None):
                    p["flagged_bb_tb"] += 1
                    flagged = True
                if weighed and (w["status"]["bb_u"] is not None or w["oedema"]):  # oedema: below -3 SD (WHO anthro)
                    p["bb_u_n"] += 1
                    p["underweight"] += w["oedema"] or w["status"]["bb_u"] in ("kurang", "sangat_kurang")
                elif weighed and w["zscores"]["wfa"] is not None:
                    p["flagged_bb_u"] += 1
                    flagged = True
                p["flagged"] += flagged or any(month[-1]["flags"].values())
            # the follow-up list: the latest of this month and the one before
            two = [v for v in visits if add_months(first, -1).isoformat() <= v["measured_on"] <= last.isoformat()]
            reasons, weighed2 = [], [v for v in two if v["weight_kg"] is not None]
            if weighed2:
                w2 = weighed2[-1]
                reasons += [r for r, hit in (("T", w2["trend"] == "T"), ("2T", w2["two_t"]), ("BGM", w2["bgm"]),
                                             ("overweight_risk", (w2["zscores"]["wfa"] or 0) > 1)) if hit]
            elif born < add_months(first, -1):
                reasons.append("not_weighed_2_months")
            both2 = [v for v in two if (v["weight_kg"] is not None and v["length_height_cm"] is not None) or v["oedema"]]
            if both2 and (both2[-1]["oedema"] or both2[-1]["status"]["bb_tb"] in ("gizi_kurang", "gizi_buruk")):
                reasons.append("wasting")
            lengths2 = [v for v in two if v["length_height_cm"] is not None]
            if lengths2 and lengths2[-1]["status"]["tb_u"] in ("pendek", "sangat_pendek"):
                reasons.append("stunting")
            if reasons:
                actions[kid["id"]] = reasons
        query = f"month={y}-{m:02d}&posyandu_id={p1}"
        for r in get(client, world, f"reports/f1?{query}")["rows"]:
            if r["sex"] != "all" and r["age_group"] != "0-59":
                want = f1[(r["sex"], r["age_group"])]
                assert {k: r[k] for k in F1_COUNTS} == {k: want[k] for k in F1_COUNTS}, (y, m, r)
                assert r["D"] == r["N"] + r["T"] + r["O"] + r["B"]
        for r in get(client, world, f"reports/prevalence?{query}")["rows"]:
            if r["sex"] == "all":
                want: dict = defaultdict(int)
                for group, counts in prev.items():
                    if r["age_group"] in (group, "0-59"):
                        for k, n in counts.items():
                            want[k] += n
                assert {k: r[k] for k in PREVALENCE_COUNTS} == {k: want[k] for k in PREVALENCE_COUNTS}, (y, m, r)
        items = get(client, world, f"reports/actions?{query}&limit=500")["items"]
        got = {i["child_id"]: [x for x in i["reasons"] if x not in ("overdue_immunisation", "muac_severe")] for i in items}
        assert {k: v for k, v in got.items() if v} == actions, (y, m)


@pytest.mark.parametrize("seed", range(2))
def test_coverage_agrees_with_domain_md(client, world, make_child, post, seed):
    rnd, kids = random.Random(seed), []
    for i in range(30):
        born = date(2024, 3, 31) - timedelta(days=rnd.choice(
            [rnd.randint(0, 1900), rnd.randint(330, 420), rnd.randint(690, 790), rnd.randint(0, 60)]))
        kid = make_child(name=f"Anak {i}", sex=rnd.choice("MF"), birth_date=born.isoformat())
        kid["doses"], kid["capsules"] = [], []
        for e in SCHEDULE["entries"]:
            on = after(born, e["recommended_age"]) + timedelta(days=rnd.choice([0, 3, 20, 40, 100, -3]))
            if rnd.random() < .7 and born <= on <= date(2024, 3, 31) and post(
                    f"children/{kid['id']}/immunisations", {"vaccine": e["vaccine"], "dose": e["dose"], "given_on": on.isoformat(),
                                                            "batch_number": "T1", "override_reason": "uji"}, ok=(201, 422)):
                kid["doses"].append((e["vaccine"], e["dose"], on))
        for round_start in (date(2023, 8, 1), date(2024, 2, 1)):
            on = round_start + timedelta(days=rnd.randint(0, 27))
            kind = "vitamin_a_blue" if 6 <= months_old(born, on) <= 11 else "vitamin_a_red"
            if rnd.random() < .5 and on >= born and post(f"children/{kid['id']}/supplements",
                                                         {"kind": kind, "given_on": on.isoformat(), "override_reason": "uji"},
                                                         ok=(201, 422)):
                kid["capsules"].append((kind, on))
        kids.append(kid)
    for start, end in (("2024-01", "2024-03"), ("2024-02", "2024-02"), ("2024-03", "2024-03")):
        first, last = month_bounds(int(start[:4]), int(start[5:]))[0], month_bounds(int(end[:4]), int(end[5:]))[1]
        rows = get(client, world, f"reports/coverage?from={start}&to={end}&posyandu_id={world.ids['p1']}")["rows"]
        got = {(r["vaccine"], r["dose"]) if r["kind"] == "dose" else r["kind"]: r for r in rows}
        under_five = [k for k in kids if date.fromisoformat(k["birth_date"]) <= last
                      and months_old(date.fromisoformat(k["birth_date"]), last) < 60]
        for e in SCHEDULE["entries"]:  # JE is for Bali's kabupaten alone: no target here
            target = covered = 0
            for kid in under_five if e["areas"] is None else []:
                born = date.fromisoformat(kid["birth_date"])
                had = any((v, d) == (e["vaccine"], e["dose"]) and on <= last for v, d, on in kid["doses"])
                # past the maximum age without it: in the target, uncovered (a child not reached)
                if after(born, e["recommended_age"]) <= last:
                    target, covered = target + 1, covered + had
            given = sum(any((v, d) == (e["vaccine"], e["dose"]) and first <= on <= last for v, d, on in k["doses"]) for k in kids)
            r = got[(e["vaccine"], e["dose"])]
            assert (r["target"], r["covered"], r["given_in_period"]) == (target, covered, given), (start, end, r)
        for kind, years in (("idl", 1), ("baduta", 2)):
            doses = [(e["vaccine"], e["dose"]) for e in SCHEDULE["entries"] if e["counts_toward"] == kind]
            target = covered = 0
            for kid in kids:
                birthday = add_months(date.fromisoformat(kid["birth_date"]), 12 * years)
                if first <= birthday <= last:
                    target += 1
                    covered += all(any((v, d) == x and on < birthday for v, d, on in kid["doses"]) for x in doses)
            assert (got[kind]["target"], got[kind]["covered"]) == (target, covered), (start, end, kind)
        if first <= date(2024, 2, 1) <= last:  # the February round; Melati meets on the 5th
            want = {"vitamin_a_blue": [0, 0], "vitamin_a_red": [0, 0]}
            for kid in kids:
                born = date.fromisoformat(kid["birth_date"])
                this_round = [kind for kind, on in kid["capsules"] if (on.year, on.month) == (2024, 2)]
                if this_round:
                    band = want["vitamin_a_blue" if "vitamin_a_blue" in this_round else "vitamin_a_red"]
                    band[0], band[1] = band[0] + 1, band[1] + 1
                elif born <= date(2024, 2, 5):
                    age = months_old(born, date(2024, 2, 5))
                    blue_before = any(kind == "vitamin_a_blue" and on <= date(2024, 2, 5) for kind, on in kid["capsules"])
                    if 6 <= age <= 11 and not blue_before:
                        want["vitamin_a_blue"][0] += 1
                    elif 12 <= age <= 59:
                        want["vitamin_a_red"][0] += 1
            for kind, (target, covered) in want.items():
                assert (got[kind]["target"], got[kind]["covered"]) == (target, covered), (start, end, kind)


def test_every_level_is_the_sum_of_its_posyandu(client, world, post):
    """A posyandu of PKM Wringinanom (kecamatan 35.25.01, kabupaten Gresik) in desa Gili Anyar of kecamatan
    Kamal, kabupaten Bangkalan: it rolls up to Kamal and Bangkalan by its desa, to PKM Wringinanom by its
    puskesmas."""
    rnd, admin = random.Random(0), world.headers("admin")
    resp = client.post("/api/v1/posyandu", json={"id": str(uuid.uuid4()), "name": "Seberang", "desa_code": "35.26.01.2001",
                                                 "puskesmas_id": str(world.ids["pkm_a"]), "meeting_day": 12}, headers=admin)
    assert resp.status_code == 201, resp.get_json()
    where = {str(world.ids["p1"]): ("35.25.01.2001", world.ids["pkm_a"]), str(world.ids["p2"]): ("35.25.01.2002", world.ids["pkm_a"]),
             str(world.ids["p3"]): ("35.26.01.2001", world.ids["pkm_b"]), resp.get_json()["id"]: ("35.26.01.2001", world.ids["pkm_a"])}
    for i in range(40):
        born = date(2024, 2, 20) - timedelta(days=rnd.randint(0, 1900))
        kid = post("children", {"posyandu_id": rnd.choice(list(where)), "name": f"Anak {i}", "sex": rnd.choice("MF"),
                                "birth_date": born.isoformat()}, by="admin")
        for day in ("2024-01-10", "2024-02-10", "2024-02-20"):
            if rnd.random() < .6 and date.fromisoformat(day) >= born:
                days = (date.fromisoformat(day) - born).days
                body = {"measured_on": day, "weight_kg": round(max(3 + days / 100 + rnd.uniform(-1, 1), 2), 1)}
                if rnd.random() < .5:
                    body["length_height_cm"] = round(max(50 + days / 30 + rnd.uniform(-5, 5), 45), 1)
                post(f"children/{kid['id']}/measurements", body, by="admin")
        if rnd.random() < .5:
            post(f"children/{kid['id']}/immunisations", {"vaccine": "BCG", "dose": 1, "given_on": max(born, date(2024, 1, 3)).isoformat(),
                                                         "batch_number": "T1", "override_reason": "uji"}, by="admin")
    area_of = {"desa": lambda p: where[p][0], "kecamatan": lambda p: where[p][0][:8], "kabupaten": lambda p: where[p][0][:5],
               "puskesmas": lambda p: str(where[p][1])}
    counts = lambda r: {k: v for k, v in r.items() if type(v) is int and k != "dose"}  # noqa: E731
    for report in ("skdn", "f1", "prevalence", "coverage"):
        by_posyandu = get(client, world, f"reports/{report}?from=2024-01&to=2024-02", "admin")["rows"]
        for level, area in area_of.items():
            want: dict = defaultdict(lambda: defaultdict(int))
            for r in by_posyandu:
                for k, n in counts(r).items():
                    want[(r.get("month"), area(r["area"]), r.get("sex"), r.get("age_group"), r.get("indicator"))][k] += n
            rows = get(client, world, f"reports/{report}?from=2024-01&to=2024-02&level={level}", "admin")["rows"]
            got = {(r.get("month"), r["area"], r.get("sex"), r.get("age_group"), r.get("indicator")): counts(r) for r in rows}
            assert got == {k: dict(v) for k, v in want.items()}, (report, level)
