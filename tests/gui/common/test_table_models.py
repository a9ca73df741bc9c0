"""The shared table scaffolding (gui.table_model) passes Qt's model checks in each model."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from cse_toolkit.core.entities import ChronologyItem, Note
from cse_toolkit.gui.children.chronology_view import ChronologyModel
from cse_toolkit.gui.children.notes_tab import NotesModel

START = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def test_notes_model(qtmodeltester: Any) -> None:
    model = NotesModel()
    model.set_notes(
        [
            Note(
                id=f"n{i}",
                child_id="c",
                author_id="u",
                event_at=START + timedelta(hours=i),
                body=f"Note {i}",
                source="reported" if i % 2 else "first_hand",
            )
            for i in range(5)
        ]
    )
    qtmodeltester.check(model)
    assert model.rowCount() == 5 and model.note_at(0).id == "n4"  # newest first


def test_chronology_model(qtmodeltester: Any) -> None:
    model = ChronologyModel()
    model.set_items(
        [
            ChronologyItem(START - timedelta(days=i), "note", f"r{i}", f"Title {i}", "detail")
            for i in range(4)
        ]
    )
    qtmodeltester.check(model)
    assert model.item_at(0).record_id == "r3"  # oldest first: backdated items slot in
    model.set_items([])
    assert model.rowCount() == 0
