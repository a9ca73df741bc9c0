"""Drive the app through four screens for the at-spi dump (not part of the suite)."""
import sys, tempfile
from pathlib import Path
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
sys.path.insert(0, "/work/wt-24")
from tests.gui.test_screening_wizard import at_screening
from cse_toolkit.core.clock import FixedClock
from cse_toolkit.core import demo
from cse_toolkit.vault import bulk
from cse_toolkit.vault.keyslots import FLOOR_PARAMS
from cse_toolkit.vault.vault import Vault
from cse_toolkit.policy import load_policy
from cse_toolkit.gui.main_window import MainWindow
from cse_toolkit.gui.extensions import install_all

app = QApplication(sys.argv)
clock = FixedClock()
folder = Path(tempfile.mkdtemp()) / "vault"
vault, _ = Vault.create(folder, "dee", "dsl", "otter lamp river gravel", kdf=FLOOR_PARAMS, clock=clock)
bulk.load_children(vault, demo.generate(4, 1, 1, today=clock.now().date()))
child = at_screening(vault, name="Jade Example", approx_age=14)
policy = load_policy()
win = MainWindow(policy, folder, clock, kdf=FLOOR_PARAMS)
install_all(win, policy.policy)
win.resize(1200, 800); win.show()
stage = Path("/tmp/a11y24/stage")
def mark(s): stage.write_text(s); print("stage", s, flush=True)
def s1(): mark("unlock")
def s2():
    win.enter_vault(vault); win.show_page("children"); win.child_list.table.setFocus(); mark("child list")
def s3():
    win.show_child(child.id, win.child_page.tabs.indexOf(win.process_tab))
    w = win.process_tab.wizard; w.set_child(vault, child)
    win.process_tab.stack.setCurrentWidget(w); w.stack.setCurrentIndex(2)
    w.pages[1].rows[0].focus_answer(); mark("screening page")
def s4():
    w = win.process_tab.wizard
    for page in w.pages:
        for row in page.rows:
            row.answer_buttons["no"].setChecked(True)
    w.context.danger_no.setChecked(True)
    w.finish(); mark("outcome page")
for i, f in enumerate((s1, s2, s3, s4)):
    QTimer.singleShot(2000 + 5000 * i, f)
QTimer.singleShot(2000 + 5000 * 4 + 2000, app.quit)
app.exec()
