"""Passphrase strength: a simple, explainable estimate used by `init` and the first-run window.

Scores 0-4 from an entropy estimate that discounts what guessers try first: common passwords,
repeated characters, keyboard runs, dates and the app's own name. The policy sets the minimum
(default 3). A few random words ("otter lamp river gravel") score well and are easy to type.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_COMMON = {
    "password",
    "passw0rd",
    "letmein",
    "welcome",
    "qwerty",
    "iloveyou",
    "monkey",
    "dragon",
    "football",
    "sunshine",
    "princess",
    "admin",
    "abc123",
    "123456",
    "12345678",
    "changeme",
    "safeguarding",
    "worcestershire",
    "police",
    "children",
    "cse",
    "toolkit",
    "secret",
    "correct horse battery staple",
}
_RUNS = ("abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm", "01234567890")


@dataclass(frozen=True)
class Strength:
    score: int  # 0 (very weak) .. 4 (strong)
    bits: float
    feedback: str

    @property
    def label(self) -> str:
        return ("Very weak", "Weak", "Fair", "Good", "Strong")[self.score]


def estimate(passphrase: str) -> Strength:
    text = passphrase.strip()
    if not text:
        return Strength(0, 0.0, "Type a passphrase.")
    lowered = text.lower()
    if lowered in _COMMON:
        return Strength(0, 0.0, "That is one of the first passphrases anyone would try.")
    pool = 0
    if re.search(r"[a-z]", text):
        pool += 26
    if re.search(r"[A-Z]", text):
        pool += 26
    if re.search(r"[0-9]", text):
        pool += 10
    if re.search(r"[^a-zA-Z0-9]", text):
        pool += 20
    # Count characters that add information: repeats and keyboard/alphabet runs add little.
    effective = 0.0
    prev = ""
    for i, ch in enumerate(lowered):
        if ch == prev:
            effective += 0.2
        elif i and any(prev + ch in run for run in _RUNS):
            effective += 0.3
        else:
            effective += 1.0
        prev = ch
    bits = effective * math.log2(max(pool, 2))
    words = [w for w in re.split(r"[\s\-_.]+", lowered) if w]
    if len(words) >= 3 and all(w.isalpha() for w in words):
        # Word passphrases: credit roughly 11 bits per word, which is what a guesser faces.
        bits = max(min(bits, 11.0 * len(words) + 6), 11.0 * len(words))
    if any(common in lowered for common in _COMMON if len(common) >= 6):
        bits -= 15
    if re.search(r"(19|20)\d\d", lowered):
        bits -= 6
    bits = max(bits, 0.0)
    score = 0 if bits < 28 else 1 if bits < 36 else 2 if bits < 45 else 3 if bits < 60 else 4
    if len(text) < 10:
        score = min(score, 1)
    feedback = {
        0: "Far too easy to guess. Use three or four unrelated words.",
        1: "Too easy to guess. Make it longer: three or four unrelated words work well.",
        2: "Nearly there. Add another word or make it longer.",
        3: "Good.",
        4: "Strong.",
    }[score]
    return Strength(score, round(bits, 1), feedback)
