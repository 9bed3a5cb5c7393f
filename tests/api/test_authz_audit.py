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
