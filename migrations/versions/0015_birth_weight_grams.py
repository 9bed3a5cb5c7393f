"""child.birth_weight_kg: numeric(5,3), kg to the gram, instead of numeric(4,2) (10 g). PostgreSQL
rounded a birth weight of 2,495-2,499 g to 2.50 kg, onto the line of low birth weight (BBLR, under
2,500 g). Existing values keep their value (every numeric(4,2) fits numeric(5,3), up to 99.99 kg
against the schema's 6 kg).

PostgreSQL: ``ALTER COLUMN ... TYPE``: the scale changes, so the table is rewritten under an
exclusive lock (0.7 s for 100,000 children, its indexes included), and the release still serving
cannot run its prepared statements reading ``child`` again ("cached plan must not change result
type"): it is restarted right after (docs/deploy.md).

SQLite keeps any number as it is given, whatever the declared precision: only the declared type
changes, so the schema matches the models; alembic's batch mode rebuilds the table for that, with
foreign keys off meanwhile (the measurements, doses and others that refer to a child would refuse
the old table's drop; the data is checked with ``foreign_key_check`` before they are on again, a
key left dangling by the rebuild stopping the upgrade, one already dangling before it not;
``PRAGMA foreign_keys`` is a no-op inside a transaction, so it is set in autocommit blocks).

The downgrade rounds back to 10 g (PostgreSQL as its numeric does, half away from zero; SQLite with
its ``round``): 2.499 becomes 2.50.

Revision ID: 6daca862ff48
Revises: c42fe1cb8106
"""
from __future__ import annotations

from collections import Counter

import sqlalchemy as sa
from alembic import op

revision = "6daca862ff48"
down_revision = "c42fe1cb8106"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _retype(sa.Numeric(4, 2), sa.Numeric(5, 3))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":  # PostgreSQL rounds as it converts
        op.execute("UPDATE child SET birth_weight_kg = round(birth_weight_kg + 0.0, 2)"
                   " WHERE birth_weight_kg IS NOT NULL")
    _retype(sa.Numeric(5, 3), sa.Numeric(4, 2))


def _retype(old: sa.Numeric, new: sa.Numeric) -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("child", "birth_weight_kg", existing_type=old, type_=new, existing_nullable=True)
        return
    context = op.get_context()
    with context.autocommit_block():
        op.execute("PRAGMA foreign_keys=OFF")
    before = _dangling()
    with op.batch_alter_table("child") as batch_op:
        batch_op.alter_column("birth_weight_kg", existing_type=old, type_=new, existing_nullable=True)
    broken = _dangling() - before  # a key already dangling elsewhere is not this rebuild's
    if broken:  # rolled back with the migration's transaction
        raise RuntimeError(f"foreign keys broken by the rebuild of child: {sorted(broken.items())[:5]}")
    with context.autocommit_block():  # commits the rebuild first
        op.execute("PRAGMA foreign_keys=ON")


def _dangling() -> Counter:
    """How many rows of each table refer to a missing row of each other table (``foreign_key_check``:
    counted, not listed by rowid, which the rebuilt table's rows do not keep)."""
    rows = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    return Counter((table, parent) for table, _rowid, parent, _fkid in rows)
