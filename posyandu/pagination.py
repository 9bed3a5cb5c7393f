"""Keyset pagination: ``?limit=&cursor=`` → ``{"items": [...], "next_cursor": ...}``."""
from __future__ import annotations

import base64
import functools
import hashlib
import json
from datetime import datetime, timezone
from typing import Any, Sequence

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from marshmallow import fields, validate
from sqlalchemy import Select, tuple_

from posyandu.database import as_json_value, aware
from posyandu.errors import ValidationFailed
from posyandu.extensions import db
from posyandu.i18n import Msg
from posyandu.validators import Schema, UNSTORABLE_RE, WholeNumber


class PageArgs(Schema):
    limit = WholeNumber(load_default=50, validate=validate.Range(min=1, max=500),
                           metadata={"description": "At most this many items (default 50)"})
    cursor = fields.String(load_default=None, metadata={
        "description": "The next_cursor of the page before; omit for the first page"})


def page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """``{"items": [item], "next_cursor": str | null}`` with a distinct component name."""
    return type(name, (Schema,), {"items": fields.List(fields.Nested(item_schema), required=True),
                                  "next_cursor": fields.String(required=True, allow_none=True, metadata={
                                      "description": "Pass it as cursor for the next page; null on the last"})})


@functools.lru_cache(maxsize=4)
def _cursor_cipher(secret: str) -> Fernet:
    """The cursors' key, derived from SECRET_KEY for this one use."""
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"posyandu list cursor\0" + secret.encode()).digest()))


def encode_cursor(values: Sequence[Any]) -> str:
    """The page's last key, encrypted: a key holds names (a child's, a posyandu's), and a cursor
    travels in a URL, which a proxy or a browser's history keeps."""
    raw = json.dumps([as_json_value(v) for v in values]).encode()
    return _cursor_cipher(current_app.config["SECRET_KEY"]).encrypt(raw).decode().rstrip("=")


BAD_CURSOR = Msg("not a valid cursor", "kursor tidak sah")


def decode_cursor(cursor: str, n: int) -> list[Any]:
    try:
        raw = _cursor_cipher(current_app.config["SECRET_KEY"]).decrypt(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != n:
            raise ValueError
        return values
    except (ValueError, InvalidToken):
        raise ValidationFailed(errors={"cursor": [BAD_CURSOR]}) from None


def cursor_instant(text: str) -> datetime:
    """A cursor's instant (a ``convert`` function) in UTC: the cursor's columns are compared as
    stored, which SQLite keeps without an offset."""
    return aware(datetime.fromisoformat(text)).astimezone(timezone.utc)


def _cursor_values(cursor: str, order: Sequence[Any], convert: Sequence[Any] | None = None) -> list[Any]:
    """The cursor's values, each converted for its ``order`` column (``convert``: one function or
    None each). A client may send any JSON as a cursor: a value its column cannot be compared with
    (a number for a name, a list for an id, infinity for a version) is a bad cursor, 422, rather
    than an error of the conversion or of the database."""
    values = decode_cursor(cursor, len(order))
    try:
        values = [c(v) if c else v for c, v in zip(convert or [None] * len(order), values)]
    except (TypeError, ValueError, AttributeError, OverflowError):
        raise ValidationFailed(errors={"cursor": [BAD_CURSOR]}) from None
    if not all(isinstance(v, column.type.python_type) for v, column in zip(values, order)):
        raise ValidationFailed(errors={"cursor": [BAD_CURSOR]})
    if any(isinstance(v, str) and UNSTORABLE_RE.search(v) for v in values):  # no stored text has them
        raise ValidationFailed(errors={"cursor": [BAD_CURSOR]})
    return values


def paginate(stmt: Select, order: Sequence[Any], limit: int, cursor: str | None,
             convert: Sequence[Any] | None = None, *, descending: bool = False) -> dict[str, Any]:
    """Order ``stmt`` by the ``order`` columns (a unique key), all ascending or all ``descending``,
    and return one page."""
    if cursor:
        key, after = tuple_(*order), tuple_(*_cursor_values(cursor, order, convert))
        stmt = stmt.where(key < after if descending else key > after)
    ordering = [column.desc() for column in order] if descending else list(order)
    rows = list(db.session.scalars(stmt.order_by(*ordering).limit(limit + 1)))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor([getattr(last, col.key) for col in order])
    return {"items": rows, "next_cursor": next_cursor}
