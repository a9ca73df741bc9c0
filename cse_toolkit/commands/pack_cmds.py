"""Packs on the command line: export, verify-pack, import-pack, outbox."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from cse_toolkit.commands.common import add_vault_args, safe_text, secrets
from cse_toolkit.commands.setup_cmds import open_vault
from cse_toolkit.errors import UserError

if TYPE_CHECKING:
    from cse_toolkit.services.export import SharingChoice

GROUND_CHOICES = [
    "risk_of_significant_harm",
    "interfere_with_police_investigation",
    "unjustified_delay",
    "prejudice_serious_crime",
]


# import-pack's exit code for a pack imported before (nothing changed); 0 imported, 1 refused.
ALREADY_IMPORTED = 3


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("export", help="export an encrypted pack for one recipient")
    add_vault_args(p)
    p.add_argument("--case", required=True, metavar="REF", help="the child's reference")
    p.add_argument("--kind", required=True, choices=["referral", "intelligence", "screening"])
    p.add_argument("--out", required=True, metavar="FILE", help="the pack file to write (.pdf)")
    p.add_argument("--report", metavar="REF", help="intelligence: which report (default newest)")
    p.add_argument(
        "--consent",
        choices=["given", "refused", "not-sought"],
        help="the information-sharing decision (referral/screening)",
    )
    p.add_argument("--ground", choices=GROUND_CHOICES, help="ground for sharing without consent")
    p.add_argument("--reason", default="", help="why it is shared now (recorded in the pack)")
    p.add_argument(
        "--urgency", choices=["immediate_danger", "urgent", "non_urgent"], default="non_urgent"
    )
    p.add_argument(
        "--name-other-children",
        action="store_true",
        help="referral: name the other children of an incident (default: only how many)",
    )
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "verify-pack",
        help="check packs without importing them (--json / --json-lines for a receiving system)",
        description="Check one pack, or several for a pipeline, without importing anything and "
        "without writing anything to disk. Pack passwords are read from standard input, one "
        "line per pack in file order (after your passphrase when --data-dir or --user opens a "
        "vault). Exit 0: every pack verified; 1: at least one was refused (the reason is in "
        "the JSON and on stderr); 2: usage error.",
    )
    add_vault_args(p)
    p.add_argument(
        "file",
        metavar="FILE",
        nargs="+",
        help="a pack, or a folder standing for its *.pdf files sorted by name "
        "(several packs need --json-lines)",
    )
    p.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the pack password(s) from standard input (the default when it "
        "is not a terminal)",
    )
    p.add_argument(
        "--expect-signer",
        metavar="FPR",
        help="the sender's key fingerprint as they read it out (or their key, "
        "base64): refuse any other signer",
    )
    p.add_argument(
        "--revoked",
        metavar="FILE",
        help="a revocation list (docs/IT-GUIDE.md): refuse packs signed by a revoked "
        "key and dated at or after its revocation, flag older ones",
    )
    out = p.add_mutually_exclusive_group()
    out.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object: the result and the verified pack.json "
        "(docs/verify-pack.schema.json)",
    )
    out.add_argument(
        "--json-lines", action="store_true", help="print one JSON object per pack, one per line"
    )
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("import-pack", help="import a pack into this vault (DSL)")
    add_vault_args(p)
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--password-stdin", action="store_true", help="read the pack password from standard input"
    )
    p.add_argument(
        "--expect-signer",
        metavar="FPR",
        help="the sender's key fingerprint as they read it out (or their key, "
        "base64): refuse any other signer; a first pack from an unknown "
        "signer is imported only with it",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("outbox", help="exported packs and their state")
    add_vault_args(p)
    p.add_argument("--mark-sent", metavar="ID")
    p.add_argument("--mark-acknowledged", metavar="ID")
    p.add_argument("--reference", default="", help="the recipient's reference (acknowledged)")
    p.set_defaults(func=cmd_outbox)


def _sharing(args: argparse.Namespace, kind: str) -> SharingChoice:
    import sys

    from cse_toolkit.services.export import SharingChoice

    if kind == "intelligence":
        return SharingChoice(reason=args.reason)
    if args.consent == "given":
        return SharingChoice(consent_sought=True, consent_given=True, reason=args.reason)
    if args.consent in ("refused", "not-sought"):
        if not args.ground:
            raise UserError("Sharing without consent needs --ground (why consent was not needed).")
        return SharingChoice(
            consent_sought=args.consent == "refused",
            consent_given=False if args.consent == "refused" else None,
            ground_without_consent=args.ground,
            reason=args.reason,
        )
    print(
        "Note: no information-sharing decision was given (--consent); the pack records that "
        "the decision was not recorded at export. Record it with the recipient.",
        file=sys.stderr,
    )
    return SharingChoice(
        reason=args.reason or "Decision not recorded at export (command line).",
        ground_without_consent=args.ground,
    )


def cmd_export(args: argparse.Namespace) -> int:
    from cse_toolkit.services.export import ReferralDetails, build_pack, export

    out = Path(args.out)
    vault = open_vault(args)
    try:
        child = vault.repos.get_child(args.case)
        details = ReferralDetails(
            urgency=args.urgency,
            reason=args.reason,
            name_other_children=args.name_other_children,
        )
        pack = build_pack(
            vault,
            args.kind,
            child_id=child.id,
            report_id=args.report,
            sharing=_sharing(args, args.kind),
            details=details,
        )
        done = export(vault, pack, out)
    finally:
        vault.close()
    print(f"Exported {args.kind} pack to {done.result.path} ({done.result.size:,} bytes)")
    print(f"Signed by your key: {done.result.signer_fingerprint}")
    print(f"Password: {done.result.password}")
    print("Send the file by secure email and give the password by another route (phone).")
    return 0


def _pack_password(args: argparse.Namespace) -> str:
    return secrets().read("Pack password: ", "pack password")


def _usage(message: str) -> int:
    import sys

    print(f"cse-toolkit verify-pack: error: {message}", file=sys.stderr)
    return 2


def _passwords(paths: list[Path]):  # type: ignore[no-untyped-def]
    """One password per pack, in file order; None where none was given (that pack is refused)."""
    for path in paths:
        try:
            yield secrets().read(f"Pack password for {path.name}: ", "pack password")
        except UserError:
            yield None


def cmd_verify(args: argparse.Namespace) -> int:
    import sys

    from cse_toolkit.services import trust, verified_json

    paths = verified_json.expand(args.file)
    several = len(paths) != 1 or any(Path(f).is_dir() for f in args.file)
    if several and not args.json_lines:
        return _usage("several packs (or a folder) need --json-lines")
    if not paths:
        return _usage("the folder holds no .pdf files")
    revocations = verified_json.load_revocations(Path(args.revoked)) if args.revoked else None
    vault = open_vault(args) if (args.data_dir or args.user) else None
    try:
        lookup = None
        if vault is not None:

            def lookup(key: str) -> str:
                return "trusted" if trust.is_trusted(vault, key) else "not_trusted"

        if not (args.json or args.json_lines):
            return _verify_text(args, paths[0], lookup, revocations)
        refused = 0
        for result in verified_json.results(
            paths,
            _passwords(paths),
            expect_signer=args.expect_signer,
            trust_lookup=lookup,
            revocations=revocations,
        ):
            # JSON escapes every control character itself (ensure_ascii).
            if args.json_lines:
                print(json.dumps(result, separators=(",", ":")), flush=True)
            else:
                print(json.dumps(result, indent=2))
            if not result["valid"]:
                refused += 1
                print(
                    f"cse-toolkit: {safe_text(result['file'])}: "
                    f"{safe_text(result['error']['message'])}",
                    file=sys.stderr,
                )
            elif result["signer"]["revoked"] is not None:
                print(
                    f"cse-toolkit: {safe_text(result['file'])}: warning: signed by revoked "
                    f"key {result['signer_fingerprint']} (the pack is dated before the "
                    "revocation; that date is the signer's own claim)",
                    file=sys.stderr,
                )
    finally:
        if vault is not None:
            vault.close()
    return 1 if refused else 0


def _verify_text(args: argparse.Namespace, path: Path, lookup, revocations) -> int:  # type: ignore[no-untyped-def]
    from cse_toolkit.services import verified_json

    result = verified_json.result_for(
        path,
        _pack_password(args),
        expect_signer=args.expect_signer,
        trust_lookup=lookup,
        revocations=revocations,
    )
    if not result["valid"]:
        raise UserError(result["error"]["message"])
    # Everything after "Valid" comes from the pack: control characters are shown escaped,
    # so a sender's name cannot overwrite the fingerprint line (ANSI) or reorder it (bidi).
    counts = ", ".join(f"{n} {t}" for t, n in sorted(result["record_counts"].items()))
    head = result["audit_chain_head"]
    print(f"Valid {result['kind']} pack {safe_text(result['pack_id'])}")
    print(f"  signed by key {result['signer_fingerprint']}")
    print(f"  signer: {_TRUST_WORDS[result['signer']['trust']]}")
    print(
        f"  from {safe_text(result['sender'])} ({safe_text(result['organisation'])}) to "
        f"{safe_text(result['recipient'])}"
    )
    print(
        f"  created {result['created_at'][:16].replace('T', ' ')} UTC; audit chain head "
        f"{head['seq']}:{head['hash'][:16]}"
    )
    print(f"  records: {counts}")
    revoked = result["signer"]["revoked"]
    if revoked is not None:
        print(
            f"  WARNING: this key was revoked at {revoked['revoked_at']}; the pack says it was "
            "made before that, but that date is the signer's own claim. Check with the "
            "sender's organisation before relying on it."
        )
    return 0


_TRUST_WORDS = {
    "trusted": "a DSL of this vault has confirmed this key",
    "not_trusted": "this vault has not confirmed this key",
    "expected": "the key you expected",
    "unknown": "not checked against a vault: compare the fingerprint with the sender",
    "revoked": "REVOKED",
}


def cmd_import(args: argparse.Namespace) -> int:
    from cse_toolkit.services.merge import import_pack

    vault = open_vault(args)  # passphrase is the first line, the pack password the next
    try:
        report = import_pack(vault, Path(args.file), _pack_password(args), args.expect_signer)
    finally:
        vault.close()
    if args.json:
        print(
            json.dumps(
                {
                    "pack_id": report.pack_id,
                    "kind": report.kind,
                    "added": report.added,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                    "conflicts": len(report.conflicts),
                    "already_imported": report.already_imported,
                    "possible_duplicates": [
                        {"imported": a, "already_here": b} for a, b in report.possible_duplicates
                    ],
                },
                indent=2,
            )
        )
    else:
        print("\n".join(safe_text(line) for line in report.lines()))
        if report.new_signer:
            print(
                f"Signer {report.signer_fingerprint} is now trusted by this vault (you "
                "confirmed the fingerprint with --expect-signer)."
            )
    # A script tells "already imported, nothing changed" (3) from "imported" (0) by the code
    # alone (docs/ARCHITECTURE.md, command line changes).
    return ALREADY_IMPORTED if report.already_imported else 0


def cmd_outbox(args: argparse.Namespace) -> int:
    from cse_toolkit.services import outbox

    vault = open_vault(args)
    try:
        if args.mark_sent:
            outbox.mark_sent(vault, outbox.find_export(vault, args.mark_sent))
        if args.mark_acknowledged:
            outbox.mark_acknowledged(
                vault, outbox.find_export(vault, args.mark_acknowledged), args.reference
            )
        items = outbox.outbox(vault)
    finally:
        vault.close()
    if not items:
        print("The outbox is empty.")
    for item in items:
        ref = f" ref {item.recipient_ref}" if item.recipient_ref else ""
        print(
            f"{item.id[:8]}  {item.created_at:%Y-%m-%d}  {item.kind:12s} {item.state:12s} "
            f"{safe_text(item.recipient)}{safe_text(ref)}  {safe_text(item.file_name)}"
        )
    return 0
