"""Typing is never lost: kill -9 while a person types into the real editors, count what is lost.

typist.py types synthetic text into a real widget (a note, the Add child form's household
field, the export wizard's consent field, an intelligence report's fact line, the "what was
seen or heard" of a step of the process) at a human speed
(with thinking pauses) or a burst speed, printing the count after each key. This test kills it
with SIGKILL at a random moment from 1 s after the first key (half within 1-3 s, half 3-6.5 s,
so continuous typing past the 3 s ceiling is covered), then opens the vault and compares the
draft with what had been typed. The promise (docs/USER-GUIDE.md): at most the last 5 s of
typing is lost. Three typists run at once, each on its own vault, to keep the run to a few
minutes on two cores.

CSE_TYPING_KILLS sets the number of kills, CSE_RELIABILITY_SEED the seed. The default, 40,
gives every editor at each speed four kills (the plans cycle through the ten pairs) in about a
minute of CI; ``CSE_TYPING_KILLS=100`` is the full run (docs/ARCHITECTURE.md, "Running the
tests"), and any count keeps the same pass line: no kill loses more than 5 s of typing.
"""

from __future__ import annotations

import os
import random
import selectors
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from helpers.vaults import REPO, dek_of, make_vault
from typist import text_for  # tests/reliability/typist.py, beside this file

HERE = Path(__file__).resolve().parent

KILLS = int(os.environ.get("CSE_TYPING_KILLS", "40"))
SEED = int(os.environ.get("CSE_RELIABILITY_SEED", "20261203"))
PROMISE_S = 5.0
LANES = 3  # typists at once: they mostly wait between keys, so three share two cores well
EDITORS = ("note", "child", "export", "intel", "step")
DRAFT_KINDS = {
    "note": "note",
    "child": "child_form",
    "export": "export_form",
    "intel": "intel_fact",
    "step": "pathway_step",
}


@dataclass
class Run:
    editor: str
    speed: str
    seed: int
    target: str
    kill_after: float
    proc: subprocess.Popen[bytes] | None = None
    buf: bytearray = field(default_factory=bytearray)
    started: float = 0.0
    first_key: float | None = None
    deadline: float | None = None


@dataclass
class Lane:
    folder: Path
    dek: str
    vault: Any
    run: Run | None = None


def _typed_text(editor: str, draft: Any) -> str:
    data = draft.payload
    if editor == "note":
        return str(data.get("body", ""))
    if editor == "child":
        return str(data.get("values", {}).get("household", ""))
    if editor == "intel":
        return str(data.get("text", ""))
    if editor == "step":
        return str(data.get("values", {}).get("what", ""))
    for values in data.get("fields", {}).values():
        for key, value in values.items():
            if key.startswith("QLineEdit:Who gave consent"):
                return str(value)
    return ""


def _lines(buf: bytearray) -> list[tuple[int, float]]:
    keys = []
    for line in bytes(buf).decode(errors="replace").splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "T":
            keys.append((int(parts[1]), float(parts[2])))
    return keys


def _pump(lane: Lane, now: float) -> None:
    run = lane.run
    assert run is not None and run.proc is not None and run.proc.stdout is not None
    try:
        chunk = os.read(run.proc.stdout.fileno(), 65536)
    except BlockingIOError:
        chunk = b""
    run.buf += chunk
    if run.first_key is None and b"\nT 1 " in run.buf:
        run.first_key = now
        run.deadline = now + run.kill_after


@pytest.mark.timeout(900)
def test_typing_survives_kill9_at_random_moments(tmp_path: Path, figure: Any) -> None:
    rng = random.Random(SEED)
    lanes = []
    for i in range(LANES):
        folder = tmp_path / f"vault{i}"
        vault = make_vault(folder)
        lanes.append(Lane(folder, dek_of(folder).hex(), vault))
    plans = []
    for k in range(KILLS):
        kill_after = rng.uniform(1.0, 3.0) if rng.random() < 0.5 else rng.uniform(3.0, 6.5)
        plans.append((EDITORS[k % len(EDITORS)], "burst" if k % 2 else "human", k, kill_after))
    rng.shuffle(plans)

    results: list[dict[str, Any]] = []
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO))
    env.pop("CSE_TEST_DEK", None)
    start = time.monotonic()
    pending = list(plans)
    with selectors.DefaultSelector() as sel:
        while pending or any(lane.run for lane in lanes):
            for lane in lanes:
                if lane.run is None and pending:
                    editor, speed, k, kill_after = pending.pop()
                    child = lane.vault.repos.add_child(alias=f"Kid {k}", approx_age=14)
                    run = Run(editor, speed, SEED + k, child.id, kill_after)
                    run.proc = subprocess.Popen(
                        [
                            sys.executable,
                            str(HERE / "typist.py"),
                            str(lane.folder),
                            editor,
                            speed,
                            str(run.seed),
                            child.id,
                        ],
                        stdout=subprocess.PIPE,
                        stderr=subprocess.DEVNULL,
                        env={**env, "CSE_TEST_DEK": lane.dek},
                        cwd=REPO,
                    )
                    assert run.proc.stdout is not None
                    os.set_blocking(run.proc.stdout.fileno(), False)
                    sel.register(run.proc.stdout, selectors.EVENT_READ, lane)
                    run.started = time.monotonic()
                    lane.run = run
            for key, _ in sel.select(0.02):
                _pump(key.data, time.monotonic())
            now = time.monotonic()
            for lane in lanes:
                run = lane.run
                if run is None:
                    continue
                assert run.proc is not None
                if run.proc.poll() is not None and run.deadline is None:
                    raise AssertionError(f"typist died on its own ({run.editor})")
                assert now - run.started < 60, "typist never started typing"
                if run.deadline is not None and now >= run.deadline:
                    killed_at = time.monotonic()
                    run.proc.send_signal(signal.SIGKILL)
                    run.proc.wait()
                    assert run.proc.stdout is not None
                    sel.unregister(run.proc.stdout)
                    while True:
                        try:
                            chunk = os.read(run.proc.stdout.fileno(), 65536)
                        except BlockingIOError:
                            break
                        if not chunk:
                            break
                        run.buf += chunk
                    run.proc.stdout.close()
                    results.append(_measure(lane, run, killed_at))
                    lane.run = None
    elapsed = time.monotonic() - start
    for lane in lanes:
        lane.vault.close()

    lost = [r["lost"] for r in results]
    typed = sum(r["typed"] for r in results)
    worst_s = max(r["lost_seconds"] for r in results)
    figure("typing kills", len(results))
    figure("typing characters typed", typed)
    figure("typing characters lost", f"{sum(lost)} ({100 * sum(lost) / max(typed, 1):.1f} %)")
    figure("typing most lost in one kill", f"{max(lost)} characters, {worst_s:.2f} s of typing")
    for editor in EDITORS:
        mine = [r for r in results if r["editor"] == editor]
        figure(
            f"typing lost per kill ({editor})",
            f"mean {sum(r['lost'] for r in mine) / max(len(mine), 1):.1f} chars, "
            f"worst {max((r['lost_seconds'] for r in mine), default=0):.2f} s",
        )
    late = [r for r in results if r["kill_after"] > 4.5]
    late_typed = sum(r["typed"] for r in late)
    figure(
        "typing kills after 4.5 s of typing",
        f"{len(late)}: {sum(r['lost'] for r in late)} of {late_typed} characters lost",
    )
    seconds = sorted(r["lost_seconds"] for r in results)
    figure(
        "typing seconds lost per kill",
        f"median {seconds[len(seconds) // 2]:.2f} s, "
        f"95th percentile {seconds[int(len(seconds) * 0.95) - 1]:.2f} s, "
        f"worst {seconds[-1]:.2f} s (promise: {PROMISE_S:.0f} s)",
    )
    figure("typing test run time", f"{elapsed:.0f} s")
    broken = [r for r in results if not r["prefix"] or r["lost_seconds"] > PROMISE_S]
    assert len(results) == KILLS
    assert broken == [], broken[:5]


def _measure(lane: Lane, run: Run, killed_at: float) -> dict[str, Any]:
    keys = _lines(run.buf)
    typed = keys[-1][0] if keys else 0
    text = text_for(run.seed)[:typed]
    kind = DRAFT_KINDS[run.editor]
    # A lane runs one typist at a time and deletes the drafts after each, so every draft of
    # this kind is this life's (a note's target is the child; an intelligence fact's is the
    # report the typist made; an Add child form has none).
    drafts = lane.vault.repos.drafts(kind)
    saved = ""
    for draft in drafts:
        got = _typed_text(run.editor, draft)
        if got and text.startswith(got) and len(got) > len(saved):
            saved = got
    for draft in drafts:
        lane.vault.repos.delete_draft(draft.id)  # the next life starts clean
    lost = typed - len(saved)
    # The promise is about time: every key typed more than 5 s before the kill is saved. So
    # the figure is the time from the first key that was not saved to the kill (the clock is
    # the system's monotonic clock, shared by both processes).
    lost_seconds = killed_at - keys[len(saved)][1] if lost > 0 else 0.0
    return {
        "editor": run.editor,
        "speed": run.speed,
        "typed": typed,
        "lost": lost,
        "lost_seconds": lost_seconds,
        "prefix": text.startswith(saved),
        "kill_after": run.kill_after,
    }
