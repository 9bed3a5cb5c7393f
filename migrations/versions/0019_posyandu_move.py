"""posyandu_move: each change of a posyandu's puskesmas or desa (and so kabupaten), on the local day it was
recorded, with where it stood before. Reports grouped and scoped every month by the posyandu's puskesmas and
desa as they stand now: a posyandu handed to a neighbouring puskesmas left its old puskesmas's past months
(S 97 → 67 in January of the year before) and joined the new one's, and the old midwife could not read its
months she had reported. Reports read a month before a move with the posyandu where it was
(``reports.cohort.as_of``).

Filled from the audit trail: every audited ``update`` of a posyandu that changed ``puskesmas_id`` or
``desa_code``, walked back from the posyandu as it stands, each move dated by the local day (WIB, WITA or
WIT, of its kabupaten before the move) of its audit row.

Revision ID: 2f6c8e1a9b35
Revises: 8d2f6b3a1c57
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "2f6c8e1a9b35"
down_revision = "8d2f6b3a1c57"
branch_labels = None
depends_on = None

MOVED = ("puskesmas_id", "desa_code", "kabupaten_code")


def upgrade() -> None:
    op.create_table(
        "posyandu_move",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("posyandu_id", sa.Uuid(), nullable=False),
        sa.Column("from_puskesmas_id", sa.Uuid(), nullable=False),
        sa.Column("from_desa_code", sa.String(length=13), nullable=False),
        sa.Column("from_kabupaten_code", sa.String(length=5), nullable=False),
        sa.Column("moved_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["posyandu_id"], ["posyandu.id"], name=op.f("fk_posyandu_move_posyandu_id_posyandu")),
        sa.ForeignKeyConstraint(["from_puskesmas_id"], ["puskesmas.id"],
                                name=op.f("fk_posyandu_move_from_puskesmas_id_puskesmas")),
        sa.ForeignKeyConstraint(["from_desa_code"], ["region.code"],
                                name=op.f("fk_posyandu_move_from_desa_code_region")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posyandu_move")),
    )
    op.create_index(op.f("ix_posyandu_move_posyandu_id"), "posyandu_move", ["posyandu_id"], unique=False)
    op.create_index(op.f("ix_posyandu_move_from_puskesmas_id"), "posyandu_move", ["from_puskesmas_id"], unique=False)
    op.create_index(op.f("ix_posyandu_move_moved_on"), "posyandu_move", ["moved_on"], unique=False)
    _from_audit()


def _from_audit() -> None:
    from posyandu.validators import local_today

    bind = op.get_bind()
    audit = sa.table("audit_log", sa.column("id", sa.BigInteger()), sa.column("entity", sa.String()),
                     sa.column("action", sa.String()), sa.column("record_id", sa.String()),
                     sa.column("at", sa.DateTime(timezone=True)), sa.column("changes", sa.JSON()))
    posyandu = sa.table("posyandu", sa.column("id", sa.Uuid()), sa.column("puskesmas_id", sa.Uuid()),
                        sa.column("desa_code", sa.String()), sa.column("kabupaten_code", sa.String()))
    changed = bind.execute(sa.select(audit.c.record_id, audit.c.at, audit.c.changes)
                           .where(audit.c.entity == "posyandu", audit.c.action == "update")
                           .order_by(audit.c.record_id, audit.c.at.desc(), audit.c.id.desc())).all()
    ids = {r.record_id for r in changed if isinstance(r.changes, dict) and {"puskesmas_id", "desa_code"} & r.changes.keys()}
    if not ids:
        return
    now = {str(r.id): {"puskesmas_id": str(r.puskesmas_id), "desa_code": r.desa_code, "kabupaten_code": r.kabupaten_code}
           for r in bind.execute(sa.select(posyandu).where(posyandu.c.id.in_([uuid.UUID(i) for i in ids])))}
    rows = []
    for record_id, at, changes in changed:  # newest first: each change undone gives where it stood before
        if record_id not in now or not isinstance(changes, dict):
            continue
        state = now[record_id]
        before = {**state, **{k: changes[k][0] for k in MOVED if k in changes}}
        if {"puskesmas_id", "desa_code"} & changes.keys() and all(before[k] for k in MOVED):
            at = at if at.tzinfo else at.replace(tzinfo=timezone.utc)
            rows.append({"id": uuid.uuid4(), "posyandu_id": uuid.UUID(record_id),
                         "from_puskesmas_id": uuid.UUID(str(before["puskesmas_id"])),
                         "from_desa_code": before["desa_code"], "from_kabupaten_code": before["kabupaten_code"],
                         "moved_on": local_today(before["kabupaten_code"], at), "created_at": at})
        now[record_id] = before
    if rows:
        op.bulk_insert(sa.table("posyandu_move", sa.column("id", sa.Uuid()), sa.column("posyandu_id", sa.Uuid()),
                                sa.column("from_puskesmas_id", sa.Uuid()), sa.column("from_desa_code", sa.String()),
                                sa.column("from_kabupaten_code", sa.String()), sa.column("moved_on", sa.Date()),
                                sa.column("created_at", sa.DateTime(timezone=True))), rows)


def downgrade() -> None:
    op.drop_index(op.f("ix_posyandu_move_moved_on"), table_name="posyandu_move")
    op.drop_index(op.f("ix_posyandu_move_from_puskesmas_id"), table_name="posyandu_move")
    op.drop_index(op.f("ix_posyandu_move_posyandu_id"), table_name="posyandu_move")
    op.drop_table("posyandu_move")
