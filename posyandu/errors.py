"""Domain errors and the one RFC 9457 problem+json renderer."""
from __future__ import annotations

import logging
import math
import time
from typing import Any

from flask import Flask, Response, g, json
from marshmallow import INCLUDE, fields
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from posyandu.extensions import db
from posyandu.i18n import Msg, title, translate_field_message
from posyandu.messages import TAKEN
from posyandu.validators import Schema

log = logging.getLogger(__name__)
TYPE_BASE = "https://posyandu.example/problems/"
STATUS_KEYS = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 412: "precondition_failed", 413: "too_large",
               415: "unsupported_media_type", 422: "validation", 428: "precondition_failed", 429: "rate_limited", 503: "unavailable"}


class ProblemSchema(Schema):
    """RFC 9457 problem details: the body of every error answer (documentation only)."""

    class Meta:
        unknown = INCLUDE  # extension members, e.g. "violations"

    type = fields.String(required=True, metadata={"description": "A URI naming the kind of problem"})
    title = fields.String(required=True, metadata={"description": "In the language of Accept-Language"})
    status = fields.Integer(required=True)
    detail = fields.String(required=True, metadata={"description": "In the language of Accept-Language; the title "
                                                                  "again when there is nothing to add"})
    errors = fields.Dict(metadata={"description": "Per-field messages: {field: [message, ...]}"})


class DomainError(Exception):
    """A rule broken by the caller. Subclasses set status and key (i18n title)."""

    status = 400
    key = "bad_request"

    def __init__(self, detail: str | None = None, errors: dict[str, Any] | None = None, key: str | None = None,
                 extensions: dict[str, Any] | None = None, headers: dict[str, str] | None = None):
        super().__init__(detail or self.key)
        self.detail = detail
        self.errors = errors
        self.key = key or self.key
        self.extensions = extensions  # extra RFC 9457 members, e.g. {"violations": [...]}
        self.headers = headers


class ValidationFailed(DomainError):
    status, key = 422, "validation"


def refuse_fields(problems: dict[str, list[Any]]) -> None:
    """422 naming every field of ``problems`` (``{field: [message, ...]}``: an operation's checks,
    collected so one answer names them all), if there are any."""
    if problems:
        raise ValidationFailed(errors=problems)


OTHER_ID = Msg("differs from the id in the URL: a record's id cannot be changed",
               "berbeda dengan id di alamat (URL): id data tidak dapat diubah")


def other_id_problems(body: dict[str, Any], record_id: Any) -> dict[str, list[Any]]:
    """``{"id": [...]}`` when a correction's body names another record than its URL (its own id, or none,
    is taken): the body's id was ignored and the URL's record changed, the caller believing it had
    changed the other. A sync mutation is held to its own id alike (``sync.push``). A route's
    ``field_checks``, so it is named with the body's other errors at once."""
    return {"id": [OTHER_ID]} if body.get("id") is not None and body["id"] != record_id else {}


def refuse_other_id(body: dict[str, Any], record_id: Any) -> None:
    """422 on ``id`` (``other_id_problems``) for a body the schema took."""
    if problems := other_id_problems(body, record_id):
        raise ValidationFailed(errors=problems)


class NotFound(DomainError):
    status, key = 404, "not_found"


class Forbidden(DomainError):
    status, key = 403, "forbidden"


class Unauthorized(DomainError):
    status, key = 401, "unauthorized"


class Conflict(DomainError):
    status, key = 409, "conflict"


class PreconditionFailed(DomainError):
    status, key = 412, "precondition_failed"


class UnsupportedMediaType(DomainError):
    status, key = 415, "unsupported_media_type"


def problem(status: int, key: str, detail: str | None = None, errors: Any = None,
            headers: dict[str, str] | None = None, extensions: dict[str, Any] | None = None) -> Response:
    if not detail and errors:  # one detail for every answer naming fields, whoever raised it
        detail = title("validation_detail")
    body: dict[str, Any] = {"type": TYPE_BASE + key, "title": title(key), "status": status,
                            "detail": translate_field_message(detail) if detail else title(key)}
    if errors:
        body["errors"] = translate_field_message(errors)
    for name, value in (extensions or {}).items():
        body.setdefault(name, translate_field_message(value))
    resp = Response(json.dumps(body), status=status, mimetype="application/problem+json")
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    if status == 401:  # RFC 9110 15.5.2 (a 401 names its scheme), RFC 6750 3 (a token refused: invalid_token)
        resp.headers.setdefault("WWW-Authenticate", 'Bearer error="invalid_token"' if key.startswith(("token_", "account_"))
                                else "Bearer")
    return resp


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    errors = None
    data = getattr(exc, "data", None) or {}
    if "messages" in data:  # webargs/flask-smorest validation
        msgs = data["messages"]
        errors = {}
        for where, location in msgs.items():
            if where == "query" and isinstance(location, dict):
                location = {name: _values_refused(name, v) for name, v in location.items()}
            errors.update(location if isinstance(location, dict) else {"_schema": location})
        if status == 400 and errors:
            status = 422
    key = STATUS_KEYS.get(status, "server_error" if status >= 500 else "bad_request")
    headers = {k: v for k, v in (exc.get_headers() or []) if k.lower() in ("retry-after", "allow")}
    detail = None
    if status == 429:
        headers.update({k: v for k, v in getattr(exc, "response", None).headers.items()
                        if k.lower().startswith(("retry-after", "x-ratelimit"))} if getattr(exc, "response", None) else {})
        if (wait := _wait_seconds()) is not None:
            minutes = max(1, math.ceil(wait / 60))
            detail = Msg(f"Too many requests: try again in {minutes} {'minute' if minutes == 1 else 'minutes'}",
                         f"Terlalu banyak permintaan: coba lagi dalam {minutes} menit")
    return problem(status, key, detail, errors, headers)


def _wait_seconds() -> int | None:
    """Seconds until the limit this request broke opens again (as its Retry-After; Flask-Limiter stops
    at the first limit breached, so a longer one spent too, her hour's behind her minute's, is said once
    the first has passed), said with a 429: "coba lagi nanti" left a kader locked out of her login not
    knowing for how long. None when the limiter cannot say (its store unreachable)."""
    from posyandu.extensions import limiter

    try:
        ends = [limit.reset_at for limit in limiter.current_limits if limit.breached]
    except Exception:  # noqa: BLE001 - the limiter's store unreachable: the plain words
        return None
    return max(1, int(max(ends) - time.time())) if ends else None


def _values_refused(name: str, messages: Any) -> Any:
    """A repeatable query parameter's refused values (``?reason=T&reason=x``), which marshmallow keys by
    their place ({"reason": {"1": [...]}}), as the field's list of messages every other error is, each
    naming the value it refuses ("x: must be one of: …")."""
    from flask import request

    if not isinstance(messages, dict) or not all(isinstance(i, int) for i in messages):
        return messages
    given = request.args.getlist(name)
    return [Msg(*(f"{given[i] if i < len(given) else i}: {translate_field_message(m, lang, listed=True)}"
                  for lang in ("en", "id")))
            for i, listed in sorted(messages.items()) for m in listed]


def _domain_error(exc: DomainError) -> Response:
    db.session.rollback()
    return problem(exc.status, exc.key, exc.detail, exc.errors, headers=exc.headers, extensions=exc.extensions)


class DatabaseError(Exception):
    """A database error as it is logged: its kind, code, constraint, table, column and statement,
    never the database's message (PostgreSQL quotes the values: 'Key (nik)=(…) already exists',
    'COPY child, line 1: "…"') nor the statement's parameters (a child's name, NIK, phone)."""


def db_error_summary(exc: DBAPIError) -> str:
    orig = exc.orig
    parts = [type(orig).__name__]
    code = getattr(orig, "sqlstate", None) or getattr(orig, "sqlite_errorname", None)
    if code:
        parts.append(f"code={code}")
    diag = getattr(orig, "diag", None)
    for name in ("constraint_name", "table_name", "column_name"):
        if value := getattr(diag, name, None):
            parts.append(f"{name.removesuffix('_name')}={value}")
    if exc.statement:
        parts.append(f"statement={' '.join(str(exc.statement).split())[:200]}")
    return " ".join(parts)


def loggable(exc: BaseException) -> tuple[type[BaseException], BaseException, Any]:
    """``exc_info`` for ``exc`` with a database error's message replaced by its summary (the traceback kept)."""
    if isinstance(exc, DBAPIError):
        return DatabaseError, DatabaseError(db_error_summary(exc)), exc.__traceback__
    return type(exc), exc, exc.__traceback__


# The unique constraints a user can run into, and the field each is about: checked by the operation
# first (``auth.operations.account_problems``: 422), and by the database when two requests pass that check at once.
UNIQUE_FIELDS = {"uq_user_username": "username", "uq_puskesmas_code": "code"}


def unique_field(exc: IntegrityError) -> str | None:
    """The field of ``UNIQUE_FIELDS`` whose constraint ``exc`` broke: named by PostgreSQL, and by
    SQLite as "UNIQUE constraint failed: user.username" (one column: the naming convention's name)."""
    name = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
    if name is None and str(exc.orig).startswith("UNIQUE constraint failed: "):
        name = "uq_" + str(exc.orig).removeprefix("UNIQUE constraint failed: ").replace(".", "_")
    return UNIQUE_FIELDS.get(name or "")


def _integrity_error(exc: IntegrityError) -> Response:
    """409; on a field of ``UNIQUE_FIELDS``, with that field's message (another request took the value
    meanwhile: two admins making one username at once), as the operation's own check would have said."""
    db.session.rollback()
    log.info("integrity error: %s", db_error_summary(exc))
    field = unique_field(exc)
    return problem(409, "conflict", errors={field: [TAKEN]} if field else None)


def _data_error(exc: DataError) -> Response:
    """A value the database refused (out of range, unstorable text) that no
    validator caught: the caller's input, so 422, and nothing was written."""
    db.session.rollback()
    log.warning("database refused a value: %s", db_error_summary(exc))
    return problem(422, "validation")


# PostgreSQL's answers that end a transaction of a server that is up (SQLSTATE): logged as what they
# are, not as "database unavailable", which sent whoever read the log to a database that was running
BUSY = {"40P01": "deadlock detected", "40001": "serialization failure",
        "57014": "statement cancelled (DB_STATEMENT_TIMEOUT)", "55P03": "lock not available"}


def _operational_error(exc: OperationalError | InterfaceError) -> Response:
    """The database is down or restarting, or ended this transaction (a deadlock, a statement past
    ``DB_STATEMENT_TIMEOUT``): nothing was committed, retry later."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is gone; the pool discards it
        log.debug("rollback after a lost connection failed", exc_info=True)
    busy = BUSY.get(getattr(getattr(exc, "orig", None), "sqlstate", None) or "")
    if busy:
        log.warning("database busy, answered 503 (retry): %s: %s", busy, db_error_summary(exc))
    else:
        log.error("database unavailable", exc_info=loggable(exc))
    return problem(503, "unavailable", headers={"Retry-After": "5"})


def _growth_input_error(exc: Any) -> Response:
    """A value the growth calculator cannot use (a weighing before birth…) that no rule caught
    first: the caller's input, so 422 on its field, and nothing was written."""
    db.session.rollback()
    return problem(422, "validation", errors=growth_input_errors(exc))


def growth_input_errors(exc: Any) -> dict[str, Any]:
    """A ``GrowthInputError`` as per-field messages (translated by ``problem``)."""
    return {exc.field: [exc.message]}


def _unexpected(exc: Exception) -> Response:
    db.session.rollback()
    log.error("unhandled error", exc_info=loggable(exc))
    return problem(500, "server_error")


def only_refusals_say_retry_after(app: Flask) -> None:
    """Flask-Limiter (``headers_enabled``) sets Retry-After on every answer of a limited route,
    the window's reset: a login's 200, a wrong password's 401, a push's 409 said "try again in a
    minute", and a client that honours it on any error (the PWA's sync backs off by it) waited for
    nothing. Only a 429 keeps the limiter's; a 503 keeps its own (``_operational_error``'s), which
    the limiter had replaced by its window's reset when later (a login's minute for 5 s, no limit
    near); any other answer says none. Called after ``limiter.init_app``: Flask runs
    ``after_request`` functions last registered first, so the answer's own is read before the
    limiter's hook and settled after it."""
    def _own_retry_after(resp: Response) -> Response:
        g.own_retry_after = resp.headers.get("Retry-After")
        return resp

    def _retry_after_only_when_refused(resp: Response) -> Response:
        own = g.pop("own_retry_after", None)
        if resp.status_code != 429:
            resp.headers.pop("Retry-After", None)
            if resp.status_code == 503 and own is not None:
                resp.headers["Retry-After"] = own
        return resp

    app.after_request_funcs.setdefault(None, []).insert(0, _retry_after_only_when_refused)  # runs after the limiter's
    app.after_request(_own_retry_after)  # runs before it


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(IntegrityError, _integrity_error)
    app.register_error_handler(DataError, _data_error)
    app.register_error_handler(OperationalError, _operational_error)
    app.register_error_handler(InterfaceError, _operational_error)
    from posyandu.growth.zscores import GrowthInputError

    app.register_error_handler(GrowthInputError, _growth_input_error)
    app.register_error_handler(Exception, _unexpected)
