"""The export wizard's pages, as widgets: recipient, sharing decision, referral details,
preview, saving, password and refusal; and reading back what the person put in them.

A thin view: which page comes next and what stops it is ``core.export_flow``; the sharing rule
is ``core.sharing``. ``ExportPages`` is the part of ``ExportDialog`` that builds and reads the
pages (the dialog inherits it; at run time it is a plain mixin, so it is not a dialog itself).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QFont, QFontDatabase
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
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.core.sharing import GROUNDS, SharingAnswers
from cse_toolkit.gui.exchange.export_preview import PagePreview
from cse_toolkit.packs import schema as ps
from cse_toolkit.services import exchange

if TYPE_CHECKING:
    _DialogBase = QDialog
else:
    _DialogBase = object


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


def _ground_text(key: str) -> str:
    text = GROUNDS[key]
    return text[0].upper() + text[1:]


class ExportPages(_DialogBase):
    """Builds the pages and reads them back; the dialog supplies kind, policy and handlers."""

    _kind: str
    _policy: Any
    # Made by the dialog (ExportDialog.__init__) from the builders below.
    recipient_page: QWidget
    sharing_page: QWidget
    details_page: QWidget
    preview_page: QWidget
    password_page: QWidget
    refused_page: QWidget
    cancel_button: QPushButton

    if TYPE_CHECKING:  # the dialog's handlers the pages connect to

        def _page_changed(self, number: int, total: int) -> None: ...
        def copy_password(self) -> None: ...
        def _noted(self) -> None: ...

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
            label_item = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            field_item = form.itemAt(row, QFormLayout.ItemRole.FieldRole)
            label = label_item.widget() if label_item is not None else None
            field = field_item.widget() if field_item is not None else None
            if isinstance(label, QLabel) and field is not None:
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
        for number, key in enumerate(GROUNDS, start=1):
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
        # Issue 18: an incident about several children; only what the recipient needs.
        self.name_others_check = QCheckBox(
            self.tr("Name the other children of an incident (otherwise only how many)")
        )
        self.name_others_check.setAccessibleName(self.tr("Name the other children of an incident"))
        layout.addWidget(self.name_others_check)
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

    def _focus_first(self, page: QWidget | None) -> None:
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
        target = targets.get(page) if page is not None else None
        if target is not None:
            target.setFocus(Qt.FocusReason.OtherFocusReason)

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
            name=self.recipient_name.text().strip()[: ps.MAX_SHORT],
            route=self.recipient_route.text().strip()[: ps.MAX_SHORT],
            email=self.recipient_email.text().strip()[: ps.MAX_SHORT],
            phone=self.recipient_phone.text().strip()[: ps.MAX_SHORT],
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
            name_other_children=self.name_others_check.isChecked(),
        )
