"""`cse-toolkit policy check FILE` and `paths`: what IT uses to deploy the organisation policy.

A broken policy is exit 1 with the key and its line on stderr; a good one is exit 0 with a
summary. The same broken file stops the desktop app with a message naming the key.
"""

from __future__ import annotations

import base64
import json
import logging
import sys
from pathlib import Path

import platformdirs
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from helpers.cli import cli

from cse_toolkit import paths
from cse_toolkit.cli import run

EXAMPLE = paths.resource_path("policy.example.toml")


def _check(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    file = tmp_path / "policy.toml"
    file.write_text(text, encoding="utf-8")
    code = run(["policy", "check", str(file)])
    out, err = capsys.readouterr()
    return code, out, err


def _public_key() -> str:
    raw = (
        X25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    return base64.b64encode(raw).decode()


GOOD = f"""organisation = "Test Outreach"
idle_lock_minutes = 3
export_kinds = ["referral", "screening"]
recovery_public_key = "{_public_key()}"
retention_months = 72

[[contacts.dsl]]
name = "Test DSL"
phone = "01234 000000"
"""


def test_good_policy_is_exit_0_with_a_summary(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out, err = _check(tmp_path, GOOD, capsys)
    assert code == 0, err
    assert "valid policy for Test Outreach" in out
    assert "idle lock: 3 min" in out
    assert "exports allowed: referral, screening" in out
    assert "organisation recovery key: set" in out
    assert "retention: 72 months" in out
    assert err == ""


def test_shipped_example_policy_is_valid(capsys) -> None:  # type: ignore[no-untyped-def]
    assert run(["policy", "check", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "valid policy for Example Youth Outreach Service" in out
    assert "(open mon tue wed thu 09:00-17:00; fri 09:00-16:30, UK time)" in out
    assert "out of hours: Example Emergency Duty Team, 01234 000005" in out


def test_policy_check_warns_without_the_out_of_hours_route(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _check(tmp_path, '[contacts.front_door]\nname = "Door"\nphone = "1"\n', capsys)
    assert code == 0
    assert "out of hours: Not recorded" in out
    assert "cannot\n  point workers to the Emergency Duty Team" in out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            'organisation = "X"\nidle_lock_minutes = 5\nexport_kinds = [\n',
            ["not valid TOML", "end of document"],
            id="bad-toml-unclosed-list",
        ),
        pytest.param(
            'idle_lock_minutes = 5\norganisation = "X\n',
            ["not valid TOML", "line 2"],
            id="bad-toml-unclosed-string",
        ),
        pytest.param(
            'organisation = "X"\n\nidle_lock_minutes 5\n',
            ["not valid TOML", "line 3"],
            id="bad-toml-missing-equals",
        ),
        pytest.param(
            'organisation = "X"\nidle_lock_minuts = 5\n',
            ["idle_lock_minuts (line 2)", "not a known setting"],
            id="unknown-key",
        ),
        pytest.param(
            'organisation = "X"\n\n\nidle_lock_minutes = 0\n',
            ["idle_lock_minutes (line 4)", "greater than or equal to 1"],
            id="lock-zero",
        ),
        pytest.param(
            "idle_lock_minutes = 45\n",
            ["idle_lock_minutes (line 1)", "less than or equal to 30"],
            id="lock-45",
        ),
        pytest.param(
            'idle_lock_minutes = "five"\n',
            ["idle_lock_minutes (line 1)", "integer"],
            id="lock-text",
        ),
        pytest.param(
            'organisation = "X"\nrecovery_public_key = "not base64!"\n',
            ["recovery_public_key (line 2)", "not valid base64"],
            id="recovery-not-b64",
        ),
        pytest.param(
            'organisation = "X"\nrecovery_public_key = "'
            + base64.b64encode(b"\x01" * 16).decode()
            + '"\n',
            ["recovery_public_key (line 2)", "32-byte X25519 public key (got 16 bytes)"],
            id="recovery-wrong-length",
        ),
        pytest.param(
            'export_kinds = ["referral", "everything"]\n',
            ["export_kinds.1 (line 1)", "'referral', 'intelligence', 'screening' or 'chronology'"],
            id="export-kind-unknown",
        ),
        pytest.param(
            'export_kinds = ["referral", "referral"]\n',
            ["export_kinds (line 1)", "lists a kind twice"],
            id="export-kind-twice",
        ),
        pytest.param(
            "retention_months = 0\n",
            ["retention_months (line 1)", "greater than or equal to 1"],
            id="retention-zero",
        ),
        pytest.param(
            'organisation = "X"\n[contacts.front_door]\nname = "Door"\nfax = "1"\n',
            ["contacts.front_door.fax (line 4)", "not a known setting"],
            id="unknown-contact-field",
        ),
        pytest.param(
            'organisation = "X"\n\n[[contacts.dsl]]\nname = "A"\nphone = "1"\n\n'
            '[[contacts.dsl]]\nname = "B"\nphone = 2\n',
            ["contacts.dsl.1.phone (line 9)", "valid string"],
            id="second-dsl-block",
        ),
        pytest.param(
            'organisation = "X"\n\n[contacts.cse_team]\nrole = "lead"\n',
            ["contacts.cse_team.name (line 3)", "Field required"],
            id="contact-without-name",
        ),
    ],
)
def test_broken_policy_is_exit_1_naming_key_and_line(
    tmp_path: Path,
    capsys,
    text: str,
    expected: list[str],  # type: ignore[no-untyped-def]
) -> None:
    code, out, err = _check(tmp_path, text, capsys)
    assert code == 1, out
    assert out == ""
    for fragment in expected:
        assert fragment in err, f"{fragment!r} not in:\n{err}"
    assert str(tmp_path / "policy.toml") in err


def test_every_problem_is_listed(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, _out, err = _check(
        tmp_path, 'idle_lock_minutes = 0\nretention_months = 0\ncolour = "red"\n', capsys
    )
    assert code == 1
    assert "3 problem(s)" in err
    assert "idle_lock_minutes (line 1)" in err
    assert "retention_months (line 2)" in err
    assert "colour (line 3)" in err


def test_missing_file_is_exit_1(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code = run(["policy", "check", str(tmp_path / "nowhere.toml")])
    assert code == 1
    assert "does not exist" in capsys.readouterr().err


def test_entry_point_exit_codes(tmp_path: Path) -> None:
    """The installed entry point (python -m cse_toolkit) gives the same codes: 0, 1, 2."""
    bad = tmp_path / "bad.toml"
    bad.write_text("idle_lock_minutes = 0\n")

    assert cli("policy", "check", str(EXAMPLE)).returncode == 0
    broken = cli("policy", "check", str(bad))
    assert broken.returncode == 1
    assert "idle_lock_minutes (line 1)" in broken.stderr
    assert cli("policy", "check").returncode == 2  # usage: FILE missing


def test_paths_prints_the_policy_location(isolated_env, capsys) -> None:  # type: ignore[no-untyped-def]
    assert run(["paths", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert set(info) == {"data", "policy", "logs", "temp", "resources"}
    assert info["policy"] == str(isolated_env["policy"].resolve())
    assert info["data"] == str(isolated_env["home"].resolve())
    assert info["logs"] == str(isolated_env["logs"].resolve())
    assert run(["paths"]) == 0
    text = capsys.readouterr().out
    assert f"policy     {isolated_env['policy'].resolve()}" in text


def test_default_policy_location_is_fixed_per_os(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without CSE_TOOLKIT_POLICY: platformdirs' site_config_dir, whatever XDG_CONFIG_DIRS says."""
    monkeypatch.delenv("CSE_TOOLKIT_POLICY")
    monkeypatch.setenv("XDG_CONFIG_DIRS", "/etc/xdg/xdg-ubuntu:/etc/xdg")  # an Ubuntu session
    if sys.platform.startswith("linux"):
        assert str(paths.policy_file()) == "/etc/xdg/cse-toolkit/policy.toml"
    monkeypatch.delenv("XDG_CONFIG_DIRS")
    expected = Path(platformdirs.site_config_dir("cse-toolkit", "CSEToolkit")) / "policy.toml"
    assert paths.policy_file() == expected


def test_policy_show_names_the_file_in_force(isolated_env, capsys) -> None:  # type: ignore[no-untyped-def]
    assert run(["policy", "show"]) == 0
    assert capsys.readouterr().out.startswith("# policy in force: built-in defaults")
    isolated_env["policy"].write_text(GOOD)
    assert run(["policy", "show"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"# policy in force: {isolated_env['policy'].resolve()}")
    assert json.loads(out.split("\n", 1)[1])["idle_lock_minutes"] == 3


def test_desktop_app_refuses_a_broken_policy(isolated_env, monkeypatch, request, caplog) -> None:  # type: ignore[no-untyped-def]
    """run_gui stops with exit 1 and a message naming the key; no window opens."""
    pytest.importorskip("pytestqt")
    try:
        from cse_toolkit.gui import app as gui_app
        from cse_toolkit.gui.common import dialogs
    except ImportError as exc:  # pragma: no cover - the GUI package is always there today
        pytest.skip(f"GUI not importable: {exc}")
    request.getfixturevalue("qapp")  # pytest-qt's QApplication (offscreen)
    isolated_env["policy"].write_text('organisation = "X"\nidle_lock_minutes = 0\n')
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(dialogs, "error", lambda parent, title, text: shown.append((title, text)))

    def no_window(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the main window must not open with a broken policy")

    monkeypatch.setattr("cse_toolkit.gui.main_window.MainWindow", no_window)
    with caplog.at_level(logging.ERROR, logger="cse_toolkit.gui"):  # "policy refused" is logged
        assert gui_app.run_gui([]) == 1
    assert len(shown) == 1
    title, text = shown[0]
    assert title == "Organisation policy problem"
    assert "cannot start" in text
    assert "idle_lock_minutes (line 2)" in text
