"""A first download cut short (a cadre logs in at the puskesmas and walks out of signal): the phone
held part of the posyandu's children and of their histories and said nothing of it (the chip "Tanpa
sinyal", the sync screen "Semua data sudah terkirim"), so a child not downloaded yet was registered
again and doses given were shown overdue. A banner says so on every screen until a whole sync has
finished, and stays away after a reload once it has; a parent is not told she has no children meanwhile."""
from playwright.sync_api import expect

from tests.e2e.pages import enter_pin, login, wait_synced

PULL = "**/api/v1/sync/pull*"


def test_an_unfinished_first_download_is_said_until_a_sync_completes(live_server, new_context):
    page = new_context().new_page()
    page.route(PULL, lambda route: route.abort())  # the signal gone after the login
    login(page, live_server.url, "kader1")
    banner = page.locator("#first-sync")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("unduhan data belum selesai")
    # not "Belum ada anak. Sinkron dulu atau daftarkan anak baru.": her children are there, not downloaded
    expect(page.locator("#children")).to_have_text("Anak posyandu ini belum terunduh ke HP ini.")
    page.goto(live_server.url + "/#/sync")
    expect(banner).to_be_visible()
    page.click("#lang-btn")
    expect(banner).to_contain_text("the download has not finished")
    page.click("#lang-btn")

    page.unroute(PULL)
    page.get_by_role("button", name="Sinkron sekarang").click()
    wait_synced(page)
    expect(banner).to_be_hidden()
    page.reload()
    enter_pin(page)
    wait_synced(page)
    expect(banner).to_be_hidden()


def test_a_parent_whose_download_has_not_finished_is_not_told_she_has_no_children(live_server, new_context):
    """It said "Belum ada anak. Minta kode undangan…" under the banner: she asked the cadre for a code she did not need."""
    page = new_context().new_page()
    page.route(PULL, lambda route: route.abort())
    login(page, live_server.url, "orangtua")
    expect(page.locator("#first-sync")).to_be_visible()
    expect(page.locator("#main")).to_contain_text("unduhan data belum selesai")
    expect(page.locator("#main")).not_to_contain_text("Minta kode undangan")


def test_a_first_download_stopped_by_a_full_phone_says_to_free_space_not_to_stay_online(live_server, new_context):
    """The phone's storage ran out during the first download: the banner said to stay connected until
    it finished, which it never would; only the sync screen named the storage."""
    page = new_context().new_page()
    page.goto(live_server.url + "/")
    cdp = page.context.new_cdp_session(page)
    cdp.send("Storage.overrideQuotaForOrigin", {"origin": live_server.url, "quotaSize": 2 * 1024 * 1024})
    login(page, live_server.url, "kader1")
    banner = page.locator("#first-sync")
    expect(banner).to_have_text("Data di HP ini belum lengkap: penyimpanan HP penuh atau gagal menyimpan di HP. Kosongkan "
                                "ruang (hapus foto, video atau aplikasi yang tidak dipakai), lalu buka Sinkron data.",
                                timeout=60_000)
    page.click("#lang-btn")
    expect(banner).to_contain_text("the phone's storage is full")
