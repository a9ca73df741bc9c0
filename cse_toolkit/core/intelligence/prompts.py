"""The 5WH prompts: which of who, what, when, where, how, why the facts do not answer yet."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from cse_toolkit.core.intelligence.report import IntelReport


@dataclass(frozen=True)
class Prompt:
    question: Literal["who", "what", "when", "where", "how", "why", "frequency"]
    text: str
    answered: bool


_WHEN_WORDS = re.compile(
    r"\b(?:\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?|\d{1,2}[:.]\d{2}|\d{1,2}\s*(?:am|pm)"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|last\s+night"
    r"|last\s+week|this\s+morning|evening|afternoon|weekend"
    r"|january|february|march|april|may|june|july|august|september|october|november|december)\b",
    re.IGNORECASE,
)
_WHERE_WORDS = re.compile(
    r"\b(?:street|st|road|rd|lane|avenue|close|park|station|hotel|takeaway|shop|flat|house"
    r"|car\s+park|centre|school|address|town|city)\b"
    r"|\b[A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2}\b",
    re.IGNORECASE,
)
_HOW_WORDS = re.compile(
    r"\b(?:car|taxi|drove|driven|driving|bus|train|walked|picked\s+up|dropped\s+off|phone"
    r"|texted|messaged|message|called|snapchat|instagram|whatsapp|tiktok|facebook|online"
    r"|gave|given|offered|sent)\b",
    re.IGNORECASE,
)
_WHY_WORDS = re.compile(
    r"\b(?:because|so\s+that|in\s+exchange|in\s+return|for\s+money|owes?|owed|debt|paid"
    r"|to\s+get|so\s+she|so\s+he|reason)\b",
    re.IGNORECASE,
)
_FREQUENCY_WORDS = re.compile(
    r"\b(?:every|again|times|regularly|weekly|daily|nightly|often|usually|always|once|twice"
    r"|several|repeatedly|first\s+time|keeps?|most\s+(?:days|nights|weekends))\b",
    re.IGNORECASE,
)


def five_wh_prompts(report: IntelReport) -> list[Prompt]:
    """Who, what, when, where, how, why and frequency, each marked answered or not.

    "Answered" is a heuristic on the entities and the words in the facts: a prompt to look
    again, never a judgement on the report.
    """
    text = "\n".join(report.facts)
    kinds = {e.kind for e in report.entities}
    has = {
        "who": any(p.is_named for p in report.persons),
        "what": any(f.strip() for f in report.facts),
        "when": report.learned_at is not None or bool(_WHEN_WORDS.search(text)),
        "where": "location" in kinds or bool(_WHERE_WORDS.search(text)),
        "how": bool(kinds & {"vehicle", "phone", "online"}) or bool(_HOW_WORDS.search(text)),
        "why": bool(_WHY_WORDS.search(text)),
        "frequency": bool(_FREQUENCY_WORDS.search(text)),
    }
    questions: tuple[
        tuple[Literal["who", "what", "when", "where", "how", "why", "frequency"], str], ...
    ] = (
        ("who", "Who is involved? Full names, dates of birth, nicknames, descriptions."),
        ("what", "What happened, or what was seen or said?"),
        ("when", "When did it happen, and when did you learn it? Dates and times."),
        ("where", "Where did it happen? Addresses, postcodes, places, areas."),
        ("how", "How? Vehicles (VRM), phones, apps and accounts, how the child got there."),
        ("why", "Why, if known? For example gifts, money, drugs, debts, threats."),
        ("frequency", "How often? Once, or do the same names, cars or places keep coming up?"),
    )
    return [Prompt(q, t, has[q]) for q, t in questions]


# ---------------------------------------------------------------------------------------------
