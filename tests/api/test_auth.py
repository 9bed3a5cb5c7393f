"""Login, refresh, logout/revocation, expiry, rate limits, parents' invitations."""
from __future__ import annotations

from datetime import timedelta

from flask_jwt_extended import create_access_token
from sqlalchemy import select

from tests.conftest import PASSWORD


def test_login_returns_tokens_and_the_user(client, world):
    resp = client.post("/api/v1/auth/login", json={"username": "kader1", "password": PASSWORD})
    body = resp.get_json()
    assert resp.status_code == 200
    assert body["access_token"] and body["refresh_token"]
    assert body["user"]["role"] == "kader" and body["user"]["posyandu_id"] == str(world.ids["p1"])
    assert "password" not in body["user"] and "password_hash" not in body["user"]


def test_wrong_password_is_401_problem_in_indonesian_by_default(client, world):
    resp = client.post("/api/v1/auth/login", json={"username": "kader1", "password": "salah"})
    assert resp.status_code == 401
    assert resp.content_type == "application/problem+json"
    assert resp.get_json()["title"] == "Nama pengguna atau kata sandi salah"


def test_unknown_user_answers_exactly_like_a_wrong_password(client, world):
    a = client.post("/api/v1/auth/login", json={"username": "nobody", "password": "x"}).get_json()
    b = client.post("/api/v1/auth/login", json={"username": "kader1", "password": "x"}).get_json()
    assert a == b


def test_passwords_are_stored_as_argon2id_hashes(app, world, db):
    from posyandu.auth.models import User

    user = db.session.scalar(select(User).where(User.username == "kader1"))
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash


def test_login_body_is_validated(client, world):
    resp = client.post("/api/v1/auth/login", json={"username": "kader1"}, headers={"Accept-Language": "en"})
    assert resp.status_code == 422
    assert resp.get_json()["errors"] == {"password": ["Missing data for required field."]}


def test_failed_logins_are_rate_limited_per_username(client, world):
    codes = [client.post("/api/v1/auth/login", json={"username": "kader1", "password": "bad"},
                         environ_base={"REMOTE_ADDR": f"10.0.0.{i}"}).status_code for i in range(7)]
    assert codes[:5] == [401] * 5 and codes[5:] == [429, 429]
    # even the right password is refused for this username until the window passes
    resp = client.post("/api/v1/auth/login", json={"username": "kader1", "password": PASSWORD})
    assert resp.status_code == 429 and resp.content_type == "application/problem+json"
    # another user is not affected
    assert client.post("/api/v1/auth/login", json={"username": "kader2", "password": PASSWORD}).status_code == 200


def test_logins_are_rate_limited_per_address(client, world):
    codes = [client.post("/api/v1/auth/login", json={"username": f"u{i}", "password": "x"}).status_code
             for i in range(32)]
    assert codes.count(429) >= 2 and codes[0] == 401


def test_refresh_gives_a_new_access_token_that_works(client, world):
    login = client.post("/api/v1/auth/login", json={"username": "kader1", "password": PASSWORD}).get_json()
    resp = client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {login['refresh_token']}"})
    assert resp.status_code == 200
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {resp.get_json()['access_token']}"})
    assert me.get_json()["username"] == "kader1"


def test_an_access_token_cannot_be_used_to_refresh(client, world):
    resp = client.post("/api/v1/auth/refresh", headers=world.headers("kader1"))
    assert resp.status_code == 401


def test_logout_revokes_access_and_refresh_tokens(client, world):
    login = client.post("/api/v1/auth/login", json={"username": "kader1", "password": PASSWORD}).get_json()
    auth = {"Authorization": f"Bearer {login['access_token']}"}
    assert client.post("/api/v1/auth/logout", json={"refresh_token": login["refresh_token"]}, headers=auth).status_code == 204
    resp = client.get("/api/v1/auth/me", headers=auth)
    assert resp.status_code == 401 and resp.get_json()["type"].endswith("token_revoked")
    assert client.post("/api/v1/auth/refresh",
                       headers={"Authorization": f"Bearer {login['refresh_token']}"}).status_code == 401


def test_an_expired_token_is_refused(app, client, world, db):
    from posyandu.auth.models import User

    user = db.session.scalar(select(User).where(User.username == "kader1"))
    token = create_access_token(user, expires_delta=timedelta(seconds=-1))
    resp = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 401 and resp.get_json()["type"].endswith("token_expired")


def test_a_forged_token_is_refused(client, world):
    import jwt as pyjwt

    token = pyjwt.encode({"sub": "x", "type": "access", "fresh": False, "jti": "j"}, "an-attackers-key-of-thirty-two-bytes!", algorithm="HS256")
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_deactivated_users_tokens_stop_working(client, world):
    headers = world.headers("kader1")
    users = client.get("/api/v1/users?limit=100", headers=world.headers("admin")).get_json()["items"]
    kader = next(u for u in users if u["username"] == "kader1")
    resp = client.patch(f"/api/v1/users/{kader['id']}", json={"active": False}, headers=world.headers("admin"))
    assert resp.status_code == 200
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_only_admins_manage_users(client, world):
    for who in ("kader1", "bidan_a", "dinkes_gresik", "parent1"):
        assert client.get("/api/v1/users", headers=world.headers(who)).status_code == 403
        resp = client.post("/api/v1/users", json={"username": "x1", "password": "12345678", "name": "X",
                                                  "role": "admin"}, headers=world.headers(who))
        assert resp.status_code == 403


def test_a_kader_needs_an_existing_posyandu(client, world):
    resp = client.post("/api/v1/users", json={"username": "kader9", "password": "12345678", "name": "K",
                                              "role": "kader"}, headers=world.headers("admin"))
    assert resp.status_code == 422 and "posyandu_id" in resp.get_json()["errors"]


def test_parent_registers_with_a_one_time_code_and_sees_only_that_child(client, world, make_child):
    mine, other = make_child(name="Anak Saya"), make_child(name="Anak Lain")
    code = client.post(f"/api/v1/children/{mine['id']}/invitations", headers=world.headers("kader1")).get_json()["code"]
    resp = client.post("/api/v1/auth/register", json={"code": code, "username": "ibu.ani", "password": "kuat-sekali",
                                                      "name": "Ibu Ani"})
    assert resp.status_code == 201
    headers = {"Authorization": f"Bearer {resp.get_json()['access_token']}"}
    listed = client.get("/api/v1/children", headers=headers).get_json()["items"]
    assert [c["id"] for c in listed] == [mine["id"]]
    assert client.get(f"/api/v1/children/{other['id']}", headers=headers).status_code == 404
    again = client.post("/api/v1/auth/register", json={"code": code, "username": "ibu.budi", "password": "kuat-sekali",
                                                       "name": "Ibu Budi"})
    assert again.status_code == 422 and "code" in again.get_json()["errors"]


def test_a_parent_cannot_issue_invitations(client, world, make_child, link_parent):
    child = make_child()
    link_parent(child["id"])
    assert client.post(f"/api/v1/children/{child['id']}/invitations", headers=world.headers("parent1")).status_code == 403


def test_login_and_user_changes_are_audited(app, client, world, db):
    from posyandu.audit import AuditLog

    client.post("/api/v1/auth/login", json={"username": "kader1", "password": "bad"})
    actions = set(db.session.scalars(select(AuditLog.action)))
    assert {"create", "login_failed"} <= actions
