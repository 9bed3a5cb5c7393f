"""Who a server command's writes are audited as (posyandu.audit.command_line_client)."""
from __future__ import annotations

import getpass
import os

from posyandu.audit import command_line_client


def test_a_command_run_through_sudo_names_the_operator_not_the_service_account(monkeypatch):
    monkeypatch.setenv("SUDO_USER", "pak_admin")
    assert command_line_client() == "cli:pak_admin"


def test_a_command_run_directly_names_the_account_it_runs_as(monkeypatch):
    monkeypatch.delenv("SUDO_USER", raising=False)
    assert command_line_client() == f"cli:{getpass.getuser()}"


def test_an_account_with_no_name_is_named_by_its_uid(monkeypatch):
    monkeypatch.delenv("SUDO_USER", raising=False)
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(os, "getuid", lambda: 4242)  # no passwd entry for it: getpass raises
    assert command_line_client() == "cli:4242"
