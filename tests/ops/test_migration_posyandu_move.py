"""Migration 0019: posyandu_move, filled from the audit trail of the posyandu's changes of puskesmas and desa
made before the upgrade, as the app records each one now (both databases)."""
from __future__ import annotations

import uuid

from sqlalchemy import text

from tests.support.migrations import dispose, upgraded_app

BEFORE = "8d2f6b3a1c57"  # 0018


def _moves(db) -> list[tuple]:
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT posyandu_id, from_puskesmas_id, from_desa_code, from_kabupaten_code, moved_on "
                                 "FROM posyandu_move"))
        # SQLite keeps a uuid as 32 hex digits, PostgreSQL as a uuid
        return sorted((str(uuid.UUID(str(p))), str(uuid.UUID(str(pk))), desa, kab, str(on)) for p, pk, desa, kab, on in rows)


def test_moves_made_before_the_upgrade_are_read_from_the_audit_trail(database_url):
    from flask_migrate import downgrade, upgrade

    from posyandu.extensions import db
    from posyandu.validators import local_today

    app, world = upgraded_app(database_url)
    client, admin = app.test_client(), world.headers("admin")
    made = client.post("/api/v1/puskesmas", headers=admin, json={"name": "PKM Sooko", "kecamatan_code": "35.25.01"})
    assert made.status_code == 201, made.get_json()
    p2 = f"/api/v1/posyandu/{world.ids['p2']}"
    for change in ({"puskesmas_id": made.get_json()["id"]}, {"name": "Mawar Indah"},  # a rename is no move
                   {"desa_code": "35.26.01.2001"}):
        assert client.patch(p2, headers=admin, json=change).status_code == 200
    try:
        with app.app_context():
            recorded = _moves(db)
            today = str(local_today("35.25"))
            assert recorded == sorted([
                (str(world.ids["p2"]), str(world.ids["pkm_a"]), "35.25.01.2002", "35.25", today),
                (str(world.ids["p2"]), made.get_json()["id"], "35.25.01.2002", "35.25", today)])
            db.session.remove()
            downgrade(revision=BEFORE)
            upgrade()
            assert _moves(db) == recorded
    finally:
        dispose(app)


def test_a_child_moved_before_the_upgrade_has_the_day_she_came(database_url):
    """Migration 0020: child.arrived_on, filled from child_move (the latest move to the posyandu she is at); a
    child registered where she is has none."""
    from flask_migrate import downgrade, upgrade

    from posyandu.extensions import db
    from posyandu.validators import local_today

    app, world = upgraded_app(database_url)
    client, h = app.test_client(), world.headers("bidan_a")
    made = {}
    for name in ("Pindah", "Tetap", "Balik"):
        resp = client.post("/api/v1/children", headers=h, json={"posyandu_id": str(world.ids["p1"]), "name": f"Anak {name}",
                                                                 "sex": "F", "birth_date": "2025-01-01"})
        assert resp.status_code == 201, resp.get_json()
        made[name] = resp.get_json()["id"]
    moved = client.patch(f"/api/v1/children/{made['Pindah']}", headers=h, json={"posyandu_id": str(world.ids["p2"])})
    assert moved.status_code == 200 and moved.get_json()["arrived_on"] == str(local_today("35.25")), moved.get_json()
    # away and back the same day (a move undone): never elsewhere at a month's end, so no day she came
    for to in ("p2", "p1"):
        back = client.patch(f"/api/v1/children/{made['Balik']}", headers=h, json={"posyandu_id": str(world.ids[to])})
        assert back.status_code == 200, back.get_json()
    assert back.get_json()["arrived_on"] is None, back.get_json()

    def came() -> dict[str, str | None]:
        with db.engine.connect() as conn:
            return {name: None if on is None else str(on)
                    for name, on in conn.execute(text("SELECT name, arrived_on FROM child"))}

    try:
        with app.app_context():
            before = came()
            assert before == {"Anak Pindah": str(local_today("35.25")), "Anak Tetap": None, "Anak Balik": None}
            db.session.remove()
            downgrade(revision="2f6c8e1a9b35")  # 0019
            upgrade()
            assert came() == before
    finally:
        dispose(app)
