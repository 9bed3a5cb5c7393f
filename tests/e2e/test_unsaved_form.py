"""A half-filled form is not lost unasked, in real Chromium against the real server: Back (or a
link) off a form she has typed into asks "Isian belum disimpan. Tinggalkan halaman ini?" first;
"Tetap di sini" (focused) keeps the address, the values and her place in the form, "Tinggalkan"
goes on. A saved or untouched form is left without a question; a sync finishing while she types
never redraws her form away; a reload asks through the browser's own dialog."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import enter_pin, fill_login, login, register_child, wait_synced

pytestmark = pytest.mark.e2e
QUESTION = "Isian belum disimpan. Tinggalkan halaman ini?"


def weigh(page, name: str) -> str:
    """A new child and its weighing form, as the kader opens it; the child's address."""
    child_id = register_child(page, name, days_old=300)
    page.get_by_role("link", name="Catat penimbangan").first.click()
    page.get_by_label("Berat badan (kg)").wait_for()
    return f"#/child/{child_id}"


def typed_weighing(live_server, new_context, name: str):
    """kader3's phone on a new child's weighing form with a weight typed, unsaved: (page, the
    child's address, the form's address)."""
    page = new_context().new_page()
    login(page, live_server.url, "kader3")
    wait_synced(page)
    child = weigh(page, name)
    form_hash = page.evaluate("() => location.hash")
    page.get_by_label("Berat badan (kg)").fill("8,4")
    return page, child, form_hash


def test_back_from_a_typed_weighing_asks_first(live_server, new_context):
    page, child, form_hash = typed_weighing(live_server, new_context, "Rini Belum Disimpan")
    page.get_by_label("Panjang/tinggi badan (cm)").fill("71,5")

    page.go_back()
    question = page.get_by_role("alertdialog", name=QUESTION)
    expect(question).to_be_visible()
    expect(page.get_by_role("button", name="Tetap di sini")).to_be_focused()
    assert page.evaluate("() => location.hash") == form_hash  # the address of the form again
    page.get_by_role("button", name="Tetap di sini").click()
    expect(question).to_have_count(0)
    expect(page.get_by_label("Berat badan (kg)")).to_have_value("8,4")
    expect(page.get_by_label("Panjang/tinggi badan (cm)")).to_have_value("71,5")
    expect(page.get_by_label("Panjang/tinggi badan (cm)")).to_be_focused()  # where she was typing
    assert page.evaluate("() => location.hash") == form_hash

    page.go_back()  # asked again
    expect(question).to_be_visible()
    page.get_by_role("button", name="Tinggalkan").click()
    page.get_by_role("heading", name="Rini Belum Disimpan", exact=True).wait_for()
    assert page.evaluate("() => location.hash") == child

    # a link (the menu) off a typed form asks too; an untouched one is left unasked
    page.get_by_role("link", name="Catat penimbangan").first.click()
    page.get_by_label("Berat badan (kg)").fill("8,4")
    page.locator("#nav").get_by_role("link", name="Sinkron data").click()
    expect(question).to_be_visible()
    page.get_by_role("button", name="Tinggalkan").click()
    page.get_by_role("heading", name="Sinkron data").wait_for()
    page.go_back()
    page.get_by_label("Berat badan (kg)").wait_for()
    expect(page.get_by_label("Berat badan (kg)")).to_have_value("")
    page.go_back()
    page.get_by_role("heading", name="Rini Belum Disimpan", exact=True).wait_for()
    expect(question).to_have_count(0)


def test_staying_after_a_link_leaves_back_where_it_was(live_server, new_context):
    """"Tetap di sini" after a link (the menu) left the link's screen in the history: Back from the
    form then went to "Sinkron data", where she had decided not to go, not to the child's screen."""
    page, child, form_hash = typed_weighing(live_server, new_context, "Rina Tetap Di Sini")
    page.locator("#nav").get_by_role("link", name="Sinkron data").click()
    question = page.get_by_role("alertdialog", name=QUESTION)
    expect(question).to_be_visible()
    assert page.evaluate("() => location.hash") == form_hash
    page.get_by_role("button", name="Tetap di sini").click()
    expect(question).to_have_count(0)
    expect(page.get_by_label("Berat badan (kg)")).to_have_value("8,4")
    page.go_back()
    expect(question).to_be_visible()
    page.get_by_role("button", name="Tinggalkan").click()
    page.get_by_role("heading", name="Rina Tetap Di Sini", exact=True).wait_for()
    assert page.evaluate("() => location.hash") == child


def test_a_saved_form_is_left_unasked(live_server, new_context):
    page = new_context().new_page()
    login(page, live_server.url, "kader3")
    wait_synced(page)
    weigh(page, "Sari Sudah Disimpan")
    page.get_by_label("Berat badan (kg)").fill("8,2")
    page.get_by_role("button", name="Simpan").click()
    page.locator("#visit-result h2").wait_for()
    page.go_back()
    page.get_by_role("heading", name="Sari Sudah Disimpan", exact=True).wait_for()
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    # the registration, saved, went on to the child (register_child) unasked, in the form's place:
    # Back from the child leaves it (test_back_place), unasked too
    page.go_back()
    page.get_by_role("heading", name="Hari posyandu").wait_for()
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    page.go_forward()
    page.get_by_role("link", name="Catat penimbangan").first.click()
    page.get_by_label("Berat badan (kg)").fill("8,6")  # typed, not saved: asked
    page.go_back()
    expect(page.get_by_role("alertdialog", name=QUESTION)).to_be_visible()


def test_a_sync_finishing_while_she_types_keeps_her_values(live_server, new_context):
    """The parent's home is redrawn after each sync: her half-typed invitation code stays, though she
    tapped away from the field (no longer typing in it)."""
    page = new_context().new_page()
    login(page, live_server.url, "orangtua")
    wait_synced(page)
    page.get_by_label("Kode undangan").fill("ABCD-1234")
    page.get_by_role("heading", name="Tambah anak dengan kode dari kader atau bidan").click()  # the field left
    page.evaluate("() => { document.getElementById('sync-chip').dataset.phase = 'before';"
                  " window.dispatchEvent(new Event('online')); }")
    wait_synced(page)
    page.wait_for_timeout(300)
    expect(page.get_by_label("Kode undangan")).to_have_value("ABCD-1234")


def test_a_reload_of_a_typed_form_asks_through_the_browser(live_server, new_context):
    page = new_context().new_page()
    login(page, live_server.url, "kader3")
    wait_synced(page)
    weigh(page, "Tuti Muat Ulang")
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.type), d.dismiss()))
    page.get_by_label("Berat badan (kg)").fill("8,3")
    page.evaluate("() => { location.reload(); }")
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    expect(page.get_by_label("Berat badan (kg)")).to_have_value("8,3")  # she stayed


def test_a_question_left_open_goes_once_the_form_is_saved(live_server, new_context):
    """Asked on her way off, she finished the form and saved it instead: "Tersimpan…" showed with the
    question still below it, in Indonesian after a switch to English, saying the opposite."""
    page, _, form_hash = typed_weighing(live_server, new_context, "Sari Tanya Tertinggal")
    page.get_by_role("link", name="Beranda").click()
    question = page.get_by_role("alertdialog", name=QUESTION)
    expect(question).to_be_visible()
    page.get_by_label("Panjang/tinggi badan (cm)").fill("72")
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#visit-result")).to_be_visible()
    expect(question).to_have_count(0)
    assert page.evaluate("() => location.hash") == form_hash


def test_a_typed_form_comes_back_after_the_tab_was_reloaded_behind_her_back(live_server, new_context):
    """Android kills a tab left in the background (a call, WhatsApp) and loads it again when she comes
    back: the app asked for her PIN and drew the weighing form empty, the weight she had typed lost.
    Kept in the tab's sessionStorage when it went out of sight, it is put back once she is in again,
    and said; saved, it is one weighing."""
    page, child, form_hash = typed_weighing(live_server, new_context, "Wati Tab Ditutup")
    page.get_by_label("Panjang/tinggi badan (cm)").fill("71,5")
    page.on("dialog", lambda d: d.accept())  # the browser's "leave?" (a killed tab never asks)
    page.reload()
    enter_pin(page)
    assert page.evaluate("() => location.hash") == form_hash
    expect(page.locator("#draft-back")).to_have_text("Isian yang belum disimpan dikembalikan: periksa, lalu simpan.")
    expect(page.get_by_label("Berat badan (kg)")).to_have_value("8,4")
    expect(page.get_by_label("Panjang/tinggi badan (cm)")).to_have_value("71,5")
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#visit-result")).to_be_visible()
    page.goto(live_server.url + "/" + child)
    expect(page.locator("#history tbody tr")).to_have_count(1)
    expect(page.locator("#history tbody tr")).to_contain_text("8,4")


def test_a_typed_form_is_not_put_back_for_another_user_of_the_phone(live_server, new_context):
    """A shared phone: the form the first kader typed is not left in the tab for the next user who logs in
    on it."""
    page, _, form_hash = typed_weighing(live_server, new_context, "Wulan Bukan Milikmu")
    page.on("dialog", lambda d: d.accept())
    page.reload()
    page.get_by_role("heading", name="Masukkan PIN").wait_for()
    assert page.evaluate("() => JSON.parse(sessionStorage.getItem('draft')).hash") == form_hash
    page.get_by_role("button", name="Masuk dengan akun lain").click()
    fill_login(page, "kader4")
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#nav")).to_be_visible()
    expect(page.locator("#draft-back")).to_have_count(0)
    assert page.evaluate("() => sessionStorage.getItem('draft')") is None


def test_a_form_saved_after_the_tab_hid_is_not_given_back_by_a_later_reload(live_server, new_context):
    """She typed, the tab went out of sight (its form kept), she came back and saved it, and the tab was
    then loaded again before it hid once more: the saved weighing's form was given back, filled, to be
    saved a second time."""
    page, child, form_hash = typed_weighing(live_server, new_context, "Yuni Sudah Disimpan")
    # out of sight and back (headless Chromium never hides a tab: the browser's event, as Android sends it)
    page.evaluate("""() => {
        Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
        document.dispatchEvent(new Event('visibilitychange'));
        delete document.visibilityState;
    }""")
    assert page.evaluate("() => JSON.parse(sessionStorage.getItem('draft')).hash") == form_hash
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#visit-result")).to_be_visible()
    assert page.evaluate("() => sessionStorage.getItem('draft')") is None
    page.goto(live_server.url + "/" + form_hash)  # the form again, as an old tab would show it
    page.reload()
    enter_pin(page)
    expect(page.get_by_label("Berat badan (kg)")).to_have_value("")
    expect(page.locator("#draft-back")).to_have_count(0)


def test_a_form_given_back_keeps_what_was_corrected_meanwhile_in_the_fields_she_left(live_server, new_context):
    """She was adding a phone number to a child's record when a sync pulled the bidan's correction of the
    mother's name (her form, typed into, not redrawn). The tab killed and loaded again, the form was given
    back whole: the old mother's name over the corrected one, sent back on "Simpan" as her change. Only
    what she typed is given back; the fields she left show the record as it is now."""
    page = new_context().new_page()
    login(page, live_server.url, "kader3")
    wait_synced(page)
    child = register_child(page, "Zahra Dikoreksi", days_old=300, **{"Nama ibu": "Siti Aminh"})
    wait_synced(page)
    page.goto(live_server.url + f"/#/edit/{child}")
    page.get_by_label("No. HP orang tua").fill("081234567890")
    corrected = live_server.api("PATCH", f"/children/{child}", "admin", json={"mother_name": "Siti Aminah"})
    assert corrected.status_code == 200, corrected.get_json()
    page.evaluate("() => { document.getElementById('sync-chip').dataset.phase = 'before';"
                  " window.dispatchEvent(new Event('online')); }")
    wait_synced(page)
    expect(page.get_by_label("Nama ibu")).to_have_value("Siti Aminh")  # her form, not redrawn under her
    page.on("dialog", lambda d: d.accept())
    page.reload()
    enter_pin(page)
    expect(page.locator("#draft-back")).to_be_visible()
    expect(page.get_by_label("No. HP orang tua")).to_have_value("081234567890")
    expect(page.get_by_label("Nama ibu")).to_have_value("Siti Aminah")
    page.get_by_role("button", name="Simpan").click()
    page.get_by_role("heading", name="Zahra Dikoreksi", exact=True).wait_for()
    wait_synced(page)
    stored = live_server.api("GET", f"/children/{child}", "admin").get_json()
    assert (stored["mother_name"], stored["guardian_phone"]) == ("Siti Aminah", "081234567890"), stored


def test_a_session_refused_mid_form_logs_in_from_the_chip_and_gives_the_form_back(live_server, new_context):
    """Her session refused (the server answers 401 token_revoked) while she types: "Perlu masuk lagi" led only to
    the sync screen, asking first to leave the form ("Tinggalkan" dropped it), so a login that expired mid-form
    never gave it back as promised. The chip logs her in at once, and the form comes back after it."""
    import json

    page, _, form_hash = typed_weighing(live_server, new_context, "Wati Sesi Habis")
    refused = json.dumps({"type": "https://posyandu.example/problems/token_revoked", "title": "Sesi berakhir",
                          "status": 401, "detail": "Sesi berakhir"})
    for pattern in ("**/api/v1/sync/**", "**/api/v1/auth/refresh"):
        page.route(pattern, lambda route: route.fulfill(status=401, content_type="application/problem+json", body=refused))
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    page.wait_for_function("() => document.getElementById('sync-chip').dataset.phase === 'login_required'", timeout=60000)
    page.unroute_all()
    page.locator("#sync-chip").click()
    expect(page.get_by_label("Nama pengguna")).to_have_value("kader3")
    expect(page.locator(".leave")).to_have_count(0)   # not asked to leave the form: it is kept
    fill_login(page, "kader3")
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#draft-back")).to_have_text("Isian yang belum disimpan dikembalikan: periksa, lalu simpan.")
    assert page.evaluate("() => location.hash") == form_hash
    expect(page.get_by_label("Berat badan (kg)")).to_have_value("8,4")
