"""``schema.dump`` of one record, without marshmallow's per-field dispatch.

Every write serialises its record (the answer, the change log); a push of 500
measurements dumps 500 of them, and marshmallow spends most of that time looking
up how to read and convert each field rather than doing it. ``dumper(schema)``
plans that once per schema: for each field, where to read it and the field's own
conversion (``Field._serialize``), or, for the common types, the very function
marshmallow would call. The output is ``schema.dump``'s (tests/unit/test_serializing.py
compares them on every synced schema); a schema with dump hooks is dumped by
marshmallow itself.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import Schema, fields, missing, utils

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
    if kind is fields.UUID:
        convert = str
    elif kind is fields.String:
        convert = utils.ensure_text_type
    elif kind in (fields.Integer, fields.Float) and not field.as_string:  # type: ignore[attr-defined]
        convert = field.num_type  # type: ignore[attr-defined]
    elif kind in (fields.Boolean, fields.Raw):
        return lambda value, obj: value
    elif kind in (fields.Date, fields.DateTime):
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
