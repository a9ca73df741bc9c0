"""Start the desktop app: QApplication, logging, policy, crash handling, the main window.

* The organisation policy is loaded first, and only here: an invalid policy stops the app with a
  dialog that names the key (``PolicyError``) before any window; the app never falls back to
  weaker settings. The loaded policy is passed down (the main window, the vault it unlocks:
  ``Vault.policy``), so nothing reads the file again until the next start.
* Dark or light follows the operating system: the platform palette is used as it is (Qt 6.5+
  follows the OS colour scheme and reports changes through ``styleHints().colorScheme``); the
  stylesheet from ``ui/app.qss`` sets spacing only, never colours or font sizes, so text
  scales with the system font setting.
* Any exception that reaches the top is a bug: it is logged as its type and the code lines of
  its traceback only (never the message or local values, which could hold personal data) and
  shown in a crash dialog. A ``UserError`` that reaches the top is shown as a plain message.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from types import TracebackType
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QApplication, QWidget

from cse_toolkit import APP_ID, APP_NAME, __version__, paths
from cse_toolkit.core.clock import SystemClock
from cse_toolkit.errors import UserError
from cse_toolkit.gui.common import dialogs
from cse_toolkit.logs import setup_logging
from cse_toolkit.policy import PolicyError, load_policy

if TYPE_CHECKING:
    from cse_toolkit.gui.main_window import MainWindow

log = logging.getLogger("cse_toolkit.gui")


def _tr(text: str) -> str:
    return QCoreApplication.translate("app", text)


def safe_traceback(exc_type: type[BaseException], tb: TracebackType | None) -> str:
    """The exception's type and the code lines it passed through; no message, no values."""
    frames = traceback.extract_tb(tb)
    lines = [f"{exc_type.__module__}.{exc_type.__qualname__}"]
    for frame in frames:
        lines.append(f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}')
        if frame.line:
            lines.append(f"    {frame.line.strip()}")
    return "\n".join(lines)


def _active_window() -> QWidget | None:
    app = QApplication.instance()
    return app.activeWindow() if isinstance(app, QApplication) else None


def handle_exception(
    exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    if isinstance(exc, UserError):
        dialogs.error(_active_window(), _tr("Cannot do that"), str(exc))
        return
    if "sqlcipher3" in sys.modules or isinstance(exc, OSError):
        # A damaged page met during any read, or a full disk: the plain message, no crash box.
        from cse_toolkit.vault.db import as_user_error

        known = as_user_error(exc, _tr("the change"))
        if known is not None:
            log.error("storage error: %s", type(known).__name__)
            dialogs.error(_active_window(), _tr("Cannot do that"), str(known))
            return
    details = safe_traceback(exc_type, tb)
    log.error("unhandled exception:\n%s", details)
    dialogs.crash(
        _active_window(),
        _tr(
            "Something went wrong inside CSE Toolkit. Your saved records are safe. If you were "
            "writing a note, its draft has been kept. Please tell your IT team; the technical "
            "details below (no personal information) are also in the log file."
        ),
        details,
    )


def install_exception_hook() -> None:
    sys.excepthook = handle_exception


def configure_application(app: QApplication) -> None:
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName("CSE Toolkit")
    app.setDesktopFileName(APP_ID)
    from cse_toolkit.gui.forms.style_app import STYLESHEET

    app.setStyleSheet(STYLESHEET)
    from cse_toolkit.gui.common.widgets import install_plain_text_labels

    install_plain_text_labels(app)  # text from packs and other users is never markup
    hints = app.styleHints()
    log.info("colour scheme at start: %s", hints.colorScheme().name)


def app_window_class() -> type[MainWindow]:
    """The real app's main window: a lock ends the process that held the data key and the
    records, and the lock screen is a fresh process (``gui/fresh_lock.py``). Tests build
    ``MainWindow`` itself and keep their process."""
    from cse_toolkit.gui import fresh_lock
    from cse_toolkit.gui.main_window import MainWindow

    class AppWindow(MainWindow):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._locked_start = os.environ.pop("CSE_TOOLKIT_LOCKED_START", "") == "1"
            self._location = fresh_lock.resume_location()  # ids only, checked
            self.kept = fresh_lock.take_handover()  # unsaved text, sealed (issue 22 item 4)

        def start(self) -> None:
            from cse_toolkit.vault.vault import exists

            if self._locked_start and exists(self._folder):
                self._show_locked(first=False)  # "Locked", as the process before showed
                return
            self.kept = None  # a first start: nothing was locked
            super().start()

        def lock(self, reason: str = "panic") -> None:
            was_open = not self.locked
            super().lock(reason)
            if was_open and reason != "close":
                fresh_lock.restart_locked(self._location, kept=self.kept)

    return AppWindow


def run_gui(argv: list[str] | None = None) -> int:
    """Open the desktop app; returns the exit code."""
    paths.harden_process(entry=True)
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        app = existing
    else:
        # High-DPI scaling is on by default in Qt 6; keep fractional scale factors exact.
        QApplication.setHighDpiScaleFactorRoundingPolicy(
            Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
        )
        app = QApplication(argv or sys.argv)
    setup_logging()
    configure_application(app)
    try:
        loaded = load_policy()
        from cse_toolkit.core.catalogue import check_policy_defaults

        check_policy_defaults(loaded.policy, loaded.source)
    except PolicyError as exc:
        log.error("policy refused")
        dialogs.error(
            None,
            _tr("Organisation policy problem"),
            _tr(
                "CSE Toolkit cannot start because the organisation policy is not valid. "
                "Ask your IT team to fix it.\n\n"
            )
            + str(exc),
        )
        return 1
    install_exception_hook()
    from cse_toolkit.gui.common import capture

    capture.install(loaded.policy.allow_screen_capture)
    from cse_toolkit.gui.extensions import install_all

    window = app_window_class()(loaded, paths.data_dir(), SystemClock())
    install_all(window, loaded.policy)
    window.show()
    window.start()
    log.info("app started")
    return app.exec()
