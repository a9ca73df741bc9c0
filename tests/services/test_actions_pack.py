"""Actions and incidents in a referral pack (issue 18): the actions section, an incident about
three children without the other children's names by default (pack.json and the PDF text),
named only when the worker chooses to, and the missing episode's new facts."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from cse_toolkit.core.clock import FixedClock
from cse_toolkit.services import exchange
from cse_toolkit.services.export import ReferralDetails

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
OTHERS = ("Quentin Farrow", "Ysolde Brackley")


def _text(path: Path, password: str) -> tuple[str, str]:
    """(pack.json as text, the PDF's text through pdftotext)."""
    with pikepdf.open(path, password=password) as pdf:
        body = pdf.attachments["pack.json"].get_file().read_bytes().decode()
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.skip("pdftotext is not installed (scripts/run-tests.sh installs poppler-utils)")
    shown = subprocess.run(
        [tool, "-upw", password, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return body, " ".join(shown.split())


@pytest.fixture
def case(vault_factory: Any) -> tuple[Any, Any]:
    vault = vault_factory(user="dee", role="dsl", clock=FixedClock(NOW))
    child = vault.repos.add_child(name="Morgan Pell")
    others = [vault.repos.add_child(name=n) for n in OTHERS]
    vault.incidents.add(
        [child.id, *(o.id for o in others)],
        "A grey car collected three children outside the leisure centre",
        NOW - timedelta(days=2),
        place="Leisure centre car park",
    )
    vault.actions.add("Phone the school about the car", NOW + timedelta(days=1), child_id=child.id)
    episode = vault.repos.add_missing(
        child.id,
        NOW - timedelta(days=5),
        NOW - timedelta(days=4),
        reported_at=NOW - timedelta(days=5, hours=-1),
        police_ref="WM-55-2026",
        returned_by="Aunt, by car",
    )
    interview = vault.actions.for_missing(episode.id)[0]
    vault.actions.done(interview.id, "Held by the independent return worker")
    return vault, child


def _export(vault: Any, child: Any, out: Path, *, name_others: bool) -> tuple[str, str]:
    sharing = exchange.SharingChoice(consent_sought=True, consent_given=True)
    pack = exchange.build_pack(
        vault,
        "referral",
        child_id=child.id,
        sharing=sharing,
        details=ReferralDetails(name_other_children=name_others),
    )
    done = exchange.export(vault, pack, out)
    return _text(out, done.result.password)


def test_pack_for_one_child_leaves_the_other_children_out_by_default(
    case: tuple[Any, Any], tmp_path: Path
) -> None:
    vault, child = case
    body, text = _export(vault, child, tmp_path / "referral.pdf", name_others=False)
    for name in OTHERS:
        for part in name.split():
            assert part not in body and part not in text
    assert "A grey car collected three children" in body and "2 other children" in text
    assert '"other_children_count":2' in body.replace(" ", "")
    # The actions section: the open action, and the return interview done with its outcome.
    assert "Actions set (who does what, by when)" in text
    assert "Phone the school about the car" in text
    assert "Held by the independent return worker" in text
    assert "WM-55-2026" in text and "Found or returned by: Aunt, by car" in text


def test_worker_may_choose_to_name_them(case: tuple[Any, Any], tmp_path: Path) -> None:
    vault, child = case
    body, text = _export(vault, child, tmp_path / "named.pdf", name_others=True)
    assert all(name in body and name in text for name in OTHERS)


def test_a_later_pack_brings_the_action_done_without_a_conflict(
    vault_factory: Any, tmp_path: Path
) -> None:
    sender = vault_factory(user="sam", role="worker", clock=FixedClock(NOW))
    child = sender.repos.add_child(name="Morgan Pell")
    other = sender.repos.add_child(name="Quentin Farrow")
    sender.incidents.add([child.id, other.id], "Seen at the party", NOW - timedelta(days=1))
    episode = sender.repos.add_missing(child.id, NOW - timedelta(days=2), NOW - timedelta(days=1))
    interview = sender.actions.for_missing(episode.id)[0]
    dsl = vault_factory(user="dee", role="dsl", clock=FixedClock(NOW))

    def send(name: str) -> Any:
        sharing = exchange.SharingChoice(consent_sought=True, consent_given=True)
        pack = exchange.build_pack(sender, "referral", child_id=child.id, sharing=sharing)
        done = exchange.export(sender, pack, tmp_path / name)
        return exchange.import_pack(
            dsl, done.result.path, done.result.password, confirmed="compared"
        )

    first = send("first.pdf")
    assert first.added["action"] == 1 and first.added["incident"] == 1 and not first.conflicts
    sender.actions.done(interview.id, "Held; no disclosure")
    second = send("second.pdf")
    assert second.conflicts == [] and second.updated == {"action": 1}
    (arrived,) = dsl.actions.for_child(child.id)
    assert arrived.status == "done" and arrived.done_note == "Held; no disclosure"
    assert arrived.done_by == "sam"  # the sender's name, as it arrived
