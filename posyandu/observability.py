"""Structured JSON logs with a request id, and security headers on every response (and the
language of its words, on those that have some)."""
from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from typing import Any

from flask import Flask, Response, g, has_request_context, request

from posyandu.audit import actor_id
from posyandu.i18n import language_said

REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._\-]{8,64}$")
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; manifest-src 'self'; worker-src 'self'; font-src 'self'; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
# Swagger UI's page initialises itself with an inline script.
DOCS_CSP = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"), "level": record.levelname,
                                 "logger": record.name, "message": record.getMessage()}
        if has_request_context():
            entry["request_id"] = getattr(g, "request_id", None)
        for key in ("method", "path", "status", "duration_ms", "user_id"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class RateLimitKeyFilter(logging.Filter):
    """Drops Flask-Limiter's breach lines ("ratelimit 5 per 1 minute (login-user:siti.rahayu) exceeded"):
    their key is the username typed at login (a name, or the password typed in its place). The
    request's own line logs the 429."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("ratelimit ")


QUERY_RE = re.compile(r"\?.*?(?= HTTP/\d|\x1b\[0m$|'\)$|$)")


class QueryStringFilter(logging.Filter):
    """Cuts the query string out of the development server's request and error lines (``make run``:
    ``"GET /api/v1/children?q=Siti HTTP/1.1" 200``): a search by a name, a delete's reason. The
    request's own line (posyandu.request) logs its path alone; gunicorn logs no request line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(QUERY_RE.sub("", a) if isinstance(a, str) else a for a in record.args)
        return True


class TextFormatter(logging.Formatter):
    """``LOG_FORMAT=text``: one plain line, time, level, logger, message and request id."""

    def format(self, record: logging.LogRecord) -> str:
        at = self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z")
        line = f"{at} {record.levelname} {record.name} {record.getMessage()}"
        if has_request_context():
            line += f" request_id={getattr(g, 'request_id', None)}"
        return line + ("\n" + self.formatException(record.exc_info) if record.exc_info else "")


def configure_logging(app: Flask) -> None:
    if app.testing:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(TextFormatter() if app.config.get("LOG_FORMAT") == "text" else JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))


def init_observability(app: Flask) -> None:
    configure_logging(app)
    limiter_log = logging.getLogger("flask-limiter")
    if not any(isinstance(f, RateLimitKeyFilter) for f in limiter_log.filters):
        limiter_log.addFilter(RateLimitKeyFilter())
    server_log = logging.getLogger("werkzeug")
    if not any(isinstance(f, QueryStringFilter) for f in server_log.filters):
        server_log.addFilter(QueryStringFilter())
    log = logging.getLogger("posyandu.request")
    if app.config.get("PRODUCTION") and app.config.get("RATELIMIT_STORAGE_URI", "").startswith("memory"):
        logging.getLogger("posyandu").warning(
            "RATELIMIT_STORAGE_URI is memory://: each gunicorn worker counts login attempts on its own; "
            "set it to redis://… (docs/deploy.md)")

    @app.before_request
    def _start() -> None:
        incoming = request.headers.get("X-Request-Id", "")
        g.request_id = incoming if REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def _finish(resp: Response) -> Response:
        resp.headers["X-Request-Id"] = getattr(g, "request_id", "")
        resp.headers["Content-Security-Policy"] = DOCS_CSP if request.path.startswith("/api/v1/docs") else CSP
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "no-referrer"
        resp.headers["X-Frame-Options"] = "DENY"
        resp.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if request.is_secure and app.config.get("HSTS_SECONDS"):
            resp.headers["Strict-Transport-Security"] = f"max-age={app.config['HSTS_SECONDS']}; includeSubDomains"
        if request.path.startswith("/api/"):
            resp.headers.setdefault("Cache-Control", "no-store")
        language_said(resp)
        if resp.status_code == 204:  # no content, so no type (flask-smorest gives its JSON one)
            resp.headers.pop("Content-Type", None)
        log.info("%s %s %s", request.method, request.path, resp.status_code,
                 extra={"method": request.method, "path": request.path, "status": resp.status_code,
                        "duration_ms": round((time.perf_counter() - getattr(g, "started", time.perf_counter())) * 1000, 1),
                        "user_id": str(actor_id() or "") or None})
        return resp
