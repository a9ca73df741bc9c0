"""The guidance library: the offline pages, a search box, and the page text.

Pages are markdown (``core.guidance``) shown in a QTextBrowser with ``setMarkdown``. The contacts
page is filled from the organisation policy. Links never open anything outside the app: a link
to another page (``page-id`` or ``page-id.md``) opens it here; anything else is ignored.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.core import guidance
from cse_toolkit.gui.common.plurals import ntr
from cse_toolkit.gui.common.widgets import heading_label
from cse_toolkit.policy import Policy

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault

log = logging.getLogger(__name__)
PAGE_ROLE = Qt.ItemDataRole.UserRole + 1


class GuidancePage(QWidget):
    """Needs no vault: the library is readable while signed in with any role."""

    def __init__(self, policy: Policy, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Guidance"))
        self._policy = policy
        try:
            self._pages = guidance.load_pages()
        except guidance.GuidanceError as exc:
            log.error("guidance library not loaded: %s", type(exc).__name__)
            self._pages = []
            self._load_problem = str(exc)
        else:
            self._load_problem = ""
        self._by_id = {p.id: p for p in self._pages}
        self._contacts = guidance.contacts_markdown(policy.contacts)

        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(self.tr("Search the guidance"))
        self.search_edit.setAccessibleName(self.tr("Search the guidance"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.textChanged.connect(self.search)
        self.search_edit.returnPressed.connect(self._focus_list)
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.result_label.setAccessibleName(self.tr("Search result count"))
        self.page_list = QListWidget()
        self.page_list.setObjectName("guidanceList")
        self.page_list.setAccessibleName(self.tr("Guidance pages"))
        self.page_list.setWordWrap(True)
        self.page_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.page_list.currentItemChanged.connect(self._current_changed)

        self.browser = QTextBrowser()
        self.browser.setAccessibleName(self.tr("Guidance text"))
        self.browser.setOpenExternalLinks(False)
        self.browser.setOpenLinks(False)
        self.browser.anchorClicked.connect(self._link)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.search_edit)
        left_layout.addWidget(self.result_label)
        left_layout.addWidget(self.page_list, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.browser)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 3)
        split.setChildrenCollapsible(False)
        split.setSizes([260, 700])

        layout = QVBoxLayout(self)
        layout.addWidget(heading_label(self.tr("Guidance")))
        layout.addWidget(split, 1)
        self.setTabOrder(self.search_edit, self.page_list)
        self.setTabOrder(self.page_list, self.browser)
        self.search("")

    # -- listing ------------------------------------------------------------------------
    def search(self, text: str) -> None:
        self.page_list.clear()
        if self._load_problem:
            self.result_label.setText(self._load_problem)
            return
        if not text.strip():
            self.result_label.setText("")
            self.result_label.hide()
            for page in self._pages:
                self._add_item(page.title, page.id, "")
        else:
            hits = guidance.search(self._pages, text)
            self.result_label.show()
            self.result_label.setText(
                ntr("GuidancePage", "%n page(s) [matches|match].", len(hits))
                if hits
                else self.tr("No page matches. Try fewer or other words.")
            )
            for hit in hits:
                self._add_item(hit.page.title, hit.page.id, hit.snippet)
        if self.page_list.count():
            self.page_list.setCurrentRow(0)

    def _add_item(self, title: str, page_id: str, snippet: str) -> None:
        item = QListWidgetItem(title if not snippet else f"{title}\n{snippet}")
        item.setData(PAGE_ROLE, page_id)
        item.setToolTip(snippet or title)
        self.page_list.addItem(item)

    def listed_titles(self) -> list[str]:
        return [
            str(self.page_list.item(i).text()).split("\n")[0] for i in range(self.page_list.count())
        ]

    def _focus_list(self) -> None:
        self.page_list.setFocus()

    # -- showing ------------------------------------------------------------------------
    def _current_changed(self, current: QListWidgetItem | None, _previous: Any) -> None:
        if current is not None:
            self.show_page(str(current.data(PAGE_ROLE)))

    def show_page(self, page_id: str) -> bool:
        page = self._by_id.get(page_id)
        if page is None:
            return False
        body = guidance.render_contacts(page.body, self._contacts)
        self.browser.setMarkdown(body)
        self.browser.setAccessibleDescription(page.title)
        self._current_id = page_id
        return True

    def current_page_id(self) -> str:
        return getattr(self, "_current_id", "")

    def _link(self, url: QUrl) -> None:
        if url.scheme() in ("", "guidance"):
            name = (url.path() or url.host()).strip("/").removesuffix(".md")
            if self.show_page(name):
                return
        log.info("ignored a link in the guidance (scheme %s)", url.scheme() or "none")

    # -- VaultPage ------------------------------------------------------------------------
    def set_vault(self, vault: Vault) -> None:
        pass  # nothing personal here

    def clear(self) -> None:
        self.search_edit.clear()
