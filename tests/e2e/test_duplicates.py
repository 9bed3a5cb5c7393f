"""A newborn registered twice (two phones, one baby), in real Chromium against the real server:
the server keeps both and flags the later one; the cadre's phone says "Mungkin sama dengan …";
a midwife sees the notice on her home screen, compares the pair on "Kemungkinan anak ganda",
merges it keeping the record she chooses (the other's weighings move to it, the other becomes
a tombstone ``merged_into`` the kept one), and keeps a pair of twins apart ("Bukan anak yang
sama", asked first as a merge is: it cannot be undone), offline first (refused with a clear message)
then online."""
from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import login, open_child, refused_weight, register_child, wait_synced

pytestmark = pytest.mark.e2e


def stored_child(server, child_id: str) -> dict:
    """The child's row as the server stores it (a merged tombstone is not served by the API)."""
    from posyandu.extensions import db
    from posyandu.registry.models import Child

    with server.app.app_context():
        child = db.session.get(Child, uuid.UUID(child_id))
        return {"merged_into": str(child.merged_into) if child.merged_into else None,
                "deleted": child.deleted_at is not None,
                "possible_duplicate_of": str(child.possible_duplicate_of) if child.possible_duplicate_of else None}


def live_weighings(server, child_id: str, user: str) -> list[dict]:
    items = server.api("GET", f"/children/{child_id}/measurements", user).get_json()["items"]
    return sorted((m for m in items if not m.get("deleted_at")), key=lambda m: m["measured_on"])


def sync_now(page, base: str) -> None:
    """A sync started now (not one under way, which may have pulled before the server changed)."""
    page.goto(base + "/#/sync")
    page.wait_for_function("() => !['pushing', 'pulling'].includes(document.getElementById('sync-chip').dataset.phase)")
    page.locator("#sync-now:not([disabled])").click()
    page.locator("#sync-now:not([disabled])").wait_for()  # drawn again once the sync is over
    wait_synced(page)


def register(server, user: str, **fields) -> dict:
    resp = server.api("POST", "/children", user, json=fields)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def test_a_baby_registered_on_two_phones_is_merged_by_the_midwife(live_server, new_context, shot):
    base = live_server.url
    born = (date.today() - timedelta(days=6)).isoformat()
    first_name, second_name = "Kenzo Adiputra", "Kenzo Adi Putra"

    # the first phone: a cadre registers the baby and weighs him
    kader_ctx = new_context()
    kader = kader_ctx.new_page()
    login(kader, base, "kader1")
    wait_synced(kader)
    first_id = register_child(kader, first_name, days_old=6, sex="Laki-laki", **{"Nama ibu": "Sri Wahyuni"})
    kader.get_by_role("link", name="Catat penimbangan").click()
    kader.get_by_label("Berat badan (kg)").fill("3,4")
    kader.get_by_role("button", name="Simpan").click()
    expect(kader.locator("#visit-result")).to_contain_text("Hasil penimbangan")
    wait_synced(kader)
    first = live_server.api("GET", f"/children/{first_id}", "kader1").get_json()

    # the second phone (the other cadre of the posyandu, as the API): the same baby, weighed a day earlier
    second = register(live_server, "kader1b", posyandu_id=first["posyandu_id"], name=second_name, sex="M",
                      birth_date=born, mother_name="Sri Wahyuni", nik="3525010101250001")
    assert second["possible_duplicate_of"] == first_id
    second_id = second["id"]
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    weighed = live_server.api("POST", f"/children/{second_id}/measurements", "kader1b",
                              json={"measured_on": yesterday, "weight_kg": 3.3})
    assert weighed.status_code == 201, weighed.get_json()

    # the cadre's phone, synced: the flagged child says so; the duplicates screen is not hers
    sync_now(kader, base)
    open_child(kader, second_name)
    expect(kader.locator("#dup-child")).to_have_text(f"Mungkin sama dengan {first_name} — bidan akan memeriksa.")
    expect(kader.locator("#dup-child a")).to_have_count(0)
    open_child(kader, first_name)
    expect(kader.locator("#dup-child")).to_contain_text(f"Mungkin sama dengan {second_name}")
    kader.goto(base + "/#/")
    expect(kader.locator("#dup-notice")).to_have_count(0)
    expect(kader.locator("#nav-duplicates")).to_be_hidden()  # the menu offers it only to who judges
    kader.goto(base + "/#/duplicates")
    expect(kader).to_have_url(base + "/#/")

    # the midwife: the notice on her home screen leads to the pair
    bidan_ctx = new_context()
    bidan = bidan_ctx.new_page()
    login(bidan, base, "bidan1")
    wait_synced(bidan)
    notice = bidan.locator("#dup-notice")
    expect(notice).to_contain_text(re.compile(r"^\d+ kemungkinan anak ganda perlu diperiksa$"))
    shot(bidan, "29-home-duplicates-notice", full_page=False)
    notice.get_by_role("link").click()
    bidan.get_by_role("heading", name="Kemungkinan anak ganda").wait_for()
    pair = bidan.locator(f".dup-pair[data-first='{first_id}'][data-second='{second_id}']")
    expect(pair).to_be_visible()
    rows = {key: pair.locator(f"tr[data-key={key}] td") for key in
            ("name", "sex", "mother_name", "dup_nik", "posyandu", "dup_weighings", "dup_doses")}
    expect(rows["name"]).to_have_text([first_name, second_name])
    expect(rows["sex"]).to_have_text(["Laki-laki", "Laki-laki"])
    expect(rows["mother_name"]).to_have_text(["Sri Wahyuni", "Sri Wahyuni"])
    expect(rows["dup_nik"]).to_have_text(["–", "3525 0101 0125 0001"])  # in fours, to compare (a run broke anywhere)
    expect(rows["posyandu"]).to_have_text(["Posyandu Melati", "Posyandu Melati"])
    expect(rows["dup_weighings"]).to_have_text(["1", "1"])
    expect(pair.get_by_label(f"Anak A: {first_name}")).to_be_checked()  # the one registered first, by default
    assert bidan.evaluate("() => document.documentElement.scrollWidth") <= 360, "no sideways scrolling at 360 px"
    shot(bidan, "30-duplicates-pair")

    # she keeps the second record (it has the NIK): asked first, in plain words
    pair.get_by_label(f"Anak B: {second_name}").check()
    pair.get_by_role("button", name="Gabungkan").click()
    expect(pair.locator(".dup-confirm")).to_have_text(re.compile(
        rf"^Data anak B \({second_name}\) disimpan\. 1 penimbangan dan 0 imunisasi/vitamin anak A \({first_name}\) "
        rf"dipindahkan ke anak B \({second_name}\), lalu data anak A \({first_name}\) dihapus\. Gabungkan\?"))
    expect(pair.locator(".dup-confirm")).not_to_contain_text("null")  # a missing line said "null"
    shot(bidan, "31-duplicates-confirm", full_page=False)
    pair.get_by_role("button", name="Ya, gabungkan").click()
    expect(bidan.locator("#dup-done")).to_contain_text(f"Sudah digabungkan: data {second_name} disimpan")
    expect(bidan.locator(f".dup-pair[data-second='{second_id}'], .dup-pair[data-first='{second_id}']")).to_have_count(0)

    # the server: the first is a tombstone merged into the second, which has both weighings and no flag
    assert stored_child(live_server, first_id) == {"merged_into": second_id, "deleted": True, "possible_duplicate_of": None}
    assert stored_child(live_server, second_id) == {"merged_into": None, "deleted": False, "possible_duplicate_of": None}
    assert [m["weight_kg"] for m in live_weighings(live_server, second_id, "bidan1")] == [3.3, 3.4]

    # the phones, synced: one child with both weighings, no notice
    bidan.goto(f"{base}/#/child/{second_id}")  # (her home lists one posyandu at a time)
    bidan.get_by_role("heading", name=second_name, exact=True).wait_for()
    expect(bidan.locator("#history tbody tr")).to_have_count(2)
    expect(bidan.locator("#dup-child")).to_have_count(0)
    sync_now(kader, base)
    kader.goto(base + "/#/")
    kader.get_by_label("Cari nama anak").fill("Kenzo")
    expect(kader.locator("#children a")).to_have_count(1)
    open_child(kader, second_name)
    expect(kader.locator("#dup-child")).to_have_count(0)
    expect(kader.locator("#history tbody tr")).to_have_count(2)


def test_twins_are_kept_apart_online_only(live_server, new_context, shot):
    base = live_server.url
    born = (date.today() - timedelta(days=20)).isoformat()
    posyandu_id = live_server.api("GET", "/posyandu", "kader1").get_json()["items"][0]["id"]
    elder = register(live_server, "kader1", posyandu_id=posyandu_id, name="Hasna Safira", sex="F", birth_date=born,
                     mother_name="Umi Kalsum")
    younger = register(live_server, "kader1", posyandu_id=posyandu_id, name="Hasni Safira", sex="F", birth_date=born,
                       mother_name="Umi Kalsum")
    assert younger["possible_duplicate_of"] == elder["id"]

    ctx = new_context()
    page = ctx.new_page()
    login(page, base, "bidan1")
    wait_synced(page)
    page.locator("#nav-duplicates").click()  # the menu leads to the screen too
    page.get_by_role("heading", name="Kemungkinan anak ganda").wait_for()
    expect(page.locator(f".dup-pair[data-first='{elder['id']}'][data-second='{younger['id']}']")).to_be_visible()
    page.goto(f"{base}/#/child/{younger['id']}")
    page.get_by_role("heading", name="Hasni Safira", exact=True).wait_for()
    note = page.locator("#dup-child")
    expect(note).to_contain_text("Mungkin sama dengan Hasna Safira.")
    note.get_by_role("link", name="Periksa kemungkinan anak ganda").click()
    pair = page.locator(f".dup-pair[data-first='{elder['id']}'][data-second='{younger['id']}']")
    expect(pair).to_be_visible()

    # offline: the screen is online only (js/online/duplicates.js), said plainly, no button to press
    ctx.set_offline(True)
    expect(page.locator("#duplicates-offline")).to_have_text("Perlu internet.")
    expect(page.get_by_role("heading", name="Kemungkinan anak ganda")).to_be_visible()
    expect(page.get_by_role("button", name="Gabungkan")).to_have_count(0)
    shot(page, "32-duplicates-offline", full_page=False)
    ctx.set_offline(False)
    expect(page.locator("#duplicates-offline")).to_have_count(0)
    expect(pair).to_be_visible()

    # it cannot be undone in the app (the pair is never flagged again): asked first, as a merge is
    apart = pair.get_by_role("button", name="Bukan anak yang sama")
    apart.click()
    expect(pair.locator(".dup-confirm p")).to_have_text(
        "Hasna Safira dan Hasni Safira dicatat sebagai anak yang berbeda, tanpa bisa dibatalkan. Lanjutkan?")
    expect(pair.get_by_role("button", name="Ya, anak yang berbeda")).to_be_focused()
    pair.get_by_role("button", name="Batal").click()
    expect(apart).to_be_focused()
    assert stored_child(live_server, younger["id"])["possible_duplicate_of"] == elder["id"]  # nothing sent
    apart.click()
    pair.get_by_label("Anak kembar").check()  # why, kept for whoever reads her history (the audit had no reason)
    pair.get_by_role("button", name="Ya, anak yang berbeda").click()
    expect(page.locator("#dup-done")).to_have_text("Dicatat: Hasna Safira dan Hasni Safira adalah anak yang berbeda.")
    history = live_server.api("GET", f"/children/{younger['id']}/history", "bidan1").get_json()["items"]
    assert [item["reason"] for item in history if item["action"] == "not_duplicate"] == ["Anak kembar"], history
    expect(page.locator(f".dup-pair[data-second='{younger['id']}']")).to_have_count(0)

    # the server: both stand, the flag cleared
    for child in (elder, younger):
        assert stored_child(live_server, child["id"]) == {"merged_into": None, "deleted": False, "possible_duplicate_of": None}
    page.goto(f"{base}/#/child/{younger['id']}")
    page.get_by_role("heading", name="Hasni Safira", exact=True).wait_for()
    expect(page.locator("#dup-child")).to_have_count(0)


def test_a_weighing_of_the_duplicate_still_unsent_when_the_merge_is_pulled_shows_under_the_child_kept(
        live_server, new_context):
    """A weighing of the duplicate the server refused (it waits on the phone, "perlu perhatian") when a
    midwife merges the pair: once the merge is pulled it is listed, and counted, under the child kept,
    not under a merged-away child kept on the phone for it; corrected, it reaches the server there."""
    base = live_server.url
    born = (date.today() - timedelta(days=40)).isoformat()
    kept_name, dup_name = "Laras Widya", "Laras Widia"
    posyandu_id = live_server.api("GET", "/posyandu", "kader1").get_json()["items"][0]["id"]
    kept = register(live_server, "kader1b", posyandu_id=posyandu_id, name=kept_name, sex="F", birth_date=born,
                    mother_name="Dewi Lestari")
    dup = register(live_server, "kader1b", posyandu_id=posyandu_id, name=dup_name, sex="F", birth_date=born,
                   mother_name="Dewi Lestari")

    ctx = new_context()
    page = ctx.new_page()
    login(page, base, "kader1")
    wait_synced(page)

    page.route("**/api/v1/sync/push", refused_weight)
    open_child(page, dup_name)
    page.get_by_role("link", name="Catat penimbangan").click()
    page.get_by_label("Berat badan (kg)").fill("4,6")
    page.get_by_role("button", name="Simpan").click()
    page.wait_for_function("() => document.getElementById('sync-chip').textContent === '1 perlu perhatian'")
    page.unroute("**/api/v1/sync/push", refused_weight)

    merged = live_server.api("POST", f"/children/{kept['id']}/merge", "bidan1", json={"duplicate_id": dup["id"]})
    assert merged.status_code == 200, merged.get_json()
    page.goto(base + "/#/sync")
    page.locator("#sync-now:not([disabled])").click()
    page.locator("#sync-now:not([disabled])").wait_for()  # drawn again once the sync is over
    page.goto(base + "/#/")
    page.get_by_label("Cari nama anak").fill("Laras")
    expect(page.locator("#children a")).to_have_count(1)
    open_child(page, kept_name)
    expect(page.locator("#history tbody tr")).to_have_count(1)  # the weighing waiting, under the child kept
    expect(page.locator("#history tbody tr td").nth(1)).to_contain_text("4,6")
    page.goto(f"{base}/#/child/{dup['id']}")
    expect(page.locator("#history tbody tr")).to_have_count(0)

    # the sync screen names it by the child kept, and its form corrects it there
    page.goto(base + "/#/sync")
    refused = page.locator("#attention li").first
    expect(refused).to_contain_text(f": {kept_name}")
    refused.get_by_role("link", name="Perbaiki").click()
    page.get_by_label("Berat badan (kg)").fill("4,7")
    page.get_by_role("button", name="Simpan").click()
    wait_synced(page)
    assert [m["weight_kg"] for m in live_weighings(live_server, kept["id"], "kader1")] == [4.7]


# Each word of the pair's row headers whose text lies on more than one line (a word cut in two).
CUT_WORDS = """(pair) => [...pair.querySelectorAll('tbody th')].flatMap((th) => {
  const text = th.firstChild; const out = [];
  for (const m of text.textContent.matchAll(/\\S+/g)) {
    const r = document.createRange(); r.setStart(text, m.index); r.setEnd(text, m.index + m[0].length);
    if (new Set([...r.getClientRects()].map((x) => Math.round(x.top))).size > 1) out.push(m[0]);
  }
  return out;
})"""


def test_the_compared_details_name_each_row_in_whole_words_at_360_px(live_server, new_context):
    """The row headers of a compared pair fit their column at 360 px in both languages: no word is
    cut in two ('Immunisation / s and vitamins' before)."""
    born = (date.today() - timedelta(days=30)).isoformat()
    posyandu_id = live_server.api("GET", "/posyandu", "kader4").get_json()["items"][0]["id"]
    first = register(live_server, "kader4", posyandu_id=posyandu_id, name="Laras Ayu", sex="F", birth_date=born,
                     mother_name="Siti Aminah")
    second = register(live_server, "kader4", posyandu_id=posyandu_id, name="Laras", sex="F", birth_date=born,
                      mother_name="Siti Aminah")
    assert second["possible_duplicate_of"] == first["id"]
    page = new_context().new_page()
    login(page, live_server.url, "bidan2")
    wait_synced(page)
    page.goto(live_server.url + "/#/duplicates")
    pair = page.locator(f".dup-pair[data-first='{first['id']}'][data-second='{second['id']}']")
    expect(pair).to_be_visible()
    assert pair.evaluate(CUT_WORDS) == []
    page.get_by_role("button", name="EN (English)").click()
    expect(pair.locator("tbody th").first).to_contain_text("Child's name")
    assert pair.evaluate(CUT_WORDS) == []


def test_the_screen_of_a_child_merged_away_says_so_and_leads_to_the_child_kept(live_server, new_context):
    """The cadre is on the screen of the baby she registered when her sync pulls the midwife's merge of
    it into the other cadre's record: the screen says it was merged and links to the child kept (it
    said 'Anak ini tidak ada di HP ini: dipindah, digabung atau dihapus?', as for a child she never had)."""
    base = live_server.url
    born = (date.today() - timedelta(days=3)).isoformat()
    posyandu_id = live_server.api("GET", "/posyandu", "kader1").get_json()["items"][0]["id"]
    kept = register(live_server, "kader1", posyandu_id=posyandu_id, name="Bayi Ny. Lestari", sex="M", birth_date=born,
                    mother_name="Lestari")
    page = new_context().new_page()
    login(page, base, "kader1b")
    wait_synced(page)
    mine = register_child(page, "Bayi Ny. Lestari", days_old=3, sex="Laki-laki", again=True, **{"Nama ibu": "Lestari"})
    wait_synced(page)
    merged = live_server.api("POST", f"/children/{kept['id']}/merge", "bidan1", json={"duplicate_id": mine})
    assert merged.status_code == 200, merged.get_json()

    page.evaluate("() => window.dispatchEvent(new Event('online'))")  # a sync runs while she is on the screen
    gone = page.locator("#child-gone")
    expect(gone).to_have_text("Anak ini terdaftar dua kali; datanya (juga perubahan Anda) sudah digabung ke Bayi Ny. Lestari.")
    gone.get_by_role("link", name="Bayi Ny. Lestari").click()
    page.get_by_role("heading", name="Bayi Ny. Lestari", exact=True).wait_for()
    expect(page).to_have_url(f"{base}/#/child/{kept['id']}")


def test_one_nik_registered_at_two_posyandu_is_shown_to_the_midwife_to_merge(live_server, new_context):
    """A child moved to another posyandu of the puskesmas and was registered there again, her NIK given at
    both: the server flags within a posyandu only, so she counted in S at both and no one was shown the
    pair. The midwife's "Anak ganda" pairs one NIK at two posyandu (said so, no "not the same child": one
    NIK is one person, a wrong one is corrected), and merges them as a flagged pair."""
    base = live_server.url
    nik = "3525014105250007"
    melati = live_server.api("GET", "/posyandu", "kader1").get_json()["items"][0]["id"]
    mawar = live_server.api("GET", "/posyandu", "kader2").get_json()["items"][0]["id"]
    born = (date.today() - timedelta(days=400)).isoformat()
    old = register(live_server, "kader1", posyandu_id=melati, name="Dinda Pindahan", sex="F", birth_date=born, nik=nik)
    new = register(live_server, "kader2", posyandu_id=mawar, name="Dinda Pindahan", sex="F", birth_date=born, nik=nik)
    assert new["possible_duplicate_of"] is None  # not flagged: another posyandu
    bidan = new_context().new_page()
    login(bidan, base, "bidan1")
    wait_synced(bidan)
    bidan.goto(base + "/#/duplicates")
    pair = bidan.locator(f".dup-pair[data-first='{old['id']}'][data-second='{new['id']}']")
    expect(pair.locator(".dup-same-nik")).to_contain_text("NIK sama di dua posyandu")
    expect(pair.get_by_role("button", name="Bukan anak yang sama")).to_have_count(0)
    pair.get_by_label("Anak B: Dinda Pindahan").check()  # kept where she is now
    pair.get_by_role("button", name="Gabungkan").click()
    pair.get_by_role("button", name="Ya, gabungkan").click()
    expect(bidan.locator("#dup-done")).to_contain_text("Sudah digabungkan: data Dinda Pindahan disimpan")
    assert stored_child(live_server, old["id"])["merged_into"] == new["id"]
    expect(bidan.locator(f".dup-pair[data-first='{old['id']}'], .dup-pair[data-second='{old['id']}']")).to_have_count(0)


def test_two_families_linked_to_a_pair_are_named_before_the_merge_goes_on(live_server, new_context):
    """Each registration with a parent account of its own: the server refuses the merge naming them
    (both families would see the one record); the midwife is asked whether they are one child's
    parents, and the merge goes on only when she says so."""
    from posyandu.demo import _demo_user
    from posyandu.extensions import db

    born = (date.today() - timedelta(days=40)).isoformat()
    posyandu_id = live_server.api("GET", "/posyandu", "kader1").get_json()["items"][0]["id"]
    first = register(live_server, "kader1", posyandu_id=posyandu_id, name="Alesha Putri", sex="F", birth_date=born)
    second = register(live_server, "kader1b", posyandu_id=posyandu_id, name="Alesha Putri", sex="F", birth_date=born)
    assert second["possible_duplicate_of"] == first["id"]
    with live_server.app.app_context():
        for username, name in (("ibu_alesha", "Ibu Rina"), ("ayah_alesha", "Bapak Joko")):
            _demo_user({"username": username, "name": name, "role": "parent"})  # DEMO_PASSWORD, as live_server.api logs in
        db.session.commit()
    for child, parent in ((first, "ibu_alesha"), (second, "ayah_alesha")):
        code = live_server.api("POST", f"/children/{child['id']}/invitations", "kader1").get_json()["code"]
        assert live_server.api("POST", "/auth/redeem", parent, json={"code": code}).status_code == 200

    page = new_context().new_page()
    login(page, live_server.url, "bidan1")
    wait_synced(page)
    page.goto(live_server.url + "/#/duplicates")
    pair = page.locator(f".dup-pair[data-first='{first['id']}'][data-second='{second['id']}']")
    pair.get_by_role("button", name="Gabungkan").click()
    pair.get_by_role("button", name="Ya, gabungkan").click()
    confirm = pair.locator(".dup-confirm p")
    expect(confirm).to_contain_text("tiap anak punya akun orang tua atau kode undangan yang tidak dimiliki anak lainnya")
    expect(confirm).to_contain_text("Alesha Putri: Ibu Rina; Alesha Putri: Bapak Joko")
    assert stored_child(live_server, second["id"])["merged_into"] is None  # nothing merged yet
    pair.get_by_role("button", name="Ya, orang tua anak yang sama").click()
    expect(page.locator("#dup-done")).to_contain_text("Sudah digabungkan: data Alesha Putri disimpan")
    assert stored_child(live_server, second["id"])["merged_into"] == first["id"]
    for parent in ("ibu_alesha", "ayah_alesha"):
        assert live_server.api("GET", f"/children/{first['id']}", parent).status_code == 200
