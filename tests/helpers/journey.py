"""The people of a journey test: each has a real vault in its own temporary folder, made and
used with the real command line; what a worker types into the app is done with the same vault
calls the app's forms make (so the records are exactly what the app writes).

Every name, place and reference here is invented.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cse_toolkit.core import screening
from cse_toolkit.core.clock import utc_iso
from cse_toolkit.core.entities import ScreeningRecord
from cse_toolkit.vault.vault import Vault

from .cli import Run, cli, lines

PATHWAY = "worcestershire-cse-2013"
TOOL = "worcestershire-2013"


@dataclasses.dataclass
class Person:
    """Someone with their own vault: ``Person(folder, "sam", "worker", "Sam Okafor")``."""

    folder: Path
    user: str
    role: str
    display_name: str = ""
    passphrase: str = "otter lamp river gravel"

    def init(self) -> Person:
        cli(
            "init",
            "--data-dir",
            str(self.folder),
            "--user",
            self.user,
            "--role",
            self.role,
            "--name",
            self.display_name,
            stdin=lines(self.passphrase),
        ).ok()
        return self

    def vault_args(self) -> list[str]:
        return ["--data-dir", str(self.folder), "--user", self.user]

    def run(self, *args: str, secrets: tuple[str, ...] = ()) -> Run:
        """A vault command: the passphrase first on stdin, then ``secrets``."""
        return cli(*args, *self.vault_args(), stdin=lines(self.passphrase, *secrets))

    @contextmanager
    def vault(self) -> Iterator[Vault]:
        """The vault opened in this process, as the app opens it after the unlock screen."""
        vault = Vault.open(self.folder, self.user, self.passphrase)
        try:
            yield vault
        finally:
            vault.close()

    # -- the command line ----------------------------------------------------------------
    def export(self, ref: str, kind: str, out: Path, *extra: str) -> str:
        """Export a pack with the CLI; returns its password."""
        consent = [] if kind == "intelligence" else ["--consent", "given"]
        done = self.run(
            "export",
            "--case",
            ref,
            "--kind",
            kind,
            "--out",
            str(out),
            "--reason",
            "Worried about older males",
            *consent,
            *extra,
        ).ok()
        return done.out.split("Password: ", 1)[1].split()[0]

    def verify(self, pack: Path, password: str) -> Any:
        return cli("verify-pack", str(pack), "--json", stdin=lines(password)).json()

    def import_pack(self, pack: Path, password: str) -> Any:
        """As a DSL does: check the pack, compare the signer's fingerprint with the sender by
        phone (here: the sender's own vault key, as the sender would read it out), import."""
        signer = self.verify(pack, password)["signer_fingerprint"]
        done = self.run(
            "import-pack", str(pack), "--json", "--expect-signer", signer, secrets=(password,)
        )
        result = json.loads(done.out)
        # 0 imported, 3 imported before (nothing changed): the documented contract.
        assert done.code == (3 if result["already_imported"] else 0), done.err
        return result

    def case_show(self, ref: str) -> Any:
        return self.run("case", "show", ref, "--json").json()

    def case_list(self) -> Any:
        return self.run("case", "list", "--json").json()


# -- what a worker records, with the app's own vault calls -----------------------------------


def add_child(vault: Vault, name: str = "Jade Wilson", age_years: int = 14, **kw: Any) -> Any:
    today = vault.now().date()
    dob = today.replace(year=today.year - age_years) - timedelta(days=40)
    return vault.repos.add_child(name=name, dob=dob, school="Brookfield Academy (fictional)", **kw)


def record_concern(vault: Vault, child_id: str, when: datetime, text: str) -> None:
    """The concern form: a note of what was seen, then the pathway's first step and the
    danger question ("No")."""
    vault.repos.add_note(child_id, text, when, place="Crowngate bus station")
    vault.repos.record_step(
        child_id,
        PATHWAY,
        "concern",
        when,
        {"what": text, "when": when, "where": "Crowngate bus station", "by_whom": vault.user.name},
    )
    vault.repos.record_step(child_id, PATHWAY, "danger_check", when, {"immediate_danger": False})


def screen(
    vault: Vault,
    child_id: str,
    answers: dict[str, str],
    *,
    age: int = 14,
    level: str | None = None,
    reason: str = "",
    immediate_danger: bool = False,
) -> Any:
    """The screening wizard and the outcome page: evaluate with the real tool, confirm."""
    tool = screening.load_tool(TOOL)
    inp = screening.ScreeningInput.from_dict(
        {
            "tool": tool.id,
            "tool_version": tool.version,
            "child": {"age": age, "learning_disability": False, "additional_needs": False},
            "immediate_danger": immediate_danger,
            "answers": [
                {"indicator": i, "value": v, "basis": "evidence", "when": "current"}
                for i, v in answers.items()
            ],
        }
    )
    outcome = screening.evaluate(tool, inp)
    record = ScreeningRecord(
        id=str(uuid.uuid4()),
        child_id=child_id,
        tool_id=tool.id,
        tool_version=tool.version,
        screened_at=vault.now(),
        input=inp.to_dict(),
        outcome=outcome.to_dict(),
        suggested_level=outcome.suggested_level,
        status="in_progress",
    )
    vault.repos.save_screening(record)
    saved = vault.repos.save_screening(
        dataclasses.replace(
            record,
            status="confirmed",
            confirmed_level=level or outcome.suggested_level,
            confirmed_by=vault.user.name,
            confirmed_at=vault.now_iso(),
            confirm_reason=reason,
        )
    )
    vault.repos.record_step(
        child_id,
        PATHWAY,
        "screen",
        vault.now(),
        {"screening_id": saved.id, "tool": tool.id, "tool_version": tool.version},
    )
    return saved


def discuss_and_decide(vault: Vault, child_id: str, level: str, with_whom: str) -> None:
    now = vault.now()
    vault.repos.record_step(
        child_id,
        PATHWAY,
        "discuss",
        now,
        {
            "with_whom": with_whom,
            "discussed_at": now,
            "their_view": "Agrees: refer today",
            "agreed_level": level,
        },
    )
    vault.repos.record_step(child_id, PATHWAY, "decide", now, {"confirmed_level": level})


def worker_case(
    vault: Vault, name: str = "Jade Wilson", *, level_answers: dict[str, str] | None = None
) -> Any:
    """A worker's whole morning: add the child, record the concern, screen (High), discuss with
    the DSL, confirm the level. Returns the child."""
    child = add_child(vault, name)
    when = vault.now() - timedelta(hours=3)
    record_concern(
        vault,
        child.id,
        when,
        "Seen getting into a grey car with two adult males at 21:40; would not say "
        "where she was going.",
    )
    answers = level_answers or {
        "high_controlling_associates": "yes",
        "med_cars_unknown_adults": "yes",
    }
    saved = screen(vault, child.id, answers)
    discuss_and_decide(vault, child.id, saved.confirmed_level, "Priya Natarajan (DSL)")
    return vault.repos.get_child(child.id)


def intel_report(
    vault: Vault,
    child_id: str,
    *,
    vrm: str = "WR21 XKZ",
    place: str = "Lowesmoor car park, Worcester",
) -> Any:
    """The intelligence form: an adult, a vehicle and a place seen with the child (final)."""
    from cse_toolkit.core import intelligence as intel

    report = intel.IntelReport(
        title=f"Adult collecting a child at {place.split(',')[0]}",
        facts=[
            f"A man calling himself 'Smithy' collected the child in a grey car {vrm} at "
            f"{place} around 21:00 on three evenings."
        ],
        learned_at=utc_iso(vault.now() - timedelta(hours=2)),
        learned_place=place,
        source_type="worker_saw",
        child_ids=[child_id],
        entities=[
            intel.Person(
                surname="Smith",
                forenames="",
                nickname="Smithy",
                age_range="30-40",
                role="suspected_perpetrator",
            ),
            intel.Vehicle(vrm=vrm, make="Vauxhall", model="Astra", colour="grey"),
            intel.Location(name=place),
        ],
        closing_confirmed=True,
        status="final",
    )
    return vault.intel.save(report)
