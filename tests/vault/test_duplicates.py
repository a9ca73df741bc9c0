"""The duplicate check before adding a child catches spelling variants of names and aliases."""

from __future__ import annotations

from typing import Any

from cse_toolkit.core.names import names_alike


def test_spelling_variants_found(vault: Any) -> None:
    jade = vault.repos.add_child(name="Jade Wilson", approx_age=14)
    kez = vault.repos.add_child(name="Kezia Brown", alias="Kez", approx_age=13)
    vault.repos.add_child(name="Amy Jones", approx_age=15)
    found = {c.id for c in vault.repos.possible_duplicates("Jayde Wilson")}
    assert found == {jade.id}
    assert {c.id for c in vault.repos.possible_duplicates("Wilson, Jayde")} == {jade.id}
    assert {c.id for c in vault.repos.possible_duplicates("", "Kezz")} == {kez.id}
    assert vault.repos.possible_duplicates("Liam Patel") == []


def test_names_alike_rules() -> None:
    assert names_alike("Jayde Wilson", "Jade Wilson") == "spelt differently"
    assert names_alike("Jon Smith", "Jonathan Smith") == "common forms of the same name"
    assert names_alike("Jade", "Jade Wilson") == "same"
    assert names_alike("Amy Jones", "Jade Wilson") is None
    assert names_alike("", "Jade") is None
