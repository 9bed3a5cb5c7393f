"""Query parameters a route does not know are refused, and so is one given twice where the route
takes one value: 422 on the parameter, before the route runs. A caller without a valid token is
told 401 first on every route that needs one (as without the parameter), and a role the route
refuses 403 (``access.roles_required``): what a route takes is said only to whom may call it.

webargs drops an unknown query parameter and keeps the first of a repeated one: a health office's
script asking ``/reports/skdn?posyandu=…`` (for ``posyandu_id``) got the whole area's report, an
export with a misspelt month filter exported everything, ``?limit=1&limit=2`` answered one row: a
wrong answer handed on as right.

A route's parameters are the query schema it declares with ``@blp.arguments(…, location="query")``
(the parameters the OpenAPI document lists), none when it declares none; a ``fields.List`` may be
repeated (``?reason=T&reason=BGM``). A route marked ``@lenient_query`` takes any: the sync pull
and push, which phones of every app version call with what their version sends (an older one a
parameter since dropped, a newer one a parameter this server does not know yet). Refusing would
stop a phone's sync, and with it the records only that phone holds, until the app is updated;
there a parameter the server does not know changes nothing the phone is sent. And ``/health``,
which an uptime checker may call with a cache-busting parameter of its own.
"""
from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

from flask import current_app, request
from flask_jwt_extended import verify_jwt_in_request
from marshmallow import fields

from posyandu import access
from posyandu.errors import ValidationFailed
from posyandu.i18n import Msg
from posyandu.validators import Schema

F = TypeVar("F", bound=Callable[..., Any])
SCHEMAS = "_query_schemas"   # on a view method: the query schemas it declares
LENIENT = "_lenient_query"   # on a view method: takes any query parameter
REPEATED = Msg("given more than once: this parameter takes one value",
               "diisi lebih dari sekali: parameter ini hanya menerima satu nilai")


def lenient_query(func: F) -> F:
    """Mark a view method as taking query parameters it does not know (see the module's docstring)."""
    setattr(func, LENIENT, True)
    return func


def declare(func: Callable[..., Any], schema: Any) -> None:
    """Note on ``func`` (a view method, as decorated) that it reads the query with ``schema``."""
    setattr(func, SCHEMAS, (*getattr(func, SCHEMAS, ()), schema))


@functools.cache
def _parameters(schema: Any) -> dict[str, bool]:
    """A query schema's parameter names, each with whether it may be repeated."""
    instance: Schema = schema() if isinstance(schema, type) else schema
    return {field.data_key or name: isinstance(field, fields.List)
            for name, field in instance.fields.items() if not field.dump_only}


def _unknown(known: list[str]) -> Msg:
    if not known:
        return Msg("unknown parameter (this address takes none)",
                   "parameter tidak dikenal (alamat ini tidak menerima parameter)")
    names = ", ".join(known)
    return Msg(f"unknown parameter (this address takes: {names})",
               f"parameter tidak dikenal (alamat ini menerima: {names})")


def _public(method: Callable[..., Any]) -> bool:
    """Documented as taking no token (``@blp.doc(security=[])``: the login, the calculator, health)."""
    return getattr(method, "_apidoc", {}).get("manual_doc", {}).get("security") == []


def _view_method() -> Callable[..., Any] | None:
    view = current_app.view_functions.get(request.endpoint or "")
    view_class = getattr(view, "view_class", None)
    if view_class is None:
        return view
    method = getattr(view_class, request.method.lower(), None)
    if method is None and request.method == "HEAD":
        method = getattr(view_class, "get", None)
    return method


def declared_parameters() -> list[str]:
    """The query parameters the request's route takes (those its query schemas declare)."""
    method = _view_method()
    return [name for schema in getattr(method, SCHEMAS, ()) for name in _parameters(schema)]


def refuse_unknown_query() -> None:
    """``before_request`` of every API blueprint: 422 naming each query parameter the route does not
    know, or gives once and was given more than once."""
    if not request.args or request.method == "OPTIONS":
        return
    method = _view_method()
    if method is None or getattr(method, LENIENT, False):
        return
    known: dict[str, bool] = {}
    for schema in getattr(method, SCHEMAS, ()):
        known.update(_parameters(schema))
    errors: dict[str, list[Msg]] = {}
    for name, values in request.args.lists():
        if name not in known:
            errors[name] = [_unknown(list(known))]
        elif len(values) > 1 and not known[name]:
            errors[name] = [REPEATED]
    if errors:
        refuse_after_caller(errors, method)


def refuse_after_caller(errors: dict[str, list[Any]], method: Callable[..., Any] | None = None) -> None:
    """422 with ``errors`` (an unknown query parameter, a malformed id in the path), once the caller is
    judged as the route judges her: 401 without a token, then 403 to a role the route refuses (the
    documented order: a parent's PATCH of /children/abc is told 403, not its id's format)."""
    method = _view_method() if method is None else method
    if getattr(method, access.ROLES, None):
        access.check_role(getattr(method, access.ROLES))  # 401, then 403: a parent asking a report
    elif method is not None and not _public(method):
        # 401 (WWW-Authenticate) before 422: a refresh token is a token too (POST /auth/refresh)
        verify_jwt_in_request(verify_type=False)
    raise ValidationFailed(errors=errors)
