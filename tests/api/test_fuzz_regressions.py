"""Bugs schemathesis found (#8), each pinned by a focused test on both databases."""
from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta, timezone


def _instant(text: str) -> datetime:
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert parsed.utcoffset() == timedelta(0), text  # never a naive (offset-less) timestamp
    return parsed


def test_timestamps_read_back_are_utc_instants_with_an_offset(client, world, make_child):
    child = make_child()
    again = client.get(f"/api/v1/children/{child['id']}", headers=world.headers("kader1")).get_json()
    listed = client.get("/api/v1/children", headers=world.headers("kader1")).get_json()["items"][0]
    for record in (child, again, listed):
        _instant(record["created_at"]), _instant(record["updated_at"])


def test_a_device_time_with_an_offset_is_kept_as_the_same_instant(client, world, make_child):
    child = make_child()
    body = {"id": str(uuid.uuid4()), "measured_on": date.today().isoformat(), "weight_kg": 9.0,
            "recorded_at": "2025-01-02T10:00:00+07:00"}
    made = client.post(f"/api/v1/children/{child['id']}/measurements", json=body, headers=world.headers("kader1"))
    assert made.status_code == 201, made.get_json()
    read = client.get(f"/api/v1/measurements/{body['id']}", headers=world.headers("kader1")).get_json()
    assert _instant(read["recorded_at"]) == datetime(2025, 1, 2, 3, 0, tzinfo=timezone.utc)


def test_fields_answered_as_null_are_documented_as_nullable(client, world):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    headers = world.headers("admin")
    regions = client.get("/api/v1/regions?limit=500", headers=headers).get_json()["items"]
    assert any(r["parent_code"] is None for r in regions)  # a province
    assert schemas["Region"]["properties"]["parent_code"]["nullable"] is True
    kbm = client.get("/api/v1/growth/kbm", headers=headers).get_json()
    assert kbm["created_at"] is None  # the built-in table
    assert schemas["Kbm"]["properties"]["created_at"]["nullable"] is True


def test_a_schedule_version_id_beyond_the_integer_column_is_404_not_a_500(client, world):
    """The ids are 32-bit integers; a longer number used to reach the database and crash."""
    huge = 43036311606164059062272
    headers = world.headers("admin")
    assert client.get(f"/api/v1/immunisation/schedule/versions/{huge}", headers=headers).status_code == 404
    for action in ("activate", "deactivate"):
        resp = client.post(f"/api/v1/immunisation/schedule/versions/{huge}/{action}", headers=headers)
        assert resp.status_code == 404 and resp.content_type == "application/problem+json"
    spec = client.get("/api/v1/openapi.json").get_json()
    param = spec["paths"]["/api/v1/immunisation/schedule/versions/{version_id}"]["parameters"][0]
    assert param["schema"]["maximum"] == 2147483647


def test_timestamps_are_answered_in_utc_with_z_as_the_contract_writes_them(client, world, make_child):
    """api-contract.md: "timestamps ISO 8601 UTC with Z" (they were answered with "+00:00"), in the
    REST answers and the records a pull carries alike; always to the microsecond, so two of them
    order as text as they do in time."""
    child = make_child()
    body = {"id": str(uuid.uuid4()), "measured_on": date.today().isoformat(), "weight_kg": 9.0,
            "recorded_at": "2025-01-02T10:00:00+07:00"}
    made = client.post(f"/api/v1/children/{child['id']}/measurements", json=body, headers=world.headers("kader1"))
    assert made.get_json()["recorded_at"] == "2025-01-02T03:00:00.000000Z"
    pulled = client.get("/api/v1/sync/pull", headers=world.headers("kader1")).get_json()["changes"]
    records = [c["record"] for c in pulled if c["entity"] in ("child", "measurement")]
    for record in [child, made.get_json(), *records]:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", record["created_at"]), record["created_at"]
        _instant(record["created_at"])


def test_a_fraction_where_a_whole_number_belongs_is_refused_not_cut_down(client, world):
    """A meeting day of 7.9 was stored as the 7th, and a KBM of 800.9 g published as 800 (a new table,
    every growth result recomputed): a fraction there is a typing mistake, refused on its field."""
    headers = world.headers("admin", "en")
    body = {"name": "Teratai", "desa_code": "35.25.01.2001", "puskesmas_id": str(world.ids["pkm_a"]), "meeting_day": 7.9}
    made = client.post("/api/v1/posyandu", json=body, headers=headers)
    assert made.status_code == 422 and list(made.get_json()["errors"]) == ["meeting_day"], made.get_json()
    moved = client.patch(f"/api/v1/posyandu/{world.ids['p1']}", json={"meeting_day": 1.5}, headers=headers)
    assert moved.status_code == 422 and list(moved.get_json()["errors"]) == ["meeting_day"], moved.get_json()
    assert client.get(f"/api/v1/posyandu/{world.ids['p1']}", headers=headers).get_json()["meeting_day"] == 5
    kbm = client.post("/api/v1/growth/kbm", json={"grams_by_month": {"1": 800.9, "2": 900}, "source": "uji pecahan"},
                      headers=headers)
    assert kbm.status_code == 422 and kbm.get_json()["errors"] == {"grams_by_month": {"1": {"value": ["not a valid integer"]}}}, kbm.get_json()
    assert client.get("/api/v1/growth/kbm", headers=headers).get_json()["version"] == 0
    # a whole number written as one is taken
    ok = client.post("/api/v1/posyandu", json={**body, "meeting_day": 7}, headers=headers)
    assert ok.status_code == 201 and ok.get_json()["meeting_day"] == 7
