"""The desktop app, unlocked as the unlock screen does, then locked: run by test_lock_memory.py.

    python lock_memory_driver.py

Builds the app's own window (``gui.app.app_window_class``, the policy, the features), opens the
vault in ``CSE_TOOLKIT_HOME`` as the unlock dialog does, opens the first child on its notes tab
and prints ``ready``; then waits for a line on standard input and locks by the panic path. The
lock replaces this process with a fresh start of the app (``gui/fresh_lock.py``), which logs
"app started" when its lock screen is up.
"""

from __future__ import annotations

import sys

from cse_toolkit import paths

paths.harden_process()

PASSPHRASE = "otter lamp river gravel"


def main() -> int:
    from PySide6.QtWidgets import QApplication

    from cse_toolkit.core.clock import SystemClock
    from cse_toolkit.gui.app import app_window_class, configure_application
    from cse_toolkit.gui.extensions import install_all
    from cse_toolkit.logs import setup_logging
    from cse_toolkit.policy import load_policy
    from cse_toolkit.vault.vault import Vault

    app = QApplication(sys.argv[:1])
    setup_logging()
    configure_application(app)
    loaded = load_policy()
    folder = paths.data_dir()
    window = app_window_class()(loaded, folder, SystemClock())
    install_all(window, loaded.policy)
    window.show()
    window.start()
    vault = Vault.open(folder, "sam", PASSPHRASE, policy=loaded.policy)
    window.unlock.reset(locked=False)
    window.enter_vault(vault)
    child = vault.repos.list_children()[0]
    window.show_child(child.id, window.child_page.tabs.indexOf(window.child_page.notes))
    for _ in range(20):
        app.processEvents()
    print("ready", flush=True)
    sys.stdin.readline()
    window.lock("panic")  # does not return: the process image is replaced
    return 1


if __name__ == "__main__":
    sys.exit(main())
