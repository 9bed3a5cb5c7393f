"""The change log that pulls read, its commit-ordered counter, and the push ledger."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from posyandu.database import utcnow
from posyandu.extensions import db


class ChangeLog(db.Model):
    """One row per committed version of a synced record (post-change snapshot).

    ``seq`` is stamped from ``SyncCounter`` as the last statement of the
    writing transaction, so seq order equals commit order (sync-notes §1.4).
    """

    __tablename__ = "change_log"
    __table_args__ = (
        UniqueConstraint("entity", "record_id", "version"),
        Index("ix_change_log_posyandu_seq", "posyandu_id", "seq"),
        Index("ix_change_log_prev_posyandu_seq", "prev_posyandu_id", "seq"),
        Index("ix_change_log_child_seq", "child_id", "seq"),
        Index("ix_change_log_record", "record_id", "version"),
    )

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(db.Integer, "sqlite"), primary_key=True, autoincrement=False)
    entity: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[uuid.UUID]
    version: Mapped[int]
    op: Mapped[str] = mapped_column(String(6))  # upsert | delete
    record: Mapped[dict[str, Any]]
    changed_fields: Mapped[list[Any] | None]
    posyandu_id: Mapped[uuid.UUID | None]
    prev_posyandu_id: Mapped[uuid.UUID | None]
    child_id: Mapped[uuid.UUID | None]
    kabupaten_code: Mapped[str | None] = mapped_column(String(5))
    user_id: Mapped[uuid.UUID | None]
    client_id: Mapped[str | None] = mapped_column(String(64))
    mutation_id: Mapped[uuid.UUID | None]
    committed_at: Mapped[datetime] = mapped_column(default=utcnow)


class SyncCounter(db.Model):
    """A single row; ``UPDATE … RETURNING`` on it allocates change_log seqs."""

    __tablename__ = "sync_counter"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(BigInteger().with_variant(db.Integer, "sqlite"))


class SyncMutation(db.Model):
    """Idempotency ledger: the answer to every pushed mutation (its record by reference to the
    change log, which holds it at that version)."""

    __tablename__ = "sync_mutation"

    mutation_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[uuid.UUID]
    entity: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[uuid.UUID | None]
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10))
    result: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SyncClient(db.Model):
    """What the server knows about one installation of the app (diagnostics)."""

    __tablename__ = "sync_client"
    __table_args__ = (Index("ix_sync_client_user_seen", "user_id", "last_seen_at"),)   # GET /sync/devices

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID]
    app_version: Mapped[str | None] = mapped_column(String(40))
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_push_at: Mapped[datetime | None]
    last_pull_at: Mapped[datetime | None]
    last_pull_seq: Mapped[int | None] = mapped_column(BigInteger().with_variant(db.Integer, "sqlite"))
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)   # its last push or pull
    pending_changes: Mapped[int | None]   # what it said it still held unsent, at its last pull
    # the login (``TokenFamily``) it last synced with, and when a midwife or admin ended that login (a lost
    # phone): ``sync.devices.sign_out``. A new login on the phone makes it that one's, no longer signed out
    token_family_id: Mapped[str | None] = mapped_column(String(64))
    signed_out_at: Mapped[datetime | None]
