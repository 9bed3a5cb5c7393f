"""A deletion's reason is kept in Bahasa Indonesia whatever the language of the phone that deleted:
a kader reading the app in English sent "Recorded twice", and the audit log and the child's history
(read by the bidan, the puskesmas, the parent) mixed the two languages."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.pages import login, open_child, wait_synced

pytestmark = pytest.mark.e2e
NAME = "Sekar Hapus Inggris"


def test_a_weighing_deleted_in_english_keeps_its_reason_in_bahasa_indonesia(live_server, new_context):
    from posyandu.audit import AuditLog
    from posyandu.extensions import db

    posyandu_id = live_server.api("GET", "/posyandu", "kader3").get_json()["items"][0]["id"]
    made = live_server.api("POST", "/children", "kader3", json={
        "posyandu_id": posyandu_id, "name": NAME, "sex": "F",
        "birth_date": (date.today() - timedelta(days=90)).isoformat(), "mother_name": "Tini"})
    assert made.status_code == 201, made.get_json()
    child_id = made.get_json()["id"]
    weighed = live_server.api("POST", f"/children/{child_id}/measurements", "kader3",
                              json={"measured_on": (date.today() - timedelta(days=1)).isoformat(), "weight_kg": 5.6})
    assert weighed.status_code == 201, weighed.get_json()
    weighing = weighed.get_json()["id"]

    page = new_context().new_page()
    login(page, live_server.url, "kader3")
    wait_synced(page)
    open_child(page, NAME)
    page.locator(f"#history tr[data-id='{weighing}']").get_by_role("link", name=re.compile("Ubah")).click()
    page.locator("#lang-btn").click()
    delete = page.locator("#delete-form")
    expect(delete.get_by_label("Recorded twice")).to_be_visible()
    delete.get_by_label("Recorded twice").check()
    delete.get_by_role("button", name="Delete").click()
    page.get_by_role("heading", name=NAME, exact=True).wait_for()
    wait_synced(page)
    with live_server.app.app_context():
        assert db.session.scalars(select(AuditLog.reason).where(
            AuditLog.record_id == weighing, AuditLog.action == "delete")).all() == ["Tercatat dua kali"]
