"""The Qt binding keeps Python's objects alive across signals.

PySide6 6.12.0 drops one reference to ``True`` every time a signal declared in Python is
emitted with ``True`` (``Signal(bool)``, ``Signal(object)``, ``Signal(str, bool)``, with or
without a receiver). ``True``'s reference count falls with every emission until CPython
deallocates it and aborts the process ("Fatal Python error: bool_dealloc"): at interpreter
exit after a few test files, or in the middle of a long session of the app (the worker
helper's ``done`` signal carries jobs' results, the danger check's ``recorded`` carries a bool).
6.11.3 keeps the count. pyproject.toml therefore excludes 6.12.0; this test fails on any binding
with the bug, so a version that brings it back is caught before it ships.
"""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QObject, Signal

EMISSIONS = 200


class _Emitter(QObject):
    flag = Signal(bool)
    value = Signal(object)
    pair = Signal(str, bool)


@pytest.mark.parametrize("signal", ["flag", "value", "pair"])
@pytest.mark.parametrize("receiver", [False, True])
def test_emitting_true_keeps_true_alive(qapp: object, signal: str, receiver: bool) -> None:
    emitter = _Emitter()
    got: list[object] = []
    bound = getattr(emitter, signal)
    if receiver:
        bound.connect(lambda *args: got.append(args))
    args: tuple[object, ...] = ("x", True) if signal == "pair" else (True,)
    before = sys.getrefcount(True)
    for _ in range(EMISSIONS):
        bound.emit(*args)
    got.clear()
    after = sys.getrefcount(True)
    # Other threads may hold or drop a few references meanwhile; the bug loses one per emission.
    assert after >= before - 10, (
        f"{EMISSIONS} emissions of True lost {before - after} references to True: this Qt "
        "binding has the PySide6 6.12.0 reference bug (see this module's docstring)"
    )
