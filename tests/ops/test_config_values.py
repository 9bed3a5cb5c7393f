"""Settings read from the environment (config.py) that cannot be understood stop the start with the
variable's name and its value, rather than int()'s bare "invalid literal for int()" (which
variable?) or a typo silently read as false."""
from __future__ import annotations

import importlib
import re

import pytest


@pytest.fixture
def load(monkeypatch):
    """config.py read again under the environment the test set; read back as it was after."""
    import config

    yield lambda: importlib.reload(config)
    monkeypatch.undo()
    importlib.reload(config)


@pytest.mark.parametrize("name, value", [("IMPORT_MAX_ROWS", "3k"), ("ACCESS_TOKEN_MINUTES", "30 min"),
                                         ("PROXY_COUNT", "one")])
def test_a_number_that_is_not_one_names_its_variable_and_value(load, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(RuntimeError, match=f"^{name} must be a whole number, not '{value}'$"):
        load()


def test_a_pool_setting_that_is_not_a_number_names_its_variable(load, monkeypatch):
    config = load()
    monkeypatch.setenv("DB_POOL_SIZE", "five")
    with pytest.raises(RuntimeError, match="DB_POOL_SIZE must be a whole number, not 'five'"):
        config._engine_options("postgresql+psycopg://u@db/posyandu")


def test_numbers_are_read_and_an_empty_one_is_its_default(load, monkeypatch):
    monkeypatch.setenv("IMPORT_MAX_ROWS", " 1500 ")
    monkeypatch.setenv("INVITATION_DAYS", "")
    config = load()
    assert config.Config.IMPORT_MAX_ROWS == 1500 and config.Config.INVITATION_DAYS == 14


@pytest.mark.parametrize("value", ["ture", "enabled", "2", "y"])
def test_a_switch_neither_on_nor_off_names_its_variable_and_value(load, monkeypatch, value):
    """RATELIMIT_ENABLED=ture was read as false: the login rate limits were off without a word."""
    monkeypatch.setenv("RATELIMIT_ENABLED", value)
    with pytest.raises(RuntimeError, match=f"RATELIMIT_ENABLED must be one of .* not '{value}'$"):
        load()


@pytest.mark.parametrize("value, on", [("1", True), ("TRUE", True), (" yes ", True), ("On", True),
                                       ("0", False), ("False", False), ("no", False), ("OFF", False),
                                       ("", True)])  # empty: its default
def test_switches_read_every_spelling_of_on_and_off(load, monkeypatch, value, on):
    monkeypatch.setenv("RATELIMIT_ENABLED", value)
    assert load().Config.RATELIMIT_ENABLED is on


def test_a_negative_migration_lock_timeout_stops_the_start(load, monkeypatch):
    """PostgreSQL would refuse it only at the upgrade, midway through a release; the start refuses it."""
    monkeypatch.setenv("MIGRATION_LOCK_TIMEOUT_MS", "-5")
    with pytest.raises(RuntimeError, match="^MIGRATION_LOCK_TIMEOUT_MS must be 0 \\(no limit\\) or more milliseconds, not -5$"):
        load()



def _rate_limit_settings() -> list[str]:
    import config

    return sorted(name for name in vars(config.Config) if name.endswith("_RATE_LIMIT"))


@pytest.mark.parametrize("name", _rate_limit_settings())
@pytest.mark.parametrize("value", ["5 per menit;20 per jam", "garbage", "5 per minute;"])
def test_a_rate_limit_flask_limiter_cannot_read_names_its_variable_and_value(load, monkeypatch, name, value):
    """LOGIN_RATE_LIMIT="5 per menit;20 per jam" started the server, and Flask-Limiter, unable to read
    it, limited no login (logging "couldn't parse rate limit string" at each request): every
    *_RATE_LIMIT is read at the start as Flask-Limiter reads it (limits.parse_many)."""
    monkeypatch.setenv(name, value)
    with pytest.raises(RuntimeError, match=f"^{name} must be rate limits like .* not '{re.escape(value)}'$"):
        load()


def test_rate_limits_are_read_in_flask_limiters_syntax_and_an_empty_one_is_its_default(load, monkeypatch):
    """Empty, Flask-Limiter set no limit at all; now the default is kept, as for a number."""
    assert len(_rate_limit_settings()) == 6  # the login's, its address's, redeem, invitation guesses, refresh, calculator
    monkeypatch.setenv("LOGIN_RATE_LIMIT", " 3/minute, 10 per hour ")
    monkeypatch.setenv("REFRESH_RATE_LIMIT", "")
    config = load()
    assert config.Config.LOGIN_RATE_LIMIT == "3/minute, 10 per hour"
    assert config.Config.REFRESH_RATE_LIMIT == "30 per minute;300 per hour"


@pytest.mark.parametrize("name, value, message", [
    ("ACCESS_TOKEN_MINUTES", "0", "ACCESS_TOKEN_MINUTES must be 1 or more minutes, not 0"),
    ("ACCESS_TOKEN_MINUTES", "-5", "ACCESS_TOKEN_MINUTES must be 1 or more minutes, not -5"),
    ("REFRESH_TOKEN_DAYS", "0", "REFRESH_TOKEN_DAYS must be 1 or more days, not 0"),
    ("HSTS_SECONDS", "-1", "HSTS_SECONDS must be 0 (not sent) or more seconds, not -1"),
])
def test_a_token_lifetime_or_hsts_age_that_cannot_be_stops_the_start(load, monkeypatch, name, value, message):
    """ACCESS_TOKEN_MINUTES=0 started the server with every token expired as it was issued; a refresh
    token of no days and a negative HSTS max-age were taken too (a QA pass)."""
    monkeypatch.setenv(name, value)
    with pytest.raises(RuntimeError, match=f"^{re.escape(message)}$"):
        load()


def test_a_refresh_token_shorter_than_the_access_token_stops_the_start(load, monkeypatch):
    monkeypatch.setenv("REFRESH_TOKEN_DAYS", "1")
    monkeypatch.setenv("ACCESS_TOKEN_MINUTES", "1441")
    with pytest.raises(RuntimeError, match="^REFRESH_TOKEN_DAYS=1 must not be shorter than ACCESS_TOKEN_MINUTES=1441 "
                                           "\\(a day is 1440 minutes\\)$"):
        load()
    monkeypatch.setenv("ACCESS_TOKEN_MINUTES", "1440")
    monkeypatch.setenv("HSTS_SECONDS", "0")
    config = load()
    assert config.Config.JWT_ACCESS_TOKEN_EXPIRES == config.Config.JWT_REFRESH_TOKEN_EXPIRES
    assert config.Config.HSTS_SECONDS == 0

@pytest.mark.parametrize("level, logged", [("INFO", True), ("WARNING", False)])
def test_text_logs_are_one_line_per_request_with_its_request_id(monkeypatch, capsys, level, logged):
    """``LOG_FORMAT=text`` (README: "one JSON object per line with the request id, or `text`") left
    logging unconfigured: the request lines, INFO, were never written, and ``LOG_LEVEL`` was ignored."""
    import logging

    from config import TestConfig
    from posyandu import create_app

    class TextLogs(TestConfig):
        TESTING, LOG_FORMAT, LOG_LEVEL = False, "text", level

    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", list(root.handlers))  # put back as they were after
    monkeypatch.setattr(root, "level", root.level)
    monkeypatch.setattr(logging.getLogger("posyandu.request"), "disabled", False)  # alembic's fileConfig
    client = create_app(TextLogs).test_client()
    capsys.readouterr()
    client.get("/api/v1/no-such-thing?q=Siti", headers={"X-Request-Id": "req-12345678"})
    lines = [line for line in capsys.readouterr().err.splitlines() if "posyandu.request" in line]
    if not logged:
        assert lines == []
        return
    assert len(lines) == 1 and not lines[0].startswith("{"), lines
    assert "INFO posyandu.request" in lines[0] and "GET /api/v1/no-such-thing 404" in lines[0]
    assert lines[0].endswith("request_id=req-12345678") and "Siti" not in lines[0]


def test_log_settings_are_read_in_any_case_and_another_value_names_its_variable(load, monkeypatch):
    """``LOG_LEVEL=info`` stopped every worker with logging's bare "Unknown level: 'info'", and a
    mistyped ``LOG_FORMAT`` left logging unconfigured without a word."""
    monkeypatch.setenv("LOG_LEVEL", " info ")
    monkeypatch.setenv("LOG_FORMAT", "Text")
    config = load()
    assert (config.Config.LOG_LEVEL, config.Config.LOG_FORMAT) == ("INFO", "text")
    for name, value in (("LOG_LEVEL", "verbose"), ("LOG_FORMAT", "xml")):
        monkeypatch.setenv(name, value)
        with pytest.raises(RuntimeError, match=f"^{name} must be one of .* not '{value}'$"):
            load()
        monkeypatch.delenv(name)


@pytest.mark.parametrize("value", ["mysql://posyandu:rahasia@db/posyandu", "postgresql+psycopg2://u:rahasia@db/p", "db"])
def test_a_database_url_of_another_kind_names_its_scheme_not_its_password(load, monkeypatch, value):
    """mysql://… ended in a traceback and flask's "Error: No such command 'db'"."""
    monkeypatch.setenv("DATABASE_URL", value)
    with pytest.raises(RuntimeError, match=r"^DATABASE_URL must be a PostgreSQL URL \(postgresql://…\) or") as refused:
        load()
    assert "rahasia" not in str(refused.value)


@pytest.mark.parametrize("value, read", [("postgres://u@db/p", "postgresql+psycopg://u@db/p"),
                                         ("postgresql://u@db/p", "postgresql+psycopg://u@db/p"),
                                         ("postgresql+psycopg://u@db/p", "postgresql+psycopg://u@db/p"),
                                         ("sqlite:////srv/posyandu.sqlite3", "sqlite:////srv/posyandu.sqlite3")])
def test_a_postgresql_or_sqlite_url_is_read(load, monkeypatch, value, read):
    monkeypatch.setenv("DATABASE_URL", value)
    assert load().Config.SQLALCHEMY_DATABASE_URI == read


@pytest.mark.parametrize("name, value, said", [("INVITATION_DAYS", "0", "1 or more days"),
                                               ("IMPORT_MAX_ROWS", "0", "1 or more rows"),
                                               ("MAX_CONTENT_LENGTH", "100", "64 KiB (65536) or more bytes")])
def test_a_setting_that_would_refuse_everything_stops_the_start(load, monkeypatch, name, value, said):
    """INVITATION_DAYS=0 made every code expired as it was made; 0 rows or a 100-byte body refused every import."""
    monkeypatch.setenv(name, value)
    with pytest.raises(RuntimeError, match=f"^{name} must be {re.escape(said)}, not {value}$"):
        load()


def test_a_rate_limit_of_no_requests_stops_the_start(load, monkeypatch):
    """"0 per minute" parsed, and refused every login."""
    monkeypatch.setenv("LOGIN_RATE_LIMIT", "0 per minute;20 per hour")
    with pytest.raises(RuntimeError, match="^LOGIN_RATE_LIMIT must be rate limits like"):
        load()
