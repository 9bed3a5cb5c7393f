"""README.md against the code, as a new developer or a district's IT officer reads it: every
setting config.py and gunicorn.conf.py read is in its configuration table (config.py's docstring
promises it) and every variable of the table is read; every `make …` it names is a target of the
Makefile; every `flask --app wsgi …` command and option it shows exists."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
READERS = {name: (ROOT / name).read_text(encoding="utf-8") for name in ("config.py", "gunicorn.conf.py", "Makefile")}
TEST_ONLY = {"TEST_DATABASE_URL"}  # config.TestConfig's, for the suite


def _table(heading: str) -> str:
    section = README.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return "\n".join(line for line in section.splitlines() if line.startswith("|"))


def test_every_setting_read_is_in_the_configuration_table_and_every_one_there_is_read():
    table = _table("Configuration")
    listed = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table))
    read = {v for name in ("config.py", "gunicorn.conf.py")
            for v in re.findall(r"""(?:environ\.get|_int|_bool|_choice|_rate_limit|_database_url|_list)\(\s*["']([A-Z][A-Z0-9_]+)["']""",
                                READERS[name])}
    assert {"DATABASE_URL", "SECRET_KEY", "GUNICORN_WORKERS"} <= read  # the pattern finds them
    assert sorted(read - listed - TEST_ONLY) == []
    everything = "".join(READERS.values())
    assert sorted(v for v in listed if f'"{v}"' not in everything and f"{v}" not in READERS["Makefile"]) == []


def test_every_make_target_the_readme_names_exists():
    targets = set(re.findall(r"^([a-z][a-z-]*):", READERS["Makefile"], flags=re.M))
    named = set(re.findall(r"(?:`|^|`[A-Z_]+=\S+ )make ([a-z][a-z-]*)", README, flags=re.M))  # `make x`, `PORT=8000 make run`
    assert {"run", "test", "bench", "load", "fuzz", "lighthouse"} <= named
    assert sorted(named - targets) == []
    phony = set(re.search(r"^\.PHONY:(.*)$", READERS["Makefile"], flags=re.M)[1].split())
    assert sorted(phony - targets) == []  # `make test-py` said "Nothing to be done" for a target that was not there


def test_every_flask_command_and_option_the_readme_shows_exists():
    import click

    from config import TestConfig
    from posyandu import create_app

    app = create_app(TestConfig)
    ctx = click.Context(app.cli)
    lines = [line.split("#")[0] for line in README.splitlines() if "flask --app wsgi " in line]
    assert len(lines) >= 9, lines
    for line in lines:
        for use in line.split("flask --app wsgi ", 1)[1].split(" | "):  # db upgrade | db check
            words = shlex.split(use.replace("[", " ").replace("]", " "))
            command = app.cli
            while isinstance(command, click.Group) and words and not words[0].startswith("-"):
                found = command.get_command(ctx, words[0])
                assert found is not None, f"{use!r}: no command {words[0]!r}"
                command, words = found, words[1:]
            options = {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)}
            for word in words:
                if word.startswith("-"):
                    assert word.split("=")[0] in options, f"{use!r}: {command.name} has no {word}"


def test_the_layout_names_every_package_test_folder_and_document():
    """The layout is a new developer's map: a feature package (imports/), a test folder (faults/)
    or a document (docs/sync.md, docs/privacy.md) missing from it is one she does not know to read."""
    layout = README.split("## Layout\n", 1)[1].split("\n## ", 1)[0]
    packages = {p.name + "/" for p in (ROOT / "posyandu").iterdir() if (p / "__init__.py").exists()}
    folders = {p.name + "/" for p in (ROOT / "tests").iterdir() if p.is_dir() and p.name not in ("support", "data", "__pycache__")}
    documents = {p.name for p in (ROOT / "docs").glob("*.md")}
    assert {"auth/", "sync/"} <= packages and {"api/", "e2e/"} <= folders and "deploy.md" in documents
    assert sorted(name for name in packages | folders | documents if name not in layout) == []


def test_a_tool_make_test_runs_but_does_not_install_is_a_stated_requirement():
    """`make test` runs `node --test` but its system-deps step installs only PostgreSQL and Chromium:
    on a fresh machine the README's "fresh machine" promise ended, after the whole pytest suite,
    at "node: command not found"."""
    makefile = READERS["Makefile"]
    recipe = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    system_deps = makefile.split("\nsystem-deps:", 1)[1].split("\n\n", 1)[0]
    assert "postgresql-15" in system_deps and "node --test" in recipe
    if "nodejs" not in system_deps:
        intro = README.split("\n## ", 1)[0]
        assert re.search(r"needs \*\*Node\.js\*\*.*\*\*does not install it\*\*", intro, flags=re.S), intro


def test_the_configuration_tables_defaults_are_the_codes():
    """A district's IT officer sets only what she must change: a default in the table that is not
    the one config.py or gunicorn.conf.py falls back to is a setting she believes she has."""
    import ast

    code = READERS["config.py"] + READERS["gunicorn.conf.py"]
    defaults = {}
    for name, expr in re.findall(r"""(?:_int|_bool|_choice|_rate_limit|environ\.get|setting)\(\s*["']([A-Z][A-Z0-9_]+)["'],\s*"""
                                 r"""(?:"[a-z_]+",\s*)?([^(),]+?)\s*[,)]""", code):
        try:
            value = eval(compile(ast.parse(expr.strip(), mode="eval"), name, "eval"), {"__builtins__": {}})
        except Exception:  # noqa: BLE001: computed at start (cores), or another variable's
            continue
        defaults[name] = str(value).lower()
    units = {"s": 1, "ms": 1, "MiB": 1024 * 1024}
    compared = []
    for line in _table("Configuration").splitlines()[2:]:
        names_cell, default_cell = line.split("|")[1:3]
        names = re.findall(r"`([A-Z][A-Z0-9_]+)`", names_cell)
        said = [d.strip() for d in default_cell.split(",")] if len(names) > 1 else [default_cell.strip()]
        for name, text in zip(names, said):
            text = re.sub(r"\s*\(.*\)$", "", text.replace("`", "")).strip()  # "31536000 (a year)"
            number = re.fullmatch(r"(\d+)(?:\s*(s|ms|MiB))?", text)
            text = text.lower()  # `INFO`, `true`: as the code's default, lowercased
            if name in defaults and (number or text in ("true", "false", defaults[name])):
                value = str(int(number[1]) * units.get(number[2] or "s", 1)) if number else text
                compared.append((name, value, defaults[name]))
    assert len(compared) >= 30, compared
    assert [c for c in compared if c[1] != c[2]] == []


def test_every_variable_the_readme_sets_before_a_command_is_read():
    """`TEST_BACKENDS=sqlite .venv/bin/python -m pytest …`, `PORT=8000 make run`: a variable no one
    reads would run the command as if it were not there."""
    readers = "".join(READERS.values()) + "".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("*.py"))
    named = set(re.findall(r"`((?:[A-Z][A-Z0-9_]*=\S+ )+)(?:make|\.venv/bin/)", README))
    variables = {v.split("=")[0] for words in named for v in words.split()}
    assert {"PORT", "TEST_BACKENDS"} <= variables
    assert sorted(v for v in variables if f'"{v}"' not in readers and f"$({v})" not in readers
                  and not re.search(rf"^{v} \?=", readers, re.M)) == []


def test_every_api_path_and_query_parameter_the_documents_name_is_served():
    """An integrator calls what README.md and docs/*.md name (`GET /api/v1/users?q=&role=…`,
    `/children/{id}/export`, `DELETE /posyandu/{id}?reason=`): each path must be an operation of the
    served OpenAPI document, with that method and those query parameters."""
    from config import TestConfig
    from posyandu import create_app

    spec = create_app(TestConfig).test_client().get("/api/v1/openapi.json").get_json()
    served = {(method.upper(), re.sub(r"\{[^}]+\}", "{}", path)):
              {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
              for path, operations in spec["paths"].items() for method, operation in operations.items()
              if method != "parameters"}
    not_operations = {"/api/v1", "/api/v1/docs", "/api/v1/openapi.json", "/api/v1/sync", "/api"}
    texts = [README, *(p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").glob("*.md")))]
    named = [m for text in texts
             for m in re.findall(r"`(?:(GET|POST|PATCH|DELETE) )?(/(?:api/v1/)?[a-z][^` ]*)`", text)]
    roots = {path.split("/")[3] for _, path in served}  # /api/v1/<root>/…
    checked, wrong = 0, []
    for method, text in named:
        if not text.startswith("/api") and text.split("/")[1].split("?")[0] not in roots:
            continue  # a file: /etc/posyandu/posyandu.env
        path, _, query = (text if text.startswith("/api") else "/api/v1" + text).partition("?")
        path = re.sub(r"\{[^}]+\}", "{}", path.rstrip("/"))
        if path in not_operations or re.search(r"\{[^}]*,|\*", text):
            continue  # the API's root, /reports/{skdn,f1,…}, /reports/*
        operations = {m: params for (m, p), params in served.items() if p == path and (not method or m == method)}
        params = {name.split("=")[0] for name in query.split("&") if name}
        if not operations or not params <= set().union(*operations.values()):
            wrong.append((method, text))
        checked += 1
    assert checked >= 40 and wrong == []


def test_the_routes_taking_any_query_parameter_are_the_ones_the_readme_names():
    """The README lists the exceptions to "a query parameter a route does not list answers 422": it
    named the sync pull and push only, and a monitoring script's `/health?t=…` was answered 200."""
    from config import TestConfig
    from posyandu import create_app
    from posyandu.query_params import LENIENT

    app = create_app(TestConfig)
    lenient = set()
    for rule in app.url_map.iter_rules():
        view_class = getattr(app.view_functions[rule.endpoint], "view_class", None)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if getattr(getattr(view_class, method.lower(), None), LENIENT, False):
                lenient.add(rule.rule)
    assert "/api/v1/sync/pull" in lenient
    sentence = README.split("A query parameter a route does not list", 1)[1]
    sentence = re.split(r"\bonly ", sentence, maxsplit=1)[1].split(".\n", 1)[0]
    named = {"/api/v1/sync/pull", "/api/v1/sync/push"} if "sync pull and push" in sentence else set()
    named |= {path for path in re.findall(r"`(?:GET |POST )?(/api/v1/[a-z/]+)`", sentence)}
    assert named == lenient
