"""Text that could not be saved anywhere is never dropped silently (issue 22 item 4).

When a draft could be written neither into the vault nor into its rescue file (a full disk;
``vault/unsaved.py`` keeps it in memory), the main window says so at once, before any lock, in
a persistent bar across the top of the workspace (reached by Tab after the toolbar and by F6):
how many characters of which kind of record are not saved, what to do, and a "Copy the text"
button (the clipboard is cleared at lock and after the policy's delay). The bar goes as soon
as the draft saves.

At lock the text is sealed and handed to the fresh lock-screen process (``gui/fresh_lock.py``)
and put back after unlock (``put_back``). Closing the app cannot keep it, so closing asks first
(``ask_before_close``). The panic key, idle, suspend and screen locks never ask: they lock at
once and the text is handed over. The lock screen says what is kept, or what was lost
(``lock_screen_text``: counts and kinds only).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QBoxLayout, QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from cse_toolkit.gui.common import clipboard, dialogs
from cse_toolkit.gui.common.policy_banner import BANNER_BORDER
from cse_toolkit.gui.common.widgets import describe_error
from cse_toolkit.gui.fresh_lock import Handover
from cse_toolkit.vault.unsaved import draft_chars, kind_name

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault

log = logging.getLogger(__name__)

BAR_BG = "#fdecea"
BAR_FG = "#5f1a12"  # contrast above 10:1 on the background


def _kinds_text(tr: Callable[[str], str], chars: dict[str, int]) -> str:
    names = [tr(kind_name(k)) for k in sorted(chars)]
    if len(names) == 1:
        return names[0]
    return tr("{first} and {last}").format(first=", ".join(names[:-1]), last=names[-1])


def _plain(payload: Any) -> str:
    """A draft's typed text, the longest field first (what the user was writing)."""
    found: list[tuple[str, str]] = []

    def walk(value: Any, key: str) -> None:
        if isinstance(value, str) and value.strip():
            found.append((key, value))
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(v, str(k))
        elif isinstance(value, list | tuple):
            for v in value:
                walk(v, key)

    walk(payload, "")
    found.sort(key=lambda kv: -len(kv[1]))
    if not found:
        return ""
    main, rest = found[0][1], found[1:]
    return "\n\n".join([main, *(f"{k}: {v}" for k, v in rest)])


class UnsavedBar(QFrame):
    """The warning "The disk is full: N characters … are not saved", with "Copy the text"."""

    changed = Signal()  # from any thread (drafts are written on the draft lane)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._vault: Vault | None = None
        self.setObjectName("unsavedBar")
        self.setStyleSheet(
            f"#unsavedBar {{ background: {BAR_BG}; border: 2px solid {BANNER_BORDER};"
            " border-radius: 3px; }"
            f"#unsavedBar QLabel {{ color: {BAR_FG}; background: transparent;"
            " font-weight: bold; }"
        )
        self.text = QLabel()
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setWordWrap(True)
        self.copy_button = QPushButton(self.tr("&Copy the text"))
        self.copy_button.setAccessibleName(self.tr("Copy the text that is not saved"))
        self.copy_button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.copy_button.clicked.connect(self.copy_text)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.copy_button, 0, Qt.AlignmentFlag.AlignTop)
        self.setAccessibleName(self.tr("Text not saved"))
        self.changed.connect(self.refresh, Qt.ConnectionType.QueuedConnection)
        self.hide()

    @classmethod
    def below(cls, banner: QWidget) -> UnsavedBar:
        """A bar placed just below ``banner`` (the policy banner) in the workspace."""
        bar = cls()
        parent = banner.parentWidget()
        layout = parent.layout() if parent is not None else None
        if isinstance(layout, QBoxLayout):
            layout.insertWidget(layout.indexOf(banner) + 1, bar)
        return bar

    # -- following the vault -------------------------------------------------------------
    def set_vault(self, vault: Vault | None) -> None:
        if self._vault is not None:
            self._vault.unsaved.listener = None
        self._vault = vault
        if vault is not None:
            vault.unsaved.listener = self.changed.emit
        self.refresh()

    def drafts(self) -> list[dict[str, Any]]:
        """The signed-in user's drafts that nothing could store."""
        vault = self._vault
        if vault is None:
            return []
        return [d for d in vault.unsaved.drafts() if d.get("user_id") == vault.user.id]

    def chars(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for draft in self.drafts():
            kind = str(draft.get("kind", ""))
            out[kind] = out.get(kind, 0) + draft_chars(draft)
        return out

    def message(self) -> str:
        chars = self.chars()
        if not chars:
            return ""
        return self.tr(
            "The disk is full: {chars} characters in {what} you are writing are not saved. "
            "Free some space on the disk, or copy the text to keep it elsewhere."
        ).format(chars=f"{sum(chars.values()):,}", what=_kinds_text(self.tr, chars))

    def refresh(self) -> None:
        text = self.message()
        shown = self.isVisible()
        self.text.setText(text)
        self.setAccessibleDescription(text)
        self.setVisible(bool(text))
        if text and not shown:  # said to a screen reader as it appears (Windows, macOS)
            describe_error(self.copy_button, text)

    def plain_text(self) -> str:
        parts = []
        for draft in self.drafts():
            try:
                parts.append(_plain(json.loads(str(draft.get("payload", "")))))
            except ValueError:
                parts.append(str(draft.get("payload", "")))
        return "\n\n----\n\n".join(p for p in parts if p)

    def copy_text(self) -> None:
        text = self.plain_text()
        if text:
            clipboard.copy_sensitive(text)
            self.text.setText(
                self.tr(
                    "The text is copied. Paste it somewhere safe now (the clipboard is cleared "
                    "when the app locks). {usual}"
                ).format(usual=self.message())
            )


# -- the lock -----------------------------------------------------------------------------
def ask_before_close(parent: QWidget, bar: UnsavedBar) -> bool:
    """Closing the app with text nothing could store: True to close, False to stay. On the
    lock screen, text kept until unlock (``parent.kept``) is lost by closing: asked too."""
    if getattr(parent, "locked", False):
        kept = getattr(parent, "kept", None)
        if not isinstance(kept, Handover) or kept.blob is None or kept.total <= 0:
            return True
        choice = dialogs.ask(
            parent,
            parent.tr("Text not saved"),
            lock_screen_text(kept),
            [("stay", parent.tr("&Stay open")), ("close", parent.tr("Close and &lose it"))],
            default="stay",
            escape="stay",
        )
        if choice == "close":
            log.warning("closed the lock screen with %d characters of unsaved text", kept.total)
        return choice == "close"
    if not bar.chars():
        return True
    while True:
        choice = dialogs.ask(
            parent,
            parent.tr("Text not saved"),
            bar.message() + "\n\n" + parent.tr("Closing the app now loses this text."),
            [
                ("copy", parent.tr("&Copy the text")),
                ("close", parent.tr("Close and &lose it")),
                ("stay", parent.tr("&Stay open")),
            ],
            default="copy",
            escape="stay",
        )
        if choice != "copy":
            if choice == "close":
                log.warning("closed with %d characters of unsaved text", sum(bar.chars().values()))
            return choice == "close"
        bar.copy_text()
        dialogs.info(
            parent,
            parent.tr("Text copied"),
            parent.tr("Paste the text somewhere safe now, then close the app."),
        )
        return False


def seal_at_lock(vault: Vault) -> Handover | None:
    """At lock, before the vault closes: the text nothing could store, sealed (or, if even
    that fails, its counts only)."""
    chars = vault.unsaved.summary()
    if not chars:
        return None
    try:
        blob = vault.seal_unsaved()
    except Exception as exc:  # noqa: BLE001 - the lock goes ahead; the counts still go over
        log.error("lock: the unsaved text could not be sealed (%s)", type(exc).__name__)
        blob = None
    log.info("lock: %d characters of unsaved text kept", sum(chars.values()))
    return Handover(blob, chars)


def put_back(window: Any, vault: Vault, kept: Handover | None) -> str:
    """After unlock: the handed-over text back into the drafts (offered as any draft left by a
    crash), else the rescue file, else this process's memory: then a note for the child on
    screen goes back into its editor, and the bar says it is not saved. Returns a sentence for
    the status bar ("" when there was nothing)."""
    if kept is None:
        return ""
    if kept.blob is None:
        return lock_screen_text(kept)
    try:
        where = vault.put_back_unsaved(kept.blob)
    except ValueError:
        # Another vault's key (a different vault folder now): the text is not this vault's.
        log.warning("unlock: the unsaved text handed over does not open with this vault")
        return ""
    log.info("unlock: %d characters of unsaved text put back (%s)", kept.total, where)
    chars = f"{kept.total:,}"
    if where == "vault":
        return _tr(
            "The {chars} characters that could not be saved before the lock are back as drafts."
        ).format(chars=chars)
    if where == "rescue":
        return _tr(
            "The disk is still full: the {chars} characters that could not be saved before the "
            "lock are kept in the vault's reserve and come back as drafts at the next unlock."
        ).format(chars=chars)
    _into_editor(window, vault)
    return ""  # the bar says it


def _into_editor(window: Any, vault: Vault) -> None:
    """A note kept in memory for the child on screen goes back into the note editor."""
    from cse_toolkit.core.entities import Draft
    from cse_toolkit.gui.children.note_editor import DRAFT_KIND

    page = getattr(window, "child_page", None)
    if page is None or not page.child_id:
        return
    for d in vault.unsaved.drafts():
        if d.get("kind") == DRAFT_KIND and d.get("target_id") == page.child_id:
            if d.get("user_id") != vault.user.id:
                continue
            try:
                payload = json.loads(str(d.get("payload", "")))
            except ValueError:
                continue
            if isinstance(payload, dict):
                when = str(d.get("updated_at", ""))
                draft = Draft(str(d["id"]), DRAFT_KIND, page.child_id, payload, when)
                page.notes.editor.load_draft(draft)
                return


def lock_screen_text(kept: Handover | None) -> str:
    """What the lock screen says about unsaved text (counts and kinds only)."""
    if kept is None or kept.total <= 0:
        return ""
    what = _kinds_text(_tr, kept.chars)
    chars = f"{kept.total:,}"
    if kept.lost:
        return _tr(
            "{chars} characters of {what} could not be saved before the lock, because the "
            "disk was full, and are lost. Free some space on the disk."
        ).format(chars=chars, what=what)
    return _tr(
        "{chars} characters of {what} could not be saved because the disk is full. They are "
        "kept, encrypted, in this app's memory until you unlock. Closing the app loses them: "
        "unlock first, and free some space on the disk."
    ).format(chars=chars, what=what)


def _tr(text: str) -> str:
    from PySide6.QtCore import QCoreApplication

    return QCoreApplication.translate("UnsavedBar", text)
