"""Pack passwords: random words that can be read out over the phone.

A pack's password travels by another channel than the pack (DOMAIN.md §5.13), usually read aloud.
Six words from `resources/wordlist.txt` (short, common, unambiguous English words; no
homophones such as "sea"/"see", no regional spelling variants, nothing that could embarrass
anyone in a safeguarding conversation) joined with "-". With 1,699 words that is about 64 bits,
far beyond guessing against AES-256 with PDF 2.0's SHA-256-based key check.
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


def entropy_bits(words: int = WORDS_PER_PASSWORD) -> float:
    return words * math.log2(len(word_list()))


def generate_password(words: int = WORDS_PER_PASSWORD) -> PackPassword:
    """A new random password (from `secrets`, the operating system's random source)."""
    bits = entropy_bits(words)
    if bits < MIN_ENTROPY_BITS:
        raise ValueError(f"{words} words give only {bits:.0f} bits; use more words")
    vocabulary = word_list()
    chosen = tuple(secrets.choice(vocabulary) for _ in range(words))
    return PackPassword(text=SEPARATOR.join(chosen), words=chosen, entropy_bits=bits)
