"""Listening to the statements the app runs: counting them (a request's queries must not grow with its
rows), reading their plans, or acting in the middle of one (another transaction committing there)."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator

from sqlalchemy import event


@contextmanager
def before_each_statement(engine: Any, call: Callable[..., Any]) -> Iterator[None]:
    """``call(conn, cursor, statement, parameters, context, executemany)`` before each statement ``engine``
    runs inside the block (SQLAlchemy's ``before_cursor_execute``); raising in it fails the statement."""
    event.listen(engine, "before_cursor_execute", call)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", call)


@contextmanager
def statements_run(engine: Any) -> Iterator[list[tuple[str, Any]]]:
    """The statements (SQL text, parameters) ``engine`` runs inside the block, in order."""
    seen: list[tuple[str, Any]] = []
    with before_each_statement(engine, lambda conn, cursor, statement, params, *rest: seen.append((statement, params))):
        yield seen
