"""The device of a write made through REST from the app (not the push) is in the audit log: the app
names its phone (X-Client-Id, the id it syncs under) on every request. A code for a parent, a merge,
a user's role, an unlink were audited with no device at all (real Chromium, real server)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.pages import login, open_child, wait_synced

pytestmark = pytest.mark.e2e


def test_a_code_made_on_the_childs_screen_is_audited_with_the_phone_that_syncs(live_server, new_context):
    from posyandu.audit import AuditLog
    from posyandu.auth.models import User
    from posyandu.extensions import db
    from posyandu.sync.models import SyncClient

    page = new_context().new_page()
    login(page, live_server.url, "kader2")
    wait_synced(page)
    open_child(page, page.locator("#children a strong").first.inner_text())
    child_id = page.url.split("/")[-1]
    page.get_by_role("button", name="Undang orang tua").click()
    expect(page.locator("#invite")).to_contain_text("Kode untuk orang tua")
    with live_server.app.app_context():
        kader = db.session.scalar(select(User.id).where(User.username == "kader2"))
        phones = set(db.session.scalars(select(SyncClient.client_id).where(SyncClient.user_id == kader)))
        made = db.session.execute(select(AuditLog.user_id, AuditLog.client_id).where(
            AuditLog.action == "create", AuditLog.entity == "invitation",
            AuditLog.changes["child_id"][1].as_string() == child_id)).all()
        for open_code in live_server.api("GET", f"/children/{child_id}/invitations", "kader2").get_json()["items"]:
            live_server.api("DELETE", f"/children/{child_id}/invitations/{open_code['id']}", "kader2")
    # the phone's id, as it synced (the shared server may know other phones of hers, from other tests)
    [(user, phone)] = [tuple(r) for r in made][-1:]
    assert user == kader and phone in phones
