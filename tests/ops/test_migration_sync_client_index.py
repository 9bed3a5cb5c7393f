"""Migration 0012 on a database that ran 0007 before 0007 was amended to create the index on
sync_client's user and last seen (ix_sync_client_user_seen): such a database, at 0011, lacks it.
Upgrading creates it; on a database that has it (every one migrated since), the upgrade changes
nothing; the downgrade leaves it. On SQLite and PostgreSQL."""
from __future__ import annotations

from sqlalchemy import inspect, text

BEFORE = "6e4a2c9d1b58"  # 0011
INDEX = "ix_sync_client_user_seen"


def _indexes(db) -> dict[str, list[str]]:
    with db.engine.connect() as conn:
        return {ix["name"]: ix["column_names"] for ix in inspect(conn).get_indexes("sync_client")}


def test_upgrading_a_database_migrated_with_the_first_0007_creates_the_index(database_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from flask_migrate import downgrade, upgrade

    from config import TestConfig
    from posyandu import create_app
    from posyandu.extensions import db

    app = create_app(type("Amended", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": database_url}))
    with app.app_context():
        try:
            upgrade(revision=BEFORE)
            with db.engine.begin() as conn:
                conn.execute(text(f"DROP INDEX {INDEX}"))  # as the first 0007 left it
            assert INDEX not in _indexes(db)
            upgrade()
            assert _indexes(db)[INDEX] == ["user_id", "last_seen_at"]
            with db.engine.connect() as conn:
                assert compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                        db.metadata) == []
            downgrade(revision=BEFORE)  # harmless: 0007 as it stands has the index
            assert _indexes(db)[INDEX] == ["user_id", "last_seen_at"]
            upgrade()  # where the index is there already: nothing to do, no error
            assert _indexes(db)[INDEX] == ["user_id", "last_seen_at"]
        finally:
            db.session.remove()
            db.engine.dispose()
