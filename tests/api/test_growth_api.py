"""The public growth calculator and a child's growth chart."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

URL = "/api/v1/growth/calculate"


def test_calculator_is_public_and_answers_in_the_contracts_shape(client):
    # WHO weianthro.txt, girls, day 376: L, M, S → hand-computed below; the row is from the contract.
    row = {"sex": "M", "birth_date": "2024-01-31", "measured_on": "2025-02-10", "weight_kg": 9.4,
           "length_height_cm": 74.2, "position": "lying", "head_circumference_cm": 46.0, "muac_cm": 14.1, "oedema": False}
    resp = client.post(URL, json={"measurements": [row]})
    assert resp.status_code == 200
    result = resp.get_json()["results"][0]
    assert result["age_days"] == 376 and result["age_months"] == 12.35
    assert set(result["zscores"]) == {"wfa", "lhfa", "wfl", "wfh", "bfa", "hcfa", "acfa"}
    assert set(result["flags"]) == set(result["zscores"])
    assert result["zscores"]["wfh"] is None and result["flags"]["wfh"] is None
    assert set(result["status"]) == {"bb_u", "tb_u", "bb_tb", "imt_u"}
    assert result["warnings"] == []


def test_bad_rows_get_errors_in_place_and_the_rest_is_computed(client):
    rows = [{"sex": "X", "age_days": 100, "weight_kg": 6},
            {"sex": "F", "age_days": 100, "weight_kg": 6},
            {"sex": "F", "birth_date": "2025-01-02", "measured_on": "2025-01-01", "weight_kg": 3},
            {"sex": "M", "age_days": 30, "weight_kg": -2},
            "not an object", None]  # a null row (an empty line of a sheet) refused the whole request: a 422
    resp = client.post(URL, json={"measurements": rows}, headers={"Accept-Language": "en"})
    assert resp.status_code == 200, resp.get_json()
    results = resp.get_json()["results"]
    assert "sex" in results[0]["errors"] and "zscores" in results[1]
    assert "measured_on" in results[2]["errors"] and "weight_kg" in results[3]["errors"]
    assert "errors" in results[4] and set(results[5]["errors"]) == {"sex", "age_days"}


def test_row_errors_are_in_indonesian_by_default(client):
    results = client.post(URL, json={"measurements": [{"sex": "X", "age_days": 1}]}).get_json()["results"]
    assert results[0]["errors"]["sex"] == ['harus "M" atau "F"']


def test_a_field_no_row_has_is_that_rows_error(client):
    """A misspelt "weigth_kg" was ignored: the row answered with every z-score null and no word."""
    rows = [{"sex": "M", "age_days": 376, "weigth_kg": 9.4}, {"sex": "M", "age_days": 376, "weight_kg": 9.4},
            {"sex": "X", "age_days": 376, "note": "x"}]
    bad, good, both = client.post(URL, json={"measurements": rows}).get_json()["results"]
    assert bad == {"errors": {"weigth_kg": ["isian tidak dikenal"]}}
    assert good["zscores"]["wfa"] is not None
    assert set(both["errors"]) == {"sex", "note"}


def test_every_row_error_is_in_indonesian_by_default(client):
    """Each of the calculator's row errors: the age's came back in English after its bound changed."""
    rows = [{"sex": "X", "age_days": -1}, {"sex": "F", "birth_date": "2025-13-01", "measured_on": "2025-01-01"},
            {"sex": "F"}, {"sex": "F", "birth_date": "2025-01-02", "measured_on": "2025-01-01"},
            {"sex": "F", "age_days": 1, "position": "sitting", "oedema": "no", "weight_kg": -1}]
    english, indonesian = ([r["errors"] for r in client.post(URL, json={"measurements": rows},
                                                              headers={"Accept-Language": lang}).get_json()["results"]]
                           for lang in ("en", "id"))
    pairs = [(en, id_) for e, i in zip(english, indonesian) for key in e for en, id_ in zip(e[key], i[key])]
    assert len(pairs) == 8 and [en for en, id_ in pairs if en == id_] == [], pairs
    assert ("must be a whole number of days, 0 to 3652058", "harus bilangan bulat hari, 0 sampai 3652058") in pairs


@pytest.mark.parametrize("body", [{}, {"measurements": []}, {"measurements": "x"}, {"measurements": [{}] * 10001}])
def test_a_bad_request_body_is_422(client, body):
    resp = client.post(URL, json=body)
    assert resp.status_code == 422 and resp.content_type == "application/problem+json"


def test_ten_thousand_rows_are_answered(client):
    rows = [{"sex": "MF"[i % 2], "age_days": i % 1857, "weight_kg": 3 + (i % 1857) / 150,
             "length_height_cm": 50 + (i % 1857) / 30} for i in range(10_000)]
    resp = client.post(URL, json={"measurements": rows})
    assert resp.status_code == 200 and len(resp.get_json()["results"]) == 10_000


def test_the_calculator_is_rate_limited(app, client):
    limit = int(app.config["CALCULATOR_RATE_LIMIT"].split()[0])
    codes = [client.post(URL, json={"measurements": [{"sex": "M", "age_days": 1}]}).status_code for _ in range(limit + 1)]
    assert codes[-1] == 429 and set(codes[:-1]) == {200}


def test_growth_chart_has_points_and_who_curves(client, world, make_child, link_parent):
    child = make_child(sex="F", birth_date=(date.today() - timedelta(days=200)).isoformat())
    link_parent(child["id"])
    for days_ago, kg in ((60, 6.0), (30, 6.5), (0, 7.0)):
        on = (date.today() - timedelta(days=days_ago)).isoformat()
        client.post(f"/api/v1/children/{child['id']}/measurements", json={"measured_on": on, "weight_kg": kg,
                    "length_height_cm": 63.0}, headers=world.headers("kader1"))
    chart = client.get(f"/api/v1/children/{child['id']}/growth-chart", headers=world.headers("parent1")).get_json()
    assert [p["weight_kg"] for p in chart["points"]] == [6.0, 6.5, 7.0]
    assert set(chart["curves"]) == {"wfa", "lhfa", "wfl"}
    wfa = chart["curves"]["wfa"]
    # WHO "Weight-for-age GIRLS, birth to 5 years (z-scores)": month 0 → −3 SD 2.0, median 3.2, +3 SD 4.8 kg;
    # month 12 → −2 SD 7.0, median 8.9, +2 SD 11.5 kg (WHO's printed table, 1 decimal).
    assert wfa["x_values"][0] == 0 and wfa["x_values"][12] == 12
    assert [round(wfa["sd"][k][0], 1) for k in ("-3", "0", "3")] == [2.0, 3.2, 4.8]
    assert [round(wfa["sd"][k][12], 1) for k in ("-2", "0", "2")] == [7.0, 8.9, 11.5]
    assert client.get(f"/api/v1/children/{child['id']}/growth-chart", headers=world.headers("kader3")).status_code == 404


def test_a_child_past_two_keeps_the_weight_for_length_curves_of_its_weighings_from_before(client, world, make_child):
    """WHO reads a weighing under 731 days against weight-for-length, one from 731 against
    weight-for-height: a child now past two with both has both curves (as the PWA's chartData)."""
    child = make_child(sex="M", birth_date=(date.today() - timedelta(days=760)).isoformat())
    url = f"/api/v1/children/{child['id']}/growth-chart"
    for days_ago, kg, cm in ((60, 11.0, 84.0), (0, 11.6, 86.5)):
        on = (date.today() - timedelta(days=days_ago)).isoformat()
        assert client.post(f"/api/v1/children/{child['id']}/measurements", headers=world.headers("kader1"), json={
            "measured_on": on, "weight_kg": kg, "length_height_cm": cm}).status_code == 201
    assert set(client.get(url, headers=world.headers("kader1")).get_json()["curves"]) == {"wfa", "lhfa", "wfl", "wfh"}


def _weighed_last_month_and_this(client, world, make_child, kg):
    """A boy of 200 days weighed 7.0 kg last month and ``kg`` on the 1st of this month: the second weighing."""
    this_month = date.today().replace(day=1)
    child = make_child(sex="M", birth_date=(this_month - timedelta(days=200)).isoformat())
    url = f"/api/v1/children/{child['id']}/measurements"
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    client.post(url, json={"measured_on": last_month.isoformat(), "weight_kg": 7.0}, headers=world.headers("kader1"))
    return client.post(url, json={"measured_on": this_month.isoformat(), "weight_kg": kg},
                       headers=world.headers("kader1")).get_json()


@pytest.mark.parametrize("grams", [{}, {"12": 200}])
def test_a_kbm_table_without_month_one_is_422_and_the_trends_stand(client, world, make_child, grams):
    """Months missing take the previous month's value; month 1 has none. An empty table was
    published with a 500 (every N/T crashed on it); one from 12 months on judged a 6-month-old by
    12 months' 200 g instead of 400 g."""
    m = _weighed_last_month_and_this(client, world, make_child, 7.3)
    assert (m["trend"], m["kbm_g"]) == ("T", 400)
    resp = client.post("/api/v1/growth/kbm", json={"grams_by_month": grams, "source": "tabel rusak"},
                       headers=world.headers("admin", "id"))
    assert resp.status_code == 422 and resp.content_type == "application/problem+json", resp.get_json()
    assert resp.get_json()["errors"]["grams_by_month"][0].startswith("bulan 1 wajib diisi")
    assert client.get("/api/v1/growth/kbm", headers=world.headers("kader1")).get_json()["version"] == 0
    again = client.get(f"/api/v1/measurements/{m['id']}", headers=world.headers("kader1")).get_json()
    assert (again["trend"], again["kbm_g"]) == ("T", 400)


@pytest.mark.parametrize("month", ["2\n", "61", "02", " 2"])
def test_a_kbm_month_that_is_not_one_is_422_on_it_not_dropped(client, world, month):
    """Python's "$" matches before a final newline: "2\n" passed the month check, and the table was
    published with month 2 taking month 1's 800 g, the 1 g sent for it dropped without a word."""
    resp = client.post("/api/v1/growth/kbm", json={"grams_by_month": {"1": 800, month: 1}, "source": "uji"},
                       headers=world.headers("admin", "id"))
    assert resp.status_code == 422 and resp.content_type == "application/problem+json", resp.get_json()
    assert "bulan umur 1 sampai 60" in str(resp.get_json()["errors"]["grams_by_month"]), resp.get_json()
    assert client.get("/api/v1/growth/kbm", headers=world.headers("kader1")).get_json()["version"] == 0


def test_a_kbm_of_0_g_is_422_and_a_weight_that_did_not_go_up_stays_t(client, world, make_child):
    """Buku KIA: a weight that stayed the same is T (tidak naik). A KBM of 0 g was published and
    turned every unchanged weight of those months into N (gain 0 >= KBM 0)."""
    m = _weighed_last_month_and_this(client, world, make_child, 7.0)
    assert (m["trend"], m["weight_gain_g"]) == ("T", 0)
    grams = {"1": 800, "6": 0, "7": 400}
    resp = client.post("/api/v1/growth/kbm", json={"grams_by_month": grams, "source": "tabel salah ketik"},
                       headers=world.headers("admin", "id"))
    assert resp.status_code == 422 and resp.content_type == "application/problem+json", resp.get_json()
    assert "6" in str(resp.get_json()["errors"]["grams_by_month"]) and "0" in str(resp.get_json()["errors"]), resp.get_json()
    assert client.get("/api/v1/growth/kbm", headers=world.headers("kader1")).get_json()["version"] == 0
    again = client.get(f"/api/v1/measurements/{m['id']}", headers=world.headers("kader1")).get_json()
    assert again["trend"] == "T"


@pytest.mark.parametrize("row, field", [
    ({"sex": "M", "age_days": 100, "weight_kg": 10**400}, "weight_kg"),  # a JSON number past float range
    ({"sex": "M", "age_days": 10**400, "weight_kg": 6}, "age_days"),
    # past int64: the whole-day cast overflowed (a 500, or an age of -9223372036854775808 days)
    ({"sex": "M", "age_days": 10**20, "weight_kg": 9}, "age_days"),
    ({"sex": "M", "age_days": 2**63, "weight_kg": 9}, "age_days"),
    ({"sex": "M", "age_days": 3652059, "weight_kg": 9}, "age_days"),  # more than two dates can be apart
    ({"sex": "F", "age_days": 100, "weight_kg": 6, "muac_cm": -10**400}, "muac_cm"),
])
def test_a_number_too_large_for_any_computation_is_a_row_error_not_a_500(client, row, field):
    resp = client.post(URL, json={"measurements": [row, {"sex": "F", "age_days": 100, "weight_kg": 6}]})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    results = resp.get_json()["results"]
    assert field in results[0]["errors"] and "zscores" in results[1]


def test_a_z_score_that_overflows_is_null_with_remeasure_and_the_answer_is_valid_json(client):
    """1e308 kg (or a length of 1e-300 cm) makes BMI infinite (and rounding 1e308 to 2 decimals
    overflowed): the answer was a 500, or would carry the bare token Infinity, which no JSON parser reads."""
    import json

    rows = [{"sex": "M", "age_days": 100, "weight_kg": 1e308, "length_height_cm": 60},
            {"sex": "F", "age_days": 400, "weight_kg": 9, "length_height_cm": 1e-300},
            {"sex": "F", "age_days": 300, "weight_kg": 9, "length_height_cm": 1e308}]  # x10 for the table overflowed
    resp = client.post(URL, json={"measurements": rows})
    assert resp.status_code == 200
    results = json.loads(resp.get_data(as_text=True), parse_constant=lambda token: pytest.fail(f"{token} in JSON"))["results"]
    for result in results:
        assert "remeasure" in result["warnings"]
        assert all((result["flags"][k] is None) == (z is None) for k, z in result["zscores"].items())
    assert results[0]["zscores"]["bfa"] is None and results[1]["zscores"]["bfa"] is None
    assert results[2]["flags"]["lhfa"] is True and results[2]["zscores"]["wfl"] is None  # off the table
    assert results[0]["flags"]["wfa"] is True and results[0]["flags"]["wfl"] is True  # huge, still flagged
    assert "length_height_out_of_range" not in results[0]["warnings"]  # 60 cm is in the table


@pytest.mark.parametrize("position", [["lying"], {"lying": True}])
def test_a_position_that_is_a_list_or_an_object_is_a_row_error_not_a_500(client, position):
    """A spreadsheet tool that sends a cell as a list ({"position": ["lying"]}) got a 500 for the
    whole request: the check looked the list up in a dict (unhashable)."""
    rows = [{"sex": "F", "age_days": 100, "length_height_cm": 60, "position": position}, {"sex": "F", "age_days": 100}]
    resp = client.post(URL, json={"measurements": rows})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    results = resp.get_json()["results"]
    assert results[0] == {"errors": {"position": ['harus "lying" (berbaring) atau "standing" (berdiri)']}} and "zscores" in results[1]


@pytest.mark.parametrize("cm", [0.5, 0.7])
def test_a_lying_length_the_conversion_takes_to_nothing_is_none_with_remeasure(client, cm):
    """0.5 cm measured lying at 800 days is -0.2 cm once WHO's 0.7 cm is taken off: the server left the
    length out saying nothing (no re-measure), while the phone's copy gave flagged z-scores from it. Both
    now: no length-based z-score, and re-measure (domain.md: implausible values, the cadre re-measures)."""
    resp = client.post(URL, json={"measurements": [
        {"sex": "M", "age_days": 800, "weight_kg": 10, "length_height_cm": cm, "position": "lying"}]})
    assert resp.status_code == 200, resp.get_json()
    [result] = resp.get_json()["results"]
    assert [result["zscores"][k] for k in ("lhfa", "bfa", "wfl", "wfh")] == [None] * 4, result
    assert result["zscores"]["wfa"] is not None and result["warnings"] == ["remeasure"], result
