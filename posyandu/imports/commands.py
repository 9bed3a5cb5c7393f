"""``flask import-visits FILE [--dry-run] [--accept-valid] [--as USERNAME]``."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from posyandu.audit import act_as
from posyandu.extensions import db


@click.command("import-visits")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and report; save nothing.")
@click.option("--accept-valid", is_flag=True, help="Save the valid rows even if some are refused.")
@click.option("--as", "username", help="The bidan or admin doing the import (default: the first admin).")
def import_visits(path: Path, dry_run: bool, accept_valid: bool, username: str | None) -> None:
    """Import children and visits from a CSV or XLSX file (same rules as POST /api/v1/imports/visits)."""
    from posyandu.auth.models import User
    from posyandu.errors import DomainError
    from posyandu.i18n import translate_field_message
    from posyandu.imports.operations import import_file
    from posyandu.imports.reader import FileError, count_rows

    stmt = select(User).where(User.username == username) if username else \
        select(User).where(User.role == "admin").order_by(User.created_at).limit(1)
    user = db.session.scalar(stmt)
    if user is None:
        raise click.ClickException("no such user (create an admin first: flask create-admin)")
    act_as(user_id=user.id)
    with path.open("rb") as data:
        try:
            total = count_rows(data, path.name)
        except FileError as exc:
            raise click.ClickException(translate_field_message(exc.message)) from None
        with click.progressbar(length=total, label="mengimpor" if not dry_run else "memeriksa") as bar:
            try:
                result = import_file(user, data, path.name, dry_run=dry_run, accept_valid=accept_valid,
                                     progress=bar.update)
            except DomainError as exc:
                db.session.rollback()
                raise click.ClickException(str(translate_field_message(exc.errors or exc.detail))) from None
    for problem in result.errors:
        for column, messages in translate_field_message(problem["errors"]).items():
            click.echo(f"baris {problem['row']}: {column}: {'; '.join(messages)}", err=True)
    if result.committed:
        db.session.commit()
    else:
        db.session.rollback()
    click.echo(f"{result.rows} baris: {result.valid_rows} benar, {result.invalid_rows} ditolak; "
               f"anak baru {result.children_created}, anak sudah terdaftar {result.children_matched} "
               f"(datanya dilengkapi {result.children_updated}), "
               f"kunjungan baru {result.visits_created}, kunjungan sudah ada {result.visits_unchanged}; "
               + ("disimpan" if result.committed else "tidak ada yang disimpan"))
    if result.errors and not accept_valid:
        raise click.exceptions.Exit(1)
