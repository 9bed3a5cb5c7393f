"""Who may see and change what, where an earlier version let a caller past their scope: each test
failed before its fix (an adversarial audit of roles × areas)."""
from __future__ import annotations

import uuid
from datetime import date

TODAY = date.today().isoformat()
NIK = "3525010101010001"


def _pull_all(client, headers, cursor=None) -> list[dict]:
    changes = []
    while True:
        page = client.get("/api/v1/sync/pull", query_string={"limit": 2, **({"cursor": cursor} if cursor else {})},
                          headers=headers).get_json()
        changes += page["changes"]
        cursor = page["cursor"]
        if not page["has_more"]:
            return changes


def test_a_posyandu_a_child_left_pulls_none_of_its_data_even_from_the_start(client, world, make_child):
    """The old posyandu's phones (a new one, a reinstalled one, a kader who joins later) pull
    from nothing: the child's past versions there must not carry its data any more."""
    child = make_child(name="Rahasia Pindah", nik=NIK, mother_name="Ibu Rahasia")
    weighing = client.post(f"/api/v1/children/{child['id']}/measurements",
                           json={"id": str(uuid.uuid4()), "measured_on": TODAY, "weight_kg": 9.1},
                           headers=world.headers("kader1"))
    assert weighing.status_code == 201
    before_move = client.get("/api/v1/sync/pull", headers=world.headers("kader1b")).get_json()["cursor"]
    assert client.patch(f"/api/v1/children/{child['id']}", json={"guardian_phone": "081234567890"},
                        headers=world.headers("kader1")).status_code == 200
    moved = client.patch(f"/api/v1/children/{child['id']}", json={"posyandu_id": str(world.ids["p2"])},
                         headers=world.headers("bidan_a"))
    assert moved.status_code == 200
    for changes in (_pull_all(client, world.headers("kader1")),
                    _pull_all(client, world.headers("kader1b"), before_move)):
        about = [c for c in changes if c["id"] in (child["id"], weighing.get_json()["id"])]
        assert about and all((c["op"], c["reason"], c["record"]) == ("delete", "out_of_scope", None) for c in about)
        assert "Rahasia" not in str(changes) and NIK not in str(changes) and "0812" not in str(changes)
    # the new posyandu gets the child and its history
    pulled = _pull_all(client, world.headers("kader2"))
    assert any(c["id"] == child["id"] and c["record"] and c["record"]["nik"] == NIK for c in pulled)
    # a child that moves away and back is pulled again in full
    back = client.patch(f"/api/v1/children/{child['id']}", json={"posyandu_id": str(world.ids["p1"])},
                        headers=world.headers("bidan_a"))
    assert back.status_code == 200
    again = [c for c in _pull_all(client, world.headers("kader1")) if c["id"] == child["id"]]
    assert again[-1]["op"] == "upsert" and again[-1]["record"]["nik"] == NIK


def _invitation(client, world, child_id: str) -> str:
    resp = client.post(f"/api/v1/children/{child_id}/invitations", headers=world.headers("kader1"))
    assert resp.status_code == 201
    return resp.get_json()["code"]


def test_an_invitation_for_a_duplicate_merged_away_links_the_parent_to_the_child_that_stands(client, world,
                                                                                               make_child):
    kept = make_child(name="Siti Aminah", sex="F")
    duplicate = make_child(name="Siti Aminah", sex="F")
    code = _invitation(client, world, duplicate["id"])
    merged = client.post(f"/api/v1/children/{kept['id']}/merge", json={"duplicate_id": duplicate["id"]},
                         headers=world.headers("bidan_a"))
    assert merged.status_code == 200
    assert client.post("/api/v1/auth/redeem", json={"code": code}, headers=world.headers("parent1")).status_code == 200
    mine = client.get("/api/v1/children", headers=world.headers("parent1")).get_json()["items"]
    assert [c["id"] for c in mine] == [kept["id"]]
    pulled = _pull_all(client, world.headers("parent1"))
    assert any(c["id"] == kept["id"] and c["op"] == "upsert" for c in pulled)


def test_an_invitation_for_a_child_deleted_since_is_refused_and_links_nothing(client, world, make_child):
    child = make_child(name="Siti Aminah", sex="F")
    codes = [_invitation(client, world, child["id"]) for _ in range(2)]
    assert client.delete(f"/api/v1/children/{child['id']}", headers=world.headers("kader1")).status_code == 204
    redeem = client.post("/api/v1/auth/redeem", json={"code": codes[0]}, headers=world.headers("parent1"))
    assert redeem.status_code == 422 and redeem.content_type == "application/problem+json"
    assert redeem.get_json()["type"].endswith("invitation_invalid") and "code" in redeem.get_json()["errors"]
    register = client.post("/api/v1/auth/register", json={"code": codes[1], "username": "ortu_baru",
                                                          "password": "rahasia-123", "name": "Ortu Baru"})
    assert register.status_code == 422 and "code" in register.get_json()["errors"]
    assert client.post("/api/v1/auth/login", json={"username": "ortu_baru", "password": "rahasia-123"}).status_code == 401
    assert client.get("/api/v1/children", headers=world.headers("parent1")).get_json()["items"] == []


def test_a_dinkes_office_cannot_export_a_child_with_its_access_history(client, world, db, make_child):
    """The export carries who read the child (names and roles), which only the parent and an admin
    read (``/children/{id}/access-log``, 403 to dinkes); staff export it for a parent without the app."""
    from sqlalchemy import func, select

    from posyandu.privacy import AccessLog

    child = make_child(name="Siti Aminah", sex="F")
    assert client.get(f"/api/v1/children/{child['id']}", headers=world.headers("dinkes_gresik")).status_code == 200
    assert client.get(f"/api/v1/children/{child['id']}/access-log",
                      headers=world.headers("dinkes_gresik")).status_code == 403
    count = lambda: db.session.scalar(select(func.count()).select_from(AccessLog))  # noqa: E731
    before = count()
    resp = client.get(f"/api/v1/children/{child['id']}/export", headers=world.headers("dinkes_gresik"))
    assert resp.status_code == 403 and resp.content_type == "application/problem+json"
    assert "Siti" not in resp.get_data(as_text=True)
    db.session.remove()
    assert count() == before  # refused: nothing disclosed, nothing logged
    for username in ("kader1", "bidan_a", "admin"):
        assert client.get(f"/api/v1/children/{child['id']}/export", headers=world.headers(username)).status_code == 200


def _history_readers(client, world, child_id: str) -> list[tuple[str, str, str | None]]:
    items = client.get(f"/api/v1/children/{child_id}/access-log", query_string={"limit": 500},
                       headers=world.headers("admin")).get_json()["items"]
    return [(i["reader"]["name"], i["action"], i["region_code"]) for i in items]


def test_a_download_of_a_region_is_logged_for_what_it_named(client, world, db, make_child):
    """The area's row in the access log is what the download named: none of a region outside
    the caller's area (refused, 404: nothing was disclosed; the parents there would read of a
    download of their child that did not happen), the caller's own area of a region wider than it."""
    month = TODAY[:7]
    mawar = make_child(by="kader2", posyandu="p2", name="Anak Mawar")
    kenanga = make_child(by="kader3", posyandu="p3", name="Anak Kenanga")
    own = make_child(name="Anak Melati")  # registered before the download: it held her
    for region, status in (("35.26", 404), ("35.25", 200)):  # a region outside her area is not hers to ask
        resp = client.get("/api/v1/exports/fhir", query_string={"month": month, "region_code": region},
                          headers=world.headers("kader1"))
        assert resp.status_code == status
        resp.get_data()
    assert not any(name == "Kader1" for name, *_ in _history_readers(client, world, kenanga["id"]))
    assert not any(name == "Kader1" for name, *_ in _history_readers(client, world, mawar["id"]))
    assert ("Kader1", "export", None) in _history_readers(client, world, own["id"])
    # a midwife's download of a region within her area: logged for each of her posyandu it held (no region row)
    resp = client.get("/api/v1/reports/workbook", query_string={"month": month, "region_code": "35.25.01.2002"},
                      headers=world.headers("bidan_a"))
    assert resp.status_code == 200 and resp.get_data()
    assert ("Bidan_A", "export", None) in _history_readers(client, world, mawar["id"])
    assert not any(name == "Bidan_A" for name, *_ in _history_readers(client, world, own["id"]))
    # a health office's, of a region: logged as the region
    resp = client.get("/api/v1/reports/workbook", query_string={"month": month, "region_code": "35.25.01.2002"},
                      headers=world.headers("dinkes_gresik"))
    assert resp.status_code == 200 and resp.get_data()
    assert ("Dinkes_Gresik", "export", "35.25.01.2002") in _history_readers(client, world, mawar["id"])
    assert not any(name == "Dinkes_Gresik" for name, *_ in _history_readers(client, world, own["id"]))


def test_a_bidans_download_is_logged_for_her_posyandu_outside_her_puskesmass_kecamatan(client, world, make_child):
    """A bidan places a posyandu of her puskesmas anywhere in its kabupaten: her downloads name its
    children too, and their parents must read of them."""
    admin = world.headers("admin")
    for code, name in (("35.25.02", "Driyorejo"), ("35.25.02.2001", "Mulung")):
        assert client.post("/api/v1/regions", json={"code": code, "name": name}, headers=admin).status_code == 201
    far = client.post("/api/v1/posyandu", json={"name": "Dahlia", "desa_code": "35.25.02.2001", "meeting_day": 10,
                                                "puskesmas_id": str(world.ids["pkm_a"])},
                      headers=world.headers("bidan_a"))
    assert far.status_code == 201
    child = client.post("/api/v1/children", json={"posyandu_id": far.get_json()["id"], "name": "Anak Dahlia",
                                                  "sex": "F", "birth_date": "2025-01-02"},
                        headers=world.headers("bidan_a")).get_json()
    resp = client.get("/api/v1/reports/workbook", query_string={"month": TODAY[:7]}, headers=world.headers("bidan_a"))
    assert resp.status_code == 200 and resp.get_data()
    assert any(name == "Bidan_A" and action == "export" for name, action, _ in
               _history_readers(client, world, child["id"]))


def test_a_midwifes_download_is_not_told_to_the_families_of_another_puskesmas_in_the_region_of_her_posyandu(
        client, world, make_child):
    """Her download was logged as the region holding all her posyandu: one placed in another kecamatan made it
    the kabupaten, and the families of every other puskesmas there read of a download that held none of their
    children. It is logged for each posyandu of hers it held."""
    admin = world.headers("admin")
    for code, name in (("35.25.02", "Driyorejo"), ("35.25.02.2001", "Mulung")):
        assert client.post("/api/v1/regions", json={"code": code, "name": name}, headers=admin).status_code == 201
    pkm_c = client.post("/api/v1/puskesmas", json={"name": "PKM Driyorejo", "kecamatan_code": "35.25.02", "code": "PC"},
                        headers=admin).get_json()
    theirs = client.post("/api/v1/posyandu", json={"name": "Anggrek", "desa_code": "35.25.02.2001", "meeting_day": 12,
                                                   "puskesmas_id": pkm_c["id"]}, headers=admin).get_json()
    neighbour = client.post("/api/v1/children", json={"posyandu_id": theirs["id"], "name": "Anak Anggrek", "sex": "F",
                                                      "birth_date": "2025-01-02"}, headers=admin).get_json()
    far = client.post("/api/v1/posyandu", json={"name": "Dahlia", "desa_code": "35.25.02.2001", "meeting_day": 10,
                                                "puskesmas_id": str(world.ids["pkm_a"])}, headers=world.headers("bidan_a"))
    assert far.status_code == 201
    hers = make_child(name="Anak Melati")
    resp = client.get("/api/v1/reports/workbook", query_string={"month": TODAY[:7]}, headers=world.headers("bidan_a"))
    assert resp.status_code == 200 and resp.get_data()
    assert ("Bidan_A", "export", None) in _history_readers(client, world, hers["id"])
    assert not any(name == "Bidan_A" for name, *_ in _history_readers(client, world, neighbour["id"]))


def test_a_regions_download_is_told_to_the_families_of_the_posyandu_that_stood_in_it_then(client, world, make_child):
    """A region's download was matched with the desa the posyandu stands in now: after Melati's desa changed,
    its families read of a download of the new desa from before (which held none of them) and lost the one
    of the old desa while they were in it (which held them)."""
    child = make_child(name="Anak Melati")  # Melati, in Sumbergede (35.25.01.2001)
    for region in ("35.25.01.2001", "35.25.01.2002"):  # Sumbergede (held her), Sooko (did not)
        resp = client.get("/api/v1/reports/workbook", query_string={"month": TODAY[:7], "region_code": region},
                          headers=world.headers("dinkes_gresik"))
        assert resp.status_code == 200 and resp.get_data()
    moved = client.patch(f"/api/v1/posyandu/{world.ids['p1']}", json={"desa_code": "35.25.01.2002"},
                         headers=world.headers("admin"))
    assert moved.status_code == 200, moved.get_json()
    resp = client.get("/api/v1/reports/workbook", query_string={"month": TODAY[:7], "region_code": "35.25.01.2002"},
                      headers=world.headers("dinkes_gresik"))  # Sooko now holds her
    assert resp.status_code == 200 and resp.get_data()
    told = [region for name, action, region in _history_readers(client, world, child["id"]) if name == "Dinkes_Gresik"]
    assert told == ["35.25.01.2002", "35.25.01.2001"], told  # newest first


def test_a_download_of_a_posyandu_within_a_region_is_logged_for_the_posyandu_alone(client, world, make_child):
    """A download asked for one posyandu and a region names the posyandu's children at most: its row
    named the region too, so every child of the region (of another posyandu, or of a region the
    posyandu is not even in, when nothing was downloaded) read of a download of their data."""
    month = TODAY[:7]
    own, mawar = make_child(name="Anak Melati"), make_child(by="kader2", posyandu="p2", name="Anak Mawar")
    kenanga = make_child(by="kader3", posyandu="p3", name="Anak Kenanga")
    for region, status in (("35.25", 200), ("35.26", 404)):  # a region outside her area is not hers to ask
        resp = client.get("/api/v1/exports/fhir", headers=world.headers("bidan_a"),
                          query_string={"month": month, "posyandu_id": str(world.ids["p1"]), "region_code": region})
        assert resp.status_code == status
        resp.get_data()
    assert [(name, action) for name, action, _ in _history_readers(client, world, own["id"])
            if name == "Bidan_A"] == [("Bidan_A", "export")]
    assert not any(name == "Bidan_A" for name, *_ in _history_readers(client, world, mawar["id"]))
    assert not any(name == "Bidan_A" for name, *_ in _history_readers(client, world, kenanga["id"]))


def test_a_merge_across_posyandu_leaves_no_duplicate_flag_naming_a_child_of_the_other_posyandu(client, world, make_child):
    """Duplicate flags stay within one posyandu, as after a move: a merge of a duplicate registered at
    Mawar (p2) into a child of Melati (p1) passed the duplicate's flag against a third child of Mawar to
    the child that stands, and flagged Mawar's child that was flagged against the duplicate against the
    child of Melati: each posyandu's kader saw the id of a child she is answered 404 for, and the pair
    could be settled by no one who sees one side only. Now the child that stands takes no flag from
    the other posyandu, and Mawar's child is judged again among Mawar's children."""
    born = "2025-02-01"
    # the duplicate flagged against a third child of Mawar
    third = make_child(by="kader2", posyandu="p2", name="Dewi Lestari", sex="F", birth_date=born)
    duplicate = make_child(by="kader2", posyandu="p2", name="Dewi Lestari", sex="F", birth_date=born)
    assert duplicate["possible_duplicate_of"] == third["id"]
    # a child of Mawar flagged against the duplicate
    other = make_child(by="kader2", posyandu="p2", name="Rina Wati", sex="F", birth_date=born)
    later = make_child(by="kader2", posyandu="p2", name="Rina Wati", sex="F", birth_date=born)
    assert later["possible_duplicate_of"] == other["id"]
    for standing, merged_away in ((make_child(name="Dewi Lestari", sex="F", birth_date=born), duplicate),
                                  (make_child(name="Rina Wati", sex="F", birth_date=born), other)):
        assert standing["possible_duplicate_of"] is None
        merged = client.post(f"/api/v1/children/{standing['id']}/merge", json={"duplicate_id": merged_away["id"]},
                             headers=world.headers("bidan_a"))
        assert merged.status_code == 200, merged.get_json()
        assert merged.get_json()["possible_duplicate_of"] is None
    for who in ("kader1", "kader2"):
        children = client.get("/api/v1/children", headers=world.headers(who)).get_json()["items"]
        mine = {c["id"] for c in children}
        for child in children:
            assert child["possible_duplicate_of"] in mine | {None}, (who, child["name"], child["possible_duplicate_of"])
    # Mawar's child flagged against the duplicate merged away is judged again there: no other Rina Wati
    assert client.get(f"/api/v1/children/{later['id']}", headers=world.headers("kader2")).get_json()[
        "possible_duplicate_of"] is None
