"""An app for a migration test: its own database URL, upgraded to head, the test world built on it
(``tests.conftest._build_world``), and its connections closed after (a downgrade and upgrade between)."""
from __future__ import annotations

from typing import Any


def upgraded_app(database_url: str, **settings: Any) -> tuple[Any, Any]:
    """An app on ``database_url`` (the rate limit off; ``settings`` over TestConfig's), ``flask db upgrade``
    run, and the world of users and posyandu built through it."""
    from flask_migrate import upgrade

    from config import TestConfig
    from posyandu import create_app
    from tests.conftest import _build_world

    app = create_app(type("Migrated", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": database_url,
                                                      "RATELIMIT_ENABLED": False, **settings}))
    with app.app_context():
        upgrade()
    return app, _build_world(app)


def dispose(app: Any) -> None:
    """The app's session ended and its pool closed (the test's database is dropped or reused after)."""
    from posyandu.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()
