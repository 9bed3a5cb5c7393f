"""A parent's rights over their child's data (UU 27/2022 PDP) in real Chromium against the real
server: staff read the child (a kader's sync and views, a bidan's download of her kecamatan); the
parent opens "Siapa yang melihat data anak ini" and sees each read named in Indonesian, in WIB,
newest first, with "Muat lagi" for older ones; "Unduh data anak (JSON)" downloads the export with
the parent's token; offline the section says it needs a connection and offers neither. A kader
does not get the history screen (the server answers her 403). Screenshots go to
tests/e2e/screenshots/."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import login, open_child, wait_synced
from tests.e2e.server import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

PAGE = 20  # the screen's page (parent.js ACCESS_PAGE)
WIB = timezone(timedelta(hours=7))
BULAN = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]
OFFLINE = "Perlu koneksi internet untuk mengunduh data anak dan melihat siapa yang membukanya."


def wib(at: str) -> str:
    """The server's instant as the screen shows it in Asia/Jakarta: '3 Agu 2025, 08.05'."""
    d = datetime.fromisoformat(at).astimezone(WIB)
    return f"{d.day} {BULAN[d.month - 1]} {d.year}, {d:%H.%M}"


def token(server, username: str) -> str:
    login_ = server.api("POST", "/auth/login", json={"username": username, "password": DEMO_PASSWORD})
    return login_.get_json()["access_token"]


def test_a_parent_sees_who_read_the_child_and_downloads_its_data(live_server, new_context, shot):
    base = live_server.url
    p_ctx = new_context(accept_downloads=True, timezone_id="Asia/Jakarta")
    p = p_ctx.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    login(p, base, "orangtua")  # its sync is a read too: "Anda · menyalin data anak ke HP"
    wait_synced(p)
    link = p.locator("#children a").first
    name = link.locator("strong").inner_text()
    child_id = link.get_attribute("href").split("/")[-1]

    # a kader syncs the posyandu, opens the child and downloads its data for a parent without the app;
    # she has no access-history screen (the server answers her 403)
    k_ctx = new_context(accept_downloads=True)
    k = k_ctx.new_page()
    login(k, base, "kader1")
    wait_synced(k)
    open_child(k, name)
    expect(k.locator("#access-link")).to_have_count(0)
    with k.expect_download() as info:
        k.get_by_role("button", name="Unduh data anak (JSON)").click()
    assert json.loads(Path(info.value.path()).read_text())["child"]["id"] == child_id
    k.goto(f"{base}/#/child/{child_id}/access")
    expect(k).to_have_url(f"{base}/#/child/{child_id}")
    expect(k.get_by_role("heading", name=name)).to_be_visible()
    assert live_server.api("GET", f"/children/{child_id}/access-log", "kader1").status_code == 403
    k_ctx.close()

    # the midwife downloads the follow-up list of her kecamatan; the kader reads the record PAGE times
    month = (date.today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    csv = p_ctx.request.get(f"{base}/api/v1/reports/actions?format=csv&month={month}",
                            headers={"Authorization": f"Bearer {token(live_server, 'bidan1')}"})
    assert csv.status == 200
    kader = {"Authorization": f"Bearer {token(live_server, 'kader1')}"}
    for _ in range(PAGE):
        assert live_server.api("GET", f"/children/{child_id}", headers=dict(kader)).status_code == 200

    # the parent's child screen offers the export and the history
    p.goto(f"{base}/#/child/{child_id}")
    section = p.locator("#my-data")
    expect(section.get_by_role("heading", name="Data anak saya")).to_be_visible()
    section.get_by_role("link", name="Siapa yang melihat data anak ini").click()
    expect(p.get_by_role("heading", name="Siapa yang melihat data anak ini")).to_be_visible()
    rows = p.locator("#access-log > li")
    newest = live_server.api("GET", f"/children/{child_id}/access-log?limit=1", "orangtua").get_json()["items"][0]
    first = rows.first  # the kader's reads of the record, a page of them: one line, counted
    expect(first.locator("strong")).to_have_text("Kader Posyandu Melati")
    expect(first).to_contain_text(f"melihat data anak ({PAGE} kali)")
    expect(first.locator("time")).to_contain_text(wib(newest["at"]).split(", ")[-1])  # to the last one's time
    expect(first.locator("time")).to_have_attribute("datetime", newest["at"])
    expect(rows.nth(1)).to_be_visible()  # the next page read at once, for whole lines after it
    p.evaluate("() => window.scrollTo(0, 0)")
    shot(p, "40-parent-access-log-360px", full_page=False)

    more = p.locator("#access-more")
    for _ in range(10):
        if not more.is_visible():
            break
        more.click()
        expect(more).to_be_enabled()  # the page read
    # (the bidan may have synced her area to a phone, or downloaded the follow-up list on the reports screen,
    # in an earlier test: those are listed too)
    # a midwife's download of her area: logged for each of her posyandu it held, her child's named
    expect(rows.filter(has_text="Bidan Ratna").filter(has_text="mengunduh daftar tindak lanjut (Posyandu Melati)")
           .first).to_be_visible()
    expect(rows.filter(has_text="Kader Posyandu Melati").filter(has_text="mengunduh data anak")).to_have_count(1)
    expect(rows.filter(has_text="Kader Posyandu Melati").filter(has_text="menyalin data anak ke HP").first).to_be_visible()
    expect(rows.filter(has_text="Anda").filter(has_text="menyalin data anak ke HP").first).to_be_visible()
    assert p.evaluate("() => document.documentElement.scrollWidth") <= 360  # nothing wider than the phone
    rows.filter(has_text="mengunduh daftar tindak lanjut").first.evaluate("(li) => li.scrollIntoView({ block: 'center' })")
    shot(p, "41-parent-access-log-older-360px", full_page=False)

    # the export: everything held about the child, downloaded with the parent's token
    p.get_by_role("link", name="Kembali").click()
    expect(p.get_by_role("heading", name=name)).to_be_visible()
    with p.expect_download() as info:
        section.get_by_role("button", name="Unduh data anak (JSON)").click()
    download = info.value
    assert download.suggested_filename.startswith(f"data-anak-{child_id}-")
    expect(p.locator("#my-data-status")).to_have_text(f"{download.suggested_filename} terunduh.")
    section.scroll_into_view_if_needed()
    shot(p, "42-parent-my-data-360px", full_page=False)
    data = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert data["child"]["id"] == child_id and data["child"]["name"] == name
    section.get_by_role("link", name="Siapa yang melihat data anak ini").click()
    expect(rows.first).to_contain_text("Anda")
    expect(rows.first).to_contain_text("mengunduh data anak")

    # offline: the section says it needs a connection and offers neither; back online, both return
    p.get_by_role("link", name="Kembali").click()
    p_ctx.set_offline(True)
    expect(p.locator("#my-data-offline")).to_have_text(OFFLINE)
    expect(section.get_by_role("button")).to_have_count(0)
    expect(section.get_by_role("link")).to_have_count(0)
    p.evaluate(f"() => {{ location.hash = '#/child/{child_id}/access'; }}")
    expect(p.locator("#access-offline")).to_have_text(OFFLINE)
    expect(p.locator("#access-log")).to_have_count(0)
    p_ctx.set_offline(False)
    expect(rows.first).to_contain_text("mengunduh data anak")  # drawn again, from the newest
    expect(rows.nth(1)).to_contain_text(f"melihat data anak ({PAGE} kali)")
    p.get_by_role("link", name="Kembali").click()
    expect(section.get_by_role("button", name="Unduh data anak (JSON)")).to_be_visible()

    p.locator("#lang-btn").click()  # the English switch
    expect(section.get_by_role("heading", name="My child's data")).to_be_visible()
    section.get_by_role("link", name="Who has seen this child's data").click()
    expect(rows.first).to_contain_text("downloaded the child's data")
    p.locator("#lang-btn").click()
    assert errors == []

    # the measurements exported are the child's, as the server holds them (read last: a read is logged)
    held = live_server.api("GET", f"/children/{child_id}/measurements?limit=500", "admin").get_json()["items"]
    assert held and sorted(m["id"] for m in data["measurements"]) == sorted(m["id"] for m in held)
    assert all(m["child_id"] == child_id for m in data["measurements"])
