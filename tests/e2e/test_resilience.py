"""Faults a phone meets in the field, in real Chromium: a push whose response is lost
after the server committed, logout with unsent data, a large first pull with progress,
storage that fails in the middle of a save, a slow save tapped twice, and the app's
installability (manifest, icons, service worker)."""
from __future__ import annotations

import json
import re
import time
from datetime import date, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import CHROMIUM
from tests.e2e.pages import (
    enter_pin, login, offline_phone, offline_with_new_child, register_child, sw_controls, sw_ready, wait_synced, waiting,
)

pytestmark = pytest.mark.e2e

RECORD_CHIP = """
new MutationObserver(() => {
  const chip = document.getElementById('sync-chip');
  if (chip) (window.__chip ??= []).push(chip.textContent);
}).observe(document, { subtree: true, childList: true, characterData: true });
"""


def test_a_lost_push_response_is_retried_with_the_same_ids_and_applied_once(live_server, new_context):
    ctx = new_context()
    ctx.add_init_script(RECORD_CHIP)
    page = ctx.new_page()
    login(page, live_server.url, "kader2")
    wait_synced(page)
    progress = page.evaluate("window.__chip")
    assert any(re.fullmatch(r"Mengunduh… \d+", text) for text in progress), progress

    bodies: list[str] = []

    def drop_first_response(route):
        bodies.append(route.request.post_data)
        response = route.fetch()          # the server commits the push ...
        if len(bodies) == 1:
            route.abort("connectionreset")  # ... and the phone never hears back
        else:
            route.fulfill(response=response)

    ctx.route("**/api/v1/sync/push", drop_first_response)
    register_child(page, "Bayu Putus Sinyal", days_old=400, sex="Laki-laki")
    wait_synced(page, timeout=60000)  # the backoff retry goes through
    assert len(bodies) >= 2 and bodies[0] == bodies[1], "the retry resends the same body and mutation ids"
    items = live_server.api("GET", "/children?q=Bayu Putus", "kader2").get_json()["items"]
    assert len(items) == 1 and items[0]["version"] == 1


def _fail_pushes_carrying(ctx, name: str) -> list[str]:
    """A server bug on one record: every push that carries ``name`` is answered 500 (the others reach
    the server). The failed pushes' bodies, as they come."""
    bodies: list[str] = []

    def fail_on_it(route):
        if name in (route.request.post_data or ""):
            bodies.append(route.request.post_data)
            route.fulfill(status=500, content_type="application/problem+json",
                          body='{"title": "Kesalahan server", "status": 500}')
        else:
            route.continue_()

    ctx.route("**/api/v1/sync/push", fail_on_it)
    return bodies


def test_a_change_the_server_fails_on_every_time_is_shown_kept_and_sent_again(live_server, new_context):
    # A server bug on one record (a 500 for any push that carries it): the change is found alone,
    # set aside so the others go (the server takes them: it is this change's trouble, not a server
    # refusing every write), and after a few tries alone shown as stuck, not refused and not
    # dropped; once the server is fixed, "Kirim lagi" sends it with the same mutation id.
    ctx = new_context()
    page = ctx.new_page()
    login(page, live_server.url, "kader4")
    wait_synced(page)
    bodies = _fail_pushes_carrying(ctx, "Eko Gagal Server")
    register_child(page, "Eko Gagal Server", days_old=400, sex="Laki-laki")
    register_child(page, "Fajar Sehat", days_old=300, sex="Laki-laki")
    page.goto(page.url.split("#")[0] + "#/sync")
    entry = page.locator("#attention li")
    expect(entry).to_contain_text("Data anak: Eko Gagal Server", timeout=90000)
    expect(entry).to_contain_text("Server gagal memproses data ini berkali-kali (bukan kesalahan Anda).")
    expect(page.locator("#sync-chip")).to_have_text("1 perlu perhatian")
    assert len(live_server.api("GET", "/children?q=Fajar Sehat", "kader4").get_json()["items"]) == 1, "the other went"
    alone = [b for b in bodies if len(json.loads(b)["mutations"]) == 1]
    # STUCK_AFTER tries alone once the server took the other child (one more if it was tried alone
    # before she registered him: the sync 2 s after a save)
    assert 3 <= len(alone) <= 4, bodies
    ctx.unroute("**/api/v1/sync/push")  # the server fixed
    entry.get_by_role("button", name="Kirim lagi").click()
    wait_synced(page)
    items = live_server.api("GET", "/children?q=Eko Gagal", "kader4").get_json()["items"]
    assert len(items) == 1 and items[0]["version"] == 1


def test_a_change_the_server_fails_on_is_counted_across_reloads(live_server, new_context):
    # Android kills the page in the background and the cadre opens the app again (PIN), after each
    # failing push: the search for the failing change and its count of tries go on from the user's
    # database, so it is still found, set aside, and shown stuck, instead of starting over each time.
    ctx = new_context()
    page = ctx.new_page()
    login(page, live_server.url, "kader5")
    wait_synced(page)
    bodies = _fail_pushes_carrying(ctx, "Gita Gagal Server")
    register_child(page, "Gita Gagal Server", days_old=400)
    register_child(page, "Hana Sehat", days_old=300)
    finished = ("() => ['error', 'done'].includes(document.getElementById('sync-chip')?.dataset.phase)")
    pages = 1
    for _ in range(10):
        page.wait_for_function(finished, timeout=30000)  # this page's sync is over (and kept)
        if page.locator("#sync-chip").inner_text() == "1 perlu perhatian":
            break
        page.reload()  # before its retry: each page gets one sync
        enter_pin(page)
        pages += 1
    expect(page.locator("#sync-chip")).to_have_text("1 perlu perhatian")
    assert pages >= 3, f"stuck only across pages ({pages}, {len(bodies)} failing pushes)"
    assert len(live_server.api("GET", "/children?q=Hana Sehat", "kader5").get_json()["items"]) == 1, "the other went"
    alone = [b for b in bodies if len(json.loads(b)["mutations"]) == 1]
    # at least STUCK_AFTER tries alone; at most one a sync: one a page, and the first page synced after
    # each of its two saves. (How many came before the server took Hana, or were cut off by a reload
    # before they were counted, is the timing's: a fixed upper bound of 4 failed now and then.)
    assert 3 <= len(alone) <= pages + 1, (pages, bodies)
    page.goto(page.url.split("#")[0] + "#/sync")
    expect(page.locator("#attention li")).to_contain_text("Data anak: Gita Gagal Server")
    expect(page.locator("#attention li").get_by_role("button", name="Kirim lagi")).to_be_visible()


RECORD_DURABILITY = """
const open = IDBDatabase.prototype.transaction;
IDBDatabase.prototype.transaction = function (names, mode, options) {
  const t = open.call(this, names, mode, options);
  (window.__tx ??= []).push({ stores: [].concat(names), mode: t.mode, durability: t.durability });
  return t;
};
"""


def test_a_saved_record_is_on_disk_before_the_app_says_saved(live_server, new_context):
    # Chrome's IndexedDB completes a transaction before flushing it to disk unless asked for
    # 'strict' (its default is 'relaxed' since Chrome 121): a battery dying just after "saved"
    # could lose a weighing. What the cadre enters is written strict; the sync's own writes,
    # which the server gives back, need not be.
    ctx = new_context()
    ctx.add_init_script(RECORD_DURABILITY)
    page = ctx.new_page()
    login(page, live_server.url, "kader2")
    wait_synced(page)
    ctx.set_offline(True)
    before = page.evaluate("window.__tx.length")
    register_child(page, "Dina Tersimpan", days_old=400, sex="Laki-laki")
    saves = [t for t in page.evaluate("window.__tx")[before:] if t["mode"] == "readwrite" and "outbox" in t["stores"]]
    assert saves and {t["durability"] for t in saves} == {"strict"}, saves
    pulls = [t for t in page.evaluate("window.__tx")[:before] if t["mode"] == "readwrite" and "records" in t["stores"]]
    assert pulls and {t["durability"] for t in pulls} <= {"default", "relaxed"}, pulls  # the browser's choice
    ctx.set_offline(False)
    wait_synced(page)


def test_logout_is_refused_while_changes_are_unsent(live_server, new_context, shot):
    ctx = new_context()
    page = ctx.new_page()
    login(page, live_server.url, "kader3")
    wait_synced(page)
    ctx.set_offline(True)
    register_child(page, "Citra Belum Terkirim", days_old=400, sex="Laki-laki")
    page.goto(page.url.split("#")[0] + "#/settings")
    page.get_by_role("button", name="Keluar").click()
    expect(page.locator("#logout-note")).to_have_text("Ada 1 data belum terkirim. Sinkron dulu sebelum keluar.")
    expect(page.locator("#storage")).to_be_visible()
    shot(page, "09-settings-logout-blocked", full_page=False)
    page.get_by_role("button", name="EN (English)").click()
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()
    expect(page.locator("#sync-chip")).to_have_text("Offline · 1")
    page.get_by_role("button", name="ID (Bahasa Indonesia)").click()
    page.goto(page.url.split("#")[0] + "#/sync")
    expect(page.locator("#queue li")).to_have_count(1)
    ctx.set_offline(False)
    wait_synced(page)


def test_the_app_is_installable(live_server, playwright, tmp_path):
    ctx = playwright.chromium.launch_persistent_context(str(tmp_path / "profile"), executable_path=CHROMIUM,
                                                         headless=True, service_workers="allow")
    try:
        page = ctx.new_page()
        page.goto(live_server.url + "/")
        sw_controls(page)
        cdp = ctx.new_cdp_session(page)
        # Chromium fetches the manifest and its icons on its own schedule; on a loaded machine the
        # first answer can predate them. Ask again for a while; errors that stay fail the test.
        deadline = time.monotonic() + 15
        while (errors := cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]) and time.monotonic() < deadline:
            page.wait_for_timeout(250)
        assert errors == []
        manifest = cdp.send("Page.getAppManifest")
        assert manifest["errors"] == []
    finally:
        ctx.close()


FAIL_SECOND_DOSE = """
window.__failPut = null;  // a number: how many more doses' outbox entries to store before the disk "fills up"
const put = IDBObjectStore.prototype.put;
IDBObjectStore.prototype.put = function (value, ...rest) {
  if (this.name === 'outbox' && value?.entity === 'immunisation' && window.__failPut !== null) {
    if (window.__failPut === 0) throw new DOMException('The disk is full.', 'QuotaExceededError');
    window.__failPut -= 1;
  }
  return put.call(this, value, ...rest);
};
"""


def test_a_save_the_phone_cannot_store_is_said_and_keeps_nothing_of_it(live_server, new_context):
    # The doses of one child's visit are saved together: when the phone cannot store the second
    # (its storage full), the first is not kept either, the cadre is told at once on the form
    # she filled in, and saving again stores each dose once.
    ctx, page, child_id = offline_with_new_child(new_context, live_server.url, "kader2", "Nina Memori Penuh", days_old=35,
                                                 init_script=FAIL_SECOND_DOSE)
    page.get_by_role("link", name="Catat imunisasi/vitamin diberikan").click()
    page.get_by_label(re.compile(r"^BCG \(")).check()
    page.get_by_label(re.compile(r"^OPV 1 \(")).check()
    page.get_by_label("Disalin dari Buku KIA / catatan lain").check()
    failed = page.locator("#save-failed")
    expect(failed).to_be_hidden()

    page.evaluate("window.__failPut = 1")  # the first dose's entry is written, the second's fails
    page.get_by_role("button", name="Simpan").click()
    expect(failed).to_be_visible()
    expect(failed).to_have_text(re.compile(r"^Belum tersimpan: HP ini tidak dapat menyimpan data \(QuotaExceededError\)\."))
    expect(page.locator("#doses-form")).to_be_visible()  # still on the form, as filled in
    expect(page.get_by_label(re.compile(r"^BCG \("))).to_be_checked()
    assert page.evaluate("window.__failPut") == 0, "the first dose was written before the second failed"

    page.evaluate("window.__failPut = null")  # space freed: saving again works
    page.get_by_role("button", name="Simpan").click()
    page.get_by_role("heading", name="Nina Memori Penuh", exact=True).wait_for()
    expect(failed).to_be_hidden()
    ctx.set_offline(False)
    wait_synced(page)
    doses = live_server.api("GET", f"/children/{child_id}/immunisations", "kader2").get_json()["items"]
    assert sorted((d["vaccine"], d["dose"]) for d in doses) == [("BCG", 1), ("OPV", 1)], \
        "each dose once: nothing of the failed save was kept"


SLOW_SAVES = """
window.__slowSave = 0;  // ms more a save takes to complete (a cheap phone flushing a strict write)
const open = IDBDatabase.prototype.transaction;
IDBDatabase.prototype.transaction = function (names, mode, options) {
  const t = open.call(this, names, mode, options);
  const delay = window.__slowSave;
  if (mode === 'readwrite' && options?.durability === 'strict' && delay) {
    Object.defineProperty(t, 'oncomplete', { configurable: true, set(fn) {
      t.addEventListener('complete', (e) => setTimeout(() => fn.call(t, e), delay));
    } });
  }
  return t;
};
"""


def test_save_tapped_twice_while_the_phone_is_slow_to_store_saves_once(live_server, new_context):
    # Saving waits for the phone's storage to flush the write, a second or more on a cheap phone.
    # The cadre taps Simpan again: one child, one weighing and one dose are saved all the same,
    # and the button says it is busy (disabled) meanwhile.
    ctx, page = offline_phone(new_context, live_server.url, "kader5", init_script=SLOW_SAVES)
    page.evaluate("window.__slowSave = 1500")
    name = "Tono Dua Ketuk"

    page.goto(live_server.url + "/#/register")
    page.get_by_role("heading", name="Daftarkan anak baru").wait_for()  # not home's "Cari nama anak"
    page.get_by_label("Nama anak").fill(name)
    page.get_by_label("Laki-laki").check()
    page.get_by_label("Tanggal lahir").fill((date.today() - timedelta(days=40)).isoformat())
    save = page.get_by_role("button", name="Simpan")
    save.dblclick()
    expect(save).to_be_disabled()
    page.get_by_role("heading", name=name, exact=True).wait_for()
    child_id = page.evaluate("() => location.hash").split("/")[-1]

    page.get_by_role("link", name="Catat penimbangan").click()
    page.get_by_label("Berat badan (kg)").fill("4,6")
    page.get_by_role("button", name="Simpan").dblclick()
    expect(page.locator("#visit-result h2")).to_be_visible()

    page.get_by_role("link", name="Catat imunisasi/vitamin diberikan").click()
    page.get_by_label(re.compile(r"^BCG \(")).check()
    page.get_by_label("Disalin dari Buku KIA / catatan lain").check()
    page.get_by_role("button", name="Simpan").dblclick()
    page.get_by_role("heading", name=name, exact=True).wait_for()
    expect(page.locator("#sync-chip")).to_have_text(waiting(3))

    ctx.set_offline(False)
    wait_synced(page)
    children = live_server.api("GET", f"/children?q={name}", "kader5").get_json()["items"]
    assert [c["id"] for c in children] == [child_id]
    weighings = live_server.api("GET", f"/children/{child_id}/measurements", "kader5").get_json()["items"]
    assert [m["weight_kg"] for m in weighings] == [4.6]
    doses = live_server.api("GET", f"/children/{child_id}/immunisations", "kader5").get_json()["items"]
    assert [(d["vaccine"], d["dose"]) for d in doses] == [("BCG", 1)]


def test_a_phone_whose_clock_went_back_behind_its_last_sync_is_warned_offline(live_server, new_context):
    """A cadre's phone loses its date when the battery is taken out (CHT #1658): offline, no server
    tells it so. Its date now before its last sync shows the clock banner, so weighings are not
    dated wrong unawares; the clock set right, it goes."""
    ctx, page = offline_phone(new_context, live_server.url, "kader6")
    banner = page.locator("#clock-banner")
    expect(banner).to_be_hidden()
    page.clock.set_system_time(datetime.now() - timedelta(days=40))
    page.reload()
    enter_pin(page)
    expect(banner).to_be_visible()
    expect(banner).to_have_text("Tanggal/jam HP tidak sesuai. Periksa pengaturan tanggal.")
    page.clock.set_system_time(datetime.now())
    page.reload()
    enter_pin(page)
    expect(page.locator("#nav")).to_be_visible()
    expect(banner).to_be_hidden()


def test_a_weighing_saved_while_the_clock_is_wrong_asks_her_to_check_its_date_first(live_server, new_context):
    """The banner alone did not stop a weighing dated by a clock 40 days slow: saved at once, it went to
    last month's report beside that month's own weighing. The first "Simpan" now asks her to check the
    form's dates; the second saves what she checked."""
    ctx, page = offline_phone(new_context, live_server.url, "kader6")
    page.clock.set_system_time(datetime.now() - timedelta(days=40))
    page.reload()
    enter_pin(page)
    expect(page.locator("#clock-banner")).to_be_visible()
    page.locator("#children a").first.click()
    page.get_by_role("link", name="Catat penimbangan").click()
    page.get_by_label("Berat badan (kg)").fill("9,4")
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("form .form-error")).to_have_text(
        "Tanggal/jam HP salah: betulkan di pengaturan HP, atau periksa tanggal isian ini lalu tekan Simpan lagi.")
    expect(page.locator("#sync-chip")).not_to_contain_text("1")
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#sync-chip")).to_contain_text("1")


def test_a_phone_the_server_found_a_year_ahead_is_still_warned_offline_after_a_reload(live_server, new_context):
    """A phone whose date was set a year ahead: online, the server's Date shows it. Reopened offline
    at the posyandu (no server to ask), the banner must stay, or every weighing of the day is dated a
    year ahead unawares (the server refuses them all later: "tidak boleh setelah hari ini"). Set right,
    it goes, offline too."""
    ctx = new_context()
    page = ctx.new_page()
    page.clock.set_system_time(datetime.now() + timedelta(days=365))
    login(page, live_server.url, "kader6")
    wait_synced(page)
    banner = page.locator("#clock-banner")
    expect(banner).to_be_visible()
    sw_ready(page)
    ctx.set_offline(True)
    page.reload()
    enter_pin(page)
    expect(page.locator("#nav")).to_be_visible()
    expect(banner).to_be_visible()
    page.clock.set_system_time(datetime.now())
    page.reload()
    enter_pin(page)
    expect(page.locator("#nav")).to_be_visible()
    expect(banner).to_be_hidden()


def test_a_change_saved_in_one_tab_is_counted_at_once_in_the_other(live_server, new_context):
    """Two tabs of one login: a child registered offline in one is counted on the other's chip at
    once, not at that tab's next sync minutes later; once sent, both say so."""
    ctx = new_context()
    first = ctx.new_page()
    login(first, live_server.url, "kader4")
    wait_synced(first)
    second = ctx.new_page()
    second.goto(live_server.url)
    enter_pin(second)
    wait_synced(second)
    ctx.set_offline(True)
    expect(second.locator("#sync-chip")).to_have_text("Tanpa sinyal")
    child_id = register_child(first, "Dewi Dua Tab", days_old=90)
    expect(second.locator("#sync-chip")).to_have_text("Tanpa sinyal · 1", timeout=3000)
    ctx.set_offline(False)
    for page in (first, second):
        wait_synced(page)
    assert live_server.api("GET", f"/children/{child_id}", "kader4").status_code == 200


FAILING_READS = """
window.__failReads = false;  // the phone's storage failing to read (a broken IndexedDB): every screen's read throws
const open = IDBDatabase.prototype.transaction;
IDBDatabase.prototype.transaction = function (names, mode, options) {
  if (window.__failReads) throw new DOMException('The database connection is closing.', 'InvalidStateError');
  return open.call(this, names, mode, options);
};
"""


def test_a_screen_that_fails_to_open_says_so_in_her_words_with_a_way_on(live_server, new_context):
    # A screen that throws (here: the phone's storage failing to read) showed only the exception's
    # text ("The database connection is closing."), in English, with no way on but the menu.
    ctx, page = offline_phone(new_context, live_server.url, "kader2", FAILING_READS)
    page.evaluate("window.__failReads = true")
    page.evaluate("location.hash = '#/sync'")
    failed = page.locator("#screen-failed")
    expect(failed).to_contain_text("Halaman ini gagal dibuka. Data di HP ini aman.")
    expect(failed).to_contain_text("The database connection is closing.")  # for the admin, under her words
    expect(failed.get_by_role("link", name="Beranda")).to_be_visible()
    page.evaluate("window.__failReads = false")
    failed.get_by_role("button", name="Coba lagi").click()
    expect(page.get_by_role("heading", name="Sinkron data")).to_be_visible()
    expect(failed).to_have_count(0)


def test_records_lost_with_the_storage_the_browser_deleted_are_counted_to_the_kader(live_server, new_context):
    """Chrome deletes a site's IndexedDB when the phone runs short of space (or its settings clear it). Two
    weighings waited unsent: the open app said "2 belum terkirim", its next screen "Data di HP ini aman",
    and after a reload a bare login, nothing said of the two records she must enter again."""
    ctx, page, _ = offline_with_new_child(new_context, live_server.url, "kader4", "Anak Penyimpanan Hilang", days_old=300)
    expect(page.locator("#sync-chip")).to_have_text(re.compile("1"))
    cdp = ctx.new_cdp_session(page)
    cdp.send("Storage.clearDataForOrigin", {"origin": live_server.url, "storageTypes": "indexeddb"})
    notice = page.get_by_role("alert").filter(has_text="dihapus oleh browser")
    expect(notice).to_have_text("Data aplikasi di HP ini dihapus oleh browser: 1 data yang belum terkirim ikut hilang. "
                                "Catat ulang dari buku register.")
    expect(page.get_by_label("Nama pengguna")).to_be_visible()
    page.reload()  # said once
    page.get_by_label("Nama pengguna").wait_for()
    expect(page.get_by_role("alert").filter(has_text="dihapus oleh browser")).to_have_count(0)


def test_storage_deleted_while_the_app_waits_at_its_pin_screen_is_said_at_once(live_server, new_context):
    """Deleted while the phone sat locked (its usual state on a shared phone): the PIN screen still said
    the record would be sent, and each PIN answered "free some memory" (InvalidStateError), locked."""
    ctx, page, _ = offline_with_new_child(new_context, live_server.url, "kader5", "Anak Terkunci Hilang", days_old=250)
    page.reload()
    page.get_by_role("heading", name="Masukkan PIN").wait_for()
    expect(page.locator("#pin-unsent")).to_be_visible()
    cdp = ctx.new_cdp_session(page)
    cdp.send("Storage.clearDataForOrigin", {"origin": live_server.url, "storageTypes": "indexeddb"})
    expect(page.get_by_role("alert").filter(has_text="dihapus oleh browser")).to_contain_text(
        "1 data yang belum terkirim ikut hilang")
    expect(page.get_by_label("Nama pengguna")).to_be_visible()
