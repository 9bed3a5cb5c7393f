"""Flask extensions, created unbound and initialised in ``create_app``.

Every module imports ``Blueprint`` and ``Schema`` from here so that the
OpenAPI document and error handling are configured in one place.
"""
from __future__ import annotations

import codecs
import functools
import http
import ipaddress
import json
from typing import Any

import flask_smorest
from flask import abort, request
from flask_smorest.arguments import FlaskParser
from webargs.flaskparser import is_json_request
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from marshmallow import ValidationError, missing

from posyandu.database import Base

db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
jwt = JWTManager()


def client_address() -> str:
    """The client as the per-address rate limits count it: an IPv6 address by its /64, the one network
    a phone or a home is given (a mobile network gives each phone one), any of whose 2^64 addresses it
    may send from: counted whole, each new address was a fresh budget of guesses. IPv4 (or IPv4 mapped
    into IPv6) whole."""
    address = request.remote_addr or "-"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 4:
        return address
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network((ip, 64), strict=False))


limiter = Limiter(key_func=client_address, default_limits=[], headers_enabled=True)


class Api(flask_smorest.Api):
    """Our Api (one per app): problem+json errors are rendered by ``posyandu.errors``."""

    def _register_error_handlers(self) -> None:  # errors.py registers its own
        return None

    def _register_responses(self) -> None:
        """Document error answers as they are sent: problem+json (flask-smorest
        would describe its own ``{code, status, message}`` as application/json)."""
        from posyandu.errors import ProblemSchema

        for status in http.HTTPStatus:
            response: dict = {"description": status.phrase}
            if status >= 200 and status not in (204, 304):
                response["content"] = {"application/problem+json": {"schema": ProblemSchema}}
            if status == 429:  # posyandu.errors keeps the limiter's on it alone
                response["headers"] = {"Retry-After": {"description": "Seconds to wait before asking again",
                                                       "schema": {"type": "integer", "minimum": 0}}}
            self.spec.components.response(status.name, response, lazy=True)
        self.spec.components.response("DEFAULT_ERROR", {
            "description": "Error (RFC 9457 problem details)",
            "content": {"application/problem+json": {"schema": ProblemSchema}}}, lazy=True)


MAX_JSON_DEPTH = 32
"""Arrays and objects within one another a body may hold (the API's own bodies, a sync push or a
schedule, hold five at most): deeper is malformed (422). A NUL 600 lists down in a child's name
was a 500: its field errors nested as deep, and their translation ran out of stack. The items a
schema checks one by one (``CHECKED_PER_ITEM``: a push's mutations, the calculator's rows) are
judged each on its own, as everything else in them is."""


def too_deep(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether parsed JSON holds arrays and objects more than ``limit`` deep ({"a": [1]}: 2)."""
    layer, depth = ([value] if isinstance(value, (dict, list)) else []), 0
    while layer:
        depth += 1
        if depth > limit:
            return True
        layer = [v for item in layer for v in (item.values() if isinstance(item, dict) else item)
                 if isinstance(v, (dict, list))]
    return False


class RepeatedKey(ValueError):
    """A JSON object naming one key twice (``read_json``)."""

    def __init__(self, key: str) -> None:
        super().__init__(f"the key {json.dumps(key[:40])} is given twice in one JSON object")
        self.key = key


def _one_of_each(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise RepeatedKey(key)
            seen.add(key)
    return obj


def read_json(text: str | bytes, **kwargs: Any) -> Any:
    """``json.loads``, refusing an object that names a key twice (``RepeatedKey``). RFC 8259 leaves its
    meaning to the parser: Python keeps the last (``{"weight_kg": 8.5, "weight_kg": 85}`` stored 85),
    another reader (a proxy, a log, the client's own check) may have judged the first. No client of
    ours writes one (``JSON.stringify`` cannot): one that does is told which key, and nothing is done.
    About half a millisecond on a push of 500 mutations."""
    return json.loads(text, object_pairs_hook=_one_of_each, **kwargs)


def repeated_key(exc: RepeatedKey) -> ValidationError:
    """The 422 of a body naming a key twice: on ``_schema``, as any JSON that cannot be read."""
    from posyandu.i18n import Msg

    key = json.dumps(exc.key[:40])
    return ValidationError({"_schema": [Msg(f"the key {key} is given twice in one JSON object: send it once",
                                            f"kunci {key} ditulis dua kali dalam satu objek JSON: kirim sekali saja")]})


BODY_LOCATIONS = frozenset({"json", "form", "files", "json_or_form"})
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
BODY_READ = "posyandu.body_read"  # in the request's environ: a parser read the body (a route's arguments)


class Parser(FlaskParser):
    """webargs' parser, refusing a body that is not JSON or is compressed (415; a leading UTF-8
    byte order mark is skipped), input no database can
    store (422), an object naming a key twice (422 naming it, ``read_json``), and JSON nested
    past Python's recursion limit or with an integer longer than Python converts (4300 digits,
    ``sys.get_int_max_str_digits``) as malformed JSON (422), never a 500."""

    def _raw_load_json(self, req: Any) -> Any:
        # a body with no Content-Length (chunked) is a body too, and werkzeug cuts it at
        # MAX_CONTENT_LENGTH without a word: the cut JSON would read as malformed (422), not too large
        has_body = bool(req.content_length) or bool(req.get_data(cache=True))
        if req.content_length is None and req.max_content_length is not None \
                and len(req.get_data(cache=True)) >= req.max_content_length:
            abort(413)
        if has_body and not is_json_request(req):
            abort(415)  # a body the endpoint cannot read: never treat it as "no changes"
        if has_body and req.headers.get("Content-Encoding", "").strip().lower() not in ("", "identity"):
            from posyandu.errors import UnsupportedMediaType
            from posyandu.i18n import Msg

            raise UnsupportedMediaType(  # RFC 9110 15.5.16: 415, naming the codings accepted
                Msg("a compressed body (Content-Encoding) is not accepted: send the JSON uncompressed",
                    "isi permintaan yang dikompresi (Content-Encoding) tidak diterima: kirim JSON tanpa kompresi"),
                headers={"Accept-Encoding": "identity"})
        if not is_json_request(req):
            return missing
        try:
            data = req.get_data(cache=True)
            if data.startswith(codecs.BOM_UTF8):  # Notepad's, PowerShell's: RFC 8259 8.1
                data = data[len(codecs.BOM_UTF8):]
            return read_json(data.decode("utf-8"))
        except RepeatedKey as exc:
            raise repeated_key(exc) from None
        except UnicodeDecodeError as exc:
            raise json.JSONDecodeError(f"Bytes decoding error : {exc.reason}", "?", exc.start) from None
        except RecursionError:
            raise json.JSONDecodeError("nested too deeply", "?", 0) from None
        except json.JSONDecodeError:
            raise
        except ValueError as exc:  # json.loads: "Exceeds the limit (4300 digits) for integer string conversion"
            raise json.JSONDecodeError(str(exc), "?", 0) from None

    def _load_location_data(self, *, schema: Any, req: Any, location: str) -> Any:
        from posyandu.i18n import Msg
        from posyandu.validators import unstorable_text

        if location in BODY_LOCATIONS:
            req.environ[BODY_READ] = True
        data = super()._load_location_data(schema=schema, req=req, location=location)
        if location == "json" and data is missing and req.method == "PATCH":  # documented as required
            raise ValidationError({"_schema": [Msg("a JSON object with the fields to change is required",
                                                   "perlu objek JSON berisi isian yang diubah")]})
        inner = getattr(data, "data", data)  # query and form data come as a MultiDictProxy
        if hasattr(inner, "to_dict"):
            raw = {k: v[0] if len(v) == 1 else v for k, v in inner.to_dict(flat=False).items()}
            if location in ("files", "form"):
                _refuse_repeated_parts(schema, raw)
        else:
            raw = data
        per_item = getattr(schema, "CHECKED_PER_ITEM", ())  # e.g. sync mutations: one bad, the rest apply
        if per_item and isinstance(raw, dict):
            raw = {k: v for k, v in raw.items() if k not in per_item}
        if location == "json" and too_deep(raw):
            raise ValidationError({"_schema": ["Invalid JSON body."]})  # as webargs says of malformed JSON
        errors = unstorable_text(raw)
        if errors:
            raise ValidationError(errors)
        return data


def _refuse_repeated_parts(schema: Any, raw: dict[str, Any]) -> None:
    """422 on a form part sent more than once that takes one value: two files chosen for one upload, of
    which the first alone was read, the answer saying nothing of the second (as a query parameter given
    twice, ``query_params.REPEATED``)."""
    from marshmallow import fields

    from posyandu.query_params import REPEATED

    lists = {field.data_key or name for name, field in schema.fields.items() if isinstance(field, fields.List)}
    repeated = {key: [REPEATED] for key, value in raw.items() if isinstance(value, list) and key not in lists}
    if repeated:
        raise ValidationError(repeated)


@functools.cache
def _nothing_here(options: frozenset[str]) -> Any:
    from posyandu.validators import NothingHere

    return NothingHere(options)


def refuse_unread_body() -> None:
    """A write whose route reads no body (an invitation made, a parent unlinked, a version activated, a
    delete whose reason goes in the URL) is refused one as a route reading one refuses what it cannot
    read: not JSON, or compressed, 415; over ``MAX_CONTENT_LENGTH``, 413; a field, 422 on its name (one
    the route takes in the query told so: ``validators.NothingHere``). An empty body or ``{}`` is none.
    Such a body was ignored and the write done: ``{"reason": "salah orang"}`` revoked a code with no
    reason kept, ``{"active": false}`` activated a version, 10 MB of text made a parent's code.
    Run by every API route's ``Blueprint.response``, just before the view (after 401, 403, the record's
    404 and the query's 422), unless one of the route's arguments read the body."""
    if request.method not in WRITES or request.environ.get(BODY_READ):
        return
    from posyandu.query_params import declared_parameters

    Blueprint.ARGUMENTS_PARSER.parse(_nothing_here(frozenset(declared_parameters())), request, location="json")


def refuse_entity_tags() -> None:
    """412 for a request with ``If-Match`` naming an entity tag: the API has none (a write names
    the version it read as ``base_version``), so the condition is false, and RFC 9110 13.1.1 says
    the request must then not be carried out. A PATCH sent with an old tag was applied over
    the newer record, its sender believing herself protected. ``If-Match: *`` (any) holds.
    ``If-None-Match: *`` on a change or delete of a record (only if none exists, RFC 9110 13.1.2) is false
    too: the route's record is there (or the answer is its 404 all the same); a tag there is no
    tag of ours, so that condition holds."""
    from flask import request

    from posyandu.errors import PreconditionFailed
    from posyandu.i18n import Msg

    if request.if_match and not request.if_match.star_tag:
        raise PreconditionFailed(Msg(
            "If-Match is not supported: this API has no entity tags; send the version you read as base_version",
            "If-Match tidak didukung: API ini tidak memakai entity tag; kirim versi yang Anda baca sebagai base_version"),
            key="if_match_unsupported")
    if request.method in ("PUT", "PATCH", "DELETE") and request.if_none_match.star_tag:
        raise PreconditionFailed(Msg(
            "If-None-Match: * asks to write only where no record exists: this address names one",
            "If-None-Match: * meminta menulis hanya bila datanya belum ada: alamat ini menunjuk data yang ada"),
            key="record_exists")


def with_field_checks(view: Any, checks: Any, location: str) -> Any:
    """``view`` (its body parsed by webargs) whose refusal of the body's format (422) also names what
    ``checks`` finds wrong with the fields that passed: a field the schema refused is not judged
    again. Answered in rounds, the admin's new-user form said the username was taken, or the kader's
    posyandu missing, only once she had fixed the format errors and sent it again. Nothing is written:
    the checks only read. A check may instead raise a refusal of the whole request: a 422 of its own
    kind (a parent's invitation code that does not work: ``invitation_invalid``) is answered, since the
    body has format errors too, as their validation problem naming its errors with them (its message on
    its field: the form has more to correct than that; raised alone, once the body passes, it keeps its
    kind). The exception raised is still the check's, for the decorators above (audit, rate limit). Any
    other refusal (404) is answered as it is."""
    from werkzeug.exceptions import UnprocessableEntity

    from posyandu.errors import ValidationFailed

    @functools.wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except UnprocessableEntity as exc:
            refused, errors = getattr(exc, "exc", None), getattr(exc, "data", {}).get("messages", {}).get(location)
            if isinstance(refused, ValidationError) and isinstance(refused.valid_data, dict) and isinstance(errors, dict):
                try:
                    found = checks(refused.valid_data, **kwargs)
                except ValidationFailed as whole:
                    whole.key, whole.errors = ValidationFailed.key, {**errors, **(whole.errors or {})}
                    raise whole from None
                for field, messages in found.items():
                    errors.setdefault(field, messages)
            raise
    return checked


def checked_first(check: Any) -> Any:
    """A route's decorator placed above its ``@blp.arguments``: ``check(**view_kwargs)`` runs before
    the body and query are read, so a refusal that does not depend on them is answered whatever they
    hold, not their format errors (422, 415) first: the record in the path the caller cannot see
    (404, ``access.seen_first``), the record's state (an account its owner closed, 409). A role's
    refusal is ``access.roles_required``'s, placed above it likewise: 401, 403, then this, then 422."""
    def decorator(view: Any) -> Any:
        @functools.wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            check(**kwargs)
            return view(*args, **kwargs)
        return checked
    return decorator


class Blueprint(flask_smorest.Blueprint):
    """An API blueprint: its routes refuse a query parameter they do not know, or one given twice
    where they take one value (``posyandu.query_params``), a condition on an entity tag
    (``refuse_entity_tags``), and a body on a write that reads none (``refuse_unread_body``)."""

    ARGUMENTS_PARSER = Parser()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from posyandu.query_params import refuse_unknown_query

        super().__init__(*args, **kwargs)
        self.before_request(refuse_entity_tags)
        self.before_request(refuse_unknown_query)

    def arguments(self, schema: Any, *, location: str = "json", field_checks: Any = None, **kwargs: Any) -> Any:
        """flask-smorest's ``arguments``; ``field_checks(valid_fields, **view_kwargs)``: the operation's
        own checks of the fields (``{field: [message]}``: a username taken, a role's area missing),
        run on the fields the schema took when it refuses others, so one answer names every error
        (``with_field_checks``)."""
        decorator = super().arguments(schema, location=location, **kwargs)
        if field_checks is not None:
            return lambda func: with_field_checks(decorator(func), field_checks, location)
        if location != "query":
            return decorator

        def declared(func: Any) -> Any:
            from posyandu.query_params import declare

            view = decorator(func)
            declare(view, schema)
            return view
        return declared

    def response(self, *args: Any, **kwargs: Any) -> Any:
        """flask-smorest's ``response``, whose view first refuses a body no argument of the route read
        (``refuse_unread_body``): below the route's ``arguments``, so it runs after them."""
        decorator = super().response(*args, **kwargs)

        def reading_body(func: Any) -> Any:
            @functools.wraps(func)
            def view(*f_args: Any, **f_kwargs: Any) -> Any:
                refuse_unread_body()
                return func(*f_args, **f_kwargs)
            return decorator(view)
        return reading_body

    def problem_response(self, status: int, description: str) -> Any:
        """Document an error answer an operation names, as it is sent: problem+json."""
        from posyandu.errors import ProblemSchema

        return self.alt_response(status, schema=ProblemSchema, content_type="application/problem+json",
                                 description=description)
