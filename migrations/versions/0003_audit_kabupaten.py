"""audit_log.kabupaten_code: the region of the record changed.

Every large table now carries the kabupaten (child, measurement, immunisation,
supplement, change_log already did): a region's audit trail reads one index, and
the table can be distributed by kabupaten with Citus (docs/scaling.md). Existing
rows are filled from the record they describe where it still exists.

Revision ID: 9b3f6a1d2c10
Revises: 5d1e0c2a7f42
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "9b3f6a1d2c10"
down_revision = "5d1e0c2a7f42"
branch_labels = None
depends_on = None

SOURCES = {"child": "child", "measurement": "measurement", "immunisation": "immunisation",
           "supplement": "supplement", "posyandu": "posyandu"}


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch_op:
        batch_op.add_column(sa.Column("kabupaten_code", sa.String(length=5), nullable=True))
        batch_op.create_index("ix_audit_log_kabupaten_at", ["kabupaten_code", "at"], unique=False)
    # Uuid columns are native on PostgreSQL and 32 hex digits on SQLite; record_id is the dashed text.
    same = ("CAST(t.id AS VARCHAR(64)) = audit_log.record_id" if op.get_bind().dialect.name == "postgresql"
            else "t.id = REPLACE(audit_log.record_id, '-', '')")
    for entity, table in SOURCES.items():
        op.execute(f"UPDATE audit_log SET kabupaten_code = (SELECT t.kabupaten_code FROM {table} t WHERE {same}) "
                   f"WHERE entity = '{entity}'")


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch_op:
        batch_op.drop_index("ix_audit_log_kabupaten_at")
        batch_op.drop_column("kabupaten_code")
