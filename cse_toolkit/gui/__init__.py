"""The desktop app (PySide6). Everything that imports Qt lives in this package.

Entry point: :func:`cse_toolkit.gui.app.run_gui`. Forms generated from ``ui/*.ui`` live in
``gui/forms`` and are never edited by hand (``scripts/compile_ui.py``).
"""
