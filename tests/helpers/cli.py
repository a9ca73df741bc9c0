"""One way to run the real command line in a subprocess, exactly as IT scripts do.

Commands that open a vault read the passphrase as the first line of standard input and any
further secret (a pack password) on the next lines; ``verify-pack`` opens no vault, so the pack
password is its first line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Run:
    args: tuple[str, ...]
    code: int
    out: str
    err: str

    def ok(self) -> Run:
        assert self.code == 0, f"cse-toolkit {' '.join(self.args)} exited {self.code}: {self.err}"
        return self

    def json(self) -> Any:
        return json.loads(self.ok().out)


def cli(*args: str, stdin: str = "", timeout: float = 120) -> Run:
    env = os.environ.copy()
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    done = subprocess.run(
        [sys.executable, "-m", "cse_toolkit", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
    return Run(tuple(args), done.returncode, done.stdout, done.stderr)


def lines(*secrets: str) -> str:
    """Standard input for a command that reads these secrets, one a line."""
    return "".join(s + "\n" for s in secrets)
