"""No network: the app's commands, run in fresh interpreters with a guard installed through
``sitecustomize``, attempt no connection (and no name lookup). A control run proves the guard
records attempts."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from helpers.cli import cli
from helpers.vaults import PASSPHRASE, REPO

GUARD = r"""
import json, os, socket
_log = os.environ["CSE_NET_LOG"]


def _record(kind, detail):
    with open(_log, "a") as f:
        f.write(json.dumps([kind, repr(detail)]) + "\n")


_connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex


def connect(self, address):
    if self.family == getattr(socket, "AF_UNIX", None):
        return _connect(self, address)
    _record("connect", address)
    raise OSError("network disabled by the test guard")


def connect_ex(self, address):
    if self.family == getattr(socket, "AF_UNIX", None):
        return _connect_ex(self, address)
    _record("connect_ex", address)
    return 111


def getaddrinfo(*args, **kwargs):
    _record("getaddrinfo", args[:2])
    raise socket.gaierror("network disabled by the test guard")


def sendto(self, *args):
    _record("sendto", args[-1])
    raise OSError("network disabled by the test guard")


socket.socket.connect, socket.socket.connect_ex = connect, connect_ex
socket.socket.sendto = sendto
socket.getaddrinfo = getaddrinfo
"""


@pytest.mark.timeout(600)
def test_commands_open_no_connection(tmp_path: Path, isolated_env, figure) -> None:  # type: ignore[no-untyped-def]
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(GUARD)
    log = tmp_path / "net.log"
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]).rstrip(
            os.pathsep
        ),
        CSE_NET_LOG=str(log),
    )

    control = cli("--version", env=env)  # guard loads in the app's interpreter too
    assert control.returncode == 0
    import subprocess
    import sys

    subprocess.run(
        [sys.executable, "-c", "import socket; socket.create_connection(('192.0.2.1', 80), 1)"],
        env=env,
        capture_output=True,
        cwd=REPO,
    )
    assert log.exists() and log.read_text().strip(), "the guard did not record the control"
    log.unlink()

    answers = tmp_path / "answers.json"
    answers.write_text(
        json.dumps(
            {
                "tool": "worcestershire-2013",
                "child": {"age": 13, "learning_disability": False, "additional_needs": False},
                "immediate_danger": False,
                "answers": [
                    {
                        "indicator": "low_unknown_adults",
                        "value": "yes",
                        "basis": "evidence",
                        "when": "current",
                        "note": "seen with two adults",
                    }
                ],
            }
        )
    )
    commands: list[tuple[list[str], str]] = [
        (["paths"], ""),
        (["init", "--user", "sam", "--role", "worker"], PASSPHRASE + "\n"),
        (["self-test"], ""),
        (["tools", "list"], ""),
        (["screen", "--tool", "worcestershire-2013", "--answers", str(answers), "--json"], ""),
        (["demo", "--children", "3", "--seed", "1"], PASSPHRASE + "\n"),
        (["audit", "verify", "--full"], PASSPHRASE + "\n"),
        (["backup", "--out", str(tmp_path / "b.zip")], PASSPHRASE + "\n"),
        (["summary", "--json"], PASSPHRASE + "\n"),
    ]
    ran: dict[str, int] = {}
    for args, stdin in commands:
        run = cli(*args, stdin=stdin, env=env, timeout=240)
        if run.returncode == 2 and "invalid choice" in run.stderr:
            continue  # a command not built yet
        ran[" ".join(args[:2])] = run.returncode
        assert "Traceback" not in run.stderr, (args, run.stderr[-2000:])
    attempts = log.read_text().splitlines() if log.exists() else []
    figure("no_network_commands_run", ", ".join(f"{k}={v}" for k, v in ran.items()))
    figure("no_network_connections_attempted", len(attempts))
    assert ran.get("init --user") == 0 and ran.get("self-test") == 0, ran
    assert attempts == [], attempts[:10]
