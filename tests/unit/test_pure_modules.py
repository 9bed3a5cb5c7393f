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
    "posyandu.growth.signs",
    "posyandu.growth.chart",
    "posyandu.immunisation.schedule",  # its messages come in both languages (posyandu.messages)
    "posyandu.immunisation.supplements",
]


@pytest.mark.parametrize("module", PURE_MODULES)
def test_pure_growth_module_imports_neither_flask_nor_extensions(module):
    # The package's __init__ imports Flask only inside create_app, so a plain
    # import shows exactly what the rule module pulls in.
    probe = (
        "import sys\n"
        f"import {module}\n"
        "bad = sorted(m for m in sys.modules if m == 'flask' or m.startswith('flask.')"
        " or m == 'posyandu.extensions' or m.startswith('sqlalchemy'))\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == ""
