"""Messages with a count, through Qt's plural-aware ``tr()``.

``ntr(context, "%n note(s) will go with the pack.", n)`` asks Qt for the numerus translation
(``QCoreApplication.translate(context, text, None, n)``: translators give each language its
plural forms in the .ts file) and, where no translation is installed, writes the English forms
itself: "(s)" and "(es)" become the plural ending for any count but one, and nothing for one.
So the source strings stay in Qt's usual numerus style and English never shows "note(s)".
"""

from __future__ import annotations

import re

from PySide6.QtCore import QCoreApplication

_MARK = re.compile(r"\((s|es)\)")


def english(text: str, n: int) -> str:
    return _MARK.sub(lambda m: "" if n == 1 else m.group(1), text)


def ntr(context: str, text: str, n: int) -> str:
    return english(QCoreApplication.translate(context, text, None, n), n)
