"""Command-line tools: admin creation, area imports, demo data."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from posyandu import validators


def test_create_admin_then_login(app, client):
    result = app.test_cli_runner().invoke(args=["create-admin", "--username", "kepala"], input="sandi-kuat-1\nsandi-kuat-1\n")
    assert result.exit_code == 0, result.output
    resp = client.post("/api/v1/auth/login", json={"username": "kepala", "password": "sandi-kuat-1"})
    assert resp.status_code == 200 and resp.get_json()["user"]["role"] == "admin"


def test_create_admin_refuses_a_weak_password_a_bad_or_taken_username_with_a_message(app, db):
    """The API's rules for a user: a password 'a' and a username 'Bad Name!' were accepted, and a
    username taken stopped the command with a traceback."""
    from posyandu.auth.models import User

    runner = app.test_cli_runner()
    assert runner.invoke(args=["create-admin", "--username", "kepala"], input="sandi-kuat-1\nsandi-kuat-1\n").exit_code == 0
    for username, password, shown in [("kepala", "sandi-kuat-1", "username: sudah dipakai"),
                                      ("lemah", "a", "password:"), ("Bad Name!", "sandi-kuat-1", "username:"),
                                      ("lemah", "posyandu123", "password: terlalu mudah ditebak"),
                                      ("lemah", "Admin2024", "password: terlalu mudah ditebak")]:
        result = runner.invoke(args=["create-admin", "--username", username], input=f"{password}\n{password}\n")
        assert isinstance(result.exception, SystemExit) and result.exit_code == 1, (username, result.exception)
        assert "admin tidak dibuat" in result.output and shown in result.output, result.output
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_import_regions_and_posyandu_from_csv_twice_is_idempotent(app, db, tmp_path):
    from posyandu.registry.models import Posyandu, Puskesmas, Region

    regions = tmp_path / "regions.csv"
    regions.write_text("code,name\n35.25.01.2001,Sumbergede\n35,Jawa Timur\n35.25,Gresik\n35.25.01,Wringinanom\n",
                       encoding="utf-8")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["import-regions", str(regions)]).exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(Region)) == 4
    runner.invoke(args=["create-admin", "--username", "root"], input="sandi-kuat-1\nsandi-kuat-1\n")
    with app.app_context():
        db.session.add(Puskesmas(code="P01", name="PKM", kecamatan_code="35.25.01", kabupaten_code="35.25"))
        db.session.commit()
    posyandu = tmp_path / "posyandu.csv"
    posyandu.write_text("name,desa_code,puskesmas_code,meeting_day\nMelati,35.25.01.2001,P01,5\n", encoding="utf-8")
    for _ in range(2):
        result = runner.invoke(args=["import-posyandu", str(posyandu)])
        assert result.exit_code == 0, result.output
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Posyandu)) == 1
    bad = tmp_path / "bad.csv"
    bad.write_text("name,desa_code,puskesmas_code,meeting_day\nX,35.25.01.2001,NOPE,5\n", encoding="utf-8")
    assert runner.invoke(args=["import-posyandu", str(bad)]).exit_code != 0


def test_demo_data_loads_once_and_its_logins_work(app, client, db):
    from posyandu.growth.models import Measurement
    from posyandu.registry.models import Child

    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo", "--if-empty"]).exit_code == 0
    assert "not loaded" in runner.invoke(args=["seed-demo", "--if-empty"]).output
    again = runner.invoke(args=["seed-demo"])  # into a database not empty: a clear refusal, nothing added
    assert again.exit_code == 1 and "database not empty" in again.output and again.exception.__class__ is SystemExit
    assert db.session.scalar(select(func.count()).select_from(Child)) == 301
    # birth weights to the gram, as stored since migration 0015 (they were rounded to 10 g)
    grams = [round(float(w) * 1000, 6) for w in db.session.scalars(select(Child.birth_weight_kg)) if w is not None]
    assert len(grams) > 250 and all(g == int(g) for g in grams) and any(g % 10 for g in grams)
    n = db.session.scalar(select(func.count()).select_from(Measurement))
    stunted = db.session.scalar(select(func.count()).select_from(Measurement).where(Measurement.tb_u.in_(["pendek", "sangat_pendek"])))
    wasted = db.session.scalar(select(func.count()).select_from(Measurement).where(Measurement.bb_tb.in_(["gizi_kurang", "gizi_buruk"])))
    assert n > 4000 and 0.1 < stunted / n < 0.35 and 0.03 < wasted / n < 0.15
    # a girl is not called Ahmad nor a boy Putri, nor a father Aisyah: the demo is shown to health offices
    boys, girls = {"Ahmad", "Budi", "Eko", "Joko", "Muhammad", "Yusuf", "Hadi"}, {"Aisyah", "Putri", "Dewi", "Citra", "Wulan", "Sari"}
    named = [(c.sex, c.name.split()[0], (c.father_name or "-").split()[0]) for c in db.session.scalars(select(Child))]
    assert [x for x in named if x[1] in (girls if x[0] == "M" else boys) or x[2] in girls] == []
    assert {x[1] for x in named if x[0] == "M"} & boys and {x[1] for x in named if x[0] == "F"} & girls
    # no child is born longer than she is measured later (they were drawn apart: one child in six was)
    first_length = dict(db.session.execute(select(Measurement.child_id, func.min(Measurement.length_height_cm))
                                           .group_by(Measurement.child_id)).all())
    children = db.session.scalars(select(Child).where(Child.possible_duplicate_of.is_(None))).all()
    assert [c.name for c in children if c.birth_length_cm and c.id in first_length
            and c.birth_length_cm >= first_length[c.id]] == []
    assert all(43 <= c.birth_length_cm <= 56 for c in children if c.birth_length_cm)
    # NIKs as the civil registry gives them: valid, unique, the kecamatan, birth date (a girl's day + 40)
    niks = {c.nik: c for c in children if c.nik}
    assert 0.75 * len(children) < len(niks) == sum(1 for c in children if c.nik) < len(children)
    for nik, c in niks.items():
        validators.nik(nik)
        day = c.birth_date.day + (40 if c.sex == "F" else 0)
        assert nik[:6] == c.posyandu.desa_code[:8].replace(".", "") and nik[6:12] == f"{day:02d}{c.birth_date:%m%y}", (nik, c)
        assert int(nik[12:]) > 5000  # never a test's NIK (0000-0999)
    assert all(c.nik is None for c in children if (date.today() - c.birth_date).days < 61)
    for username in ("admin", "dinkes", "bidan1", "kader1", "kader1b", "orangtua"):
        resp = client.post("/api/v1/auth/login", json={"username": username, "password": "posyandu123"})
        assert resp.status_code == 200, username
    parent = client.post("/api/v1/auth/login", json={"username": "orangtua", "password": "posyandu123"}).get_json()
    kids = client.get("/api/v1/children", headers={"Authorization": f"Bearer {parent['access_token']}"}).get_json()
    assert len(kids["items"]) == 2
    # the parent's two children are hers: one mother (the account's "Ibu Siti"), one family, one home
    mothers = {(k["mother_name"], k["father_name"], k["name"].split()[-1], k["address"], k["guardian_phone"]) for k in kids["items"]}
    assert len(mothers) == 1 and parent["user"]["name"] == "Ibu " + next(iter(mothers))[0].split()[0], (mothers, parent["user"])
    assert {k["mother_nik"] for k in kids["items"]} == {"3525015203955000"}  # a mother born 12 Mar 1995

    # one baby registered twice (kader2's posyandu): the server flagged it, the bidan can merge it
    again = db.session.scalars(select(Child).where(Child.possible_duplicate_of.is_not(None))).one()
    first = db.session.get(Child, again.possible_duplicate_of)
    assert again.posyandu.name == first.posyandu.name == "Posyandu Mawar"
    assert (again.sex, again.mother_name) == (first.sex, first.mother_name) and again.name != first.name
    bidan = client.post("/api/v1/auth/login", json={"username": "bidan1", "password": "posyandu123"}).get_json()
    shown = client.get(f"/api/v1/children/{again.id}", headers={"Authorization": f"Bearer {bidan['access_token']}"})
    assert shown.get_json()["possible_duplicate_of"] == str(first.id)
    weighed = db.session.scalars(select(Measurement).where(Measurement.child_id == again.id)).all()
    assert len(weighed) == 1 and weighed[0].bb_u is not None
    first_days = set(db.session.scalars(select(Measurement.measured_on).where(Measurement.child_id == first.id)))
    assert weighed[0].measured_on not in first_days  # a day the baby's first card missed
    merged = client.post(f"/api/v1/children/{first.id}/merge", json={"duplicate_id": str(again.id)},
                         headers={"Authorization": f"Bearer {bidan['access_token']}"})
    assert merged.status_code == 200, merged.get_json()


def test_import_regions_refuses_a_malformed_code_or_a_missing_parent_with_a_message_and_saves_nothing(app, db, tmp_path):
    """The file goes through POST /api/v1/regions's rules: '3525x' (no dots) was stored as a kabupaten
    without a provinsi, 'ab' as a provinsi, an empty name renamed Jawa Timur to ''; a code whose parent
    is missing, or a file without the code column, stopped the command with a traceback."""
    from posyandu.registry.models import Region

    runner = app.test_cli_runner()
    regions = tmp_path / "regions.csv"
    for text, shown in [("code,name\n35,Jawa Timur\n3525x,Gresik\nab,X\n", "baris 3: code: harus kode Kemendagri"),
                        ("code,name\n35,\n", "baris 2: name: wajib diisi"),
                        ("code,name\n35,Jawa Timur\n35.25.01,Wringinanom\n", "baris 3: code: wilayah induk harus ada dulu"),
                        ("kode,nama\n35,Jawa Timur\n", "kolom tidak ada (missing columns): code, name")]:
        regions.write_text(text, encoding="utf-8")
        result = runner.invoke(args=["import-regions", str(regions)])
        assert isinstance(result.exception, SystemExit) and result.exit_code == 1, (text, result.exception)
        assert shown in result.output, (text, result.output)
        db.session.remove()
        assert db.session.scalar(select(func.count()).select_from(Region)) == 0, text


def _area_with_one_puskesmas(app, db, tmp_path):
    """Regions down to one desa, an admin (root) and puskesmas P01 of its kecamatan, by the CLI; its runner."""
    from posyandu.registry.models import Puskesmas

    runner = app.test_cli_runner()
    regions = tmp_path / "regions.csv"
    regions.write_text("code,name\n35,Jawa Timur\n35.25,Gresik\n35.25.01,Wringinanom\n35.25.01.2001,Sumbergede\n",
                       encoding="utf-8")
    assert runner.invoke(args=["import-regions", str(regions)]).exit_code == 0
    runner.invoke(args=["create-admin", "--username", "root"], input="sandi-kuat-1\nsandi-kuat-1\n")
    with app.app_context():
        db.session.add(Puskesmas(code="P01", name="PKM", kecamatan_code="35.25.01", kabupaten_code="35.25"))
        db.session.commit()
    return runner


def test_import_posyandu_refuses_bad_rows_with_a_message_and_saves_nothing(app, db, tmp_path):
    """Each row is checked as POST /api/v1/posyandu checks it: a kecamatan code as desa, a meeting day
    'lima' or 40, an empty name (it was stored) answer 'baris N: field: …', not a traceback, and
    the good rows before them are not saved either."""
    from posyandu.registry.models import Posyandu

    runner = _area_with_one_puskesmas(app, db, tmp_path)
    posyandu = tmp_path / "posyandu.csv"
    head = "name,desa_code,puskesmas_code,meeting_day\nMelati,35.25.01.2001,P01,5\n"
    for row, shown in [("Mawar,35.25.01,P01,5", "baris 3: desa_code: harus desa yang terdaftar"),
                       ("Mawar,35.25.01.2001,P01,lima", "baris 3: meeting_day:"),
                       ("Mawar,35.25.01.2001,P01,40", "baris 3: meeting_day:"),
                       (",35.25.01.2001,P01,4", "baris 3: name: wajib diisi"),
                       ("Mawar,35.25.01.2001,NOPE,4", "baris 3: puskesmas_code:")]:
        posyandu.write_text(head + row + "\n", encoding="utf-8")
        result = runner.invoke(args=["import-posyandu", str(posyandu)])
        assert isinstance(result.exception, SystemExit) and result.exit_code == 1, (row, result.exception)
        assert shown in result.output, (row, result.output)
        db.session.remove()
        assert db.session.scalar(select(func.count()).select_from(Posyandu)) == 0, row


def test_import_regions_and_posyandu_refuse_nul_with_the_line(app, db, tmp_path):
    """A NUL in a cell (a spreadsheet's export) was stored by SQLite and stopped the command with a
    database traceback on PostgreSQL; the API refuses it (422). Now the file is refused with its line."""
    from posyandu.registry.models import Posyandu, Region

    runner = app.test_cli_runner()
    regions = tmp_path / "regions.csv"
    regions.write_text("code,name\n35,Jawa Timur\n35.25,Gre\x00sik\n", encoding="utf-8")
    out = runner.invoke(args=["import-regions", str(regions)])
    assert out.exit_code == 1 and isinstance(out.exception, SystemExit), (out.output, out.exception)
    assert "baris 3: name: tidak boleh berisi karakter NUL" in out.output, out.output
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Region)) == 0

    runner = _area_with_one_puskesmas(app, db, tmp_path)
    posyandu = tmp_path / "posyandu.csv"
    posyandu.write_text("name,desa_code,puskesmas_code,meeting_day,address\nMelati,35.25.01.2001,P01,5,Jl.\x00 Raya\n",
                        encoding="utf-8")
    out = runner.invoke(args=["import-posyandu", str(posyandu)])
    assert out.exit_code == 1 and isinstance(out.exception, SystemExit), (out.output, out.exception)
    assert "baris 2: address: tidak boleh berisi karakter NUL" in out.output, out.output
    posyandu.write_text("name,desa_code,puskesmas_code,meeting_day,address\nMel\x00ati,35.25.01.2001,P01,5,\n",
                        encoding="utf-8")
    out = runner.invoke(args=["import-posyandu", str(posyandu)])
    assert out.exit_code == 1 and "baris 2: name: tidak boleh berisi karakter NUL" in out.output, out.output
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Posyandu)) == 0


def test_import_posyandu_says_a_row_of_a_closed_posyandu_is_not_reopened(app, db, tmp_path):
    """A row naming a posyandu that was closed was skipped as "already there": the admin read
    "0 posyandu imported" and took it for open, while no child could be registered at it."""
    from posyandu.auth.models import User
    from posyandu.registry.models import Posyandu
    from posyandu.registry.operations import delete_posyandu

    runner = _area_with_one_puskesmas(app, db, tmp_path)
    posyandu = tmp_path / "posyandu.csv"
    posyandu.write_text("name,desa_code,puskesmas_code,meeting_day\nMelati,35.25.01.2001,P01,5\n", encoding="utf-8")
    assert runner.invoke(args=["import-posyandu", str(posyandu)]).exit_code == 0
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "root"))
        delete_posyandu(admin, db.session.scalar(select(Posyandu)), "pindah")
        db.session.commit()
    posyandu.write_text("name,desa_code,puskesmas_code,meeting_day\nMelati,35.25.01.2001,P01,5\n"
                        "Mawar,35.25.01.2001,P01,6\n", encoding="utf-8")
    result = runner.invoke(args=["import-posyandu", str(posyandu)])
    assert result.exit_code == 0, result.output
    assert "baris 2: Melati (35.25.01.2001) sudah ditutup" in result.output, result.output
    assert "1 posyandu imported" in result.output and "1 closed" in result.output, result.output
    db.session.remove()
    assert sorted(db.session.execute(select(Posyandu.name, Posyandu.deleted_at.is_(None)))) == [
        ("Mawar", True), ("Melati", False)]


def test_import_posyandu_finds_a_puskesmas_code_case_aside_and_names_codes_stored_in_two_cases(app, db, tmp_path):
    """The code was matched exactly: a row's "p01" was refused (or, with "p01" and "P01" both stored, landed
    at another puskesmas than "P01"'s rows), while the API judges codes case aside. Codes stored in two
    cases before (two puskesmas found): the row is refused naming both, none chosen for the admin."""
    from posyandu.registry.models import Posyandu, Puskesmas

    runner = _area_with_one_puskesmas(app, db, tmp_path)
    posyandu = tmp_path / "posyandu.csv"
    posyandu.write_text("name,desa_code,puskesmas_code,meeting_day\nMelati,35.25.01.2001,p01,5\n", encoding="utf-8")
    result = runner.invoke(args=["import-posyandu", str(posyandu)])
    assert result.exit_code == 0 and "1 posyandu imported" in result.output, result.output
    db.session.remove()
    assert db.session.execute(select(Posyandu.name, Puskesmas.code).join(Puskesmas)).all() == [("Melati", "P01")]
    with app.app_context():  # as stored before codes were judged case aside
        db.session.add(Puskesmas(code="p01", name="PKM Lama", kecamatan_code="35.25.01", kabupaten_code="35.25"))
        db.session.commit()
    posyandu.write_text("name,desa_code,puskesmas_code,meeting_day\nMawar,35.25.01.2001,P01,6\n", encoding="utf-8")
    result = runner.invoke(args=["import-posyandu", str(posyandu)])
    assert result.exit_code == 1, result.output
    assert "baris 2: puskesmas_code: kode puskesmas 'P01' dipakai 2 puskesmas (PKM, PKM Lama)" in result.output, result.output
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Posyandu)) == 1


def test_demo_data_is_refused_on_a_production_server(app, db, monkeypatch):
    """The demo's accounts, an admin among them, all log in with the README's password: loaded into
    a district's database (an empty one, --if-empty, by a copied make target), anyone could log in as admin."""
    from posyandu.auth.models import User

    monkeypatch.setitem(app.config, "PRODUCTION", True)
    runner = app.test_cli_runner()
    for args in (["seed-demo"], ["seed-demo", "--if-empty"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
        assert "seed-demo refused: POSYANDU_ENV=production" in result.output
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_reset_password_lets_an_admin_who_forgot_hers_back_in_and_ends_her_sessions(app, client, db):
    """The one admin forgot her password: create-admin refuses her username (taken) and no other admin
    can reset it; the operator's way back in was editing the database. reset-password sets it (her own,
    or --temporary for someone else), checked as any password, every session of hers ended, audited."""
    from posyandu.audit import AuditLog
    from posyandu.auth.models import User

    runner = app.test_cli_runner()
    assert runner.invoke(args=["create-admin", "--username", "kepala"], input="sandi-kuat-1\nsandi-kuat-1\n").exit_code == 0
    old = client.post("/api/v1/auth/login", json={"username": "kepala", "password": "sandi-kuat-1"}).get_json()
    weak = runner.invoke(args=["reset-password", "--username", "kepala"], input="posyandu123\nposyandu123\n")
    assert weak.exit_code == 1 and "password: terlalu mudah ditebak" in weak.output, weak.output
    assert runner.invoke(args=["reset-password", "--username", "siapa"], input="sandi-kuat-2\nsandi-kuat-2\n").exit_code == 1
    done = runner.invoke(args=["reset-password", "--username", " Kepala "], input="sandi-kuat-2\nsandi-kuat-2\n")
    assert done.exit_code == 0, done.output
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {old['access_token']}"}).status_code == 401
    assert client.post("/api/v1/auth/login", json={"username": "kepala", "password": "sandi-kuat-1"}).status_code == 401
    new = client.post("/api/v1/auth/login", json={"username": "kepala", "password": "sandi-kuat-2"}).get_json()
    assert new["user"]["must_change_password"] is False  # her own: no temporary password to change
    assert runner.invoke(args=["reset-password", "--username", "kepala", "--temporary"],
                         input="sandi-kuat-3\nsandi-kuat-3\n").exit_code == 0
    db.session.remove()
    assert db.session.scalar(select(User.must_change_password).where(User.username == "kepala")) is True
    rows = db.session.scalars(select(AuditLog).where(AuditLog.entity == "user", AuditLog.action == "update")
                              .order_by(AuditLog.id)).all()
    assert [r.changes for r in rows] == [{"password": ["***", "***"]},
                                         {"password": ["***", "***"], "must_change_password": [False, True]}]
    assert all((r.client_id or "").startswith("cli") for r in rows), [r.client_id for r in rows]
