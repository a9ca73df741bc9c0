"""Set-up commands: paths, self-test, init, passwd, recover, user add / set-details, policy
check."""

from __future__ import annotations

import argparse
import base64
import json
import sys
from pathlib import Path

from cse_toolkit import APP_ID, __version__, paths
from cse_toolkit.commands.common import add_vault_args, secrets
from cse_toolkit.core.passphrase import estimate
from cse_toolkit.errors import UserError
from cse_toolkit.policy import Policy, read_policy_file


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("paths", help="show where data, config, policy and logs live")
    add_vault_args(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_paths)

    p = sub.add_parser("self-test", help="headless check of crypto, SQLCipher, resources, Qt")
    p.set_defaults(func=cmd_self_test)

    p = sub.add_parser("init", help="create a vault; prints the recovery key once")
    add_vault_args(p)
    p.add_argument("--role", required=True, choices=["worker", "dsl", "admin"])
    p.add_argument("--name", default="", help="full name shown on exports (optional)")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("passwd", help="change your passphrase (the data is not re-encrypted)")
    add_vault_args(p)
    p.add_argument(
        "--known",
        action="store_true",
        help="my passphrase may be known: also re-encrypt the vault under a new data key, so "
        "no old key-slot file or backup's slot opens it (prints a new recovery key)",
    )
    p.set_defaults(func=cmd_passwd)

    p = sub.add_parser("recover", help="set a new passphrase using the recovery key")
    add_vault_args(p)
    p.add_argument(
        "--organisation-key",
        metavar="FILE",
        help="use the organisation's X25519 private key file (base64) instead of a recovery key",
    )
    p.set_defaults(func=cmd_recover)

    p = sub.add_parser("user", help="manage users (admin)")
    user_sub = p.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    add = user_sub.add_parser("add", help="add a user with their own passphrase")
    add_vault_args(add)
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=["worker", "dsl", "admin"])
    add.add_argument("--display-name", default="")
    add.set_defaults(func=cmd_user_add)
    lst = user_sub.add_parser("list", help="list users, their roles and key fingerprints")
    add_vault_args(lst)
    lst.set_defaults(func=cmd_user_list)
    role = user_sub.add_parser("set-role", help="change a user's role (admin; signs the registry)")
    add_vault_args(role)
    role.add_argument("name")
    role.add_argument("--role", required=True, choices=["worker", "dsl", "admin"])
    role.set_defaults(func=cmd_user_set_role)
    confirm = user_sub.add_parser(
        "confirm-key", help="register a user's new signing key after a recovery (admin)"
    )
    add_vault_args(confirm)
    confirm.add_argument("name")
    confirm.set_defaults(func=cmd_user_confirm_key)
    details = user_sub.add_parser(
        "set-details",
        help="your own details as packs print them (name, job title, agency, phone, email)",
        description="Record how you appear as the referrer or submitter on the packs you "
        "export. Give only what changes; an empty value (--phone '') removes one. Without any "
        "option it shows what is recorded. Kept encrypted in the vault, for you only.",
    )
    add_vault_args(details)
    details.add_argument("--name", dest="details_name", help="your name as it should appear")
    details.add_argument("--job-title", dest="job_title")
    details.add_argument("--agency")
    details.add_argument("--phone", help="work phone")
    details.add_argument("--email", help="secure email")
    details.add_argument("--json", action="store_true", help="print the details as JSON")
    details.set_defaults(func=cmd_user_set_details)

    p = sub.add_parser("policy", help="organisation policy")
    pol_sub = p.add_subparsers(dest="policy_command", metavar="ACTION", required=True)
    chk = pol_sub.add_parser("check", help="validate a policy file and explain every problem")
    chk.add_argument("file")
    chk.set_defaults(func=cmd_policy_check)
    show = pol_sub.add_parser("show", help="show the policy in force")
    show.set_defaults(func=cmd_policy_show)


def cmd_paths(args: argparse.Namespace) -> int:
    info = {
        "data": str(paths.data_dir(args.data_dir)),
        "policy": str(paths.policy_file()),
        "logs": str(paths.log_dir()),
        "temp": str(paths.private_tmp_dir()),
        "resources": str(paths.resource_root()),
    }
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        width = max(len(k) for k in info)
        for key, value in info.items():
            print(f"{key.ljust(width)}  {value}")
    return 0


def _check_strength(passphrase: str, policy: Policy) -> None:
    minimum = policy.min_passphrase_score
    strength = estimate(passphrase)
    if strength.score < minimum:
        raise UserError(f"That passphrase is too weak ({strength.label}). {strength.feedback}")


def cmd_init(args: argparse.Namespace) -> int:
    from cse_toolkit.vault.vault import Vault

    if not args.user:
        raise UserError("Say who you are with --user NAME.")
    policy = args.policy
    folder = paths.data_dir(args.data_dir)
    passphrase = secrets().read_new("Choose a passphrase: ", "passphrase")
    _check_strength(passphrase, policy)
    vault, recovery = Vault.create(
        folder,
        args.user,
        args.role,
        passphrase,
        display_name=args.name,
        organisation_public_key=policy.recovery_public_key,
        policy=policy,
    )
    vault.close()
    print(f"Created a vault for {args.user} ({args.role}) in {folder}")
    print()
    print("Recovery key (shown once; write it down and keep it somewhere safe, away from the")
    print("laptop; with it you can set a new passphrase if you forget yours):")
    print()
    print(f"    {recovery}")
    print()
    if policy.recovery_public_key:
        print("Your organisation can also recover this vault with its recovery key.")
    return 0


def cmd_passwd(args: argparse.Namespace) -> int:
    from cse_toolkit.vault.vault import change_passphrase

    folder = paths.data_dir(args.data_dir)
    old = secrets().read("Current passphrase: ", "current passphrase")
    new = secrets().read_new("New passphrase: ")
    _check_strength(new, args.policy)
    if getattr(args, "known", False):
        return _rekey(folder, args, old, new)
    name = change_passphrase(folder, args.user, old, new, policy=args.policy)
    print(f"Passphrase changed for {name}.")
    return 0


def _rekey(folder: Path, args: argparse.Namespace, old: str, new: str) -> int:
    from cse_toolkit.vault.rekey import rekey

    def progress(fraction: float, words: str) -> None:
        print(f"  {fraction * 100:3.0f}%  {words}", file=sys.stderr)

    result = rekey(folder, args.user, old, new, policy=args.policy, progress=progress)
    print(f"Passphrase changed and the vault re-encrypted for {result.user}.")
    print("No old key-slot file, backup slot or old passphrase opens this vault now.")
    if result.handed_over:
        print(
            "The new key waits for "
            + ", ".join(result.handed_over)
            + ": each takes it at their next unlock with their own passphrase."
        )
    if result.closed:
        print(
            "These people's key slots were closed (made before re-keying could reach them): "
            + ", ".join(result.closed)
            + ". They set a new passphrase with the recovery key below."
        )
    print("New recovery key (write it down and keep it safe; the old one no longer works):")
    print(f"  {result.recovery_key}")
    print("Backups made before now still open only with the passphrases of their time.")
    return 0


def cmd_recover(args: argparse.Namespace) -> int:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    from cse_toolkit.vault.vault import recover

    folder = paths.data_dir(args.data_dir)
    if args.organisation_key:
        try:
            raw = base64.b64decode(Path(args.organisation_key).read_text().strip(), validate=True)
            org_key = X25519PrivateKey.from_private_bytes(raw)
        except (OSError, ValueError) as exc:
            raise UserError(
                f"Cannot read the organisation key from {args.organisation_key}: {exc}"
            ) from exc
        new = secrets().read_new("New passphrase: ")
        _check_strength(new, args.policy)
        name = recover(folder, args.user, new, organisation_key=org_key, policy=args.policy)
    else:
        key = secrets().read("Recovery key: ", "recovery key")
        new = secrets().read_new("New passphrase: ")
        _check_strength(new, args.policy)
        name = recover(folder, args.user, new, recovery_key=key, policy=args.policy)
    print(f"A new passphrase is set for {name}. The recovery key still works; keep it safe.")
    return 0


def open_vault(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """Open the vault named by --data-dir/--user with a passphrase from the terminal or stdin."""
    from cse_toolkit.vault.vault import Vault, exists

    folder = paths.data_dir(args.data_dir)
    if not exists(folder):
        from cse_toolkit.vault.errors import NoVaultError

        raise NoVaultError(str(folder))
    passphrase = secrets().read("Passphrase: ")
    vault = Vault.open(folder, args.user, passphrase, policy=args.policy)
    for notice in vault.notices:
        print(notice, file=sys.stderr)
    return vault


def cmd_user_add(args: argparse.Namespace) -> int:
    from cse_toolkit.vault.vault import Vault, exists

    folder = paths.data_dir(args.data_dir)
    if not exists(folder):
        from cse_toolkit.vault.errors import NoVaultError

        raise NoVaultError(str(folder))
    admin_pass = secrets().read("Your (admin) passphrase: ")
    vault = Vault.open(folder, args.user, admin_pass, policy=args.policy)
    try:
        vault.require("admin")
        new = secrets().read_new(f"Passphrase for {args.name}: ", "new user's passphrase")
        _check_strength(new, args.policy)
        vault.add_user(args.name, args.role, new, admin_pass, display_name=args.display_name)
    finally:
        vault.close()
    print(f"Added {args.name} ({args.role}).")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    from cse_toolkit.commands.common import safe_text
    from cse_toolkit.packs.signing import fingerprint

    vault = open_vault(args)
    try:
        registered = vault.registry.current
        for user in vault.users():
            entry = registered.get(user.name)
            key = entry.public_key if entry else ""
            state = (
                f"key {fingerprint(key)}"
                if key
                else "key not registered yet"
                if entry or not vault.registry.signed
                else "NOT IN THE SIGNED REGISTRY"
            )
            print(
                f"{safe_text(user.name)}\t{user.role}\t"
                f"{'active' if user.active else 'inactive'}\t{state}"
            )
    finally:
        vault.close()
    return 0


def _admin_session(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from cse_toolkit.vault.vault import Vault, exists

    folder = paths.data_dir(args.data_dir)
    if not exists(folder):
        from cse_toolkit.vault.errors import NoVaultError

        raise NoVaultError(str(folder))
    admin_pass = secrets().read("Your (admin) passphrase: ")
    vault = Vault.open(folder, args.user, admin_pass, policy=args.policy)
    return vault, admin_pass


def cmd_user_set_role(args: argparse.Namespace) -> int:
    vault, admin_pass = _admin_session(args)
    try:
        vault.set_role(args.name, args.role, admin_pass)
    finally:
        vault.close()
    print(
        f"{args.name} is now {'an' if args.role == 'admin' else 'a'} {args.role}; the user "
        "registry was signed again with your key."
    )
    return 0


def cmd_user_set_details(args: argparse.Namespace) -> int:
    from cse_toolkit.commands.common import safe_text
    from cse_toolkit.core import my_details as md
    from cse_toolkit.vault import user_details

    vault = open_vault(args)
    try:
        before = user_details.details(vault)
        changes = {
            "name": args.details_name,
            "job_title": args.job_title,
            "agency": args.agency,
            "phone": args.phone,
            "email": args.email,
        }
        after = before
        if any(v is not None for v in changes.values()):
            after = user_details.save(vault, before.updated(**changes))
    finally:
        vault.close()
    if args.json:
        print(json.dumps({"format": 1, "details": after.to_json()}, indent=2, sort_keys=True))
        return 0
    if after != before:
        print("Your details are saved. Packs you export print them as your contact.")
    for name in md.field_names():
        value = getattr(after, name)
        print(f"{md.FIELD_LABELS[name]}: {safe_text(value) if value else 'Not recorded'}")
    return 0


def cmd_user_confirm_key(args: argparse.Namespace) -> int:
    vault, admin_pass = _admin_session(args)
    try:
        fpr = vault.confirm_key(args.name, admin_pass)
    finally:
        vault.close()
    print(
        f"Registered {args.name}'s signing key {fpr}. Check it matches the one their app "
        "shows before they sign anything."
    )
    return 0


def cmd_policy_check(args: argparse.Namespace) -> int:
    from cse_toolkit.core.catalogue import check_policy_defaults
    from cse_toolkit.core.contacts import format_contact
    from cse_toolkit.policy import PolicyError

    try:
        loaded = read_policy_file(Path(args.file))
        check_policy_defaults(loaded.policy, str(args.file))
    except PolicyError as err:
        print(err.message, file=sys.stderr)
        return 1
    pol = loaded.policy
    print(f"{args.file}: valid policy for {pol.organisation or '(no organisation name set)'}")
    print(
        f"  idle lock: {pol.idle_lock_minutes} min; exports allowed: {', '.join(pol.export_kinds)}"
    )
    print(f"  organisation recovery key: {'set' if pol.recovery_public_key else 'not set'}")
    print(f"  retention: {pol.retention_months} months")
    door, edt = pol.contacts.front_door, pol.contacts.out_of_hours
    hours = (
        "; ".join(f"{' '.join(b.days)} {b.opens}-{b.closes}" for b in door.hours) if door else ""
    )
    print(f"  front door: {format_contact(door)}" + (f" (open {hours}, UK time)" if hours else ""))
    print(f"  out of hours: {format_contact(edt)}")
    if door is not None and (not door.hours or edt is None):
        print("  note: without the front door's hours and an out_of_hours contact, the app cannot")
        print("  point workers to the Emergency Duty Team in the evening and at weekends")
    return 0


def cmd_policy_show(args: argparse.Namespace) -> int:
    print(f"# policy in force: {args.policy_source}")
    print(json.dumps(args.policy.model_dump(), indent=2))
    return 0


def cmd_self_test(args: argparse.Namespace) -> int:
    from cse_toolkit.selftest import run_self_test

    ok = run_self_test(print)
    print(f"{APP_ID} {__version__}: self-test {'passed' if ok else 'FAILED'}")
    return 0 if ok else 1
