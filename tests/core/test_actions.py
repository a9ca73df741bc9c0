"""core.actions: the overdue rule at its boundary, the 72-hour return interview, and who may
see an incident's other children (a property over random viewers and incidents)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from cse_toolkit.core.actions import (
    Incident,
    OtherChildren,
    Viewer,
    is_overdue,
    other_children,
    other_children_words,
    return_interview_due,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
KIDS = [f"child-{i}" for i in range(6)]


def test_overdue_only_after_the_due_time_and_interview_at_72_hours() -> None:
    assert not is_overdue(NOW, NOW) and is_overdue(NOW, NOW + timedelta(seconds=1))
    assert return_interview_due(NOW) == NOW + timedelta(hours=72)


@given(
    linked=st.lists(st.sampled_from(KIDS), min_size=1, max_size=6, unique=True),
    visible=st.sets(st.sampled_from(KIDS)),
    is_dsl=st.booleans(),
    author_is_viewer=st.booleans(),
    imported=st.booleans(),
    elsewhere=st.integers(0, 3),
)
def test_other_children_are_named_only_where_the_viewer_may_see_them(
    linked: list[str],
    visible: set[str],
    is_dsl: bool,
    author_is_viewer: bool,
    imported: bool,
    elsewhere: int,
) -> None:
    incident = Incident(
        id="i",
        kind="note",
        event_at=NOW,
        body="x",
        author_id="me" if author_is_viewer else "someone",
        child_ids=tuple(linked),
        elsewhere_count=elsewhere,
        origin="other-vault" if imported else "",
    )
    labels = {k: k.upper() for k in KIDS}
    this = linked[0]
    seen = other_children(
        incident, this, Viewer("me", is_dsl, frozenset(visible)), labels, local_vault="here"
    )
    others = [k for k in linked if k != this]
    assert seen.total == len(others) + elsewhere  # nobody is lost or counted twice
    allowed = is_dsl or (author_is_viewer and not imported)
    for k in others:
        named = labels[k] in seen.named
        assert named == (allowed or k in visible)
    assert labels[this] not in seen.named


def test_words() -> None:
    assert other_children_words(OtherChildren()) == ""
    assert other_children_words(OtherChildren(("Ann",), 1)) == "Also about: Ann and 1 other child"
    assert other_children_words(OtherChildren((), 2)) == "Also about: 2 other children"
