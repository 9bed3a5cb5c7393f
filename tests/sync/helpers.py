"""Building blocks for sync tests: mutations and a pull-everything helper."""
from __future__ import annotations

import base64
import json
import uuid
from datetime import date, datetime, timedelta, timezone
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


PHONE_AGE = timedelta(days=200)


def old_phone_push(client, headers: dict[str, str], mutations: list[dict[str, Any]], client_id: str | None = None):
    """``push`` from the caller's own phone, which the server has known as hers since long before any move a
    test makes (``PHONE_AGE``): a record she made there before she or the child left may still be sent
    (``sync.push._held_then``: a phone first seen since never held it). Needs an app context (``db``)."""
    from sqlalchemy import select

    from posyandu.extensions import db
    from posyandu.sync.models import SyncClient

    token = headers["Authorization"].split()[1]
    user_id = uuid.UUID(json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))["sub"])
    client_id = client_id or f"phone-{user_id.hex[:12]}"
    if db.session.scalar(select(SyncClient.client_id).where(SyncClient.client_id == client_id)) is None:
        then = datetime.now(timezone.utc) - PHONE_AGE
        db.session.add(SyncClient(client_id=client_id, user_id=user_id, first_seen=then, last_seen_at=then))
        db.session.commit()
    return push(client, headers, mutations, client_id)
