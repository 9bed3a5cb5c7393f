"""Bad input a QA sweep found answered wrongly (both databases): each is a 4xx problem on its field,
never a 500, and nothing is written."""
from __future__ import annotations

import pytest

from tests.api.test_faults import assert_problem, counts

SCHEDULE = "/api/v1/immunisation/schedule"


def schedule_document(client, world, version: str) -> dict:
    doc = client.get(f"{SCHEDULE}/versions/1", headers=world.headers("admin")).get_json()["document"]
    return {**doc, "version": version}


# --- integers no JSON column can store -----------------------------------------------------------
@pytest.mark.parametrize("where,value", [
    (("age_arithmetic",), 10 ** 20), (("age_arithmetic",), -2 ** 63 - 1), (("age_arithmetic",), {"a": [10 ** 20]}),
    (("supplements", "vitamin_a", "source"), 10 ** 20), (("supplements", "deworming", "source"), {"a": [10 ** 20]}),
])
def test_a_schedules_free_text_that_is_no_text_is_422_on_its_field_not_a_500(client, world, db, where, value):
    """The schedule's notes (``age_arithmetic``, a supplement's ``source``) were stored as they came,
    whatever JSON they held: an integer beyond 64 bits, which orjson (writing the JSON columns) does not
    write, was a 500 at the INSERT (``TypeError: Integer exceeds 64-bit range``)."""
    doc = schedule_document(client, world, "2099-big")
    node = doc
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    world.headers("admin")
    before = counts(db)
    problem = assert_problem(client.post(f"{SCHEDULE}/versions", json={"document": doc},
                                         headers=world.headers("admin", "id")), 422)
    field = ".".join(where)
    assert problem["errors"] == {f"document.{field}": [f"{field} harus berupa teks"]}, problem
    assert counts(db) == before
    doc = schedule_document(client, world, "2099-text")  # a text is taken, as before
    doc["age_arithmetic"] = "bulan kalender"
    assert client.post(f"{SCHEDULE}/versions", json={"document": doc, "active": False},
                       headers=world.headers("admin")).status_code == 201


def test_a_kbm_table_with_an_integer_beyond_64_bits_is_422_on_its_field(client, world, db):
    """The other JSON document an admin stores: its grams are integers of a range, no other key is taken."""
    world.headers("admin")  # logged in (audited) before counting
    before = counts(db)
    for url, body, field in (("/api/v1/growth/kbm", {"grams_by_month": {"1": 10 ** 20}, "source": "uji"},
                              "grams_by_month"),
                             ("/api/v1/growth/kbm", {"grams_by_month": {"1": 500}, "source": "uji", "x": 2 ** 70}, "x")):
        problem = assert_problem(client.post(url, json=body, headers=world.headers("admin")), 422)
        assert field in problem["errors"], problem
    assert counts(db) == before
