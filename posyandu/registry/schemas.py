"""Schemas for areas, puskesmas, posyandu and children (validate, serialise, document)."""
from __future__ import annotations

from marshmallow import fields, post_load, validate

from posyandu import validators as v
from posyandu.i18n import Msg
from posyandu.pagination import PageArgs, page_schema
from posyandu.registry.models import Child
from posyandu.validators import Schema, Uuid

RT_RW = v.Pattern(r"^\d{1,3}$", Msg("1 to 3 digits", "1 sampai 3 angka"))
REGION_CODE = v.Pattern(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$",
                        Msg("must be a Kemendagri code such as 35.25.01.2001",
                            "harus kode Kemendagri, misalnya 35.25.01.2001"))


class RegionSchema(Schema):
    code = v.Filled(required=True, validate=REGION_CODE)  # blank: "wajib diisi", not the format
    name = v.PlaceName(required=True, validate=validate.Length(max=120))
    level = fields.String(dump_only=True)
    parent_code = fields.String(dump_only=True, allow_none=True, metadata={"description": "null for a province"})


class RegionQueryArgs(PageArgs):
    parent_code = fields.String(validate=REGION_CODE, metadata={
        "description": "Only the regions directly under this code (35.25: its kecamatan)"})
    code = fields.String(validate=REGION_CODE, metadata={
        "description": "Only the region of this code, if there is one (whether a code is taken)"})


class PuskesmasSchema(Schema):
    id = Uuid(dump_only=True)
    code = v.Trimmed(validate=validate.Length(max=20), allow_none=True, metadata={
        "description": "Unique case aside (`p3525010101` is `P3525010101`); stored upper-cased"})
    name = v.PlaceName(required=True, validate=validate.Length(max=120), metadata={
        "description": "Unique within its kecamatan, \"Puskesmas\" before it and case aside"})
    kecamatan_code = v.Filled(required=True, validate=REGION_CODE)  # blank: "wajib diisi", not the format
    kabupaten_code = fields.String(dump_only=True)


class PuskesmasUpdateSchema(PuskesmasSchema):
    """PATCH body for a puskesmas: any subset of its fields (its kabupaten follows the kecamatan)."""


class PosyanduSchema(Schema):
    id = Uuid()
    name = v.PlaceName(required=True, validate=validate.Length(max=120))
    desa_code = v.Filled(required=True, validate=REGION_CODE)  # blank: "wajib diisi", not the format
    puskesmas_id = Uuid(required=True)
    kabupaten_code = fields.String(dump_only=True)
    meeting_day = fields.Integer(required=True, strict=True, validate=validate.Range(1, 31))  # 7.9 is no day 7
    address = v.Trimmed(validate=validate.Length(max=255), allow_none=True)
    version = fields.Integer(dump_only=True)


class PosyanduUpdateSchema(PosyanduSchema):
    """PATCH body for a posyandu: any subset of fields."""

    id = v.own_id_field()


class MoveChildrenSchema(Schema):
    """Move every child registered at the posyandu in the URL to another."""

    to_posyandu_id = Uuid(required=True, metadata={"description": "The open posyandu they move to"})
    reason = v.Trimmed(validate=validate.Length(max=255), allow_none=True, metadata={
        "description": "Why (the posyandu closes, two merge), kept in each child's audit log row"})


class MovedChildrenSchema(Schema):
    moved = fields.Integer(dump_only=True, metadata={"description": "How many children moved (0: none was left there)"})
    to_posyandu_id = Uuid(dump_only=True)
    possible_duplicates = fields.Integer(dump_only=True, metadata={
        "description": "How many of them are now flagged as a likely duplicate of a child registered there, "
                       "for a bidan to merge or rule apart (GET /children?posyandu_id=…: possible_duplicate_of)"})


class PuskesmasQueryArgs(PageArgs):
    """A page of the puskesmas the caller's area touches, by name."""


class PosyanduQueryArgs(PageArgs):
    puskesmas_id = Uuid(metadata={"description": "Only this puskesmas's posyandu"})
    desa_code = fields.String(validate=REGION_CODE, metadata={
        "description": "Only the posyandu of this desa, or of every desa under a kecamatan, kabupaten or "
                       "province code given here (35.25.01: the kecamatan's)"})


class ChildSchema(Schema):
    """A child as registered by a cadre (Buku KIA identity page)."""

    id = Uuid(metadata={"description": "Made by the client that registers the child."})
    posyandu_id = Uuid(required=True)
    name = v.Trimmed(required=True, validate=[validate.Length(min=1, max=120), v.has_letter])
    sex = v.Filled(required=True, validate=validate.OneOf(["M", "F"]))  # blank: "wajib diisi", not the choices
    birth_date = v.Day(required=True, validate=v.birth_date)
    birth_weight_kg = v.Measure(allow_none=True, validate=v.between(0.5, 6.0, grams_hint=True), metadata={
        "description": "kg, kept to the gram (3 decimals: 2.499 is 2,499 g, under the 2,500 g line of low birth "
                       "weight). More decimals are rounded to the gram, half away from zero, on every database "
                       "(2.4995 is 2.5, 2.4994 is 2.499), and the rounded value is answered"})
    birth_length_cm = v.Measure(allow_none=True, validate=v.between(30, 65))
    nik = v.Nik(allow_none=True, metadata={"description": "16 digits; written in groups (spaces, dots or dashes "
                                                         "between them, as on the KTP) it is stored as its digits"})
    mother_nik = v.Nik(allow_none=True, metadata={"description": "As `nik`"})
    mother_name = v.Trimmed(allow_none=True, validate=validate.Length(max=120),
                            metadata={"description": "null to a dinkes user (the family's contact details)"})
    father_name = v.Trimmed(allow_none=True, validate=validate.Length(max=120))
    guardian_phone = v.Phone(allow_none=True, metadata={"description": "null to a dinkes user (the family's "
                                                                       "contact details)"})
    address = v.Trimmed(allow_none=True, validate=validate.Length(max=255))
    rt = fields.String(allow_none=True, validate=RT_RW)
    rw = fields.String(allow_none=True, validate=RT_RW)
    has_kms = v.YesNo(load_default=True)
    exit_date = v.Day(allow_none=True, validate=v.not_future, metadata={
        "description": "The day she left the register: died, or her family moved out of the area (with "
                       "`exit_reason`; both null: in the register, and clearing both undoes an exit). Not before "
                       "her birth nor her latest weighing or dose; after it she has none. Reports count her up "
                       "to and including the month of her exit, never after"})
    exit_reason = fields.String(allow_none=True, validate=validate.OneOf(["died", "moved_away"]), metadata={
        "description": "`died` (meninggal) or `moved_away` (pindah keluar wilayah), with `exit_date`"})
    kabupaten_code = fields.String(dump_only=True)
    arrived_on = v.Day(dump_only=True, allow_none=True, metadata={
        "description": "The day she was moved to the posyandu she is at; null when she was registered there. Reports "
                       "count her there from that month (before it, where she was); a phone's SKDN of an earlier "
                       "month leaves her out"})
    possible_duplicate_of = Uuid(dump_only=True, allow_none=True)
    merged_into = Uuid(dump_only=True, allow_none=True)
    version = fields.Integer(dump_only=True)
    deleted_at = v.Timestamp(dump_only=True, allow_none=True)
    created_at = v.Timestamp(dump_only=True)
    updated_at = v.Timestamp(dump_only=True)

    @post_load
    def _as_stored(self, data, **kwargs):  # type: ignore[no-untyped-def]
        """Birth weight and length rounded to their columns' scale, as measurements are."""
        return v.as_stored(data, Child)


class ChildUpdateSchema(ChildSchema):
    """PATCH body: any subset of fields, plus the version the client last saw."""

    id = v.own_id_field()

    base_version = v.base_version_field()


class ChildQueryArgs(PageArgs):
    posyandu_id = Uuid(metadata={"description": "Only this posyandu's children"})
    q = v.Trimmed(validate=validate.Length(min=1, max=60), metadata={"description": "Name search"})


class DeletedChildQueryArgs(PageArgs):
    posyandu_id = Uuid(metadata={"description": "Only this posyandu's deleted children"})


class DeleterSchema(Schema):
    name = fields.String(required=True)
    role = fields.String(required=True)


class DeletedChildSchema(Schema):
    """A deleted child a bidan or admin may bring back: who deleted her, why, what went with her."""

    id = Uuid(required=True)
    name = fields.String(required=True)
    sex = fields.String(required=True)
    birth_date = v.Day(required=True)
    posyandu_id = Uuid(required=True)
    deleted_at = v.Timestamp(required=True)
    posyandu_open = fields.Boolean(required=True, metadata={
        "description": "false: her posyandu was closed since; she is not brought back there (register her again)"})
    deleted_by = fields.Nested(DeleterSchema, allow_none=True, required=True, metadata={
        "description": "The user of her delete; null when it has no audit row naming one"})
    reason = fields.String(allow_none=True, required=True, metadata={"description": "The reason given for the delete"})
    removed = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True, metadata={
        "description": "Her records deleted with her, by entity (measurement, immunisation, supplement): "
                       "they come back with her"})
    recorded_after = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True, metadata={
        "description": "Records a phone sent for her after the delete (kept for review), by entity: the child may "
                       "still come to the posyandu"})


ChildPage = page_schema(ChildSchema, "ChildPage")
DeletedChildPage = page_schema(DeletedChildSchema, "DeletedChildPage")
PosyanduPage = page_schema(PosyanduSchema, "PosyanduPage")
RegionPage = page_schema(RegionSchema, "RegionPage")
PuskesmasPage = page_schema(PuskesmasSchema, "PuskesmasPage")


class DeleteArgs(Schema):
    reason = v.Trimmed(validate=validate.Length(max=255), allow_none=True, metadata={
        "description": "Why, kept in the audit log (in the query string: sent in a body it is refused)"})


class RecordDeleteArgs(DeleteArgs):
    """A child's or an event's delete: on the version the caller read, if given."""

    base_version = v.WholeNumber(validate=validate.Range(min=1), metadata={
        "description": f"The version you read; if another change came since, 409 ({v.STALE_VERSION.split(';')[0]})"})


class InvitationSchema(Schema):
    id = Uuid(dump_only=True, metadata={"description": "The code's id in the child's open codes (to revoke it)"})
    code = fields.String(dump_only=True, metadata={"description": "Shown once; give it to the parent."})
    child_id = Uuid(dump_only=True)
    expires_at = v.Timestamp(dump_only=True)


class OpenInvitationSchema(Schema):
    """A code not used yet (the code itself is shown only once, when made)."""

    id = Uuid(dump_only=True)
    child_id = Uuid(dump_only=True)
    created_at = v.Timestamp(dump_only=True)
    expires_at = v.Timestamp(dump_only=True)
    created_by = Uuid(dump_only=True, metadata={"description": "The kader or bidan who made it"})
    created_by_name = fields.String(dump_only=True)


class LinkedParentSchema(Schema):
    """A parent account that sees the child."""

    user_id = Uuid(dump_only=True)
    name = fields.String(dump_only=True)
    username = fields.String(dump_only=True)
    phone = fields.String(dump_only=True, allow_none=True)
    active = fields.Boolean(dump_only=True)
    linked_at = v.Timestamp(dump_only=True)


OpenInvitationPage = page_schema(OpenInvitationSchema, "OpenInvitationPage")
LinkedParentPage = page_schema(LinkedParentSchema, "LinkedParentPage")


class RestoreSchema(Schema):
    posyandu_id = Uuid(metadata={"description": (
        "The open posyandu she comes back at, moved there (default: hers): a child of a posyandu closed since "
        "cannot come back to it, and her weighings and doses would be lost with a new registration")})


class NotDuplicateSchema(Schema):
    reason = v.Trimmed(validate=validate.Length(max=255), allow_none=True,
                       metadata={"description": "Why they are different children (e.g. twins)"})


class MergeSchema(Schema):
    """Merge a duplicate registration (``loser``) into the child in the URL."""

    duplicate_id = Uuid(required=True)
    parents_confirmed = fields.Boolean(load_default=False, metadata={"description": (
        "each child has a parent account linked, or an invitation code open (a family holds it), that the other has "
        "not, and the bidan confirmed they are one child's parents (a mother and a father, each linked on a "
        "registration of their own): without it such a merge is 409 parents_differ, naming the accounts and "
        "counting the codes, as both families would see the one record")})

