"""Who sees a child as its parent, and the codes that still open it: listed, revoked and unlinked by the
posyandu's health workers, within their scope; a parent may unlink only themselves (both databases)."""
from __future__ import annotations

import uuid

from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.support.paging import all_pages
from tests.sync.helpers import pull_all


def _invite(client, world, child_id, by="kader1"):
    resp = client.post(f"/api/v1/children/{child_id}/invitations", headers=world.headers(by))
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["code"]


def _redeem(client, world, code, username="parent1"):
    return client.post("/api/v1/auth/redeem", json={"code": code}, headers=world.headers(username))


def _user_id(world, username):
    from posyandu.auth.models import User
    from posyandu.extensions import db

    with world.app.app_context():
        return str(db.session.scalar(select(User.id).where(User.username == username)))


def _audit(world, action, entity):
    from posyandu.audit import AuditLog
    from posyandu.extensions import db

    with world.app.app_context():
        return [(row.record_id, row.changes, row.kabupaten_code) for row in db.session.scalars(
            select(AuditLog).where(AuditLog.action == action, AuditLog.entity == entity))]


def test_open_codes_are_listed_without_the_code_and_a_revoked_one_no_longer_works(client, world, make_child):
    child = make_child()
    first, second = _invite(client, world, child["id"]), _invite(client, world, child["id"], by="bidan_a")
    listed = client.get(f"/api/v1/children/{child['id']}/invitations", headers=world.headers("kader1b"))
    assert listed.status_code == 200, listed.get_json()
    items = listed.get_json()["items"]
    assert [i["created_by_name"] for i in items] == ["Bidan_A", "Kader1"]     # newest first
    assert all(first.replace("-", "") not in str(i) and second.replace("-", "") not in str(i) for i in items)
    # revoking the bidan's code: that code is refused, the kader's still links
    gone = client.delete(f"/api/v1/children/{child['id']}/invitations/{items[0]['id']}", headers=world.headers("kader1"))
    assert gone.status_code == 204
    refused = _redeem(client, world, second)
    assert refused.status_code == 422 and refused.get_json()["type"].endswith("/invitation_invalid")
    assert _redeem(client, world, first).status_code == 200
    # a used or revoked code is no longer open: listed no more, revoking again is 404
    assert client.get(f"/api/v1/children/{child['id']}/invitations", headers=world.headers("kader1")).get_json()["items"] == []
    again = client.delete(f"/api/v1/children/{child['id']}/invitations/{items[0]['id']}", headers=world.headers("kader1"))
    assert again.status_code == 404 and again.content_type == "application/problem+json"
    [(record_id, changes, kabupaten)] = _audit(world, "revoke", "invitation")
    assert record_id == items[0]["id"] and list(changes) == ["expires_at"] and kabupaten == "35.25"
    # making and using a code are in the child's region's audit trail as well
    assert [k for _, _, k in _audit(world, "create", "invitation")] == ["35.25", "35.25"]
    assert [k for _, _, k in _audit(world, "redeem", "invitation")] == ["35.25"]


def test_a_new_code_answers_its_id_in_the_open_codes_so_the_one_just_given_can_be_revoked(client, world, make_child):
    """The code is shown once; its id (the open codes' and the revoke's) comes with it, so the screen
    that shows the code names it in the list and forgets it once revoked (it had no way to tell it)."""
    child = make_child()
    made = client.post(f"/api/v1/children/{child['id']}/invitations", headers=world.headers("kader1")).get_json()
    older = _invite(client, world, child["id"], by="bidan_a")
    listed = client.get(f"/api/v1/children/{child['id']}/invitations", headers=world.headers("kader1")).get_json()["items"]
    assert made["id"] in [i["id"] for i in listed] and made["id"] == listed[-1]["id"]
    assert client.delete(f"/api/v1/children/{child['id']}/invitations/{made['id']}",
                         headers=world.headers("kader1")).status_code == 204
    assert _redeem(client, world, made["code"]).status_code == 422
    assert _redeem(client, world, older).status_code == 200


def test_codes_and_parents_are_managed_only_within_the_callers_scope(client, world, make_child, link_parent):
    child = make_child()
    link_parent(child["id"])
    _invite(client, world, child["id"])
    # the code parent1 used is not open any more; the new one is
    [open_code] = client.get(f"/api/v1/children/{child['id']}/invitations", headers=world.headers("kader1")).get_json()["items"]
    parent_id = _user_id(world, "parent1")
    paths = [f"/api/v1/children/{child['id']}/invitations", f"/api/v1/children/{child['id']}/parents"]
    for outsider in ("kader2", "kader3", "bidan_b"):     # another posyandu, another kabupaten: the child is not there
        for path in paths:
            assert client.get(path, headers=world.headers(outsider)).status_code == 404, (outsider, path)
        assert client.delete(f"{paths[0]}/{open_code['id']}", headers=world.headers(outsider)).status_code == 404
        assert client.delete(f"{paths[1]}/{parent_id}", headers=world.headers(outsider)).status_code == 404
    for role_without in ("dinkes_gresik", "parent1"):
        for path in paths:
            assert client.get(path, headers=world.headers(role_without)).status_code == 403, (role_without, path)
        assert client.delete(f"{paths[0]}/{open_code['id']}", headers=world.headers(role_without)).status_code == 403
    # an invitation of another child cannot be revoked through this one
    other = make_child(name="Anak Lain")
    assert client.delete(f"/api/v1/children/{other['id']}/invitations/{open_code['id']}",
                         headers=world.headers("kader1")).status_code == 404
    # nothing was changed by any of those
    assert [p["user_id"] for p in client.get(paths[1], headers=world.headers("bidan_a")).get_json()["items"]] == [parent_id]
    assert [i["id"] for i in client.get(paths[0], headers=world.headers("bidan_a")).get_json()["items"]] == [open_code["id"]]


def test_an_unlinked_parent_no_longer_sees_the_child_and_their_phone_drops_it(client, world, make_child, link_parent):
    mine, theirs = make_child(name="Anak Saya"), make_child(name="Anak Tetangga")
    link_parent(mine["id"])
    link_parent(theirs["id"])      # linked by mistake
    parent_id = _user_id(world, "parent1")
    listed = client.get(f"/api/v1/children/{theirs['id']}/parents", headers=world.headers("kader1")).get_json()["items"]
    assert [(p["user_id"], p["username"], p["name"], p["active"]) for p in listed] == [
        (parent_id, "parent1", "Parent1", True)]
    changes, cursor, _ = pull_all(client, world.headers("parent1"))
    assert {c["id"] for c in changes if c["entity"] == "child"} == {mine["id"], theirs["id"]}

    resp = client.delete(f"/api/v1/children/{theirs['id']}/parents/{parent_id}", headers=world.headers("kader1"))
    assert resp.status_code == 204
    assert client.get(f"/api/v1/children/{theirs['id']}", headers=world.headers("parent1")).status_code == 404
    assert [c["id"] for c in client.get("/api/v1/children", headers=world.headers("parent1")).get_json()["items"]] == [
        mine["id"]]
    assert client.get(f"/api/v1/children/{theirs['id']}/parents", headers=world.headers("kader1")).get_json()["items"] == []
    # the phone's pulled copy no longer fits: it starts again, with only the parent's own child
    changes, _, reset = pull_all(client, world.headers("parent1"), cursor)
    assert reset is True and {c["id"] for c in changes if c["entity"] == "child"} == {mine["id"]}
    [(record_id, changes, kabupaten)] = _audit(world, "unlink", "parent_link")
    assert record_id == theirs["id"] and changes == {"parent_id": [parent_id, None]} and kabupaten == "35.25"
    # unlinking again: not linked, 404
    assert client.delete(f"/api/v1/children/{theirs['id']}/parents/{parent_id}",
                         headers=world.headers("kader1")).status_code == 404


def test_a_parent_may_unlink_themselves_and_no_one_else(client, world, make_child, link_parent):
    child = make_child()
    link_parent(child["id"])
    other = client.post("/api/v1/auth/register", json={"code": _invite(client, world, child["id"]),
                                                       "username": "ibu.lain", "password": "kuat-sekali",
                                                       "name": "Ibu Lain"})
    assert other.status_code == 201
    other_id, parent_id = other.get_json()["user"]["id"], _user_id(world, "parent1")
    assert client.delete(f"/api/v1/children/{child['id']}/parents/{other_id}",
                         headers=world.headers("parent1")).status_code == 404
    assert client.delete(f"/api/v1/children/{child['id']}/parents/{parent_id}",
                         headers=world.headers("parent1")).status_code == 204
    assert client.get(f"/api/v1/children/{child['id']}", headers=world.headers("parent1")).status_code == 404
    assert [p["user_id"] for p in client.get(f"/api/v1/children/{child['id']}/parents",
                                             headers=world.headers("kader1")).get_json()["items"]] == [other_id]


def test_switching_off_an_account_revokes_the_codes_it_made(client, world, make_child):
    child = make_child()
    by_kader, by_other = _invite(client, world, child["id"]), _invite(client, world, child["id"], by="kader1b")
    kader1 = _user_id(world, "kader1")
    resp = client.patch(f"/api/v1/users/{kader1}", json={"active": False}, headers=world.headers("admin"))
    assert resp.status_code == 200, resp.get_json()
    assert _redeem(client, world, by_kader).status_code == 422
    assert _redeem(client, world, by_other).status_code == 200
    assert [rid for rid, _, _ in _audit(world, "revoke", "invitation")] == _invitation_ids(world, kader1)


def test_moving_a_kader_or_changing_her_role_revokes_the_codes_she_made_for_children_she_no_longer_sees(
        client, world, make_child):
    """Before, only switching the account off did: a kader moved to another posyandu (or made a bidan
    elsewhere, or a parent) could still hand out a working code she had made for a child of her old
    posyandu. A change that keeps the child in her sight (made the bidan of its puskesmas) keeps it."""
    child, other = make_child(), make_child(name="Anak Lain")
    kept, moved_away = _invite(client, world, child["id"], by="kader1b"), _invite(client, world, child["id"])
    kader1, kader1b = _user_id(world, "kader1"), _user_id(world, "kader1b")
    admin = world.headers("admin")
    resp = client.patch(f"/api/v1/users/{kader1}", json={"posyandu_id": str(world.ids["p3"])}, headers=admin)
    assert resp.status_code == 200, resp.get_json()
    assert _redeem(client, world, moved_away).status_code == 422
    assert [rid for rid, _, _ in _audit(world, "revoke", "invitation")] == _invitation_ids(world, kader1)
    # made the bidan of the puskesmas the child belongs to: she still sees it, her code still opens it
    resp = client.patch(f"/api/v1/users/{kader1b}", json={"role": "bidan", "puskesmas_id": str(world.ids["pkm_a"])},
                        headers=admin)
    assert resp.status_code == 200, resp.get_json()
    assert _redeem(client, world, kept).status_code == 200
    # made a parent: she sees no child, no code of hers opens one
    last = _invite(client, world, other["id"], by="kader1b")
    resp = client.patch(f"/api/v1/users/{kader1b}", json={"role": "parent"}, headers=admin)
    assert resp.status_code == 200, resp.get_json()
    assert _redeem(client, world, last).status_code == 422


def test_moving_a_child_or_her_posyandu_revokes_the_codes_of_those_who_no_longer_see_her(client, world, make_child):
    """The mirror of a kader moved: a child moved to another posyandu kept the codes her old kader had
    made, and the kader (or whoever she gave one to) could still open the record she no longer sees.
    Those of a maker who still sees the child (the bidan of both posyandu) keep working."""
    admin = world.headers("admin")
    child = make_child(name="Anak Pindah")
    by_kader, by_bidan = _invite(client, world, child["id"]), _invite(client, world, child["id"], by="bidan_a")
    resp = client.patch(f"/api/v1/children/{child['id']}", json={"posyandu_id": str(world.ids["p2"])}, headers=admin)
    assert resp.status_code == 200, resp.get_json()
    assert _redeem(client, world, by_kader).status_code == 422
    assert [rid for rid, _, _ in _audit(world, "revoke", "invitation")] == _invitation_ids(world, _user_id(world, "kader1"))
    # her posyandu taken over by another puskesmas: the first puskesmas's bidan no longer sees her
    by_kader2 = _invite(client, world, child["id"], by="kader2")
    resp = client.patch(f"/api/v1/posyandu/{world.ids['p2']}", json={"puskesmas_id": str(world.ids["pkm_b"])},
                        headers=admin)
    assert resp.status_code == 200, resp.get_json()
    assert _redeem(client, world, by_bidan).status_code == 422
    assert _redeem(client, world, by_kader2).status_code == 200


def _invitation_ids(world, created_by):
    import uuid

    from posyandu.extensions import db
    from posyandu.registry.models import Invitation

    with world.app.app_context():
        return [str(i) for i in db.session.scalars(select(Invitation.id)
                                                   .where(Invitation.created_by == uuid.UUID(created_by)))]


def test_a_code_open_for_a_duplicate_merged_away_is_listed_and_revoked_at_the_child_that_stands(client, world,
                                                                                                make_child):
    """A merge moved the parents' links but not the codes: a code still open for the duplicate opened
    the child that stands, yet was listed under neither child and could not be revoked."""
    winner, loser = make_child(name="Anak Tetap"), make_child(name="Anak Ganda")
    code = _invite(client, world, loser["id"])
    merged = client.post(f"/api/v1/children/{winner['id']}/merge", json={"duplicate_id": loser["id"]},
                         headers=world.headers("bidan_a"))
    assert merged.status_code == 200, merged.get_json()
    [listed] = client.get(f"/api/v1/children/{winner['id']}/invitations", headers=world.headers("kader1")).get_json()["items"]
    assert listed["child_id"] == winner["id"]
    assert client.get(f"/api/v1/children/{loser['id']}/invitations", headers=world.headers("kader1")).status_code == 404
    assert client.delete(f"/api/v1/children/{winner['id']}/invitations/{listed['id']}",
                         headers=world.headers("kader1")).status_code == 204
    assert _redeem(client, world, code).status_code == 422
    [(record_id, changes, _)] = _audit(world, "merge", "invitation")
    assert record_id == listed["id"] and changes == {"child_id": [loser["id"], winner["id"]]}


def test_a_code_a_merge_moves_to_a_child_its_maker_does_not_see_stops_working(client, world, make_child):
    """A merge across posyandu moved the duplicate's open codes to the child that stands, those made by a
    kader of the duplicate's posyandu too: she does not see that child, yet her code still opened it (a
    transfer revokes such codes, test above). Revoked, audited; a code of a maker who sees it still works."""
    winner = make_child(name="Anak Tetap")
    loser = make_child(by="kader2", posyandu="p2", name="Anak Tetap")
    by_kader2, by_bidan = _invite(client, world, loser["id"], by="kader2"), _invite(client, world, loser["id"], by="bidan_a")
    merged = client.post(f"/api/v1/children/{winner['id']}/merge", json={"duplicate_id": loser["id"]},
                         headers=world.headers("bidan_a"))
    assert merged.status_code == 200, merged.get_json()
    assert client.get(f"/api/v1/children/{winner['id']}", headers=world.headers("kader2")).status_code == 404
    assert _redeem(client, world, by_kader2).status_code == 422
    assert [rid for rid, _, _ in _audit(world, "revoke", "invitation")] == _invitation_ids(world, _user_id(world, "kader2"))
    assert [i["created_by_name"] for i in client.get(f"/api/v1/children/{winner['id']}/invitations",
                                                     headers=world.headers("bidan_a")).get_json()["items"]] == ["Bidan_A"]
    assert _redeem(client, world, by_bidan).status_code == 200


def test_a_parent_of_a_duplicate_merged_away_sees_the_child_that_stands_and_the_link_is_audited(
        client, world, make_child, link_parent):
    """A merge links the duplicate's parents to the child that stands: a new way into a child's record,
    written without an audit row (a redeem and an unlink have theirs)."""
    winner, loser = make_child(name="Anak Tetap"), make_child(name="Anak Ganda")
    link_parent(loser["id"])
    merged = client.post(f"/api/v1/children/{winner['id']}/merge", json={"duplicate_id": loser["id"]},
                         headers=world.headers("bidan_a"))
    assert merged.status_code == 200, merged.get_json()
    assert client.get(f"/api/v1/children/{winner['id']}", headers=world.headers("parent1")).status_code == 200
    parent_id = _user_id(world, "parent1")
    assert _audit(world, "merge", "parent_link") == [(winner["id"], {"parent_id": [None, parent_id]}, "35.25"),
                                                     (loser["id"], {"parent_id": [parent_id, None]}, "35.25")]


def test_a_merge_moves_the_parents_links_and_their_phones_no_longer_pull_the_duplicate(
        client, world, make_child, link_parent):
    """A merge copied the duplicate's parent links to the child that stands and left the old ones: once
    unlinked from the child that stands (the only link a health worker sees), the parent's phones still
    pulled the duplicate's name, mother and phone number. The links move; the phones start again with
    the child that stands, and after an unlink hold no child."""
    from posyandu.extensions import db
    from posyandu.registry.models import ParentLink

    winner = make_child(name="Putri", sex="F")
    loser = make_child(name="Putri", sex="F", mother_name="Ibu Sari", guardian_phone="081234567890")
    link_parent(loser["id"])
    _, cursor, _ = pull_all(client, world.headers("parent1"))
    merged = client.post(f"/api/v1/children/{winner['id']}/merge", json={"duplicate_id": loser["id"]},
                         headers=world.headers("bidan_a"))
    assert merged.status_code == 200, merged.get_json()
    with world.app.app_context():
        assert [str(c) for c in db.session.scalars(select(ParentLink.child_id))] == [winner["id"]]
    changes, cursor, reset = pull_all(client, world.headers("parent1"), cursor)
    assert reset is True
    assert {(c["id"], c["op"]) for c in changes if c["entity"] == "child"} == {(winner["id"], "upsert")}
    parent_id = _user_id(world, "parent1")
    assert client.delete(f"/api/v1/children/{winner['id']}/parents/{parent_id}",
                         headers=world.headers("kader1")).status_code == 204
    assert client.get("/api/v1/children", headers=world.headers("parent1")).get_json()["items"] == []
    for start in (cursor, None):
        changes, _, _ = pull_all(client, world.headers("parent1"), start)
        assert [c for c in changes if c["entity"] == "child" and c["record"]] == []


def test_a_link_a_merge_left_to_the_duplicate_before_is_not_pulled(client, world, make_child, link_parent):
    """Merges before links moved left them to the duplicate too: the parent's phones do not pull it."""
    from posyandu.extensions import db
    from posyandu.registry.models import ParentLink

    winner = make_child(name="Putri", sex="F")
    loser = make_child(name="Putri", sex="F", mother_name="Ibu Sari", guardian_phone="081234567890")
    link_parent(loser["id"])
    assert client.post(f"/api/v1/children/{winner['id']}/merge", json={"duplicate_id": loser["id"]},
                       headers=world.headers("bidan_a")).status_code == 200
    parent_id = _user_id(world, "parent1")
    with world.app.app_context():  # as a merge before this left it
        db.session.add(ParentLink(user_id=uuid.UUID(parent_id), child_id=uuid.UUID(loser["id"])))
        db.session.commit()
    changes, _, _ = pull_all(client, world.headers("parent1"))
    assert {c["id"] for c in changes if c["entity"] == "child" and c["record"]} == {winner["id"]}
    assert client.delete(f"/api/v1/children/{winner['id']}/parents/{parent_id}",
                         headers=world.headers("kader1")).status_code == 204
    changes, _, _ = pull_all(client, world.headers("parent1"))
    assert [c for c in changes if c["entity"] == "child" and c["record"]] == []


def test_a_childs_codes_and_parents_are_lists_paginated_as_every_list(client, world, make_child, link_parent):
    """api-contract.md: lists take ?limit=&cursor= and answer {"items", "next_cursor"}; the child's open
    codes and linked parents answered bare arrays of every row."""
    child = make_child()
    for by in ("kader1", "bidan_a", "kader1b", "kader1", "bidan_a"):
        _invite(client, world, child["id"], by=by)
    url, kader = f"/api/v1/children/{child['id']}", world.headers("kader1")
    whole = client.get(f"{url}/invitations", headers=kader).get_json()
    assert whole["next_cursor"] is None and len(whole["items"]) == 5
    stamps = [(i["created_at"], i["id"]) for i in whole["items"]]
    assert stamps == sorted(stamps, reverse=True)  # newest first
    assert all_pages(client, f"{url}/invitations", kader, 2) == whole["items"]  # each once, in order
    # two parents register with codes, a third is linked: earliest linked first, page by page
    for n, code in enumerate(_invite(client, world, child["id"]) for _ in range(2)):
        assert client.post("/api/v1/auth/register", json={"code": code, "username": f"ortu{n}",
                                                          "password": "sandi-kuat-99", "name": f"Ortu {n}"}
                           ).status_code == 201
    link_parent(child["id"])
    parents = all_pages(client, f"{url}/parents", kader, 1)
    assert [p["username"] for p in parents] == ["ortu0", "ortu1", "parent1"]
    bad = client.get(f"{url}/parents?cursor=zz", headers=kader)
    assert bad.status_code == 422 and "cursor" in bad.get_json()["errors"], bad.get_json()
    bad = client.get(f"{url}/invitations?limit=0", headers=kader)
    assert bad.status_code == 422 and "limit" in bad.get_json()["errors"], bad.get_json()


def test_a_parent_account_given_another_role_is_unlinked_from_her_children_and_not_linked_again_when_switched_back(
        client, world, make_child, link_parent):
    """A parent's account an admin made a kader kept its links: listed among the child's parents (her
    phone number shown to its kader), and switched back to parent she saw the child again without
    any new code. Now each link is removed (audited, as an unlink), as when she closes her account."""
    child = make_child(name="Anak Ibu")
    link_parent(child["id"])
    parent_id = _user_id(world, "parent1")
    admin = world.headers("admin")
    resp = client.patch(f"/api/v1/users/{parent_id}", headers=admin,
                        json={"role": "kader", "posyandu_id": str(world.ids["p3"])})
    assert resp.status_code == 200, resp.get_json()
    assert client.get(f"/api/v1/children/{child['id']}/parents", headers=world.headers("kader1")).get_json()["items"] == []
    [(record_id, changes, _)] = _audit(world, "unlink", "parent_link")
    assert record_id == child["id"] and changes == {"parent_id": [parent_id, None]}
    assert client.patch(f"/api/v1/users/{parent_id}", headers=admin, json={"role": "parent"}).status_code == 200
    assert client.get(f"/api/v1/children/{child['id']}", headers=world.headers("parent1")).status_code == 404
    assert client.get("/api/v1/children", headers=world.headers("parent1")).get_json()["items"] == []


def test_codes_are_stored_keyed_with_the_servers_secret_and_a_code_made_before_still_works(client, world, make_child):
    """A code has 40 bits: from a plain SHA-256 in a leaked backup every open code is found in minutes
    (and with one a parent's lasting access to the child). The stored hash is keyed with SECRET_KEY, so
    the backup alone finds none; a code stored the old way (made before the upgrade) still links."""
    import hashlib
    import hmac

    from posyandu.extensions import db
    from posyandu.registry.models import Invitation

    child = make_child()
    made = client.post(f"/api/v1/children/{child['id']}/invitations", headers=world.headers("kader1")).get_json()
    typed = made["code"].replace("-", "").encode()
    key = b"posyandu invitation code\0" + world.app.config["SECRET_KEY"].encode()
    with world.app.app_context():
        stored = db.session.get(Invitation, uuid.UUID(made["id"])).code_hash
    assert stored != hashlib.sha256(typed).hexdigest()
    assert stored == hmac.new(key, typed, hashlib.sha256).hexdigest()
    assert _redeem(client, world, made["code"]).status_code == 200
    # as stored before codes were keyed
    other = make_child()
    old = _invite(client, world, other["id"], by="bidan_a")
    with world.app.app_context():
        inv = db.session.scalar(select(Invitation).where(Invitation.code_hash == hmac.new(
            key, old.replace("-", "").encode(), hashlib.sha256).hexdigest()))
        inv.code_hash = hashlib.sha256(old.replace("-", "").encode()).hexdigest()
        db.session.commit()
    assert _redeem(client, world, old.lower().replace("-", " ")).status_code == 200
    mine = client.get("/api/v1/children", headers=world.headers("parent1")).get_json()["items"]
    assert sorted(c["id"] for c in mine) == sorted([child["id"], other["id"]])


def test_a_code_for_a_child_the_parent_sees_already_is_refused_and_left_for_the_other_parent(
        client, world, make_child, link_parent):
    """A second code for her own child (the kader's and the bidan's, or one of a duplicate merged into
    hers) answered 200: the code used up, nothing linked, the app saying nothing, and the child's other
    parent sent back for a new one. Refused (409 on ``code``), nothing written: the code stays open."""
    from posyandu.auth.models import User
    from posyandu.extensions import db

    def scope_version():
        with world.app.app_context():
            return db.session.scalar(select(User.scope_version).where(User.username == "parent1"))

    child, loser = make_child(name="Anak Tetap"), make_child(name="Anak Ganda")
    link_parent(child["id"])
    second, of_duplicate = _invite(client, world, child["id"], by="bidan_a"), _invite(client, world, loser["id"])
    assert client.post(f"/api/v1/children/{child['id']}/merge", json={"duplicate_id": loser["id"], "parents_confirmed": True},
                       headers=world.headers("bidan_a")).status_code == 200  # her code on each: asked, one child's
    seen, redeemed = scope_version(), _audit(world, "redeem", "invitation")
    for code, lang in ((second, "id"), (of_duplicate, "en")):
        refused = client.post("/api/v1/auth/redeem", json={"code": code}, headers=world.headers("parent1", lang))
        assert refused.status_code == 409 and refused.content_type == "application/problem+json", refused.get_json()
        said = ("anak ini sudah ada di daftar Anda; kode ini tidak terpakai dan masih bisa dipakai orang tua anak yang lain"
                if lang == "id" else
                "this child is already on your list; the code is not used and still works for the child's other parent")
        assert refused.get_json()["errors"] == {"code": [said]} and refused.get_json()["detail"] == said
    assert len(client.get(f"/api/v1/children/{child['id']}/invitations", headers=world.headers("kader1")).get_json()["items"]) == 2
    assert _audit(world, "redeem", "invitation") == redeemed and scope_version() == seen
    assert [p["username"] for p in client.get(f"/api/v1/children/{child['id']}/parents",
                                              headers=world.headers("kader1")).get_json()["items"]] == ["parent1"]
    # the other parent signs up with it
    made = client.post("/api/v1/auth/register", json={"code": second, "username": "ayah.tetap", "password": "kuat-sekali",
                                                      "name": "Ayah"})
    assert made.status_code == 201, made.get_json()
    assert [p["username"] for p in client.get(f"/api/v1/children/{child['id']}/parents",
                                              headers=world.headers("kader1")).get_json()["items"]] == ["parent1", "ayah.tetap"]


def test_a_merge_of_two_families_children_is_asked_to_be_confirmed_naming_their_accounts(
        client, world, make_child, link_parent):
    """Each registration with a parent account the other has not: merged, each family saw the other's
    child's weighings and doses, and a merge is not undone. Refused 409 ``parents_differ`` naming the
    accounts, nothing written; merged when the bidan confirms they are one child's parents."""
    from posyandu.auth.operations import create_user
    from posyandu.extensions import db
    from posyandu.privacy import AccessLog
    from posyandu.registry.models import Child, ParentLink

    with world.app.app_context():
        create_user({"username": "parent2", "password": PASSWORD, "name": "Ibu Lain", "role": "parent"})
        db.session.commit()
    winner, loser = make_child(name="Putri", sex="F"), make_child(name="Putri", sex="F")
    link_parent(winner["id"], "parent1")
    link_parent(loser["id"], "parent2")
    url = f"/api/v1/children/{winner['id']}/merge"
    for lang, words in (("en", "Parent1"), ("id", "orang tua")):
        refused = client.post(url, json={"duplicate_id": loser["id"]}, headers=world.headers("bidan_a", lang))
        body = refused.get_json()
        assert refused.status_code == 409 and body["type"].endswith("/parents_differ"), body
        assert words in body["detail"] and "Ibu Lain" in body["detail"], body
        assert body["parents"] == {winner["id"]: [_user_id(world, "parent1")], loser["id"]: [_user_id(world, "parent2")]}
    with world.app.app_context():
        assert db.session.get(Child, uuid.UUID(loser["id"])).merged_into is None
        assert len(db.session.scalars(select(ParentLink)).all()) == 2
        # it named both families, as their parent lists do: a read of each child, logged (the refusal rolled back)
        read = [(str(r.child_id), r.action) for r in db.session.scalars(
            select(AccessLog).where(AccessLog.resource == "POST /api/v1/children/<uuid:child_id>/merge"))]
        assert sorted(read) == sorted([(winner["id"], "view"), (loser["id"], "view")] * 2), read
    assert client.get(f"/api/v1/children/{winner['id']}", headers=world.headers("parent2")).status_code == 404
    merged = client.post(url, json={"duplicate_id": loser["id"], "parents_confirmed": True},
                         headers=world.headers("bidan_a"))
    assert merged.status_code == 200, merged.get_json()
    assert client.get(f"/api/v1/children/{winner['id']}", headers=world.headers("parent2")).status_code == 200


def test_a_merge_asks_when_a_code_given_for_one_child_and_not_yet_used_would_open_the_other(
        client, world, make_child, link_parent):
    """A code given for a registration (a family holds it, who is not known) opens the record the merge
    leaves: beside a parent account, or a code, of the other registration, it may be another family's.
    Asked as for two accounts, the codes counted; a code alone on one side, or revoked, asks nothing (a code
    used is a linked account: asked about as one)."""
    winner, loser = make_child(name="Putri", sex="F"), make_child(name="Putri", sex="F")
    link_parent(winner["id"], "parent1")
    code = _invite(client, world, loser["id"])
    url = f"/api/v1/children/{winner['id']}/merge"
    for lang, words in (("en", "1 invitation code not yet used"), ("id", "1 kode undangan belum dipakai")):
        refused = client.post(url, json={"duplicate_id": loser["id"]}, headers=world.headers("bidan_a", lang))
        body = refused.get_json()
        assert refused.status_code == 409 and body["type"].endswith("/parents_differ"), body
        assert words in body["detail"] and "Parent1" in body["detail"], body
        assert body["parents"] == {winner["id"]: [_user_id(world, "parent1")], loser["id"]: []}
        assert body["open_codes"] == {winner["id"]: 0, loser["id"]: 1}
    # codes on both sides (two kader each gave the mother one): asked too
    second = make_child(name="Putri", sex="F")
    _invite(client, world, second["id"])
    both = client.post(f"/api/v1/children/{loser['id']}/merge", json={"duplicate_id": second["id"]},
                       headers=world.headers("bidan_a")).get_json()
    assert both["open_codes"] == {loser["id"]: 1, second["id"]: 1} and both["parents"] == {loser["id"]: [], second["id"]: []}
    # the code revoked: nothing is asked
    [listed] = client.get(f"/api/v1/children/{second['id']}/invitations", headers=world.headers("kader1")).get_json()["items"]
    assert client.delete(f"/api/v1/children/{second['id']}/invitations/{listed['id']}",
                         headers=world.headers("kader1")).status_code == 204
    merged = client.post(f"/api/v1/children/{loser['id']}/merge", json={"duplicate_id": second["id"]},
                         headers=world.headers("bidan_a"))
    assert merged.status_code == 200, merged.get_json()
    merged = client.post(url, json={"duplicate_id": loser["id"], "parents_confirmed": True}, headers=world.headers("bidan_a"))
    assert merged.status_code == 200, merged.get_json()
    assert _redeem(client, world, code, "parent1").status_code == 409  # hers already: one family, as confirmed


def test_a_merge_does_not_ask_about_a_code_it_revokes(client, world, make_child, link_parent):
    """A code made by a cadre of the duplicate's posyandu, merged across posyandu, is revoked by the merge (she
    does not see the child that stands): no way into the merged record, so nothing to ask about it."""
    winner = make_child(name="Anak Tetap")
    loser = make_child(by="kader2", posyandu="p2", name="Anak Tetap")
    link_parent(winner["id"], "parent1")
    code = _invite(client, world, loser["id"], by="kader2")
    merged = client.post(f"/api/v1/children/{winner['id']}/merge", json={"duplicate_id": loser["id"]},
                         headers=world.headers("bidan_a"))
    assert merged.status_code == 200, merged.get_json()
    assert _redeem(client, world, code).status_code == 422


def test_a_merge_asks_nothing_when_one_side_has_every_parent_the_other_has(client, world, make_child, link_parent):
    """The duplicate's parents all linked to the child that stands too, or no parent on one side: no family
    gains another's child, so nothing is asked."""
    first, second, third = (make_child(name="Putri", sex="F") for _ in range(3))
    link_parent(first["id"])
    link_parent(second["id"])
    merged = client.post(f"/api/v1/children/{first['id']}/merge", json={"duplicate_id": second["id"]},
                         headers=world.headers("bidan_a"))
    assert merged.status_code == 200, merged.get_json()
    merged = client.post(f"/api/v1/children/{third['id']}/merge", json={"duplicate_id": first["id"]},
                         headers=world.headers("bidan_a"))
    assert merged.status_code == 200, merged.get_json()
