"""GET /children/{id}/growth-chart gives what the KMS shows (domain.md; the PWA's chart.js): the SD
lines it draws (+1 SD, the orange line, included), curves over the chart's whole age range, the
birth weight and length at month 0, and each point where the phone plots it."""
from __future__ import annotations

import json
import math
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest

WHO = Path("/work/shared/data/who-growth-standards-2006")
ROOT = Path(__file__).resolve().parents[2]
FILES = {"wfa": "weianthro.txt", "lhfa": "lenanthro.txt", "wfl": "wflanthro.txt", "wfh": "wfhanthro.txt"}


def who_lms(indicator: str, sex: str) -> dict[str, tuple[float, float, float]]:
    """WHO's own table, read here on its own: {age in days or length in cm as written: (L, M, S)}."""
    rows = {}
    for line in (WHO / FILES[indicator]).read_text().splitlines()[1:]:
        cols = line.strip().split("\t")
        if cols[0] == {"M": "1", "F": "2"}[sex]:
            rows[str(float(cols[1]))] = (float(cols[2]), float(cols[3]), float(cols[4]))
    return rows


def at_z(lms: tuple[float, float, float], z: float) -> float:
    l, m, s = lms
    return m * math.exp(s * z) if l == 0 else m * (1 + l * s * z) ** (1 / l)


def weigh(client, world, child, days_after_birth, **values):
    on = (date.fromisoformat(child["birth_date"]) + timedelta(days=days_after_birth)).isoformat()
    resp = client.post(f"/api/v1/children/{child['id']}/measurements", headers=world.headers("kader1"),
                       json={"measured_on": on, **values})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def chart(client, world, child):
    resp = client.get(f"/api/v1/children/{child['id']}/growth-chart", headers=world.headers("kader1"))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_the_kms_lines_are_drawn_with_their_who_values_the_orange_plus_1_sd_line_included(client, world, make_child):
    """Permenkes 2/2020 and the KMS: BB/U above +1 SD is 'risiko berat badan lebih' (the orange
    line), BB/PB above +1 SD 'berisiko gizi lebih'; the endpoint gave −3, −2, 0, +2, +3 only."""
    child = make_child(sex="F", birth_date=(date.today() - timedelta(days=900)).isoformat())
    weigh(client, world, child, 100, weight_kg=5.6, length_height_cm=59.0)
    weigh(client, world, child, 900, weight_kg=11.5, length_height_cm=86.0)
    curves = chart(client, world, child)["curves"]
    assert set(curves) == {"wfa", "lhfa", "wfl", "wfh"}
    assert sorted(map(float, curves["wfa"]["sd"])) == [-3, -2, 0, 1, 2, 3]
    assert sorted(map(float, curves["wfl"]["sd"])) == [-3, -2, 0, 1, 2, 3]
    assert sorted(map(float, curves["wfh"]["sd"])) == [-3, -2, 0, 1, 2, 3]
    assert sorted(map(float, curves["lhfa"]["sd"])) == [-3, -2, 0, 2, 3]  # TB/U: no +1 SD cut-off
    for name in ("wfa", "lhfa"):
        who = who_lms(name, "F")
        for i, month in enumerate(curves[name]["x_values"]):
            day = min(1856, math.floor(month * 30.4375 + 0.5))  # the whole day, half up, within WHO's tables
            for z, ys in curves[name]["sd"].items():
                assert ys[i] == pytest.approx(at_z(who[str(float(day))], float(z)), abs=0.005), (name, month, z)
    for name in ("wfl", "wfh"):
        who = who_lms(name, "F")
        for i, cm in enumerate(curves[name]["x_values"]):
            for z, ys in curves[name]["sd"].items():
                assert ys[i] == pytest.approx(at_z(who[str(float(cm))], float(z)), abs=0.005), (name, cm, z)
    # WHO's printed table, girls 12 months: median 8.9, +1 SD 10.1, +2 SD 11.5 kg
    assert [round(curves["wfa"]["sd"][k][12], 1) for k in ("0", "1", "2")] == [8.9, 10.1, 11.5]
    # the KMS's colours: yellow below −2 SD, green to +1 SD, orange above; TB/U green to +3 SD
    assert curves["wfa"]["bands"] == [{"from_sd": -3, "to_sd": -2, "band": "warn"}, {"from_sd": -2, "to_sd": 1, "band": "ok"},
                                      {"from_sd": 1, "to_sd": 3, "band": "over"}]
    assert curves["lhfa"]["bands"] == [{"from_sd": -3, "to_sd": -2, "band": "warn"}, {"from_sd": -2, "to_sd": 3, "band": "ok"}]
    assert curves["wfh"]["bands"] == curves["wfl"]["bands"] == curves["wfa"]["bands"]


@pytest.mark.parametrize("age_days", [59 * 30 + 20, 1850])
def test_the_age_curves_reach_past_the_latest_point_to_the_end_of_the_who_tables(client, world, make_child, age_days):
    """The curves stopped at month 60 (or at the child's whole month): a weighing at 60.8 months
    (day 1850, still judged by WHO) was drawn past the curves' end."""
    child = make_child(sex="M", birth_date=(date.today() - timedelta(days=age_days)).isoformat())
    weigh(client, world, child, age_days, weight_kg=18.0, length_height_cm=108.0)
    curves = chart(client, world, child)["curves"]
    for name in ("wfa", "lhfa"):
        xs = curves[name]["x_values"]
        months = [*range(24), 23.99, *range(24, 62)] if name == "lhfa" else list(range(62))  # lying to day 730
        assert xs[0] == 0 and xs[-1] == 61 and xs == months, name
        assert xs[-1] >= age_days / 30.4375
        # month 61 is drawn at day 1856, the last row of WHO's table (the phone's last axis month)
        who = who_lms(name, "M")
        assert curves[name]["sd"]["0"][-1] == pytest.approx(who["1856.0"][1], abs=0.005)
        assert curves[name]["sd"]["0"][xs.index(60)] == pytest.approx(who["1826.0"][1], abs=0.005)


@pytest.mark.parametrize("sex", ["M", "F"])
def test_length_for_age_steps_down_at_24_months_from_lying_length_to_standing_height(client, world, make_child, sex):
    """WHO's table reads length lying to day 730 and height standing from 731 (0.7 cm less): the curves ran
    straight from month 23 to month 24 (day 731), up to 0.65 cm low in the month before two years."""
    child = make_child(sex=sex, birth_date=(date.today() - timedelta(days=900)).isoformat())
    weigh(client, world, child, 900, weight_kg=12.0, length_height_cm=88.0)
    lhfa = chart(client, world, child)["curves"]["lhfa"]
    who = who_lms("lhfa", sex)
    i = lhfa["x_values"].index(24)
    assert lhfa["x_values"][i - 1] == 23.99 and lhfa["x_values"][i - 2] == 23
    for z, ys in lhfa["sd"].items():
        lying, standing = at_z(who["730.0"], float(z)), at_z(who["731.0"], float(z))
        assert 0.6 < lying - standing < 0.8
        assert (ys[i - 1], ys[i]) == (pytest.approx(lying, abs=0.005), pytest.approx(standing, abs=0.005)), z


def test_a_young_child_sees_a_year_and_an_older_one_three_months_past_the_latest_weighing(client, world, make_child):
    child = make_child(sex="M", birth_date=(date.today() - timedelta(days=100)).isoformat())
    weigh(client, world, child, 100, weight_kg=6.0)
    assert chart(client, world, child)["curves"]["wfa"]["x_values"][-1] == 12
    older = make_child(sex="M", birth_date=(date.today() - timedelta(days=400)).isoformat())
    weigh(client, world, older, 400, weight_kg=9.6)  # 13.14 months → axis to 14 + 3
    assert older and chart(client, world, older)["curves"]["wfa"]["x_values"][-1] == 17


def test_the_birth_weight_and_length_are_the_charts_point_at_month_0(client, world, make_child):
    """The Buku KIA's KMS begins with the birth weight: the phone plots it (chart.birthPoint), the
    endpoint did not, so the dashboard's and the parent's printout's charts started at the first weighing."""
    born = (date.today() - timedelta(days=40)).isoformat()
    child = make_child(sex="F", birth_date=born, birth_weight_kg=3.1, birth_length_cm=49.5)
    weigh(client, world, child, 30, weight_kg=4.2, length_height_cm=53.5)
    data = chart(client, world, child)
    birth = data["birth_point"]
    assert {k: birth[k] for k in ("measured_on", "age_days", "age_months", "weight_kg", "length_height_cm", "position", "birth")} == {
        "measured_on": born, "age_days": 0, "age_months": 0.0, "weight_kg": 3.1, "length_height_cm": 49.5,
        "position": "lying", "birth": True}
    # its z-scores as the calculator gives them for the same girl at day 0
    calc = client.post("/api/v1/growth/calculate", json={"measurements": [
        {"sex": "F", "age_days": 0, "weight_kg": 3.1, "length_height_cm": 49.5, "position": "lying"}]}).get_json()["results"][0]
    assert birth["zscores"] == calc["zscores"] and birth["status"] == calc["status"]
    assert birth["plot"]["wfa"] == {"x": 0, "y": 3.1, "unjudged": False}
    assert birth["plot"]["lhfa"] == {"x": 0, "y": 49.5, "unjudged": False}
    assert birth["plot"]["wfl"] == {"x": 49.5, "y": 3.1, "unjudged": False}
    assert len(data["points"]) == 1 and data["points"][0]["weight_kg"] == 4.2  # the measurements as before
    # a weight only: on weight-for-age alone
    no_length = make_child(sex="F", birth_date=born, birth_weight_kg=3.1)
    only = chart(client, world, no_length)["birth_point"]
    assert only["length_height_cm"] is None and only["position"] is None
    assert only["plot"] == {"wfa": {"x": 0, "y": 3.1, "unjudged": False}, "lhfa": None, "wfl": None}
    # weighed on the day of birth: that weighing is the point at month 0, not the birth record twice
    weigh(client, world, child, 0, weight_kg=3.0, length_height_cm=49.0)
    assert chart(client, world, child)["birth_point"] is None
    assert chart(client, world, make_child(sex="M", birth_date=born))["birth_point"] is None


def test_each_point_says_where_the_kms_draws_it(client, world, make_child):
    """A length measured lying from 2 years is read 0.7 cm shorter (WHO), as the phone draws it;
    a weight with oedema is drawn hollow (not judged), a weighing under 731 days on weight-for-length only."""
    child = make_child(sex="M", birth_date=(date.today() - timedelta(days=800)).isoformat())
    weigh(client, world, child, 700, weight_kg=11.0, length_height_cm=84.0)
    weigh(client, world, child, 790, weight_kg=11.4, length_height_cm=87.0, position="lying", oedema=True)
    early, late = chart(client, world, child)["points"]
    assert early["plot"]["wfl"] == {"x": 84.0, "y": 11.0, "unjudged": False} and early["plot"]["wfh"] is None
    assert early["plot"]["wfa"] == {"x": 700 / 30.4375, "y": 11.0, "unjudged": False}
    assert late["oedema"] is True and late["plot"]["wfl"] is None
    assert late["plot"]["wfh"] == {"x": 87.0 - 0.7, "y": 11.4, "unjudged": True}
    assert late["plot"]["lhfa"] == {"x": 790 / 30.4375, "y": 87.0 - 0.7, "unjudged": False}
    assert late["plot"]["wfa"]["unjudged"] is True


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_endpoint_gives_the_curves_and_points_the_phone_draws_for_the_same_child(client, world, make_child, tmp_path):
    """Parity with static/pwa/js/chart.js: the phone's chartData and chartPoints on the child and
    measurements it pulled give the same curves, and each point is plotted at the same x and y."""
    child = make_child(sex="F", birth_date=(date.today() - timedelta(days=1000)).isoformat(),
                       birth_weight_kg=2.9, birth_length_cm=48.0)
    for day, values in ((30, {"weight_kg": 4.0, "length_height_cm": 53.2}),
                        (200, {"weight_kg": 7.1, "length_height_cm": 66.0, "position": "standing"}),
                        (400, {"weight_kg": 8.6}), (730, {"weight_kg": 10.4, "length_height_cm": 83.1, "oedema": True}),
                        (731, {"weight_kg": 10.5, "length_height_cm": 83.4, "position": "lying"}),
                        (1000, {"weight_kg": 12.2, "length_height_cm": 90.3})):
        weigh(client, world, child, day, **values)
    server = chart(client, world, child)
    stored = client.get(f"/api/v1/children/{child['id']}", headers=world.headers("kader1")).get_json()
    measurements = client.get(f"/api/v1/children/{child['id']}/measurements", headers=world.headers("kader1")).get_json()
    measurements = measurements.get("items", measurements) if isinstance(measurements, dict) else measurements
    (tmp_path / "in.json").write_text(json.dumps({"child": stored, "measurements": measurements}))
    script = (
        "import { readFileSync } from 'node:fs';\n"
        f"const {{ chartData, chartPoints, placed }} = await import('{(ROOT / 'static/pwa/js/chart.js').as_uri()}');\n"
        f"const dir = '{ROOT / 'static/pwa/data/who'}';\n"
        "const tables = Object.fromEntries(['wfa','lhfa','wfl','wfh','bfa','hcfa','acfa'].map((n) => [n, JSON.parse(readFileSync(`${dir}/${n}.json`))]));\n"
        f"const {{ child, measurements }} = JSON.parse(readFileSync('{tmp_path / 'in.json'}'));\n"
        "const data = chartData(child, chartPoints(child, measurements, tables), tables);\n"
        "const plots = data.points.map((p) => ({ birth: p.birth === true, measured_on: p.measured_on,\n"
        "  plot: Object.fromEntries(Object.keys(data.curves).map((ind) => [ind, placed(data, ind, p)])) }));\n"
        "process.stdout.write(JSON.stringify({ curves: data.curves, plots }));\n"
    )
    (tmp_path / "run.mjs").write_text(script)
    done = subprocess.run(["node", str(tmp_path / "run.mjs")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    phone = json.loads(done.stdout)
    assert set(server["curves"]) == set(phone["curves"]) == {"wfa", "lhfa", "wfl", "wfh"}
    for name, curve in phone["curves"].items():
        assert server["curves"][name]["x"] == curve["x"]
        assert server["curves"][name]["x_values"] == curve["x_values"], name
        assert server["curves"][name]["sd"] == curve["sd"], name
    points = [server["birth_point"], *server["points"]]
    assert [(p.get("birth", False), p["measured_on"], p["plot"]) for p in points] == \
        [(p["birth"], p["measured_on"], p["plot"]) for p in phone["plots"]]


def test_a_small_newborns_birth_point_is_not_drawn_as_oedema_or_a_mistake_on_weight_for_length(client, world, make_child):
    """1.96 kg at 49.6 cm is -5.9 weight for length, flagged implausible (WHO's -5), so her birth point was
    drawn hollow on that chart, its legend "kaki bengkak atau salah catat" to her mother: a newborn is
    judged by weight and length for age, her weight for length is no sign (README). Her weight for age
    stays judged (and so hollow when it is itself implausible)."""
    born = (date.today() - timedelta(days=40)).isoformat()
    child = make_child(sex="M", birth_date=born, birth_weight_kg=1.96, birth_length_cm=49.6)
    birth = chart(client, world, child)["birth_point"]
    assert birth["flags"]["wfl"] is True, birth  # implausible by WHO's rule, as the calculator says
    assert birth["plot"]["wfl"] == {"x": 49.6, "y": 1.96, "unjudged": False}
    assert birth["plot"]["wfa"]["unjudged"] is False
    tiny = make_child(sex="M", birth_date=born, birth_weight_kg=0.6, birth_length_cm=49.6)  # wfa below -6: a mistake
    tiny_birth = chart(client, world, tiny)["birth_point"]
    assert tiny_birth["flags"]["wfa"] is True and tiny_birth["plot"]["wfa"]["unjudged"] is True, tiny_birth


def test_a_child_first_weighed_past_two_keeps_the_weight_for_length_chart_of_her_birth(client, world, make_child):
    """The phone draws the birth (under 731 days, with a length) on weight-for-length beside the
    weight-for-height chart of a child first weighed after two; the endpoint must give both."""
    child = make_child(sex="M", birth_date=(date.today() - timedelta(days=800)).isoformat(),
                       birth_weight_kg=3.3, birth_length_cm=50.0)
    weigh(client, world, child, 800, weight_kg=12.0, length_height_cm=88.0)
    data = chart(client, world, child)
    assert set(data["curves"]) == {"wfa", "lhfa", "wfl", "wfh"}
    assert data["birth_point"]["plot"]["wfl"] == {"x": 50.0, "y": 3.3, "unjudged": False}
    assert data["birth_point"]["plot"]["wfh"] is None
    assert data["points"][0]["plot"]["wfh"] == {"x": 88.0, "y": 12.0, "unjudged": False}


def test_a_measurement_past_five_years_is_drawn_on_no_chart_weight_for_height_included(client, world, make_child):
    """WHO's weight-for-height is a standard for children under 5, judged to day 1856 as the age charts
    end there: a 5-year-old's 112 cm was placed on it (a filled point in the green band, never judged)."""
    child = make_child(sex="F", birth_date=(date.today() - timedelta(days=2000)).isoformat())
    weigh(client, world, child, 1700, weight_kg=17.0, length_height_cm=105.0)
    weigh(client, world, child, 1856, weight_kg=18.0, length_height_cm=108.0)
    weigh(client, world, child, 2000, weight_kg=19.0, length_height_cm=112.0)
    plots = [p["plot"] for p in chart(client, world, child)["points"]]
    assert [p["wfh"] for p in plots] == [{"x": 105.0, "y": 17.0, "unjudged": False},
                                         {"x": 108.0, "y": 18.0, "unjudged": False}, None]
    assert plots[2] == {"wfa": None, "lhfa": None, "wfh": None}
