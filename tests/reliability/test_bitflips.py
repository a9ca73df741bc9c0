"""Random bit flips, swapped pages and spliced-in old pages in vault.db.

Bit flips and page swaps must all be detected with a clear "damaged" / "not a vault" message
(SQLCipher's per-page HMAC covers the page number). Splicing in an OLD copy of a page is not
detected by SQLCipher (RELIABILITY.md); since issue 22 every record is bound to its newest audit
entry (content hashes, checked on open, vault/integrity.py), so no spliced page may change what
the app reads without a "damaged" message: 0 silent of all differing pages. A bit flip in a long
note's overflow page once read back as NULs with no error; those are counted too (0 silent).
"""

from __future__ import annotations

import collections
import random
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers.vaults import (
    copy_vault,
    dek_of,
    fill,
    flip_bit,
    make_vault,
    probe,
    reference_dump,
    scratch_root,
)

SEED = 4242
FLIPS = 600
PAGE = 4096
ZERO_FILL_PAGES = 48


@pytest.fixture
def sample(tmp_path: Path):  # type: ignore[no-untyped-def]
    root = scratch_root(tmp_path)
    folder = root / "sample"
    vault = make_vault(folder)
    fill(vault, children=20, notes=150)
    vault.close()
    yield root, folder, dek_of(folder)
    if root != tmp_path:
        shutil.rmtree(root, ignore_errors=True)


def _detected(outcome: str) -> bool:
    return outcome.startswith(("refused:", "read:", "chain", "integrity"))


@pytest.mark.timeout(600)
def test_bit_flips_and_page_swaps_are_all_detected(sample, figure) -> None:  # type: ignore[no-untyped-def]
    root, folder, dek = sample
    ref = reference_dump(folder, root / "ref", dek)
    size = (folder / "vault.db").stat().st_size
    rng = random.Random(SEED)
    figure("bitflip_seed", SEED)

    outcomes: collections.Counter[str] = collections.Counter()
    bad: list[str] = []
    for _ in range(FLIPS):
        trial = root / "trial"
        copy_vault(folder, trial)
        position, bit = rng.randrange(size), rng.randrange(8)
        flip_bit(trial / "vault.db", position, bit)
        outcome = probe(trial, dek, ref)
        outcomes[outcome.split(":")[0]] += 1
        if not _detected(outcome):
            bad.append(f"byte {position} bit {bit}: {outcome}")
    detected = FLIPS - len(bad)
    figure("bitflip_detected", f"{detected}/{FLIPS}")
    figure("bitflip_where", dict(sorted(outcomes.items())))

    pages = size // PAGE
    swaps = 0
    swap_bad: list[str] = []
    for _ in range(100):
        a, b = rng.sample(range(pages), 2)
        trial = root / "trial"
        copy_vault(folder, trial)
        data = bytearray((trial / "vault.db").read_bytes())
        data[a * PAGE : (a + 1) * PAGE], data[b * PAGE : (b + 1) * PAGE] = (
            data[b * PAGE : (b + 1) * PAGE],
            data[a * PAGE : (a + 1) * PAGE],
        )
        (trial / "vault.db").write_bytes(bytes(data))
        outcome = probe(trial, dek, ref)
        swaps += 1
        if not _detected(outcome):
            swap_bad.append(f"pages {a + 1}<->{b + 1}: {outcome}")
    figure("page_swap_detected", f"{swaps - len(swap_bad)}/{swaps}")
    assert bad == [], bad[:10]
    assert swap_bad == [], swap_bad[:10]


@pytest.mark.timeout(300)
def test_spliced_old_page_is_measured(sample, figure) -> None:  # type: ignore[no-untyped-def]
    """Replace one page with its older version (a field silently reverted) and see who notices."""
    from cse_toolkit.vault.vault import open_with_key_for_restore

    root, folder, dek = sample
    old = root / "old"
    copy_vault(folder, old)
    vault = open_with_key_for_restore(folder, "sam", dek)
    child = vault.repos.list_children()[3]
    vault.repos.update_child(
        child.id, expected_version=child.version, school="Changed School", address="1 New Road"
    )
    when = datetime.now(UTC) - timedelta(hours=2)
    for i in range(3):
        vault.repos.add_note(child.id, f"later note {i} " + "seen at the bus station " * 30, when)
    vault.repos.save_draft("note", child.id, {"body": "a later draft"})
    vault.close()
    new_bytes = (folder / "vault.db").read_bytes()
    old_bytes = (old / "vault.db").read_bytes()
    ref = reference_dump(folder, root / "ref", dek)
    changed = [
        p
        for p in range(min(len(new_bytes), len(old_bytes)) // PAGE)
        if new_bytes[p * PAGE : (p + 1) * PAGE] != old_bytes[p * PAGE : (p + 1) * PAGE]
    ]
    results: dict[str, str] = {}
    for page in changed:
        trial = root / "trial"
        copy_vault(folder, trial)
        spliced = bytearray(new_bytes)
        spliced[page * PAGE : (page + 1) * PAGE] = old_bytes[page * PAGE : (page + 1) * PAGE]
        (trial / "vault.db").write_bytes(bytes(spliced))
        results[f"page {page + 1}"] = probe(trial, dek, ref)
    detected = sum(_detected(o) for o in results.values())
    silent = {p: o for p, o in results.items() if o.startswith("WRONG")}
    unchanged = sum(o == "intact" for o in results.values())
    figure("splice_pages_differing", len(results))
    figure("splice_detected", f"{detected}/{len(results)} ({unchanged} changed nothing read)")
    figure("splice_outcomes", results)
    figure("splice_silent", f"{len(silent)} of {len(results)}: {silent or 'none'}")
    assert not any(o.startswith("unclear") for o in results.values()), results
    assert results, "the update changed no page?"
    assert silent == {}, silent


@pytest.mark.timeout(300)
def test_bit_flips_in_long_notes_never_read_as_zeros(tmp_path: Path, figure) -> None:  # type: ignore[no-untyped-def]
    """One bit flipped in every page holding long notes' overflow: what the app reads is
    either the note as written or a "damaged" message, never the note with NULs."""
    root = scratch_root(tmp_path)
    try:
        folder = root / "long"
        vault = make_vault(folder)
        child = vault.repos.add_child(name="Jay Example")
        when = datetime.now(UTC) - timedelta(days=1)
        rng = random.Random(SEED)
        words = "bus station park car phone adult party school late gift money taxi".split()
        for i in range(4):
            body = f"long note {i} " + " ".join(rng.choice(words) for _ in range(4000))
            vault.repos.add_note(child.id, body, when)
        vault.close()
        dek = dek_of(folder)
        ref = reference_dump(folder, root / "ref", dek)
        data = (folder / "vault.db").read_bytes()
        pages = len(data) // PAGE
        outcomes: collections.Counter[str] = collections.Counter()
        silent: list[str] = []
        tried = 0
        # Page 1 holds the header and salt (refused outright); of the others, ZERO_FILL_PAGES
        # spread evenly (every page when there are fewer).
        step = max(1, (pages - 1) // ZERO_FILL_PAGES)
        for page in range(1, pages, step):
            trial = root / "trial"
            copy_vault(folder, trial)
            position = page * PAGE + rng.randrange(16, PAGE - 48)  # inside the page's data
            flip_bit(trial / "vault.db", position, rng.randrange(8))
            outcome = probe(trial, dek, ref)
            tried += 1
            outcomes[outcome.split(":")[0]] += 1
            if outcome.startswith("WRONG") or outcome.startswith("unclear"):
                silent.append(f"page {page + 1}: {outcome}")
        figure("zero_fill_flips", f"{tried} of {pages} pages flipped once each")
        figure("zero_fill_outcomes", dict(sorted(outcomes.items())))
        figure("zero_fill_silent", f"{len(silent)} of {tried}")
        assert silent == [], silent
    finally:
        if root != tmp_path:
            shutil.rmtree(root, ignore_errors=True)
