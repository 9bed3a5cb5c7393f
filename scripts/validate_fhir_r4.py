"""Validate FHIR Bundles (JSON files, or stdin with no file named) against FHIR R4 (4.0.1), the
version SATUSEHAT takes, with fhir.resources 6.4 (the last to model 4.0.1; 6.5 is R4B). Run with
.venv-fhir-r4/bin/python (made by `make test`): the app's own venv has fhir.resources 8, which
models R4B and R5 only. Prints each invalid bundle's errors and exits 1 if any was invalid."""
from __future__ import annotations

import sys

from fhir.resources import __fhir_version__
from fhir.resources.bundle import Bundle
from pydantic import ValidationError


def main(paths: list[str]) -> int:
    if __fhir_version__ != "4.0.1":
        print(f"fhir.resources models FHIR {__fhir_version__}, not R4 (4.0.1)")
        return 2
    invalid = 0
    for path in paths or ["-"]:
        try:
            Bundle.parse_raw(sys.stdin.buffer.read() if path == "-" else open(path, "rb").read())
        except (ValidationError, LookupError) as exc:  # LookupError: a resource type R4 does not have
            invalid += 1
            print(f"{path}: {type(exc).__name__}: {exc}")
    return 1 if invalid else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
