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
    from posyandu.immunisation.commands import load_schedule
    from posyandu.imports.commands import import_visits

    app.cli.add_command(import_visits)
    app.cli.add_command(load_schedule)


@click.command("create-admin")
@with_appcontext
@click.option("--username", required=True)
@click.option("--name", default="Administrator")
@click.password_option()
def create_admin(username: str, name: str, password: str) -> None:
    """Create an admin user."""
    from posyandu.auth.operations import create_user

    user = create_user({"username": username, "password": password, "name": name, "role": "admin"})
    db.session.commit()
    click.echo(f"admin {user.username} created")


@click.command("import-regions")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_regions(path: Path) -> None:
    """Import Kemendagri regions from a CSV with columns code,name (parents first)."""
    from posyandu.registry.operations import upsert_region

    with path.open(newline="", encoding="utf-8-sig") as f:
        rows = sorted(csv.DictReader(f), key=lambda r: len(r["code"].strip()))
    for row in rows:
        upsert_region(row["code"].strip(), row["name"].strip())
    db.session.commit()
    click.echo(f"{len(rows)} regions imported")


@click.command("import-posyandu")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_posyandu(path: Path) -> None:
    """Import posyandu from a CSV: name,desa_code,puskesmas_code,meeting_day[,address]."""
    from posyandu.auth.models import User
    from posyandu.registry.models import Posyandu, Puskesmas
    from posyandu.registry.operations import create_posyandu

    admin = db.session.scalar(select(User).where(User.role == "admin").limit(1))
    if admin is None:
        raise click.ClickException("create an admin first (flask create-admin)")
    count = 0
    with path.open(newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            pkm = db.session.scalar(select(Puskesmas).where(Puskesmas.code == row["puskesmas_code"].strip()))
            if pkm is None:
                raise click.ClickException(f"unknown puskesmas code {row['puskesmas_code']!r}")
            exists = db.session.scalar(select(Posyandu.id).where(Posyandu.name == row["name"].strip(),
                                                                 Posyandu.desa_code == row["desa_code"].strip()))
            if exists:
                continue  # importing the same file twice changes nothing
            create_posyandu(admin, {"name": row["name"].strip(), "desa_code": row["desa_code"].strip(),
                                    "puskesmas_id": pkm.id, "meeting_day": int(row["meeting_day"]),
                                    "address": (row.get("address") or "").strip() or None})
            count += 1
    db.session.commit()
    click.echo(f"{count} posyandu imported")


@click.command("seed-demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
@click.option("--seed", default=2024, show_default=True)
def seed_demo(if_empty: bool, seed: int) -> None:
    """Load the demo kabupaten: 2 puskesmas, 6 posyandu, ~300 children, 2 years of visits."""
    from posyandu.auth.models import User
    from posyandu.demo import load_demo

    if if_empty and db.session.scalar(select(func.count()).select_from(User)):
        click.echo("database not empty; demo data not loaded")
        return
    summary = load_demo(seed=seed)
    db.session.commit()
    click.echo(summary)


@click.command("recompute-growth")
@with_appcontext
def recompute_growth() -> None:
    """Recompute every child's z-scores, categories and KMS trend (after a table or KBM change)."""
    from posyandu.growth.operations import refresh_child_growth
    from posyandu.registry.models import Child

    ids = list(db.session.scalars(select(Child.id).where(Child.deleted_at.is_(None))))
    with click.progressbar(ids, label="recomputing") as bar:
        for i, child_id in enumerate(bar, 1):
            refresh_child_growth(db.session.get(Child, child_id))
            if i % 200 == 0:
                db.session.commit()
    db.session.commit()


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
    """Delete revocations of tokens that have expired anyway."""
    from posyandu.auth.tokens import purge_expired

    n = purge_expired()
    db.session.commit()
    click.echo(f"{n} expired revocations removed")
