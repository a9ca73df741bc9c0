"""The one lock around PDFium (pypdfium2), which is not thread-safe: every use holds it, the
export preview's page renderer (``gui/exchange/export_preview.py``) and the first-page
thumbnail of a PDF attachment (``packs/attachment_files.py``) alike."""

from __future__ import annotations

import threading

LOCK = threading.Lock()
