"""A parent withdraws her consent (UU 27/2022 PDP): she closes her own account, which stops
seeing her children and keeps no more of her personal data than the proof of what she did."""
from __future__ import annotations

import json
import uuid

from sqlalchemy import select

from tests.conftest import PASSWORD

SECRET = "rahasia-ibu-1"


def _registered_mother(client, world, make_child) -> tuple[dict, dict]:
    child = make_child(name="Siti Aminah")
    code = client.post(f"/api/v1/children/{child['id']}/invitations", headers=world.headers("kader1")).get_json()["code"]
    resp = client.post("/api/v1/auth/register", json={"code": code, "username": "ibu_siti", "password": SECRET,
                                                      "name": "Siti Rahayu", "phone": "081298765432"})
    assert resp.status_code == 201, resp.get_json()
    tokens = resp.get_json()
    return child, {"Authorization": f"Bearer {tokens['access_token']}", "Accept-Language": "id"}


def test_a_parent_closes_her_own_account_and_her_data_goes_with_it(client, world, db, make_child):
    from posyandu.audit import AuditLog
    from posyandu.auth.models import User

    child, mother = _registered_mother(client, world, make_child)
    assert client.get(f"/api/v1/children/{child['id']}", headers=mother).status_code == 200
    wrong = client.post("/api/v1/auth/close-account", json={"password": "bukan-itu"}, headers=mother)
    assert wrong.status_code == 422 and wrong.get_json()["errors"]["password"] == ["kata sandi salah"]
    resp = client.post("/api/v1/auth/close-account", json={"password": SECRET}, headers=mother)
    assert resp.status_code == 204, resp.get_json()
    # her session ends, she cannot log in again, and the child's staff no longer see her linked
    assert client.get("/api/v1/auth/me", headers=mother).status_code == 401
    assert client.post("/api/v1/auth/login", json={"username": "ibu_siti", "password": SECRET}).status_code == 401
    parents = client.get(f"/api/v1/children/{child['id']}/parents", headers=world.headers("kader1")).get_json()
    assert parents["items"] == []
    # her name, username and phone are gone from her account and its audit rows; the rows stay
    db.session.remove()
    user = db.session.scalar(select(User).where(User.role == "parent", User.username != "parent1"))
    assert (user.active, user.name, user.phone) == (False, "[dihapus]", None) and "siti" not in user.username
    rows = list(db.session.scalars(select(AuditLog).where(AuditLog.record_id == str(user.id)).order_by(AuditLog.id)))
    assert [r.action for r in rows][0] == "create" and rows[-1].action == "close_account"
    text = json.dumps([r.changes for r in rows])
    assert "Siti Rahayu" not in text and "081298765432" not in text and "ibu_siti" not in text
    # the username is free again
    assert db.session.scalar(select(User).where(User.username == "ibu_siti")) is None
    assert isinstance(user.id, uuid.UUID)


def test_staff_accounts_are_closed_by_an_admin_not_by_themselves(client, world):
    resp = client.post("/api/v1/auth/close-account", json={"password": "x"}, headers=world.headers("kader1"))
    assert resp.status_code == 403


def test_wrong_passwords_to_close_an_account_are_audited_and_rate_limited_as_logins(client, world, db, make_child):
    """A token left on a shared phone must not let its finder guess the password here: five wrong
    guesses a minute (from any address), each audited; the right one still waits for the minute."""
    from sqlalchemy import func

    from posyandu.audit import AuditLog

    child, mother = _registered_mother(client, world, make_child)
    codes = [client.post("/api/v1/auth/close-account", json={"password": f"tebak-{i}"}, headers=mother,
                         environ_base={"REMOTE_ADDR": f"10.3.0.{i}"}).status_code for i in range(6)]
    assert codes == [422] * 5 + [429]
    limited = client.post("/api/v1/auth/close-account", json={"password": SECRET}, headers=mother)
    assert limited.status_code == 429 and limited.content_type == "application/problem+json"
    assert limited.headers.get("Retry-After")
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(AuditLog)
                             .where(AuditLog.action == "close_account_failed")) == 5
    assert client.get(f"/api/v1/children/{child['id']}", headers=mother).status_code == 200  # still open


def _phone(client, username: str, password: str) -> dict:
    resp = client.post("/api/v1/auth/login", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": "10.4.0.1"})
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def _refusal(resp) -> tuple[int, str, str]:
    body = resp.get_json()
    return resp.status_code, body["type"].rsplit("/", 1)[-1], body["title"]


def _expired_access_token(db, username: str | None = None, user_id=None) -> str:
    from datetime import timedelta

    from flask_jwt_extended import create_access_token

    from posyandu.auth.models import User

    user = db.session.get(User, user_id) if user_id else db.session.scalar(select(User).where(User.username == username))
    claims = {"role": user.role, "sv": user.scope_version, "cv": user.credentials_version}
    return create_access_token(user, additional_claims=claims, expires_delta=timedelta(seconds=-1))


def test_her_other_phones_are_told_the_account_is_closed_not_to_log_in_again(app, client, world, db, make_child):
    """Before, a phone of hers that had not closed the account was answered 401 token_revoked, as
    after a password change: the app asked her to log in again and kept her children's data on the
    phone behind her PIN. Every token of a closed account (access, refresh, one expired meanwhile)
    now answers 401 account_closed: this account is gone, forget it."""
    from posyandu.auth.models import User

    _registered_mother(client, world, make_child)
    other_phone = _phone(client, "ibu_siti", SECRET)
    user_id = uuid.UUID(other_phone["user"]["id"])
    with app.app_context():
        expired = _expired_access_token(db, "ibu_siti")
    assert client.post("/api/v1/auth/close-account", json={"password": SECRET},
                       headers={"Authorization": f"Bearer {other_phone['access_token']}"}).status_code == 204
    db.session.remove()
    assert db.session.get(User, user_id).active is False
    for resp in (client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {other_phone['access_token']}"}),
                 client.get("/api/v1/sync/pull", headers={"Authorization": f"Bearer {other_phone['access_token']}"}),
                 client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {other_phone['refresh_token']}"}),
                 client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {expired}"})):
        assert _refusal(resp) == (401, "account_closed", "Akun ini sudah ditutup"), resp.get_json()
        assert resp.content_type == "application/problem+json"
        assert 'error="invalid_token"' in resp.headers["WWW-Authenticate"]
    en = client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {other_phone['refresh_token']}",
                                                      "Accept-Language": "en"})
    assert _refusal(en) == (401, "account_closed", "This account has been closed")


def test_a_switched_off_accounts_tokens_say_so_and_a_password_change_still_asks_to_log_in_again(app, client, world, db):
    """A kader whose access ended (an admin switched her account off) is told so on every token kind
    (account_inactive), not asked to log in again; switched on again, her old tokens are only
    refused (token_revoked: log in again), as after a password change."""
    phone = _phone(client, "kader1", PASSWORD)
    with app.app_context():
        expired = _expired_access_token(db, "kader1")
    admin = world.headers("admin")
    kader_id = phone["user"]["id"]
    assert client.patch(f"/api/v1/users/{kader_id}", json={"active": False}, headers=admin).status_code == 200
    for resp in (client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {phone['access_token']}"}),
                 client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {phone['refresh_token']}"}),
                 client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {expired}"})):
        assert _refusal(resp) == (401, "account_inactive", "Akun ini dinonaktifkan"), resp.get_json()
    assert client.patch(f"/api/v1/users/{kader_id}", json={"active": True}, headers=admin).status_code == 200
    for resp in (client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {phone['access_token']}"}),
                 client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {phone['refresh_token']}"})):
        assert _refusal(resp)[:2] == (401, "token_revoked")
    assert _refusal(client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {expired}"}))[:2] == \
        (401, "token_expired")
    # a password change: the other phone logs in again
    other = _phone(client, "kader1", PASSWORD)
    this = _phone(client, "kader1", PASSWORD)
    assert client.post("/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": "sandi-baru-2026"},
                       headers={"Authorization": f"Bearer {this['access_token']}"}).status_code == 200
    for resp in (client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {other['access_token']}"}),
                 client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {other['refresh_token']}"})):
        assert _refusal(resp)[:2] == (401, "token_revoked")


def test_the_api_document_names_the_refusals_of_a_closed_or_switched_off_account(client):
    description = client.get("/api/v1/openapi.json").get_json()["info"]["description"]
    assert "account_closed" in description and "account_inactive" in description


def test_an_account_its_parent_closed_cannot_be_switched_on_again_by_an_admin(client, world, db, make_child):
    """Before, an admin's PATCH {"active": true} (the "Aktifkan lagi" button of the Pengguna screen)
    switched a closed account on again: a nameless "[dihapus]" account the parent had withdrawn
    from, back in use. It is refused (409, why named in the user's language); the account stays
    closed, and the admin's list says so (``account_closed``), as an admin-switched-off one does not."""
    from posyandu.auth.models import User

    _, mother = _registered_mother(client, world, make_child)
    user_id = client.get("/api/v1/auth/me", headers=mother).get_json()["id"]
    assert client.post("/api/v1/auth/close-account", json={"password": SECRET}, headers=mother).status_code == 204
    shown = client.get(f"/api/v1/users/{user_id}", headers=world.headers("admin")).get_json()
    assert (shown["active"], shown["account_closed"]) == (False, True)
    for lang, words in (("id", "ditutup oleh pemiliknya"), ("en", "closed by its owner")):
        resp = client.patch(f"/api/v1/users/{user_id}", json={"active": True}, headers=world.headers("admin", lang))
        body = resp.get_json()
        assert resp.status_code == 409 and resp.content_type == "application/problem+json", body
        assert words in body["detail"] and words in body["errors"]["active"][0], body
    # nor renamed over "[dihapus]" or given a password that would make it usable again
    for change in ({"name": "Ibu Kembali"}, {"password": "sandi-baru-yang-kuat"}, {"phone": "081234567890"}):
        resp = client.patch(f"/api/v1/users/{user_id}", json=change, headers=world.headers("admin"))
        assert resp.status_code == 409 and set(resp.get_json()["errors"]) == set(change), resp.get_json()
    db.session.remove()
    kept = db.session.get(User, uuid.UUID(user_id))
    assert (kept.active, kept.name, kept.must_change_password) == (False, "[dihapus]", False)
    # an account an admin switched off is no closed account: it is switched on again as before
    kader = client.get("/api/v1/auth/me", headers=world.headers("kader1")).get_json()["id"]
    admin = world.headers("admin")
    off = client.patch(f"/api/v1/users/{kader}", json={"active": False}, headers=admin).get_json()
    assert (off["active"], off["account_closed"]) == (False, False)
    assert client.patch(f"/api/v1/users/{kader}", json={"active": True}, headers=admin).status_code == 200


def test_no_account_can_take_the_name_a_closed_account_is_given_so_closing_always_works(client, world, make_child):
    """A closed account is renamed ``dihapus-<its id>``; its id is shown to kader with the child's
    parents. An account registered (or made, or renamed) under that name beforehand made the parent's
    closing answer 409 "already taken" on a username she never sent: she could not withdraw consent."""
    parent_id = uuid.UUID(client.get("/api/v1/auth/me", headers=world.headers("parent1")).get_json()["id"])
    squatted = f"dihapus-{parent_id.hex}"
    child = make_child()
    code = client.post(f"/api/v1/children/{child['id']}/invitations", headers=world.headers("kader1")).get_json()["code"]
    admin = world.headers("admin")
    kader2 = client.get("/api/v1/users?q=kader2", headers=admin).get_json()["items"][0]["id"]
    for resp in (client.post("/api/v1/auth/register", json={"code": code, "username": squatted, "password": "sandi-kuat-99",
                                                            "name": "Siapa"}),
                 client.post("/api/v1/users", headers=admin, json={"username": squatted.upper(), "password": "sandi-kuat-99",
                                                                   "name": "Siapa", "role": "parent"}),
                 client.patch(f"/api/v1/users/{kader2}", headers=admin, json={"username": squatted})):
        assert resp.status_code == 422, resp.get_json()
        assert list(resp.get_json()["errors"]) == ["username"]
    closed = client.post("/api/v1/auth/close-account", json={"password": PASSWORD}, headers=world.headers("parent1"))
    assert closed.status_code == 204, closed.get_json()
