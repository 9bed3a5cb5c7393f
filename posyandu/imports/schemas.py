"""Import arguments and the import report."""
from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import fields

from posyandu.errors import ProblemSchema
from posyandu.i18n import translate_field_message
from posyandu.validators import Schema, Uuid


class ImportArgs(Schema):
    dry_run = fields.Boolean(load_default=False, metadata={
        "description": "Check every row and report, without saving anything"})
    accept_valid = fields.Boolean(load_default=False, metadata={
        "description": "Save the valid rows even when some rows are refused (default: all or nothing)"})
    posyandu_id = Uuid(load_default=None, metadata={
        "description": "The posyandu of every row that names none: a posyandu's own register, its posyandu in "
                       "its title only, needs no Posyandu column then (a row naming one keeps it). One the caller "
                       "does not see, or closed, is 404 on posyandu_id."})


class ImportFileSchema(Schema):
    file = Upload(required=True, metadata={"description": (
        "CSV (comma, semicolon or tab separated; also .tsv, .txt) or XLSX, one row per visit (or per child "
        "without a visit). Columns (Indonesian or English names; case, spaces and a unit, in brackets or after the "
        "name (bb_lahir kg), are ignored, but a weight column headed in grams, bb_lahir (gram) or bb_lahir gram, is "
        "read in grams: 3200 is 3.2 kg; a weight in kg and in grams both is one weight where they agree, a cell "
        "plainly in the other column's unit read in it, 3,2 in both 3.2 kg): posyandu "
        "(name or id; or the upload's posyandu_id for rows naming none), nama, jenis_kelamin (L/P), tanggal_lahir (DD/MM/YYYY day first, "
        "YYYY-MM-DD, 15 Januari 2025, or a date cell) — required; nik, nik_ibu, nama_ibu, nama_ayah, no_hp, "
        "alamat, rt, rw, bb_lahir (kg), pb_lahir (cm), punya_kms (ya/tidak), bukan_duplikat (ya for twins); "
        "visit: tanggal_ukur, bb (kg), tb/pb (cm), posisi (berbaring/berdiri), lingkar_kepala, lila, edema. A totals "
        "line (\"Jumlah\"/\"Total\" as the name, no birth date, its sex empty or a count, L: 12, the rest numbers "
        "or empty, its visit date empty or a date) is skipped (skipped_rows).")})


class RowErrorsSchema(Schema):
    row = fields.Integer(metadata={"description": "Spreadsheet row number (the header is row 1)"})
    name = fields.String(allow_none=True, metadata={"description": (
        "The child's name as the row writes it (spaces collapsed, at most 100 characters), to find the row "
        "by; null when the row has none")})
    errors = fields.Function(lambda e: translate_field_message(e["errors"]),
                             metadata={"description": "Per column (as headed in the file): messages"})


class RepeatedRowSchema(Schema):
    row = fields.Integer(metadata={"description": "Spreadsheet row number (the header is row 1)"})
    repeats = fields.Integer(metadata={"description": "The earlier row it repeats"})


class CombinedRowSchema(Schema):
    row = fields.Integer(metadata={"description": "Spreadsheet row number (the header is row 1)"})
    combined_with = fields.Integer(metadata={"description": "The first row of the visit it adds its values to"})


class SkippedRowSchema(Schema):
    row = fields.Integer(metadata={"description": "Spreadsheet row number (the header is row 1)"})
    reason = fields.Function(lambda e: translate_field_message(e["reason"]),
                             metadata={"description": "Why it was skipped"})


class ImportResultSchema(Schema):
    dry_run = fields.Boolean()
    committed = fields.Boolean(metadata={"description": (
        "Whether the file was kept: every row, or with accept_valid its valid rows (a file of no valid row is "
        "refused, 422); false on a dry run. A file imported again keeps what it gives anew, nothing twice")})
    rows = fields.Integer()
    valid_rows = fields.Integer()
    invalid_rows = fields.Integer()
    children_created = fields.Integer()
    children_matched = fields.Integer(metadata={"description": (
        "Children already registered that rows are: by the id an earlier import gave, the NIK, the very name, sex "
        "and birth date, or her very name spelled otherwise (or a newborn's 'Bayi Ny. Siti' named since) with the "
        "rows' very visits; never a child of another name, nor of a name only alike (a twin weighed the same is "
        "in children_created, or refused as a likely duplicate)")})
    children_updated = fields.Integer(metadata={"description": (
        "Children found whose record lacked details the file gives (NIK, mother's NIK and name, father's name, "
        "phone, address, RT/RW, birth weight and length): filled in; a detail recorded already is kept")})
    visits_created = fields.Integer()
    visits_unchanged = fields.Integer(metadata={"description": (
        "Visits recorded before this file (imported before, or weighed in the app); a row repeating an earlier "
        "row's visit is in repeated_rows, a row adding to it in combined_rows, not here")})
    repeated_rows = fields.List(fields.Nested(RepeatedRowSchema), metadata={"description": (
        "Rows that repeat an earlier row of the file (its visit, or the whole row when it has no visit): "
        "accepted, nothing recorded twice, counted neither as visits nor as children")})
    combined_rows = fields.List(fields.Nested(CombinedRowSchema), metadata={"description": (
        "Rows of a child's day that an earlier row of the file gives a visit too, whose values agree with it "
        "(one row the weight, another the length or LiLA; a value given twice the same): one visit, with every "
        "row's values, counted once (its first row); a row giving a value otherwise is refused. A visit of "
        "that day recorded before the file (weighed in the app) is corrected in the app: a row adding a value "
        "to it is refused")})
    skipped_rows = fields.List(fields.Nested(SkippedRowSchema), metadata={"description": (
        "Rows that are no child's, skipped and said why: a register's totals line under its table (\"Jumlah\" "
        "or \"Total\" as the name, no birth date, its sex empty or a count, L: 12, every other cell a number or "
        "empty, its visit date empty or a date, the table's or the register's closing date), a line giving no "
        "child (only the posyandu or the visit date, or a yes/no saying no: a register's unused lines), the "
        "header's column numbers, the signature under the table; counted in none of the numbers "
        "above, rows neither")})
    errors = fields.List(fields.Nested(RowErrorsSchema), metadata={"description": "Every refused row and why"})
    ignored_columns = fields.List(fields.String(), metadata={"description": (
        "Headers of the file's columns the import does not read (immunisation doses, vitamin A, ages, "
        "nutrition status…; a row-number column aside): nothing in them was imported")})


class ImportRefusalSchema(ProblemSchema):
    """A file refused whole (422): the problem details with every refused row (``errors.rows``) and the
    rows skipped as no child's (``skipped_rows``)."""

    errors = fields.Dict(metadata={"description": (
        "rows: {row number: {column (as headed in the file): [messages]}}, every refused row; or file: [messages] "
        "when the file itself cannot be read or holds more rows than one upload takes")})
    skipped_rows = fields.List(fields.Nested(SkippedRowSchema), metadata={"description": (
        "With errors.rows: the rows skipped as no child's (a register's totals line), as a check answers them")})
    row_names = fields.Dict(keys=fields.String(), values=fields.String(), metadata={"description": (
        "With errors.rows: {row number: the child's name as the row writes it}, for the refused rows that give one")})
