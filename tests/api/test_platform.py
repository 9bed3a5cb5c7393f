"""Health, OpenAPI, docs assets, migrations vs models, the PWA shell, posyandu and areas."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext


def test_health_reports_the_database(client):
    resp = client.get("/api/v1/health")
    assert resp.status_code == 200 and resp.get_json() == {"status": "ok", "database": "ok"}  # the contract's, exactly
    assert client.get("/api/v1/health?detail=true").get_json() == {"status": "ok", "database": "ok", "rate_limit": "ok"}
    # an uptime checker's cache-busting parameter: a 422 was read as the service down
    assert client.get("/api/v1/health?t=1733150000").get_json()["status"] == "ok"


def test_health_says_when_the_rate_limits_store_is_unreachable_and_stays_200(limits_store_down):
    """Redis down, every rate-limited request answered 500 while /health said ok. Limits are now
    counted per process meanwhile (config RATELIMIT_IN_MEMORY_FALLBACK_ENABLED), and /health says
    so in its own field: logins work, so it is no 503 and "status" stays "ok"."""
    resp = limits_store_down.get("/api/v1/health?detail=true")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok", "database": "ok", "rate_limit": "degraded"}
    health = limits_store_down.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["Health"]
    assert health["properties"]["rate_limit"]["enum"] == ["ok", "degraded", "off"]


def test_health_is_503_when_the_database_is_unreachable():
    from config import TestConfig
    from posyandu import create_app

    cfg = type("Down", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://x@127.0.0.1:1/none"})
    resp = create_app(cfg).test_client().get("/api/v1/health?detail=true")
    assert resp.status_code == 503 and resp.get_json()["database"] == "unreachable"
    assert resp.get_json()["rate_limit"] == "ok"   # the database alone makes it 503


def test_openapi_document_lists_every_endpoint_with_bearer_auth(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    for path in ["/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/auth/logout", "/api/v1/children",
                 "/api/v1/children/{child_id}", "/api/v1/children/{child_id}/measurements",
                 "/api/v1/measurements/{event_id}", "/api/v1/immunisations/{event_id}", "/api/v1/posyandu",
                 "/api/v1/health", "/api/v1/users"]:
        assert path in paths, path
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert paths["/api/v1/auth/login"]["post"]["security"] == []
    child = spec["components"]["schemas"]["Child"]
    assert {"name", "sex", "birth_date", "nik"} <= set(child["properties"])


def test_docs_page_uses_local_assets_only(client):
    html = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/api/v1/docs/static/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "https://" not in html.split("<body")[0]
    with client.get("/api/v1/docs/static/swagger-ui-bundle.js") as asset:
        assert asset.status_code == 200


def test_unknown_api_path_is_a_problem_404(client):
    resp = client.get("/api/v1/no-such-thing")
    assert resp.status_code == 404 and resp.content_type == "application/problem+json"


def test_english_problem_titles_on_request(client):
    resp = client.get("/api/v1/children", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert resp.get_json()["title"] == "Authentication required"


def test_an_answer_with_words_names_their_language_and_that_accept_language_chose_it(client):
    """A problem, or a calculation's row errors, said in Indonesian or English by Accept-Language
    named neither: a cache between the phone and the server could answer a cadre the English
    problem another user's browser had asked for. Answers with no words name neither, and the
    PWA's files keep their conditional GET."""
    def said(resp):
        return resp.headers.get("Content-Language"), "Accept-Language" in resp.vary

    english = client.get("/api/v1/children", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert english.status_code == 401 and english.get_json()["title"] == "Authentication required"
    assert said(english) == ("en", True)
    assert said(client.get("/api/v1/children")) == ("id", True)  # the default, Indonesian
    assert said(client.get("/api/v1/children", headers={"Accept-Language": "id;q=0"})) == ("en", True)
    bad_row = client.post("/api/v1/growth/calculate", json={"measurements": [{"sex": "X", "age_days": 30}]},
                          headers={"Accept-Language": "en"})
    assert bad_row.status_code == 200 and "errors" in bad_row.get_json()["results"][0]
    assert said(bad_row) == ("en", True)
    computed = client.post("/api/v1/growth/calculate", json={"measurements": [{"sex": "F", "age_days": 30,
                                                                               "weight_kg": 4.2}]},
                           headers={"Accept-Language": "en"})
    assert "errors" not in computed.get_json()["results"][0] and said(computed) == (None, False)
    assert said(client.get("/api/v1/health", headers={"Accept-Language": "en"})) == (None, False)
    with client.get("/manifest.webmanifest") as shell:
        assert said(shell) == (None, False) and shell.headers.get("ETag")
        with client.get("/manifest.webmanifest", headers={"If-None-Match": shell.headers["ETag"]}) as again:
            assert again.status_code == 304


def test_migrations_match_the_models(app, db):
    """`flask db check`: the migration history builds exactly the models' schema."""
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True}),
                                db.metadata)
    assert diff == []


def test_pwa_shell_is_served_at_root(client):
    with client.get("/") as resp:
        assert resp.status_code == 200 and b"<html" in resp.data.lower()


@pytest.mark.parametrize("who,expected", [("kader1", {"Melati"}), ("bidan_a", {"Melati", "Mawar"}),
                                          ("bidan_b", {"Kenanga"}), ("dinkes_gresik", {"Melati", "Mawar"}),
                                          ("admin", {"Melati", "Mawar", "Kenanga"}), ("parent1", set())])
def test_posyandu_list_follows_the_callers_area(client, world, who, expected):
    items = client.get("/api/v1/posyandu", headers=world.headers(who)).get_json()["items"]
    assert {p["name"] for p in items} == expected


def test_a_bidan_creates_posyandu_only_in_her_puskesmas(client, world):
    body = {"name": "Baru", "desa_code": "35.25.01.2001", "meeting_day": 12}
    bad = client.post("/api/v1/posyandu", json={**body, "puskesmas_id": str(world.ids["pkm_b"])}, headers=world.headers("bidan_a"))
    assert bad.status_code == 422
    ok = client.post("/api/v1/posyandu", json={**body, "puskesmas_id": str(world.ids["pkm_a"])}, headers=world.headers("bidan_a"))
    assert ok.status_code == 201 and ok.get_json()["kabupaten_code"] == "35.25"
    assert client.post("/api/v1/posyandu", json={**body, "puskesmas_id": str(world.ids["pkm_a"])},
                       headers=world.headers("kader1")).status_code == 403


def test_a_bidan_cannot_place_a_posyandu_in_another_kabupaten(client, world, make_child):
    """Bangkalan's desa for a Gresik puskesmas's posyandu: its children would leave the sight of
    Gresik's dinkes office. Refused on desa_code, when created and when moved; an admin may."""
    body = {"name": "Baru", "desa_code": "35.26.01.2001", "meeting_day": 12, "puskesmas_id": str(world.ids["pkm_a"])}
    bad = client.post("/api/v1/posyandu", json=body, headers=world.headers("bidan_a", "id"))
    assert bad.status_code == 422 and bad.get_json()["errors"]["desa_code"] == ["harus di kabupaten/kota puskesmas Anda"]
    make_child()
    url = f"/api/v1/posyandu/{world.ids['p1']}"
    moved = client.patch(url, json={"desa_code": "35.26.01.2001"}, headers=world.headers("bidan_a"))
    assert moved.status_code == 422 and "desa_code" in moved.get_json()["errors"]
    assert client.get(url, headers=world.headers("bidan_a")).get_json()["kabupaten_code"] == "35.25"
    assert len(client.get("/api/v1/children", headers=world.headers("dinkes_gresik")).get_json()["items"]) == 1
    ok = client.patch(url, json={"desa_code": "35.25.01.2002"}, headers=world.headers("bidan_a"))
    assert ok.status_code == 200
    assert client.patch(url, json={"desa_code": "35.26.01.2001"}, headers=world.headers("admin")).status_code == 200


def test_a_new_posyandus_audit_row_keeps_an_empty_field_empty(app, client, world):
    from posyandu.audit import AuditLog
    from posyandu.extensions import db

    body = {"name": "Baru", "desa_code": "35.25.01.2001", "meeting_day": 12, "address": None,
            "puskesmas_id": str(world.ids["pkm_a"])}
    ok = client.post("/api/v1/posyandu", json=body, headers=world.headers("admin"))
    assert ok.status_code == 201, ok.get_json()
    with app.app_context():
        changes = db.session.scalar(select(AuditLog.changes).where(AuditLog.record_id == ok.get_json()["id"]))
    assert changes["address"] == [None, None] and changes["meeting_day"] == [None, 12]
    assert changes["puskesmas_id"] == [None, str(world.ids["pkm_a"])]


def test_posyandu_validation(client, world):
    body = {"name": "X", "desa_code": "35.25.01", "meeting_day": 40, "puskesmas_id": str(world.ids["pkm_a"])}
    resp = client.post("/api/v1/posyandu", json=body, headers=world.headers("admin"))
    assert resp.status_code == 422 and "meeting_day" in resp.get_json()["errors"]
    resp = client.post("/api/v1/posyandu", json={**body, "meeting_day": 4}, headers=world.headers("admin"))
    assert resp.status_code == 422 and "desa_code" in resp.get_json()["errors"]


def test_posyandu_out_of_scope_is_404(client, world):
    url = f"/api/v1/posyandu/{world.ids['p3']}"
    assert client.get(url, headers=world.headers("kader1")).status_code == 404
    assert client.patch(url, json={"meeting_day": 3}, headers=world.headers("bidan_a")).status_code == 404
    assert client.get(url, headers=world.headers("bidan_b")).status_code == 200


def _switch_off(client, world, username):
    users = client.get("/api/v1/users?limit=100", headers=world.headers("admin")).get_json()["items"]
    user_id = next(u["id"] for u in users if u["username"] == username)
    resp = client.patch(f"/api/v1/users/{user_id}", json={"active": False}, headers=world.headers("admin"))
    assert resp.status_code == 200, resp.get_json()


def test_a_posyandu_with_children_cannot_be_closed(client, world, make_child):
    make_child()
    assert client.delete(f"/api/v1/posyandu/{world.ids['p1']}", headers=world.headers("admin")).status_code == 409
    assert client.delete(f"/api/v1/posyandu/{world.ids['p2']}", headers=world.headers("bidan_a")).status_code == 403
    _switch_off(client, world, "kader2")
    assert client.delete(f"/api/v1/posyandu/{world.ids['p2']}", headers=world.headers("admin")).status_code == 204


def test_a_posyandu_with_active_kader_cannot_be_closed_until_they_are_moved_or_switched_off(client, world):
    """Closing a posyandu left its kader active there: her home list empty, every child she
    registered refused ('posyandu ini sudah ditutup'), her phone's records of children moved away
    refused as outside her area, and nothing told her or the admin why. The admin is now told
    whom to move (or switch off) first."""
    url = f"/api/v1/posyandu/{world.ids['p1']}"
    refused = client.delete(url, headers=world.headers("admin", "id"))
    assert refused.status_code == 409 and refused.content_type == "application/problem+json"
    detail = refused.get_json()["detail"]
    assert "kader aktif" in detail and "(kader1)" in detail and "(kader1b)" in detail, detail
    assert "kader2" not in detail
    assert "active cadres" in client.delete(url, headers=world.headers("admin", "en")).get_json()["detail"]
    assert client.get(url, headers=world.headers("kader1")).status_code == 200   # still open
    _switch_off(client, world, "kader1")
    users = client.get("/api/v1/users?limit=100", headers=world.headers("admin")).get_json()["items"]
    kader1b = next(u["id"] for u in users if u["username"] == "kader1b")
    moved = client.patch(f"/api/v1/users/{kader1b}", json={"posyandu_id": str(world.ids["p2"])},
                         headers=world.headers("admin"))
    assert moved.status_code == 200, moved.get_json()
    assert client.delete(url, headers=world.headers("admin")).status_code == 204
    # switched on again she would be back at the closed posyandu: she is given another one with it
    kader1 = next(u["id"] for u in users if u["username"] == "kader1")
    back = client.patch(f"/api/v1/users/{kader1}", json={"active": True}, headers=world.headers("admin", "id"))
    assert back.status_code == 422, back.get_json()
    assert back.get_json()["errors"] == {"posyandu_id": ["posyandu ini sudah ditutup: pilih posyandu lain"]}
    back = client.patch(f"/api/v1/users/{kader1}", json={"active": True, "posyandu_id": str(world.ids["p2"])},
                        headers=world.headers("admin"))
    assert back.status_code == 200 and back.get_json()["active"] is True, back.get_json()


def test_regions_are_listed_and_created_by_admin(client, world):
    kids = client.get("/api/v1/regions?parent_code=35.25.01", headers=world.headers("kader1")).get_json()["items"]
    assert [r["code"] for r in kids] == ["35.25.01.2001", "35.25.01.2002"]
    assert client.post("/api/v1/regions", json={"code": "35.25.02", "name": "Driyorejo"},
                       headers=world.headers("kader1")).status_code == 403
    bad = client.post("/api/v1/regions", json={"code": "35.99.01", "name": "X"}, headers=world.headers("admin"))
    assert bad.status_code == 422
    ok = client.post("/api/v1/regions", json={"code": "35.25.02", "name": "Driyorejo"}, headers=world.headers("admin"))
    assert ok.status_code == 201 and ok.get_json()["level"] == "kecamatan"
    # the code taken: renamed, 200 (it was answered 201 "created")
    renamed = client.post("/api/v1/regions", json={"code": "35.25.02", "name": "Driyo Rejo"}, headers=world.headers("admin"))
    assert (renamed.status_code, renamed.get_json()["name"]) == (200, "Driyo Rejo"), renamed.get_json()


def test_a_region_is_found_by_its_code_at_any_level(client, world):
    """``?code=`` answers that region alone (the admin's form asks whether a code is taken before a save
    that would rename it): a province too, which no ``parent_code`` lists; an unknown code, none."""
    by_code = lambda code: [(r["code"], r["level"]) for r in client.get(  # noqa: E731
        f"/api/v1/regions?code={code}", headers=world.headers("admin")).get_json()["items"]]
    assert by_code("35") == [("35", "provinsi")]
    assert by_code("35.25.01") == [("35.25.01", "kecamatan")]
    assert by_code("35.25.09") == []
    bad = client.get("/api/v1/regions?code=Jawa", headers=world.headers("admin"))
    assert bad.status_code == 422 and "code" in bad.get_json()["errors"], bad.get_json()


def test_security_headers_and_request_id(client):
    resp = client.get("/api/v1/health", headers={"X-Request-Id": "abc12345-req"})
    assert resp.headers["X-Request-Id"] == "abc12345-req"
    assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff" and resp.headers["Cache-Control"] == "no-store"
    assert "Access-Control-Allow-Origin" not in resp.headers  # CORS is closed
    bogus = client.get("/api/v1/health", headers={"X-Request-Id": "<script>"})
    assert bogus.headers["X-Request-Id"] != "<script>" and len(bogus.headers["X-Request-Id"]) == 32


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/api/v1/health").headers
    secure = client.get("/api/v1/health", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_production_refuses_development_secrets(monkeypatch):
    import importlib

    import pytest as _pytest

    import config

    monkeypatch.setenv("POSYANDU_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("JWT_SECRET_KEY", raising=False)
    fresh = importlib.reload(config)
    try:
        with _pytest.raises(RuntimeError):
            fresh.config_from_env()
    finally:
        monkeypatch.delenv("POSYANDU_ENV")
        importlib.reload(config)


def test_cors_is_closed_unless_an_origin_is_listed():
    from config import TestConfig
    from posyandu import create_app

    closed = create_app(TestConfig).test_client()
    resp = closed.options("/api/v1/health", headers={"Origin": "https://evil.example",
                                                     "Access-Control-Request-Method": "GET"})
    assert "Access-Control-Allow-Origin" not in resp.headers

    cfg = type("Cors", (TestConfig,), {"CORS_ORIGINS": ["https://dinkes.gresikkab.go.id"]})
    opened = create_app(cfg).test_client()
    ok = opened.options("/api/v1/children", headers={"Origin": "https://dinkes.gresikkab.go.id",
                                                     "Access-Control-Request-Method": "GET",
                                                     "Access-Control-Request-Headers": "Authorization"})
    assert ok.headers["Access-Control-Allow-Origin"] == "https://dinkes.gresikkab.go.id"
    assert "authorization" in ok.headers["Access-Control-Allow-Headers"].lower()
    other = opened.get("/api/v1/health", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_postgresql_gets_a_bounded_pool_from_the_environment(monkeypatch):
    import config

    monkeypatch.setenv("DB_POOL_SIZE", "7")
    monkeypatch.setenv("DB_MAX_OVERFLOW", "3")
    monkeypatch.setenv("DB_CONNECT_TIMEOUT", "4")
    pg = config._engine_options("postgresql+psycopg://u@db/posyandu")
    assert pg["pool_size"] == 7 and pg["max_overflow"] == 3 and pg["pool_pre_ping"] is True
    assert pg["connect_args"] == {"connect_timeout": 4, "tcp_user_timeout": 30000, **config.KEEPALIVES}
    assert config._engine_options("sqlite:///x.sqlite3") == {"pool_pre_ping": True}


@pytest.mark.parametrize("setting, options", [(None, None), ("0", None), ("45", "-c statement_timeout=45000")])
def test_a_statement_timeout_is_set_on_postgresql_connections_only_when_asked(monkeypatch, setting, options):
    import config

    if setting is None:
        monkeypatch.delenv("DB_STATEMENT_TIMEOUT", raising=False)
    else:
        monkeypatch.setenv("DB_STATEMENT_TIMEOUT", setting)
    assert config._engine_options("postgresql+psycopg://u@db/posyandu")["connect_args"].get("options") == options
    assert config._engine_options("sqlite:///x.sqlite3") == {"pool_pre_ping": True}


@pytest.mark.parametrize("setting, message", [("-1", "^DB_STATEMENT_TIMEOUT must be 0 \\(no limit\\) or more seconds, not -1$"),
                                              ("1m", "^DB_STATEMENT_TIMEOUT must be a whole number, not '1m'$")])
def test_a_statement_timeout_that_is_not_seconds_stops_the_start(monkeypatch, setting, message):
    import config

    monkeypatch.setenv("DB_STATEMENT_TIMEOUT", setting)
    with pytest.raises(RuntimeError, match=message):
        config._engine_options("postgresql+psycopg://u@db/posyandu")


def test_the_tcp_user_timeout_reaches_the_socket_of_a_real_postgresql_connection_and_sqlite_ignores_it(
        app, monkeypatch):
    """A database host gone (a failover, a NAT that dropped the connection) held a worker on a send
    for the kernel's retransmissions (~15 min): libpq's ``tcp_user_timeout`` (``DB_TCP_USER_TIMEOUT_MS``)
    now bounds it, set on the TCP socket of each connection the app's engine opens. SQLite's engine
    is given none (sqlite3.connect would refuse it)."""
    import socket

    import config
    from config import TestConfig
    from posyandu import create_app
    from posyandu.extensions import db as app_db

    monkeypatch.setenv("DB_TCP_USER_TIMEOUT_MS", "7250")
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    timed = create_app(type("Timed", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url,
                                                     "SQLALCHEMY_ENGINE_OPTIONS": config._engine_options(url)}))
    with timed.app_context():
        try:
            with app_db.engine.connect() as conn:
                assert conn.exec_driver_sql("SELECT 1").scalar() == 1
                raw = conn.connection.driver_connection
                if app_db.engine.dialect.name == "sqlite":
                    assert "connect_args" not in timed.config["SQLALCHEMY_ENGINE_OPTIONS"]
                    return
                assert raw.info.get_parameters()["tcp_user_timeout"] == "7250"
                sock = socket.socket(fileno=socket.dup(raw.pgconn.socket))
                try:
                    assert sock.family == socket.AF_INET  # the test server is reached over TCP
                    assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT) == 7250
                    # and a connection waiting for an answer from a host gone is found out by keepalives
                    assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
                    assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 60
                    assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL) == 10
                    assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT) == 5
                finally:
                    sock.close()
        finally:
            app_db.engine.dispose()


def test_the_database_urls_own_connection_settings_are_kept_unless_their_variable_is_set(monkeypatch):
    """connect_args override a URL's query: ``?connect_timeout=10`` in DATABASE_URL was replaced by our
    default 5, its keepalives and ``tcp_user_timeout`` by ours, its ``options`` (a search_path) by the
    statement timeout. The URL's own are kept now; a variable set explicitly still wins."""
    import config

    for name in ("DB_CONNECT_TIMEOUT", "DB_TCP_USER_TIMEOUT_MS", "DB_STATEMENT_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    url = ("postgresql+psycopg://u@db/posyandu?connect_timeout=10&tcp_user_timeout=6100&keepalives_idle=30"
           "&options=-c%20search_path%3Dposyandu")
    args = config._engine_options(url)["connect_args"]
    assert args == {"keepalives": 1, "keepalives_interval": 10, "keepalives_count": 5}  # the rest is the URL's
    monkeypatch.setenv("DB_CONNECT_TIMEOUT", "3")
    monkeypatch.setenv("DB_STATEMENT_TIMEOUT", "45")
    args = config._engine_options(url)["connect_args"]
    assert args["connect_timeout"] == 3 and "tcp_user_timeout" not in args
    assert args["options"] == "-c search_path=posyandu -c statement_timeout=45000"


def test_a_urls_own_settings_reach_a_real_postgresql_connection(app, monkeypatch):
    """The same, on a real connection: the URL's ``tcp_user_timeout`` and ``options`` reach the
    session, with the statement timeout added to its options."""
    import config
    from config import TestConfig
    from posyandu import create_app
    from posyandu.extensions import db as app_db

    base = app.config["SQLALCHEMY_DATABASE_URI"]
    if not base.startswith("postgresql"):
        pytest.skip("libpq settings are PostgreSQL's")
    monkeypatch.delenv("DB_TCP_USER_TIMEOUT_MS", raising=False)
    monkeypatch.setenv("DB_STATEMENT_TIMEOUT", "41")
    url = base + ("&" if "?" in base else "?") + "tcp_user_timeout=6100&options=-c%20work_mem%3D7MB"
    own = create_app(type("Own", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url,
                                                 "SQLALCHEMY_ENGINE_OPTIONS": config._engine_options(url)}))
    with own.app_context():
        try:
            with app_db.engine.connect() as conn:
                assert conn.exec_driver_sql("SHOW work_mem").scalar() == "7MB"
                assert conn.exec_driver_sql("SHOW statement_timeout").scalar() == "41s"
                assert conn.connection.driver_connection.info.get_parameters()["tcp_user_timeout"] == "6100"
        finally:
            app_db.engine.dispose()


@pytest.mark.parametrize("setting, message", [
    ("-1", "^DB_TCP_USER_TIMEOUT_MS must be 0 \\(the kernel's\\) or more milliseconds, not -1$"),
    ("30s", "^DB_TCP_USER_TIMEOUT_MS must be a whole number, not '30s'$")])
def test_a_tcp_user_timeout_that_is_not_milliseconds_stops_the_start(monkeypatch, setting, message):
    import config

    monkeypatch.setenv("DB_TCP_USER_TIMEOUT_MS", setting)
    with pytest.raises(RuntimeError, match=message):
        config._engine_options("postgresql+psycopg://u@db/posyandu")


def test_a_statement_past_the_timeout_is_cancelled_and_answered_503_writing_nothing(app, world, make_child, db,
                                                                                   monkeypatch, caplog):
    """A request waiting on a row another transaction holds (here: a session left open in psql) is
    stopped by PostgreSQL after ``DB_STATEMENT_TIMEOUT`` and answered as a problem, not left running
    after gunicorn has killed its worker; the child is unchanged."""
    import contextlib
    import logging
    import uuid

    import psycopg

    import config
    from posyandu import create_app
    from config import TestConfig
    from posyandu.registry.models import Child

    if db.engine.dialect.name != "postgresql":
        pytest.skip("statement_timeout: PostgreSQL")
    child = make_child(name="Tunggu Kunci")
    # alembic's env.py (fileConfig) disabled the loggers that existed when the tests' schema was built
    monkeypatch.setattr(logging.getLogger("posyandu.errors"), "disabled", False)
    caplog.set_level(logging.WARNING, logger="posyandu.errors")
    monkeypatch.setenv("DB_STATEMENT_TIMEOUT", "1")
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    timed = create_app(type("Timed", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url,
                                                     "SQLALCHEMY_ENGINE_OPTIONS": config._engine_options(url)}))
    holder = psycopg.connect(db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        # the holder lets go by itself after 5 s (without the timeout, the PATCH then goes through)
        holder.execute("SET idle_in_transaction_session_timeout = '5s'")
        holder.execute("SELECT id FROM child WHERE id = %s FOR UPDATE", (uuid.UUID(child["id"]),))
        resp = timed.test_client().patch(f"/api/v1/children/{child['id']}", headers=world.headers("kader1"),
                                         json={"name": "Tidak Tersimpan"})
    finally:
        with contextlib.suppress(psycopg.Error):
            holder.rollback()
        holder.close()
        with timed.app_context():
            from posyandu.extensions import db as timed_db

            timed_db.session.remove()
            timed_db.engine.dispose()
    assert resp.status_code == 503 and resp.mimetype == "application/problem+json", resp.get_data(as_text=True)
    assert resp.headers["Retry-After"]
    db.session.expire_all()
    assert db.session.get(Child, uuid.UUID(child["id"])).name == "Tunggu Kunci"
    # logged as what it was, not as a database that is down
    said = [r.getMessage() for r in caplog.records if r.name == "posyandu.errors"]
    assert any("statement cancelled (DB_STATEMENT_TIMEOUT)" in m for m in said), said
    assert not any("database unavailable" in m for m in said), said


def test_a_posyandu_moved_to_another_kabupaten_takes_its_children_and_their_events(client, world, make_child, db):
    import uuid

    from sqlalchemy import select

    from posyandu.growth.models import Measurement
    from tests.sync.helpers import pull_all

    child = make_child(name="Pindah Kabupaten", birth_date="2025-01-10")
    resp = client.post(f"/api/v1/children/{child['id']}/measurements", headers=world.headers("kader1"),
                       json={"measured_on": "2025-03-10", "weight_kg": 5.9})
    assert resp.status_code == 201
    moved = client.patch(f"/api/v1/posyandu/{world.ids['p1']}", headers=world.headers("admin"),
                         json={"desa_code": "35.26.01.2001"})
    assert moved.status_code == 200 and moved.get_json()["kabupaten_code"] == "35.26"
    after = client.get(f"/api/v1/children/{child['id']}", headers=world.headers("kader1")).get_json()
    assert after["kabupaten_code"] == "35.26" and after["version"] == child["version"] + 1
    assert db.session.scalar(select(Measurement.kabupaten_code).where(Measurement.child_id == uuid.UUID(child["id"]))) == "35.26"
    changes, _, _ = pull_all(client, world.headers("kader1"))
    assert [c["record"]["kabupaten_code"] for c in changes if c["id"] == child["id"]][-1] == "35.26"


def test_a_deleted_childs_kabupaten_follows_its_posyandu_audited_without_a_new_version(client, world, make_child, db):
    """A tombstone keeps its version (phones hold it as deleted), but its kabupaten changed unaudited."""
    import uuid

    from sqlalchemy import select

    from posyandu.audit import AuditLog
    from posyandu.registry.models import Child

    child = make_child(name="Sudah Dihapus")
    gone = client.delete(f"/api/v1/children/{child['id']}", headers=world.headers("kader1"),
                         query_string={"reason": "salah input"})
    assert gone.status_code == 204, gone.get_json()
    version = db.session.scalar(select(Child.version).where(Child.id == uuid.UUID(child["id"])))
    moved = client.patch(f"/api/v1/posyandu/{world.ids['p1']}", headers=world.headers("admin"),
                         json={"desa_code": "35.26.01.2001"})
    assert moved.status_code == 200, moved.get_json()
    db.session.expire_all()
    stored = db.session.get(Child, uuid.UUID(child["id"]))
    assert (stored.kabupaten_code, stored.version) == ("35.26", version)
    rows = db.session.execute(select(AuditLog.changes, AuditLog.kabupaten_code).where(
        AuditLog.entity == "child", AuditLog.record_id == child["id"], AuditLog.action == "update")).all()
    assert [(r.changes, r.kabupaten_code) for r in rows] == [({"kabupaten_code": ["35.25", "35.26"]}, "35.26")]


def test_a_child_moved_to_a_posyandu_of_another_kabupaten_takes_the_kabupaten_along(client, world, make_child, db):
    import uuid

    from sqlalchemy import select

    from posyandu.growth.models import Measurement

    child = make_child(name="Pindah Rumah", birth_date="2025-01-10")
    assert client.post(f"/api/v1/children/{child['id']}/measurements", headers=world.headers("kader1"),
                       json={"measured_on": "2025-03-10", "weight_kg": 5.9}).status_code == 201
    moved = client.patch(f"/api/v1/children/{child['id']}", headers=world.headers("admin"),
                         json={"posyandu_id": str(world.ids["p3"])})
    assert moved.status_code == 200 and moved.get_json()["kabupaten_code"] == "35.26"
    assert db.session.scalar(select(Measurement.kabupaten_code)
                             .where(Measurement.child_id == uuid.UUID(child["id"]))) == "35.26"
    seen = client.get(f"/api/v1/children/{child['id']}", headers=world.headers("dinkes_bangkalan"))
    assert seen.status_code == 200
    assert client.get(f"/api/v1/children/{child['id']}", headers=world.headers("dinkes_gresik")).status_code == 404


def test_a_puskesmas_follows_a_region_split_to_its_new_kabupaten_audited(client, world, db):
    """A kabupaten split (a new kota, new Kemendagri codes): the puskesmas's kecamatan gets a code
    of the new kabupaten. There was no way to edit a puskesmas, so it kept the old kabupaten, and
    its bidan could place no posyandu in her own (renumbered) desa: 'harus di kabupaten/kota
    puskesmas Anda'."""
    from posyandu.audit import AuditLog

    for code, name in [("35.78", "Kota Baru"), ("35.78.01", "Wringinanom"), ("35.78.01.2001", "Sumbergede")]:
        assert client.post("/api/v1/regions", json={"code": code, "name": name},
                           headers=world.headers("admin")).status_code == 201
    url = f"/api/v1/puskesmas/{world.ids['pkm_a']}"
    body = {"name": "Baru", "desa_code": "35.78.01.2001", "meeting_day": 12, "puskesmas_id": str(world.ids["pkm_a"])}
    assert client.post("/api/v1/posyandu", json=body, headers=world.headers("bidan_a")).status_code == 422
    assert client.patch(url, json={"kecamatan_code": "35.78.01"}, headers=world.headers("bidan_a")).status_code == 403
    bad = client.patch(url, json={"kecamatan_code": "35.78.01.2001"}, headers=world.headers("admin", "id"))
    assert bad.status_code == 422 and "kecamatan_code" in bad.get_json()["errors"], bad.get_json()
    moved = client.patch(url, json={"kecamatan_code": "35.78.01", "name": "PKM Wringinanom Kota"},
                         headers=world.headers("admin"))
    assert moved.status_code == 200, moved.get_json()
    assert (moved.get_json()["kecamatan_code"], moved.get_json()["kabupaten_code"], moved.get_json()["name"]) == (
        "35.78.01", "35.78", "PKM Wringinanom Kota")
    ok = client.post("/api/v1/posyandu", json=body, headers=world.headers("bidan_a"))
    assert ok.status_code == 201 and ok.get_json()["kabupaten_code"] == "35.78", ok.get_json()
    row = db.session.scalars(select(AuditLog).where(AuditLog.entity == "puskesmas", AuditLog.action == "update",
                                                    AuditLog.record_id == str(world.ids["pkm_a"]))).one()
    assert row.changes == {"kecamatan_code": ["35.25.01", "35.78.01"], "kabupaten_code": ["35.25", "35.78"],
                           "name": ["PKM Wringinanom", "PKM Wringinanom Kota"]}
    assert row.user_id is not None and row.kabupaten_code == "35.78"


def test_the_puskesmas_list_is_paginated_as_every_list(client, world):
    """api-contract.md: lists take ?limit=&cursor= and answer {"items", "next_cursor"}. The puskesmas
    list answered a bare array of every puskesmas (an admin's: all the country's, in one answer)."""
    admin = world.headers("admin")
    for name in ("PKM Sidayu", "PKM Balongpanggang"):
        assert client.post("/api/v1/puskesmas", headers=admin,
                           json={"name": name, "kecamatan_code": "35.25.01"}).status_code == 201
    names, cursor = [], None
    while True:
        page = client.get("/api/v1/puskesmas", headers=admin,
                          query_string={"limit": 1, **({"cursor": cursor} if cursor else {})}).get_json()
        assert set(page) == {"items", "next_cursor"} and len(page["items"]) <= 1
        names += [p["name"] for p in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert names == ["PKM Balongpanggang", "PKM Kamal", "PKM Sidayu", "PKM Wringinanom"]  # by name, each once
    mine = client.get("/api/v1/puskesmas", headers=world.headers("bidan_b")).get_json()
    assert [p["name"] for p in mine["items"]] == ["PKM Kamal"] and mine["next_cursor"] is None
    bad = client.get("/api/v1/puskesmas?cursor=zz", headers=admin)
    assert bad.status_code == 422 and "cursor" in bad.get_json()["errors"]


def test_cors_lets_a_listed_site_send_the_client_headers_and_read_a_downloads_name():
    """A site listed in CORS_ORIGINS (a health office's dashboard) calling the API: its preflight
    for the headers the server reads (X-Client-Id names the installation in the audit, X-Client-Version
    the app's version in sync) was answered without them, so the browser refused every such request;
    and the report downloads' file name (Content-Disposition), the server's clock (Date) and the
    rate limit's headers were hidden from its scripts."""
    from config import TestConfig
    from posyandu import create_app

    site = "https://dinkes.gresikkab.go.id"
    cfg = type("Cors", (TestConfig,), {"CORS_ORIGINS": [site]})
    opened = create_app(cfg).test_client()
    pre = opened.options("/api/v1/sync/push", headers={
        "Origin": site, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,accept-language,x-client-id,x-client-version"})
    allowed = {h.strip().lower() for h in pre.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "accept-language", "x-client-id", "x-client-version"} <= allowed
    resp = opened.get("/api/v1/health", headers={"Origin": site})
    exposed = {h.strip().lower() for h in resp.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"content-disposition", "date", "retry-after", "x-request-id", "www-authenticate",
            "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"} <= exposed


def test_the_replica_reads_its_connection_settings_from_its_own_url(monkeypatch):
    """The reports' replica engine took the primary's connect_args whole: a primary URL naming its
    own ``connect_timeout`` left the replica none (libpq waits forever), and the replica URL's own
    settings were overridden by the primary's. What the replica engine would hand psycopg is read
    at its ``do_connect`` (nothing is connected)."""
    from sqlalchemy import event

    import config
    from config import TestConfig
    from posyandu import create_app
    from posyandu.replica import EXTENSION

    for name in ("DB_CONNECT_TIMEOUT", "DB_TCP_USER_TIMEOUT_MS", "DB_STATEMENT_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    primary = "postgresql+psycopg://u@127.0.0.1:1/posyandu?connect_timeout=9"
    app = create_app(type("Replicated", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": primary,
        "REPORTS_DATABASE_URL": "postgresql+psycopg://u@127.0.0.1:1/standby?tcp_user_timeout=6100",
        "SQLALCHEMY_ENGINE_OPTIONS": config._engine_options(primary)}))
    replica = app.extensions[EXTENSION]
    seen: dict = {}

    class Stop(Exception):
        pass

    @event.listens_for(replica, "do_connect")
    def _(dialect, conn_rec, cargs, cparams):
        seen.update(cparams)
        raise Stop

    with pytest.raises(Stop):
        replica.connect()
    assert seen["dbname"] == "standby" and seen["connect_timeout"] == 5 and seen["tcp_user_timeout"] == "6100"
    assert seen["keepalives_idle"] == 60 and replica.pool.size() == 5
