"""Immunisation and supplement schemas."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from posyandu import validators as v
from posyandu.immunisation.models import PLACES, SUPPLEMENT_KINDS
from posyandu.pagination import page_schema


class ChildEventSchema(Schema):
    """Fields every child event shares (ids, device clock, versioning)."""

    id = fields.UUID()
    child_id = fields.UUID(dump_only=True)
    posyandu_id = fields.UUID(dump_only=True)
    recorded_at = fields.DateTime(allow_none=True, metadata={"description": "The device's clock when saved"})
    possible_duplicate_of = fields.UUID(dump_only=True, allow_none=True)
    version = fields.Integer(dump_only=True)
    deleted_at = fields.DateTime(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)


class ImmunisationSchema(ChildEventSchema):
    vaccine = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9\-]{2,20}$"))
    dose = fields.Integer(required=True, validate=validate.Range(1, 10))
    given_on = fields.Date(required=True, validate=v.not_future)
    batch_number = v.Trimmed(allow_none=True, validate=validate.Length(max=40))
    expiry_date = fields.Date(allow_none=True)
    given_by = v.Trimmed(allow_none=True, validate=validate.Length(max=120))
    place = fields.String(load_default="posyandu", validate=validate.OneOf(PLACES))
    override_reason = v.Trimmed(allow_none=True, validate=validate.Length(max=255),
                                metadata={"description": "A bidan's reason to accept a dose the schedule rules refuse"})


class ImmunisationUpdateSchema(ImmunisationSchema):
    base_version = fields.Integer(load_only=True, validate=validate.Range(min=1))


class SupplementSchema(ChildEventSchema):
    kind = fields.String(required=True, validate=validate.OneOf(SUPPLEMENT_KINDS))
    given_on = fields.Date(required=True, validate=v.not_future)
    given_by = v.Trimmed(allow_none=True, validate=validate.Length(max=120))
    place = fields.String(load_default="posyandu", validate=validate.OneOf(("posyandu", "puskesmas", "elsewhere")))
    override_reason = v.Trimmed(allow_none=True, validate=validate.Length(max=255))


class SupplementUpdateSchema(SupplementSchema):
    base_version = fields.Integer(load_only=True, validate=validate.Range(min=1))


ImmunisationPage = page_schema(ImmunisationSchema, "ImmunisationPage")
SupplementPage = page_schema(SupplementSchema, "SupplementPage")
