"""Untrusted text made safe to print on a terminal: control characters shown, never obeyed.

Anything from a pack or another user (a sender's name, an organisation, a note) may hold escape
sequences that move the cursor or recolour the screen (ANSI), characters that reverse the order
of what follows (bidi overrides), or invisible ones. ``safe_text`` replaces each with a visible
escape (``\\x1b``, ``\\u202e``), so what the DSL reads is exactly what the sender wrote.
"""

from __future__ import annotations

import re
import unicodedata

# Bidi embeddings, overrides and isolates, marks, and invisible separators / joiners.
_INVISIBLE = {
    0x061C,
    0x200B,
    0x200C,
    0x200D,
    0x200E,
    0x200F,
    0x2028,
    0x2029,
    0x202A,
    0x202B,
    0x202C,
    0x202D,
    0x202E,
    0x2060,
    0x2066,
    0x2067,
    0x2068,
    0x2069,
    0xFEFF,
}


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def is_unsafe(ch: str) -> bool:
    code = ord(ch)
    if code < 0x20 or 0x7F <= code <= 0x9F or code in _INVISIBLE:
        return True
    return unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co")


def safe_text(text: object, *, keep_newlines: bool = False) -> str:
    """``text`` with every control, bidi or invisible character shown as an escape."""
    value = str(text)
    out = []
    for ch in value:
        if keep_newlines and ch == "\n":
            out.append(ch)
        elif is_unsafe(ch):
            out.append(_escape(ch))
        else:
            out.append(ch)
    return "".join(out)


# --- text that cannot be stored or printed (issue 22 item 6) --------------------------------
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable(text: str) -> str | None:
    """What in ``text`` cannot be saved or shown (a NUL, or half of a surrogate pair that a
    JSON ``\\ud800`` escape or a broken command-line byte produces), in words; None if fine."""
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    return "a NUL character" if found.group() == "\x00" else "an unpaired surrogate character"


def first_unstorable(value: object) -> tuple[str, str] | None:
    """(field path, problem) of the first string in parsed JSON (keys too) that cannot be
    stored: ``records.3.data.name``. Iterative, so any nesting is safe."""
    stack: list[tuple[object, str]] = [(value, "")]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            problem = unstorable(item)
            if problem:
                return (where or "(top level)")[:200], problem
        elif isinstance(item, dict):
            for key, child in item.items():
                path = f"{where}.{key}" if where else str(key)
                if isinstance(key, str) and unstorable(key):
                    return (where or "(top level)")[:200] + " (a field name)", str(unstorable(key))
                stack.append((child, path))
        elif isinstance(item, list):
            stack.extend(
                (child, f"{where}.{i}" if where else str(i)) for i, child in enumerate(item)
            )
    return None
