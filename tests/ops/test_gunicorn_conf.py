"""The production gunicorn settings (gunicorn.conf.py) as gunicorn reads them."""
from __future__ import annotations

import gc
import runpy
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


@pytest.mark.parametrize("setting, frozen", [(None, True), ("0", False)])
def test_each_worker_freezes_what_it_loaded_at_start(monkeypatch, setting, frozen):
    """…and collects its young objects less often (the older generations' thresholds kept)."""
    if setting is None:
        monkeypatch.delenv("GUNICORN_GC_FREEZE", raising=False)
    else:
        monkeypatch.setenv("GUNICORN_GC_FREEZE", setting)
    conf = runpy.run_path(str(CONF))
    gc.unfreeze()
    before = gc.get_threshold()
    try:
        conf["post_worker_init"](None)
        assert (gc.get_freeze_count() > 0) is frozen
        assert gc.get_threshold() == ((10_000, *before[1:]) if frozen else before)
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_a_setting_that_is_not_a_number_names_its_variable_and_value(monkeypatch):
    monkeypatch.setenv("GUNICORN_TIMEOUT", "2m")
    with pytest.raises(RuntimeError, match="^GUNICORN_TIMEOUT must be a whole number, not '2m'$"):
        runpy.run_path(str(CONF))
    monkeypatch.setenv("GUNICORN_TIMEOUT", " 90 ")
    monkeypatch.setenv("GUNICORN_WORKERS", "")
    conf = runpy.run_path(str(CONF))
    assert conf["timeout"] == 90 and conf["workers"] >= 3
