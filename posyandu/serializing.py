"""marshmallow's dump and load of one record, without its per-field dispatch.

Every write serialises its record (the answer, the change log); a push of 500
measurements dumps 500 of them, and marshmallow spends most of that time looking
up how to read and convert each field rather than doing it. ``dumper(schema)``
plans that once per schema: for each field, where to read it and the field's own
conversion (``Field._serialize``), or, for the common types, the very function
marshmallow would call. The output is ``schema.dump``'s (tests/unit/test_serializing.py
compares them on every synced schema); a schema with dump hooks is dumped by
marshmallow itself.

Loading is planned the same way (``planned_load``), for what is valid: a value whose
conversion or validators fail, or that the plan is not sure of, sends the whole record
through marshmallow's own reading, so every error message is marshmallow's.
"""
from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from typing import Any

from marshmallow import EXCLUDE, INCLUDE, Schema, ValidationError, fields, missing, utils

from posyandu.validators import UUID_TEXT, Uuid, YesNo

_Convert = Callable[[Any, Any], Any]  # (value, obj) -> serialised value


def dumper(schema: Schema) -> Callable[[Any], dict[str, Any]]:
    """A function giving ``schema.dump(obj)`` for one object."""
    hooked = any(schema._hooks[key] for key in ("pre_dump", "post_dump"))  # noqa: SLF001
    own_lookup = type(schema).get_attribute is not Schema.get_attribute
    if schema.many or hooked or own_lookup:  # marshmallow's own dump
        return schema.dump
    plan: list[tuple[str, str, fields.Field, _Convert]] = []
    for name, field in schema.dump_fields.items():
        attr = field.attribute or name
        if "." in attr:  # a dotted path: marshmallow's own lookup
            return schema.dump
        plan.append((field.data_key or name, attr, field, _converter(field, attr)))

    def dump(obj: Any) -> dict[str, Any]:
        mapping = hasattr(obj, "__getitem__")  # read as marshmallow does: by key, then attribute
        # a mapped record's loaded columns are in its __dict__, where its attributes read them from
        loaded = obj.__dict__ if hasattr(obj, "_sa_instance_state") else {}
        out: dict[str, Any] = {}
        for key, attr, field, convert in plan:
            if attr in loaded:
                value = loaded[attr]
            else:
                value = utils.get_value(obj, attr, missing) if mapping else getattr(obj, attr, missing)
            if value is missing:  # as marshmallow: the dump default, or no key at all
                value = field.serialize(attr, obj, accessor=schema.get_attribute)
                if value is not missing:
                    out[key] = value
                continue
            out[key] = convert(value, obj)
        return out

    return dump


def _converter(field: fields.Field, attr: str) -> _Convert:
    """What ``field._serialize`` does, for the types whose conversion is one call."""
    kind = type(field)
    convert: Callable[[Any], Any] | None = None
    if kind in (fields.UUID, Uuid):
        convert = str
    elif kind is fields.String:
        convert = utils.ensure_text_type
    elif kind in (fields.Integer, fields.Float) and not field.as_string:  # type: ignore[attr-defined]
        convert = field.num_type  # type: ignore[attr-defined]
    elif kind in (fields.Boolean, YesNo, fields.Raw):
        return lambda value, obj: value
    elif _temporal(kind):
        convert = field.SERIALIZATION_FUNCS.get(field.format or field.DEFAULT_FORMAT)  # type: ignore[attr-defined]
    elif kind is fields.Dict and field.key_field is None and field.value_field is None:  # type: ignore[attr-defined]
        convert = field.mapping_type  # type: ignore[attr-defined]
    elif kind is fields.Nested and not field.many:  # type: ignore[attr-defined]
        nested = field.schema
        if not (nested.only or nested.exclude or nested.many):
            convert = dumper(nested)
    if convert is not None:
        return lambda value, obj: None if value is None else convert(value)
    serialize = field._serialize  # noqa: SLF001 (any other field: its own conversion, None included)
    return lambda value, obj: serialize(value, attr, obj)


def _temporal(kind: type) -> bool:
    """A date or datetime field converted by its format tables (``SERIALIZATION_FUNCS``,
    ``DESERIALIZATION_FUNCS``), as marshmallow's own, e.g. ``validators.Timestamp``."""
    return issubclass(kind, (fields.Date, fields.DateTime)) and \
        kind._serialize is fields.DateTime._serialize and kind._deserialize is fields.DateTime._deserialize  # noqa: SLF001


# --- load --------------------------------------------------------------------------------

_UNSURE = object()  # a conversion's answer when marshmallow should judge the value itself


class PlannedLoad(Schema):
    """A schema whose ``load`` reads the fields by a plan made once per schema instance.

    Only marshmallow's per-field reading (``Schema._deserialize``) is replaced, and only for
    one record whose every value the plan accepts: pre- and post-load hooks, field and
    schema validators and error handling stay marshmallow's. Anything else (a value that
    fails its conversion or a validator, a required field missing, an unknown field the
    schema refuses, a partial list) is read by marshmallow's own code from the start."""

    def _deserialize(self, data, *, error_store, many=False, partial=None, unknown=None,  # type: ignore[no-untyped-def,override]
                     index=None):
        if many or type(data) is not dict or partial not in (None, False, True):
            return super()._deserialize(data, error_store=error_store, many=many, partial=partial,
                                        unknown=unknown, index=index)
        plan = self.__dict__.get("_load_plan")
        if plan is None:
            plan = self.__dict__["_load_plan"] = _load_plan(self)
        out = _planned_read(plan, data, partial, unknown)
        if out is _UNSURE:
            return super()._deserialize(data, error_store=error_store, many=many, partial=partial,
                                        unknown=unknown, index=index)
        return out


def planned_load(schema_class: type[Schema]) -> type[Schema]:
    """``schema_class`` with its load planned (``PlannedLoad``)."""
    if issubclass(schema_class, PlannedLoad):
        return schema_class
    meta = type("Meta", (schema_class.Meta,), {"register": False})  # one class by that name in marshmallow's registry
    return type(schema_class.__name__, (PlannedLoad, schema_class),
                {"Meta": meta, "__module__": schema_class.__module__, "__doc__": schema_class.__doc__})


_Step = tuple[str, str, fields.Field, "Callable[[Any], Any] | None"]


def _load_plan(schema: Schema) -> tuple[list[_Step], frozenset[str]] | None:
    """Per load field: (data key, attribute, field, conversion or None for the field's own
    ``deserialize``), and every data key; None when the plan cannot read this schema."""
    steps: list[_Step] = []
    for name, field in schema.load_fields.items():
        attr = field.attribute or name
        if "." in attr:
            return None
        steps.append((field.data_key or name, attr, field, _load_converter(field)))
    return steps, frozenset(key for key, *_ in steps)


def _planned_read(plan: tuple[list[_Step], frozenset[str]] | None, data: dict[str, Any], partial: bool | None,
                  unknown: str | None) -> Any:
    """``Schema._deserialize`` of a record every value of which is valid, or ``_UNSURE``."""
    if plan is None:
        return _UNSURE
    steps, keys = plan
    kwargs = {} if partial is None else {"partial": partial}
    out: dict[str, Any] = {}
    for key, attr, field, convert in steps:
        raw = data.get(key, missing)
        if raw is missing:
            if partial is True:
                continue
            if field.required:
                return _UNSURE
            default = field.load_default
            if default is not missing:
                out[attr] = default() if callable(default) else default
            continue
        if convert is None:
            try:
                value = field.deserialize(raw, key, data, **kwargs)
            except ValidationError:
                return _UNSURE
        elif raw is None:
            if not field.allow_none:
                return _UNSURE
            value = None
        else:
            value = convert(raw)
            if value is _UNSURE:
                return _UNSURE
            try:
                for validator in field.validators:
                    validator(value)
            except ValidationError:
                return _UNSURE
        if value is not missing:
            out[attr] = value
    if unknown != EXCLUDE and not keys.issuperset(data):
        if unknown != INCLUDE:
            return _UNSURE
        out.update((k, v) for k, v in data.items() if k not in keys)
    return out


def _load_converter(field: fields.Field) -> Callable[[Any], Any] | None:
    """What ``field.deserialize`` does to a valid value of the type JSON gives it, for the
    common field types (``_UNSURE`` for any other value); None: call ``field.deserialize``."""
    kind = type(field)
    if field.pre_load or field.post_load:  # type: ignore[attr-defined]
        return None
    if kind is fields.String:
        return lambda raw: raw if type(raw) is str else _UNSURE
    if kind in (fields.UUID, Uuid):
        return _uuid
    if kind is fields.Integer:
        return lambda raw: raw if type(raw) is int else _UNSURE
    if kind is fields.Float and not field.allow_nan:  # type: ignore[attr-defined]
        return _finite_float
    if kind in (fields.Boolean, YesNo):
        return lambda raw: raw if type(raw) is bool else _UNSURE
    if kind is fields.Raw:
        return lambda raw: raw
    if kind is fields.Dict and field.key_field is None and field.value_field is None:  # type: ignore[attr-defined]
        mapping_type = field.mapping_type  # type: ignore[attr-defined]
        return lambda raw: mapping_type(raw) if type(raw) is dict else _UNSURE
    if _temporal(kind):
        parse = field.DESERIALIZATION_FUNCS.get(field.format or field.DEFAULT_FORMAT)  # type: ignore[attr-defined]
        if parse is not None:
            return lambda raw: _parsed(parse, raw)
    return None


def _uuid(raw: Any) -> Any:
    if type(raw) is not str or not UUID_TEXT.fullmatch(raw):  # any other writing: the field says why (``Uuid``)
        return _UNSURE
    try:
        return uuid.UUID(raw)
    except ValueError:
        return _UNSURE


def _finite_float(raw: Any) -> Any:
    if type(raw) is float:
        return raw if math.isfinite(raw) else _UNSURE
    if type(raw) is int and -2 ** 53 <= raw <= 2 ** 53:
        return float(raw)
    return _UNSURE


def _parsed(parse: Callable[[str], Any], raw: Any) -> Any:
    if type(raw) is not str:
        return _UNSURE
    try:
        return parse(raw)
    except (TypeError, AttributeError, ValueError):
        return _UNSURE
