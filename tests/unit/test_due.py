"""Due doses, the immunisation card, IDL / Baduta Lengkap and the posyandu-day list
(domain.md "Immunisation"; Kemenkes Program Imunisasi). The shared hand-worked cases in
tests/data/immunisation_cases.json run here and in tests/js/due.test.mjs, so the PWA's
due.js and this module agree exactly; the tests below add what only Python needs."""

import json
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posyandu.immunisation.due import (
    Area, ChildDoses, GivenDose, due_on, immunisation_card, iso_message, validate_dose,
)
from posyandu.immunisation.schedule import jsonable, load_default_schedule
from posyandu.messages import date_text, month_text

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = json.loads((ROOT / "tests/data/immunisation_cases.json").read_text(encoding="utf-8"))
CASES = FIXTURE["cases"]
SCHEDULE = load_default_schedule()
BORN = date(2024, 1, 15)


def subset_mismatches(expected, actual, path="$"):
    """Where ``actual`` differs from ``expected``: dicts by the expected keys, lists item by item."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        return [m for k, v in expected.items() for m in subset_mismatches(v, actual.get(k, "<missing>"), f"{path}.{k}")]
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        return [m for i, (e, a) in enumerate(zip(expected, actual)) for m in subset_mismatches(e, a, f"{path}[{i}]")]
    return [] if expected == actual else [f"{path}: expected {expected!r}, got {actual!r}"]


def doses(items):
    return [GivenDose(g["vaccine"], g["dose"], date.fromisoformat(g["given_on"]), g.get("id")) for g in items]


def area(value):
    return Area(value["kabupaten"], frozenset(value["endemic"])) if value else None


def run_case(case):
    i = case["input"]
    if case["kind"] == "validate_dose":
        new = doses([i["new"]])[0]
        return {"violations": jsonable(validate_dose(
            SCHEDULE, date.fromisoformat(i["birth_date"]), doses(i["given"]), new,
            area=area(i["area"]), today=date.fromisoformat(i["today"])))}
    if case["kind"] == "card":
        introduced = {(k.split("|")[0], int(k.split("|")[1])): date.fromisoformat(v)
                      for k, v in i.get("introduced", {}).items()}
        card = jsonable(immunisation_card(SCHEDULE, date.fromisoformat(i["birth_date"]), doses(i["given"]),
                                          date.fromisoformat(i["as_of"]), area=area(i["area"]), introduced=introduced))
        return card | {"entries": {e["label"]: e for e in card["entries"]}}
    children = [ChildDoses(c["child_id"], date.fromisoformat(c["birth_date"]), tuple(doses(c["given"])))
                for c in i["children"]]
    return jsonable(due_on(SCHEDULE, children, date.fromisoformat(i["session_date"]), area=area(i["area"])))


@pytest.mark.parametrize("case", [c for c in CASES if c["kind"] in ("validate_dose", "card", "due_on")],
                         ids=lambda c: c["id"])
def test_shared_hand_worked_case(case):
    assert subset_mismatches(case["expected"], run_case(case)) == [], case["explain"]


def test_output_shapes_are_the_ones_due_js_returns():
    shapes = FIXTURE["shapes"]
    card = jsonable(immunisation_card(SCHEDULE, BORN, [], date(2024, 3, 20)))
    plan = jsonable(due_on(SCHEDULE, [ChildDoses("a", BORN)], date(2024, 3, 20)))
    found = jsonable(validate_dose(SCHEDULE, BORN, [], GivenDose("MR", 1, date(2024, 3, 20)), today=date(2024, 4, 1)))
    assert (list(card), list(card["entries"][0]), list(card["idl"])) == (
        shapes["card"], shapes["card_entry"], shapes["indicator"])
    assert (list(plan), list(plan["children"][0]), list(plan["children"][0]["doses"][0]), list(plan["totals"][0])) == (
        shapes["session_plan"], shapes["child_due"], shapes["due_dose"], shapes["vaccine_count"])
    assert list(found[0]) == shapes["violation"]


def test_the_shared_fixture_covers_every_rule_kind():
    kinds = {c["kind"] for c in CASES}
    assert kinds == {"validate_dose", "card", "due_on", "supplements_due", "validate_supplement"}
    codes = {v["code"] for c in CASES if c["kind"] == "validate_dose" for v in c["expected"]["violations"]}
    assert codes == {"before_min_age", "interval_too_short", "after_max_age", "duplicate_dose", "dose_out_of_order",
                     "not_in_schedule", "given_before_birth", "in_future", "not_in_area"}


def test_only_clinical_timing_rules_may_be_overridden():
    # DPT-HB-Hib 3 recorded twice, before birth is impossible; duplicate + out-of-order + too early at once.
    given = [GivenDose("DPT-HB-Hib", 3, date(2024, 3, 1))]
    found = validate_dose(SCHEDULE, BORN, given, GivenDose("DPT-HB-Hib", 3, date(2024, 3, 2)), today=date(2024, 6, 1))
    assert [(v.code, v.overridable) for v in found] == [
        ("duplicate_dose", False), ("dose_out_of_order", True), ("before_min_age", True)]


def test_every_violation_speaks_indonesian_and_english():
    found = validate_dose(SCHEDULE, BORN, [], GivenDose("RV", 1, date(2024, 8, 20)), today=date(2024, 9, 1))
    assert found[0].message == {
        "id": "RV 1 diberikan melewati umur maksimal (paling lambat 13 Agu 2024).",
        "en": "RV 1 given past the maximum age (last allowed date 13 Aug 2024).",
    }
    assert found[0].params["latest"] == "2024-08-13"  # the machine-readable field keeps its ISO date


def test_messages_write_dates_as_the_pwa_shows_them():
    # i18n.js formatDate ('id-ID' / 'en-GB', short month): the month's first three letters, no leading zero
    months = {"id": "Jan Feb Mar Apr Mei Jun Jul Agu Sep Okt Nov Des".split(),
              "en": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()}
    for lang, names in months.items():
        assert [date_text(date(2025, m, 5), lang) for m in range(1, 13)] == [f"5 {n} 2025" for n in names]
    assert (month_text(2024, 8, "id"), month_text(2024, 8, "en")) == ("Agustus 2024", "August 2024")


def test_older_overrides_are_matched_by_their_iso_dated_cause():
    # an override audited before the messages spelled dates out holds "(2024-03-15)"
    given = [GivenDose("OPV", 1, date(2024, 3, 1)), GivenDose("OPV", 2, date(2024, 3, 11))]
    [found] = validate_dose(SCHEDULE, BORN, given[:1], given[1], today=date(2024, 6, 1))
    assert found.message["en"] == "OPV 2 given 10 days after OPV 1 (1 Mar 2024); earliest allowed date is 29 Mar 2024."
    assert iso_message(found) == "OPV 2 given 10 days after OPV 1 (2024-03-01); earliest allowed date is 2024-03-29."
    assert iso_message(found, "id") == "OPV 2 diberikan 10 hari setelah OPV 1 (2024-03-01); paling cepat 2024-03-29."
    [early] = validate_dose(SCHEDULE, date(2024, 1, 11), [], GivenDose("BCG", 1, date(2024, 1, 1)), today=date(2024, 6, 1))
    assert early.message["en"] == "Date given 1 Jan 2024 is before the birth date 11 Jan 2024."
    assert iso_message(early) == "Date given 2024-01-01 is before the birth date 2024-01-11."


def test_future_date_is_reported_with_the_other_rules():
    found = validate_dose(SCHEDULE, BORN, [], GivenDose("DPT-HB-Hib", 1, date(2024, 2, 1)), today=date(2024, 1, 20))
    assert [v.code for v in found] == ["in_future", "before_min_age"]


def test_interval_counts_from_the_latest_earlier_dose_actually_given():
    # Dose 1 on 1 March and dose 2 on 29 March (28 days: fine); dose 3 on 10 April is 12 days after dose 2.
    given = [GivenDose("OPV", 1, date(2024, 3, 1)), GivenDose("OPV", 2, date(2024, 3, 29))]
    found = validate_dose(SCHEDULE, BORN, given, GivenDose("OPV", 3, date(2024, 4, 10)), today=date(2024, 5, 1))
    assert [(v.code, v.params["days"], v.params["previous"]) for v in found] == [("interval_too_short", 12, "OPV 2")]


def test_card_before_birth_is_refused():
    with pytest.raises(ValueError):
        immunisation_card(SCHEDULE, BORN, [], date(2024, 1, 14))


def test_card_uses_the_first_record_when_a_dose_was_entered_twice():
    given = [GivenDose("BCG", 1, date(2024, 2, 20)), GivenDose("BCG", 1, date(2024, 2, 15))]
    card = immunisation_card(SCHEDULE, BORN, given, date(2024, 3, 1))
    assert next(e for e in card.entries if e.vaccine == "BCG").given_on == date(2024, 2, 15)


def test_card_lists_every_entry_in_schedule_order():
    card = immunisation_card(SCHEDULE, BORN, [], date(2024, 1, 15))
    assert [(e.vaccine, e.dose) for e in card.entries] == [(e.vaccine, e.dose) for e in SCHEDULE.entries]


def test_a_kabupaten_list_limits_an_entry_to_those_kabupaten():
    schedule = replace(SCHEDULE, entries=tuple(replace(e, areas=("5171",), endemic_only=False) if e.vaccine == "JE"
                                               else e for e in SCHEDULE.entries))
    je = {a: next(e for e in immunisation_card(schedule, BORN, [], date(2024, 11, 20), area=a).entries
                  if e.vaccine == "JE").status
          for a in (Area("51.71.01.1001"), Area("35.79"), None)}
    assert list(je.values()) == ["due", "not_applicable", "not_applicable"]


def test_childs_own_area_wins_over_the_posyandus():
    children = [ChildDoses("x", date(2024, 1, 15), area=Area("51.71", frozenset({"JE"})))]
    plan = due_on(SCHEDULE, children, date(2024, 11, 20), area=Area("35.79"))
    assert "JE" in [d.vaccine for d in plan.children[0].doses]


def test_vials_are_counted_only_where_doses_per_vial_is_configured():
    schedule = replace(SCHEDULE, vaccines=tuple(replace(v, doses_per_vial=10) if v.code == "MR" else v
                                                for v in SCHEDULE.vaccines))
    twelve = [ChildDoses(str(n), date(2023, 1, 1)) for n in range(12)]  # 12 children, no MR yet
    totals = {t.vaccine: t for t in due_on(schedule, twelve, date(2024, 4, 1)).totals}
    assert (totals["MR"].doses, totals["MR"].vials) == (12, 2)  # ceil(12 / 10)
    assert totals["PCV"].vials is None  # 2024.2 leaves PCV's vial size null (the supplier of the year)


def test_session_list_is_empty_when_nothing_can_be_given():
    plan = due_on(SCHEDULE, [ChildDoses("newborn-to-be", date(2024, 5, 1))], date(2024, 4, 15))
    assert plan.children == () and plan.totals == ()


@settings(max_examples=60, deadline=None)
@given(st.dates(date(2020, 1, 1), date(2030, 12, 31)))
def test_a_child_brought_on_every_due_date_breaks_no_rule_and_completes_idl_and_baduta(birth):
    # Walk day by day through the card: give every dose on the day it becomes due. validate_dose
    # must accept each one (card and validator agree, month-end births included), and nothing
    # is ever overdue or missed.
    endemic = Area("51.71", frozenset({"JE"}))
    given, day = [], birth
    while day <= date(birth.year + 3, 1, 1):
        card = immunisation_card(SCHEDULE, birth, given, day, area=endemic)
        assert not [e.label for e in card.entries if e.status in ("overdue", "missed")]
        for e in (e for e in card.entries if e.status == "due"):
            dose = GivenDose(e.vaccine, e.dose, day)
            assert validate_dose(SCHEDULE, birth, given, dose, area=endemic, today=day) == [], e.label
            given.append(dose)
        upcoming = [e.due_date for e in card.entries if e.status == "upcoming" and e.due_date > day]
        if not upcoming and all(e.status in ("given", "due") for e in card.entries):
            break
        day = min(upcoming, default=day + timedelta(days=1))
    card = immunisation_card(SCHEDULE, birth, given, day, area=endemic)
    assert (card.idl.status, card.baduta.status) == ("complete", "complete")
    assert len(given) == len(SCHEDULE.entries)
