"""docs/deploy.md against the code and the files it installs: every `run …` command and option it
names exists, every variable it and deploy/ set is read by something, the nginx site uses only
what Debian 12's nginx (1.22) knows, and its run() helper reads the settings as the posyandu user
(the file is readable by root and that user only)."""
from __future__ import annotations

import re
import shlex
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parents[2]
DEPLOY_MD = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
SHELL = "\n".join(re.findall(r"```sh\n(.*?)```", DEPLOY_MD, flags=re.S))


def _command(app, words: list[str]) -> tuple[click.Command, list[str]]:
    command: click.Command = app.cli
    ctx = click.Context(app.cli)
    while isinstance(command, click.Group) and words and not words[0].startswith("-"):
        found = command.get_command(ctx, words[0])
        assert found is not None, f"`run {' '.join(words)}`: no command {words[0]!r}"
        command, words = found, words[1:]
    return command, words


def test_every_run_command_and_option_in_deploy_md_exists():
    from config import TestConfig
    from posyandu import create_app

    app = create_app(TestConfig)
    lines = [shlex.split(line.split("#")[0]) for line in SHELL.splitlines()
             if re.match(r"\s*(?:cd \S+ && )?run [a-z]", line)]  # run db upgrade; cd … && run db upgrade
    uses = [words[words.index("run") + 1:] for words in lines]
    uses += [shlex.split(m)[1:] for m in re.findall(r"`(run [a-z][^`]*)`", DEPLOY_MD)]
    assert len(uses) >= 7, uses
    for words in uses:
        command, rest = _command(app, words)
        options = {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)}
        for word in rest:
            if word.startswith("-"):
                assert word.split("=")[0] in options, f"`run {' '.join(words)}`: {command.name} has no {word}"


def test_every_variable_deploy_sets_is_read():
    readers = "".join(p.read_text(encoding="utf-8") for p in (
        ROOT / "config.py", ROOT / "gunicorn.conf.py", ROOT / "deploy" / "backup.sh", ROOT / "deploy" / "restore.sh"))
    texts = [DEPLOY_MD, (ROOT / "deploy" / "posyandu.env.example").read_text(encoding="utf-8"),
             *(p.read_text(encoding="utf-8") for p in (ROOT / "deploy" / "systemd").iterdir())]
    named = {v for text in texts for v in re.findall(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b", text)}
    assert {"DATABASE_URL", "RATELIMIT_STORAGE_URI", "KEEP_DAYS", "GUNICORN_WORKERS"} <= named
    assert sorted(v for v in named if f'"{v}"' not in readers and f"{{{v}" not in readers
                  and f"${v}" not in readers) == []


def test_the_nginx_site_loads_in_debian_12s_nginx():
    """`http2 on;` is a directive of nginx 1.25.1 and later: Debian 12's nginx (1.22) stops at
    `nginx -t` with "unknown directive "http2"", and the site never comes up."""
    site = (ROOT / "deploy" / "nginx" / "posyandu.conf").read_text(encoding="utf-8")
    directives = [line.split("#")[0].strip() for line in site.splitlines()]
    assert not any(re.match(r"http2\s", d) for d in directives)
    assert any(re.match(r"listen 443 ssl http2;", d) for d in directives)


def test_the_nginx_site_logs_no_query_string():
    """Debian's default access log ("combined") writes the whole request line: a search by a child's
    name (?q=) or a delete's ?reason= stayed in /var/log/nginx. Each server logs with the site's own
    format, which writes the path ($uri) and no variable holding the query."""
    site = (ROOT / "deploy" / "nginx" / "posyandu.conf").read_text(encoding="utf-8")
    code = "\n".join(line.split("#")[0] for line in site.splitlines())
    fmt = re.search(r"log_format posyandu (.*?);", code, re.S)[1]
    assert "$uri" in fmt and not re.search(r"\$(request|request_uri|args|query_string|arg_\w+|http_referer)\b", fmt)
    servers = code.split("server {")[1:]
    assert len(servers) == 2 and all("access_log /var/log/nginx/posyandu.access.log posyandu;" in s for s in servers)


def test_the_nginx_site_does_not_announce_its_version():
    """Debian's nginx writes its version in every Server header and error page (server_tokens on)."""
    site = (ROOT / "deploy" / "nginx" / "posyandu.conf").read_text(encoding="utf-8")
    code = "\n".join(line.split("#")[0] for line in site.splitlines())
    servers = code.split("server {")[1:]
    assert len(servers) == 2 and all(re.search(r"^\s*server_tokens off;", s, re.M) for s in servers)


def test_the_certificate_is_obtained_before_the_site_naming_it_is_enabled():
    """The site names its certificate's files: enabled first, `certbot --nginx` (which tests and
    reloads nginx) and `nginx -t` failed on the missing file."""
    lines = SHELL.splitlines()
    certbot = next(i for i, line in enumerate(lines) if line.startswith("sudo certbot"))
    enable = next(i for i, line in enumerate(lines) if "sites-enabled" in line)
    assert certbot < enable


def test_the_run_helper_reads_the_settings_as_the_posyandu_user():
    """/etc/posyandu is root:posyandu 750 and the file 640: the administrator's own shell cannot read
    it. A helper reading it before `sudo -u posyandu` read nothing, so `run db upgrade` and
    `run create-admin` ran on the default SQLite file in the release directory, not PostgreSQL."""
    helper = next(line for line in SHELL.splitlines() if line.startswith("run()"))
    before_sudo, _, as_posyandu = helper.partition("sudo -u posyandu")
    assert "posyandu.env" not in before_sudo and "posyandu.env" in as_posyandu
    assert not re.search(r"\$\((?!sudo )[^)]*posyandu\.env", as_posyandu), helper


def test_every_command_of_the_app_is_in_deploy_md_but_the_demo():
    """The district's IT officer learns the server's commands from this guide: one the app adds and
    the guide never names (``purge-tokens``: the revocations table grows with every logout;
    ``load-schedule``: a new national schedule) is one she never runs. ``seed-demo`` is for a
    developer's machine, never a district's database."""
    from config import TestConfig
    from posyandu import create_app

    app = create_app(TestConfig)
    ours = {name for name, command in app.cli.commands.items()
            if getattr(command.callback, "__module__", "").startswith("posyandu")}
    assert {"create-admin", "purge-deleted-children", "load-schedule"} <= ours
    named = set(re.findall(r"\brun ([a-z][a-z-]+)", DEPLOY_MD))
    assert sorted(ours - named - {"seed-demo"}) == []


def test_the_backups_are_readable_by_the_posyandu_user_alone():
    """A dump is every child's name, NIK, birth date and weighings (UU 27/2022 PDP): the guide made
    /var/backups/posyandu world-readable (install -d's 755) and the service wrote its dumps 644."""
    made = [line for line in SHELL.splitlines() if "/var/backups/posyandu" in line and line.startswith("sudo install -d")]
    assert len(made) == 1 and re.search(r"\s-m 0?700\s", made[0]), made
    unit = (ROOT / "deploy" / "systemd" / "posyandu-backup.service").read_text(encoding="utf-8")
    assert re.search(r"^UMask=0077$", unit, flags=re.M)
    script = (ROOT / "deploy" / "backup.sh").read_text(encoding="utf-8")
    assert re.search(r"^umask 077$", script, flags=re.M)


def test_the_backup_unit_may_write_its_backup_directory_and_nothing_else():
    """ProtectSystem=strict makes the whole file system read-only to the backup; the directory its
    BACKUP_DIR names must be the one path given back, or every night's dump fails."""
    unit = (ROOT / "deploy" / "systemd" / "posyandu-backup.service").read_text(encoding="utf-8")
    settings = dict(re.findall(r"^(\w+)=(.*)$", unit, flags=re.M))
    backup_dir = re.search(r"\bBACKUP_DIR=(\S+)", settings["Environment"]).group(1)
    assert settings["ProtectSystem"] == "strict" and settings["NoNewPrivileges"] == "yes"
    assert settings["ReadWritePaths"].split() == [backup_dir]


def test_the_nginx_site_compresses_every_text_file_of_the_pwa():
    """The app serves the PWA's modules as text/javascript (Debian's /etc/mime.types): a site that
    listed only application/javascript sent the whole offline shell uncompressed, about three times
    its gzip size, to every phone installing or updating the app over a village's mobile data."""
    from config import TestConfig
    from posyandu import create_app

    site = (ROOT / "deploy" / "nginx" / "posyandu.conf").read_text(encoding="utf-8")
    code = "\n".join(line.split("#")[0] for line in site.splitlines())
    gzip_types = set(re.search(r"gzip_types\s(.*?);", code, re.S)[1].split()) | {"text/html"}  # text/html: always
    client = create_app(TestConfig).test_client()
    served = set()
    for path in (ROOT / "static" / "pwa").rglob("*"):
        if path.is_file():
            with client.get(f"/{path.relative_to(ROOT / 'static' / 'pwa').as_posix()}") as resp:
                served.add(resp.headers["Content-Type"].split(";")[0])
    assert "text/javascript" in served
    text = {t for t in served if t.startswith("text/") or t.endswith(("json", "javascript", "+xml"))}
    assert sorted(text - gzip_types) == []


def test_the_numbers_deploy_md_gives_are_the_codes():
    """The guide's figures are what the files it installs and the code do: the backup's hour and
    the days its dumps are kept, the recompute's batch and its timer, gunicorn's recycling and
    collector threshold, the monthly commands' defaults."""
    from posyandu import cli
    from posyandu.growth import recompute

    systemd = ROOT / "deploy" / "systemd"
    gunicorn = (ROOT / "gunicorn.conf.py").read_text(encoding="utf-8")
    backup_timer = (systemd / "posyandu-backup.timer").read_text(encoding="utf-8")
    keep = re.search(r"\bKEEP_DAYS=(\d+)", (systemd / "posyandu-backup.service").read_text(encoding="utf-8"))[1]
    assert re.search(rf"`KEEP_DAYS` \({keep}\)", DEPLOY_MD)
    assert re.search(r"KEEP_DAYS:-" + keep + r"\b", (ROOT / "deploy" / "backup.sh").read_text(encoding="utf-8"))
    hour = re.search(r"^OnCalendar=\*-\*-\* (\d\d:\d\d):00$", backup_timer, re.M)[1]
    assert f"nightly backup's {hour}" in DEPLOY_MD
    assert re.search(rf"a batch of {recompute.BATCH}\s", DEPLOY_MD)
    recompute_timer = (systemd / "posyandu-recompute.timer").read_text(encoding="utf-8")
    assert re.search(r"^OnUnitActiveSec=1min$", recompute_timer, re.M)
    assert "`recompute-growth --queued` every minute" in DEPLOY_MD
    requests = int(re.search(r"^max_requests = (\d+)", gunicorn, re.M)[1])
    assert f"about {requests:,} requests" in DEPLOY_MD
    young = int(re.search(r"^GC_YOUNG_THRESHOLD = ([\d_]+)", gunicorn, re.M)[1])
    assert f"after {young:,} new ones" in DEPLOY_MD
    for name, command in (("prune-sync-ledger", cli.prune_sync_ledger),
                          ("purge-deleted-children", cli.purge_deleted_children)):
        default = next(p.default for p in command.params if p.name == "days")
        assert f"run {name} --days {default}" in DEPLOY_MD, name
