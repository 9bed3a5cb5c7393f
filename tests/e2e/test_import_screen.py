"""The bidan's "Impor data" screen, in real Chromium against the real server: she picks a register
(CSV), checks it (every refused row and why, nothing saved), imports its valid rows, and the
children and visits are there; the same file again doubles nothing. The screen is online only
(fetched when opened, never in the offline shell) and not a kader's."""
from __future__ import annotations

import io
import re
import uuid
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.e2e.pages import login, sw_ready, wait_synced

pytestmark = pytest.mark.e2e


def register_csv(posyandu: str) -> bytes:
    born = date.today() - timedelta(days=300)
    weighed = date.today() - timedelta(days=20)
    rows = [
        # Campak, a dose: not read
        "posyandu;nama;jenis_kelamin;tanggal_lahir;tanggal_timbang;bb (kg);tb/pb (cm);lila (cm);Campak",
        f"{posyandu};Wulan Impor;P;{born:%d/%m/%Y};{weighed:%d/%m/%Y};8,1;70,5;;",
        f"{posyandu};Wulan Impor;P;{born:%d/%m/%Y};{weighed - timedelta(days=30):%d/%m/%Y};7,7;69;;",
        f"{posyandu};Yoga Impor;L;{born:%d/%m/%Y};{weighed:%d/%m/%Y};8100;;;",  # grams: refused
        f"{posyandu};Wulan Impor;P;{born:%d/%m/%Y};{weighed:%d/%m/%Y};8,1;70,5;;",  # row 2 again: said, not doubled
        f"{posyandu};Wulan Impor;P;{born:%d/%m/%Y};{weighed:%d/%m/%Y};;;14,5;",  # row 2's LiLA: one visit with it
        ";JUMLAH;;;;23,9;139,5;14,5;",  # the register's totals line: skipped, said so
    ]
    return ("\n".join(rows) + "\n").encode()


def children_named(server, name: str) -> list[dict]:
    return [c for c in server.api("GET", "/children?limit=500", "bidan1").get_json()["items"] if c["name"] == name]


def checked(live_server, new_context, name: str, rows: list[str]):
    """bidan1's phone with the CSV of ``rows`` checked on "Impor data": (the page, its result)."""
    file = {"name": name, "mimeType": "text/csv", "buffer": ("\n".join(rows) + "\n").encode()}
    page = new_context().new_page()
    login(page, live_server.url, "bidan1")
    wait_synced(page)
    page.get_by_role("link", name="Impor data", exact=True).click()
    page.get_by_label("Berkas (CSV atau XLSX)").set_input_files(file)
    page.get_by_role("button", name="Periksa berkas").click()
    return page, page.locator("#import-result")


def test_a_bidan_checks_a_register_then_imports_its_valid_rows(live_server, new_context, shot):
    posyandu = live_server.api("GET", "/posyandu?limit=100", "bidan1").get_json()["items"][0]["name"]
    page = new_context(accept_downloads=True).new_page()
    login(page, live_server.url, "bidan1")
    wait_synced(page)
    page.get_by_role("link", name="Impor data", exact=True).click()
    page.get_by_role("heading", name="Impor data dari lembar kerja").wait_for()
    file = {"name": "register.csv", "mimeType": "text/csv", "buffer": register_csv(posyandu)}

    with page.expect_download() as info:  # with the token (a plain link would be a 401)
        page.get_by_role("button", name="Unduh contoh berkas (XLSX)").click()
    assert info.value.suggested_filename == "contoh-impor-kunjungan.xlsx"
    expect(page.locator("#import-note")).to_have_text("contoh-impor-kunjungan.xlsx terunduh.")
    assert openpyxl.load_workbook(io.BytesIO(Path(info.value.path()).read_bytes())).sheetnames == ["Data", "Petunjuk"]

    page.get_by_label("Berkas (CSV atau XLSX)").set_input_files(file)
    page.get_by_role("button", name="Periksa berkas").click()
    result = page.locator("#import-result")
    expect(result).to_contain_text("Hasil pemeriksaan (belum ada yang disimpan)")
    expect(result).to_contain_text("5 baris: 4 benar, 1 ditolak.")
    expect(result.locator("#import-repeated li")).to_have_text(["Baris 5 sama dengan baris 2: tidak dicatat dua kali."])
    expect(result.locator("#import-combined li")).to_have_text(
        ["Baris 6 digabung dengan baris 2: satu kunjungan di hari yang sama."])
    expect(result.locator("#import-skipped li")).to_have_text(
        ['Baris 7: dilewati: baris jumlah ("JUMLAH"), bukan anak'])
    expect(result.locator("#import-ignored")).to_have_text("Kolom tidak dibaca, isinya tidak diimpor: Campak.")
    expect(result.locator("#import-refused li")).to_have_count(1)
    expect(result.locator("#import-refused li")).to_contain_text("Baris 4 (Yoga Impor): bb (kg)")  # found by the child
    imp = page.get_by_role("button", name="Impor 4 baris yang benar saja")
    expect(imp).to_be_focused()  # what she does next (the list of refused rows is above it)
    with page.expect_download() as info:
        result.get_by_role("button", name="Unduh daftar baris ditolak (CSV)").click()
    assert info.value.suggested_filename == "baris-ditolak.csv"
    lines = Path(info.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "Baris;Nama;Kolom;Alasan" and len(lines) == 2 and lines[1].startswith(
        "4;Yoga Impor;bb (kg);"), lines
    assert children_named(live_server, "Wulan Impor") == []  # a check saves nothing
    shot(page, "60-import-checked")

    imp.click()
    expect(page.locator("#import-note")).to_have_text("Tersimpan. HP kader menerima datanya pada sinkron berikutnya.")
    # the button pressed is gone: focus on the result, not lost to the page's top (TalkBack starts over)
    expect(result.get_by_role("heading", name="Hasil impor")).to_be_focused()
    expect(result).to_contain_text("Anak baru 1; sudah terdaftar 0 (datanya dilengkapi 0).")
    expect(result).to_contain_text("Kunjungan baru 2; sudah ada 0.")
    [wulan] = children_named(live_server, "Wulan Impor")
    visits = live_server.api("GET", f"/children/{wulan['id']}/measurements", "bidan1").get_json()["items"]
    assert sorted(float(v["weight_kg"]) for v in visits) == [7.7, 8.1]
    assert sorted((v["muac_cm"] or 0) for v in visits) == [0, 14.5]  # row 6's LiLA in row 2's visit
    assert {v["trend"] for v in visits} == {"B", "N"}  # judged by the server: +400 g

    # the same file again, all of it: nothing doubled
    page.get_by_role("button", name="Periksa berkas").click()
    expect(result).to_contain_text("Kunjungan baru 0; sudah ada 2.")
    page.get_by_role("button", name="Impor 4 baris yang benar saja").click()
    expect(page.locator("#import-note")).to_contain_text("Tersimpan.")
    assert len(children_named(live_server, "Wulan Impor")) == 1
    assert len(live_server.api("GET", f"/children/{wulan['id']}/measurements", "bidan1").get_json()["items"]) == 2


def test_the_import_screen_needs_the_internet_and_is_not_a_kaders(live_server, new_context):
    context = new_context()
    page = context.new_page()
    login(page, live_server.url, "kader1")
    wait_synced(page)
    expect(page.locator("#import-link")).to_have_count(0)
    page.goto(live_server.url + "/#/import")
    page.wait_for_function("() => location.hash === '#/'")
    expect(page.get_by_role("heading", name="Impor data dari lembar kerja")).to_have_count(0)

    context = new_context()
    page = context.new_page()
    login(page, live_server.url, "bidan1")
    wait_synced(page)
    sw_ready(page)  # the shell cached: the app runs offline
    context.set_offline(True)
    page.get_by_role("link", name="Impor data", exact=True).click()
    expect(page.locator("#imports-offline")).to_contain_text("Perlu internet")
    # the signal back, the first request for the screen still fails (it did on CI, the service worker
    # not yet online): the screen asks again while it says "Perlu internet" on a phone that is online
    refused = []

    def first_fails(route):
        if not refused:
            refused.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    context.route("**/js/online/imports.js*", first_fails)
    context.set_offline(False)
    page.get_by_role("heading", name="Impor data dari lembar kerja").wait_for()  # drawn again once online
    assert refused, "the screen's first request after the signal came back was not the one refused"


def test_an_import_the_server_refuses_shows_the_refused_and_skipped_rows_offers_nothing_and_saves_nothing(
        live_server, new_context, shot):
    """The refused (422) path: the check was clean and offered "Impor sekarang", then, before she imports,
    a cadre registered one of the file's children in the app born two days off (the same child, her birth
    date corrected in one place only): the import refuses the file. The screen lists the refused row and
    the totals line it skipped (dated with the register's closing day, the boys and girls counted in its
    sex column), in Indonesian, offers no import, and nothing of the file was saved. The screen said
    "Gagal: … impor dengan accept_valid=true …", an API parameter, and listed the skipped line under the
    refused rows' heading."""
    posyandu = live_server.api("GET", "/posyandu?limit=100", "bidan1").get_json()["items"][0]
    born = date.today() - timedelta(days=200)
    weighed = date.today() - timedelta(days=10)
    closed = date.today() - timedelta(days=1)
    rows = ["posyandu;nama;jenis_kelamin;tanggal_lahir;tanggal_timbang;bb (kg)",
            f"{posyandu['name']};Sinta Tolak;P;{born:%d/%m/%Y};{weighed:%d/%m/%Y};7,4",
            f"{posyandu['name']};Bima Tolak;L;{born:%d/%m/%Y};{weighed:%d/%m/%Y};7,9",
            f";JUMLAH;L: 1 / P: 1;;{closed:%d/%m/%Y};15,3"]
    page, result = checked(live_server, new_context, "register-tolak.csv", rows)
    skipped = 'Baris 4: dilewati: baris jumlah ("JUMLAH"), bukan anak'
    expect(result).to_contain_text("2 baris: 2 benar, 0 ditolak.")
    expect(result.locator("#import-skipped li")).to_have_text([skipped])
    import_all = page.get_by_role("button", name="Impor sekarang")
    expect(import_all).to_be_focused()

    registered = live_server.api("POST", "/children", "bidan1", json={
        "id": str(uuid.uuid4()), "posyandu_id": posyandu["id"], "name": "Sinta Tolak", "sex": "F",
        "birth_date": (born + timedelta(days=2)).isoformat()})
    assert registered.status_code == 201, registered.get_json()
    import_all.click()
    # in the screen's words: the server's detail names the API's accept_valid=true, no button of hers
    expect(page.locator("#import-note")).to_have_text("Tidak ada yang diimpor.")
    expect(page.locator("#import-note")).to_be_focused()  # its button gone: not lost to the page's top
    expect(result.locator(".notice.bad")).to_have_text(
        "Perbaiki baris yang ditolak di berkas, atau periksa berkas lagi untuk mengimpor baris yang benar saja.")
    refused = result.locator("#import-refused li")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text("Baris 2 (Sinta Tolak): tanggal_lahir: Sinta Tolak terdaftar lahir")
    # the line skipped listed apart, before the refused rows' heading (not read as one of them)
    expect(result.locator("#import-skipped + #import-refused li")).to_have_count(1)
    expect(result.locator("#import-skipped li")).to_have_text([skipped])
    expect(result.get_by_role("button", name="Unduh daftar baris ditolak (CSV)")).to_be_visible()
    expect(page.locator("#import-all, #import-valid")).to_have_count(0)  # nothing offered to import
    expect(page.get_by_role("button", name=re.compile("^Impor"))).to_have_count(0)
    shot(page, "61-import-refused")

    assert children_named(live_server, "Bima Tolak") == []  # nothing of the file saved
    [sinta] = children_named(live_server, "Sinta Tolak")
    assert sinta["id"] == registered.get_json()["id"]
    assert live_server.api("GET", f"/children/{sinta['id']}/measurements", "bidan1").get_json()["items"] == []
    assert live_server.api("DELETE", f"/children/{sinta['id']}?reason=e2e", "bidan1").status_code == 204


def test_a_clean_registers_check_and_import_show_no_stray_null(live_server, new_context):
    """A register with no row refused: its check and its import listed no refused rows, and the screen
    wrote "null" where that list would be (before "Impor sekarang", under the import's result)."""
    posyandu = live_server.api("GET", "/posyandu?limit=100", "bidan1").get_json()["items"][0]["name"]
    born = date.today() - timedelta(days=400)
    rows = ["posyandu;nama;jenis_kelamin;tanggal_lahir;tanggal_timbang;bb (kg)",
            f"{posyandu};Laras Bersih;P;{born:%d/%m/%Y};{date.today() - timedelta(days=3):%d/%m/%Y};9,2"]
    page, result = checked(live_server, new_context, "register-bersih.csv", rows)
    expect(result).to_contain_text("1 baris: 1 benar, 0 ditolak.")
    expect(result.locator("#import-refused")).to_have_count(0)
    assert "null" not in result.inner_text()
    page.get_by_role("button", name="Impor sekarang").click()
    expect(result.get_by_role("heading", name="Hasil impor")).to_be_focused()
    expect(result).to_contain_text("Anak baru 1; sudah terdaftar 0 (datanya dilengkapi 0).")
    assert "null" not in result.inner_text()
    [laras] = children_named(live_server, "Laras Bersih")
    assert live_server.api("DELETE", f"/children/{laras['id']}?reason=e2e", "bidan1").status_code == 204


def test_the_template_checked_as_downloaded_says_it_holds_no_data_and_offers_no_import(live_server, new_context):
    """The template checked before anything is typed into it: "0 baris: 0 benar, 0 ditolak." came with
    "Impor sekarang", whose "Tersimpan." saved nothing; now it says the file holds no data, nothing offered."""
    template = live_server.api("GET", "/imports/visits/template", "bidan1")
    assert template.status_code == 200
    page = new_context().new_page()
    login(page, live_server.url, "bidan1")
    wait_synced(page)
    page.get_by_role("link", name="Impor data", exact=True).click()
    page.get_by_label("Berkas (CSV atau XLSX)").set_input_files(
        {"name": "contoh-impor-kunjungan.xlsx", "buffer": template.data,
         "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})
    page.get_by_role("button", name="Periksa berkas").click()
    result = page.locator("#import-result")
    expect(result).to_contain_text("0 baris: 0 benar, 0 ditolak.")
    expect(result.locator("#import-empty")).to_contain_text("Berkas ini tidak berisi data")
    expect(result.get_by_role("button")).to_have_count(0)


def test_a_file_the_check_cannot_read_says_why_in_sight_on_a_phone(live_server, new_context):
    """A file refused whole by its check (a PDF saved as .csv) said "Gagal: …" below the fold of a 360 px
    phone, where the bidan who pressed "Periksa berkas" did not look; the reason now takes the focus,
    scrolled into sight."""
    page = new_context().new_page()
    page.set_viewport_size({"width": 360, "height": 640})
    login(page, live_server.url, "bidan1")
    wait_synced(page)
    page.get_by_role("link", name="Impor data", exact=True).click()
    page.get_by_label("Berkas (CSV atau XLSX)").set_input_files(
        {"name": "register.xlsx", "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "buffer": b"%PDF-1.4 not a workbook"})
    page.get_by_role("button", name="Periksa berkas").click()
    note = page.locator("#import-note")
    expect(note).to_contain_text("Gagal: ")
    expect(note).to_be_focused()
    expect(note).to_be_in_viewport()
    expect(page.locator("#import-result").get_by_role("button")).to_have_count(0)


def test_a_check_and_an_import_stay_on_screen_in_the_language_switched_to(live_server, new_context):
    """Switching to English after a check emptied the screen (the result and the file chosen were
    lost to the redraw): now the result is drawn again in English, its rows' messages from the server
    too (checked again: they stayed in Bahasa Indonesia), and its import still sends the file."""
    posyandu = live_server.api("GET", "/posyandu?limit=100", "bidan1").get_json()["items"][1]["name"]
    born = date.today() - timedelta(days=200)
    page, result = checked(live_server, new_context, "lang.csv", [
        "posyandu;nama;jenis_kelamin;tanggal_lahir;tanggal_timbang;bb (kg)",
        f"{posyandu};Sari Bahasa;P;{born:%d/%m/%Y};{date.today() - timedelta(days=3):%d/%m/%Y};7,1",
        f"{posyandu};Budi Bahasa;L;{born:%d/%m/%Y};{date.today() - timedelta(days=3):%d/%m/%Y};7100"])
    expect(result).to_contain_text("Hasil pemeriksaan (belum ada yang disimpan)")
    page.locator("#lang-btn").click()
    expect(result).to_contain_text("Check result (nothing saved yet)")
    expect(result.locator("#import-refused li")).to_contain_text("Row 3")
    expect(result.locator("#import-refused li")).to_contain_text("looks like grams")
    result.locator("#import-valid").click()
    expect(result.get_by_role("heading", name="Import result")).to_be_visible()
    assert len(children_named(live_server, "Sari Bahasa")) == 1
    page.locator("#lang-btn").click()
    expect(result.get_by_role("heading", name="Hasil impor")).to_be_visible()
    expect(page.locator("#import-note")).to_contain_text("Tersimpan.")


def test_an_import_pressed_without_signal_keeps_the_checked_result_to_press_again(live_server, new_context):
    """The signal lost between the check and "Impor": the screen said "Perlu internet." and dropped the
    check's result with its button; back online the stale message stayed and nothing said to check the
    file again. Now the result stays, the message goes when the signal comes back, and the same
    button imports."""
    posyandu = live_server.api("GET", "/posyandu?limit=100", "bidan1").get_json()["items"][1]["name"]
    born = date.today() - timedelta(days=220)
    page, result = checked(live_server, new_context, "signal.csv", [
        "posyandu;nama;jenis_kelamin;tanggal_lahir;tanggal_timbang;bb (kg)",
        f"{posyandu};Tari Sinyal;P;{born:%d/%m/%Y};{date.today() - timedelta(days=4):%d/%m/%Y};7,3"])
    expect(result).to_contain_text("Hasil pemeriksaan (belum ada yang disimpan)")
    page.context.set_offline(True)
    result.locator("#import-all").click()
    expect(page.locator("#import-note")).to_have_text("Perlu internet.")
    expect(result.locator("#import-all")).to_be_enabled()
    page.context.set_offline(False)
    expect(page.locator("#import-note")).to_have_text("")
    result.locator("#import-all").click()
    expect(result.get_by_role("heading", name="Hasil impor")).to_be_visible()
    assert len(children_named(live_server, "Tari Sinyal")) == 1


def test_a_posyandus_own_register_without_a_posyandu_column_is_imported_into_the_posyandu_she_chooses(
        live_server, new_context):
    """A posyandu's register names its posyandu in its title only: refused "kolom wajib tidak ada: Posyandu",
    she had to add the column to every file. She chooses the posyandu; leaving afterwards asks nothing."""
    posyandu = live_server.api("GET", "/posyandu?limit=100", "bidan1").get_json()["items"][1]
    born, weighed = date.today() - timedelta(days=250), date.today() - timedelta(days=12)
    name = f"Laras Judul {uuid.uuid4().hex[:4]}"
    rows = [f"REGISTER PENIMBANGAN POSYANDU {posyandu['name'].upper()};;;;", "No;Nama;L/P;Tgl Lahir;Tgl Timbang;BB (kg)",
            f"1;{name};P;{born:%d/%m/%Y};{weighed:%d/%m/%Y};7,4"]
    page, result = checked(live_server, new_context, "register-satu-posyandu.csv", rows)
    expect(page.locator("#import-note")).to_contain_text(
        "kolom wajib tidak ada: Posyandu (atau pilih posyandu seluruh berkas ini)")
    page.get_by_label("Posyandu", exact=True).select_option(label=posyandu["name"])
    page.get_by_role("button", name="Periksa berkas").click()
    expect(result).to_contain_text("1 baris: 1 benar, 0 ditolak.")
    page.get_by_role("button", name="Impor sekarang").click()
    expect(page.locator("#import-note")).to_contain_text("Tersimpan.")
    [child] = children_named(live_server, name)
    assert child["posyandu_id"] == posyandu["id"]
    page.get_by_role("link", name="Beranda").click()  # a choice of what to send, not a form left unsaved
    page.get_by_role("heading", name="Hari posyandu").wait_for()
