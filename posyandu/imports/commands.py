"""``flask import-visits FILE [--dry-run] [--accept-valid] [--as USERNAME]``."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from posyandu.access import HEALTH_WORKERS
from posyandu.audit import act_as
from posyandu.extensions import db

if TYPE_CHECKING:
    from posyandu.auth.models import User


@click.command("import-visits")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and report; save nothing.")
@click.option("--accept-valid", is_flag=True, help="Save the valid rows even if some are refused.")
@click.option("--as", "username", help="The bidan or admin doing the import (default: the first admin).")
@click.option("--posyandu", help="The posyandu (name or id) of the rows naming none: a posyandu's own register.")
def import_visits(path: Path, dry_run: bool, accept_valid: bool, username: str | None, posyandu: str | None) -> None:
    """Import children and visits from a CSV or XLSX file (same rules as POST /api/v1/imports/visits)."""
    from posyandu.cli import field_lines
    from posyandu.errors import DomainError
    from posyandu.i18n import translate_field_message
    from posyandu.imports.operations import digest, import_file, log_refused, settle
    from posyandu.imports.reader import FileError, count_rows

    user = _importer(username)
    act_as(user_id=user.id)
    with path.open("rb") as data:
        try:
            total = count_rows(data, path.name, posyandu_given=posyandu is not None)
        except FileError as exc:
            if not dry_run:  # the attempt audited, as import_file audits a file it cannot read
                log_refused(path.name, digest(data), why=str(exc.message))
                db.session.commit()
            raise click.ClickException(translate_field_message(exc.message)) from None
        with click.progressbar(length=total, label="mengimpor" if not dry_run else "memeriksa") as bar:
            try:
                result = import_file(user, data, path.name, dry_run=dry_run, accept_valid=accept_valid,
                                     progress=bar.update, posyandu=posyandu)
            except DomainError as exc:
                db.session.rollback()
                raise click.ClickException("\n".join(["tidak diimpor (not imported):",
                                                       *(f"  {line}" for line in field_lines(exc.errors or exc.detail))])) from None
    for problem in result.errors:
        row = f"baris {problem['row']}" + (f" ({problem['name']})" if problem["name"] else "")
        for column, messages in translate_field_message(problem["errors"]).items():
            click.echo(f"{row}: {column}: {'; '.join(messages)}", err=True)
    for r in result.repeated_rows:
        click.echo(f"baris {r['row']}: mengulang baris {r['repeats']} (repeats row {r['repeats']})", err=True)
    for r in result.combined_rows:
        click.echo(f"baris {r['row']}: digabung dengan baris {r['combined_with']}, satu kunjungan (combined with row "
                   f"{r['combined_with']}, one visit)", err=True)
    for r in result.skipped_rows:
        click.echo(f"baris {r['row']}: {r['reason'].id_text} ({r['reason']})", err=True)
    if result.ignored_columns:
        click.echo(f"kolom tidak dibaca, isinya tidak diimpor (columns not read): {', '.join(result.ignored_columns)}",
                   err=True)
    settle(result)  # kept or rolled back; the registered children its refused rows named, read by the operator
    db.session.commit()
    click.echo(f"{result.rows} baris: {result.valid_rows} benar, {result.invalid_rows} ditolak; "
               f"anak baru {result.children_created}, anak sudah terdaftar {result.children_matched} "
               f"(datanya dilengkapi {result.children_updated}), "
               f"kunjungan baru {result.visits_created}, kunjungan sudah ada {result.visits_unchanged}, "
               f"baris berulang {len(result.repeated_rows)}, baris digabung {len(result.combined_rows)}; "
               + ("disimpan" if result.committed else "tidak ada yang disimpan"))
    if result.errors and not (accept_valid and result.valid_rows):  # refused, or would be: nothing kept
        raise click.exceptions.Exit(1)


def _importer(username: str | None) -> User:
    """The user the rows are imported as: ``--as`` or the first admin, an open account of a bidan or
    an admin (as ``POST /api/v1/imports/visits`` requires). Anyone else is refused here, naming why;
    ``import_file``'s own check said only "Error: None"."""
    from posyandu.auth.models import User

    if username:
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            raise click.ClickException(f"pengguna {username!r} tidak ada (no such user)")
    else:
        user = db.session.scalar(select(User).where(User.role == "admin", User.active)
                                 .order_by(User.created_at).limit(1))
        if user is None:
            raise click.ClickException("belum ada admin: buat dengan flask create-admin, atau sebut bidan dengan --as "
                                       "(no admin: create one with flask create-admin, or name a bidan with --as)")
    if user.role not in HEALTH_WORKERS:
        raise click.ClickException(
            f"{user.username} adalah {user.role}: hanya bidan atau admin yang dapat mengimpor "
            f"(only a bidan or an admin may import; {user.username} is a {user.role})")
    if not user.active:
        raise click.ClickException(f"akun {user.username} sudah ditutup (account {user.username} is closed)")
    return user
