"""The growth rules are pure: importing them loads neither Flask nor the app's extensions."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PURE_MODULES = [
    "posyandu.growth.tables",
    "posyandu.growth.zscores",
    "posyandu.growth.categories",
    "posyandu.growth.trend",
]


@pytest.mark.parametrize("module", PURE_MODULES)
def test_pure_growth_module_imports_neither_flask_nor_extensions(module):
    # The package's own __init__ (the app factory) imports Flask, so the probe
    # registers a bare ``posyandu`` package first: what is checked is what the
    # growth modules themselves pull in.
    probe = (
        "import sys, types\n"
        f"package = types.ModuleType('posyandu'); package.__path__ = [{str(ROOT / 'posyandu')!r}]\n"
        "sys.modules['posyandu'] = package\n"
        f"import {module}\n"
        "bad = sorted(m for m in sys.modules if m == 'flask' or m.startswith('flask.')"
        " or m == 'posyandu.extensions' or m.startswith('sqlalchemy'))\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == ""
