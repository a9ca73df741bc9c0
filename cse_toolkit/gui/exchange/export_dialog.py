"""Export a pack: recipient, information-sharing decision, referral details, preview, password.

``ExportDialog(vault, kind, child_id=..., report_id=...)`` is a short wizard (DESIGN.md,
"Referral packs"; DOMAIN.md §5 and §6):

1. **Recipient**, prefilled from the organisation policy (``exchange.default_recipient``).
2. **Information-sharing decision** (the seven golden rules): was consent sought, given, by
   whom; are the parents aware (if not, why); does the child know and agree; and when sharing
   without consent, which of the four grounds applies (required) and why. An intelligence pack
   skips consent: it is not needed for an information report to the police (DOMAIN.md §4.3).
3. **Referral details** (referrals only): urgency and route, why now, basis of concern, past
   violence, actions taken, other agencies, the child's views, and whether notes go with it.
4. **Preview** of the PDF pages exactly as the recipient will see them: the pack is built,
   signed and rendered in memory on a pool thread, and the pages are drawn with pypdfium2.
   The unencrypted bytes never touch the disk.
5. **Save**: the file name comes from the dialogs seam; the pack is encrypted and written on a
   pool thread (``exchange.write_pack_file``) and then recorded in the outbox and the audit
   trail (``exchange.record_export``), a short write, on the GUI thread.
6. **Password**, shown once in large monospace text with the rule to pass it by another route,
   a Copy button that clears the clipboard after 30 s, and "I have noted the password".

Every step can be done from the keyboard: Enter moves on, Alt+B goes back, Esc cancels (except
on the password page, which only "I have noted the password" closes, so it is not lost by a
stray key). Locking the app rejects the dialog; work still running is then thrown away and a
file written meanwhile is removed, so nothing is exported without being recorded.

What was typed on the first steps is kept as an encrypted draft (``EXPORT_DRAFT_KIND``) as it
is typed (gui/common/autosave.py) and when the app locks; after unlocking the main window offers it
back (``load_draft``). Cancel drops it; so does a finished export.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QStandardPaths, Qt, Signal
from PySide6.QtGui import QCloseEvent, QFont, QFontDatabase, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.errors import UserError
from cse_toolkit.gui.common import autosave, clipboard, dialogs, workers
from cse_toolkit.gui.common.plurals import counted
from cse_toolkit.gui.common.widgets import heading_label
from cse_toolkit.gui.exchange.export_preview import PagePreview, RenderedPages, render_pages
from cse_toolkit.packs import schema as ps
from cse_toolkit.services import exchange

log = logging.getLogger(__name__)

COPY_CLEAR_MS = 30_000  # the clipboard is cleared this long after Copy (tests shorten it)
EXPORT_DRAFT_KIND = "export_form"

KIND_TITLES = {
    "referral": "Referral to Children's Social Care",
    "screening": "Completed screening for the CSE team",
    "intelligence": "Information report to the police",
}

# DOMAIN.md §5.6, in the order of the referral forms it comes from.
BASIS_OF_CONCERN = [
    "Disclosure of exploitation",
    "Going missing",
    "Incident or suspected incident",
    "Concerning relationship with an older male or female",
    "Breakdown in communication with carers",
    "Alcohol or drug use",
    "Changed behaviour",
    "Peers involved",
    "Unexplained money or items",
    "Preventative work",
]
PAST_VIOLENCE = [
    "Domestic abuse",
    "Physical violence from family",
    "Sexual abuse",
    "Violent towards others",
    "Violence from a person the child calls a boyfriend or girlfriend",
    "Peers violent",
    "Unknown",
]
URGENCY = [
    ("non_urgent", "Non-urgent: sent by the online form or referral form"),
    ("urgent", "&Urgent child protection: I phoned the front door first; this confirms it"),
    ("immediate_danger", "I&mmediate danger: the police were called on 999"),
]

YES, NO, NOT_ASKED = 1, 0, 2


def _ground_text(key: str) -> str:
    text = exchange.GROUNDS[key]
    return text[0].upper() + text[1:]


@dataclass
class SharingAnswers:
    """The sharing page as plain values (None: not answered). Checked by ``sharing_problems``."""

    consent_sought: bool | None = None
    consent_given: bool | None = None
    who_consented: str = ""
    ground: str | None = None
    parents_aware: bool | None = None
    parents_not_aware_reason: str = ""
    child_aware: bool | None = None
    child_consents: bool | None = None
    reason: str = ""

    def without_consent(self) -> bool:
        return self.consent_sought is False or self.consent_given is False

    def choice(self) -> exchange.SharingChoice:
        return exchange.SharingChoice(
            consent_sought=bool(self.consent_sought),
            consent_given=self.consent_given if self.consent_sought else None,
            who_consented=self.who_consented.strip() if self.consent_given else "",
            parents_aware=self.parents_aware,
            parents_not_aware_reason=(
                self.parents_not_aware_reason.strip() if self.parents_aware is False else ""
            ),
            child_aware=self.child_aware,
            child_consents=self.child_consents,
            ground_without_consent=self.ground if self.without_consent() else None,
            reason=self.reason.strip(),
        )


def sharing_problems(kind: str, answers: SharingAnswers) -> list[str]:
    """What is missing from the information-sharing decision, in plain words (golden rule 7)."""
    if kind == "intelligence":
        return []
    problems = []
    if answers.consent_sought is None:
        problems.append("Say whether you asked for consent to share.")
    elif answers.consent_sought and answers.consent_given is None:
        problems.append("Say whether consent was given or refused.")
    if answers.consent_given and answers.consent_sought and not answers.who_consented.strip():
        problems.append("Say who gave consent and whose information it covers.")
    if answers.without_consent():
        if not answers.ground:
            problems.append(
                "Sharing without consent needs a ground: choose the one that applies "
                "(risk of significant harm, a police investigation, unjustified delay, or "
                "serious crime)."
            )
        if not answers.reason.strip():
            problems.append("Write down why you are sharing without consent.")
    if answers.parents_aware is None:
        problems.append("Say whether the parents or carers are aware.")
    elif answers.parents_aware is False and not answers.parents_not_aware_reason.strip():
        problems.append("Say why the parents or carers are not aware.")
    if answers.child_aware is None:
        problems.append("Say whether the child knows.")
    return problems


def _radio_group(parent: QWidget, options: list[tuple[int, str]], name: str) -> QButtonGroup:
    group = QButtonGroup(parent)
    group.setExclusive(True)
    for key, text in options:
        button = QRadioButton(text)
        button.setAccessibleName(f"{name}: {text.replace('&', '')}")
        group.addButton(button, key)
    return group


def _answer(group: QButtonGroup) -> bool | None:
    checked = group.checkedId()
    if checked == YES:
        return True
    if checked == NO:
        return False
    return None


def _row(group: QButtonGroup) -> QHBoxLayout:
    row = QHBoxLayout()
    for button in group.buttons():
        row.addWidget(button)
    row.addStretch(1)
    return row


def _text_edit(name: str, lines: int = 3) -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setAccessibleName(name)
    edit.setTabChangesFocus(True)  # Tab moves on (keyboard first); the text holds no tabs
    metrics = edit.fontMetrics()
    edit.setFixedHeight(metrics.lineSpacing() * lines + 14)
    return edit


def _line_edit(name: str, text: str = "") -> QLineEdit:
    edit = QLineEdit(text)
    edit.setAccessibleName(name)
    return edit


class ExportDialog(QDialog):
    """Build, check, preview and export one pack; shows its password once."""

    preview_ready = Signal()
    exported = Signal(str)  # the outbox entry's id
    busy_changed = Signal(bool)

    def __init__(
        self,
        vault: Any,
        kind: str,
        child_id: str | None = None,
        report_id: str | None = None,
        *,
        policy: Any = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        if kind not in exchange.KINDS:
            raise ValueError(f"unknown pack kind {kind!r}")
        from cse_toolkit.policy import load_policy

        self._vault = vault
        self._kind = kind
        self._child_id = child_id
        self._report_id = report_id
        self._policy = policy or load_policy().policy
        self._pack: ps.PackModel | None = None
        self._generation = 0  # bumps to drop results of superseded background work
        self._busy = False
        self._cancel: threading.Event | None = None
        self._export_id: str | None = None
        self._closing = False

        self.setWindowTitle(self.tr("Export: {what}").format(what=self.tr(KIND_TITLES[kind])))
        self.setAccessibleName(self.windowTitle())
        self.setModal(True)
        self.resize(900, 720)

        self.step_label = heading_label("")
        self.step_label.setObjectName("exportStep")
        self.stack = QStackedWidget()
        self.recipient_page = self._build_recipient_page()
        self.sharing_page = self._build_sharing_page()
        self.details_page = self._build_details_page()
        self.preview_page = self._build_preview_page()
        self.exporting_page = self._build_exporting_page()
        self.password_page = self._build_password_page()
        self.refused_page = self._build_refused_page()
        for page in (
            self.recipient_page,
            self.sharing_page,
            self.details_page,
            self.preview_page,
            self.exporting_page,
            self.password_page,
            self.refused_page,
        ):
            self.stack.addWidget(page)
        self.steps: list[QWidget] = [self.recipient_page, self.sharing_page]
        if kind == "referral":
            self.steps.append(self.details_page)
        self.steps.append(self.preview_page)

        self.back_button = QPushButton(self.tr("&Back"))
        self.back_button.setAutoDefault(False)
        self.back_button.clicked.connect(self.go_back)
        self.next_button = QPushButton(self.tr("&Next"))
        self.next_button.setDefault(True)
        self.next_button.clicked.connect(self.go_next)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        self.buttons = QWidget()
        row = QHBoxLayout(self.buttons)
        row.setContentsMargins(0, 0, 0, 0)
        row.addStretch(1)
        row.addWidget(self.cancel_button)
        row.addWidget(self.back_button)
        row.addWidget(self.next_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.step_label)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.buttons)

        self.draft_id: str | None = None
        self._draft_timer = autosave.DraftTimer(self._autosave, self)
        for page in (self.recipient_page, self.sharing_page, self.details_page):
            autosave.watch(page, self._draft_timer.touch)

        refusal = self._refusal()
        if refusal:
            self.refused_label.setText(refusal)
            self._show(self.refused_page)
        else:
            self._show(self.recipient_page)

    # ==========================================================================================
    # Pages
    # ==========================================================================================
    def _build_recipient_page(self) -> QWidget:
        page = QWidget()
        recipient = exchange.default_recipient(self._kind, self._policy)  # type: ignore[arg-type]
        intro = QLabel(
            self.tr(
                "Each pack is for one recipient and holds only what they need. The details "
                "below come from your organisation's policy; change them if this pack goes "
                "somewhere else."
            )
        )
        intro.setWordWrap(True)
        self.recipient_name = _line_edit(self.tr("Recipient"), recipient.name)
        self.recipient_route = _line_edit(self.tr("How it is sent"), recipient.route)
        self.recipient_email = _line_edit(self.tr("Secure email"), recipient.email)
        self.recipient_phone = _line_edit(self.tr("Phone"), recipient.phone)
        self.recipient_address = _text_edit(self.tr("Address"), 2)
        self.recipient_address.setPlainText(recipient.address)
        form = QFormLayout()
        form.addRow(self.tr("&Recipient:"), self.recipient_name)
        form.addRow(self.tr("&How it is sent:"), self.recipient_route)
        form.addRow(self.tr("Secure &email:"), self.recipient_email)
        form.addRow(self.tr("&Phone:"), self.recipient_phone)
        form.addRow(self.tr("&Address:"), self.recipient_address)
        for row in range(form.rowCount()):
            label = form.itemAt(row, QFormLayout.ItemRole.LabelRole).widget()
            field = form.itemAt(row, QFormLayout.ItemRole.FieldRole).widget()
            if isinstance(label, QLabel):
                label.setBuddy(field)
        layout = QVBoxLayout(page)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addStretch(1)
        return page

    def _build_sharing_page(self) -> QWidget:
        page = QWidget()
        outer = QVBoxLayout(page)
        outer.setContentsMargins(0, 0, 0, 0)
        if self._kind == "intelligence":
            note = QLabel(
                self.tr(
                    "Consent is not needed for an information report to the police, and asking "
                    "the people named in it could undermine what the police do next. The police "
                    "remove details that would identify the source before the information is "
                    "used.\n\nIt is still your decision to share: write down why you are "
                    "passing this on (golden rule 7)."
                )
            )
            note.setWordWrap(True)
            note.setObjectName("intelligenceConsentNote")
            self.reason_edit = _text_edit(self.tr("Why you are sharing this"), 4)
            label = QLabel(self.tr("&Why you are passing this on now (optional):"))
            label.setBuddy(self.reason_edit)
            outer.addWidget(note)
            outer.addWidget(label)
            outer.addWidget(self.reason_edit)
            outer.addStretch(1)
            return page

        what = self.tr("this referral") if self._kind == "referral" else self.tr("this sharing")
        intro = QLabel(
            self.tr(
                "Record the information-sharing decision. Share with consent where you can; you "
                "may share without it when one of the grounds below applies. It goes into the "
                "pack and the audit trail."
            )
        )
        intro.setWordWrap(True)

        consent_box = QGroupBox(self.tr("Consent"))
        self.sought_group = _radio_group(
            page,
            [(YES, self.tr("Consent was &sought")), (NO, self.tr("Consent was n&ot sought"))],
            self.tr("Consent sought"),
        )
        self.given_group = _radio_group(
            page,
            [(YES, self.tr("Consent was &given")), (NO, self.tr("Consent was re&fused"))],
            self.tr("Consent given"),
        )
        self.who_consented = _line_edit(self.tr("Who gave consent, and whose information"))
        self.who_consented.setPlaceholderText(
            self.tr("e.g. mother (Jo Smith), for her and the child's information")
        )
        form = QFormLayout(consent_box)
        form.addRow(self.tr("Did you ask for consent to share?"), _row(self.sought_group))
        form.addRow(self.tr("Was it given?"), _row(self.given_group))
        who_label = QLabel(self.tr("Who gave it, &whose information:"))
        who_label.setBuddy(self.who_consented)
        form.addRow(who_label, self.who_consented)

        self.ground_box = QGroupBox(self.tr("Sharing without consent: which ground applies?"))
        self.ground_box.setAccessibleName(self.ground_box.title())
        self.ground_group = QButtonGroup(page)
        ground_layout = QVBoxLayout(self.ground_box)
        self.ground_buttons: dict[str, QRadioButton] = {}
        for number, key in enumerate(exchange.GROUNDS, start=1):
            button = QRadioButton(f"&{number}  {_ground_text(key)}")
            button.setAccessibleName(self.tr("Ground: {text}").format(text=_ground_text(key)))
            button.setProperty("ground", key)
            self.ground_group.addButton(button, number)
            self.ground_buttons[key] = button
            ground_layout.addWidget(button)

        aware_box = QGroupBox(self.tr("Who knows"))
        self.parents_group = _radio_group(
            page, [(YES, self.tr("Yes")), (NO, self.tr("No"))], self.tr("Parents aware")
        )
        self.parents_reason = _line_edit(self.tr("Why the parents are not aware"))
        self.parents_reason.setPlaceholderText(
            self.tr("e.g. telling them may alert the adults involved")
        )
        self.child_aware_group = _radio_group(
            page, [(YES, self.tr("Yes")), (NO, self.tr("No"))], self.tr("Child knows")
        )
        self.child_consents_group = _radio_group(
            page,
            [(YES, self.tr("Yes")), (NO, self.tr("No")), (NOT_ASKED, self.tr("Not asked"))],
            self.tr("Child agrees"),
        )
        aware = QFormLayout(aware_box)
        aware.addRow(
            self.tr("Are the parents or carers aware of {what}?").format(what=what),
            _row(self.parents_group),
        )
        parents_label = QLabel(self.tr("If not, wh&y not:"))
        parents_label.setBuddy(self.parents_reason)
        aware.addRow(parents_label, self.parents_reason)
        aware.addRow(self.tr("Does the child know?"), _row(self.child_aware_group))
        aware.addRow(
            self.tr("Does the child agree to it being shared?"), _row(self.child_consents_group)
        )

        self.reason_edit = _text_edit(self.tr("Reason for the decision"), 3)
        reason_label = QLabel(
            self.tr("Reason for the &decision (required when sharing without consent):")
        )
        reason_label.setBuddy(self.reason_edit)

        for group in (self.sought_group, self.given_group, self.parents_group):
            group.idToggled.connect(lambda _id, _on: self._update_sharing())

        inner = QWidget()
        layout = QVBoxLayout(inner)
        layout.addWidget(intro)
        layout.addWidget(consent_box)
        layout.addWidget(self.ground_box)
        layout.addWidget(aware_box)
        layout.addWidget(reason_label)
        layout.addWidget(self.reason_edit)
        layout.addStretch(1)
        outer.addWidget(self._scroll(inner))
        self._update_sharing()
        return page

    def _update_sharing(self) -> None:
        sought = _answer(self.sought_group)
        for button in self.given_group.buttons():
            button.setEnabled(sought is True)
        given = _answer(self.given_group) if sought else None
        self.who_consented.setEnabled(given is True)
        without = sought is False or (sought is True and given is False)
        self.ground_box.setEnabled(without)
        self.parents_reason.setEnabled(_answer(self.parents_group) is False)

    def _build_details_page(self) -> QWidget:
        page = QWidget()
        outer = QVBoxLayout(page)
        outer.setContentsMargins(0, 0, 0, 0)
        inner = QWidget()
        layout = QVBoxLayout(inner)

        urgency_box = QGroupBox(self.tr("Urgency and route"))
        self.urgency_group = QButtonGroup(page)
        urgency_layout = QVBoxLayout(urgency_box)
        self.urgency_buttons: dict[str, QRadioButton] = {}
        for number, (key, text) in enumerate(URGENCY):
            button = QRadioButton(self.tr(text))
            button.setAccessibleName(self.tr("Urgency: {t}").format(t=text.replace("&", "")))
            self.urgency_group.addButton(button, number)
            self.urgency_buttons[key] = button
            urgency_layout.addWidget(button)
        self.urgency_buttons["non_urgent"].setChecked(True)
        self.route_edit = _line_edit(self.tr("Route and phone call"))
        self.route_edit.setPlaceholderText(
            self.tr("e.g. phoned the Family Front Door at 14:05, spoke to the duty social worker")
        )
        route_label = QLabel(self.tr("Route or phone &call:"))
        route_label.setBuddy(self.route_edit)
        urgency_layout.addWidget(route_label)
        urgency_layout.addWidget(self.route_edit)
        layout.addWidget(urgency_box)

        self.why_now_edit = _text_edit(self.tr("Why this referral is made now"), 4)
        why_label = QLabel(
            self.tr("&Why you are referring now (what happened, the risk, dates, sources):")
        )
        why_label.setBuddy(self.why_now_edit)
        layout.addWidget(why_label)
        layout.addWidget(self.why_now_edit)

        basis_box = QGroupBox(self.tr("Basis of concern (tick all that apply)"))
        basis_grid = QGridLayout(basis_box)
        self.basis_checks: list[QCheckBox] = []
        for i, text in enumerate(BASIS_OF_CONCERN):
            check = QCheckBox(self.tr(text))
            check.setAccessibleName(self.tr("Basis of concern: {t}").format(t=text))
            self.basis_checks.append(check)
            basis_grid.addWidget(check, i // 2, i % 2)
        self.basis_other = _line_edit(self.tr("Other basis of concern"))
        self.basis_other.setPlaceholderText(self.tr("Other (say what)"))
        basis_grid.addWidget(self.basis_other, len(BASIS_OF_CONCERN) // 2 + 1, 0, 1, 2)
        layout.addWidget(basis_box)

        violence_box = QGroupBox(self.tr("Past experience of violence (tick all that apply)"))
        violence_grid = QGridLayout(violence_box)
        self.violence_checks: list[QCheckBox] = []
        for i, text in enumerate(PAST_VIOLENCE):
            check = QCheckBox(self.tr(text))
            check.setAccessibleName(self.tr("Past violence: {t}").format(t=text))
            self.violence_checks.append(check)
            violence_grid.addWidget(check, i // 2, i % 2)
        layout.addWidget(violence_box)

        self.actions_edit = _text_edit(self.tr("Actions already taken"), 3)
        self.agencies_edit = _text_edit(self.tr("Other agencies involved"), 3)
        self.involvement_edit = _line_edit(self.tr("Your involvement with the child"))
        self.views_edit = _text_edit(self.tr("The child's views and wishes"), 3)
        form = QFormLayout()
        for text, widget in (
            (self.tr("&Actions already taken\n(one per line):"), self.actions_edit),
            (self.tr("&Other agencies involved\n(one per line):"), self.agencies_edit),
            (self.tr("Your &involvement with the child:"), self.involvement_edit),
            (self.tr("The child's &views and wishes:"), self.views_edit),
        ):
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, widget)
        layout.addLayout(form)

        notes_box = QGroupBox(self.tr("Chronology extract"))
        self.notes_group = QButtonGroup(page)
        notes_all = QRadioButton(self.tr("Include all of this child's notes"))
        notes_none = QRadioButton(self.tr("Include no notes"))
        notes_all.setChecked(True)
        self.notes_group.addButton(notes_all, 0)
        self.notes_group.addButton(notes_none, 1)
        notes_layout = QHBoxLayout(notes_box)
        notes_layout.addWidget(notes_all)
        notes_layout.addWidget(notes_none)
        notes_layout.addStretch(1)
        layout.addWidget(notes_box)
        layout.addStretch(1)
        outer.addWidget(self._scroll(inner))
        return page

    def _build_preview_page(self) -> QWidget:
        page = QWidget()
        self.preview_note = QLabel(
            self.tr(
                "This is exactly what the recipient will see. Nothing is saved until you choose "
                "Save and export; the file is then encrypted with a new password."
            )
        )
        self.preview_note.setWordWrap(True)
        self.preview_busy_label = QLabel(self.tr("Preparing the preview…"))
        self.preview_busy = QProgressBar()
        self.preview_busy.setRange(0, 0)  # busy: the work has no steps to count
        self.preview_busy.setAccessibleName(self.tr("Preparing the preview"))
        self.preview_busy.setTextVisible(False)
        self.preview = PagePreview()
        self.preview.page_changed.connect(self._page_changed)
        self.page_label = QLabel()
        self.page_label.setAccessibleName(self.tr("Page number"))
        self.pack_summary = QLabel()
        self.pack_summary.setWordWrap(True)
        self.pack_summary.setAccessibleName(self.tr("What the pack holds"))
        self.prev_page_button = QPushButton(self.tr("&Previous page"))
        self.prev_page_button.setAutoDefault(False)
        self.prev_page_button.clicked.connect(
            lambda: self.preview.show_page(self.preview.current_page() - 1)
        )
        self.next_page_button = QPushButton(self.tr("Ne&xt page"))
        self.next_page_button.setAutoDefault(False)
        self.next_page_button.clicked.connect(
            lambda: self.preview.show_page(self.preview.current_page() + 1)
        )
        nav = QHBoxLayout()
        nav.addWidget(self.pack_summary, 1)
        nav.addWidget(self.prev_page_button)
        nav.addWidget(self.page_label)
        nav.addWidget(self.next_page_button)
        busy = QHBoxLayout()
        busy.addWidget(self.preview_busy_label)
        busy.addWidget(self.preview_busy, 1)
        layout = QVBoxLayout(page)
        layout.addWidget(self.preview_note)
        layout.addLayout(busy)
        layout.addWidget(self.preview, 1)
        layout.addLayout(nav)
        return page

    def _build_exporting_page(self) -> QWidget:
        page = QWidget()
        self.exporting_label = QLabel(self.tr("Encrypting and saving the pack…"))
        self.exporting_label.setWordWrap(True)
        self.export_progress = QProgressBar()
        self.export_progress.setRange(0, 0)
        self.export_progress.setTextVisible(False)
        self.export_progress.setAccessibleName(self.tr("Saving the pack"))
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        layout.addWidget(self.exporting_label)
        layout.addWidget(self.export_progress)
        layout.addStretch(2)
        return page

    def _build_password_page(self) -> QWidget:
        page = QWidget()
        self.saved_label = QLabel()
        self.saved_label.setWordWrap(True)
        self.saved_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.saved_label.setAccessibleName(self.tr("Where the pack was saved"))
        caption = QLabel(self.tr("The pack's password:"))
        self.password_label = QLabel()
        self.password_label.setObjectName("packPassword")
        self.password_label.setAccessibleName(self.tr("Pack password"))
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(max(font.pointSizeF(), 10.0) * 2.0)
        font.setWeight(QFont.Weight.DemiBold)
        self.password_label.setFont(font)
        self.password_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.password_label.setFrameShape(QFrame.Shape.StyledPanel)
        self.password_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.password_label.setMinimumHeight(self.password_label.fontMetrics().height() * 2)
        rule = QLabel(
            self.tr(
                "Give this password by phone or another route, never in the same email as the "
                "file.\nIt is shown only now: it is not kept anywhere, and the file cannot be "
                "opened without it."
            )
        )
        rule.setObjectName("passwordRule")
        rule.setWordWrap(True)
        rule_font = QFont(rule.font())
        rule_font.setBold(True)
        rule.setFont(rule_font)
        self.fingerprint_label = QLabel()
        self.fingerprint_label.setWordWrap(True)
        self.fingerprint_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_button = QPushButton(self.tr("&Copy the password"))
        self.copy_button.setAutoDefault(False)
        self.copy_button.clicked.connect(self.copy_password)
        self.copied_label = QLabel()
        self.noted_button = QPushButton(self.tr("&I have noted the password"))
        self.noted_button.setDefault(True)
        self.noted_button.clicked.connect(self._noted)
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.copied_label, 1)
        buttons.addWidget(self.noted_button)
        layout = QVBoxLayout(page)
        layout.addWidget(self.saved_label)
        layout.addSpacing(12)
        layout.addWidget(caption)
        layout.addWidget(self.password_label)
        layout.addWidget(rule)
        layout.addSpacing(12)
        layout.addWidget(self.fingerprint_label)
        layout.addStretch(1)
        layout.addLayout(buttons)
        return page

    def _build_refused_page(self) -> QWidget:
        page = QWidget()
        self.refused_label = QLabel()
        self.refused_label.setWordWrap(True)
        self.refused_label.setObjectName("exportRefused")
        self.refused_label.setAccessibleName(self.tr("Why this pack cannot be exported"))
        layout = QVBoxLayout(page)
        layout.addWidget(self.refused_label)
        layout.addStretch(1)
        return page

    @staticmethod
    def _scroll(inner: QWidget) -> QScrollArea:
        area = QScrollArea()
        area.setAccessibleName(QCoreApplication.translate("ExportDialog", "Page contents"))
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setWidget(inner)
        return area

    # ==========================================================================================
    # Navigation
    # ==========================================================================================
    def _refusal(self) -> str:
        if self._kind not in self._policy.export_kinds:
            return self.tr(
                "Your organisation's policy does not allow exporting {kind} packs from this "
                "laptop. Ask your designated safeguarding lead or IT team if you need to send one."
            ).format(kind=self._kind)
        if self._vault.user.role not in ("worker", "dsl"):
            return self.tr("Only a worker or a designated safeguarding lead can export packs.")
        if self._kind != "intelligence" and not self._child_id:
            return self.tr("Open a child's record to export a {kind} pack.").format(kind=self._kind)
        return ""

    def current_page(self) -> QWidget:
        return self.stack.currentWidget()

    def _show(self, page: QWidget) -> None:
        self.stack.setCurrentWidget(page)
        in_steps = page in self.steps
        if in_steps:
            index = self.steps.index(page)
            titles = {
                self.recipient_page: self.tr("Recipient"),
                self.sharing_page: self.tr("Information-sharing decision"),
                self.details_page: self.tr("Referral details"),
                self.preview_page: self.tr("Preview"),
            }
            self.step_label.setText(
                self.tr("Step {n} of {total}: {title}").format(
                    n=index + 1, total=len(self.steps), title=titles[page]
                )
            )
            self.back_button.setEnabled(index > 0)
            last = page is self.preview_page
            self.next_button.setText(self.tr("&Save and export…") if last else self.tr("&Next"))
            self.next_button.setEnabled(not (last and self._pack is None))
        elif page is self.exporting_page:
            self.step_label.setText(self.tr("Saving the pack"))
        elif page is self.password_page:
            self.step_label.setText(self.tr("Exported: note the password"))
        elif page is self.refused_page:
            self.step_label.setText(self.tr("This pack cannot be exported"))
        self.buttons.setVisible(in_steps or page is self.refused_page)
        self.back_button.setVisible(in_steps)
        self.next_button.setVisible(in_steps)
        self.cancel_button.setText(
            self.tr("Close") if page is self.refused_page else self.tr("Cancel")
        )
        self._focus_first(page)

    def _focus_first(self, page: QWidget) -> None:
        targets: dict[QWidget, QWidget] = {
            self.recipient_page: self.recipient_name,
            self.preview_page: self.preview,
            self.password_page: self.noted_button,
            self.refused_page: self.cancel_button,
        }
        if self._kind == "intelligence":
            targets[self.sharing_page] = self.reason_edit
        else:
            targets[self.sharing_page] = self.sought_group.buttons()[0]
            targets[self.details_page] = self.urgency_group.checkedButton() or self.route_edit
        target = targets.get(page)
        if target is not None:
            target.setFocus(Qt.FocusReason.OtherFocusReason)

    def go_next(self) -> None:
        page = self.current_page()
        if page not in self.steps or self._busy:
            return
        if page is self.recipient_page and not self.recipient_name.text().strip():
            dialogs.warning(self, self.tr("Recipient needed"), self.tr("Say who the pack is for."))
            self.recipient_name.setFocus()
            return
        if page is self.sharing_page:
            problems = sharing_problems(self._kind, self.sharing_answers())
            if problems:
                dialogs.warning(
                    self, self.tr("The sharing decision is not complete"), "\n".join(problems)
                )
                self._focus_problem()
                return
        if page is self.details_page and not self.why_now_edit.toPlainText().strip():
            dialogs.warning(
                self,
                self.tr("Say why you are referring now"),
                self.tr("Write what has happened and why you are referring now."),
            )
            self.why_now_edit.setFocus()
            return
        if page is self.preview_page:
            self.save_and_export()
            return
        following = self.steps[self.steps.index(page) + 1]
        self._show(following)
        if following is self.preview_page:
            self._start_preview()

    def go_back(self) -> None:
        page = self.current_page()
        if page not in self.steps or self._busy and page is not self.preview_page:
            return
        index = self.steps.index(page)
        if index == 0:
            return
        if page is self.preview_page:
            self._drop_preview()
        self._show(self.steps[index - 1])

    def _focus_problem(self) -> None:
        answers = self.sharing_answers()
        if answers.consent_sought is None:
            self.sought_group.buttons()[0].setFocus()
        elif answers.without_consent() and not answers.ground:
            self.ground_group.buttons()[0].setFocus()
        elif answers.parents_aware is None:
            self.parents_group.buttons()[0].setFocus()
        else:
            self.reason_edit.setFocus()

    # ==========================================================================================
    # What the person decided
    # ==========================================================================================
    def sharing_answers(self) -> SharingAnswers:
        if self._kind == "intelligence":
            return SharingAnswers(reason=self.reason_edit.toPlainText())
        checked: QAbstractButton | None = self.ground_group.checkedButton()
        consents = self.child_consents_group.checkedId()
        return SharingAnswers(
            consent_sought=_answer(self.sought_group),
            consent_given=_answer(self.given_group),
            who_consented=self.who_consented.text(),
            ground=str(checked.property("ground")) if checked is not None else None,
            parents_aware=_answer(self.parents_group),
            parents_not_aware_reason=self.parents_reason.text(),
            child_aware=_answer(self.child_aware_group),
            child_consents={YES: True, NO: False}.get(consents),
            reason=self.reason_edit.toPlainText(),
        )

    def recipient(self) -> ps.Recipient:
        return ps.Recipient(
            name=self.recipient_name.text().strip()[:500],
            route=self.recipient_route.text().strip()[:500],
            email=self.recipient_email.text().strip()[:500],
            phone=self.recipient_phone.text().strip()[:500],
            address=self.recipient_address.toPlainText().strip(),
        )

    def referral_details(self) -> exchange.ReferralDetails:
        urgency = next(
            (key for key, button in self.urgency_buttons.items() if button.isChecked()),
            "non_urgent",
        )
        basis = [c.text().replace("&", "") for c in self.basis_checks if c.isChecked()]
        if self.basis_other.text().strip():
            basis.append("Other: " + self.basis_other.text().strip())

        def lines(edit: QPlainTextEdit) -> list[str]:
            return [line.strip() for line in edit.toPlainText().splitlines() if line.strip()]

        return exchange.ReferralDetails(
            urgency=urgency,  # type: ignore[arg-type]
            route=self.route_edit.text().strip(),
            reason=self.why_now_edit.toPlainText().strip(),
            referrer_involvement=self.involvement_edit.text().strip(),
            basis_of_concern=basis,
            past_violence=[
                c.text().replace("&", "") for c in self.violence_checks if c.isChecked()
            ],
            actions_taken=lines(self.actions_edit),
            other_agencies=lines(self.agencies_edit),
            child_views=self.views_edit.toPlainText().strip(),
            include_notes="all" if self.notes_group.checkedId() == 0 else "none",
        )

    # ==========================================================================================
    # Preview (pool thread: build, sign, render, rasterise; nothing written anywhere)
    # ==========================================================================================
    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.busy_changed.emit(busy)

    def _start_preview(self) -> None:
        self._drop_preview()
        self._generation += 1
        generation = self._generation
        vault, kind, policy = self._vault, self._kind, self._policy
        child_id, report_id = self._child_id, self._report_id
        sharing = self.sharing_answers().choice()
        details = self.referral_details() if kind == "referral" else None
        recipient = self.recipient()

        def job() -> tuple[ps.PackModel, RenderedPages]:
            from cse_toolkit.packs.pdfpack import sign_pack
            from cse_toolkit.packs.render import render_pdf

            pack = exchange.build_pack(
                vault,
                kind,
                child_id=child_id,
                report_id=report_id,
                sharing=sharing,
                details=details,
                recipient=recipient,
                policy=policy,
            )
            # Signed now so the preview's footer shows the very signature the file will carry
            # (Ed25519 is deterministic, and export signs the same pack again).
            pack = sign_pack(pack, vault.signing_key())
            return pack, render_pages(render_pdf(pack))

        self.preview_busy.show()
        self.preview_busy_label.setText(self.tr("Preparing the preview…"))
        self.preview_busy_label.show()
        self.next_button.setEnabled(False)
        self._set_busy(True)
        workers.run_in_background(
            _without_full_gc_pauses(job),
            lambda result: self._preview_done(generation, result),
            lambda exc: self._preview_failed(generation, exc),
            parent=self,
        )

    def _preview_done(self, generation: int, result: tuple[ps.PackModel, RenderedPages]) -> None:
        if generation != self._generation:
            return
        self._set_busy(False)
        pack, pages = result
        self._pack = pack
        self.preview_busy.hide()
        self.preview_busy_label.hide()
        self.preview.set_pages(pages)
        counts = ", ".join(_count(n, t) for t, n in sorted(pack.record_counts().items()))
        self.pack_summary.setText(
            self.tr("For {recipient}. Records: {counts}.").format(
                recipient=pack.recipient.name, counts=counts
            )
        )
        if self.current_page() is self.preview_page:
            self.next_button.setEnabled(True)
            self.preview.setFocus()
        self.preview_ready.emit()

    def _preview_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._set_busy(False)
        self.preview_busy.hide()
        self.preview_busy_label.setText(self.tr("The preview could not be made."))
        if isinstance(exc, UserError):
            dialogs.error(self, self.tr("Cannot export this pack"), str(exc))
            self.go_back()
        else:
            workers_excepthook(exc)

    def _drop_preview(self) -> None:
        self._generation += 1
        self._pack = None
        self.preview.clear()
        self.page_label.clear()
        self.pack_summary.clear()
        if self._busy:
            self._set_busy(False)

    def _page_changed(self, number: int, total: int) -> None:
        self.page_label.setText(
            self.tr("Page {n} of {total}").format(n=number, total=total) if total else ""
        )
        self.prev_page_button.setEnabled(number > 1)
        self.next_page_button.setEnabled(0 < number < self.preview.page_count)

    # ==========================================================================================
    # Save and export (pool thread writes the encrypted file; GUI thread records it)
    # ==========================================================================================
    def suggested_file_name(self) -> str:
        stamp = self._vault.now().strftime("%Y-%m-%d")
        ref = ""
        try:
            if self._child_id:
                ref = self._vault.repos.get_child(self._child_id).ref
        except UserError:
            ref = ""
        name = "-".join(p for p in (self._kind, ref, stamp) if p) + ".pdf"
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        return str(Path(folder) / name) if folder else name

    def save_and_export(self) -> None:
        if self._pack is None or self._busy:
            return
        chosen = dialogs.save_file(
            self,
            self.tr("Save the encrypted pack"),
            self.tr("PDF files (*.pdf)"),
            self.suggested_file_name(),
        )
        if chosen is None:
            return
        if chosen.suffix.lower() != ".pdf":
            chosen = chosen.with_name(chosen.name + ".pdf")
        if chosen.exists():
            dialogs.error(
                self,
                self.tr("A file with that name exists"),
                self.tr("{name} already exists. Choose another name; nothing was written.").format(
                    name=chosen.name
                ),
            )
            return
        self._start_export(chosen)

    def _start_export(self, path: Path) -> None:
        pack, vault = self._pack, self._vault
        assert pack is not None
        cancel = self._cancel = threading.Event()
        self._show(self.exporting_page)
        self.exporting_label.setText(
            self.tr("Encrypting and saving the pack to {path}…").format(path=path)
        )
        self._set_busy(True)

        def job() -> Any:
            return exchange.write_pack_file(vault, pack, path)

        def done(result: Any) -> None:
            if cancel.is_set() or not shiboken6.isValid(self):
                _discard(result.path)  # never recorded, password never shown: remove it
                return
            self._export_written(pack, result)

        def failed(exc: BaseException) -> None:
            if cancel.is_set() or not shiboken6.isValid(self):
                return  # nothing was written (write_pack_file cleans up after itself)
            self._export_failed(exc)

        # parent=None: the result must arrive even if the dialog is gone, to clean up.
        workers.run_in_background(_without_full_gc_pauses(job), done, failed, parent=None)

    def _export_written(self, pack: ps.PackModel, result: Any) -> None:
        self._set_busy(False)
        try:
            done = exchange.record_export(self._vault, pack, result)
        except BaseException as exc:
            _discard(result.path)
            self._show(self.preview_page)
            if isinstance(exc, UserError):
                dialogs.error(
                    self,
                    self.tr("The pack was not exported"),
                    self.tr(
                        "The export could not be recorded in the outbox, so the file was "
                        "removed. Nothing was sent.\n\n"
                    )
                    + str(exc),
                )
                return
            raise
        self._export_id = done.export_id
        self._drop_draft()
        self._pack = None
        self.preview.clear()
        self.saved_label.setText(
            self.tr(
                "The encrypted pack is saved as {path} ({size} KB). It is in your outbox: "
                "mark it sent when you have sent it."
            ).format(path=result.path, size=max(1, result.size // 1024))
        )
        self.fingerprint_label.setText(
            self.tr(
                "Signed with your own key {fp}. The first time, the DSL who imports it will "
                "ask you to read this fingerprint out by phone (it is also printed at the foot "
                "of every page of the pack)."
            ).format(fp=result.signer_fingerprint)
        )
        self.password_label.setText(result.password)
        self._show(self.password_page)
        self.exported.emit(done.export_id)

    def _export_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self._show(self.preview_page)
        if isinstance(exc, UserError):
            dialogs.error(self, self.tr("The pack was not exported"), str(exc))
        else:
            workers_excepthook(exc)

    @property
    def export_id(self) -> str | None:
        return self._export_id

    # ==========================================================================================
    # The password, once
    # ==========================================================================================
    def copy_password(self) -> None:
        text = self.password_label.text()
        if not text:
            return
        clipboard.copy_sensitive(text, COPY_CLEAR_MS)
        self.copied_label.setText(
            self.tr("Copied. The clipboard is cleared in {s} seconds.").format(
                s=COPY_CLEAR_MS // 1000
            )
        )

    def _noted(self) -> None:
        self._forget()
        self.accept()

    def _forget(self) -> None:
        self.password_label.clear()
        self.copied_label.clear()
        self._pack = None
        self.preview.clear()

    # ==========================================================================================
    # Closing
    # ==========================================================================================
    # ==========================================================================================
    # Drafts (protocols.DraftEditor)
    # ==========================================================================================
    def _form_pages(self) -> list[QWidget]:
        return [p for p in (self.recipient_page, self.sharing_page, self.details_page)
                if p in self.steps]

    def draft_payload(self) -> dict[str, Any]:
        return {
            "kind": self._kind,
            "child_id": self._child_id,
            "report_id": self._report_id,
            "fields": {str(i): autosave.capture(p) for i, p in enumerate(self._form_pages())},
        }

    def _autosave(self) -> None:
        if self.current_page() in self.steps:
            self.save_draft()

    def save_draft(self) -> None:
        """Keep what was typed (encrypted); nothing once the pack is being written or done."""
        self._draft_timer.stop()
        if self._vault is None or self.current_page() not in self.steps:
            return
        try:
            self.draft_id = self._vault.repos.save_draft(
                EXPORT_DRAFT_KIND, self._child_id or self._report_id, self.draft_payload(),
                self.draft_id,
            )
        except UserError as exc:
            log.warning("export draft not saved: %s", type(exc).__name__)

    def load_draft(self, draft: Any) -> None:
        """Fill the steps from a draft written by ``save_draft``."""
        fields = draft.payload.get("fields", {})
        for i, page in enumerate(self._form_pages()):
            values = fields.get(str(i))
            if isinstance(values, dict):
                autosave.restore(page, values)
        self._draft_timer.stop()
        self.draft_id = draft.id

    def _drop_draft(self) -> None:
        self._draft_timer.stop()
        if self.draft_id is not None:
            try:
                self._vault.repos.delete_draft(self.draft_id)
            except UserError:
                log.warning("export draft not deleted")
            self.draft_id = None

    def reject(self) -> None:
        """Cancel, Esc, or the app locking: drop everything, and any export still running."""
        if not dialogs.lock_in_progress():
            self._drop_draft()
        self._draft_timer.stop()
        if self._cancel is not None:
            self._cancel.set()
        self._generation += 1
        self._forget()
        self._busy = False
        super().reject()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        self._focus_first(self.current_page())

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt API)
        if event.key() == Qt.Key.Key_Escape and self.current_page() in (
            self.password_page,
            self.exporting_page,
        ):
            event.accept()  # only "I have noted the password" closes; exports are not half-done
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt API)
        if self.current_page() in (self.password_page, self.exporting_page):
            event.ignore()
            return
        super().closeEvent(event)


_gc_lock = threading.Lock()
_gc_jobs = 0


def _without_full_gc_pauses(fn: Callable[[], Any]) -> Callable[[], Any]:
    """Run ``fn`` with every object alive now moved out of the cyclic GC's reach (gc.freeze).

    Rendering a 500-note pack allocates enough to trigger full collections, and each one walked
    every object of the running app (about 150 ms) while holding the GIL: the window stood
    still although the work ran on a pool thread. Frozen, a full collection only walks what the
    job made. Everything is unfrozen afterwards so nothing is kept alive for good.
    """

    def run() -> Any:
        global _gc_jobs
        with _gc_lock:
            _gc_jobs += 1
            gc.freeze()
        try:
            return fn()
        finally:
            with _gc_lock:
                _gc_jobs -= 1
                if _gc_jobs == 0:
                    gc.unfreeze()

    return run


def _count(n: int, record_type: str) -> str:
    return counted(n, record_type, "ExportDialog")


def _discard(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        log.warning("could not remove an unrecorded pack file")


def workers_excepthook(exc: BaseException) -> None:
    """A bug: hand it to the crash handler, as the background helper does."""
    import sys

    sys.excepthook(type(exc), exc, exc.__traceback__)
