"""The API's refusals, consistent across routes (api-contract.md: a record outside the caller's scope
answers 404, an action the role may not take 403):

- a list narrowed to an area the caller does not see (or that does not exist) is 404, as a report of
  it is, never an empty page that says the area has nothing;
- a refusal that does not depend on the body (the caller's role, the account's state) is answered
  whatever the body holds, before its format is judged (422).
"""
from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from tests.api.test_scope_every_route import outside  # noqa: F401 (a fixture)

PROBLEM = "application/problem+json"


def _problem(resp, status: int, kind: str | None = None) -> dict:
    body = resp.get_json()
    assert resp.status_code == status and resp.content_type == PROBLEM, (resp.status_code, body)
    if kind:
        assert body["type"].endswith("/" + kind), body
    return body


# --- lists narrowed to an area -------------------------------------------------------------------
def test_a_list_of_children_of_a_posyandu_outside_the_callers_scope_is_404_as_its_report(client, world, make_child):
    """Before, ``/children?posyandu_id=<Kenanga>`` answered kader1 (of Melati) an empty page, while
    ``/reports/skdn?posyandu_id=<Kenanga>`` answered 404: the list said Kenanga had no children."""
    make_child(by="kader3", posyandu="p3")
    unknown = uuid.uuid4()
    for who in ("kader1", "bidan_a", "dinkes_gresik", "parent1"):
        for posyandu in (world.ids["p3"], unknown):
            report = client.get("/api/v1/reports/skdn", query_string={"month": "2025-02", "posyandu_id": posyandu},
                                headers=world.headers(who))
            listed = client.get("/api/v1/children", query_string={"posyandu_id": posyandu}, headers=world.headers(who))
            assert report.status_code == (403 if who == "parent1" else 404), (who, report.get_json())
            _problem(listed, 404, "not_found")
    # the admin: an unknown posyandu only
    _problem(client.get("/api/v1/children", query_string={"posyandu_id": unknown}, headers=world.headers("admin")), 404)
    # in scope: the page, as before
    for who in ("kader3", "bidan_b", "dinkes_bangkalan", "admin"):
        page = client.get("/api/v1/children", query_string={"posyandu_id": world.ids["p3"]}, headers=world.headers(who))
        assert page.status_code == 200 and len(page.get_json()["items"]) == 1, (who, page.get_json())


def test_a_list_of_posyandu_of_a_puskesmas_or_desa_outside_the_callers_scope_is_404(client, world):
    for who in ("kader1", "bidan_a", "dinkes_gresik"):
        for query in ({"puskesmas_id": world.ids["pkm_b"]}, {"puskesmas_id": uuid.uuid4()},
                      {"desa_code": "35.26.01.2001"}):
            _problem(client.get("/api/v1/posyandu", query_string=query, headers=world.headers(who)), 404, "not_found")
    _problem(client.get("/api/v1/posyandu", query_string={"puskesmas_id": uuid.uuid4()},
                        headers=world.headers("admin")), 404)
    # her own: as before (a kader sees her posyandu's puskesmas and desa)
    for who, pkm, desa, names in (("kader1", "pkm_a", "35.25.01.2001", ["Melati"]),
                                  ("bidan_b", "pkm_b", "35.26.01.2001", ["Kenanga"]),
                                  ("dinkes_gresik", "pkm_a", "35.25.01.2002", ["Mawar"]),
                                  ("admin", "pkm_b", "35.26.01.2001", ["Kenanga"])):
        for query in ({"puskesmas_id": world.ids[pkm], "desa_code": desa},):
            page = client.get("/api/v1/posyandu", query_string=query, headers=world.headers(who))
            assert page.status_code == 200 and [p["name"] for p in page.get_json()["items"]] == names, (who, page.get_json())


def test_a_list_of_posyandu_by_a_code_above_desa_lists_the_posyandu_under_it(client, world):
    # a kecamatan's or kabupaten's code answered an empty page, read as "no posyandu here"
    for who, code, names in (("bidan_a", "35.25.01", ["Mawar", "Melati"]), ("dinkes_gresik", "35.25", ["Mawar", "Melati"]),
                             ("admin", "35", ["Kenanga", "Mawar", "Melati"]), ("admin", "35.26", ["Kenanga"]),
                             ("kader1", "35.25.01", ["Melati"]), ("admin", "35.25.01.2002", ["Mawar"])):
        page = client.get("/api/v1/posyandu", query_string={"desa_code": code}, headers=world.headers(who))
        assert page.status_code == 200 and sorted(p["name"] for p in page.get_json()["items"]) == names, (who, code)
    # a code that only begins like another's is not under it
    _problem(client.get("/api/v1/posyandu", query_string={"desa_code": "35.2"}, headers=world.headers("admin")), 422)


def test_a_list_of_users_of_a_posyandu_or_puskesmas_that_does_not_exist_is_404(client, world):
    admin = world.headers("admin")
    for key in ("posyandu_id", "puskesmas_id"):
        _problem(client.get("/api/v1/users", query_string={key: uuid.uuid4()}, headers=admin), 404, "not_found")
    kader = client.get("/api/v1/users", query_string={"posyandu_id": world.ids["p3"]}, headers=admin)
    assert [u["username"] for u in kader.get_json()["items"]] == ["kader3"], kader.get_json()


# --- a refusal that does not depend on the body comes before the body's format -----------------
BAD = {"meeting_day": 40, "name": ""}


def test_a_kader_or_dinkes_changing_or_closing_a_posyandu_is_403_whatever_the_body_holds(client, world):
    """Before, kader1's PATCH /posyandu/<Melati> with a meeting day of 40 answered 422 on the day: she was
    told to fix a form she may not send at all; with a good body, 403."""
    for who in ("kader1", "dinkes_gresik", "parent1"):
        for posyandu in ("p1", "p3"):
            url = f"/api/v1/posyandu/{world.ids[posyandu]}"
            for body in (BAD, {"meeting_day": 12}, [1]):
                _problem(client.patch(url, json=body, headers=world.headers(who)), 403, "forbidden")
            _problem(client.delete(url, json={"x": 1}, headers=world.headers(who)), 403, "forbidden")
            _problem(client.delete(url + "?reason=" + "x" * 999, headers=world.headers(who)), 403, "forbidden")
    # a bidan: her posyandu's format errors, another's 404, as before
    assert set(_problem(client.patch(f"/api/v1/posyandu/{world.ids['p1']}", json=BAD, headers=world.headers("bidan_a")),
                        422)["errors"]) == {"meeting_day", "name"}
    _problem(client.patch(f"/api/v1/posyandu/{world.ids['p3']}", json=BAD, headers=world.headers("bidan_a")), 404)


def test_a_role_that_may_not_write_a_child_or_her_events_is_403_whatever_the_body_holds(client, world, make_child):
    child = make_child()
    weighed = client.post(f"/api/v1/children/{child['id']}/measurements", headers=world.headers("kader1"),
                          json={"id": str(uuid.uuid4()), "measured_on": child["birth_date"], "weight_kg": 3.2})
    assert weighed.status_code == 201, weighed.get_json()
    bad_child = {"name": "", "sex": "X", "birth_date": "kemarin"}
    requests = [("POST", "/api/v1/children", bad_child), ("PATCH", f"/api/v1/children/{child['id']}", bad_child),
                ("DELETE", f"/api/v1/children/{child['id']}", {"x": 1}),
                ("POST", f"/api/v1/children/{child['id']}/measurements", {"weight_kg": -1}),
                ("PATCH", f"/api/v1/measurements/{weighed.get_json()['id']}", {"weight_kg": -1}),
                ("DELETE", f"/api/v1/measurements/{weighed.get_json()['id']}", {"x": 1})]
    for who in ("dinkes_gresik", "parent1"):
        for method, url, body in requests:
            _problem(client.open(url, method=method, json=body, headers=world.headers(who)), 403, "forbidden")
    for url, body in ((f"/api/v1/children/{child['id']}/merge", {"duplicate_id": "nope"}),
                      (f"/api/v1/children/{child['id']}/not-duplicate", {"reason": 5})):
        _problem(client.post(url, json=body, headers=world.headers("kader1")), 403, "forbidden")
    # a kader's own bad body: its format errors, as before
    assert _problem(client.patch(f"/api/v1/children/{child['id']}", json=bad_child, headers=world.headers("kader1")),
                    422)["errors"].keys() >= {"name", "sex", "birth_date"}


def test_a_change_of_an_account_its_parent_closed_is_409_whatever_the_body_holds(client, world, db, make_child):
    """Before, PATCH /users/<closed> {"active": "ya"} answered 422 on `active`: the admin fixed it and was
    then told the account cannot be changed at all (409)."""
    from tests.api.test_close_account import SECRET, _registered_mother

    _, mother = _registered_mother(client, world, make_child)
    user_id = client.get("/api/v1/auth/me", headers=mother).get_json()["id"]
    assert client.post("/api/v1/auth/close-account", json={"password": SECRET}, headers=mother).status_code == 204
    url, admin = f"/api/v1/users/{user_id}", world.headers("admin")
    for body, named in (({"active": "ya", "name": ""}, {"active", "name"}), ({"role": "raja"}, {"role"}),
                        ({"nonsense": 1}, None), ([1, 2], None), ("x", None)):
        refused = _problem(client.patch(url, json=body, headers=admin), 409, "conflict")
        assert "closed by its owner" in refused["detail"], refused
        assert (set(refused["errors"]) if "errors" in refused else None) == named, refused
    # nothing asked to change: as before
    assert client.patch(url, json={}, headers=admin).status_code == 200
    # an account not closed: its format errors
    kader = client.get("/api/v1/users", query_string={"q": "kader1b"}, headers=admin).get_json()["items"][0]["id"]
    assert set(_problem(client.patch(f"/api/v1/users/{kader}", json={"active": "ya", "name": ""}, headers=admin),
                        422)["errors"]) == {"active", "name"}


# --- a record the caller cannot see comes before the body's format ---------------------------------
# Every write with a record id in its path (tests/api/test_scope_every_route.REQUESTS) that reads a
# body or a query, and a body (or query) of each that is refused for its format.
NOT_AN_OBJECT = [1]
BAD_INPUT: dict[tuple[str, str], list[dict]] = {
    ("PATCH", "/api/v1/children/<uuid:child_id>"): [{"json": {"name": "", "sex": "X", "birth_date": "kemarin"}}],
    ("DELETE", "/api/v1/children/<uuid:child_id>"): [{"json": {"x": 1}}, {"query_string": {"reason": "x" * 999}}],
    ("POST", "/api/v1/children/<uuid:child_id>/measurements"): [{"json": {"weight_kg": -1}}],
    ("POST", "/api/v1/children/<uuid:child_id>/immunisations"): [{"json": {"vaccine": "?", "dose": 0}}],
    ("POST", "/api/v1/children/<uuid:child_id>/supplements"): [{"json": {"kind": "jamu"}}],
    ("POST", "/api/v1/children/<uuid:child_id>/merge"): [{"json": {"duplicate_id": "nope"}}],
    ("POST", "/api/v1/children/<uuid:child_id>/not-duplicate"): [{"json": {"reason": 5}}],
    ("POST", "/api/v1/children/<uuid:child_id>/restore"): [{"json": {"x": 1}}],
    ("PATCH", "/api/v1/measurements/<uuid:event_id>"): [{"json": {"weight_kg": -1}}],
    ("DELETE", "/api/v1/measurements/<uuid:event_id>"): [{"json": {"x": 1}}, {"query_string": {"reason": "x" * 999}}],
    ("PATCH", "/api/v1/immunisations/<uuid:event_id>"): [{"json": {"dose": 0}}],
    ("DELETE", "/api/v1/immunisations/<uuid:event_id>"): [{"json": {"x": 1}}],
    ("PATCH", "/api/v1/supplements/<uuid:event_id>"): [{"json": {"kind": "jamu"}}],
    ("DELETE", "/api/v1/supplements/<uuid:event_id>"): [{"json": {"x": 1}}],
    ("PATCH", "/api/v1/posyandu/<uuid:posyandu_id>"): [{"json": BAD}],
    ("DELETE", "/api/v1/posyandu/<uuid:posyandu_id>"): [{"json": {"x": 1}}, {"query_string": {"reason": "x" * 999}}],
    ("POST", "/api/v1/posyandu/<uuid:posyandu_id>/move-children"): [{"json": {"to_posyandu_id": "x", "reason": "x" * 999}}],
    ("PATCH", "/api/v1/puskesmas/<uuid:puskesmas_id>"): [{"json": {"name": ""}}],
    ("PATCH", "/api/v1/users/<uuid:user_id>"): [{"json": {"active": "ya", "name": ""}}],
    # writes that read no body refuse one (extensions.refuse_unread_body)
    ("POST", "/api/v1/children/<uuid:child_id>/invitations"): [{"json": {"reason": "x"}}],
    ("DELETE", "/api/v1/children/<uuid:child_id>/invitations/<uuid:invitation_id>"): [{"json": {"reason": "x"}}],
    ("DELETE", "/api/v1/children/<uuid:child_id>/parents/<uuid:user_id>"): [{"json": {"x": 1}}],
}


def test_every_write_with_a_record_id_is_in_the_table_of_bad_input():
    from tests.api.test_scope_every_route import REQUESTS

    assert set(BAD_INPUT) == {route for route in REQUESTS if route[0] != "GET"}


def test_a_write_to_a_record_outside_the_callers_area_is_404_whatever_the_body_or_query_holds(
        client, world, db, outside):
    """Before, bidan_a's PATCH of a child of Kenanga (not her puskesmas) with a name left blank answered
    422 on the name, a well-formed one 404: she was told to fix a form for a child she cannot see. The
    record is looked up first, as the caller's role is: 404 to whoever does not see it (an id that exists
    nowhere, the admin's too), whatever the body or query holds; in its area, the format errors."""
    from tests.api.test_faults import counts
    from tests.api.test_scope_every_route import OUTSIDERS, REQUESTS, _request

    nowhere_ids = {k: v if k == "duplicate" else str(uuid.uuid4()) for k, v in outside.items()}
    for who in (*OUTSIDERS.values(), "admin"):
        world.headers(who)  # logged in (audited) before counting
    before = counts(db)
    for (method, rule), requests in BAD_INPUT.items():
        url, _ = _request(rule, method, outside)
        nowhere, _ = _request(rule, method, nowhere_ids)
        for kwargs in (*requests, {"json": NOT_AN_OBJECT}):
            callers = [(who, url) for role, who in OUTSIDERS.items() if role in REQUESTS[(method, rule)]["roles"]]
            for who, where in (*callers, ("admin", nowhere)):
                resp = client.open(where, method=method, headers=world.headers(who), **kwargs)
                _problem(resp, 404, "not_found")
            # in the record's area: the same request is refused for its format
            assert client.open(url, method=method, headers=world.headers("admin"), **kwargs).status_code == 422, (
                method, rule, kwargs)
    assert counts(db) == before
    # a body that is no JSON at all: 404 too, not 415
    url, _ = _request("/api/v1/children/<uuid:child_id>", "PATCH", outside)
    _problem(client.patch(url, data="nama=Ani", content_type="text/plain", headers=world.headers("bidan_a")), 404)


def test_a_merge_into_a_child_merged_away_is_409_whatever_the_body_holds(client, world, make_child):
    """The merge's own refusal of its child (merged into another: 409 naming the one that stands) comes
    before the body's format too, as its 404 does."""
    first, second = make_child(name="Anak Kembar"), make_child(name="Anak Kembar")
    bidan = world.headers("bidan_a")
    merged = client.post(f"/api/v1/children/{first['id']}/merge", json={"duplicate_id": second["id"]}, headers=bidan)
    assert merged.status_code == 200, merged.get_json()
    for body in ({"duplicate_id": "nope"}, NOT_AN_OBJECT):
        refused = _problem(client.post(f"/api/v1/children/{second['id']}/merge", json=body, headers=bidan),
                           409, "child_merged")
        assert refused["merged_into"] == first["id"], refused


# --- a registration with a code that does not work ------------------------------------------------
def test_a_registration_with_a_bad_code_and_a_format_error_names_the_code_among_the_forms_errors(client, world):
    """A code that does not work alone is ``invitation_invalid``. With a phone number too short (or a
    name left blank) too, it answered ``invitation_invalid`` as well, titled "Kode undangan tidak sah
    atau sudah dipakai" over a form with ordinary errors: it is the form's validation problem, naming
    every field's error, the code's message on ``code`` (the app shows each on its field); never whether
    the username exists."""
    def register(username, **changes):
        return client.post("/api/v1/auth/register", headers={"Accept-Language": "id"},
                           json={"code": "ZZZZ-ZZZZ", "username": username, "password": "kuat-sekali",
                                 "name": "Ibu Ani", **changes})
    alone = _problem(register("belum.ada"), 422, "invitation_invalid")
    assert alone["errors"] == {"code": ["tidak sah, kedaluwarsa, atau sudah dipakai: periksa kodenya, atau minta kode baru ke kader atau bidan"]}, alone
    for changes, fields in (({"phone": "12"}, {"code", "phone"}), ({"name": "", "phone": "12"}, {"code", "name", "phone"})):
        taken, free = register("kader1", **changes), register("belum.ada", **changes)
        body = _problem(taken, 422, "validation")
        assert body == free.get_json(), (body, free.get_json())
        assert set(body["errors"]) == fields and body["errors"]["code"] == alone["errors"]["code"], body
        assert body["title"] == "Data tidak valid" and body["detail"] == "Periksa isian yang ditandai.", body


def test_a_code_of_the_wrong_length_is_an_invitation_that_does_not_work_saying_what_is_wrong(client, world):
    """Before, a code too short or too long ("ABC", a pasted message) answered type ``validation`` with
    marshmallow's "panjang harus antara 6 dan 40", while a well-formed code that does not work answered
    ``invitation_invalid``: the parent's trouble is the same, the code does not work. It is
    ``invitation_invalid`` too, its message on ``code`` saying what is wrong with it (with the other
    fields' format errors, on ``code`` of their validation problem); whether the username exists is never
    told, and a code left blank is still "wajib diisi". Redeeming a code says the same."""
    def register(code, username="belum.ada", lang="id", **changes):
        return client.post("/api/v1/auth/register", headers={"Accept-Language": lang},
                           json={"code": code, "username": username, "password": "kuat-sekali", "name": "Ibu Ani",
                                 **changes})
    short = "terlalu pendek: kode undangan berisi 8 huruf dan angka, misalnya ABCD-EFGH"
    long = "terlalu panjang: kode undangan berisi 8 huruf dan angka, misalnya ABCD-EFGH"
    for code, wrong in (("ABC", short), ("AB-C", short), ("ABCD-EFGH" * 5, long)):
        alone = _problem(register(code), 422, "invitation_invalid")
        assert alone["errors"] == {"code": [wrong]} and alone["title"] == "Kode undangan tidak sah atau sudah dipakai"
        with_others = _problem(register(code, "kader1", phone="12", name=""), 422, "validation")
        assert with_others == register(code, phone="12", name="").get_json(), with_others  # the username: nothing told
        assert set(with_others["errors"]) == {"code", "phone", "name"} and with_others["errors"]["code"] == [wrong]
        redeemed = client.post("/api/v1/auth/redeem", json={"code": code}, headers=world.headers("parent1", "id"))
        assert _problem(redeemed, 422, "invitation_invalid")["errors"] == {"code": [wrong]}
    english = _problem(register("ABC", lang="en"), 422, "invitation_invalid")
    assert english["errors"] == {"code": ["too short: an invitation code has 8 letters and digits, e.g. ABCD-EFGH"]}
    # left blank: required, as any field left blank
    assert _problem(register("  "), 422, "validation")["errors"] == {"code": ["wajib diisi"]}



def test_a_code_typed_one_letter_short_or_long_says_so_not_that_it_expired(client, world, make_child):
    """A parent typing her code from a slip of paper left out its last letter ("5ERR-M54") or added one:
    counted with its hyphen and spaces, it was long enough to look up, and she was told it was
    "tidak sah, kedaluwarsa, atau sudah dipakai" and sent back to the posyandu for a new one. Its
    letters and digits are counted; the code itself, in any case and spacing, still works."""
    child = make_child(name="Ani Kode")
    made = client.post(f"/api/v1/children/{child['id']}/invitations", headers=world.headers("kader1"), json={})
    assert made.status_code == 201, made.get_json()
    code = made.get_json()["code"]
    short = "terlalu pendek: kode undangan berisi 8 huruf dan angka, misalnya ABCD-EFGH"
    long = "terlalu panjang: kode undangan berisi 8 huruf dan angka, misalnya ABCD-EFGH"
    parent = world.headers("parent1", "id")
    for typed, wrong in ((code[:-1], short), (code[:4] + " " + code[5:8], short), (code + "X", long),
                         (code[:4] + " " + code[5:] + " 2", long)):
        refused = client.post("/api/v1/auth/redeem", json={"code": typed}, headers=parent)
        assert _problem(refused, 422, "invitation_invalid")["errors"] == {"code": [wrong]}, typed
    worked = client.post("/api/v1/auth/redeem", json={"code": " " + code.lower().replace("-", " ") + " "}, headers=parent)
    assert worked.status_code == 200, worked.get_json()


# --- one wording for a required field left blank --------------------------------------------------
def test_an_area_form_with_its_name_and_region_code_left_blank_is_told_wajib_diisi(client, world):
    """Before, a puskesmas with no name was told "tidak boleh kosong", and with no kecamatan code the
    code's format ("harus kode Kemendagri, misalnya 35.25.01.2001"): a field left empty is "wajib diisi",
    as a field left out is."""
    admin = world.headers("admin", "id")
    made = client.post("/api/v1/puskesmas", json={"name": " ", "kecamatan_code": ""}, headers=admin)
    assert _problem(made, 422)["errors"] == {"name": ["wajib diisi"], "kecamatan_code": ["wajib diisi"]}
    left_out = client.post("/api/v1/puskesmas", json={}, headers=admin)
    assert _problem(left_out, 422)["errors"] == {"name": ["wajib diisi"], "kecamatan_code": ["wajib diisi"]}
    posyandu = client.post("/api/v1/posyandu", headers=admin, json={
        "name": "", "desa_code": "", "puskesmas_id": str(world.ids["pkm_a"]), "meeting_day": 5})
    assert _problem(posyandu, 422)["errors"] == {"name": ["wajib diisi"], "desa_code": ["wajib diisi"]}
    changed = client.patch(f"/api/v1/posyandu/{world.ids['p1']}", json={"desa_code": "", "name": ""},
                           headers=world.headers("admin", "en"))
    assert _problem(changed, 422)["errors"] == {"desa_code": ["missing data for required field"],
                                               "name": ["missing data for required field"]}
    # a code of spaces is blank too, not a code in the wrong format (a region's own code as well)
    spaces = client.post("/api/v1/puskesmas", json={"name": "PKM", "kecamatan_code": "   "}, headers=admin)
    assert _problem(spaces, 422)["errors"] == {"kecamatan_code": ["wajib diisi"]}
    moved = client.patch(f"/api/v1/posyandu/{world.ids['p1']}", json={"desa_code": " \t"}, headers=admin)
    assert _problem(moved, 422)["errors"] == {"desa_code": ["wajib diisi"]}
    region = client.post("/api/v1/regions", json={"code": "  ", "name": "Desa"}, headers=admin)
    assert _problem(region, 422)["errors"] == {"code": ["wajib diisi"]}
    # a code given is still told its format
    wrong = client.post("/api/v1/puskesmas", json={"name": "PKM", "kecamatan_code": "3525"}, headers=admin)
    assert _problem(wrong, 422)["errors"] == {"kecamatan_code": ["harus kode Kemendagri, misalnya 35.25.01.2001"]}


def test_a_required_field_sent_null_is_told_wajib_diisi_as_one_left_blank(client, world):
    """The admin's new posyandu sends a puskesmas not chosen and a day not typed as null: those two
    were told "tidak boleh kosong" ("Field may not be null."), its empty name and desa "wajib diisi",
    on one form. A field that may be empty (a posyandu's address) still takes null."""
    body = {"name": "", "desa_code": "", "puskesmas_id": None, "meeting_day": None, "address": None}
    made = client.post("/api/v1/posyandu", json=body, headers=world.headers("admin", "id"))
    assert _problem(made, 422)["errors"] == {"name": ["wajib diisi"], "desa_code": ["wajib diisi"],
                                             "puskesmas_id": ["wajib diisi"], "meeting_day": ["wajib diisi"]}
    changed = client.patch(f"/api/v1/posyandu/{world.ids['p1']}", json={"meeting_day": None, "address": None},
                           headers=world.headers("admin", "en"))
    assert _problem(changed, 422)["errors"] == {"meeting_day": ["missing data for required field"]}


def _input_schemas(app) -> list:
    """Every schema a route reads its body, query or form with (``@blp.arguments``), the schemas nested in
    them, and the push's mutation (read one by one, ``sync.push.MutationIn``)."""
    from marshmallow import Schema, fields

    from posyandu.sync.push import MutationIn
    from posyandu.sync.schemas import AsSent

    found: dict[str, Schema] = {}

    def add(schema) -> None:
        schema = schema() if isinstance(schema, type) else schema
        if type(schema).__qualname__ in found:
            return
        found[type(schema).__qualname__] = schema
        for field in schema.fields.values():
            inner = getattr(field, "inner", field)
            # an answer's nested shape is no input; AsSent is documentation only (push reads MutationIn)
            if isinstance(inner, fields.Nested) and not isinstance(inner, AsSent) and not field.dump_only:
                add(inner.schema)

    for view in app.view_functions.values():
        cls = getattr(view, "view_class", None)
        methods = [getattr(cls, m) for m in ("get", "post", "put", "patch", "delete") if hasattr(cls, m)] if cls else [view]
        for func in methods:
            for parameter in getattr(func, "_apidoc", {}).get("arguments", {}).get("parameters", []):
                add(parameter["schema"])
    add(MutationIn)
    return sorted(found.items())


def _required_texts(app) -> list[tuple[str, str, object]]:
    from marshmallow import fields

    return [(f"{name}.{key}", key, field) for name, schema in _input_schemas(app)
            for key, field in schema.fields.items()
            if isinstance(field, fields.String) and field.required and not field.dump_only]


def test_every_required_text_of_the_api_left_blank_is_told_wajib_diisi(app):
    """Before, a KBM table's source left empty was told "panjang harus antara 3 dan 255" (and one of
    spaces was taken), a push's client_id "panjang harus antara 1 dan 64", a vaccine left empty the
    vaccine code's format, a child's sex, a user's role or a supplement's kind left empty "Harus salah
    satu dari: …": a required text left blank is "wajib diisi" (``messages.REQUIRED``), as one left out
    is, in every input schema of the API (a password's spaces are characters typed: only "" is blank)."""
    from marshmallow import ValidationError

    from posyandu.messages import REQUIRED

    walked = _required_texts(app)
    assert len(walked) > 20 and {"KbmSchema.source", "PushSchema.client_id", "ImmunisationSchema.vaccine",
                                 "MutationIn.entity", "UserSchema.role"} <= {where for where, _, _ in walked}
    wrong = {}
    for where, key, field in walked:
        for blank in ("", "   ", "\u200b") if not getattr(field, "as_typed", False) else ("",):
            try:
                field.deserialize(blank, key, {key: blank})
                wrong[where, blank] = "taken"
            except ValidationError as refused:
                if refused.messages != [REQUIRED]:
                    wrong[where, blank] = refused.messages
    assert wrong == {}


def test_a_kbm_source_and_a_health_offices_region_left_blank_are_told_wajib_diisi(client, world, db):
    admin = world.headers("admin", "id")
    for source in ("", "   "):
        kbm = client.post("/api/v1/growth/kbm", json={"grams_by_month": {"1": 800}, "source": source}, headers=admin)
        assert _problem(kbm, 422)["errors"] == {"source": ["wajib diisi"]}
    # a region code of spaces is no region: the health office's is missing, said so
    for region in ("   ", " " * 20):
        made = client.post("/api/v1/users", headers=admin, json={
            "username": "dinkes_baru", "password": "sandi-dinkes-1", "name": "Dinkes Baru", "role": "dinkes",
            "region_code": region})
        assert _problem(made, 422)["errors"] == {"region_code": ["wajib diisi"]}
    dinkes = client.get("/api/v1/users", query_string={"q": "dinkes_gresik"}, headers=admin).get_json()["items"][0]
    changed = client.patch(f"/api/v1/users/{dinkes['id']}", json={"region_code": "  "}, headers=admin)
    assert _problem(changed, 422)["errors"] == {"region_code": ["wajib diisi"]}
    unknown = client.patch(f"/api/v1/users/{dinkes['id']}", json={"region_code": "99.99"},
                           headers=world.headers("admin", "en"))
    # said what is missing and what to do, not "tidak ditemukan: peran dinkes memerlukan yang sudah terdaftar"
    assert _problem(unknown, 422)["errors"] == {
        "region_code": ["must be an existing region: add it first, or check the code"]}
    in_indonesian = client.patch(f"/api/v1/users/{dinkes['id']}", json={"region_code": "99.99"}, headers=admin)
    assert _problem(in_indonesian, 422)["errors"] == {
        "region_code": ["harus wilayah yang terdaftar: tambahkan wilayahnya dulu, atau periksa kodenya"]}
    bidan = client.post("/api/v1/users", headers=admin, json={
        "username": "bidan_baru", "password": "sandi-bidan-1", "name": "Bidan Baru", "role": "bidan",
        "puskesmas_id": str(uuid.uuid4())})
    assert _problem(bidan, 422)["errors"] == {"puskesmas_id": ["harus puskesmas yang terdaftar"]}
    # another role's region of spaces is none, as null is
    kader = client.post("/api/v1/users", headers=admin, json={
        "username": "kader_baru", "password": "sandi-kader-1", "name": "Kader Baru", "role": "kader",
        "posyandu_id": str(world.ids["p1"]), "region_code": "  "})
    assert kader.status_code == 201 and kader.get_json()["region_code"] is None, kader.get_json()


def test_a_role_that_may_not_push_is_403_whatever_the_batch_holds(client, world):
    """A dinkes office or a parent may pull, never push (``push`` refuses them, 403); a batch of the wrong
    shape was answered 422 on its fields first, as if fixing them would let it through."""
    for who in ("dinkes_gresik", "parent1"):
        for body in ({"client_id": "", "mutations": "semua"}, {"mutations": [1]}, [1],
                     {"client_id": "hp", "mutations": []}):
            _problem(client.post("/api/v1/sync/push", json=body, headers=world.headers(who)), 403, "forbidden")
    # a kader's bad batch: its format errors, as before
    assert "mutations" in _problem(client.post("/api/v1/sync/push", json={"client_id": "hp", "mutations": "semua"},
                                               headers=world.headers("kader1")), 422)["errors"]


# --- reads too: the API description's order (401, 403, 404, then 422) holds for a query ---------------
# Every read with a record id in its path that reads a query, and a query of each refused for its format.
BAD_QUERY: dict[tuple[str, str], dict] = {
    **{("GET", f"/api/v1/children/<uuid:child_id>/{kind}"): {"limit": 0}
       for kind in ("measurements", "immunisations", "supplements", "invitations", "parents", "access-log", "history")},
    ("GET", "/api/v1/children/<uuid:child_id>/immunisation-card"): {"on": "kemarin"},
    ("GET", "/api/v1/posyandu/<uuid:posyandu_id>/due-list"): {"date": "kemarin"},
}
NO_QUERY = {("GET", "/api/v1/children/<uuid:child_id>"), ("GET", "/api/v1/children/<uuid:child_id>/export"),
            ("GET", "/api/v1/children/<uuid:child_id>/growth-chart"), ("GET", "/api/v1/posyandu/<uuid:posyandu_id>"),
            ("GET", "/api/v1/measurements/<uuid:event_id>"), ("GET", "/api/v1/immunisations/<uuid:event_id>"),
            ("GET", "/api/v1/supplements/<uuid:event_id>"), ("GET", "/api/v1/users/<uuid:user_id>")}


def test_every_read_with_a_record_id_is_in_the_table_of_bad_queries():
    from tests.api.test_scope_every_route import REQUESTS

    assert set(BAD_QUERY) | NO_QUERY == {route for route in REQUESTS if route[0] == "GET"}


def test_a_read_of_a_record_outside_the_callers_area_is_404_whatever_the_query_holds(client, world, outside):
    """Before, bidan_a's GET /children/<a child of Kenanga>/immunisation-card?on=kemarin answered 422 on
    ``on``, the same without it 404, though the API description puts 404 before the query's format (422),
    as for a write (``access.seen_first``)."""
    from tests.api.test_scope_every_route import OUTSIDERS, REQUESTS, _request

    nowhere_ids = {k: v if k == "duplicate" else str(uuid.uuid4()) for k, v in outside.items()}
    for (method, rule), query in BAD_QUERY.items():
        url, _ = _request(rule, method, outside)
        nowhere, _ = _request(rule, method, nowhere_ids)
        callers = [(who, url) for role, who in OUTSIDERS.items() if role in REQUESTS[(method, rule)]["roles"]]
        for who, where in (*callers, ("admin", nowhere)):
            _problem(client.get(where, query_string=query, headers=world.headers(who)), 404, "not_found")
        # in the record's area: the same query is refused for its format
        assert client.get(url, query_string=query, headers=world.headers("admin")).status_code == 422, (rule, query)


def test_an_area_asked_for_outside_the_callers_scope_is_404_naming_its_parameter_as_one_that_does_not_exist(
        client, world):
    """A district's dashboard asking its report of a posyandu of another district (or a mistyped region) was
    answered "Data tidak ditemukan" and nothing else, the very answer of a mistyped address
    (``/reports/sdkn``): which of its parameters was refused it could not tell. Now the 404 names each
    one, in the same words for an area of another district and one that exists nowhere (nothing said of
    whether it exists)."""
    headers = world.headers("dinkes_gresik", "en")
    month = "month=2025-02"
    for url in ("/api/v1/reports/skdn", "/api/v1/reports/actions", "/api/v1/exports/fhir", "/api/v1/children"):
        query = "" if url == "/api/v1/children" else month + "&"
        bodies = [_problem(client.get(f"{url}?{query}posyandu_id={posyandu}", headers=headers), 404, "not_found")
                  for posyandu in (world.ids["p3"], uuid.uuid4())]
        assert bodies[0] == bodies[1] and bodies[0]["errors"] == {"posyandu_id": ["not found in your area"]}, bodies
    both = client.get(f"/api/v1/reports/skdn?{month}&region_code=35.26&posyandu_id={world.ids['p3']}",
                      headers=world.headers("dinkes_gresik", "id"))
    assert _problem(both, 404)["errors"] == {"region_code": ["tidak ditemukan di wilayah Anda"],
                                             "posyandu_id": ["tidak ditemukan di wilayah Anda"]}
    assert both.get_json()["detail"] == "Data tidak ditemukan", both.get_json()  # what the PWA shows, as before
    listed = client.get(f"/api/v1/posyandu?puskesmas_id={world.ids['pkm_b']}&desa_code=35.26.01.2001", headers=headers)
    assert set(_problem(listed, 404)["errors"]) == {"puskesmas_id", "desa_code"}
    assert "errors" not in _problem(client.get(f"/api/v1/reports/sdkn?{month}", headers=headers), 404)


def test_a_report_asked_for_a_posyandu_and_a_region_it_never_stood_in_is_refused_not_empty(client, world, make_child):
    """posyandu_id of Melati (Sumbergede) with region_code of Sooko answered 200 with no rows, every report,
    download and FHIR Bundle alike: read as a posyandu of no children. Now 422 on posyandu_id, saying
    so; a region it lies in, or stood in before a move (its earlier months are counted there), is answered."""
    make_child(name="Anak Melati")
    headers = world.headers("dinkes_gresik", "en")
    month = f"month={date.today():%Y-%m}"
    melati = world.ids["p1"]
    for url in ("/api/v1/reports/skdn", "/api/v1/reports/actions", "/api/v1/reports/coverage",
                "/api/v1/reports/actions/counts", "/api/v1/exports/fhir", "/api/v1/reports/workbook"):
        body = _problem(client.get(f"{url}?{month}&posyandu_id={melati}&region_code=35.25.01.2002", headers=headers), 422)
        assert list(body["errors"]) == ["posyandu_id"], (url, body)
        assert body["errors"]["posyandu_id"][0].startswith("this posyandu is not in the region asked for"), body
    indonesian = client.get(f"/api/v1/reports/skdn?{month}&posyandu_id={melati}&region_code=35.25.01.2002",
                            headers=world.headers("dinkes_gresik", "id"))
    assert _problem(indonesian, 422)["errors"]["posyandu_id"][0].startswith("posyandu ini tidak berada di wilayah")
    inside = client.get(f"/api/v1/reports/skdn?{month}&posyandu_id={melati}&region_code=35.25.01", headers=headers)
    assert inside.status_code == 200 and [r["S"] for r in inside.get_json()["rows"]] == [1], inside.get_json()
    # Melati moved to Sooko's desa today: this month it is in Sooko, and in Sumbergede, where the reports
    # count it, in the months before (the old desa with this month was an empty report, answered 200)
    moved = client.patch(f"/api/v1/posyandu/{melati}", json={"desa_code": "35.25.01.2002"}, headers=world.headers("admin"))
    assert moved.status_code == 200, moved.get_json()
    before = f"month={date.today().replace(day=1) - timedelta(days=1):%Y-%m}"
    spanning = f"from={date.today().replace(day=1) - timedelta(days=1):%Y-%m}&to={date.today():%Y-%m}"
    for query, code, status in ((month, "35.25.01.2002", 200), (month, "35.25.01.2001", 422),
                                (before, "35.25.01.2001", 200), (before, "35.25.01.2002", 422),
                                (spanning, "35.25.01.2001", 200), (spanning, "35.25.01.2002", 200)):
        resp = client.get(f"/api/v1/reports/skdn?{query}&posyandu_id={melati}&region_code={code}", headers=headers)
        assert resp.status_code == status, (query, code, resp.get_json())
        if status == 200:  # the posyandu's row where it stood, never an empty report
            assert [r["area_name"] for r in resp.get_json()["rows"]][-1:] == ["Melati"], (query, code, resp.get_json())
