"""The latest migrations (0004-0015) undone and done again on a database holding data, on SQLite
and PostgreSQL: the downgrade works, and upgrading that older schema (a previous release's) keeps
every row of every table as it was, the new columns filled as each migration says (existing users
at credentials version 1 and no temporary password, phones last seen at their last push, no chain of
refresh tokens: the phones' tokens still work). Alembic's batch mode on SQLite
rebuilds immunisation and sync_client to change them: their rows must come through."""
from __future__ import annotations

import uuid
from datetime import date, timedelta

from sqlalchemy import inspect, text

from tests.support.migrations import dispose, upgraded_app

RELEASE_BEFORE = "9b3f6a1d2c10"  # 0003: before user.credentials_version, access_log, dose source, phones seen,
# user.must_change_password


def _rows(db) -> dict[str, list[tuple]]:
    """Every table's rows as text, each table's columns in name order (sorted: a rebuilt table
    may list its rows in another order)."""
    found = {}
    with db.engine.connect() as conn:
        inspector = inspect(conn)
        for table in inspector.get_table_names():
            columns = sorted(c["name"] for c in inspector.get_columns(table))
            listed = ", ".join(f'"{c}"' for c in columns)
            found[table] = (columns, sorted(tuple(str(v) for v in row)
                                            for row in conn.execute(text(f'SELECT {listed} FROM "{table}"'))))
    return found


def test_downgrading_and_upgrading_the_latest_migrations_keeps_every_row(database_url):
    from flask_migrate import downgrade, upgrade

    from posyandu.extensions import db
    from tests.sync.helpers import child_data, mutation, new_id, push

    app, world = upgraded_app(database_url)
    client, h = app.test_client(), world.headers("kader1")
    child = client.post("/api/v1/children", headers=h, json={
        "posyandu_id": str(world.ids["p1"]), "name": "Siti Ṣāliḥah", "sex": "F",
        "birth_date": (date.today() - timedelta(days=120)).isoformat()}).get_json()
    weighed = client.post(f"/api/v1/children/{child['id']}/measurements", headers=h, json={
        "measured_on": date.today().isoformat(), "weight_kg": 6.1})
    dose = client.post(f"/api/v1/children/{child['id']}/immunisations", headers=h, json={
        "id": str(uuid.uuid4()), "vaccine": "BCG", "dose": 1,
        "given_on": (date.today() - timedelta(days=100)).isoformat(), "source": "record"})
    assert weighed.status_code == 201 and dose.status_code == 201, (weighed.get_json(), dose.get_json())
    push(client, h, [mutation("child", new_id(), child_data(world.ids["p1"]))], client_id="phone-kader1")
    assert client.get(f"/api/v1/children/{child['id']}", headers=h).status_code == 200  # an access_log row
    try:
        with app.app_context():
            db.session.execute(text('UPDATE "user" SET must_change_password = true WHERE username = \'kader2\''))
            db.session.commit()  # an admin's reset at head: gone with the column, false when it comes back
            before = _rows(db)
            assert all(before[t][1] for t in ("child", "measurement", "immunisation", "sync_client", "access_log",
                                              "token_family"))
            db.session.remove()
            downgrade(revision=RELEASE_BEFORE)
            old = _rows(db)
            assert "access_log" not in old and "token_family" not in old and "credentials_version" not in old["user"][0]
            assert "must_change_password" not in old["user"][0]
            assert "source" not in old["immunisation"][0] and "last_seen_at" not in old["sync_client"][0]
            upgrade()
            after = _rows(db)
        assert set(after) == set(before) and after["access_log"][1] == [] and after["token_family"][1] == []
        for table, (columns, rows) in old.items():  # every row of the older schema, unchanged
            if table == "alembic_version":
                continue
            at_head = after[table][0]
            assert at_head == before[table][0], table
            for state in (before, after):  # the downgrade kept them, and the upgrade
                assert sorted(tuple(r[at_head.index(c)] for c in columns) for r in state[table][1]) == rows, table
        with app.app_context():
            assert db.session.execute(text('SELECT DISTINCT credentials_version FROM "user"')).scalars().all() == [1]
            assert db.session.scalar(text('SELECT count(*) FROM "user" WHERE must_change_password')) == 0
            assert db.session.scalar(text("SELECT count(*) FROM sync_client WHERE last_seen_at IS NULL "
                                          "OR last_seen_at <> COALESCE(last_push_at, first_seen)")) == 0
            assert db.session.scalar(text("SELECT count(*) FROM immunisation WHERE source IS NOT NULL")) == 0
        assert client.get(f"/api/v1/children/{child['id']}", headers=world.headers("kader1")).status_code == 200
    finally:
        dispose(app)
