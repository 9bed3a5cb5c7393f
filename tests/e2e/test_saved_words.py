"""What the result of a weighing says of its sending, in real Chromium: online it is being sent (the
sync follows within about 2 s), then sent once nothing waits; offline it will be sent when there is a
connection. Before, it said "akan dikirim saat ada sinyal" online too."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import chip_text, login, refused_weight, wait_synced, weigh_first_child_refused

pytestmark = pytest.mark.e2e


def weigh_first_child(page, kg: str, button: str = "Simpan") -> None:
    page.goto(page.url.split("#")[0] + "#/")
    page.locator("#children a").first.click()
    page.locator("a[href^='#/visit/']").first.click()
    page.locator("input[name=weight_kg]").fill(kg)
    page.get_by_role("button", name=button).click()
    page.locator("#visit-result h2").wait_for()


def test_the_result_says_sending_online_then_sent_and_waiting_offline(live_server, new_context):
    ctx = new_context()
    page = ctx.new_page()
    login(page, live_server.url, "kader2")
    wait_synced(page)
    note = page.locator("#visit-result h2 + p")  # under the heading
    # the push held until the note is read: it reads "sent" once the server took it, which Background
    # Sync (the service worker wakes the app at once) may make quicker than a look
    held = []
    page.route("**/api/v1/sync/push", lambda route: held.append(route))

    def sent_once_let_through() -> None:
        for route in held:
            route.continue_()
        held.clear()
        page.unroute("**/api/v1/sync/push")

    weigh_first_child(page, "9,1")
    expect(note).to_have_text("Tersimpan di HP; sedang dikirim ke server.")
    sent_once_let_through()
    expect(note).to_have_text("Tersimpan dan terkirim ke server.")
    wait_synced(page)

    page.locator("#lang-btn").click()
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    page.route("**/api/v1/sync/push", lambda route: held.append(route))
    weigh_first_child(page, "9.2", "Save")
    expect(note).to_have_text("Saved on the phone; being sent to the server.")
    sent_once_let_through()
    expect(note).to_have_text("Saved and sent to the server.")
    wait_synced(page)

    ctx.set_offline(True)
    weigh_first_child(page, "9.3", "Save")
    expect(note).to_have_text("Saved on the phone; it will be sent when there is a connection.")
    page.wait_for_timeout(3000)  # the sync tried meanwhile, and failed
    expect(note).to_have_text("Saved on the phone; it will be sent when there is a connection.")


def test_an_older_refused_change_does_not_keep_a_new_save_at_sending(live_server, new_context):
    """The note follows this save's own changes: before, it read "sent" only once the whole outbox was
    empty, so a weighing refused earlier kept every later save at "sedang dikirim" for good."""
    page = new_context().new_page()
    login(page, live_server.url, "kader3")
    wait_synced(page)
    weigh_first_child_refused(page)  # stays on the phone, "1 perlu perhatian"

    weigh_first_child(page, "9,4")
    note = page.locator("#saved-note")
    expect(note).to_have_text("Tersimpan dan terkirim ke server.")
    assert chip_text(page) == "1 perlu perhatian"  # the older one still waits for her


def test_a_failing_sync_says_the_save_goes_when_the_connection_is_back(live_server, new_context):
    """Online, the server answering 503: the note no longer says "sedang dikirim" for good, but that
    it is on the phone and goes once the connection works; it does, and the note says so."""
    page = new_context().new_page()
    login(page, live_server.url, "kader4")
    wait_synced(page)
    page.route("**/api/v1/sync/push", lambda route: route.fulfill(
        status=503, content_type="application/problem+json", body='{"title": "Service Unavailable", "status": 503}'))
    weigh_first_child(page, "9,5")
    note = page.locator("#saved-note")
    expect(note).to_have_text("Tersimpan di HP; akan dikirim saat koneksi kembali.")
    page.unroute("**/api/v1/sync/push")  # the server is back: the retry sends it
    expect(note).to_have_text("Tersimpan dan terkirim ke server.", timeout=30000)


def test_a_save_the_server_refuses_points_to_the_sync_screen(live_server, new_context):
    page = new_context().new_page()
    login(page, live_server.url, "kader5")
    wait_synced(page)
    page.route("**/api/v1/sync/push", refused_weight)
    weigh_first_child(page, "9,6")
    note = page.locator("#saved-note")
    expect(note).to_have_text("Tersimpan di HP, tetapi server belum menerimanya: perlu perhatian. Sinkron data")
    note.get_by_role("link", name="Sinkron data").click()
    page.get_by_role("heading", name="Perlu perhatian").wait_for()


def test_a_sync_whose_login_expired_says_the_save_goes_once_she_logs_in_again(live_server, new_context):
    """The server refusing the token and its refresh (the login expired: the app asks for the password):
    the note said "sedang dikirim" for good; it says the save is on the phone and goes once she logs in."""
    page = new_context().new_page()
    login(page, live_server.url, "kader6")
    wait_synced(page)
    expired = dict(status=401, content_type="application/problem+json", body='{"title": "Unauthorized", "status": 401}')
    page.route("**/api/v1/sync/push", lambda route: route.fulfill(**expired))
    page.route("**/api/v1/auth/refresh", lambda route: route.fulfill(**expired))
    weigh_first_child(page, "9,7")
    note = page.locator("#saved-note")
    expect(note).to_have_text("Tersimpan di HP; akan dikirim setelah Anda masuk lagi.")
    page.wait_for_timeout(2500)  # the sync state stays: so does the note
    expect(note).to_have_text("Tersimpan di HP; akan dikirim setelah Anda masuk lagi.")


# a push refused whole, not for one change (the account's role or posyandu changed on the server)
FORBIDDEN = dict(status=403, content_type="application/problem+json",
                 body='{"title": "Forbidden", "status": 403, "detail": "Akun ini tidak boleh mengirim data."}')


def test_a_push_the_server_refuses_whole_does_not_say_it_goes_when_the_connection_is_back(live_server, new_context):
    """A 403 to the push: the note said "akan dikirim saat koneksi kembali", but the connection works and
    sending again will not help; it says the server refused it, where to look and whom to ask."""
    page = new_context().new_page()
    login(page, live_server.url, "kader3")
    wait_synced(page)
    page.route("**/api/v1/sync/push", lambda route: route.fulfill(**FORBIDDEN))
    weigh_first_child(page, "9,8")
    note = page.locator("#saved-note")
    expect(note).to_have_text("Tersimpan di HP, tetapi server menolak pengirimannya: buka Sinkron data, "
                              "atau hubungi bidan atau admin.")
    page.locator("#lang-btn").click()
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    weigh_first_child(page, "9.9", "Save")
    expect(note).to_have_text("Saved on the phone, but the server refused to take it: open Data sync, "
                              "or contact the midwife or the admin.")


@pytest.mark.parametrize("answer,words", [
    (dict(status=503, content_type="application/problem+json", body='{"title": "Service Unavailable", "status": 503}'),
     "Data dihapus di HP; akan dikirim saat koneksi kembali."),
    (FORBIDDEN, "Data dihapus di HP, tetapi server menolak pengirimannya: buka Sinkron data, atau hubungi bidan atau admin."),
    (dict(status=401, content_type="application/problem+json", body='{"title": "Unauthorized", "status": 401}'),
     "Data dihapus di HP; akan dikirim setelah Anda masuk lagi."),
])
def test_a_deletion_while_the_sync_fails_says_when_it_goes(live_server, new_context, answer, words):
    """A deletion's words follow the sync as a save's do: it said "sedang dikirim" while every push
    failed (the server down, or the login expired and the app asking for the password)."""
    page = new_context().new_page()
    login(page, live_server.url, "kader5")
    wait_synced(page)
    page.route("**/api/v1/sync/push", lambda route: route.fulfill(**answer))
    page.route("**/api/v1/auth/refresh", lambda route: route.fulfill(**answer))
    page.locator("#children a").first.click()
    child = page.url
    page.locator("a[href^='#/visit/']").first.click()
    page.locator("input[name=weight_kg]").fill("9,3")
    page.get_by_role("button", name="Simpan").click()  # its sync fails
    expect(page.locator("#saved-note")).not_to_have_text("Tersimpan di HP; sedang dikirim ke server.")
    page.goto(child)
    page.locator("#history tbody tr", has_text="9,3").get_by_role("link", name=re.compile("Ubah")).click()
    delete = page.locator("#delete-form")
    delete.get_by_label("Salah catat").check()
    delete.get_by_role("button", name="Hapus").click()
    expect(page.locator("#live")).to_have_text(words)


def test_a_weighing_saved_while_a_sync_downloads_is_sent_once_it_ends(live_server, new_context):
    """A save asks for a sync; one under way (here its pull, held) was joined, and it had pushed
    before the save: the weighing waited for the next sync (the 5-minute one, only while the app is
    shown) with its note saying "sedang dikirim". The sync now goes again once that one ends."""
    page = new_context().new_page()
    login(page, live_server.url, "kader6")
    wait_synced(page)
    page.locator("#children a").first.click()
    page.locator("a[href^='#/visit/']").first.click()
    page.locator("input[name=weight_kg]").fill("9,7")
    held, holding = [], [True]
    page.route("**/api/v1/sync/pull*", lambda route: held.append(route) if holding[0] else route.continue_())
    page.evaluate("() => window.dispatchEvent(new Event('online'))")  # a sync now, its pull held
    for _ in range(200):
        if held:
            break
        page.wait_for_timeout(50)
    assert held
    page.get_by_role("button", name="Simpan").click()
    note = page.locator("#saved-note")
    page.wait_for_timeout(3000)  # its sync asked for (2 s), joined the one held
    expect(note).to_have_text("Tersimpan di HP; sedang dikirim ke server.")
    holding[0] = False
    for route in held:
        route.continue_()
    expect(note).to_have_text("Tersimpan dan terkirim ke server.", timeout=15000)


# IndexedDB answering as a phone whose storage is full (the browser's QuotaExceededError), for the
# records' writes while window.__full is set: her save went in before; the push answer cannot
FULL = """const put = IDBObjectStore.prototype.put;
IDBObjectStore.prototype.put = function (...args) {
  if (window.__full && this.name === 'records') throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
  return put.apply(this, args);
};"""


def test_a_sync_the_phone_cannot_store_says_so_not_that_the_server_refused(live_server, new_context):
    """The phone's storage full when the push's answer comes: the note said "server menolak
    pengirimannya" (the app's own failure taken for a 4xx); it says the phone's storage failed, the
    sync screen too, and the weighing waits in the outbox, sent once there is room."""
    ctx = new_context()
    ctx.add_init_script(FULL)
    page = ctx.new_page()
    login(page, live_server.url, "kader1")
    wait_synced(page)
    held = []
    page.route("**/api/v1/sync/push", lambda route: held.append(route))
    weigh_first_child(page, "9,1")
    note = page.locator("#saved-note")
    expect(note).to_have_text("Tersimpan di HP; sedang dikirim ke server.")
    page.evaluate("() => { window.__full = true; }")
    for route in held:
        route.continue_()
    page.unroute("**/api/v1/sync/push")
    expect(note).to_have_text("Tersimpan di HP; belum terkirim: penyimpanan HP penuh atau gagal menyimpan di HP. "
                              "Buka Sinkron data.")
    expect(page.locator("#sync-chip")).to_have_text("1 belum terkirim")

    page.goto(page.url.split("#")[0] + "#/sync")
    expect(page.locator("#sync-error")).to_have_text(
        "Sinkron gagal (penyimpanan HP penuh atau gagal menyimpan di HP). Data tetap tersimpan di HP ini.")
    expect(page.locator("#queue li")).to_have_count(1)  # waiting, not refused: nothing lost
    page.locator("#lang-btn").click()
    expect(page.locator("#sync-error")).to_have_text(
        "Sync failed (the phone's storage is full or could not store the data). The data stays on this phone.")
    page.evaluate("() => { window.__full = false; }")  # room made
    page.get_by_role("button", name="Sync now").click()
    wait_synced(page)
    expect(page.locator("#sync-summary")).to_have_text("Everything has been sent.")


def test_the_result_stays_on_screen_in_the_other_language(live_server, new_context):
    """The language switched on a weighing's result: the result is drawn again in English, its sending
    note too. Before, the screen went to the child's (the address a saved form leaves), the result gone."""
    page = new_context().new_page()
    login(page, live_server.url, "kader1b")
    wait_synced(page)
    weigh_first_child(page, "9,2")
    expect(page.locator("#saved-note")).to_have_text("Tersimpan dan terkirim ke server.")
    status = page.locator("#visit-result").inner_text()
    page.locator("#lang-btn").click()
    expect(page.locator("#visit-result h2")).to_have_text(re.compile(r"^Result: "))
    expect(page.locator("#visit-result h2")).to_be_focused()
    expect(page.locator("#saved-note")).to_have_text("Saved and sent to the server.")
    assert "Weight-for-age" in page.locator("#visit-result").inner_text()
    page.locator("#lang-btn").click()
    expect(page.locator("#saved-note")).to_have_text("Tersimpan dan terkirim ke server.")
    assert page.locator("#visit-result").inner_text() == status
    page.go_back()  # as before: the child's screen, not the form again
    page.locator("#history").wait_for()
    assert page.locator("#visit-form").count() == 0
