"""Request and response shapes of /sync/push and /sync/pull (api-contract, Sync)."""
from __future__ import annotations

from marshmallow import INCLUDE, fields, validate

from posyandu.sync.push import PUSH_ENTITIES
from posyandu.validators import Filled, Schema, Timestamp, Uuid, WholeNumber

ENTITY_DOC = "child | measurement | immunisation | supplement (pull also sends posyandu)"


class MutationDoc(Schema):
    """One offline change, as push reads it (``posyandu.sync.push.MutationIn``). Documentation
    only: each mutation is validated on its own, and one with a missing or malformed field is
    answered ``rejected`` in its place while the others still apply (never a 422 for the batch)."""

    class Meta:
        unknown = INCLUDE

    mutation_id = fields.String(required=True, metadata={"format": "uuid",
                                                         "description": "Made by the client; the idempotency key"})
    entity = fields.String(required=True, metadata={"enum": list(PUSH_ENTITIES)})
    op = fields.String(required=True, metadata={"enum": ["upsert", "delete"]})
    id = fields.String(required=True, metadata={"format": "uuid",
                                                "description": "The record's id (made by the client that created it)"})
    base_version = fields.Raw(allow_none=True, metadata={
        "type": "integer", "nullable": True, "minimum": 1,
        "description": "The version the client last saw; null for a record it created"})
    data = fields.Dict(metadata={"description": "The record's fields, as in the REST API (events also carry "
                                                 "child_id; the fields the server computes, in a pulled record sent "
                                                 "back whole, are ignored; any other field the record has not "
                                                 "rejects the mutation on that field, as REST refuses it); a delete "
                                                 "may carry a reason (as the REST delete's "
                                                 "?reason=: text of at most 255 characters, else the "
                                                 "mutation is rejected on reason)"})


class AsSent(fields.Nested):
    """Documented as its nested schema, passed on as sent: push validates each mutation on its
    own (posyandu.sync.push), so anything in the list, even a non-object, is answered in its
    place instead of failing the whole batch; and it is not validated twice."""

    def deserialize(self, value, attr=None, data=None, **kwargs):  # type: ignore[no-untyped-def]
        return value


class PushSchema(Schema):
    # Unstorable text (NUL, lone surrogates) in one mutation rejects that mutation, not the push:
    # a whole-batch 422 would leave the phone's outbox stuck behind it forever.
    CHECKED_PER_ITEM = ("mutations",)

    client_id = Filled(required=True, validate=validate.Length(min=1, max=64),  # blank: "wajib diisi"
                              metadata={"description": "UUID of this installation of the app"})
    mutations = fields.List(AsSent(MutationDoc), required=True,
                            metadata={"description": "At most 500 (413 beyond); applied in order"})


class PushResultSchema(Schema):
    """Every key in every result (api-contract), null where it does not apply."""

    mutation_id = fields.String(required=True, allow_none=True, metadata={
        "description": "As sent; null only when the mutation's own mutation_id could not be read"})
    status = fields.String(required=True, metadata={"enum": ["applied", "conflict", "rejected"]})
    replayed = fields.Boolean(required=True, metadata={
        "description": "true when this mutation_id was seen before: the stored result of the first attempt, with its "
                       "original status"})
    version = fields.Integer(required=True, allow_none=True)
    record = fields.Dict(required=True, allow_none=True, metadata={
        "description": "The server record (applied: as stored; conflict: the server's version to resolve against); "
                       "null when rejected, and when applied to a record the caller no longer sees (a visit "
                       "recorded offline before she or the child left the posyandu: docs/sync.md)"})
    errors = fields.Dict(required=True, allow_none=True, metadata={
        "description": "Per-field messages (rejected), or the fields changed on both sides (conflict)"})
    errors_in = fields.Dict(metadata={"description": "With errors only: the same messages in every language, by "
                                                     "language code ({\"id\": {...}, \"en\": {...}}); errors "
                                                     "is the one Accept-Language asked for. A client keeping a "
                                                     "refusal shows it in whichever language the user picks later"})
    restorable = fields.Boolean(metadata={"description": "Only on a conflict with a deleted record that the caller may "
                                                         "not bring back, as false: a kader's change of a child a "
                                                         "midwife or admin deleted (only they restore her), or of a "
                                                         "child erased after her retention period; errors.deleted_at "
                                                         "says why. Her change can only be dropped (a restore would "
                                                         "be rejected)"})


class PushResponseSchema(Schema):
    results = fields.List(fields.Nested(PushResultSchema), required=True)


class PullArgs(Schema):
    cursor = fields.String(validate=validate.Length(max=512), metadata={"description": "Opaque; omit on first sync"})
    limit = WholeNumber(load_default=500, validate=validate.Range(1, 1000),
                           metadata={"description": "At most this many changes (default 500)"})
    client_id = fields.String(validate=validate.Length(min=1, max=64),
                              metadata={"description": "This installation's id, as in push (optional): the server "
                                                       "notes when the phone last synced (GET /sync/devices), and "
                                                       "knows it as one that held what it pulled (a visit recorded "
                                                       "before the child or its kader left a posyandu is kept only "
                                                       "from such a phone: docs/sync.md)"})
    pending = WholeNumber(validate=validate.Range(0, 10_000_000),
                             metadata={"description": "Changes the phone still holds unsent "
                                                      "(optional, with client_id)"})


class DeviceSchema(Schema):
    """A phone that syncs, as the server last saw it."""

    client_id = fields.String()
    user_id = Uuid()
    user_name = fields.String()
    username = fields.String()
    role = fields.String()
    user_active = fields.Boolean(metadata={
        "description": "false: the account is switched off, so this phone can send nothing it holds until an "
                       "admin switches it on again and its user logs in"})
    posyandu_id = Uuid(allow_none=True, metadata={"description": "The kader's posyandu"})
    app_version = fields.String(allow_none=True, metadata={
        "description": "The app the phone last synced with (its X-Client-Version: `pwa-<hash of its files>`)"})
    app_current = fields.Boolean(allow_none=True, metadata={
        "description": "false: an older app than the one served now (it updates when opened with signal and "
                       "its user accepts the update); null: unknown"})
    first_seen = Timestamp()
    last_seen_at = Timestamp(metadata={"description": "Its last push or pull"})
    last_push_at = Timestamp(allow_none=True)
    last_pull_at = Timestamp(allow_none=True)
    pending_changes = fields.Integer(allow_none=True, metadata={
        "description": "Changes it said it still held unsent at its last pull (null: never said)"})
    signed_out_at = Timestamp(allow_none=True, metadata={
        "description": "When its login was ended by POST /sync/devices/{client_id}/sign-out (null: not since its "
                       "user last logged in on it)"})
    replaced = fields.Boolean(metadata={
        "description": "Its user has a phone first seen after this one's last sync (a new phone, or the app "
                       "installed again): if this one was lost, sign it out"})


class UnsyncedStaffSchema(Schema):
    """A kader or midwife whose account is on and who has not synced from any phone yet."""

    user_id = Uuid()
    user_name = fields.String()
    username = fields.String()
    role = fields.String(metadata={"enum": ["kader", "bidan"]})
    posyandu_id = Uuid(allow_none=True, metadata={"description": "The kader's posyandu"})


class ChangeSchema(Schema):
    entity = fields.String(required=True, metadata={"description": ENTITY_DOC, "enum": [*PUSH_ENTITIES, "posyandu"]})
    op = fields.String(required=True, metadata={"enum": ["upsert", "delete"]})
    id = fields.String(required=True, metadata={"format": "uuid"})
    version = fields.Integer(required=True)
    record = fields.Dict(required=True, allow_none=True, metadata={
        "description": "The record (measurements with server-computed z-scores and status); the tombstone on delete"})
    reason = fields.String(required=True, allow_none=True, metadata={
        "enum": ["deleted", "out_of_scope", None],
        "description": "On a delete: deleted, or the record left your scope (e.g. the child moved away)"})


class PullResponseSchema(Schema):
    changes = fields.List(fields.Nested(ChangeSchema), required=True)
    cursor = fields.String(required=True, metadata={"description": "Opaque: send it as cursor on the next pull"})
    has_more = fields.Boolean(required=True)
    reset = fields.Boolean(required=True, metadata={
        "description": "Drop your pulled copy (keep unsent changes) and apply these changes as a fresh first sync"})
