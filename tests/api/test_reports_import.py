"""Importing children and visits from a puskesmas spreadsheet: dry run, all or nothing,
accept_valid, idempotency, duplicates, XLSX, the CLI (both databases)."""
from __future__ import annotations

import io
import uuid
from datetime import datetime

import pytest
from sqlalchemy import func, select

FILE = """posyandu;nama;jenis_kelamin;tanggal_lahir;nik;bb_lahir (kg);tanggal_timbang;bb (kg);tb/pb (cm);posisi
Melati;Rara Putri;P;15/01/2025;3525015501250001;3,1;10/06/2025;7,2;65,5;berbaring
Melati;Rara Putri;P;15/01/2025;3525015501250001;3,1;10/07/2025;7,5;67;berbaring
Melati;Dodi Saputra;L;01/02/2025;;3200;10/06/2025;6,9;;
Kenanga;Eka Wijaya;L;01/02/2025;;;10/06/2025;6,9;;
Mawar;Fani Lestari;P;2025-03-01;352501410325000;;2025-06-10;6800;;
Mawar;Gita Sari;P;2025-03-01;;;2025-02-10;5;;
Melati;Budi Santosa;L;2024-05-02;;;2025-06-10;9;;
"""
# Row 4: birth weight in grams. Row 5: Kenanga is outside PKM A's area. Row 6: a 15-digit NIK (leading zero
# lost) and the weight in grams. Row 7: weighed before birth. Row 8: likely the Budi Santoso already registered.
HEAD = "posyandu,nama,jenis_kelamin,tanggal_lahir,tanggal_timbang,bb\n"
BAD_ROWS = {"4": {"bb_lahir (kg)"}, "5": {"posyandu"}, "6": {"nik", "bb (kg)"}, "7": {"tanggal_timbang"}, "8": {"nama"}}


@pytest.fixture
def budi(make_child):
    return make_child(name="Budi Santoso", sex="M", birth_date="2024-05-01")


def upload(client, world, body=FILE, query="", name="kunjungan.csv", who="bidan_a", lang=None):
    data = body.encode() if isinstance(body, str) else body
    return client.post(f"/api/v1/imports/visits?{query}", data={"file": (io.BytesIO(data), name)},
                       headers=world.headers(who, *([lang] if lang else [])), content_type="multipart/form-data")


def refused_alone(resp):
    """The one row an import with accept_valid refused (the others imported)."""
    assert resp.status_code == 201, resp.get_json()
    [refused] = resp.get_json()["errors"]
    return refused


def counts(db, world=None):
    """Children, measurements, audit rows, change-log rows (after the bidan logged in: logins are audited)."""
    from posyandu.audit import AuditLog
    from posyandu.growth.models import Measurement
    from posyandu.registry.models import Child
    from posyandu.sync.models import ChangeLog

    if world is not None:
        world.token("bidan_a")
    db.session.remove()
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Child, Measurement, AuditLog, ChangeLog))


def refused_attempt(before, attempts=1):
    """The counts of ``before`` after a refused import: nothing kept but its audit row of the attempt."""
    children, visits, audits, changes = before
    return children, visits, audits + attempts, changes


def test_a_dry_run_lists_every_bad_row_and_why_and_saves_nothing(client, world, db, budi):
    before = counts(db, world)
    resp = upload(client, world, query="dry_run=true")
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert (body["dry_run"], body["committed"], body["rows"], body["valid_rows"], body["invalid_rows"]) == (True, False, 7, 2, 5)
    assert (body["children_created"], body["visits_created"]) == (1, 2)
    assert {str(e["row"]): set(e["errors"]) for e in body["errors"]} == BAD_ROWS
    why = {str(e["row"]): e["errors"] for e in body["errors"]}
    assert "gram" in why["4"]["bb_lahir (kg)"][0] and "gram" in why["6"]["bb (kg)"][0]
    assert "leading zero" in why["6"]["nik"][0] and "Kenanga" in why["5"]["posyandu"][0]
    assert "Budi Santoso" in why["8"]["nama"][0] and "date of birth" in why["7"]["tanggal_timbang"][0]
    assert counts(db, world) == before


def test_messages_come_in_bahasa_indonesia_by_default(client, world, budi):
    resp = client.post("/api/v1/imports/visits?dry_run=true", data={"file": (io.BytesIO(FILE.encode()), "k.csv")},
                       headers={**world.headers("bidan_a"), "Accept-Language": "id"}, content_type="multipart/form-data")
    why = {str(e["row"]): e["errors"] for e in resp.get_json()["errors"]}
    assert "angka 0 di depan" in why["6"]["nik"][0] and "tampaknya dalam gram" in why["4"]["bb_lahir (kg)"][0]


def test_a_file_with_bad_rows_is_refused_whole(client, world, db, budi):
    before = counts(db, world)
    resp = upload(client, world)
    assert resp.status_code == 422 and resp.mimetype == "application/problem+json"
    problem = resp.get_json()
    assert set(problem["errors"]["rows"]) == set(BAD_ROWS) and "accept_valid" in problem["detail"]
    assert counts(db, world) == refused_attempt(before)


def test_a_refused_import_leaves_an_audit_row_of_the_attempt(app, client, world, db, budi, tmp_path, monkeypatch):
    """A file refused whole (a bad row; unreadable, or too long) left no audit row: its import_start was
    rolled back with it, so who tried to import which file was nowhere. The attempt is audited, on its
    own, after the rollback; nothing else is kept. A dry run is a check, not an import: none."""
    import hashlib

    from posyandu.audit import AuditLog
    from posyandu.auth.models import User

    def attempts():
        db.session.remove()
        return [(a.action, a.user_id, a.client_id, a.record_id, a.changes, a.reason) for a in db.session.scalars(
            select(AuditLog).where(AuditLog.entity == "visits_file").order_by(AuditLog.id))]

    bidan = db.session.scalar(select(User.id).where(User.username == "bidan_a"))
    children, visits, audits, changes = counts(db, world)
    assert upload(client, world, query="dry_run=true").status_code == 200 and attempts() == []
    assert upload(client, world).status_code == 422
    digest = hashlib.sha256(FILE.encode()).hexdigest()
    assert attempts() == [("import_refused", bidan, None, digest,
                           {"filename": "kunjungan.csv", "rows": 7, "invalid_rows": 5}, "refused")]
    assert counts(db, world) == (children, visits, audits + 1, changes)
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 3)
    assert upload(client, world, name="besar.csv").status_code == 422  # refused before any row is read
    assert attempts()[1][:5] == ("import_refused", bidan, None, digest, {"filename": "besar.csv", "rows": None,
                                                                          "invalid_rows": None})
    assert attempts()[1][5].startswith("refused: the file has 7 rows"), attempts()
    path = tmp_path / "kunjungan.csv"
    path.write_text(FILE, encoding="utf-8")
    monkeypatch.setenv("SUDO_USER", "pak_admin")
    assert app.test_cli_runner().invoke(args=["import-visits", str(path), "--as", "bidan_a"]).exit_code == 1
    assert attempts()[2] == ("import_refused", bidan, "cli:pak_admin", digest,
                             {"filename": "kunjungan.csv", "rows": 7, "invalid_rows": 5}, "refused")
    unreadable = tmp_path / "kunjungan.pdf"
    unreadable.write_bytes(b"%PDF-1.4")
    assert app.test_cli_runner().invoke(args=["import-visits", str(unreadable), "--as", "bidan_a"]).exit_code == 1
    assert attempts()[3][:5] == ("import_refused", bidan, "cli:pak_admin", hashlib.sha256(b"%PDF-1.4").hexdigest(),
                                 {"filename": "kunjungan.pdf", "rows": None, "invalid_rows": None}), attempts()
    assert counts(db, world)[:2] + counts(db, world)[3:] == (children, visits, changes)


def test_accept_valid_keeps_the_good_rows_with_growth_audit_and_change_log(client, world, db, budi):
    from posyandu.audit import AuditLog
    from posyandu.growth.models import Measurement
    from posyandu.registry.models import Child
    from posyandu.sync.models import ChangeLog

    children, visits, audits, changes = counts(db, world)
    resp = upload(client, world, query="accept_valid=true")
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert (body["committed"], body["children_created"], body["visits_created"], body["invalid_rows"]) == (True, 1, 2, 5)
    rara = db.session.scalar(select(Child).where(Child.name == "Rara Putri"))
    assert (rara.nik, rara.sex, rara.birth_weight_kg, str(rara.posyandu_id)) == ("3525015501250001", "F", 3.1, str(world.ids["p1"]))
    june, july = db.session.scalars(select(Measurement).where(Measurement.child_id == rara.id).order_by(Measurement.measured_on))
    # z-scores computed once for the child at the end; July: +300 g at 5 months (KBM 500 g) → T.
    assert june.z_wfa is not None and june.trend == "B" and july.trend == "T" and july.position == "lying"
    assert counts(db, world) == (children + 1, visits + 2, audits + 5, changes + 3)  # start, child, 2 visits, result
    actions = set(db.session.scalars(select(AuditLog.action).where(AuditLog.entity == "visits_file")))
    assert actions == {"import_start", "import"}
    assert db.session.scalar(select(func.count()).select_from(ChangeLog).where(ChangeLog.child_id == rara.id)) == 3


def test_importing_the_same_file_twice_changes_nothing(client, world, db, budi):
    first = upload(client, world, query="accept_valid=true").get_json()
    after_first = counts(db, world)
    second = upload(client, world, query="accept_valid=true").get_json()
    assert (second["children_created"], second["children_matched"], second["visits_created"], second["visits_unchanged"]) == (0, 1, 0, 2)
    assert first["children_created"] == 1
    children, visits, audits, changes = counts(db, world)
    assert (children, visits, changes) == after_first[:2] + after_first[3:]  # only the import's own audit rows added


def test_a_child_registered_by_nik_gets_the_visits(client, world, db, make_child):
    from posyandu.growth.models import Measurement

    siti = make_child(name="Siti Aminah", sex="F", birth_date="2025-01-15", nik="3525015501250002")
    body = ("posyandu,nama,jenis_kelamin,tanggal_lahir,nik,tanggal_timbang,bb\n"
            "Posyandu Melati,Siti Aminah,P,2025-01-15,3525015501250002,2025-06-10,7.1\n")
    resp = upload(client, world, body)
    assert resp.status_code == 201 and resp.get_json()["children_matched"] == 1, resp.get_json()
    assert [str(m.child_id) for m in db.session.scalars(select(Measurement))] == [siti["id"]]


def test_a_nik_of_a_registered_child_born_another_day_is_refused_not_given_the_visits(client, world, db, make_child):
    """A NIK typed wrong can be another child's: a boy born 2024 weighed onto a girl born 2025 (the
    z-scores computed with her age and sex) was matched silently."""
    make_child(name="Siti Aminah", sex="F", birth_date="2025-01-15", nik="3525015501250002")
    body = ("posyandu,nama,jenis_kelamin,tanggal_lahir,nik,tanggal_timbang,bb\n"
            "Melati,Ahmad Fauzi,L,2024-03-02,3525015501250002,2025-06-10,9.1\n"
            "Melati,Siti Aminah,P,15/01/2025,3525015501250002,2025-06-10,7.1\n")
    resp = upload(client, world, body, query="dry_run=true").get_json()
    assert [e["row"] for e in resp["errors"]] == [2] and resp["children_matched"] == 1, resp
    why = resp["errors"][0]["errors"]  # the NIK's own digits say she is a girl born 15/01/25
    assert set(why) == {"nik"} and "female born 15/01/25" in why["nik"][0], why
    # a child registered by hand with a birth date its NIK does not show: a row agreeing with the NIK is
    # still refused, naming the registered child
    make_child(name="Rara Putri", sex="F", birth_date="2025-01-16", nik="3525015501250001")
    body = ("posyandu,nama,jenis_kelamin,tanggal_lahir,nik,tanggal_timbang,bb\n"
            "Melati,Rara Putri,P,2025-01-15,3525015501250001,2025-06-10,7.1\n")
    why = upload(client, world, body, query="dry_run=true").get_json()["errors"][0]["errors"]
    assert set(why) == {"tanggal_lahir"} and "Rara Putri" in why["tanggal_lahir"][0], why
    assert "has 16 Jan 2025:" in why["tanggal_lahir"][0], why  # not 2025-01-16


def test_a_twins_nik_on_the_other_twins_row_is_refused_not_given_her_visits(client, world, db, make_child):
    """Twins share a birth date and sex, which is all a NIK says: a row of Husain with Hasan's NIK had its
    6.4 kg weighed onto Hasan, without a word. A spelling of the same name still matches."""
    from posyandu.growth.models import Measurement

    hasan = make_child(name="Hasan Basri", sex="M", birth_date="2025-01-15", nik="3525011501250001")
    make_child(name="Husain Basri", sex="M", birth_date="2025-01-15", nik="3525011501250002")
    body = ("posyandu,nama,jenis_kelamin,tanggal_lahir,nik,tanggal_timbang,bb\n"
            "Melati,Husain Basri,L,15/01/2025,3525011501250001,10/06/2025,6.4\n"
            "Melati,Hasan Bashri,L,15/01/2025,3525011501250001,10/07/2025,6.9\n")
    refused = refused_alone(upload(client, world, body, query="accept_valid=true"))
    assert refused["row"] == 2 and set(refused["errors"]) == {"nik"}, refused
    assert "registered for Hasan Basri, not Husain Basri" in refused["errors"]["nik"][0], refused
    assert [(str(m.child_id), m.weight_kg) for m in db.session.scalars(select(Measurement))] == [(hasan["id"], 6.9)]


def test_a_decimal_comma_in_a_comma_separated_file_is_refused_not_cut(client, world, db):
    """7,2 unquoted in a comma-separated file is two cells, 7 and 2: the 2 fell under no header and was
    dropped, and 7.0 kg was stored without a word."""
    from posyandu.growth.models import Measurement

    body = ("posyandu,nama,jenis_kelamin,tanggal_lahir,tanggal_timbang,bb (kg)\n"
            "Melati,Rara Putri,P,15/01/2025,10/06/2025,7,2\n"
            "Melati,Dodi Saputra,L,01/02/2025,10/06/2025,6.9\n")
    refused = refused_alone(upload(client, world, body, query="accept_valid=true"))
    assert refused["row"] == 2 and list(refused["errors"]) == ["bb (kg)"], refused
    assert "1 more cell than the header (2)" in refused["errors"]["bb (kg)"][0], refused
    assert "decimal comma" in refused["errors"]["bb (kg)"][0], refused
    assert [m.weight_kg for m in db.session.scalars(select(Measurement))] == [6.9]


def test_a_cell_split_by_a_semicolon_in_a_semicolon_file_is_not_said_to_be_a_decimal_comma(client, world):
    """A ";" typed in a mother's name in a file separated by ";": the row is one cell wider than its header,
    and the answer asked about a decimal comma in a comma-separated file, which this file is not."""
    body = ("posyandu;nama;jenis_kelamin;tanggal_lahir;nama_ibu;tanggal_timbang;bb (kg)\n"
            "Melati;Rara Putri;P;15/01/2025;Sri; Wahyuni;10/06/2025;7,2\n")
    [refused] = upload(client, world, body, query="dry_run=true").get_json()["errors"]
    said = refused["errors"]["bb (kg)"][0]  # (then the date read under BB: no weight)
    assert "1 more cell than the header (7,2)" in said and "separator (';'" in said and "decimal" not in said, said
    said = client.post("/api/v1/imports/visits?dry_run=true", data={"file": (io.BytesIO(body.encode()), "k.csv")},
                       headers={**world.headers("bidan_a"), "Accept-Language": "id"}, content_type="multipart/form-data")
    assert "pemisah berkas (';'" in said.get_json()["errors"][0]["errors"]["bb (kg)"][0]


def test_a_workbook_named_csv_is_read_as_the_workbook_and_an_old_excel_or_a_pdf_is_told_as_such(client, world, db):
    """A register saved as .xlsx and renamed (or sent by a phone as "data.csv") was answered "missing
    columns", as was an old .xls or a PDF of the register: the file's first bytes say what it is."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Posyandu", "Nama", "JK", "Tgl Lahir", "Tgl Timbang", "BB (kg)"])
    book.active.append(["Melati", "Rara Putri", "P", datetime(2025, 1, 15), datetime(2025, 6, 10), 7.2])
    file = io.BytesIO()
    book.save(file)
    for name in ("data.csv", "register.xls"):  # a workbook, whatever its name says
        read = upload(client, world, file.getvalue(), query="dry_run=true", name=name)
        assert read.status_code == 200 and (read.get_json()["rows"], read.get_json()["errors"]) == (1, []), read.get_json()
    # Excel wraps a workbook protected by a password as an old one: told to take the password off
    locked = upload(client, world, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), query="dry_run=true", name="k.xlsx")
    assert "protected by a password" in locked.get_json()["errors"]["file"][0], locked.get_json()
    before = counts(db, world)
    for content, name, said in ((b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "register.xls", "old Excel workbook (.xls)"),
                                (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "register.csv", "old Excel workbook (.xls)"),
                                (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", "register.csv", "a PDF, not a spreadsheet")):
        resp = upload(client, world, content, name=name)
        assert resp.status_code == 422 and said in resp.get_json()["errors"]["file"][0], (name, resp.get_json())
    assert counts(db, world) == refused_attempt(before, attempts=3)


@pytest.mark.parametrize("name", ["register.ods", "register.xlsx"])
def test_a_libreoffice_spreadsheet_is_told_to_be_saved_as_xlsx(client, world, db, name):
    """LibreOffice's own format (.ods, a zip too) was answered only "not a readable XLSX workbook": it is told
    to save it as .xlsx (Excel 2007-365), as an old .xls is, whatever its name."""
    import zipfile

    ods = io.BytesIO()
    with zipfile.ZipFile(ods, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    resp = client.post("/api/v1/imports/visits?dry_run=true", data={"file": (io.BytesIO(ods.getvalue()), name)},
                       headers=world.headers("bidan_a", "id"), content_type="multipart/form-data")
    assert resp.status_code == 422 and resp.get_json()["errors"]["file"] == [
        "lembar kerja LibreOffice (.ods): buka lalu simpan sebagai .xlsx (Excel 2007-365) atau CSV, lalu impor berkas "
        "itu"], resp.get_json()


def test_in_a_file_written_month_first_a_date_either_way_is_refused_not_swapped(client, world, db):
    """A spreadsheet set to English (US) writes every date month first: 1/20/2025 was refused, but
    3/5/2025 (5 March) was read as 3 May and 6/10/2025 (10 June) as 6 October, and kept with
    accept_valid. A file showing one month-first date now has its dates either way refused too;
    a file written day first, and a day equal to its month, read as before."""
    from posyandu.growth.models import Measurement

    body = ("posyandu,nama,jenis_kelamin,tanggal_lahir,tanggal_timbang,bb\n"
            "Melati,Rara Putri,P,1/20/2025,6/10/2025,7.2\n"
            "Melati,Dodi Saputra,L,3/5/2025,6/10/2025,6.9\n"
            "Melati,Eka Wijaya,L,5/5/2025,10/10/2025,6.1\n")
    resp = upload(client, world, body, query="accept_valid=true")
    assert resp.status_code == 201, resp.get_json()
    refused = {e["row"]: set(e["errors"]) for e in resp.get_json()["errors"]}
    assert refused == {2: {"tanggal_lahir", "tanggal_timbang"}, 3: {"tanggal_lahir", "tanggal_timbang"}}, refused
    assert "may be month first" in resp.get_json()["errors"][1]["errors"]["tanggal_lahir"][0]
    assert [m.measured_on.isoformat() for m in db.session.scalars(select(Measurement))] == ["2025-10-10"]
    day_first = ("posyandu,nama,jenis_kelamin,tanggal_lahir,tanggal_timbang,bb\n"
                 "Melati,Sari Dewi,P,20/01/2025,06/10/2025,7.2\n"
                 "Melati,Bayu Aji,L,03/05/2025,06/10/2025,6.9\n")
    assert upload(client, world, day_first, query="dry_run=true").get_json()["errors"] == []


def test_a_file_imported_again_after_its_child_was_merged_adds_no_visit(client, world, db, make_child):
    """The imported child, a duplicate of one registered by hand, is merged into it: importing the
    same file again (or next month's, which repeats it) found the visit under the other child's id
    and recorded it a second time."""
    from posyandu.growth.models import Measurement
    from posyandu.registry.models import Child

    body = ("posyandu,nama,jenis_kelamin,tanggal_lahir,nik,tanggal_timbang,bb\n"
            "Melati,Rara Putri,P,2025-01-15,3525015501250001,2025-06-10,7.2\n")
    assert upload(client, world, body).get_json()["visits_created"] == 1
    imported = db.session.scalar(select(Child.id).where(Child.name == "Rara Putri"))
    by_hand = make_child(name="Rara P", sex="F", birth_date="2025-01-15")
    merged = client.post(f"/api/v1/children/{by_hand['id']}/merge", json={"duplicate_id": str(imported)},
                         headers=world.headers("bidan_a"))
    assert merged.status_code == 200, merged.get_json()
    again = upload(client, world, body).get_json()
    assert (again["children_matched"], again["visits_created"], again["visits_unchanged"]) == (1, 0, 1), again
    db.session.remove()
    assert [str(m.child_id) for m in db.session.scalars(select(Measurement))] == [by_hand["id"]]


def test_a_file_imported_again_after_the_child_it_found_was_merged_finds_where_she_stands(client, world, db, make_child):
    """A row found the child a kader registered by hand (her very name, sex and birth date, no NIK); a
    bidan then merged that record into the child's first registration (a day off, another name). The
    same file again was refused as "likely the same child as" the standing one, and its advice
    ("Bukan Duplikat: ya") registered her a third time with the weighing twice: the row finds the
    child the record it found was merged into, its visit unchanged."""
    from posyandu.growth.models import Measurement
    from posyandu.registry.models import Child

    first = make_child(name="Putri Rahmawati", sex="F", birth_date="2025-07-12", nik="3525015207250001")
    by_hand = make_child(name="Putri", sex="F", birth_date="2025-07-13")
    body = ("posyandu,nama,jenis_kelamin,tanggal_lahir,nama_ibu,tanggal_timbang,bb\n"
            "Melati,Putri,P,2025-07-13,Umi Rahmawati,2025-12-01,5.0\n")
    done = upload(client, world, body).get_json()
    assert (done["children_matched"], done["visits_created"]) == (1, 1), done
    merged = client.post(f"/api/v1/children/{first['id']}/merge", json={"duplicate_id": by_hand["id"]},
                         headers=world.headers("bidan_a"))
    assert merged.status_code == 200, merged.get_json()
    before = counts(db, world)
    again = upload(client, world, body)
    assert again.status_code == 201, again.get_json()
    again = again.get_json()
    assert (again["children_matched"], again["children_created"], again["visits_created"], again["visits_unchanged"]) \
        == (1, 0, 0, 1), again
    db.session.remove()
    assert counts(db)[:2] == before[:2]
    assert [str(m.child_id) for m in db.session.scalars(select(Measurement))] == [first["id"]]
    assert [str(i) for i in db.session.scalars(select(Child.id).where(Child.deleted_at.is_(None)))] == [first["id"]]


def test_a_nik_registered_outside_the_importers_area_is_not_revealed(client, world, db, make_child):
    """A NIK of a Kenanga child (PKM B) in PKM A's file: the answer must not tell bidan_a that the NIK
    is registered elsewhere. The row registers a child of Melati, as a registration by hand would;
    a NIK of her own area still finds its child at another of her posyandu."""
    make_child(by="kader3", posyandu="p3", name="Eka Wijaya", sex="M", birth_date="2025-02-01", nik="3526010102250001")
    body = ("posyandu,nama,jenis_kelamin,tanggal_lahir,nik,tanggal_timbang,bb\n"
            "Posyandu Melati,Eka Wijaya,L,2025-02-01,3526010102250001,2025-06-10,6.9\n")
    resp = upload(client, world, body, query="dry_run=true")
    assert resp.status_code == 200 and "another posyandu" not in resp.get_data(as_text=True), resp.get_json()
    assert resp.get_json()["children_created"] == 1 and not resp.get_json()["errors"], resp.get_json()
    make_child(by="kader2", posyandu="p2", name="Fani Lestari", sex="F", birth_date="2025-03-01", nik="3525014103250001")
    body = ("posyandu,nama,jenis_kelamin,tanggal_lahir,nik,tanggal_timbang,bb\n"
            "Posyandu Melati,Fani Lestari,P,2025-03-01,3525014103250001,2025-06-10,6.8\n")
    [error] = upload(client, world, body, query="dry_run=true").get_json()["errors"]
    assert "another posyandu" in error["errors"]["nik"][0]
    # named when it is one of hers (she is told where to import the row, or whom to move)
    assert "another posyandu (Mawar)" in error["errors"]["nik"][0], error


def test_a_child_the_file_gives_two_posyandu_is_refused_naming_the_row_that_gave_the_first(client, world, db):
    """A register listing a child under two posyandu (her NIK in Melati's rows and in Mawar's): the second
    was refused as "registered at another posyandu (Melati)" on a first import, when she was registered
    nowhere but by the file's own earlier row: the bidan looked for her in the app. The row is named."""
    body = ("posyandu,nama,jenis_kelamin,tanggal_lahir,nik,tanggal_timbang,bb\n"
            "Posyandu Melati,Fani Lestari,P,2025-03-01,3525014103250001,2025-06-10,6.8\n"
            "Mawar,Fani Lestari,P,2025-03-01,3525014103250001,2025-07-10,7.2\n")
    [error] = upload(client, world, body, query="dry_run=true").get_json()["errors"]
    assert error == {"row": 3, "name": "Fani Lestari", "errors": {"nik": [
        "row 2 of this file records this child at another posyandu (Melati): one child, one posyandu; "
        "correct the posyandu in one of the rows"]}}, error
    # once she is registered (the first row imported), the same row is told where she is registered
    assert upload(client, world, body, query="accept_valid=true").status_code == 201
    [error] = upload(client, world, "\n".join(body.splitlines()[::2]) + "\n", query="dry_run=true").get_json()["errors"]
    assert error["errors"]["nik"] == ["this child is registered at another posyandu (Melati)"], error


def test_a_child_moved_out_of_the_importers_area_is_refused_without_naming_where(client, world, db, make_child):
    """The child imported at Melati moved to Kenanga (another puskesmas): the old file imported again
    is refused on the row, without telling bidan_a which posyandu the child is at now."""
    body = ("posyandu,nama,jenis_kelamin,tanggal_lahir,nik,tanggal_timbang,bb\n"
            "Posyandu Melati,Fani Lestari,P,2025-03-01,3525014103250001,2025-06-10,6.8\n")
    assert upload(client, world, body).status_code == 201
    from posyandu.registry.models import Child

    with client.application.app_context():
        db.session.scalar(select(Child).where(Child.name == "Fani Lestari")).posyandu_id = world.ids["p3"]
        db.session.commit()
    [error] = upload(client, world, body, query="dry_run=true").get_json()["errors"]
    assert error["errors"]["nik"] == ["this child is registered at another posyandu"], error


def test_a_file_imported_again_after_its_child_moved_within_the_area_finds_her_visits_unchanged(client, world, db):
    """Last month's Melati register imported again after a child moved to Mawar (both the bidan's): her rows
    were refused ("registered at another posyandu (Mawar)") though they gave nothing new, and the file with
    them. They are matched and unchanged, nothing written; a new visit of hers in it is still refused, naming Mawar."""
    from posyandu.registry.models import Child

    body = ("posyandu,nama,jenis_kelamin,tanggal_lahir,nik,tanggal_timbang,bb\n"
            "Posyandu Melati,Fani Lestari,P,2025-03-01,3525014103250001,2025-06-10,6.8\n"
            "Posyandu Melati,Gita Sari,P,2025-03-05,,2025-06-10,6.1\n")
    assert upload(client, world, body).status_code == 201
    moved = client.patch(f"/api/v1/children/{db.session.scalar(select(Child.id).where(Child.name == 'Fani Lestari'))}",
                         json={"posyandu_id": world.ids["p2"]}, headers=world.headers("bidan_a"))
    assert moved.status_code == 200, moved.get_json()
    before = counts(db, world)
    again = upload(client, world, body)
    assert again.status_code == 201, again.get_json()
    got = again.get_json()
    assert (got["children_matched"], got["visits_created"], got["visits_unchanged"], got["errors"]) == (2, 0, 2, []), got
    assert counts(db, world)[:2] == before[:2]
    later = body.replace("2025-06-10,6.8", "2025-07-10,7.1")
    [error] = upload(client, world, later, query="dry_run=true").get_json()["errors"]
    assert error["errors"]["nik"] == ["this child is registered at another posyandu (Mawar)"], error
    # after a row of hers that gives nothing new, her new visit and a detail she lacks are refused all the same
    both = body + ("Posyandu Melati,Fani Lestari,P,2025-03-01,3525014103250001,2025-07-10,7.1\n"
                   "Posyandu Melati,Fani Lestari,P,2025-03-01,3525014103250001,,\n")  # a row of no visit: nothing new
    got = upload(client, world, both, query="dry_run=true").get_json()
    assert [(e["row"], e["errors"]) for e in got["errors"]] == [
        (4, {"nik": ["this child is registered at another posyandu (Mawar)"]})], got
    mother = body.splitlines()[0] + ",nama_ibu\n" + "".join(f"{line},\n" for line in body.splitlines()[1:]) + \
        "Posyandu Melati,Fani Lestari,P,2025-03-01,3525014103250001,2025-06-10,6.8,Sri Wahyuni\n"
    got = upload(client, world, mother, query="dry_run=true").get_json()
    assert [(e["row"], list(e["errors"])) for e in got["errors"]] == [(4, ["nik"])] and got["children_updated"] == 0, got


def test_a_posyandus_own_register_without_a_posyandu_column_imports_into_the_posyandu_chosen(app, client, world, db,
                                                                                            tmp_path):
    """A posyandu's register names its posyandu in its title only: it was refused "missing columns:
    Posyandu" and the bidan added a column to every file. The upload names the posyandu (posyandu_id; the
    command --posyandu) for every row naming none; a row naming one keeps it; one she does not see is 404."""
    from posyandu.registry.models import Child

    body = ("REGISTER PENIMBANGAN POSYANDU MAWAR BULAN JUNI 2025;;;;;\n"
            "No;Nama;JK;Tgl Lahir;Tgl Timbang;BB (kg)\n"
            "1;Rara Putri;P;15/01/2025;10/06/2025;7,2\n"
            "2;Dodi Saputra;L;01/02/2025;10/06/2025;6,9\n"
            "Jumlah;2;;;;14,1\n")
    refused = upload(client, world, body, query="dry_run=true")
    assert refused.status_code == 422, refused.get_json()
    assert refused.get_json()["errors"]["file"] == [
        "missing columns: Posyandu (or choose the posyandu the whole file is of)"], refused.get_json()
    done = upload(client, world, body, query=f"posyandu_id={world.ids['p2']}")
    assert done.status_code == 201, done.get_json()
    got = done.get_json()
    assert (got["children_created"], got["visits_created"], got["errors"], [r["row"] for r in got["skipped_rows"]]) \
        == (2, 2, [], [5]), got
    db.session.remove()
    assert {c.name: str(c.posyandu_id) for c in db.session.scalars(select(Child))} == {
        "Rara Putri": str(world.ids["p2"]), "Dodi Saputra": str(world.ids["p2"])}
    # a file with a Posyandu column: a row naming one keeps it, a blank cell takes the chosen one
    mixed = ("posyandu;nama;jk;tgl lahir;tgl timbang;bb (kg)\n"
             "Melati;Sari Dewi;P;15/03/2025;10/06/2025;6,1\n"
             ";Eko Prasetyo;L;20/03/2025;10/06/2025;6,3\n")
    got = upload(client, world, mixed, query=f"dry_run=true&posyandu_id={world.ids['p2']}").get_json()
    assert (got["children_created"], got["errors"]) == (2, []), got
    assert upload(client, world, mixed, query="dry_run=true").get_json()["errors"][0]["row"] == 3  # blank: refused
    # a posyandu of another puskesmas (Kenanga): 404 on posyandu_id, nothing read
    outside = upload(client, world, body, query=f"dry_run=true&posyandu_id={world.ids['p3']}")
    assert outside.status_code == 404 and "posyandu_id" in outside.get_json()["errors"], outside.get_json()
    # the command alike, the posyandu by name
    path = tmp_path / "register-mawar.csv"
    path.write_text(body.replace("Rara Putri", "Tika Sari").replace("Dodi Saputra", "Umar Said"), encoding="utf-8")
    ran = app.test_cli_runner().invoke(args=["import-visits", str(path), "--as", "bidan_a", "--posyandu", "Mawar"])
    assert ran.exit_code == 0, ran.output
    db.session.remove()
    assert str(db.session.scalar(select(Child.posyandu_id).where(Child.name == "Umar Said"))) == str(world.ids["p2"])


def test_an_imported_childs_id_cannot_be_computed_from_its_nik(client, world, db):
    """Anyone may create a record with an id of their choosing, and a taken id is answered 409: an
    import id computable from a posyandu and a NIK would tell a kader anywhere whether that NIK is
    registered there."""
    import uuid

    from posyandu.imports.operations import NAMESPACE

    body = ("posyandu,nama,jenis_kelamin,tanggal_lahir,nik,tanggal_timbang,bb\n"
            "Posyandu Melati,Rara Putri,P,2025-01-15,3525015501250001,2025-06-10,7.2\n")
    assert upload(client, world, body).get_json()["children_created"] == 1
    public = uuid.uuid5(NAMESPACE, f"child|{world.ids['p1']}|nik:3525015501250001")  # the formula, as published
    probe = client.post("/api/v1/children", headers=world.headers("kader3"), json={
        "id": str(public), "posyandu_id": str(world.ids["p3"]), "name": "Coba", "sex": "F", "birth_date": "2025-01-15"})
    assert probe.status_code == 201, probe.get_json()
    # and the same file imported again still finds its child
    again = upload(client, world, body).get_json()
    assert (again["children_created"], again["children_matched"], again["visits_unchanged"]) == (0, 1, 1), again


def test_a_child_imported_under_the_unkeyed_id_is_found_again(client, world, db, make_child):
    """Children imported before the ids were keyed keep theirs: a file imported again finds them."""
    import uuid

    from posyandu.imports.operations import NAMESPACE

    legacy = uuid.uuid5(NAMESPACE, f"child|{world.ids['p1']}|dodi saputra|2025-02-01|M")
    make_child(id=str(legacy), name="Dodi Saputra", sex="M", birth_date="2025-02-01")
    body = ("posyandu,nama,jenis_kelamin,tanggal_lahir,nik,tanggal_timbang,bb\n"
            "Posyandu Melati,Dodi  Saputra,L,2025-02-01,,2025-06-10,6.9\n")
    resp = upload(client, world, body).get_json()
    assert (resp["children_created"], resp["children_matched"], resp["visits_created"]) == (0, 1, 1), resp


@pytest.mark.parametrize("twin_first", [False, True])
def test_a_child_found_by_her_unkeyed_id_is_not_taken_for_a_twin_weighed_the_same(client, world, db, make_child,
                                                                                twin_first):
    """A newborn imported before the ids were keyed, as "Bayi Ny. Aminah", renamed Siti Rahma in the app since:
    a row of her old name finds her by that id. Her twin's row, born the same day and weighed the same (only
    a weight), was taken for her too (the search for a renamed child left out only the keyed ids of the
    file's rows): the twin's visits went to her, the twin never registered."""
    from posyandu.imports.operations import NAMESPACE
    from posyandu.registry.models import Child

    legacy = uuid.uuid5(NAMESPACE, f"child|{world.ids['p1']}|bayi ny. aminah|2025-05-01|F")
    make_child(id=str(legacy), name="Bayi Ny. Aminah", sex="F", birth_date="2025-05-01")
    assert client.post(f"/api/v1/children/{legacy}/measurements",
                       json={"id": str(uuid.uuid4()), "measured_on": "2025-06-10", "weight_kg": 4.5},
                       headers=world.headers("kader1")).status_code == 201
    assert client.patch(f"/api/v1/children/{legacy}", json={"name": "Siti Rahma"},
                        headers=world.headers("kader1")).status_code == 200
    rows = ["Melati,Bayi Ny. Aminah,P,01/05/2025,10/06/2025,4.5\n", "Melati,Nur Aini,P,01/05/2025,10/06/2025,4.5\n"]
    body = HEAD + "".join(reversed(rows) if twin_first else rows)
    resp = upload(client, world, body)
    assert resp.status_code == 201, resp.get_json()
    got = resp.get_json()
    assert (got["children_created"], got["children_matched"], got["visits_created"]) == (1, 1, 1), got
    db.session.remove()
    assert sorted(db.session.scalars(select(Child.name))) == ["Nur Aini", "Siti Rahma"]


def test_a_child_registered_in_the_app_without_nik_gets_the_visits_of_its_exact_row(client, world, db, make_child):
    """A kader registered the child on her phone, without a NIK; the puskesmas imports the month's
    sheet: the row with its very name (other case, outer spaces), sex and birth date is that child,
    not a likely duplicate to refuse, and importing the sheet again adds nothing."""
    from posyandu.growth.models import Measurement

    child = make_child(name="Siti Nurhaliza", sex="F", birth_date="2024-07-09")
    body = "posyandu,nama,jenis_kelamin,tanggal_lahir,tanggal_timbang,bb (kg)\nMelati, SITI NURHALIZA ,P,2024-07-09,2025-06-10,8.4\n"
    for created in (1, 0):
        resp = upload(client, world, body)
        assert resp.status_code == 201, resp.get_json()
        got = resp.get_json()
        assert (got["children_created"], got["children_matched"], got["visits_created"]) == (0, 1, created), got
    db.session.remove()
    assert [str(m.child_id) for m in db.session.scalars(select(Measurement))] == [child["id"]]
    # a similar name only (another spelling) is still refused as a likely duplicate (with the very visit
    # the child has, the row is hers: test_a_file_imported_again_after_the_childs_name_was_corrected_finds_her)
    similar = upload(client, world, body.replace("SITI NURHALIZA", "Siti Nurhalizah").replace("2025-06-10,8.4", "2025-07-10,9"))
    assert similar.status_code == 422 and "Siti Nurhaliza" in str(similar.get_json())
    assert "(born 9 Jul 2024)" in str(similar.get_json())  # the date as the app shows dates, not 2024-07-09


@pytest.mark.parametrize("stored", ["Siti  Aminah", " Siti\tAminah ", "Siti\u00a0Aminah"])
def test_a_child_whose_stored_name_has_runs_of_spaces_gets_the_visits_of_her_row(client, world, db, stored):
    """A child's record whose name was stored with a double space (or a tab, a non-breaking space: a
    register loaded into the database by other means than the app, which stores names single-spaced)
    was not the row of her very name: compared in SQL with only its ends trimmed, she was taken for a
    likely duplicate of herself, "registered born 15 Jan 2025, a few days from this row's birth date".
    Names are compared as the registry reads them (``validators.single_spaced``), whichever side holds
    the spaces."""
    from datetime import date

    from posyandu.growth.models import Measurement
    from posyandu.registry.models import Child, Posyandu

    pos = db.session.get(Posyandu, world.ids["p1"])
    child = Child(id=uuid.uuid4(), posyandu_id=pos.id, kabupaten_code=pos.kabupaten_code, name=stored, sex="F",
                  birth_date=date(2025, 1, 15), version=1)
    db.session.add(child)
    db.session.commit()
    head = "posyandu,nama,jenis_kelamin,tanggal_lahir,tanggal_timbang,bb (kg)\n"
    for name, created in (("Siti Aminah", 1), ("SITI  AMINAH", 0)):
        resp = upload(client, world, head + f"Melati,{name},P,15/01/2025,10/06/2025,7\n")
        assert resp.status_code == 201, resp.get_json()
        got = resp.get_json()
        assert (got["children_created"], got["children_matched"], got["visits_created"]) == (0, 1, created), got
    db.session.remove()
    assert [m.child_id for m in db.session.scalars(select(Measurement))] == [child.id]


@pytest.mark.parametrize("corrected_in", ["app", "file"])
def test_a_file_imported_again_after_the_childs_name_was_corrected_finds_her(client, world, db, make_child, corrected_in):
    """A newborn registered as "Bayi Ny. Aminah", named Siti Rahma since. The import found a child by
    her name only: the same file imported again after the name was corrected in the app (she was
    found by her very name the first time), or imported under the name the file now gives her,
    registered her a second time with the visit again (a duplicate counted in S). She is found:
    by the name she was recorded under, or by the visit the file gave her before, her name alike (her
    mother's named in the file: "Bayi Ny. Aminah" is Aminah's baby; without it, Siti Rahma could be any
    girl born that day weighed so, as in
    test_a_twin_of_another_name_weighed_the_same_is_registered_not_given_to_her_sister)."""
    from posyandu.growth.models import Measurement
    from posyandu.registry.models import Child

    old = HEAD + "Melati,Bayi Ny. Aminah,P,01/05/2025,10/06/2025,4.5\n"
    if corrected_in == "app":
        child = make_child(name="Bayi Ny. Aminah", sex="F", birth_date="2025-05-01")
        assert upload(client, world, old).get_json()["children_matched"] == 1
        assert client.patch(f"/api/v1/children/{child['id']}", json={"name": "Siti Rahma"},
                            headers=world.headers("kader1")).status_code == 200
        again = old + "Melati,Bayi Ny. Aminah,P,01/05/2025,10/07/2025,5.2\n"  # the next month, the old name
    else:
        assert upload(client, world, old).get_json()["children_created"] == 1
        again = (old.replace("Bayi Ny. Aminah", "Siti Rahma") + "Melati,Siti Rahma,P,01/05/2025,10/07/2025,5.2\n"
                 ).replace("nama,", "nama,nama_ibu,").replace("Siti Rahma,", "Siti Rahma,Aminah,")
    for rows in (list(again.splitlines()), [again.splitlines()[0], *reversed(again.splitlines()[1:])]):
        resp = upload(client, world, "\n".join(rows) + "\n", query="dry_run=true").get_json()
        assert (resp["children_created"], resp["children_matched"], resp["visits_created"], resp["visits_unchanged"],
                resp["errors"]) == (0, 1, 1, 1, []), resp
    resp = upload(client, world, again)
    assert resp.status_code == 201, resp.get_json()
    db.session.remove()
    [only] = db.session.scalars(select(Child)).all()
    assert len(db.session.scalars(select(Measurement).where(Measurement.child_id == only.id)).all()) == 2


def test_a_twin_is_not_taken_for_a_renamed_child(client, world, db, make_child):
    """The search for a child whose name changed stops at a child of the same day weighed otherwise:
    Husein's row is not his twin Hasan's (renamed from a typo), whose visit that day differs."""
    from posyandu.registry.models import Child

    hasan = make_child(name="Husein", sex="M", birth_date="2025-03-01")
    assert client.patch(f"/api/v1/children/{hasan['id']}", json={"name": "Hasan"},
                        headers=world.headers("kader1")).status_code == 200
    assert client.post(f"/api/v1/children/{hasan['id']}/measurements",
                       json={"id": str(uuid.uuid4()), "measured_on": "2025-06-10", "weight_kg": 6.1},
                       headers=world.headers("kader1")).status_code == 201
    resp = upload(client, world, HEAD + "Melati,Husein,L,01/03/2025,10/06/2025,6.4\n")
    assert resp.status_code == 201 and resp.get_json()["children_created"] == 1, resp.get_json()
    db.session.remove()
    assert sorted(db.session.scalars(select(Child.name))) == ["Hasan", "Husein"]


@pytest.mark.parametrize("twin_first", [False, True])
def test_a_child_found_by_her_nik_under_another_name_is_not_taken_for_her_twin(client, world, db, make_child,
                                                                              twin_first):
    """Twins of Siti, one registered in the app as "Bayi Ny. Siti" with her NIK and weighed once. The
    file names her Aisyah, with her NIK (found by it); her twin Aminah, weighed the same that day (only a
    weight), has no NIK and is not registered: the search for a renamed child took Aminah's row for the
    child Aisyah's row names, Aminah's visits going to her sister and Aminah never registered."""
    from posyandu.growth.models import Measurement
    from posyandu.registry.models import Child

    siti = make_child(name="Bayi Ny. Siti", sex="F", birth_date="2025-05-01", nik="3525014105250001")
    assert client.post(f"/api/v1/children/{siti['id']}/measurements",
                       json={"id": str(uuid.uuid4()), "measured_on": "2025-06-10", "weight_kg": 4.5},
                       headers=world.headers("kader1")).status_code == 201
    rows = ["Melati,Aisyah,P,01/05/2025,3525014105250001,Siti,,10/07/2025,5.2\n",
            "Melati,Aminah,P,01/05/2025,,Siti,ya,10/06/2025,4.5\n"]
    body = ("posyandu,nama,jenis_kelamin,tanggal_lahir,nik,nama_ibu,bukan_duplikat,tanggal_timbang,bb\n"
            + "".join(reversed(rows) if twin_first else rows))
    resp = upload(client, world, body)
    assert resp.status_code == 201, resp.get_json()
    got = resp.get_json()
    assert (got["children_created"], got["children_matched"], got["visits_created"]) == (1, 1, 2), got
    db.session.remove()
    aminah = db.session.scalar(select(Child).where(Child.name == "Aminah"))
    assert str(aminah.possible_duplicate_of) == siti["id"]  # twins: flagged for a bidan to review
    weighed = {(str(m.child_id), str(m.measured_on)) for m in db.session.scalars(select(Measurement))}
    assert weighed == {(siti["id"], "2025-06-10"), (siti["id"], "2025-07-10"), (str(aminah.id), "2025-06-10")}


@pytest.mark.parametrize("nik_first", [True, False])
def test_a_childs_nik_on_one_of_her_rows_only_is_accepted_in_either_order(client, world, db, nik_first):
    """A register gives the NIK on a child's first row only, or on her latest: the row without it
    was refused as a likely duplicate of the child its other row registered when the NIK came
    first, and accepted (counted as a child registered and one found) when it came last."""
    from posyandu.registry.models import Child

    head = "posyandu,nama,jenis_kelamin,tanggal_lahir,nik,tanggal_timbang,bb\n"
    rows = ["Melati,Rara Putri,P,15/01/2025,3525015501250001,10/06/2025,7.2\n",
            "Melati,Rara Putri,P,15/01/2025,,10/07/2025,7.5\n"]
    body = head + "".join(rows if nik_first else reversed(rows))
    for created, matched, visits in ((1, 0, 2), (0, 1, 0)):  # and imported again
        resp = upload(client, world, body)
        assert resp.status_code == 201, resp.get_json()
        got = resp.get_json()
        assert (got["children_created"], got["children_matched"], got["visits_created"]) == (created, matched, visits), got
    db.session.remove()
    [rara] = db.session.scalars(select(Child)).all()
    assert rara.nik == "3525015501250001"


def test_twins_pass_with_bukan_duplikat_and_stay_flagged_for_review(client, world, db, budi):
    from posyandu.registry.models import Child

    body = "posyandu,nama,jenis_kelamin,tanggal_lahir,bukan_duplikat\nMelati,Budi Santosa,L,2024-05-01,ya\n"
    resp = upload(client, world, body)
    assert resp.status_code == 201, resp.get_json()
    twin = db.session.scalar(select(Child).where(Child.name == "Budi Santosa"))
    assert str(twin.possible_duplicate_of) == budi["id"]


def test_a_likely_duplicate_is_told_to_write_ya_in_the_twins_column_as_her_file_heads_it(client, world, budi):
    """A likely duplicate was told "tulis 'ya' di kolom bukan_duplikat", the reader's alias, to a bidan whose
    file follows the template ("Bukan Duplikat") or has no such column yet: the column is named by her
    file's own header, else the template's."""
    files = {"Bukan Duplikat": "Posyandu,Nama Anak,Jenis Kelamin (L/P),Tanggal Lahir\nMelati,Budi Santosa,L,01/05/2024\n",
             "bukan_duplikat": "posyandu,nama,jenis_kelamin,tanggal_lahir,bukan_duplikat\nMelati,Budi Santosa,L,2024-05-01,\n"}
    for column, body in files.items():
        resp = client.post("/api/v1/imports/visits?dry_run=true", data={"file": (io.BytesIO(body.encode()), "k.csv")},
                           headers={**world.headers("bidan_a"), "Accept-Language": "id"}, content_type="multipart/form-data")
        [refused] = resp.get_json()["errors"]
        [why] = refused["errors"].values()
        assert why[0].endswith(f"atau tulis 'ya' di kolom {column}"), why


def test_a_birth_date_corrected_in_the_file_only_says_to_correct_it_in_the_app_not_bukan_duplikat(client, world, db,
                                                                                                     make_child):
    """Registered born 15 Jan, the puskesmas register says 17 Jan: the row was refused as a likely duplicate
    of herself, the message suggesting bukan_duplikat: ya, which registered her a second time. The message
    says to correct the birth date in the app (or the file), in Bahasa Indonesia first; done, the row is hers."""
    from posyandu.registry.models import Child

    rara = make_child(name="Rara Putri", sex="F", birth_date="2025-01-15")
    body = HEAD + "Melati,RARA PUTRI,P,17/01/2025,10/06/2025,7.2\n"
    resp = client.post("/api/v1/imports/visits", data={"file": (io.BytesIO(body.encode()), "k.csv")},
                       headers={**world.headers("bidan_a"), "Accept-Language": "id"}, content_type="multipart/form-data")
    assert resp.status_code == 422, resp.get_json()
    why = resp.get_json()["errors"]["rows"]["2"]
    assert set(why) == {"tanggal_lahir"}, why
    assert "Rara Putri" in why["tanggal_lahir"][0] and "15 Jan 2025" in why["tanggal_lahir"][0], why
    assert "perbaiki tanggal lahir" in why["tanggal_lahir"][0] and "tulis 'ya'" not in why["tanggal_lahir"][0], why
    english = upload(client, world, body, query="dry_run=true").get_json()["errors"][0]["errors"]["tanggal_lahir"][0]
    assert "correct the birth date in the app" in english and "'ya' in bukan_duplikat" not in english, english
    # two rows of the file disagreeing on her birth date: the file is what to correct
    two = HEAD + "Melati,Dodi,L,01/02/2025,10/06/2025,6.9\nMelati,Dodi,L,02/02/2025,10/07/2025,7.2\n"
    why = upload(client, world, two, query="dry_run=true").get_json()["errors"]
    assert [e["row"] for e in why] == [3] and "row 2" in why[0]["errors"]["tanggal_lahir"][0], why
    # corrected in the app, the row is hers
    assert client.patch(f"/api/v1/children/{rara['id']}", json={"birth_date": "2025-01-17"},
                        headers=world.headers("kader1")).status_code == 200
    resp = upload(client, world, body)
    assert resp.status_code == 201 and resp.get_json()["children_matched"] == 1, resp.get_json()
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Child)) == 1


def test_two_spellings_of_one_newborn_in_one_file_are_caught(client, world):
    body = ("posyandu,nama,jenis_kelamin,tanggal_lahir\nMelati,Nur Aini,P,2025-05-01\nMelati,Nur Aeni,P,2025-05-02\n")
    resp = upload(client, world, body, query="dry_run=true").get_json()
    assert [e["row"] for e in resp["errors"]] == [3] and "Nur Aini" in resp["errors"][0]["errors"]["nama"][0]


def test_xlsx_uploads_and_nik_stored_as_a_number(client, world, db):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Posyandu", "Nama Anak", "JK", "Tgl Lahir", "NIK", "Tanggal Ukur", "BB (kg)", "TB (cm)"])
    sheet.append(["Melati", "Wulan", "P", datetime(2024, 6, 1), 3525014106240001, datetime(2025, 6, 10), 8.1, 70.2])
    sheet.append(["Melati", "Yusuf", "L", datetime(2024, 6, 1), 352501410624000, datetime(2025, 6, 10), 8.3, 71])
    out = io.BytesIO()
    book.save(out)
    resp = upload(client, world, out.getvalue(), query="accept_valid=true", name="data.xlsx").get_json()
    assert (resp["children_created"], resp["visits_created"]) == (1, 1)
    assert resp["errors"][0]["row"] == 3 and "leading zero" in resp["errors"][0]["errors"]["NIK"][0]


@pytest.mark.parametrize("body, name, message", [
    ("x", "kunjungan.pdf", ".csv or .xlsx"), ("nama,umur\nBudi,2\n", "k.csv", "missing columns"),
    (b"PK\x03\x04 not really", "k.xlsx", "XLSX"), ("", "k.csv", "empty"),
    # a UTF-8 file whose cell is past csv's limit: it was told to use UTF-8
    (HEAD + "Melati," + "a" * 200_000 + ",P,2024-05-02,2025-06-10,9\n", "k.csv", "line 2: a cell is longer than 131,072 characters")])
def test_an_unreadable_file_is_422(client, world, body, name, message):
    resp = upload(client, world, body, name=name)
    assert resp.status_code == 422 and message in resp.get_json()["errors"]["file"][0]


def test_an_xlsx_with_a_damaged_sheet_is_422_not_500(client, world, db):
    """The workbook opens but its sheet's XML is cut short: read only as the rows are."""
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Posyandu", "Nama Anak", "JK", "Tgl Lahir"])
    book.active.append(["Melati", "Wulan", "P", datetime(2024, 6, 1)])
    whole, damaged = io.BytesIO(), io.BytesIO()
    book.save(whole)
    with zipfile.ZipFile(whole) as src, zipfile.ZipFile(damaged, "w") as dst:
        for item in src.infolist():
            part = src.read(item.filename)
            dst.writestr(item, part[:len(part) // 2] if item.filename == "xl/worksheets/sheet1.xml" else part)
    before = counts(db, world)
    resp = upload(client, world, damaged.getvalue(), name="k.xlsx")
    assert resp.status_code == 422 and "XLSX" in resp.get_json()["errors"]["file"][0], resp.get_json()
    assert counts(db, world) == refused_attempt(before)


def _xlsx_rewritten(rows: list[list], edit) -> bytes:
    """A workbook of ``rows`` whose sheet's XML is passed through ``edit`` (bytes to bytes)."""
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    plain, rewritten = io.BytesIO(), io.BytesIO()
    book.save(plain)
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(rewritten, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            part = src.read(item.filename)
            dst.writestr(item, edit(part) if item.filename == "xl/worksheets/sheet1.xml" else part)
    return rewritten.getvalue()


WULAN = [["Posyandu", "Nama Anak", "JK", "Tgl Lahir", "Tanggal Ukur", "BB (kg)"],
         ["Melati", "Wulan", "P", datetime(2024, 6, 1), datetime(2025, 6, 10), 8.1]]


@pytest.mark.parametrize("damage", [
    # a cell naming a shared string the workbook does not hold (IndexError in openpyxl)
    lambda xml: xml.replace(b'<c r="B2" t="inlineStr"><is><t>Wulan</t></is></c>', b'<c r="B2" t="s"><v>99</v></c>'),
    # a formula cell of row 0, which no sheet has (CellCoordinatesException)
    lambda xml: xml.replace(b"</sheetData>", b'<row r="3"><c r="G0"><f>1+1</f></c></row></sheetData>')],
    ids=["shared-string-missing", "row-0"])
def test_an_xlsx_naming_a_string_or_a_cell_it_lacks_is_422_not_500(client, world, db, damage):
    """Two damaged workbooks openpyxl reads with errors the reader did not take for damage: a 500 on the
    API, a traceback in ``flask import-visits``."""
    body = _xlsx_rewritten(WULAN, damage)
    before = counts(db, world)
    resp = upload(client, world, body, query="dry_run=true", name="k.xlsx")
    assert resp.status_code == 422 and "XLSX" in resp.get_json()["errors"]["file"][0], resp.get_json()
    assert counts(db, world) == before


def test_an_xlsx_whose_merged_cells_overlap_is_422_in_moments_and_a_range_written_twice_is_one(client, world, db):
    """5,000 ranges over the same rows of a 300 KB file kept a server process busy four minutes (each row is
    filled from every range over it), past gunicorn's timeout. No spreadsheet saves merged cells that overlap:
    the file is refused at once, telling her to save it again; a range written twice counts once."""
    rows = [*WULAN, *([None] * 5 + [float(i)] for i in range(3, 3003))]
    twice = _xlsx_rewritten(WULAN, lambda xml: xml.replace(
        b"</sheetData>", b'</sheetData><mergeCells count="2"><mergeCell ref="A2:A3"/><mergeCell ref="A2:A3"/></mergeCells>'))
    resp = upload(client, world, twice, query="dry_run=true", name="k.xlsx")
    assert resp.status_code == 200 and resp.get_json()["visits_created"] == 1, resp.get_json()
    ranges = b"".join(b'<mergeCell ref="Z%d:Z3002"/>' % (2 + i) for i in range(2000))
    overlapping = _xlsx_rewritten(rows, lambda xml: xml.replace(
        b"</sheetData>", b'</sheetData><mergeCells count="2000">' + ranges + b"</mergeCells>"))
    resp = upload(client, world, overlapping, query="dry_run=true", name="k.xlsx")
    assert resp.status_code == 422 and "overlap" in resp.get_json()["errors"]["file"][0], resp.get_json()


def test_merged_ranges_overlap_when_they_share_a_cell_and_only_then():
    """The check goes down the rows holding only the ranges that reach the row (apart, one per column):
    checked column by column, 300,000 ranges across a sheet's width took 1.8 GB of memory."""
    from posyandu.imports.xlsx import _overlapping

    assert not _overlapping([(n, 0, n + 1, 255) for n in range(1, 600_000, 2)])  # row pairs, side by side down
    assert not _overlapping([(1, 0, 3, 0), (4, 0, 5, 0), (1, 1, 9, 2), (3, 3, 5, 4)])
    assert _overlapping([(1, 0, 3, 0), (3, 0, 5, 0)])  # one row shared
    assert _overlapping([(1, 0, 9, 2), (3, 2, 5, 4)])  # one column shared, rows within
    assert _overlapping([(2, 25, 60_000, 25), (3, 25, 60_000, 25)])


def test_a_row_of_a_registered_child_with_the_other_sex_is_refused_on_its_sex_in_the_file_too(client, world, db,
                                                                                              make_child):
    """"Ahmad Hidayat", P, born on the very day of the Ahmad Hidayat registered L there, was registered a
    second time without a word, and so were two rows of one file giving one child either sex: the duplicate
    check compared children of one sex. Refused on the sex, naming the child and what he is registered as;
    'ya' in the twins' column registers another child all the same."""
    make_child(name="Ahmad Hidayat", sex="M", birth_date="2024-08-03", mother_name="Ani Hidayat")
    head = "posyandu,nama,jenis_kelamin,tanggal_lahir,tanggal_timbang,bb\n"
    before = counts(db, world)
    resp = upload(client, world, head + "Melati,Ahmad Hidayat,P,03/08/2024,10/06/2025,9\n", query="dry_run=true",
                  lang="id")
    assert resp.status_code == 200 and resp.get_json()["children_created"] == 0, resp.get_json()
    [row] = resp.get_json()["errors"]
    assert list(row["errors"]) == ["jenis_kelamin"], row
    assert row["errors"]["jenis_kelamin"][0].startswith("Ahmad Hidayat (lahir 3 Agu 2024) terdaftar sebagai laki-laki")
    both = head + "Melati,Zidan Maulana,L,01/02/2025,10/06/2025,7\nMelati,Zidan Maulana,P,01/02/2025,10/07/2025,7.4\n"
    resp = upload(client, world, both, query="dry_run=true", lang="id")
    assert resp.status_code == 200 and resp.get_json()["children_created"] == 1, resp.get_json()
    [row] = resp.get_json()["errors"]
    assert row["row"] == 3 and "baris 2 berkas ini mencatat Zidan Maulana" in row["errors"]["jenis_kelamin"][0], row
    assert counts(db, world) == before
    twins = head.replace("bb\n", "bb,bukan_duplikat\n") + "Melati,Ahmad Hidayat,P,03/08/2024,10/06/2025,9,ya\n"
    resp = upload(client, world, twins)
    assert resp.status_code == 201 and resp.get_json()["children_created"] == 1, resp.get_json()


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_a_utf16_file_without_its_byte_order_mark_is_read(client, world, db, encoding):
    """A program's UTF-16 export without a BOM was read as Windows-1252, its header a run of NULs: "missing
    columns: Posyandu, Nama Anak…" sent the clerk to fix headers that were there."""
    body = (HEAD + "Melati,Wulan Putri,P,2024-06-01,2025-06-10,8.1\n").encode(encoding)
    resp = upload(client, world, body, query="dry_run=true", name="k.csv")
    assert resp.status_code == 200 and resp.get_json()["children_created"] == 1, resp.get_json()


def test_a_date_saved_as_a_plain_number_in_a_1904_workbook_is_read_in_its_date_system(client, world, db):
    """A workbook saved by old Mac Excel counts its serial dates from 1904: a date cell saved unformatted
    (a number) was read as if from 1900, four years and a day early (born 2020-03-14 for 2024-03-15),
    and imported without a word. A formatted date cell was read right, and still is."""
    from openpyxl import Workbook
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    from posyandu.registry.models import Child

    book = Workbook()
    book.epoch = CALENDAR_MAC_1904
    sheet = book.active
    sheet.append(["Posyandu", "Nama Anak", "JK", "Tgl Lahir", "NIK", "Tanggal Ukur", "BB (kg)"])
    born, weighed = datetime(2024, 3, 15), datetime(2025, 6, 10)
    serial = lambda day: (day - datetime(1904, 1, 1)).days  # noqa: E731
    sheet.append(["Melati", "Wulan Mac", "P", serial(born), None, serial(weighed), 8.1])
    sheet.append(["Melati", "Yusuf Mac", "L", born, 3525011503240001, weighed, 8.3])  # date cells, a NIK as a number
    out = io.BytesIO()
    book.save(out)
    resp = upload(client, world, out.getvalue(), name="mac.xlsx")
    assert resp.status_code == 201 and resp.get_json()["errors"] == [], resp.get_json()
    db.session.remove()
    stored = {c.name: (c.birth_date.isoformat(), c.nik) for c in db.session.scalars(
        select(Child).where(Child.name.in_(["Wulan Mac", "Yusuf Mac"])))}
    assert stored == {"Wulan Mac": ("2024-03-15", None), "Yusuf Mac": ("2024-03-15", "3525011503240001")}


def test_an_xlsx_of_chart_sheets_only_is_422_not_500(client, world, db):
    """A workbook whose one sheet is a chart ("Grafik", its data sheet removed) has no sheet of cells:
    it was a 500 (no sheet to read) and left no audit row of the refused file."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference

    book = Workbook()
    data = book.active
    data.append(["Melati", 7.2])
    chart = BarChart()
    chart.add_data(Reference(data, min_col=2, min_row=1, max_row=1))
    book.create_chartsheet("Grafik").add_chart(chart)
    book.remove(data)
    file = io.BytesIO()
    book.save(file)
    before = counts(db, world)
    for query in ("dry_run=true", ""):
        resp = upload(client, world, file.getvalue(), query=query, name="grafik.xlsx")
        assert resp.status_code == 422 and "chart" in resp.get_json()["errors"]["file"][0], resp.get_json()
    assert counts(db, world) == refused_attempt(before)  # the import's refusal audited (a dry run writes nothing)


def test_an_xlsx_saved_as_strict_open_xml_is_told_so(client, world, db):
    """Excel's "Strict Open XML Spreadsheet" names its parts in other namespaces (purl.oclc.org), which
    openpyxl does not read: the file was told it held no sheet of cells, "only charts". It is told how
    it was saved, and how to save it so it can be read."""
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Posyandu", "Nama Anak", "JK", "Tgl Lahir", "Tanggal Ukur", "BB (kg)"])
    book.active.append(["Melati", "Wulan", "P", datetime(2024, 6, 1), datetime(2025, 6, 10), 8.1])
    plain, strict = io.BytesIO(), io.BytesIO()
    book.save(plain)
    namespaces = [(b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                   b"http://purl.oclc.org/ooxml/spreadsheetml/main"),
                  (b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                   b"http://purl.oclc.org/ooxml/officeDocument/relationships")]
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(strict, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            part = src.read(item.filename)
            for transitional, strict_ns in namespaces:
                part = part.replace(transitional, strict_ns)
            dst.writestr(item, part)
    before = counts(db, world)
    resp = upload(client, world, strict.getvalue(), query="dry_run=true", name="strict.xlsx")
    assert resp.status_code == 422 and "Strict Open XML" in resp.get_json()["errors"]["file"][0], resp.get_json()
    assert "chart" not in resp.get_json()["errors"]["file"][0]
    assert counts(db, world) == before  # a dry run writes nothing
    resp = upload(client, world, plain.getvalue(), query="dry_run=true", name="plain.xlsx")
    assert resp.status_code == 200 and resp.get_json()["errors"] == [], resp.get_json()
    # a workbook without the package's relationships part (which openpyxl does not need) is read as before
    bare = io.BytesIO()
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(bare, "w") as dst:
        for item in src.infolist():
            if item.filename != "_rels/.rels":
                dst.writestr(item, src.read(item.filename))
    resp = upload(client, world, bare.getvalue(), query="dry_run=true", name="bare.xlsx")
    assert resp.status_code == 200 and resp.get_json()["errors"] == [], resp.get_json()


def test_an_xlsx_merged_across_every_column_down_a_far_row_is_read_in_moments(client, world, db):
    """A merged range is given to every cell it covers, in every row down to its last (Excel shows it
    so): one across to column XFD (16384) and down to row 20000, over a sheet of one child, filled
    16384 cells in each of its 20000 rows, most of them rows the sheet does not even hold: a 2 KB file
    kept the server busy over half a minute (down to Excel's last row, half an hour: a bidan's upload,
    and the process it ran in, killed at the server's timeout). Read now as the rows it holds are."""
    import time
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Posyandu", "Nama Anak", "JK", "Tgl Lahir", "Tanggal Ukur", "BB (kg)"])
    book.active.append(["Melati", "Wulan", "P", datetime(2024, 6, 1), datetime(2025, 6, 10), 8.1])
    plain, merged = io.BytesIO(), io.BytesIO()
    book.save(plain)
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(merged, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            part = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                part = part.replace(b"</sheetData>", b'<row r="20000"><c r="Z20000" t="inlineStr"><is><t>catatan</t>'
                                    b'</is></c></row></sheetData><mergeCells count="1"><mergeCell ref="G2:XFD20000"/>'
                                    b"</mergeCells>")
            dst.writestr(item, part)
    assert len(merged.getvalue()) < 10_000
    started = time.monotonic()
    resp = upload(client, world, merged.getvalue(), query="dry_run=true", name="k.xlsx")
    assert time.monotonic() - started < 10   # it took 37 s
    assert resp.status_code == 200, resp.get_json()
    assert (resp.get_json()["rows"], resp.get_json()["children_created"], resp.get_json()["visits_created"]) == (1, 1, 1)


def test_an_xlsx_unpacking_to_more_than_a_register_is_422_before_it_is_unpacked(client, world, db):
    """A workbook is a zip: its shared strings (every text of the sheet, read whole into memory) a few
    hundred KB packed unpacked to 170 MB of tiny strings, 1 GB of the server's memory and two minutes;
    the largest upload (8 MB) packs some 8 GB, past the server's memory. Refused (422 on file) as the
    zip's directory records the sizes, before anything is unpacked; a register unpacks to a few MB."""
    import time
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Posyandu", "Nama Anak", "JK", "Tgl Lahir"])
    book.active.append(["Melati", "Wulan", "P", datetime(2024, 6, 1)])
    plain, packed = io.BytesIO(), io.BytesIO()
    book.save(plain)
    main = b"http://schemas.openxmlformats.org/"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():   # the sheet's texts inline, as openpyxl writes them; a table of strings added
            part = src.read(item.filename).replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" '
                                                   b'ContentType="application/vnd.openxmlformats-officedocument.'
                                                   b'spreadsheetml.sharedStrings+xml"/></Types>')
            dst.writestr(item, part.replace(b"</Relationships>", b'<Relationship Id="rId99" Type="' + main +
                                            b'officeDocument/2006/relationships/sharedStrings" '
                                            b'Target="sharedStrings.xml"/></Relationships>')
                         if item.filename == "xl/_rels/workbook.xml.rels" else part)
        with dst.open("xl/sharedStrings.xml", "w") as strings:
            strings.write(b'<sst xmlns="' + main + b'spreadsheetml/2006/main">')
            for _ in range(320):
                strings.write(b"<si><t>a</t></si>" * 10_000)
            strings.write(b"</sst>")
    assert len(packed.getvalue()) < 1_000_000
    started = time.monotonic()
    resp = upload(client, world, packed.getvalue(), query="dry_run=true", name="k.xlsx")
    assert time.monotonic() - started < 10
    assert resp.status_code == 422 and "more than 48 MB" in resp.get_json()["errors"]["file"][0], resp.get_json()
    assert upload(client, world, plain.getvalue(), query="dry_run=true", name="k.xlsx").status_code == 200


def test_a_file_of_more_rows_than_one_upload_takes_is_422_before_any_is_read(app, client, world, db, monkeypatch):
    """An upload must end within the server's timeout: past IMPORT_MAX_ROWS rows it is refused whole,
    saying how to import it, and nothing is written."""
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 3)
    rows = "".join(f"Melati,{name},P,2025-0{i}-15\n" for i, name in enumerate(("Ani", "Citra", "Dewi", "Eka"), 1))
    before = counts(db, world)
    resp = upload(client, world, "posyandu,nama,jenis_kelamin,tanggal_lahir\n" + rows)
    assert resp.status_code == 422, resp.get_json()
    assert "4 baris, lebih dari 3" in resp.get_json()["errors"]["file"][0] or "4 rows" in resp.get_json()["errors"]["file"][0]
    assert counts(db, world) == refused_attempt(before)
    assert upload(client, world, "posyandu,nama,jenis_kelamin,tanggal_lahir\n" + rows[: rows.index("Melati,Eka")]
                  ).status_code == 201


# a register of three children, with its No column
REGISTER_HEAD = "No;Posyandu;Nama;JK;Tgl Lahir;Tgl Timbang;BB (kg)\n"
REGISTER_ROWS = "".join(f"{i};Melati;{name};P;15/0{i}/2025;10/06/2025;6\n" for i, name in enumerate(("Ani", "Citra", "Dewi"), 1))


def test_a_registers_totals_line_counts_in_no_row_limit_and_is_told_in_its_no_column(app, client, world, db,
                                                                                     monkeypatch):
    """A register of IMPORT_MAX_ROWS visits and its totals line was refused "berkas berisi 3001 baris"; and
    a totals line written in the No column ("Total", or "JUMLAH" merged over No to Nama), its name cell
    blank, was refused as a nameless child, and the file with it. It is skipped saying so, in no limit."""
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 3)
    head, rows = REGISTER_HEAD, REGISTER_ROWS
    resp = upload(client, world, head + rows + "Total;;;L=0 P=3;;;18\n", query="dry_run=true")
    assert resp.status_code == 200, resp.get_json()
    got = resp.get_json()
    assert (got["errors"], got["rows"], got["skipped_rows"]) == (
        [], 3, [{"row": 5, "reason": 'skipped: a totals line ("Total"), no child'}]), got
    more = upload(client, world, head + rows + "4;Melati;Eka;P;15/04/2025;10/06/2025;6\nTotal;;;L=0 P=4;;;24\n")
    assert more.status_code == 422 and "4 rows" in more.get_json()["errors"]["file"][0], more.get_json()


def test_a_totals_line_counting_the_children_under_nama_is_skipped_not_refused_as_a_child_named_by_the_count(client, world):
    """"Jumlah" in the No column and the table's count of children under Nama ("3", or 3 in a workbook): it was
    refused as a child named "3" whose posyandu, sex and birth date were missing, and the file with it.
    A child of the file is still a child however her name reads."""
    head, rows = REGISTER_HEAD, REGISTER_ROWS
    resp = upload(client, world, head + rows + "Jumlah;;3;;;;18\n", query="dry_run=true")
    assert resp.status_code == 200, resp.get_json()
    got = resp.get_json()
    assert (got["errors"], got["rows"], got["skipped_rows"]) == (
        [], 3, [{"row": 5, "reason": 'skipped: a totals line ("Jumlah"), no child'}]), got
    # a workbook's count is a number
    from openpyxl import Workbook

    book = Workbook()
    for line in (head + rows).splitlines():
        book.active.append(line.split(";"))
    book.active.append(["Jumlah", None, 3, None, None, None, 18])
    file = io.BytesIO()
    book.save(file)
    got = upload(client, world, file.getvalue(), query="dry_run=true", name="k.xlsx").get_json()
    assert (got["errors"], got["rows"], [s["row"] for s in got["skipped_rows"]]) == ([], 3, [5]), got
    # a row with a sex and a birth date is a child's, however her name reads: read as one, not skipped, and
    # refused for a name of no letter, as the app refuses it
    odd = upload(client, world, head + rows + "Jumlah;Melati;3;P;15/05/2025;10/06/2025;6\n", query="dry_run=true").get_json()
    assert (odd["rows"], odd["skipped_rows"], [e["row"] for e in odd["errors"]]) == (4, [], [5]), odd
    assert odd["errors"][0]["errors"]["Nama"] == ["a name needs at least one letter"], odd


def test_a_registers_column_numbers_and_signature_are_skipped_not_refused(client, world):
    """A register's printed column numbers under its header and the signature under its table were refused
    as children (about ten messages each), and the file with them."""
    body = ("No;Posyandu;Nama;JK;Tgl Lahir;Tgl Timbang;BB (kg)\n(1);(2);(3);(4);(5);(6);(7)\n"
            "1;Melati;Rara Putri;P;15/02/2025;10/06/2025;6\n;;;;;;\n;;;;;;Wringinanom, 30 Juni 2025\n"
            ";;;;;;Kader Posyandu\n;;;;;;Sri Wahyuni\n")
    resp = upload(client, world, body, query="dry_run=true")
    assert resp.status_code == 200, resp.get_json()
    got = resp.get_json()
    assert (got["errors"], got["rows"], [s["row"] for s in got["skipped_rows"]]) == ([], 1, [2, 5, 6, 7]), got


def test_a_missing_file_is_422(client, world):
    resp = client.post("/api/v1/imports/visits", data={}, headers=world.headers("bidan_a"), content_type="multipart/form-data")
    assert resp.status_code == 422 and "file" in resp.get_json()["errors"]


@pytest.mark.parametrize("who", ["kader1", "dinkes_gresik", "parent1"])
def test_only_a_bidan_or_admin_imports(client, world, who):
    assert upload(client, world, who=who).status_code == 403


def test_the_cli_imports_with_dry_run_accept_valid_and_is_idempotent(app, world, db, budi, tmp_path, monkeypatch):
    path = tmp_path / "kunjungan.csv"
    path.write_text(FILE, encoding="utf-8")
    runner = app.test_cli_runner()
    before = counts(db, world)
    monkeypatch.setenv("SUDO_USER", "pak_admin")  # deploy.md's run(): sudo -u posyandu flask …
    dry = runner.invoke(args=["import-visits", str(path), "--dry-run"])
    assert dry.exit_code == 1 and "baris 4" in dry.output and "tidak ada yang disimpan" in dry.output
    assert counts(db, world) == before
    refused = runner.invoke(args=["import-visits", str(path), "--as", "bidan_a"])
    assert refused.exit_code == 1 and counts(db, world) == refused_attempt(before)
    done = runner.invoke(args=["import-visits", str(path), "--accept-valid", "--as", "bidan_a"])
    assert done.exit_code == 0 and "kunjungan baru 2" in done.output and "disimpan" in done.output, done.output
    from posyandu.audit import AuditLog
    from posyandu.auth.models import User

    bidan = db.session.scalar(select(User.id).where(User.username == "bidan_a"))
    creates = db.session.execute(select(AuditLog.user_id, AuditLog.client_id, AuditLog.ip)
                                 .where(AuditLog.entity == "measurement", AuditLog.action == "create")).all()
    # by the --as user, from the command line of the operator who ran it through sudo
    assert len(creates) == 2 and set(creates) == {(bidan, "cli:pak_admin", None)}
    again = runner.invoke(args=["import-visits", str(path), "--accept-valid", "--as", "bidan_a"])
    assert "kunjungan baru 0" in again.output and "kunjungan sudah ada 2" in again.output


@pytest.mark.parametrize("who,why", [("kader1", "kader1 is a kader"), ("dinkes_gresik", "dinkes_gresik is a dinkes"),
                                     ("parent1", "parent1 is a parent"), ("nobody", "no such user"),
                                     ("closed", "account bidan_a is closed")])
def test_the_cli_refuses_to_import_as_someone_who_may_not_saying_why(app, world, db, tmp_path, who, why):
    """``--as`` a cadre, a dinkes officer or a parent (whom POST /imports/visits answers 403) printed
    "Error: None" (the refusal carried no message) and exited 1; a closed account imported."""
    from posyandu.auth.models import User

    path = tmp_path / "kunjungan.csv"
    path.write_text(FILE, encoding="utf-8")
    before = counts(db, world)
    if who == "closed":
        db.session.scalar(select(User).where(User.username == "bidan_a")).active = False
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["import-visits", str(path), "--dry-run",
                                                "--as", "bidan_a" if who == "closed" else who])
    assert result.exit_code == 1 and why in result.output and "None" not in result.output, result.output
    assert counts(db) == before


def test_a_row_of_a_closed_posyandu_says_it_is_closed_not_unknown(client, world, db):
    """A bidan's file naming a posyandu closed since was answered "unknown posyandu 'Mawar' (or
    outside your area, or ambiguous)", though Mawar is in her area and spelled right."""
    from datetime import datetime, timezone

    from posyandu.registry.models import Posyandu

    with client.application.app_context():
        db.session.get(Posyandu, world.ids["p2"]).deleted_at = datetime.now(timezone.utc)
        db.session.commit()
    body = "posyandu,nama,jenis_kelamin,tanggal_lahir\nMawar,Gita Sari,P,2025-03-01\n"
    why = upload(client, world, body, query="dry_run=true").get_json()["errors"][0]["errors"]
    assert "closed" in why["posyandu"][0] and "Mawar" in why["posyandu"][0], why


def test_a_cell_with_nul_is_refused_on_its_row_and_column_and_the_rest_imports(client, world, db):
    """A spreadsheet cell holding NUL (a broken export): PostgreSQL answered the whole upload 422
    'Invalid data' naming no row or column, and SQLite stored the NUL in the child's name (which
    the API refuses from a phone). It is refused on its row and column, like every bad cell."""
    from posyandu.registry.models import Child

    body = ("posyandu,nama,jenis_kelamin,tanggal_lahir,nama_ibu,tanggal_timbang,bb\n"
            "Melati,Rara\x00Putri,P,2025-01-15,,2025-06-10,7\n"
            "Melati,Dodi Saputra,L,2025-02-01,Sri\x00,2025-06-10,6.9\n"
            "Mel\x00ati,Eka Wijaya,L,2025-02-01,,2025-06-10,6.9\n"
            "Melati,Gita Sari,P,2025-03-01,,2025-06-10,6\n")
    before = counts(db, world)
    dry = upload(client, world, body, query="dry_run=true")
    assert dry.status_code == 200, dry.get_json()
    why = {e["row"]: e["errors"] for e in dry.get_json()["errors"]}
    assert set(why) == {2, 3, 4} and set(why[2]) == {"nama"} and set(why[3]) == {"nama_ibu"} \
        and set(why[4]) == {"posyandu"}, why
    assert all("NUL" in messages[0] for row in why.values() for messages in row.values())
    refused = upload(client, world, body)
    assert refused.status_code == 422 and set(refused.get_json()["errors"]["rows"]) == {"2", "3", "4"}
    assert counts(db, world) == refused_attempt(before)
    kept = upload(client, world, body, query="accept_valid=true")
    assert kept.status_code == 201 and kept.get_json()["children_created"] == 1, kept.get_json()
    db.session.remove()
    assert db.session.scalars(select(Child.name)).all() == ["Gita Sari"]


def test_the_cli_names_the_row_and_column_of_a_cell_with_nul(app, world, db, tmp_path):
    path = tmp_path / "kunjungan.csv"
    path.write_text("posyandu,nama,jenis_kelamin,tanggal_lahir\nMelati,Rara\x00Putri,P,2025-01-15\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import-visits", str(path), "--as", "bidan_a"])
    assert result.exit_code == 1 and "baris 2 (Rara\ufffdPutri): nama:" in result.output and "NUL" in result.output, result.output


GOOD_FILE = """posyandu;nama;jenis_kelamin;tanggal_lahir;tanggal_timbang;bb (kg)
Melati;Rara Putri;P;15/01/2025;10/06/2025;7,2
"""


@pytest.mark.parametrize("field", ["dry_run", "accept_valid", "posyandu"])
def test_an_option_sent_as_a_form_field_is_refused_not_ignored(client, world, db, field):
    """The options are query parameters (?dry_run=true). Sent as a form field beside the file
    (curl -F file=@kunjungan.xlsx -F dry_run=true), a dry run was ignored without a word and the
    file imported for real. Now a form field other than the file is 422 on its name, and nothing
    is saved."""
    before = counts(db, world)
    resp = client.post("/api/v1/imports/visits", data={"file": (io.BytesIO(GOOD_FILE.encode()), "k.csv"),
                                                       field: "true"},
                       headers=world.headers("bidan_a", "id"), content_type="multipart/form-data")
    assert resp.status_code == 422 and resp.content_type == "application/problem+json", resp.get_json()
    errors = resp.get_json()["errors"]
    assert list(errors) == [field], errors
    assert counts(db, world) == before
    if field == "dry_run":
        assert "?dry_run=" in errors[field][0]
    ok = client.post("/api/v1/imports/visits?dry_run=true", data={"file": (io.BytesIO(GOOD_FILE.encode()), "k.csv")},
                     headers=world.headers("bidan_a"), content_type="multipart/form-data")
    assert ok.status_code == 200 and ok.get_json()["dry_run"] is True


def test_a_weighing_recorded_in_the_app_is_not_doubled_by_the_sheet_that_repeats_it(client, world, db, make_child):
    """The kader weighed the child on her phone; the puskesmas then imports the month's sheet holding
    the same weighing: it was recorded a second time (two weighings of one day on the child's chart,
    "kunjungan baru 1"). The same values are the visit already there; other values on that day are
    refused naming what is recorded (one visit a day), in the sheet too (two rows of one child's day)."""
    import uuid

    from posyandu.growth.models import Measurement

    child = make_child(name="Siti Aminah", sex="F", birth_date="2025-01-15")
    phone = client.post(f"/api/v1/children/{child['id']}/measurements", headers=world.headers("kader1"), json={
        "id": str(uuid.uuid4()), "measured_on": "2025-06-10", "weight_kg": 7.2, "length_height_cm": 65.5,
        "position": "lying"})
    assert phone.status_code == 201, phone.get_json()
    head = "posyandu,nama,jenis_kelamin,tanggal_lahir,tanggal_timbang,bb (kg)\n"
    same = upload(client, world, head + "Melati,Siti Aminah,P,15/01/2025,10/06/2025,\"7,2\"\n")
    assert same.status_code == 201, same.get_json()
    assert (same.get_json()["visits_created"], same.get_json()["visits_unchanged"]) == (0, 1), same.get_json()
    other = upload(client, world, head + "Melati,Siti Aminah,P,15/01/2025,10/06/2025,\"7,4\"\n", query="dry_run=true")
    [error] = other.get_json()["errors"]
    assert error["row"] == 2 and set(error["errors"]) == {"tanggal_timbang"}, error
    assert "10 Jun 2025" in error["errors"]["tanggal_timbang"][0] and "7.2" in error["errors"]["tanggal_timbang"][0]
    twice = upload(client, world, head + "Melati,Rara Putri,P,15/02/2025,10/06/2025,6\n"
                                         "Melati,Rara Putri,P,15/02/2025,10/06/2025,6.5\n"
                                         "Melati,Rara Putri,P,15/02/2025,10/06/2025,6\n", query="dry_run=true")
    body = twice.get_json()  # two weights of her day: which is right is not known, none is imported
    assert [e["row"] for e in body["errors"]] == [2, 3, 4] and (body["visits_created"], body["visits_unchanged"]) == (0, 0), body
    assert body["repeated_rows"] == [], body
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Measurement)) == 1


def test_a_problem_with_a_column_the_file_lacks_names_it_as_a_user_would_head_it(client, world):
    """Weights with no date column were refused on "measured_on", a name no spreadsheet has, then on
    "tanggal_ukur": named now as the template (the import screen's "Unduh contoh berkas") heads it."""
    body = "posyandu,nama,jenis_kelamin,tanggal_lahir,bb (kg)\nMelati,Rara Putri,P,15/01/2025,7\n"
    resp = client.post("/api/v1/imports/visits?dry_run=true", data={"file": (io.BytesIO(body.encode()), "k.csv")},
                       headers=world.headers("bidan_a", "id"), content_type="multipart/form-data")
    [error] = resp.get_json()["errors"]
    assert error == {"row": 2, "name": "Rara Putri", "errors": {"Tanggal Timbang": ["kunjungan harus ada tanggalnya"]}}, error


def test_a_row_with_a_bad_value_and_a_posyandu_outside_the_area_is_told_both_at_once(client, world, db):
    """A dry run named only the bad weight; the posyandu outside her area was told only once the
    weight was corrected and the file checked again."""
    body = ("posyandu,nama,jenis_kelamin,tanggal_lahir,tanggal_timbang,bb\n"
            "Kenanga,Eka Wijaya,L,01/02/2025,10/06/2025,abc\n"
            "Melati,Rara Putri,P,15/01/2025,10/06/2025,abc\n")
    why = {e["row"]: e["errors"] for e in upload(client, world, body, query="dry_run=true").get_json()["errors"]}
    assert set(why[2]) == {"posyandu", "bb"} and "Kenanga" in why[2]["posyandu"][0], why
    assert set(why[3]) == {"bb"}, why


def test_rows_are_judged_each_on_its_own_and_their_visits_recorded_in_the_files_order(client, world, db, make_child):
    """The visits of the rows are judged against each child's visits read once and recorded together
    at the end (a 3,000-row register took past gunicorn's timeout at a few queries a row): a refused
    row of a child found by an earlier row leaves that row's child and visit; a refused row that
    would register its child leaves no child; a visit imported, then deleted in the app, is not
    imported again; the file's visits get their KMS trend in date order, as one at a time."""
    from posyandu.growth.models import Measurement
    from posyandu.registry.models import Child

    head = "posyandu,nama,jenis_kelamin,tanggal_lahir,tanggal_timbang,bb (kg)\n"
    body = (head + "Melati,Rara Putri,P,15/01/2025,10/06/2025,7.0\n"
            "Melati,Rara Putri,P,15/01/2025,10/07/2025,7.6\n"
            "Melati,Rara Putri,P,15/01/2025,10/09/2025,79\n"    # refused: 79 kg
            "Melati,Tono Baru,L,01/03/2025,10/02/2025,5\n"      # refused: before birth; Tono not registered
            "Melati,Rara Putri,P,15/01/2025,10/08/2025,7.5\n")
    resp = upload(client, world, body, query="accept_valid=true")
    answer = resp.get_json()
    assert resp.status_code == 201, answer
    assert [e["row"] for e in answer["errors"]] == [4, 5], answer
    assert set(answer["errors"][0]["errors"]) == {"bb (kg)"}, answer["errors"]
    assert (answer["children_created"], answer["visits_created"]) == (1, 3), answer
    db.session.remove()
    assert db.session.scalars(select(Child.name)).all() == ["Rara Putri"]
    visits = db.session.scalars(select(Measurement).order_by(Measurement.measured_on)).all()
    # June: the first weighing (B); July +600 g (N, above any KBM); August −100 g (T)
    assert [(str(m.measured_on), float(m.weight_kg), m.trend) for m in visits] == [
        ("2025-06-10", 7.0, "B"), ("2025-07-10", 7.6, "N"), ("2025-08-10", 7.5, "T")]
    assert all(m.z_wfa is not None and m.bb_u for m in visits)

    july = visits[1].id
    assert client.delete(f"/api/v1/measurements/{july}?reason=salah%20timbang", json={},
                         headers=world.headers("bidan_a")).status_code == 204
    again = upload(client, world, body, query="accept_valid=true").get_json()
    # the deleted 7.6 is not brought back
    assert (again["children_matched"], again["visits_created"], again["visits_unchanged"]) == (1, 0, 3), again
    assert [e["row"] for e in again["errors"]] == [4, 5], again
    # and no longer the day's visit: a row of 7.9 is now July's
    other = upload(client, world, head + "Melati,Rara Putri,P,15/01/2025,10/07/2025,7.9\n", query="accept_valid=true")
    assert (other.get_json()["visits_created"], other.get_json()["errors"]) == (1, []), other.get_json()
    db.session.remove()
    assert [(str(m.measured_on), float(m.weight_kg)) for m in db.session.scalars(
        select(Measurement).where(Measurement.deleted_at.is_(None)).order_by(Measurement.measured_on))] == [
        ("2025-06-10", 7.0), ("2025-07-10", 7.9), ("2025-08-10", 7.5)]


def test_a_childs_blank_details_are_filled_in_from_the_register_and_recorded_ones_kept(client, world, db, make_child):
    """A child registered on the kader's phone with only her name and birth date: the puskesmas register
    gives her NIK, birth weight and mother's name. They were ignored (the record stayed without them);
    now they fill in what the record leaves blank, as an edit in the app (a new version for the phones,
    an audit row), once; a detail the record holds (the phone number) is kept, not overwritten; a row
    then refused takes its filling back with it."""
    from posyandu.audit import AuditLog
    from posyandu.registry.models import Child
    from posyandu.sync.models import ChangeLog

    siti = make_child(name="Siti Aminah", sex="F", birth_date="2025-01-15", guardian_phone="081234567890")
    head = "posyandu,nama,jenis_kelamin,tanggal_lahir,nik,bb_lahir,nama_ibu,no_hp,tanggal_timbang,bb\n"
    row = "Melati,Siti Aminah,P,15/01/2025,3525015501250002,\"3,1\",Ibu Aminah,085700000000,10/06/2025,7.1\n"
    dry = upload(client, world, head + row, query="dry_run=true").get_json()
    assert (dry["children_matched"], dry["children_updated"], dry["committed"]) == (1, 1, False), dry
    db.session.remove()
    assert db.session.get(Child, uuid_of(siti)).nik is None  # a dry run fills nothing in
    resp = upload(client, world, head + row + row.replace("10/06/2025,7.1", "10/07/2025,7.6"))
    answer = resp.get_json()
    assert resp.status_code == 201, answer
    assert (answer["children_matched"], answer["children_updated"], answer["visits_created"]) == (1, 1, 2), answer
    db.session.remove()
    child = db.session.get(Child, uuid_of(siti))
    assert (child.nik, child.birth_weight_kg, child.mother_name, child.guardian_phone) == (
        "3525015501250002", 3.1, "Ibu Aminah", "081234567890")
    assert child.version == siti["version"] + 1
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.record_id == str(child.id), AuditLog.action == "update")) == 1
    assert db.session.scalar(select(func.count()).select_from(ChangeLog).where(ChangeLog.record_id == child.id)) >= 2
    # the same file again: nothing left to fill in
    again = upload(client, world, head + row).get_json()
    assert (again["children_matched"], again["children_updated"], again["visits_unchanged"]) == (1, 0, 1), again

    # rows that fill in a detail and are then refused (two weights of one day) fill in nothing, the
    # file's valid row kept
    rara = make_child(name="Rara Putri", sex="F", birth_date="2025-02-15")
    head2 = "posyandu,nama,jenis_kelamin,tanggal_lahir,nama_ibu,tanggal_timbang,bb\n"
    refused = upload(client, world, head2 + "Melati,Rara Putri,P,15/02/2025,,10/06/2025,6\n"
                                             "Melati,Rara Putri,P,15/02/2025,Ibu Putri,10/06/2025,6.5\n"
                                             "Melati,Dewi Anggraini,P,01/03/2025,Ibu Dewi,10/06/2025,6.1\n",
                     query="accept_valid=true").get_json()
    assert [e["row"] for e in refused["errors"]] == [2, 3] and refused["children_updated"] == 0, refused
    assert (refused["committed"], refused["children_created"]) == (True, 1), refused
    db.session.remove()
    assert db.session.get(Child, uuid_of(rara)).mother_name is None


def test_a_dash_for_none_is_written_into_no_childs_record_and_refuses_no_row(client, world, db, make_child):
    """A register's "-" for none: a registered child's father and address "-" were written into her record
    (children_updated 1), a NIK, a phone or a weight "-" refused a new child's row. They are blank cells."""
    from openpyxl import Workbook

    from posyandu.registry.models import Child

    siti = make_child(name="Siti Aminah", sex="F", birth_date="2025-04-09")
    book = Workbook()
    book.active.append(["Posyandu", "Nama Anak", "JK", "Tgl Lahir", "Nama Ayah", "Alamat", "NIK", "No HP", "Tgl Timbang",
                        "BB (kg)"])
    book.active.append(["Melati", "Siti Aminah", "P", datetime(2025, 4, 9), "-", "—", None, None, None, None])
    book.active.append(["Melati", "Dewi Anggraini", "P", datetime(2025, 3, 9), None, None, "-", "-", None, "-"])
    out = io.BytesIO()
    book.save(out)
    resp = upload(client, world, out.getvalue(), name="register.xlsx")
    answer = resp.get_json()
    assert resp.status_code == 201, answer
    assert (answer["children_matched"], answer["children_updated"], answer["children_created"]) == (1, 0, 1), answer
    db.session.remove()
    child = db.session.get(Child, uuid_of(siti))
    assert (child.father_name, child.address, child.version) == (None, None, siti["version"])
    dewi = db.session.scalar(select(Child).where(Child.name == "Dewi Anggraini"))
    assert (dewi.nik, dewi.guardian_phone) == (None, None)


def uuid_of(record: dict):
    import uuid

    return uuid.UUID(record["id"])


def test_the_template_names_every_column_the_import_reads_and_a_filled_copy_imports(client, world, db):
    """A bidan had to guess the headers; she downloads the template, fills a row in Excel (a date
    cell, a NIK as text) and uploads it: the child and the visit are in, every detail read."""
    from datetime import date

    import openpyxl

    from posyandu.imports.reader import COLUMNS
    from posyandu.imports.template import TEMPLATE
    from posyandu.registry.models import Child

    assert {key for key, *_ in TEMPLATE} == set(COLUMNS)
    assert client.get("/api/v1/imports/visits/template", headers=world.headers("kader1")).status_code == 403
    resp = client.get("/api/v1/imports/visits/template", headers=world.headers("bidan_a"))
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    assert 'filename="contoh-impor-kunjungan.xlsx"' in resp.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(resp.data))
    assert book.sheetnames == ["Data", "Petunjuk"]
    sheet = book["Data"]
    headers = [c.value for c in sheet[1]]
    value = {"posyandu": "Melati", "name": "Wulan Sari", "sex": "P", "birth_date": date(2025, 1, 15),
             "nik": "3525015501250003", "mother_name": "Ibu Sari", "guardian_phone": "081234567890",
             "birth_weight_kg": 3.1, "measured_on": date(2025, 6, 10), "weight_kg": 7.2, "length_height_cm": 65.5,
             "position": "berbaring", "muac_cm": 13.5}
    sheet.append([value.get(key) for key, *_ in TEMPLATE])
    assert headers == [title for _, title, *_ in TEMPLATE]
    filled = io.BytesIO()
    book.save(filled)
    answer = upload(client, world, filled.getvalue(), name="contoh-impor-kunjungan.xlsx")
    assert answer.status_code == 201, answer.get_json()
    assert (answer.get_json()["children_created"], answer.get_json()["visits_created"]) == (1, 1)
    db.session.remove()
    child = db.session.scalar(select(Child).where(Child.name == "Wulan Sari"))
    assert (child.nik, child.mother_name, child.guardian_phone, child.birth_weight_kg) == (
        "3525015501250003", "Ibu Sari", "081234567890", 3.1)


def test_the_templates_example_copied_into_its_data_sheet_beside_dates_typed_there_imports(client, world, db):
    """The Petunjuk sheet's examples, copied into Data beside a child whose dates were typed there (date
    cells): its example dates were text ("15/01/2025"), and the file was refused whole as read month first
    by Excel set to English (US) (a date cell of 4 Mar 2025 could have been typed 03/04/2025). They are
    date cells, shown as typed."""
    import openpyxl

    from posyandu.imports.template import DATE_COLUMNS, TEMPLATE

    book = openpyxl.load_workbook(io.BytesIO(client.get("/api/v1/imports/visits/template",
                                                        headers=world.headers("bidan_a")).data))
    guide = book["Petunjuk"]
    examples = [row[2] for row in guide.iter_rows(min_row=2, max_row=len(TEMPLATE) + 1, values_only=True)]
    dated = {key: guide.cell(i + 2, 3) for i, (key, *_) in enumerate(TEMPLATE) if key in DATE_COLUMNS}
    assert all(cell.is_date and cell.number_format == "dd/mm/yyyy" for cell in dated.values()), dated
    sheet = book["Data"]
    sheet.append(examples)
    typed = {"posyandu": "Melati", "name": "Budi Kedua", "sex": "L", "birth_date": datetime(2025, 3, 4),
             "mother_name": "Sri", "measured_on": datetime(2025, 6, 10), "weight_kg": 6.9}
    sheet.append([typed.get(key) for key, *_ in TEMPLATE])
    filled = io.BytesIO()
    book.save(filled)
    resp = upload(client, world, filled.getvalue(), query="dry_run=true", name="contoh-impor-kunjungan.xlsx")
    assert resp.status_code == 200 and resp.get_json()["valid_rows"] == 2, resp.get_json()


def test_a_length_in_a_pb_column_and_a_height_in_a_tb_column_keep_how_each_was_measured(client, world, db):
    """A register with a PB column and a TB column: the column a value sits in tells how the child was
    measured. Left to her age, an 18-month-old's standing height was taken as lying (WHO adds 0.7 cm),
    her length-for-age lower than it is; a lying length over two years the other way. A position cell
    saying otherwise refuses the row on it."""
    from posyandu.growth.models import Measurement
    from posyandu.registry.models import Child

    body = ("posyandu;nama;jk;tgl lahir;tgl timbang;bb;pb;tb;posisi\n"
            "Melati;Rara Putri;P;01/01/2024;01/07/2025;10,2;;80;\n"       # 18 months, standing
            "Melati;Dodi Saputra;L;01/01/2023;01/07/2025;12,1;90;;\n"     # 30 months, lying
            "Melati;Eka Wijaya;L;01/01/2024;01/07/2025;10,5;;81;berbaring\n")
    refused = refused_alone(upload(client, world, body, query="accept_valid=true"))
    assert refused["row"] == 4 and list(refused["errors"]) == ["posisi"], refused
    assert "says lying but the length/height is in the column tb (standing)" in refused["errors"]["posisi"][0], refused
    stored = {name: (m.position, m.length_height_cm) for name, m in db.session.execute(
        select(Child.name, Measurement).join(Measurement, Measurement.child_id == Child.id))}
    assert stored == {"Rara Putri": ("standing", 80), "Dodi Saputra": ("lying", 90)}
    for name, position, cm, months, sex in (("Rara Putri", "standing", 80, 18, "F"),
                                           ("Dodi Saputra", "lying", 90, 30, "M")):
        child = db.session.scalar(select(Child).where(Child.name == name))
        [visit] = client.get(f"/api/v1/children/{child.id}/measurements", headers=world.headers("bidan_a")).get_json()["items"]
        [same] = client.post("/api/v1/growth/calculate", json={"measurements": [{
            "sex": sex, "birth_date": str(child.birth_date), "measured_on": "2025-07-01",
            "length_height_cm": cm, "position": position}]}).get_json()["results"]
        assert visit["zscores"]["lhfa"] == same["zscores"]["lhfa"], (name, months)


@pytest.mark.parametrize("query", ["dry_run=true", "", "accept_valid=true", "cli"])
def test_a_refused_row_naming_a_registered_child_is_a_read_in_the_access_log(app, client, world, db, make_child,
                                                                            tmp_path, query):
    """A row refused as the likely duplicate of a registered child, or for a NIK registered for another
    child, answers that child's name and birth date: a read of her data, logged (posyandu.privacy) for
    the importer whether the file is tried (dry run), refused whole, imported in part, or imported on
    the server; it was logged nowhere, the import's transaction rolled back or not."""
    from posyandu.privacy import AccessLog

    budi = make_child(name="Budi Santoso", sex="M", birth_date="2024-05-01")
    sri = make_child(name="Sri Wahyuni", sex="F", birth_date="2024-03-03", nik="3525014303240002")
    body = ("posyandu;nama;jenis_kelamin;tanggal_lahir;nik;tanggal_timbang;bb (kg)\n"
            "Melati;Budi Santosa;L;2024-05-02;;2025-06-10;9\n"                     # likely Budi
            "Melati;Rina Ayu;P;2024-03-03;3525014303240002;2025-06-10;9\n"           # Sri's NIK, another name
            "Melati;Rara Putri;P;2025-01-15;;2025-06-10;7,2\n")
    if query == "cli":
        path = tmp_path / "k.csv"
        path.write_text(body)
        out = app.test_cli_runner().invoke(args=["import-visits", str(path), "--accept-valid", "--as", "bidan_a"])
        assert "Budi Santoso" in out.output and "Sri Wahyuni" in out.output, out.output
        importer = None  # the command's reads name the operator's account as its writes do
    else:
        resp = upload(client, world, body, query=query)
        assert resp.status_code in (200, 201, 422), resp.get_json()
        text = resp.get_data(as_text=True)
        assert "Budi Santoso" in text and "Sri Wahyuni" in text, text
        importer = "bidan_a"
    db.session.remove()
    rows = list(db.session.scalars(select(AccessLog).where(AccessLog.child_id.in_([uuid.UUID(budi["id"]), uuid.UUID(sri["id"])]))))
    assert {str(r.child_id) for r in rows} == {budi["id"], sri["id"]}, query
    assert {r.action for r in rows} == {"view"}
    if importer:
        from posyandu.auth.models import User
        bidan = db.session.scalar(select(User.id).where(User.username == importer))
        assert {r.user_id for r in rows} == {bidan}


def test_a_child_found_by_a_refused_row_is_counted_found_by_her_next_row(client, world, db, make_child):
    """A child's rows under two keys (with her NIK, without it): the first refused, the second
    found her; she is counted as found, once."""
    make_child(name="Rara Putri", sex="F", birth_date="2025-01-15", nik="3525015501250001")
    head = "posyandu,nama,jenis_kelamin,tanggal_lahir,nik,tanggal_timbang,bb\n"
    body = (head + "Melati,Rara Putri,P,15/01/2025,3525015501250001,10/01/2025,3\n"
            "Melati,Rara Putri,P,15/01/2025,,10/07/2025,7.5\n"
            "Melati,Rara Putri,P,15/01/2025,3525015501250001,10/06/2025,7.2\n")
    got = upload(client, world, body, query="dry_run=true").get_json()
    assert (got["children_matched"], got["children_created"], got["visits_created"]) == (1, 0, 2), got


def test_a_childs_name_in_capitals_on_one_of_her_rows_is_still_her(client, world, db):
    """The same child (the same NIK, or the same name, birth date and sex) with her name typed in
    capitals one month: the file was refused, her later row "differs from row 2 of the same child"."""
    head = "posyandu,nama,jenis_kelamin,tanggal_lahir,nik,tanggal_timbang,bb\n"
    for nik in ("3525015501250001", ""):
        body = (head + f"Melati,Rara Putri,P,15/01/2025,{nik},10/06/2025,7.2\n"
                f"Melati,RARA PUTRI,P,15/01/2025,{nik},10/07/2025,7.5\n")
        got = upload(client, world, body, query="dry_run=true").get_json()
        assert (got["errors"], got["children_created"], got["visits_created"]) == ([], 1, 2), got
    # another name under the same NIK is still refused
    body = (head + "Melati,Rara Putri,P,15/01/2025,3525015501250001,10/06/2025,7.2\n"
            "Melati,Rara Putri Ayu,P,15/01/2025,3525015501250001,10/07/2025,7.5\n")
    got = upload(client, world, body, query="dry_run=true").get_json()
    assert [(e["row"], set(e["errors"])) for e in got["errors"]] == [(3, {"nama"})], got


def test_the_answer_names_the_columns_not_read(client, world, db, app, tmp_path):
    """A register with its immunisation columns: the doses were dropped without a word, and the
    import said it succeeded. The check, the import and the command name the columns not read."""
    body = "posyandu,nama,jenis_kelamin,tanggal_lahir,BCG,Polio 1\nMelati,Rara Putri,P,15/01/2025,10/02/2025,10/03/2025\n"
    for query in ("dry_run=true", ""):
        got = upload(client, world, body, query=query).get_json()
        assert got["ignored_columns"] == ["BCG", "Polio 1"] and got["errors"] == [], got
    plain = upload(client, world, "posyandu,nama,jenis_kelamin,tanggal_lahir\nMelati,Rara Putri,P,15/01/2025\n").get_json()
    assert plain["ignored_columns"] == [], plain
    path = tmp_path / "register.csv"
    path.write_text(body)
    out = app.test_cli_runner().invoke(args=["import-visits", str(path), "--as", "bidan_a"])
    assert out.exit_code == 0 and "kolom tidak dibaca" in out.output and "BCG, Polio 1" in out.output, out.output


def test_two_rows_of_one_childs_day_name_each_other(client, world, db, make_child):
    """Two rows of one child on one day with other values are refused, each message naming the rows and
    their values (it said only "the child already has a visit", as if one were recorded in the app,
    leaving the kader to search the sheet for it); in both languages."""
    head = "posyandu,nama,jenis_kelamin,tanggal_lahir,tanggal_timbang,bb (kg)\n"
    body = (head + "Melati,Rara Putri,P,15/02/2025,10/06/2025,6\n"
            "Melati,Rara Putri,P,15/02/2025,10/07/2025,6.4\n"
            "Melati,Rara Putri,P,15/02/2025,10/06/2025,6.5\n")
    for lang, words in (("en", ("rows 2 and 4 give", "10 Jun 2025", "row 2: weight 6 kg", "row 4: weight 6.5 kg")),
                        ("id", ("baris 2 dan 4 memberi", "10 Jun 2025", "baris 2: BB 6 kg", "baris 4: BB 6,5 kg"))):
        resp = client.post("/api/v1/imports/visits?dry_run=true", data={"file": (io.BytesIO(body.encode()), "k.csv")},
                           headers=world.headers("bidan_a", lang), content_type="multipart/form-data")
        errors = resp.get_json()["errors"]
        assert [e["row"] for e in errors] == [2, 4] and all(set(e["errors"]) == {"tanggal_timbang"} for e in errors)
        [message] = errors[1]["errors"]["tanggal_timbang"]
        assert all(w in message for w in words) and errors[0]["errors"] == errors[1]["errors"], message
    # a visit recorded in the app is still named by its values, not by a row
    child = make_child(name="Siti Aminah", sex="F", birth_date="2025-01-15")
    assert client.post(f"/api/v1/children/{child['id']}/measurements", headers=world.headers("kader1"), json={
        "id": str(uuid.uuid4()), "measured_on": "2025-06-10", "weight_kg": 7.2}).status_code == 201
    resp = upload(client, world, head + "Melati,Siti Aminah,P,15/01/2025,10/06/2025,7.4\n", query="dry_run=true")
    [message] = resp.get_json()["errors"][0]["errors"]["tanggal_timbang"]
    assert "already has a visit" in message and "row 2" not in message, message


def test_a_row_given_twice_is_reported_as_repeating_the_first_not_as_a_visit_there_already(app, client, world, db,
                                                                                          tmp_path):
    """A new child's registration row given twice, identical (copied down by a cadre): the second was
    counted as a visit "already there" (visits_unchanged), though nothing was there before the file. It is
    accepted, named with the row it repeats (repeated_rows) and counted as no visit; so is the very row
    of a child without a visit. Imported again, the visit is there already, the repeat still a repeat."""
    from posyandu.audit import AuditLog
    from posyandu.growth.models import Measurement

    head = "posyandu,nama,jenis_kelamin,tanggal_lahir,no_hp,tanggal_timbang,bb (kg)\n"
    body = (head + "Melati,Rara Putri,P,15/02/2025,,10/06/2025,6\n"
            "Melati,Rara Putri,P,15/02/2025,,10/06/2025,6\n"
            "Melati,Dodi Saputra,L,01/02/2025,,,\n"
            "Melati,Rara Putri,P,15/02/2025,,10/07/2025,6.4\n"
            "Melati,Dodi Saputra,L,01/02/2025,,,\n"
            "Melati,Dodi Saputra,L,01/02/2025,081234567890,,\n")  # gives his phone: not a repeat
    for query, status in (("dry_run=true", 200), ("", 201)):
        resp = upload(client, world, body, query=query)
        assert resp.status_code == status, resp.get_json()
        got = resp.get_json()
        assert (got["errors"], got["children_created"], got["visits_created"], got["visits_unchanged"]) == (
            [], 2, 2, 0), got
        assert got["repeated_rows"] == [{"row": 3, "repeats": 2}, {"row": 6, "repeats": 4}], got
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Measurement)) == 2
    audit = db.session.scalars(select(AuditLog).where(AuditLog.action == "import")).one()
    assert audit.changes["repeated_rows"] == 2 and audit.changes["visits_unchanged"] == 0
    again = upload(client, world, body).get_json()
    assert (again["children_matched"], again["visits_created"], again["visits_unchanged"]) == (2, 0, 2), again
    assert again["repeated_rows"] == [{"row": 3, "repeats": 2}, {"row": 6, "repeats": 4}], again
    path = tmp_path / "k.csv"
    path.write_text(body)
    out = app.test_cli_runner().invoke(args=["import-visits", str(path), "--dry-run", "--as", "bidan_a"])
    assert "baris 3: mengulang baris 2" in out.output and "baris berulang 2" in out.output, out.output


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 0, 1), (0, 2, 1), (2, 1, 0)])
def test_twins_renamed_in_the_file_are_found_whichever_row_comes_first(client, world, db, make_child, order):
    """Twins registered in the app, Siti Rahma and Nur Aini, weighed the same in June (4.5 kg) and not in
    July; the file spells them Siti Rachma and Nurul Aini (a name only alike, "Siti Rahmawati", is no match
    by visits: test_a_twin_whose_name_only_begins_alike_is_never_found_by_her_sisters_visits). Siti's rows (June and July) are hers
    alone; Nur's June row alone fits both twins, and is hers only once Siti is known to be her sister.
    Siti's rows first, the import found both; Nur's row first, the search for a renamed child saw two
    children with her visit and registered her anew (refused as Nur Aini's likely duplicate): the result
    hung on the order of the rows. It is the same in every order."""
    from posyandu.growth.models import Measurement

    siti = make_child(name="Siti Rahma", sex="F", birth_date="2025-05-01")
    nur = make_child(name="Nur Aini", sex="F", birth_date="2025-05-01")
    for child, july in ((siti, 5.2), (nur, 5.0)):
        for day, kg in (("2025-06-10", 4.5), ("2025-07-10", july)):
            assert client.post(f"/api/v1/children/{child['id']}/measurements", headers=world.headers("kader1"), json={
                "id": str(uuid.uuid4()), "measured_on": day, "weight_kg": kg}).status_code == 201
    rows = ["Melati,Siti Rachma,P,01/05/2025,10/06/2025,4.5\n",
            "Melati,Siti Rachma,P,01/05/2025,10/07/2025,5.2\n",
            "Melati,Nurul Aini,P,01/05/2025,10/06/2025,4.5\n"]
    body = HEAD + "".join(rows[i] for i in order) + "Melati,Nurul Aini,P,01/05/2025,10/08/2025,5.6\n"
    resp = upload(client, world, body)
    assert resp.status_code == 201, resp.get_json()
    got = resp.get_json()
    assert (got["errors"], got["children_created"], got["children_matched"], got["visits_created"],
            got["visits_unchanged"]) == ([], 0, 2, 1, 3), got
    db.session.remove()
    [august] = db.session.scalars(select(Measurement).where(Measurement.measured_on == datetime(2025, 8, 10).date()))
    assert str(august.child_id) == nur["id"]


@pytest.mark.parametrize("query", ["dry_run=true", "accept_valid=true"])
def test_a_dry_run_logs_the_reads_its_answer_discloses_and_no_audit_row(client, world, db, make_child, query):
    """A dry run writes nothing: no audit row (the audit log is of writes). Its answer is a read where
    it tells a registered child's data, and is logged as the children list or a child's visits are:
    a row refused for a day the child has another visit told the weight recorded in the app, and one
    of a NIK registered at another posyandu of the area told where she is; neither was in the access
    log. A child the file only finds (counted, named nowhere) leaves no row."""
    from posyandu.audit import AuditLog
    from posyandu.auth.models import User
    from posyandu.privacy import AccessLog

    siti = make_child(name="Siti Aminah", sex="F", birth_date="2025-01-15")
    assert client.post(f"/api/v1/children/{siti['id']}/measurements", headers=world.headers("kader1"), json={
        "id": str(uuid.uuid4()), "measured_on": "2025-06-10", "weight_kg": 7.2}).status_code == 201
    fani = make_child(by="kader2", posyandu="p2", name="Fani Lestari", sex="F", birth_date="2025-03-01",
                      nik="3525014103250001")
    rara = make_child(name="Rara Putri", sex="F", birth_date="2025-02-15")
    body = ("posyandu,nama,jenis_kelamin,tanggal_lahir,nik,tanggal_timbang,bb\n"
            "Melati,Siti Aminah,P,15/01/2025,,10/06/2025,7.4\n"
            "Melati,Fani Lestari,P,01/03/2025,3525014103250001,10/06/2025,6.8\n"
            "Melati,Rara Putri,P,15/02/2025,,10/06/2025,6\n")
    db.session.remove()
    before = db.session.scalar(select(func.max(AccessLog.id))) or 0
    resp = upload(client, world, body, query=query)
    got = resp.get_json()
    assert [e["row"] for e in got["errors"]] == [2, 3] and "7.2" in str(got["errors"][0]), got
    assert "Mawar" in str(got["errors"][1]) and got["children_matched"] == 1, got
    db.session.remove()
    bidan = db.session.scalar(select(User.id).where(User.username == "bidan_a"))
    reads = {(str(r.child_id), r.action, r.user_id) for r in db.session.scalars(
        select(AccessLog).where(AccessLog.id > before, AccessLog.child_id.is_not(None)))}
    assert reads == {(siti["id"], "view", bidan), (fani["id"], "view", bidan)}, reads
    assert rara["id"] not in {c for c, _, _ in reads}
    imports = db.session.scalars(select(AuditLog.action).where(AuditLog.entity == "visits_file")).all()
    assert imports == ([] if query == "dry_run=true" else ["import_start", "import"]), imports


def test_a_newborn_registered_twice_in_one_file_is_refused_naming_the_row_that_registers_her(client, world, db):
    """Two cadres' rows of one newborn under two spellings (no NIK yet): the second was refused as the
    likely duplicate of a child "already registered", sending the bidan to look for her in the app, where
    she is not (the file's own earlier row registers her). The message names that row."""
    body = ("posyandu,nama,jenis_kelamin,tanggal_lahir,tanggal_timbang,bb\n"
            "Melati,Siti Nurhaliza,P,09/07/2025,10/08/2025,4.1\n"
            "Melati,Siti Nurhalizah,P,10/07/2025,10/09/2025,4.9\n")
    for lang, words in (("en", ("row 2 of this file", "Siti Nurhaliza")), ("id", ("baris 2 berkas ini", "Siti Nurhaliza"))):
        resp = client.post("/api/v1/imports/visits?dry_run=true", data={"file": (io.BytesIO(body.encode()), "k.csv")},
                           headers=world.headers("bidan_a", lang), content_type="multipart/form-data")
        [error] = resp.get_json()["errors"]
        assert error["row"] == 3 and set(error["errors"]) == {"nama"}, error
        [message] = error["errors"]["nama"]
        assert all(w in message for w in words) and "already registered" not in message, message



def test_a_new_child_is_compared_with_the_children_earlier_rows_register_and_not_with_deleted_ones(
        client, world, db, make_child):
    """The children a row's new child is compared with (at another posyandu of the area, a likely duplicate)
    are read once for the whole file, before its first row registers anyone: a child an earlier row of
    the file registers is compared with all the same, and a deleted child is not, as when each row asked
    the database."""
    for posyandu, by, born in (("p2", "kader2", "2025-03-01"), ("p1", "kader1", "2025-03-02")):
        dewi = make_child(name="Dewi Lestari", sex="F", birth_date=born, mother_name="Sri Wahyuni",
                          posyandu=posyandu, by=by)
        assert client.delete(f"/api/v1/children/{dewi['id']}?reason=salah", headers=world.headers("bidan_a")
                             ).status_code == 204
    body = ("posyandu,nama,jenis_kelamin,tanggal_lahir,nama_ibu,tanggal_timbang,bb\n"
            "Melati,Rara Putri,P,15/01/2025,Sri Wahyuni,10/06/2025,7.2\n"
            "Mawar,Rara Putri,P,15/01/2025,Sri Wahyuni,10/06/2025,7.2\n"
            "Melati,Rara Amelia,P,17/01/2025,Sri Wahyuni,10/06/2025,7.0\n"
            "Melati,Dewi Lestari,P,01/03/2025,Sri Wahyuni,10/06/2025,6.9\n")
    answer = _answer(upload(client, world, body, query="accept_valid=true"))
    assert answer["children_created"] == 2, answer
    why = {e["row"]: e["errors"] for e in answer["errors"]}
    assert why == {3: {"posyandu": ["row 2 of this file records this child at another posyandu (Melati): one child, "
                                    "one posyandu; correct the posyandu in one of the rows"]},
                   4: {"nama": [why[4]["nama"][0]]}}, why
    assert "likely the same child as Rara Putri (born 15 Jan 2025) of row 2 of this file" in why[4]["nama"][0], why

COMBINED_FILE = """posyandu,nama,jenis_kelamin,tanggal_lahir,tanggal_timbang,bb (kg),tb/pb (cm),lila (cm)
Melati,Rara Putri,P,15/01/2025,10/06/2025,6,,
Melati,Rara Putri,P,15/01/2025,10/06/2025,,60,
Melati,Rara Putri,P,15/01/2025,10/06/2025,6,60,
Melati,Rara Putri,P,15/01/2025,10/05/2025,5.5,,
Melati,Rara Putri,P,15/01/2025,10/05/2025,,58,
Melati,Rara Putri,P,15/01/2025,10/06/2025,,,13
Melati,Rara Putri,P,15/01/2025,10/07/2025,6.4,,
"""
# Row 3 adds the length to row 2's visit, row 7 the LiLA; row 4 repeats what rows 2 and 3 give; rows 5 and 6
# are May's visit (the length added to the weight), row 8 July's.


def test_rows_of_one_childs_day_that_agree_make_one_visit_and_are_named_combined(app, client, world, db, tmp_path):
    """A register gives one child two rows of one day: one with the weight, one with the length (or the
    LiLA). The second was refused, "one visit a day", and the length lost unless the data manager merged
    the rows by hand. Rows of a day whose values agree (each given in one row, or the same) make one
    visit, with every value, each later row named with the visit's first row (combined_rows); rows giving
    a value otherwise: ``test_rows_of_one_childs_day_that_disagree_are_all_refused``. The check and the
    import answer alike; imported again, nothing changes and the answer says so."""
    from posyandu.audit import AuditLog
    from posyandu.growth.models import Measurement

    def answer(query, lang="en"):
        resp = client.post(f"/api/v1/imports/visits?{query}", headers=world.headers("bidan_a", lang),
                           data={"file": (io.BytesIO(COMBINED_FILE.encode()), "k.csv")},
                           content_type="multipart/form-data")
        assert resp.status_code in (200, 201), resp.get_json()
        got = resp.get_json()
        return {k: got[k] for k in ("errors", "repeated_rows", "combined_rows", "visits_created", "visits_unchanged",
                                    "children_created", "children_matched")}

    check = answer("dry_run=true")
    assert check["combined_rows"] == [{"row": 3, "combined_with": 2}, {"row": 6, "combined_with": 5},
                                      {"row": 7, "combined_with": 2}], check
    assert check["repeated_rows"] == [{"row": 4, "repeats": 2}], check
    assert (check["visits_created"], check["visits_unchanged"], check["children_created"]) == (3, 0, 1), check
    assert check["errors"] == [], check
    assert answer("accept_valid=true") == check  # what the check said is what the import does

    db.session.remove()
    visits = {str(m.measured_on): m for m in db.session.scalars(select(Measurement))}
    june, may = visits["2025-06-10"], visits["2025-05-10"]
    assert sorted(visits) == ["2025-05-10", "2025-06-10", "2025-07-10"]
    assert (float(june.weight_kg), float(june.length_height_cm), float(june.muac_cm)) == (6, 60, 13)
    assert (float(may.weight_kg), float(may.length_height_cm)) == (5.5, 58)
    assert june.z_wfl is not None  # judged with both: weight-for-length
    audit = db.session.scalars(select(AuditLog).where(AuditLog.action == "import")).one()
    assert [audit.changes[k] for k in ("visits_created", "combined_rows", "repeated_rows")] == [3, 3, 1]

    again = answer("accept_valid=true")
    assert {**again, "visits_created": 3, "visits_unchanged": 0, "children_created": 1, "children_matched": 0} == check
    assert (again["visits_created"], again["visits_unchanged"], again["children_matched"]) == (0, 3, 1), again
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Measurement)) == 3

    path = tmp_path / "k.csv"
    path.write_text(COMBINED_FILE)
    out = app.test_cli_runner().invoke(args=["import-visits", str(path), "--dry-run", "--as", "bidan_a"])
    assert "baris 3: digabung dengan baris 2" in out.output and "baris digabung 3" in out.output, out.output


DISAGREEING_FILE = """posyandu,nama,jenis_kelamin,tanggal_lahir,tanggal_timbang,bb (kg),tb/pb (cm),lila (cm)
Melati,Rara Putri,P,15/01/2025,10/06/2025,6,,
Melati,Rara Putri,P,15/01/2025,10/06/2025,,60,
Melati,Rara Putri,P,15/01/2025,10/06/2025,6.5,,
Melati,Rara Putri,P,15/01/2025,10/06/2025,,61,13
Melati,Rara Putri,P,15/01/2025,10/07/2025,6.4,,
"""


def test_rows_of_one_childs_day_that_disagree_are_all_refused(client, world, db):
    """Two weights of one child's day (rows 2 and 4), two lengths (rows 3 and 5): the later row was refused
    ("correct this row or row 2") and, with "import the valid rows", the first imported, so her N/T and 2T
    were judged by a weight perhaps the mistyped one, and the clerk who corrected row 2 was then refused it
    as a visit recorded (a QA pass). Every row of that day is refused now, naming the rows and their values;
    the child and her other days are imported."""
    from posyandu.growth.models import Measurement

    def answer(query, lang="en"):
        resp = client.post(f"/api/v1/imports/visits?{query}", headers=world.headers("bidan_a", lang),
                           data={"file": (io.BytesIO(DISAGREEING_FILE.encode()), "k.csv")},
                           content_type="multipart/form-data")
        assert resp.status_code in (200, 201), resp.get_json()
        return resp.get_json()

    check = answer("dry_run=true")
    errors = {e["row"]: e["errors"] for e in check["errors"]}
    assert set(errors) == {2, 3, 4, 5} and all(set(e) == {"tanggal_timbang"} for e in errors.values()), errors
    [why] = errors[2]["tanggal_timbang"]
    assert all(e["tanggal_timbang"] == [why] for e in errors.values()), errors
    assert why.startswith("rows 2, 3, 4 and 5 give this child other values on 10 Jun 2025 (row 2: weight 6 kg; "
                          "row 4: weight 6.5 kg; row 3: length/height 60 cm; row 5: length/height 61 cm)"), why
    [kata] = {e["row"]: e["errors"] for e in answer("dry_run=true", "id")["errors"]}[3]["tanggal_timbang"]
    assert kata.startswith("baris 2, 3, 4 dan 5 memberi anak ini nilai berbeda tanggal 10 Jun 2025 (baris 2: BB 6 kg; "
                           "baris 4: BB 6,5 kg;"), kata
    assert (check["visits_created"], check["children_created"], check["combined_rows"]) == (1, 1, []), check
    kept = answer("accept_valid=true")
    assert {k: kept[k] for k in ("errors", "visits_created", "children_created")} == \
        {k: check[k] for k in ("errors", "visits_created", "children_created")}
    db.session.remove()
    assert [str(d) for d in db.session.scalars(select(Measurement.measured_on))] == ["2025-07-10"]


def test_a_row_adding_a_value_to_a_visit_recorded_before_is_refused_and_one_agreeing_is_named_combined(
        client, world, db, make_child):
    """The file's rows of a day make one visit only when the file records it: a visit of that day recorded
    before (weighed on the kader's phone) is corrected in the app, so a row adding the length to it is
    refused saying so; rows the recorded visit holds are one visit already there (one, not two), the
    later named combined. A combined visit deleted in the app is not imported again by the same file."""
    from posyandu.growth.models import Measurement

    head = "posyandu,nama,jenis_kelamin,tanggal_lahir,tanggal_timbang,bb (kg),tb/pb (cm)\n"
    rows = "Melati,Siti Aminah,P,15/01/2025,10/06/2025,7.2,\nMelati,Siti Aminah,P,15/01/2025,10/06/2025,,65\n"
    child = make_child(name="Siti Aminah", sex="F", birth_date="2025-01-15")
    phone = {"id": str(uuid.uuid4()), "measured_on": "2025-06-10", "weight_kg": 7.2}
    assert client.post(f"/api/v1/children/{child['id']}/measurements", headers=world.headers("kader1"),
                       json=phone).status_code == 201
    got = upload(client, world, head + rows, query="dry_run=true").get_json()
    [error] = got["errors"]
    [message] = error["errors"]["tanggal_timbang"]
    assert error["row"] == 3 and "already has a visit" in message and "weight 7.2 kg" in message, got
    assert got["combined_rows"] == [] and got["visits_unchanged"] == 1, got

    assert client.patch(f"/api/v1/measurements/{phone['id']}", headers=world.headers("kader1"),
                        json={"length_height_cm": 65, "base_version": 1}).status_code == 200
    got = upload(client, world, head + rows).get_json()
    assert (got["errors"], got["visits_created"], got["visits_unchanged"]) == ([], 0, 1), got
    assert got["combined_rows"] == [{"row": 3, "combined_with": 2}], got

    rara = head + rows.replace("Siti Aminah,P,15/01/2025", "Rara Putri,P,15/02/2025")
    got = upload(client, world, rara).get_json()
    assert got["visits_created"] == 1, got
    db.session.remove()
    [visit] = db.session.scalars(select(Measurement).where(Measurement.child_id != uuid.UUID(child["id"])))
    assert client.delete(f"/api/v1/measurements/{visit.id}?reason=salah%20timbang", json={},
                         headers=world.headers("bidan_a")).status_code == 204
    got = upload(client, world, rara).get_json()
    assert (got["errors"], got["visits_created"], got["visits_unchanged"]) == ([], 0, 1), got
    assert got["combined_rows"] == [{"row": 3, "combined_with": 2}], got
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Measurement).where(
        Measurement.child_id == visit.child_id, Measurement.deleted_at.is_(None))) == 0
    # a row's own visit imported, then deleted, is not brought back inside another row's visit of that day
    dodi = head + "Melati,Dodi Saputra,L,01/02/2025,10/06/2025,,66\n"
    assert upload(client, world, dodi).get_json()["visits_created"] == 1
    db.session.remove()
    [length] = db.session.scalars(select(Measurement).where(Measurement.length_height_cm == 66))
    assert client.delete(f"/api/v1/measurements/{length.id}?reason=salah%20ukur", json={},
                         headers=world.headers("bidan_a")).status_code == 204
    both = head + "Melati,Dodi Saputra,L,01/02/2025,10/06/2025,6.9,\nMelati,Dodi Saputra,L,01/02/2025,10/06/2025,,66\n"
    got = upload(client, world, both).get_json()
    assert (got["visits_created"], got["visits_unchanged"], got["combined_rows"]) == (1, 1, []), got
    db.session.remove()
    assert [(float(m.weight_kg), m.length_height_cm) for m in db.session.scalars(select(Measurement).where(
        Measurement.child_id == length.child_id, Measurement.deleted_at.is_(None)))] == [(6.9, None)]


def test_a_birth_weight_to_the_gram_is_imported_to_the_gram(client, world, db):
    """2,499 g in a column headed in grams, or 2,499 kg in one headed in kg, is 2.499 kg, under the
    2,500 g line of low birth weight: numeric(4,2) stored 2.50 on PostgreSQL (2,495-2,499 g onto the
    line). The row, the API's answer and the change log a phone pulls hold the gram."""
    from posyandu.registry.models import Child

    head = "posyandu;nama;jenis_kelamin;tanggal_lahir;{};tanggal_timbang;berat_badan\n"
    body = head.format("BBL (gram)") + "Melati;Rara Putri;P;15/01/2025;2499;10/06/2025;7,25\n"
    assert upload(client, world, body).status_code == 201
    in_kg = head.format("BB Lahir (kg)") + "Melati;Dodi Saputra;L;01/02/2025;2,495;10/06/2025;6,9\n"
    assert upload(client, world, in_kg).status_code == 201
    db.session.remove()
    children = {c.name: (c.id, c.birth_weight_kg) for c in db.session.scalars(select(Child))}
    assert {name: kg for name, (_, kg) in children.items()} == {"Rara Putri": 2.499, "Dodi Saputra": 2.495}
    answered = client.get(f"/api/v1/children/{children['Rara Putri'][0]}", headers=world.headers("kader1")).get_json()
    assert answered["birth_weight_kg"] == 2.499
    pulled = client.get("/api/v1/sync/pull", headers=world.headers("kader1")).get_json()["changes"]
    assert sorted(c["record"]["birth_weight_kg"] for c in pulled if c["entity"] == "child") == [2.495, 2.499]


def test_a_register_headed_in_grams_imports_its_weights_in_kg_as_the_same_visits_as_in_kg(client, world, db):
    """A register's "BBL (gram)" and "BB (gram)" had every value refused as "looks like grams": the unit
    in the header was dropped. Read in grams now, a dry run telling what the import does; a value in kg
    there is refused saying so; the same file in kg gives the same children and visits (their ids derive
    from the values in kg), nothing doubled."""
    from posyandu.growth.models import Measurement
    from posyandu.registry.models import Child

    head = "posyandu;nama;jenis_kelamin;tanggal_lahir;{};tanggal_timbang;{}\n"
    rows = ["Melati;Rara Putri;P;15/01/2025;{};10/06/2025;{}\n", "Melati;Dodi Saputra;L;01/02/2025;{};10/06/2025;{}\n"]
    grams = head.format("BBL (gram)", "BB (gram)") + rows[0].format("3.200", "7250") + rows[1].format("2900 g", "6900") \
        + "Melati;Eka Wijaya;L;01/02/2025;3,2;10/06/2025;6900\n"
    dry = upload(client, world, grams, query="dry_run=true&accept_valid=true")
    real = upload(client, world, grams, query="accept_valid=true")
    assert (dry.status_code, real.status_code) == (200, 201), real.get_json()
    told = {k: v for k, v in dry.get_json().items() if k not in ("dry_run", "committed")}
    assert told == {k: v for k, v in real.get_json().items() if k not in ("dry_run", "committed")}
    assert (told["children_created"], told["visits_created"], told["invalid_rows"]) == (2, 2, 1), told
    assert told["errors"] == [{"row": 4, "name": "Eka Wijaya", "errors": {"BBL (gram)": [
        "the column is in grams (its header says so) and 3.2 looks like kilograms: write it in grams (3200), "
        "or head the column in kg"]}}]
    db.session.remove()
    children = {c.name: c.birth_weight_kg for c in db.session.scalars(select(Child))}
    visits = {(m.id, m.child_id, m.weight_kg) for m in db.session.scalars(select(Measurement))}
    assert children == {"Rara Putri": 3.2, "Dodi Saputra": 2.9} and {w for _, _, w in visits} == {7.25, 6.9}
    before = counts(db, world)
    in_kg = head.format("BBL (kg)", "BB (kg)") + rows[0].format("3,2", "7,25") + rows[1].format("2,9", "6,9")
    again = upload(client, world, in_kg).get_json()
    assert (again["children_created"], again["children_matched"], again["visits_created"], again["visits_unchanged"]) \
        == (0, 2, 0, 2), again
    assert {(m.id, m.child_id, m.weight_kg) for m in db.session.scalars(select(Measurement))} == visits
    assert counts(db, world)[:2] == before[:2]


def test_a_registers_totals_line_is_skipped_saying_so_not_refused(app, client, world, db, tmp_path):
    """A register's "Jumlah" line under its table (the name cell "Jumlah", the rest sums or empty) was
    refused as a child without sex and birth date, and the whole file with it. It is skipped, and the
    check, the import and the command say so (skipped_rows), in both languages; counted in no number."""
    from posyandu.audit import AuditLog

    head = "No;Posyandu;Nama;JK;Tgl Lahir;Tgl Timbang;BB (kg);BCG\n"
    body = (head + "1;Melati;Rara Putri;P;15/02/2025;10/06/2025;6;x\n"
            "2;Melati;Dodi Saputra;L;01/02/2025;10/06/2025;6,4;\n"
            ";;JUMLAH;;;;12,4;1\n"
            ";Melati;Total;;;;;\n")
    for query, status in (("dry_run=true", 200), ("", 201)):
        resp = upload(client, world, body, query=query)
        assert resp.status_code == status, resp.get_json()
        got = resp.get_json()
        assert (got["errors"], got["rows"], got["valid_rows"], got["children_created"], got["visits_created"]) == (
            [], 2, 2, 2, 2), got
        assert got["skipped_rows"] == [{"row": 4, "reason": 'skipped: a totals line ("JUMLAH"), no child'},
                                       {"row": 5, "reason": 'skipped: a totals line ("Total"), no child'}], got
    db.session.remove()
    audit = db.session.scalars(select(AuditLog).where(AuditLog.action == "import")).one()
    assert audit.changes["skipped_rows"] == 2 and audit.changes["rows"] == 2
    indonesian = client.post("/api/v1/imports/visits?dry_run=true", data={"file": (io.BytesIO(body.encode()), "k.csv")},
                             headers=world.headers("bidan_a", "id"), content_type="multipart/form-data").get_json()
    assert indonesian["skipped_rows"][0] == {"row": 4, "reason": 'dilewati: baris jumlah ("JUMLAH"), bukan anak'}
    # a line named "Jumlah" that gives a child's sex and birth date is a child's, judged as any
    child = upload(client, world, head + "1;Melati;Jumlah;P;15/02/2025;10/06/2025;6;\n", query="dry_run=true")
    assert child.get_json()["skipped_rows"] == [] and child.get_json()["rows"] == 1, child.get_json()
    path = tmp_path / "k.csv"
    path.write_text(body)
    out = app.test_cli_runner().invoke(args=["import-visits", str(path), "--dry-run", "--as", "bidan_a"])
    assert out.exit_code == 0 and 'baris 4: dilewati: baris jumlah ("JUMLAH"), bukan anak' in out.output, out.output


def test_a_child_absent_on_the_day_of_a_date_merged_down_the_table_is_registered_without_a_visit(client, world, db):
    """The session's date merged over G2:G4 and one child weighed nothing: the file was refused "enter at
    least the weight or a length/height" on her row. She was absent that day: registered (in S), no visit
    (not in D)."""
    from openpyxl import Workbook

    from posyandu.growth.models import Measurement
    from posyandu.registry.models import Child

    book = Workbook()
    sheet = book.active
    sheet.append(["No", "Posyandu", "Nama Anak", "JK", "Tgl Lahir", "Nama Ibu", "Tgl Timbang", "BB (kg)", "TB (cm)"])
    sheet.append([1, "Melati", "Absen Satu", "P", datetime(2025, 3, 1), "Sri", datetime(2025, 6, 10), 6.1, 60])
    sheet.append([2, "Melati", "Absen Dua", "L", datetime(2025, 1, 1), "Tri", None, None, None])
    sheet.append([3, "Melati", "Absen Tiga", "P", datetime(2024, 12, 1), "Umi", None, 7.5, None])
    sheet.merge_cells("G2:G4")
    out = io.BytesIO()
    book.save(out)
    resp = upload(client, world, out.getvalue(), name="register.xlsx")
    got = resp.get_json()
    assert resp.status_code == 201, got
    assert (got["rows"], got["children_created"], got["visits_created"]) == (3, 3, 2), got
    db.session.remove()
    absent = db.session.scalar(select(Child).where(Child.name == "Absen Dua"))
    assert db.session.scalar(select(func.count()).select_from(Measurement).where(
        Measurement.child_id == absent.id)) == 0


def test_a_registers_unused_lines_holding_only_the_posyandu_or_an_unticked_box_are_skipped_not_refused(client, world,
                                                                                                     db):
    """A register's unused lines, the posyandu copied down them (not merged) or an unticked checkbox (FALSE):
    each was refused as a child without name, sex and birth date, and the file with them. They are
    skipped, said so; the posyandu merged down is a blank line, as before."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Posyandu", "Nama Anak", "JK", "Tgl Lahir", "Tgl Timbang", "BB (kg)", "Edema"])
    sheet.append(["Melati", "Rina Prefill", "P", datetime(2025, 3, 1), datetime(2025, 6, 10), 6.1, False])
    sheet.append([None, None, None, None, None, None, None])
    sheet.merge_cells("A2:A3")  # merged down: a blank line
    sheet.append(["Melati", None, None, None, None, None, None])
    sheet.append([None, None, None, None, None, None, False])
    out = io.BytesIO()
    book.save(out)
    resp = upload(client, world, out.getvalue(), name="register.xlsx")
    got = resp.get_json()
    assert resp.status_code == 201, got
    assert (got["rows"], got["valid_rows"], got["children_created"], got["visits_created"]) == (1, 1, 1, 1), got
    assert [(r["row"], r["reason"].rsplit(", ", 1)[-1]) for r in got["skipped_rows"]] == [
        (4, 'only "Melati"'), (5, 'only "FALSE"')], got


def test_a_totals_line_with_the_tables_date_is_skipped_and_a_refused_file_says_what_it_skipped(client, world, db):
    """The visit date written (or merged) on every line of the table, the totals line's too: it was refused
    as a child without sex and birth date. It is skipped as a totals line; and a file refused whole (422)
    named only its refused rows, not the lines it skipped (skipped_rows, as the check answers them)."""
    head = "No;Posyandu;Nama;JK;Tgl Lahir;Tgl Timbang;BB (kg)\n"
    body = (head + "1;Melati;Rara Putri;P;15/02/2025;10/06/2025;6\n"
            "2;Melati;Dodi Saputra;L;01/02/2025;10/06/2025;6,4\n"
            ";;Jumlah;;;10/06/2025;12,4\n")
    checked = upload(client, world, body, query="dry_run=true").get_json()
    assert (checked["errors"], checked["rows"], checked["skipped_rows"]) == (
        [], 2, [{"row": 4, "reason": 'skipped: a totals line ("Jumlah"), no child'}]), checked
    # another day on the totals line (the register's closing date) is a totals line's too; a text that is
    # no date there is refused as a child's line, with the rest
    other_day = upload(client, world, body.replace(";;Jumlah;;;10/06/2025", ";;Jumlah;;;30/06/2025"),
                       query="dry_run=true").get_json()
    assert other_day["errors"] == [] and [s["row"] for s in other_day["skipped_rows"]] == [4], other_day
    no_date = upload(client, world, body.replace(";;Jumlah;;;10/06/2025", ";;Jumlah;;;s.d. Juni"),
                     query="dry_run=true").get_json()
    assert no_date["skipped_rows"] == [] and [e["row"] for e in no_date["errors"]] == [4], no_date
    refused = upload(client, world, body.replace("Dodi Saputra;L;", "Dodi Saputra;X;"))
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    problem = refused.get_json()
    assert list(problem["errors"]["rows"]) == ["3"], problem
    assert problem["skipped_rows"] == [{"row": 4, "reason": 'skipped: a totals line ("Jumlah"), no child'}], problem
    indonesian = client.post("/api/v1/imports/visits", data={"file": (io.BytesIO(body.replace(
        "Dodi Saputra;L;", "Dodi Saputra;X;").encode()), "k.csv")}, headers=world.headers("bidan_a", "id"),
        content_type="multipart/form-data").get_json()
    assert indonesian["skipped_rows"] == [{"row": 4, "reason": 'dilewati: baris jumlah ("Jumlah"), bukan anak'}]
    # a refused file without totals lines says so too: none skipped
    alone = upload(client, world, head + "1;Melati;Rara Putri;X;15/02/2025;10/06/2025;6\n")
    assert alone.status_code == 422 and alone.get_json()["skipped_rows"] == []


def test_a_register_with_a_weight_in_kg_and_in_grams_alike_and_its_totals_counting_by_sex_imports(client, world, db):
    """A register with "BB (kg)" and "BB (gram)" where the cadre typed the kilograms in both ("3,2") was
    refused row by row (3,2 g in the grams column), and its totals line, dated with the register's closing
    day and counting the boys and girls in the sex column ("L: 1 / P: 1"), refused as a child: the whole
    file refused. The weights are read in kg, the totals line skipped; a row whose columns disagree is
    refused naming both."""
    from posyandu.growth.models import Measurement
    from posyandu.registry.models import Child

    body = ("No;Posyandu;Nama;JK;Tgl Lahir;BBL (kg);BBL (gram);Tgl Timbang;BB (kg);BB (gram)\n"
            "1;Melati;Rara Putri;P;15/02/2025;3,2;3,2;10/06/2025;6;6\n"
            "2;Melati;Dodi Saputra;L;01/02/2025;2,9;2900;10/06/2025;6,4;6,4\n"
            ";;Jumlah;L: 1 / P: 1;;6,1;;30/06/2025;12,4;12,4\n")
    resp = upload(client, world, body)
    assert resp.status_code == 201, resp.get_json()
    got = resp.get_json()
    assert (got["rows"], got["children_created"], got["visits_created"]) == (2, 2, 2), got
    assert got["skipped_rows"] == [{"row": 4, "reason": 'skipped: a totals line ("Jumlah"), no child'}], got
    db.session.remove()
    assert {c.name: c.birth_weight_kg for c in db.session.scalars(select(Child))} == {
        "Rara Putri": 3.2, "Dodi Saputra": 2.9}
    assert sorted(m.weight_kg for m in db.session.scalars(select(Measurement))) == [6, 6.4]
    refused = upload(client, world, body.replace("3,2;3,2", "3,2;3,5"))
    assert refused.status_code == 422, refused.get_json()
    assert refused.get_json()["errors"]["rows"] == {"2": {"BBL (kg)": [
        "the weight differs between the columns BBL (kg) and BBL (gram): 3,2 is 3.2 kg, 3,5 is 3.5 kg; correct one, "
        "or keep one column"]}}


def test_a_posyandus_own_register_without_a_posyandu_column_is_told_only_that_column_is_missing(client, world, db):
    """A posyandu's register (its title above the table, no Posyandu column: the whole sheet is hers) was
    refused "kolom wajib tidak ada: Posyandu, Nama Anak, Jenis Kelamin (L/P), Tanggal Lahir", as if her
    "Nama Balita", "L/P" and "Tgl Lahir" columns were not read either: the title row was taken as the header."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["REGISTER BALITA POSYANDU CEMPAKA"])
    sheet.append(["Desa Sumbergede - Tahun 2026"])
    sheet.append([])
    sheet.append(["No", "Nama Balita", "L/P", "Tgl Lahir", "NIK", "Tgl Timbang", "BB (kg)"])
    sheet.append([1, "Wulan", "P", datetime(2024, 6, 1), "3525014106240001", datetime(2025, 6, 10), 8.1])
    out = io.BytesIO()
    book.save(out)
    resp = upload(client, world, out.getvalue(), query="dry_run=true", name="register.xlsx")
    assert resp.status_code == 422
    assert resp.get_json()["errors"]["file"] == ["missing columns: Posyandu (or choose the posyandu the whole file is of)"]


def test_a_nik_kept_as_text_by_its_apostrophe_is_read_as_its_digits(client, world, db):
    """'3525014706220099: the apostrophe a register keeps NIK text with, written into the cell, was
    refused "must be exactly 16 digits" (the 16 digits there), as the mother's NIK."""
    from posyandu.registry.models import Child

    body = ("posyandu;nama;jenis_kelamin;tanggal_lahir;nik;nik_ibu\n"
            "Posyandu Melati;Tes Apostrof;P;07/06/2022;'3525014706220099;'3525015003950001\n")
    resp = upload(client, world, body)
    assert resp.status_code == 201, resp.get_json()
    [child] = db.session.scalars(select(Child).where(Child.name == "Tes Apostrof")).all()
    assert (child.nik, child.mother_nik) == ("3525014706220099", "3525015003950001")


def test_a_posyandu_whose_name_another_shares_is_named_with_its_desa_as_the_reports_name_it(client, world, db):
    """Two open "Posyandu Melati" in the admin's area (a common name, another desa): a row naming
    "Melati" was refused "tidak dikenal (atau ... ganda)" with no way to say which but its id, shown
    nowhere. "Melati (<its desa>)", as the reports name it, is that one; "Melati" alone is still refused,
    saying so."""
    from posyandu.registry.models import Child, Posyandu, Region

    melati = db.session.get(Posyandu, world.ids["p1"])
    desa = db.session.get(Region, melati.desa_code).name
    other = next(r for r in db.session.scalars(select(Region).where(Region.level == "desa"))
                 if r.code != melati.desa_code)
    twin = client.post("/api/v1/posyandu", json={"name": melati.name, "puskesmas_id": str(melati.puskesmas_id),
                                                  "desa_code": other.code, "meeting_day": 9},
                       headers=world.headers("admin"))
    assert twin.status_code == 201, twin.get_json()
    head = "posyandu;nama;jenis_kelamin;tanggal_lahir\n"
    alone = upload(client, world, head + "Melati;Tes Kembar;P;07/06/2022\n", who="admin")
    assert alone.status_code == 422
    assert "Mawar (Sooko)" in alone.get_json()["errors"]["rows"]["2"]["posyandu"][0]
    named = upload(client, world, head + f"Posyandu Melati ({desa.upper()});Tes Kembar;P;07/06/2022\n", who="admin")
    assert named.status_code == 201, named.get_json()
    [child] = db.session.scalars(select(Child).where(Child.name == "Tes Kembar")).all()
    assert child.posyandu_id == melati.id


def test_a_file_of_one_bad_row_is_refused_as_one_row_in_english(client, world, db, budi):
    """'1 of 1 row refused', not '1 of 1 rows' (the count's noun agrees, as the PWA's {n:one|many})."""
    one = FILE.splitlines()[0] + "\nKenanga;Eka Wijaya;L;01/02/2025;;;10/06/2025;6,9;;\n"
    problem = upload(client, world, one).get_json()
    assert problem["detail"].startswith("1 of 1 row refused, none valid; nothing was imported."), problem


def test_a_twin_or_another_mothers_child_weighed_the_same_is_not_taken_for_a_registered_child(client, world, db,
                                                                                               make_child):
    """The search for a child the file names otherwise (its name corrected) took any child of the
    posyandu, sex and birth date holding one of the row's visits, whatever else the rows said: a twin
    marked "Bukan Duplikat" weighed as her sister that day was never registered, her other weighing
    given to her sister; a child of another mother had her NIK, phone and weighings written on the
    registered child, and did not exist. Neither is found so now: they are registered, the child
    registered before keeps only her own data."""
    from posyandu.growth.models import Measurement
    from posyandu.registry.models import Child

    kirana = make_child(name="Kirana Putri Ayuningtyas", sex="F", birth_date="2025-07-14", mother_name="Ibu Ratih")
    assert client.post(f"/api/v1/children/{kirana['id']}/measurements", headers=world.headers("kader1"), json={
        "id": str(uuid.uuid4()), "measured_on": "2025-11-20", "weight_kg": 8.4}).status_code == 201
    head = "posyandu,nama,jenis_kelamin,tanggal_lahir,nama_ibu,nik,no_hp,bukan_duplikat,tanggal_timbang,bb\n"
    twin = head + ("Melati,Kinanti Ayuningtyas,P,14/07/2025,Ibu Ratih,,,ya,20/11/2025,8.4\n"
                   "Melati,Kinanti Ayuningtyas,P,14/07/2025,Ibu Ratih,,,ya,20/10/2025,7.9\n")
    other = head + ("Melati,Dewi Anggraeni,P,14/07/2025,Sumiati,3525025407250004,085712345678,,20/11/2025,8.4\n"
                    "Melati,Dewi Anggraeni,P,14/07/2025,Sumiati,3525025407250004,085712345678,,20/09/2025,7.0\n")
    for body in (twin, other):
        resp = upload(client, world, body)
        assert resp.status_code == 201, resp.get_json()
        got = resp.get_json()
        assert (got["children_created"], got["children_matched"], got["visits_created"], got["errors"]) == (1, 0, 2, []), got
    db.session.remove()
    stored = db.session.get(Child, uuid.UUID(kirana["id"]))
    assert (stored.name, stored.nik, stored.guardian_phone) == ("Kirana Putri Ayuningtyas", None, None)
    assert [str(d) for d in db.session.scalars(select(Measurement.measured_on).where(
        Measurement.child_id == stored.id))] == ["2025-11-20"]
    assert sorted(db.session.scalars(select(Child.name))) == ["Dewi Anggraeni", "Kinanti Ayuningtyas",
                                                             "Kirana Putri Ayuningtyas"]


@pytest.mark.parametrize("mother", ["Ratih", "Ny. Ratih", "RATIH  WULANDARI"])
def test_a_child_renamed_in_the_file_is_found_by_her_visits_with_her_mother_written_otherwise(client, world, db,
                                                                                           make_child, mother):
    """Another mother stops the search by visits; the same mother written otherwise ("Ibu Ratih" in the
    app, "Ratih", "Ny. Ratih" or her full name in the file) does not: Kirana Putri, spelled Kirana Puteri, is
    found, not registered again. A longer name ("Kirana Putri Ayuningtyas") is only alike: refused as her
    likely duplicate, not given her visits."""
    from posyandu.registry.models import Child

    kirana = make_child(name="Kirana Putri", sex="F", birth_date="2025-07-14", mother_name="Ibu Ratih")
    assert client.post(f"/api/v1/children/{kirana['id']}/measurements", headers=world.headers("kader1"), json={
        "id": str(uuid.uuid4()), "measured_on": "2025-11-20", "weight_kg": 8.4}).status_code == 201
    body = ("posyandu,nama,jenis_kelamin,tanggal_lahir,nama_ibu,tanggal_timbang,bb\n"
            f"Melati,Kirana Puteri,P,14/07/2025,{mother},20/11/2025,8.4\n"
            f"Melati,Kirana Puteri,P,14/07/2025,{mother},20/12/2025,8.9\n")
    longer = upload(client, world, body.replace("Kirana Puteri", "Kirana Putri Ayuningtyas"), query="dry_run=true")
    assert [e["row"] for e in longer.get_json()["errors"]] == [2, 3], longer.get_json()
    assert "likely the same child as Kirana Putri" in str(longer.get_json()["errors"][0]), longer.get_json()
    resp = upload(client, world, body)
    assert resp.status_code == 201, resp.get_json()
    got = resp.get_json()
    assert (got["children_created"], got["children_matched"], got["visits_created"], got["errors"]) == (0, 1, 1, []), got
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Child)) == 1


def _weigh(client, world, child, day, kg):
    assert client.post(f"/api/v1/children/{child['id']}/measurements", headers=world.headers("kader1"), json={
        "id": str(uuid.uuid4()), "measured_on": day, "weight_kg": kg}).status_code == 201


def _answer(resp):
    got = resp.get_json()
    assert resp.status_code == (200 if got.get("dry_run") else 201), got
    return {k: got[k] for k in ("children_created", "children_matched", "children_updated", "visits_created",
                                "visits_unchanged", "errors")}


def test_a_twin_of_another_name_weighed_the_same_is_registered_not_given_to_her_sister(client, world, db, make_child):
    """Aisyah Putri, registered in the app (mother Wulan) and weighed 7.5 kg on 1 Dec; her twin Zahra
    Ramadhani's row (the same mother, birth date and weight that day) was taken for her: the search for a
    child renamed in the file went by sex, birth date and the visit, the name aside. Zahra was never
    registered (children_matched 1, visits_unchanged 1), and the row again with Zahra's NIK and father
    wrote them on Aisyah's record. A row is a child found under another name only when the names are alike,
    as duplicates are judged (``names_alike``): Zahra is registered, and the same file again finds her,
    in a dry run as for real."""
    from posyandu.growth.models import Measurement
    from posyandu.registry.models import Child

    aisyah = make_child(name="Aisyah Putri", sex="F", birth_date="2026-03-10", mother_name="Wulan")
    _weigh(client, world, aisyah, "2026-12-01", 7.5)
    head = "posyandu,nama,jenis_kelamin,tanggal_lahir,nama_ibu,punya_kms,tanggal_timbang,bb (kg)\n"
    body = head + 'Melati,Zahra Ramadhani,P,10/03/2026,Wulan,ya,01/12/2026,"7,5"\n'
    registered = {"children_created": 1, "children_matched": 0, "children_updated": 0, "visits_created": 1,
                  "visits_unchanged": 0, "errors": []}
    assert _answer(upload(client, world, body, query="dry_run=true")) == registered
    assert _answer(upload(client, world, body)) == registered
    again = {**registered, "children_created": 0, "children_matched": 1, "visits_created": 0, "visits_unchanged": 1}
    assert _answer(upload(client, world, body, query="dry_run=true")) == again
    assert _answer(upload(client, world, body)) == again  # the same file again: nothing more
    with_nik = (head.replace("nama_ibu,", "nama_ibu,nik,nama_ayah,")
                + 'Melati,Zahra Ramadhani,P,10/03/2026,Wulan,3525015003260002,Hendra,ya,01/12/2026,"7,5"\n')
    filled = {**again, "children_updated": 1}
    assert _answer(upload(client, world, with_nik, query="dry_run=true")) == filled
    assert _answer(upload(client, world, with_nik)) == filled
    assert _answer(upload(client, world, with_nik)) == again
    db.session.remove()
    stored = db.session.get(Child, uuid.UUID(aisyah["id"]))
    assert (stored.name, stored.nik, stored.father_name) == ("Aisyah Putri", None, None)
    zahra = db.session.scalar(select(Child).where(Child.name == "Zahra Ramadhani"))
    assert (zahra.nik, zahra.father_name, zahra.mother_name) == ("3525015003260002", "Hendra", "Wulan")
    assert zahra.possible_duplicate_of is None  # no likely duplicate (another name), as the app would judge her
    weighed = sorted((str(m.child_id), float(m.weight_kg)) for m in db.session.scalars(select(Measurement)))
    assert weighed == sorted([(aisyah["id"], 7.5), (str(zahra.id), 7.5)])


@pytest.mark.parametrize("with_nik", [False, True])
def test_a_row_of_a_name_sharing_nothing_is_never_a_registered_child_weighed_the_same(client, world, db, make_child,
                                                                                      with_nik):
    """"Budi Santoso" was matched to "QA Hari731 berbaring", a boy born the same day weighed the same,
    and his NIK written on that child's record. He is registered; the other child keeps his own data."""
    from posyandu.registry.models import Child

    other = make_child(name="QA Hari731 berbaring", sex="M", birth_date="2025-09-01")
    _weigh(client, world, other, "2025-11-20", 6.3)
    body = ("posyandu,nama,jenis_kelamin,tanggal_lahir,nik,tanggal_timbang,bb\n"
            f"Melati,Budi Santoso,L,01/09/2025,{'3525010109250003' if with_nik else ''},20/11/2025,6.3\n")
    registered = {"children_created": 1, "children_matched": 0, "children_updated": 0, "visits_created": 1,
                  "visits_unchanged": 0, "errors": []}
    assert _answer(upload(client, world, body, query="dry_run=true")) == registered
    assert _answer(upload(client, world, body)) == registered
    assert _answer(upload(client, world, body)) == {**registered, "children_created": 0, "children_matched": 1,
                                                     "visits_created": 0, "visits_unchanged": 1}
    db.session.remove()
    stored = db.session.get(Child, uuid.UUID(other["id"]))
    assert (stored.name, stored.nik) == ("QA Hari731 berbaring", None)
    assert sorted(db.session.scalars(select(Child.name))) == ["Budi Santoso", "QA Hari731 berbaring"]


def test_a_row_of_another_nik_is_never_the_registered_child_of_a_name_alike(client, world, db, make_child):
    """A child of a name alike, born the same day and weighed the same, registered with another NIK is
    not the row's child: refused as a likely duplicate, and with "Bukan Duplikat" registered, flagged as
    one for a bidan to review; the registered child keeps her NIK."""
    from posyandu.registry.models import Child

    nur = make_child(name="Nur Aini", sex="F", birth_date="2025-09-01", nik="3525014109250001")
    _weigh(client, world, nur, "2025-11-20", 6.1)
    head = "posyandu,nama,jenis_kelamin,tanggal_lahir,nik,bukan_duplikat,tanggal_timbang,bb\n"
    row = "Melati,Nur Aini Putri,P,01/09/2025,3525014109250002,{},20/11/2025,6.1\n"
    refused = upload(client, world, head + row.format(""))
    assert refused.status_code == 422 and "Nur Aini" in str(refused.get_json()), refused.get_json()
    assert _answer(upload(client, world, head + row.format("ya"))) == {
        "children_created": 1, "children_matched": 0, "children_updated": 0, "visits_created": 1,
        "visits_unchanged": 0, "errors": []}
    db.session.remove()
    twin = db.session.scalar(select(Child).where(Child.name == "Nur Aini Putri"))
    assert (twin.nik, str(twin.possible_duplicate_of)) == ("3525014109250002", nur["id"])
    assert db.session.get(Child, uuid.UUID(nur["id"])).nik == "3525014109250001"


@pytest.mark.parametrize("row_name", ["Siti Zahra", "Nur Azizah"])
def test_a_twin_whose_name_only_begins_alike_is_never_found_by_her_sisters_visits(client, world, db, make_child,
                                                                                  row_name):
    """Siti Aisyah (mother Wulan) weighed 7.5 kg on 1 Dec; her twin Siti Zahra's row, with her NIK and her
    father, weighed the same: "names alike" (``names_alike``: the first four letters, "siti") is a reason to
    suspect a duplicate, not proof of who was weighed, and the row was Aisyah's, Zahra's NIK and father
    written on Aisyah's record. Found by her visits a row's child is one of the very name, spelled otherwise
    ("Siti Aisah"); this row is a new child's, refused as a likely duplicate of her sister unless
    "Bukan Duplikat", then registered."""
    from posyandu.registry.models import Child

    first = {"Siti Zahra": "Siti Aisyah", "Nur Azizah": "Nur Aini"}[row_name]
    sister = make_child(name=first, sex="F", birth_date="2026-03-10", mother_name="Wulan")
    _weigh(client, world, sister, "2026-12-01", 7.5)
    head = "posyandu,nama,jenis_kelamin,tanggal_lahir,nama_ibu,nik,nama_ayah,bukan_duplikat,tanggal_timbang,bb (kg)\n"
    row = f'Melati,{row_name},P,10/03/2026,Wulan,3525015003260002,Hendra,{{}},01/12/2026,"7,5"\n'
    refused = upload(client, world, head + row.format(""), query="dry_run=true").get_json()
    assert refused["children_matched"] == 0 and [e["row"] for e in refused["errors"]] == [2], refused
    assert first in refused["errors"][0]["errors"]["nama"][0], refused
    assert _answer(upload(client, world, head + row.format("ya"))) == {
        "children_created": 1, "children_matched": 0, "children_updated": 0, "visits_created": 1,
        "visits_unchanged": 0, "errors": []}
    db.session.remove()
    stored = db.session.get(Child, uuid.UUID(sister["id"]))
    assert (stored.name, stored.nik, stored.father_name) == (first, None, None)
    twin = db.session.scalar(select(Child).where(Child.name == row_name))
    assert (twin.nik, twin.father_name, str(twin.possible_duplicate_of)) == ("3525015003260002", "Hendra", sister["id"])
    # her very name spelled otherwise is her, found by the visit
    spelled = head + 'Melati,Siti Aisah,P,10/03/2026,Wulan,,,,01/12/2026,"7,5"\n'
    if first == "Siti Aisyah":
        assert _answer(upload(client, world, spelled, query="dry_run=true"))["children_matched"] == 1


@pytest.mark.parametrize("born, registered", [("08/12/2025", "12 Aug 2025"), ("12/01/2024", "12 Jan 2025")])
def test_a_registered_child_whose_birth_date_the_file_swaps_or_gives_another_year_is_refused_as_a_duplicate(
        client, world, db, make_child, born, registered):
    """Hasan Basri, registered born 12 Aug 2025 (mother Fatimah): the register's 08/12/2025 (day and month
    swapped) registered him a second time, unflagged, as did 12/01/2024 for a child born 12/01/2025 (the
    year one off): "a few days off" was the only birth date typed wrong the import knew. The very name, sex
    and mother at the posyandu, born on the date swapped or a year off, is refused as a likely duplicate
    naming him and his birth date; "Bukan Duplikat" registers the row's child all the same."""
    from posyandu.registry.models import Child

    iso = {"12 Aug 2025": "2025-08-12", "12 Jan 2025": "2025-01-12"}[registered]
    make_child(name="Hasan Basri", sex="M", birth_date=iso, mother_name="Fatimah")
    head = "posyandu,nama,jenis_kelamin,tanggal_lahir,nama_ibu,bukan_duplikat\n"
    row = f"Melati,HASAN BASRI,L,{born},Ibu Fatimah,{{}}\n"
    refused = upload(client, world, head + row.format(""))
    assert refused.status_code == 422, refused.get_json()
    [why] = refused.get_json()["errors"]["rows"]["2"].values()
    assert "Hasan Basri" in why[0] and f"born {registered}" in why[0] and "bukan_duplikat" in why[0], why
    assert _answer(upload(client, world, head + row.format("ya")))["children_created"] == 1
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Child)) == 2
    # the same rows, both in one file: the second names the first's row
    two = head + f"Melati,Umar Said,L,{iso[8:]}/{iso[5:7]}/{iso[:4]},Aisyah,\n" + row.replace("HASAN BASRI", "Umar Said"
                                                                                                 ).replace("Ibu Fatimah", "Aisyah").format("")
    why = upload(client, world, two, query="dry_run=true").get_json()["errors"]
    assert [e["row"] for e in why] == [3] and "row 2" in str(why), why


@pytest.mark.parametrize("born", ["08/12/2025", "12/08/2024"])
def test_a_misdated_child_registered_with_bukan_duplikat_is_flagged_for_the_bidan_as_a_likely_duplicate_is(
        client, world, db, make_child, born):
    """Hasan Basri, registered born 12 Aug 2025: a row of his name and mother born 08/12/2025 (day and month
    swapped) or 12/08/2024 (a year off) with 'ya' in Bukan Duplikat was registered with no flag, so no bidan
    saw the pair under "Anak ganda", where a likely duplicate registered with 'ya' (twins) is flagged
    (``test_twins_pass_with_bukan_duplikat_and_stay_flagged_for_review``). Flagged against him now, in the
    record's one version, audited."""
    from posyandu.audit import AuditLog
    from posyandu.registry.models import Child

    hasan = make_child(name="Hasan Basri", sex="M", birth_date="2025-08-12", mother_name="Fatimah")
    body = f"posyandu,nama,jenis_kelamin,tanggal_lahir,nama_ibu,bukan_duplikat\nMelati,Hasan Basri,L,{born},Fatimah,ya\n"
    assert _answer(upload(client, world, body))["children_created"] == 1
    db.session.remove()
    second = db.session.scalar(select(Child).where(Child.id != uuid.UUID(hasan["id"])))
    seen = client.get(f"/api/v1/children/{second.id}", headers=world.headers("bidan_a")).get_json()
    assert seen["possible_duplicate_of"] == hasan["id"] and seen["version"] == 1, seen
    flagged = db.session.scalars(select(AuditLog.changes).where(AuditLog.record_id == str(second.id),
                                                                AuditLog.action == "update")).all()
    assert flagged == [{"possible_duplicate_of": [None, hasan["id"]]}], flagged


def test_a_child_registered_at_another_posyandu_of_the_area_is_refused_without_a_nik_too(client, world, db,
                                                                                         make_child):
    """Rara Putri, registered at Melati (mother Sri); a register of Mawar, of the same puskesmas, lists her
    with no NIK: she was registered a second time, at Mawar, where with her NIK the row was refused "this
    child is registered at another posyandu (Melati)". The very name, sex, birth date and mother are
    refused so too; a child of another mother, or another birth date, is another child."""
    from posyandu.registry.models import Child

    make_child(name="Rara Putri", sex="F", birth_date="2025-01-15", mother_name="Sri Wahyuni")
    head = "posyandu,nama,jenis_kelamin,tanggal_lahir,nama_ibu,tanggal_timbang,bb\n"
    body = head + "Mawar,Rara Putri,P,15/01/2025,Sri Wahyuni,10/06/2025,7.2\n"
    refused = upload(client, world, body, query="dry_run=true").get_json()
    assert refused["children_created"] == 0 and [e["row"] for e in refused["errors"]] == [2], refused
    assert refused["errors"][0]["errors"] == {"posyandu": ["this child is registered at another posyandu (Melati)"]}
    assert upload(client, world, body).status_code == 422
    others = head + ("Mawar,Rara Putri,P,15/01/2025,Endang,10/06/2025,7.2\n"
                     "Mawar,Rara Putri,P,16/02/2025,Sri Wahyuni,10/06/2025,7.2\n")
    assert _answer(upload(client, world, others))["children_created"] == 2
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Child)) == 3


def _merged_weights(two_rows):
    """A register whose "BB (kg)" is merged over H1:I1: H the birth weight, I the weight of the day, with
    no header of its own; or over the sub-headers "Lahir" | "Sekarang" of a second header row."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Posyandu", "Nama Anak", "JK", "Tgl Lahir", "Nama Ibu", "NIK", "Tgl Timbang", "BB (kg)", None])
    sheet.merge_cells("H1:I1")
    if two_rows:
        sheet.append([None] * 7 + ["Lahir", "Sekarang"])
        for column in "ABCDEFG":
            sheet.merge_cells(f"{column}1:{column}2")
    sheet.append(["Melati", "Wulan Sari", "P", "01/06/2025", "Ani", None, "01/12/2026", 3.3, 8.9])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_header_merged_over_two_columns_is_refused_naming_them_not_read_from_its_first(client, world, db):
    """"BB (kg)" merged over H and I: H (the birth weight, 3,3) was read as the weighing, a BGM child
    referred, and 8,9 stored nowhere, ignored_columns empty. The file is refused, naming the merged header
    and its columns; headed over "Lahir" | "Sekarang" (a second header row), each column is read as its
    sub-header says: the birth weight, and the weight of the day."""
    _refused_then_read_by_sub_headers(client, world, db, _merged_weights(False), _merged_weights(True), "register.xlsx")


def _refused_then_read_by_sub_headers(client, world, db, merged, headed, name):
    """``merged`` ("BB (kg)" over H and I, the birth weight 3,3 and the weight 8,9 of the day) is refused,
    naming the header and its columns, nothing stored; ``headed`` (with "Lahir" | "Sekarang" under it) is
    read by its sub-headers."""
    from posyandu.growth.models import Measurement
    from posyandu.registry.models import Child

    before = counts(db, world)
    resp = upload(client, world, merged, name=name)
    assert resp.status_code == 422, resp.get_json()
    [why] = resp.get_json()["errors"]["file"]
    assert "BB (kg)" in why and "H-I" in why and "column I holds values" in why, why
    assert counts(db, world)[:2] == before[:2]
    resp = upload(client, world, headed, name=name)
    assert resp.status_code == 201, resp.get_json()
    assert (resp.get_json()["children_created"], resp.get_json()["visits_created"]) == (1, 1)
    db.session.remove()
    child = db.session.scalar(select(Child))
    assert (float(child.birth_weight_kg), [float(m.weight_kg) for m in db.session.scalars(select(Measurement))]) == \
        (3.3, [8.9])


def test_a_csv_saved_from_a_merged_header_is_refused_or_read_by_its_sub_headers_as_the_workbook(client, world, db):
    """The same register saved as CSV: the merged "BB (kg)" keeps its name in H only, I blank. I was dropped
    unsaid and H, the birth weight (3,3), read as the weighing: BGM, a referral, and 8,9 nowhere. Refused as
    the workbook is, naming the header and its columns; with the sub-headers "Lahir" | "Sekarang" under it,
    read by them."""
    head = "Posyandu,Nama Anak,JK,Tgl Lahir,Nama Ibu,NIK,Tgl Timbang,BB (kg),\n"
    row = "Melati,Wulan Sari,P,01/06/2025,Ani,,01/12/2026,\"3,3\",\"8,9\"\n"
    _refused_then_read_by_sub_headers(client, world, db, head + row, head + ",,,,,,,Lahir,Sekarang\n" + row,
                                      "register.csv")


def test_a_csvs_blank_headed_note_column_is_read_as_no_ones_but_a_number_beside_a_measurement_refuses(client, world, db):
    """A register's notes in a column with no header ("pindahan dari Sooko" after Nama Ibu, "rujuk puskesmas"
    after the last, TB) were refused as a merged header ("judul Nama Ibu digabung…"): a blank header is
    read as a merged one's only after a measurement or a date, and then only a number or a date there
    refuses the file (which of the two columns the header names is no telling)."""
    head = "Posyandu,Nama Anak,JK,Tgl Lahir,Nama Ibu,,Tgl Timbang,BB (kg),TB (cm),\n"
    notes = "Melati,Wulan Sari,P,01/06/2025,Ani,pindahan dari Sooko,01/12/2026,\"8,9\",72,rujuk puskesmas\n"
    resp = upload(client, world, head + notes, query="dry_run=true", name="register.csv")
    assert resp.status_code == 200, resp.get_json()
    assert (resp.get_json()["children_created"], resp.get_json()["visits_created"], resp.get_json()["errors"]) == (1, 1, [])
    number = "Melati,Wulan Sari,P,01/06/2025,Ani,,01/12/2026,\"8,9\",72,\"71,5\"\n"
    resp = upload(client, world, head + number, query="dry_run=true", name="register.csv")
    assert resp.status_code == 422, resp.get_json()
    [why] = resp.get_json()["errors"]["file"]
    assert "TB (cm)" in why and "column J holds values" in why, why


def test_a_date_header_merged_over_lahir_and_timbang_reads_both_dates(client, world, db):
    """"Tanggal" merged over the sub-headers "Lahir" | "Timbang" (a register's two-row header) refused the
    file "kolom wajib tidak ada: Tanggal Lahir": the header was looked for in one row only. Both dates are
    read, the birth date and the visit's; on a second sheet after the instructions too."""
    from openpyxl import Workbook

    from posyandu.growth.models import Measurement
    from posyandu.registry.models import Child

    book = Workbook()
    book.active.title = "Petunjuk"
    book.active.append(["Isi tabel di lembar Register"])
    sheet = book.create_sheet("Register")
    sheet.append(["Posyandu", "Nama Anak", "JK", "Tanggal", None, "BB (kg)"])
    sheet.merge_cells("D1:E1")
    sheet.append([None, None, None, "Lahir", "Timbang", None])
    for column in "ABCF":
        sheet.merge_cells(f"{column}1:{column}2")
    sheet.append(["Melati", "Wulan Sari", "P", "01/06/2025", "01/12/2026", 8.9])
    out = io.BytesIO()
    book.save(out)
    resp = upload(client, world, out.getvalue(), name="register.xlsx")
    assert resp.status_code == 201, resp.get_json()
    db.session.remove()
    child = db.session.scalar(select(Child))
    [visit] = db.session.scalars(select(Measurement)).all()
    assert (str(child.birth_date), str(visit.measured_on), float(visit.weight_kg)) == ("2025-06-01", "2026-12-01", 8.9)


def _register_xlsx(rows):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Posyandu", "Nama Anak", "JK", "Tgl Lahir", "Tgl Timbang", "BB (kg)"])
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_whose_dates_excel_read_month_first_is_refused_whole_not_imported_swapped(client, world, db):
    """Excel set to English (US) made 03/04/2025 and 10/05/2026, typed day first, dates read month first
    (4 Mar 2025, 10 May 2026), and left 13/04/2025 text (no 13th month): with accept_valid, Agus
    Salim was stored born 2025-03-04, weighed 2026-05-10, unwarned. A date column holding text dates that
    read day first only beside date cells is that mark: the file is refused whole, naming the column and a
    cell, saying how to type the dates again. A column all date cells, or all text, or whose date cells
    show nothing to tell (no text date day first only) is imported as before."""
    from posyandu.registry.models import Child

    us = [["Melati", "Agus Salim", "L", datetime(2025, 3, 4), datetime(2026, 5, 10), 9.1],
          ["Melati", "Budi Utomo", "L", "13/04/2025", datetime(2026, 5, 10), 8.9]]
    before = counts(db, world)
    resp = upload(client, world, _register_xlsx(us), query="accept_valid=true", name="register.xlsx")
    assert resp.status_code == 422, resp.get_json()
    [why] = resp.get_json()["errors"]["file"]
    assert "Tgl Lahir" in why and "row 3" in why and "13/04/2025" in why and "English (US)" in why, why
    assert "4 Mar 2025" in why and "as text" in why, why
    assert counts(db, world)[:2] == before[:2]
    resp = client.post("/api/v1/imports/visits?dry_run=true",
                       data={"file": (io.BytesIO(_register_xlsx(us)), "register.xlsx")},
                       headers={**world.headers("bidan_a"), "Accept-Language": "id"}, content_type="multipart/form-data")
    [why] = resp.get_json()["errors"]["file"]
    assert why.startswith("tanggal di kolom Tgl Lahir dibaca Excel bulan dulu") and "bahasa Indonesia" in why, why
    assert "sebagai teks" in why and "13/04/2025" in why, why
    # an Indonesian file: all date cells, all text, or date cells of day 12 or less with no text to tell by
    files = [[["Melati", "Agus Salim", "L", datetime(2025, 4, 3), datetime(2026, 5, 10), 9.1],
              ["Melati", "Budi Utomo", "L", datetime(2025, 4, 13), datetime(2026, 5, 10), 8.9]],
             [["Melati", "Agus Salim", "L", "03/04/2025", "10/05/2026", 9.1],
              ["Melati", "Budi Utomo", "L", "13/04/2025", "10/05/2026", 8.9]],
             [["Melati", "Agus Salim", "L", datetime(2025, 4, 3), "10/05/2026", 9.1],
              ["Melati", "Budi Utomo", "L", "2025-04-13", datetime(2026, 5, 10), 8.9]]]
    for rows in files:
        resp = upload(client, world, _register_xlsx(rows), query="dry_run=true", name="register.xlsx")
        assert resp.status_code == 200 and resp.get_json()["valid_rows"] == 2, resp.get_json()
    assert upload(client, world, _register_xlsx(files[1]), name="register.xlsx").status_code == 201
    db.session.remove()
    assert str(db.session.scalar(select(Child.birth_date).where(Child.name == "Agus Salim"))) == "2025-04-03"


def test_a_row_alike_two_registered_twins_names_both_and_says_to_write_her_registered_name(client, world, db,
                                                                                            make_child):
    """"Putri Aini" alike both registered twins Putri Ayu and Putri Ani was refused naming Putri Ayu only,
    offering "tulis 'ya' di kolom Bukan Duplikat", which registers a third child. Both are named, and the
    row is said to be maybe one of them: her name (or NIK) as registered, 'ya' only for another child."""
    make_child(name="Putri Ayu", sex="F", birth_date="2025-03-03")
    make_child(name="Putri Ani", sex="F", birth_date="2025-03-03")
    body = HEAD + "Melati,Putri Aini,P,03/03/2025,10/06/2025,6.2\n"
    resp = client.post("/api/v1/imports/visits?dry_run=true", data={"file": (io.BytesIO(body.encode()), "k.csv")},
                       headers={**world.headers("bidan_a"), "Accept-Language": "id"}, content_type="multipart/form-data")
    [refused] = resp.get_json()["errors"]
    [why] = refused["errors"]["nama"]
    assert "Putri Ayu (lahir 3 Mar 2025)" in why and "Putri Ani (lahir 3 Mar 2025)" in why, why
    assert why.startswith("mungkin salah satu anak yang sudah terdaftar") and "persis seperti terdaftar" in why, why
    assert why.endswith("hanya jika benar-benar anak lain, tulis 'ya' di kolom Bukan Duplikat"), why
    [english] = upload(client, world, body, query="dry_run=true").get_json()["errors"][0]["errors"]["nama"]
    assert "may be one of the children" in english and "Putri Ani" in english and "Putri Ayu" in english, english


def test_a_refused_row_names_its_child_as_the_file_writes_her(app, client, world, db, tmp_path):
    """A refused row was told by its number only: in a register of hundreds the clerk counted rows to find
    it. Each refused row now carries the name it gives (a check's errors[].name, a refused import's
    row_names, the command's lines), as written, spaces collapsed, cut at 100 characters; NUL and lone
    surrogates, which JSON cannot carry, replaced; a row with no name names none."""
    long = "Siti " + "A" * 200
    body = (HEAD + "Melati,  Rara   Putri ,P,15/01/2025,10/06/2025,abc\n"
            f"Melati,{long},P,15/01/2025,10/06/2025,7\n"
            "Melati,,P,15/01/2025,10/06/2025,7\n"
            "Melati,Nur\x00ul,P,32/01/2025,10/06/2025,7\n")
    check = upload(client, world, body, query="dry_run=true").get_json()
    named = {e["row"]: e["name"] for e in check["errors"]}
    assert named[2] == "Rara Putri" and named[4] is None and named[5] == "Nur\ufffdul", named
    assert 3 not in named or named[3] == long[:100], named  # a name that long may be refused itself
    refused = upload(client, world, body)
    assert refused.status_code == 422
    assert refused.get_json()["row_names"] == {str(r): n for r, n in named.items() if n}, refused.get_json()
    path = tmp_path / "kunjungan.csv"
    path.write_text(HEAD + "Melati,Rara Putri,P,15/01/2025,10/06/2025,abc\n", encoding="utf-8")
    out = app.test_cli_runner().invoke(args=["import-visits", str(path), "--as", "bidan_a"])
    assert out.exit_code == 1 and "baris 2 (Rara Putri): bb: " in out.stderr, out.stderr


def test_import_valid_rows_of_a_file_with_none_is_refused_not_answered_committed(app, client, world, db, tmp_path):
    """With accept_valid, a file whose every row was refused answered 201 "committed": true, having kept
    nothing; and an empty file (headings only) imported was "committed" too. Both are refused now (422),
    audited as a refused attempt, nothing kept; a check of either still answers what it found."""
    from posyandu.audit import AuditLog

    bad = HEAD + "Melati,Rara Putri,P,15/01/2025,10/06/2025,abc\nMelati,Dodi Saputra,X,01/02/2025,10/06/2025,7\n"
    children, visits, audits, changes = counts(db, world)
    resp = upload(client, world, bad, query="accept_valid=true")
    assert resp.status_code == 422, resp.get_json()
    problem = resp.get_json()
    assert problem["detail"] == ("2 of 2 rows refused, none valid; nothing was imported. Correct them and import "
                                 "the file again."), problem
    assert sorted(problem["errors"]["rows"]) == ["2", "3"], problem
    indonesian = client.post("/api/v1/imports/visits?accept_valid=true",
                             data={"file": (io.BytesIO(bad.encode()), "k.csv")},
                             headers=world.headers("bidan_a", "id"), content_type="multipart/form-data").get_json()
    assert indonesian["detail"].startswith("2 dari 2 baris ditolak, tidak ada yang benar"), indonesian
    check = upload(client, world, bad, query="dry_run=true&accept_valid=true")
    assert (check.status_code, check.get_json()["invalid_rows"]) == (200, 2)
    empty = upload(client, world, HEAD)
    assert empty.status_code == 422 and empty.get_json()["errors"]["file"][0].startswith(
        "the file holds no rows of children or visits"), empty.get_json()
    assert upload(client, world, HEAD, query="dry_run=true").get_json()["rows"] == 0
    db.session.remove()
    assert [a.action for a in db.session.scalars(select(AuditLog).where(AuditLog.entity == "visits_file"))] == [
        "import_refused"] * 3
    assert counts(db, world) == (children, visits, audits + 3, changes)
    path = tmp_path / "kunjungan.csv"
    path.write_text(bad, encoding="utf-8")
    assert app.test_cli_runner().invoke(args=["import-visits", str(path), "--as", "bidan_a",
                                              "--accept-valid"]).exit_code == 1


def test_the_command_says_why_a_file_is_refused_as_lines_not_a_dictionary(app, client, world, tmp_path):
    """The empty template imported by the command: refused, said as the other commands say a refusal
    ("file: berkas tidak berisi …" under "tidak diimpor"), not the raw {'file': [...]} of the errors."""
    template = client.get("/api/v1/imports/visits/template", headers=world.headers("bidan_a"))
    assert template.status_code == 200
    path = tmp_path / "contoh.xlsx"
    path.write_bytes(template.data)
    ran = app.test_cli_runner().invoke(args=["import-visits", str(path), "--as", "bidan_a"])
    assert ran.exit_code == 1
    assert "\nError: tidak diimpor (not imported):\n  file: berkas tidak berisi baris" in ran.output, ran.output
    assert "{" not in ran.output and "[" not in ran.output


def test_two_files_in_one_upload_are_refused_not_the_second_one_ignored(client, world, db):
    """Two registers chosen at once: the first alone was read and the answer said nothing of the second. Refused
    on `file` (as a query parameter given twice), nothing read nor saved."""
    before = counts(db, world)
    resp = client.post("/api/v1/imports/visits", headers=world.headers("bidan_a"),
                       data={"file": [(io.BytesIO(FILE.encode()), "januari.csv"), (io.BytesIO(FILE.encode()), "februari.csv")]},
                       content_type="multipart/form-data")
    assert resp.status_code == 422 and resp.content_type == "application/problem+json", resp.get_json()
    assert list(resp.get_json()["errors"]) == ["file"], resp.get_json()
    assert counts(db, world) == before
