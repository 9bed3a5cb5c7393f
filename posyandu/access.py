"""Roles × areas: the only place that decides what a caller may see and do.

Every lookup is filtered by the caller's area before anything else (redash's
``get_by_id_and_org``), so an id outside the caller's scope answers 404 and
never reveals that the record exists. Role gates answer 403.
"""
from __future__ import annotations

import uuid
from functools import wraps
from typing import Any, Callable, TypeVar

from flask_jwt_extended import current_user, verify_jwt_in_request
from sqlalchemy import ColumnElement, Select, false, or_, select, true

from posyandu.auth.models import User
from posyandu.errors import Forbidden, NotFound
from posyandu.extensions import db
from posyandu.registry.models import Child, ParentLink, Posyandu

F = TypeVar("F", bound=Callable[..., Any])
STAFF = ("kader", "bidan", "admin")          # may register children and record visits
HEALTH_WORKERS = ("bidan", "admin")          # may override rules, merge duplicates
READERS = ("kader", "bidan", "dinkes", "admin", "parent")


def roles_required(*roles: str) -> Callable[[F], F]:
    """Require a valid access token and one of ``roles`` (403 otherwise)."""
    def decorator(fn: F) -> F:
        @wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            verify_jwt_in_request()
            if current_user.role not in roles:
                raise Forbidden()
            return fn(*args, **kwargs)
        return wrapper  # type: ignore[return-value]
    return decorator


def region_clause(column: Any, code: str) -> ColumnElement[bool]:
    """``column`` is ``code`` or lies under it (Kemendagri codes nest by prefix)."""
    return or_(column == code, column.like(code + ".%"))


def posyandu_clause(user: User) -> ColumnElement[bool]:
    """Which posyandu the user may see."""
    if user.role == "admin":
        return true()
    if user.role == "kader":
        return Posyandu.id == user.posyandu_id if user.posyandu_id else false()
    if user.role == "bidan":
        return Posyandu.puskesmas_id == user.puskesmas_id if user.puskesmas_id else false()
    if user.role == "dinkes":
        return region_clause(Posyandu.desa_code, user.region_code) if user.region_code else false()
    return Posyandu.id.in_(select(Child.posyandu_id).where(child_clause(user)))


def visible_posyandu_ids(user: User) -> Select:
    return select(Posyandu.id).where(posyandu_clause(user), Posyandu.deleted_at.is_(None))


def child_clause(user: User) -> ColumnElement[bool]:
    """Which children the user may see (deleted ones included; callers filter)."""
    if user.role == "admin":
        return true()
    if user.role == "parent":
        return Child.id.in_(select(ParentLink.child_id).where(ParentLink.user_id == user.id))
    if user.role == "kader":
        return Child.posyandu_id == user.posyandu_id if user.posyandu_id else false()
    return Child.posyandu_id.in_(visible_posyandu_ids(user))


def scoped_children(user: User) -> Select:
    return select(Child).where(child_clause(user), Child.deleted_at.is_(None))


def get_posyandu(user: User, posyandu_id: uuid.UUID) -> Posyandu:
    obj = db.session.scalar(select(Posyandu).where(Posyandu.id == posyandu_id, posyandu_clause(user),
                                                   Posyandu.deleted_at.is_(None)))
    if obj is None:
        raise NotFound()
    return obj


def get_child(user: User, child_id: uuid.UUID, *, for_update: bool = False) -> Child:
    """The child if the user may see it (404 otherwise); ``for_update`` also
    requires a role that may edit children (403)."""
    obj = db.session.scalar(scoped_children(user).where(Child.id == child_id))
    if obj is None:
        raise NotFound()
    if for_update and user.role not in STAFF:
        raise Forbidden()
    return obj


def get_event(user: User, model: type, event_id: uuid.UUID, *, for_update: bool = False) -> Any:
    """A measurement/immunisation/supplement through its child's scope."""
    obj = db.session.scalar(select(model).join(Child, Child.id == model.child_id)
                            .where(model.id == event_id, model.deleted_at.is_(None), child_clause(user),
                                   Child.deleted_at.is_(None)))
    if obj is None:
        raise NotFound()
    if for_update and user.role not in STAFF:
        raise Forbidden()
    return obj


def require_staff(user: User) -> None:
    if user.role not in STAFF:
        raise Forbidden()


def require_health_worker(user: User) -> None:
    if user.role not in HEALTH_WORKERS:
        raise Forbidden()
