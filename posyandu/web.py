"""Health check, the PWA's static files, the docs page's local assets, OpenAPI setup."""
from __future__ import annotations

import re
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
import swagger_ui_bundle
from flask import Flask, Response, current_app, request, send_from_directory
from flask.json.provider import DefaultJSONProvider
from flask.views import MethodView
from marshmallow import fields, validate
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from werkzeug.routing import PathConverter, UUIDConverter

from posyandu.extensions import Blueprint, db, read_json
from posyandu.query_params import lenient_query, refuse_after_caller
from posyandu.validators import UUID_TEXT, Schema

ROOT = Path(__file__).resolve().parent.parent
blp = Blueprint("health", __name__, url_prefix="/api/v1", description="Service health")

API_DESCRIPTION = """JSON API for posyandu child growth and immunisation records.

**Auth**: `POST /api/v1/auth/login` returns an access token (send it as
`Authorization: Bearer …`) and a refresh token (`POST /api/v1/auth/refresh`).
Each refresh answers a new access token and the login's next refresh token, to keep in place of
the one sent (rotation). The one sent stays usable until its successor has been used once (an answer
lost on a flaky network is asked for again with it, and the same successor is answered); presented
again after that, every token of that login is revoked (401 `token_revoked`): someone else holds a
copy; unless it was replaced less than a minute before and only one refresh came after it (two tabs'
refreshes crossing: answered the newest). A login's refresh tokens expire `REFRESH_TOKEN_DAYS` after it, whatever the rotations.
`POST /api/v1/auth/logout` revokes the tokens presented and every token of their logins.

**Refused tokens** answer 401 with a problem `type` ending in one of: `token_expired` (refresh
it), `token_revoked` (logged out, or the password changed: log in again, keeping local data),
`token_invalid`, `account_closed` (the parent closed her account, `POST /auth/close-account`),
`account_inactive` (an admin switched the account off) or `device_signed_out` (this phone's login was
ended by `POST /sync/devices/{client_id}/sign-out`: lost or stolen). `account_closed` and `account_inactive` answer
every token of the account, access or refresh, expired or not: the account is gone, so a client forgets it and
deletes its local copy, except changes not yet sent (kept until the account is switched on again
and its user logs in and syncs); `device_signed_out`, every token of that login, expired or not: the client
forgets the login and its local copy likewise (the whole copy stays while any change waits unsent, sent once
its user logs in there again).

**Temporary passwords**: a password an admin sets for someone else (`POST /users`, a reset by
`PATCH /users/{user_id}`; `flask create-admin --temporary`) is temporary: the login succeeds and its
`user.must_change_password` is true (as in `GET /auth/me`), but every other call, the sync push and
pull included, answers 403 with a problem `type` ending in `password_change_required` ("Ganti kata
sandi sementara Anda dulu") until the user sets her own with `POST /auth/password`, which clears the
mark. `GET /auth/me`, `POST /auth/logout` and `POST /auth/refresh` stay open. Her own change never
marks the account, nor an admin's change of her own password.

**Scope**: a kader sees her posyandu, a bidan her puskesmas area, a dinkes user
her region, a parent only their own children. A record outside the caller's
scope answers 404, and so does an area a report or list is narrowed to outside it (`posyandu_id`,
`region_code`…), its `errors` naming the parameter ("not found in your area", as for one that exists
nowhere); an action the role may not take answers 403. Record ids are
UUIDs written 8-4-4-4-12 (hex digits, either case; answered in lower case): any other writing
(braces, `urn:uuid:`, the digits run together) is malformed, in a path 422 on its parameter once the
caller is judged (401, 403 first), in a body 422 on its field. A request is refused in this
order: 401 (no valid token), 403 (the role may not make it; an account its owner closed: 409),
404 (the record in the path is not the caller's to see), then the body's and query's format
(422): a write to a record out of sight is 404 whatever its body holds, a read whatever values its
query gives. A query parameter the route does not take, or takes once and was given twice, is refused
(422) before any record is looked up, the same for a record seen or not (it tells nothing of it).

**Errors** are RFC 9457 problem details (`application/problem+json`) with
per-field messages in `errors`, in Bahasa Indonesia or English by
`Accept-Language` (its preferred `id…` or `en…` tag, `en-US` counting as English; Indonesian
by default, and when neither is acceptable, `*;q=0` or `id;q=0, en;q=0`; `id;q=0` alone, Indonesian
not acceptable, is English). An answer with words in it (a problem, an import's or a push's
messages, a report's) names their language, `Content-Language: id` or `en`, with `Vary: Accept-Language`;
an answer with none (a record, a list) names neither. A request body is uncompressed JSON (else 415) of at most
`MAX_CONTENT_LENGTH` (else 413), each object naming a key once (else 422 on `_schema`, naming the key); options such as a delete's `reason` go in the
query string (sent in the body: 422 on the field). A write that takes no body (a delete, a parent's
invitation code made or revoked, a schedule version activated) refuses one alike (415, 413, or 422 on
each field); send none, or `{}`. A request with `If-Match` naming an entity tag answers 412
(`if_match_unsupported`): the API has none; a write names the version it read as `base_version`. A path under `/api` that no
route has answers 404 whatever the method; a 401 names `WWW-Authenticate: Bearer`.

**Lists** are paginated with `?limit=&cursor=` and answer
`{"items": [...], "next_cursor": ...}`.

**Query parameters** are the ones each operation lists. Any other (a misspelt filter such as
`posyandu` for `posyandu_id`) answers 422 naming it (after 401 to a caller without a valid token, and 403 to a role the
operation refuses)
("parameter tidak dikenal" / "unknown parameter", with the parameters the operation takes),
and so does a parameter given twice where
it takes one value (`?month=2025-01&month=2025-02`; an array parameter such as the follow-up
list's `reason` may repeat): a filter the server would drop would answer the whole area as if
filtered. The sync pull and push alone take parameters they do not know (ignored, the first of a
repeated one kept): phones of older and newer app versions sync with what their version sends; and
`GET /health`, which an uptime checker may call with a cache-busting parameter of its own. A whole
number (`limit`) is written in ASCII digits: `٥٠`, `５０`, `5_0`, `+50` or ` 50` answer 422 on it.
"""


class MalformedId(str):
    """A path segment where a record id belongs that is not a UUID."""


class PathIdConverter(UUIDConverter):
    """``<uuid:…>`` in our routes: any one path segment, so that a malformed id is
    refused with 422 on its parameter (api-contract: "the server rejects a malformed id
    with 422") instead of matching no route (404, or 405 where the PWA's files match)."""

    regex = "[^/]+"

    def to_python(self, value: str) -> uuid.UUID | MalformedId:  # type: ignore[override]
        if not UUID_TEXT.fullmatch(value):  # as a body's id (``validators.Uuid``): 8-4-4-4-12 hex digits
            return MalformedId(value)
        return uuid.UUID(value)


def register_path_ids(app: Flask, api: Any) -> None:
    """Before any blueprint: ids in paths are parsed by ``PathIdConverter`` and a
    malformed one answers 422 before the view runs, once the caller is judged (401, 403 first)."""
    app.url_map.converters["uuid"] = PathIdConverter
    # "/api/v1//children/…" (an id left empty by a client) is no address of ours: 404 in the problem shape,
    # not werkzeug's HTML 308 to the path with its slashes merged, nor a 405 of another route
    app.url_map.merge_slashes = False
    api.register_converter(PathIdConverter, lambda converter: {"type": "string", "format": "uuid"})

    @app.url_value_preprocessor
    def _refuse_malformed_ids(endpoint: str | None, values: dict[str, Any] | None) -> None:
        bad = {name: ["Not a valid UUID."] for name, value in (values or {}).items() if isinstance(value, MalformedId)}
        if bad:
            refuse_after_caller(bad)


class HealthSchema(Schema):
    status = fields.String(required=True, metadata={"enum": ["ok", "degraded"]})
    database = fields.String(required=True, metadata={"enum": ["ok", "unreachable"]})
    rate_limit = fields.String(validate=validate.OneOf(["ok", "degraded", "off"]), metadata={"description": (
        "Only with `?detail=true` (the contract's answer is `status` and `database`). The rate limits' store "
        "(`RATELIMIT_STORAGE_URI`): `degraded` when it is unreachable (each "
        "server process then counts on its own, in memory: logins and the rest still work), `off` "
        "with `RATELIMIT_ENABLED=false`. Not part of `status`: only the database makes the answer 503.")})


def rate_limit_store() -> str:
    """``ok``, ``degraded`` (the store does not answer: limits are counted per process, in memory) or ``off``."""
    from posyandu.extensions import limiter

    if not (limiter.enabled and limiter.initialized):
        return "off"
    return "ok" if limiter.storage.check() else "degraded"


@blp.route("/health")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, schema=HealthSchema, description="The database is unreachable")
    # a string, not a boolean: health answers whatever an uptime checker sends (lenient), never a 422
    @blp.doc(security=[], parameters=[{"in": "query", "name": "detail", "schema": {"type": "string"}, "description": (
        "`true` (or `1`, `yes`): the rate limits' store too (`rate_limit`), for the operator's monitor; "
        "any other value: the contract's answer")}])
    @lenient_query  # an uptime checker's cache-busting ?t=…: a 422 read as the service down
    def get(self):
        """Is the service up and its database reachable? (And, ``?detail=true``, the rate limits' store?)

        The contract's answer, ``{"status": "ok", "database": "ok"}``; 503 only when the database is
        unreachable. With ``?detail=true``, `rate_limit` says whether the rate limits' store (Redis)
        answers: `degraded`, the service still works, each process counting the limits on its own."""
        detail = {"rate_limit": rate_limit_store()} if request.args.get("detail", "").lower() in ("1", "true", "yes") else {}
        try:
            db.session.execute(text("SELECT 1"))
            db.session.rollback()
        except Exception:  # noqa: BLE001 - any failure means "not healthy"
            db.session.rollback()
            return {"status": "degraded", "database": "unreachable", **detail}, 503
        return {"status": "ok", "database": "ok", **detail}


def spec_kwargs() -> dict[str, Any]:
    return {"info": {"description": API_DESCRIPTION}, "servers": [{"url": "/"}],
            "security": [{"bearerAuth": []}]}


def register_security_scheme(api: Any) -> None:
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})


def register_components(api: Any) -> None:
    """Schemas referenced by hand in the spec (rows validated one by one)."""
    from posyandu.growth.schemas import CalculatorResultSchema, CalculatorRowErrorsSchema, CalculatorRowSchema

    api.spec.components.schema("CalculatorRow", schema=CalculatorRowSchema)
    api.spec.components.schema("CalculatorResult", schema=CalculatorResultSchema)
    api.spec.components.schema("CalculatorRowErrors", schema=CalculatorRowErrorsSchema)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.close()
        # SQLite's lower() folds ASCII only: "Ṣaleh" or "Çağrı" would never match a name search.
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


event.listen(Engine, "connect", _sqlite_pragmas)


class JSONProvider(DefaultJSONProvider):
    """Responses are written with orjson (a push answer or a pull page carries hundreds of
    records: json.dumps was a tenth of the time), with the same output as Flask's provider
    up to whitespace and escaping: sorted keys, and dates as Flask writes them. Anything
    orjson refuses (a lone surrogate in a string) goes through json.dumps as before.
    Requests are still read by json.loads, which accepts what the push must reject per
    mutation (lone surrogates) rather than refusing the whole body; an object naming a key twice
    is refused (``extensions.read_json``)."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if kwargs.keys() <= {"separators", "indent"}:
            option = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_SERIALIZE_NUMPY
            try:
                return orjson.dumps(obj, default=self.default,
                                    option=option | (orjson.OPT_INDENT_2 if kwargs.get("indent") else 0)).decode()
            except TypeError:
                pass
        return super().dumps(obj, **kwargs)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return read_json(s, **kwargs)
        except RecursionError:  # JSON nested thousands deep: malformed input, not a crash
            raise ValueError("JSON nested too deeply") from None


class PwaPathConverter(PathConverter):
    """A path to one of the PWA's files: anything but ``api/…``. A path under ``/api`` that no
    API route has is then matched by nothing, so every method answers 404; matched by the
    PWA's GET-only route, every method but GET was answered 405 with ``Allow: GET``."""

    regex = r"(?!api(?:/|$))[^/].*?"


def init_web(app: Flask) -> None:
    app.json = JSONProvider(app)
    app.url_map.converters["pwa_path"] = PwaPathConverter
    swagger_dir = Path(swagger_ui_bundle.swagger_ui_path)

    @app.get("/api/v1/docs/static/<path:filename>")
    def swagger_assets(filename: str) -> Response:
        return send_from_directory(swagger_dir, filename)

    @app.get("/")
    def pwa_index() -> Response:
        return _pwa_file("index.html")

    @app.get("/<pwa_path:filename>")
    def pwa_static(filename: str) -> Response:
        return _pwa_file(filename)


def shell_version() -> str | None:
    """The served app's version as a phone sends it (``X-Client-Version: pwa-<VERSION>``): ``VERSION``
    is the shell files' hash that scripts/pwa_precache.py writes into sw.js. None if sw.js has none."""
    sw = Path(current_app.config["PWA_DIR"]) / "sw.js"
    try:
        return _sw_version(sw, sw.stat().st_mtime_ns)
    except OSError:
        return None


@lru_cache(maxsize=4)
def _sw_version(sw: Path, _mtime_ns: int) -> str | None:   # read again when sw.js changes (a deploy)
    found = re.search(r"^const VERSION = '([0-9a-f]+)';$", sw.read_text(encoding="utf-8"), re.M)
    return f"pwa-{found.group(1)}" if found else None


def _pwa_file(filename: str) -> Response:
    resp = send_from_directory(current_app.config["PWA_DIR"], filename)
    if filename in ("index.html", "sw.js", "manifest.webmanifest"):
        resp.headers["Cache-Control"] = "no-cache"
    return resp
