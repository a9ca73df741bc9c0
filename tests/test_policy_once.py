"""The organisation policy is read once, at start (app and command line), and passed down.

A policy file that breaks, or is removed, while the app runs changes nothing until the next
start; the next start refuses it with the plain message naming the key. Nothing but the start
code calls ``load_policy``.
"""

from __future__ import annotations

import ast
import io
import json
from pathlib import Path
from typing import Any

import pytest

import cse_toolkit
from cse_toolkit import policy as policy_mod
from cse_toolkit.cli import run
from cse_toolkit.policy import PolicyError, load_policy

PACKAGE = Path(cse_toolkit.__file__).parent
START = {"cli.py", "gui/app.py", "policy.py"}
PASSPHRASE = "otter lamp river gravel"

GOOD = """organisation = "Start Partnership"
retention_months = 1
schools_in_area = 7
export_kinds = ["screening"]
"""
BROKEN = "idle_lock_minutes = 0\n"


def _names_used(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.alias):
            found.add(node.name)
    return found


def test_only_the_start_code_loads_the_policy() -> None:
    readers = {"load_policy", "read_policy_file"}
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        where = path.relative_to(PACKAGE).as_posix()
        used = _names_used(path) & readers
        if where == "commands/setup_cmds.py":
            used -= {"read_policy_file"}  # `policy check FILE` reads the file it is given
        if used and where not in START:
            offenders.append(f"{where}: {', '.join(sorted(used))}")
    assert offenders == [], "the policy is read after start in:\n" + "\n".join(offenders)


class _NoReadAfterStart:
    """Fail loudly if anything reads the policy file once the test says start is over."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.reads = 0
        self.started = False
        real = policy_mod.read_policy_file

        def counted(target: Path) -> policy_mod.LoadedPolicy:
            if self.started:
                raise AssertionError(f"the policy file {target} was read after start")
            self.reads += 1
            return real(target)

        monkeypatch.setattr(policy_mod, "read_policy_file", counted)


def test_a_policy_broken_after_start_changes_nothing_until_restart(
    vault_factory: Any, isolated_env: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from cse_toolkit.services import case_view, exchange

    file = isolated_env["policy"]
    file.write_text(GOOD, encoding="utf-8")
    guard = _NoReadAfterStart(monkeypatch)
    at_start = load_policy()  # what the app and the CLI do at start, once
    assert guard.reads == 1
    vault = vault_factory(user="dee", role="dsl", policy=at_start.policy)
    child = vault.repos.add_child(name="Jade Wilson")

    file.write_text(BROKEN, encoding="utf-8")  # IT breaks the file while the app runs
    guard.started = True

    # Every place that once read the file itself now uses the policy the vault carries.
    assert vault.policy.organisation == "Start Partnership"
    assert vault.dsl.summary_input().organisation == "Start Partnership"
    assert vault.dsl.summary().schools_in_area == 7  # the policy's schools_in_area
    assert vault.dsl.retention_candidates() == []  # retention_months read, nothing due yet
    assert vault.dsl.dashboard().children == 1
    assert isinstance(vault.dsl.queue(), list)
    assert vault.repos.case_state(child.id).pathway == "worcestershire-cse"  # the tool's, 1.1
    assert case_view.show(vault, child.ref)["ref"] == child.ref
    assert [c["ref"] for c in case_view.case_list(vault)] == [child.ref]
    with pytest.raises(exchange.ExportNotAllowed):  # export_kinds = ["screening"] at start
        exchange.build_pack(vault, "referral", child_id=child.id)
    file.unlink()  # removed altogether: still nothing changes
    assert vault.dsl.summary_input().organisation == "Start Partnership"
    vault.close()

    # The next start reads the file again and refuses a broken one, naming the key.
    guard.started = False
    file.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(PolicyError, match=r"idle_lock_minutes \(line 1\)"):
        load_policy()


def _cli(monkeypatch: pytest.MonkeyPatch, *args: str, stdin: str = "") -> int:
    from cse_toolkit.commands import common

    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    monkeypatch.setattr(common, "_reader", None)
    return run(list(args))


def test_the_command_line_reads_the_policy_once_at_start(
    vault_factory: Any,
    isolated_env: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    isolated_env["policy"].write_text(GOOD, encoding="utf-8")
    vault = vault_factory(user="dee", role="dsl", folder=isolated_env["home"])
    vault.repos.add_child(name="Jade Wilson")
    vault.close()
    guard = _NoReadAfterStart(monkeypatch)
    code = _cli(monkeypatch, "summary", "--json", "--user", "dee", stdin=PASSPHRASE + "\n")
    out, err = capsys.readouterr()
    assert code == 0, err
    assert guard.reads == 1
    result = json.loads(out)
    assert result["organisation"] == "Start Partnership"
    assert result["schools"]["in_area"] == 7


def test_a_broken_policy_stops_the_command_line_at_start(
    isolated_env: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    isolated_env["policy"].write_text(BROKEN, encoding="utf-8")
    # Before the passphrase is even asked for: nothing is read from stdin.
    assert _cli(monkeypatch, "case", "list", "--user", "dee") == 1
    err = capsys.readouterr().err
    assert "idle_lock_minutes (line 1)" in err and "Traceback" not in err
    # What IT needs to find and fix it still runs.
    assert _cli(monkeypatch, "paths", "--json") == 0
    assert str(isolated_env["policy"].resolve()) in capsys.readouterr().out
    good = isolated_env["policy"].parent / "fixed.toml"
    good.write_text(GOOD, encoding="utf-8")
    assert _cli(monkeypatch, "policy", "check", str(good)) == 0
    assert "valid policy for Start Partnership" in capsys.readouterr().out
    assert _cli(monkeypatch, "tools", "list") == 0
