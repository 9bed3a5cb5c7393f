"""One pushed change that both moves a weighing to another month and carries a bidan's N/T: what the
server keeps (growth.operations: a move drops the judgement of the month it left, unless the change
gives one; push._judged_in_another_month; docs/sync.md: the phone's "second change", outbox._judged_in)."""
from __future__ import annotations

from datetime import timedelta

from tests.api.test_events import weighed_t_this_month
from tests.sync.helpers import mutation, push

REASON = "kurva mengikuti garis pertumbuhan"


def _get(client, world, mid: str) -> dict:
    return client.get(f"/api/v1/measurements/{mid}", headers=world.headers("bidan_a")).get_json()


def test_a_judgement_given_with_the_move_judges_the_new_month_and_is_kept(client, world, make_child):
    """Her N given in the same change that moves the weighing two months back judges it where it now
    stands (the month before that has 9.0 kg: +100 g, a computed T): kept, with her reason."""
    month, m = weighed_t_this_month(client, world, make_child)
    [r] = push(client, world.headers("bidan_a"), [mutation("measurement", m["id"], {
        "measured_on": month[2].isoformat(), "trend_override": "N", "trend_override_reason": REASON}, base_version=1)],
        client_id="bidan-phone")
    assert r["status"] == "applied", r
    now = _get(client, world, m["id"])
    assert (now["measured_on"], now["trend"], now["trend_computed"], now["weight_gain_g"], now["trend_override"],
            now["trend_override_reason"]) == (month[2].isoformat(), "N", "T", 100, "N", REASON), now


def test_a_judgement_sent_as_it_stood_with_the_move_is_dropped_and_the_second_change_keeps_it(client, world, make_child):
    """A weighing she judged N this month, moved two months back in a change that sends her N as it
    stood (no change of hers, as a kader's phone sends it): dropped, the new month's computed T counts."""
    month, m = weighed_t_this_month(client, world, make_child)
    judged = client.patch(f"/api/v1/measurements/{m['id']}", json={"trend_override": "N", "trend_override_reason": REASON},
                          headers=world.headers("bidan_a")).get_json()
    assert (judged["trend"], judged["version"]) == ("N", 2), judged
    her_n = {"trend_override": "N", "trend_override_reason": REASON}
    [moved] = push(client, world.headers("kader1"), [mutation("measurement", m["id"], {
        "measured_on": month[2].isoformat(), **her_n}, base_version=2)], client_id="kader-phone")
    assert moved["status"] == "applied", moved
    now = _get(client, world, m["id"])
    assert (now["measured_on"], now["trend"], now["trend_computed"], now["trend_override"]) == (
        month[2].isoformat(), "T", "T", None), now


def test_a_bidan_moving_her_judged_weighing_and_judging_it_there_again_keeps_it(client, world, make_child):
    """Her own phone moves her judged weighing (her N sent as it stood: dropped with the month it left)
    and gives the same N there in a second change on the same base version, as the PWA's form queues
    them: the first is applied without it, the second keeps it. Pushed one at a time (the first's
    answer lost), the same."""
    her_n = {"trend_override": "N", "trend_override_reason": REASON}
    for together in (True, False):
        month, m = weighed_t_this_month(client, world, make_child)
        judged = client.patch(f"/api/v1/measurements/{m['id']}", json=her_n, headers=world.headers("bidan_a")).get_json()
        moves = [mutation("measurement", m["id"], {"measured_on": month[2].isoformat(), **her_n}, base_version=judged["version"]),
                 mutation("measurement", m["id"], her_n, base_version=judged["version"])]
        results = (push(client, world.headers("bidan_a"), moves, client_id="bidan-phone") if together
                   else [push(client, world.headers("bidan_a"), [one], client_id="bidan-phone")[0] for one in moves])
        assert [r["status"] for r in results] == ["applied", "applied"], results
        if not together:  # (in one push, each answer's record is the weighing as the push leaves it)
            assert (results[0]["record"]["trend"], results[0]["record"]["trend_override"]) == ("T", None), results
        now = _get(client, world, m["id"])
        assert (now["measured_on"], now["trend"], now["trend_computed"], now["trend_override"], now["trend_override_reason"]) == (
            month[2].isoformat(), "N", "T", "N", REASON), (together, now)

def test_a_judgement_with_a_move_to_a_month_with_nothing_to_judge_is_refused_whole(client, world, make_child):
    """Moved before her first weighing (a computed B: no gain to judge) with an N: refused, field by
    field, never a 500; the weighing stays where it was, unjudged."""
    month, m = weighed_t_this_month(client, world, make_child)
    before_first = (month[3].replace(day=1) - timedelta(days=1)).replace(day=15)
    [r] = push(client, world.headers("bidan_a"), [mutation("measurement", m["id"], {
        "measured_on": before_first.isoformat(), "trend_override": "N", "trend_override_reason": REASON}, base_version=1)],
        client_id="bidan-phone")
    assert r["status"] == "rejected" and list(r["errors"]) == ["trend_override"], r
    now = _get(client, world, m["id"])
    assert (now["measured_on"], now["trend"], now["trend_override"], now["version"]) == (month[0].isoformat(), "T", None, 1), now
