"""Pack password generator."""

from __future__ import annotations

import math

from cse_toolkit.packs import password

# Words that sound like other words (read over the phone) must not be in the list.
HOMOPHONES = {
    "sea",
    "see",
    "sun",
    "son",
    "pair",
    "pear",
    "right",
    "write",
    "night",
    "knight",
    "blue",
    "blew",
    "tail",
    "tale",
    "road",
    "rode",
    "flour",
    "flower",
    "week",
    "weak",
    "meet",
    "meat",
    "wood",
    "would",
    "four",
    "for",
    "eight",
    "ate",
    "sure",
    "shore",
}


def test_word_list_is_big_clean_and_unique() -> None:
    words = password.word_list()
    assert len(words) >= 1296
    assert len(set(words)) == len(words)
    assert all(w.isascii() and w.isalpha() and w.islower() and 3 <= len(w) <= 8 for w in words)
    assert not HOMOPHONES & set(words) - {"shore"}  # "shore" kept, "sure" removed


def test_password_shape_and_entropy() -> None:
    words = set(password.word_list())
    pw = password.generate_password()
    parts = pw.text.split("-")
    assert len(parts) == 6 and tuple(parts) == pw.words
    assert set(parts) <= words
    assert pw.entropy_bits >= 60
    assert len(pw.text) <= 32  # poppler cannot open R6 files with longer passwords
    assert 60 <= pw.entropy_bits < 6 * math.log2(len(words))


def test_entropy_counts_exactly_the_passwords_that_fit(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    password.entropy_bits.cache_clear()
    monkeypatch.setattr(password, "word_list", lambda: ("ab", "cde", "fghi"))
    monkeypatch.setattr(password, "MAX_PASSWORD_CHARS", 9)  # 2 words, 8 letters at most
    from itertools import product

    fits = [p for p in product(("ab", "cde", "fghi"), repeat=2) if len("-".join(p)) <= 9]
    assert math.isclose(password.entropy_bits(2), math.log2(len(fits)))
    password.entropy_bits.cache_clear()


def test_passwords_differ() -> None:
    texts = {password.generate_password().text for _ in range(200)}
    assert len(texts) == 200 and all(len(t) <= 32 for t in texts)
