"""Flask extensions, created unbound and initialised in ``create_app``.

Every module imports ``Blueprint`` and ``Schema`` from here so that the
OpenAPI document and error handling are configured in one place.
"""
from __future__ import annotations

import flask_smorest
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from posyandu.database import Base

db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
jwt = JWTManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)


class Api(flask_smorest.Api):
    """Our Api (one per app): problem+json errors are rendered by ``posyandu.errors``."""

    def _register_error_handlers(self) -> None:  # errors.py registers its own
        return None


Blueprint = flask_smorest.Blueprint
