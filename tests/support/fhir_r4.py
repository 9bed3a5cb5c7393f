"""FHIR R4 (4.0.1) validation of an export, by scripts/validate_fhir_r4.py in the venv of its own that
`make test` makes (.venv-fhir-r4: fhir.resources 6.x on pydantic 1; the app's venv has fhir.resources
8, R4B and R5 only). ``make test`` names its interpreter in ``FHIR_R4_PYTHON``: then a missing one
fails the test. Run by hand without it, the R4 check is skipped where the venv was never made."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "validate_fhir_r4.py"


def r4_python() -> str:
    named = os.environ.get("FHIR_R4_PYTHON")
    found = Path(named) if named else ROOT / ".venv-fhir-r4" / "bin" / "python"
    if not found.exists():
        if named:
            pytest.fail(f"FHIR_R4_PYTHON={named} does not exist: make test makes it (requirements-fhir-r4.txt)")
        pytest.skip("no .venv-fhir-r4 (made by make test): the R4 validation is not run")
    return str(found)


def r4_errors(bundle: bytes) -> str:
    """The R4 validator's errors for ``bundle`` (JSON), or "" when it is a valid R4 Bundle."""
    done = subprocess.run([r4_python(), str(SCRIPT)], input=bundle, capture_output=True, timeout=120)
    assert done.returncode in (0, 1), done.stderr.decode()[-2000:]
    return done.stdout.decode() if done.returncode else ""


def assert_valid_r4(bundle: bytes) -> None:
    errors = r4_errors(bundle)
    assert not errors, errors[:3000]
