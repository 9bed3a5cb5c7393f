"""Every report and export follows the caller's area; wrong roles are 403, bad arguments 422."""
from __future__ import annotations

import uuid

import pytest

MONTH = "2025-08"
ENDPOINTS = ["reports/skdn", "reports/f1", "reports/prevalence", "reports/coverage", "reports/actions",
             "reports/actions/counts", "reports/workbook", "exports/fhir"]


@pytest.fixture
def three(client, world, make_child):
    """One child weighed in August 2025 in each posyandu: p1 Melati and p2 Mawar (Gresik, PKM A), p3 Kenanga (Bangkalan)."""
    kids = {}
    for p, kader in (("p1", "kader1"), ("p2", "kader2"), ("p3", "kader3")):
        kids[p] = make_child(by=kader, posyandu=p, name=f"Anak {p}", birth_date="2024-01-10")
        resp = client.post(f"/api/v1/children/{kids[p]['id']}/measurements", headers=world.headers(kader),
                           json={"id": str(uuid.uuid4()), "measured_on": "2025-08-05", "weight_kg": 6.0})
        assert resp.status_code == 201
    return kids


VISIBLE = {"kader1": {"p1"}, "kader2": {"p2"}, "bidan_a": {"p1", "p2"}, "bidan_b": {"p3"},
           "dinkes_gresik": {"p1", "p2"}, "dinkes_bangkalan": {"p3"}, "admin": {"p1", "p2", "p3"}}


@pytest.mark.parametrize("who", VISIBLE)
def test_each_report_shows_only_the_callers_area(client, world, three, who):
    headers = world.headers(who)
    expected_areas = {str(world.ids[p]) for p in VISIBLE[who]}
    for report in ("skdn", "f1", "prevalence", "coverage"):
        rows = client.get(f"/api/v1/reports/{report}?month={MONTH}", headers=headers).get_json()["rows"]
        assert {r["area"] for r in rows} == expected_areas, report
    # wfa of 6.0 kg at 19 months is below −3 SD: every child is on the action list (BGM).
    actions = client.get(f"/api/v1/reports/actions?month={MONTH}&reason=BGM", headers=headers).get_json()["items"]
    assert {r["name"] for r in actions} == {f"Anak {p}" for p in VISIBLE[who]}
    counted = client.get(f"/api/v1/reports/actions/counts?month={MONTH}", headers=headers).get_json()
    assert counted["reasons"]["BGM"] == len(VISIBLE[who]), counted
    bundle = client.get(f"/api/v1/exports/fhir?month={MONTH}", headers=headers).get_json()
    patients = {e["resource"]["id"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"}
    assert patients == {three[p]["id"] for p in VISIBLE[who]}


def test_a_region_narrows_and_a_posyandu_outside_the_area_is_404(client, world, three):
    assert client.post("/api/v1/regions", json={"code": "35.25.02", "name": "Driyorejo"},
                       headers=world.headers("admin")).status_code == 201  # a kecamatan with no posyandu yet
    rows = client.get(f"/api/v1/reports/skdn?month={MONTH}&region_code=35.25.01.2002",
                      headers=world.headers("dinkes_gresik")).get_json()["rows"]
    assert [r["area"] for r in rows] == [str(world.ids["p2"])]
    for endpoint in ENDPOINTS:
        resp = client.get(f"/api/v1/{endpoint}?month={MONTH}&posyandu_id={world.ids['p2']}", headers=world.headers("kader1"))
        assert resp.status_code == 404 and resp.mimetype == "application/problem+json", endpoint
        # another district's region: answered its empty table, under a file named for that district, as
        # if it had reported nothing; a region of her own holding no posyandu yet is still her empty table;
        # a code that is no region (mistyped), not found, as if its posyandu had reported nothing
        for who, region, status in (("dinkes_gresik", "35.26", 404), ("bidan_a", "35.26", 404),
                                    ("kader1", "35.25.01.2002", 404), ("bidan_a", "35.25.01.2002", 200),
                                    ("dinkes_gresik", "35.25.02", 200), ("dinkes_gresik", "35.25.09", 404),
                                    ("dinkes_gresik", "35", 200), ("admin", "35.26", 200), ("admin", "35.99", 404)):
            for fmt in ("", "&format=csv") if endpoint.startswith("reports/") and "counts" not in endpoint \
                    and "workbook" not in endpoint else ("",):
                resp = client.get(f"/api/v1/{endpoint}?month={MONTH}&region_code={region}{fmt}", headers=world.headers(who))
                assert resp.status_code == status, (endpoint, who, region, fmt, resp.data[:200])


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_parents_may_not_read_reports_and_strangers_must_log_in(client, world, endpoint):
    assert client.get(f"/api/v1/{endpoint}?month={MONTH}", headers=world.headers("parent1")).status_code == 403
    assert client.get(f"/api/v1/{endpoint}?month={MONTH}").status_code == 401


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("query, field", [
    ("", "month"), ("month=2025-13", "month"), ("month=Agustus", "month"), ("from=2025-08&to=2025-01", "to"),
    ("from=2020-01&to=2025-01", "to"), ("month=2025-08&from=2025-08", "month"), ("month=2025-08&posyandu_id=12", "posyandu_id"),
    ("month=2025-08&region_code=jatim", "region_code"),
    ("month=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%95-08", "month"), ("month=2025-08%0A", "month")])  # full-width, newline
def test_bad_arguments_are_422_with_the_field_named(client, world, endpoint, query, field):
    resp = client.get(f"/api/v1/{endpoint}?{query}", headers=world.headers("bidan_a"))
    assert resp.status_code == 422 and field in resp.get_json()["errors"], resp.get_json()


@pytest.mark.parametrize("query, field", [("month=2025-08&level=provinsi", "level"), ("month=2025-08&format=pdf", "format")])
def test_bad_level_or_format_is_422(client, world, query, field):
    resp = client.get(f"/api/v1/reports/skdn?{query}", headers=world.headers("bidan_a"))
    assert resp.status_code == 422 and field in resp.get_json()["errors"]


def test_an_unknown_action_reason_is_422(client, world):
    resp = client.get("/api/v1/reports/actions?month=2025-08&reason=kurus", headers=world.headers("bidan_a"))
    assert resp.status_code == 422 and "reason" in resp.get_json()["errors"]


def test_an_empty_area_gives_empty_reports_and_a_bundle_without_entries(client, world):
    from fhir.resources.R4B.bundle import Bundle

    # Kenanga, without children, is listed with nothing measured; an area without posyandu has no row
    rows = client.get(f"/api/v1/reports/prevalence?month={MONTH}", headers=world.headers("kader3")).get_json()["rows"]
    assert len(rows) == 8 and {(r["area_name"], r["measured"], r["stunting_pct"]) for r in rows} == {("Kenanga", 0, None)}
    assert client.post("/api/v1/regions", json={"code": "35.25.02", "name": "Driyorejo"},
                       headers=world.headers("admin")).status_code == 201
    assert client.get(f"/api/v1/reports/prevalence?month={MONTH}&region_code=35.25.02",
                      headers=world.headers("admin")).get_json()["rows"] == []
    resp = client.get(f"/api/v1/exports/fhir?month={MONTH}&region_code=35.25.02", headers=world.headers("admin"))
    assert Bundle.model_validate_json(resp.data).entry is None


def test_an_area_the_report_covers_only_part_of_is_named_so(client, world, three):
    """A rolled-up row named for the whole district when the report covered one desa of it: pasted
    beside the district's own report, its share read as the district's total."""
    headers = world.headers("dinkes_gresik", "id")

    def names(query):
        rows = client.get(f"/api/v1/reports/skdn?month={MONTH}&{query}", headers=headers).get_json()["rows"]
        return [(r["area_name"], r["S"]) for r in rows]
    desa = "region_code=35.25.01.2002"  # Mawar's desa: Melati's is the other desa of the kecamatan
    assert names(f"{desa}&level=kabupaten") == [("Gresik (sebagian)", 1)]
    assert names(f"{desa}&level=kecamatan") == [("Wringinanom (sebagian)", 1)]
    assert names(f"{desa}&level=desa") == [("Sooko", 1)]   # the whole desa
    assert names("level=kabupaten") == [("Gresik", 2)]   # the whole district: its own name
    for report in ("f1", "prevalence", "coverage"):
        rows = client.get(f"/api/v1/reports/{report}?month={MONTH}&{desa}&level=kabupaten", headers=headers).get_json()["rows"]
        assert rows and {r["area_name"] for r in rows} == {"Gresik (sebagian)"}, report
    csv_text = client.get(f"/api/v1/reports/skdn?month={MONTH}&{desa}&level=kabupaten&format=csv",
                          headers=headers).data.decode("utf-8-sig")
    assert ",Gresik (sebagian)," in csv_text

    # asked in English, the JSON says so in English (the reports screen shows it as it comes); a
    # download keeps its Indonesian, with its headers
    english = world.headers("dinkes_gresik", "en")
    for report in ("skdn", "f1", "prevalence", "coverage"):
        rows = client.get(f"/api/v1/reports/{report}?month={MONTH}&{desa}&level=kabupaten", headers=english).get_json()["rows"]
        assert rows and {r["area_name"] for r in rows} == {"Gresik (partial)"}, report
    csv_text = client.get(f"/api/v1/reports/skdn?month={MONTH}&{desa}&level=kabupaten&format=csv",
                          headers=english).data.decode("utf-8-sig")
    assert ",Gresik (sebagian)," in csv_text


def test_the_document_gives_every_reports_month_its_format_as_the_server_reads_it(client, world):
    """Before, ``month``, ``from`` and ``to`` were documented as any string ("YYYY-MM" in prose only): a
    client generated from the document sent ``2025-8`` and learnt the format from the 422."""
    import re

    spec = client.get("/api/v1/openapi.json").get_json()
    periods = {path: {p["name"]: p["schema"] for p in spec["paths"][path]["get"]["parameters"]
                      if p["name"] in ("month", "from", "to")} for path in (f"/api/v1/{e}" for e in ENDPOINTS)}
    assert all(set(params) == {"month", "from", "to"} for params in periods.values()), periods
    patterns = {schema.get("pattern") for params in periods.values() for schema in params.values()}
    [pattern] = patterns
    assert pattern, periods
    for month, status in (("2025-08", 200), ("2025-8", 422), ("2025-13", 422), ("2025-00", 422), ("08-2025", 422),
                          ("2025-08-01", 422), ("Agustus", 422)):
        resp = client.get(f"/api/v1/reports/skdn?month={month}", headers=world.headers("bidan_a"))
        assert resp.status_code == status, (month, resp.get_json())
        assert bool(re.search(pattern, month, re.ASCII)) == (status == 200), (pattern, month)
