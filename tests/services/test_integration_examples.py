"""Issue 23: the examples in docs/INTEGRATION.md run against packs exported in this test run.

* docs/examples/verify_pack.py (only cryptography + pikepdf) accepts exactly what the toolkit
  accepts and returns the same pack.json; it refuses tampered, wrong-password, foreign-key and
  re-signed packs.
* docs/examples/load_postgres.py loads `verify-pack --json-lines` output into a real PostgreSQL
  server that this test starts itself (a throwaway cluster in a temp folder, listening on a
  unix socket only: no TCP at all), idempotently by record id and version.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from helpers.cli import cli

from cse_toolkit.packs import pdfpack, signing
from cse_toolkit.packs.schema import PackModel, canonical_json

from .test_exchange import Sender

# Real packs through the standalone verifier and a throwaway PostgreSQL server: CI runs them,
# the inner loop leaves them out (docs/ARCHITECTURE.md, "Running the tests").
pytestmark = pytest.mark.slow

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def example(name: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ.copy(),
    )


@pytest.fixture
def sender(vault_factory: Any) -> Sender:
    return Sender(vault_factory(user="sam", role="worker", display_name="Sam Okafor"))


def attachment(path: Path, password: str) -> dict[str, Any]:
    with pikepdf.open(path, password=password) as pdf:
        data: dict[str, Any] = json.loads(pdf.attachments["pack.json"].get_file().read_bytes())
        return data


def forged(
    verified_json: dict[str, Any],
    password: str,
    out: Path,
    key: Ed25519PrivateKey | None = None,
    **changes: Any,
) -> Path:
    """The same pack content re-signed by another key (the attacker's own, valid signatures)."""
    key = key or Ed25519PrivateKey.generate()
    data = {k: v for k, v in verified_json.items() if k != "signature"}
    data["vault"] = {**data["vault"], "public_key": signing.public_key_b64(key)}
    data.update(changes)
    out.write_bytes(pdfpack.build_pack_pdf(PackModel.model_validate(data), password, key))
    return out


def test_standalone_verifier_agrees_with_the_toolkit(sender: Sender, tmp_path: Path) -> None:
    done = sender.export(tmp_path / "r.pdf")
    path, password = done.result.path, done.result.password
    ok = example("verify_pack.py", str(path), done.result.signer_fingerprint, stdin=password + "\n")
    assert ok.returncode == 0, ok.stderr
    toolkit = cli("verify-pack", str(path), "--json", stdin=password + "\n")
    assert toolkit.returncode == 0, toolkit.stderr
    pack = json.loads(toolkit.stdout)["pack"]
    assert json.loads(ok.stdout) == pack
    assert ok.stdout.encode() == canonical_json(pack) + b"\n"
    assert done.result.signer_fingerprint in ok.stderr

    data = path.read_bytes()
    for where in (len(data) // 2, len(data) - 10):
        flipped = bytearray(data)
        flipped[where] ^= 0x01
        bad = tmp_path / f"flip{where}.pdf"
        bad.write_bytes(bytes(flipped))
        res = example("verify_pack.py", str(bad), stdin=password + "\n")
        assert res.returncode == 1 and res.stderr.startswith("refused:"), res.stderr
    wrong = example("verify_pack.py", str(path), stdin="amber-lotus-kite-harp-oak-quilt\n")
    assert wrong.returncode == 1 and "wrong password" in wrong.stderr
    # A pack re-signed by someone else verifies as *theirs*: only the expected fingerprint
    # tells it apart, in the example exactly as in the toolkit.
    other = forged(pack, password, tmp_path / "forged.pdf")
    assert example("verify_pack.py", str(other), stdin=password + "\n").returncode == 0
    res = example(
        "verify_pack.py", str(other), done.result.signer_fingerprint, stdin=password + "\n"
    )
    assert res.returncode == 1 and "not the expected key" in res.stderr


# --------------------------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------------------------


def _pg_bin(name: str) -> str | None:
    found = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0,
    )
    return found[-1] if found else shutil.which(name)


@pytest.fixture
def postgres() -> Iterator[str]:
    """A throwaway PostgreSQL cluster on a unix socket only (listen_addresses='')."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if initdb is None or pg_ctl is None:
        pytest.skip(
            "PostgreSQL server binaries are not installed (scripts/run-tests.sh "
            "installs Debian's postgresql package)"
        )
    pytest.importorskip("psycopg", reason="psycopg is in the test extra (pip install -e .[test])")
    as_user: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="cse-pg-"))
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root (CI): run it as 'postgres'
        import pwd

        try:
            pg_user = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(root)
            pytest.skip("running as root and there is no 'postgres' user to run the server")
        os.chown(root, pg_user.pw_uid, pg_user.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data = root / "data"
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    try:
        subprocess.run(
            [
                *as_user,
                initdb,
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
            env=env,
            timeout=120,
        )
        opts = (
            f"-c listen_addresses='' -c unix_socket_directories='{root}' -c fsync=off "
            "-c full_page_writes=off -c synchronous_commit=off"
        )
        subprocess.run(
            [
                *as_user,
                pg_ctl,
                "-D",
                str(data),
                "-l",
                str(root / "log"),
                "-w",
                "-t",
                "60",
                "-o",
                opts,
                "start",
            ],
            check=True,
            capture_output=True,
            env=env,
            timeout=120,
        )
        try:
            yield f"host={root} dbname=postgres user=postgres"
        finally:
            subprocess.run(
                [*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"],
                capture_output=True,
                env=env,
                timeout=60,
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_verified_packs_load_into_postgresql_idempotently(
    sender: Sender, postgres: str, tmp_path: Path
) -> None:
    import psycopg

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    ref = sender.export(inbox / "1-referral.pdf")
    scr = sender.export(inbox / "2-screening.pdf", kind="screening")
    broken = inbox / "3-tampered.pdf"
    data = bytearray(ref.result.path.read_bytes())
    data[len(data) // 2] ^= 0x01
    broken.write_bytes(bytes(data))
    passwords = f"{ref.result.password}\n{scr.result.password}\n{ref.result.password}\n"

    def load(*files: str, stdin: str) -> dict[str, int]:
        stream = cli("verify-pack", *files, "--json-lines", stdin=stdin)
        assert stream.returncode in (0, 1) and "Traceback" not in stream.stderr, stream.stderr
        res = example("load_postgres.py", postgres, stdin=stream.stdout)
        assert res.returncode == 0, res.stderr
        summary: dict[str, int] = json.loads(res.stdout)
        return summary

    first = load(str(inbox), stdin=passwords)

    def verified(done: Any) -> PackModel:
        return PackModel.model_validate(attachment(done.result.path, done.result.password))

    ref_pack, scr_pack = verified(ref), verified(scr)
    # The screening pack repeats the child (and screening) records, same ids and versions:
    # each is stored once.
    distinct = {(r.type, r.id, r.version) for r in (*ref_pack.records, *scr_pack.records)}
    assert len(distinct) < len(ref_pack.records) + len(scr_pack.records)
    assert first == {"packs_read": 3, "refused": 1, "new_versions": len(distinct), "conflicts": 0}
    again = load(str(inbox), stdin=passwords)
    assert again == {"packs_read": 3, "refused": 1, "new_versions": 0, "conflicts": 0}

    with psycopg.connect(postgres) as conn:
        packs = conn.execute("SELECT kind, signer_fingerprint FROM packs ORDER BY kind").fetchall()
        assert packs == [
            ("referral", ref.result.signer_fingerprint),
            ("screening", ref.result.signer_fingerprint),
        ]
        assert conn.execute("SELECT count(*) FROM records").fetchone()[0] == len(distinct)
        child = ref_pack.of_type("child")[0]
        row = conn.execute(
            "SELECT version, data->>'given_names' FROM records WHERE "
            "record_type = 'child' AND record_id = %s",
            (child.id,),
        ).fetchone()
        assert row == (child.version, child.data.given_names)

    # The worker corrects the child's details and sends a new pack: version 2 replaces 1.
    sender.vault.repos.update_child(sender.child.id, school="Riverside Academy")
    newer = sender.export(tmp_path / "4-referral.pdf")
    assert load(str(newer.result.path), stdin=newer.result.password + "\n")["conflicts"] == 0
    # An older pack arriving late changes nothing.
    assert load(str(ref.result.path), stdin=ref.result.password + "\n")["new_versions"] == 0
    # Another key reusing the child's id and a higher version is a conflict, not an overwrite.
    theirs = forged(
        attachment(newer.result.path, newer.result.password),
        "pw-forged-pack",
        tmp_path / "5-forged.pdf",
        pack_id="00000000-0000-4000-8000-000000000005",
        records=[
            {**r, "version": r["version"] + 5} if r["type"] == "child" else r
            for r in ref_pack.to_json_dict()["records"]
        ],
    )
    assert load(str(theirs), stdin="pw-forged-pack\n")["conflicts"] >= 1
    with psycopg.connect(postgres) as conn:
        version, school, signer = conn.execute(
            "SELECT version, data->>'school', signer_public_key FROM records"
            " WHERE record_type = 'child' AND record_id = %s",
            (child.id,),
        ).fetchone()
        assert version == child.version + 1 and "Riverside Academy" in school
        assert signer == ref_pack.vault.public_key
        whys = [r[0] for r in conn.execute("SELECT why FROM load_conflicts").fetchall()]
        assert "record first sent by another signer" in whys
        assert (
            conn.execute(
                "SELECT count(*) FROM record_versions WHERE record_type = 'child'"
            ).fetchone()[0]
            == 3
        )  # v1, v2 from the worker; the forged one kept
