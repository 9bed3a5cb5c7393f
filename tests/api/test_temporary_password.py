"""A password set by someone else is temporary: an admin creating an account or resetting its
password (``POST /users``, ``PATCH /users/{id}`` with ``password``) marks the account
``must_change_password``. Its user logs in, but every API call other than ``/auth/password``,
``/auth/me``, ``/auth/logout`` and ``/auth/refresh`` answers 403 ``password_change_required`` until she
sets her own (``POST /auth/password``). Before, the admin who chose it, or anyone who heard it read
aloud at the puskesmas, could keep using the account, and the temporary password stayed forever.

The routes are read from the app's URL map (as tests/api/test_query_parameters.py does), so a route
added later is covered without a line here."""
from __future__ import annotations

import uuid

import pytest

from tests.api.test_faults import assert_problem, counts
from tests.api.test_query_parameters import NOT_API, _APP, _url
from tests.conftest import PASSWORD

TEMPORARY = "sementara-baru-77"
OWN = "pilihan-sendiri-42"
ALLOWED = {("POST", "/api/v1/auth/password"), ("GET", "/api/v1/auth/me"), ("POST", "/api/v1/auth/logout"),
           ("POST", "/api/v1/auth/refresh")}


def _public_routes() -> set[tuple[str, str]]:
    """(method, rule) of the operations the OpenAPI document says take no token."""
    with _APP.test_request_context():
        spec = _APP.test_client().get("/api/v1/openapi.json").get_json()
    public = set()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if isinstance(operation, dict) and operation.get("security") == []:
                public.add((method.upper(), "/api/v1" + path.removeprefix("/api/v1")))
    return public


def _routes() -> list[tuple[str, str]]:
    public = {(m, p.replace("{", "<").replace("}", ">")) for m, p in _public_routes()}
    out = []
    for rule in _APP.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.endpoint in NOT_API:
            continue
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            templ = rule.rule.replace("<uuid:", "<")
            if (method, rule.rule) not in ALLOWED and (method, templ) not in public:
                out.append((method, rule.rule))
    return sorted(out)


ROUTES = _routes()


def _reset(client, world, username: str, password: str = TEMPORARY) -> dict:
    """The admin gives ``username`` a new (temporary) password; her login's answer."""
    users = client.get(f"/api/v1/users?q={username}", headers=world.headers("admin")).get_json()["items"]
    [user] = [u for u in users if u["username"] == username]
    resp = client.patch(f"/api/v1/users/{user['id']}", json={"password": password}, headers=world.headers("admin"))
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["must_change_password"] is True
    login = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert login.status_code == 200, login.get_json()
    return login.get_json()


def _bearer(token: str, lang: str = "id") -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept-Language": lang}


def test_the_routes_walked_are_the_api_less_the_public_and_the_allowed_ones():
    assert len(ROUTES) >= 60, ROUTES
    assert ("POST", "/api/v1/sync/push") in ROUTES and ("GET", "/api/v1/sync/pull") in ROUTES
    assert not {("POST", "/api/v1/auth/login"), ("POST", "/api/v1/growth/calculate")} & set(ROUTES)
    assert not ALLOWED & set(ROUTES)


def test_an_account_an_admin_creates_is_marked_and_its_login_says_so(client, world):
    resp = client.post("/api/v1/users", headers=world.headers("admin"), json={
        "username": "kader_baru", "password": TEMPORARY, "name": "Kader Baru", "role": "kader",
        "posyandu_id": str(world.ids["p1"])})
    assert resp.status_code == 201 and resp.get_json()["must_change_password"] is True
    login = client.post("/api/v1/auth/login", json={"username": "kader_baru", "password": TEMPORARY}).get_json()
    assert login["user"]["must_change_password"] is True
    me = client.get("/api/v1/auth/me", headers=_bearer(login["access_token"]))
    assert me.status_code == 200 and me.get_json()["must_change_password"] is True


def test_a_marked_account_is_refused_everywhere_but_the_password_change_me_logout_and_refresh(client, world, db):
    tokens = _reset(client, world, "kader1")
    headers = _bearer(tokens["access_token"])
    before = counts(db)
    wrong = {}
    for method, rule in ROUTES:
        resp = client.open(_url(rule), method=method, headers=headers,
                           json={} if method in ("POST", "PATCH", "PUT") else None)
        body = resp.get_json(silent=True) or {}
        if resp.status_code != 403 or not str(body.get("type", "")).endswith("/password_change_required") \
                or resp.content_type != "application/problem+json":
            wrong[f"{method} {rule}"] = (resp.status_code, body.get("type"))
    assert wrong == {}
    assert counts(db) == before  # nothing written, not even an access_log row's audit
    refused = client.get("/api/v1/children", headers=headers)
    body = assert_problem(refused, 403)
    assert body["title"].startswith("Ganti kata sandi sementara Anda dulu"), body
    english = client.get("/api/v1/children", headers=_bearer(tokens["access_token"], "en")).get_json()
    assert english["title"].lower().startswith("change your temporary password"), english
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
    refreshed = client.post("/api/v1/auth/refresh", headers=_bearer(tokens["refresh_token"]))
    assert refreshed.status_code == 200, refreshed.get_json()
    assert client.get("/api/v1/children", headers=_bearer(refreshed.get_json()["access_token"])).status_code == 403
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204


def test_a_marked_kaders_push_is_refused_whole_and_nothing_is_applied(client, world, db):
    from tests.sync.helpers import child_data, mutation, new_id

    tokens = _reset(client, world, "kader1")
    before = counts(db)
    resp = client.post("/api/v1/sync/push", headers=_bearer(tokens["access_token"]), json={
        "client_id": str(uuid.uuid4()), "mutations": [mutation("child", new_id(), child_data(world.ids["p1"]))]})
    assert assert_problem(resp, 403)["type"].endswith("/password_change_required")
    assert counts(db) == before


def test_her_own_new_password_clears_the_mark_and_opens_the_api(client, world):
    tokens = _reset(client, world, "kader1")
    changed = client.post("/api/v1/auth/password", headers=_bearer(tokens["access_token"]),
                          json={"current_password": TEMPORARY, "new_password": OWN})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["user"]["must_change_password"] is False
    headers = _bearer(changed.get_json()["access_token"])
    assert client.get("/api/v1/children", headers=headers).status_code == 200
    assert client.get("/api/v1/auth/me", headers=headers).get_json()["must_change_password"] is False
    login = client.post("/api/v1/auth/login", json={"username": "kader1", "password": OWN}).get_json()
    assert login["user"]["must_change_password"] is False
    # her own change again never marks it
    again = client.post("/api/v1/auth/password", headers=_bearer(login["access_token"]),
                        json={"current_password": OWN, "new_password": "lain-lagi-sendiri-9"})
    assert again.status_code == 200 and again.get_json()["user"]["must_change_password"] is False


def test_a_wrong_current_password_leaves_the_mark(client, world):
    tokens = _reset(client, world, "kader1")
    resp = client.post("/api/v1/auth/password", headers=_bearer(tokens["access_token"]),
                       json={"current_password": "bukan-ini-sandinya", "new_password": OWN})
    assert assert_problem(resp, 422)["errors"] == {"current_password": ["kata sandi salah"]}
    assert client.get("/api/v1/auth/me", headers=_bearer(tokens["access_token"])).get_json()["must_change_password"]


def test_an_admin_setting_her_own_password_by_patch_is_refused_and_pointed_to_her_own_password_change(client, world):
    """``PATCH /users/{her id}`` with a password set it without the current one (a borrowed phone's
    token took the account) and ended her own session with no new tokens, unlike ``POST
    /auth/password``. Refused now (422 on ``password``, pointing there), nothing changed with it."""
    headers = world.headers("admin")
    me = client.get("/api/v1/auth/me", headers=headers).get_json()
    resp = client.patch(f"/api/v1/users/{me['id']}", json={"password": OWN, "name": "Admin Baru"}, headers=headers)
    problem = assert_problem(resp, 422)
    assert list(problem["errors"]) == ["password"] and "POST /auth/password" in problem["errors"]["password"][0]
    # her session goes on, her name and password are as they were
    again = client.get("/api/v1/auth/me", headers=headers)
    assert again.status_code == 200 and again.get_json()["name"] == me["name"]
    assert client.post("/api/v1/auth/login", json={"username": "admin", "password": OWN}).status_code == 401
    assert client.post("/api/v1/auth/login", json={"username": "admin", "password": PASSWORD}).status_code == 200
    # her other details she still edits here; her password there, with new tokens for this phone
    assert client.patch(f"/api/v1/users/{me['id']}", json={"name": "Admin Baru"}, headers=headers).status_code == 200
    changed = client.post("/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": OWN},
                          headers=headers)
    assert changed.status_code == 200 and changed.get_json()["user"]["must_change_password"] is False


def test_the_refusal_of_her_own_password_by_patch_is_documented(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    field = spec["components"]["schemas"]["UserUpdate"]["properties"]["password"]
    assert "POST /auth/password" in field["description"] and field["minLength"] == 8
    assert "POST /auth/password" in spec["paths"]["/api/v1/users/{user_id}"]["patch"]["description"]


def test_an_admins_other_edits_neither_set_nor_clear_the_mark(client, world):
    _reset(client, world, "kader1")
    users = client.get("/api/v1/users?q=kader1", headers=world.headers("admin")).get_json()["items"]
    [user] = [u for u in users if u["username"] == "kader1"]
    resp = client.patch(f"/api/v1/users/{user['id']}", json={"name": "Kader Satu"}, headers=world.headers("admin"))
    assert resp.status_code == 200 and resp.get_json()["must_change_password"] is True
    other = client.get("/api/v1/users?q=kader2", headers=world.headers("admin")).get_json()["items"]
    assert [u["must_change_password"] for u in other if u["username"] == "kader2"] == [False]


def test_the_mark_cannot_be_set_or_cleared_through_the_users_api(client, world):
    users = client.get("/api/v1/users?q=kader2", headers=world.headers("admin")).get_json()["items"]
    [user] = [u for u in users if u["username"] == "kader2"]
    resp = client.patch(f"/api/v1/users/{user['id']}", json={"must_change_password": True},
                        headers=world.headers("admin"))
    assert set(assert_problem(resp, 422)["errors"]) == {"must_change_password"}


def test_a_parent_who_registers_chooses_her_own_password(client, world, make_child):
    child = make_child()
    code = client.post(f"/api/v1/children/{child['id']}/invitations", headers=world.headers("kader1")).get_json()["code"]
    resp = client.post("/api/v1/auth/register", json={"code": code, "username": "ibu_baru", "password": OWN,
                                                      "name": "Ibu Baru"})
    assert resp.status_code == 201 and resp.get_json()["user"]["must_change_password"] is False


def test_the_login_answer_and_me_document_the_mark():
    with _APP.test_request_context():
        spec = _APP.test_client().get("/api/v1/openapi.json").get_json()
    user = spec["components"]["schemas"]["User"]["properties"]["must_change_password"]
    assert user["readOnly"] is True and "password_change_required" in user["description"]


def test_create_admin_is_not_temporary_unless_asked(app, client):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["create-admin", "--username", "kepala"], input="sandi-kuat-1\nsandi-kuat-1\n").exit_code == 0
    login = client.post("/api/v1/auth/login", json={"username": "kepala", "password": "sandi-kuat-1"}).get_json()
    assert login["user"]["must_change_password"] is False
    result = runner.invoke(args=["create-admin", "--username", "kepala2", "--temporary"],
                           input="sandi-kuat-2\nsandi-kuat-2\n")
    assert result.exit_code == 0, result.output
    login = client.post("/api/v1/auth/login", json={"username": "kepala2", "password": "sandi-kuat-2"}).get_json()
    assert login["user"]["must_change_password"] is True
    assert client.get("/api/v1/users", headers=_bearer(login["access_token"])).status_code == 403


def test_the_world_password_is_not_temporary(client, world):
    login = client.post("/api/v1/auth/login", json={"username": "kader1", "password": PASSWORD}).get_json()
    assert login["user"]["must_change_password"] is False


def test_a_marked_token_at_a_rate_limited_route_leaves_the_limits_counted_where_they_were(client, world):
    """The rate-limit key of /auth/close-account and /auth/redeem reads the token, and a marked
    account's is refused there (403): raised from the key, Flask-Limiter (its in-memory fallback on,
    config RATELIMIT_IN_MEMORY_FALLBACK_ENABLED) took it for its store unreachable and counted in
    this process's memory from then on, forgetting the failed logins counted in the store."""
    def wrong_login(i: int) -> int:
        return client.post("/api/v1/auth/login", json={"username": "kader1", "password": "salah"},
                           environ_base={"REMOTE_ADDR": f"10.8.0.{i}"}).status_code

    assert [wrong_login(i) for i in range(4)] == [401] * 4
    headers = _bearer(_reset(client, world, "parent1")["access_token"])
    assert client.post("/api/v1/auth/close-account", json={"password": TEMPORARY}, headers=headers).status_code == 403
    assert client.post("/api/v1/auth/redeem", json={"code": "ZZZZ-ZZZZ"}, headers=headers).status_code == 403
    assert [wrong_login(i) for i in range(4, 6)] == [401, 429]
