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
# A worker still on one request after this many seconds is killed (a sync worker tells the arbiter
# it is alive only between requests), except a download still sending: it tells it as it goes
# (posyandu.heartbeat), and stalls no longer than this. As long as nginx waits for an answer
# (deploy/nginx: proxy_read_timeout 120s) and the PWA for a push (120 s): shorter, a long import
# was cut off by a 502 that nginx was still waiting for.
timeout = _int("GUNICORN_TIMEOUT", 120)
# A statement outlives its request unless PostgreSQL stops it: the worker killed at ``timeout`` left
# its query running. The workers (forked from this process, which reads this file first) get
# ``DB_STATEMENT_TIMEOUT`` 10 s below the request's limit unless it is set (none when gunicorn's
# timeout is off, 0); server commands, run without gunicorn, keep no limit (config.py).
if timeout > 0:
    os.environ.setdefault("DB_STATEMENT_TIMEOUT", str(max(timeout - 10, 1)))
graceful_timeout = 30
keepalive = 5
max_requests = 2000          # recycle workers to bound memory growth
max_requests_jitter = 200
limit_request_line = 8190
accesslog = None             # the app logs every request as JSON with its request id
errorlog = "-"
preload_app = False          # each worker opens its own database pool
control_socket_disable = True  # gunicornc's socket in $HOME: read-only for the service, and unused


GC_YOUNG_THRESHOLD = 10_000  # Python's default is 700
CONFIG_PY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "config.py")


def on_starting(server):
    """Before gunicorn binds or starts a worker: the settings the app will run with, read as each
    worker reads them (config.py's ``config_from_env``). An unknown ``POSYANDU_ENV`` or a production
    setting refused stops the master here, with its message; so does the development secret (no
    ``POSYANDU_ENV=production``, or ``SECRET_KEY``/``JWT_SECRET_KEY`` unset): it is in this
    repository, so anyone could sign tokens the server accepts. ``POSYANDU_ALLOW_DEV_SECRET=1``
    lets it run (a test or a benchmark on loopback). config.py is read as a module of its own,
    kept out of ``sys.modules``: each worker imports it afresh."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_posyandu_settings", CONFIG_PY)
    settings = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(settings)
    config = settings.config_from_env()
    dev = [key for key in ("SECRET_KEY", "JWT_SECRET_KEY") if getattr(config, key) in (settings.DEV_SECRET, "")]
    if dev and not settings._bool("POSYANDU_ALLOW_DEV_SECRET", False):
        raise RuntimeError(f"{' and '.join(dev)} would be the development secret, which anyone can read in the "
                           "source: set POSYANDU_ENV=production and strong secrets (docs/deploy.md), or "
                           "POSYANDU_ALLOW_DEV_SECRET=1 for a test on loopback")


def post_worker_init(worker):
    """Once the worker has loaded the app: move everything it holds for good (modules, the app,
    its schemas and mappers) out of the garbage collector's sight. Otherwise each full
    collection walks all of it again, and a push of 500 measurements (thousands of
    short-lived objects) set off several: an eighth of the push's time (docs/scaling.md).
    Then collect the young generation after 10,000 new objects rather than 700: a push of 500
    ran about 50 collections, 7 % of its CPU time, for cycles it hardly makes (its records
    are freed by their reference counts); now 2 or 3. ``GUNICORN_GC_FREEZE=0`` turns both off.
    And hand the app the worker's heartbeat: a download still streaming at ``timeout`` (a
    whole district's FHIR export, a slow link) tells the arbiter it is at work rather than being
    killed mid-file (posyandu.heartbeat)."""
    import gc

    from posyandu import heartbeat

    heartbeat.serve(worker.notify)

    if os.environ.get("GUNICORN_GC_FREEZE", "1") != "0":
        gc.freeze()
        gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
