"""Packs on the command line: export, verify-pack, import-pack, outbox."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from cse_toolkit.commands.common import add_vault_args, safe_text, secrets
from cse_toolkit.commands.setup_cmds import open_vault
from cse_toolkit.errors import UserError

GROUND_CHOICES = [
    "risk_of_significant_harm",
    "interfere_with_police_investigation",
    "unjustified_delay",
    "prejudice_serious_crime",
]


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("export", help="export an encrypted pack for one recipient")
    add_vault_args(p)
    p.add_argument("--case", required=True, metavar="REF", help="the child's reference")
    p.add_argument("--kind", required=True, choices=["referral", "intelligence", "screening"])
    p.add_argument("--out", required=True, metavar="FILE", help="the pack file to write (.pdf)")
    p.add_argument("--report", metavar="REF", help="intelligence: which report (default newest)")
    p.add_argument("--consent", choices=["given", "refused", "not-sought"],
                   help="the information-sharing decision (referral/screening)")
    p.add_argument("--ground", choices=GROUND_CHOICES, help="ground for sharing without consent")
    p.add_argument("--reason", default="", help="why it is shared now (recorded in the pack)")
    p.add_argument("--urgency", choices=["immediate_danger", "urgent", "non_urgent"],
                   default="non_urgent")
    p.set_defaults(func=cmd_export)

    for name, helptext in (("verify-pack", "check a pack without importing it"),
                           ("import-pack", "import a pack into this vault (DSL)")):
        p = sub.add_parser(name, help=helptext)
        add_vault_args(p)
        p.add_argument("file", metavar="FILE")
        p.add_argument("--password-stdin", action="store_true",
                       help="read the pack password from standard input")
        p.add_argument("--expect-signer", metavar="FPR",
                       help="the sender's key fingerprint as they read it out (or their key, "
                            "base64): refuse any other signer; a first pack from an unknown "
                            "signer is imported only with it")
        p.add_argument("--json", action="store_true")
        p.set_defaults(func=cmd_verify if name == "verify-pack" else cmd_import)

    p = sub.add_parser("outbox", help="exported packs and their state")
    add_vault_args(p)
    p.add_argument("--mark-sent", metavar="ID")
    p.add_argument("--mark-acknowledged", metavar="ID")
    p.add_argument("--reference", default="", help="the recipient's reference (acknowledged)")
    p.set_defaults(func=cmd_outbox)


def _sharing(args: argparse.Namespace, kind: str):  # type: ignore[no-untyped-def]
    import sys

    from cse_toolkit.services.exchange import SharingChoice

    if kind == "intelligence":
        return SharingChoice(reason=args.reason)
    if args.consent == "given":
        return SharingChoice(consent_sought=True, consent_given=True, reason=args.reason)
    if args.consent in ("refused", "not-sought"):
        if not args.ground:
            raise UserError("Sharing without consent needs --ground (why consent was not needed).")
        return SharingChoice(consent_sought=args.consent == "refused",
                             consent_given=False if args.consent == "refused" else None,
                             ground_without_consent=args.ground, reason=args.reason)
    print("Note: no information-sharing decision was given (--consent); the pack records that "
          "the decision was not recorded at export. Record it with the recipient.",
          file=sys.stderr)
    return SharingChoice(reason=args.reason or "Decision not recorded at export (command line).",
                         ground_without_consent=args.ground)


def cmd_export(args: argparse.Namespace) -> int:
    from cse_toolkit.services import exchange

    out = Path(args.out)
    vault = open_vault(args)
    try:
        child = vault.repos.get_child(args.case)
        details = exchange.ReferralDetails(urgency=args.urgency, reason=args.reason)
        pack = exchange.build_pack(
            vault, args.kind, child_id=child.id, report_id=args.report,
            sharing=_sharing(args, args.kind), details=details,
        )
        done = exchange.export(vault, pack, out)
    finally:
        vault.close()
    print(f"Exported {args.kind} pack to {done.result.path} ({done.result.size:,} bytes)")
    print(f"Signed by your key: {done.result.signer_fingerprint}")
    print(f"Password: {done.result.password}")
    print("Send the file by secure email and give the password by another route (phone).")
    return 0


def _pack_password(args: argparse.Namespace) -> str:
    return secrets().read("Pack password: ", "pack password")


def cmd_verify(args: argparse.Namespace) -> int:
    from cse_toolkit.services import exchange

    verified = exchange.verify(Path(args.file), _pack_password(args), args.expect_signer)
    summary = verified.summary
    if args.json:
        # JSON escapes every control character itself (ensure_ascii).
        print(json.dumps({"valid": True, **summary.as_dict()}, indent=2, default=str))
    else:
        # Everything after "Valid" comes from the pack: control characters are shown escaped,
        # so a sender's name cannot overwrite the fingerprint line (ANSI) or reorder it (bidi).
        print(f"Valid {summary.kind} pack {safe_text(summary.pack_id)}")
        print(f"  signed by key {summary.signer_fingerprint}")
        print(f"  from {safe_text(summary.sender)} ({safe_text(summary.organisation)}) to "
              f"{safe_text(summary.recipient)}")
        print(f"  created {summary.created_at:%Y-%m-%d %H:%M} UTC; audit chain head "
              f"{summary.audit_seq}:{summary.audit_hash[:16]}")
        counts = ", ".join(f"{n} {t}" for t, n in sorted(summary.record_counts.items()))
        print(f"  records: {counts}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from cse_toolkit.services import exchange

    vault = open_vault(args)  # passphrase is the first line, the pack password the next
    try:
        report = exchange.import_pack(vault, Path(args.file), _pack_password(args),
                                      args.expect_signer)
    finally:
        vault.close()
    if args.json:
        print(json.dumps({"pack_id": report.pack_id, "kind": report.kind,
                          "added": report.added, "updated": report.updated,
                          "unchanged": report.unchanged,
                          "conflicts": len(report.conflicts),
                          "already_imported": report.already_imported,
                          "possible_duplicates": [
                              {"imported": a, "already_here": b}
                              for a, b in report.possible_duplicates]}, indent=2))
    else:
        print("\n".join(safe_text(line) for line in report.lines()))
        if report.new_signer:
            print(f"Signer {report.signer_fingerprint} is now trusted by this vault (you "
                  "confirmed the fingerprint with --expect-signer).")
    return 0


def cmd_outbox(args: argparse.Namespace) -> int:
    from cse_toolkit.services import exchange

    vault = open_vault(args)
    try:
        if args.mark_sent:
            exchange.mark_sent(vault, _find(vault, args.mark_sent))
        if args.mark_acknowledged:
            exchange.mark_acknowledged(vault, _find(vault, args.mark_acknowledged),
                                       args.reference)
        items = exchange.outbox(vault)
    finally:
        vault.close()
    if not items:
        print("The outbox is empty.")
    for item in items:
        ref = f" ref {item.recipient_ref}" if item.recipient_ref else ""
        print(f"{item.id[:8]}  {item.created_at:%Y-%m-%d}  {item.kind:12s} {item.state:12s} "
              f"{safe_text(item.recipient)}{safe_text(ref)}  {safe_text(item.file_name)}")
    return 0


def _find(vault, prefix: str) -> str:  # type: ignore[no-untyped-def]
    rows = vault.conn.execute("SELECT id FROM exports WHERE id LIKE ?", (prefix + "%",)).fetchall()
    if len(rows) != 1:
        raise UserError(f"No single outbox entry starts with '{prefix}'.")
    return str(rows[0][0])
