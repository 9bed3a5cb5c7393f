"""The admin's user list: search and filters (what the PWA's "Pengguna" screen asks)."""
from __future__ import annotations


def _names(client, world, query: str) -> list[str]:
    resp = client.get(f"/api/v1/users?limit=100&{query}", headers=world.headers("admin"))
    assert resp.status_code == 200, resp.get_json()
    return [u["username"] for u in resp.get_json()["items"]]


def test_the_user_list_is_searched_by_name_or_username(client, world):
    """A puskesmas looking for one kader among hundreds could only page through every account."""
    assert _names(client, world, "q=KADER1") == ["kader1", "kader1b"]
    assert _names(client, world, "q=bidan_") == ["bidan_a", "bidan_b"]
    # by name too (names are 'Kader1', 'Dinkes_Gresik'… in this world), any case
    assert _names(client, world, "q=gresik") == ["dinkes_gresik"]
    assert _names(client, world, "q=%25") == []  # a LIKE wildcard is a plain character


def test_a_name_with_an_apostrophe_is_found_typed_straight_or_curly(client, world):
    """"nur'aini" did not find "Siti Nur’aini" (the curly apostrophe a phone's keyboard writes)."""
    made = client.post("/api/v1/users", headers=world.headers("admin"), json={
        "username": "kader_nuraini", "name": "Siti Nur\u2019aini", "role": "kader", "posyandu_id": str(world.ids["p1"]),
        "password": "sementara-2026"})
    assert made.status_code == 201, made.get_json()
    assert _names(client, world, "q=nur'aini") == _names(client, world, "q=Nur%E2%80%99aini") == ["kader_nuraini"]


def test_the_user_list_is_filtered_by_posyandu_puskesmas_and_active(client, world):
    assert _names(client, world, f"posyandu_id={world.ids['p1']}") == ["kader1", "kader1b"]
    # a puskesmas: its bidan and the kader of its posyandu
    assert _names(client, world, f"puskesmas_id={world.ids['pkm_a']}") == ["bidan_a", "kader1", "kader1b", "kader2"]
    assert _names(client, world, f"puskesmas_id={world.ids['pkm_a']}&role=kader") == ["kader1", "kader1b", "kader2"]
    kader2 = next(u["id"] for u in client.get("/api/v1/users?limit=100&q=kader2",
                                               headers=world.headers("admin")).get_json()["items"])
    assert client.patch(f"/api/v1/users/{kader2}", json={"active": False},
                        headers=world.headers("admin")).status_code == 200
    assert _names(client, world, "active=false") == ["kader2"]
    assert "kader2" not in _names(client, world, "active=true")
    assert len(_names(client, world, "")) == 10


def test_the_user_list_pages_through_a_filter(client, world):
    first = client.get("/api/v1/users?limit=2&q=kader", headers=world.headers("admin")).get_json()
    assert [u["username"] for u in first["items"]] == ["kader1", "kader1b"] and first["next_cursor"]
    rest = client.get(f"/api/v1/users?limit=2&q=kader&cursor={first['next_cursor']}",
                      headers=world.headers("admin")).get_json()
    assert [u["username"] for u in rest["items"]] == ["kader2", "kader3"]


def test_a_bad_filter_is_refused_on_its_field(client, world):
    resp = client.get("/api/v1/users?posyandu_id=bukan-uuid&active=kadang", headers=world.headers("admin"))
    assert resp.status_code == 422
    errors = resp.get_json()["errors"]
    assert "posyandu_id" in errors and "active" in errors


def test_a_page_of_switched_off_accounts_costs_no_query_more_and_says_which_were_closed(app, client, world):
    """``account_closed`` was worked out with one query per switched-off account on the page (up to 50
    more a page); it is read for the whole page at once. A parent's closed account is told apart from
    the ones an admin switched off, as before."""
    from posyandu.extensions import db
    from tests.conftest import PASSWORD
    from tests.support.statements import statements_run

    admin = world.headers("admin")

    def listed() -> tuple[int, dict[str, tuple[bool, bool]]]:
        with app.app_context():
            engine = db.engine
        with statements_run(engine) as seen:
            resp = client.get("/api/v1/users?limit=100", headers=admin)
        assert resp.status_code == 200, resp.get_json()
        return len(seen), {u["username"]: (u["active"], u["account_closed"]) for u in resp.get_json()["items"]}

    ids = {u["username"]: u["id"] for u in client.get("/api/v1/users?limit=100", headers=admin).get_json()["items"]}
    assert client.patch(f"/api/v1/users/{ids['kader2']}", json={"active": False}, headers=admin).status_code == 200
    one, _ = listed()
    for name in ("kader3", "bidan_a", "bidan_b"):
        assert client.patch(f"/api/v1/users/{ids[name]}", json={"active": False}, headers=admin).status_code == 200
    closed = client.post("/api/v1/auth/close-account", json={"password": PASSWORD}, headers=world.headers("parent1"))
    assert closed.status_code == 204, closed.get_json()
    five, shown = listed()
    assert five == one
    off = {name: state for name, state in shown.items() if not state[0]}
    assert sorted(off.values()) == [(False, False)] * 4 + [(False, True)]
    assert [name for name, state in off.items() if state[1]] == [next(n for n in shown if n.startswith("dihapus-"))]
    assert {"kader2", "kader3", "bidan_a", "bidan_b"} <= set(off)
    assert all(state == (True, False) for state in shown.values() if state[0])


def test_the_user_search_folds_non_ascii_capitals_on_both_databases(client, world):
    """SQLite's own lower() folds ASCII only ("ÉLA" never found "Éla"); PostgreSQL's folds every
    letter. Both search alike (posyandu.web registers Python's lower on SQLite connections)."""
    for username, name in (("ela_k", "Éla Kartika"), ("saleh_n", "Nyoman Ṣaleh")):
        made = client.post("/api/v1/users", json={"username": username, "password": "sementara-2026", "name": name,
                                                  "role": "kader", "posyandu_id": str(world.ids["p1"])},
                           headers=world.headers("admin"))
        assert made.status_code == 201, made.get_json()
    for q in ("ÉLA", "éla", "Éla"):
        assert _names(client, world, f"q={q}") == ["ela_k"], q
    for q in ("ṢALEH", "ṣaleh", "Ṣaleh"):
        assert _names(client, world, f"q={q}") == ["saleh_n"], q
