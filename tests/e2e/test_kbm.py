"""N/T at the table, offline, in real Chromium against the real server: it follows the KBM table an
admin published (domain.md: printed sources disagree, keep KBM as versioned data), which the phone
fetches on each sync and keeps, so the N or T a cadre tells the mother offline is the one the
server computes; and a bidan's judgement over the computed N/T (Buku KIA: a curve that follows its
growth line is N even below the KBM), with her reason, stands on the phone and on the server."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import kader_of, login, offline_phone, offline_with_new_child, open_child, register_child, wait_synced

pytestmark = pytest.mark.e2e


@pytest.fixture
def kbm_700_at_3_months(live_server):
    """The built-in table with 700 g at 3 months (800 g in the Buku KIA default), published by the
    admin for this test; the built-in values published again after it (the other tests see those)."""
    current = live_server.api("GET", "/growth/kbm", "admin").get_json()
    made = live_server.api("POST", "/growth/kbm", "admin",
                           json={"grams_by_month": {**current["grams_by_month"], "3": 700}, "source": "e2e: 700 g at 3 months"})
    assert made.status_code == 201, made.get_json()
    yield
    back = live_server.api("POST", "/growth/kbm", "admin",
                           json={"grams_by_month": current["grams_by_month"], "source": "e2e: back to the built-in table"})
    assert back.status_code == 201, back.get_json()


def weigh(page, day: date, kg: str, name: str = "Indah Timbang KBM") -> None:
    """Weigh the child ``name`` on the posyandu day ``day`` (chosen on the home screen)."""
    page.goto(page.url.split("#")[0] + "#/")
    page.locator("#day-date").fill(day.isoformat())
    page.locator("#day-date").dispatch_event("change")
    open_child(page, name)
    page.get_by_role("link", name="Catat penimbangan").click()
    page.get_by_label("Berat badan (kg)").fill(kg)
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#visit-result")).to_contain_text("Hasil penimbangan")


def test_n_or_t_offline_follows_the_published_kbm(live_server, new_context, kbm_700_at_3_months):
    ctx = new_context()
    page = ctx.new_page()
    login(page, live_server.url, "kader4")
    wait_synced(page)  # the sync fetched the table in force
    page.goto(live_server.url + "/#/settings")
    expect(page.locator("#kbm-info")).to_contain_text(re.compile(r"^Tabel KBM .* versi \d+ dari server: e2e: 700 g at 3 months"))
    ctx.set_offline(True)
    today = date.today()
    last_month = today.replace(day=1) - timedelta(days=1)
    child_id = register_child(page, "Indah Timbang KBM", days_old=100)  # 3 completed months today
    weigh(page, last_month, "5,2")
    weigh(page, today, "5,95")  # +750 g: T under the built-in 800 g, N under the published 700 g
    expect(page.locator("#visit-result")).to_contain_text("N — naik 750 g (KBM 700 g)")

    ctx.set_offline(False)
    wait_synced(page)
    visits = live_server.api("GET", f"/children/{child_id}/measurements", "kader4").get_json()["items"]
    latest = max(visits, key=lambda m: m["measured_on"])
    assert (latest["trend"], latest["weight_gain_g"], latest["kbm_g"]) == ("N", 750, 700)


def test_a_midwifes_n_over_a_computed_t_stands_with_her_reason(live_server, new_context):
    name = "Joko Garis Tumbuh"  # 6 completed months: KBM 400 g
    ctx, page, child_id = offline_with_new_child(new_context, live_server.url, "bidan1", name, days_old=200, sex="Laki-laki")
    today = date.today()
    weigh(page, today.replace(day=1) - timedelta(days=1), "7,0", name)
    weigh(page, today, "7,1", name)  # +100 g
    expect(page.locator("#visit-result [data-key=trend]")).to_contain_text("T — tidak cukup naik: 100 g, kurang dari KBM 400 g")
    page.get_by_role("link", name="Ubah penilaian N/T").click()
    judgement = page.locator("#nt-judgement")
    expect(judgement.get_by_label("Sesuai hitungan KBM: T")).to_be_checked()
    judgement.get_by_label("N — naik (kurva mengikuti garis pertumbuhan)").check()
    page.get_by_role("button", name="Simpan").click()
    expect(judgement.locator(".error").last).to_have_text("wajib diisi")  # the reason is asked
    judgement.get_by_label("Alasan penilaian").fill("kurva mengikuti garis pertumbuhan")
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#visit-result [data-key=trend]")).to_contain_text(
        "N — penilaian bidan (kurva mengikuti garis pertumbuhan); hitungan KBM: T — tidak cukup naik: 100 g")

    ctx.set_offline(False)
    wait_synced(page)
    visits = live_server.api("GET", f"/children/{child_id}/measurements", "bidan1").get_json()["items"]
    latest = max(visits, key=lambda m: m["measured_on"])
    assert (latest["trend"], latest["trend_computed"], latest["trend_override"], latest["trend_override_reason"]) == (
        "N", "T", "N", "kurva mengikuti garis pertumbuhan")

    # the posyandu's kader sees the judgement, and is not offered to make one
    kader_ctx = new_context()
    kader = kader_ctx.new_page()
    login(kader, live_server.url, kader_of(live_server, child_id, "bidan1"))
    wait_synced(kader)
    kader.goto(f"{live_server.url}/#/child/{child_id}")
    expect(kader.locator("#result [data-key=trend]")).to_contain_text("N — penilaian bidan")
    kader.goto(f"{live_server.url}/#/visit/{child_id}/{latest['id']}")
    kader.get_by_role("heading", name=f"Ubah penimbangan: {name}").wait_for()
    expect(kader.locator("#nt-judgement")).to_have_count(0)


def judged_this_month(live_server, name: str, reason: str = "kurva mengikuti garis pertumbuhan"):
    """A girl of kader3's posyandu weighed +100 g a month for three months (T), this month's weighing
    judged N by bidan1: her id, that weighing as the server answers it, and last month's first day."""
    today = date.today()
    first = today.replace(day=1)
    last = (first - timedelta(days=1)).replace(day=1)
    before = (last - timedelta(days=1)).replace(day=1)
    posyandu_id = live_server.api("GET", "/posyandu", "kader3").get_json()["items"][0]["id"]
    made = live_server.api("POST", "/children", "kader3", json={"posyandu_id": posyandu_id, "name": name, "sex": "F",
                                                                "birth_date": (today - timedelta(days=200)).isoformat()})
    assert made.status_code == 201, made.get_json()
    child_id = made.get_json()["id"]
    for day, kg in ((before.replace(day=10), 6.9), (last.replace(day=10), 7.0), (first, 7.1)):  # +100 g a month: T
        weighed = live_server.api("POST", f"/children/{child_id}/measurements", "kader3",
                                  json={"measured_on": day.isoformat(), "weight_kg": kg})
        assert weighed.status_code == 201, weighed.get_json()
    judged = live_server.api("PATCH", f"/measurements/{weighed.get_json()['id']}", "bidan1",
                             json={"trend_override": "N", "trend_override_reason": reason}).get_json()
    assert (judged["trend"], judged["trend_computed"]) == ("N", "T"), judged
    return child_id, judged, last


def test_a_bidans_n_on_a_weighing_a_kader_moves_offline_to_another_month_gives_way_to_the_computed_t(live_server, new_context):
    """A kader corrects, offline, the date of a weighing a bidan had judged N into the month before. The
    server drops a judgement of a month's gain when the weighing leaves that month; the phone went on
    showing her N until the push was answered, and a second correction of the weighing queued with the
    first sent her N back as the kader's change: refused ("You may not do this"). The phone now shows
    the T the server computes at once, and both corrections are applied."""
    child_id, judged, last = judged_this_month(live_server, "Sekar Pindah Bulan")

    ctx, page = offline_phone(new_context, live_server.url, "kader3")
    page.goto(f"{live_server.url}/#/child/{child_id}")
    expect(page.locator("#result [data-key=trend]")).to_contain_text("N — penilaian bidan")
    page.goto(f"{live_server.url}/#/visit/{child_id}/{judged['id']}")
    page.get_by_label("Tanggal timbang").fill(last.replace(day=20).isoformat())
    page.get_by_role("button", name="Simpan").click()
    # +200 g over the month before last: the server's T, not her N of this month
    expect(page.locator("#visit-result [data-key=trend] .status-value")).to_have_text(re.compile(r"^T — tidak cukup naik: 200 g, kurang dari KBM \d+ g$"))
    page.goto(f"{live_server.url}/#/child/{child_id}")
    expect(page.locator("#result [data-key=trend] .status-value")).to_have_text(re.compile(r"^T — tidak cukup naik: 200 g"))
    expect(page.locator(f"#history tr[data-id='{judged['id']}'] td").nth(4)).to_have_text("T")
    page.goto(f"{live_server.url}/#/visit/{child_id}/{judged['id']}")
    page.get_by_label("Berat badan (kg)").fill("7,15")
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#visit-result [data-key=trend] .status-value")).to_have_text(re.compile(r"^T — tidak cukup naik: 250 g, kurang dari KBM \d+ g$"))

    ctx.set_offline(False)
    wait_synced(page)
    now = live_server.api("GET", f"/measurements/{judged['id']}", "kader3").get_json()
    assert (now["measured_on"], now["weight_kg"], now["trend"], now["trend_override"]) == (
        last.replace(day=20).isoformat(), 7.15, "T", None), now


def test_a_bidan_moving_her_judged_weighing_to_another_month_keeps_the_n_she_gives_it_there(live_server, new_context):
    """A bidan corrects, offline, the date of a weighing she judged N into the month before, and gives it
    her N again there. The move drops a judgement of the month it left (the form now shows so: back to
    the computed N/T); the N she picks there stands, on the phone and on the server. Before, her N, sent
    as it stood with the move, was no change of hers: the server dropped it, the phone showed T."""
    reason = "kurva mengikuti garis pertumbuhan"
    child_id, judged, last = judged_this_month(live_server, "Ratna Pindah Bulan", reason)

    ctx, page = offline_phone(new_context, live_server.url, "bidan1")
    page.goto(f"{live_server.url}/#/visit/{child_id}/{judged['id']}")
    box = page.locator("#nt-judgement")
    her_n = box.get_by_label("N — naik (kurva mengikuti garis pertumbuhan)")
    expect(her_n).to_be_checked()
    page.get_by_label("Tanggal timbang").fill(last.replace(day=20).isoformat())
    page.get_by_label("Tanggal timbang").dispatch_event("change")
    expect(her_n).not_to_be_checked()  # the move drops it: the computed one is shown chosen
    expect(box.get_by_label(re.compile("^Sesuai hitungan KBM"))).to_be_checked()
    expect(box.get_by_label("Alasan penilaian")).to_have_value(reason)
    her_n.check()  # she judges it N there too
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#visit-result [data-key=trend]")).to_contain_text(f"N — penilaian bidan ({reason})")
    page.goto(f"{live_server.url}/#/child/{child_id}")
    expect(page.locator(f"#history tr[data-id='{judged['id']}'] td").nth(4)).to_have_text("N")

    ctx.set_offline(False)
    wait_synced(page)
    now = live_server.api("GET", f"/measurements/{judged['id']}", "bidan1").get_json()
    assert (now["measured_on"], now["trend"], now["trend_computed"], now["trend_override"], now["trend_override_reason"]) == (
        last.replace(day=20).isoformat(), "N", "T", "N", reason), now
    expect(page.locator(f"#history tr[data-id='{judged['id']}'] td").nth(4)).to_have_text("N")


def test_a_judged_n_whose_gain_is_gone_keeps_its_form_working_when_the_date_changes(live_server, new_context):
    """Her N stands after the weighing before it was corrected heavier (the gain gone): the form then
    offers no N to choose, and changing the date within the month threw (it looked for that choice),
    the form's own handler broken. The choice is left as it is, and the form saves."""
    today = date.today()
    first = today.replace(day=1)
    last = (first - timedelta(days=1)).replace(day=1)
    posyandu_id = live_server.api("GET", "/posyandu", "kader3").get_json()["items"][0]["id"]
    made = live_server.api("POST", "/children", "kader3", json={"posyandu_id": posyandu_id, "name": "Dewi Tanpa Naik",
                                                                "sex": "F", "birth_date": (today - timedelta(days=200)).isoformat()})
    child_id = made.get_json()["id"]
    earlier = live_server.api("POST", f"/children/{child_id}/measurements", "kader3",
                              json={"measured_on": last.replace(day=10).isoformat(), "weight_kg": 6.9}).get_json()
    weighed = live_server.api("POST", f"/children/{child_id}/measurements", "kader3",
                              json={"measured_on": first.isoformat(), "weight_kg": 7.0}).get_json()
    judged = live_server.api("PATCH", f"/measurements/{weighed['id']}", "bidan1",
                             json={"trend_override": "N", "trend_override_reason": "kurva naik"}).get_json()
    assert judged["trend"] == "N", judged
    heavier = live_server.api("PATCH", f"/measurements/{earlier['id']}", "kader3", json={"weight_kg": 7.2}).get_json()
    assert heavier["weight_kg"] == 7.2, heavier
    assert live_server.api("GET", f"/measurements/{weighed['id']}", "bidan1").get_json()["trend_override"] == "N"

    page = new_context().new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, live_server.url, "bidan1")
    wait_synced(page)
    page.goto(f"{live_server.url}/#/visit/{child_id}/{weighed['id']}")
    box = page.locator("#nt-judgement")
    expect(box.get_by_label(re.compile("^N"))).to_have_count(0)  # no gain: no N to give
    page.get_by_label("Tanggal timbang").fill(first.replace(day=min(2, today.day)).isoformat())  # the same month
    page.get_by_label("Tanggal timbang").dispatch_event("change")
    assert errors == []
    box.get_by_label("T — tidak naik").check()
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#visit-result [data-key=trend]")).to_contain_text("T")
    assert errors == []


def test_the_n_t_form_says_the_n_or_t_computed_for_the_weighing_as_it_stands_on_the_form(live_server, new_context):
    """A bidan correcting the date of a weighing she judged N (the computed one T) into a month whose
    gain is an N: the form's "Sesuai hitungan KBM" went on saying the T of the date it had, while the
    weighing saved so counts the N of its new month. It now says the N or T computed for the date on
    the form, and for the weight on it."""
    child_id, judged, last = judged_this_month(live_server, "Laras Pindah Tanggal")
    before = (last - timedelta(days=1)).replace(day=1)  # weighed 6.9 kg on its 10th
    earliest = (before - timedelta(days=1)).replace(day=10)
    weighed = live_server.api("POST", f"/children/{child_id}/measurements", "kader3",
                              json={"measured_on": earliest.isoformat(), "weight_kg": 6.0})
    assert weighed.status_code == 201, weighed.get_json()

    ctx, page = offline_phone(new_context, live_server.url, "bidan1")
    page.goto(f"{live_server.url}/#/visit/{child_id}/{judged['id']}")
    box = page.locator("#nt-judgement")
    computed = box.get_by_label(re.compile("^Sesuai hitungan KBM"))
    expect(computed).to_have_accessible_name("Sesuai hitungan KBM: T")  # +100 g over last month
    date_field, weight = page.get_by_label("Tanggal timbang"), page.get_by_label("Berat badan (kg)")
    date_field.fill(before.replace(day=20).isoformat())
    date_field.dispatch_event("change")
    expect(computed).to_have_accessible_name("Sesuai hitungan KBM: N")  # 7.1 kg there: +1100 g over 6.0
    expect(computed).to_be_checked()  # moved to another month: her N dropped
    weight.fill("6,2")
    weight.dispatch_event("change")
    expect(computed).to_have_accessible_name("Sesuai hitungan KBM: T")  # +200 g
    weight.fill("7,1")
    weight.dispatch_event("change")
    expect(computed).to_have_accessible_name("Sesuai hitungan KBM: N")
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#visit-result [data-key=trend] .status-value")).to_have_text(re.compile(r"^N — naik 1.100 g"))

    ctx.set_offline(False)
    wait_synced(page)
    now = live_server.api("GET", f"/measurements/{judged['id']}", "bidan1").get_json()
    assert (now["measured_on"], now["trend"], now["trend_computed"], now["trend_override"]) == (
        before.replace(day=20).isoformat(), "N", "N", None), now


def test_a_judged_weighing_moved_to_a_month_with_no_n_or_t_offers_no_judgement(live_server, new_context):
    """A bidan moving the date of a weighing she judged N into a month with no weighing the month before
    (its first weighing: B): the form went on offering N or T, which the server refuses (no N or T to
    judge), the change then waiting on the sync screen. The choice now follows the date as the computed
    N/T does: not offered there, said why; back in a month with an N or T, offered again. Saved
    there, nothing of hers is sent and the server holds no judgement."""
    child_id, judged, last = judged_this_month(live_server, "Wulan Tanpa N/T")
    before = (last - timedelta(days=1)).replace(day=1)  # weighed 6.9 kg on its 10th, the first weighing
    earliest = (before - timedelta(days=1)).replace(day=20)  # no weighing the month before, nor before it

    ctx, page = offline_phone(new_context, live_server.url, "bidan1")
    page.goto(f"{live_server.url}/#/visit/{child_id}/{judged['id']}")
    box = page.locator("#nt-judgement")
    her_n = box.get_by_label("N — naik (kurva mengikuti garis pertumbuhan)")
    expect(her_n).to_be_checked()
    date_field = page.get_by_label("Tanggal timbang")
    date_field.fill(earliest.isoformat())
    date_field.dispatch_event("change")
    expect(box.get_by_role("radio")).to_have_count(0)  # none to pick
    expect(box.get_by_role("textbox", name="Alasan penilaian")).to_have_count(0)
    expect(box).to_contain_text("Hitungan KBM: B. Penilaian N/T hanya bila bulan lalu juga ditimbang")
    date_field.fill(judged["measured_on"])  # back to its month: her N offered again, as it stood
    date_field.dispatch_event("change")
    expect(her_n).to_be_visible()
    expect(her_n).to_be_checked()
    date_field.fill(earliest.isoformat())
    date_field.dispatch_event("change")
    expect(box.get_by_role("radio")).to_have_count(0)
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#visit-result [data-key=trend] .status-value")).to_have_text(re.compile(r"^B\b"))

    ctx.set_offline(False)
    wait_synced(page)  # nothing waits (a refused change would: "perlu perhatian")
    now = live_server.api("GET", f"/measurements/{judged['id']}", "bidan1").get_json()
    assert (now["measured_on"], now["trend"], now["trend_override"], now["trend_override_reason"]) == (
        earliest.isoformat(), "B", None, None), now
