"""A cadre's session outlives her access tokens, in real Chromium, with refresh-token rotation: the
access token expires mid-session, the app refreshes it and keeps the new refresh token each refresh
answers (sealed under the PIN, so the phone reopened with the PIN goes on with it), and every
refresh sends the token the previous one answered: the server never sees a superseded one, which
would end the login on every phone (posyandu.auth.operations.refresh)."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest

from tests.e2e.pages import enter_pin, login, register_child, wait_synced

pytestmark = pytest.mark.e2e

LIFETIME = timedelta(seconds=4)


def test_the_app_keeps_working_across_refreshes_and_follows_the_rotated_refresh_token(live_server, new_context):
    app = live_server.app
    before = app.config["JWT_ACCESS_TOKEN_EXPIRES"]
    app.config["JWT_ACCESS_TOKEN_EXPIRES"] = LIFETIME  # access tokens that expire mid-session
    try:
        page = new_context().new_page()
        responses: list = []
        page.on("response", lambda r: responses.append(r) if r.url.endswith("/api/v1/auth/refresh") else None)
        refreshes: list[tuple[int, str, str]] = []  # (status, refresh token sent, refresh token answered)

        def read_refreshes() -> None:  # their bodies, before a navigation makes them unreadable
            while responses:
                r = responses.pop(0)
                refreshes.append((r.status, r.request.headers["authorization"].split(" ", 1)[1],
                                  r.json().get("refresh_token") if r.ok else r.text()))

        login(page, live_server.url, "kader1b")
        wait_synced(page, timeout=60000)
        for n, name in enumerate(("Rina Rotasi Satu", "Rina Rotasi Dua")):
            time.sleep(LIFETIME.total_seconds() + 1)  # the access token has expired
            register_child(page, name, days_old=200 + n)
            wait_synced(page, timeout=60000)
            assert len(live_server.api("GET", f"/children?q={name}", "kader1").get_json()["items"]) == 1
        read_refreshes()
        page.reload()  # the phone reopened: the tokens come from the PIN-sealed store
        enter_pin(page)
        time.sleep(LIFETIME.total_seconds() + 1)
        register_child(page, "Rina Rotasi Tiga", days_old=220)
        wait_synced(page, timeout=60000)
        assert len(live_server.api("GET", "/children?q=Rina Rotasi Tiga", "kader1").get_json()["items"]) == 1

        read_refreshes()
        assert len(refreshes) >= 3, refreshes
        answered = None
        for status, sent, new in refreshes:
            assert status == 200, new
            if answered is not None:
                assert sent == answered, "a refresh sent a superseded refresh token"
            assert new != sent
            answered = new
    finally:
        app.config["JWT_ACCESS_TOKEN_EXPIRES"] = before
