"""The action list's overdue doses for a batch of children (``due.OverdueDoses``) against the card
itself (``immunisation_card``, one child at a time, as the action list computed them before): the same
labels in the same order for every kind of child: every age from the birth day to past five years,
no doses, doses on time, late (catch-up), early, out of order, twice, before birth or after the day,
a dose without the one before, in and out of the JE area, under schedules that differ in
``overdue_after``, areas, ``endemic_only``, intervals and the order of their entries, with doses a later
version added (``introduced``) or none; and on month ends that clamp (31 Jan, 28/29 Feb)."""
from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

import pytest

from posyandu.immunisation.due import Area, GivenDose, OverdueDoses, immunisation_card
from posyandu.ages import add_months
from posyandu.immunisation.schedule import Age, load_default_schedule

BASE = load_default_schedule()
AS_OF = [date(2025, 8, 31), date(2024, 2, 29), date(2025, 2, 28), date(2025, 1, 31), date(2026, 12, 31)]
KABUPATEN = [None, "35.25", "51.01", "51.71", "5171", "51.71.01.2001", "35.25.01.2001", "9999"]


def _schedules():
    je = [e for e in BASE.entries if e.vaccine == "JE"][0]
    endemic = replace(je, areas=None, endemic_only=True)
    reordered = tuple(reversed(BASE.entries))
    return {
        "2024": BASE,
        "overdue_after_14_days": replace(BASE, overdue_after=Age(days=14)),
        "overdue_after_2_months": replace(BASE, overdue_after=Age(months=2)),
        "je_endemic_only": replace(BASE, entries=tuple(endemic if e is je else e for e in BASE.entries)),
        "entries_reversed": replace(BASE, entries=reordered),
        # without intervals a later dose is held back only by waiting for the one before
        "no_min_intervals": replace(BASE, entries=tuple(replace(e, min_interval=None) for e in BASE.entries)),
    }


SCHEDULES = _schedules()


def _doses(rng: random.Random, schedule, birth: date, as_of: date) -> list[GivenDose]:
    out, missing = [], rng.choice([0.0, 0.0, 0.0, 0.05, 0.35])  # most children have every dose, some miss many
    for e in schedule.entries:
        roll = rng.random() * (0.35 if rng.random() < 0.7 else 1.0)  # mostly on time
        on_time = e.recommended_age.after(birth)
        if rng.random() < missing or on_time > as_of:
            continue  # never given
        if roll < 0.35:
            on = on_time + timedelta(days=rng.randint(-3, 10))
        elif roll < 0.8:
            on = add_months(on_time, rng.randint(1, 30)) + timedelta(days=rng.randint(0, 27))  # catch-up, late
        elif roll < 0.86:
            on = e.min_age.after(birth) - timedelta(days=rng.randint(1, 20))  # too early
        elif roll < 0.9:
            on = birth - timedelta(days=rng.randint(1, 60))  # before birth: not counted
        elif roll < 0.94:
            on = as_of + timedelta(days=rng.randint(0, 40))  # on the day, or after it: not counted
        else:
            on = birth + timedelta(days=rng.randint(0, max(0, (as_of - birth).days)))  # any day
        out.append(GivenDose(e.vaccine, e.dose, on))
        if rng.random() < 0.08:  # recorded twice
            out.append(GivenDose(e.vaccine, e.dose, on + timedelta(days=rng.randint(-40, 40))))
    rng.shuffle(out)
    return out


def _births(rng: random.Random, as_of: date, n: int) -> list[date]:
    fixed = [as_of, as_of - timedelta(days=1), add_months(as_of, -1), add_months(as_of, -2), add_months(as_of, -9),
             add_months(as_of, -18), add_months(as_of, -60) + timedelta(days=1), add_months(as_of, -61),
             date(2024, 2, 29), date(2023, 12, 31), date(2024, 1, 31)]
    return [b for b in fixed if b <= as_of] + [as_of - timedelta(days=rng.randint(0, 62 * 31)) for _ in range(n)]


def card_overdue(schedule, birth, given, as_of, kabupaten, introduced=None):
    card = immunisation_card(schedule, birth, given, as_of, area=Area(kabupaten=kabupaten), introduced=introduced)
    return [e.label for e in card.entries if e.status == "overdue"]


def _introduced(as_of: date) -> dict[tuple[str, int], date]:
    """PCV and RV rolled out by a later version, 20 days before ``as_of``, and MR 2 four months before."""
    return {**{(v, d): as_of - timedelta(days=20) for v in ("PCV", "RV") for d in (1, 2, 3)},
            ("MR", 2): add_months(as_of, -4)}


@pytest.mark.parametrize("name", list(SCHEDULES))
@pytest.mark.parametrize("rolled_out", [False, True], ids=["every-dose-always-there", "doses-a-later-version-added"])
def test_the_batch_names_the_cards_overdue_doses_for_every_kind_of_child(name, rolled_out):
    schedule, rng, compared, overdue_seen = SCHEDULES[name], random.Random(f"overdue-{name}"), 0, 0
    for as_of in AS_OF:
        introduced = _introduced(as_of) if rolled_out else None
        batch = OverdueDoses(schedule, as_of, introduced)
        for birth in _births(rng, as_of, 150):
            for given in (_doses(rng, schedule, birth, as_of), []):
                kabupaten = rng.choice(KABUPATEN)
                expected = card_overdue(schedule, birth, given, as_of, kabupaten, introduced)
                doses = [(g.vaccine, g.dose, g.given_on) for g in given]
                assert batch.labels(birth, doses, kabupaten) == expected, (name, as_of, birth, kabupaten, given)
                assert batch.has_any(birth, iter(doses), kabupaten) == bool(expected), (name, as_of, birth, given)
                compared += 1
                overdue_seen += bool(expected)
    # the children compared had overdue doses and had none, both many times
    assert compared > 1500 and 200 < overdue_seen < compared - 200


def test_the_batch_refuses_a_day_before_the_birth_as_the_card_does():
    with pytest.raises(ValueError):
        OverdueDoses(BASE, date(2025, 1, 1)).labels(date(2025, 1, 2), [])
    with pytest.raises(ValueError):
        OverdueDoses(BASE, date(2025, 1, 1)).has_any(date(2025, 1, 2), [])
