"""Each feature package keeps the same file names (docs: conventions, "Package by feature"): its
marshmallow schemas are in its schemas.py, where the next reader looks for them, and its routes.py
declares the endpoints that use them. growth/routes.py held thirteen of its own (KbmSchema among them)."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_no_feature_package_defines_schemas_in_its_routes():
    found = []
    for path in sorted((ROOT / "posyandu").glob("*/routes.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            bases = [getattr(base, "id", getattr(base, "attr", "")) for base in getattr(node, "bases", [])]
            if isinstance(node, ast.ClassDef) and any(b.endswith(("Schema", "Args", "Page")) for b in bases):
                found.append(f"{path.relative_to(ROOT)}: {node.name}")
    assert found == []
