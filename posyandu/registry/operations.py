"""Writes for areas, puskesmas, posyandu and children. Operations flush; routes commit."""
from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Callable, Collection, Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, or_, select, true, update

from posyandu import access
from posyandu.audit import apply_changes, created_fields, log_action, record_change, record_creates
from posyandu.auth.models import User
from posyandu.database import (among, as_json_value, creation_instants, ids_taken, insert_or_skip, insert_records,
                               new_records, utcnow)
from posyandu.errors import Conflict, Forbidden, NotFound, ValidationFailed, refuse_fields
from posyandu.extensions import db
from posyandu.i18n import Msg
from posyandu.messages import BEFORE_BIRTH, TAKEN, date_text
from posyandu.registry.models import (KIND_WORDS, REGION_LEVELS, Child, ChildMove, Invitation, ParentLink, Posyandu,
                                      PosyanduMove, Puskesmas, Region, kabupaten_of, same_name)
from posyandu.validators import ID_EXISTS, local_today

UNKNOWN = Msg("unknown or outside your area", "tidak dikenal atau di luar wilayah Anda")
CLOSED = Msg("this posyandu is closed: choose another", "posyandu ini sudah ditutup: pilih posyandu lain")


def upsert_region(code: str, name: str) -> Region:
    """Create or rename a region; its parent must exist (except a provinsi). Created with ``ON CONFLICT
    DO NOTHING``, else renamed as it stands once locked: two admins adding one region at once each found
    it missing, and the second was refused by the table's key (409) where one after the other renames it."""
    level = REGION_LEVELS.get(len(code))
    parent = code.rsplit(".", 1)[0] if "." in code else None
    if level is None or (parent and db.session.get(Region, parent) is None):
        raise ValidationFailed(errors={"code": [Msg("parent region must exist first", "wilayah induk harus ada dulu")]})
    region = Region(code=code, name=name, level=level, parent_code=parent)
    if db.session.get(Region, code) is None and insert_or_skip(db.session, region):
        log_action("create", "region", code, {"name": [None, name]})
        return region
    region = db.session.scalar(select(Region).where(Region.code == code).with_for_update()
                               .execution_options(populate_existing=True))
    if region.name != name:
        log_action("update", "region", code, {"name": [region.name, name]})
        region.name = name
    return region


def _region_problem(code: str, level: str) -> Msg | None:
    """Why ``code`` is no existing region of ``level``, or None."""
    region = db.session.get(Region, code)
    if region is None or region.level != level:
        return Msg(f"must be an existing {level}", f"harus {level} yang terdaftar")
    return None


def puskesmas_problems(data: dict[str, Any], pkm: Puskesmas | None = None) -> dict[str, list[Msg]]:
    """Every rule the fields ``data`` of a new puskesmas (or of a change of ``pkm``) break beyond their
    format, at once: its kecamatan unknown, its code another puskesmas's (case aside: ``puskesmas_coded``),
    its name another's of its kecamatan (as a posyandu's in its desa: two "Puskesmas Kamal" in one
    kecamatan, no report or import could tell which is meant). A field not in ``data`` (left out, or
    refused for its format) is not judged. Told one at a time, the kecamatan's refusal came only once
    the format was right, and the code taken (409) only once the kecamatan was."""
    problems: dict[str, list[Msg]] = {}
    if "kecamatan_code" in data and (problem := _region_problem(data["kecamatan_code"], "kecamatan")):
        problems["kecamatan_code"] = [problem]
    if data.get("code"):
        taken = select(Puskesmas.id).where(puskesmas_coded(data["code"]))
        if db.session.scalar((taken if pkm is None else taken.where(Puskesmas.id != pkm.id)).limit(1)) is not None:
            problems["code"] = [TAKEN]
    if ("name" in data or "kecamatan_code" in data) and "kecamatan_code" not in problems:
        # its row first, as its change locks it (update_puskesmas): then its kecamatan, as it stands
        current = access.locked(select(Puskesmas).where(Puskesmas.id == pkm.id), access.CHILD)[0] if pkm else None
        name = data.get("name", current and current.name)
        kecamatan = data.get("kecamatan_code", current and current.kecamatan_code)
        if name and kecamatan:  # two named at once in one kecamatan: one after the other, the second sees the first
            access.locked(select(Region).where(Region.code == kecamatan), access.CHILD)
            if db.session.scalar(select(Puskesmas.id).where(
                    named(Puskesmas, name), Puskesmas.kecamatan_code == kecamatan,
                    Puskesmas.id != pkm.id if pkm else true()).limit(1)) is not None:
                problems["name"] = [Msg("another puskesmas of this kecamatan has this name",
                                        "sudah dipakai puskesmas lain di kecamatan ini")]
    return problems


def puskesmas_coded(code: str) -> Any:
    """The puskesmas of this code, case aside (``P3525010101`` is ``p3525010101``): a clause. A code is
    stored upper-cased (``_stored_code``) and the table's key is on it, so two admins giving one code at
    once in either case are refused by it (409); codes stored in two cases before that are both found."""
    return func.upper(Puskesmas.code) == func.upper(code)


def _stored_code(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with its puskesmas code upper-cased, as a username is lower-cased. A code of letters beyond
    ASCII is kept as typed ("ß" is "SS": longer), and judged case aside as any (``puskesmas_coded``)."""
    return {**data, "code": data["code"].upper()} if data.get("code") and data["code"].isascii() else data


def create_puskesmas(data: dict[str, Any]) -> Puskesmas:
    refuse_fields(puskesmas_problems(data))
    data = _stored_code(data)
    pkm = Puskesmas(id=uuid.uuid4(), kabupaten_code=kabupaten_of(data["kecamatan_code"]), **data)
    db.session.add(pkm)
    db.session.flush()
    log_action("create", "puskesmas", pkm.id, created_fields(data), kabupaten_code=pkm.kabupaten_code)
    return pkm


def update_puskesmas(pkm: Puskesmas, data: dict[str, Any]) -> Puskesmas:
    """Rename a puskesmas, correct its code, or give it its kecamatan's new code (a region split):
    its kabupaten follows the kecamatan, as a bidan's posyandu are judged by it (``posyandu_problems``).
    Its posyandu keep their own desa: each is moved with ``update_posyandu``, which takes its children along.
    Read again locked (``access.locked``, as a posyandu is changed): two admins' changes at once are
    judged one after the other. Read before the other's commit, one changing a field back to what
    it was found nothing to change and kept the other's value, answering her own; and audited the
    value it overwrote as the one it read."""
    access.locked(select(Puskesmas).where(Puskesmas.id == pkm.id), access.CHILD)
    refuse_fields(puskesmas_problems(data, pkm))
    data = _stored_code(data)
    if "kecamatan_code" in data:
        data = {**data, "kabupaten_code": kabupaten_of(data["kecamatan_code"])}
    changes = apply_changes(pkm, data)
    if changes:
        log_action("update", "puskesmas", pkm.id, changes, kabupaten_code=pkm.kabupaten_code)
    return pkm


def named(model: type[Posyandu] | type[Puskesmas], text: str) -> Any:
    """A posyandu's (or puskesmas's) name as a person writes it (case aside, with or without "Posyandu"
    ("Puskesmas", "PKM") before it: ``same_name``): a clause."""
    kind = model.__tablename__
    name, words = same_name(text, kind), KIND_WORDS[kind]
    # as stored: the name alone, or after one or two of its kind's words ("Puskesmas PKM Kamal")
    return func.lower(model.name).in_([name, *(f"{a} {name}" for a in words), *(f"{a} {b} {name}" for a in words for b in words)])


def posyandu_problems(user: User, data: dict[str, Any], posyandu_id: uuid.UUID | None = None) -> dict[str, list[Msg]]:
    """Every rule the fields ``data`` of a posyandu (new, or a change of ``posyandu_id``'s) break beyond
    their format, at once: its desa and its puskesmas exist, and no other open posyandu of its desa has
    its name (two "Melati" in one desa: no report, import or kader could tell which is meant). A bidan
    works within her puskesmas's kabupaten: she cannot place a posyandu (and its children) in another,
    out of her dinkes office's sight; an admin can (a region split, a corrected code). A field not in
    ``data`` (left out, or refused for its format) is not judged; the name only in a desa and for a
    puskesmas she may place it in."""
    problems: dict[str, list[Msg]] = {}
    if "desa_code" in data:
        problem = _region_problem(data["desa_code"], "desa")
        if problem is None and user.role == "bidan":
            own = db.session.scalar(select(Puskesmas.kecamatan_code).where(Puskesmas.id == user.puskesmas_id))
            if own is None or kabupaten_of(data["desa_code"]) != kabupaten_of(own):
                problem = Msg("must be in the kabupaten of your puskesmas", "harus di kabupaten/kota puskesmas Anda")
        if problem is not None:
            problems["desa_code"] = [problem]
    if "puskesmas_id" in data:
        if db.session.get(Puskesmas, data["puskesmas_id"]) is None or \
                (user.role == "bidan" and data["puskesmas_id"] != user.puskesmas_id):
            problems["puskesmas_id"] = [UNKNOWN]
    # the name is judged in a desa and for a puskesmas she may place it in: a bidan naming another
    # puskesmas's or kabupaten's desa learnt which names its posyandu have
    if ("name" in data or "desa_code" in data) and not problems:
        # its row first, as its change locks it (access.get_posyandu): then its desa, as it stands
        current = (access.locked(select(Posyandu).where(Posyandu.id == posyandu_id), access.CHILD) or [None])[0] \
            if posyandu_id else None
        name, desa = data.get("name", current and current.name), data.get("desa_code", current and current.desa_code)
        if name and desa:  # two named at once in one desa: one after the other, the second sees the first
            access.locked(select(Region).where(Region.code == desa), access.CHILD)
        if name and desa and db.session.scalar(select(Posyandu.id).where(
                named(Posyandu, name), Posyandu.desa_code == desa, Posyandu.deleted_at.is_(None),
                Posyandu.id != posyandu_id if posyandu_id else true()).limit(1)) is not None:
            problems["name"] = [Msg("another posyandu of this desa has this name",
                                    "sudah dipakai posyandu lain di desa ini")]
    return problems


def create_posyandu(user: User, data: dict[str, Any]) -> Posyandu:
    if user.role not in ("admin", "bidan"):
        raise Forbidden()
    refuse_fields(posyandu_problems(user, data))
    data = {"id": data.get("id") or uuid.uuid4(), **data}
    if db.session.get(Posyandu, data["id"]) is not None:
        raise Conflict(ID_EXISTS, errors={"id": [ID_EXISTS]})
    pos = Posyandu(kabupaten_code=kabupaten_of(data["desa_code"]), **data)
    db.session.add(pos)
    record_change(pos, "create", created_fields(data))
    return pos


def update_posyandu(user: User, pos: Posyandu, data: dict[str, Any]) -> Posyandu:
    """Change a posyandu; a desa in another kabupaten takes its children and their events along
    (``_follow_kabupaten``). ``pos`` is read locked to change it (``access.get_posyandu(for_update=True)``):
    a child being registered or moved there copied its region under the posyandu's lock
    (``_target_posyandu``), so it is committed, and followed, before this reads its children; or it
    waits, and copies the new region."""
    if user.role not in ("admin", "bidan"):
        raise Forbidden()
    data.pop("id", None)
    refuse_fields(posyandu_problems(user, data, pos.id))
    if "desa_code" in data:
        data["kabupaten_code"] = kabupaten_of(data["desa_code"])
    was = PosyanduMove(posyandu_id=pos.id, from_puskesmas_id=pos.puskesmas_id, from_desa_code=pos.desa_code,
                       from_kabupaten_code=pos.kabupaten_code, moved_on=local_today(pos.kabupaten_code))
    changes = apply_changes(pos, data)
    if changes:
        record_change(pos, "update", changes)
    if changes.keys() & {"puskesmas_id", "desa_code"}:  # its months before stay where it was (reports.cohort.as_of)
        db.session.add(was)
    if "kabupaten_code" in changes:
        _follow_kabupaten(pos)
    if "puskesmas_id" in changes:
        _rescope_midwives(changes["puskesmas_id"])
    if changes.keys() & {"puskesmas_id", "kabupaten_code"}:  # its children out of some makers' sight
        from posyandu.auth.operations import revoke_unseen_invitations
        revoke_unseen_invitations(Child.posyandu_id == pos.id)
    return pos


def _rescope_midwives(puskesmas: list[Any]) -> None:
    """A posyandu moved from one puskesmas to another: the midwives of both see another set of
    posyandu, with history from before their phones' cursors. Their cursors reset (a full re-pull);
    a posyandu opened in a puskesmas needs none (sync.pull.scope_of)."""
    ids = [uuid.UUID(str(p)) for p in puskesmas if p is not None]
    for user in db.session.scalars(select(User).where(User.role == "bidan", User.puskesmas_id.in_(ids))
                                   .order_by(User.id).with_for_update()):
        user.scope_version += 1
        log_action("update", "user", user.id, {"scope_version": [user.scope_version - 1, user.scope_version]},
                   reason="a posyandu moved between puskesmas")


def _follow_kabupaten(pos: Posyandu) -> None:
    """A posyandu whose desa now lies in another kabupaten (a region split, a corrected code) takes
    its children and their events along: the kabupaten decides the JE rule, coverage areas and the
    shard. Children get a new version (phones hold their kabupaten_code); events carry the code only
    for indexing, so they are updated in bulk."""
    from posyandu.events import DATE_FIELD

    # locked first, together (access.locked), after the posyandu: an event being written takes the code its
    # child has after this; a child registered or moved here meanwhile held the posyandu, and is committed
    for child in access.locked(select(Child).where(Child.posyandu_id == pos.id).order_by(Child.id), access.CHILD):
        moved = apply_changes(child, {"kabupaten_code": pos.kabupaten_code})
        if moved and child.deleted_at is None:
            record_change(child, "update", moved)
        elif moved:   # a tombstone keeps its version (phones hold it as deleted): the change is audited
            log_action("update", "child", child.id, moved, reason="posyandu moved to another kabupaten",
                       kabupaten_code=pos.kabupaten_code)
    for model in DATE_FIELD:
        db.session.execute(update(model).where(model.posyandu_id == pos.id).values(kabupaten_code=pos.kabupaten_code))


def delete_posyandu(user: User, pos: Posyandu, reason: str | None) -> None:
    """Close a posyandu with no live children and no active kader. ``pos`` is read locked to change
    it, as for ``update_posyandu``: a child being registered or moved there is counted, or refused
    after. A kader left at a closed posyandu could register no one and saw nothing, her phone's
    records of the children moved away refused as outside her area: she is moved (or switched off)
    first, by the admin who is told her name."""
    if user.role != "admin":
        raise Forbidden()
    children = db.session.scalar(select(func.count()).select_from(Child).where(Child.posyandu_id == pos.id,
                                                                               Child.deleted_at.is_(None)))
    if children:  # how many: the admin learns what closing it asks (a child is deleted only when registered by mistake)
        raise Conflict(Msg(f"this posyandu still has {children} registered {'child' if children == 1 else 'children'}: "
                           "move them to another posyandu first",
                           f"posyandu ini masih punya {children} anak terdaftar: pindahkan dulu ke posyandu lain"))
    kader = db.session.execute(select(User.name, User.username).where(
        User.role == "kader", User.posyandu_id == pos.id, User.active.is_(True))
        .order_by(User.name, User.username)).all()
    if kader:
        names = ", ".join(f"{name} ({username})" for name, username in kader)
        raise Conflict(Msg(f"this posyandu still has active cadres ({names}): move them to another posyandu "
                           "or switch their accounts off first",
                           f"posyandu ini masih punya kader aktif ({names}): pindahkan ke posyandu lain "
                           "atau nonaktifkan akunnya dulu"))
    record_change(pos, "delete", reason=reason)


def _target_posyandu(user: User, posyandu_id: uuid.UUID, left: uuid.UUID | None = None, *,
                     field: str = "posyandu_id") -> Posyandu:
    """The posyandu a child is registered at or moved to, whose region (kabupaten) the child and its
    events copy: locked for that (``access.get_posyandu(for_children=True)``, FOR SHARE) until the
    transaction ends, so a change of its desa, or its closing, waits for the child, or the child for it.
    ``left``: a posyandu the caller has left, where she registered a child before (``create_children``).
    ``field``: the body's field that named it, which a refusal names."""
    try:
        return access.get_posyandu(user, posyandu_id, for_children=True, scoped=posyandu_id != left)
    except NotFound:
        closed = db.session.scalar(select(Posyandu.id).where(
            Posyandu.id == posyandu_id, Posyandu.deleted_at.is_not(None), access.posyandu_clause(user)))
        raise ValidationFailed(errors={field: [CLOSED if closed else UNKNOWN]}) from None


MOVE_TO_ITSELF = Msg("choose another posyandu than the one the children are at",
                     "pilih posyandu lain, bukan posyandu tempat anak-anak ini terdaftar")


def move_children(user: User, source_id: uuid.UUID, target_id: uuid.UUID, reason: str | None) -> dict[str, Any]:
    """Every child registered at posyandu ``source_id`` (live, those who left the register too: they are
    still counted there, and a posyandu is closed only once none is) moved to ``target_id``, each as a
    move of one is (``update_child``): her months before stay where she was, she is judged against the
    children there for a likely duplicate, the old posyandu's phones are told she is gone and the new
    one's pull her. Before a posyandu is closed, or when two merge: one request, not one per child.
    Locks as a move of one does, in the one order (docs/sync.md, "Concurrent writers"): both posyandu
    for children (a registration at either waits, so none is left behind), then the children, in the
    order of their ids. What it did: how many moved, and how many of them are now flagged as a likely
    duplicate of a child registered there before (for a bidan to merge or rule apart)."""
    access.require_health_worker(user)  # a kader moves one child (PATCH), never her posyandu's whole register
    if target_id == source_id:
        raise ValidationFailed(errors={"to_posyandu_id": [MOVE_TO_ITSELF]})
    access.lock_posyandu_for_children([source_id, target_id])
    access.get_posyandu(user, source_id)  # still hers, once locked (404)
    _target_posyandu(user, target_id, field="to_posyandu_id")
    # its conditions in the locking statement: PostgreSQL judges them again on a row it waited for, so a
    # child moved away (to a posyandu the caller may not see) or deleted meanwhile is left where it went
    children = access.locked(select(Child).where(Child.posyandu_id == source_id, Child.deleted_at.is_(None))
                             .order_by(Child.id), access.CHILD)
    for child in children:  # in the order of their ids, each read as it stands once locked
        update_child(user, child, {"posyandu_id": target_id}, reason=reason)
    db.session.flush()
    moved = {child.id for child in children}  # a pair flagged where they were is flagged still: not counted
    return {"moved": len(children), "to_posyandu_id": target_id,
            "possible_duplicates": sum(child.possible_duplicate_of not in (None, *moved) for child in children)}


# How one Indonesian name is written many ways: the forms of "Muhammad" (a name of its own when
# written out, abbreviated "M.", "Moh.", "Muh." or "Mhd."), "Nurul" for "Nur", and the old spelling's
# "oe", "dj", "tj", "ch" beside the new "u", "j", "c", "h" ("Achmad" and "Ahmad").
MUHAMMAD = ("muhammad", "muhamad", "muhammed", "muhamed", "mohammad", "mohamad", "mohammed", "mohamed",
            "mochammad", "mochamad", "muchammad", "muchamad")
MUHAMMAD_SHORT = frozenset(MUHAMMAD) | {"m", "moh", "moch", "muh", "much", "mhd", "mohd", "md"}
OLD_SPELLING = (("oe", "u"), ("dj", "j"), ("tj", "c"), ("sj", "sy"), ("ch", "h"), ("kh", "h"))
# Letters written either way in the same name (Arabic sounds, an English y): "Aisyah"/"Aisah",
# "Fadhil"/"Fadil", "Fathimah"/"Fatimah", "Sity"/"Siti", "Dewy"/"Dewi"; and "Puteri" for "Putri".
VARIANT_SPELLING = (("sy", "s"), ("dh", "d"), ("th", "t"), ("y", "i"))
VARIANT_WORDS = {"puteri": "putri"}
NEWBORN = frozenset({"bayi", "by"})           # "Bayi Ny. Siti": a newborn registered before she is named
MOTHER_TITLE = frozenset({"ny", "nyonya", "ibu", "bu"})


def _name_words(name: str | None) -> list[str]:
    """A name's words, lower case, without accents, spaces and punctuation."""
    plain = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().lower()
    plain = re.sub(r"['`\u2019]", "", plain)  # "Nur 'Aini", "Mu'adz": one word
    return [w for w in re.split(r"[^a-z]+", plain) if w]


def _spelled(words: list[str]) -> str:
    """The words as one string, each way of writing "Muhammad" and "Nurul" as one, the old spelling
    as the new, the letters written either way as one (``VARIANT_SPELLING``), a doubled letter as one."""
    words = list(words)
    if words:
        first = words[0]
        long_form = next((f for f in MUHAMMAD if first.startswith(f)), None)
        if first in MUHAMMAD_SHORT:
            words[0] = "m"
        elif long_form:
            words[0] = "m" + first[len(long_form):]
        elif first.startswith("nurul"):
            words[0] = "nur" + first[len("nurul"):]
    text = "".join(VARIANT_WORDS.get(w, w) for w in words)
    for old, new in (*OLD_SPELLING, *VARIANT_SPELLING):
        text = text.replace(old, new)
    return re.sub(r"(.)\1+", r"\1", text)


def name_key(name: str | None) -> str | None:
    """What two spellings of one child's name share: the first four letters of the name as spelled
    by ``_spelled`` ("Muhammad Rizki", "M. Rizki", "Moh. Rizky": "mriz"; "Nur Aini", "Nurul Aini",
    "Nuraini": "nura"). None for a newborn registered by her mother's name ("Bayi Ny. Siti")."""
    words = _name_words(name)
    if not words or words[0] in NEWBORN:
        return None
    return _spelled(words)[:4]


def _mother_of(child: Child) -> str | None:
    """The mother's name as the child's record gives it, spelled as ``_spelled``: the mother's name
    field, or the name after "Ny." in a newborn's "Bayi Ny. Siti"."""
    words = _name_words(child.mother_name)
    if not words:
        named = _name_words(child.name)
        if named and named[0] in NEWBORN:
            words = named[1:]
            if words and words[0] in MOTHER_TITLE:
                words = words[1:]
    spelled = _spelled(words)
    return spelled if len(spelled) >= 3 else None


def mother_names_alike(a: str, b: str) -> bool:
    """Whether two mother's names may be one mother's, as ``names_alike`` judges a newborn's: spelled as
    ``_spelled``, without "Ibu"/"Ny." before it, one the start of the other ("Ibu Ratih" and "Ratih",
    "Sumiyati" and "Sumiati", "Siti" and "Siti Aminah"). A name with no letters says nothing against."""
    def spelled(name: str) -> str:
        words = _name_words(name)
        return _spelled(words[1:] if words and words[0] in MOTHER_TITLE else words)

    x, y = spelled(a), spelled(b)
    return not x or not y or x.startswith(y) or y.startswith(x)


def names_alike(a: Child, b: Child) -> bool:
    """Whether two children's names may be one child's: the same ``name_key``; or, one of them a
    newborn registered by her mother's name, the same mother (her NIK, or one name the start of the
    other: "Ny. Siti" and "Siti Aminah")."""
    key_a, key_b = name_key(a.name), name_key(b.name)
    if key_a is not None and key_b is not None:
        return key_a == key_b
    if a.mother_nik and a.mother_nik == b.mother_nik:
        return True
    mother_a, mother_b = _mother_of(a), _mother_of(b)
    return mother_a is not None and mother_b is not None and (
        mother_a.startswith(mother_b) or mother_b.startswith(mother_a))


def spelled_name(name: str | None) -> str:
    """A name as one string spelled as ``_spelled`` ("Muhamad Rizki" and "Muhammad Rizky", "Siti Aisah"
    and "Siti Aisyah" one), its numbers kept ("Bayi 1 Ny. Siti" is not "Bayi 2 Ny. Siti")."""
    return _spelled(_name_words(name)) + "|" + " ".join(re.findall(r"\d+", name or ""))


def names_same(a: Child, b: Child) -> bool:
    """Whether two children's names are one child's name, not only alike (``names_alike`` is a reason to
    suspect a duplicate: "Siti Aisyah" and "Siti Zahra", twins, share their first four letters): the very
    name spelled otherwise (``spelled_name``), or one a newborn registered by her mother's name ("Bayi Ny.
    Siti") and the other a named child of that mother (``names_alike``'s judging of a newborn)."""
    if spelled_name(a.name) == spelled_name(b.name):
        return True
    newborn = [name_key(a.name) is None, name_key(b.name) is None]
    return newborn.count(True) == 1 and names_alike(a, b)


BORN_WITHIN = timedelta(days=3)  # birth dates this close may be one child's (``same_child_likely``)


def same_child_likely(a: Child, b: Child) -> bool:
    """The same NIK, or the same sex, birth dates within 3 days and ``names_alike``, or ``sex_typed_wrong``."""
    return bool(a.nik and a.nik == b.nik) or (
        a.sex == b.sex and abs(a.birth_date - b.birth_date) <= BORN_WITHIN and names_alike(a, b)) or sex_typed_wrong(a, b)


def sex_typed_wrong(a: Child, b: Child) -> bool:
    """One child whose sex was typed wrong in one registration: the other sex, the very birth date and the
    very name (``spelled_name``). Twins of a boy and a girl share a birth date, never a name; not a
    newborn registered by her mother's name ("Bayi Ny. Siti", which twins of either sex share)."""
    return a.sex != b.sex and a.birth_date == b.birth_date and name_key(a.name) is not None \
        and spelled_name(a.name) == spelled_name(b.name)


def likely_duplicate(child: Child, *, earlier: bool = True, rulings: bool = False,
                     candidates: Iterable[Child] | None = None) -> Child | None:
    """Another child of the same posyandu, registered before ``child`` (any, not ``earlier``), who is
    probably the same person (``same_child_likely``); with ``rulings``, none a bidan said ``child``
    is not (``ruled_apart``). The first of ``likely_duplicates``."""
    return next(iter(likely_duplicates(child, earlier=earlier, rulings=rulings, candidates=candidates)), None)


def likely_duplicates(child: Child, *, earlier: bool = True, rulings: bool = False,
                      candidates: Iterable[Child] | None = None) -> list[Child]:
    """Every child ``likely_duplicate`` takes ``child`` for, the first registered first (twins: a row
    may be either sister). The database finds the children of that NIK, or of that sex and those birth
    dates, or of that very birth date; their names are judged here. ``candidates``: the children to judge instead, read ahead by
    the caller (an import's, once per file: ``imports.registered``), any superset of those the query
    finds (of that NIK or sex and those birth dates); they are kept as the query keeps them."""
    with db.session.no_autoflush:
        if candidates is None:
            window = ((Child.sex == child.sex) & Child.birth_date.between(child.birth_date - BORN_WITHIN,
                                                                          child.birth_date + BORN_WITHIN)) \
                | (Child.birth_date == child.birth_date)  # the other sex too (``sex_typed_wrong``)
            cond = or_(Child.nik == child.nik, window) if child.nik else window
            before = Child.created_at < child.created_at if earlier and child.created_at is not None else true()
            found = db.session.scalars(
                select(Child).where(Child.id != child.id, Child.posyandu_id == child.posyandu_id,
                                    Child.deleted_at.is_(None), Child.merged_into.is_(None), cond, before)
                .order_by(Child.created_at, Child.id))
        else:
            stored_before = child.created_at if earlier else None
            found = sorted((other for other in candidates
                            if other.id != child.id and other.posyandu_id == child.posyandu_id
                            and other.deleted_at is None and other.merged_into is None
                            and (stored_before is None or other.created_at < stored_before)),
                           key=lambda other: (other.created_at, other.id))
        alike = [other for other in found if same_child_likely(child, other)]
        apart = ruled_apart(child, alike) if rulings and alike else set()
    return [other for other in alike if other.id not in apart]


def ruled_apart(child: Child, others: list[Child]) -> set[uuid.UUID]:
    """Those of ``others`` a bidan said ``child`` is not (``not_duplicate``, either way round)."""
    from posyandu.audit import AuditLog

    ids = {str(child.id)} | {str(other.id) for other in others}
    apart: set[uuid.UUID] = set()
    for record_id, changes in db.session.execute(select(AuditLog.record_id, AuditLog.changes).where(
            AuditLog.entity == "child", AuditLog.action == "not_duplicate", AuditLog.record_id.in_(ids))):
        flagged = ((changes or {}).get("possible_duplicate_of") or [None])[0]
        if record_id == str(child.id) and flagged is not None:
            apart.add(uuid.UUID(str(flagged)))
        elif flagged is not None and str(flagged) == str(child.id):
            apart.add(uuid.UUID(record_id))
    return apart


NIK_IS_MOTHERS = Msg("the child's NIK is the mother's NIK: enter the child's own (Kartu Keluarga), or leave it empty",
                     "NIK anak sama dengan NIK ibu: isi NIK anak sendiri (lihat Kartu Keluarga), atau kosongkan")


def _check_own_nik(nik: str | None, mother_nik: str | None) -> None:
    """Every person has a NIK of their own: a child's equal to her mother's is the mother's typed in
    the child's field (SATUSEHAT would take the child for her mother)."""
    if nik and nik == mother_nik:
        raise ValidationFailed(errors={"nik": [NIK_IS_MOTHERS]})


def create_child(user: User, data: dict[str, Any], *, left: uuid.UUID | None = None,
                 candidates: Callable[[Child], Iterable[Child]] | None = None) -> Child:
    return create_children(user, [data], left=left, candidates=candidates)[0]


def create_children(user: User, datas: list[dict[str, Any]], *, left: uuid.UUID | None = None,
                    candidates: Callable[[Child], Iterable[Child]] | None = None) -> list[Child]:
    """Register children, exactly as if one after another (each flagged as a likely duplicate of
    a child stored before it, earlier ones of the call included), inserted together. A child
    who might be the same as an earlier one of the call is looked up only once those are
    inserted, so the database's own comparison decides, as for one child at a time. ``left``: a
    posyandu outside the caller's scope she may register at, one she has left since she registered
    the child on her phone (``sync.push._registered_before_leaving`` judges it). ``candidates``: the
    children stored before a new one that it may be a likely duplicate of, read ahead by the caller
    (``likely_duplicates``: an import's, registering one child a call), instead of a query per child."""
    access.require_staff(user)
    for data in datas:
        _check_own_nik(data.get("nik"), data.get("mother_nik"))
        check_exit(None, data)
    datas = [{**data, "id": data.get("id") or uuid.uuid4()} for data in datas]
    if ids_taken(db.session, Child, [data["id"] for data in datas]):
        raise Conflict(ID_EXISTS, errors={"id": [ID_EXISTS]})
    posyandu = {pid: _target_posyandu(user, pid, left) for pid in sorted({data["posyandu_id"] for data in datas})}
    access.lock_registrations(posyandu)  # two registrations of one child at once: the second sees the first
    children = new_records(Child, [  # one creation instant each, in the order given
        {"kabupaten_code": posyandu[data["posyandu_id"]].kabupaten_code, "created_by": user.id,
         "updated_by": user.id, "created_at": at, "updated_at": at, **data}
        for at, data in zip(creation_instants(len(datas)), datas)])
    pending: list[tuple[Child, dict[str, Any]]] = []
    for child, data in zip(children, datas):
        if any(_may_be_same(child, other) for other, _ in pending):
            _insert_children(pending)
            pending = []
        # among the children stored before it (it is not inserted yet)
        duplicate = likely_duplicate(child, candidates=None if candidates is None else candidates(child))
        child.possible_duplicate_of = duplicate.id if duplicate else None
        pending.append((child, data))
    _insert_children(pending)
    return children


def _may_be_same(a: Child, b: Child) -> bool:
    """What ``likely_duplicate`` could match, its name comparison aside (a superset)."""
    return a.posyandu_id == b.posyandu_id and (
        (a.nik is not None and a.nik == b.nik) or a.birth_date == b.birth_date  # either sex: ``sex_typed_wrong``
        or (a.sex == b.sex and abs(a.birth_date - b.birth_date) <= BORN_WITHIN))


def _insert_children(items: list[tuple[Child, dict[str, Any]]]) -> None:
    if not items:
        return
    record_creates([child for child, _ in items],
                   [created_fields(data) for _, data in items],
                   mutation_ids=[None] * len(items), reasons=[None] * len(items))
    insert_records(db.session, [child for child, _ in items])


def check_base_version(obj: Any, base_version: int | None) -> None:
    if base_version is not None and base_version != obj.version:
        raise Conflict(Msg(f"the record is at version {obj.version}, not {base_version}",
                           f"data sudah versi {obj.version}, bukan {base_version}"), key="precondition_failed")


JUDGED_AGAIN = frozenset({"name", "sex", "birth_date", "nik", "mother_nik", "mother_name", "posyandu_id"})


def lock_to_judge(child_id: uuid.UUID, data: dict[str, Any]) -> None:
    """Before a change ``data`` of a child is applied by REST (the child not locked yet): a change
    judged as a registration (``JUDGED_AGAIN``: a move, a name or birth date corrected) looks for a
    likely duplicate at the posyandu it leaves the child at, so it takes that posyandu's locks as a
    registration there does (``access.lock_posyandu_for_children``), in the same order: before the
    child's. Without them, a bidan moving a child to a posyandu whose kader was registering the same
    child there, each looked before the other committed and neither was flagged. The posyandu
    named, else the child's as it stands now."""
    if not data.keys() & JUDGED_AGAIN:
        return
    posyandu_id = data.get("posyandu_id") or db.session.scalar(select(Child.posyandu_id).where(Child.id == child_id))
    access.lock_posyandu_for_children([posyandu_id] if posyandu_id else [])


EXIT_FIELDS = ("exit_date", "exit_reason")
EXIT_BOTH = Msg("give the exit date and its reason together, or clear both",
                "isi tanggal keluar bersama alasannya, atau kosongkan keduanya")


def after_exit(exit_date: Any) -> Msg:
    """A weighing or dose dated after the child's exit (none is: ``events.check_date``, ``merge_children``)."""
    return Msg(f"the child left the register on {date_text(exit_date, 'en')}: nothing is recorded after that",
               f"anak ini sudah keluar dari register pada {date_text(exit_date, 'id')}: "
               "tidak ada catatan setelah tanggal itu")


def check_exit(child: Child | None, data: dict[str, Any]) -> None:
    """A child's exit from the register (``exit_date``, ``exit_reason``: died, moved out of the area), as
    ``data`` leaves it on ``child`` (None: a new one): both or neither, not before her birth nor before
    her latest weighing or dose (after her exit she has none). Clearing both undoes an exit."""
    def now(field: str) -> Any:
        return data[field] if field in data else getattr(child, field, None)

    exit_date, reason = now("exit_date"), now("exit_reason")
    if (child is not None and not data.keys() & {*EXIT_FIELDS, "birth_date"}) or (exit_date, reason) == (None, None):
        return
    if exit_date is None or reason is None:
        raise ValidationFailed(errors={"exit_reason" if reason is None else "exit_date": [EXIT_BOTH]})
    if exit_date < now("birth_date"):
        raise ValidationFailed(errors={"exit_date": [BEFORE_BIRTH]})
    last = _event_day(child.id, last=True) if child is not None else None
    if last is not None and exit_date < last:
        raise ValidationFailed(errors={"exit_date": [Msg(
            f"the child has a weighing or dose on {date_text(last, 'en')}, after this exit date",
            f"anak ini punya penimbangan atau imunisasi pada {date_text(last, 'id')}, setelah tanggal keluar ini")]})


def _arrived_on(child_id: uuid.UUID, posyandu_id: uuid.UUID, today: date) -> date | None:
    """The day a child moved to ``posyandu_id`` today has been there since, as reports place her (``ChildMove``):
    today; or, moved back the day she left it (a move undone, or away and back), no day at all: the day she came
    before it, None when she was registered there. Migration 0020 reads ``child_move`` so too."""
    moves = db.session.execute(select(ChildMove.from_posyandu_id, ChildMove.to_posyandu_id, ChildMove.moved_on)
                               .where(ChildMove.child_id == child_id)).all()
    left = {on for from_id, _, on in moves if from_id == posyandu_id}
    came = [on for _, to_id, on in moves if to_id == posyandu_id and on not in left]
    return max([*came, *([] if today in left else [today])], default=None)


def update_child(user: User, child: Child, data: dict[str, Any], *, reason: str | None = None) -> Child:
    """``data``'s changes of ``child`` (a correction, a move, her exit), judged and recorded; ``reason``
    for the audit log."""
    access.require_staff(user)
    check_base_version(child, data.pop("base_version", None))
    data.pop("id", None)
    prev_posyandu = child.posyandu_id
    nik, mother_nik = data.get("nik", child.nik), data.get("mother_nik", child.mother_nik)
    if (nik, mother_nik) != (child.nik, child.mother_nik):  # judged when this write sets one of them
        _check_own_nik(nik, mother_nik)
    if data.get("birth_date") is not None and data["birth_date"] != child.birth_date:
        _check_born_before_events(child.id, data["birth_date"], "birth_date")
    check_exit(child, data)
    if "posyandu_id" in data and data["posyandu_id"] != child.posyandu_id:
        data["kabupaten_code"] = _target_posyandu(user, data["posyandu_id"]).kabupaten_code
        data["arrived_on"] = _arrived_on(child.id, data["posyandu_id"], local_today(data["kabupaten_code"]))
    changes = apply_changes(child, data)
    if not changes:
        return child
    if changes.keys() & JUDGED_AGAIN:
        # judged as a registration is (a birth date corrected, a newborn named, a move to a posyandu
        # where she is registered already); moved, her flag against a child she left behind goes first
        cleared = _flag_left_behind(child) if "posyandu_id" in changes else {}
        changes.update(cleared)
        for field, (before, after) in _judged_again(child).items():  # one change of the flag, from what it was
            changes[field] = [cleared[field][0] if field in cleared else before, after]
    child.updated_by = user.id
    moved = prev_posyandu if "posyandu_id" in changes else None
    record_change(child, "update", changes, prev_posyandu_id=moved, reason=reason)
    if moved:
        # the children she left behind flagged against her are judged again among those that stay
        _judge_flagged_against(child, Child.posyandu_id != child.posyandu_id, action="transfer",
                               reason=f"{child.id} moved to another posyandu")
        _repoint_events(child, child, prev_posyandu_id=moved, action="transfer")
        db.session.add(ChildMove(child_id=child.id, from_posyandu_id=moved, to_posyandu_id=child.posyandu_id,
                                 moved_on=local_today(child.kabupaten_code)))  # her months before stay where she was
        from posyandu.auth.operations import revoke_unseen_invitations
        revoke_unseen_invitations(Child.id == child.id)
    if changes.keys() & {"birth_date", "sex"}:
        from posyandu.growth.operations import refresh_child_growth
        refresh_child_growth(child)
    return child


def _flag_left_behind(child: Child) -> dict[str, list[Any]]:
    """A child moved to another posyandu: her flag against a child not of that posyandu (one she
    left behind, whom the new posyandu's health workers do not see) is cleared, for ``_judged_again``
    to judge her among her new posyandu's children; the change, if any."""
    if child.possible_duplicate_of is None:
        return {}
    flagged = db.session.get(Child, child.possible_duplicate_of)
    if flagged is not None and flagged.posyandu_id == child.posyandu_id:
        return {}
    return apply_changes(child, {"possible_duplicate_of": None})


def flagged_against(child_id: uuid.UUID, *where: Any) -> list[Child]:
    """The live children flagged as possible duplicates of ``child_id`` (and ``where``), to be flagged
    again: each a new version of a child, so locked to change it (``access.lock_children``, in the order
    of their ids) and read as it then stands. Read unlocked, a child corrected meanwhile (her address,
    by REST or a phone) was written a version the correction had written too, and the second to commit
    was refused by the change log's key (a bare 409)."""
    ids = db.session.scalars(select(Child.id).where(Child.possible_duplicate_of == child_id,
                                                    Child.deleted_at.is_(None), *where)).all()
    if not ids:
        return []
    access.lock_children(ids)
    return list(db.session.scalars(select(Child).where(among(db.session, Child.id, ids),
                                                       Child.possible_duplicate_of == child_id,
                                                       Child.deleted_at.is_(None), *where).order_by(Child.id)))


def _judge_flagged_against(child: Child, *where: Any, action: str, reason: str) -> None:
    """The live children flagged as possible duplicates of ``child`` (and ``where``), which no longer
    stands among them (deleted, moved away), flagged again against a child that stands, none a bidan
    ruled her apart from (twins: ``ruled_apart``), or cleared."""
    db.session.flush()
    for other in flagged_against(child.id, *where):
        found = likely_duplicate(other, rulings=True)
        record_change(other, "update", apply_changes(other, {"possible_duplicate_of": found.id if found else None}),
                      action=action, reason=reason)


def _judged_again(child: Child) -> dict[str, list[Any]]:
    """Flag a live child with no flag against a likely duplicate among the children of her posyandu
    (registered before or after her) that a bidan did not rule another child, and not flagged
    against her already; the change, if any."""
    if child.possible_duplicate_of is not None or child.deleted_at is not None:
        return {}
    found = likely_duplicate(child, earlier=False, rulings=True)
    if found is None or found.possible_duplicate_of == child.id:
        return {}
    return apply_changes(child, {"possible_duplicate_of": found.id})


def delete_child(user: User, child: Child, reason: str | None, base_version: int | None = None) -> None:
    """Tombstone the child and, with it, every event of the child (each with its own log row). The
    events take the child's own ``deleted_at``: that is how ``restore_child`` knows them from events
    deleted on their own before. A child flagged as its possible duplicate is flagged again against
    the children that stand. On ``base_version`` (the version the caller read), if given: 409 when
    another change came since."""
    access.require_staff(user)
    check_base_version(child, base_version)
    record_change(child, "delete", reason=reason)
    for event in child_events(child.id):
        event.deleted_at = child.deleted_at
        record_change(event, "delete", reason=reason or "child deleted")
    # a child flagged as a possible duplicate of this one is judged again among the children that stand
    _judge_flagged_against(child, action="delete", reason=f"{child.id} deleted")


def restore_child(user: User, child: Child, data: dict[str, Any]) -> Child:
    """Bring back a deleted child (a phone that saw the tombstone chose "restore", sync-notes §1.3)
    with the events its delete removed, then apply the client's changes ``data`` as an edit.
    Her duplicate flag is judged again (``_judged_again``): the child may have been registered
    again while she was deleted.

    Restoring the child alone would silently drop its growth and immunisation history. The
    events its delete removed are those stamped with the child's own ``deleted_at``
    (``delete_child``); events deleted on their own before, each a person's decision, stay
    deleted. They come back as they were deleted, without judging their dose rules again
    (each was accepted when recorded, and a rule added since must not refuse the child's
    return); their days' duplicate flags are judged again, and the child's growth is
    recomputed over the whole history (trends of weighings recorded while it was deleted).
    Children deleted before events took the child's stamp come back without their events."""
    from posyandu.events import DATE_FIELD, flag_duplicates_again, same_keys_of
    from posyandu.growth.models import Measurement
    from posyandu.growth.operations import refresh_child_growth

    access.require_staff(user)
    check_may_restore(user, child)
    if data.get("posyandu_id", child.posyandu_id) == child.posyandu_id:
        _target_posyandu(user, child.posyandu_id)  # it comes back where it was: only to a posyandu still open
    removed_at = child.deleted_at
    restored = undelete(child)
    if child.possible_duplicate_of is not None:  # her flag, if against a child that no longer stands, is judged again
        flagged = db.session.get(Child, child.possible_duplicate_of)
        if flagged is None or flagged.deleted_at is not None or flagged.merged_into is not None:
            restored.update(apply_changes(child, {"possible_duplicate_of": None}))
    restored.update(_judged_again(child))  # a registration made while she was deleted
    record_change(child, "update", restored, action="restore")
    events = [event for model in DATE_FIELD for event in db.session.scalars(
        select(model).where(model.child_id == child.id, model.deleted_at == removed_at))]
    for event in events:
        record_change(event, "update", undelete(event), action="restore", reason=f"child {child.id} restored")
    for model in DATE_FIELD:
        flag_duplicates_again(model, [same_keys_of(e) for e in events if type(e) is model], action="restore",
                              reason=f"child {child.id} restored")
    refresh_child_growth(child, touched=[e for e in events if isinstance(e, Measurement)])
    return update_child(user, child, data)


HEALTH_WORKERS_DELETE = Msg("a midwife deleted this child: only a midwife may bring her back; ask your midwife",
                            "anak ini dihapus oleh bidan: hanya bidan yang dapat mengembalikannya; hubungi bidan Anda")


def check_may_restore(user: User, child: Child) -> None:
    """A kader does not undo a health worker's decision: a child a bidan (or an admin) deleted is
    restored by one of them (a kader undoing a kader's delete needs no one). Who deleted it is the
    user of the child's last ``delete`` audit row. A child erased after its retention period
    (``posyandu.retention``) is restored by no one."""
    from posyandu.audit import AuditLog
    from posyandu.retention import ERASED_CHILD, is_erased

    if is_erased(child):  # its personal data is gone (posyandu.retention): nothing to bring back
        raise ValidationFailed(errors={"deleted_at": [ERASED_CHILD]})
    if user.role != "kader":
        return
    deleter = db.session.scalar(select(AuditLog.user_id).where(
        AuditLog.entity == "child", AuditLog.record_id == str(child.id), AuditLog.action == "delete")
        .order_by(AuditLog.id.desc()).limit(1))
    role = db.session.scalar(select(User.role).where(User.id == deleter)) if deleter is not None else None
    if role in ("bidan", "admin"):
        raise Forbidden(errors={"deleted_at": [HEALTH_WORKERS_DELETE]})


def undelete(obj: Any) -> dict[str, list[Any]]:
    """Clear a tombstone's ``deleted_at``; the change, for its ``restore`` audit row."""
    change = {"deleted_at": [as_json_value(obj.deleted_at), None]}
    obj.deleted_at = None
    return change


def _event_day(child_id: uuid.UUID, *, last: bool) -> Any:
    """The first or ``last`` day of a child's live weighings, doses and capsules."""
    from posyandu.events import DATE_FIELD

    pick, among = (func.max, max) if last else (func.min, min)
    days = [d for model, day in DATE_FIELD.items() if (d := db.session.scalar(select(pick(getattr(model, day))).where(
        model.child_id == child_id, model.deleted_at.is_(None)))) is not None]
    return among(days, default=None)


def _check_born_before_events(child_id: uuid.UUID, birth_date: Any, field: str) -> None:
    """A child's weighings and doses cannot come before its birth (the z-scores have no age
    for them): a birth date after the first of them, or a merge into a child born after it,
    is refused on ``field``, naming that first record's date."""
    first = _event_day(child_id, last=False)
    if first is not None and first < birth_date:
        raise ValidationFailed(errors={field: [Msg(
            f"the child has a weighing or dose on {date_text(first, 'en')}, before this birth date: correct that record first",
            f"anak ini punya penimbangan atau imunisasi pada {date_text(first, 'id')}, sebelum tanggal lahir ini: "
            "perbaiki catatan itu dulu")]})


def deleted_children(user: User) -> Any:
    """The children a bidan or admin may bring back (``restore_child``): deleted in her area, not
    merged into another child (a merge is not undone) nor erased after their retention period."""
    from posyandu.retention import ERASED

    access.require_health_worker(user)
    return select(Child).where(access.child_clause(user), Child.deleted_at.is_not(None), Child.merged_into.is_(None),
                               Child.name != ERASED)


def deletion_facts(children: Collection[Child]) -> dict[uuid.UUID, dict[str, Any]]:
    """For each deleted child: whether her posyandu is still open (``posyandu_open``: else she cannot be
    brought back there); who deleted her (``deleted_by``: name and role) and why (``reason``),
    from her last ``delete`` audit row; the weighings, doses and capsules deleted with her
    (``removed``, by entity); and those recorded for her since (``recorded_after``: a phone that had
    not heard of the delete, kept for review: ``sync.push._kept_for_review``), which tell a midwife
    the child still comes to the posyandu."""
    from posyandu.audit import AuditLog
    from posyandu.events import DATE_FIELD

    ids = [c.id for c in children]
    facts: dict[uuid.UUID, dict[str, Any]] = {
        c.id: {"deleted_by": None, "reason": None, "removed": {}, "recorded_after": {}} for c in children}
    if not ids:
        return facts
    closed = set(db.session.scalars(select(Posyandu.id).where(
        Posyandu.id.in_({c.posyandu_id for c in children}), Posyandu.deleted_at.is_not(None))))
    for c in children:  # a child of a posyandu closed since is registered again where she goes now
        facts[c.id]["posyandu_open"] = c.posyandu_id not in closed
    rows = db.session.execute(
        select(AuditLog.record_id, AuditLog.reason, User.name, User.role)
        .outerjoin(User, User.id == AuditLog.user_id)
        .where(AuditLog.entity == "child", AuditLog.action == "delete", AuditLog.record_id.in_([str(i) for i in ids]))
        .order_by(AuditLog.id))
    for record_id, reason, name, role in rows:  # the last one stands
        fact = facts[uuid.UUID(record_id)]
        fact["reason"] = reason
        fact["deleted_by"] = {"name": name, "role": role} if role else None
    stamp = {c.id: c.deleted_at for c in children}
    for model in DATE_FIELD:
        for child_id, deleted_at, n in db.session.execute(
                select(model.child_id, model.deleted_at, func.count()).where(model.child_id.in_(ids))
                .group_by(model.child_id, model.deleted_at)):
            kind = "recorded_after" if deleted_at is None else "removed" if deleted_at == stamp[child_id] else None
            if kind:
                facts[child_id][kind][model.__tablename__] = n
    return facts


def child_events(child_id: uuid.UUID) -> list[Any]:
    """The child's live measurements, immunisations and supplements."""
    from posyandu.events import DATE_FIELD

    return [obj for model in DATE_FIELD
            for obj in db.session.scalars(select(model).where(model.child_id == child_id, model.deleted_at.is_(None)))]


def _repoint_events(source: Child, target: Child, *, prev_posyandu_id: uuid.UUID | None, action: str) -> None:
    """Move ``source``'s events to ``target`` (merge) or to the child's new posyandu (transfer).

    The events' posyandu is a scope key that pulls filter on: each moved event
    gets a new version, so the old posyandu's devices receive an ``out_of_scope``
    delete and the new posyandu's devices receive the child's whole history.
    """
    from posyandu.events import flag_duplicates_again, same_keys_of

    joined: dict[type, list[tuple]] = {}
    for event in child_events(source.id):
        changes = apply_changes(event, {"child_id": target.id, "posyandu_id": target.posyandu_id,
                                        "kabupaten_code": target.kabupaten_code})
        if "child_id" in changes:
            joined.setdefault(type(event), []).append(same_keys_of(event))
        if changes:
            moved_from = prev_posyandu_id if prev_posyandu_id != target.posyandu_id else None
            record_change(event, "update", changes, prev_posyandu_id=moved_from, action=action)
    for model, groups in joined.items():
        flag_duplicates_again(model, groups, action=action, reason=f"{source.id} merged into {target.id}")


MERGE_FILLS = ("nik", "mother_nik", "mother_name", "father_name", "guardian_phone", "address", "rt", "rw",
               "birth_weight_kg", "birth_length_cm")


def _flag_carried(loser: Child, winner: Child) -> uuid.UUID | None:
    """The duplicate's own flag against a third child that still stands, which the child that stands
    takes (the question is now hers); none when it pointed at the child that stands, or at a child of
    another posyandu than hers (a duplicate merged across posyandu): flags stay within one posyandu,
    as after a move (``_flag_left_behind``), whose health workers see both children; nor at a child
    a bidan ruled the child that stands apart from (her twin: ``ruled_apart``), the question answered."""
    third = loser.possible_duplicate_of
    if third is None or third == winner.id:
        return None
    other = db.session.get(Child, third)
    return third if other is not None and other.deleted_at is None and other.merged_into is None \
        and other.posyandu_id == winner.posyandu_id and not ruled_apart(winner, [other]) else None


def merge_children(user: User, winner: Child, loser: Child, *, parents_confirmed: bool = False) -> Child:
    """A bidan merges a duplicate registration (two phones, one newborn) into ``winner``.

    The loser becomes a tombstone with ``merged_into`` (an alias: late offline
    mutations addressed to it are re-pointed by sync), its events and parent
    links (its own deleted: its parents' phones pull the winner, ``sync.pull.scope_of``)
    and its open invitation codes move to the winner (a code whose maker does not see the winner
    is revoked, as after a transfer), blank winner fields are filled from the loser (but a NIK is not
    filled to be the mother's NIK as the child's: that blank stays; the loser's exit from the register,
    refused when before the winner's latest weighing or dose; a winner who left has no event after it),
    the loser's own flag against a third child passes to a winner flagged against no other, a child
    flagged as a possible duplicate of the loser is flagged against the
    winner (flags stay within one posyandu: across posyandu, none passes, and the loser's posyandu's
    child is judged again among its own; none against a child a bidan ruled it apart from, ``ruled_apart``),
    and the winner's growth is recomputed over the joined history. Each child with a parent account (or an open code) the
    other has not is merged only when ``parents_confirmed`` (``_check_families``).
    """
    access.require_health_worker(user)
    if winner.id == loser.id:
        raise ValidationFailed(errors={"duplicate_id": [Msg("a child cannot be merged into itself",
                                                            "anak tidak dapat digabung dengan dirinya sendiri")]})
    _check_may_be_one(winner, loser)
    _check_born_before_events(loser.id, winner.birth_date, "duplicate_id")
    if winner.exit_date is not None and (last := _event_day(loser.id, last=True)) is not None \
            and last > winner.exit_date:  # the duplicate's events become hers: none after her exit
        raise ValidationFailed(errors={"duplicate_id": [after_exit(winner.exit_date)]})
    fills = {k: getattr(loser, k) for k in MERGE_FILLS if getattr(winner, k) is None and getattr(loser, k) is not None}
    if winner.exit_date is None and loser.exit_date is not None:  # her exit, recorded on the duplicate: hers
        last = _event_day(winner.id, last=True)
        if last is not None and last > loser.exit_date:
            raise ValidationFailed(errors={"duplicate_id": [Msg(
                f"the duplicate left the register on {date_text(loser.exit_date, 'en')}, before this child's weighing "
                f"or dose on {date_text(last, 'en')}: correct one of them first",
                f"data ganda ini keluar dari register pada {date_text(loser.exit_date, 'id')}, sebelum penimbangan "
                f"atau imunisasi anak ini pada {date_text(last, 'id')}: perbaiki salah satunya dulu")]})
        fills.update({field: getattr(loser, field) for field in EXIT_FIELDS})
    if not parents_confirmed:  # asked last: no refusal follows her confirmation
        _check_families(winner, loser)
    nik, mother_nik = fills.get("nik", winner.nik), fills.get("mother_nik", winner.mother_nik)
    if nik and nik == mother_nik:  # not filled to the mother's NIK as the child's, refused everywhere (_check_own_nik)
        del fills["nik" if "nik" in fills else "mother_nik"]
    if winner.possible_duplicate_of in (None, loser.id):  # a flag against the loser is answered by this merge
        fills["possible_duplicate_of"] = _flag_carried(loser, winner)
    changes = apply_changes(winner, fills)
    winner.updated_by = user.id
    record_change(winner, "update", changes, action="merge", reason=f"merged {loser.id}")
    loser.merged_into = winner.id
    record_change(loser, "delete", {"merged_into": [None, str(winner.id)]}, action="merge",
                  reason=f"merged into {winner.id}")
    # a third registration flagged against the duplicate is now a possible duplicate of the child that stands,
    # when at her posyandu and not ruled apart from her; else judged again among its posyandu's children
    db.session.flush()  # the duplicate merged away: no longer among them
    for other in flagged_against(loser.id, Child.id != winner.id):
        found = winner if other.posyandu_id == winner.posyandu_id and not ruled_apart(other, [winner]) \
            else likely_duplicate(other, rulings=True)
        record_change(other, "update", apply_changes(other, {"possible_duplicate_of": found.id if found else None}),
                      action="merge", reason=f"{loser.id} merged into {winner.id}")
    _repoint_events(loser, winner, prev_posyandu_id=loser.posyandu_id, action="merge")
    # the duplicate's parents, locked (FOR SHARE) and their links read as they then stand: a parent
    # closing her account meanwhile (``close_own_account`` locks her first) has unlinked the duplicate,
    # or waits and unlinks the child that stands; never linked to it closed, nor told her link is gone
    access.locked(select(User).where(User.id.in_(select(ParentLink.user_id).where(ParentLink.child_id == loser.id)))
                  .order_by(User.id), access.EVENTS)
    linked = set(db.session.scalars(select(ParentLink.user_id).where(ParentLink.child_id == winner.id)))
    # the duplicate's parents' links move to the child that stands: none is left to the duplicate, which
    # an unlink from the child that stands would leave, its data still pulled by the parent's phones
    for link in list(db.session.scalars(select(ParentLink).where(ParentLink.child_id == loser.id)
                                        .order_by(ParentLink.user_id))):
        parent_id = link.user_id
        if parent_id not in linked:  # a way into the child that stands, audited as a redeem or unlink is
            db.session.add(ParentLink(user_id=parent_id, child_id=winner.id))
            log_action("merge", "parent_link", winner.id, {"parent_id": [None, str(parent_id)]},
                       reason=f"linked to {loser.id}, merged into {winner.id}", kabupaten_code=winner.kabupaten_code)
        db.session.delete(link)
        log_action("merge", "parent_link", loser.id, {"parent_id": [str(parent_id), None]},
                   reason=f"merged into {winner.id}", kabupaten_code=loser.kabupaten_code)
    # the codes still open for the duplicate open the child that stands: listed and revoked there
    for inv in db.session.scalars(select(Invitation).where(Invitation.child_id == loser.id,
                                                           Invitation.used_at.is_(None)).order_by(Invitation.id)):
        inv.child_id = winner.id
        log_action("merge", "invitation", inv.id, {"child_id": [str(loser.id), str(winner.id)]},
                   kabupaten_code=winner.kabupaten_code)
    from posyandu.auth.operations import revoke_unseen_invitations
    from posyandu.growth.operations import refresh_child_growth
    db.session.flush()
    # as after a transfer: a code made by someone who does not see the child that stands (a kader of
    # the duplicate's posyandu, merged across posyandu) is no way into it
    revoke_unseen_invitations(Child.id == winner.id)
    refresh_child_growth(winner)
    return winner


def _check_families(winner: Child, loser: Child) -> None:
    """409 ``parents_differ`` when each child has a way in for a family the other has not: a parent account
    linked, or a code open (given, not yet used: a family holds it, who is not known). Merged, both families
    see the one record, each the other's child's weighings and doses (a merge is not undone). One child's
    mother and father, each linked on (or given a code for) a registration of their own, are confirmed so
    (``parents_confirmed``); two families' children merged by mistake are not. The accounts are named as
    the children's parent lists name them, the codes counted."""
    linked: dict[uuid.UUID, set[uuid.UUID]] = {winner.id: set(), loser.id: set()}
    for child_id, user_id in db.session.execute(select(ParentLink.child_id, ParentLink.user_id)
                                                .where(ParentLink.child_id.in_(linked))):
        linked[child_id].add(user_id)
    # a code counts when it will open the child that stands: its maker sees her (``revoke_unseen_invitations``
    # revokes the others after the merge, as after a transfer)
    codes = dict.fromkeys(linked, 0)
    for child_id, maker in db.session.execute(
            select(Invitation.child_id, User).join(User, User.id == Invitation.created_by)
            .where(Invitation.child_id.in_(linked), Invitation.used_at.is_(None), Invitation.expires_at > utcnow())):
        if db.session.scalar(select(Child.id).where(Child.id == winner.id, access.child_clause(maker))) is not None:
            codes[child_id] += 1
    own = {child.id: linked[child.id] - linked[other.id] for child, other in ((winner, loser), (loser, winner))}
    if not all(own[child_id] or codes[child_id] for child_id in linked):
        return
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(own[winner.id] | own[loser.id]))).all())

    def listed(child: Child, lang: str) -> str:
        ways = sorted(names[user_id] for user_id in own[child.id])
        if codes[child.id]:
            ways.append(f"{codes[child.id]} " + ("kode undangan belum dipakai" if lang == "id" else
                                                 "invitation code" + "s" * (codes[child.id] > 1) + " not yet used"))
        return f"{child.name}: {', '.join(ways)}"

    en, id_ = (f"{listed(winner, lang)}; {listed(loser, lang)}" for lang in ("en", "id"))
    raise Conflict(Msg(f"each child has a parent account or code the other has not ({en}): merged, each family "
                       "sees the other's weighings and doses. Merge only when they are one child's parents",
                       f"tiap anak punya akun orang tua atau kode undangan yang tidak dimiliki anak lainnya ({id_}): "
                       "bila digabung, tiap keluarga melihat penimbangan dan imunisasi anak lainnya. Gabungkan hanya "
                       "bila mereka orang tua dari anak yang sama"),
                   key="parents_differ", extensions={
                       "parents": {str(child.id): sorted(str(u) for u in own[child.id]) for child in (winner, loser)},
                       "open_codes": {str(child.id): codes[child.id] for child in (winner, loser)}})


def merged_already(user: User, winner: Child, duplicate_id: uuid.UUID) -> bool:
    """Whether the duplicate, which the user may see, was merged into ``winner`` already: a merge
    retried (its answer lost on the way), answered as the first was, with the child that stands,
    and nothing written."""
    merged_into = db.session.scalar(select(Child.merged_into).where(Child.id == duplicate_id, access.child_clause(user)))
    return merged_into == winner.id


def check_not_merged_away(user: User, child_id: uuid.UUID) -> None:
    """A merge into a child that was itself merged into another (the request made before the phone
    learnt it): 409 naming the child that stands, when the user sees both, to merge into that one
    instead. Otherwise nothing: the caller's 404 stands (nothing told of a child out of sight)."""
    child = db.session.scalar(select(Child).where(Child.id == child_id, access.child_clause(user)))
    if child is None or child.merged_into is None:
        return
    standing = resolve_alias(child)
    if standing.merged_into is not None or \
            db.session.scalar(access.scoped_children(user).where(Child.id == standing.id)) is None:
        return
    # named as the bidan knows the child (its id, for a program, is merged_into)
    born = {lang: date_text(standing.birth_date, lang) for lang in ("en", "id")}
    raise Conflict(Msg(f"this child was merged into another record ({standing.name}, born {born['en']}): "
                       "merge into that one",
                       f"anak ini sudah digabungkan ke data anak lain ({standing.name}, lahir {born['id']}): "
                       "gabungkan ke data itu"),
                   key="child_merged", extensions={"merged_into": str(standing.id)})


RULED_APART = Msg("a midwife ruled these two different children (not the same child): they are not merged",
                  "bidan sudah menilai keduanya anak yang berbeda (bukan anak yang sama): tidak digabungkan")
UNLIKE = Msg("these two are not flagged as one child, and their sex or birth dates (over a year apart) differ: if "
             "they are the same child, correct the wrong record first", "kedua anak ini tidak ditandai sebagai anak "
             "yang sama, dan jenis kelamin atau tanggal lahirnya (selisih lebih dari setahun) berbeda: bila memang "
             "anak yang sama, perbaiki dulu data yang salah")


def _check_may_be_one(winner: Child, loser: Child) -> None:
    """A merge cannot be undone, and joins two histories into one judged by the winner's birth date:
    a pair flagged as possible duplicates may be merged; another only when it could be one child
    (the same sex, born at most a year apart: a year mistyped), never one a midwife ruled apart
    (a "Anak ganda" screen left open while another ruled them twins)."""
    if winner.possible_duplicate_of == loser.id or loser.possible_duplicate_of == winner.id:
        return
    if loser.id in ruled_apart(winner, [loser]):
        raise Conflict(errors={"duplicate_id": [RULED_APART]})
    if winner.sex != loser.sex or abs((winner.birth_date - loser.birth_date).days) > 366:
        raise ValidationFailed(errors={"duplicate_id": [UNLIKE]})


def not_duplicate(user: User, child: Child, reason: str | None = None) -> Child:
    """A bidan judges a child flagged ``possible_duplicate_of`` another to be a different child
    (twins, a namesake): the flag is cleared, audited (``not_duplicate``) and synced to phones as a
    new version. Already clear: nothing to do (a retry answers the same). She is then judged again
    among her posyandu's children (``_judged_again``), the one ruled apart aside: registered twice and
    both records flagged against an older namesake, ruling each apart from her cleared both flags, and
    the pair that is one child was never shown."""
    access.require_health_worker(user)
    if child.possible_duplicate_of is None:
        return child
    changes = apply_changes(child, {"possible_duplicate_of": None})
    child.updated_by = user.id
    record_change(child, "update", changes, action="not_duplicate", reason=reason)
    db.session.flush()  # the ruling, read by ``ruled_apart``
    again = _judged_again(child)
    if again:
        record_change(child, "update", again, reason="judged again after a ruling: another likely duplicate")
    return child


def resolve_alias(child: Child) -> Child:
    """Follow ``merged_into`` to the child that stands (a merged duplicate is an alias)."""
    seen = {child.id}
    while child.merged_into is not None and child.merged_into not in seen:
        seen.add(child.merged_into)
        child = db.session.get(Child, child.merged_into)
    return child
