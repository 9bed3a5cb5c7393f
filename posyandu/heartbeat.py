"""A long download tells gunicorn its worker is still at work.

gunicorn's arbiter kills a worker that has not notified it for ``timeout`` seconds, and a sync
worker notifies only between requests: a whole-district FHIR export or CSV still streaming after
120 s was cut off mid-file (a slow puskesmas link alone makes a 100 MB download last that long).
gunicorn.conf.py's ``post_worker_init`` hands the worker's ``notify`` to ``serve``; a download then
calls ``alive`` as it makes progress (a chunk sent, a row written), at most once a second. A
request that makes none, stuck or waiting on a client that stopped reading, is still killed at
``timeout``, and every other request keeps that limit; each statement keeps ``DB_STATEMENT_TIMEOUT``.
Without gunicorn (tests, server commands) it does nothing.
"""
from __future__ import annotations

import time
from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
EVERY = 1.0  # seconds between two notifications at most as often

_notify: Callable[[], None] | None = None
_last = 0.0


def serve(notify: Callable[[], None] | None) -> None:
    """The worker's ``notify`` (gunicorn.conf.py), or None."""
    global _notify
    _notify = notify


def alive() -> None:
    """Progress: tell the arbiter, unless told less than ``EVERY`` seconds ago."""
    global _last
    if _notify is None:
        return
    now = time.monotonic()
    if now - _last >= EVERY:
        _last = now
        _notify()


def beating(items: Iterable[T]) -> Iterator[T]:
    """``items`` unchanged, the arbiter told of each (``alive``); closing this closes them, even before
    the first is read (a HEAD request, a client gone before the first byte): a generator closed
    unstarted never runs its ``finally``, and a workbook's temporary file stayed open."""
    return _Beating(items)


class _Beating(Iterator[T]):
    def __init__(self, items: Iterable[T]) -> None:
        self._items = iter(items)

    def __next__(self) -> T:
        item = next(self._items)
        alive()
        return item

    def close(self) -> None:
        close = getattr(self._items, "close", None)
        if close is not None:
            close()
