"""The 2024 schedule data and the gatekeeper that validates schedules an admin publishes
(domain.md "Immunisation": versioned data, not code)."""

import copy
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from posyandu.ages import add_months, completed_months
from posyandu.immunisation.schedule import (
    DEFAULT_SCHEDULE_PATH, Age, ScheduleError, kabupaten_of,
    load_default_schedule, schedule_from_dict, schedule_to_dict,
)

ROOT = Path(__file__).resolve().parents[2]
DOC = json.loads(DEFAULT_SCHEDULE_PATH.read_text(encoding="utf-8"))
SCHEDULE = load_default_schedule()


def doc_with(change):
    doc = copy.deepcopy(DOC)
    change(doc)
    return doc


def problems_of(doc):
    with pytest.raises(ScheduleError) as caught:
        schedule_from_dict(doc)
    return caught.value.problems


def entry(doc, vaccine, dose):
    return next(e for e in doc["entries"] if e["vaccine"] == vaccine and e["dose"] == dose)


@pytest.mark.parametrize("module", ["posyandu.immunisation.schedule", "posyandu.immunisation.due",
                                    "posyandu.immunisation.supplements"])
def test_rule_module_imports_neither_flask_nor_extensions(module):
    probe = (f"import sys\nimport {module}\n"
             "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy')"
             " or m == 'posyandu.extensions')))\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_default_schedule_is_the_2024_table_of_domain_md():
    by_age = {}
    for e in SCHEDULE.entries:
        by_age.setdefault(e.recommended_age.months, []).append(SCHEDULE.label(e.vaccine, e.dose))
    assert by_age == {
        0: ["HB0"], 1: ["BCG", "OPV 1"], 2: ["OPV 2", "DPT-HB-Hib 1", "PCV 1", "RV 1"],
        3: ["OPV 3", "DPT-HB-Hib 2", "PCV 2", "RV 2"], 4: ["OPV 4", "DPT-HB-Hib 3", "RV 3", "IPV 1"],
        9: ["MR 1", "IPV 2"], 10: ["JE"], 12: ["PCV 3"], 18: ["DPT-HB-Hib 4", "MR 2"],
    }
    assert (SCHEDULE.version, SCHEDULE.valid_from) == ("2024.2", date(2024, 1, 1))


def test_minimum_intervals_are_four_weeks_between_primary_doses():
    primary = {"DPT-HB-Hib": (2, 3), "OPV": (2, 3, 4), "PCV": (2,), "RV": (2, 3)}
    assert {SCHEDULE.entry(v, d).min_interval for v, doses in primary.items() for d in doses} == {Age(days=28)}
    assert SCHEDULE.entry("PCV", 3).min_interval == Age(days=56)  # booster: 8 weeks (IDAI)
    assert SCHEDULE.entry("IPV", 2).min_interval == Age(months=4)
    assert SCHEDULE.entry("MR", 2).min_interval == Age(months=6)
    assert SCHEDULE.entry("DPT-HB-Hib", 4).min_interval == Age(months=12)


def test_maximum_ages_hb0_7_days_rv_6_months_29_days_bcg_under_one_year():
    assert SCHEDULE.entry("HB0", 1).max_age == Age(days=7)
    assert {e.max_age for e in SCHEDULE.doses_of("RV")} == {Age(months=6, days=29)}
    assert SCHEDULE.entry("BCG", 1).max_age.after(date(2024, 3, 10)) == date(2025, 3, 9)
    assert SCHEDULE.entry("MR", 1).max_age is None


def test_idl_and_baduta_flags_follow_the_indicator_definitions():
    flagged = {k: sorted(SCHEDULE.label(e.vaccine, e.dose) for e in SCHEDULE.entries if e.counts_toward == k)
               for k in ("idl", "baduta")}
    assert flagged == {
        "idl": sorted(["HB0", "BCG", "OPV 1", "OPV 2", "OPV 3", "OPV 4", "DPT-HB-Hib 1", "DPT-HB-Hib 2",
                       "DPT-HB-Hib 3", "IPV 1", "MR 1"]),
        "baduta": ["DPT-HB-Hib 4", "MR 2"],
    }


def test_je_is_offered_only_where_endemic_and_every_entry_names_its_source():
    # JE is routine in all of Bali (51.01-51.08, Kota Denpasar 51.71); no entry waits for an "endemic" setting
    assert [(e.vaccine, e.areas) for e in SCHEDULE.entries if e.areas is not None] == [
        ("JE", ("5101", "5102", "5103", "5104", "5105", "5106", "5107", "5108", "5171"))]
    assert not any(e.endemic_only for e in SCHEDULE.entries)
    assert all(e.source for e in SCHEDULE.entries)


def test_supplement_configuration_defaults():
    sup = SCHEDULE.supplements
    assert (sup.vitamin_a_months, sup.deworming_months) == ((2, 8), (2, 8))
    assert (sup.blue.min_months, sup.blue.max_months, sup.red.min_months, sup.red.max_months) == (6, 11, 12, 59)
    assert (sup.deworming.min_months, sup.deworming.max_months) == (12, 59)


def test_schedule_round_trips_through_its_json_document():
    areas_as_stored = doc_with(lambda d: [e.update(areas=[kabupaten_of(a) for a in e["areas"]])
                                          for e in d["entries"] if e["areas"]])  # '51.71' is kept as '5171'
    assert schedule_to_dict(SCHEDULE) == areas_as_stored
    assert schedule_from_dict(schedule_to_dict(SCHEDULE)) == SCHEDULE


@pytest.mark.parametrize("start, months, expected", [
    (date(2024, 1, 31), 1, date(2024, 2, 29)),   # leap February clamps
    (date(2023, 1, 31), 1, date(2023, 2, 28)),
    (date(2024, 1, 15), 12, date(2025, 1, 15)),
    (date(2024, 2, 29), 12, date(2025, 2, 28)),
    (date(2024, 8, 31), 6, date(2025, 2, 28)),
    (date(2023, 12, 31), 2, date(2024, 2, 29)),
])
def test_calendar_months_clamp_to_the_last_day_of_the_month(start, months, expected):
    assert add_months(start, months) == expected


def test_ages_add_months_then_days():
    # RV limit for a child born 31 Jan 2024: 31 Jul + 29 days = 29 Aug.
    assert Age(6, 29).after(date(2024, 1, 31)) == date(2024, 8, 29)
    assert Age(12, -1).after(date(2024, 1, 15)) == date(2025, 1, 14)


@pytest.mark.parametrize("birth, on, months", [
    (date(2023, 2, 10), date(2024, 2, 9), 11), (date(2023, 2, 10), date(2024, 2, 10), 12),
    (date(2024, 1, 31), date(2024, 2, 29), 1), (date(2024, 1, 31), date(2024, 2, 28), 0),
    (date(2024, 1, 15), date(2024, 1, 15), 0),
])
def test_completed_months_is_the_buku_kia_count(birth, on, months):
    assert completed_months(birth, on) == months


def test_kabupaten_codes_are_compared_by_their_first_four_digits():
    assert [kabupaten_of(c) for c in ("35.25.01.2001", "3525", "35.25", "35", None)] == ["3525"] * 3 + [None, None]


def test_duplicate_entries_are_refused():
    problems = problems_of(doc_with(lambda d: d["entries"].append(copy.deepcopy(entry(d, "PCV", 2)))))
    assert problems == ["duplicate entry PCV dose 2"]


def test_gaps_in_dose_numbering_are_refused():
    problems = problems_of(doc_with(lambda d: d["entries"].remove(entry(d, "OPV", 3))))
    assert problems == ["OPV: doses must be numbered 1..3 without gaps, got [1, 2, 4]"]


def test_min_age_after_max_age_is_refused():
    def change(d):
        entry(d, "RV", 1)["min_age"] = {"months": 7}
    # 7 months is after the 2-month recommendation and past the 6 months 29 days maximum.
    assert problems_of(doc_with(change)) == ["entries[11] (RV 1): min_age is after recommended_age",
                                             "entries[11] (RV 1): min_age is after max_age"]
    def change_max(d):
        entry(d, "RV", 1)["max_age"] = {"months": 1}
    assert problems_of(doc_with(change_max)) == [
        "entries[11] (RV 1): max_age is before recommended_age",
        "entries[11] (RV 1): min_age is after max_age"]  # 6 weeks > 1 month


def test_every_problem_is_reported_at_once():
    def change(d):
        d["version"] = ""
        d["valid_from"] = "2024-13-01"
        d["colour"] = "blue"
        e = entry(d, "MR", 2)
        e["counts_toward"] = "lengkap"
        e["max_age_days"] = 700
        entry(d, "BCG", 1)["min_interval"] = {"days": 28}
        entry(d, "HB0", 1)["recommended_age"] = {"weeks": 1}
        entry(d, "JE", 1)["areas"] = ["Bali"]
        d["entries"].append({"vaccine": "HPV", "dose": 1, "recommended_age": {"months": 9}, "min_age": {"months": 9}})
    problems = problems_of(doc_with(change))
    expected_fragments = ["unknown key 'colour'", "version must be", "valid_from must be an ISO date",
                          "counts_toward must be", "unknown key 'max_age_days'", "dose 1 cannot have a min_interval",
                          "recommended_age must be an object", "areas must be null or a list",
                          "vaccine 'HPV' is not listed"]
    assert [f for f in expected_fragments if not any(f in p for p in problems)] == []
    assert len(problems) == len(expected_fragments)


@pytest.mark.parametrize("bad_age", [{"months": -1}, {"days": -3}, {"months": 1.5}, {}, 7, {"months": True}])
def test_malformed_ages_are_refused(bad_age):
    problems = problems_of(doc_with(lambda d: entry(d, "MR", 1).update(min_age=bad_age)))
    assert len(problems) == 1 and "MR 1) min_age" in problems[0]


@pytest.mark.parametrize("key, age", [
    ("max_age", {"months": 1_000_000_000}), ("max_age", {"months": 241}), ("max_age", {"days": 7306}),
    ("max_age", {"months": 240, "days": 1}), ("max_age", {"days": 10 ** 400}), ("min_interval", {"days": 10 ** 30}),
    ("min_interval", {"months": 2, "days": -10 ** 9}), ("min_interval", {"months": 1, "days": -31}),
])
def test_ages_and_intervals_past_twenty_years_or_below_zero_are_refused(key, age):
    problems = problems_of(doc_with(lambda d: entry(d, "MR", 2).update({key: age})))
    assert len(problems) == 1 and f"MR 2) {key}: must be from 0 to 20 years" in problems[0], problems
    assert "antara 0 dan 20 tahun" in problems[0].id_text


def test_overdue_after_and_vials_are_bounded_too():
    problems = problems_of(doc_with(lambda d: d.update(overdue_after={"months": 10 ** 9})))
    assert problems == ["overdue_after: must be from 0 to 20 years (months at most 240, days at most 7305, "
                        "both together at most 20 years)"]
    problems = problems_of(doc_with(lambda d: d["vaccines"][0].update(doses_per_vial=10 ** 30)))
    assert len(problems) == 1 and "doses_per_vial must be a positive integer (at most 100)" in problems[0]


def test_the_twenty_year_bounds_themselves_are_accepted_and_their_dates_computable():
    def change(d):
        entry(d, "MR", 2).update(max_age={"months": 240}, min_interval={"days": 7305})
        d.update(overdue_after={"months": 239, "days": 30})
        d["vaccines"][0]["doses_per_vial"] = 100
    schedule = schedule_from_dict(doc_with(change))
    mr2 = schedule.entry("MR", 2)
    assert mr2.max_age.after(date(2024, 2, 29)) == date(2044, 2, 29)
    assert schedule.overdue_after.after(mr2.min_interval.after(date(2026, 1, 1))) < date(2100, 1, 1)


@pytest.mark.parametrize("change, fragment", [
    (lambda d: d["supplements"]["vitamin_a"].update(round_months=[2, 2]), "distinct months 1-12"),
    (lambda d: d["supplements"]["vitamin_a"].update(round_months=[13]), "distinct months 1-12"),
    (lambda d: d["supplements"]["vitamin_a"]["blue"].update(max_months=12), "blue band must end before the red"),
    (lambda d: d["supplements"]["deworming"].update(min_months=60), "supplements.deworming must be"),
    (lambda d: d["supplements"].pop("deworming"), "'vitamin_a' and 'deworming'"),
    (lambda d: d["vaccines"].append({"code": "BCG", "name": "again"}), "duplicate code 'BCG'"),
    (lambda d: d["vaccines"][0].update(doses_per_vial=0), "doses_per_vial must be a positive integer"),
    (lambda d: d.update(entries=[]), "entries must be a non-empty list"),
    (lambda d: d.update(valid_from="20240101"), "valid_from must be an ISO date"),
])
def test_configuration_errors_are_named(change, fragment):
    problems = problems_of(doc_with(change))
    assert any(fragment in p for p in problems), problems


@pytest.mark.parametrize("change, fragment", [
    (lambda d: d["vaccines"].append({"code": "bcg", "name": "again"}), "duplicate code 'bcg'"),  # one code typed
    (lambda d: d["vaccines"][0].update(name=None), "vaccines[0].name must be 1-200 characters"),
    (lambda d: d["vaccines"][0].update(name={"x": 1}), "vaccines[0].name must be 1-200 characters"),
    (lambda d: d["vaccines"][0].update(name="  "), "vaccines[0].name must be 1-200 characters"),
])
def test_a_vaccines_name_and_a_code_alike_but_for_case_are_refused_when_published_and_read_when_stored(change, fragment):
    """A name of null or an object was stored as "None"; "bcg" beside "BCG" is one code (read in any case).
    A publisher's rules (``publishing_problems``): a version stored before them is still read, no 500 at
    every card."""
    from posyandu.immunisation.schedule import publishing_problems

    doc = doc_with(change)
    assert any(fragment in p for p in publishing_problems(doc)), publishing_problems(doc)
    assert schedule_from_dict(doc).entries


def test_a_non_object_is_refused_with_a_clear_message():
    with pytest.raises(ScheduleError, match="must be a JSON object"):
        schedule_from_dict(["not", "a", "schedule"])


def test_a_district_may_move_the_rounds_and_list_je_kabupaten():
    def change(d):
        d["supplements"]["vitamin_a"]["round_months"] = [9, 3]
        d["supplements"]["deworming"]["round_months"] = [8]
        entry(d, "JE", 1).update(areas=["51.71", "5103"], endemic_only=False)
        d["vaccines"][1]["doses_per_vial"] = 20
    schedule = schedule_from_dict(doc_with(change))
    assert schedule.supplements.vitamin_a_months == (3, 9) and schedule.supplements.deworming_months == (8,)
    assert schedule.entry("JE", 1).areas == ("5171", "5103")
    assert schedule.vaccine("BCG").doses_per_vial == 20


def test_each_dose_of_the_2024_schedule_has_its_satusehat_programme():
    """IM-Dasar for the basic doses, IM-Baduta for the under-two boosters (domain.md, SATUSEHAT)."""
    from posyandu.immunisation.schedule import load_default_schedule
    from posyandu.reports.exports.fhir import programme_of

    schedule = load_default_schedule()
    got = {(e.vaccine, e.dose): programme_of(e) for e in schedule.entries}
    assert got[("HB0", 1)] == got[("BCG", 1)] == got[("MR", 1)] == got[("RV", 3)] == got[("PCV", 2)] == "IM-Dasar"
    assert got[("DPT-HB-Hib", 4)] == got[("MR", 2)] == got[("PCV", 3)] == "IM-Baduta"


def test_the_bundled_schedule_is_the_one_a_fresh_database_installs():
    """The phone's file (static/pwa/data, copied from the server's by scripts/pwa_precache.py) is what it
    computes with before its first fetch: it must be the version migration 0002 installs (2024.2, vial
    sizes, JE for Bali), or a phone offline from the start shows a due list the server does not."""
    import importlib.util  # noqa: PLC0415

    path = ROOT / "migrations" / "versions" / "0002_default_schedule.py"
    spec = importlib.util.spec_from_file_location("migration_0002_for_bundled", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert DOC == migration.SCHEDULE_2024
    assert json.loads((ROOT / "static/pwa/data/schedule-2024.json").read_text(encoding="utf-8")) == migration.SCHEDULE_2024


@pytest.mark.parametrize("code", ["51.71\n", "５１.７１", "51.7١"])
def test_an_area_code_is_matched_whole_in_ascii_digits(code):
    """A trailing newline passed the pattern's `$` and full-width or Arabic-Indic digits its `\\d`:
    stored as a code no kabupaten has, the entry applied nowhere."""
    problems = problems_of(doc_with(lambda d: entry(d, "JE", 1).update(areas=[code])))
    assert len(problems) == 1 and "areas must be null or a list" in problems[0], problems


def test_a_kabupaten_may_have_round_months_of_its_own():
    from posyandu.immunisation.due import Area

    def change(d):
        d["supplements"]["vitamin_a"]["round_months_by_area"] = {"35.25": [9, 3], "5171": [8]}
        d["supplements"]["deworming"]["round_months_by_area"] = {"35.25": [3]}
    schedule = schedule_from_dict(doc_with(change))
    sup = schedule.supplements
    gresik, denpasar, elsewhere = Area(kabupaten="35.25.01.2001"), Area(kabupaten="51.71"), Area(kabupaten="35.07")
    assert [sup.round_months("vitamin_a_red", a) for a in (gresik, denpasar, elsewhere, None)] == [
        (3, 9), (8,), (2, 8), (2, 8)]
    assert sup.round_months("vitamin_a_blue", gresik) == (3, 9)  # both capsules share the vitamin A rounds
    assert [sup.round_months("deworming", a) for a in (gresik, denpasar, None)] == [(3,), (2, 8), (2, 8)]
    # written back as an entry's areas are (4 digits), months sorted; and read back the same
    written = schedule_to_dict(schedule)["supplements"]
    assert written["vitamin_a"]["round_months_by_area"] == {"3525": [3, 9], "5171": [8]}
    assert written["deworming"]["round_months_by_area"] == {"3525": [3]}
    assert schedule_from_dict(schedule_to_dict(schedule)) == schedule
    # without any, nothing is written: the bundled document reads back as it is
    assert "round_months_by_area" not in schedule_to_dict(SCHEDULE)["supplements"]["vitamin_a"]


@pytest.mark.parametrize("by_area, expected", [
    ({"Gresik": [3]}, ("supplements.vitamin_a.round_months_by_area: 'Gresik' is not a kabupaten/kota code like '35.25'",
                       "supplements.vitamin_a.round_months_by_area: 'Gresik' bukan kode kabupaten/kota seperti '35.25'")),
    ({"35.25": [13]}, ("supplements.vitamin_a.round_months_by_area[35.25] must be a non-empty list of distinct months 1-12",
                       "supplements.vitamin_a.round_months_by_area[35.25] harus daftar bulan 1-12 yang tidak kosong "
                       "dan tidak berulang")),
    ({"35.25": []}, ("supplements.vitamin_a.round_months_by_area[35.25] must be a non-empty list of distinct months 1-12",
                     None)),
    ({"35.25": [3, 3]}, ("supplements.vitamin_a.round_months_by_area[35.25] must be a non-empty list of distinct "
                         "months 1-12", None)),
    ({"35.25": [3], "3525": [9]}, ("supplements.vitamin_a.round_months_by_area: kabupaten/kota 35.25 is listed twice",
                                   "supplements.vitamin_a.round_months_by_area: kabupaten/kota 35.25 tertulis dua kali")),
    ([3, 9], ('supplements.vitamin_a.round_months_by_area must be an object of kabupaten/kota codes to round months, '
              'like {"35.25": [3, 9]}',
              'supplements.vitamin_a.round_months_by_area harus objek kode kabupaten/kota ke bulan pemberian, '
              'seperti {"35.25": [3, 9]}')),
])
def test_kabupaten_round_months_are_validated_field_by_field(by_area, expected):
    problems = problems_of(doc_with(lambda d: d["supplements"]["vitamin_a"].update(round_months_by_area=by_area)))
    assert problems == [expected[0]]
    if expected[1]:
        assert problems[0].id_text == expected[1]


def test_deworming_round_months_by_area_are_named_as_deworming():
    problems = problems_of(doc_with(lambda d: d["supplements"]["deworming"].update(round_months_by_area={"51.71": [0]})))
    assert problems == ["supplements.deworming.round_months_by_area[51.71] must be a non-empty list of distinct "
                        "months 1-12"]
