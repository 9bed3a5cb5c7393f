"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every value can be overridden with GUNICORN_* environment variables.
"""
import multiprocessing
import os


def _int(name, default):
    """A whole number (unset or empty: ``default``); anything else names the variable and its value."""
    value = os.environ.get(name, "").strip()
    try:
        return int(value) if value else default
    except ValueError:
        raise RuntimeError(f"{name} must be a whole number, not {value!r}") from None


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync requests are short and mostly wait on PostgreSQL: 2 × cores + 1 workers.
workers = _int("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1)
threads = _int("GUNICORN_THREADS", 1)
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = 30
keepalive = 5
max_requests = 2000          # recycle workers to bound memory growth
max_requests_jitter = 200
limit_request_line = 8190
accesslog = None             # the app logs every request as JSON with its request id
errorlog = "-"
preload_app = False          # each worker opens its own database pool


GC_YOUNG_THRESHOLD = 10_000  # Python's default is 700


def post_worker_init(worker):
    """Once the worker has loaded the app: move everything it holds for good (modules, the app,
    its schemas and mappers) out of the garbage collector's sight. Otherwise each full
    collection walks all of it again, and a push of 500 measurements (thousands of
    short-lived objects) set off several: an eighth of the push's time (docs/scaling.md).
    Then collect the young generation after 10,000 new objects rather than 700: a push of 500
    ran about 50 collections, 7 % of its CPU time, for cycles it hardly makes (its records
    are freed by their reference counts); now 2 or 3. ``GUNICORN_GC_FREEZE=0`` turns both off."""
    import gc

    if os.environ.get("GUNICORN_GC_FREEZE", "1") != "0":
        gc.freeze()
        gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
