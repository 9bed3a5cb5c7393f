"""Migration 0015: child.birth_weight_kg to the gram (numeric(5,3), was numeric(4,2)), on SQLite and
PostgreSQL, on a database holding children with weighings (on SQLite the child table is rebuilt with
foreign keys off; they are on again after). Existing birth weights keep their value; 2.499 kg is
kept as it is; the downgrade rounds it back to 10 g."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import text

from tests.support.migrations import dispose, upgraded_app

BEFORE = "c42fe1cb8106"  # 0014


def _weights(db) -> dict[str, float | None]:
    with db.engine.connect() as conn:
        return {name: None if kg is None else float(kg)
                for name, kg in conn.execute(text("SELECT name, birth_weight_kg FROM child"))}


def test_the_birth_weight_column_keeps_grams_and_every_row(database_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from flask_migrate import downgrade, upgrade

    from posyandu.extensions import db

    # rows written through today's app (its model is today's), then taken back to 0014
    app, world = upgraded_app(database_url)
    client, h = app.test_client(), world.headers("kader1")
    born = (date.today() - timedelta(days=60)).isoformat()

    def register(name, kg):
        made = client.post("/api/v1/children", headers=h, json={
            "posyandu_id": str(world.ids["p1"]), "name": name, "sex": "F", "birth_date": born, "birth_weight_kg": kg})
        assert made.status_code == 201, made.get_json()
        weighed = client.post(f"/api/v1/children/{made.get_json()['id']}/measurements", headers=h,
                              json={"measured_on": date.today().isoformat(), "weight_kg": 4.1})
        assert weighed.status_code == 201, weighed.get_json()
        return made.get_json()

    try:
        register("Siti Lama", 3.25)
        register("Tanpa Berat", None)
        with app.app_context():
            db.session.remove()
            downgrade(revision=BEFORE)   # at 0014: numeric(4,2)
            upgrade()
            assert _weights(db) == {"Siti Lama": 3.25, "Tanpa Berat": None}
            with db.engine.connect() as conn:
                assert compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata) == []
                assert conn.execute(text("SELECT count(*) FROM measurement")).scalar_one() == 2
                if conn.dialect.name == "sqlite":  # on again for the connections the app goes on with
                    assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
                    assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
        gram = register("Bayi Gram", 2.499)
        assert gram["birth_weight_kg"] == 2.499
        with app.app_context():
            assert _weights(db)["Bayi Gram"] == 2.499
            db.session.remove()
            downgrade(revision=BEFORE)
            assert _weights(db) == {"Siti Lama": 3.25, "Tanpa Berat": None, "Bayi Gram": 2.5}
            upgrade()
            assert _weights(db) == {"Siti Lama": 3.25, "Tanpa Berat": None, "Bayi Gram": 2.5}
            with db.engine.connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM measurement")).scalar_one() == 3
    finally:
        dispose(app)


def test_a_key_already_dangling_elsewhere_does_not_stop_the_sqlite_rebuild(tmp_path):
    """The rebuild checked every foreign key of the database: one measurement left pointing at a
    posyandu that is gone (written with foreign keys off, by hand or an old bug) stopped the upgrade,
    which had nothing to do with it. Only keys the rebuild leaves dangling stop it now; the child's
    rows, and that measurement, are all kept."""
    import uuid

    from flask_migrate import downgrade, upgrade

    from posyandu.extensions import db

    url = f"sqlite:///{tmp_path / 'dangling.sqlite3'}"
    # rows written through today's app (its model is today's), then taken back to 0014
    app, world = upgraded_app(url)
    client, h = app.test_client(), world.headers("kader1")
    made = client.post("/api/v1/children", headers=h, json={
        "posyandu_id": str(world.ids["p1"]), "name": "Siti Tetap", "sex": "F",
        "birth_date": (date.today() - timedelta(days=60)).isoformat(), "birth_weight_kg": 3.25}).get_json()
    for day in (date.today() - timedelta(days=1), date.today()):
        weighed = client.post(f"/api/v1/children/{made['id']}/measurements", headers=h,
                              json={"measured_on": day.isoformat(), "weight_kg": 4.1})
        assert weighed.status_code == 201, weighed.get_json()
    gone = uuid.uuid4().hex  # as SQLite keeps a UUID
    try:
        with app.app_context():
            db.session.remove()
            downgrade(revision=BEFORE)
            with db.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
                conn.execute(text("UPDATE measurement SET posyandu_id = :gone WHERE measured_on = :day"),
                             {"gone": gone, "day": date.today().isoformat()})
                conn.commit()
                assert [r[0] for r in conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()] == ["measurement"]
            db.session.remove()
            upgrade()
            assert _weights(db) == {"Siti Tetap": 3.25}
            with db.engine.connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM measurement")).scalar_one() == 2
                assert [(r[0], r[2]) for r in conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()] == [
                    ("measurement", "posyandu")]  # still there, for someone to look at; nothing new
    finally:
        dispose(app)


def test_on_postgresql_the_upgrade_stops_rather_than_queue_every_request_behind_a_long_report(database_url):
    """The ALTER of ``child`` waits for its exclusive lock behind any open transaction that read the table
    (a district's report), and every request reading ``child`` then queued behind the ALTER: the
    service stalled for as long as the report ran. The migration now gives up after
    ``MIGRATION_LOCK_TIMEOUT_MS``, its transaction rolled back (still at 0014), and goes through once
    the report is done."""
    import time

    import pytest
    from flask_migrate import upgrade
    from sqlalchemy import create_engine
    from sqlalchemy.exc import OperationalError

    from config import TestConfig
    from posyandu import create_app
    from posyandu.extensions import db

    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no lock waits of this kind (one writer at a time)")
    app = create_app(type("Waits", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": False,
                                                   "MIGRATION_LOCK_TIMEOUT_MS": 700}))
    with app.app_context():
        upgrade(revision=BEFORE)
    report = create_engine(database_url)
    try:
        with report.connect() as reading:
            # ended by the server after 20 s, so a migration waiting for ever fails this test, not hangs it
            reading.execute(text("SET idle_in_transaction_session_timeout = '20s'"))
            reading.execute(text("SELECT count(*) FROM child")).scalar_one()  # its transaction stays open
            with app.app_context():
                started = time.monotonic()
                with pytest.raises(OperationalError, match="lock timeout"):
                    upgrade()
                assert time.monotonic() - started < 30
                db.session.remove()
                with db.engine.connect() as conn:
                    assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == BEFORE
                    assert conn.execute(text("SELECT numeric_scale FROM information_schema.columns WHERE "
                                             "table_name = 'child' AND column_name = 'birth_weight_kg'")).scalar_one() == 2
            reading.rollback()  # the report done
        with app.app_context():
            db.engine.dispose()
            upgrade()
            with db.engine.connect() as conn:
                assert conn.execute(text("SELECT numeric_scale FROM information_schema.columns WHERE "
                                         "table_name = 'child' AND column_name = 'birth_weight_kg'")).scalar_one() == 3
                # the migrations' connection, back in the app's pool, waits for locks as the app's do
                assert db.engine.pool.checkedin() == 0 and conn.execute(text("SHOW lock_timeout")).scalar_one() == "0"
    finally:
        report.dispose()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
