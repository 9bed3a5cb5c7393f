"""Demo data: a kabupaten with 2 puskesmas, 6 posyandu and ~300 children.

Growth is drawn from the WHO standards themselves: each child follows its own
length-for-age and weight-for-age z-score paths (a random walk around a
personal level), so some children are stunted, some wasted, a few below the
red line, as in a real village. Names and area codes are illustrative.
"""
from __future__ import annotations

import random
import secrets
import uuid
from datetime import date, timedelta
from typing import Any

import numpy as np

from posyandu.auth.models import User
from posyandu.auth.operations import create_user
from posyandu.auth.passwords import hash_password
from posyandu.extensions import db
from posyandu.growth.models import Measurement
from posyandu.growth.operations import refresh_child_growth
from posyandu.growth.tables import growth_tables
from posyandu.registry.models import Child, ParentLink
from posyandu.registry.operations import create_posyandu, create_puskesmas, upsert_region

DEMO_PASSWORD = "posyandu123"
"""Every demo user's, published in README.md: the rule of passwords (``passwords.weak_password``)
refuses it wherever one is set, so ``_demo_user`` sets it past the rule, and only here."""
AREAS = {
    "35": "Jawa Timur", "35.25": "Kabupaten Gresik",
    "35.25.01": "Wringinanom", "35.25.02": "Driyorejo",
    "35.25.01.2001": "Sumbergede", "35.25.01.2002": "Sooko", "35.25.01.2003": "Lebanisuko",
    "35.25.02.2001": "Mulung", "35.25.02.2002": "Cangkir", "35.25.02.2003": "Krikilan",
}
POSYANDU = [("Melati", "35.25.01.2001", 0, 5), ("Mawar", "35.25.01.2002", 0, 8), ("Kenanga", "35.25.01.2003", 0, 12),
            ("Anggrek", "35.25.02.2001", 1, 6), ("Flamboyan", "35.25.02.2002", 1, 10), ("Dahlia", "35.25.02.2003", 1, 15)]
# Given names by sex, as many of each: a name is drawn as one of 24 (the draws, and so every other
# value of the demo, stay as they were when one list served both) and read in the child's own list.
GIVEN = {"F": ["Aisyah", "Citra", "Dewi", "Gita", "Intan", "Kartika", "Lestari", "Nur", "Putri", "Sari", "Wulan", "Rina"],
         "M": ["Budi", "Eko", "Fajar", "Hadi", "Joko", "Muhammad", "Rizki", "Tegar", "Yusuf", "Ahmad", "Bayu", "Dian"]}
FAMILY = ["Santoso", "Wijaya", "Saputra", "Rahmawati", "Hidayat", "Pratama", "Kusuma", "Nugroho", "Lestari",
          "Syahputra", "Maharani", "Ramadhan", "Firmansyah", "Anggraini", "Setiawan"]
MOTHERS = ["Siti", "Sri", "Ani", "Yuli", "Endang", "Nining", "Tri", "Umi", "Lilik", "Rini"]


def _value(indicator: str, sex: int, index: int, z: float) -> float:
    """The measurement at z-score ``z``: y = M (1 + L S z)^(1/L) (WHO LMS).
    ``index`` is the age in days, or the length/height in tenths of a cm."""
    L, M, S = growth_tables()[indicator].rows(np.array([sex]), np.array([index]))[0]
    return float(M * (1 + L * S * z) ** (1 / L)) if L != 0 else float(M * np.exp(S * z))


def _areas() -> list:
    for code, name in AREAS.items():
        upsert_region(code, name)
    pkms = [create_puskesmas({"code": f"P3525{i + 1:02d}0101", "name": f"Puskesmas {AREAS[k]}", "kecamatan_code": k})
            for i, k in enumerate(("35.25.01", "35.25.02"))]
    return pkms


def _demo_user(data: dict[str, Any]) -> User:
    """``create_user`` (its checks, its audit row) given ``DEMO_PASSWORD`` afterwards: the account is
    made with a random password and its hash then replaced, the rule left as it is for every other."""
    user = create_user({**data, "password": secrets.token_urlsafe(24)})
    user.password_hash = hash_password(DEMO_PASSWORD)
    return user


def _users(users: dict, pkms: list, posyandu: list) -> dict[str, object]:
    users["dinkes"] = _demo_user({"username": "dinkes", "name": "Dinkes Gresik", "role": "dinkes",
                                  "region_code": "35.25"})
    for i, pkm in enumerate(pkms, 1):
        users[f"bidan{i}"] = _demo_user({"username": f"bidan{i}", "name": f"Bidan {['Ratna', 'Wati'][i - 1]}",
                                         "role": "bidan", "puskesmas_id": pkm.id})
    for i, pos in enumerate(posyandu, 1):
        users[f"kader{i}"] = _demo_user({"username": f"kader{i}", "name": f"Kader {pos.name}", "role": "kader",
                                         "posyandu_id": pos.id})
    users["kader1b"] = _demo_user({"username": "kader1b", "name": "Kader Melati 2", "role": "kader",
                                   "posyandu_id": posyandu[0].id})
    users["orangtua"] = _demo_user({"username": "orangtua", "name": "Ibu Siti", "role": "parent"})
    return users


def _given(rng: random.Random, sex: str) -> str:
    return GIVEN[sex][rng.randrange(2 * len(GIVEN[sex])) % len(GIVEN[sex])]


def _child(rng: random.Random, pos, today: date) -> Child:
    sex = rng.choice("MF")
    family = rng.choice(FAMILY)
    birth = today - timedelta(days=rng.randint(10, 59 * 30))
    child = Child(id=uuid.UUID(int=rng.getrandbits(128), version=4), posyandu_id=pos.id,
                  kabupaten_code=pos.kabupaten_code, name=f"{_given(rng, sex)} {family}", sex=sex,
                  birth_date=birth, birth_weight_kg=round(rng.gauss(3.1, 0.45), 3),
                  birth_length_cm=round(rng.gauss(49, 2), 1), mother_name=f"{rng.choice(MOTHERS)} {family}",
                  father_name=f"{_given(rng, 'M')} {family}", address=f"Dusun {pos.name}", rt=f"{rng.randint(1, 9):03d}",
                  rw=f"{rng.randint(1, 5):03d}", has_kms=rng.random() < 0.93, version=1,
                  guardian_phone=f"08{rng.randint(1000000000, 9999999999)}")
    db.session.add(child)
    return child


def _visits(rng: random.Random, child: Child, pos, today: date) -> None:
    sex = 1 if child.sex == "M" else 2
    # Personal levels near Indonesia's SSGI 2022 picture: ~20% stunted, ~7% wasted.
    haz, whz = rng.gauss(-1.1, 1.0), rng.gauss(-0.45, 0.95)
    # the birth length half on the child's own length path, half ``_child``'s draw (around 49 cm), and
    # never under 43 cm: a very short child's path (her stunting held from birth) put a newborn below
    # it in one demo in five (the demo is drawn anew from its day)
    child.birth_length_cm = max(43.0, round(_value("lhfa", sex, 0, 0.5 * haz + 0.25 * (child.birth_length_cm - 49)), 1))
    for day in _meeting_days(pos, today):
        age = (day - child.birth_date).days
        haz += rng.gauss(0, 0.08)
        whz += rng.gauss(0, 0.2)
        if age < 0 or day > today or rng.random() < 0.15:
            continue
        standing = age >= 731
        # never born longer than measured later: drawn apart from the path, one child in six was
        length = max(_value("lhfa", sex, age, haz), child.birth_length_cm + 0.5)
        table = "wfh" if standing else "wfl"
        tenths = min(max(round(length * 10), 650 if standing else 450), 1200 if standing else 1100)
        db.session.add(Measurement(
            id=uuid.UUID(int=rng.getrandbits(128), version=4), child_id=child.id, posyandu_id=pos.id,
            kabupaten_code=pos.kabupaten_code, measured_on=day, weight_kg=round(_value(table, sex, tenths, whz), 1),
            length_height_cm=round(length, 1), position="standing" if standing else "lying",
            muac_cm=round(_value("acfa", sex, age, whz), 1) if age >= 91 else None, version=1))


def load_demo(seed: int = 2024) -> str:
    """Create the demo areas, users, children and visits (the caller commits)."""
    rng = random.Random(seed)
    today = date.today()
    pkms = _areas()
    admin = _demo_user({"username": "admin", "name": "Admin Demo", "role": "admin"})
    posyandu = [create_posyandu(admin, {"name": f"Posyandu {n}", "desa_code": d, "puskesmas_id": pkms[p].id,
                                        "meeting_day": md}) for n, d, p, md in POSYANDU]
    users = _users({"admin": admin}, pkms, posyandu)
    children = []
    for pos in posyandu:
        for _ in range(50):
            child = _child(rng, pos, today)
            db.session.flush()
            _visits(rng, child, pos, today)
            children.append(child)
    _siblings(children[0], children[1])  # the parent's (orangtua's) two children, linked below
    _niks(children, today)
    db.session.flush()
    doses = random.Random(seed + 1)  # its own stream: children and visits stay as they were
    from posyandu.immunisation.operations import schedule_in_force

    schedule = schedule_in_force(db.session, today)
    for child in children:
        _record_created(child)
        refresh_child_growth(child)
        _immunisations(doses, child, today, schedule)
    db.session.add_all([ParentLink(user_id=users["orangtua"].id, child_id=c.id) for c in children[:2]])
    again = _registered_twice(random.Random(seed + 2), users["kader2"], children, posyandu[1], today)
    return (f"demo loaded: {len(posyandu)} posyandu, {len(children) + (again is not None)} children "
            f"({'one of them registered twice, for the bidan to merge' if again else 'no duplicate pair'}), "
            f"users: {', '.join(users)}")


def _siblings(elder: Child, younger: Child) -> None:
    """Make the parent account's two children one family: Ibu Siti's (the account's name), the
    same father, family name, home and phone; drawn at random, they had two other mothers."""
    family = elder.name.split()[-1]
    for child in (elder, younger):
        child.name = f"{child.name.split()[0]} {family}"
        child.mother_name = f"Siti {family}"
        child.father_name, child.address, child.rt, child.rw, child.guardian_phone = (
            elder.father_name, elder.address, elder.rt, elder.rw, elder.guardian_phone)


def _niks(children: list[Child], today: date) -> None:
    """NIKs as the civil registry gives them: the kecamatan's six digits, the birth date (a girl's
    day + 40) and a serial, here from 5001 up in each kecamatan (the tests' own NIKs use 0000-0999,
    so a test's child is never taken for a demo one). A baby under two months has none yet (her
    birth certificate and family card are still being made), nor one child in ten older (no
    papers); no draw is taken, so every other value of the demo stays as it was. The parent
    account's two children have their mother's NIK too."""
    serial: dict[str, int] = {}
    for child in children:
        if (today - child.birth_date).days < 61 or child.id.int % 10 == 0:
            continue
        kecamatan = child.posyandu.desa_code[:8].replace(".", "")
        serial[kecamatan] = serial.get(kecamatan, 5000) + 1
        day = child.birth_date.day + (40 if child.sex == "F" else 0)
        child.nik = f"{kecamatan}{day:02d}{child.birth_date:%m%y}{serial[kecamatan]:04d}"
    children[0].mother_nik = children[1].mother_nik = "3525015203955000"  # Ibu Siti, born 12 Mar 1995


def _registered_twice(rng: random.Random, kader: Any, children: list[Child], pos: Any, today: date) -> Child | None:
    """A baby registered a second time (one newborn on two phones, as happens): at a posyandu day
    the baby missed on her card, the mother came to another cadre who did not find her in the list
    and registered her again by her first name only, with a birth date a day off, and weighed her.
    Registered and weighed through the same operations as the API, so the server flags it
    ``possible_duplicate_of`` the first registration itself, and the bidan has a pair to compare
    and merge on the duplicates screen. The youngest such baby of ``pos`` (at least 3 months old,
    a first name of at least 4 letters: what the server's name comparison reads)."""
    from sqlalchemy import select

    from posyandu.audit import act_as
    from posyandu.events import create_event
    from posyandu.registry.operations import create_child

    for first in sorted((c for c in children if c.posyandu_id == pos.id), key=lambda c: c.birth_date, reverse=True):
        given = first.name.split()[0]
        if (today - first.birth_date).days < 91 or len(given) < 4:
            continue
        weighed = {m.measured_on: m for m in db.session.scalars(
            select(Measurement).where(Measurement.child_id == first.id).order_by(Measurement.measured_on))}
        missed = [d for d in _meeting_days(pos, today) if first.birth_date < d <= today and d not in weighed]
        if not weighed or not missed:
            continue
        day = missed[-1]
        nearest = min(weighed.values(), key=lambda m: abs((m.measured_on - day).days))
        act_as(user_id=kader.id, client_id="demo-phone-2")
        again = create_child(kader, {"id": uuid.UUID(int=rng.getrandbits(128), version=4),  # as reproducible as the rest
                                     "posyandu_id": pos.id, "name": given, "sex": first.sex,
                                     "birth_date": first.birth_date + timedelta(days=1),
                                     "mother_name": first.mother_name, "address": first.address})
        create_event(kader, Measurement, again, {"id": uuid.UUID(int=rng.getrandbits(128), version=4),
                                                 "measured_on": day, "weight_kg": nearest.weight_kg,
                                                 "length_height_cm": nearest.length_height_cm,
                                                 "position": nearest.position})
        return again
    return None


def _meeting_days(pos: Any, today: date) -> list[date]:
    """The posyandu's meeting day in each of the last 24 months, this one included (it may be
    ahead of today), oldest first."""
    return [date(y, m + 1, min(pos.meeting_day, 28))
            for y, m in (divmod(today.year * 12 + today.month - 1 - back, 12) for back in range(23, -1, -1))]


def _record_created(child: Child) -> None:
    from sqlalchemy import select

    from posyandu.audit import record_change

    record_change(child, "create", action="demo")
    for m in db.session.scalars(select(Measurement).where(Measurement.child_id == child.id)):
        record_change(m, "create", action="demo")


def _immunisations(rng: random.Random, child: Child, today: date, schedule: Any) -> None:
    """Doses on the national schedule, a few days to weeks late, with some drop-outs, and vitamin A
    capsules in most February/August rounds: enough for coverage reports and overdue lists."""
    from posyandu.audit import record_change
    from posyandu.immunisation.due import Area
    from posyandu.immunisation.models import Immunisation, Supplement
    from posyandu.ages import completed_months

    events: list = []
    for vaccine in dict.fromkeys(e.vaccine for e in schedule.entries if not e.endemic_only and e.areas is None):
        previous = None
        for entry in schedule.doses_of(vaccine):
            on = entry.recommended_age.after(child.birth_date)
            if previous and entry.min_interval:
                on = max(on, entry.min_interval.after(previous))
            on += timedelta(days=int(rng.expovariate(1 / 12)))
            if on > today or rng.random() < 0.06 or (entry.max_age and on > entry.max_age.after(child.birth_date)):
                break  # not due yet, or the family dropped out of this vaccine
            events.append(Immunisation(vaccine=vaccine, dose=entry.dose, given_on=on, batch_number=f"DEMO{rng.randint(100, 999)}",
                                       source="given", expiry_date=on + timedelta(days=365)))
            previous = on
    cfg = schedule.supplements
    rounds = cfg.round_months("vitamin_a_red", Area(kabupaten=child.kabupaten_code))
    for back in range(24):
        y, m = divmod(today.year * 12 + today.month - 1 - back, 12)
        on = date(y, m + 1, min(child.posyandu.meeting_day, 28))
        if m + 1 not in rounds or on > today or on < child.birth_date or rng.random() < 0.2:
            continue
        age = completed_months(child.birth_date, on)
        kind = "vitamin_a_blue" if cfg.blue.contains(age) else "vitamin_a_red" if cfg.red.contains(age) else None
        if kind:
            events.append(Supplement(kind=kind, given_on=on))
    for event in events:
        event.id = uuid.UUID(int=rng.getrandbits(128), version=4)
        event.child_id, event.posyandu_id, event.kabupaten_code = child.id, child.posyandu_id, child.kabupaten_code
        db.session.add(event)
        record_change(event, "create", action="demo")
