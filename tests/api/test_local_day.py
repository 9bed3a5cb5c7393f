"""The day a record may be dated, on a server in UTC (both databases): a date is in the future only after
today in WIT (UTC+9), the latest day anywhere in Indonesia (README, "Dates and time zones")."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from tests.sync.helpers import measurement_data, mutation, new_id, push


def test_a_visit_at_0730_wit_on_the_1st_is_dated_the_1st_though_utc_is_still_on_the_31st(client, world, make_child,
                                                                                        monkeypatch):
    """07:30 WIT on 1 April is 22:30 UTC on 31 March (and 05:30 WIB on 1 April): the kader's weighing
    dated 1 April is taken, by the API and by her sync; one dated 2 April is still refused."""
    import posyandu.validators as validators

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 3, 31, 22, 30, tzinfo=timezone.utc).astimezone(tz)

    child = make_child(birth_date="2026-01-01")
    monkeypatch.setattr(validators, "datetime", Clock)
    weighing = {"id": str(uuid.uuid4()), "measured_on": "2026-04-01", "weight_kg": 5.1}
    made = client.post(f"/api/v1/children/{child['id']}/measurements", json=weighing, headers=world.headers("kader1"))
    assert made.status_code == 201, made.get_json()
    ahead = client.post(f"/api/v1/children/{child['id']}/measurements", headers=world.headers("kader1"),
                        json={**weighing, "id": str(uuid.uuid4()), "measured_on": "2026-04-02"})
    assert ahead.status_code == 422 and list(ahead.get_json()["errors"]) == ["measured_on"], ahead.get_json()
    [synced] = push(client, world.headers("kader1"), [
        mutation("measurement", new_id(), measurement_data(child["id"], measured_on="2026-04-01", weight_kg=5.2))])
    assert synced["status"] == "applied", synced
