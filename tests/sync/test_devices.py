"""GET /api/v1/sync/devices: the phones that sync as the server last saw them (a push, a pull naming
the phone and what it still held unsent), each caller seeing the phones of the staff she oversees,
the longest unseen first (both databases)."""
from __future__ import annotations

import re
import uuid
from datetime import datetime
from pathlib import Path

from tests.support.paging import all_pages
from tests.conftest import PASSWORD
from tests.sync.helpers import child_data, mutation, new_id, push

PWA = Path(__file__).resolve().parents[2] / "static" / "pwa"


def _pull(client, world, username, **args):
    resp = client.get("/api/v1/sync/pull", query_string=args,
                      headers={**world.headers(username), "X-Client-Version": "pwa-test"})
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def _devices(client, world, username, limit=50):
    return all_pages(client, "/api/v1/sync/devices", world.headers(username), limit)


def _phones(world, client):
    """Each staff member's phone syncs once (push, then pull with what is left unsent); a parent's
    phone pulls; in this order, so the first is the longest unseen."""
    for username, posyandu in [("kader3", "p3"), ("kader2", "p2"), ("kader1b", "p1"), ("kader1", "p1")]:
        push(client, world.headers(username), [mutation("child", new_id(), child_data(world.ids[posyandu]))],
             client_id=f"phone-{username}")
    _pull(client, world, "kader1", client_id="phone-kader1", pending=3)
    _pull(client, world, "bidan_a", client_id="phone-bidan_a", pending=0)
    _pull(client, world, "parent1", client_id="phone-parent1", pending=0)


def test_each_caller_sees_the_phones_of_the_staff_she_oversees(world, client):
    _phones(world, client)
    seen = {who: [d["client_id"] for d in _devices(client, world, who)]
            for who in ("kader1", "kader3", "bidan_a", "bidan_b", "dinkes_gresik", "dinkes_bangkalan", "admin")}
    assert seen == {
        "kader1": ["phone-kader1b", "phone-kader1"],
        "kader3": ["phone-kader3"],
        "bidan_a": ["phone-kader2", "phone-kader1b", "phone-kader1", "phone-bidan_a"],
        "bidan_b": ["phone-kader3"],
        "dinkes_gresik": ["phone-kader2", "phone-kader1b", "phone-kader1", "phone-bidan_a"],
        "dinkes_bangkalan": ["phone-kader3"],
        "admin": ["phone-kader3", "phone-kader2", "phone-kader1b", "phone-kader1", "phone-bidan_a"],
    }   # a parent's phone is never listed, nor noted
    assert client.get("/api/v1/sync/devices", headers=world.headers("parent1")).status_code == 403
    # pages of 2 hand every phone once, in the same order
    assert [d["client_id"] for d in _devices(client, world, "admin", limit=2)] == seen["admin"]


def _never_synced(client, world, username, limit=50):
    return [u["username"] for u in all_pages(client, "/api/v1/sync/devices/never-synced", world.headers(username), limit)]


def test_the_staff_who_never_synced_are_listed_for_whoever_oversees_them(world, client):
    """The phones list names only phones that synced: a kader who never started the app was nowhere on her
    midwife's screen to chase (a QA pass). Her overseers read her among those who never synced until a phone
    of hers does; an account switched off, the caller herself, a parent or a dinkes account never."""
    admin = world.headers("admin")
    users = {u["username"]: u["id"] for u in all_pages(client, "/api/v1/users", admin, 100)}
    assert client.patch(f"/api/v1/users/{users['kader2']}", json={"active": False}, headers=admin).status_code == 200
    seen = {who: _never_synced(client, world, who) for who in ("kader1", "bidan_a", "bidan_b", "dinkes_gresik", "admin")}
    assert seen == {"kader1": ["kader1b"], "bidan_a": ["kader1", "kader1b"], "bidan_b": ["kader3"],
                    "dinkes_gresik": ["bidan_a", "kader1", "kader1b"],
                    "admin": ["bidan_a", "bidan_b", "kader1", "kader1b", "kader3"]}, seen
    push(client, world.headers("kader1b"), [mutation("child", new_id(), child_data(world.ids["p1"]))], client_id="phone-1b")
    assert _never_synced(client, world, "bidan_a") == ["kader1"]
    assert _never_synced(client, world, "admin", limit=2) == ["bidan_a", "bidan_b", "kader1", "kader3"]  # pages of 2
    [one] = all_pages(client, "/api/v1/sync/devices/never-synced", world.headers("bidan_b"), 50)
    assert one == {"user_id": users["kader3"], "user_name": one["user_name"], "username": "kader3", "role": "kader",
                   "posyandu_id": str(world.ids["p3"])}
    assert client.get("/api/v1/sync/devices/never-synced", headers=world.headers("parent1")).status_code == 403


def test_a_kader_made_a_midwife_keeps_no_posyandu_nor_a_place_on_its_phones_list(world, client):
    """A user's scope fields follow her role: a kader made a bidan (of another puskesmas) drops her
    posyandu, so her phone is listed for her new puskesmas, no longer among her old posyandu's kader."""
    _pull(client, world, "kader1b", client_id="phone-kader1b")
    pkm_b = str(world.ids["pkm_b"])
    users = client.get("/api/v1/users?limit=100", headers=world.headers("admin")).get_json()["items"]
    kader1b = next(u["id"] for u in users if u["username"] == "kader1b")
    made = client.patch(f"/api/v1/users/{kader1b}", json={"role": "bidan", "puskesmas_id": pkm_b},
                        headers=world.headers("admin"))
    assert made.status_code == 200, made.get_json()
    assert (made.get_json()["posyandu_id"], made.get_json()["puskesmas_id"]) == (None, pkm_b)
    assert "phone-kader1b" not in [d["client_id"] for d in _devices(client, world, "kader1")]
    assert "phone-kader1b" in [d["client_id"] for d in _devices(client, world, "bidan_b")]


def test_a_phone_is_described_by_its_last_push_and_pull(world, client):
    _phones(world, client)
    by_id = {d["client_id"]: d for d in _devices(client, world, "bidan_a")}
    k1, k2 = by_id["phone-kader1"], by_id["phone-kader2"]
    assert (k1["username"], k1["user_name"], k1["role"], k1["posyandu_id"]) == (
        "kader1", "Kader1", "kader", str(world.ids["p1"]))
    assert k1["pending_changes"] == 3 and k1["app_version"] == "pwa-test"
    assert k1["last_push_at"] and k1["last_pull_at"] and k1["last_seen_at"] == k1["last_pull_at"]
    assert datetime.fromisoformat(k1["last_pull_at"]) >= datetime.fromisoformat(k1["last_push_at"])
    # kader2's phone only pushed: nothing said about what it holds, never pulled
    assert k2["pending_changes"] is None and k2["last_pull_at"] is None and k2["last_seen_at"] == k2["last_push_at"]
    assert by_id["phone-bidan_a"]["last_push_at"] is None and by_id["phone-bidan_a"]["pending_changes"] == 0
    # the next sync that has sent everything says 0; a pull naming no phone notes nothing
    _pull(client, world, "kader1", client_id="phone-kader1", pending=0)
    _pull(client, world, "kader1b")
    again = {d["client_id"]: d for d in _devices(client, world, "bidan_a")}
    assert again["phone-kader1"]["pending_changes"] == 0
    assert again["phone-kader1"]["last_seen_at"] > k1["last_seen_at"]
    assert again["phone-kader1b"] == by_id["phone-kader1b"]
    assert [d["client_id"] for d in _devices(client, world, "bidan_a")][-1] == "phone-kader1"   # seen last


def test_another_user_naming_a_phone_changes_nothing_of_it(world, client):
    """The PWA keeps one installation id per user. A colleague's pull naming a phone that holds
    records, with "nothing unsent", made it look synced and empty until its owner synced again."""
    _phones(world, client)
    before = {d["client_id"]: d for d in _devices(client, world, "bidan_a")}["phone-kader1"]
    _pull(client, world, "kader1b", client_id="phone-kader1", pending=0)
    push(client, world.headers("kader2"), [mutation("child", new_id(), child_data(world.ids["p2"]))],
         client_id="phone-kader1")
    after = {d["client_id"]: d for d in _devices(client, world, "bidan_a")}["phone-kader1"]
    assert after == before and after["pending_changes"] == 3 and after["username"] == "kader1"


def _login(client, username):
    """A login of its own, as each phone makes: {"access", "refresh", "headers"}."""
    resp = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    return {"access": body["access_token"], "refresh": body["refresh_token"],
            "headers": {"Authorization": f"Bearer {body['access_token']}", "Accept-Language": "en"}}


def _pull_as(client, phone, client_id, pending=0):
    resp = client.get("/api/v1/sync/pull", query_string={"client_id": client_id, "pending": pending},
                      headers=phone["headers"])
    assert resp.status_code == 200, resp.get_json()


def test_a_replaced_phone_drops_off_once_it_held_nothing_unsent_and_its_login_ended(world, client):
    """A kader's new phone (or the app installed again) is a new installation with a login of its own: the
    old one, last seen before it, is left out when it holds nothing unsent and its login has ended (logged
    out, signed out, expired); kept while it may hold records, or may still be used by whoever holds it."""
    old, new, third = _login(client, "kader1"), _login(client, "kader1"), _login(client, "kader1")
    _pull_as(client, old, "old-phone", pending=2)
    _pull_as(client, new, "new-phone")
    listed = _devices(client, world, "bidan_a")
    assert [(d["client_id"], d["replaced"]) for d in listed] == [("old-phone", True), ("new-phone", False)]
    _pull_as(client, new, "new-phone")
    _pull_as(client, old, "old-phone")     # it sent its records after all
    assert [d["client_id"] for d in _devices(client, world, "bidan_a")] == ["new-phone", "old-phone"]
    # used side by side, both stay; once a newer one appears after their last sync, both are replaced
    _pull_as(client, third, "third-phone")
    assert [(d["client_id"], d["replaced"]) for d in _devices(client, world, "bidan_a")] == [
        ("new-phone", True), ("old-phone", True), ("third-phone", False)]   # their logins still work
    assert client.post("/api/v1/auth/logout", json={"refresh_token": old["refresh"]},
                       headers=old["headers"]).status_code in (200, 204)
    assert [d["client_id"] for d in _devices(client, world, "bidan_a")] == ["new-phone", "third-phone"]
    signed_out = client.post("/api/v1/sync/devices/new-phone/sign-out", headers=world.headers("bidan_a"))
    assert signed_out.status_code == 200, signed_out.get_json()
    assert [d["client_id"] for d in _devices(client, world, "bidan_a")] == ["third-phone"]


def test_a_midwife_signs_out_a_lost_phone_and_only_that_phone(app, world, client):
    """A kader's phone is lost with her login on it: her midwife ends that login alone. The phone's
    tokens are refused from then on (access and refresh), her other phone keeps working, the phone stays
    listed as signed out until she logs in on it again, and the sign-out is audited."""
    lost, kept = _login(client, "kader1"), _login(client, "kader1")
    _pull_as(client, lost, "lost-phone", pending=2)
    _pull_as(client, kept, "kept-phone")
    resp = client.post("/api/v1/sync/devices/lost-phone/sign-out", headers=world.headers("bidan_a"))
    assert resp.status_code == 200, resp.get_json()
    described = resp.get_json()
    assert (described["client_id"], described["username"], described["pending_changes"]) == ("lost-phone", "kader1", 2)
    assert described["signed_out_at"]
    # said as such, not "log in again" alone: the phone forgets that login and its data unless something is unsent
    for refused in (client.get("/api/v1/auth/me", headers=lost["headers"]),
                    client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {lost['refresh']}"})):
        assert refused.status_code == 401 and refused.get_json()["type"].endswith("/device_signed_out"), refused.get_json()
    assert client.get("/api/v1/sync/pull", query_string={"client_id": "lost-phone"},
                      headers=lost["headers"]).status_code == 401
    assert client.get("/api/v1/auth/me", headers=kept["headers"]).status_code == 200
    assert client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {kept['refresh']}"}).status_code == 200
    listed = {d["client_id"]: d for d in _devices(client, world, "bidan_a")}
    assert listed["lost-phone"]["signed_out_at"] == described["signed_out_at"]
    assert listed["kept-phone"]["signed_out_at"] is None
    # a second tap changes nothing: the same answer, one audit row
    again = client.post("/api/v1/sync/devices/lost-phone/sign-out", headers=world.headers("bidan_a"))
    assert again.status_code == 200 and again.get_json() == described
    with app.app_context():
        from sqlalchemy import select

        from posyandu.audit import AuditLog
        from posyandu.extensions import db
        rows = db.session.scalars(select(AuditLog).where(AuditLog.action == "device_signed_out")).all()
        assert [(r.record_id, str(r.user_id)) for r in rows] == [(_user_id(client, world, "kader1"),
                                                                 _user_id(client, world, "bidan_a"))]
        assert "lost-phone" in rows[0].reason
    # a login ended by a logout is only "log in again"
    assert client.post("/api/v1/auth/logout", json={"refresh_token": kept["refresh"]}, headers=kept["headers"]).status_code == 204
    assert client.get("/api/v1/auth/me", headers=kept["headers"]).get_json()["type"].endswith("/token_revoked")
    # found again: she logs in on it, syncs, and it is hers again, its records sent
    found = _login(client, "kader1")
    _pull_as(client, found, "lost-phone")
    assert {d["client_id"]: d for d in _devices(client, world, "bidan_a")}["lost-phone"]["signed_out_at"] is None


def test_who_may_sign_out_a_phone(app, world, client):
    """A midwife or admin signs out the phones listed to her; a kader her own only (403 for a colleague's);
    a phone not listed to the caller, or no phone at all, is 404; dinkes and parents sign out none."""
    phones = {name: _login(client, name) for name in ("kader1", "kader1b", "kader3")}
    for name, phone in phones.items():
        _pull_as(client, phone, f"phone-{name}")

    def sign_out(client_id, who):
        return client.post(f"/api/v1/sync/devices/{client_id}/sign-out", headers=world.headers(who)).status_code

    assert sign_out("phone-kader1", "kader1b") == 403     # her colleague's phone, listed to her
    assert sign_out("phone-kader1", "bidan_b") == 404     # another puskesmas's
    assert sign_out("phone-kader1", "dinkes_gresik") == 403
    assert sign_out("phone-kader1", "parent1") == 403
    assert sign_out("no-such-phone", "admin") == 404
    assert sign_out("x" * 65, "admin") == 404
    assert client.post("/api/v1/sync/devices/phone-kader1/sign-out").status_code == 401
    assert client.get("/api/v1/auth/me", headers=phones["kader1"]["headers"]).status_code == 200   # nothing ended
    assert sign_out("phone-kader1b", "kader1b") == 200    # her own (from another phone: here the tests' login)
    assert sign_out("phone-kader3", "admin") == 200
    assert sign_out("phone-kader1", "bidan_a") == 200
    for phone in phones.values():
        assert client.get("/api/v1/auth/me", headers=phone["headers"]).status_code == 401
    # a phone seen before logins were noted cannot be signed out alone: the answer says what to do instead
    _pull(client, world, "kader2", client_id="phone-kader2")
    with app.app_context():
        from sqlalchemy import update

        from posyandu.extensions import db
        from posyandu.sync.models import SyncClient
        db.session.execute(update(SyncClient).where(SyncClient.client_id == "phone-kader2").values(token_family_id=None))
        db.session.commit()
    resp = client.post("/api/v1/sync/devices/phone-kader2/sign-out", headers=world.headers("bidan_a", lang="id"))
    assert resp.status_code == 409 and "kata sandi" in resp.get_json()["detail"], resp.get_json()


def test_a_closed_posyandu_kaders_phone_is_still_overseen(world, client):
    """Her posyandu closed (she was switched off first), a kader's phone may still hold its records:
    her midwife still sees it, and that the account is off."""
    _pull(client, world, "kader2", client_id="phone-kader2", pending=4)
    off = client.patch(f"/api/v1/users/{_user_id(client, world, 'kader2')}", json={"active": False},
                       headers=world.headers("admin"))
    assert off.status_code == 200, off.get_json()
    resp = client.delete(f"/api/v1/posyandu/{world.ids['p2']}", headers=world.headers("admin"))
    assert resp.status_code == 204, resp.get_json()
    assert [(d["client_id"], d["user_active"]) for d in _devices(client, world, "bidan_a")] == [("phone-kader2", False)]
    assert [d["client_id"] for d in _devices(client, world, "dinkes_gresik")] == ["phone-kader2"]


def test_a_cursor_names_its_instant_in_any_offset(app, world, client):
    """The cursor's instant was compared as written: on SQLite, which keeps no offset, a cursor at
    17:00+07:00 (10:00Z) skipped a phone seen at 12:00Z."""
    from posyandu.pagination import encode_cursor

    _phones(world, client)
    listed = _devices(client, world, "admin")
    first = listed[0]
    at = datetime.fromisoformat(first["last_seen_at"])
    for offset in ("+00:00", "+07:00", "-05:00"):
        shifted = at.astimezone(datetime.strptime(offset, "%z").tzinfo).isoformat()
        with app.app_context():
            cursor = encode_cursor([shifted, first["client_id"]])
        resp = client.get("/api/v1/sync/devices", query_string={"cursor": cursor}, headers=world.headers("admin"))
        assert resp.status_code == 200, resp.get_json()
        assert [d["client_id"] for d in resp.get_json()["items"]] == [d["client_id"] for d in listed[1:]], offset


def test_bad_device_arguments_are_422(world, client):
    for args in ({"client_id": "x", "pending": -1}, {"client_id": "x" * 65}, {"client_id": "x", "pending": "banyak"},
                 {"client_id": "a\x00b"}):
        resp = client.get("/api/v1/sync/pull", query_string=args, headers=world.headers("kader1"))
        assert resp.status_code == 422 and resp.content_type == "application/problem+json", args
    resp = client.get("/api/v1/sync/devices", query_string={"cursor": "bukan-kursor"}, headers=world.headers("admin"))
    assert resp.status_code == 422 and "cursor" in resp.get_json()["errors"]


def _user_id(client, world, username):
    users = client.get("/api/v1/users?limit=100", headers=world.headers("admin")).get_json()["items"]
    return next(u["id"] for u in users if u["username"] == username)


def test_a_switched_off_kaders_phone_says_her_account_is_off(world, client):
    """A kader switched off with records still on her phone: her token is refused, so the phone can
    send nothing until an admin switches the account on again. The midwife's list said only that it
    held records, as for a kader who had not synced yet; it now says the account is off."""
    _pull(client, world, "kader1", client_id="phone-kader1", pending=3)
    _pull(client, world, "kader1b", client_id="phone-kader1b", pending=0)
    kader1 = _user_id(client, world, "kader1")
    off = client.patch(f"/api/v1/users/{kader1}", json={"active": False}, headers=world.headers("admin"))
    assert off.status_code == 200, off.get_json()
    listed = {d["client_id"]: d for d in _devices(client, world, "bidan_a")}
    assert (listed["phone-kader1"]["user_active"], listed["phone-kader1"]["pending_changes"]) == (False, 3)
    assert listed["phone-kader1b"]["user_active"] is True
    on = client.patch(f"/api/v1/users/{kader1}", json={"active": True}, headers=world.headers("admin"))
    assert on.status_code == 200, on.get_json()
    assert {d["client_id"]: d for d in _devices(client, world, "bidan_a")}["phone-kader1"]["user_active"] is True


def test_a_phone_running_an_older_app_than_the_one_served_is_told_apart(world, client):
    """X-Client-Version is `pwa-<VERSION>`, the shell files' hash that sw.js carries: a phone that last
    synced with another one runs an older app (it updates when opened with signal)."""
    served = re.search(r"^const VERSION = '(\w+)';$", (PWA / "sw.js").read_text(), re.M).group(1)
    for client_id, user, version in [("phone-new", "kader1", f"pwa-{served}"), ("phone-old", "kader1b", "pwa-1"),
                                     ("phone-none", "kader2", None)]:
        headers = {**world.headers(user), **({"X-Client-Version": version} if version else {})}
        assert client.get("/api/v1/sync/pull", query_string={"client_id": client_id}, headers=headers).status_code == 200
    by_id = {d["client_id"]: d for d in _devices(client, world, "bidan_a")}
    assert {c: (by_id[c]["app_version"], by_id[c]["app_current"]) for c in ("phone-new", "phone-old", "phone-none")} == {
        "phone-new": (f"pwa-{served}", True), "phone-old": ("pwa-1", False), "phone-none": (None, None)}


def test_a_replaced_phone_seen_before_logins_were_noted_stays_while_its_login_may_still_work(app, world, client):
    """A phone last synced before the server noted logins names none: replaced by a newer one, it was taken
    for signed out and dropped off the list while its login still worked. It stays while a login made before
    its last sync may still be open (REFRESH_TOKEN_DAYS), then drops off."""
    from datetime import timedelta

    from sqlalchemy import update

    from posyandu.database import utcnow
    from posyandu.extensions import db
    from posyandu.sync.models import SyncClient

    old, new = _login(client, "kader1"), _login(client, "kader1")
    _pull_as(client, old, "old-phone")
    _pull_as(client, new, "new-phone")

    def last_seen(days_ago):
        with app.app_context():
            then = utcnow() - timedelta(days=days_ago)
            db.session.execute(update(SyncClient).where(SyncClient.client_id == "old-phone").values(
                token_family_id=None, first_seen=then, last_seen_at=then))
            db.session.commit()
        return [(d["client_id"], d["replaced"]) for d in _devices(client, world, "bidan_a")]

    assert last_seen(5) == [("old-phone", True), ("new-phone", False)]
    assert app.config["JWT_REFRESH_TOKEN_EXPIRES"] == timedelta(days=30)
    assert last_seen(31) == [("new-phone", False)]


def test_a_signed_out_phones_tokens_say_so_after_they_expire_too(app, world, client):
    """A login signed out days before its 30 days ran out: after them its tokens answered token_expired, so the
    phone only asked to log in again and kept everything, PIN and all. Expired or not, they say it was signed out."""
    import base64
    import json as jsonlib
    from datetime import timedelta

    from flask_jwt_extended import create_access_token

    lost = _login(client, "kader1")
    _pull_as(client, lost, "lost-phone")
    assert client.post("/api/v1/sync/devices/lost-phone/sign-out", headers=world.headers("bidan_a")).status_code == 200
    claims = jsonlib.loads(base64.urlsafe_b64decode(lost["access"].split(".")[1] + "=="))
    with app.app_context():
        from posyandu.auth.models import User
        from posyandu.extensions import db

        user = db.session.get(User, uuid.UUID(claims["sub"]))
        expired = create_access_token(user, expires_delta=timedelta(seconds=-60), additional_claims={
            k: claims[k] for k in ("role", "sv", "cv", "fam")})
    resp = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {expired}"})
    assert resp.status_code == 401 and resp.get_json()["type"].endswith("/device_signed_out"), resp.get_json()
    # another login's expired token is only expired
    other = _login(client, "kader1")
    claims = jsonlib.loads(base64.urlsafe_b64decode(other["access"].split(".")[1] + "=="))
    with app.app_context():
        user = db.session.get(User, uuid.UUID(claims["sub"]))
        expired = create_access_token(user, expires_delta=timedelta(seconds=-60), additional_claims={
            k: claims[k] for k in ("role", "sv", "cv", "fam")})
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {expired}"}).get_json()["type"].endswith(
        "/token_expired")
