"""`cse-toolkit demo`: fill a vault with realistic synthetic data (every name is invented)."""

from __future__ import annotations

import argparse
import itertools
import json
import sys

from cse_toolkit import paths
from cse_toolkit.commands.common import add_vault_args, secrets
from cse_toolkit.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("demo", help="fill a vault with realistic synthetic data")
    add_vault_args(p)
    p.add_argument("--children", type=int, required=True, metavar="N")
    p.add_argument("--seed", type=int, default=1, metavar="S")
    p.add_argument("--notes-per-child", type=int, default=8, metavar="K")
    p.add_argument(
        "--intelligence-share",
        type=float,
        default=0.3,
        metavar="F",
        help="share of children with an intelligence report (default 0.3)",
    )
    p.add_argument("--json", action="store_true", help="print the cases created as JSON")
    p.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    from cse_toolkit.core import demo
    from cse_toolkit.core.ids import ref_for
    from cse_toolkit.vault import bulk, rows
    from cse_toolkit.vault.db import IntegrityError
    from cse_toolkit.vault.vault import Vault, exists

    if not 0 <= args.children <= 100_000:
        raise UserError("--children must be between 0 and 100000.")
    if not 0 <= args.intelligence_share <= 1:
        raise UserError("--intelligence-share must be between 0 and 1.")
    folder = paths.data_dir(args.data_dir)
    if exists(folder):
        vault = Vault.open(folder, args.user, secrets().read("Passphrase: "), policy=args.policy)
    else:
        passphrase = secrets().read_new("Passphrase for the new demo vault: ", "passphrase")
        vault, _recovery = Vault.create(
            folder,
            args.user or "demo",
            "dsl",
            passphrase,
            display_name="Demo DSL",
            policy=args.policy,
        )
    try:

        def progress(done: int) -> None:
            if not args.json and sys.stderr.isatty():
                print(f"\r{done} children", end="", file=sys.stderr)

        made = iter(
            demo.generate(args.children, args.seed, args.notes_per_child, today=vault.now().date())
        )
        first = next(made, None)
        already = UserError(
            f"This vault already has the demo data of seed {args.seed}: nothing was added. "
            "Run demo with another --seed to add different children."
        )
        if first is not None and rows.CHILDREN.exists(vault.conn, first.id):
            raise already
        try:
            children = bulk.load_children(
                vault, itertools.chain([first] if first else [], made), progress=progress
            )
        except IntegrityError as exc:  # some of these children (same seed and ids) are here
            raise UserError(
                f"Some children of demo seed {args.seed} are already in this vault, so loading "
                "stopped there. Run demo with another --seed to add different children."
            ) from exc
        reports = demo.intelligence(children, args.seed, args.intelligence_share)
        bulk.load_reports(vault, reports)
        with_intel = {c for r in reports for c in r.child_ids}
        cases = [{"ref": ref_for(c.id), "has_intelligence": c.id in with_intel} for c in children]
    finally:
        vault.close()
    if args.json:
        print(json.dumps({"cases": cases}, indent=2))
    else:
        notes = sum(len(c.notes) for c in children)
        print(
            f"Added {len(children)} synthetic children, {notes} notes and "
            f"{len(reports)} intelligence reports to {folder}."
        )
    return 0
