"""A parent withdraws her consent (UU 27/2022 PDP): she closes her own account, which stops
seeing her children and keeps no more of her personal data than the proof of what she did."""
from __future__ import annotations

import json
import uuid

from sqlalchemy import select

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
