"""Note search: prefixes, newest first, the snippet marks the word, roles respected."""

from __future__ import annotations

from datetime import timedelta

from cse_toolkit.vault.repos import _snippet


def test_search_prefix_order_snippet_and_roles(vault_factory) -> None:  # type: ignore[no-untyped-def]
    dsl = vault_factory(user="dee", role="dsl")
    child = dsl.repos.add_child(alias="Jay", approx_age=14)
    now = dsl.now()
    dsl.repos.add_note(child.id, "Seen at the bus station late.", now - timedelta(days=3))
    dsl.repos.add_note(child.id, "Stationery bought for school.", now - timedelta(days=1))
    dsl.repos.add_note(child.id, "Nothing about trains.", now - timedelta(days=2))
    rows = dsl.repos.search_notes("station")
    assert [r[3] for r in rows] == [
        "[Stationery] bought for school.",
        "Seen at the bus [station] late.",
    ]
    assert rows[0][2] > rows[1][2]  # newest event first
    assert dsl.repos.search_notes("zzz") == []
    assert dsl.repos.search_notes("   ") == []
    assert len(dsl.repos.search_notes("station", limit=1)) == 1


def test_worker_finds_only_their_own_childrens_notes(vault_factory) -> None:  # type: ignore[no-untyped-def]
    from helpers.vaults import PASSPHRASE

    from cse_toolkit.vault.keyslots import FLOOR_PARAMS
    from cse_toolkit.vault.vault import Vault

    admin = vault_factory(user="ada", role="admin")
    for name in ("sam", "kim"):
        admin.add_user(name, "worker", PASSPHRASE, PASSPHRASE, kdf=FLOOR_PARAMS)
    folder = admin.folder
    admin.close()
    for name in ("sam", "kim"):
        with Vault.open(folder, name, PASSPHRASE) as worker:
            child = worker.repos.add_child(alias=f"child of {name}", approx_age=13)
            worker.repos.add_note(
                child.id, f"Seen by {name} at the taxi rank.", worker.now() - timedelta(hours=1)
            )
    with Vault.open(folder, "sam", PASSPHRASE) as sam:
        found = sam.repos.search_notes("taxi")
    assert [r[3] for r in found] == ["Seen by sam at the [taxi] rank."]


def test_snippet_trims_around_the_first_match() -> None:
    body = "word " * 40 + "the taxi rank at midnight " + "more " * 40
    text = _snippet(body, ["taxi"])
    assert "[taxi]" in text and text.startswith("…") and text.endswith("…")
    assert len(text) < 220
    assert _snippet("A quick note", ["a"]) == "[A] quick note"
    assert _snippet("no match here", ["zzz"]) == "no match here"
