"""Reports read from a PostgreSQL read replica when one is configured.

``REPORTS_DATABASE_URL`` names a hot standby in streaming replication. The report
and export endpoints then run their aggregates there, so a district's month-end
exports do not compete with the cadres' sync on the primary. Scope checks that
look up a single record (``access.get_posyandu``) still read the primary. A replica
lags the primary by the replay delay (normally well under a second); reports are of
past months, so this is harmless. Without the setting, reports read the primary.

On PostgreSQL a report's queries run in one REPEATABLE READ transaction (replica or primary):
every month of a period, every sheet of the workbook, every chunk of an export counts one state
of the data, not what each query found committed when it ran (a phone's push of two months'
weighings committing between them counted the child weighed in one month and not the other).
"""
from __future__ import annotations

from typing import Any

from flask import Flask, current_app, has_request_context
from flask.globals import app_ctx, request_ctx
from sqlalchemy import create_engine
from sqlalchemy.orm import scoped_session, sessionmaker

from posyandu.extensions import db

EXTENSION = "posyandu_replica"
SESSIONS = "posyandu_reports_sessions"


def init_replica(app: Flask) -> None:
    url = app.config.get("REPORTS_DATABASE_URL")
    if url:
        from config import _engine_options

        # the primary's pool and JSON options; the connection settings read from the replica's own URL
        # (its ?connect_timeout=… kept, the variables' defaults where it names none)
        options = {**app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})}
        if url.startswith("postgresql"):
            options["connect_args"] = _engine_options(url)["connect_args"]
        app.extensions[EXTENSION] = create_engine(url, **options)

    def _close(_exc: BaseException | None) -> None:
        sessions = app.extensions.get(SESSIONS)
        if sessions is not None:
            sessions.remove()

    app.teardown_request(_close)
    app.teardown_appcontext(_close)


def _snapshot_scope() -> int:
    """One snapshot per request (a streamed download's stream keeps its request's context), else per
    app context (a CLI command). Not per app context alone: a request run inside an app context held
    open around it (a test's, a script's) took the same one, and read the snapshot of an earlier
    request, blind to what was written since."""
    return id(request_ctx._get_current_object() if has_request_context() else app_ctx._get_current_object())


def reports_session() -> Any:
    """The session report queries run in: the replica's, or the primary's. On PostgreSQL a session
    of their own, one REPEATABLE READ transaction per request (or app context), ended with it (a
    streamed download runs its queries in the context of its stream); SQLite's reports
    read ``db.session``."""
    engine = current_app.extensions.get(EXTENSION)
    if engine is None and db.engine.dialect.name != "postgresql":
        return db.session
    sessions = current_app.extensions.get(SESSIONS)
    if sessions is None:
        snapshot = (engine or db.engine).execution_options(isolation_level="REPEATABLE READ")
        sessions = current_app.extensions[SESSIONS] = scoped_session(sessionmaker(bind=snapshot),
                                                                     scopefunc=_snapshot_scope)
    return sessions
