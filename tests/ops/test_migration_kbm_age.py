"""Migration 0021: every child queued for her growth results to be recomputed, as the KBM is now read at her
age in calendar months (posyandu.ages), and the recompute gives a weighing judged by the old count its
Buku KIA N, which the phones then pull (both databases)."""
from __future__ import annotations

import uuid

from sqlalchemy import text

from tests.support.migrations import dispose, upgraded_app

BEFORE = "7a4d2c9e6b18"  # 0020


def test_the_upgrade_queues_every_child_and_the_recompute_judges_by_calendar_months(database_url):
    from flask_migrate import downgrade, upgrade

    from posyandu.cli import recompute_growth
    from posyandu.extensions import db

    app, world = upgraded_app(database_url)
    client, h = app.test_client(), world.headers("kader1")
    ids = {}
    for name in ("Bayu", "Dihapus"):
        made = client.post("/api/v1/children", headers=h, json={"posyandu_id": str(world.ids["p1"]), "name": name,
                                                                "sex": "M", "birth_date": "2024-01-01"})
        assert made.status_code == 201, made.get_json()
        ids[name] = made.get_json()["id"]
    for on, kg in (("2024-04-01", 5.0), ("2024-05-01", 5.7)):
        resp = client.post(f"/api/v1/children/{ids['Bayu']}/measurements", headers=h,
                           json={"id": str(uuid.uuid4()), "measured_on": on, "weight_kg": kg})
        assert resp.status_code == 201, resp.get_json()
    may = resp.get_json()
    # 1 May, born 1 January: 4 months (Buku KIA), KBM 600; +700 g is N (WHO's 121 days, 3.97 months, read 800: T)
    assert (may["trend"], may["kbm_g"], may["weight_gain_g"]) == ("N", 600, 700), may
    gone = client.delete(f"/api/v1/children/{ids['Dihapus']}?reason=salah+input", headers=world.headers("bidan_a"))
    assert gone.status_code in (200, 204), gone.get_json()

    def stored() -> tuple:
        with db.engine.connect() as conn:
            return tuple(conn.execute(text("SELECT trend, trend_computed, kbm_g FROM measurement WHERE id = :id"),
                                      {"id": uuid.UUID(may["id"]).hex if db.engine.dialect.name == "sqlite"
                                       else may["id"]}).one())

    def queued() -> list[str]:
        with db.engine.connect() as conn:
            return sorted(str(uuid.UUID(str(c))) for c in conn.execute(text("SELECT child_id FROM growth_recompute")).scalars())

    def log_rows() -> int:
        with db.engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM change_log WHERE entity = 'measurement'")).scalar_one()

    try:
        with app.app_context():
            # as the code before stored it
            with db.engine.begin() as conn:
                conn.execute(text("UPDATE measurement SET trend = 'T', trend_computed = 'T', kbm_g = 800 WHERE kbm_g = 600"))
            db.session.remove()
            downgrade(revision=BEFORE)
            assert queued() == []
            upgrade()
            assert queued() == [ids["Bayu"]]  # not the deleted child
            before = log_rows()
        result = app.test_cli_runner().invoke(recompute_growth, ["--queued"])
        assert result.exit_code == 0, result.output
        with app.app_context():
            assert stored() == ("N", "N", 600)
            assert queued() == []
            assert log_rows() == before + 1  # the phones pull May's new N
    finally:
        dispose(app)
