"""Import a pack a worker sent (designated safeguarding lead only).

Three steps, all from the keyboard:

1. **Choose**: the file (through the dialogs seam), its password, and optionally the key the
   pack must be signed with (from an earlier pack, or read out by the sender over the phone).
2. **Check**: the pack is verified on a pool thread (file signature before any parsing, caps,
   pack.json signature, schema; ``exchange.verify``) and its summary shown: kind, sender,
   organisation, when it was made, the signing key's fingerprint and what records it holds.
   Nothing has been imported yet.
3. **Import** on a pool thread (``exchange.import_pack``), then the report: added, updated,
   unchanged, and every conflict with the local version beside the incoming one.

(2) The first pack signed by a key this vault has not seen is imported only after the DSL has
confirmed the key's fingerprint with the sender: typed in as the sender reads it out, or compared
on both screens and ticked. The decision is kept per key. Everything the pack says (sender,
organisation, recipient, records) is shown as plain text, never as rich text.

Conflicts are never resolved here. The importer already keeps the local record and stores each
conflict with the import (``imports.conflicts``) for the DSL to decide; this dialog lists them
so the DSL can see what differs. "Take incoming" is not offered yet.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.errors import UserError
from cse_toolkit.gui.common import dialogs, workers
from cse_toolkit.gui.common.dialog_buttons import wizard_row
from cse_toolkit.gui.common.plurals import counted
from cse_toolkit.gui.common.widgets import heading_label, local_text
from cse_toolkit.services import exchange

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault

KIND_TEXT = {
    "referral": "Referral",
    "screening": "Screening",
    "intelligence": "Intelligence (information report)",
    "chronology": "Chronology",
}


def record_text(record: dict[str, Any] | None) -> str:
    """A pack record (JSON form) as readable "field: value" lines."""
    if record is None:
        return "Not in this vault."
    lines = [f"{record.get('type', '')} {record.get('id', '')}, version {record.get('version')}"]
    data = record.get("data", {})

    def walk(value: Any, label: str, depth: int) -> None:
        pad = "  " * depth
        if isinstance(value, dict):
            lines.append(f"{pad}{label}:")
            for key, inner in value.items():
                walk(inner, key.replace("_", " "), depth + 1)
        elif isinstance(value, list):
            if not value:
                return
            lines.append(f"{pad}{label}:")
            for inner in value:
                if isinstance(inner, dict | list):
                    walk(inner, "-", depth + 1)
                else:
                    lines.append(f"{pad}  - {inner}")
        elif value not in (None, ""):
            lines.append(f"{pad}{label}: {value}")

    if isinstance(data, dict):
        for key, value in data.items():
            walk(value, key.replace("_", " "), 0)
    else:
        lines.append(json.dumps(data, ensure_ascii=False))
    return "\n".join(lines)


def _count_text(counts: dict[str, int]) -> str:
    return ", ".join(counted(n, t, "import_dialog") for t, n in sorted(counts.items())) or "none"


class ImportPackDialog(QDialog):
    verified = Signal()
    imported = Signal()

    def __init__(self, vault: Vault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._vault = vault
        self._generation = 0
        self._busy = False
        self._summary: Any = None
        self.report: exchange.ImportReport | None = None
        self.setWindowTitle(self.tr("Import a pack"))
        self.setAccessibleName(self.windowTitle())
        self.resize(860, 640)

        self.step_label = heading_label("")
        self.stack = QStackedWidget()
        self.choose_page = self._build_choose_page()
        self.summary_page = self._build_summary_page()
        self.report_page = self._build_report_page()
        self.refused_page = QLabel(self.tr("Only a designated safeguarding lead can import packs."))
        self.refused_page.setWordWrap(True)
        self.refused_page.setAlignment(Qt.AlignmentFlag.AlignTop)
        for page in (self.choose_page, self.summary_page, self.report_page, self.refused_page):
            self.stack.addWidget(page)

        self.busy_label = QLabel()
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setAccessibleName(self.tr("Working"))
        busy_row = QHBoxLayout()
        busy_row.addWidget(self.busy_label)
        busy_row.addWidget(self.busy, 1)
        self.busy_label.hide()
        self.busy.hide()

        self.back_button = QPushButton(self.tr("&Back"))
        self.back_button.setAutoDefault(False)
        self.back_button.clicked.connect(self.go_back)
        self.next_button = QPushButton()
        self.next_button.setDefault(True)
        self.next_button.clicked.connect(self.go_next)
        self.close_button = QPushButton(self.tr("Cancel"))
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.reject)
        buttons = wizard_row(self.back_button, self.next_button, self.close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.step_label)
        layout.addWidget(self.stack, 1)
        layout.addLayout(busy_row)
        layout.addWidget(buttons)
        self._show(self.choose_page if vault.user.role == "dsl" else self.refused_page)

    # -- pages -------------------------------------------------------------------------------
    def _build_choose_page(self) -> QWidget:
        page = QWidget()
        intro = QLabel(
            self.tr(
                "Choose the pack file and type the password the sender gave you separately. "
                "The pack is checked before anything is imported."
            )
        )
        intro.setWordWrap(True)
        self.file_edit = QLineEdit()
        self.file_edit.setAccessibleName(self.tr("Pack file"))
        self.choose_button = QPushButton(self.tr("&Choose…"))
        self.choose_button.setAutoDefault(False)
        self.choose_button.clicked.connect(self.choose_file)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_edit, 1)
        file_row.addWidget(self.choose_button)
        self.password_edit = QLineEdit()
        self.password_edit.setAccessibleName(self.tr("Pack password"))
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.show_password = QCheckBox(self.tr("S&how"))
        self.show_password.toggled.connect(
            lambda on: self.password_edit.setEchoMode(
                QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password
            )
        )
        password_row = QHBoxLayout()
        password_row.addWidget(self.password_edit, 1)
        password_row.addWidget(self.show_password)
        self.signer_edit = QLineEdit()
        self.signer_edit.setAccessibleName(self.tr("Expected signing key"))
        self.signer_edit.setPlaceholderText(
            self.tr("Optional: the sender's key fingerprint, to refuse any other signer")
        )
        form = QFormLayout()
        file_label = QLabel(self.tr("Pack &file:"))
        file_label.setBuddy(self.file_edit)
        password_label = QLabel(self.tr("&Password:"))
        password_label.setBuddy(self.password_edit)
        signer_label = QLabel(self.tr("Expected &signer:"))
        signer_label.setBuddy(self.signer_edit)
        form.addRow(file_label, file_row)
        form.addRow(password_label, password_row)
        form.addRow(signer_label, self.signer_edit)
        layout = QVBoxLayout(page)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addStretch(1)
        return page

    def _build_summary_page(self) -> QWidget:
        page = QWidget()
        self.summary_ok = QLabel(
            self.tr(
                "The pack is intact and correctly signed. Check the signing key's fingerprint "
                "with the sender by phone the first time you import from them. Nothing has "
                "been imported yet."
            )
        )
        self.summary_ok.setWordWrap(True)
        self.summary_fields: dict[str, QLabel] = {}
        form = QFormLayout()
        for key, label in (
            ("kind", self.tr("Kind")),
            ("sender", self.tr("From")),
            ("organisation", self.tr("Organisation")),
            ("recipient", self.tr("For")),
            ("created", self.tr("Made")),
            ("signer", self.tr("Signing key fingerprint")),
            ("audit", self.tr("Sender's audit chain head")),
            ("records", self.tr("Records")),
        ):
            value = QLabel()
            value.setTextFormat(Qt.TextFormat.PlainText)  # the pack's words, never markup
            value.setWordWrap(True)
            value.setTextInteractionFlags(
                Qt.TextInteractionFlag.TextSelectableByMouse
                | Qt.TextInteractionFlag.TextSelectableByKeyboard
            )
            value.setAccessibleName(label)
            self.summary_fields[key] = value
            form.addRow(label + ":", value)
        self.trust_box = QWidget()
        self.trust_note = QLabel(
            self.tr(
                "This is the first pack signed with this key. Phone the sender on a number you "
                "already know and ask them to read out the key fingerprint their app showed "
                "when they exported it (it is also at the foot of each page of the pack). Type "
                "it here, or compare it and tick the box. Nothing is imported until you "
                "confirm it."
            )
        )
        self.trust_note.setWordWrap(True)
        self.fingerprint_edit = QLineEdit()
        self.fingerprint_edit.setAccessibleName(self.tr("Fingerprint the sender read out"))
        self.fingerprint_edit.setPlaceholderText(self.tr("e.g. 1a2b 3c4d 5e6f 7a8b"))
        fingerprint_label = QLabel(self.tr("Fingerprint they read &out:"))
        fingerprint_label.setBuddy(self.fingerprint_edit)
        self.compared_box = QCheckBox(
            self.tr("I &compared the fingerprint with the sender and it is the same")
        )
        trust_form = QFormLayout()
        trust_form.addRow(fingerprint_label, self.fingerprint_edit)
        trust_layout = QVBoxLayout(self.trust_box)
        trust_layout.setContentsMargins(0, 8, 0, 0)
        trust_layout.addWidget(self.trust_note)
        trust_layout.addLayout(trust_form)
        trust_layout.addWidget(self.compared_box)
        self.trust_box.setVisible(False)
        layout = QVBoxLayout(page)
        layout.addWidget(self.summary_ok)
        layout.addLayout(form)
        layout.addWidget(self.trust_box)
        layout.addStretch(1)
        return page

    def _build_report_page(self) -> QWidget:
        page = QWidget()
        self.report_label = QLabel()
        self.report_label.setTextFormat(Qt.TextFormat.PlainText)
        self.report_label.setWordWrap(True)
        self.report_label.setAccessibleName(self.tr("Import report"))
        self.report_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.conflicts_note = QLabel(
            self.tr(
                "Conflicts: these records differ from the ones here, which were kept as they "
                "are. Nothing was overwritten. Each conflict is kept with this import for you "
                "to decide; compare the two versions below."
            )
        )
        self.conflicts_note.setWordWrap(True)
        self.conflict_list = QListWidget()
        self.conflict_list.setAccessibleName(self.tr("Conflicts"))
        self.conflict_list.currentRowChanged.connect(self._show_conflict)
        self.local_text = QPlainTextEdit()
        self.local_text.setReadOnly(True)
        self.local_text.setAccessibleName(self.tr("The version here"))
        self.incoming_text = QPlainTextEdit()
        self.incoming_text.setReadOnly(True)
        self.incoming_text.setAccessibleName(self.tr("The version in the pack"))
        self.local_caption = QLabel(self.tr("Here"))
        self.incoming_caption = QLabel(self.tr("In the pack"))
        for label in (self.local_caption, self.incoming_caption):
            label.setTextFormat(Qt.TextFormat.PlainText)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.local_caption)
        left_layout.addWidget(self.local_text)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.incoming_caption)
        right_layout.addWidget(self.incoming_text)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        self.conflicts_box = QWidget()
        box_layout = QVBoxLayout(self.conflicts_box)
        box_layout.setContentsMargins(0, 0, 0, 0)
        box_layout.addWidget(self.conflicts_note)
        box_layout.addWidget(self.conflict_list)
        box_layout.addWidget(split, 2)
        layout = QVBoxLayout(page)
        layout.addWidget(self.report_label)
        layout.addWidget(self.conflicts_box, 1)
        return page

    # -- navigation ------------------------------------------------------------------------
    def current_page(self) -> QWidget | None:
        return self.stack.currentWidget()

    def _show(self, page: QWidget) -> None:
        self.stack.setCurrentWidget(page)
        self.back_button.setVisible(page is self.summary_page)
        self.next_button.setVisible(page in (self.choose_page, self.summary_page))
        if page is self.choose_page:
            self.step_label.setText(self.tr("Step 1 of 3: Choose the pack"))
            self.next_button.setText(self.tr("Chec&k the pack"))
            self.close_button.setText(self.tr("Cancel"))
            (self.file_edit if not self.file_edit.text() else self.password_edit).setFocus()
        elif page is self.summary_page:
            self.step_label.setText(self.tr("Step 2 of 3: What the pack holds"))
            self.next_button.setText(self.tr("&Import"))
            self.next_button.setFocus()
        elif page is self.report_page:
            self.step_label.setText(self.tr("Step 3 of 3: Imported"))
            self.close_button.setText(self.tr("&Close"))
            self.close_button.setDefault(True)
            self.close_button.setFocus()
        else:
            self.step_label.setText(self.tr("Import a pack"))
            self.close_button.setText(self.tr("&Close"))

    def go_next(self) -> None:
        if self._busy:
            return
        if self.current_page() is self.choose_page:
            self.check_pack()
        elif self.current_page() is self.summary_page:
            self.import_now()

    def go_back(self) -> None:
        if not self._busy and self.current_page() is self.summary_page:
            self._summary = None
            self._show(self.choose_page)

    def choose_file(self) -> None:
        chosen = dialogs.open_file(
            self, self.tr("Choose a pack"), self.tr("Packs (*.pdf);;All files (*)")
        )
        if chosen is not None:
            self.file_edit.setText(str(chosen))
            self.password_edit.setFocus()

    def _inputs(self) -> tuple[Path, str, str | None] | None:
        name = self.file_edit.text().strip()
        password = self.password_edit.text().strip()
        if not name:
            dialogs.warning(self, self.tr("Choose a pack"), self.tr("Choose the pack file."))
            self.choose_button.setFocus()
            return None
        if not password:
            dialogs.warning(
                self,
                self.tr("Password needed"),
                self.tr("Type the password the sender gave you (by phone or another route)."),
            )
            self.password_edit.setFocus()
            return None
        signer = self.signer_edit.text().strip() or None
        return Path(name), password, signer

    def _set_busy(self, text: str | None) -> None:
        self._busy = text is not None
        self.busy_label.setText(text or "")
        self.busy_label.setVisible(text is not None)
        self.busy.setVisible(text is not None)
        self.next_button.setEnabled(text is None)
        self.back_button.setEnabled(text is None)

    # -- check -----------------------------------------------------------------------------
    def check_pack(self) -> None:
        inputs = self._inputs()
        if inputs is None:
            return
        path, password, signer = inputs
        self._generation += 1
        generation = self._generation
        self._set_busy(self.tr("Checking the pack…"))
        workers.run_in_background(
            lambda: exchange.verify(path, password, signer),
            lambda verified: self._checked(generation, verified),
            lambda exc: self._failed(generation, self.tr("This pack cannot be used"), exc),
            parent=self,
        )

    def _checked(self, generation: int, verified: Any) -> None:
        if generation != self._generation:
            return
        self._set_busy(None)
        summary = verified.summary
        self._summary = summary
        # One indexed read: has a DSL of this vault confirmed this key before?
        self._trusted = exchange.is_trusted(self._vault, verified.signer_public_key)
        self.trust_box.setVisible(not self._trusted)
        self.summary_ok.setText(
            self.tr(
                "The pack is intact and signed with a key this vault has confirmed before. "
                "Nothing has been imported yet."
            )
            if self._trusted
            else self.tr(
                "The pack is intact and correctly signed, by a key this vault has not seen "
                "before. Nothing has been imported yet."
            )
        )
        self.fingerprint_edit.clear()
        self.compared_box.setChecked(False)
        fields = self.summary_fields
        fields["kind"].setText(self.tr(KIND_TEXT.get(summary.kind, summary.kind)))
        fields["sender"].setText(summary.sender)
        fields["organisation"].setText(summary.organisation)
        fields["recipient"].setText(summary.recipient)
        fields["created"].setText(local_text(summary.created_at))
        fields["signer"].setText(summary.signer_fingerprint)
        fields["audit"].setText(f"{summary.audit_seq}:{summary.audit_hash[:16]}")
        fields["records"].setText(_count_text(summary.record_counts))
        self._show(self.summary_page)
        self.verified.emit()

    # -- import ----------------------------------------------------------------------------
    def _confirmation(self) -> str | None:
        """How the DSL confirmed an unknown signer ("typed" / "compared"), or None to stop."""
        if getattr(self, "_trusted", True):
            return ""
        typed = self.fingerprint_edit.text().strip()
        fingerprint = self._summary.signer_fingerprint
        if typed:
            if exchange.fingerprint_matches(typed, fingerprint):
                return "typed"
            dialogs.error(
                self,
                self.tr("The fingerprint does not match"),
                self.tr(
                    "The fingerprint you typed is not the one this pack is signed with "
                    "({fp}). Do not import it: check with the sender, on a number you already "
                    "know, who made this pack. Nothing was imported."
                ).format(fp=fingerprint),
            )
            self.fingerprint_edit.setFocus()
            return None
        if self.compared_box.isChecked():
            return "compared"
        dialogs.warning(
            self,
            self.tr("Confirm the sender's key first"),
            self.tr(
                "This is the first pack signed with this key. Type the fingerprint the sender "
                "reads out to you, or compare it with theirs and tick the box."
            ),
        )
        self.fingerprint_edit.setFocus()
        return None

    def import_now(self) -> None:
        inputs = self._inputs()
        if inputs is None or self._summary is None:
            return
        path, password, signer = inputs
        confirmed = self._confirmation()
        if confirmed is None:
            return
        vault = self._vault
        self._generation += 1
        generation = self._generation
        self._set_busy(self.tr("Importing…"))
        # The merge writes on a pool thread: it must run as one transaction, and for a big
        # pack it takes longer than the GUI thread may block.
        workers.run_in_background(
            lambda: exchange.import_pack(
                vault, path, password, signer, confirmed=confirmed or None
            ),
            lambda result: self._imported(generation, result),
            lambda exc: self._failed(generation, self.tr("The pack was not imported"), exc),
            parent=self,
        )

    def _imported(self, generation: int, result: exchange.ImportReport) -> None:
        if generation != self._generation:
            return
        self._set_busy(None)
        self.report = result
        lines = []
        if result.already_imported:
            lines.append(self.tr("This pack was imported before: nothing changed."))
        else:
            lines.append(self.tr("Added: {c}").format(c=_count_text(result.added)))
            lines.append(self.tr("Updated: {c}").format(c=_count_text(result.updated)))
            lines.append(self.tr("Unchanged: {n}").format(n=result.unchanged))
            lines.append(self.tr("Conflicts: {n}").format(n=len(result.conflicts)))
        for new_ref, old_ref in result.possible_duplicates:
            lines.append(
                self.tr(
                    "The child {new} may be the same child as {old} (same name or date of "
                    "birth): compare the two records before acting. Nothing was merged."
                ).format(new=new_ref, old=old_ref)
            )
        if result.new_signer:
            lines.append(
                self.tr(
                    "You confirmed the key {fp}; packs signed with it are now accepted "
                    "without asking again."
                ).format(fp=result.signer_fingerprint)
            )
        self.report_label.setText("\n".join(lines))
        self.conflict_list.clear()
        for conflict in result.conflicts:
            item = QListWidgetItem(
                self.tr(
                    "{type} {id}: {why} (here version {local}, pack version {incoming})"
                ).format(
                    type=conflict.record_type.replace("_", " "),
                    id=conflict.record_id[:8],
                    why=conflict.why,
                    local=conflict.local_version,
                    incoming=conflict.incoming_version,
                )
            )
            self.conflict_list.addItem(item)
        self.conflicts_box.setVisible(bool(result.conflicts))
        if result.conflicts:
            self.conflict_list.setCurrentRow(0)
        self._show(self.report_page)
        self.imported.emit()

    def _show_conflict(self, row: int) -> None:
        if self.report is None or not 0 <= row < len(self.report.conflicts):
            self.local_text.clear()
            self.incoming_text.clear()
            return
        conflict = self.report.conflicts[row]
        try:
            local = exchange.local_version(self._vault, conflict.record_type, conflict.record_id)
        except UserError:
            local = None
        self.local_caption.setText(self.tr("Here (version {v})").format(v=conflict.local_version))
        self.incoming_caption.setText(
            self.tr("In the pack (version {v})").format(v=conflict.incoming_version)
        )
        self.local_text.setPlainText(record_text(local))
        self.incoming_text.setPlainText(record_text(conflict.incoming))

    def _failed(self, generation: int, title: str, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._set_busy(None)
        if isinstance(exc, UserError):
            dialogs.error(self, title, str(exc))
            self.password_edit.setFocus()
        else:
            import sys

            sys.excepthook(type(exc), exc, exc.__traceback__)

    def reject(self) -> None:
        self._generation += 1
        self.password_edit.clear()
        super().reject()
