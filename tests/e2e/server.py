"""A real Posyandu server for browser tests and Lighthouse: a temp SQLite database,
migrated and loaded with the demo data, served by werkzeug on a free loopback port
in a background thread.

    .venv/bin/python -m tests.e2e.server      # serve until Ctrl-C, printing the URL
"""
from __future__ import annotations

import tempfile
import threading
from pathlib import Path

DEMO_PASSWORD = "posyandu123"


def _files_read_whole(app):
    """The app with its answers read whole and closed at once (the PWA's files, sent by a werkzeug
    FileWrapper, bare or inside a ClosingIterator). When a test takes the browser offline in the middle
    of an answer, werkzeug's server reads the dropped socket before it closes the answer, fails there
    and never closes it: the open file is left to the garbage collector, whose ResourceWarning then
    fails whichever test runs next (warnings are errors here)."""
    def wsgi(environ, start_response):
        body = app(environ, start_response)
        if isinstance(body, list):
            return body
        try:
            return [b"".join(body)]
        finally:
            body.close()
    return wsgi


class LiveServer:
    def __init__(self, database_url: str | None = None) -> None:
        from flask_migrate import upgrade

        from config import TestConfig
        from posyandu import create_app
        from posyandu.demo import load_demo
        from posyandu.extensions import db

        self._dir = tempfile.TemporaryDirectory(prefix="posyandu-e2e-")
        url = database_url or f"sqlite:///{Path(self._dir.name) / 'e2e.sqlite3'}"
        cfg = type("E2EConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False,
                                                 "JWT_ACCESS_TOKEN_EXPIRES": TestConfig.JWT_ACCESS_TOKEN_EXPIRES * 6})
        self.app = create_app(cfg)
        with self.app.app_context():
            upgrade()
            load_demo()
            db.session.commit()
        self._server = None
        self._thread = None

    def start(self) -> "LiveServer":
        from werkzeug.serving import WSGIRequestHandler, make_server

        class QuietHandler(WSGIRequestHandler):
            def log_request(self, *args, **kwargs) -> None:
                pass

        self._server = make_server("127.0.0.1", 0, _files_read_whole(self.app), threaded=True,
                                   request_handler=QuietHandler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="e2e-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        from posyandu.extensions import db

        if self._server:
            self._server.shutdown()
            self._thread.join(10)
            self._server.server_close()
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()
        self._dir.cleanup()

    def api(self, method: str, path: str, username: str | None = None, **kwargs):
        """Call the API as a demo user (for assertions about what the server holds)."""
        client = self.app.test_client()
        headers = kwargs.pop("headers", {})
        if username:
            login = client.post("/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})
            headers["Authorization"] = f"Bearer {login.get_json()['access_token']}"
        return client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)


if __name__ == "__main__":
    import time

    server = LiveServer().start()
    print(server.url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()
