"""Two requests at once on the same data, through the REST API (PostgreSQL: two real concurrent
transactions; SQLite: the same interleavings, serialised by its one write lock).

Each race is run by ``tests.sync.test_child_locks._race``: the first request is held just before
it commits (everything flushed), the second runs meanwhile, then the first goes on. The outcome
must be that of the two one after the other, and never a 500."""
from __future__ import annotations

import io
import uuid

import pytest
from sqlalchemy import func, select

from posyandu.extensions import db
from posyandu.registry.models import Child
from tests.conftest import PASSWORD
from tests.support.paging import all_pages
from tests.sync.test_child_locks import _race


def _new_user(world, username: str, by: str = "admin"):
    headers = world.headers(by)
    body = {"username": username, "password": "sandi-kuat-123", "name": "Siti", "role": "kader",
            "posyandu_id": str(world.ids["p1"])}
    return lambda c: c.post("/api/v1/users", json=body, headers=headers)


def test_two_admins_creating_the_same_username_at_once_get_one_user_and_a_field_message(
        app, world, client, monkeypatch):
    """Both passed the check that the username is free before either committed: the second was
    refused by the database's unique constraint with a bare 409, no word on ``username``."""
    first, second, _ = _race(app, monkeypatch, _new_user(world, "siti"), _new_user(world, "Siti"))
    assert first.status_code == 201, first.get_json()
    assert second.status_code in (409, 422), second.get_json()
    assert second.get_json()["errors"] == {"username": ["already taken"]}, second.get_json()
    users = client.get("/api/v1/users?limit=100", headers=world.headers("admin")).get_json()["items"]
    assert [u["username"] for u in users].count("siti") == 1


def test_a_puskesmas_code_already_taken_is_named_on_its_field(client, world):
    """The database's own check of a unique value answered a bare 409 ("Konflik"), the admin not told
    which field: the code of another puskesmas ("PA" here) is now named on ``code``; checked first (422,
    with the other fields' errors, as a username taken is), and by the database (409) when two admins
    give one code at once."""
    resp = client.post("/api/v1/puskesmas", json={"name": "PKM Baru", "kecamatan_code": "35.25.01", "code": "PA"},
                       headers=world.headers("admin", "id"))
    assert resp.status_code == 422 and resp.get_json()["errors"] == {"code": ["sudah dipakai"]}, resp.get_json()


def _invite(client, world, cid: str, by: str = "kader1") -> str:
    resp = client.post(f"/api/v1/children/{cid}/invitations", headers=world.headers(by))
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["code"]


def _redeem(world, code: str, by: str):
    headers = world.headers(by)
    return lambda c: c.post("/api/v1/auth/redeem", json={"code": code}, headers=headers)


def _parent(client, world, username: str) -> None:
    """A parent account an admin makes, its temporary password replaced by her own (``PASSWORD``)."""
    resp = client.post("/api/v1/users", headers=world.headers("admin"),
                       json={"username": username, "password": "sementara-123", "name": "Ibu", "role": "parent"})
    assert resp.status_code == 201, resp.get_json()
    token = client.post("/api/v1/auth/login", json={"username": username, "password": "sementara-123"}).get_json()
    own = client.post("/api/v1/auth/password", headers={"Authorization": f"Bearer {token['access_token']}"},
                      json={"current_password": "sementara-123", "new_password": PASSWORD})
    assert own.status_code == 200, own.get_json()


def _parents_of(client, world, cid: str) -> list[str]:
    resp = client.get(f"/api/v1/children/{cid}/parents", headers=world.headers("kader1"))
    assert resp.status_code == 200, resp.get_json()
    return [p["username"] for p in resp.get_json()["items"]]


def test_two_parents_redeeming_one_code_at_once_link_only_one(app, world, client, make_child, monkeypatch):
    cid = make_child()["id"]
    _parent(client, world, "parent2")
    code = _invite(client, world, cid)
    first, second, _ = _race(app, monkeypatch, _redeem(world, code, "parent1"), _redeem(world, code, "parent2"))
    assert first.status_code == 200, first.get_json()
    assert second.status_code == 422 and list(second.get_json()["errors"]) == ["code"], second.get_json()
    assert _parents_of(client, world, cid) == ["parent1"]


def test_a_double_tap_on_redeem_links_once_and_tells_the_second_tap(app, world, client, make_child, monkeypatch):
    cid = make_child()["id"]
    code = _invite(client, world, cid)
    first, second, _ = _race(app, monkeypatch, _redeem(world, code, "parent1"), _redeem(world, code, "parent1"))
    assert first.status_code == 200, first.get_json()
    assert second.status_code == 422, second.get_json()
    assert _parents_of(client, world, cid) == ["parent1"]


def _open_codes(client, world, cid: str) -> int:
    resp = client.get(f"/api/v1/children/{cid}/invitations", headers=world.headers("bidan_a"))
    assert resp.status_code == 200, resp.get_json()
    return len(resp.get_json()["items"])


def _switch(world, username: str, body: dict):
    headers = world.headers("admin")

    def run(c):
        users = c.get("/api/v1/users?role=kader&limit=100", headers=headers).get_json()["items"]
        uid = next(u["id"] for u in users if u["username"] == username)
        return c.patch(f"/api/v1/users/{uid}", json=body, headers=headers)
    return run


def _make_code(world, cid: str, by: str = "kader1"):
    headers = world.headers(by)
    return lambda c: c.post(f"/api/v1/children/{cid}/invitations", headers=headers)


def test_a_code_made_while_its_kader_is_switched_off_does_not_stay_open(app, world, client, make_child, monkeypatch):
    cid = make_child()["id"]
    first, second, _ = _race(app, monkeypatch, _make_code(world, cid), _switch(world, "kader1", {"active": False}))
    assert second.status_code == 200, second.get_json()
    assert first.status_code in (201, 401), first.get_json()
    assert _open_codes(client, world, cid) == 0
    if first.status_code == 201:
        refused = client.post("/api/v1/auth/redeem", json={"code": first.get_json()["code"]},
                              headers=world.headers("parent1"))
        assert refused.status_code == 422, refused.get_json()


def test_a_code_made_while_its_kader_moves_to_another_posyandu_does_not_stay_open(
        app, world, client, make_child, monkeypatch):
    cid = make_child()["id"]
    first, second, _ = _race(app, monkeypatch, _make_code(world, cid),
                             _switch(world, "kader1", {"posyandu_id": str(world.ids["p2"])}))
    assert second.status_code == 200, second.get_json()
    assert _open_codes(client, world, cid) == 0, first.get_json()


def _own_password_change(world, by: str, new: str = "sandi-baru-456"):
    headers = world.headers(by)
    return lambda c: c.post("/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": new},
                            headers=headers)


def _login(client, username: str, password: str) -> int:
    return client.post("/api/v1/auth/login", json={"username": username, "password": password}).status_code


def test_an_admin_resetting_a_password_while_its_user_changes_it_ends_the_users_new_session(
        app, world, client, monkeypatch):
    """Both read credentials version 1 and wrote 2: the tokens the user's own change answered
    still worked after the admin's reset (meant to end every session of a lost phone)."""
    first, second, _ = _race(app, monkeypatch, _own_password_change(world, "kader1"),
                             _switch(world, "kader1", {"password": "sandi-admin-789"}))
    assert first.status_code == 200 and second.status_code == 200, (first.get_json(), second.get_json())
    mine = {"Authorization": f"Bearer {first.get_json()['access_token']}"}
    assert client.get("/api/v1/auth/me", headers=mine).status_code == 401
    assert _login(client, "kader1", "sandi-admin-789") == 200
    assert _login(client, "kader1", "sandi-baru-456") == 401


def test_a_user_changing_her_password_while_an_admin_resets_it_is_told_her_password_is_no_longer_current(
        app, world, client, monkeypatch):
    """The change was judged on the password read before the admin's reset committed, then wrote
    over it: the admin's new password did not work, and the user's new tokens did."""
    first, second, _ = _race(app, monkeypatch, _switch(world, "kader1", {"password": "sandi-admin-789"}),
                             _own_password_change(world, "kader1"))
    assert first.status_code == 200, first.get_json()
    assert second.status_code in (401, 422), second.get_json()
    assert _login(client, "kader1", "sandi-admin-789") == 200
    assert _login(client, "kader1", "sandi-baru-456") == 401


def _at_once(app, monkeypatch, n: int, request) -> list[int]:
    """``request(client, i)`` sent ``n`` times together, each held a moment in the password check
    (argon2 takes ~0.1 s in production; the tests' hashing is quicker): the status codes."""
    import threading
    import time

    from posyandu.auth import operations, passwords

    verify = passwords.verify_password

    def slow(*args):
        time.sleep(0.3)
        return verify(*args)
    monkeypatch.setattr(operations, "verify_password", slow)
    start, codes = threading.Barrier(n), {}

    def run(i: int) -> None:
        start.wait(10)
        codes[i] = request(app.test_client(), i).status_code
    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return sorted(codes.values())


def test_wrong_passwords_sent_together_get_no_more_tries_than_the_limit(app, world, monkeypatch):
    """Flask-Limiter's deduct_when tests the limit before the request and counts it after: ten
    guesses of kader1's password sent together were all checked (ten 401), the limit being five a
    minute."""
    world.token("kader1")  # her session, before the guesses
    codes = _at_once(app, monkeypatch, 10, lambda c, i: c.post(
        "/api/v1/auth/login", json={"username": "kader1", "password": f"tebakan-{i}"},
        environ_base={"REMOTE_ADDR": f"10.9.0.{i}"}))
    assert codes == [401] * 5 + [429] * 5


def test_wrong_current_passwords_sent_together_get_no_more_tries_than_the_limit(app, world, monkeypatch):
    headers = world.headers("kader1")
    codes = _at_once(app, monkeypatch, 10, lambda c, i: c.post(
        "/api/v1/auth/password", json={"current_password": f"tebakan-{i}", "new_password": "sandi-baru-456"},
        headers=headers, environ_base={"REMOTE_ADDR": f"10.9.1.{i}"}))
    assert codes == [422] * 5 + [429] * 5


def _register(world, by: str, name: str, how: str = "rest", nik: str = "3525010101250001"):
    from datetime import date, timedelta

    from tests.sync.helpers import mutation

    headers = world.headers(by)
    cid = str(uuid.uuid4())
    body = {"posyandu_id": str(world.ids["p1"]), "name": name, "sex": "F", "nik": nik,
            "birth_date": (date.today() - timedelta(days=200)).isoformat()}
    if how == "push":
        return cid, lambda c: c.post("/api/v1/sync/push", headers=headers, json={
            "client_id": f"{by}-phone", "mutations": [mutation("child", cid, body)]})
    return cid, lambda c: c.post("/api/v1/children", json={**body, "id": cid}, headers=headers)


def _flag(app, cid: str):
    from posyandu.registry.models import Child

    return _stored_child(app, Child, cid).possible_duplicate_of


def _stored_child(app, model, cid: str):
    from posyandu.extensions import db

    with app.app_context():
        obj = db.session.get(model, uuid.UUID(cid))
        db.session.expunge_all()
        return obj


@pytest.mark.parametrize("how", ["rest", "push"])
def test_one_child_registered_by_two_kader_at_once_is_flagged_as_a_likely_duplicate(
        app, world, client, monkeypatch, how):
    """Each registration looked for an earlier child of the same NIK before the other committed:
    neither was flagged, and the bidan's "Anak ganda" list never showed the pair to merge."""
    first_id, first = _register(world, "kader1", "Siti Aminah")
    second_id, second = _register(world, "kader1b", "Siti Aminah", how)
    answers = _race(app, monkeypatch, first, second)[:2]
    assert [a.status_code for a in answers] == [201, 200 if how == "push" else 201], [a.get_json() for a in answers]
    assert _flag(app, first_id) is None
    assert str(_flag(app, second_id)) == first_id


def _moved_here(client, world, name: str, nik: str = "3525010101250001"):
    """A child registered at p2 (kader2), and her move to p1 by the bidan (PATCH), as a request for
    ``_race``: the family moved, and p1's kader may be registering her there at that moment."""
    from datetime import date, timedelta

    cid = str(uuid.uuid4())
    resp = client.post("/api/v1/children", headers=world.headers("kader2"), json={
        "id": cid, "posyandu_id": str(world.ids["p2"]), "name": name, "sex": "F", "nik": nik,
        "birth_date": (date.today() - timedelta(days=200)).isoformat()})
    assert resp.status_code == 201, resp.get_json()
    headers = world.headers("bidan_a")
    return cid, lambda c: c.patch(f"/api/v1/children/{cid}", json={"posyandu_id": str(world.ids["p1"])},
                                  headers=headers)


@pytest.mark.parametrize("first_is", ["move", "registration", "pushed_registration"])
def test_one_child_moved_to_a_posyandu_while_registered_there_is_flagged_as_a_likely_duplicate(
        app, world, client, monkeypatch, first_is):
    """A move is judged as a registration at the new posyandu (``registry._judged_again``), but it took
    no registration lock (``access.lock_registrations``): a bidan moving a child to p1 while p1's kader
    registered the same child there, each looked for the other before it committed, neither was
    flagged, and the "Anak ganda" list never showed the pair to merge."""
    moved_id, move = _moved_here(client, world, "Siti Aminah")
    registered_id, register = _register(world, "kader1", "Siti Aminah",
                                        "push" if first_is == "pushed_registration" else "rest")
    first, second = (move, register) if first_is == "move" else (register, move)
    answers = _race(app, monkeypatch, first, second)[:2]
    assert all(a.status_code in (200, 201) for a in answers), [a.get_json() for a in answers]
    flags = {_flag(app, moved_id), _flag(app, registered_id)}
    assert flags - {None} == {uuid.UUID(moved_id if first_is == "move" else registered_id)}, flags


@pytest.mark.parametrize("how", ["rest", "push"])
def test_a_childs_name_corrected_while_the_same_child_is_registered_is_flagged_as_a_likely_duplicate(
        app, world, client, monkeypatch, how):
    """A corrected name is judged as a registration too, at the child's posyandu: a kader correcting
    "Ani" to "Siti Aminah" (by REST, or from her phone, which sends only what she changed) while
    another registered Siti Aminah there, neither was flagged."""
    from datetime import date, timedelta

    from tests.sync.helpers import mutation

    cid = str(uuid.uuid4())
    resp = client.post("/api/v1/children", headers=world.headers("kader1"), json={
        "id": cid, "posyandu_id": str(world.ids["p1"]), "name": "Ani", "sex": "F", "nik": "3525010101250009",
        "birth_date": (date.today() - timedelta(days=200)).isoformat()})
    assert resp.status_code == 201, resp.get_json()
    headers = world.headers("kader1")
    if how == "push":
        def correct(c):
            return c.post("/api/v1/sync/push", headers=headers, json={
                "client_id": "kader1-phone", "mutations": [mutation("child", cid, {"name": "Siti Aminah"}, base_version=1)]})
    else:
        def correct(c):
            return c.patch(f"/api/v1/children/{cid}", json={"name": "Siti Aminah"}, headers=headers)
    registered_id, register = _register(world, "kader1b", "Siti Aminah")
    answers = _race(app, monkeypatch, register, correct)[:2]
    assert [a.status_code for a in answers] == [201, 200], [a.get_json() for a in answers]
    assert {r["status"] for r in answers[1].get_json().get("results", [{"status": "applied"}])} == {"applied"}
    assert _flag(app, registered_id) is None
    assert str(_flag(app, cid)) == registered_id


def _registered(client, world, name, nik, cid=None):
    """A girl born 15 January 2025 registered at Melati by kader1: her id."""
    resp = client.post("/api/v1/children", headers=world.headers("kader1"), json={
        "id": str(cid or uuid.uuid4()), "posyandu_id": str(world.ids["p1"]), "name": name, "sex": "F", "nik": nik,
        "birth_date": "2025-01-15"})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["id"]


def _importer(sheet, headers):
    """A request importing ``sheet`` (a CSV visits file) as the caller of ``headers``, for ``_race``."""
    def imported(c):
        return c.post("/api/v1/imports/visits", data={"file": (io.BytesIO(sheet.encode()), "k.csv")},
                      headers=headers, content_type="multipart/form-data")
    return imported


def test_a_childs_name_corrected_while_a_file_of_her_posyandu_is_imported_neither_deadlocks(
        app, world, client, monkeypatch):
    """An import locked a child it writes a visit for (row 1), then registered another child at the same
    posyandu (row 2), taking the posyandu's registration lock only then; a correction of the first
    child's name takes that lock before the child's (as a registration does): each waited for the
    other, and PostgreSQL aborted one (503). The import now takes a posyandu's locks when it first
    finds it, before any of its children."""
    nik = "3525015501250001"
    cid = _registered(client, world, "Rara Putri", nik)
    sheet = ("posyandu;nama;jenis_kelamin;tanggal_lahir;nik;tanggal_timbang;bb (kg)\n"
             f"Melati;Rara Putri;P;15/01/2025;{nik};10/06/2025;7,2\n"
             "Melati;Dodi Saputra;L;01/02/2025;;10/06/2025;6,9\n")
    bidan, kader = world.headers("bidan_a"), world.headers("kader1")

    imported = _importer(sheet, bidan)

    def corrected(c):
        return c.patch(f"/api/v1/children/{cid}", json={"name": "Rara Putri Ayu"}, headers=kader)

    first, second, _ = _race(app, monkeypatch, imported, corrected, where="read")
    assert [first.status_code, second.status_code] == [201, 200], [first.get_json(), second.get_json()]


@pytest.mark.parametrize("how", ["rest", "push"])
def test_a_child_moved_while_a_file_of_two_posyandu_is_imported_neither_deadlocks(
        app, world, client, monkeypatch, how):
    """An import took a posyandu's locks (row, then registration lock) when a row first named it: a
    puskesmas file of Melati then Mawar held a child of Melati (row 1) when it took Mawar's locks
    (row 2). A bidan moving that child to Mawar meanwhile (REST, or from her phone) holds Mawar's
    locks, as a registration there does, and waits for the child: each waited for the other, and
    PostgreSQL aborted one (503). The import now takes every posyandu's locks its file names, in the
    order of their ids, before any child."""
    from tests.sync.helpers import mutation

    nik = "3525015501250001"
    cid = _registered(client, world, "Rara Putri", nik)
    sheet = ("posyandu;nama;jenis_kelamin;tanggal_lahir;nik;tanggal_timbang;bb (kg)\n"
             f"Melati;Rara Putri;P;15/01/2025;{nik};10/06/2025;7,2\n"
             "Mawar;Dodi Saputra;L;01/02/2025;;10/06/2025;6,9\n")
    bidan = world.headers("bidan_a")

    imported = _importer(sheet, bidan)

    def moved(c):
        body = {"posyandu_id": str(world.ids["p2"])}
        if how == "push":
            return c.post("/api/v1/sync/push", headers=bidan, json={
                "client_id": "bidan_a-phone", "mutations": [mutation("child", cid, body, base_version=1)]})
        return c.patch(f"/api/v1/children/{cid}", json=body, headers=bidan)

    first, second, _ = _race(app, monkeypatch, imported, moved, where="read")
    assert first.status_code == 201, first.get_json()
    assert second.status_code == 200, second.get_json()
    if how == "push":
        assert [r["status"] for r in second.get_json()["results"]] == ["applied"], second.get_json()
    child = client.get(f"/api/v1/children/{cid}", headers=bidan).get_json()
    assert child["posyandu_id"] == str(world.ids["p2"]), child
    weights = client.get(f"/api/v1/children/{cid}/measurements", headers=bidan).get_json()["items"]
    assert [(m["measured_on"], m["weight_kg"]) for m in weights] == [("2025-06-10", 7.2)], weights


@pytest.mark.parametrize("how", ["merge", "push"])
def test_two_children_merged_or_deleted_while_a_file_of_both_is_imported_neither_deadlocks(
        app, world, client, monkeypatch, how):
    """An import locked each row's child as it came to it, in the file's order; a merge of two children
    (REST), or a phone's push deleting both, locks them in the order of their ids. The file's first
    row was the child of the greater id: the import held it and waited for the other, which the merge
    or push held, waiting for the first, and PostgreSQL aborted one (503). The import now locks every
    child its file names that is registered already, in the order of their ids, before its first row."""
    from tests.sync.helpers import mutation

    ids = sorted(uuid.uuid4() for _ in range(2))
    for cid, name, nik in ((ids[1], "Rara Putri", "3525015501250001"), (ids[0], "Rani Putri", "3525015501250002")):
        _registered(client, world, name, nik, cid)
    sheet = ("posyandu;nama;jenis_kelamin;tanggal_lahir;nik;tanggal_timbang;bb (kg)\n"  # the greater id first
             "Melati;Rara Putri;P;15/01/2025;3525015501250001;10/06/2025;7,2\n"
             "Melati;Rani Putri;P;15/01/2025;3525015501250002;11/06/2025;7,0\n")
    bidan = world.headers("bidan_a")

    imported = _importer(sheet, bidan)

    def changed(c):
        if how == "merge":
            return c.post(f"/api/v1/children/{ids[0]}/merge", json={"duplicate_id": str(ids[1])}, headers=bidan)
        return c.post("/api/v1/sync/push", headers=bidan, json={"client_id": "bidan_a-phone", "mutations": [
            mutation("child", str(cid), op="delete", base_version=1) for cid in ids]})

    first, second, _ = _race(app, monkeypatch, imported, changed, where="read")
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["visits_created"] == 2, first.get_json()
    assert second.status_code == 200, second.get_json()
    if how == "push":
        assert [r["status"] for r in second.get_json()["results"]] == ["applied"] * 2, second.get_json()
        assert client.get(f"/api/v1/children/{ids[0]}", headers=bidan).status_code == 404
    else:  # both weighings, imported before the merge, are the child's that stands
        weights = client.get(f"/api/v1/children/{ids[0]}/measurements", headers=bidan).get_json()["items"]
        assert sorted((m["measured_on"], m["weight_kg"]) for m in weights) == [
            ("2025-06-10", 7.2), ("2025-06-11", 7.0)], weights


def test_a_file_imported_while_its_posyandu_is_closed_names_the_closed_posyandu(app, world, client, monkeypatch):
    """The import waits for a posyandu being closed (its row, locked ahead with the file's others),
    then reads it as it stands: the row is refused on its posyandu column, "sudah ditutup", as a file
    imported after the closing is, and nothing is registered there."""
    made = client.post("/api/v1/posyandu", json={"name": "Dahlia", "desa_code": "35.25.01.2001", "meeting_day": 10,
                                                 "puskesmas_id": str(world.ids["pkm_a"])},
                       headers=world.headers("admin"))
    assert made.status_code == 201, made.get_json()
    pid = made.get_json()["id"]
    sheet = ("posyandu;nama;jenis_kelamin;tanggal_lahir;nik;tanggal_timbang;bb (kg)\n"
             "Dahlia;Dodi Saputra;L;01/02/2025;;10/06/2025;6,9\n")
    admin, bidan = world.headers("admin"), world.headers("bidan_a", "id")

    def closed(c):
        return c.delete(f"/api/v1/posyandu/{pid}", headers=admin)

    imported = _importer(sheet, bidan)

    first, second, _ = _race(app, monkeypatch, closed, imported)
    assert first.status_code == 204, first.get_json()
    assert second.status_code == 422, second.get_json()
    assert second.get_json()["errors"]["rows"] == {
        "2": {"posyandu": ["posyandu 'Dahlia' sudah ditutup: pilih posyandu lain"]}}, second.get_json()
    # a closed posyandu is listed by no one (404), and nothing was registered there
    assert client.get(f"/api/v1/children?posyandu_id={pid}", headers=bidan).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Child).where(Child.posyandu_id == uuid.UUID(pid))) == 0


def test_a_report_of_two_months_read_while_a_push_commits_counts_one_state_of_the_data(
        app, world, client, monkeypatch):
    """Each month of an SKDN report was its own query, each seeing what was committed when it ran:
    a phone's push of two months' weighings committed between them, and the report counted the
    child weighed (D) in the second month but not in the first, as no moment of the data had it."""
    import threading
    from datetime import date, timedelta

    from posyandu.extensions import db
    from posyandu.reports import skdn as skdn_module
    from tests.sync.helpers import child_data, measurement_data, mutation, new_id, push

    with app.app_context():
        backend = db.engine.dialect.name
    if backend != "postgresql":
        pytest.skip("SQLite has one writer and reads at a time: no push commits between a report's queries")
    last = date.today().replace(day=1) - timedelta(days=1)
    before = (last.replace(day=1) - timedelta(days=1)).replace(day=10)
    cid = new_id()
    [r] = push(client, world.headers("kader1"), [mutation("child", cid, child_data(
        world.ids["p1"], birth_date=(last - timedelta(days=400)).isoformat()))])
    assert r["status"] == "applied", r
    one_month, held, go, answers = skdn_module.skdn, threading.Event(), threading.Event(), {}

    def skdn_then_hold(*args, **kwargs):
        rows = one_month(*args, **kwargs)
        if threading.current_thread().name == "report" and not held.is_set():
            held.set()
            assert go.wait(20)
        return rows
    monkeypatch.setattr(skdn_module, "skdn", skdn_then_hold)
    headers = world.headers("bidan_a")
    url = f"/api/v1/reports/skdn?from={before:%Y-%m}&to={last:%Y-%m}&posyandu_id={world.ids['p1']}"
    report = threading.Thread(target=lambda: answers.setdefault("report", app.test_client().get(url, headers=headers)),
                              name="report", daemon=True)
    report.start()
    assert held.wait(20)
    weighings = [mutation("measurement", new_id(), measurement_data(cid, measured_on=day.isoformat(), weight_kg=kg))
                 for day, kg in ((before, 9.0), (last.replace(day=10), 9.4))]
    assert {r["status"] for r in push(client, world.headers("kader1"), weighings)} == {"applied"}
    go.set()
    report.join(20)
    rows = answers["report"].get_json()["rows"]
    assert [(row["month"], row["S"]) for row in rows] == [(f"{before:%Y-%m}", 1), (f"{last:%Y-%m}", 1)], rows
    assert [row["D"] for row in rows] in ([0, 0], [1, 1]), rows
    after = client.get(url, headers=headers).get_json()["rows"]
    assert [row["D"] for row in after] == [1, 1] and after[1]["N"] == 1, after


def test_create_admin_whose_username_an_admin_takes_meanwhile_says_so_without_a_traceback(
        app, world, client, monkeypatch):
    """The command checked that the username was free, then another admin's request created it
    before the command committed: the unique constraint stopped the command with a database
    traceback. It is now refused as a taken username is."""
    from posyandu.auth import operations

    check = operations._username_taken

    def free_then_taken(*args, **kwargs):
        import threading

        taken = check(*args, **kwargs)
        if threading.current_thread() is not threading.main_thread():
            return taken  # the other admin's request
        made = {}
        other = threading.Thread(target=lambda: made.setdefault("answer", _new_user(world, "kepala")(app.test_client())))
        other.start()  # its own app context and connection, committed before this goes on
        other.join(20)
        assert made["answer"].status_code == 201, made["answer"].get_json()
        return taken
    monkeypatch.setattr(operations, "_username_taken", free_then_taken)
    result = app.test_cli_runner().invoke(args=["create-admin", "--username", "kepala"],
                                          input="sandi-kuat-1\nsandi-kuat-1\n")
    assert isinstance(result.exception, SystemExit) and result.exit_code == 1, (result.exception, result.output)
    assert "admin tidak dibuat" in result.output and "username: sudah dipakai" in result.output, result.output


def _schedule_version(world, version: str, valid_from: str = "2026-01-01"):
    """The fresh database's schedule as a new version ``version`` published by the admin, for ``_race``."""
    from tests.api.test_schedule_versions_api import BASE

    headers = world.headers("admin")
    document = {**BASE, "version": version, "valid_from": valid_from}
    return lambda c: c.post("/api/v1/immunisation/schedule/versions", json={"document": document}, headers=headers)


def test_two_admins_publishing_one_schedule_version_at_once_store_it_once(app, world, client, monkeypatch):
    """Each looked for a version of the same number before the other committed: both were stored,
    and the schedule's versions listed "2026.1" twice (which the phones judge doses by)."""
    first, second, _ = _race(app, monkeypatch, _schedule_version(world, "2026.1"), _schedule_version(world, "2026.1"))
    assert first.status_code == 201, first.get_json()
    assert second.status_code == 422, second.get_json()
    assert list(second.get_json()["errors"]) == ["document.version"], second.get_json()
    from posyandu.extensions import db
    from posyandu.immunisation.models import ScheduleVersion

    with app.app_context():
        stored = [doc["version"] for doc in db.session.scalars(db.select(ScheduleVersion.document))]
    assert stored.count("2026.1") == 1, stored


def test_two_admins_withdrawing_the_last_two_schedule_versions_at_once_leave_one_in_force(
        app, world, client, monkeypatch):
    """Each saw the other version still active before the other committed: both were withdrawn, no
    version stood, and every card and due list fell back to the bundled schedule unannounced."""
    made = _schedule_version(world, "2026.1")(client)
    assert made.status_code == 201, made.get_json()
    admin = world.headers("admin")
    ids = [v["id"] for v in client.get("/api/v1/immunisation/schedule/versions", headers=admin).get_json()["items"]]
    assert len(ids) == 2

    def withdraw(version_id):
        return lambda c: c.post(f"/api/v1/immunisation/schedule/versions/{version_id}/deactivate", headers=admin)

    first, second, _ = _race(app, monkeypatch, withdraw(ids[0]), withdraw(ids[1]))
    assert first.status_code == 200, first.get_json()
    assert second.status_code == 409, second.get_json()
    versions = client.get("/api/v1/immunisation/schedule/versions", headers=admin).get_json()["items"]
    assert [v["active"] for v in versions] == [False, True], versions


def test_a_schedule_version_switched_on_twice_at_once_is_audited_once(app, world, client, monkeypatch):
    """Both read the version as withdrawn before the other committed: each wrote "activate" to the
    audit log, two changes [False, True] of one version that changed once."""
    from posyandu.audit import AuditLog
    from posyandu.extensions import db

    made = _schedule_version(world, "2026.1")(client).get_json()
    admin = world.headers("admin")
    url = f"/api/v1/immunisation/schedule/versions/{made['id']}"
    assert client.post(url + "/deactivate", headers=admin).status_code == 200
    first, second, _ = _race(app, monkeypatch, lambda c: c.post(url + "/activate", headers=admin),
                             lambda c: c.post(url + "/activate", headers=admin))
    assert (first.status_code, second.status_code) == (200, 200), (first.get_json(), second.get_json())
    assert second.get_json()["active"] is True
    with app.app_context():
        actions = db.session.scalars(db.select(AuditLog.action).where(
            AuditLog.entity == "schedule_version", AuditLog.record_id == str(made["id"]))).all()
    assert sorted(actions) == ["activate", "create", "deactivate"], actions


def _close_account(world, by: str = "parent1"):
    headers = world.headers(by)
    return lambda c: c.post("/api/v1/auth/close-account", json={"password": PASSWORD}, headers=headers)


@pytest.mark.parametrize("first", ["close", "redeem"])
def test_a_code_redeemed_while_its_parent_closes_her_account_leaves_no_link(
        app, world, client, make_child, monkeypatch, first):
    """A parent's phone redeems a code while she closes her account on another: the redeem, judged on the
    account as it was read, linked the child to the closed account (or the closing, judged on the links
    committed before the redeem's, left it), a link kept after her consent was withdrawn, listed with
    the child's parents."""
    cid = make_child()["id"]
    code = _invite(client, world, cid)
    close, redeem = _close_account(world), _redeem(world, code, "parent1")
    if first == "close":
        closed, redeemed, _ = _race(app, monkeypatch, close, redeem)
        assert redeemed.status_code == 401, redeemed.get_json()
    else:
        redeemed, closed, _ = _race(app, monkeypatch, redeem, close)
        assert redeemed.status_code == 200, redeemed.get_json()
    assert closed.status_code == 204, closed.get_json()
    assert _parents_of(client, world, cid) == []


def test_an_account_closed_twice_at_once_is_closed_once(app, world, client, make_child, link_parent, monkeypatch):
    """A double tap on "close my account": the second, judged on the account and links read before the
    first committed, found a link gone when it came to unlink it and answered 404 ("not found")."""
    from posyandu.audit import AuditLog
    from posyandu.extensions import db

    cid = make_child()["id"]
    link_parent(cid)
    first, second, _ = _race(app, monkeypatch, _close_account(world), _close_account(world))
    assert first.status_code == 204, first.get_json()
    assert second.status_code == 401, second.get_json()
    assert _parents_of(client, world, cid) == []
    with app.app_context():
        closings = db.session.scalars(db.select(AuditLog.id).where(AuditLog.action == "close_account")).all()
    assert len(closings) == 1


def _close_posyandu(world, posyandu: str = "p2"):
    headers = world.headers("admin")
    return lambda c: c.delete(f"/api/v1/posyandu/{world.ids[posyandu]}", headers=headers)


def _kader_put_at_p2(world, how: str):
    """A kader put at p2 by an admin, as a request for ``_race``: a new account, kader1 moved there, or
    kader2 (switched off beforehand) switched on again."""
    if how == "create":
        return (lambda c: c.post("/api/v1/users", headers=world.headers("admin"), json={
            "username": "dewi", "password": "sandi-kuat-123", "name": "Dewi", "role": "kader",
            "posyandu_id": str(world.ids["p2"])}))
    if how == "move":
        return _switch(world, "kader1", {"posyandu_id": str(world.ids["p2"])})
    return _switch(world, "kader2", {"active": True})


@pytest.mark.parametrize("first", ["close", "kader"])
@pytest.mark.parametrize("how", ["create", "move", "switch_on"])
def test_a_kader_put_at_a_posyandu_while_it_closes_is_not_left_at_a_closed_posyandu(
        app, world, client, monkeypatch, first, how):
    """An admin closes p2 (its kader switched off) while another puts a kader there: the closing counted
    the active kader before the other committed, and the putting read p2 as open before the closing
    committed: an active kader stood at a closed posyandu, where she can register no one and her
    phone's records are refused. Now one waits for the other: the closing is refused (409, naming her)
    or the kader is (422 on posyandu_id)."""
    off = _switch(world, "kader2", {"active": False})(client)
    assert off.status_code == 200, off.get_json()
    close, put = _close_posyandu(world), _kader_put_at_p2(world, how)
    if first == "close":
        closed, placed, _ = _race(app, monkeypatch, close, put)
        assert closed.status_code == 204, closed.data
        assert placed.status_code == 422 and list(placed.get_json()["errors"]) == ["posyandu_id"], placed.data
    else:
        placed, closed, _ = _race(app, monkeypatch, put, close)
        assert placed.status_code in (200, 201), placed.data
        assert closed.status_code == 409, closed.data
    users = client.get(f"/api/v1/users?posyandu_id={world.ids['p2']}&active=true", headers=world.headers("admin"))
    still_open = client.get(f"/api/v1/posyandu/{world.ids['p2']}", headers=world.headers("admin")).status_code == 200
    assert still_open or users.get_json()["items"] == [], users.get_json()


def test_a_double_tap_on_log_out_is_no_conflict(app, world, client, monkeypatch):
    """Both read the token as not yet revoked, then each stored its revocation: the second was refused
    by the table's key and answered 409 ("Data bertentangan…"), the logout seemingly failed. A logout
    sent again while the first is under way now answers as the first, or as one with a revoked token does,
    and is audited once."""
    tokens = client.post("/api/v1/auth/login", json={"username": "kader1", "password": PASSWORD}).get_json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}

    def logout(c):
        return c.post("/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]}, headers=headers)

    first, second, _ = _race(app, monkeypatch, logout, logout)
    assert first.status_code == 204, first.data
    assert second.status_code in (204, 401), second.data
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
    refreshed = client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {tokens['refresh_token']}"})
    assert refreshed.status_code == 401, refreshed.data
    from posyandu.audit import AuditLog
    from posyandu.extensions import db

    with app.app_context():
        assert len(db.session.scalars(db.select(AuditLog.id).where(AuditLog.action == "logout")).all()) == 1


def test_two_admins_adding_one_desa_at_once_add_it_once_with_the_last_name(app, world, client, monkeypatch):
    """``POST /regions`` creates a region or renames it. Two admins adding the same desa at once each
    found it missing before the other committed: the second was refused by the table's key, a bare
    409, where one after the other it renames the desa."""
    from posyandu.audit import AuditLog
    from posyandu.extensions import db

    admin = world.headers("admin")

    def add(name):
        return lambda c: c.post("/api/v1/regions", json={"code": "35.25.01.2003", "name": name}, headers=admin)

    first, second, _ = _race(app, monkeypatch, add("Kesamben Kulon"), add("Kesambenkulon"))
    assert (first.status_code, second.status_code) == (201, 201), (first.data, second.data)
    regions = client.get("/api/v1/regions?parent_code=35.25.01", headers=admin).get_json()["items"]
    assert [r["name"] for r in regions if r["code"] == "35.25.01.2003"] == ["Kesambenkulon"], regions
    with app.app_context():
        actions = db.session.scalars(db.select(AuditLog.action).where(
            AuditLog.entity == "region", AuditLog.record_id == "35.25.01.2003").order_by(AuditLog.id)).all()
    assert actions == ["create", "update"], actions


def test_two_codes_for_one_child_redeemed_by_one_parent_at_once_link_her_once(
        app, world, client, make_child, monkeypatch):
    """A mother given a code by the kader and another by the bidan for the same child redeems both at
    once (two phones): each found her not yet linked before the other committed, and the second link
    was refused by the table's key, a bare 409. Now the second waits for the first and finds her linked:
    refused as one after the other (409 on ``code``), its code left open for the child's other parent."""
    cid = make_child()["id"]
    codes = [_invite(client, world, cid), _invite(client, world, cid, by="bidan_a")]
    first, second, _ = _race(app, monkeypatch, _redeem(world, codes[0], "parent1"), _redeem(world, codes[1], "parent1"))
    assert (first.status_code, second.status_code) == (200, 409), (first.data, second.data)
    assert list(second.get_json()["errors"]) == ["code"], second.get_json()
    assert _parents_of(client, world, cid) == ["parent1"]
    assert _open_codes(client, world, cid) == 1


def test_two_admins_editing_one_puskesmas_at_once_are_judged_one_after_the_other(app, world, client, monkeypatch):
    """One admin renames the puskesmas while another sets the name back: the second, reading the row
    before the first committed, found nothing to change, answered 200 with the name she asked for and
    left the first's in place (her change lost, unaudited). The row is now read locked: she waits,
    and her name is the one kept, each change audited from the value it replaced."""
    from posyandu.audit import AuditLog
    from posyandu.extensions import db

    admin, pkm = world.headers("admin"), str(world.ids["pkm_a"])
    url = f"/api/v1/puskesmas/{pkm}"
    first, second, _ = _race(app, monkeypatch, lambda c: c.patch(url, json={"name": "PKM Wringinanom Baru"}, headers=admin),
                             lambda c: c.patch(url, json={"name": "PKM Wringinanom"}, headers=admin))
    assert (first.status_code, second.status_code) == (200, 200), (first.get_json(), second.get_json())
    assert second.get_json()["name"] == "PKM Wringinanom"
    names = {p["id"]: p["name"] for p in client.get("/api/v1/puskesmas?limit=100", headers=admin).get_json()["items"]}
    assert names[pkm] == "PKM Wringinanom"
    with app.app_context():
        changes = db.session.scalars(db.select(AuditLog.changes).where(
            AuditLog.entity == "puskesmas", AuditLog.action == "update", AuditLog.record_id == pkm)
            .order_by(AuditLog.id)).all()
    assert changes == [{"name": ["PKM Wringinanom", "PKM Wringinanom Baru"]},
                       {"name": ["PKM Wringinanom Baru", "PKM Wringinanom"]}], changes


def test_two_posyandu_given_one_name_in_one_desa_at_once_are_refused_the_second_time(app, world, client, monkeypatch):
    """Each found the name free in the desa before the other committed: two "Posyandu Kembar" in one
    desa, which no report, import or kader could tell apart. The desa is now locked while its names are
    judged: the second waits, and is told the name is taken, as one after the other."""
    admin = world.headers("admin", "en")
    pkm = str(world.ids["pkm_a"])

    def add(name):
        return lambda c: c.post("/api/v1/posyandu", json={"name": name, "desa_code": "35.25.01.2001",
                                                          "puskesmas_id": pkm, "meeting_day": 3}, headers=admin)

    first, second, _ = _race(app, monkeypatch, add("Kembar"), add("Posyandu kembar"))
    assert first.status_code == 201, first.get_json()
    assert second.status_code == 422 and second.get_json()["errors"] == {
        "name": ["another posyandu of this desa has this name"]}, second.get_json()
    names = [p["name"] for p in all_pages(client, "/api/v1/posyandu", admin)]
    assert names.count("Kembar") == 1 and "Posyandu kembar" not in names


def test_two_puskesmas_given_one_name_or_one_code_in_two_cases_at_once_are_refused_the_second_time(
        app, world, client, monkeypatch):
    """As a posyandu's name in its desa: the kecamatan is locked while its puskesmas's names are judged, so
    the second "Puskesmas QA" waits and is told the name is taken; and a code is stored upper-cased, so
    "PQA9" and "pqa9" given at once (in two kecamatan: neither waits) meet the table's key (409 on
    ``code``), never two codes in two cases."""
    admin = world.headers("admin", "en")

    def add(name, code, kecamatan="35.25.01"):
        return lambda c: c.post("/api/v1/puskesmas", json={"name": name, "kecamatan_code": kecamatan, "code": code},
                                headers=admin)

    for one, other, field, said in ((add("Puskesmas QA", "PQA1"), add("qa", "PQA2"), "name",
                                     "another puskesmas of this kecamatan has this name"),
                                    (add("PKM Sembilan", "PQA9"), add("PKM Sembilan", "pqa9", "35.26.01"), "code",
                                     "already taken")):
        first, second, _ = _race(app, monkeypatch, one, other)
        assert first.status_code == 201, first.get_json()
        assert second.status_code in (409, 422) and second.get_json()["errors"] == {field: [said]}, second.get_json()
    made = [(p["name"], p["code"]) for p in all_pages(client, "/api/v1/puskesmas", admin)]
    assert ("Puskesmas QA", "PQA1") in made and ("PKM Sembilan", "PQA9") in made and len(made) == 4, made
