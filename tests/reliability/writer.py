"""A writer process for crash tests: realistic vault writes, each acknowledged on stdout.

    python writer.py FOLDER SEED [--hold-after N]

Opens the vault in FOLDER (user "sam", the test passphrase, floor Argon2id parameters; or, when
CSE_TEST_DEK holds the data key in hex, with that key so many short lives skip the deliberately
slow key derivation, which reads only keyslots.json and changes no file), prints
``ready``, then writes for ever: children, notes of varying size, pathway steps, missing
episodes, drafts (upserted and deleted). After each write has COMMITTED it prints one line and
flushes, so a line the test has read is a promise that the record is on disk:

    child ID | childv ID VERSION | note ID SHA | step ID | missing ID | draft ID N

Before a delete it prints ``intent-del DRAFT_ID`` (a delete may commit without its line).
With ``--hold-after N`` it stops after N writes, opens a transaction, spills uncommitted pages
into the WAL, prints ``held`` and waits to be killed.
"""

from __future__ import annotations

import hashlib
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

PASSPHRASE = "otter lamp river gravel"  # tests/conftest.py PASSPHRASE
WORDS = (
    "bus station park car phone adult older friend party school late missing gift money "
    "taxi snapchat alcohol hotel flat night staff youth centre seen reported shop worried "
    "refused talk mum carer police social worker returned home tired bruise new clothes"
).split()


def text(rng: random.Random, chars: int) -> str:
    out: list[str] = []
    size = 0
    while size < chars:
        word = rng.choice(WORDS)
        out.append(word)
        size += len(word) + 1
    return " ".join(out)


def ack(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main() -> int:
    folder = Path(sys.argv[1])
    rng = random.Random(int(sys.argv[2]))
    hold_after = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--hold-after" else None

    import os

    from cse_toolkit.vault.vault import Vault, open_with_key_for_restore

    dek = os.environ.pop("CSE_TEST_DEK", "")
    if dek:
        vault = open_with_key_for_restore(folder, "sam", bytes.fromhex(dek))
    else:
        vault = Vault.open(folder, "sam", PASSPHRASE)
    repos = vault.repos
    children = [(c.id, c.version) for c in repos.list_children()]
    drafts = [d.id for d in repos.drafts()]
    stepped = {r[0] for r in vault.conn.execute("SELECT child_id FROM pathway_steps")}
    ack("ready")
    now = datetime.now(UTC)
    writes = 0
    while hold_after is None or writes < hold_after:
        roll = rng.random()
        past = now - timedelta(minutes=rng.randint(1, 60 * 24 * 400))
        if not children or roll < 0.08:
            child = repos.add_child(
                name=f"Child {rng.randint(1, 10**6)}", alias=rng.choice(WORDS), approx_age=14
            )
            children.append((child.id, child.version))
            ack(f"child {child.id}")
        elif roll < 0.15:
            i = rng.randrange(len(children))
            child_id, version = children[i]
            child = repos.update_child(
                child_id, expected_version=version, school=text(rng, rng.randint(5, 200))
            )
            children[i] = (child.id, child.version)
            ack(f"childv {child.id} {child.version}")
        elif roll < 0.60:
            size = int(min(30_000, rng.lognormvariate(6.0, 1.3)))
            body = text(rng, max(10, size))
            note = repos.add_note(rng.choice(children)[0], body, past, place=rng.choice(WORDS))
            ack(f"note {note.id} {hashlib.sha256(body.encode()).hexdigest()[:16]}")
        elif roll < 0.70 and any(c[0] not in stepped for c in children):
            # The pathway's first step, once per child (the engine refuses skips and repeats).
            child_id = rng.choice([c[0] for c in children if c[0] not in stepped])
            step = repos.record_step(
                child_id,
                "worcestershire-cse-2013",
                "concern",
                past,
                {
                    "what": text(rng, 80),
                    "when": past.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "by_whom": "me",
                },
            )
            stepped.add(child_id)
            ack(f"step {step.id}")
        elif roll < 0.75:
            episode = repos.add_missing(rng.choice(children)[0], past, past + timedelta(hours=5))
            ack(f"missing {episode.id}")
        elif roll < 0.92 or not drafts:
            n = time.time_ns()  # grows across writer lives, unlike a counter
            draft_id = rng.choice(drafts) if drafts and rng.random() < 0.5 else None
            draft_id = repos.save_draft(
                "note", rng.choice(children)[0], {"n": n, "body": text(rng, 300)}, draft_id
            )
            if draft_id not in drafts:
                drafts.append(draft_id)
            ack(f"draft {draft_id} {n}")
        else:
            draft_id = drafts.pop(rng.randrange(len(drafts)))
            ack(f"intent-del {draft_id}")
            if rng.random() < 0.5:
                repos.delete_draft(draft_id)
            else:
                body = text(rng, 400)
                note = repos.add_note(rng.choice(children)[0], body, past, draft_id=draft_id)
                ack(f"note {note.id} {hashlib.sha256(body.encode()).hexdigest()[:16]}")
        writes += 1
    # Uncommitted work big enough to spill out of a tiny page cache into the WAL.
    vault.conn.execute("PRAGMA cache_size = 8")
    vault.conn.execute("BEGIN IMMEDIATE")
    for _ in range(40):
        vault.conn.execute(
            "INSERT INTO drafts (id, user_id, kind, payload, updated_at) VALUES (?,?,?,?,?)",
            (f"uncommitted-{rng.random()}", vault.user.id, "note", text(rng, 8000), "x"),
        )
    ack("held")
    time.sleep(3600)
    return 0


if __name__ == "__main__":
    sys.exit(main())
