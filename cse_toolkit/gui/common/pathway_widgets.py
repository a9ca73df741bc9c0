"""Small pieces shared by the process (pathway) and screening views.

* ``EmergencyBanner``: the full-width "Call 999 now" instruction. White on dark red (contrast
  above 10:1) and the words carry the meaning, so it reads the same without colour.
* ``InlineMessage``: a problem shown where the user is working (never a blocking dialog), in
  dark red text with a "Problem:" prefix so it does not rely on colour either.
* Contacts from the organisation policy as plain lines ("Family Front Door: 01234 000000, ...").
* Date texts for due dates ("12 Nov 2026") in the laptop's local time.
* ``case_tool`` / ``case_pathway_id``: which tool and pathway a child's case uses.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from cse_toolkit.core.catalogue import load_tool
from cse_toolkit.core.contacts import NOT_RECORDED, ContactLine
from cse_toolkit.core.contacts import contact_lines as core_contact_lines
from cse_toolkit.core.tools import Tool
from cse_toolkit.core.uk_time import uk_local
from cse_toolkit.errors import UserError
from cse_toolkit.policy import Policy

if TYPE_CHECKING:
    from cse_toolkit.core.entities import Child
    from cse_toolkit.vault.vault import Vault

CONTACT_TITLES = {
    "dsl": "Designated safeguarding lead",
    "cse_team": "CSE team",
    "front_door": "Family Front Door (Children's Social Care)",
    "out_of_hours": "Emergency Duty Team (Children's Social Care out of hours)",
    "early_help": "Early Help Hub",
    "police_intelligence": "Police intelligence",
    "emergency": "Emergency",
}

# Colours chosen for contrast on their own background, whatever the desktop theme: each text
# colour is set together with its background.
DANGER_BG = "#7a0000"
DANGER_FG = "#ffffff"
PROBLEM_FG = "#8b0000"
PROBLEM_BG = "#fff1f0"


def _tr(text: str) -> str:
    return QCoreApplication.translate("pathway", text)


def policy(vault: Vault | None) -> Policy:
    """The organisation policy in force: loaded and validated once when the app started and
    carried by the open vault (``Vault.policy``); the file is never read again. Views ask only
    while their vault is open (a locked app has no views)."""
    if vault is None:
        raise RuntimeError("the policy is carried by the open vault; none is open")
    return vault.policy


def case_pathway_id(vault: Vault, child_id: str) -> str:
    """The pathway the child's case follows: the one it started with (``repos``)."""
    return vault.repos.case_pathway_id(child_id)


def case_tool(vault: Vault, child: Child | None = None) -> Tool:
    """The tool a child's case uses: the one of their confirmed level, else the policy's."""
    tool_id = getattr(child, "level_tool", None) or policy(vault).default_tool
    try:
        return load_tool(tool_id)
    except UserError:  # the child's tool is no longer installed: use the policy's
        return load_tool(policy(vault).default_tool)


def day_text(value: datetime | date) -> str:
    """'12 Nov 2026' in local time (a due date is read as a day)."""
    if isinstance(value, datetime):
        value = value.astimezone().date()
    return f"{value.day} {value.strftime('%b %Y')}"


def moment_text(value: datetime) -> str:
    """'12 Nov 2026 14:30' in local time."""
    local = value.astimezone()
    return f"{day_text(local)} {local.strftime('%H:%M')}"


def _when(at: datetime, now_local: datetime) -> str:
    clock = at.strftime("%H:%M")
    if at.date() == now_local.date():
        return clock
    if at.date() == now_local.date() + timedelta(days=1):
        return _tr("tomorrow {time}").format(time=clock)
    return _tr("{day} {time}").format(day=_tr(at.strftime("%A")), time=clock)


def _note(line: ContactLine, moment: datetime) -> str:
    """The hours note in the user's language (core's notes are English)."""
    status, local = line.status, uk_local(moment)
    if status.state == "open" and status.until is not None:
        return _tr("Open now until {time}").format(time=_when(status.until, local))
    if status.state == "closed":
        if status.opens is None:
            return _tr("Closed now")
        return _tr("Closed now: opens {when}").format(when=_when(status.opens, local))
    return _tr(line.note) if line.note else ""  # one of core.contacts' fixed notes


def contact_lines(pol: Policy, keys: Iterable[str], moment: datetime) -> list[tuple[str, str]]:
    """(title, text) for each contact key, in order, at ``moment`` (the clock's now): the
    front door with the out-of-hours service, the one to ring now first
    (``core.contacts.contact_lines``). A contact missing from the policy reads "Not recorded"."""
    out: list[tuple[str, str]] = []
    for line in core_contact_lines(pol.contacts, keys, moment):
        title = _tr(CONTACT_TITLES.get(line.key, line.title))
        if line.now:
            title = _tr("Ring now: {title}").format(title=title)
        text = line.text if line.recorded else _tr(NOT_RECORDED)
        note = _note(line, moment)
        out.append((title, _tr("{text} ({note})").format(text=text, note=note) if note else text))
    return out


def ring_now_text(pol: Policy, moment: datetime) -> str:
    """The children's social care number to ring now, short: the front door while it is open,
    the Emergency Duty Team while it is closed (with when the front door opens), both when the
    front door's hours are not recorded."""
    lines = core_contact_lines(pol.contacts, ["front_door"], moment)
    now = [line for line in lines if line.now]
    if not now:
        return " · ".join(
            f"{title}: {text}" for title, text in contact_lines(pol, ["front_door"], moment)
        )
    line = now[0]
    title = _tr(CONTACT_TITLES.get(line.key, line.title))
    text = line.text if line.recorded else _tr(NOT_RECORDED)
    if line.key == "front_door":
        return _tr("ring {title}: {text} ({note})").format(
            title=title, text=text, note=_note(line, moment)
        )
    door = next(x for x in lines if x.key == "front_door")
    return _tr("ring {title}: {text} (the Family Front Door is closed; {note})").format(
        title=title, text=text, note=_note(door, moment).removeprefix(_tr("Closed now: "))
    )


def emergency_text(pol: Policy) -> str:
    contact = pol.contacts.emergency
    return f"{contact.name}: {contact.phone}" if contact.phone else contact.name


class EmergencyBanner(QFrame):
    """ "Call 999 now" across the full width, with the policy's emergency contact."""

    def __init__(self, detail: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emergencyBanner")
        self.setStyleSheet(
            f"#emergencyBanner {{ background: {DANGER_BG}; border-radius: 4px; }}"
            f"#emergencyBanner QLabel {{ color: {DANGER_FG}; background: transparent; }}"
        )
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.title = QLabel(_tr("Call 999 now"))
        font = QFont(self.title.font())
        font.setPointSizeF(font.pointSizeF() * 2.0)
        font.setBold(True)
        self.title.setFont(font)
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        detail_font = QFont(self.detail.font())
        detail_font.setPointSizeF(detail_font.pointSizeF() * 1.15)
        self.detail.setFont(detail_font)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addWidget(self.title)
        layout.addWidget(self.detail)
        self.set_detail(detail)

    def set_detail(self, text: str) -> None:
        self.detail.setText(text)
        self.detail.setVisible(bool(text))
        self.setAccessibleName(_tr("Call 999 now"))
        self.setAccessibleDescription(text)


class InlineMessage(QLabel):
    """A problem shown in place. Hidden while empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inlineMessage")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setStyleSheet(
            f"#inlineMessage {{ color: {PROBLEM_FG}; background: {PROBLEM_BG};"
            f" border: 1px solid {PROBLEM_FG}; border-radius: 3px; padding: 6px; }}"
        )
        self.setAccessibleName(_tr("Problem"))
        self.hide()

    def show_problem(self, text: str) -> None:
        self.setText(_tr("Problem: {text}").format(text=text))
        self.setAccessibleDescription(text)
        self.show()

    def clear_problem(self) -> None:
        self.clear()
        self.setAccessibleDescription("")
        self.hide()

    @property
    def problem(self) -> str:
        return self.text()


class Notice(QLabel):
    """A calm, bordered information line (e.g. "Saved. Next: ...")."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notice")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setStyleSheet(
            "#notice { color: #0b3d17; background: #eaf6ec; border: 1px solid #2e7d32;"
            " border-radius: 3px; padding: 6px; }"
        )
        self.setAccessibleName(_tr("Status"))
        self.hide()

    def show_text(self, text: str) -> None:
        self.setText(text)
        self.setAccessibleDescription(text)
        self.setVisible(bool(text))


def section_title(text: str, parent: QWidget | None = None) -> QLabel:
    label = QLabel(text, parent)
    font = QFont(label.font())
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.1)
    label.setFont(font)
    label.setWordWrap(True)
    label.setAccessibleName(text)
    return label


def wrap_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label
