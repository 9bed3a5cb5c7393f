"""A form is told every error at once: its fields' format and what the operation checks of the
fields that passed (a username or a puskesmas code taken, a password too easy to guess, the area a
role needs, a posyandu's desa and puskesmas). The admin's new-user form was told them in rounds
(the format first; once fixed, the next try said the username was taken or the kader's posyandu
missing), and an empty username was told the username's format rule rather than that it is required."""
from __future__ import annotations

from sqlalchemy import func, select

from tests.api.test_auth import _user_id

PHONE = "nomor HP tidak sah (08…)"
WEAK = ("terlalu mudah ditebak: jangan nama pengguna, kata sandi umum atau kata seputar posyandu (posyandu, "
        "kader, bidan…), juga bila ditambah angka, satu karakter berulang, atau deretan huruf atau tombol "
        "(abcdefgh, qwertyui)")
WEAK_EN = ("too easy to guess: not your username, a common password or a word of posyandu work, even with digits added "
           "(posyandu123, Kader2024), one repeated character, or a run of letters or keys (abcdefgh, qwertyui)")
NO_POSYANDU = "wajib diisi"  # the area her role needs, left out


def _users(app) -> int:
    from posyandu.auth.models import User
    from posyandu.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_a_new_user_is_told_the_username_taken_the_weak_password_and_the_missing_posyandu_with_the_format_errors(
        app, client, world):
    before = _users(app)
    body = {"username": "Kader1", "password": "password", "name": "Kader Baru", "role": "kader", "posyandu_id": None,
            "phone": "12"}
    resp = client.post("/api/v1/users", json=body, headers=world.headers("admin", "id"))
    assert resp.status_code == 422 and resp.content_type == "application/problem+json", resp.get_json()
    assert resp.get_json()["errors"] == {"phone": [PHONE], "username": ["sudah dipakai"], "password": [WEAK],
                                         "posyandu_id": [NO_POSYANDU]}
    # the same without the format error: the same three, at once
    resp = client.post("/api/v1/users", json={**body, "phone": None}, headers=world.headers("admin", "en"))
    assert resp.get_json()["errors"] == {"username": ["already taken"], "password": [WEAK_EN],
        "posyandu_id": ["missing data for required field"]}
    assert _users(app) == before  # nothing written


def test_a_field_refused_for_its_format_is_not_judged_again(client, world):
    body = {"username": "kader 1", "password": "pendek", "name": "Kader Baru", "role": "kader",
            "posyandu_id": "bukan-uuid"}
    errors = client.post("/api/v1/users", json=body, headers=world.headers("admin", "id")).get_json()["errors"]
    assert errors == {"username": ["3-80 huruf, angka, atau _ . - @, tanpa spasi"], "password": ["panjang harus antara 8 dan 200"],
                      "posyandu_id": ["bukan UUID yang sah"]}
    # a role refused: no area is asked for it
    errors = client.post("/api/v1/users", json={**body, "role": "perawat", "posyandu_id": None},
                         headers=world.headers("admin", "id")).get_json()["errors"]
    assert sorted(errors) == ["password", "role", "username"]


def test_an_empty_username_or_password_is_required_in_both_languages(client, world):
    body = {"username": "", "password": "", "name": "Admin Baru", "role": "admin"}
    for lang, required in (("id", "wajib diisi"), ("en", "missing data for required field")):
        resp = client.post("/api/v1/users", json=body, headers=world.headers("admin", lang))
        assert resp.status_code == 422 and resp.get_json()["errors"] == {"username": [required],
                                                                         "password": [required]}, resp.get_json()
    # as a field left out says
    left_out = client.post("/api/v1/users", json={"name": "Admin Baru", "role": "admin"}, headers=world.headers("admin", "id"))
    assert left_out.get_json()["errors"] == {"username": ["wajib diisi"], "password": ["wajib diisi"]}


def test_a_change_of_a_user_is_told_every_error_at_once_and_nothing_changes(client, world):
    kader2 = _user_id(client, world, "kader2")
    resp = client.patch(f"/api/v1/users/{kader2}", json={"username": "KADER1", "phone": "12", "role": "bidan"},
                        headers=world.headers("admin", "id"))
    assert resp.status_code == 422 and resp.get_json()["errors"] == {
        "phone": [PHONE], "username": ["sudah dipakai"],
        "puskesmas_id": ["wajib diisi"]}, resp.get_json()
    # the admin's own password is sent to Settings, with the other errors
    admin = _user_id(client, world, "admin")
    own = client.patch(f"/api/v1/users/{admin}", json={"password": "admin-baru-2026", "name": ""},
                       headers=world.headers("admin", "en"))
    assert own.status_code == 422 and list(own.get_json()["errors"]) == ["name", "password"], own.get_json()
    assert "Settings" in own.get_json()["errors"]["password"][0]
    user = client.get(f"/api/v1/users/{kader2}", headers=world.headers("admin")).get_json()
    assert (user["username"], user["role"], user["phone"]) == ("kader2", "kader", None)


def test_a_parent_registering_is_told_every_error_at_once_but_with_a_bad_code_nothing_of_the_username(
        client, world, make_child):
    child = make_child()
    code = client.post(f"/api/v1/children/{child['id']}/invitations", headers=world.headers("kader1")).get_json()["code"]
    body = {"code": code, "username": "kader1", "password": "12345678", "name": "Ibu Ani", "phone": "12"}
    resp = client.post("/api/v1/auth/register", json=body)
    assert resp.status_code == 422 and resp.get_json()["errors"] == {
        "phone": [PHONE], "username": ["sudah dipakai"], "password": [WEAK]}, resp.get_json()
    bad_code = client.post("/api/v1/auth/register", json={**body, "code": "ZZZZ-ZZZZ"})
    assert bad_code.status_code == 422 and bad_code.get_json()["errors"] == {
        "phone": [PHONE], "code": ["tidak sah, kedaluwarsa, atau sudah dipakai: periksa kodenya, atau minta kode baru ke kader atau bidan"]}, bad_code.get_json()
    # the code was not used by the refusals
    made = client.post("/api/v1/auth/register", json={**body, "username": "ibu.ani", "password": "kuat-sekali",
                                                      "phone": None})
    assert made.status_code == 201, made.get_json()


def test_a_bad_code_with_other_fields_wrong_is_the_forms_validation_problem_its_message_on_code(
        app, client, db, monkeypatch):
    """A code too short and a name left out were answered "Kode undangan tidak sah atau sudah dipakai"
    (``invitation_invalid``), though the form had ordinary errors too. With other fields' errors it is
    the validation problem every form gets, the code's message on ``code``; a code alone wrong is still
    ``invitation_invalid``. Either way the code was tried: audited, and counted among the refused codes."""
    from posyandu.audit import AuditLog

    monkeypatch.setitem(app.config, "INVITATION_GUESS_RATE_LIMIT", "2 per minute")
    short = "terlalu pendek: kode undangan berisi 8 huruf dan angka, misalnya ABCD-EFGH"
    body = {"code": "ZZ", "username": "ibu.ani", "password": "kuat-sekali"}
    resp = client.post("/api/v1/auth/register", json=body, headers={"Accept-Language": "id"})
    assert resp.status_code == 422 and resp.content_type == "application/problem+json", resp.get_json()
    problem = resp.get_json()
    assert problem["type"].endswith("/validation") and problem["title"] == "Data tidak valid", problem
    assert problem["errors"] == {"name": ["wajib diisi"], "code": [short]}, problem
    alone = client.post("/api/v1/auth/register", json={**body, "name": "Ibu Ani"}, headers={"Accept-Language": "id"})
    assert alone.status_code == 422 and alone.get_json()["type"].endswith("/invitation_invalid"), alone.get_json()
    assert alone.get_json()["title"] == "Kode undangan tidak sah atau sudah dipakai"
    assert alone.get_json()["errors"] == {"code": [short]}
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.action == "invitation_refused")) == 2
    # the two refused codes spent the budget: a third waits, hidden among other errors or not
    assert client.post("/api/v1/auth/register", json={**body, "code": "ZZZZ-ZZZZ"}).status_code == 429


KECAMATAN = "harus kecamatan yang terdaftar"


def test_a_puskesmas_is_told_its_kecamatan_unknown_and_its_code_taken_with_the_format_errors(client, world):
    """Told one at a time: the name's format, then the kecamatan unknown, then (409) the code taken."""
    admin = world.headers("admin", "id")
    resp = client.post("/api/v1/puskesmas", json={"name": "", "kecamatan_code": "35.25.09", "code": "PA"}, headers=admin)
    assert resp.status_code == 422 and resp.get_json()["errors"] == {
        "name": ["wajib diisi"], "kecamatan_code": [KECAMATAN], "code": ["sudah dipakai"]}, resp.get_json()
    pkm_b = client.patch(f"/api/v1/puskesmas/{world.ids['pkm_b']}", json={"name": "x" * 121, "kecamatan_code": "35.99.01",
                                                                          "code": "PA"}, headers=admin)
    assert pkm_b.status_code == 422 and sorted(pkm_b.get_json()["errors"]) == ["code", "kecamatan_code", "name"]
    assert pkm_b.get_json()["errors"]["code"] == ["sudah dipakai"], pkm_b.get_json()
    # its own code is not taken by another
    same = client.patch(f"/api/v1/puskesmas/{world.ids['pkm_b']}", json={"code": "PB"}, headers=admin)
    assert same.status_code == 200, same.get_json()


def test_a_puskesmas_may_not_take_another_puskesmas_code_in_another_case(client, world):
    """Codes were unique by their exact case: "pa" was accepted beside pkm_a's "PA" (a QA pass), and
    an import's "pa" found one of the two, or none. Judged case aside, on a new puskesmas and a changed
    one (422 on ``code``, as "PA" itself is); a code is stored upper-cased, as a username lower-cased."""
    admin = world.headers("admin", "id")
    for code in ("pa", "Pa"):
        resp = client.post("/api/v1/puskesmas", json={"name": "PKM Baru", "kecamatan_code": "35.25.01", "code": code},
                           headers=admin)
        assert resp.status_code == 422 and resp.get_json()["errors"] == {"code": ["sudah dipakai"]}, resp.get_json()
    changed = client.patch(f"/api/v1/puskesmas/{world.ids['pkm_b']}", json={"code": "pA"}, headers=admin)
    assert changed.status_code == 422 and changed.get_json()["errors"] == {"code": ["sudah dipakai"]}, changed.get_json()
    made = client.post("/api/v1/puskesmas", json={"name": "PKM Baru", "kecamatan_code": "35.25.01", "code": "p3525x"},
                       headers=admin)
    assert made.status_code == 201 and made.get_json()["code"] == "P3525X", made.get_json()
    # its own code in another case is no other's: re-cased
    own = client.patch(f"/api/v1/puskesmas/{world.ids['pkm_b']}", json={"code": "pb"}, headers=admin)
    assert own.status_code == 200 and own.get_json()["code"] == "PB", own.get_json()


def test_a_puskesmas_may_not_take_the_name_of_another_puskesmas_of_its_kecamatan(client, world):
    """A second "Puskesmas QA" in one kecamatan was accepted (201), while a posyandu's name is refused
    beside another's of its desa (a QA pass): no report, import or admin could tell the two apart. Judged
    as a posyandu's name is, "Puskesmas" before it and case aside, when created, renamed or moved."""
    admin = world.headers("admin", "id")
    body = {"name": "puskesmas  pkm WRINGINANOM", "kecamatan_code": "35.25.01"}
    assert client.post("/api/v1/puskesmas", json=body, headers=world.headers("admin", "en")).get_json()["errors"] == {
        "name": ["another puskesmas of this kecamatan has this name"]}
    # "Puskesmas", "PKM", "UPT Puskesmas" say only what it is: "Puskesmas Wringinanom" is PKM Wringinanom
    for name in ("pkm wringinanom", "Puskesmas PKM Wringinanom", "Puskesmas Wringinanom", "UPT Puskesmas  Wringinanom",
                 "wringinanom"):
        resp = client.post("/api/v1/puskesmas", json={**body, "name": name}, headers=admin)
        assert resp.status_code == 422 and resp.get_json()["errors"] == {
            "name": ["sudah dipakai puskesmas lain di kecamatan ini"]}, resp.get_json()
    # one stored with two such words before its name is judged as written without them
    assert client.patch(f"/api/v1/puskesmas/{world.ids['pkm_a']}", json={"name": "Puskesmas PKM Wringinanom"},
                        headers=admin).status_code == 200
    for name in ("PKM Wringinanom", "Wringinanom"):
        resp = client.post("/api/v1/puskesmas", json={**body, "name": name}, headers=admin)
        assert resp.status_code == 422 and list(resp.get_json()["errors"]) == ["name"], resp.get_json()
    # the same name in another kecamatan is another puskesmas; pkm_b renamed so, or moved beside pkm_a, is refused
    assert client.post("/api/v1/puskesmas", json={**body, "name": "PKM Kamal"}, headers=admin).status_code == 201
    for change in ({"name": "PKM wringinanom", "kecamatan_code": "35.25.01"}, {"kecamatan_code": "35.25.01"}):
        refused = client.patch(f"/api/v1/puskesmas/{world.ids['pkm_b']}", json=change, headers=admin)
        assert refused.status_code == 422 and list(refused.get_json()["errors"]) == ["name"], refused.get_json()
    # a puskesmas keeps its own name when another field changes, and may be re-cased
    kept = client.patch(f"/api/v1/puskesmas/{world.ids['pkm_a']}", json={"name": "PKM WRINGINANOM", "code": "PA1"},
                        headers=admin)
    assert kept.status_code == 200, kept.get_json()


def test_a_posyandu_is_told_its_desa_and_its_puskesmas_with_the_format_errors(client, world):
    """A bidan's new posyandu: its meeting day's format, its desa out of her kabupaten and a puskesmas
    not hers, in one answer (they were three tries); a change of one the same."""
    bidan = world.headers("bidan_a", "id")
    body = {"name": "Posyandu Baru", "desa_code": "35.26.01.2001", "puskesmas_id": str(world.ids["pkm_b"]),
            "meeting_day": 40}
    resp = client.post("/api/v1/posyandu", json=body, headers=bidan)
    assert resp.status_code == 422 and resp.get_json()["errors"] == {
        "meeting_day": ["harus antara 1 dan 31"], "desa_code": ["harus di kabupaten/kota puskesmas Anda"],
        "puskesmas_id": ["tidak dikenal atau di luar wilayah Anda"]}, resp.get_json()
    changed = client.patch(f"/api/v1/posyandu/{world.ids['p1']}", json={**body, "desa_code": "35.25.01.2999"},
                           headers=bidan)
    assert changed.status_code == 422 and changed.get_json()["errors"] == {
        "meeting_day": ["harus antara 1 dan 31"], "desa_code": ["harus desa yang terdaftar"],
        "puskesmas_id": ["tidak dikenal atau di luar wilayah Anda"]}, changed.get_json()
    # one she does not see is not found, whatever the body
    assert client.patch(f"/api/v1/posyandu/{world.ids['p3']}", json=body, headers=bidan).status_code == 404
    kept = client.get(f"/api/v1/posyandu/{world.ids['p1']}", headers=bidan).get_json()
    assert (kept["name"], kept["meeting_day"]) == ("Melati", 5)


def test_a_bidan_refused_a_desa_or_puskesmas_is_not_told_the_names_of_its_posyandu(client, world):
    """The name taken in a desa was told beside a desa out of her kabupaten or a puskesmas not hers (a QA
    sweep): a bidan learnt, by trying names, which posyandu another puskesmas's or kabupaten's desa holds.
    The name is judged once the desa and puskesmas are hers to place it in."""
    bidan_b, admin = world.headers("bidan_b", "id"), world.headers("admin", "id")
    melati = {"name": "Melati", "desa_code": "35.25.01.2001", "meeting_day": 3}  # pkm_a's Melati, kabupaten 35.25
    outside = client.post("/api/v1/posyandu", json={**melati, "puskesmas_id": str(world.ids["pkm_b"])}, headers=bidan_b)
    assert outside.status_code == 422 and outside.get_json()["errors"] == {
        "desa_code": ["harus di kabupaten/kota puskesmas Anda"]}, outside.get_json()
    bidan_a = world.headers("bidan_a", "id")
    kenanga = {"name": "Kenanga", "desa_code": "35.26.01.2001", "meeting_day": 3}  # pkm_b's, kabupaten 35.26
    not_hers = client.post("/api/v1/posyandu", json={**kenanga, "puskesmas_id": str(world.ids["pkm_b"])}, headers=bidan_a)
    assert set(not_hers.get_json()["errors"]) == {"desa_code", "puskesmas_id"}, not_hers.get_json()
    # a desa and puskesmas hers: the name is judged (the admin is told it, whatever puskesmas she names)
    mine = client.post("/api/v1/posyandu", json={**melati, "puskesmas_id": str(world.ids["pkm_a"])}, headers=bidan_a)
    assert mine.status_code == 422 and mine.get_json()["errors"] == {"name": ["sudah dipakai posyandu lain di desa ini"]}
    told = client.post("/api/v1/posyandu", json={**kenanga, "puskesmas_id": str(world.ids["pkm_a"])}, headers=admin)
    assert told.status_code == 422 and told.get_json()["errors"] == {"name": ["sudah dipakai posyandu lain di desa ini"]}


def test_a_kbm_table_without_month_one_is_told_so_with_the_format_errors(client, world):
    resp = client.post("/api/v1/growth/kbm", json={"grams_by_month": {"2": 300}, "source": "x"},
                       headers=world.headers("admin", "id"))
    assert resp.status_code == 422 and sorted(resp.get_json()["errors"]) == ["grams_by_month", "source"], resp.get_json()
    assert resp.get_json()["errors"]["grams_by_month"][0].startswith("bulan 1 wajib diisi")
    assert client.get("/api/v1/growth/kbm", headers=world.headers("kader1")).get_json()["version"] == 0


def test_a_name_alike_but_for_an_invisible_character_or_full_width_letters_is_the_same_name(client, world, db):
    """"Melati" with a zero-width space pasted from a chat, or typed in full-width letters, made a second
    Melati of the desa (201), one no list could tell apart; a puskesmas alike in its kecamatan. Such a name
    is stored as it shows ("Melati"), refused where it is taken, and found by it in an import."""
    admin = world.headers("admin", "id")
    body = {"desa_code": "35.25.01.2001", "puskesmas_id": str(world.ids["pkm_a"]), "meeting_day": 12}
    for name in ("Melati\u200b", "Mel\u00adati", "\uff2d\uff45\uff4c\uff41\uff54\uff49", "\ufeffPosyandu Melati"):
        resp = client.post("/api/v1/posyandu", json={**body, "name": name}, headers=admin)
        assert resp.status_code == 422 and resp.get_json()["errors"] == {
            "name": ["sudah dipakai posyandu lain di desa ini"]}, (name, resp.get_json())
    made = client.post("/api/v1/posyandu", json={**body, "name": "\uff21\uff53\uff54\uff45\uff52\u200b"}, headers=admin)
    assert made.status_code == 201 and made.get_json()["name"] == "Aster", made.get_json()
    twin = client.post("/api/v1/puskesmas", json={"name": "PKM Wringin\u200banom", "kecamatan_code": "35.25.01"},
                       headers=admin)  # pkm_a's
    assert twin.status_code == 422 and list(twin.get_json()["errors"]) == ["name"], twin.get_json()


def test_a_posyandu_may_not_take_the_name_of_another_open_posyandu_of_its_desa(client, world):
    """Two "Posyandu Melati" in one desa: no report row, import or kader could tell them apart (an
    import's "Melati (Sooko)" names the desa, still both); the second was accepted, 201."""
    admin = world.headers("admin", "id")
    body = {"name": "posyandu  MELATI", "desa_code": "35.25.01.2001", "puskesmas_id": str(world.ids["pkm_a"]),
            "meeting_day": 12}
    resp = client.post("/api/v1/posyandu", json=body, headers=admin)
    assert resp.status_code == 422 and resp.get_json()["errors"] == {
        "name": ["sudah dipakai posyandu lain di desa ini"]}, resp.get_json()
    # the same name in another desa is another posyandu (then Mawar, of that desa, may not take it either),
    # and Mawar moved into the first Melati's desa under its name is refused
    assert client.post("/api/v1/posyandu", json={**body, "desa_code": "35.25.01.2002"}, headers=admin).status_code == 201
    for change in ({"name": "Melati"}, {"desa_code": "35.25.01.2001", "name": "Melati"}):
        refused = client.patch(f"/api/v1/posyandu/{world.ids['p2']}", json=change, headers=admin)
        assert refused.status_code == 422 and list(refused.get_json()["errors"]) == ["name"], refused.get_json()
    # a posyandu keeps its own name when another field changes, and may be re-cased
    assert client.patch(f"/api/v1/posyandu/{world.ids['p1']}", json={"name": "MELATI", "meeting_day": 6},
                        headers=admin).status_code == 200


def test_a_report_asked_with_a_bad_month_and_a_bad_area_is_told_both(client, world):
    """The month's own check ran only once every field's format passed: a bad posyandu id alone was said,
    the month wrong too only on the next try."""
    resp = client.get("/api/v1/reports/skdn?month=2025-13&posyandu_id=abc", headers=world.headers("bidan_a", "id"))
    assert resp.status_code == 422, resp.get_json()
    assert sorted(resp.get_json()["errors"]) == ["month", "posyandu_id"]
