"""Posyandu: child growth and immunisation records for Indonesia's village health posts."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # keep `import posyandu.growth.zscores` free of Flask
    from flask import Flask


def create_app(config: Any = None) -> "Flask":
    """Application factory. ``config`` is a Config class or instance (default: from env)."""
    from flask import Flask

    from config import config_from_env, rate_limit_storage_options
    from posyandu import errors, observability, web
    from posyandu.auth import passwords, tokens
    from posyandu.extensions import Api, db, jwt, limiter, migrate

    app = Flask(__name__, static_folder=None)
    app.config.from_object(config or config_from_env())
    if app.config.get("PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    from posyandu.database import JSON_ENGINE_OPTIONS

    # hide_parameters: a failed statement's values (names, NIKs, phones) stay out of its error message and the logs
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**JSON_ENGINE_OPTIONS, "hide_parameters": True,
                                               **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})}
    db.init_app(app)
    from posyandu.replica import init_replica

    init_replica(app)
    migrate.init_app(app, db, directory=str(web.ROOT / "migrations"), render_as_batch=True, compare_type=True)
    jwt.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", rate_limit_storage_options(app.config.get("RATELIMIT_STORAGE_URI", "")))
    limiter.init_app(app)
    errors.only_refusals_say_retry_after(app)  # around the limiter's own after_request
    if app.config.get("CORS_ORIGINS"):   # closed unless origins are listed explicitly
        from flask_cors import CORS

        CORS(app, resources={r"/api/*": {"origins": app.config["CORS_ORIGINS"]}}, max_age=600,
             allow_headers=["Authorization", "Content-Type", "Accept-Language", "X-Request-Id", "X-Client-Id",
                            "X-Client-Version"],  # every request header the server reads
             expose_headers=["X-Request-Id", "Retry-After", "Content-Disposition", "Date", "WWW-Authenticate",
                             "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"])
    passwords.configure(app.config.get("ARGON2_FAST", False))
    tokens.init_jwt(jwt, app)
    api = Api(app, spec_kwargs=web.spec_kwargs())
    web.register_security_scheme(api)
    web.register_path_ids(app, api)
    from posyandu import entities

    for blp in entities.blueprints():
        api.register_blueprint(blp)
    web.register_components(api)
    errors.register_error_handlers(app)
    web.init_web(app)
    observability.init_observability(app)
    from posyandu.cli import register_cli

    register_cli(app)
    return app
