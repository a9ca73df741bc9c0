"""The information-sharing decision (the seven golden rules): the one rule, in one place.

Every pack records what was decided about sharing: was consent sought, given and by whom; are
the parents or carers aware (if not, why); does the child know and agree; and when sharing
without consent, which of the four grounds applies and why. An intelligence pack (an
information report to the police) needs no consent decision (DOMAIN.md section 4.3).

Three places use this rule and none keeps its own copy: the export wizard asks for the whole
decision (``sharing_problems`` on ``SharingAnswers``), the export service refuses a decision
without a ground where one is needed (``SharingChoice.check``), and the pack schema refuses a
ground given together with consent (``ground_with_consent``). This module is Qt-free.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from cse_toolkit.errors import UserError

Ground = Literal[
    "risk_of_significant_harm",
    "interfere_with_police_investigation",
    "unjustified_delay",
    "prejudice_serious_crime",
]

#: The grounds for sharing without consent, in the order they are offered, with their words.
GROUNDS: dict[str, str] = {
    "risk_of_significant_harm": "asking for consent would put the child or someone else at "
    "risk of significant harm",
    "interfere_with_police_investigation": "asking would interfere with a police investigation",
    "unjustified_delay": "asking would cause unjustified delay",
    "prejudice_serious_crime": "asking would prejudice the prevention or detection of serious "
    "crime",
}
assert tuple(GROUNDS) == get_args(Ground)

#: Pack kinds that need no consent decision: an information report to the police.
CONSENT_NOT_NEEDED = frozenset({"intelligence"})


def consent_needed(kind: str) -> bool:
    return kind not in CONSENT_NOT_NEEDED


def ground_with_consent(consent_given: bool | None, ground: str | None) -> bool:
    """True for the contradiction every layer refuses: a ground for sharing without consent
    recorded although consent was given."""
    return bool(consent_given) and ground is not None


@dataclass
class SharingChoice:
    """The decision as it is recorded with every export (and checked before one)."""

    consent_sought: bool = False
    consent_given: bool | None = None
    who_consented: str = ""
    parents_aware: bool | None = None
    parents_not_aware_reason: str = ""
    child_aware: bool | None = None
    child_consents: bool | None = None
    ground_without_consent: str | None = None
    reason: str = ""

    def check(self, kind: str) -> None:
        """Refuse a decision that shares without consent and gives no known ground."""
        if not consent_needed(kind):
            return
        if self.consent_given is False or (not self.consent_sought and self.reason == ""):
            if not self.ground_without_consent:
                raise UserError(
                    "Sharing without consent needs a ground: risk of significant harm, "
                    "interfering with a police investigation, unjustified delay, or prejudicing "
                    "the prevention or detection of serious crime."
                )
        if self.ground_without_consent and self.ground_without_consent not in GROUNDS:
            raise UserError(f"Unknown ground '{self.ground_without_consent}'.")

    def audit_reason(self, kind: str) -> str:
        """A reason for the audit row: the decision, never personal data."""
        if not consent_needed(kind):
            return "information report to police (consent not required)"
        if self.consent_given:
            return "shared with consent"
        if self.ground_without_consent:
            return f"shared without consent: {self.ground_without_consent}"
        return "consent decision recorded in pack"


@dataclass
class SharingAnswers:
    """The wizard's sharing page as plain values (None: not answered yet)."""

    consent_sought: bool | None = None
    consent_given: bool | None = None
    who_consented: str = ""
    ground: str | None = None
    parents_aware: bool | None = None
    parents_not_aware_reason: str = ""
    child_aware: bool | None = None
    child_consents: bool | None = None
    reason: str = ""

    def without_consent(self) -> bool:
        return self.consent_sought is False or self.consent_given is False

    def choice(self) -> SharingChoice:
        """The decision to record: answers that do not apply are dropped (who consented when
        nobody did, a ground when consent was given, why parents are unaware when they are)."""
        return SharingChoice(
            consent_sought=bool(self.consent_sought),
            consent_given=self.consent_given if self.consent_sought else None,
            who_consented=self.who_consented.strip() if self.consent_given else "",
            parents_aware=self.parents_aware,
            parents_not_aware_reason=(
                self.parents_not_aware_reason.strip() if self.parents_aware is False else ""
            ),
            child_aware=self.child_aware,
            child_consents=self.child_consents,
            ground_without_consent=self.ground if self.without_consent() else None,
            reason=self.reason.strip(),
        )


def sharing_problems(kind: str, answers: SharingAnswers) -> list[str]:
    """What is missing from the information-sharing decision, in plain words (golden rule 7)."""
    if not consent_needed(kind):
        return []
    problems = []
    if answers.consent_sought is None:
        problems.append("Say whether you asked for consent to share.")
    elif answers.consent_sought and answers.consent_given is None:
        problems.append("Say whether consent was given or refused.")
    if answers.consent_given and answers.consent_sought and not answers.who_consented.strip():
        problems.append("Say who gave consent and whose information it covers.")
    if answers.without_consent():
        if not answers.ground:
            problems.append(
                "Sharing without consent needs a ground: choose the one that applies "
                "(risk of significant harm, a police investigation, unjustified delay, or "
                "serious crime)."
            )
        if not answers.reason.strip():
            problems.append("Write down why you are sharing without consent.")
    if answers.parents_aware is None:
        problems.append("Say whether the parents or carers are aware.")
    elif answers.parents_aware is False and not answers.parents_not_aware_reason.strip():
        problems.append("Say why the parents or carers are not aware.")
    if answers.child_aware is None:
        problems.append("Say whether the child knows.")
    return problems
