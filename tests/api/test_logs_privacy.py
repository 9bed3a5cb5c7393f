"""The app's logs hold no personal data: no name, NIK, phone, birth date, password, token, request
body or query string, whatever the answer (a failed or rate-limited login, a validation error,
a database error, a 500). Every record is rendered as production writes it (JsonFormatter,
with its traceback)."""
from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest

from posyandu.observability import JsonFormatter
from tests.support.statements import before_each_statement

NAME, NIK, PHONE, MOTHER = "Rara Anjani Kusumawati", "3525015501250001", "081234567890", "Sulastri Wahyuningsih"
BIRTH = (date.today() - timedelta(days=200)).isoformat()
SECRETS = (NAME, NIK, PHONE, MOTHER, BIRTH, "Kusumawati", "Wahyuningsih")


@pytest.fixture
def logs(caplog, monkeypatch):
    # alembic's env.py (fileConfig) disabled the loggers that existed when the tests' schema was built
    for logger in list(logging.Logger.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger):
            monkeypatch.setattr(logger, "disabled", False)
    caplog.set_level(logging.DEBUG)

    def text() -> str:
        formatter = JsonFormatter()
        return "\n".join(formatter.format(r) for r in caplog.records)
    return text


def child_body(world, **overrides):
    return {"posyandu_id": str(world.ids["p1"]), "name": NAME, "sex": "F", "birth_date": BIRTH, "nik": NIK,
            "guardian_phone": PHONE, "mother_name": MOTHER, **overrides}


def assert_clean(text: str, *more: str) -> None:
    assert text, "nothing was logged: the test would prove nothing"
    for secret in (*SECRETS, *more):
        assert secret not in text, f"{secret!r} is in the logs:\n{text}"


def test_failed_and_rate_limited_logins_log_neither_username_nor_password(client, world, logs):
    typed = {"username": "sulastri.wahyuningsih", "password": "Rahasia-Sulastri-99"}
    # a name in the query string: refused (login takes no query parameter), and logged without it
    assert client.post("/api/v1/auth/login?nama=Sulastri", json=typed).status_code == 422
    answers = [client.post("/api/v1/auth/login", json=typed).status_code for _ in range(7)]
    assert answers[0] == 401 and answers[-1] == 429
    ok = client.post("/api/v1/auth/login", json={"username": "kader1", "password": "rahasia-123"})
    assert ok.status_code == 200
    tokens = ok.get_json()
    assert_clean(logs(), typed["username"], typed["password"], "rahasia-123", "Sulastri",
                 tokens["access_token"], tokens["refresh_token"])


def test_a_validation_error_logs_no_field_value(client, world, logs):
    resp = client.post("/api/v1/children?name=Kusumawati", headers=world.headers("kader1"),
                       json=child_body(world, sex="X"))
    assert resp.status_code == 422
    assert_clean(logs(), world.token("kader1"))


@pytest.mark.parametrize("dbapi_error,status", [("OperationalError", 503), ("ProgrammingError", 500),
                                                ("DataError", 422), ("IntegrityError", 409)])
def test_a_database_error_logs_neither_the_statements_values_nor_the_databases_detail(
        app, client, world, db, logs, dbapi_error, status):
    """SQLAlchemy writes a failed statement's parameters into its error message, and PostgreSQL
    quotes the offending value in its message ('Key (nik)=(…) already exists', 'invalid input
    syntax…: "…"'): the traceback and message of a 503, 500, 422 or 409 carried a child's name,
    NIK, phone and birth date into the logs."""
    def fail(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("INSERT INTO CHILD", "INSERT INTO AUDIT_LOG")):
            raise getattr(conn.dialect.dbapi, dbapi_error)(
                f'simulated: Key (nik)=({NIK}) already exists; invalid input: "{NAME}"')

    headers = world.headers("kader1")
    with before_each_statement(db.engine, fail):
        resp = client.post("/api/v1/children", headers=headers, json=child_body(world))
    assert resp.status_code == status, resp.get_json()
    text = logs()
    assert_clean(text)


def test_the_development_servers_request_lines_log_no_query_string(app, logs):
    """``make run`` serves with werkzeug, whose own line of each request carried its query string: a
    search by a child's name, a NIK, a delete's reason, in clear in the JSON log."""
    import threading
    import urllib.error
    import urllib.request

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/api/v1/children?q=Kusumawati&nik={NIK}"
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url, timeout=30)
        refused.value.close()
        assert refused.value.code == 401
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
    text = logs()
    assert "GET /api/v1/children HTTP/1.1" in text
    assert_clean(text)
