"""The pull cursor: opaque to clients, signed, and bound to the caller's scope.

``{"v": 1, "seq": N, "scope": <hash of the scope keys>, "epoch": E, "mark": M}`` as
base64url JSON plus an HMAC. A cursor whose scope or epoch no longer matches
makes the pull start again from nothing with ``reset: true`` (api-contract). So does
one whose ``mark`` (the change-log row at ``seq``, ``pull.log_mark``) is no longer
that row: the database was restored from a backup taken before it (CHT #8093).
A cursor made before marks were (none) is not checked.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass

VERSION = 1


class BadCursor(ValueError):
    """Not a cursor this server ever made (garbled, or signed with another key)."""


@dataclass(frozen=True)
class Cursor:
    seq: int
    scope: str
    epoch: int
    mark: str = ""


def _sign(payload: bytes, key: str) -> str:
    return hmac.new(key.encode(), payload, hashlib.sha256).hexdigest()[:32]


def encode(cursor: Cursor, key: str) -> str:
    payload = base64.urlsafe_b64encode(json.dumps(
        {"v": VERSION, "seq": cursor.seq, "scope": cursor.scope, "epoch": cursor.epoch, "mark": cursor.mark},
        separators=(",", ":")).encode()).decode().rstrip("=")
    return f"{payload}.{_sign(payload.encode(), key)}"


def decode(text: str, key: str) -> Cursor:
    payload, _, signature = text.partition(".")
    # A cursor this server made is ASCII (base64url and hex); compare_digest raises TypeError,
    # not False, for a str that is not, and such a cursor is as bad as any other.
    if not signature or not text.isascii() or not hmac.compare_digest(signature, _sign(payload.encode(), key)):
        raise BadCursor(text)
    try:
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        if data.get("v") != VERSION:
            raise BadCursor(text)
        return Cursor(int(data["seq"]), str(data["scope"]), int(data["epoch"]), str(data.get("mark", "")))
    except (ValueError, KeyError, TypeError) as exc:
        raise BadCursor(text) from exc


def scope_hash(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:24]
