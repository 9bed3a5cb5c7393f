"""Small helpers that drive the PWA the way a cadre does (by labels and visible text)."""
from __future__ import annotations

import re
from datetime import date, timedelta

PIN = "246813"


def wait_synced(page, timeout: int = 30000) -> None:
    """The header chip reports a finished sync with nothing waiting (a parent's: her data up to date)."""
    page.wait_for_function(
        "() => { const c = document.getElementById('sync-chip');"
        " return c && c.dataset.phase === 'done' && /Tersinkron|Synced|Data terbaru|Up to date/.test(c.textContent); }", timeout=timeout)


def start_login(page, base: str, username: str, password: str = "posyandu123") -> None:
    """Log in with the password and type the new PIN twice, up to its "Simpan" (not clicked)."""
    page.goto(base + "/")
    fill_login(page, username, password)


def fill_login(page, username: str, password: str = "posyandu123") -> None:
    """On the login form shown: the password, then the new PIN twice, up to its "Simpan" (not clicked)."""
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk", exact=True).click()
    page.locator("input[name=pin]").fill(PIN)
    page.locator("input[name=pin2]").fill(PIN)


def login(page, base: str, username: str, password: str = "posyandu123") -> None:
    start_login(page, base, username, password)
    page.get_by_role("button", name="Simpan").click()
    page.locator("#nav").wait_for()


def enter_pin(page) -> None:
    page.get_by_role("heading", name="Masukkan PIN").wait_for()
    page.locator("input[name=pin]").fill(PIN)
    page.get_by_role("button", name="Buka").click()
    page.locator("#nav").wait_for()


def sw_ready(page) -> None:
    """The service worker has cached the shell (installed and active) and controls the page: a
    reload offline is served by it (on a slow machine it may still be caching after the first sync)."""
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20000)


def sw_controls(page) -> None:
    """The service worker has cached the shell and controls the page."""
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("() => navigator.serviceWorker.controller !== null"):
        page.reload()  # claimed pages are controlled at once; a reload is the documented fallback
        # a reload locks the app (a slow machine's path only): the PIN opens it again, as a kader would;
        # a page no one has logged in to yet comes back to its login form (waiting for the PIN or the
        # menu there timed out: test_the_app_is_installable on a loaded machine)
        page.wait_for_function("() => document.querySelector('input[name=pin]') || !document.getElementById('nav').hidden"
                               " || document.querySelector('input[name=username]')")
        if page.locator("input[name=pin]").count():
            enter_pin(page)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20000)


def chip_text(page) -> str:
    return page.locator("#sync-chip").inner_text()


def open_child(page, name: str) -> None:
    """Open the child named ``name`` from the home list, as a cadre does. A tap the list took while a sync
    redrew it leaves her on the list (a loaded CI run saw it once): she taps again, as she would."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.goto(page.url.split("#")[0] + "#/")
    page.get_by_label("Cari nama anak").fill(name)
    heading = page.get_by_role("heading", name=name, exact=True)
    for _ in range(2):
        page.locator("#children a", has_text=name).first.click()
        try:
            heading.wait_for(timeout=10000)
            return
        except PlaywrightTimeout:
            if "#/child/" in page.url:  # on her screen, drawn slowly: wait for it, no second tap
                break
    heading.wait_for()


def register_child(page, name: str, *, days_old: int, sex: str = "Perempuan", again: bool = False, **by_label: str) -> str:
    """Register a child in the PWA's form, as a cadre does (kept on the phone until the next sync):
    its name, sex ("Perempuan" or "Laki-laki"), a birth date ``days_old`` days ago, and any other
    field by its label (``**{"Nama ibu": "Sri"}``); ``again``: one like her is on the phone already, the
    form says so and a second "Simpan" saves. The new child's id, from the child's screen."""
    page.goto(page.url.split("#")[0] + "#/register")
    page.get_by_role("heading", name="Daftarkan anak baru").wait_for()  # not the screen before (its "Cari nama anak")
    page.get_by_label("Nama anak").fill(name)
    page.get_by_label(sex).check()
    page.get_by_label("Tanggal lahir").fill((date.today() - timedelta(days=days_old)).isoformat())
    for label, value in by_label.items():
        page.get_by_label(label).fill(value)
    page.get_by_role("button", name="Simpan").click()
    if again:
        page.get_by_text("Anak ini mungkin sudah terdaftar").wait_for()
        page.get_by_role("button", name="Simpan").click()
    page.get_by_role("heading", name=name, exact=True).wait_for()
    return page.evaluate("() => location.hash").split("/")[-1]


def waiting(n: int):
    """The chip with ``n`` changes waiting: online ("n akan dikirim"), offline ("Tanpa sinyal · n"), or the
    sync failing ("n belum terkirim")."""
    return re.compile(rf"^({n} akan dikirim|Tanpa sinyal · {n}|{n} belum terkirim)$")


def registered_by(server, user: str, name: str, *, days_old: int, sex: str = "F", **fields) -> str:
    """A child registered through the API by ``user`` (another phone, or the past), in ``user``'s first
    posyandu unless ``posyandu_id`` is given, born ``days_old`` days ago: her id."""
    fields.setdefault("posyandu_id", server.api("GET", "/posyandu", user).get_json()["items"][0]["id"])
    made = server.api("POST", "/children", user, json={
        "name": name, "sex": sex, "birth_date": (date.today() - timedelta(days=days_old)).isoformat(), **fields})
    assert made.status_code == 201, made.get_json()
    return made.get_json()["id"]


def weighed_by(server, user: str, child_id: str, **fields) -> str:
    """A weighing of ``child_id`` recorded through the API by ``user``: its id."""
    made = server.api("POST", f"/children/{child_id}/measurements", user, json=fields)
    assert made.status_code == 201, made.get_json()
    return made.get_json()["id"]


def kader_of(server, child_id: str, asker: str) -> str:
    """The demo kader of the child's posyandu (posyandu.demo: kader1 … kader6, in POSYANDU's order),
    asked of the server as ``asker``."""
    from posyandu.demo import POSYANDU

    posyandu_id = server.api("GET", f"/children/{child_id}", asker).get_json()["posyandu_id"]
    name = server.api("GET", f"/posyandu/{posyandu_id}", asker).get_json()["name"]
    return f"kader{[f'Posyandu {n}' for n, *_ in POSYANDU].index(name) + 1}"


def parent_phone(new_context, server, child_id: str, kader: str, username: str, name: str) -> tuple:
    """A new parent ``username`` (password "kuat-sekali") linked to ``child_id`` by a code ``kader``
    gave, logged in and synced on a phone of her own: (its page, her user id)."""
    code = server.api("POST", f"/children/{child_id}/invitations", kader).get_json()["code"]
    made = server.api("POST", "/auth/register", json={"code": code, "username": username, "password": "kuat-sekali",
                                                       "name": name})
    assert made.status_code == 201, made.get_json()
    page = new_context().new_page()
    login(page, server.url, username, "kuat-sekali")
    wait_synced(page)
    return page, made.get_json()["user"]["id"]


def offline_phone(new_context, base: str, username: str, init_script: str | None = None) -> tuple:
    """A phone of ``username``, logged in and synced, then offline: (its browser context, its page)."""
    ctx = new_context()
    if init_script:
        ctx.add_init_script(init_script)
    page = ctx.new_page()
    login(page, base, username)
    wait_synced(page)
    sw_ready(page)
    ctx.set_offline(True)
    return ctx, page


def offline_with_new_child(new_context, base: str, username: str, name: str, *, days_old: int,
                           init_script: str | None = None, **child) -> tuple:
    """``offline_phone`` with a child ``name`` registered on it (``register_child``'s fields):
    (its browser context, its page, the child's id)."""
    ctx, page = offline_phone(new_context, base, username, init_script)
    return ctx, page, register_child(page, name, days_old=days_old, **child)


def refused_weight(route) -> None:
    """A push route (``page.route("**/api/v1/sync/push", refused_weight)``) that makes each weighing's
    weight 999 on the way: the server refuses it, and it stays on the phone under "perlu perhatian"."""
    import json

    body = json.loads(route.request.post_data)
    for m in body["mutations"]:
        if m["entity"] == "measurement":
            m["data"]["weight_kg"] = 999
    route.continue_(post_data=json.dumps(body))


def weigh_first_child_refused(page) -> None:
    """Weigh the first child of the home list, the server refusing the weighing (``refused_weight``)."""
    page.route("**/api/v1/sync/push", refused_weight)
    page.locator("#children a").first.click()
    page.get_by_role("link", name="Catat penimbangan").click()
    page.get_by_label("Berat badan (kg)").fill("8,1")
    page.get_by_role("button", name="Simpan").click()
    page.wait_for_function("() => document.getElementById('sync-chip').textContent === '1 perlu perhatian'")
    page.unroute("**/api/v1/sync/push", refused_weight)


def starred(form) -> dict[str, bool]:
    """Each shown field's label in `form` (a locator), and whether it has the star of a required one."""
    return form.evaluate("""f => Object.fromEntries([...f.querySelectorAll('.field > label, fieldset > legend')]
      .filter((l) => l.checkVisibility())
      .map((l) => [[...l.childNodes].filter((n) => !n.classList?.contains('req')).map((n) => n.textContent).join('').trim(),
                   !!l.querySelector('.req')]))""")


def type_no_such_date(page, field, year: int) -> None:
    """31 February typed on the keyboard, day first as in Indonesia, else month first (headless
    Chromium orders the segments by its own language, not the page's)."""
    for keys in (f"3102{year}", f"0231{year}"):
        field.fill("")
        field.focus()
        page.keyboard.type(keys)
        if field.evaluate("e => e.validity.badInput"):
            return
    raise AssertionError("the date field took no impossible date")


def until_held(page, held: list, what: str) -> None:
    """Wait (10 s at most) until a route handler has held ``what``'s request in ``held``."""
    for _ in range(200):
        if held:
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"{what} was not asked for")
