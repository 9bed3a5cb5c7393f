"""The name a report download is saved under: what it is, the area it covers and its months,
e.g. ``skdn-35.25-gresik-2025-08.csv`` or ``laporan-posyandu-melati-2025-06-2025-08.xlsx``, and for a
report rolled up further than its posyandu the level its rows are, ``skdn-35.25-gresik-per-puskesmas-2025-08.csv``
(a kabupaten's SKDN per posyandu, per puskesmas and per kecamatan were three files of one name),
in Indonesian as the area's part is: a report is named by its sheet's title
(``cakupan-imunisasi-…``, ``daftar-tindak-lanjut-…``; not ``coverage-semua-wilayah-…``).

A health office downloading each puskesmas's report in turn otherwise saved files all named
``skdn-2025-08-2025-08.csv`` (the browser adding "(1)", "(2)"), with nothing in the name to
tell one area's from another's. The name is ASCII (a plain ``filename="…"`` every browser
and the PWA read): letters, digits, dots and dashes only."""
from __future__ import annotations

import re
import unicodedata
import uuid
from typing import Any

from sqlalchemy import select

from posyandu.extensions import db
from posyandu.privacy import holds_own_area
from posyandu.registry.models import Puskesmas, Region
from posyandu.reports.cohort import area_names
from posyandu.reports.period import Period


def _slug(text: str) -> str:
    """ASCII lower-case words joined by dashes ("Ñoño Jaya" → "nono-jaya")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:40].strip("-")


def _named(kind: str, name: str | None) -> str:
    """``posyandu-melati`` for "Melati" and for "Posyandu Melati" alike."""
    slug = _slug(name or "")
    return slug if slug.startswith(kind + "-") else f"{kind}-{slug}".rstrip("-")


def _region(code: str) -> str:
    name = db.session.scalar(select(Region.name).where(Region.code == code))
    return "-".join(part for part in (code, _slug(name or "")) if part)


def area_part(user: Any, posyandu_id: uuid.UUID | None, region_code: str | None) -> str:
    """The area the download covers: the posyandu or region asked for, else (and for a region holding
    all of it) the caller's own (a kader's posyandu, a bidan's puskesmas, a dinkes office's region; an
    admin's: every area)."""
    if posyandu_id is not None:  # named as the reports name it: with its desa when another of its kabupaten shares its name
        return _named("posyandu", area_names(db.session, "posyandu", [str(posyandu_id)]).get(str(posyandu_id)))
    if region_code and not holds_own_area(user, region_code):
        return _region(region_code)
    # a region around the caller's whole area covers only that: named by it (a puskesmas's report
    # asked for its province was named for the province)
    if user.role == "kader" and user.posyandu_id:
        return area_part(user, user.posyandu_id, None)
    if user.role == "bidan" and user.puskesmas_id:
        name = db.session.scalar(select(Puskesmas.name).where(Puskesmas.id == user.puskesmas_id))
        return _slug(name or "") if _slug(name or "").startswith(("pkm-", "puskesmas-")) else _named("puskesmas", name)
    if user.role == "dinkes" and user.region_code:
        return _region(user.region_code)
    return "semua-wilayah"


def months_part(period: Period) -> str:
    """``2025-08`` for one month, ``2025-06-2025-08`` for a range."""
    return str(period.start) if period.start == period.end else f"{period.start}-{period.end}"


def level_part(level: str | None) -> str:
    """``-per-puskesmas`` for rows rolled up to puskesmas; nothing for rows per posyandu (the default) or
    a file with no roll-up (``None``: the follow-up list, the FHIR bundle)."""
    return f"-per-{level}" if level and level != "posyandu" else ""


def download_name(kind: str, user: Any, args: dict, ext: str) -> str:
    """``kind``: what the file holds, in Indonesian (a report's title, "laporan", "fhir"), slugged;
    ``args["level"]``: the roll-up of its rows, where it has one."""
    area = area_part(user, args.get("posyandu_id"), args.get("region_code"))
    return f"{_slug(kind)}-{area}{level_part(args.get('level'))}-{months_part(args['period'])}.{ext}"
