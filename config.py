"""Settings from environment variables.

Every variable is listed in the README's configuration table. Development
defaults are safe for a laptop; ``ProductionConfig`` refuses to start with them.
"""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import make_url

BASE_DIR = Path(__file__).resolve().parent
DEV_SECRET = "dev-only-secret-change-me-in-production-0000"


_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def _int(name: str, default: int, at_least: tuple[int, str] | None = None) -> int:
    """A whole number; unset or empty: ``default``. Anything else stops the start with the
    variable's name and value (not int()'s bare "invalid literal"). ``at_least``: the least it may
    be and how that is said ("1 or more minutes"); a smaller one stops the start too."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise RuntimeError(f"{name} must be a whole number, not {value!r}") from None
    if at_least is not None and number < at_least[0]:
        raise RuntimeError(f"{name} must be {at_least[1]}, not {number}")
    return number


def _rate_limit(name: str, default: str) -> str:
    """Rate limits in Flask-Limiter's syntax ("5 per minute;20 per hour"), read as it reads them
    (``limits.parse_many``); unset or empty: ``default``. Anything else stops the start with the
    variable's name and value: "5 per menit" or a typo started the server, and Flask-Limiter,
    unable to read it, limited nothing (logging "couldn't parse rate limit string" at each request),
    the guesses of a password or an invitation code among it; empty, it had no limit at all."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    from limits import parse_many

    try:
        if any(item.amount < 1 for item in parse_many(value)):  # "0 per minute" refused every login
            raise ValueError(value)
    except ValueError:
        raise RuntimeError(f"{name} must be rate limits like {default!r} (an amount per second, minute, hour, "
                           f"day, month or year; several joined by ;), not {value!r}") from None
    return value


def _token_lifetimes() -> tuple[timedelta, timedelta]:
    """``ACCESS_TOKEN_MINUTES`` and ``REFRESH_TOKEN_DAYS``: 0 or less started the server with every token
    expired as it was issued (each login answered tokens refused at once); a refresh token shorter
    than an access token ended the login while its access token still ran."""
    access = timedelta(minutes=_int("ACCESS_TOKEN_MINUTES", 30, (1, "1 or more minutes")))
    refresh = timedelta(days=_int("REFRESH_TOKEN_DAYS", 30, (1, "1 or more days")))
    if refresh < access:
        raise RuntimeError(f"REFRESH_TOKEN_DAYS={refresh.days} must not be shorter than ACCESS_TOKEN_MINUTES="
                           f"{access // timedelta(minutes=1)} (a day is 1440 minutes)")
    return access, refresh


def _bool(name: str, default: bool) -> bool:
    """1/true/yes/on or 0/false/no/off (any case); unset or empty: ``default``. Anything else
    stops the start: a typo ("ture", "enabled") was read as false without a word."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value not in _TRUE | _FALSE:
        raise RuntimeError(f"{name} must be one of {', '.join(sorted(_TRUE))} or {', '.join(sorted(_FALSE))}, "
                           f"not {os.environ[name]!r}")
    return value in _TRUE


def _choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    """One of ``choices``, read in any case; unset or empty: ``default``. Anything else stops the start
    (``LOG_LEVEL=info`` stopped every worker with logging's bare "Unknown level: 'info'")."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    for choice in choices:
        if value.lower() == choice.lower():
            return choice
    raise RuntimeError(f"{name} must be one of {', '.join(choices)} (any case), not {value!r}")


def _database_url(name: str = "DATABASE_URL", default: str | None = None) -> str | None:
    url = os.environ.get(name, default)
    # Heroku-style URLs and plain postgresql:// both go through psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url and url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    # another database (mysql://…) ended in a traceback and flask's "No such command 'db'"; said by its
    # scheme alone (the URL holds the password)
    if url and not url.startswith(("postgresql+psycopg://", "sqlite:")):
        raise RuntimeError(f"{name} must be a PostgreSQL URL (postgresql://…) or, for one machine, SQLite "
                           f"(sqlite:///…), not {url.split(':', 1)[0]}:…")
    return url


# libpq's TCP keepalives (seconds, probes): see _engine_options
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 60, "keepalives_interval": 10, "keepalives_count": 5}


def _engine_options(url: str) -> dict:
    """Connection pool per process. PostgreSQL: ``DB_POOL_SIZE`` connections kept open per
    gunicorn worker plus ``DB_MAX_OVERFLOW`` in bursts; each worker's pool must fit
    PostgreSQL's max_connections (workers × (size + overflow) + headroom).

    A new connection gives up after ``DB_CONNECT_TIMEOUT`` seconds (psycopg counts at least 2):
    with the database host unreachable, a request (and ``GET /health``, which then answers 503)
    waited psycopg's own 130 s per address, and gunicorn killed the worker first. The reports'
    replica engine (posyandu.replica) is built with these options too.

    A statement still running after ``DB_STATEMENT_TIMEOUT`` seconds is cancelled by PostgreSQL
    (the request answers 503). gunicorn kills a worker stuck on one request after its timeout, but
    the worker's query went on in PostgreSQL, holding a core and its locks, with nobody waiting for
    it. Unset or 0: no limit, as a server command (a migration building an index, a recompute)
    needs; gunicorn.conf.py gives its workers a default just below their own timeout.

    Over TCP, data a connection sent that the database has not acknowledged after
    ``DB_TCP_USER_TIMEOUT_MS`` milliseconds ends the connection (libpq's ``tcp_user_timeout``; it
    bounds libpq's keepalives too, which begin after the kernel's 2 h idle): a database host gone (a
    failover, a NAT that dropped the connection) held a worker on its send, a pooled connection's
    pre-ping too, for the kernel's retransmissions, ~15 min; the request now answers 503. 0: the
    kernel's own. A Unix socket (docs/deploy.md's local database) ignores it.

    A connection waiting for an answer has sent nothing unacknowledged, so that bound does not
    reach it; keepalives probing after ``KEEPALIVES`` (60 s idle, then every 10 s, 5 unanswered)
    do: a server command (the recompute, an import) waiting on a vanished host ends within about
    two minutes, not the kernel's 2 h idle and 11 min of probes. A database busy on a long query
    still answers the probes (its kernel does), so they end nothing that is alive.

    A setting the ``DATABASE_URL`` names itself (``?connect_timeout=10``, ``tcp_user_timeout``, the
    keepalives) is kept unless its variable is set; ``DB_STATEMENT_TIMEOUT`` is added after the URL's
    own ``options``."""
    options: dict = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        own = make_url(url).query  # the URL's own libpq settings (?connect_timeout=10&…)

        def setting(name: str, key: str, default: int) -> int | None:
            """The variable when set, else the URL's own value (None: left to it), else ``default``:
            connect_args override the URL's query, which was silently dropped."""
            return _int(name, default) if os.environ.get(name, "").strip() or key not in own else None

        connect_args: dict = {key: value for key, value in KEEPALIVES.items() if key not in own}
        connect_timeout = setting("DB_CONNECT_TIMEOUT", "connect_timeout", 5)
        if connect_timeout is not None:
            connect_args["connect_timeout"] = connect_timeout
        tcp_user_timeout = setting("DB_TCP_USER_TIMEOUT_MS", "tcp_user_timeout", 30000)
        if tcp_user_timeout is not None:
            if tcp_user_timeout < 0:
                raise RuntimeError(f"DB_TCP_USER_TIMEOUT_MS must be 0 (the kernel's) or more milliseconds, "
                                   f"not {tcp_user_timeout}")
            connect_args["tcp_user_timeout"] = tcp_user_timeout
        statement_timeout = _int("DB_STATEMENT_TIMEOUT", 0, (0, "0 (no limit) or more seconds"))
        if statement_timeout:  # after the URL's own options (a search_path), which it would replace
            url_options = own.get("options")
            url_options = " ".join(url_options) if isinstance(url_options, tuple) else url_options
            connect_args["options"] = " ".join(filter(None, [url_options,
                                                             f"-c statement_timeout={statement_timeout * 1000}"]))
        options.update(pool_size=_int("DB_POOL_SIZE", 5), max_overflow=_int("DB_MAX_OVERFLOW", 5),
                       pool_timeout=_int("DB_POOL_TIMEOUT", 10), pool_recycle=_int("DB_POOL_RECYCLE", 1800),
                       connect_args=connect_args)
    return options


def rate_limit_storage_options(uri: str) -> dict:
    """A Redis that stops answering (hung, its network gone) held every rate-limited request, the
    logins too, until gunicorn killed the worker: it is given ``RATELIMIT_STORAGE_TIMEOUT`` seconds
    to connect and to answer, after which the request is counted in memory as when it is down."""
    if uri.startswith(("redis://", "rediss://", "redis+unix://")):
        seconds = _int("RATELIMIT_STORAGE_TIMEOUT", 1)
        return {"socket_timeout": seconds, "socket_connect_timeout": seconds}
    return {}


def _list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET)
    JWT_SECRET_KEY = os.environ.get("JWT_SECRET_KEY", DEV_SECRET)
    # Keys the ids imports give children (posyandu.imports.operations.child_id_for); unset: SECRET_KEY.
    # Set it, and keep it, before ever rotating SECRET_KEY: a file imported again then finds its
    # children without a NIK under the same ids instead of registering them again.
    IMPORT_ID_KEY = os.environ.get("IMPORT_ID_KEY")
    SQLALCHEMY_DATABASE_URI = _database_url(default=f"sqlite:///{BASE_DIR / 'instance' / 'posyandu.sqlite3'}")
    # A read replica (hot standby) for reports and exports; unset: they read the primary.
    REPORTS_DATABASE_URL = _database_url("REPORTS_DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS: dict = _engine_options(SQLALCHEMY_DATABASE_URI)
    # `flask db upgrade` on PostgreSQL: how long a migration waits for a lock before it stops (0: no limit).
    MIGRATION_LOCK_TIMEOUT_MS = _int("MIGRATION_LOCK_TIMEOUT_MS", 10000, (0, "0 (no limit) or more milliseconds"))
    # Origins allowed to call the API from another site's pages (CORS). Empty: closed;
    # the PWA is served by the API itself and needs none.
    CORS_ORIGINS = _list("CORS_ORIGINS")
    JWT_ACCESS_TOKEN_EXPIRES, JWT_REFRESH_TOKEN_EXPIRES = _token_lifetimes()
    JWT_TOKEN_LOCATION = ["headers"]
    JWT_ERROR_MESSAGE_KEY = "detail"
    # Rate limits (Flask-Limiter syntax). Storage defaults to memory; use
    # redis:// or memcached:// when running several gunicorn workers.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # RATELIMIT_STORAGE_OPTIONS: from the URI (rate_limit_storage_options) unless a config sets it.
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    # The store unreachable (Redis restarted, full): each process counts in its own memory until
    # it answers again (checked after 1, 2, 4… 32 s), rather than every rate-limited request
    # answering 500; GET /health says "rate_limit": "degraded" meanwhile.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # Failed logins per username, and refused login/registration/redemption attempts per address (one budget).
    LOGIN_RATE_LIMIT = _rate_limit("LOGIN_RATE_LIMIT", "5 per minute;20 per hour")
    LOGIN_ADDRESS_RATE_LIMIT = _rate_limit("LOGIN_ADDRESS_RATE_LIMIT", "30 per minute")
    # Refused invitation codes per parent account (POST /auth/redeem); attempts per address
    # count against LOGIN_ADDRESS_RATE_LIMIT.
    REDEEM_RATE_LIMIT = _rate_limit("REDEEM_RATE_LIMIT", "5 per minute;20 per hour")
    # Refused invitation codes server-wide (registrations and redemptions, every address): a guesser
    # with many addresses is held to it; parents signing up meanwhile are answered 429 until it passes.
    INVITATION_GUESS_RATE_LIMIT = _rate_limit("INVITATION_GUESS_RATE_LIMIT", "100 per minute;1000 per hour")
    # Refreshes per account (POST /auth/refresh; per address for a token that does not verify): a
    # phone refreshes every ACCESS_TOKEN_MINUTES, so this leaves room for many phones and tabs.
    REFRESH_RATE_LIMIT = _rate_limit("REFRESH_RATE_LIMIT", "30 per minute;300 per hour")
    CALCULATOR_RATE_LIMIT = _rate_limit("CALCULATOR_RATE_LIMIT", "60 per minute")
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 8 * 1024 * 1024, (64 * 1024, "64 KiB (65536) or more bytes"))
    INVITATION_DAYS = _int("INVITATION_DAYS", 14, (1, "1 or more days"))  # 0: every code expired as made
    # Rows of a spreadsheet uploaded to /imports/visits (3,000 in about 7 s on PostgreSQL, docs/scaling.md:
    # the request must end well within gunicorn's timeout); larger files: split them, or `flask import-visits`.
    IMPORT_MAX_ROWS = _int("IMPORT_MAX_ROWS", 3000, (1, "1 or more rows"))
    # Seconds an admin's publishing of a KBM table recomputes children's N/T in her request (in
    # batches, each committed: posyandu.growth.recompute); the rest is left to `flask
    # recompute-growth --queued` (its systemd timer, docs/deploy.md). Within gunicorn's timeout.
    GROWTH_RECOMPUTE_REQUEST_SECONDS = _int("GROWTH_RECOMPUTE_REQUEST_SECONDS", 20)
    PAGE_SIZE_MAX = 500
    # Sync: mutations per push (413 beyond) and changes per pull page.
    SYNC_PUSH_MAX = 500
    # Apply runs of new measurements, and of new children, in a push together (posyandu.sync.push);
    # false: one mutation at a time, the slower path that gives the same answers (a switch for
    # operators). SYNC_BULK_MEASUREMENTS is its earlier name, still read when SYNC_BULK is unset.
    SYNC_BULK = _bool("SYNC_BULK", _bool("SYNC_BULK_MEASUREMENTS", True))
    SYNC_PULL_MAX = 1000
    # Bump to make every client drop its pulled copy and pull again (reset: true),
    # e.g. after the change history was rebuilt.
    SYNC_EPOCH = _int("SYNC_EPOCH", 1)
    # flask-smorest / OpenAPI
    API_TITLE = "Posyandu API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    OPENAPI_SWAGGER_UI_URL = "/api/v1/docs/static/"
    PWA_DIR = str(BASE_DIR / "static" / "pwa")
    LOG_FORMAT = _choice("LOG_FORMAT", "json", ("json", "text"))
    LOG_LEVEL = _choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"))
    HSTS_SECONDS = _int("HSTS_SECONDS", 31536000, (0, "0 (not sent) or more seconds"))  # sent only on HTTPS requests
    # Number of reverse proxies in front (nginx = 1): trust their X-Forwarded-* headers.
    PROXY_COUNT = _int("PROXY_COUNT", 0)
    PRODUCTION = False


class TestConfig(Config):
    TESTING = True
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    REPORTS_DATABASE_URL = None
    JWT_ACCESS_TOKEN_EXPIRES = timedelta(minutes=5)
    ARGON2_FAST = True  # cheaper hashing parameters so the suite stays quick


class ProductionConfig(Config):
    PRODUCTION = True

    def __init__(self) -> None:
        for key in ("SECRET_KEY", "JWT_SECRET_KEY"):
            if getattr(self, key) == DEV_SECRET or len(getattr(self, key)) < 32:
                raise RuntimeError(f"{key} must be set to a strong secret in production")
        if self.IMPORT_ID_KEY and (self.IMPORT_ID_KEY == DEV_SECRET or len(self.IMPORT_ID_KEY) < 32):
            raise RuntimeError("IMPORT_ID_KEY must be a strong secret in production (SECRET_KEY's value, or unset)")
        if self.SECRET_KEY == self.JWT_SECRET_KEY:
            raise RuntimeError("JWT_SECRET_KEY must differ from SECRET_KEY in production (one leaked would give both)")
        if not os.environ.get("DATABASE_URL"):
            # the default is a SQLite file inside the release directory: the next release would not see it
            raise RuntimeError("DATABASE_URL must be set in production (postgresql://…, docs/deploy.md)")
        from flask.helpers import get_debug_flag

        # Flask reads it into DEBUG under gunicorn too, by its own rule: anything but 0/false/no is on
        # ("off" included), so that rule decides here.
        if get_debug_flag():
            value = os.environ.get("FLASK_DEBUG")
            raise RuntimeError(f"FLASK_DEBUG must be unset, 0, false or no in production, not {value!r}")
        if "*" in self.CORS_ORIGINS:
            raise RuntimeError("CORS_ORIGINS must list the sites allowed to call the API, not '*', in production")


ENVIRONMENTS = ("development", "production")


def config_from_env() -> type[Config] | Config:
    """``POSYANDU_ENV``: unset or ``development`` (a laptop), or ``production`` (any case). Anything
    else stops the start: "prod" or a typo ran the server with the development secret."""
    value = os.environ.get("POSYANDU_ENV")
    env = "development" if value is None else value.strip().lower()
    if env not in ENVIRONMENTS:
        raise RuntimeError(f"POSYANDU_ENV must be unset or one of {', '.join(ENVIRONMENTS)}, not {value!r}")
    return ProductionConfig() if env == "production" else Config
