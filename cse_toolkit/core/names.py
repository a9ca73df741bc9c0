"""Are two written names the same child's? Spelling variants for the duplicate check.

The same rules as the intelligence connections view (``core.intelligence``): a name is the same
when it is equal after normalising, a common form of the other (Jon / Jonathan), one letter
different (Jayde / Jade, at four letters or more), or sounds alike (Soundex). Two full names
match when every word of the shorter one matches a different word of the longer one, so
"Jayde Wilson" finds "Jade Wilson" and "Wilson, Jade", and "Jade" alone finds both; an alias
("JJ", "Kez") is compared the same way.
"""

from __future__ import annotations

import functools
import re

from cse_toolkit.core.intelligence import (
    normalise_name,
    same_name_group,
    soundex,
    within_one_edit,
)


@functools.lru_cache(maxsize=65536)
def words(text: str) -> tuple[str, ...]:
    return tuple(w for w in (normalise_name(p) for p in re.split(r"[\s,;/]+", text)) if w)


def word_alike(a: str, b: str) -> str | None:
    """Why two single (normalised) names are alike, or None."""
    if a == b:
        return "same"
    if same_name_group(a, b):
        return "common forms of the same name"
    if min(len(a), len(b)) >= 4 and within_one_edit(a, b):
        return "spelt differently"
    if min(len(a), len(b)) >= 3 and soundex(a) == soundex(b):
        return "sounds alike"
    return None


def names_alike(a: str, b: str) -> str | None:
    """Why two names may be the same person's ("spelt differently", ...), or None."""
    wa, wb = words(a), words(b)
    if not wa or not wb:
        return None
    short, long_ = sorted((wa, wb), key=len)
    reasons: list[str] = []
    if not any(
        w[:1] == o[:1] or soundex(w) == soundex(o) or abs(len(w) - len(o)) <= 1
        for w in short
        for o in long_
    ):
        return None  # the quick test: nothing could match
    free = list(long_)
    for word in short:
        for i, other in enumerate(free):
            why = word_alike(word, other)
            if why is not None:
                reasons.append(why)
                del free[i]
                break
        else:
            return None
    different = [r for r in reasons if r != "same"]
    return different[0] if different else "same"
