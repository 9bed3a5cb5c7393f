"""``serializing.dumper(schema)`` gives exactly ``schema.dump`` (marshmallow is the reference).

Every synced record is serialised through a dumper (answers, change log, pull), so any
difference would reach phones. Checked on random objects for every synced schema, on
fields marshmallow treats specially (missing attributes, dump defaults, methods, hooks),
and on records as stored in both databases (tests/sync/test_push.py).
"""
from __future__ import annotations

import types
import uuid
from datetime import timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import Schema, fields, post_dump

from posyandu.growth.schemas import MeasurementSchema
from posyandu.immunisation.schemas import ImmunisationSchema, SupplementSchema
from posyandu.registry.schemas import ChildSchema, PosyanduSchema
from posyandu.serializing import dumper

SYNCED = [PosyanduSchema, ChildSchema, MeasurementSchema, ImmunisationSchema, SupplementSchema]
MISSING = object()


def _values(field: fields.Field) -> st.SearchStrategy[Any]:
    """Values of the kind a record holds for ``field`` (None included, and absent)."""
    kind = {
        fields.UUID: st.uuids(),
        fields.Integer: st.integers(-10**6, 10**6),
        fields.Float: st.one_of(st.floats(allow_nan=False), st.decimals(allow_nan=False, allow_infinity=False,
                                                                         places=2, max_value=10**6, min_value=-10**6)),
        fields.Boolean: st.booleans(),
        fields.Date: st.dates(),
        fields.DateTime: st.one_of(st.datetimes(), st.datetimes(timezones=st.just(timezone.utc))),
        fields.Dict: st.dictionaries(st.text(max_size=5), st.one_of(st.booleans(), st.integers(), st.none()),
                                     max_size=3),
        fields.List: st.lists(st.text(max_size=5), max_size=3),
    }
    if isinstance(field, fields.Nested):
        inner = field.schema
        return st.one_of(st.none(), st.fixed_dictionaries({n: _values(f) for n, f in inner.dump_fields.items()})
                         .map(lambda d: {k: v for k, v in d.items() if v is not MISSING}))
    base = next((s for t, s in kind.items() if isinstance(field, t)), st.text(max_size=8))
    return st.one_of(st.just(MISSING), st.none(), base)


@st.composite
def _record(draw: st.DrawFn, schema: Schema) -> Any:
    values = {name: draw(_values(f)) for name, f in schema.dump_fields.items()}
    present = {(f.attribute or name): v for (name, f), v in zip(schema.dump_fields.items(), values.values())
               if v is not MISSING}
    return present if draw(st.booleans()) else types.SimpleNamespace(**present)


@pytest.mark.parametrize("schema_class", SYNCED, ids=lambda c: c.__name__)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_dumper_equals_schema_dump(schema_class: type[Schema], data: st.DataObject) -> None:
    schema = schema_class()
    obj = data.draw(_record(schema))
    assert dumper(schema)(obj) == schema.dump(obj)


class Special(Schema):
    a = fields.String(dump_default="x")
    b = fields.Integer(attribute="bee", data_key="B")
    c = fields.Method("_c")
    d = fields.Float(as_string=True)
    e = fields.List(fields.UUID(), allow_none=True)
    f = fields.Decimal(places=1)
    g = fields.Constant(7)

    def _c(self, obj: Any) -> Any:
        return getattr(obj, "bee", 0) * 2


class Hooked(Schema):
    a = fields.String()

    @post_dump
    def _upper(self, data: dict, **kwargs: Any) -> dict:
        return {k: v.upper() for k, v in data.items()}


@pytest.mark.parametrize("obj", [
    types.SimpleNamespace(),
    types.SimpleNamespace(a=None, bee=3, d=1.5, e=[uuid.UUID(int=1)], f=Decimal("2.25")),
    {"a": "y", "bee": None, "d": None, "e": None, "f": None},
])
def test_fields_marshmallow_treats_specially(obj: Any) -> None:
    schema = Special()
    assert dumper(schema)(obj) == schema.dump(obj)
    assert dumper(Special(only=("a", "b")))(obj) == Special(only=("a", "b")).dump(obj)


class Looked(Schema):
    a = fields.String()

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        return "looked up"


def test_dump_hooks_and_own_lookups_are_marshmallows_own() -> None:
    assert dumper(Hooked())(types.SimpleNamespace(a="x")) == {"a": "X"}
    assert dumper(Looked())(types.SimpleNamespace(a="x")) == {"a": "looked up"}
