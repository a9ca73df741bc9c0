"""THE one way the tests run the real command line: ``python -m cse_toolkit`` in a fresh
interpreter, exactly as IT scripts do, with this test's environment (tests/conftest.py points
every folder into the test's tmp_path) unless ``env`` replaces it.

Commands that open a vault read the passphrase as the first line of standard input and any
further secret (a pack password) on the next lines; ``verify-pack`` opens no vault, so the pack
password is its first line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
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

    # subprocess.CompletedProcess's names, so a check reads the same either way.
    @property
    def returncode(self) -> int:
        return self.code

    @property
    def stdout(self) -> str:
        return self.out

    @property
    def stderr(self) -> str:
        return self.err


def cli(
    *args: str,
    stdin: str = "",
    timeout: float = 120,
    env: Mapping[str, str] | None = None,
    home: Path | None = None,
    cwd: Path | None = None,
) -> Run:
    """Run ``cse-toolkit ARGS``. ``env`` replaces the environment (default: this process's);
    ``home`` sets CSE_TOOLKIT_HOME (the vault folder) on top of it; the checkout is always on
    PYTHONPATH, so the code under test is what runs."""
    run_env = dict(os.environ if env is None else env)
    if home is not None:
        run_env["CSE_TOOLKIT_HOME"] = str(home)
    run_env["PYTHONPATH"] = os.pathsep.join([str(ROOT), run_env.get("PYTHONPATH", "")]).rstrip(
        os.pathsep
    )
    done = subprocess.run(
        [sys.executable, "-m", "cse_toolkit", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=run_env,
        cwd=ROOT if cwd is None else cwd,
    )
    return Run(tuple(args), done.returncode, done.stdout, done.stderr)


def lines(*secrets: str) -> str:
    """Standard input for a command that reads these secrets, one a line."""
    return "".join(s + "\n" for s in secrets)
