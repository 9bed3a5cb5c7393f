"""Reports read from a PostgreSQL read replica when one is configured.

``REPORTS_DATABASE_URL`` names a hot standby in streaming replication. The report
and export endpoints then run their aggregates there, so a district's month-end
exports do not compete with the cadres' sync on the primary. Scope checks that
look up a single record (``access.get_posyandu``) still read the primary. A replica
lags the primary by the replay delay (normally well under a second); reports are of
past months, so this is harmless. Without the setting, reports read the primary.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from posyandu.extensions import db

EXTENSION = "posyandu_replica"


def init_replica(app: Flask) -> None:
    url = app.config.get("REPORTS_DATABASE_URL")
    if not url:
        return
    app.extensions[EXTENSION] = create_engine(url, **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))

    @app.teardown_appcontext
    def _close(_exc: BaseException | None) -> None:
        session = g.pop("reports_session", None)
        if session is not None:
            session.close()


def reports_session() -> Any:
    """The session report queries run in: the replica's, or the primary's ``db.session``."""
    engine = current_app.extensions.get(EXTENSION)
    if engine is None:
        return db.session
    if "reports_session" not in g:
        g.reports_session = Session(bind=engine)
    return g.reports_session
