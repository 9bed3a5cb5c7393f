"""Three-way field merge of an offline edit (sync-notes §1.3, §1.7). Pure: JSON values in, decisions out."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Merge:
    apply: dict[str, Any]   # fields to set on the server record (client's new values)
    conflicts: list[str]    # fields both sides changed to different values


def three_way(base: dict[str, Any], current: dict[str, Any], incoming: dict[str, Any]) -> Merge:
    """Merge ``incoming`` (the fields a client sent) into ``current`` (the server
    record now), both descended from ``base`` (the version the client last saw).

    A field counts as changed by the client only if it differs from ``base``, so
    a client that sends the whole record does not undo server changes it never
    saw. A field changed on both sides is a conflict unless both chose the same
    value. Nothing is ever decided by clocks.
    """
    client_changed = changed_by_client(base, incoming)
    conflicts = sorted(k for k, v in client_changed.items()
                       if current.get(k) != base.get(k) and current.get(k) != v)
    if conflicts:
        return Merge({}, conflicts)
    return Merge({k: v for k, v in client_changed.items() if current.get(k) != v}, [])


def changed_by_client(base: dict[str, Any], incoming: dict[str, Any]) -> dict[str, Any]:
    """The fields of ``incoming`` the client changed from ``base``: the others it sent back as it saw them."""
    return {k: v for k, v in incoming.items() if v != base.get(k)}
