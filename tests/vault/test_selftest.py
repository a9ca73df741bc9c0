"""`cse-toolkit self-test`: the headless check IT runs after installing."""

from __future__ import annotations

import pytest
from helpers.cli import cli


@pytest.mark.timeout(240)
def test_self_test_passes_and_names_each_check(isolated_env) -> None:  # type: ignore[no-untyped-def]
    run = cli("self-test", timeout=200)
    assert run.returncode == 0, run.stdout + run.stderr
    for check in (
        "crypto",
        "key derivation",
        "encrypted vault",
        "resources",
        "pdf",
        "qt",
        "window",
    ):
        assert f"ok    {check}:" in run.stdout, (check, run.stdout)
    assert "FAIL" not in run.stdout
    assert run.stdout.rstrip().endswith("self-test passed")
    # It cleans up after itself: nothing left in the private temp folder.
    tmp = isolated_env["tmp"]
    assert not tmp.exists() or list(tmp.iterdir()) == []
