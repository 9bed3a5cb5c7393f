"""``flask load-schedule FILE [--valid-from YYYY-MM-DD] [--activate/--inactive]``."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask.cli import with_appcontext

from posyandu.extensions import db


@click.command("load-schedule")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--valid-from", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Date the version applies from (default: the file's valid_from).")
@click.option("--activate/--inactive", default=True, show_default=True,
              help="Put the version in force now, or keep it for an admin to activate.")
def load_schedule(path: Path, valid_from: object, activate: bool) -> None:
    """Publish an immunisation schedule JSON file as a new version (same rules as the admin API)."""
    from posyandu.cli import field_lines
    from posyandu.errors import ValidationFailed
    from posyandu.immunisation.operations import load_schedule_file

    on: date | None = valid_from.date() if valid_from is not None else None  # type: ignore[attr-defined]
    try:
        row = load_schedule_file(path, on, activate)
    except ValidationFailed as exc:
        db.session.rollback()
        lines = [f"  {line}" for line in field_lines(exc.errors or {})]
        raise click.ClickException("\n".join(["jadwal tidak valid (invalid schedule):", *lines])) from None
    db.session.commit()
    state = "aktif (active)" if row.active else "belum aktif (inactive)"
    click.echo(f"jadwal {row.document['version']} dimuat sebagai versi id {row.id}: {state}, "
               f"berlaku mulai (valid from) {row.valid_from.isoformat()}")
