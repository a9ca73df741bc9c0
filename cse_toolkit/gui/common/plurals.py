"""Messages with a count, through Qt's plural-aware ``tr()``.

``ntr(context, "%n note(s) will go with the pack.", n)`` asks Qt for the numerus translation
(``QCoreApplication.translate(context, text, None, n)``: translators give each language its
plural forms in the .ts file) and, where no translation is installed, writes the English forms
itself: "(s)" and "(es)" become the plural ending for any count but one, and nothing for one;
"[one|other]" picks a word ("[looks|look]", "[entry|entries]"). So the source strings stay in
Qt's usual numerus style and English never shows "note(s)" or "1 entries".
"""

from __future__ import annotations

import re

from PySide6.QtCore import QCoreApplication

_MARK = re.compile(r"\((s|es)\)")
_CHOICE = re.compile(r"\[([^\[\]|]*)\|([^\[\]|]*)\]")


def english(text: str, n: int) -> str:
    text = _CHOICE.sub(lambda m: m.group(1) if n == 1 else m.group(2), text)
    return _MARK.sub(lambda m: "" if n == 1 else m.group(1), text)


def counted(n: int, record_type: str, context: str = "plurals") -> str:
    """ "1 note", "2 pathway steps", "3 children" for a pack's record type."""
    word = record_type.replace("_", " ")
    word = "[child|children]" if word == "child" else f"{word}(s)"
    return ntr(context, f"%n {word}", n)


def ntr(context: str, text: str, n: int) -> str:
    return english(QCoreApplication.translate(context, text, None, n), n)
