"""Sync pushes as phones and other clients really send them: what the sync tests' own client
(tests/sync) writes one way only."""
from __future__ import annotations

import uuid
from datetime import date, timedelta

from tests.sync.helpers import child_data, measurement_data, mutation, new_id
from tests.sync.helpers import old_phone_push as push
from tests.sync.test_push_after_reassignment import _reassigned


def test_a_child_registered_before_she_left_is_kept_when_its_visit_names_it_in_upper_case(world, client, db):
    """A registration a kader made before the admin moved her is kept when the push carries a visit
    of the child dated before she left: a client that writes UUIDs in upper case (iOS, .NET) in the
    visit's child_id had the child and the visit refused, both lost, though either spelling names the
    same child everywhere else in a push."""
    from posyandu.registry.models import Child

    from posyandu.growth.models import Measurement

    _reassigned(client, world, days_ago=10)
    cid, weighing = new_id(), new_id()
    visit = (date.today() - timedelta(days=12)).isoformat()
    results = push(client, world.headers("kader1"), [
        mutation("child", cid, child_data(world.ids["p1"], birth_date=(date.today() - timedelta(days=60)).isoformat())),
        mutation("measurement", weighing, measurement_data(cid.upper(), measured_on=visit, weight_kg=4.2)),
    ])
    assert [r["status"] for r in results] == ["applied", "applied"], results
    assert [r["record"] for r in results] == [None, None]   # no longer hers to see (sync.push._apply)
    assert db.session.get(Measurement, uuid.UUID(weighing)).child_id == uuid.UUID(cid)
    assert db.session.get(Child, uuid.UUID(cid)).posyandu_id == world.ids["p1"]
