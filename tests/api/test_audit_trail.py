"""The audit trail an auditor reads after a dispute: one row per change, naming who acted, and
nothing claiming a change that was not made (both databases). Each test failed before its fix."""
from __future__ import annotations

from sqlalchemy import select

from tests.conftest import PASSWORD


def _rows(app, **where):
    """(action, entity, record_id, user_id, changes) of the audit rows matching ``where``, oldest first.
    Read in an app context of its own: a test holding one open (the ``db`` fixture) would share its
    ``g``, the acting user, with every request made meanwhile."""
    from posyandu.audit import AuditLog
    from posyandu.extensions import db

    with app.app_context():
        query = select(AuditLog).filter_by(**where).order_by(AuditLog.id)
        return [(r.action, r.entity, r.record_id, r.user_id and str(r.user_id), r.changes)
                for r in db.session.scalars(query)]


def _me(client, world, username):
    return client.get("/api/v1/auth/me", headers=world.headers(username)).get_json()


def test_an_admins_change_of_a_user_that_changes_nothing_leaves_no_audit_row(app, client, world):
    """A user saved unchanged (the Pengguna form saved as it was, a body of nothing) wrote an
    ``update`` row with no change in it: a trail of a user's role listed changes never made.
    Every other write (a child, an area, a weighing) writes none when nothing changes."""
    kader = _me(client, world, "kader1")
    for body in ({"name": kader["name"], "role": "kader", "posyandu_id": kader["posyandu_id"]}, {}):
        resp = client.patch(f"/api/v1/users/{kader['id']}", json=body, headers=world.headers("admin"))
        assert resp.status_code == 200, resp.get_json()
    assert _rows(app, action="update", entity="user", record_id=kader["id"]) == []
    # a change that is made is audited, with its values before and after
    raised = client.patch(f"/api/v1/users/{kader['id']}", json={"role": "bidan", "puskesmas_id": str(world.ids["pkm_a"])},
                          headers=world.headers("admin"))
    assert raised.status_code == 200, raised.get_json()
    admin = _me(client, world, "admin")["id"]
    assert _rows(app, action="update", entity="user", record_id=kader["id"]) == [
        ("update", "user", kader["id"], admin, {"role": ["kader", "bidan"], "posyandu_id": [kader["posyandu_id"], None],
                                                "puskesmas_id": [None, str(world.ids["pkm_a"])]})]


def test_a_published_schedule_version_is_audited_with_its_values_from_nothing_as_every_creation_is(app, client, world):
    """Every audit row's ``changes`` is ``{field: [before, after]}``; a schedule version's creation kept
    bare values (``{"version": "2026.1", "active": true, ...}``): a trail reader taking each as a pair
    read "2" before and "0" after."""
    from tests.api.test_schedule_versions_api import BASE

    made = client.post("/api/v1/immunisation/schedule/versions", headers=world.headers("admin"),
                       json={"document": {**BASE, "version": "2026.1", "valid_from": "2026-01-01"}})
    assert made.status_code == 201, made.get_json()
    admin = _me(client, world, "admin")["id"]
    assert _rows(app, entity="schedule_version", record_id=str(made.get_json()["id"])) == [
        ("create", "schedule_version", str(made.get_json()["id"]), admin,
         {"version": [None, "2026.1"], "active": [None, True], "valid_from": [None, "2026-01-01"]})]


def test_a_creations_values_are_kept_as_an_updates_are(app, client, world, make_child):
    """A creation's row kept every value as text (``"True"``, ``"1"``, ``"9.1"``, a time as
    ``2026-11-20 03:00:00+00:00``), an update's as JSON (``true``, ``1``, ``9.1``, ``…T03:00:00Z``): one
    field read two ways in one record's trail. Both as JSON now, by REST and by a phone's push alike."""
    import uuid

    child = make_child(name="Anak Audit", birth_date="2025-01-10")
    body = {"id": str(uuid.uuid4()), "measured_on": "2025-06-10", "weight_kg": 7.25, "oedema": False,
            "recorded_at": "2025-06-10T03:00:00+00:00"}
    made = client.post(f"/api/v1/children/{child['id']}/measurements", json=body, headers=world.headers("kader1"))
    assert made.status_code == 201, made.get_json()
    [(_, _, _, _, created)] = _rows(app, action="create", entity="measurement", record_id=body["id"])
    assert (created["weight_kg"], created["oedema"], created["measured_on"], created["recorded_at"]) == (
        [None, 7.25], [None, False], [None, "2025-06-10"], [None, "2025-06-10T03:00:00Z"]), created
    edited = client.patch(f"/api/v1/measurements/{body['id']}", json={"weight_kg": 7.3}, headers=world.headers("kader1"))
    assert edited.status_code == 200, edited.get_json()
    [(_, _, _, _, updated)] = _rows(app, action="update", entity="measurement", record_id=body["id"])
    assert updated["weight_kg"] == [7.25, 7.3]
    dose = {"mutation_id": str(uuid.uuid4()), "entity": "immunisation", "op": "upsert", "id": str(uuid.uuid4()),
            "base_version": None, "data": {"child_id": child["id"], "vaccine": "BCG", "dose": 1,
                                           "given_on": "2025-02-10", "batch_number": "B1"}}
    pushed = client.post("/api/v1/sync/push", json={"client_id": "hp-audit", "mutations": [dose]},
                         headers=world.headers("kader1"))
    assert pushed.status_code == 200 and pushed.get_json()["results"][0]["status"] == "applied", pushed.get_json()
    [(_, _, _, _, created)] = _rows(app, action="create", entity="immunisation", record_id=dose["id"])
    assert (created["dose"], created["given_on"]) == ([None, 1], [None, "2025-02-10"]), created


def test_a_login_and_a_parents_registration_name_who_acted(app, client, world, make_child):
    """A login's row named no user (only its ``record_id``), and a parent's registration's ``redeem``
    row named no one at all (its changes hold the child alone): "who was given access to this child,
    and who has been logging in as her" were not in the trail's ``user_id``. A failed login names no
    one still: whoever typed her username is not known to be her."""
    resp = client.post("/api/v1/auth/login", json={"username": "kader1", "password": PASSWORD})
    assert resp.status_code == 200
    kader = resp.get_json()["user"]["id"]
    assert client.post("/api/v1/auth/login", json={"username": "kader1", "password": "salah"}).status_code == 401
    assert [(action, user) for action, _, _, user, _ in _rows(app, entity="user", record_id=kader)
            if action.startswith("login")] == [("login", kader), ("login_failed", None)]

    child = make_child()
    code = client.post(f"/api/v1/children/{child['id']}/invitations", headers=world.headers("kader1")).get_json()["code"]
    made = client.post("/api/v1/auth/register", json={"code": code, "username": "ibu.ani", "password": "kuat-sekali",
                                                      "name": "Ibu Ani"})
    assert made.status_code == 201, made.get_json()
    parent = made.get_json()["user"]["id"]
    assert [(action, user, changes) for action, _, _, user, changes in _rows(app, action="redeem")] == [
        ("redeem", parent, {"child_id": [None, child["id"]]})]
    # her account's own row names her too (it named no one: an account made by nobody)
    assert [(action, user) for action, _, _, user, _ in _rows(app, entity="user", record_id=parent)] == [("create", parent)]


def test_the_purges_of_the_push_ledger_and_of_expired_logins_are_audited_with_who_ran_them(app, client, world, monkeypatch):
    """``prune-sync-ledger`` deletes the answers kept to old pushes (copies of the records they wrote),
    ``purge-tokens`` the revocations and logins that expired: retention purges, run by an operator,
    that left no trace of who ran them or when (``purge-deleted-children`` leaves an ``erase`` row per
    child). A run that deletes nothing changes nothing: no row."""
    from datetime import timedelta

    from posyandu.audit import command_line_client
    from posyandu.database import utcnow
    from posyandu.extensions import db
    from posyandu.sync.models import SyncMutation
    from tests.sync.helpers import child_data, mutation, new_id, push

    push(client, world.headers("kader1"), [mutation("child", new_id(), child_data(world.ids["p1"]))])
    with app.app_context():
        db.session.execute(SyncMutation.__table__.update().values(created_at=utcnow() - timedelta(days=100)))
        db.session.commit()
    monkeypatch.setitem(app.config, "JWT_REFRESH_TOKEN_EXPIRES", timedelta(seconds=-1))
    assert client.post("/api/v1/auth/login", json={"username": "kader2", "password": PASSWORD}).status_code == 200
    for _ in range(2):   # the second run finds nothing left to delete
        for command in (["prune-sync-ledger", "--days", "90"], ["purge-tokens"]):
            result = app.test_cli_runner().invoke(args=command)
            assert result.exit_code == 0, result.output
    from posyandu.audit import AuditLog

    with app.app_context():
        rows = [(r.action, r.entity, r.user_id, r.client_id, r.reason)
                for r in db.session.scalars(select(AuditLog).where(AuditLog.action == "purge").order_by(AuditLog.id))]
    assert rows == [("purge", "sync_mutation", None, command_line_client(), "1 rows older than 90 days"),
                    ("purge", "token", None, command_line_client(), "1 expired revocations and logins")]


def test_no_audit_row_keeps_a_password_a_token_an_invitation_code_or_a_hash(app, client, world, make_child):
    """Every write that handles a secret (a login, a refused one, a password changed and reset, an
    account made with a temporary password, a code made, refused, registered with and redeemed, a
    refresh, a logout, a closed account): none of the secrets, nor their hashes, is in the audit log.
    A check (passes on the current code), over both databases."""
    from posyandu.audit import AuditLog
    from posyandu.auth.models import User
    from posyandu.extensions import db
    from posyandu.registry.models import Invitation

    admin = world.headers("admin")
    secrets = {PASSWORD, "Salah-sekali-1", "Sandi-baru-2468", "Sementara-1357", "Ibu-kuat-9753"}
    child = make_child()   # before kader1's password changes (the fixture logs her in)
    login = client.post("/api/v1/auth/login", json={"username": "kader1", "password": PASSWORD}).get_json()
    client.post("/api/v1/auth/login", json={"username": "kader1", "password": "Salah-sekali-1"})
    changed = client.post("/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": "Sandi-baru-2468"},
                          headers={"Authorization": f"Bearer {login['access_token']}"})
    assert changed.status_code == 200, changed.get_json()
    made = client.post("/api/v1/users", headers=admin, json={"username": "kader.baru", "password": "Sementara-1357",
                                                            "name": "Kader Baru", "role": "kader",
                                                            "posyandu_id": str(world.ids["p1"])})
    assert made.status_code == 201, made.get_json()
    assert client.patch(f"/api/v1/users/{made.get_json()['id']}", json={"password": "Sementara-2468"},
                        headers=admin).status_code == 200
    secrets.add("Sementara-2468")
    codes = [client.post(f"/api/v1/children/{child['id']}/invitations", headers=world.headers("kader1b")).get_json()["code"]
             for _ in range(2)]
    assert client.post("/api/v1/auth/redeem", json={"code": "ZZZZ-ZZZZ"}, headers=world.headers("parent1")).status_code == 422
    assert client.post("/api/v1/auth/redeem", json={"code": codes[0]}, headers=world.headers("parent1")).status_code == 200
    parent = client.post("/api/v1/auth/register", json={"code": codes[1], "username": "ibu.kuat",
                                                        "password": "Ibu-kuat-9753", "name": "Ibu Kuat"}).get_json()
    refreshed = client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {parent['refresh_token']}"}).get_json()
    assert client.post("/api/v1/auth/close-account", json={"password": "Ibu-kuat-9753"},
                       headers={"Authorization": f"Bearer {refreshed['access_token']}"}).status_code == 204
    assert client.post("/api/v1/auth/logout", json={"refresh_token": changed.get_json()["refresh_token"]},
                       headers={"Authorization": f"Bearer {changed.get_json()['access_token']}"}).status_code == 204
    secrets |= {*codes, *(c.replace("-", "") for c in codes), login["access_token"], login["refresh_token"],
                parent["access_token"], parent["refresh_token"], refreshed["access_token"], refreshed["refresh_token"]}
    with app.app_context():
        secrets |= set(db.session.scalars(select(User.password_hash))) | set(db.session.scalars(select(Invitation.code_hash)))
        kept = str([(r.changes, r.reason, r.record_id, r.client_id) for r in db.session.scalars(select(AuditLog))])
        actions = set(db.session.scalars(select(AuditLog.action)))
    assert {"login", "login_failed", "password_change", "create", "update", "invitation_refused", "redeem",
            "close_account", "logout"} <= actions
    assert [s[:12] for s in secrets if s in kept] == []


def test_a_parent_link_added_by_a_code_is_in_the_childs_trail_as_its_unlink_is(app, client, world, make_child):
    """A link removed (``unlink``) or moved by a merge is a ``parent_link`` row of the child, naming the
    parent; a link added by a code was only the code's ``redeem`` row, of the invitation: the child's
    trail (its id) showed a parent unlinked who was never linked. A code for a child the parent sees
    already is refused (409): no row."""
    child = make_child()

    def code():
        return client.post(f"/api/v1/children/{child['id']}/invitations", headers=world.headers("kader1")).get_json()["code"]

    parent = _me(client, world, "parent1")["id"]
    for status in (200, 409):   # the second code would link nothing new
        assert client.post("/api/v1/auth/redeem", json={"code": code()}, headers=world.headers("parent1")).status_code == status
    made = client.post("/api/v1/auth/register", json={"code": code(), "username": "ibu.dua", "password": "kuat-sekali",
                                                      "name": "Ibu Dua"})
    assert made.status_code == 201, made.get_json()
    other = made.get_json()["user"]["id"]
    assert client.delete(f"/api/v1/children/{child['id']}/parents/{parent}", headers=world.headers("kader1")).status_code == 204
    assert _rows(app, entity="parent_link", record_id=child["id"]) == [
        ("link", "parent_link", child["id"], parent, {"parent_id": [None, parent]}),
        ("link", "parent_link", child["id"], other, {"parent_id": [None, other]}),
        ("unlink", "parent_link", child["id"], _me(client, world, "kader1")["id"], {"parent_id": [parent, None]})]
