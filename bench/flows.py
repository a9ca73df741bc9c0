"""What users wait for, measured in one process for one mode (encrypted vault or plain SQLite).

Each flow is measured twice:

* **data side**: the vault call the screen makes, on this thread, timed (wall and CPU);
* **in the app**: the real page (offscreen Qt) or, where the page is a dialog, the same call
  through the app's worker helper, timed from the request to the result on screen, with a
  **stall probe**: a 1 ms precise timer on the GUI thread whose longest gap between ticks is
  the longest time the window could not repaint or take a key press.

Used by ``run_bench.py measure``; not a test.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QElapsedTimer, QEventLoop, Qt, QTimer


class StallProbe:
    """The longest gap between ticks of a 1 ms timer on the GUI thread, in ms."""

    def __init__(self) -> None:
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(1)
        self._timer.timeout.connect(self._tick)
        self._clock = QElapsedTimer()
        self.longest = 0.0

    def _tick(self) -> None:
        gap = self._clock.nsecsElapsed() / 1e6
        self.longest = max(self.longest, gap)
        self._clock.restart()

    def __enter__(self) -> StallProbe:
        self.longest = 0.0
        self._clock.start()
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._tick()
        self._timer.stop()


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """(wall ms, CPU ms of this thread) of one call.

    Thread CPU time, not the process's: the data-side call runs wholly on this thread (SQLite,
    the cipher and the Python work), while the process also holds Qt's threads and the pool's;
    their ticks are not the flow's."""
    wall, cpu = time.perf_counter(), time.thread_time()
    fn()
    return (time.perf_counter() - wall) * 1000, (time.thread_time() - cpu) * 1000


# A data-side run of a flow shorter than this is repeated until its CPU time adds up to it
# and the run's figure is the mean per call: a 4 ms flow measured once moves by 10-20 % with
# one cache-cold page or one timer interrupt; measured over ~12 calls it does not.
SHORT_MS = 50.0
MOST_REPEATS = 40


def repeated(fn: Callable[[], object], reset: Callable[[], None] | None) -> tuple[float, float]:
    """(wall ms, CPU ms) per call, the call repeated while the CPU time is under SHORT_MS
    (``reset`` before each call, outside the timing)."""
    walls: list[float] = []
    cpus: list[float] = []
    while not cpus or (sum(cpus) < SHORT_MS and len(cpus) < MOST_REPEATS):
        if reset:
            reset()
        wall, cpu = timed(fn)
        walls.append(wall)
        cpus.append(cpu)
    return statistics.fmean(walls), statistics.fmean(cpus)


def in_app(
    start: Callable[[Callable[[], None]], None], timeout_s: float = 300
) -> tuple[float, float]:
    """(ms until the flow said it was done, longest GUI stall ms). ``start(finished)`` begins
    the flow; the flow calls ``finished()`` when its result is on screen.

    Waits in a real event loop (``QEventLoop.exec``): PySide6 6.x loses a reference to None on
    every ``processEvents()`` call, so a loop of them aborts the interpreter after ~40,000."""
    loop = QEventLoop()
    state = {"done": False}

    def finished() -> None:
        state["done"] = True
        loop.quit()

    with StallProbe() as probe:
        began = time.perf_counter()
        start(finished)
        if not state["done"]:
            QTimer.singleShot(int(timeout_s * 1000), loop.quit)
            loop.exec()
        took = (time.perf_counter() - began) * 1000
    if not state["done"]:
        raise TimeoutError("the flow did not finish")
    return took, probe.longest


def background(work: Callable[[], Any], show: Callable[[Any], None] | None = None) -> Any:
    """A flow the app runs through its worker helper: ``work`` on a pool thread, ``show`` with
    the result on the GUI thread."""
    from cse_toolkit.gui.common import workers

    def start(finished: Callable[[], None]) -> None:
        def done(result: Any) -> None:
            if show is not None:
                show(result)
            finished()

        def failed(exc: BaseException) -> None:
            raise exc

        workers.run_in_background(work, done, failed)

    return start


def flows(vault: Any, big: str, out: Path) -> dict[str, Any]:
    """name -> (data-side call, in-app starter, reset before each run or None)."""
    from cse_toolkit.gui.children.child_list_page import ChildListPage
    from cse_toolkit.gui.children.child_table_model import rows_from_db
    from cse_toolkit.gui.dsl.dsl_dashboard import DslDashboardPage
    from cse_toolkit.gui.dsl.dsl_queue import DslQueuePage
    from cse_toolkit.gui.intel.intel_connections import ConnectionsView, _load
    from cse_toolkit.gui.process.pathway_page import next_step_provider
    from cse_toolkit.services import exchange

    ids = [r[0] for r in vault.repos.child_rows()]
    counter = iter(range(1_000_000))

    def child_list() -> object:
        return rows_from_db(vault.repos.child_rows(), vault.now().date())

    list_page = ChildListPage(vault.clock)
    list_page.resize(1200, 800)
    list_page.show()

    def list_in_app(with_steps: bool) -> Callable[[Callable[[], None]], None]:
        def start(finished: Callable[[], None]) -> None:
            list_page.set_next_step_provider(None)
            list_page._vault = None  # set_vault below reloads once
            list_page.set_next_step_provider(next_step_provider if with_steps else None)

            def loaded() -> None:
                list_page.loaded.disconnect(loaded)
                finished()

            list_page.loaded.connect(loaded)
            list_page.set_vault(vault)

        return start

    def reset_queue() -> None:
        vault.dsl.review._screen_items = None  # the first build after unlock

    queue_page = DslQueuePage()
    queue_page.resize(1200, 800)
    queue_page.show()

    def page_in_app(page: Any) -> Callable[[Callable[[], None]], None]:
        def start(finished: Callable[[], None]) -> None:
            def loaded() -> None:
                page.loaded.disconnect(loaded)
                finished()

            page.loaded.connect(loaded)
            page.set_vault(vault)  # loads, as opening the page does

        return start

    dash = DslDashboardPage(vault.now().date())
    dash.resize(1200, 800)
    dash.show()

    date_from, date_to = dash.range.value()
    connections = ConnectionsView(vault)
    connections.resize(1200, 800)
    connections.show()
    linked = vault.conn.execute("SELECT child_id FROM intel_children LIMIT 1").fetchone()
    linked_child = linked[0] if linked else big

    def connections_in_app(finished: Callable[[], None]) -> None:
        def loaded() -> None:
            connections.loaded.disconnect(loaded)
            finished()

        connections.loaded.connect(loaded)
        connections._child_id = None
        connections.show_child(linked_child)

    def reset_connections() -> None:
        vault.intel._index = None  # built once per session: measure the first look

    def export() -> object:
        pack = exchange.build_pack(
            vault,
            "referral",
            child_id=big,
            sharing=exchange.SharingChoice(consent_sought=True, consent_given=True),
        )
        return exchange.export(
            vault, pack, out / f"pack-{next(counter)}.pdf", password="bench-otter-lamp-river"
        )

    def export_in_app(finished: Callable[[], None]) -> None:
        # As the export dialog does: the pack (built for the preview) written on a pool thread
        # with the GC frozen, then recorded on the GUI thread.
        from cse_toolkit.gui.common.workers import gc_frozen

        pack = exchange.build_pack(
            vault,
            "referral",
            child_id=big,
            sharing=exchange.SharingChoice(consent_sought=True, consent_given=True),
        )
        path = out / f"pack-{next(counter)}.pdf"
        job = gc_frozen(lambda: exchange.write_pack_file(vault, pack, path))
        background(job, lambda result: exchange.record_export(vault, pack, result))(finished)

    def open_child() -> object:
        return (vault.repos.get_child(big), vault.repos.notes_for(big), vault.repos.chronology(big))

    return {
        "child_list": (child_list, list_in_app(False), None),
        "next_steps": (lambda: next_step_provider(vault, ids), list_in_app(True), None),
        "search_common": (
            lambda: vault.repos.search_notes("station"),
            background(lambda: vault.repos.search_notes("station")),
            None,
        ),
        "search_rare": (
            lambda: vault.repos.search_notes("clinic appointment"),
            background(lambda: vault.repos.search_notes("clinic appointment")),
            None,
        ),
        "open_child_500_notes": (open_child, background(open_child), None),
        "export_500_notes": (export, export_in_app, None),
        "dsl_queue": (vault.dsl.queue, page_in_app(queue_page), reset_queue),
        "dashboard": (
            lambda: vault.dsl.dashboard(date_from, date_to),
            page_in_app(dash),
            None,
        ),
        "connections": (
            lambda: _load(vault, linked_child, None),
            connections_in_app,
            reset_connections,
        ),
    }


def measure_flows(table: dict[str, Any], runs: int, only: set[str] | None = None) -> dict[str, Any]:
    """Each flow of ``table`` (``only``: these names), ``runs`` times after one warm-up."""
    results: dict[str, Any] = {}
    for name, (call, start, reset) in table.items():
        if only is not None and name not in only:
            continue
        print(f"measuring {name}", file=sys.stderr, flush=True)
        if reset:
            reset()
        call()  # warm the page cache once, as a second look at the same screen would
        if reset:
            reset()
        in_app(start)  # and the page once (Qt's first paint, fonts: start-up, not the flow)
        walls, cpus, apps, stalls = [], [], [], []
        for _ in range(runs):
            wall, cpu = repeated(call, reset)
            walls.append(wall)
            cpus.append(cpu)
            if reset:
                reset()
            took, stall = in_app(start)
            apps.append(took)
            stalls.append(stall)
        results[name] = {
            "ms": walls,
            "cpu_ms": cpus,
            "app_ms": apps,
            "stall_ms": stalls,
            "median_ms": statistics.median(walls),
        }
    return results


def paired(
    enc: dict[str, Any], plain: dict[str, Any], pairs: int, only: set[str] | None = None
) -> dict[str, Any]:
    """Each data-side call on the encrypted vault and on the plain copy, alternately in this
    one process (which goes first alternates too), the same number of calls each: the two
    figures of a pair are taken within milliseconds of each other, under the same load, so
    their ratio is not moved by which minute each mode happened to run in. Valid in one
    process because nothing of SQLCipher's is process-wide any more (memory security off).
    Returns name -> per-pair CPU ratios (encrypted / plain)."""
    out: dict[str, Any] = {}
    for name, (call, _start, reset) in enc.items():
        if only is not None and name not in only:
            continue
        other, _, other_reset = plain[name]
        call()
        other()
        ratios = []
        for k in range(pairs):
            if reset:
                reset()
            _, probe_cpu = timed(call)
            calls = (
                1
                if probe_cpu >= SHORT_MS
                else min(MOST_REPEATS, int(SHORT_MS / max(probe_cpu, 0.05)) + 1)
            )
            sides = [(call, reset), (other, other_reset)]
            if k % 2:
                sides.reverse()
            spent = []
            for fn, before in sides:
                total = 0.0
                for _ in range(calls):
                    if before:
                        before()
                    total += timed(fn)[1]
                spent.append(total)
            if k % 2:
                spent.reverse()
            ratios.append(spent[0] / spent[1] if spent[1] else None)
        out[name] = [r for r in ratios if r is not None]
    return out
