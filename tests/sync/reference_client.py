"""A reference sync client (sync-notes §1.6, the rules of static/pwa/js/outbox.js)
over a faulty transport, for the fault-injection test. It keeps what a phone
keeps: pulled records, a local overlay, an outbox of mutations, and the
conflicts and rejections shown to the cadre.

Rules it follows, as the PWA does:
- a save writes the overlay and the outbox entry together; ``base_version`` is
  the server version the phone last saw (None for a record it created);
- a push is retried with the same body (same mutation ids) until answered;
- ``applied`` settles the record, ``conflict`` goes to the conflict screen and
  keeps the overlay, ``rejected`` waits for the cadre ("perlu perhatian"),
  never dropped on its own;
- a pulled change is applied only if its version is not older than the copy's,
  and never over unsent local changes (only the server side moves: a rebase);
- the cursor is stored with its page, so a lost page is pulled again.
"""
from __future__ import annotations

import random
import uuid
from typing import Any

PUSH_FAULTS = ("none", "drop_request", "drop_response", "duplicate")
PULL_FAULTS = ("none", "drop_first_page", "drop_later_page")


class Offline(Exception):
    """The request or its response was lost."""


EVENTS = ("measurement", "immunisation", "supplement")


def _new() -> dict[str, Any]:
    return {"server": None, "version": None, "local": None}


class Device:
    def __init__(self, name: str, username: str, http: Any, headers: dict[str, str],
                 rng: random.Random | None = None) -> None:
        self.name, self.username = name, username
        self.http, self.headers = http, headers
        self.rng = rng or random.Random()   # ids from a seeded generator make a run repeatable
        self.client_id = f"{name}-{self.new_id()}"
        self.records: dict[tuple[str, str], dict[str, Any]] = {}   # (entity, id) -> server copy + overlay
        self.outbox: list[dict[str, Any]] = []
        self.conflicts: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}   # mutation_id -> (entry, result)
        self.rejected: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
        self.made: dict[str, dict[str, Any]] = {}                   # every entry this device created, in order
        self.reported: set[str] = set()                             # conflicts/rejections the cadre was shown
        self.cursor: str | None = None
        self.left: set[str] = set()                                 # children that left its area
        self.sent_bodies: list[dict[str, Any]] = []

    def new_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    # --- the cadre's actions (one IndexedDB transaction each: overlay + outbox) ---

    def view(self, entity: str, record_id: str) -> dict[str, Any] | None:
        rec = self.records.get((entity, record_id))
        return None if rec is None else (rec["local"] or rec["server"])

    def save(self, entity: str, record_id: str, data: dict[str, Any], op: str = "upsert") -> str:
        rec = self.records.setdefault((entity, record_id), _new())
        shown = rec["local"] or rec["server"] or {}
        entry = {"mutation_id": self.new_id(), "entity": entity, "op": op, "id": record_id,
                 "base_version": rec["version"], "data": data}
        self.outbox.append(entry)
        # what the cadre changed on screen (a value already shown is no change)
        self.made[entry["mutation_id"]] = {**entry, "changed": {k for k, v in data.items() if shown.get(k) != v}}
        rec["local"] = {**shown, "deleted": True} if op == "delete" else {**shown, **data}
        return entry["mutation_id"]

    def visible(self, entity: str) -> list[str]:
        """Ids the cadre can pick on screen (not deleted, locally or on the server)."""
        out = []
        for (ent, rid), rec in self.records.items():
            view = rec["local"] or rec["server"]
            if ent == entity and view and not view.get("deleted") and not view.get("deleted_at"):
                out.append(rid)
        return sorted(out)

    def resolve(self, keep_mine: bool) -> None:
        """The conflict screen: keep my change (a new mutation on the server's version) or take theirs."""
        for mid, (entry, result) in sorted(self.conflicts.items()):
            key = (entry["entity"], entry["id"])
            rec = self.records.setdefault(key, _new())
            if rec["version"] is None or result["version"] >= rec["version"]:
                rec["server"], rec["version"] = result["record"], result["version"]
            base = result["version"]
            del self.conflicts[mid]
            if keep_mine and not (result["record"] or {}).get("deleted_at"):
                mine = self.save(entry["entity"], entry["id"], entry["data"], entry["op"])
                theirs = result["record"] or {}
                self.outbox[-1]["base_version"] = self.made[mine]["base_version"] = base
                self.made[mine]["changed"] = {k for k, v in entry["data"].items() if theirs.get(k) != v}
            self._settle(key)

    def discard_rejected(self) -> None:
        """The cadre drops the changes the server refused (after reading why)."""
        keys = {(e["entity"], e["id"]) for e, _ in self.rejected.values()}
        self.rejected.clear()
        for key in keys:
            self._settle(key)

    # --- sync ---------------------------------------------------------------------

    def _pending(self, key: tuple[str, str]) -> bool:
        return any((e["entity"], e["id"]) == key for e in self.outbox) or \
            any((e["entity"], e["id"]) == key for e, _ in (*self.conflicts.values(), *self.rejected.values()))

    def _settle(self, key: tuple[str, str]) -> None:
        """No unsent change left on the record: show the server copy (or nothing)."""
        rec = self.records.get(key)
        if rec is None or self._pending(key):
            return
        rec["local"] = None
        if rec["server"] is None or rec["server"].get("deleted_at"):
            del self.records[key]

    def _post(self, body: dict[str, Any], fault: str) -> list[dict[str, Any]]:
        if fault == "drop_request":
            raise Offline
        self.sent_bodies.append(body)             # it reached the server
        resp = self.http.post("/api/v1/sync/push", json=body, headers=self.headers)
        if fault == "duplicate":
            resp = self.http.post("/api/v1/sync/push", json=body, headers=self.headers)
        assert resp.status_code == 200, resp.get_json()
        if fault == "drop_response":
            raise Offline
        return resp.get_json()["results"]

    def push(self, fault: str = "none", limit: int = 500) -> None:
        batch = self.outbox[:limit]
        if not batch:
            return
        body = {"client_id": self.client_id, "mutations": [dict(e) for e in batch]}
        results = self._post(body, fault)   # Offline: the entries stay queued with the same ids
        assert [r["mutation_id"] for r in results] == [e["mutation_id"] for e in batch]
        for entry, result in zip(batch, results):
            self.outbox.remove(entry)
            key = (entry["entity"], entry["id"])
            if result["status"] in ("conflict", "rejected"):
                (self.conflicts if result["status"] == "conflict" else self.rejected)[entry["mutation_id"]] = \
                    (entry, result)
                self.reported.add(entry["mutation_id"])
            else:
                assert result["status"] == "applied", result
            record = result["record"]
            if record is not None:
                rec = self.records.setdefault((entry["entity"], record["id"]), _new())
                if rec["version"] is None or result["version"] >= rec["version"]:
                    rec["server"], rec["version"] = record, result["version"]
            self._settle(key)

    def pull(self, fault: str = "none", limit: int = 50) -> None:
        page_no = 0
        while True:
            # naming the phone, as the PWA does (sync.js pullAll): the server knows it held what it pulled
            query = {"limit": limit, "client_id": self.client_id, **({"cursor": self.cursor} if self.cursor else {})}
            resp = self.http.get("/api/v1/sync/pull", query_string=query, headers=self.headers)
            assert resp.status_code == 200, resp.get_json()
            page = resp.get_json()
            if (fault == "drop_first_page" and page_no == 0) or (fault == "drop_later_page" and page_no == 1):
                raise Offline
            page_no += 1
            if page["reset"]:
                self.records = {k: r for k, r in self.records.items() if self._pending(k)}
            for change in page["changes"]:
                self._apply(change)
            self.cursor = page["cursor"]          # stored with the page, in the same transaction
            if not page["has_more"]:
                self._drop_orphans()
                return

    def _drop_orphans(self) -> None:
        """Settled events of a child the phone no longer holds go with her (incoming.js,
        ``dropSettledEvents``): one recorded before the child moved away and sent after is kept by
        the server at her new posyandu and never named to this phone again."""
        held = {record_id for (entity, record_id) in self.records if entity == "child"}
        gone = self.left - held
        for key, rec in list(self.records.items()):
            shown = rec["server"] or rec["local"] or {}
            if key[0] in EVENTS and shown.get("child_id") in gone and not self._pending(key):
                del self.records[key]

    def _apply(self, change: dict[str, Any]) -> None:
        key = (change["entity"], change["id"])
        rec = self.records.get(key)
        if rec is not None and rec["version"] is not None and change["version"] < rec["version"]:
            return                                 # older than what the phone holds
        if key[0] == "child" and change["op"] == "delete" and change.get("reason") == "out_of_scope":
            self.left.add(key[1])
        if self._pending(key):
            rec = self.records.setdefault(key, _new())
            rec["server"], rec["version"] = change["record"], change["version"]   # the overlay stays
        elif change["op"] == "delete":
            self.records.pop(key, None)
        else:
            self.records[key] = {"server": change["record"], "version": change["version"], "local": None}

    def sync(self, push_fault: str = "none", pull_fault: str = "none", page: int = 50) -> None:
        try:
            self.push(push_fault)
            self.pull(pull_fault, limit=page)
        except Offline:
            pass

    def state(self) -> dict[tuple[str, str], int]:
        """What the phone shows as synced: record -> version."""
        return {k: r["version"] for k, r in self.records.items()
                if r["server"] is not None and not r["server"].get("deleted_at")}
