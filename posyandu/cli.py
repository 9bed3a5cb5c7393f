"""``flask --app wsgi …`` commands: users, area imports, demo data, maintenance."""
from __future__ import annotations

import csv
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import func, select

from posyandu.extensions import db


def register_cli(app: Flask) -> None:
    app.cli.add_command(create_admin)
    app.cli.add_command(import_regions)
    app.cli.add_command(import_posyandu)
    app.cli.add_command(seed_demo)
    app.cli.add_command(recompute_growth)
    app.cli.add_command(purge_tokens)
    app.cli.add_command(prune_sync_ledger)
    app.cli.add_command(purge_deleted_children)
    from posyandu.immunisation.commands import load_schedule
    from posyandu.imports.commands import import_visits

    app.cli.add_command(import_visits)
    app.cli.add_command(reset_password)
    app.cli.add_command(load_schedule)


@click.command("create-admin")
@with_appcontext
@click.option("--username", required=True)
@click.option("--name", default="Administrator")
@click.option("--temporary", is_flag=True,
              help="The password is for someone else: she must set her own at her first login.")
@click.password_option()
def create_admin(username: str, name: str, password: str, temporary: bool) -> None:
    """Create an admin user (checked as ``POST /api/v1/users`` checks one: username, a password of
    at least 8 characters not easily guessed (``weak_password``: not posyandu123, Kader1234, abcdefgh),
    a username not taken).

    The password is the admin's own unless ``--temporary``: whoever runs this at the server's shell is
    usually the admin herself, setting up (no one else then knows it). Made for someone else, a
    temporary one makes her set her own at her first login (``must_change_password``), as an account
    made through ``POST /api/v1/users``."""
    from marshmallow import ValidationError

    from posyandu.auth.operations import create_user
    from posyandu.auth.schemas import UserSchema
    from sqlalchemy.exc import IntegrityError

    from posyandu.errors import TAKEN, ValidationFailed, unique_field

    try:
        data = UserSchema().load({"username": username, "password": password, "name": name, "role": "admin"})
        user = create_user(data, temporary=temporary)
        db.session.commit()  # the username taken meanwhile (an admin's request): refused as when checked
    except (ValidationError, ValidationFailed, IntegrityError) as exc:
        db.session.rollback()
        if isinstance(exc, IntegrityError) and unique_field(exc) is None:
            raise
        errors = (exc.messages if isinstance(exc, ValidationError) else {unique_field(exc): [TAKEN]}
                  if isinstance(exc, IntegrityError) else exc.errors or {})
        raise click.ClickException("\n".join(["admin tidak dibuat (admin not created):",
                                               *(f"  {line}" for line in field_lines(errors))])) from None
    click.echo(f"admin {user.username} created")


@click.command("reset-password")
@with_appcontext
@click.option("--username", required=True)
@click.option("--temporary", is_flag=True,
              help="The password is for someone else: she must set her own at her first login.")
@click.password_option()
def reset_password(username: str, password: str, temporary: bool) -> None:
    """Set a new password for an account from the server's shell: the way back in for an admin who
    forgot hers when no other admin can reset it (``create-admin`` refuses a username taken). Checked as
    any password (``weak_password``); every session of the account ends; audited (``cli:``). Her own
    unless ``--temporary``, as ``create-admin``'s."""
    from posyandu.auth.models import User
    from posyandu.auth.operations import update_user
    from posyandu.errors import DomainError

    user = db.session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise click.ClickException(f"pengguna {username!r} tidak ada (no such user)")
    try:
        update_user(user, {"password": password}, temporary=temporary)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException("\n".join(["kata sandi tidak diganti (password not changed):",
                                               *(f"  {line}" for line in field_lines(exc.errors or exc.detail))])) from None
    click.echo(f"kata sandi {user.username} diganti; semua sesinya berakhir (password of {user.username} set; "
               "every session of it ended)")


def field_lines(errors: object) -> list[str]:
    """Per-field messages ({field: [message, ...]}, nested as marshmallow nests them) as lines
    "field: message; message" (Indonesian), a nested field named by its path ("document.entries[3].name")."""
    from posyandu.i18n import translate_field_message

    def lines(node: object, path: str) -> list[str]:
        if isinstance(node, dict):
            return [line for key, sub in node.items()
                    for line in lines(sub, f"{path}[{key}]" if isinstance(key, int) else
                                      f"{path}.{key}" if path else str(key))]
        return [f"{path}: {'; '.join(map(str, node if isinstance(node, list) else [node]))}"]

    return lines(translate_field_message(errors), "")


def _csv_rows(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """The rows of a UTF-8 CSV file with its line numbers; a file that cannot be read, or lacks one
    of ``columns``, is refused with a clear message (not a traceback)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise click.ClickException(f"kolom tidak ada (missing columns): {', '.join(missing)}")
            return [(reader.line_num, row) for row in reader]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise click.ClickException(
            f"berkas tidak dapat dibaca sebagai CSV UTF-8 (not a UTF-8 CSV file): {exc}") from None


def _unstorable(row: dict[str, str]) -> dict[str, object]:
    """The cells of a CSV row the database cannot store (NUL), refused as the API refuses them."""
    from posyandu.validators import unstorable_text

    return unstorable_text({k: v for k, v in row.items() if k is not None})


def _refuse(problems: list[tuple[int, dict[str, object]]]) -> None:
    """Nothing of the file is saved; every bad row is listed with its line and field (Indonesian)."""
    db.session.rollback()
    lines = [f"  baris {line}: {text}" for line, errors in problems for text in field_lines(errors)]
    raise click.ClickException("\n".join(["berkas ditolak, tidak ada yang disimpan (file refused, nothing saved):",
                                           *lines]))


@click.command("import-regions")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_regions(path: Path) -> None:
    """Import Kemendagri regions from a CSV with columns code,name (parents first). Each row is
    checked as ``POST /api/v1/regions`` checks it; a bad row refuses the whole file."""
    from marshmallow import ValidationError

    from posyandu.errors import ValidationFailed
    from posyandu.registry.operations import upsert_region
    from posyandu.registry.schemas import RegionSchema

    problems: list[tuple[int, dict[str, object]]] = []
    loaded = []
    for line, row in _csv_rows(path, ("code", "name")):
        if bad := _unstorable(row):
            problems.append((line, bad))
            continue
        try:
            loaded.append((line, RegionSchema().load({"code": (row["code"] or "").strip(), "name": row["name"] or ""})))
        except ValidationError as exc:
            problems.append((line, exc.messages))  # type: ignore[arg-type]
    if problems:
        _refuse(problems)
    for line, region in sorted(loaded, key=lambda r: len(r[1]["code"])):
        try:
            upsert_region(region["code"], region["name"])
        except ValidationFailed as exc:
            problems.append((line, exc.errors or {}))
    if problems:
        _refuse(sorted(problems, key=lambda p: p[0]))
    db.session.commit()
    click.echo(f"{len(loaded)} regions imported")


def _whole(text: str | None) -> int | str:
    """A CSV cell's whole number as an int (the schema takes no text for it, nor 7.9 for 7), else as typed."""
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() else text


@click.command("import-posyandu")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_posyandu(path: Path) -> None:
    """Import posyandu from a CSV: name,desa_code,puskesmas_code,meeting_day[,address], the code case
    aside (as the API judges codes). Each row is checked as ``POST /api/v1/posyandu`` checks it; a bad row
    refuses the whole file. A posyandu already there is left as it is; one that was closed is not
    reopened, and each such row is named."""
    from marshmallow import ValidationError

    from posyandu.auth.models import User
    from posyandu.errors import ValidationFailed
    from posyandu.registry.models import Posyandu, Puskesmas
    from posyandu.registry.operations import create_posyandu, puskesmas_coded
    from posyandu.registry.schemas import PosyanduSchema

    admin = db.session.scalar(select(User).where(User.role == "admin").limit(1))
    if admin is None:
        raise click.ClickException("create an admin first (flask create-admin)")
    count = 0
    problems: list[tuple[int, dict[str, object]]] = []
    closed: list[str] = []
    for line, row in _csv_rows(path, ("name", "desa_code", "puskesmas_code", "meeting_day")):
        if bad := _unstorable(row):
            problems.append((line, bad))
            continue
        code = (row["puskesmas_code"] or "").strip()
        found = db.session.scalars(select(Puskesmas).where(puskesmas_coded(code)).order_by(Puskesmas.name)).all()
        if len(found) != 1:  # two: codes stored in two cases before codes were judged case aside
            problems.append((line, {"puskesmas_code": [
                f"kode puskesmas tidak dikenal (unknown puskesmas code) {code!r}" if not found else
                f"kode puskesmas {code!r} dipakai {len(found)} puskesmas ({', '.join(p.name for p in found)}): "
                f"beri kode lain dulu (the code of {len(found)} puskesmas: give one another code first)"]}))
            continue
        pkm = found[0]
        try:
            data = PosyanduSchema().load({"name": row["name"] or "", "desa_code": (row["desa_code"] or "").strip(),
                                          "puskesmas_id": str(pkm.id),
                                          "meeting_day": _whole(row["meeting_day"]),
                                          "address": row.get("address") or None})
        except ValidationError as exc:
            problems.append((line, exc.messages))  # type: ignore[arg-type]
            continue
        exists = db.session.scalars(select(Posyandu.deleted_at).where(Posyandu.name == data["name"],
                                                                      Posyandu.desa_code == data["desa_code"])).all()
        if exists and all(closed_at is not None for closed_at in exists):  # said, not taken for open
            closed.append(f"baris {line}: {data['name']} ({data['desa_code']}) sudah ditutup, tidak dibuka lagi "
                          "(closed: not reopened)")
            continue
        if exists:
            continue  # importing the same file twice changes nothing
        try:
            create_posyandu(admin, data)
        except ValidationFailed as exc:
            problems.append((line, exc.errors or {}))
            continue
        count += 1
    if problems:
        _refuse(problems)
    db.session.commit()
    for text in closed:
        click.echo(text, err=True)
    click.echo(f"{count} posyandu imported" + (f", {len(closed)} closed (not reopened)" if closed else ""))


@click.command("seed-demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users (else: an error).")
@click.option("--seed", default=2024, show_default=True)
def seed_demo(if_empty: bool, seed: int) -> None:
    """Load the demo kabupaten: 2 puskesmas, 6 posyandu, ~300 children, 2 years of visits. Refused
    on a production server (``POSYANDU_ENV=production``): its users, an admin among them, all have
    the password the README publishes."""
    from flask import current_app

    from posyandu.auth.models import User
    from posyandu.demo import load_demo

    if current_app.config.get("PRODUCTION"):
        raise click.ClickException("seed-demo refused: POSYANDU_ENV=production; the demo's accounts (an admin "
                                   "among them) have a published password (data demo ditolak di server produksi)")
    if db.session.scalar(select(func.count()).select_from(User)):
        if if_empty:
            click.echo("database not empty; demo data not loaded")
            return
        # the demo's users and codes would clash with what is there: said, not a traceback
        raise click.ClickException("database not empty: the demo loads into an empty database only "
                                   "(basis data tidak kosong: data demo hanya dimuat ke basis data kosong)")
    summary = load_demo(seed=seed)
    db.session.commit()
    click.echo(summary)


@click.command("recompute-growth")
@with_appcontext
@click.option("--queued", is_flag=True,
              help="Only the children waiting for it (after an admin published a KBM table): the timer's run.")
def recompute_growth(queued: bool) -> None:
    """Recompute every child's z-scores, categories and KMS trend (after a WHO table change), a batch
    of children at a time, each committed; with --queued, those a KBM table left waiting."""
    from posyandu.growth.recompute import drain, pending, queue_every_child

    if not queued:
        queue_every_child("recompute-growth")
        db.session.commit()
    total = pending()
    if not total:
        return
    with click.progressbar(length=total, label="recomputing") as bar:
        left = drain(progress=bar.update)
    click.echo(f"{total - left} children recomputed" + (f", {left} left to others running at once" if left else ""))


@click.command("prune-sync-ledger")
@with_appcontext
@click.option("--days", type=click.IntRange(min=30), default=90, show_default=True,
              help="Keep the answers to pushes made in the last DAYS days.")
def prune_sync_ledger(days: int) -> None:
    """Delete idempotency-ledger rows older than --days (a retry that old is no longer replayed)."""
    from posyandu.sync.ledger import prune_ledger

    n = prune_ledger(days)
    db.session.commit()
    click.echo(f"{n} ledger rows older than {days} days removed")


@click.command("purge-tokens")
@with_appcontext
def purge_tokens() -> None:
    """Delete revocations of tokens that have expired anyway, and logins whose refresh tokens have all expired."""
    from posyandu.auth.tokens import purge_expired

    n = purge_expired()
    db.session.commit()
    click.echo(f"{n} expired revocations and logins removed")


@click.command("purge-deleted-children")
@with_appcontext
@click.option("--days", type=click.IntRange(min=30), default=365, show_default=True,
              help="Erase the personal data of children deleted or merged away more than DAYS days ago.")
def purge_deleted_children(days: int) -> None:
    """Erase deleted children's personal data after the retention period (UU 27/2022 PDP; monthly)."""
    from posyandu.retention import purge_deleted_children as purge

    n = len(purge(days))
    db.session.commit()
    click.echo(f"{n} deleted children older than {days} days erased")
