"""About: version, where the data lives, which policy is in force, and the vault id; and
"About this tool" for each installed screening tool: what it is, where it comes from, the safety
rules it applies, and what the local partnership has not yet confirmed (SAFETY.md R9)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit import APP_NAME, __version__, platform
from cse_toolkit.core.catalogue import list_tools, load_tool
from cse_toolkit.core.tools import Tool
from cse_toolkit.errors import UserError
from cse_toolkit.gui.common.pathway_widgets import section_title, wrap_label
from cse_toolkit.gui.common.widgets import heading_label
from cse_toolkit.policy import LoadedPolicy

_SAFETY_KINDS = (
    "immediate_danger",
    "minimum_if_present",
    "floor_age_under",
    "floor_flag",
    "count_at_least",
    "incomplete",
    "adult_route",
)

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault


class ToolAboutView(QWidget):
    """About this tool: what it is, its sources, its safety rules and what is to confirm."""

    def __init__(self, tool: Tool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("About this tool: {name}").format(name=tool.name))
        self.to_confirm_lines: list[str] = []
        layout = QVBoxLayout(self)
        layout.addWidget(
            heading_label(
                self.tr("{name}, version {version}").format(name=tool.name, version=tool.version)
            )
        )
        layout.addWidget(wrap_label(tool.area))
        # The tool file wraps its text at 100 columns: join lines, keep paragraphs.
        layout.addWidget(wrap_label(re.sub(r"(?<!\n)\n(?!\n)", " ", tool.about.strip())))
        if tool.source:
            layout.addWidget(wrap_label(self.tr("Sources: {s}").format(s=tool.source)))
        layout.addWidget(section_title(self.tr("Safety rules this tool applies")))
        for rule in tool.rules:
            if rule.kind in _SAFETY_KINDS:
                layout.addWidget(wrap_label(f"•  {rule.text}"))
        layout.addWidget(section_title(self.tr("Not yet confirmed by your partnership")))
        items = tool.to_confirm()
        if not items:
            layout.addWidget(
                wrap_label(self.tr("Everything in this tool is from a published local source."))
            )
        kinds = {
            "section": self.tr("Section"),
            "indicator": self.tr("Indicator"),
            "rule": self.tr("Rule"),
        }
        for kind, name, source in items:
            line = self.tr("{kind}: {name}").format(kind=kinds[kind], name=name)
            if source:
                line += " " + self.tr("(source: {s})").format(s=source)
            self.to_confirm_lines.append(line)
            layout.addWidget(wrap_label(f"•  {line}"))
        layout.addWidget(
            wrap_label(
                self.tr(
                    "When a suggested level rests on any of these, the outcome page and every pack say "
                    "so in one line, so that recipients know what is local and what is borrowed."
                )
            )
        )
        layout.addStretch(1)


def tool_about_dialog(tool: Tool, parent: QWidget | None = None) -> QDialog:
    """A window with "About this tool" for one tool (opened from the outcome page)."""
    dialog = QDialog(parent)
    dialog.setWindowTitle(dialog.tr("About this tool"))
    scroll = QScrollArea()
    scroll.setAccessibleName(dialog.tr("About this tool"))
    scroll.setWidgetResizable(True)
    scroll.setWidget(ToolAboutView(tool))
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(scroll)
    layout.addWidget(buttons)
    dialog.resize(720, 640)
    return dialog


class AboutPage(QWidget):
    def _capture_text(self, policy: LoadedPolicy) -> str:
        if policy.policy.allow_screen_capture:
            return self.tr(
                "Allowed by your organisation's policy (for training): screenshots and screen "
                "sharing can see this app."
            )
        if platform.current().capture_protection_possible:
            return self.tr(
                "Blocked: screenshots, screen recording and screen sharing show this app's "
                "windows as black."
            )
        return self.tr(
            "Cannot be blocked on this system (Linux): screenshots and screen sharing can see "
            "this app. Do not share your screen while records are open."
        )

    def __init__(self, policy: LoadedPolicy, folder: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName(self.tr("About"))
        self._labels: dict[str, QLabel] = {}
        form = QFormLayout()
        rows = (
            ("version", self.tr("Version"), __version__),
            (
                "organisation",
                self.tr("Organisation"),
                policy.policy.organisation or self.tr("Not set: no organisation policy installed"),
            ),
            ("data", self.tr("Data folder"), str(folder)),
            ("policy", self.tr("Policy in force"), policy.source),
            (
                "idle",
                self.tr("Locks after"),
                self.tr("{n} minutes without input").format(n=policy.policy.idle_lock_minutes),
            ),
            ("capture", self.tr("Screen capture"), self._capture_text(policy)),
            ("vault", self.tr("Vault id"), ""),
            ("user", self.tr("Signed in as"), ""),
        )
        for key, title, value in rows:
            label = QLabel(value)
            label.setWordWrap(True)
            label.setTextInteractionFlags(
                Qt.TextInteractionFlag.TextSelectableByMouse
                | Qt.TextInteractionFlag.TextSelectableByKeyboard
            )
            label.setAccessibleName(title)
            self._labels[key] = label
            form.addRow(QLabel(title + ":"), label)
        intro = QLabel(
            self.tr(
                "An offline, encrypted toolkit for practitioners responding to concerns about "
                "child sexual exploitation. Everything stays on this laptop until you export it."
            )
        )
        intro.setWordWrap(True)
        self.tools = QTabWidget()
        self.tools.setAccessibleName(self.tr("About the screening tools"))
        for info in list_tools():
            try:
                tool = load_tool(info.id)
            except UserError:
                continue
            scroll = QScrollArea()
            scroll.setAccessibleName(tool.name)
            scroll.setWidgetResizable(True)
            scroll.setWidget(ToolAboutView(tool))
            self.tools.addTab(scroll, tool.name)
        layout = QVBoxLayout(self)
        layout.addWidget(heading_label(APP_NAME))
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(section_title(self.tr("About the screening tools")))
        layout.addWidget(self.tools, 1)

    def value(self, key: str) -> str:
        return self._labels[key].text()

    def set_vault(self, vault: Vault) -> None:
        self._labels["vault"].setText(vault.vault_id)
        self._labels["user"].setText(f"{vault.user.label} ({vault.user.role})")

    def clear(self) -> None:
        self._labels["vault"].clear()
        self._labels["user"].clear()
