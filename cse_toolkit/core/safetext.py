"""Untrusted text made safe to print on a terminal: control characters shown, never obeyed.

Anything from a pack or another user (a sender's name, an organisation, a note) may hold escape
sequences that move the cursor or recolour the screen (ANSI), characters that reverse the order
of what follows (bidi overrides), or invisible ones. ``safe_text`` replaces each with a visible
escape (``\\x1b``, ``\\u202e``), so what the DSL reads is exactly what the sender wrote.
"""

from __future__ import annotations

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
