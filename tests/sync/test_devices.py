"""GET /api/v1/sync/devices: the phones that sync as the server last saw them (a push, a pull naming
the phone and what it still held unsent), each caller seeing the phones of the staff she oversees,
the longest unseen first (both databases)."""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from tests.support.paging import all_pages
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


def test_a_replaced_phone_drops_off_once_it_held_nothing_unsent(world, client):
    """A kader's new phone (or the app installed again) is a new installation: the old one, last seen
    before it, is left out when it held nothing unsent, and kept while it may hold records."""
    _pull(client, world, "kader1", client_id="old-phone", pending=2)
    _pull(client, world, "kader1", client_id="new-phone", pending=0)
    assert [d["client_id"] for d in _devices(client, world, "bidan_a")] == ["old-phone", "new-phone"]
    _pull(client, world, "kader1", client_id="new-phone", pending=0)
    _pull(client, world, "kader1", client_id="old-phone", pending=0)     # it sent its records after all
    assert [d["client_id"] for d in _devices(client, world, "bidan_a")] == ["new-phone", "old-phone"]
    # used side by side, both stay; once a newer one appears after its last sync, with nothing held, it goes
    _pull(client, world, "kader1", client_id="third-phone", pending=0)
    assert [d["client_id"] for d in _devices(client, world, "bidan_a")] == ["third-phone"]


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
