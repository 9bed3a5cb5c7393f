"""Migration 0003 adds audit_log.kabupaten_code and fills it for existing rows from the
record each row describes, on SQLite and PostgreSQL (downgrade, then upgrade again)."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import text

from tests.support.migrations import dispose, upgraded_app

BEFORE = "5d1e0c2a7f42"


def test_existing_audit_rows_get_the_kabupaten_of_their_record(database_url):
    from flask_migrate import downgrade, upgrade

    from posyandu.extensions import db

    app, world = upgraded_app(database_url)
    client = app.test_client()
    child = client.post("/api/v1/children", headers=world.headers("kader3"), json={
        "posyandu_id": str(world.ids["p3"]), "name": "Gili", "sex": "F",
        "birth_date": (date.today() - timedelta(days=90)).isoformat()}).get_json()
    resp = client.post(f"/api/v1/children/{child['id']}/measurements", headers=world.headers("kader3"), json={
        "measured_on": date.today().isoformat(), "weight_kg": 5.6})
    assert resp.status_code == 201
    try:
        with app.app_context():
            rows = lambda: db.session.execute(text(  # noqa: E731
                "SELECT entity, kabupaten_code FROM audit_log WHERE entity IN ('child', 'measurement') "
                "ORDER BY entity")).all()
            assert rows() == [("child", "35.26"), ("measurement", "35.26")]    # written by record_change
            db.session.remove()
            downgrade(revision=BEFORE)
            upgrade()
            assert rows() == [("child", "35.26"), ("measurement", "35.26")]    # filled by the migration
            assert db.session.scalar(text("SELECT count(*) FROM audit_log WHERE entity = 'user' "
                                          "AND kabupaten_code IS NOT NULL")) == 0
    finally:
        dispose(app)
