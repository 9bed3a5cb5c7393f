"""Refresh-token rotation (``POST /auth/refresh`` answers the login's next refresh token), safe for
phones on flaky networks: the token sent stays usable until its successor has been used (an answer
lost on the way is asked for again), a superseded token presented after its successor was used
revokes the whole login (its chain), logout revokes the chain of the tokens presented, and a
login's refresh tokens expire when its first did."""
from __future__ import annotations

import time
from datetime import timedelta

import jwt as pyjwt
from sqlalchemy import func, select, update

from tests.conftest import PASSWORD


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _login(client, username: str = "kader1") -> dict:
    resp = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def _refresh(client, refresh_token: str):
    return client.post("/api/v1/auth/refresh", headers=_bearer(refresh_token))


def _claims(token: str) -> dict:
    return pyjwt.decode(token, options={"verify_signature": False})


def _me(client, access_token: str) -> int:
    return client.get("/api/v1/auth/me", headers=_bearer(access_token)).status_code


def _revoked(resp) -> bool:
    return resp.status_code == 401 and resp.get_json()["type"].endswith("/token_revoked")


def _rotated_long_ago(db) -> None:
    """Every chain's last two rotations an hour ago: past the seconds in which two crossing requests are forgiven."""
    from posyandu.auth.models import TokenFamily
    from posyandu.database import utcnow

    db.session.execute(update(TokenFamily).values(rotated_at=utcnow() - timedelta(hours=1),
                                                  previous_rotated_at=utcnow() - timedelta(hours=1, minutes=30)))
    db.session.commit()


def test_refresh_answers_a_new_access_token_and_the_next_refresh_token_of_the_login(client, world):
    login = _login(client)
    resp = _refresh(client, login["refresh_token"])
    assert resp.status_code == 200
    body = resp.get_json()
    assert set(body) == {"access_token", "refresh_token"}
    assert body["refresh_token"] != login["refresh_token"]
    new, old = _claims(body["refresh_token"]), _claims(login["refresh_token"])
    assert new["type"] == "refresh" and new["jti"] != old["jti"]
    assert new["exp"] == old["exp"]  # rotation does not lengthen the login
    assert _me(client, body["access_token"]) == 200
    nxt = _refresh(client, body["refresh_token"])  # the new one works, and rotates in turn
    assert nxt.status_code == 200 and nxt.get_json()["refresh_token"] not in (body["refresh_token"], login["refresh_token"])


def test_a_phone_whose_refresh_answer_was_lost_asks_again_with_the_old_token_and_stays_logged_in(client, world, db):
    login = _login(client)
    lost = _refresh(client, login["refresh_token"]).get_json()  # the answer never reached the phone
    _rotated_long_ago(db)  # the phone was offline for an hour before it asked again
    again = _refresh(client, login["refresh_token"])
    assert again.status_code == 200
    retried = again.get_json()
    assert _claims(retried["refresh_token"])["jti"] == _claims(lost["refresh_token"])["jti"]  # the same successor
    assert _me(client, retried["access_token"]) == 200
    third = _refresh(client, login["refresh_token"])  # and again: still not used, still usable
    assert third.status_code == 200
    assert _refresh(client, retried["refresh_token"]).status_code == 200  # the successor, used at last


def test_a_superseded_refresh_token_presented_after_its_successor_was_used_revokes_the_whole_login(client, world, db):
    from posyandu.audit import AuditLog

    login = _login(client)
    second = _refresh(client, login["refresh_token"]).get_json()
    third = _refresh(client, second["refresh_token"]).get_json()  # the successor used
    other_phone = _login(client)
    _rotated_long_ago(db)
    stolen = _refresh(client, login["refresh_token"])
    assert _revoked(stolen), stolen.get_json()
    assert stolen.content_type == "application/problem+json"
    assert stolen.headers["WWW-Authenticate"].startswith("Bearer")
    # every token of that login is refused now, the newest refresh token and the access tokens too
    assert _revoked(_refresh(client, third["refresh_token"]))
    assert _revoked(_refresh(client, second["refresh_token"]))
    for access in (login["access_token"], second["access_token"], third["access_token"]):
        assert _me(client, access) == 401
    # another login of the same user is not touched
    assert _me(client, other_phone["access_token"]) == 200
    assert _refresh(client, other_phone["refresh_token"]).status_code == 200
    assert db.session.scalar(select(AuditLog.record_id).where(AuditLog.action == "refresh_token_reused")) \
        == login["user"]["id"]


def test_a_superseded_token_crossing_its_successors_use_within_seconds_is_given_the_newest(client, world):
    """Two requests of one phone (two tabs) that crossed: not taken for a stolen copy."""
    login = _login(client)
    second = _refresh(client, login["refresh_token"]).get_json()
    third = _refresh(client, second["refresh_token"]).get_json()
    crossed = _refresh(client, login["refresh_token"])
    assert crossed.status_code == 200
    assert _claims(crossed.get_json()["refresh_token"])["jti"] == _claims(third["refresh_token"])["jti"]
    assert _me(client, third["access_token"]) == 200


def test_an_old_copy_presented_within_a_minute_of_the_phones_own_refresh_is_refused(client, world, db):
    """Any superseded token of a chain was answered the newest while it came within a minute of the
    chain's last rotation: a copy kept from long ago (a phone's backup) presented just after one of
    the phone's own refreshes got a working login with the phone's own newest refresh token, and
    nothing was revoked or audited. Only the token before the previous one is forgiven in that minute,
    and only when it was itself replaced within it (two tabs' refreshes crossing)."""
    from posyandu.audit import AuditLog

    login = _login(client)
    second = _refresh(client, login["refresh_token"]).get_json()
    third = _refresh(client, second["refresh_token"]).get_json()
    _rotated_long_ago(db)  # the copies are old: the phone kept refreshing for an hour since
    fourth = _refresh(client, third["refresh_token"]).get_json()  # the phone's own refresh, just now
    for old in (login, second):  # three and two tokens back, replaced an hour and more ago
        stolen = _refresh(client, old["refresh_token"])
        assert _revoked(stolen), stolen.get_json()
    assert _revoked(_refresh(client, fourth["refresh_token"]))  # the whole login, the phone's too
    assert _me(client, fourth["access_token"]) == 401
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.action == "refresh_token_reused")) == 1


def test_a_token_two_back_replaced_within_the_minute_is_forgiven_once_not_three_back(client, world):
    """Two refreshes of one tab in quick succession while another tab's request with the token before
    them is still on its way: that one is answered the newest. One more rotation back is not."""
    login = _login(client)
    second = _refresh(client, login["refresh_token"]).get_json()
    third = _refresh(client, second["refresh_token"]).get_json()
    fourth = _refresh(client, third["refresh_token"]).get_json()
    assert _revoked(_refresh(client, login["refresh_token"]))  # three back, though within the minute
    assert _me(client, fourth["access_token"]) == 401


def test_logout_revokes_every_token_of_the_login_presented(client, world):
    login = _login(client)
    second = _refresh(client, login["refresh_token"]).get_json()
    other_phone = _login(client)
    # logged out with the newest access token only: the refresh token it did not send is refused too
    assert client.post("/api/v1/auth/logout", headers=_bearer(second["access_token"])).status_code == 204
    assert _revoked(_refresh(client, second["refresh_token"]))
    assert _revoked(_refresh(client, login["refresh_token"]))
    assert _me(client, login["access_token"]) == 401
    assert _me(client, other_phone["access_token"]) == 200
    assert _refresh(client, other_phone["refresh_token"]).status_code == 200


def test_logout_revokes_the_login_of_the_refresh_token_in_its_body_too(client, world):
    login = _login(client)
    second = _refresh(client, login["refresh_token"]).get_json()
    other_phone = _login(client)
    resp = client.post("/api/v1/auth/logout", headers=_bearer(other_phone["access_token"]),
                       json={"refresh_token": login["refresh_token"]})
    assert resp.status_code == 204
    assert _revoked(_refresh(client, second["refresh_token"]))
    assert _me(client, second["access_token"]) == 401


def test_a_rotated_refresh_token_expires_when_the_logins_first_one_does(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "JWT_REFRESH_TOKEN_EXPIRES", timedelta(seconds=2))
    login = _login(client)
    second = _refresh(client, login["refresh_token"])
    assert second.status_code == 200
    time.sleep(2.5)
    for token in (second.get_json()["refresh_token"], login["refresh_token"]):
        resp = _refresh(client, token)
        assert resp.status_code == 401 and resp.get_json()["type"].endswith("/token_expired"), resp.get_json()


def test_a_refresh_token_issued_before_rotation_existed_starts_its_chain_and_follows_the_same_rules(app, client,
                                                                                                    world, db):
    """A phone logged in before the upgrade holds a refresh token without a chain ("fam"): it is not
    logged out by the upgrade, and its token is then rotated like any other."""
    from flask_jwt_extended import create_refresh_token

    from posyandu.auth.models import User

    user = db.session.scalar(select(User).where(User.username == "kader1"))
    with app.test_request_context():
        before = create_refresh_token(user, additional_claims={"role": "kader", "sv": user.scope_version,
                                                               "cv": user.credentials_version})
    assert "fam" not in _claims(before)
    first = _refresh(client, before)
    assert first.status_code == 200
    retried = _refresh(client, before)  # its answer lost: asked again
    assert retried.status_code == 200
    assert _claims(retried.get_json()["refresh_token"])["jti"] == _claims(first.get_json()["refresh_token"])["jti"]
    assert _refresh(client, first.get_json()["refresh_token"]).status_code == 200
    _rotated_long_ago(db)
    assert _revoked(_refresh(client, before))
    assert _me(client, first.get_json()["access_token"]) == 401


def test_purging_drops_the_chains_of_logins_that_have_expired(app, client, world, db, monkeypatch):
    from posyandu.auth.models import TokenFamily

    kept = _login(client, "kader2")
    monkeypatch.setitem(app.config, "JWT_REFRESH_TOKEN_EXPIRES", timedelta(seconds=-1))
    _login(client)
    assert db.session.scalar(select(func.count()).select_from(TokenFamily)) == 2
    result = app.test_cli_runner().invoke(args=["purge-tokens"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert list(db.session.scalars(select(TokenFamily.id))) == [_claims(kept["refresh_token"])["fam"]]


def test_two_refreshes_with_the_same_token_at_once_make_one_successor_not_two(app, world, client, monkeypatch):
    """Two requests of one phone crossing (a retry sent while the first was still on its way): the
    second waits for the first and is given the successor it made, never a second branch of the
    chain, and neither is taken for a stolen copy."""
    from tests.sync.test_child_locks import _race

    login = _login(client)
    first, second, _ = _race(app, monkeypatch, lambda c: _refresh(c, login["refresh_token"]),
                             lambda c: _refresh(c, login["refresh_token"]))
    assert first.status_code == 200 and second.status_code == 200, (first.get_json(), second.get_json())
    jtis = {_claims(r.get_json()["refresh_token"])["jti"] for r in (first, second)}
    assert len(jtis) == 1
    newest = first.get_json()["refresh_token"]
    assert _refresh(client, newest).status_code == 200


def test_two_refreshes_at_once_with_a_token_from_before_rotation_start_one_chain(app, world, client, db, monkeypatch):
    """The chain of a refresh token issued before rotation is made at its first refresh: two at once
    (a retry crossing the first) both made it, and the second answered 409."""
    from flask_jwt_extended import create_refresh_token

    from posyandu.auth.models import TokenFamily, User
    from tests.sync.test_child_locks import _race

    user = db.session.scalar(select(User).where(User.username == "kader1"))
    with app.test_request_context():
        before = create_refresh_token(user, additional_claims={"role": "kader", "sv": 1, "cv": user.credentials_version})
    db.session.remove()
    first, second, _ = _race(app, monkeypatch, lambda c: _refresh(c, before), lambda c: _refresh(c, before))
    assert first.status_code == 200 and second.status_code == 200, (first.get_json(), second.get_json())
    assert _claims(first.get_json()["refresh_token"])["jti"] == _claims(second.get_json()["refresh_token"])["jti"]
    assert db.session.scalar(select(func.count()).select_from(TokenFamily)) == 1


def test_an_access_token_of_a_revoked_login_stays_refused_once_the_purge_dropped_its_chain(app, client, world,
                                                                                            monkeypatch):
    """A login's revocation lives on its chain's row (``token_family``), which ``purge-tokens`` drops once the
    login has expired. An access token refreshed shortly before that ran ``ACCESS_TOKEN_MINUTES`` past it:
    purged while it still ran, its login's revocation (a logout, a stolen copy found out) was forgotten and
    the access token, not the one logged out with, worked again. It now expires with its login."""
    monkeypatch.setitem(app.config, "JWT_REFRESH_TOKEN_EXPIRES", timedelta(seconds=2))
    login = _login(client)
    refreshed = _refresh(client, login["refresh_token"]).get_json()  # another tab's, say
    assert client.post("/api/v1/auth/logout", headers=_bearer(login["access_token"]),
                       json={"refresh_token": login["refresh_token"]}).status_code == 204
    assert _me(client, refreshed["access_token"]) == 401
    time.sleep(2.5)
    result = app.test_cli_runner().invoke(args=["purge-tokens"])
    assert result.exit_code == 0, result.output
    assert _me(client, refreshed["access_token"]) == 401


def test_a_redeemed_code_answers_tokens_of_the_parents_login_not_a_new_one(client, world, make_child, db):
    """``POST /auth/redeem`` answered the tokens of a new login: a 30-day refresh token the app never
    kept, left live by the parent's logout. It answers her own login's (its chain unchanged), so her
    logout ends them too."""
    from posyandu.auth.models import TokenFamily

    child = make_child(name="Anak Kode")
    code = client.post(f"/api/v1/children/{child['id']}/invitations", headers=world.headers("kader1")).get_json()["code"]
    login = _login(client, "parent1")
    logins = db.session.scalar(select(func.count()).select_from(TokenFamily))
    resp = client.post("/api/v1/auth/redeem", json={"code": code}, headers=_bearer(login["access_token"]))
    assert resp.status_code == 200, resp.get_json()
    answered = resp.get_json()
    assert db.session.scalar(select(func.count()).select_from(TokenFamily)) == logins
    assert _claims(answered["refresh_token"])["fam"] == _claims(login["refresh_token"])["fam"]
    assert _claims(answered["refresh_token"])["jti"] == _claims(login["refresh_token"])["jti"]
    assert _me(client, answered["access_token"]) == 200
    out = client.post("/api/v1/auth/logout", json={"refresh_token": login["refresh_token"]},
                      headers=_bearer(login["access_token"]))
    assert out.status_code == 204
    assert _me(client, answered["access_token"]) == 401
    assert _revoked(_refresh(client, answered["refresh_token"]))


def test_refreshes_are_rate_limited_per_account_as_logins_are_answered(app, client, world):
    """``POST /auth/refresh`` had no limit: a script holding a refresh token could call it without
    end. Beyond ``REFRESH_RATE_LIMIT`` (30 a minute by default: a phone refreshes every 30 minutes) it
    answers 429 in the login's problem shape, with Retry-After; another account is not affected."""
    assert app.config["REFRESH_RATE_LIMIT"] == "30 per minute;300 per hour"
    token = _login(client)["refresh_token"]
    for _ in range(30):  # every one from the same address, as phones behind one NAT
        resp = _refresh(client, token)
        assert resp.status_code == 200, resp.get_json()
        token = resp.get_json()["refresh_token"]
    limited = _refresh(client, token)
    assert limited.status_code == 429 and limited.content_type == "application/problem+json"
    assert limited.get_json()["type"].endswith("/rate_limited") and int(limited.headers["Retry-After"]) > 0
    # per account: another login of the same account is limited too, another account is not
    assert _refresh(client, _login(client)["refresh_token"]).status_code == 429
    assert _refresh(client, _login(client, "kader1b")["refresh_token"]).status_code == 200


def test_the_api_document_says_which_superseded_token_is_still_answered_within_a_minute(client):
    """A health office's script checking the rotation as the document described it (a token presented again
    after its successor was used: 401 `token_revoked`) got 200 with the newest token: the minute two tabs'
    refreshes may cross in (``REFRESH_CROSSING``) was said nowhere outside the code."""
    from posyandu.auth.operations import REFRESH_CROSSING

    assert REFRESH_CROSSING.total_seconds() == 60  # "a minute", as the document says
    spec = client.get("/api/v1/openapi.json").get_json()
    for text in (spec["info"]["description"], spec["paths"]["/api/v1/auth/refresh"]["post"]["description"]):
        assert "unless it was replaced less than a minute before and only one refresh came after it" \
            in " ".join(text.split()), text
