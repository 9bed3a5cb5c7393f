"""Writes for areas, puskesmas, posyandu and children. Operations flush; routes commit."""
from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import func, or_, select

from posyandu import access
from posyandu.audit import apply_changes, log_action, record_change
from posyandu.auth.models import User
from posyandu.errors import Conflict, Forbidden, NotFound, ValidationFailed
from posyandu.extensions import db
from posyandu.i18n import Msg
from posyandu.registry.models import REGION_LEVELS, Child, Posyandu, Puskesmas, Region, kabupaten_of

UNKNOWN = Msg("unknown or outside your area", "tidak dikenal atau di luar wilayah Anda")


def upsert_region(code: str, name: str) -> Region:
    """Create or rename a region; its parent must exist (except a provinsi)."""
    level = REGION_LEVELS.get(len(code))
    parent = code.rsplit(".", 1)[0] if "." in code else None
    if level is None or (parent and db.session.get(Region, parent) is None):
        raise ValidationFailed(errors={"code": [Msg("parent region must exist first", "wilayah induk harus ada dulu")]})
    region = db.session.get(Region, code)
    if region is None:
        region = Region(code=code, name=name, level=level, parent_code=parent)
        db.session.add(region)
        log_action("create", "region", code, {"name": [None, name]})
    elif region.name != name:
        log_action("update", "region", code, {"name": [region.name, name]})
        region.name = name
    return region


def _region_of_level(code: str, level: str, field: str) -> Region:
    region = db.session.get(Region, code)
    if region is None or region.level != level:
        raise ValidationFailed(errors={field: [Msg(f"must be an existing {level}", f"harus {level} yang terdaftar")]})
    return region


def create_puskesmas(data: dict[str, Any]) -> Puskesmas:
    _region_of_level(data["kecamatan_code"], "kecamatan", "kecamatan_code")
    pkm = Puskesmas(id=uuid.uuid4(), kabupaten_code=kabupaten_of(data["kecamatan_code"]), **data)
    db.session.add(pkm)
    db.session.flush()
    log_action("create", "puskesmas", pkm.id, {k: [None, v] for k, v in data.items()})
    return pkm


def _check_posyandu_fields(user: User, data: dict[str, Any]) -> None:
    if "desa_code" in data:
        _region_of_level(data["desa_code"], "desa", "desa_code")
    if "puskesmas_id" in data:
        if db.session.get(Puskesmas, data["puskesmas_id"]) is None or \
                (user.role == "bidan" and data["puskesmas_id"] != user.puskesmas_id):
            raise ValidationFailed(errors={"puskesmas_id": [UNKNOWN]})


def create_posyandu(user: User, data: dict[str, Any]) -> Posyandu:
    if user.role not in ("admin", "bidan"):
        raise Forbidden()
    _check_posyandu_fields(user, data)
    data = {"id": data.get("id") or uuid.uuid4(), **data}
    if db.session.get(Posyandu, data["id"]) is not None:
        raise Conflict()
    pos = Posyandu(kabupaten_code=kabupaten_of(data["desa_code"]), **data)
    db.session.add(pos)
    record_change(pos, "create", {k: [None, str(v)] for k, v in data.items()})
    return pos


def update_posyandu(user: User, pos: Posyandu, data: dict[str, Any]) -> Posyandu:
    if user.role not in ("admin", "bidan"):
        raise Forbidden()
    data.pop("id", None)
    _check_posyandu_fields(user, data)
    if "desa_code" in data:
        data["kabupaten_code"] = kabupaten_of(data["desa_code"])
    changes = apply_changes(pos, data)
    if changes:
        record_change(pos, "update", changes)
    return pos


def delete_posyandu(user: User, pos: Posyandu, reason: str | None) -> None:
    if user.role != "admin":
        raise Forbidden()
    if db.session.scalar(select(func.count()).select_from(Child).where(Child.posyandu_id == pos.id,
                                                                       Child.deleted_at.is_(None))):
        raise Conflict(Msg("move or delete its children first", "pindahkan atau hapus anak-anaknya dulu"))
    record_change(pos, "delete", reason=reason)


def _target_posyandu(user: User, posyandu_id: uuid.UUID) -> Posyandu:
    try:
        return access.get_posyandu(user, posyandu_id)
    except NotFound:
        raise ValidationFailed(errors={"posyandu_id": [UNKNOWN]}) from None


def likely_duplicate(child: Child) -> Child | None:
    """Another child of the same posyandu who is probably the same person:
    the same NIK, or the same sex, a birth date within 3 days and a similar name."""
    same_nik = Child.nik == child.nik if child.nik else None
    similar = (Child.sex == child.sex) & Child.birth_date.between(
        child.birth_date - timedelta(days=3), child.birth_date + timedelta(days=3)) & \
        (func.lower(func.substr(Child.name, 1, 4)) == child.name[:4].lower())
    cond = or_(same_nik, similar) if same_nik is not None else similar
    return db.session.scalar(select(Child).where(Child.id != child.id, Child.posyandu_id == child.posyandu_id,
                                                 Child.deleted_at.is_(None), Child.merged_into.is_(None), cond)
                             .order_by(Child.created_at).limit(1))


def create_child(user: User, data: dict[str, Any]) -> Child:
    access.require_staff(user)
    pos = _target_posyandu(user, data["posyandu_id"])
    data = {**data, "id": data.get("id") or uuid.uuid4()}
    if db.session.get(Child, data["id"]) is not None:
        raise Conflict()
    child = Child(kabupaten_code=pos.kabupaten_code, created_by=user.id, updated_by=user.id, **data)
    db.session.add(child)
    db.session.flush()
    duplicate = likely_duplicate(child)
    child.possible_duplicate_of = duplicate.id if duplicate else None
    record_change(child, "create", {k: [None, str(v) if v is not None else None] for k, v in data.items()})
    return child


def check_base_version(obj: Any, base_version: int | None) -> None:
    if base_version is not None and base_version != obj.version:
        raise Conflict(Msg(f"the record is at version {obj.version}, not {base_version}",
                           f"data sudah versi {obj.version}, bukan {base_version}"), key="precondition_failed")


def update_child(user: User, child: Child, data: dict[str, Any]) -> Child:
    access.require_staff(user)
    check_base_version(child, data.pop("base_version", None))
    data.pop("id", None)
    prev_posyandu = child.posyandu_id
    if "posyandu_id" in data and data["posyandu_id"] != child.posyandu_id:
        data["kabupaten_code"] = _target_posyandu(user, data["posyandu_id"]).kabupaten_code
    changes = apply_changes(child, data)
    if not changes:
        return child
    child.updated_by = user.id
    moved = prev_posyandu if "posyandu_id" in changes else None
    record_change(child, "update", changes, prev_posyandu_id=moved)
    if changes.keys() & {"birth_date", "sex"}:
        from posyandu.growth.operations import refresh_child_growth
        refresh_child_growth(child)
    return child


def delete_child(user: User, child: Child, reason: str | None) -> None:
    access.require_staff(user)
    record_change(child, "delete", reason=reason)
