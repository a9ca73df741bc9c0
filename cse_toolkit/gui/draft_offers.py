"""Drafts left by a crash, a power cut or a lock, offered back after unlocking.

One at a time, newest first: a note (restored into the child's Notes tab), else an Add/Edit
child form, else an export wizard. Each question offers Restore, Discard or Decide later; if
the app locks while a question is open, nothing more is asked. The main window calls
``offer`` after every unlock (``MainWindow.offer_drafts``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QCoreApplication

from cse_toolkit.core.clock import Clock, parse_utc
from cse_toolkit.errors import UserError
from cse_toolkit.gui.children.child_dialog import CHILD_DRAFT_KIND, ChildDialog
from cse_toolkit.gui.children.note_editor import DRAFT_KIND
from cse_toolkit.gui.common import dialogs
from cse_toolkit.gui.common.widgets import local_text, local_time
from cse_toolkit.policy import Policy

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from cse_toolkit.gui.children.child_page import ChildPage
    from cse_toolkit.gui.exchange.outbox_page import OutboxPage
    from cse_toolkit.vault.vault import Vault


def _tr(text: str) -> str:
    # The questions were written in the main window; they keep its translation context.
    return QCoreApplication.translate("MainWindow", text)


class Host(Protocol):
    """What the offers need of the main window."""

    @property
    def vault(self) -> Vault | None: ...

    @property
    def child_page(self) -> ChildPage: ...

    def window(self) -> QWidget: ...

    def show_child(self, child_id: str, tab: int | None = None) -> bool: ...

    def child_dialog_opened(self, dialog: ChildDialog) -> None: ...

    def outbox(self) -> OutboxPage | None: ...


def offer(host: Host, vault: Vault, clock: Clock, policy: Policy) -> None:
    """Offer back note drafts left by a crash or power cut (one restored at a time), then an
    Add/Edit child form, then an export wizard; stops when the app locks meanwhile."""
    in_editor = host.child_page.notes.editor.draft_id
    for draft in reversed(vault.repos.drafts(DRAFT_KIND)):
        if draft.id == in_editor or not draft.target_id:
            continue
        try:
            child = vault.repos.get_child(draft.target_id)
        except UserError:
            continue
        when = parse_utc(draft.updated_at)
        same_day = when.astimezone().date() == clock.now().astimezone().date()
        stamp = local_time(when) if same_day else local_text(when)
        choice = dialogs.ask(
            host.window(),
            _tr("Unsaved note"),
            _tr("You have an unsaved note for {child} from {time}.").format(
                child=child.display_name, time=stamp
            ),
            [
                ("restore", _tr("&Restore it")),
                ("discard", _tr("&Discard")),
                ("later", _tr("Decide &later")),
            ],
            default="restore",
            escape="later",
        )
        if host.vault is not vault:
            return  # locked while the question was open
        if choice == "restore":
            if host.show_child(child.id, host.child_page.tabs.indexOf(host.child_page.notes)):
                host.child_page.notes.editor.load_draft(draft)
                host.child_page.notes.editor.focus_text()
            return
        if choice == "discard":
            vault.repos.delete_draft(draft.id)
    _offer_child_form_drafts(host, vault, policy)


def _offer_child_form_drafts(host: Host, vault: Vault, policy: Policy) -> None:
    """Offer back an Add/Edit child form that was open when the app locked or died."""
    for draft in reversed(vault.repos.drafts(CHILD_DRAFT_KIND)):
        values = draft.payload.get("values", {})
        editing = draft.payload.get("editing")
        who = values.get("name") or values.get("alias") or _tr("a child")
        when = local_text(parse_utc(draft.updated_at))
        text = (
            _tr("You were editing the details of {who} at {time}.")
            if editing
            else _tr("You were adding {who} at {time}.")
        ).format(who=who, time=when)
        choice = dialogs.ask(
            host.window(),
            _tr("Unsaved details"),
            text,
            [
                ("restore", _tr("&Restore it")),
                ("discard", _tr("&Discard")),
                ("later", _tr("Decide &later")),
            ],
            default="restore",
            escape="later",
        )
        if host.vault is not vault:
            return
        if choice == "discard":
            vault.repos.delete_draft(draft.id)
        elif choice == "restore":
            child = None
            if editing:
                try:
                    child = vault.repos.get_child(editing)
                except UserError:
                    vault.repos.delete_draft(draft.id)
                    continue
            dialog = ChildDialog(vault, child, parent=host.window())
            dialog.load_values(values)
            dialog.draft_id = draft.id
            host.child_dialog_opened(dialog)
            dialog.open()
            return
    _offer_export_drafts(host, vault, policy)


def _offer_export_drafts(host: Host, vault: Vault, policy: Policy) -> None:
    """Offer back an export wizard that was open when the app locked or died."""
    from cse_toolkit.gui.exchange.export_dialog import (
        EXPORT_DRAFT_KIND,
        KIND_TITLES,
        ExportDialog,
    )

    for draft in reversed(vault.repos.drafts(EXPORT_DRAFT_KIND)):
        data = draft.payload
        kind, child_id = data.get("kind"), data.get("child_id")
        if kind not in KIND_TITLES:
            vault.repos.delete_draft(draft.id)
            continue
        who = _tr("an intelligence report")
        if child_id:
            try:
                who = vault.repos.get_child(child_id).display_name
            except UserError:
                vault.repos.delete_draft(draft.id)
                continue
        choice = dialogs.ask(
            host.window(),
            _tr("Unfinished export"),
            _tr("You were exporting a pack ({what}) for {who} at {time}.").format(
                what=_tr(KIND_TITLES[kind]), who=who, time=local_text(parse_utc(draft.updated_at))
            ),
            [
                ("restore", _tr("&Go back to it")),
                ("discard", _tr("&Discard")),
                ("later", _tr("Decide &later")),
            ],
            default="restore",
            escape="later",
        )
        if host.vault is not vault:
            return
        if choice == "discard":
            vault.repos.delete_draft(draft.id)
        elif choice == "restore":
            if child_id:
                host.show_child(child_id)
            dialog = ExportDialog(
                vault,
                kind,
                child_id=child_id,
                report_id=data.get("report_id"),
                policy=policy,
                parent=host.window(),
            )
            dialog.load_draft(draft)
            outbox = host.outbox()
            if outbox is not None:
                dialog.exported.connect(lambda _id, o=outbox: o.reload())
            dialog.finished.connect(lambda _r, d=dialog: d.deleteLater())
            dialog.open()
            return
