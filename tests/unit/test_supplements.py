"""Vitamin A (blue 6-11 months, red 12-59 months, February and August) and deworming
(from 12 months) at the posyandu: Permenkes 21/2015, Permenkes 15/2017, domain.md.
The shared cases in tests/data/immunisation_cases.json also run in tests/js/due.test.mjs."""

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from posyandu.immunisation.due import Area
from posyandu.immunisation.schedule import jsonable, load_default_schedule, schedule_from_dict, schedule_to_dict
from posyandu.immunisation.supplements import (
    SupplementDue, SupplementGiven, round_of, supplements_due, validate_supplement,
)

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = json.loads((ROOT / "tests/data/immunisation_cases.json").read_text(encoding="utf-8"))
CASES = FIXTURE["cases"]
CONFIG = load_default_schedule().supplements
_DOC = schedule_to_dict(load_default_schedule())
for _kind, _by_area in FIXTURE["round_months_by_area"].items():  # the fixture's kabupaten with rounds of their own
    _DOC["supplements"][_kind]["round_months_by_area"] = _by_area
MOVED = schedule_from_dict(_DOC).supplements


def subset_mismatches(expected, actual, path="$"):
    """Where ``actual`` differs from ``expected``: dicts by the expected keys, lists item by item."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        return [m for k, v in expected.items() for m in subset_mismatches(v, actual.get(k, "<missing>"), f"{path}.{k}")]
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        return [m for i, (e, a) in enumerate(zip(expected, actual)) for m in subset_mismatches(e, a, f"{path}[{i}]")]
    return [] if expected == actual else [f"{path}: expected {expected!r}, got {actual!r}"]


def records(items):
    return [SupplementGiven(s["kind"], date.fromisoformat(s["given_on"]), s.get("id")) for s in items]


def run_case(case):
    i = case["input"]
    birth, given = date.fromisoformat(i["birth_date"]), records(i["given"])
    area = Area(kabupaten=i["area"]["kabupaten"]) if i.get("area") else None
    if case["kind"] == "supplements_due":
        return {"due": jsonable(supplements_due(MOVED, birth, given, date.fromisoformat(i["on"]), area))}
    found = validate_supplement(MOVED, birth, given, records([i["new"]])[0], area=area,
                                today=date.fromisoformat(i["today"]))
    return {"violations": jsonable(found)}


@pytest.mark.parametrize("case", [c for c in CASES if c["kind"] in ("supplements_due", "validate_supplement")],
                         ids=lambda c: c["id"])
def test_shared_hand_worked_case(case):
    assert subset_mismatches(case["expected"], run_case(case)) == [], case["explain"]


def test_output_shapes_are_the_ones_due_js_returns():
    due = jsonable(supplements_due(CONFIG, date(2022, 1, 1), [], date(2024, 2, 1)))
    found = jsonable(validate_supplement(CONFIG, date(2022, 1, 1), [], SupplementGiven("zinc", date(2024, 2, 1)),
                                         today=date(2024, 3, 1)))
    assert (list(due[0]), list(found[0])) == (FIXTURE["shapes"]["supplement_due"], FIXTURE["shapes"]["violation"])


def test_a_round_is_the_whole_configured_month():
    assert [round_of(CONFIG, "vitamin_a_red", date(2024, 2, d)) for d in (1, 29)] == ["2024-02", "2024-02"]
    assert round_of(CONFIG, "deworming", date(2024, 3, 1)) is None


def test_a_district_can_move_vitamin_a_and_deworm_once_a_year():
    # Born 2022-05-10: 25 months in June 2024. Rounds moved to March and September, deworming in September only.
    moved = replace(CONFIG, vitamin_a_months=(3, 9), deworming_months=(9,))
    born = date(2022, 5, 10)
    assert supplements_due(moved, born, [], date(2024, 2, 20)) == []
    assert supplements_due(moved, born, [], date(2024, 3, 20)) == [SupplementDue("vitamin_a_red", "2024-03")]
    assert supplements_due(moved, born, [], date(2024, 9, 20)) == [
        SupplementDue("vitamin_a_red", "2024-09"), SupplementDue("deworming", "2024-09")]
    found = validate_supplement(moved, born, [], SupplementGiven("vitamin_a_red", date(2024, 2, 20)),
                                today=date(2024, 12, 1))
    assert found[0].message["id"] == "20 Feb 2024 bukan bulan pemberian (Maret, September)."


def test_records_after_the_day_asked_about_are_ignored():
    born = date(2022, 1, 1)
    later = [SupplementGiven("vitamin_a_red", date(2024, 2, 25))]
    assert supplements_due(CONFIG, born, later, date(2024, 2, 10))[0].kind == "vitamin_a_red"


def test_editing_a_record_does_not_collide_with_itself():
    born = date(2022, 1, 1)
    mine = SupplementGiven("deworming", date(2024, 8, 1), "r1")
    assert validate_supplement(CONFIG, born, [mine], replace(mine, given_on=date(2024, 8, 2)),
                               today=date(2024, 9, 1)) == []


def test_before_birth_stops_the_other_checks():
    found = validate_supplement(CONFIG, date(2024, 1, 15), [], SupplementGiven("vitamin_a_blue", date(2024, 1, 1)),
                                today=date(2024, 3, 1))
    assert [(v.code, v.overridable) for v in found] == [("given_before_birth", False)]


def test_supplement_messages_are_in_both_languages():
    found = validate_supplement(CONFIG, date(2023, 3, 10), [], SupplementGiven("deworming", date(2024, 2, 10)),
                                today=date(2024, 3, 1))
    assert found[0].message == {
        "id": "Anak berumur 11 bulan, terlalu muda untuk obat cacing (minimal 12 bulan).",
        "en": "The child is 11 months old, too young for deworming (minimum 12 months).",
    }


def test_nothing_is_due_before_birth():
    assert supplements_due(CONFIG, date(2024, 3, 1), [], date(2024, 2, 10)) == []
