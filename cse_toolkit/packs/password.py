"""Pack passwords: random words that can be read out over the phone.

A pack's password travels by another channel than the pack (DOMAIN.md §5.13), usually read aloud.
Six words from `resources/wordlist.txt` (short, common, unambiguous English words; no
homophones such as "sea"/"see", no regional spelling variants, nothing that could embarrass
anyone in a safeguarding conversation) joined with "-".

The whole password is kept to at most 32 characters: poppler (the PDF engine of Evince, Okular
and many Linux readers; measured with 22.12) refuses an AES-256 (R6) password longer than 32
bytes, although the PDF standard allows 127. Passwords are drawn uniformly from the six-word
sequences that fit (rejection sampling, about 1 in 9 fits), which still leaves about 61 bits.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from functools import lru_cache

from cse_toolkit import paths

WORDS_PER_PASSWORD = 6
MIN_WORDS_IN_LIST = 1296
MIN_ENTROPY_BITS = 60.0
SEPARATOR = "-"
MAX_PASSWORD_CHARS = 32


@dataclass(frozen=True)
class PackPassword:
    text: str
    words: tuple[str, ...]
    entropy_bits: float

    def __str__(self) -> str:
        return self.text


@lru_cache(maxsize=1)
def word_list() -> tuple[str, ...]:
    """The word list, checked: a short or malformed list would silently weaken every password."""
    source = paths.resource_path("wordlist.txt")
    words = tuple(
        line.strip() for line in source.read_text(encoding="utf-8").splitlines() if line.strip()
    )
    if len(set(words)) != len(words):
        raise RuntimeError(f"{source} lists a word twice")
    bad = [w for w in words if not (w.isascii() and w.isalpha() and w.islower())]
    if bad:
        raise RuntimeError(f"{source} has {len(bad)} entries that are not plain lower-case words")
    if len(words) < MIN_WORDS_IN_LIST:
        raise RuntimeError(f"{source} has {len(words)} words; at least {MIN_WORDS_IN_LIST} needed")
    return words


@lru_cache(maxsize=8)
def entropy_bits(words: int = WORDS_PER_PASSWORD) -> float:
    """log2 of the number of passwords `generate_password(words)` can return (all equally likely)."""
    budget = MAX_PASSWORD_CHARS - len(SEPARATOR) * (words - 1)
    by_length: dict[int, int] = {}
    for word in word_list():
        by_length[len(word)] = by_length.get(len(word), 0) + 1
    ways = {0: 1}  # total letters so far -> number of word sequences
    for _ in range(words):
        step: dict[int, int] = {}
        for used, count in ways.items():
            for length, n in by_length.items():
                if used + length <= budget:
                    step[used + length] = step.get(used + length, 0) + count * n
        ways = step
    total = sum(ways.values())
    return math.log2(total) if total else 0.0


def generate_password(words: int = WORDS_PER_PASSWORD) -> PackPassword:
    """A new random password (from `secrets`, the operating system's random source)."""
    bits = entropy_bits(words)
    if bits < MIN_ENTROPY_BITS:
        raise ValueError(f"{words} words give only {bits:.0f} bits; use more words")
    vocabulary = word_list()
    while True:  # rejection sampling keeps the choice uniform over the passwords that fit
        chosen = tuple(secrets.choice(vocabulary) for _ in range(words))
        text = SEPARATOR.join(chosen)
        if len(text) <= MAX_PASSWORD_CHARS:
            return PackPassword(text=text, words=chosen, entropy_bits=bits)
