"""Statements a request runs that must not grow with the rows it answers (N+1 queries). Counts, never times:
a count is the same on any machine, and each statement more is a round trip to the database server."""
from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from tests.api.test_query_plans import _statements as statements_with_params
from tests.sync.helpers import measurement_data, mutation


def _statements(app, client, path: str, headers: dict, method: str = "GET", **kwargs) -> list[str]:
    """The SQL statements a request of ``path`` runs (the test client reads a download to its end)."""
    return [statement for statement, _ in statements_with_params(app, client, path, headers, method, **kwargs)]


def _month_reads(statements: list[str]) -> list[str]:
    """The statements that read a month's visits or capsules (one or two per report and month)."""
    return [s for s in statements if "measurement" in s or "supplement" in s]


@pytest.mark.parametrize("report", ["skdn", "f1", "prevalence", "workbook"])
def test_a_reports_areas_are_named_once_however_many_months_it_covers(app, client, world, make_child, report):
    """A report over months read its areas and their names again for every month: seven statements a
    month for the same posyandu and regions (on the demo district: 99 statements for twelve months of
    SKDN, 323 for a workbook, against 11 and 47 for one month). Only the month's own visits are read again for each month."""
    make_child()
    make_child(posyandu="p2", by="kader2")
    path = f"/api/v1/reports/{report}?level=posyandu&region_code=35.25"
    one = _statements(app, client, f"{path}&month=2025-12", world.headers("dinkes_gresik"))
    twelve = _statements(app, client, f"{path}&from=2025-01&to=2025-12", world.headers("dinkes_gresik"))
    others = lambda statements: [s for s in statements if s not in _month_reads(statements)]  # noqa: E731
    assert len(others(twelve)) == len(others(one))
    if report != "workbook":  # whose coverage sheet reads the period's vitamin A rounds, one or two a year
        assert len(_month_reads(twelve)) == 12 * len(_month_reads(one))


def test_a_push_of_weighings_before_stored_ones_loads_the_records_it_changes_in_one_query(app, client, world,
                                                                                          make_child):
    """A weighing pushed for the month before a child's stored weighing moves that weighing's KMS trend and
    gain: each stored record it changed was loaded by a query of its own (with its UPDATE and audit row
    flushed before the next), a statement or three per child of a posyandu's late-synced phone."""
    today = date.today()

    def pushed(children: int) -> list[str]:
        ids = [make_child(name=f"Anak {uuid.uuid4().hex[:6]}")["id"] for _ in range(children)]
        for child_id in ids:
            weighed = {k: v for k, v in measurement_data(child_id, weight_kg=9.0).items() if k != "child_id"}
            resp = client.post(f"/api/v1/children/{child_id}/measurements", headers=world.headers("kader1"),
                               json=weighed)
            assert resp.status_code == 201, resp.get_json()
        earlier = (today.replace(day=1) - timedelta(days=10)).isoformat()  # last month's: today's N/T is judged on it
        body = {"client_id": str(uuid.uuid4()), "mutations": [
            mutation("measurement", str(uuid.uuid4()), measurement_data(child_id, measured_on=earlier, weight_kg=8.5))
            for child_id in ids]}
        return _statements(app, client, "/api/v1/sync/push", world.headers("kader1"), "POST", json=body)

    few, many = pushed(2), pushed(8)

    def reads(statements: list[str]) -> list[str]:
        return [s for s in statements if s.lstrip().startswith("SELECT") and "FROM measurement" in s]

    assert len(reads(many)) == len(reads(few))


def test_an_imports_new_children_are_compared_with_the_registered_ones_read_once_per_file(app, client, world):
    """Each row of a register that registers a child asked the database, for that child alone, for a likely
    duplicate at its posyandu (``likely_duplicates``), one of her name born on her birth date typed wrong
    (``_misdated``) and the same child at another posyandu of the area (``_at_another_posyandu``): three
    statements a row, 9,000 for an upload of 3,000. The children they compare with are read once per file
    (``imports.registered``). What a row still reads of children is by id (hers, keyed and of before, taken
    or not) and by her posyandu, sex and very birth date (registered by hand, or under another name)."""
    import io
    import re

    today = date.today()

    def imported(children: int, first: int) -> list[str]:
        rows = [f"Melati;Anak {first + i} Sehat;{'LP'[i % 2]};{today - timedelta(days=400 + 5 * (first + i)):%d/%m/%Y};"
                f"Ibu {first + i};{today - timedelta(days=3):%d/%m/%Y};9" for i in range(children)]
        body = "posyandu;nama;jenis_kelamin;tanggal_lahir;nama_ibu;tanggal_timbang;bb (kg)\n" + "\n".join(rows) + "\n"
        seen = _statements(app, client, "/api/v1/imports/visits", world.headers("bidan_a"), "POST", expect=201,
                           data={"file": (io.BytesIO(body.encode()), "k.csv")}, content_type="multipart/form-data")
        return [" ".join(s.split()) for s in seen]

    def comparisons(statements: list[str]) -> list[str]:
        reads = [s for s in statements if s.startswith("SELECT") and " FROM child " in s + " "]
        return [s for s in reads if not re.search(r"WHERE child\.id (=|IN) ", s)
                and not re.search(r"child\.posyandu_id = \S+ AND child\.sex = \S+ AND child\.birth_date = (?!ANY)", s)]

    few, many = imported(10, 0), imported(40, 100)
    assert len(many) > len(few) + 30  # each row registers its child: INSERTs, its own reads
    assert len(comparisons(many)) == len(comparisons(few)), comparisons(many)[:5]


def test_an_admins_import_loads_no_children_of_the_area_its_rows_need_not_compare_with(app, client, world, make_child):
    """The area's children an import compares a new one with (``_at_another_posyandu``: her very name,
    sex, birth date and mother at another posyandu) were read once per file for every row's birth date:
    for an admin (the whole country) or a district, every child born on any of the file's days, held at
    once. They are read ahead only for a puskesmas's area or less, and for a row with a mother's name
    only; else a row at a time, as the question is asked."""
    import io

    from sqlalchemy import event

    from posyandu.registry.models import Child

    today = date.today()
    first, second = today - timedelta(days=400), today - timedelta(days=500)
    elsewhere = {make_child(by="kader3", posyandu="p3", name=name, sex=sex, birth_date=born.isoformat())["id"]: name
                 for name, sex, born in (("Lain Satu", "F", first), ("Lain Dua", "M", second), ("Lain Tiga", "F", second))}
    body = ("posyandu;nama;jenis_kelamin;tanggal_lahir;nama_ibu;tanggal_timbang;bb (kg)\n"
            f"Melati;Tanpa Ibu;P;{first:%d/%m/%Y};;{today - timedelta(days=3):%d/%m/%Y};9\n"
            f"Melati;Dengan Ibu;P;{second:%d/%m/%Y};Ibu Sari;{today - timedelta(days=3):%d/%m/%Y};9\n")
    loaded: list[str] = []

    def seen(child, _context) -> None:
        loaded.append(str(child.id))

    event.listen(Child, "load", seen)
    try:
        resp = client.post("/api/v1/imports/visits", headers=world.headers("admin"), content_type="multipart/form-data",
                           data={"file": (io.BytesIO(body.encode()), "k.csv")})
    finally:
        event.remove(Child, "load", seen)
    assert resp.status_code == 201, resp.get_json()
    # only the one the row with a mother's name is asked about: a girl born on her day
    assert sorted(elsewhere[i] for i in set(loaded) & set(elsewhere)) == ["Lain Tiga"]
