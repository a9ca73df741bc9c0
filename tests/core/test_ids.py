"""Record ids and their readable references (core/ids.py)."""

from __future__ import annotations

import re
import uuid

from cse_toolkit.core.ids import intel_ref, new_id, ref_for


def test_references_are_short_stable_and_unambiguous() -> None:
    rid = "00000000-0000-4000-8000-000000000000"
    assert ref_for(rid) == "0000-0000"
    assert ref_for("ffffffff-ff00-4000-8000-000000000000") == "ZZZZ-ZZZZ"
    made = new_id()
    assert uuid.UUID(made).version == 4
    assert ref_for(made) == ref_for(made.upper())  # the same wherever the record travels
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", ref_for(made))
    assert intel_ref(made) == "I-" + ref_for(made)
