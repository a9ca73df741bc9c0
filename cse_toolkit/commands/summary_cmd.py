"""`cse-toolkit summary`: anonymised figures for a network meeting (DSL only)."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

from cse_toolkit.commands.common import add_vault_args
from cse_toolkit.errors import UserError


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2026-01-31") from None


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "summary",
        help="anonymised figures for a network meeting (DSL)",
        description="Children known, levels, schools, hotspots, themes and missing episodes, "
        "with numbers from 1 to 4 shown as 'fewer than 5'. Dates are inclusive (UTC days).",
    )
    add_vault_args(p)
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.add_argument(
        "--from",
        dest="date_from",
        type=_date,
        metavar="DATE",
        help="first day of the period (YYYY-MM-DD)",
    )
    p.add_argument(
        "--to",
        dest="date_to",
        type=_date,
        metavar="DATE",
        help="last day of the period (YYYY-MM-DD)",
    )
    p.add_argument(
        "--schools",
        type=int,
        metavar="N",
        help="number of schools in the area (default: schools recorded in the vault)",
    )
    p.add_argument("--pdf", metavar="FILE", help="also write the one-page PDF to FILE")
    p.set_defaults(func=cmd_summary)


def cmd_summary(args: argparse.Namespace) -> int:
    from cse_toolkit.commands.setup_cmds import open_vault

    if args.schools is not None and args.schools < 0:
        raise UserError("--schools cannot be negative.")
    if args.date_from and args.date_to and args.date_from > args.date_to:
        raise UserError("--from is after --to. Check the dates.")
    vault = open_vault(args)
    try:
        vault.require("dsl")
        result = vault.dsl.summary(args.date_from, args.date_to, schools_listed=args.schools)
        if args.pdf:
            from cse_toolkit.packs.summary_pdf import save_summary_pdf

            save_summary_pdf(result, Path(args.pdf))
        try:
            vault.dsl.record_summary(
                "pdf" if args.pdf else "json" if args.json else "text", args.date_from, args.date_to
            )
        except BaseException:
            if args.pdf:  # not audited, so not kept: no summary file the trail does not show
                Path(args.pdf).unlink(missing_ok=True)
            raise
    finally:
        vault.close()
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(result.to_text())
        if args.pdf:
            print(f"\nPDF written to {args.pdf}")
    return 0
