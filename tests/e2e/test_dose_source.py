"""A dose's source and vial (SATUSEHAT asks the lot and expiry of a dose given by a health worker),
in real Chromium against the real server: offline, the cadre must say where a dose's record comes
from; a dose given today names its vial (batch, expiry not before the date given, the KFA product
when the schedule lists some), and the next child that day gets the same vial filled in; after the
sync the server holds them. A vial the server refuses is named on the sync screen and fixed from
"Perbaiki" in the dose's own form, the server's message on the field."""
from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import kader_of, login, offline_with_new_child, register_child, sw_controls, type_no_such_date, wait_synced

pytestmark = pytest.mark.e2e
GIVEN = "Diberikan oleh petugas pada kunjungan ini"
OPV_PRODUCT = {"kfa_code": "93000011", "name": "Vaksin bOPV uji (e2e)"}  # a made-up product of the right shape


def error_of(page, label: str, within=None, exact: bool = False):
    """The error the field labelled ``label`` is described by (shown under it, read with it)."""
    described_by = (within or page).get_by_label(label, exact=exact).get_attribute("aria-describedby")
    return page.locator(f"[id='{described_by.split()[-1]}']")  # after the hint, when there is one


@pytest.fixture
def opv_product(live_server):
    """A schedule version like the one in force, listing a KFA product for OPV, published by the
    admin on the real server for this test and withdrawn after it (the others see 2024.2)."""
    current = live_server.api("GET", "/immunisation/schedule", "admin").get_json()
    doc = {**current["document"], "version": "2024.2-kfa-e2e"}
    doc["vaccines"] = [{**v, "products": [OPV_PRODUCT]} if v["code"] == "OPV" else v for v in doc["vaccines"]]
    made = live_server.api("POST", "/immunisation/schedule/versions", "admin", json={"document": doc})
    assert made.status_code == 201, made.get_json()
    yield
    gone = live_server.api("POST", f"/immunisation/schedule/versions/{made.get_json()['id']}/deactivate", "admin")
    assert gone.status_code == 200, gone.get_json()


def doses_of(server, child_id: str, user: str) -> dict[str, dict]:
    items = server.api("GET", f"/children/{child_id}/immunisations", user).get_json()["items"]
    return {d["vaccine"]: d for d in items if not d.get("deleted_at")}


def test_a_dose_given_today_keeps_its_vial_from_the_phone_to_the_server(live_server, new_context, shot, opv_product):
    base = live_server.url
    ctx = new_context()
    page = ctx.new_page()
    login(page, base, "kader5")
    wait_synced(page)
    sw_controls(page)
    today = date.today()
    expiry = (today + timedelta(days=200)).isoformat()

    ctx.set_offline(True)
    first = register_child(page, "Dewi Vial", days_old=35)
    page.get_by_role("link", name="Catat imunisasi/vitamin diberikan").click()
    source = page.locator("fieldset", has_text="Sumber catatan")
    expect(source).to_be_hidden()  # asked once a vaccine dose is checked
    page.get_by_label(re.compile(r"^BCG \(")).check()
    page.get_by_label(re.compile(r"^OPV 1 \(")).check()
    expect(source).to_be_visible()
    expect(source.locator("input:checked")).to_have_count(0)  # no default: the cadre chooses
    page.get_by_role("button", name="Simpan").click()
    expect(source.locator(".error")).to_have_text("pilih dari mana catatan imunisasi ini")

    bcg = page.locator("fieldset.lot", has_text="Vial BCG")
    opv = page.locator("fieldset.lot", has_text="Vial OPV 1")
    expect(bcg).to_be_hidden()
    page.get_by_label(GIVEN).check()
    expect(bcg).to_be_visible()
    expect(opv).to_be_visible()
    expect(bcg.get_by_label("Produk vaksin (KFA)")).to_have_count(0)  # the schedule lists no BCG product
    expect(opv.get_by_label("Produk vaksin (KFA)")).to_be_visible()
    page.get_by_role("button", name="Simpan").click()
    expect(error_of(page, "Nomor batch (lot)", bcg)).to_have_text("wajib diisi")
    expect(error_of(page, "Tanggal kedaluwarsa", bcg)).to_have_text("wajib diisi")
    expect(error_of(page, "Nomor batch (lot)", opv)).to_have_text("wajib diisi")
    expect(bcg.get_by_label("Nomor batch (lot)")).to_be_focused()

    bcg.get_by_label("Nomor batch (lot)").fill("BCG-E2E-117")
    bcg.get_by_label("Tanggal kedaluwarsa").fill((today - timedelta(days=1)).isoformat())
    opv.get_by_label("Nomor batch (lot)").fill("OPV-E2E-9")
    opv.get_by_label("Tanggal kedaluwarsa").fill(expiry)
    opv.get_by_label("Produk vaksin (KFA)").select_option(OPV_PRODUCT["kfa_code"])
    page.get_by_role("button", name="Simpan").click()
    expect(error_of(page, "Tanggal kedaluwarsa", bcg)).to_have_text("vial sudah kedaluwarsa pada tanggal diberikan")
    type_no_such_date(page, bcg.get_by_label("Tanggal kedaluwarsa"), today.year + 1)  # 31-02 read off the vial
    page.get_by_role("button", name="Simpan").click()
    expect(error_of(page, "Tanggal kedaluwarsa", bcg)).to_have_text("tanggal tidak ada atau belum lengkap: periksa lagi")
    bcg.get_by_label("Tanggal kedaluwarsa").fill(expiry)
    shot(page, "30-doses-given-vial", full_page=False)
    page.get_by_role("button", name="Simpan").click()
    page.get_by_role("heading", name="Dewi Vial", exact=True).wait_for()
    expect(page.locator("#doses-given li", has_text="BCG")).to_contain_text("Batch BCG-E2E-117")

    # the next child that day: the vials in use are filled in, the product too
    second = register_child(page, "Eka Vial", days_old=40)
    page.get_by_role("link", name="Catat imunisasi/vitamin diberikan").click()
    page.get_by_label(re.compile(r"^BCG \(")).check()
    page.get_by_label(re.compile(r"^OPV 1 \(")).check()
    page.get_by_label(GIVEN).check()
    expect(bcg.get_by_label("Nomor batch (lot)")).to_have_value("BCG-E2E-117")
    expect(bcg.get_by_label("Tanggal kedaluwarsa")).to_have_value(expiry)
    expect(bcg).to_contain_text("Diisi dari anak sebelumnya hari ini")
    expect(opv.get_by_label("Produk vaksin (KFA)")).to_have_value(OPV_PRODUCT["kfa_code"])
    page.get_by_role("button", name="Simpan").click()
    page.get_by_role("heading", name="Eka Vial", exact=True).wait_for()

    ctx.set_offline(False)
    wait_synced(page)
    for child_id in (first, second):
        doses = doses_of(live_server, child_id, "kader5")
        assert {v: (d["source"], d["batch_number"], d["expiry_date"], d["kfa_code"]) for v, d in doses.items()} == {
            "BCG": ("given", "BCG-E2E-117", expiry, None),
            "OPV": ("given", "OPV-E2E-9", expiry, OPV_PRODUCT["kfa_code"]),
        }

    # restated as copied from the Buku KIA: the vial goes with it, on the server too
    page.locator("#doses-given").get_by_role("link", name="Ubah BCG").click()
    expect(page.get_by_label(GIVEN)).to_be_checked()
    expect(page.get_by_label("Nomor batch (lot)")).to_have_value("BCG-E2E-117")
    page.get_by_label("Disalin dari Buku KIA / catatan lain").check()
    expect(page.get_by_label("Nomor batch (lot)")).to_be_hidden()
    page.get_by_role("button", name="Simpan").click()
    page.get_by_role("heading", name="Eka Vial", exact=True).wait_for()
    expect(page.locator("#doses-given li", has_text="BCG")).not_to_contain_text("Batch")
    wait_synced(page)
    bcg_dose = doses_of(live_server, second, "kader5")["BCG"]
    assert (bcg_dose["source"], bcg_dose["batch_number"], bcg_dose["expiry_date"]) == ("record", None, None)


def test_a_vial_the_server_refuses_is_fixed_in_the_dose_form(live_server, new_context, shot):
    base = live_server.url
    ctx = new_context()
    page = ctx.new_page()
    login(page, base, "kader5")
    wait_synced(page)
    child_id = register_child(page, "Fajar Vial", days_old=35)
    wait_synced(page)

    def without_batch(route) -> None:
        """The push reaches the server with its doses' batch numbers lost on the way."""
        body = json.loads(route.request.post_data)
        for m in body["mutations"]:
            if m["entity"] == "immunisation":
                m["data"].pop("batch_number", None)
        route.continue_(post_data=json.dumps(body))

    page.route("**/api/v1/sync/push", without_batch)
    page.get_by_role("link", name="Catat imunisasi/vitamin diberikan").click()
    page.get_by_label(re.compile(r"^BCG \(")).check()
    page.get_by_label(GIVEN).check()
    bcg = page.locator("fieldset.lot", has_text="Vial BCG")
    bcg.get_by_label("Nomor batch (lot)").fill("BCG-E2E-200")
    bcg.get_by_label("Tanggal kedaluwarsa").fill((date.today() + timedelta(days=90)).isoformat())
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#sync-chip")).to_have_text("1 perlu perhatian")
    page.unroute("**/api/v1/sync/push", without_batch)

    page.locator("#sync-chip").click()
    entry = page.locator("#attention li")
    expect(entry).to_contain_text(re.compile(r"^BCG, \d+ \w+ \d{4}: Fajar Vial"))
    expect(entry).to_contain_text("Nomor batch (lot): wajib diisi")
    entry.get_by_role("link", name="Perbaiki").click()
    expect(page.get_by_label(GIVEN)).to_be_checked()
    batch = page.get_by_label("Nomor batch (lot)")
    expect(batch).to_have_value("BCG-E2E-200")
    expect(error_of(page, "Nomor batch (lot)")).to_contain_text("wajib diisi")  # the server's message, on its field
    shot(page, "31-dose-vial-refused-fix", full_page=False)
    page.get_by_role("button", name="Simpan").click()
    page.get_by_role("heading", name="Fajar Vial", exact=True).wait_for()
    wait_synced(page)
    dose = doses_of(live_server, child_id, "kader5")["BCG"]
    assert (dose["source"], dose["batch_number"]) == ("given", "BCG-E2E-200")


def test_a_kia_book_is_copied_in_one_save_each_dose_with_its_own_date(live_server, new_context, shot):
    # A child new to the app brings her Buku KIA: every dose written in it is entered on one
    # screen with its own date, checked by the schedule's rules offline, saved together in
    # date order, and the server accepts them in that order after the sync.
    ctx, page, child_id = offline_with_new_child(new_context, live_server.url, "kader6", "Gina Buku KIA", days_old=130)
    born = date.today() - timedelta(days=130)
    page.get_by_role("link", name="Salin dari Buku KIA").click()
    page.get_by_role("heading", name="Salin dari Buku KIA: Gina Buku KIA").wait_for()
    offered = page.locator("#card-form input[type=date]")
    expect(offered).to_have_count(15)  # every dose with a minimum age up to 130 days: HB0 … IPV 1 (not MR, not JE)
    expect(page.get_by_label("Disalin dari Buku KIA / catatan lain")).to_be_checked()

    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#card-form [role=alert]")).to_have_text("Isi tanggal paling sedikit satu imunisasi.")

    opv1, opv2 = born + timedelta(days=31), born + timedelta(days=45)
    hb0_place = page.get_by_label("Tempat pemberian HB0")
    expect(hb0_place).to_be_hidden()  # asked once the dose has a date
    page.get_by_label("HB0", exact=True).fill(born.isoformat())  # at birth, in the hospital
    hb0_place.select_option(label="Tempat lain (rumah sakit, klinik, bidan praktik)")
    page.get_by_label("OPV 1", exact=True).fill(opv1.isoformat())
    page.get_by_label("OPV 2", exact=True).fill(opv2.isoformat())  # 14 days after OPV 1: the minimum is 28
    page.get_by_label("DPT-HB-Hib 1", exact=True).fill((born + timedelta(days=59)).isoformat())
    page.get_by_label("Puskesmas", exact=True).check()  # where the others were given
    page.get_by_role("button", name="Simpan").click()
    expect(error_of(page, "OPV 2", exact=True)).to_contain_text(re.compile(r"^OPV 2 diberikan 14 hari setelah OPV 1 .*; paling cepat "))
    expect(error_of(page, "OPV 2", exact=True)).to_contain_text("Hanya bidan yang dapat mencatatnya dengan alasan: hubungi bidan.")
    expect(page.get_by_label("Alasan mencatat di luar aturan jadwal")).to_be_hidden()  # not hers to give
    expect(error_of(page, "OPV 1", exact=True)).to_have_text("")
    shot(page, "33-card-copy-interval", full_page=False)

    opv2 = opv1 + timedelta(days=28)
    page.get_by_label("OPV 2", exact=True).fill(opv2.isoformat())
    page.get_by_role("button", name="Simpan").click()
    page.get_by_role("heading", name="Gina Buku KIA", exact=True).wait_for()
    for label in ("HB0", "OPV 1", "OPV 2", "DPT-HB-Hib 1"):
        expect(page.locator("#doses-given li", has_text=label)).to_have_count(1)
    page.get_by_role("link", name="Salin dari Buku KIA").click()
    expect(offered).to_have_count(11)  # the four copied are no longer offered
    expect(page.get_by_label("OPV 1", exact=True)).to_have_count(0)

    ctx.set_offline(False)
    wait_synced(page)
    items = live_server.api("GET", f"/children/{child_id}/immunisations", "kader6").get_json()["items"]
    assert sorted((d["vaccine"], d["dose"], d["given_on"], d["source"], d["place"]) for d in items) == [
        ("DPT-HB-Hib", 1, (born + timedelta(days=59)).isoformat(), "record", "puskesmas"),
        ("HB0", 1, born.isoformat(), "record", "elsewhere"),
        ("OPV", 1, opv1.isoformat(), "record", "puskesmas"),
        ("OPV", 2, opv2.isoformat(), "record", "puskesmas"),
    ]


def test_a_card_dose_dated_a_day_that_does_not_exist_is_said_so_not_dropped(live_server, new_context):
    """31-02 typed for one dose of the Buku KIA leaves its field no value (badInput): that dose was
    skipped without a word while the others saved, and the card's dose never reached the app."""
    ctx, page, child_id = offline_with_new_child(new_context, live_server.url, "kader6", "Hana Tanggal KIA", days_old=130)
    born = date.today() - timedelta(days=130)
    page.get_by_role("link", name="Salin dari Buku KIA").click()
    page.get_by_role("heading", name="Salin dari Buku KIA: Hana Tanggal KIA").wait_for()
    page.get_by_label("HB0", exact=True).fill(born.isoformat())
    bcg = page.get_by_label("BCG", exact=True)
    type_no_such_date(page, bcg, born.year)
    page.get_by_role("button", name="Simpan").click()
    expect(error_of(page, "BCG", exact=True)).to_have_text("tanggal tidak ada atau belum lengkap: periksa lagi")
    expect(page.get_by_role("heading", name="Salin dari Buku KIA: Hana Tanggal KIA")).to_be_visible()  # nothing saved
    bcg.fill((born + timedelta(days=20)).isoformat())
    page.get_by_role("button", name="Simpan").click()
    page.get_by_role("heading", name="Hana Tanggal KIA", exact=True).wait_for()
    ctx.set_offline(False)
    wait_synced(page)
    items = live_server.api("GET", f"/children/{child_id}/immunisations", "kader6").get_json()["items"]
    assert sorted((d["vaccine"], d["given_on"]) for d in items) == [
        ("BCG", (born + timedelta(days=20)).isoformat()), ("HB0", born.isoformat())]


def test_a_midwife_copies_a_dose_the_card_dates_outside_the_rules_with_her_reason(live_server, new_context):
    # A private clinic gave OPV 2 two weeks after OPV 1 (the schedule's minimum is four): the card
    # says so, and a bidan records it as written, with her reason; the server keeps who and why.
    ctx, page, child_id = offline_with_new_child(new_context, live_server.url, "bidan2", "Lina Klinik Swasta", days_old=130)
    born = date.today() - timedelta(days=130)
    page.get_by_role("link", name="Salin dari Buku KIA").click()
    opv1, opv2 = born + timedelta(days=31), born + timedelta(days=45)
    page.get_by_label("OPV 1", exact=True).fill(opv1.isoformat())
    page.get_by_label("OPV 2", exact=True).fill(opv2.isoformat())
    reason = page.get_by_label("Alasan mencatat di luar aturan jadwal")
    expect(reason).to_be_hidden()
    page.get_by_role("button", name="Simpan").click()
    expect(error_of(page, "OPV 2", exact=True)).to_contain_text("OPV 2 diberikan 14 hari setelah OPV 1")
    expect(error_of(page, "OPV 2", exact=True)).not_to_contain_text("hubungi bidan")
    expect(reason).to_be_visible()
    expect(error_of(page, "Alasan mencatat di luar aturan jadwal")).to_have_text(
        "Isi alasan untuk mencatat di luar aturan jadwal.")
    reason.fill("Diberikan di klinik swasta, tertulis di Buku KIA")
    page.get_by_role("button", name="Simpan").click()
    page.get_by_role("heading", name="Lina Klinik Swasta", exact=True).wait_for()

    ctx.set_offline(False)
    wait_synced(page)
    bidan = live_server.api("GET", "/auth/me", "bidan2").get_json()
    items = {(d["vaccine"], d["dose"]): d for d in
             live_server.api("GET", f"/children/{child_id}/immunisations", "bidan2").get_json()["items"]}
    assert set(items) == {("OPV", 1), ("OPV", 2)}
    assert (items[("OPV", 2)]["given_on"], items[("OPV", 2)]["override_reason"], items[("OPV", 2)]["override_by"]) == (
        opv2.isoformat(), "Diberikan di klinik swasta, tertulis di Buku KIA", bidan["id"])
    assert (items[("OPV", 1)]["override_reason"], items[("OPV", 1)]["override_by"]) == (None, None)  # within the rules

    # the posyandu's kader: she may correct where OPV 2 was given (the bidan's judgement stands),
    # not move its date outside the rules again
    its_kader = kader_of(live_server, child_id, "bidan2")
    kader_ctx = new_context()
    kader = kader_ctx.new_page()
    login(kader, live_server.url, its_kader)
    wait_synced(kader)
    kader.goto(f"{live_server.url}/#/child/{child_id}")
    kader.locator("#doses-given").get_by_role("link", name="Ubah OPV 2").click()
    expect(kader.get_by_label("Alasan mencatat di luar aturan jadwal")).to_be_hidden()
    kader.get_by_label("Tempat lain (rumah sakit, klinik, bidan praktik)").check()
    kader.get_by_role("button", name="Simpan").click()
    kader.get_by_role("heading", name="Lina Klinik Swasta", exact=True).wait_for()
    wait_synced(kader)
    opv2_now = live_server.api("GET", f"/children/{child_id}/immunisations", its_kader).get_json()["items"]
    opv2_now = next(d for d in opv2_now if (d["vaccine"], d["dose"]) == ("OPV", 2))
    assert (opv2_now["place"], opv2_now["given_on"], opv2_now["override_by"]) == ("elsewhere", opv2.isoformat(), bidan["id"])
    kader.locator("#doses-given").get_by_role("link", name="Ubah OPV 2").click()
    kader.get_by_label("Tanggal diberikan").fill((opv1 + timedelta(days=10)).isoformat())
    kader.get_by_role("button", name="Simpan").click()
    expect(error_of(kader, "Tanggal diberikan")).to_contain_text("hubungi bidan")


def test_with_nothing_due_the_doses_form_offers_no_save(live_server, new_context):
    """Every dose due recorded, the form says nothing is due and offers no "Simpan" (before, Simpan
    answered "Pilih minimal satu." with nothing to choose); nothing is due under its day's title."""
    ctx, page, child_id = offline_with_new_child(new_context, live_server.url, "kader3", "Bayi Lengkap", days_old=3)
    for _ in range(3):  # each dose offered today, copied from the Buku KIA
        page.goto(live_server.url + f"/#/doses/{child_id}")
        page.locator("#doses-form").wait_for()
        boxes = page.locator("#doses-form input[name=dose], #doses-form input[name=supplement]")
        if not boxes.count():
            break
        for i in range(boxes.count()):
            boxes.nth(i).check()
        page.get_by_label("Disalin dari Buku KIA / catatan lain").check()
        page.get_by_role("button", name="Simpan").click()
        page.get_by_role("heading", name="Bayi Lengkap", exact=True).wait_for()
    expect(page.locator("#doses-form fieldset.checks")).to_contain_text("Tidak ada imunisasi atau vitamin yang jatuh tempo.")
    expect(page.locator("#doses-form").get_by_role("button", name="Simpan")).to_be_hidden()
    expect(page.locator("#doses-form").get_by_role("link", name="Batal")).to_be_visible()


def test_a_dose_refused_as_recorded_already_says_why_at_the_top_of_its_form(live_server, new_context):
    """Recorded offline while the midwife recorded the same dose on another day: the server refuses it on
    `dose`, a field the dose's form has not. "Perbaiki" opened the form with nothing said; she saved
    it again to the same refusal. The message is now at the top of the form."""
    ctx = new_context()
    page = ctx.new_page()
    login(page, live_server.url, "kader5")
    wait_synced(page)
    child_id = register_child(page, "Hana Dua Kali", days_old=20)
    wait_synced(page)
    ctx.set_offline(True)
    page.get_by_role("link", name="Catat imunisasi/vitamin diberikan").click()
    page.get_by_label(re.compile(r"^BCG \(")).check()
    page.get_by_label(GIVEN).check()
    bcg = page.locator("fieldset.lot", has_text="Vial BCG")
    bcg.get_by_label("Nomor batch (lot)").fill("BCG-E2E-300")
    bcg.get_by_label("Tanggal kedaluwarsa").fill((date.today() + timedelta(days=90)).isoformat())
    page.get_by_role("button", name="Simpan").click()
    page.get_by_role("heading", name="Hana Dua Kali", exact=True).wait_for()
    earlier = (date.today() - timedelta(days=2)).isoformat()
    made = live_server.api("POST", f"/children/{child_id}/immunisations", "admin", json={
        "vaccine": "BCG", "dose": 1, "given_on": earlier, "batch_number": "BCG-BIDAN", "place": "posyandu"})
    assert made.status_code == 201, made.get_json()
    ctx.set_offline(False)
    page.locator("#sync-chip").click()
    page.get_by_role("button", name="Sinkron sekarang").click()
    entry = page.locator("#attention li")
    expect(entry).to_contain_text("BCG sudah tercatat")
    said = entry.inner_text()
    entry.get_by_role("link", name="Perbaiki").click()
    top = page.locator("form .form-error")
    expect(top).to_contain_text("BCG sudah tercatat")
    assert top.inner_text().split("sudah tercatat")[1][:20] in said
