"""POSYANDU_ENV=production refuses to start with a setting that is only safe on a laptop: no
DATABASE_URL (the app would write to a SQLite file inside the release directory, which the next
upgrade leaves behind), Flask's debug mode, or CORS open to every site."""
from __future__ import annotations

import importlib

import pytest

STRONG = "x" * 48


@pytest.fixture
def production(monkeypatch):
    import config

    monkeypatch.setenv("POSYANDU_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", STRONG)
    monkeypatch.setenv("JWT_SECRET_KEY", "y" * 48)
    monkeypatch.setenv("DATABASE_URL", "postgresql://posyandu@/posyandu")
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.delenv("CORS_ORIGINS", raising=False)

    def load():
        return importlib.reload(config).config_from_env()
    yield load
    monkeypatch.undo()
    importlib.reload(config)


def test_a_complete_production_environment_starts(production):
    cfg = production()
    assert cfg.PRODUCTION and cfg.SQLALCHEMY_DATABASE_URI.startswith("postgresql+psycopg://")


def test_production_refuses_to_start_without_a_database_url(production, monkeypatch):
    monkeypatch.delenv("DATABASE_URL")
    with pytest.raises(RuntimeError, match="DATABASE_URL"):
        production()


@pytest.mark.parametrize("value", ["1", "true", "off", "disabled"])
def test_production_refuses_flask_debug(production, monkeypatch, value):
    """Whatever Flask itself reads as on: "off" passed the check while Flask turned debug mode on
    (its rule: anything but 0, false or no)."""
    monkeypatch.setenv("FLASK_DEBUG", value)
    with pytest.raises(RuntimeError, match=f"FLASK_DEBUG must be unset, 0, false or no in production, not '{value}'"):
        production()


@pytest.mark.parametrize("value", ["", "0", "false", "No"])
def test_production_starts_with_flask_debug_off(production, monkeypatch, value):
    from flask import Flask

    monkeypatch.setenv("FLASK_DEBUG", value)
    assert production().PRODUCTION and Flask(__name__).debug is False   # as Flask reads it for the app


def test_production_refuses_cors_open_to_every_site(production, monkeypatch):
    monkeypatch.setenv("CORS_ORIGINS", "https://dinkes.gresikkab.go.id, *")
    with pytest.raises(RuntimeError, match="CORS_ORIGINS"):
        production()
    monkeypatch.setenv("CORS_ORIGINS", "https://dinkes.gresikkab.go.id")
    assert production().CORS_ORIGINS == ["https://dinkes.gresikkab.go.id"]


def test_production_refuses_one_secret_for_both_keys(production, monkeypatch):
    """The env example says the two keys are never the same: one leaked (a token's signature can be
    attacked offline) would then also sign pull cursors and the ids imports give children."""
    monkeypatch.setenv("JWT_SECRET_KEY", STRONG)
    with pytest.raises(RuntimeError, match="JWT_SECRET_KEY must differ from SECRET_KEY"):
        production()


@pytest.mark.parametrize("value", ["Production", " production\n", "PRODUCTION"])
def test_production_is_production_in_any_case(production, monkeypatch, value):
    monkeypatch.setenv("POSYANDU_ENV", value)
    assert production().PRODUCTION
    monkeypatch.delenv("SECRET_KEY")
    with pytest.raises(RuntimeError, match="SECRET_KEY must be set"):
        production()


@pytest.mark.parametrize("value", ["prod", "produktion", "staging", "test", ""])
def test_an_unknown_environment_refuses_to_start(production, monkeypatch, value):
    """Anything but "production" was development: POSYANDU_ENV=prod in the env file started the
    server with the development secret (tokens anyone can sign) and none of these checks."""
    monkeypatch.setenv("POSYANDU_ENV", value)
    with pytest.raises(RuntimeError, match=f"POSYANDU_ENV must be unset or one of development, production, not '{value}'"):
        production()


@pytest.mark.parametrize("value", [None, "development", "Development"])
def test_unset_or_development_is_the_laptop_configuration(production, monkeypatch, value):
    if value is None:
        monkeypatch.delenv("POSYANDU_ENV")
    else:
        monkeypatch.setenv("POSYANDU_ENV", value)
    assert production().PRODUCTION is False


@pytest.mark.parametrize("value", ["geheim", "dev-only-secret-change-me-in-production-0000"])
def test_production_refuses_a_weak_import_id_key(production, monkeypatch, value):
    """IMPORT_ID_KEY keys the ids imports give children so that no one computes a child's id from
    her NIK (posyandu.imports.operations.child_id_for); set, it was taken whatever it was, a short
    word or the development secret in the source, while SECRET_KEY in its place is refused."""
    monkeypatch.setenv("IMPORT_ID_KEY", value)
    with pytest.raises(RuntimeError, match="IMPORT_ID_KEY must be a strong secret"):
        production()
    monkeypatch.setenv("IMPORT_ID_KEY", "z" * 43)   # an earlier SECRET_KEY's value, as docs/deploy.md says
    assert production().IMPORT_ID_KEY == "z" * 43
    monkeypatch.setenv("IMPORT_ID_KEY", "")          # an empty line in the env file: SECRET_KEY's, as unset
    assert production().PRODUCTION
