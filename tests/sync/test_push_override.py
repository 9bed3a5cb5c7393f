"""A bidan's N/T judges a weighing's gain over the month before it: pushed from her phone after the
weighing was moved to another month, it is not laid on a month she never judged."""
from __future__ import annotations

from tests.api.test_events import weighed_t_this_month
from tests.sync.helpers import mutation, push


def test_a_judgement_made_offline_on_a_weighing_moved_since_to_another_month_is_a_conflict(client, world, make_child):
    """The bidan's phone, offline, gives the weighing of this month an N (over last month's T); meanwhile
    a kader corrects its date two months back. The merge took her N onto a weighing in a month whose gain
    she never judged (the move drops a judgement, events._written: one made after it stood). It is a
    conflict now, for her to judge the weighing where it stands; given again on that version, it is kept."""
    month, m = weighed_t_this_month(client, world, make_child)
    assert m["trend_computed"] == "T" and m["version"] == 1, m
    moved = client.patch(f"/api/v1/measurements/{m['id']}", json={"measured_on": month[2].isoformat()},
                         headers=world.headers("kader1"))
    assert moved.status_code == 200 and moved.get_json()["trend_computed"] == "T", moved.get_json()
    judged = {"trend_override": "N", "trend_override_reason": "kurva mengikuti garis pertumbuhan"}
    [r] = push(client, world.headers("bidan_a"), [mutation("measurement", m["id"], judged, base_version=1)],
               client_id="bidan-phone")
    assert r["status"] == "conflict", r
    assert r["record"]["measured_on"] == month[2].isoformat() and r["record"]["trend_override"] is None, r
    # she saw where it stands now: her judgement of it is hers to give
    [again] = push(client, world.headers("bidan_a"), [mutation("measurement", m["id"], judged, base_version=r["version"])],
                   client_id="bidan-phone")
    assert again["status"] == "applied" and again["record"]["trend"] == "N", again
