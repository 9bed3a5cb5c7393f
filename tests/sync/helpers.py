"""Building blocks for sync tests: mutations and a pull-everything helper."""
from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any


def new_id() -> str:
    return str(uuid.uuid4())


def mutation(entity: str, record_id: str, data: dict[str, Any] | None = None, *, op: str = "upsert",
             base_version: int | None = None, mutation_id: str | None = None) -> dict[str, Any]:
    return {"mutation_id": mutation_id or new_id(), "entity": entity, "op": op, "id": record_id,
            "base_version": base_version, "data": data or {}}


def child_data(posyandu_id: Any, **overrides: Any) -> dict[str, Any]:
    return {"posyandu_id": str(posyandu_id), "name": "Siti Aminah", "sex": "F",
            "birth_date": (date.today() - timedelta(days=300)).isoformat(), **overrides}


def measurement_data(child_id: str, **overrides: Any) -> dict[str, Any]:
    return {"child_id": child_id, "measured_on": date.today().isoformat(), "weight_kg": 8.1,
            "length_height_cm": 70.5, "position": "lying", **overrides}


def push(client, headers: dict[str, str], mutations: list[dict[str, Any]], client_id: str = "device-1"):
    resp = client.post("/api/v1/sync/push", json={"client_id": client_id, "mutations": mutations}, headers=headers)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["results"]


def pull_all(client, headers: dict[str, str], cursor: str | None = None, limit: int = 500):
    """Follow has_more to the end: (changes, final cursor, reset seen on the first page)."""
    changes: list[dict[str, Any]] = []
    first_reset = None
    while True:
        query = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        resp = client.get("/api/v1/sync/pull", query_string=query, headers=headers)
        assert resp.status_code == 200, resp.get_json()
        page = resp.get_json()
        first_reset = page["reset"] if first_reset is None else first_reset
        changes += page["changes"]
        cursor = page["cursor"]
        if not page["has_more"]:
            return changes, cursor, first_reset
