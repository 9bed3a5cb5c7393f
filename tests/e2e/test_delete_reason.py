"""A deletion's reason is kept in Bahasa Indonesia whatever the language of the phone that deleted:
a kader reading the app in English sent "Recorded twice", and the audit log and the child's history
(read by the bidan, the puskesmas, the parent) mixed the two languages."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.pages import login, open_child, registered_by, wait_synced, weighed_by

pytestmark = pytest.mark.e2e
NAME = "Sekar Hapus Inggris"


def test_a_weighing_deleted_in_english_keeps_its_reason_in_bahasa_indonesia(live_server, new_context):
    from posyandu.audit import AuditLog
    from posyandu.extensions import db

    child_id = registered_by(live_server, "kader3", NAME, days_old=90, mother_name="Tini")
    weighing = weighed_by(live_server, "kader3", child_id,
                          measured_on=(date.today() - timedelta(days=1)).isoformat(), weight_kg=5.6)

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
