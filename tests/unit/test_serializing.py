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
from marshmallow import Schema, ValidationError, fields, post_dump

from posyandu.growth.schemas import MeasurementSchema
from posyandu.immunisation.schemas import ImmunisationSchema, SupplementSchema
from posyandu.registry.schemas import ChildSchema, PosyanduSchema
from posyandu.serializing import dumper, planned_load

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


# --- planned_load: the same answer as marshmallow's load, errors included ------------------

def _push_load_schemas() -> list[tuple[str, Schema, Schema]]:
    """(name, planned, marshmallow's own) for every schema a push loads with."""
    from marshmallow import EXCLUDE

    from posyandu.growth.schemas import MeasurementUpdateSchema
    from posyandu.immunisation.schemas import ImmunisationUpdateSchema, SupplementUpdateSchema
    from posyandu.registry.schemas import ChildUpdateSchema
    from posyandu.sync.push import MutationIn

    out: list[tuple[str, Schema, Schema]] = [("MutationIn", MutationIn(), Schema.from_dict(
        dict(MutationIn._declared_fields), name="PlainMutationIn")(unknown=EXCLUDE))]  # noqa: SLF001
    for create, update in ((ChildSchema, ChildUpdateSchema), (MeasurementSchema, MeasurementUpdateSchema),
                           (ImmunisationSchema, ImmunisationUpdateSchema), (SupplementSchema, SupplementUpdateSchema)):
        # as the push loads them (``sync.push._schemas``): an unknown field refused
        out.append((create.__name__, planned_load(create)(), create()))
        out.append((update.__name__, planned_load(update)(partial=True), update(partial=True)))
    return out


LOADERS = _push_load_schemas()

_JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2**60, 2**60), st.floats(), st.text(max_size=6))


def _raw_values(field: fields.Field) -> st.SearchStrategy[Any]:
    """What a phone may send for ``field``: a plausible value of its type, near misses, and
    anything else JSON holds."""
    plausible = {
        fields.UUID: st.one_of(st.uuids().map(str), st.uuids().map(lambda u: u.hex), st.just("not-a-uuid")),
        fields.Integer: st.one_of(st.integers(-3, 10**6), st.sampled_from([1.0, 1.5, "2", True])),
        fields.Float: st.one_of(st.floats(0, 200), st.integers(0, 200), st.integers(2**53, 2**70),
                                st.sampled_from([float("nan"), float("inf"), "8.5", 1e400])),
        fields.Boolean: st.one_of(st.booleans(), st.sampled_from(["true", 1, 0, "no"])),
        fields.Date: st.one_of(st.dates().map(str), st.sampled_from(["2024-02-30", "", "2024-1-5", "2999-01-01"])),
        fields.DateTime: st.one_of(st.datetimes().map(lambda d: d.isoformat()),
                                   st.sampled_from(["2024-01-01T00:00:00Z", "yesterday", ""])),
        fields.Dict: st.dictionaries(st.text(max_size=4), _JSON_SCALARS, max_size=3),
    }
    base = next((s for t, s in plausible.items() if isinstance(field, t)), None)
    if base is None:
        choices = getattr(next((vd for vd in field.validators if hasattr(vd, "choices")), None), "choices", None)
        base = st.sampled_from(sorted(choices)) if choices else st.text(max_size=12)
    return st.one_of(base, base, _JSON_SCALARS, st.lists(_JSON_SCALARS, max_size=2))


VALID = {  # one valid record per schema, which _payload perturbs
    "MutationIn": {"mutation_id": str(uuid.UUID(int=1)), "entity": "measurement", "op": "upsert",
                   "id": str(uuid.UUID(int=2)), "base_version": 3, "data": {"weight_kg": 8}},
    "ChildSchema": {"id": str(uuid.UUID(int=3)), "posyandu_id": str(uuid.UUID(int=4)), "name": " Siti  Aminah ",
                    "sex": "F", "birth_date": "2023-04-05", "birth_weight_kg": 3.1, "birth_length_cm": 49,
                    "nik": "3201014504230001", "mother_name": "Rina", "rt": "01", "rw": "002", "has_kms": True},
    "MeasurementSchema": {"id": str(uuid.UUID(int=5)), "measured_on": "2024-05-06", "weight_kg": 9.25,
                          "length_height_cm": 74, "position": "lying", "head_circumference_cm": 45.5,
                          "muac_cm": 14, "oedema": False, "recorded_at": "2024-05-06T09:00:00+07:00",
                          "trend_override": "N", "trend_override_reason": "  timbangan  rusak "},
    "ImmunisationSchema": {"id": str(uuid.UUID(int=6)), "vaccine": "DPT-HB-Hib", "dose": 2,
                           "given_on": "2024-05-06", "batch_number": "B 12", "expiry_date": "2025-01-01",
                           "place": "puskesmas", "recorded_at": "2024-05-06T09:00:00Z"},
    "SupplementSchema": {"id": str(uuid.UUID(int=7)), "kind": "vitamin_a_blue", "given_on": "2024-02-06",
                         "given_by": "Bidan Sri", "place": "posyandu"},
}


@st.composite
def _payload(draw: st.DrawFn, name: str, schema: Schema) -> Any:
    """A valid record with a few fields dropped, changed to anything a phone may send, or
    added (dump-only fields too: phones send whole records back); now and then not a record."""
    if draw(st.integers(0, 30)) == 0:
        return draw(st.one_of(_JSON_SCALARS, st.lists(_JSON_SCALARS, max_size=2)))
    out = dict(VALID[name.replace("Update", "")])
    names = sorted(schema.fields)
    for _ in range(draw(st.integers(0, 3))):
        field_name = draw(st.sampled_from(names))
        f = schema.fields[field_name]
        if draw(st.integers(0, 3)) == 0:
            out.pop(f.data_key or field_name, None)
        else:
            out[f.data_key or field_name] = draw(_raw_values(f))
    if draw(st.integers(0, 4)) == 0:
        out[draw(st.text(max_size=5))] = draw(_JSON_SCALARS)
    return out


def _outcome(schema: Schema, data: Any) -> tuple[str, Any]:
    try:
        return "loaded", schema.load(data)
    except ValidationError as exc:
        return "refused", exc.messages


def _same(a: Any, b: Any) -> bool:
    """Equal, NaN-safe, and of the same types (8 and 8.0 are equal but not the same load)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, float) and isinstance(b, float) and a != a:
        return b != b
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("name,planned,plain", LOADERS, ids=[n for n, *_ in LOADERS])
@settings(max_examples=120, deadline=None)
@given(data=st.data())
def test_planned_load_equals_marshmallow_load(name: str, planned: Schema, plain: Schema,
                                              data: st.DataObject) -> None:
    payload = data.draw(_payload(name, plain))
    assert _same(_outcome(planned, payload), _outcome(plain, payload))



class Inner(Schema):
    x = fields.Integer(required=True)


class SpecialLoad(Schema):
    a = fields.String(required=True, validate=lambda s: len(s) < 4)
    b = fields.Integer(attribute="bee", data_key="B", load_default=lambda: 5)
    c = fields.Nested(Inner, allow_none=True)
    d = fields.Decimal(places=1, allow_none=True)
    e = fields.List(fields.UUID(), load_default=list)
    f = fields.String(pre_load=[str.strip], post_load=[str.upper])
    g = fields.Float(allow_nan=True)
    h = fields.Date(format="%d/%m/%Y")
    i = fields.Float(allow_none=True)
    j = fields.Integer()


class Dotted(Schema):
    a = fields.String(attribute="x.y")


SPECIAL_INPUTS = [
    {"a": "ok"}, {"a": "long!"}, {}, {"a": "ok", "B": 2, "c": {"x": 1}, "d": "1.25", "e": [str(uuid.UUID(int=1))],
                                     "f": " hi ", "g": float("nan"), "h": "05/01/2024"},
    {"a": "ok", "c": {"x": "no"}}, {"a": "ok", "c": None, "d": None}, {"a": "ok", "zz": 1}, {"a": "ok", "B": None},
    {"a": None}, {"a": "ok", "h": "2024-01-05"}, [{"a": "ok"}], "x",
    {"a": "ok", "i": float("nan")}, {"a": "ok", "i": 2**60 + 1}, {"a": "ok", "i": "1.5"}, {"a": "ok", "i": None},
    {"a": "ok", "i": 3}, {"a": "ok", "j": 1.5}, {"a": "ok", "j": True}, {"a": "ok", "j": None},
]


@pytest.mark.parametrize("unknown", ["raise", "include", "exclude"])
@pytest.mark.parametrize("partial", [None, True, ("a",)])
@pytest.mark.parametrize("payload", SPECIAL_INPUTS)
def test_planned_load_of_fields_marshmallow_treats_specially(unknown: str, partial: Any, payload: Any) -> None:
    planned = planned_load(SpecialLoad)(unknown=unknown, partial=partial)
    assert _same(_outcome(planned, payload), _outcome(SpecialLoad(unknown=unknown, partial=partial), payload))
    assert _same(_outcome(planned_load(SpecialLoad)(many=True), [payload]),
                 _outcome(SpecialLoad(many=True), [payload]))
    assert _same(_outcome(planned_load(Dotted)(), payload), _outcome(Dotted(), payload))


def test_a_valid_record_is_read_by_the_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    """Not by marshmallow's per-field reading, which the plan replaces (else nothing is gained)."""
    from marshmallow import EXCLUDE

    planned = planned_load(MeasurementSchema)(unknown=EXCLUDE)
    valid = {"measured_on": "2024-01-05", "weight_kg": 8, "length_height_cm": 70.04, "position": "lying",
             "zscores": {"wfa": 0}, "recorded_at": "2024-01-05T08:00:00+07:00"}
    expected = MeasurementSchema(unknown=EXCLUDE).load(valid)
    calls: list[Any] = []
    original = Schema._deserialize  # noqa: SLF001

    def counted(self: Schema, *args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Schema, "_deserialize", counted)
    assert _same(planned.load(valid), expected) and expected["length_height_cm"] == 70.0
    assert calls == []
    with pytest.raises(ValidationError) as refused:
        planned.load({**valid, "weight_kg": 800})
    assert "looks like grams" in refused.value.messages["weight_kg"][0] and len(calls) == 1


def test_planned_classes_stay_out_of_marshmallows_registry() -> None:
    """``fields.Nested("MeasurementSchema")`` must still find exactly one class."""
    from marshmallow import class_registry

    planned = planned_load(MeasurementSchema)
    assert class_registry.get_class("MeasurementSchema") is MeasurementSchema
    assert planned is not MeasurementSchema and planned_load(planned) is planned  # planned once
