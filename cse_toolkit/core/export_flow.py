"""Where the export wizard goes next, and what stops it: the wizard's navigation, Qt-free.

As Electrum's ``wizard.py`` does, the flow decides and a thin widget renders: the export
dialog (``gui/exchange/export_dialog.py``) asks the flow for the steps of a pack kind, for
"Step n of m", for Back and for what stops Next, and only shows the answer in its own
translated words; so the navigation is tested without a display.

Steps: the recipient; the information-sharing decision (``core.sharing``); for a referral its
details, where the child is now (required for an urgent or immediate one), what is asked and the
chronology's notes; the preview, whose Next is "Save and export". Saving, the password and a
refused export are states after the steps, not steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from cse_toolkit.core.sharing import SharingAnswers, sharing_problems

Step = Literal["recipient", "sharing", "details", "situation", "asked", "notes", "preview"]

STEP_TITLES: dict[Step, str] = {
    "recipient": "Recipient",
    "sharing": "Information-sharing decision",
    "details": "Referral details",
    "situation": "Where the child is now, and who may pose a risk",
    "asked": "What you ask, and who you consulted",
    "notes": "Chronology",
    "preview": "Preview",
}


def steps_for(kind: str) -> tuple[Step, ...]:
    """The steps of a pack kind, in order: only a referral asks for the referral details."""
    if kind == "referral":
        return ("recipient", "sharing", "details", "situation", "asked", "notes", "preview")
    return ("recipient", "sharing", "preview")


@dataclass(frozen=True)
class StepProblem:
    """Why Next stays: ``recipient`` (nobody named), ``sharing`` (the decision is incomplete:
    ``messages`` say what is missing, in core's plain words), ``why_now`` (a referral must say
    why now), ``where_now`` (an urgent or immediate referral must say where the child is now)
    or ``entries`` (something typed on the page is not in the form asked: ``messages``)."""

    kind: Literal["recipient", "sharing", "why_now", "where_now", "entries"]
    messages: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExportAnswers:
    """What the pages hold, as far as moving on depends on it."""

    recipient_name: str = ""
    sharing: SharingAnswers | None = None
    why_now: str = ""
    urgent: bool = False
    where_now: str = ""
    entry_problems: tuple[str, ...] = ()  # the current page's, as the pages found them


@dataclass
class ExportFlow:
    """The steps of one export and the step shown."""

    kind: str
    current: Step = "recipient"

    @property
    def steps(self) -> Sequence[Step]:
        return steps_for(self.kind)

    @property
    def number(self) -> int:
        """1-based, for "Step n of m"."""
        return self.steps.index(self.current) + 1

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def title(self) -> str:
        return STEP_TITLES[self.current]

    @property
    def can_go_back(self) -> bool:
        return self.number > 1

    @property
    def on_last(self) -> bool:
        """The preview: Next saves and exports."""
        return self.current == "preview"

    def problem(self, answers: ExportAnswers) -> StepProblem | None:
        """What stops Next on the current step."""
        if self.current == "recipient" and not answers.recipient_name.strip():
            return StepProblem("recipient")
        if self.current == "sharing":
            missing = sharing_problems(self.kind, answers.sharing or SharingAnswers())
            if missing:
                return StepProblem("sharing", tuple(missing))
        if self.current == "details" and not answers.why_now.strip():
            return StepProblem("why_now")
        if self.current == "situation" and answers.urgent and not answers.where_now.strip():
            return StepProblem("where_now")
        if answers.entry_problems:
            return StepProblem("entries", answers.entry_problems)
        return None

    def following(self) -> Step | None:
        """The step after this one (None on the preview: Next exports)."""
        index = self.steps.index(self.current)
        return self.steps[index + 1] if index + 1 < len(self.steps) else None

    def previous(self) -> Step | None:
        index = self.steps.index(self.current)
        return self.steps[index - 1] if index > 0 else None
