"""Login, refresh, logout/revocation, expiry, rate limits, parents' invitations."""
from __future__ import annotations

import threading

from datetime import timedelta

from flask_jwt_extended import create_access_token
import pytest
from sqlalchemy import func, select

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
    assert resp.get_json()["errors"] == {"password": ["missing data for required field"]}


def test_a_login_field_sent_blank_is_told_wajib_diisi_and_still_counts_per_address(client, world):
    """A username or password sent as "" was told a length ("Shorter than minimum length 1."), unlike
    every other required field left blank. The answer is the same for an account and for no account,
    and blank attempts still count in the address's limit (LOGIN_ADDRESS_RATE_LIMIT, 30 a minute)."""
    def login(body, i, lang="id"):
        return client.post("/api/v1/auth/login", json=body, headers={"Accept-Language": lang},
                           environ_base={"REMOTE_ADDR": f"10.8.0.{i % 2}"})

    both = login({"username": "", "password": ""}, 0)
    assert both.status_code == 422 and both.get_json()["errors"] == {"username": ["wajib diisi"],
                                                                     "password": ["wajib diisi"]}
    spaces = login({"username": "   ", "password": "x"}, 0, "en")
    assert spaces.get_json()["errors"] == {"username": ["missing data for required field"]}
    known = login({"username": "kader1", "password": ""}, 0)
    unknown = login({"username": "tidak.ada", "password": ""}, 0)
    assert known.status_code == unknown.status_code == 422 and known.get_json() == unknown.get_json()
    assert known.get_json()["errors"] == {"password": ["wajib diisi"]}
    # a password of spaces is checked as typed: a wrong password, as any other
    assert login({"username": "kader1", "password": "   "}, 0).status_code == 401
    codes = [login({"username": "", "password": ""}, 1).status_code for _ in range(31)]
    assert codes[:30] == [422] * 30 and codes[30] == 429


def test_a_password_change_or_an_invitation_code_sent_blank_is_told_wajib_diisi(client, world):
    blank = client.post("/api/v1/auth/password", json={"current_password": "", "new_password": ""},
                        headers=world.headers("kader1", "id"))
    assert blank.status_code == 422 and blank.get_json()["errors"] == {"current_password": ["wajib diisi"],
                                                                       "new_password": ["wajib diisi"]}
    # a new password of spaces is typed, and told why it is refused (too easy to guess)
    spaces = client.post("/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": " " * 10},
                         headers=world.headers("kader1", "id"))
    assert spaces.status_code == 422 and "mudah ditebak" in spaces.get_json()["errors"]["new_password"][0]

    def register(code, username):
        return client.post("/api/v1/auth/register", json={"code": code, "username": username,
                                                          "password": "kuat-sekali", "name": "Ibu Ani"})
    taken, free = register("", "kader1"), register("", "belum.ada")
    assert taken.status_code == 422 and taken.get_json() == free.get_json()   # still nothing about the username
    assert taken.get_json()["errors"] == {"code": ["wajib diisi"]}
    assert register("  ", "belum.ada").get_json()["errors"] == {"code": ["wajib diisi"]}
    redeem = client.post("/api/v1/auth/redeem", json={"code": ""}, headers=world.headers("parent1", "id"))
    assert redeem.status_code == 422 and redeem.get_json()["errors"] == {"code": ["wajib diisi"]}


def test_failed_logins_are_rate_limited_per_username(client, world):
    codes = [client.post("/api/v1/auth/login", json={"username": "kader1", "password": "bad"},
                         environ_base={"REMOTE_ADDR": f"10.0.0.{i}"}).status_code for i in range(7)]
    assert codes[:5] == [401] * 5 and codes[5:] == [429, 429]
    # even the right password is refused for this username until the window passes, saying how long
    # (the minutes of its Retry-After: "coba lagi nanti" left her not knowing)
    resp = client.post("/api/v1/auth/login", json={"username": "kader1", "password": PASSWORD},
                       headers={"Accept-Language": "en"})
    assert resp.status_code == 429 and resp.content_type == "application/problem+json"
    wait = -(-int(resp.headers["Retry-After"]) // 60)
    assert resp.get_json()["detail"] == f"Too many requests: try again in {wait} minute{'s' * (wait != 1)}", resp.get_json()
    said = client.post("/api/v1/auth/login", json={"username": "kader1", "password": PASSWORD},
                       headers={"Accept-Language": "id"}).get_json()["detail"]
    assert said.startswith("Terlalu banyak permintaan: coba lagi dalam ") and said.endswith(" menit"), said


def test_only_a_refusal_to_wait_says_retry_after(client, world):
    """The limiter set Retry-After (its window's reset) on every answer of a limited route: a wrong
    password's 401 and a login's 200 said "try again in a minute", and a client honouring it on an
    error waited for nothing. Only the 429 says it now; the rate-limit headers stay on each answer."""
    wrong = client.post("/api/v1/auth/login", json={"username": "kader1", "password": "bad"})
    assert wrong.status_code == 401 and "Retry-After" not in wrong.headers
    assert wrong.headers["X-RateLimit-Remaining"]
    ok = client.post("/api/v1/auth/login", json={"username": "kader1", "password": PASSWORD})
    assert ok.status_code == 200 and "Retry-After" not in ok.headers
    for _ in range(5):
        limited = client.post("/api/v1/auth/login", json={"username": "kader1", "password": "bad"})
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0


def test_logins_are_rate_limited_per_address(client, world):
    codes = [client.post("/api/v1/auth/login", json={"username": f"u{i}", "password": "x"}).status_code
             for i in range(32)]
    assert codes.count(429) >= 2 and codes[0] == 401


def test_with_the_rate_limits_store_unreachable_requests_are_answered_and_still_limited(limits_store_down, world):
    """Redis down (restarted, full): every rate-limited request answered 500, the login's too. Each
    process now counts in its own memory meanwhile: the answers are the usual ones, a right
    password gives its place back there, and five wrong ones a minute are still the most."""
    client = limits_store_down

    def login(password: str, i: int) -> int:
        return client.post("/api/v1/auth/login", json={"username": "kader1", "password": password},
                           environ_base={"REMOTE_ADDR": f"10.7.0.{i}"}).status_code

    assert [login(PASSWORD, i) for i in range(6)] == [200] * 6   # each gave its place back
    assert [login("salah", i) for i in range(6)] == [401] * 5 + [429]
    limited = client.post("/api/v1/auth/login", json={"username": "kader1", "password": PASSWORD})
    assert limited.status_code == 429 and limited.headers.get("Retry-After")
    # the account's wrong passwords at the other doors too, and every other rate-limited route answers
    assert client.post("/api/v1/auth/password", json={"current_password": "salah", "new_password": "sandi-baru-2026"},
                       headers=world.headers("kader2")).status_code == 422
    assert client.post("/api/v1/auth/register", json={"code": "ZZZZ-ZZZZ", "username": "ibu.baru", "password": "kuat-sekali",
                                                      "name": "Ibu Baru"}).status_code == 422
    assert client.post("/api/v1/auth/redeem", json={"code": "ZZZZ-ZZZZ"}, headers=world.headers("parent1")).status_code == 422
    calc = client.post("/api/v1/growth/calculate", json={"measurements": [{"sex": "M", "age_days": 30}]})
    assert calc.status_code == 200, calc.get_json()


def test_with_the_rate_limits_store_hung_a_login_is_answered_and_not_held(limits_store_silent, world):
    """A Redis that takes the connection and never answers held each login until gunicorn killed the
    worker (redis-py waits for ever by default). It is now given RATELIMIT_STORAGE_TIMEOUT (1 s) and
    the request is counted in memory, as with the store down. Run in a thread: a hang fails the test
    after 20 s rather than holding the suite."""
    answers: list[int] = []

    def login() -> None:
        answers.append(limits_store_silent.post("/api/v1/auth/login",
                                                json={"username": "kader1", "password": PASSWORD}).status_code)

    worker = threading.Thread(target=login, daemon=True)
    worker.start()
    worker.join(timeout=20)
    assert not worker.is_alive(), "the login is still waiting on the rate limits' store"
    assert answers == [200]
    assert limits_store_silent.get("/api/v1/health?detail=true").get_json()["rate_limit"] == "degraded"


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
    out = client.post("/api/v1/auth/logout", json={"refresh_token": login["refresh_token"]}, headers=auth)
    assert out.status_code == 204 and out.data == b"" and "Content-Type" not in out.headers, out.headers
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


def _login(client, username: str, password: str = PASSWORD, address: str = "10.1.0.1") -> dict:
    resp = client.post("/api/v1/auth/login", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _signed_by_us(app, db, drop: tuple[str, ...] = (), **claims) -> str:
    """A token signed with the server's own key, as a leaked key or a bug elsewhere could make:
    ``drop`` leaves claims out that every token the server issues carries."""
    import time
    import uuid

    import jwt as pyjwt

    from posyandu.auth.models import User

    user = db.session.scalar(select(User).where(User.username == "kader1"))
    now = int(time.time())
    payload = {"sub": str(user.id), "iat": now, "nbf": now, "exp": now + 600, "type": "access",
               "jti": str(uuid.uuid4()), "fresh": False, "role": "kader", "sv": 1, "cv": 1, **claims}
    return pyjwt.encode({k: v for k, v in payload.items() if k not in drop}, app.config["JWT_SECRET_KEY"],
                        algorithm="HS256")


@pytest.mark.parametrize("drop, claims", [(("jti",), {}), (("exp",), {}), ((), {"jti": None}), ((), {"jti": ""}),
                                          ((), {"jti": "j" * 65}), ((), {"type": "weird"}),
                                          (("jti",), {"type": "refresh"})],
                         ids=["no-jti", "no-exp", "null-jti", "empty-jti", "long-jti", "unknown-type",
                              "refresh-without-jti"])
def test_a_token_signed_by_us_without_the_claims_we_always_issue_is_401_never_a_500(app, client, world, db,
                                                                                      drop, claims):
    """Before, a token without ``jti`` answered 500 on every endpoint (the revocation lookup took
    None), one without ``exp`` never expired and its logout answered 500, one of an unknown
    ``type`` was taken as an access token."""
    token = _signed_by_us(app, db, drop, **claims)
    refresh = claims.get("type") == "refresh"
    for method, url in ([("POST", "/api/v1/auth/refresh")] if refresh else
                        [("GET", "/api/v1/auth/me"), ("GET", "/api/v1/children"), ("POST", "/api/v1/auth/logout"),
                         ("POST", "/api/v1/auth/password"), ("POST", "/api/v1/auth/redeem")]):
        resp = client.open(url, method=method, headers=_bearer(token),
                           json={"current_password": PASSWORD, "new_password": "another-long-pass-1"}
                           if url.endswith("password") else {"code": "ABCD-EFGH"} if url.endswith("redeem") else None)
        assert resp.status_code == 401, (url, resp.get_data(as_text=True))
        assert resp.content_type == "application/problem+json"
        assert resp.get_json()["type"].endswith("token_invalid"), (url, resp.get_json())


@pytest.mark.parametrize("drop", [("jti",), ("exp",)])
def test_logging_out_with_a_malformed_refresh_token_in_the_body_still_logs_out(app, client, world, db, drop):
    """The refresh token in the body is revoked when it is one of ours; one without ``jti`` or
    ``exp`` answered 500 and the logout was lost."""
    headers = world.headers("kader1")
    resp = client.post("/api/v1/auth/logout", json={"refresh_token": _signed_by_us(app, db, drop, type="refresh")},
                       headers=headers)
    assert resp.status_code == 204, resp.get_data(as_text=True)
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_changing_ones_password_ends_the_other_sessions_and_keeps_this_one(app, client, world):
    from posyandu.audit import AuditLog
    from posyandu.extensions import db

    lost_phone, this_phone = _login(client, "kader1"), _login(client, "kader1")
    resp = client.post("/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": "sandi-baru-2026"},
                       headers=_bearer(this_phone["access_token"]))
    assert resp.status_code == 200, resp.get_json()
    fresh = resp.get_json()
    assert fresh["user"]["username"] == "kader1" and fresh["access_token"] != this_phone["access_token"]
    # every token issued before, access and refresh, of both phones, is refused
    for old in (lost_phone, this_phone):
        assert client.get("/api/v1/auth/me", headers=_bearer(old["access_token"])).status_code == 401
        assert client.post("/api/v1/auth/refresh", headers=_bearer(old["refresh_token"])).status_code == 401
    # the new ones work, refresh included; the old password no longer logs in, the new one does
    assert client.get("/api/v1/auth/me", headers=_bearer(fresh["access_token"])).get_json()["username"] == "kader1"
    refreshed = client.post("/api/v1/auth/refresh", headers=_bearer(fresh["refresh_token"]))
    assert client.get("/api/v1/auth/me", headers=_bearer(refreshed.get_json()["access_token"])).status_code == 200
    assert client.post("/api/v1/auth/login", json={"username": "kader1", "password": PASSWORD}).status_code == 401
    _login(client, "kader1", "sandi-baru-2026")
    # another user's sessions are untouched
    assert client.get("/api/v1/auth/me", headers=world.headers("kader1b")).status_code == 200
    with app.app_context():
        row = db.session.execute(select(AuditLog.changes).where(AuditLog.action == "password_change")).one()
    assert row.changes == {"password": ["***", "***"]}


def test_a_wrong_current_password_is_422_audited_and_rate_limited(app, client, world):
    from posyandu.audit import AuditLog
    from posyandu.extensions import db

    session = _login(client, "kader1")
    wrong = {"current_password": "bukan-ini", "new_password": "sandi-baru-2026"}
    resp = client.post("/api/v1/auth/password", json=wrong, headers=_bearer(session["access_token"]))
    assert resp.status_code == 422 and resp.content_type == "application/problem+json"
    assert resp.get_json()["errors"] == {"current_password": ["kata sandi salah"]}
    # nothing changed: the session still works, the password still logs in
    assert client.get("/api/v1/auth/me", headers=_bearer(session["access_token"])).status_code == 200
    _login(client, "kader1")
    codes = [client.post("/api/v1/auth/password", json=wrong, headers={**_bearer(session["access_token"]),
                                                                       "Accept-Language": "en"},
                         environ_base={"REMOTE_ADDR": f"10.2.0.{i}"}).status_code for i in range(6)]
    assert codes == [422] * 4 + [429, 429]   # five wrong guesses a minute, from any address
    with app.app_context():
        failed = db.session.scalar(select(func.count()).select_from(AuditLog)
                                   .where(AuditLog.action == "password_change_failed"))
    assert failed == 5
    # another user guesses on
    other = _login(client, "kader2")
    assert client.post("/api/v1/auth/password", json=wrong, headers=_bearer(other["access_token"])).status_code == 422


def test_wrong_passwords_at_the_login_a_password_change_and_an_account_closing_count_in_one_budget(client, world):
    """A borrowed phone's token gives no more guesses than the login does: a wrong current password
    (POST /auth/password) or a wrong password to close the account counts with the account's failed
    logins, its username as the login reads it, from any address. Each had its own budget: five
    more guesses at each door while the login already answered 429."""
    token = world.headers("parent1")
    guess = iter(range(100))

    def login(name: str = "parent1", password: str = "") -> int:
        return client.post("/api/v1/auth/login", json={"username": name, "password": password or f"tebak-{next(guess)}"},
                           environ_base={"REMOTE_ADDR": f"10.5.0.{next(guess)}"}).status_code

    def change(current: str = "") -> int:
        return client.post("/api/v1/auth/password", headers=token, environ_base={"REMOTE_ADDR": f"10.5.1.{next(guess)}"},
                           json={"current_password": current or f"tebak-{next(guess)}",
                                 "new_password": "sandi-baru-2026"}).status_code

    def close(password: str = "") -> int:
        return client.post("/api/v1/auth/close-account", json={"password": password or f"tebak-{next(guess)}"},
                           headers=token, environ_base={"REMOTE_ADDR": f"10.5.2.{next(guess)}"}).status_code

    # each keeps its answer to a wrong password until the account's five a minute are spent
    assert [login(" Parent1 "), change(), close(), change(), login()] == [401, 422, 422, 422, 401]
    # then all three answer 429, to the right password too, and nothing changed
    assert [login(), change(), close()] == [429, 429, 429]
    assert [login(password=PASSWORD), change(PASSWORD), close(PASSWORD)] == [429, 429, 429]
    assert client.get("/api/v1/auth/me", headers=token).status_code == 200
    # another account's budget is its own
    assert client.post("/api/v1/auth/password", json={"current_password": "bukan", "new_password": "sandi-baru-2026"},
                       headers=world.headers("kader1")).status_code == 422


def test_a_password_changed_or_an_account_closed_costs_no_guess(client, world):
    """A right password gives its place back, at every door: the change (or the closing) ended the
    token the place was taken with, and read again to give it back, the token named no account."""
    def wrong_logins(username: str) -> list[int]:
        return [client.post("/api/v1/auth/login", json={"username": username, "password": "salah"},
                            environ_base={"REMOTE_ADDR": f"10.9.0.{i}"}).status_code for i in range(6)]

    new = {"current_password": PASSWORD, "new_password": "sandi-baru-2026"}
    assert client.post("/api/v1/auth/password", json=new, headers=world.headers("kader1")).status_code == 200
    assert wrong_logins("kader1") == [401] * 5 + [429]
    assert client.post("/api/v1/auth/close-account", json={"password": PASSWORD},
                       headers=world.headers("parent1")).status_code == 204
    assert wrong_logins("parent1") == [401] * 5 + [429]   # her username, free again, has its five


def test_password_changes_and_account_closings_count_against_the_logins_address_limit(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ADDRESS_RATE_LIMIT", "4 per minute")
    token, here = world.headers("parent1"), {"REMOTE_ADDR": "10.6.0.1"}
    codes = [client.post("/api/v1/auth/login", json={"username": f"ibu{i}", "password": "x"}, environ_base=here).status_code
             for i in range(2)]
    codes.append(client.post("/api/v1/auth/password", json={"current_password": "bukan", "new_password": "sandi-baru-2026"},
                             headers=token, environ_base=here).status_code)
    codes.append(client.post("/api/v1/auth/close-account", json={"password": "bukan"}, headers=token,
                             environ_base=here).status_code)
    codes += [client.post(path, json=body, headers=token, environ_base=here).status_code for path, body in [
        ("/api/v1/auth/password", {"current_password": PASSWORD, "new_password": "sandi-baru-2026"}),
        ("/api/v1/auth/close-account", {"password": PASSWORD}),
        ("/api/v1/auth/login", {"username": "kader1", "password": PASSWORD})]]
    assert codes == [401, 401, 422, 422, 429, 429, 429]
    # another address is not held back
    assert client.post("/api/v1/auth/login", json={"username": "kader1", "password": PASSWORD},
                       environ_base={"REMOTE_ADDR": "10.6.0.2"}).status_code == 200


def test_logins_that_work_take_no_place_in_the_address_limit_a_training_room_shares(app, client, world, monkeypatch):
    """A puskesmas training room logs its kaders in through one address (its wifi, a carrier's NAT): every
    login counted against LOGIN_ADDRESS_RATE_LIMIT, the 31st within a minute was 429 though no one guessed
    anything. Logins that work give their place back; refused ones (a wrong password, a blank one) still
    spend the address's budget, and once it is spent even the right password waits."""
    monkeypatch.setitem(app.config, "LOGIN_ADDRESS_RATE_LIMIT", "4 per minute")
    here = {"REMOTE_ADDR": "10.6.2.1"}

    def login(username, password):
        return client.post("/api/v1/auth/login", json={"username": username, "password": password},
                           environ_base=here).status_code

    assert [login(u, PASSWORD) for u in ("kader1", "kader2", "bidan_a", "kader1", "kader2", "admin")] == [200] * 6
    # nor one another limit stopped before it was judged: kader1's own wrong passwords spent hers (5 a minute)
    there = {"REMOTE_ADDR": "10.6.2.2"}
    assert [client.post("/api/v1/auth/login", json={"username": "kader3", "password": "salah-sekali"},
                        environ_base={"REMOTE_ADDR": f"10.6.3.{i}"}).status_code for i in range(6)] == [401] * 5 + [429]
    assert [client.post("/api/v1/auth/login", json={"username": "kader3", "password": PASSWORD},
                        environ_base=there).status_code for _ in range(5)] == [429] * 5
    assert client.post("/api/v1/auth/login", json={"username": "kader1", "password": PASSWORD},
                       environ_base=there).status_code == 200
    assert [login(f"ibu{i}", "salah-sekali") for i in range(4)] + [login("kader1", PASSWORD)] == [401] * 4 + [429]


def test_invitation_codes_tried_at_registration_and_redemption_count_against_the_logins_address_limit(
        app, client, world, monkeypatch):
    """One budget of attempts per address (LOGIN_ADDRESS_RATE_LIMIT) for every door a secret is tried at:
    /auth/register and /auth/redeem each had their own besides the login's, three times the guesses
    of a code (or a password) an address was meant to have."""
    monkeypatch.setitem(app.config, "LOGIN_ADDRESS_RATE_LIMIT", "4 per minute")
    token, here = world.headers("parent1"), {"REMOTE_ADDR": "10.6.1.1"}
    register = {"code": "ZZZZ-ZZZZ", "username": "ibu.tebak", "password": "kuat-sekali", "name": "Ibu Tebak"}
    calls = [("/api/v1/auth/login", {"username": "ibu0", "password": "x"}, None),
             ("/api/v1/auth/register", register, None), ("/api/v1/auth/redeem", {"code": "ZZZZ-ZZZY"}, token),
             ("/api/v1/auth/register", register, None)]
    calls += calls[1:3]
    codes = [client.post(path, json=body, headers=headers, environ_base=here).status_code
             for path, body, headers in calls]
    assert codes == [401, 422, 422, 422, 429, 429]
    assert client.post("/api/v1/auth/login", json={"username": "kader1", "password": PASSWORD},
                       environ_base=here).status_code == 429


def test_codes_refused_from_many_addresses_meet_one_server_wide_budget(app, client, world, make_child, monkeypatch):
    """A guesser spread over many networks (an IPv6 /48 is 65,536 per-address budgets) had a code budget
    for each; refused codes now also count server-wide (INVITATION_GUESS_RATE_LIMIT) at both doors.
    A code that works, and a refusal of another field only, take no place."""
    monkeypatch.setitem(app.config, "INVITATION_GUESS_RATE_LIMIT", "3 per minute")
    child = make_child(name="Anak Kode")

    def code():
        return client.post(f"/api/v1/children/{child['id']}/invitations", headers=world.headers("kader1")).get_json()["code"]

    def register(code, net, password="kuat-sekali", username="ibu.tebak"):
        body = {"code": code, "username": username, "password": password, "name": "Ibu Tebak"}
        return client.post("/api/v1/auth/register", json=body,
                           environ_base={"REMOTE_ADDR": f"2001:db8:9:{net:x}::1"}).status_code

    first = code()
    assert register(first, 1, password="x") == 422                # a good code, a short password: no place
    assert register(first, 1, username="ibu.satu") == 201         # a code that works: no place
    assert register("ZZZZ-ZZZZ", 2) == 422                        # refused codes, each from another network
    assert register("ABCD-ABCD", 3) == 422
    redeem = client.post("/api/v1/auth/redeem", json={"code": "ZZZZ-ZZZY"}, headers=world.headers("parent1"),
                         environ_base={"REMOTE_ADDR": "2001:db8:9:4::1"})
    assert redeem.status_code == 422
    # the budget spent: a fifth network's guess, and even a real code, wait for the window
    assert register("ZZZZ-ZZZX", 5) == 429
    assert register(code(), 6, username="ibu.dua") == 429


def test_the_address_limit_counts_an_ipv6_client_by_its_64_network(app, client, world, monkeypatch):
    """A phone on a mobile network is given a /64 and may send from any of its 2^64 addresses: counted
    per address, each new one was a fresh budget of logins (guesses across accounts). Counted by the
    /64, as one address; another /64, and an IPv4 address mapped into IPv6, as IPv4 is."""
    monkeypatch.setitem(app.config, "LOGIN_ADDRESS_RATE_LIMIT", "4 per minute")

    def login(address, username="kader1", password="x"):
        return client.post("/api/v1/auth/login", json={"username": username, "password": password},
                           environ_base={"REMOTE_ADDR": address}).status_code

    codes = [login(f"2001:db8:7:1::{i:x}", f"ibu{i}") for i in range(1, 6)]
    assert codes == [401, 401, 401, 401, 429]
    assert login("2001:db8:7:1:ffff:1:2:3", password=PASSWORD) == 429   # the same /64
    assert login("2001:db8:7:2::1", password=PASSWORD) == 200          # another network
    assert [login("::ffff:10.4.0.1", f"ayah{i}") for i in range(5)] == [401] * 4 + [429]
    assert login("10.4.0.1", password=PASSWORD) == 429                 # the same IPv4 client


@pytest.mark.parametrize("body,field", [
    ({"current_password": PASSWORD, "new_password": "pendek"}, "new_password"),
    ({"current_password": PASSWORD, "new_password": PASSWORD}, "new_password"),
    ({"new_password": "sandi-baru-2026"}, "current_password"),
    ({"current_password": PASSWORD, "new_password": "x" * 201}, "new_password"),
])
def test_a_new_password_is_checked_and_nothing_changes_when_refused(client, world, body, field):
    session = _login(client, "kader1")
    resp = client.post("/api/v1/auth/password", json=body, headers=_bearer(session["access_token"]))
    assert resp.status_code == 422 and field in resp.get_json()["errors"], resp.get_json()
    assert client.get("/api/v1/auth/me", headers=_bearer(session["access_token"])).status_code == 200
    _login(client, "kader1")


@pytest.mark.parametrize("new", ["12345678", "iiiiiiii", " Parent1 "])
def test_a_refused_new_password_tells_nothing_of_the_current_one_and_costs_no_guess(app, client, world, new):
    """A borrowed phone's token must not learn the password from what the new one is refused for: told
    only once the current one was verified, 422 on new_password confirmed a right guess (nothing
    changed, no session ended). A refused new one is answered alike, the current one right or
    wrong, without verifying it, and is no guess (no audit row, no place in the login's budget)."""
    from posyandu.audit import AuditLog
    from posyandu.extensions import db

    token = world.headers("parent1")
    answers = [client.post("/api/v1/auth/password", json={"current_password": current, "new_password": new},
                           headers=token) for current in (PASSWORD, "bukan-ini", PASSWORD, "tebakan-lain")]
    assert [(a.status_code, a.get_json()["errors"]) for a in answers] == [(422, {"new_password": [
        "too easy to guess: not your username, a common password or a word of posyandu work, even with digits added "
        "(posyandu123, Kader2024), one repeated character, or a run of letters or keys (abcdefgh, qwertyui)"]})] * 4
    # the same again: refused on what was sent alone, right or wrong
    same = [client.post("/api/v1/auth/password", json={"current_password": current, "new_password": current},
                        headers=token) for current in (PASSWORD, "bukan-ini-juga")]
    assert [(a.status_code, a.get_json()["errors"]) for a in same] == [
        (422, {"new_password": ["must differ from the current password"]})] * 2
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditLog)
                                 .where(AuditLog.action == "password_change_failed")) == 0
    assert client.get("/api/v1/auth/me", headers=token).status_code == 200
    # none was a guess: the account's five a minute are all there
    assert [client.post("/api/v1/auth/login", json={"username": "parent1", "password": "salah"}).status_code
            for _ in range(5)] == [401] * 5


def test_changing_a_password_needs_a_valid_access_token(client, world):
    session = _login(client, "kader1")
    body = {"current_password": PASSWORD, "new_password": "sandi-baru-2026"}
    assert client.post("/api/v1/auth/password", json=body).status_code == 401
    assert client.post("/api/v1/auth/password", json=body, headers=_bearer(session["refresh_token"])).status_code == 401
    _login(client, "kader1")   # unchanged


def test_an_admin_resetting_a_password_ends_the_users_sessions(client, world):
    lost_phone = _login(client, "kader1")
    users = client.get("/api/v1/users?limit=100", headers=world.headers("admin")).get_json()["items"]
    kader = next(u for u in users if u["username"] == "kader1")
    resp = client.patch(f"/api/v1/users/{kader['id']}", json={"password": "dari-admin-2026"}, headers=world.headers("admin"))
    assert resp.status_code == 200
    assert client.get("/api/v1/auth/me", headers=_bearer(lost_phone["access_token"])).status_code == 401
    assert client.post("/api/v1/auth/refresh", headers=_bearer(lost_phone["refresh_token"])).status_code == 401
    fresh = _login(client, "kader1", "dari-admin-2026")
    # a change of name alone ends nothing
    client.patch(f"/api/v1/users/{kader['id']}", json={"name": "Kader Satu"}, headers=world.headers("admin"))
    assert client.get("/api/v1/auth/me", headers=_bearer(fresh["access_token"])).status_code == 200
    # switched off and on again: the tokens from before stay refused
    for active in (False, True):
        client.patch(f"/api/v1/users/{kader['id']}", json={"active": active}, headers=world.headers("admin"))
    assert client.get("/api/v1/auth/me", headers=_bearer(fresh["access_token"])).status_code == 401
    _login(client, "kader1", "dari-admin-2026")


def test_only_admins_manage_users(client, world):
    for who in ("kader1", "bidan_a", "dinkes_gresik", "parent1"):
        assert client.get("/api/v1/users", headers=world.headers(who)).status_code == 403
        resp = client.post("/api/v1/users", json={"username": "x1", "password": "kuat-sekali", "name": "X",
                                                  "role": "admin"}, headers=world.headers(who))
        assert resp.status_code == 403


def test_a_kader_needs_an_existing_posyandu(client, world):
    resp = client.post("/api/v1/users", json={"username": "kader9", "password": "kuat-sekali", "name": "K",
                                              "role": "kader"}, headers=world.headers("admin"))
    assert resp.status_code == 422 and "posyandu_id" in resp.get_json()["errors"]


def test_a_kader_is_not_put_at_a_closed_posyandu_but_one_there_can_still_be_switched_off(client, world):
    """A closed posyandu takes no children: a kader given it (new, or moved there) could do nothing.
    Both were accepted. Kader2, switched off so that her posyandu could close, can still be edited."""
    kader2 = _user_id(client, world, "kader2")
    off = client.patch(f"/api/v1/users/{kader2}", json={"active": False, "role": "kader"}, headers=world.headers("admin"))
    assert off.status_code == 200 and off.get_json()["active"] is False
    assert client.delete(f"/api/v1/posyandu/{world.ids['p2']}", headers=world.headers("admin")).status_code == 204
    body = {"username": "kader9", "password": "kuat-sekali", "name": "K", "role": "kader",
            "posyandu_id": str(world.ids["p2"])}
    made = client.post("/api/v1/users", json=body, headers=world.headers("admin", "id"))
    assert made.status_code == 422, made.get_json()
    assert made.get_json()["errors"] == {"posyandu_id": ["posyandu ini sudah ditutup: pilih posyandu lain"]}
    kader1 = _user_id(client, world, "kader1")
    moved = client.patch(f"/api/v1/users/{kader1}", json={"posyandu_id": str(world.ids["p2"])}, headers=world.headers("admin"))
    assert moved.status_code == 422 and "posyandu_id" in moved.get_json()["errors"]
    renamed = client.patch(f"/api/v1/users/{kader2}", json={"name": "Kader Dua"}, headers=world.headers("admin"))
    assert renamed.status_code == 200, renamed.get_json()
    away = client.patch(f"/api/v1/users/{kader2}", json={"posyandu_id": str(world.ids["p1"])}, headers=world.headers("admin"))
    assert away.status_code == 200


def test_the_admin_and_the_kader_are_told_when_her_posyandu_is_closed(app, client, world):
    """A kader left at a posyandu closed before closing asked that its kader be moved first (or
    restored data) sees an empty home list and has every registration refused: the admin's user
    list, the user's own record and /auth/me said nothing of it."""
    from posyandu.audit import record_change
    from posyandu.extensions import db
    from posyandu.registry.models import Posyandu

    with app.app_context():
        record_change(db.session.get(Posyandu, world.ids["p2"]), "delete", reason="closed with its kader")
        db.session.commit()
    users = client.get("/api/v1/users?limit=100", headers=world.headers("admin")).get_json()["items"]
    closed = {u["username"]: u["posyandu_closed"] for u in users}
    assert closed["kader2"] is True
    assert closed["kader1"] is False and closed["bidan_a"] is False and closed["admin"] is False
    kader2 = _user_id(client, world, "kader2")
    assert client.get(f"/api/v1/users/{kader2}", headers=world.headers("admin")).get_json()["posyandu_closed"] is True
    assert client.get("/api/v1/auth/me", headers=world.headers("kader2")).get_json()["posyandu_closed"] is True
    assert client.get("/api/v1/auth/me", headers=world.headers("kader1")).get_json()["posyandu_closed"] is False
    login = client.post("/api/v1/auth/login", json={"username": "kader2", "password": PASSWORD}).get_json()
    assert login["user"]["posyandu_closed"] is True
    # moved to an open posyandu, she is no longer flagged
    moved = client.patch(f"/api/v1/users/{kader2}", json={"posyandu_id": str(world.ids["p1"])},
                         headers=world.headers("admin"))
    assert moved.status_code == 200 and moved.get_json()["posyandu_closed"] is False
    spec = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["User"]["properties"]
    assert spec["posyandu_closed"]["readOnly"] is True and spec["posyandu_closed"]["description"]


def _user_id(client, world, username: str) -> str:
    users = client.get("/api/v1/users?limit=100", headers=world.headers("admin")).get_json()["items"]
    return next(u["id"] for u in users if u["username"] == username)


def test_renaming_a_user_to_a_taken_username_is_422_on_the_field_as_creating_one_is(client, world):
    kader2 = _user_id(client, world, "kader2")
    resp = client.patch(f"/api/v1/users/{kader2}", json={"username": "Kader1"}, headers=world.headers("admin", "id"))
    assert resp.status_code == 422 and resp.get_json()["errors"] == {"username": ["sudah dipakai"]}, resp.get_json()
    same = client.patch(f"/api/v1/users/{kader2}", json={"username": "kader2"},
                        headers=world.headers("admin"))
    assert same.status_code == 200  # her own name is not taken by someone else


def test_a_users_phone_is_stored_without_separators_and_a_username_has_no_final_newline(client, world):
    """The column holds 20 characters: "0-8-1-2-3-4-5-6-7-8-9-0" (23 as typed) once failed at the
    database (or was stored whole on SQLite); a final newline once passed the username pattern."""
    body = {"username": "admin9", "password": "kuat-sekali", "name": "A", "role": "admin",
            "phone": "0-8-1-2-3-4-5-6-7-8-9-0"}
    made = client.post("/api/v1/users", json=body, headers=world.headers("admin"))
    assert made.status_code == 201 and made.get_json()["phone"] == "081234567890", made.get_json()
    resp = client.post("/api/v1/users", json={**body, "username": "admin10\n"}, headers=world.headers("admin"))
    assert resp.status_code == 422 and list(resp.get_json()["errors"]) == ["username"]


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


def test_registering_with_a_bad_code_tells_nothing_about_the_username(client, world, make_child):
    """The code is checked before the username: a bogus code with a taken username answered
    "username sudah dipakai", so anyone could find out which usernames exist."""
    def register(code, username):
        return client.post("/api/v1/auth/register", json={"code": code, "username": username,
                                                          "password": "kuat-sekali", "name": "Ibu Ani"})
    taken, free = register("ZZZZ-ZZZZ", "kader1"), register("ZZZZ-ZZZZ", "belum.ada")
    assert taken.status_code == 422 and taken.get_json() == free.get_json()
    assert taken.get_json()["errors"] == {"code": ["tidak sah, kedaluwarsa, atau sudah dipakai: periksa kodenya, atau minta kode baru ke kader atau bidan"]}
    assert taken.get_json()["type"].endswith("/invitation_invalid")
    # with a good code a taken username is said, and the code is not used up by the refusal
    child = make_child()
    code = client.post(f"/api/v1/children/{child['id']}/invitations", headers=world.headers("kader1")).get_json()["code"]
    refused = register(code, "kader1")
    assert refused.status_code == 422 and refused.get_json()["errors"] == {"username": ["sudah dipakai"]}
    assert register(code, "ibu.ani").status_code == 201


def test_refused_invitation_codes_are_rate_limited_per_parent(client, world, make_child):
    child = make_child()
    code = client.post(f"/api/v1/children/{child['id']}/invitations", headers=world.headers("kader1")).get_json()["code"]
    codes = [client.post("/api/v1/auth/redeem", json={"code": f"ZZZZ-ZZ{i:02d}"}, headers=world.headers("parent1"),
                         environ_base={"REMOTE_ADDR": f"10.3.0.{i}"}).status_code for i in range(7)]
    assert codes == [422] * 5 + [429, 429]   # five refused codes a minute, from any address
    # even a good code waits for the window to pass
    resp = client.post("/api/v1/auth/redeem", json={"code": code}, headers=world.headers("parent1", lang="id"))
    assert resp.status_code == 429 and resp.content_type == "application/problem+json"
    assert resp.get_json()["title"] == "Terlalu banyak percobaan, coba lagi nanti" and "Retry-After" in resp.headers
    # another parent redeems on
    other = client.post("/api/v1/auth/register", json={"code": code, "username": "ibu.lain", "password": "kuat-sekali",
                                                       "name": "Ibu Lain"}).get_json()["access_token"]
    resp = client.post("/api/v1/auth/redeem", json={"code": "ZZZZ-ZZZZ"}, headers=_bearer(other))
    assert resp.status_code == 422


def test_invitation_codes_are_rate_limited_per_address(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "REDEEM_RATE_LIMIT", "1000 per minute")
    token = world.headers("parent1")  # logged in from another address: its login is not in this one's budget
    codes = [client.post("/api/v1/auth/redeem", json={"code": "ZZZZ-ZZZZ"}, headers=token,
                         environ_base={"REMOTE_ADDR": "10.6.2.1"}).status_code for _ in range(32)]
    assert codes[:30] == [422] * 30 and codes[30:] == [429, 429]


def test_refused_invitation_codes_are_audited_as_failed_logins_are(client, world, db, make_child):
    """Someone trying codes (to register, or a parent to add a child) is trying to see a child's record:
    each refusal leaves an audit row with its address, and the parent's account when she is signed in,
    as a failed login does. They left none: the rate limit's 429 was the only trace."""
    from posyandu.audit import AuditLog

    def refused():
        return db.session.execute(select(AuditLog.user_id, AuditLog.ip, AuditLog.entity).where(
            AuditLog.action == "invitation_refused").order_by(AuditLog.id)).all()

    body = {"username": "ibu.coba", "password": "kuat-sekali", "name": "Ibu Coba"}
    assert client.post("/api/v1/auth/register", json={**body, "code": "ZZZZ-ZZZZ"},
                       environ_base={"REMOTE_ADDR": "10.11.0.1"}).status_code == 422
    assert client.post("/api/v1/auth/register", json={**body, "code": "ZZ"},   # too short
                       environ_base={"REMOTE_ADDR": "10.11.0.1"}).status_code == 422
    assert client.post("/api/v1/auth/redeem", json={"code": "ZZZZ-ZZZZ"}, headers=world.headers("parent1"),
                       environ_base={"REMOTE_ADDR": "10.11.0.2"}).status_code == 422
    from posyandu.auth.models import User
    parent = db.session.scalar(select(User.id).where(User.username == "parent1"))
    assert refused() == [(None, "10.11.0.1", "invitation")] * 2 + [(parent, "10.11.0.2", "invitation")]
    # a code that works is no refusal
    code = client.post(f"/api/v1/children/{make_child()['id']}/invitations", headers=world.headers("kader1")).get_json()["code"]
    assert client.post("/api/v1/auth/redeem", json={"code": code}, headers=world.headers("parent1")).status_code == 200
    assert len(refused()) == 3


def test_a_parent_cannot_issue_invitations(client, world, make_child, link_parent):
    child = make_child()
    link_parent(child["id"])
    assert client.post(f"/api/v1/children/{child['id']}/invitations", headers=world.headers("parent1")).status_code == 403


def test_login_and_user_changes_are_audited(app, client, world, db):
    from posyandu.audit import AuditLog

    client.post("/api/v1/auth/login", json={"username": "kader1", "password": "bad"})
    actions = set(db.session.scalars(select(AuditLog.action)))
    assert {"create", "login_failed"} <= actions


def test_a_failed_login_keeps_the_name_of_an_account_never_what_no_account_is_called(client, world, db):
    """Whatever was typed as the username was kept in the audit log: often the password, typed in the
    wrong field. An account's own name is kept (whose login failed); anything else is not."""
    from posyandu.audit import AuditLog

    client.post("/api/v1/auth/login", json={"username": " Kader1 ", "password": "bad"})
    client.post("/api/v1/auth/login", json={"username": "MyS3cret-Passw0rd", "password": "x"})
    rows = db.session.execute(select(AuditLog.record_id, AuditLog.changes).where(AuditLog.action == "login_failed")
                              .order_by(AuditLog.at, AuditLog.id)).all()
    assert [changes for _, changes in rows] == [{"username": [None, "kader1"]}, None]
    assert rows[0][0] is not None and rows[1][0] is None
    assert "MyS3cret" not in str(db.session.execute(select(AuditLog.changes, AuditLog.reason)).all())


@pytest.mark.parametrize("password", [
    "12345678", "password", "Password1", "        ", "aaaaaaaaaa", "ibu_sari99", "IBU_SARI99 ",
    # the app's words with digits, a case or a sign (the README's demo password among them), one letter
    # run with a digit, the alphabet's and the keyboard's runs, the username's letters with other digits
    "posyandu123", "posyandu", "posyandu1", "kader123", "Kader1234", "gresik123", "Bidan2024!", "p0syandu99",
    "puskesmas", "balita2023", "dinkes01", "orangtua1", "admin2024", "sehat123", "zzzzzzz7", "abcdefgh",
    "qwertyui", "hgfedcba", "Ibu_Sari2024",
    # a word's edge letter written as a digit before digits (a review: 4dmin2024 was taken, p0syandu99 not);
    # two characters alone
    "4dmin2024", "0rangtua1", "a1111111", "abababab"])
def test_a_password_anyone_would_guess_is_refused_wherever_one_is_set(client, world, make_child, password):
    """Any 8 characters were taken: "12345678", eight spaces, or the username itself, for accounts
    that open children's health records (NIST SP 800-63B 3.1.1.2: refuse common and context-specific
    passwords). Refused on the field, in Indonesian, wherever a password is set. The app's own words
    with digits were taken too, "posyandu123" (the README's published demo password) and "Kader1234"
    first of all, and "abcdefgh" (a QA pass)."""
    admin, kader = world.headers("admin", "id"), world.headers("kader1", "id")
    made = client.post("/api/v1/users", json={"username": "ibu_sari99", "password": password, "name": "Sari",
                                              "role": "admin"}, headers=admin)
    assert made.status_code == 422 and list(made.get_json()["errors"]) == ["password"], made.get_json()
    assert "mudah ditebak" in made.get_json()["errors"]["password"][0]
    kader1 = _user_id(client, world, "kader1")
    reset = client.patch(f"/api/v1/users/{kader1}", json={"password": password, "username": "ibu_sari99"},
                         headers=admin)
    assert reset.status_code == 422 and list(reset.get_json()["errors"]) == ["password"], reset.get_json()
    child = make_child()
    code = client.post(f"/api/v1/children/{child['id']}/invitations", headers=kader).get_json()["code"]
    registered = client.post("/api/v1/auth/register", json={"code": code, "username": "ibu_sari99", "password": password,
                                                            "name": "Sari"})
    assert registered.status_code == 422 and list(registered.get_json()["errors"]) == ["password"]
    # the code was not used by the refused registration
    assert client.post("/api/v1/auth/register", json={"code": code, "username": "ibu_sari99",
                                                      "password": "kuat-sekali", "name": "Sari"}).status_code == 201
    own = client.post("/api/v1/auth/password", json={"current_password": "kuat-sekali", "new_password": password},
                      headers=_bearer(_login(client, "ibu_sari99", "kuat-sekali")["access_token"]))
    assert own.status_code == 422 and list(own.get_json()["errors"]) == ["new_password"], own.get_json()



@pytest.mark.parametrize("password", ["sandi-kader-1", "Posyandu Mawar buka jam 8", "bidan-ratna-rajin", "kuat-sekali",
                                      # one letter and ten digits is as strong as its digits (refused as one repeated)
                                      "x7294018563", "7294018563Q"])
def test_a_passphrase_holding_a_word_of_the_app_is_taken(client, world, password):
    """The rule refuses a word of the app with digits or signs around it, not a phrase that holds one."""
    made = client.post("/api/v1/users", json={"username": "ibu_sari99", "password": password, "name": "Sari",
                                              "role": "admin"}, headers=world.headers("admin", "id"))
    assert made.status_code == 201, made.get_json()


def test_the_password_rule_is_said_on_every_field_setting_a_password(client):
    """The OpenAPI document said 8 to 200 characters and nothing of what is too easy to guess."""
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    for schema, field in (("User", "password"), ("UserUpdate", "password"), ("ChangePassword", "new_password"),
                          ("RegisterParent", "password")):
        description = schemas[schema]["properties"][field]["description"]
        assert "too easy to guess" in description and "posyandu123" in description, (schema, description)
        assert "abcdefgh" in description and "username" in description

def test_the_last_active_admin_cannot_be_switched_off_or_given_another_role(client, world):
    """The only admin switching her own account off (or making it a bidan) by mistake left no one to
    manage users, posyandu or the schedule: her session ended there and then, and only a shell on
    the server (flask create-admin) could bring an admin back. With a second admin it is allowed."""
    admin = _user_id(client, world, "admin")
    for body in ({"active": False}, {"role": "bidan", "puskesmas_id": str(world.ids["pkm_a"])}):
        resp = client.patch(f"/api/v1/users/{admin}", json=body, headers=world.headers("admin", "id"))
        assert resp.status_code == 409 and resp.content_type == "application/problem+json", resp.get_json()
        assert "admin aktif terakhir" in resp.get_json()["detail"], resp.get_json()
    assert client.get("/api/v1/auth/me", headers=world.headers("admin")).get_json()["role"] == "admin"
    made = client.post("/api/v1/users", json={"username": "admin2", "password": "admin-dua-kuat", "name": "Admin Dua",
                                              "role": "admin", "active": False}, headers=world.headers("admin"))
    assert made.status_code == 201
    # a switched-off admin is no admin: the last active one is still refused
    assert client.patch(f"/api/v1/users/{admin}", json={"active": False},
                        headers=world.headers("admin")).status_code == 409
    assert client.patch(f"/api/v1/users/{made.get_json()['id']}", json={"active": True},
                        headers=world.headers("admin")).status_code == 200
    off = client.patch(f"/api/v1/users/{admin}", json={"active": False}, headers=world.headers("admin"))
    assert off.status_code == 200 and off.get_json()["active"] is False


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "BeArEr"])
def test_the_bearer_scheme_is_read_whatever_its_case(client, world, scheme):
    """RFC 9110 11.1: an authentication scheme is case-insensitive. A client sending
    'Authorization: bearer <token>' was answered 401 'Perlu masuk (login)' with its valid token."""
    token = world.token("kader1")
    resp = client.get("/api/v1/auth/me", headers={"Authorization": f"{scheme} {token}"})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["username"] == "kader1"


@pytest.mark.parametrize("authorization,error", [(None, None), ("Basic YWRtaW46eA==", None),
                                                 ("Bearer abc.def.ghi", "invalid_token")])
def test_a_401_names_the_bearer_scheme_in_www_authenticate(client, authorization, error):
    """RFC 9110 15.5.2: a 401 must send WWW-Authenticate; RFC 6750 3: the Bearer challenge, with
    error="invalid_token" when a token was sent and refused. It was sent with none."""
    resp = client.get("/api/v1/children", headers={"Authorization": authorization} if authorization else {})
    assert resp.status_code == 401 and resp.content_type == "application/problem+json"
    challenge = resp.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer")
    assert (f'error="{error}"' in challenge) if error else ("error=" not in challenge)


def test_a_revoked_or_refused_login_401_carries_the_bearer_challenge(client, world):
    login = client.post("/api/v1/auth/login", json={"username": "kader1", "password": PASSWORD}).get_json()
    auth = {"Authorization": f"Bearer {login['access_token']}"}
    assert client.post("/api/v1/auth/logout", headers=auth).status_code == 204
    revoked = client.get("/api/v1/auth/me", headers=auth)
    assert revoked.status_code == 401 and 'error="invalid_token"' in revoked.headers["WWW-Authenticate"]
    wrong = client.post("/api/v1/auth/login", json={"username": "kader1", "password": "salah-sekali"})
    assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_login_rehashing_an_old_hash_does_not_undo_a_password_change_committed_meanwhile(app, client, world, db,
                                                                                       monkeypatch):
    """A login whose stored hash used older argon2 settings writes the hash again with today's. When
    the user's password was changed (by her or an admin) after the login read the old hash and
    before it wrote, the login wrote the old password back over the new one: the new password was
    refused and the old one worked again. The rehash now only replaces the hash it verified."""
    from argon2 import PasswordHasher
    from sqlalchemy import update

    from posyandu.auth import operations as ops
    from posyandu.auth.models import User
    from posyandu.auth.passwords import hash_password

    with app.app_context():
        db.session.execute(update(User).where(User.username == "kader1")
                           .values(password_hash=PasswordHasher(time_cost=1, memory_cost=8192).hash(PASSWORD)))
        db.session.commit()
        db.engine.dispose()  # the test's own connections: the change below comes from another one
    verify = ops.verify_password

    def verify_then_changed_elsewhere(stored, password):
        ok = verify(stored, password)
        with db.engine.connect() as other:  # committed while the login is between its read and its write
            other.execute(update(User).where(User.username == "kader1")
                          .values(password_hash=hash_password("sandi-baru-456")))
            other.commit()
        return ok

    monkeypatch.setattr(ops, "verify_password", verify_then_changed_elsewhere)
    assert client.post("/api/v1/auth/login", json={"username": "kader1", "password": PASSWORD}).status_code == 200
    monkeypatch.setattr(ops, "verify_password", verify)
    assert client.post("/api/v1/auth/login", json={"username": "kader1", "password": "sandi-baru-456"}).status_code == 200
    assert client.post("/api/v1/auth/login", json={"username": "kader1", "password": PASSWORD}).status_code == 401


def test_a_login_stores_an_old_hash_again_with_todays_argon2_settings(app, client, world, db):
    from argon2 import PasswordHasher
    from sqlalchemy import update

    from posyandu.auth.models import User
    from posyandu.auth.passwords import needs_rehash

    old = PasswordHasher(time_cost=1, memory_cost=8192).hash(PASSWORD)
    db.session.execute(update(User).where(User.username == "kader1").values(password_hash=old))
    db.session.commit()
    assert client.post("/api/v1/auth/login", json={"username": "kader1", "password": PASSWORD}).status_code == 200
    db.session.expire_all()
    stored = db.session.scalar(select(User.password_hash).where(User.username == "kader1"))
    assert stored != old and not needs_rehash(stored)
    assert client.post("/api/v1/auth/login", json={"username": "kader1", "password": PASSWORD}).status_code == 200


@pytest.mark.parametrize("typed", ["{a} {b}", "{a}\u2013{b}", " {a}{b} ", "{a} - {b}"])
def test_an_invitation_code_is_taken_with_a_space_or_a_dash_between_its_halves(client, world, make_child, typed):
    """A code read aloud at the table ("ABCD-EFGH") and typed with a space, or with the dash a
    phone's keyboard puts for a hyphen, was refused as invalid (and counted as a refused code)."""
    child = make_child()
    code = client.post(f"/api/v1/children/{child['id']}/invitations", headers=world.headers("kader1")).get_json()["code"]
    a, b = code.lower().split("-")
    resp = client.post("/api/v1/auth/register", json={"code": typed.format(a=a, b=b), "username": "ibu.ani",
                                                      "password": "kuat-sekali", "name": "Ibu Ani"})
    assert resp.status_code == 201, resp.get_json()
    code = client.post(f"/api/v1/children/{child['id']}/invitations", headers=world.headers("kader1")).get_json()["code"]
    a, b = code.split("-")
    redeemed = client.post("/api/v1/auth/redeem", json={"code": typed.format(a=a, b=b)}, headers=world.headers("parent1"))
    assert redeemed.status_code == 200, redeemed.get_json()


def test_the_right_password_of_a_switched_off_account_is_told_so_a_wrong_one_is_not(client, world):
    """A switched-off kader's right password was answered "Nama pengguna atau kata sandi salah"
    (bad_credentials): she was sure she had forgotten it. The right one says the account is off;
    a wrong one says only that it is wrong, as for any account; neither logs in."""
    users = client.get("/api/v1/users?limit=100", headers=world.headers("admin")).get_json()["items"]
    kader = next(u for u in users if u["username"] == "kader1")
    client.patch(f"/api/v1/users/{kader['id']}", json={"active": False}, headers=world.headers("admin"))
    right = client.post("/api/v1/auth/login", json={"username": "kader1", "password": PASSWORD},
                        environ_base={"REMOTE_ADDR": "10.1.0.9"})
    assert right.status_code == 401 and right.get_json()["type"].endswith("/account_inactive")
    assert "access_token" not in right.get_json()
    wrong = client.post("/api/v1/auth/login", json={"username": "kader1", "password": PASSWORD + "x"},
                        environ_base={"REMOTE_ADDR": "10.1.0.9"})
    assert wrong.status_code == 401 and wrong.get_json()["type"].endswith("/bad_credentials")


@pytest.mark.parametrize("lang, expired, revoked", [
    ("id", "Sesi telah berakhir, silakan masuk lagi", "Sesi telah dicabut, silakan masuk lagi"),
    ("en", "The session has expired, log in again", "The session has been revoked, log in again"),
])
def test_an_expired_or_revoked_session_is_said_alike_in_both_languages(client, world, db, lang, expired, revoked):
    """The English titles said "The token has expired" / "has been revoked": a word of the API's for
    what the Indonesian (and the PWA) calls the session, without telling to log in again."""
    from posyandu.auth.models import User

    user = db.session.scalar(select(User).where(User.username == "kader1"))
    token = create_access_token(user, expires_delta=timedelta(seconds=-1))
    resp = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}", "Accept-Language": lang})
    assert resp.get_json()["title"] == expired
    login = client.post("/api/v1/auth/login", json={"username": "kader1", "password": PASSWORD}).get_json()
    auth = {"Authorization": f"Bearer {login['access_token']}", "Accept-Language": lang}
    client.post("/api/v1/auth/logout", json={"refresh_token": login["refresh_token"]}, headers=auth)
    assert client.get("/api/v1/auth/me", headers=auth).get_json()["title"] == revoked
