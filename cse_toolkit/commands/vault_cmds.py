"""Vault maintenance: audit verify, backup, restore, accept an older copy."""

from __future__ import annotations

import argparse
from pathlib import Path

from cse_toolkit import paths
from cse_toolkit.commands.common import add_vault_args, safe_text, secrets
from cse_toolkit.commands.setup_cmds import open_vault
from cse_toolkit.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("audit", help="the audit trail")
    audit_sub = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    ver = audit_sub.add_parser("verify", help="check the hash chain and the saved chain head")
    add_vault_args(ver)
    ver.add_argument("--full", action="store_true", help="also check every database page")
    ver.set_defaults(func=cmd_audit_verify)
    reb = audit_sub.add_parser(
        "rebuild-case-state",
        help="recompute every child's stored next step and due dates from their records",
    )
    add_vault_args(reb)
    reb.set_defaults(func=cmd_rebuild_case_state)
    show = audit_sub.add_parser("show", help="list audit entries (DSL)")
    add_vault_args(show)
    show.add_argument("--last", type=int, default=50)
    show.set_defaults(func=cmd_audit_show)

    p = sub.add_parser("backup", help="write an encrypted backup of the vault")
    add_vault_args(p)
    p.add_argument("--out", required=True, metavar="FILE")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser(
        "restore", help="restore a backup (DSL or admin; the current vault is kept aside)"
    )
    add_vault_args(p)
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--reason", required=True, help="why the backup is restored (recorded in the audit trail)"
    )
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser(
        "accept-older",
        help="open a vault older than this laptop last saw, on purpose (DSL or admin; audited)",
    )
    add_vault_args(p)
    p.add_argument(
        "--reason", required=True, help="why this older copy is kept (recorded in the audit trail)"
    )
    p.set_defaults(func=cmd_accept_older)


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from cse_toolkit.vault import db

    vault = open_vault(args)
    try:
        report = vault.audit_report()
        problems = list(report.problems)
        if args.full:
            problems += [f"database: {p}" for p in vault.integrity_problems()]
        # The stored case state (next steps, due dates) against a full replay of the records.
        cases = vault.case_state_problems()
    except db.DatabaseError as exc:
        # A damaged page in the audit table: the plain "damaged" message, not a traceback.
        raise db.translate(exc, "the audit check") from exc
    finally:
        vault.close()
    head = report.head
    if problems:
        print(f"Audit trail: {len(problems)} problem(s) in {report.entries} entries:")
        for problem in problems:
            print(f"  {safe_text(problem)}")
        raise UserError("The audit trail does not verify. Tell your DSL and IT team.")
    print(f"Audit trail verified: {report.entries} entries, chain head {head.seq}:{head.hash[:16]}")
    if cases:
        print(f"Stored case state: {len(cases)} child(ren) differ from a full replay:")
        for problem in cases:
            print(f"  {safe_text(problem)}")
    else:
        print("Stored case state (next steps, due dates) matches a full replay of every child.")
    if report.authorship.registry_signed:
        print(
            f"Authorship verified against the signed user registry "
            f"({report.decisions_checked} sign-offs and levels checked):"
        )
    else:
        print(
            "Authorship cannot be proven yet: the user registry is not signed (the first "
            "admin signs it at their next unlock)."
        )
    for line in report.authorship.report_lines():
        print(safe_text(line))
    if cases:
        raise UserError(
            "The stored next steps and due dates of the children above differ from their "
            "records. Run 'cse-toolkit audit rebuild-case-state', then verify again; if they "
            "still differ, tell your IT team."
        )
    return 0


def cmd_rebuild_case_state(args: argparse.Namespace) -> int:
    vault = open_vault(args)
    try:
        count = vault.rebuild_case_state()
        left = vault.case_state_problems()
    finally:
        vault.close()
    print(f"Case state rebuilt from the records for {count} children.")
    if left:
        for problem in left:
            print(f"  {safe_text(problem)}")
        raise UserError("The rebuilt case state still differs from a replay. Tell your IT team.")
    return 0


def cmd_audit_show(args: argparse.Namespace) -> int:
    from cse_toolkit.vault import audit

    vault = open_vault(args)
    try:
        vault.require("dsl", "admin")
        head = vault.chain_head()
        start = max(0, head.seq - args.last)
        for row in audit.rows(vault.conn, limit=args.last, offset=start):
            record = f"{row.record_type}:{row.record_id[:8]}" if row.record_id else ""
            # Actors and reasons were typed by people (a restore's reason): shown escaped.
            print(
                f"{row.seq:6d} {row.at} {safe_text(row.actor):12s} {safe_text(row.action):24s}"
                f" {safe_text(record)} {safe_text(row.reason)}"
            )
    finally:
        vault.close()
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from cse_toolkit.vault.backup import create_backup

    vault = open_vault(args)
    try:
        manifest = create_backup(vault, Path(args.out))
    finally:
        vault.close()
    print(f"Backup written to {Path(args.out).resolve()} (audit entry {manifest['audit_seq']}).")
    print("It is encrypted; it opens with any user's passphrase or the recovery key.")
    return 0


def cmd_accept_older(args: argparse.Namespace) -> int:
    from cse_toolkit.vault.vault import Vault, exists

    folder = paths.data_dir(args.data_dir)
    if not exists(folder):
        from cse_toolkit.vault.errors import NoVaultError

        raise NoVaultError(str(folder))
    reason = " ".join(str(args.reason).split())
    if not reason:
        raise UserError("Say why this older copy is kept (--reason): it is audited.")
    passphrase = secrets().read("Passphrase: ")
    vault = Vault.open(folder, args.user, passphrase, policy=args.policy, accept_older=reason)
    try:
        head = vault.chain_head()
    finally:
        vault.close()
    print(
        f"The vault in {folder} opens as it is now (audit entry {head.seq}); this laptop "
        "records it as the latest state. The decision is in the audit trail."
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from cse_toolkit.vault.backup import restore_backup

    folder = paths.data_dir(args.data_dir)
    passphrase = secrets().read("Passphrase: ")
    kept = restore_backup(
        Path(args.file), folder, args.user, passphrase, args.reason, policy=args.policy
    )
    print(f"Restored {Path(args.file).name} into {folder}.")
    if kept:
        print(f"The vault it replaced was kept at {kept} (nothing in it was deleted).")
        print(
            "The current passphrases were kept: passphrases changed since the backup stay changed."
        )
    return 0
