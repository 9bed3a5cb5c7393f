"""Passwords are one password however the keyboard spells them: hashed, verified and judged in
Unicode NFKC; a hash made before, of the password as typed, still logs in and is hashed again."""
from __future__ import annotations

import pytest
from sqlalchemy import select, update

from tests.conftest import PASSWORD

COMPOSED = "sandi-caf\u00e9-9"  # é as one character (U+00E9)
DECOMPOSED = "sandi-cafe\u0301-9"  # e and a combining acute accent (U+0301)
FULL_WIDTH = "\uff53\uff41\uff4e\uff44\uff49-caf\u00e9-\uff19"  # "ｓａｎｄｉ-café-９"


def _status(client, username: str, password: str) -> int:
    return client.post("/api/v1/auth/login", json={"username": username, "password": password}).status_code


def _set_own(client, world, new: str):
    return client.post("/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": new},
                       headers=world.headers("kader1"))


@pytest.mark.parametrize("typed, again", [(COMPOSED, DECOMPOSED), (DECOMPOSED, COMPOSED), (FULL_WIDTH, COMPOSED)])
def test_a_password_typed_composed_decomposed_or_full_width_logs_in_alike(client, world, typed, again):
    """Set on a phone whose keyboard composes "é", typed on one that writes "e" and a combining
    accent (or full-width letters): the same password, but it was refused (401)."""
    assert _set_own(client, world, typed).status_code == 200
    assert _status(client, "kader1", again) == 200
    assert _status(client, "kader1", typed) == 200
    assert _status(client, "kader1", "sandi-cafe-9") == 401  # without the accent it is another password


def test_an_admin_set_password_is_normalised_too(client, world):
    created = client.post("/api/v1/users", json={"username": "kader9", "password": DECOMPOSED, "name": "Kader Sembilan",
                                                 "role": "kader", "posyandu_id": str(world.ids["p1"])},
                          headers=world.headers("admin"))
    assert created.status_code == 201, created.get_json()
    assert _status(client, "kader9", COMPOSED) == 200


@pytest.mark.parametrize("new", [
    "cafe\u0301-12",  # 8 characters as typed, 7 in NFKC ("café-12")
    "\uff50\uff41\uff53\uff53\uff57\uff4f\uff52\uff44\uff11\uff12\uff13",  # full-width "password123", a common one
])
def test_a_new_passwords_length_and_strength_are_judged_in_nfkc(client, world, new):
    resp = _set_own(client, world, new)
    assert resp.status_code == 422 and "new_password" in resp.get_json()["errors"], resp.get_json()
    assert _status(client, "kader1", PASSWORD) == 200


def test_an_old_hash_of_the_password_as_typed_still_logs_in_and_is_hashed_again_normalised(app, client, world, db):
    """Hashes made before passwords were normalised are of the password as typed: its owner is not
    locked out by the upgrade; her first login hashes it again in NFKC, and from then on her other
    keyboard's spelling logs in too."""
    from posyandu.auth import passwords
    from posyandu.auth.models import User

    old = passwords._hasher.hash(DECOMPOSED)  # today's argon2 settings: only the normalisation is new
    assert not passwords.needs_rehash(old)
    db.session.execute(update(User).where(User.username == "kader1").values(password_hash=old))
    db.session.commit()
    assert _status(client, "kader1", COMPOSED) == 401  # not yet: the hash is of the other spelling
    assert _status(client, "kader1", DECOMPOSED) == 200
    db.session.expire_all()
    stored = db.session.scalar(select(User.password_hash).where(User.username == "kader1"))
    assert stored != old
    assert passwords._hasher.verify(stored, COMPOSED)  # the NFKC form is what is hashed now
    assert _status(client, "kader1", COMPOSED) == 200
    assert _status(client, "kader1", DECOMPOSED) == 200


def test_an_old_hash_of_the_password_as_typed_is_her_current_password_to_change_it(app, client, world, db):
    from posyandu.auth import passwords
    from posyandu.auth.models import User

    headers = world.headers("kader1")  # her session, from before the hash below
    db.session.execute(update(User).where(User.username == "kader1")
                       .values(password_hash=passwords._hasher.hash(DECOMPOSED)))
    db.session.commit()
    resp = client.post("/api/v1/auth/password", json={"current_password": DECOMPOSED, "new_password": "sandi-baru-2026"},
                       headers=headers)
    assert resp.status_code == 200, resp.get_json()
    assert _status(client, "kader1", "sandi-baru-2026") == 200
