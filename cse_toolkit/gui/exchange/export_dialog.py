"""Export a pack: recipient, information-sharing decision, referral details, preview, password.

``ExportDialog(vault, kind, child_id=..., report_id=...)`` is a short wizard (DESIGN.md,
"Referral packs"; DOMAIN.md §5 and §6):

1. **Recipient**, prefilled from the organisation policy (``exchange.default_recipient``).
2. **Information-sharing decision** (the seven golden rules): was consent sought, given, by
   whom; are the parents aware (if not, why); does the child know and agree; and when sharing
   without consent, which of the four grounds applies (required) and why. An intelligence pack
   skips consent: it is not needed for an information report to the police (DOMAIN.md §4.3).
3. **The referral** (referrals only, ``referral_pages.py``): its details; where the child is
   now and who may pose a risk; what is asked and who was consulted; the chronology's notes.
   Pre-filled on a pool thread from what the vault holds (``exchange.referral_defaults``).
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

What was typed is kept as an encrypted draft (``EXPORT_DRAFT_KIND``, gui/common/autosave.py)
and offered back after unlocking (``load_draft``); Cancel or a finished export drops it."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import shiboken6
from PySide6.QtCore import QStandardPaths, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.core.export_flow import ExportAnswers, ExportFlow, Step, steps_for
from cse_toolkit.errors import UserError
from cse_toolkit.gui.common import autosave, clipboard, dialogs, workers
from cse_toolkit.gui.common.dialog_buttons import wizard_row
from cse_toolkit.gui.common.widgets import heading_label
from cse_toolkit.gui.exchange.attachment_choice import AttachmentChoice
from cse_toolkit.gui.exchange.export_jobs import (
    count_text,
    discard,
    workers_excepthook,
)
from cse_toolkit.gui.exchange.export_pages import NO as NO
from cse_toolkit.gui.exchange.export_pages import YES as YES
from cse_toolkit.gui.exchange.export_pages import ExportPages
from cse_toolkit.gui.exchange.export_preview import RenderedPages, render_pages
from cse_toolkit.gui.exchange.referral_pages import ReferralPages
from cse_toolkit.packs import schema as ps
from cse_toolkit.services import exchange

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault

log = logging.getLogger(__name__)

COPY_CLEAR_MS = 30_000  # the clipboard is cleared this long after Copy (tests shorten it)
EXPORT_DRAFT_KIND = "export_form"

KIND_TITLES = {
    "referral": "Referral to Children's Social Care",
    "screening": "Completed screening for the CSE team",
    "intelligence": "Information report to the police",
}


class ExportDialog(ReferralPages, ExportPages, QDialog):
    """Build, check, preview and export one pack; shows its password once."""

    preview_ready = Signal()
    referral_ready = Signal()  # the referral's pages are pre-filled from the vault
    exported = Signal(str)  # the outbox entry's id
    busy_changed = Signal(bool)

    def __init__(
        self,
        vault: Vault,
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
        self._vault = vault
        self._kind = kind
        self._child_id = child_id
        self._report_id = report_id
        self._policy = policy or vault.policy  # loaded once at start
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
        self.situation_page = self._build_situation_page()
        self.asked_page = self._build_asked_page()
        self.notes_page = self._build_notes_page()
        self.preview_page = self._build_preview_page()
        self.exporting_page = self._build_exporting_page()
        self.password_page = self._build_password_page()
        self.refused_page = self._build_refused_page()
        self.attachment_choice = AttachmentChoice.on(
            self.recipient_page, vault, kind, child_id, report_id
        )
        page_layout = cast("QVBoxLayout", self.recipient_page.layout())  # reminder above: Tab order
        page_layout.insertWidget(page_layout.indexOf(self.attachment_choice), self.details_box)
        for page in (
            self.recipient_page,
            self.sharing_page,
            self.details_page,
            self.situation_page,
            self.asked_page,
            self.notes_page,
            self.preview_page,
            self.exporting_page,
            self.password_page,
            self.refused_page,
        ):
            self.stack.addWidget(page)
        # The steps and their order are the flow's (core/export_flow.py); these are their pages.
        self._step_pages: dict[Step, QWidget] = {
            "recipient": self.recipient_page,
            "sharing": self.sharing_page,
            "details": self.details_page,
            "situation": self.situation_page,
            "asked": self.asked_page,
            "notes": self.notes_page,
            "preview": self.preview_page,
        }
        self.steps: list[QWidget] = [self._step_pages[s] for s in steps_for(kind)]

        self.back_button = QPushButton(self.tr("&Back"))
        self.back_button.setAutoDefault(False)
        self.back_button.clicked.connect(self.go_back)
        self.next_button = QPushButton(self.tr("&Next"))
        self.next_button.setDefault(True)
        self.next_button.clicked.connect(self.go_next)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        self.buttons = wizard_row(self.back_button, self.next_button, self.cancel_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.step_label)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.buttons)

        self.draft_id: str | None = None
        self._draft_timer = autosave.DraftTimer(self._autosave, self)
        for page in self._form_pages():
            autosave.watch(page, self._draft_timer.touch)
        self._notes_loaded = False
        self._draft_fields: dict[str, Any] | None = None

        refusal = self._refusal()
        if refusal:
            self.refused_label.setText(refusal)
            self._show(self.refused_page)
        else:
            self._show(self.recipient_page)
            if kind == "referral":
                workers.run_in_background(self._referral_start, self._referral_started, parent=self)

    def _referral_started(self, result: Any) -> None:
        self._apply_start(*result)
        self._notes_loaded = True
        if self._draft_fields is not None:  # a draft wins over the defaults
            self._restore_fields(self._draft_fields)
        self.referral_ready.emit()

    # -- Navigation --
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

    def current_page(self) -> QWidget | None:
        return self.stack.currentWidget()

    def _flow(self, page: QWidget) -> ExportFlow:
        step = next(s for s, p in self._step_pages.items() if p is page)
        return ExportFlow(self._kind, step)

    def _show(self, page: QWidget) -> None:
        self.stack.setCurrentWidget(page)
        in_steps = page in self.steps
        if in_steps:
            flow = self._flow(page)
            self.step_label.setText(
                self.tr("Step {n} of {total}: {title}").format(
                    n=flow.number, total=flow.total, title=self.tr(flow.title)
                )
            )
            self.back_button.setEnabled(flow.can_go_back)
            last = flow.on_last
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

    def go_next(self) -> None:
        page = self.current_page()
        if page not in self.steps or self._busy:
            return
        flow = self._flow(page)
        referral = self._kind == "referral"
        problem = flow.problem(
            ExportAnswers(
                self.recipient_name.text(),
                self.sharing_answers(),
                self.why_now_edit.toPlainText(),
                urgent=referral and self.urgency() != "non_urgent",
                where_now=self.where_edit.text(),
                entry_problems=tuple(self.referral_problems(page)) if referral else (),
            )
        )
        if problem is not None and problem.kind == "recipient":
            dialogs.warning(self, self.tr("Recipient needed"), self.tr("Say who the pack is for."))
            self.recipient_name.setFocus()
            return
        if problem is not None and problem.kind == "sharing":
            dialogs.warning(
                self, self.tr("The sharing decision is not complete"), "\n".join(problem.messages)
            )
            self._focus_problem()
            return
        if problem is not None and problem.kind == "where_now":
            dialogs.warning(
                self,
                self.tr("Say where the child is now"),
                self.tr(
                    "An urgent or immediate referral must say where the child is now and "
                    "whether they are safe tonight."
                ),
            )
            self.where_edit.setFocus()
            return
        if problem is not None and problem.kind == "entries":
            dialogs.warning(self, self.tr("Check what you typed"), "\n".join(problem.messages))
            return
        if problem is not None:
            dialogs.warning(
                self,
                self.tr("Say why you are referring now"),
                self.tr("Write what has happened and why you are referring now."),
            )
            self.why_now_edit.setFocus()
            return
        following = flow.following()
        if following is None:
            self.save_and_export()
            return
        self._show(self._step_pages[following])
        if following == "preview":
            self._start_preview()

    def go_back(self) -> None:
        page = self.current_page()
        if page not in self.steps or self._busy and page is not self.preview_page:
            return
        previous = self._flow(page).previous()
        if previous is None:
            return
        if page is self.preview_page:
            self._drop_preview()
        self._show(self._step_pages[previous])

    # -- Preview (pool thread: build, sign, render, rasterise; nothing written anywhere) --
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
        if details is not None and not self._notes_loaded:
            details.note_ids = None  # the notes are not listed yet: the default choice
        recipient, attached = self.recipient(), self.attachment_choice.chosen()

        def job() -> tuple[ps.PackModel, RenderedPages]:
            from cse_toolkit.packs.pdfpack import sign_pack
            from cse_toolkit.packs.render import render_pdf

            pack = exchange.build_pack(
                vault,
                cast("exchange.PackKind", kind),
                child_id=child_id,
                report_id=report_id,
                sharing=sharing,
                details=details,
                recipient=recipient,
                policy=policy,
                attachment_ids=attached,
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
            workers.gc_frozen(job),
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
        counts = ", ".join(count_text(n, t) for t, n in sorted(pack.record_counts().items()))
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

    # -- Save and export (pool thread writes the encrypted file; GUI thread records it) --
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
                discard(result.path)  # never recorded, password never shown: remove it
                return
            self._export_written(pack, result)

        def failed(exc: BaseException) -> None:
            if cancel.is_set() or not shiboken6.isValid(self):
                return  # nothing was written (write_pack_file cleans up after itself)
            self._export_failed(exc)

        # parent=None: the result must arrive even if the dialog is gone, to clean up.
        workers.run_in_background(workers.gc_frozen(job), done, failed, parent=None)

    def _export_written(self, pack: ps.PackModel, result: Any) -> None:
        self._set_busy(False)
        try:
            done = exchange.record_export(self._vault, pack, result)
        except BaseException as exc:
            discard(result.path)
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

    # -- The password, once --
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

    # -- Drafts (protocols.DraftEditor) --
    def _form_pages(self) -> list[QWidget]:
        return [p for p in self.steps if p is not self.preview_page]

    def draft_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "kind": self._kind,
            "child_id": self._child_id,
            "report_id": self._report_id,
            "fields": {str(i): autosave.capture(p) for i, p in enumerate(self._form_pages())},
        }
        if self._notes_loaded:
            payload["notes"] = self.chosen_note_ids()
        return payload

    def _restore_fields(self, draft_fields: dict[str, Any]) -> None:
        for i, page in enumerate(self._form_pages()):
            values = draft_fields.get(str(i))
            if isinstance(values, dict):
                autosave.restore(page, values)
        notes = draft_fields.get("notes")
        if isinstance(notes, list) and self._notes_loaded:
            chosen = {str(n) for n in notes}
            for row in range(self.notes_list.count()):
                item = self.notes_list.item(row)
                on = str(item.data(Qt.ItemDataRole.UserRole)) in chosen
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

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
                EXPORT_DRAFT_KIND,
                self._child_id or self._report_id,
                self.draft_payload(),
                self.draft_id,
            )
        except UserError as exc:
            log.warning("export draft not saved: %s", type(exc).__name__)

    def load_draft(self, draft: Any) -> None:
        """Fill the steps from a draft written by ``save_draft``."""
        fields = dict(draft.payload.get("fields", {}))
        fields["notes"] = draft.payload.get("notes")
        self._draft_fields = fields
        self._restore_fields(fields)
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
