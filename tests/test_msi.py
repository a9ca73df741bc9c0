"""The Windows MSI and the CI workflow, checked here on Linux.

* ``scripts/build_msi.sh`` builds ``installer/windows/cse-toolkit.wxs`` with wixl over a stand-in
  for a Windows build folder; the MSI is read back with msitools: per-machine, every file of the
  folder under Program Files, the policy in the system configuration folder the app reads, a
  Start-menu shortcut, upgrades that replace older versions and refuse to go backwards.
* ``.github/workflows/ci.yml`` is valid against the GitHub workflow schema (check-jsonschema's
  vendored copy, offline) and runs the README's test command on all three systems.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "build_msi.sh"
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed (scripts/run-tests.sh installs it: wixl, msitools)")
    return found


def _table(msi: Path, table: str) -> list[dict[str, str]]:
    out = subprocess.run(
        [_tool("msiinfo"), "export", str(msi), table],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    columns = out[0].split("\t")
    return [dict(zip(columns, line.split("\t"), strict=False)) for line in out[3:]]


def _standin(folder: Path) -> dict[str, bytes]:
    """A folder shaped like a Windows PyInstaller build (contents: small distinct bytes)."""
    files = {
        "cse-toolkit.exe": b"MZ windowed app",
        "cse-toolkit-cli.exe": b"MZ console twin",
        "_internal/python311.dll": b"MZ python",
        "_internal/resources/tools/worcestershire-2013-1.1.toml": b"[tool]\nid = 'w'\n",
        "_internal/resources/guidance/what is cse.md": b"# A page with spaces in its name\n",
    }
    for rel, data in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return files


def _build(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    _tool("wixl")
    _tool("wixl-heat")
    env = dict(os.environ, PYTHON=sys.executable)
    return subprocess.run(
        ["bash", str(SCRIPT), *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )


def test_the_msi_installs_per_machine_with_every_file_and_the_policy(tmp_path: Path) -> None:
    source = tmp_path / "dist" / "cse-toolkit"
    files = _standin(source)
    policy = ROOT / "resources" / "policy.example.toml"
    msi = tmp_path / "out" / "cse-toolkit.msi"

    result = _build(
        tmp_path, "--source", str(source), "--policy", str(policy), "--output", str(msi)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "msiexec /i cse-toolkit.msi /qn" in result.stdout

    properties = {row["Property"]: row["Value"] for row in _table(msi, "Property")}
    assert properties["ALLUSERS"] == "1"  # per machine
    assert properties["ProductName"] == "CSE Toolkit"
    import cse_toolkit

    assert properties["ProductVersion"] == cse_toolkit.__version__
    assert properties["UpgradeCode"] == "{DCB25D70-D8C6-42BC-A8FD-004096D4F050}"
    summary = subprocess.run(
        [_tool("msiinfo"), "suminfo", str(msi)], capture_output=True, text=True, check=True
    ).stdout
    assert "Template: x64;1033" in summary

    # Every file of the build, with its bytes, and the policy where the app looks for it
    # (C:\ProgramData\CSEToolkit\cse-toolkit\policy.toml = paths.site_config_dir on Windows).
    extracted = tmp_path / "extracted"
    extracted.mkdir()
    subprocess.run(
        [_tool("msiextract"), "-C", str(extracted), str(msi)], check=True, capture_output=True
    )
    for rel, data in files.items():
        assert (extracted / "CSE Toolkit" / rel).read_bytes() == data, rel
    installed_policy = extracted / "CSEToolkit" / "cse-toolkit" / "policy.toml"
    assert (
        hashlib.sha256(installed_policy.read_bytes()).digest()
        == hashlib.sha256(policy.read_bytes()).digest()
    )
    directories = {row["Directory"]: row for row in _table(msi, "Directory")}
    assert directories["PolicyVendorFolder"]["Directory_Parent"] == "CommonAppDataFolder"
    assert directories["INSTALLDIR"]["Directory_Parent"] == "ProgramFiles64Folder"

    shortcuts = _table(msi, "Shortcut")
    assert [s["Target"] for s in shortcuts] == ["[INSTALLDIR]cse-toolkit.exe"]
    # A newer version replaces this one; this one refuses to install over a newer one.
    upgrades = _table(msi, "Upgrade")
    assert {u["ActionProperty"] for u in upgrades} == {
        "NEWERVERSIONDETECTED",
        "OLDERVERSIONBEINGUPGRADED",
    }
    conditions = [c["Condition"] for c in _table(msi, "LaunchCondition")]
    assert conditions == ["NOT NEWERVERSIONDETECTED"]
    sequence = {row["Action"] for row in _table(msi, "InstallExecuteSequence")}
    assert "RemoveExistingProducts" in sequence


def test_without_a_policy_the_msi_installs_none(tmp_path: Path) -> None:
    source = tmp_path / "cse-toolkit"
    _standin(source)
    msi = tmp_path / "no-policy.msi"
    result = _build(tmp_path, "--source", str(source), "--output", str(msi))
    assert result.returncode == 0, result.stdout + result.stderr
    names = {row["FileName"] for row in _table(msi, "File")}
    assert "policy.toml" not in names and "cse-toolkit.exe" in names


def test_a_broken_policy_or_a_linux_folder_builds_nothing_and_says_why(tmp_path: Path) -> None:
    source = tmp_path / "cse-toolkit"
    _standin(source)
    bad = tmp_path / "policy.toml"
    bad.write_text("idle_lock_minutes = 'ten'\n", encoding="utf-8")
    msi = tmp_path / "bad.msi"
    result = _build(tmp_path, "--source", str(source), "--policy", str(bad), "--output", str(msi))
    assert result.returncode != 0
    assert "The policy has a problem" in result.stderr and not msi.exists()

    linux_build = tmp_path / "linux"
    (linux_build / "_internal").mkdir(parents=True)
    (linux_build / "cse-toolkit").write_bytes(b"\x7fELF")
    result = _build(tmp_path, "--source", str(linux_build), "--output", str(msi))
    assert result.returncode != 0
    assert "has no cse-toolkit.exe" in result.stderr and not msi.exists()


def test_the_ci_workflow_is_valid_and_runs_the_readme_command_on_three_systems() -> None:
    result = subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    from ruamel.yaml import YAML  # check-jsonschema's own YAML reader

    workflow = YAML(typ="safe").load(WORKFLOW.read_text(encoding="utf-8"))
    jobs = workflow["jobs"]
    systems = jobs["test"]["strategy"]["matrix"]["os"]
    assert {s.split("-")[0] for s in systems} == {"ubuntu", "windows", "macos"}
    runs = [step.get("run", "") for step in jobs["test"]["steps"]]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "./scripts/run-tests.sh" in readme
    assert any(r.startswith("./scripts/run-tests.sh") for r in runs)
    assert any("build_installer.sh" in r for r in runs)
    assert any("PyInstaller" in r and "build_installer.spec" in r for r in runs)
    assert any("build_msi.sh" in step.get("run", "") for step in jobs["msi"]["steps"])
