"""Flask extensions, created unbound and initialised in ``create_app``.

Every module imports ``Blueprint`` and ``Schema`` from here so that the
OpenAPI document and error handling are configured in one place.
"""
from __future__ import annotations

import http

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

    def _register_responses(self) -> None:
        """Document error answers as they are sent: problem+json (flask-smorest
        would describe its own ``{code, status, message}`` as application/json)."""
        from posyandu.errors import ProblemSchema

        for status in http.HTTPStatus:
            response: dict = {"description": status.phrase}
            if status >= 200 and status not in (204, 304):
                response["content"] = {"application/problem+json": {"schema": ProblemSchema}}
            self.spec.components.response(status.name, response, lazy=True)
        self.spec.components.response("DEFAULT_ERROR", {
            "description": "Error (RFC 9457 problem details)",
            "content": {"application/problem+json": {"schema": ProblemSchema}}}, lazy=True)


Blueprint = flask_smorest.Blueprint
