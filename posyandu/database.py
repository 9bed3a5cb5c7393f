"""Declarative base, naming convention and mixins shared by every model."""
from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone
from typing import Any

import orjson
from sqlalchemy import JSON, DateTime, Integer, MetaData, TypeDecorator, Uuid, any_, bindparam, event, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def json_text(value: Any) -> str:
    """JSON columns are written with orjson: a pushed measurement writes seven JSON values
    (flags, warnings, its ledger answer, audit and change-log rows), and json.dumps was a
    tenth of the push time. NaN is written as null (PostgreSQL refuses NaN in JSON)."""
    return orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS).decode()


# merged into every engine's options (posyandu.create_app)
JSON_ENGINE_OPTIONS = {"json_serializer": json_text, "json_deserializer": orjson.loads}


CURLY_APOSTROPHES = ("\u2019", "\u2018")  # a phone's keyboard writes "Nur’aini", a spreadsheet "Nur'aini"


def name_contains(column: Any, text: str) -> Any:
    """A clause: ``column`` holds ``text``, case aside and an apostrophe curly or straight (a search for
    "nur'aini" finds "Siti Nur’aini")."""
    for curly in CURLY_APOSTROPHES:
        column, text = func.replace(column, curly, "'"), text.replace(curly, "'")
    return func.lower(column).contains(text.lower(), autoescape=True)


def among(session: Any, column: Any, values: Iterable[Any]) -> Any:
    """``column IN values`` for hundreds of values (a push's ids): on PostgreSQL one array
    parameter, ``column = ANY(%s)``, so the statement's text does not grow with the values and
    neither SQLAlchemy nor psycopg renders and parses hundreds of placeholders each time."""
    values = list(values)
    if session.get_bind().dialect.name != "postgresql":
        return column.in_(values)
    return column == any_(bindparam(None, values, type_=ARRAY(column.type)))


def insert_rows(session: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    """INSERT many rows of one table in the session's transaction: with COPY on PostgreSQL
    (several times faster than a batched INSERT for the hundreds of audit, change-log and
    ledger rows of a push), one executemany elsewhere. Values go through the columns' types
    as in any INSERT; Python-side defaults are filled in; omitted columns take the server's.
    Every row must have the same keys (the columns written)."""
    if not rows:
        return
    table = model.__table__
    defaults = [c for c in table.columns if c.name not in rows[0] and c.default is not None and c.default.is_callable]
    if defaults:
        rows = [{**row, **{c.name: c.default.arg(None) for c in defaults}} for row in rows]
    conn = session.connection()
    dialect = conn.dialect
    if dialect.name != "postgresql":
        conn.execute(table.insert(), rows)
        return
    names = list(rows[0])
    converting = [(i, process) for i, process in enumerate(table.c[name].type.bind_processor(dialect)
                                                          for name in names) if process is not None]
    quote = dialect.identifier_preparer
    sql = f"COPY {quote.format_table(table)} ({', '.join(quote.quote(name) for name in names)}) FROM STDIN"
    try:
        with conn.connection.driver_connection.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                values = [row[name] for name in names]
                for i, process in converting:
                    values[i] = process(values[i])
                copy.write_row(values)
    except dialect.loaded_dbapi.Error as exc:  # as SQLAlchemy's own (IntegrityError, OperationalError…)
        raise DBAPIError.instance(sql, None, exc, dialect.loaded_dbapi.Error) from exc


def ids_taken(session: Any, model: Any, ids: list[Any]) -> bool:
    """Whether new records' ids repeat among themselves or belong to a stored record (in any state)."""
    return len(set(ids)) < len(ids) or session.scalar(
        select(model.id).where(among(session, model.id, ids)).limit(1)) is not None


def creation_instants(n: int) -> list[datetime]:
    """One creation instant each for ``n`` records made together, a microsecond apart: ordered
    by ``created_at``, they keep the order they were given in."""
    start = utcnow()
    return [start + timedelta(microseconds=i) for i in range(n)]


def new_records(model: Any, rows: list[dict[str, Any]]) -> list[Any]:
    """New (transient) records of ``model``, for ``insert_records``: each row's values are set as
    the record's plain state, as SQLAlchemy sets a loaded row's, without the per-attribute events
    of the constructor (for hundreds of records, those cost more than their INSERT)."""
    from sqlalchemy import inspect as inspect_

    manager, known = model._sa_class_manager, inspect_(model).attrs.keys()
    objs = []
    for values in rows:
        unknown = values.keys() - known
        if unknown:
            raise TypeError(f"{sorted(unknown)} are not attributes of {model.__name__}")
        obj = manager.new_instance()
        obj.__dict__.update(values)
        objs.append(obj)
    return objs


def insert_records(session: Any, objs: list[Any]) -> None:
    """Insert new records of one model with ``insert_rows`` and attach them to the session as
    stored, as if just loaded: for hundreds of records the unit of work costs more than the
    database does. A column attribute left unset takes its column's Python default (or None).
    Records are inserted in the order given (a record may refer to an earlier one)."""
    if not objs:
        return
    columns = _columns(type(objs[0]))
    insert_rows(session, type(objs[0]), [_row(obj, columns) for obj in objs])
    _attach(session, objs)


def insert_or_skip(session: Any, obj: Any) -> bool:
    """INSERT a new record unless its primary key is taken: ``ON CONFLICT DO NOTHING`` (PostgreSQL
    and SQLite). True, and the record attached as stored; or False, nothing written. One statement
    where a query, a savepoint, the INSERT and its release were four. A concurrent transaction
    that inserted the same key first makes it wait, as a plain INSERT would, until that one
    commits (False) or rolls back (True)."""
    from sqlalchemy.dialects import postgresql, sqlite

    model = type(obj)
    dialect = session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    keys = [c.name for c in model.__table__.primary_key.columns]
    statement = (insert(model.__table__).values(_row(obj, _columns(model)))
                 .on_conflict_do_nothing(index_elements=keys).returning(*model.__table__.primary_key.columns))
    if session.execute(statement).first() is None:
        return False
    _attach(session, [obj])
    return True


@functools.cache
def _columns(model: Any) -> tuple[tuple[str, str, Any], ...]:
    """(column name, attribute, default) of each of the model's columns."""
    from sqlalchemy import inspect as inspect_

    mapper = inspect_(model)
    return tuple((c.name, mapper.get_property_by_column(c).key, c.default) for c in model.__table__.columns)


def _row(obj: Any, columns: tuple[tuple[str, str, Any], ...]) -> dict[str, Any]:
    """The new record's row, its unset columns given their Python default (or None)."""
    values = obj.__dict__  # the record's state: new, so nothing to track but its values
    for _, key, default in columns:
        if key not in values:
            values[key] = None if default is None else default.arg(None) if default.is_callable else default.arg
    return {name: values[key] for name, key, _ in columns}


def _attach(session: Any, objs: list[Any]) -> None:
    """Attach inserted records to the session as stored (forgotten again if their transaction
    rolls back, below)."""
    from sqlalchemy.orm import make_transient_to_detached

    for obj in objs:
        make_transient_to_detached(obj)
        session.add(obj)
    session.info.setdefault(INSERTED_KEY, []).extend(objs)


# Records attached by ``insert_records`` are not "new" to the session, so a rollback would
# leave them in it as if stored: forget them when the (sub)transaction that inserted them is
# rolled back, as the session does with the records it inserted itself.
INSERTED_KEY, INSERTED_MARKS_KEY = "posyandu_inserted_records", "posyandu_inserted_marks"


@event.listens_for(Session, "after_transaction_create")
def _mark_inserted(session: Session, transaction: Any) -> None:
    if transaction.nested:
        session.info.setdefault(INSERTED_MARKS_KEY, {})[id(transaction)] = len(session.info.get(INSERTED_KEY, ()))


@event.listens_for(Session, "after_soft_rollback")
def _forget_inserted(session: Session, previous_transaction: Any) -> None:
    inserted = session.info.get(INSERTED_KEY)
    mark = session.info.get(INSERTED_MARKS_KEY, {}).pop(id(previous_transaction), None)
    if not previous_transaction.nested:
        mark = 0
    if inserted and mark is not None:
        for obj in inserted[mark:]:
            if obj in session:
                session.expunge(obj)
        del inserted[mark:]


@event.listens_for(Session, "after_commit")
def _keep_inserted(session: Session) -> None:
    session.info.pop(INSERTED_KEY, None)
    session.info.pop(INSERTED_MARKS_KEY, None)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UtcDateTime(TypeDecorator):
    """A UTC instant on every database. SQLite keeps no offset: without this it
    would store 10:00+07:00 as 10:00 and hand back naive values, which the API
    would then send without any offset."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else aware(value).astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else aware(value).astimezone(timezone.utc)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={
            uuid.UUID: Uuid(),
            datetime: UtcDateTime(),
            dict[str, Any]: JSON(),
            list[Any]: JSON(),
        },
    )


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, server_default=func.now())


class SyncedMixin(TimestampMixin):
    """A record that phones create offline: client UUID, version, soft delete."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


def once_a_transaction(session: Any, key: str, read: Any) -> Any:
    """``read(session)``, computed once in the session's transaction and kept in ``Session.info`` under
    ``key`` until it ends: the next transaction reads again (``forget_in_transaction`` drops it sooner).
    ``session``: a session, or ``db.session`` (the request's own)."""
    from sqlalchemy.orm import scoped_session

    if isinstance(session, scoped_session):
        session = session()
    held = session.info.get(key)
    if held is None or held[0] is not session.get_transaction():
        value = read(session)  # begins the transaction if none is under way
        held = session.info[key] = (session.get_transaction(), value)
    return held[1]


def forget_in_transaction(session: Any, key: str) -> None:
    """Drop what ``once_a_transaction`` kept under ``key``: this transaction changed what it was read from."""
    session.info.pop(key, None)


def aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def as_json_value(value: Any) -> Any:
    """A model attribute as it appears in JSON snapshots (audit, change log)."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return aware(value).astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return value
