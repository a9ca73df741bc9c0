"""The one place the app says that no organisation policy is installed.

With no policy file the app runs on built-in defaults: every contact except 999 reads "Not
recorded" and the organisation has no name. The user is told once, here, across the top of the
main window (above the navigation and the page), not in every contact line. The banner is plain
text, reached by Tab after the toolbar (its "Dismiss" button) and by F6, and once dismissed it
stays hidden until the app is started again (``dismissed_this_session``). With a policy
installed it never shows.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from cse_toolkit.policy import LoadedPolicy

BANNER_BG = "#fff8e1"
BANNER_FG = "#3e2c00"  # contrast above 12:1 on the background
BANNER_BORDER = "#8a6d00"


class PolicyBanner(QFrame):
    """The notice "No organisation policy is installed", with a Dismiss button."""

    dismissed_this_session = False

    def __init__(self, loaded: LoadedPolicy, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("policyBanner")
        self.setStyleSheet(
            f"#policyBanner {{ background: {BANNER_BG}; border: 1px solid {BANNER_BORDER};"
            " border-radius: 3px; }"
            f"#policyBanner QLabel {{ color: {BANNER_FG}; background: transparent; }}"
        )
        self.text = QLabel(
            self.tr(
                "No organisation policy is installed. Contact numbers other than 999 show "
                "'Not recorded' and the organisation's name is not set. Ask your IT team to "
                "install your organisation's policy (the IT guide says how)."
            )
        )
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setWordWrap(True)
        self.dismiss_button = QPushButton(self.tr("&Dismiss"))
        self.dismiss_button.setAccessibleName(self.tr("Dismiss the policy notice"))
        self.dismiss_button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.dismiss_button.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.dismiss_button, 0, Qt.AlignmentFlag.AlignTop)
        self.setAccessibleName(self.tr("No organisation policy installed"))
        self.setAccessibleDescription(self.text.text())
        self.setVisible(not loaded.installed and not PolicyBanner.dismissed_this_session)

    def dismiss(self) -> None:
        """Hide it for the rest of this session (the next start shows it again)."""
        PolicyBanner.dismissed_this_session = True
        self.hide()


def workspace_layout(workspace: QWidget, loaded: LoadedPolicy) -> tuple[PolicyBanner, QHBoxLayout]:
    """The main window's workspace: the banner across the top, then the row that takes the
    navigation and the page (returned for the window to fill)."""
    outer = QVBoxLayout(workspace)
    banner = PolicyBanner(loaded)
    outer.addWidget(banner)
    row = QHBoxLayout()
    outer.addLayout(row, 1)
    return banner, row
