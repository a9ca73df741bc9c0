"""Packs in and out, in one import for the app and the command line.

The use cases live in their own modules; this module only gathers their public names:

* ``services.export``: the information-sharing decision, building and exporting a pack;
* ``services.outbox``: the packs exported and where each stands;
* ``services.records``: the vault's records in pack form;
* ``services.trust``: verifying a pack and whose packs this vault accepts;
* ``services.merge``: importing a pack under the merge policy (never lower protection);
* ``services.conflicts``: the conflicts an import held back, decided by a DSL.

None of them holds SQL: storage is ``vault.exchange`` and the row writers of ``vault.rows``.
"""

from __future__ import annotations

from cse_toolkit.services.conflicts import (
    PendingConflict,
    local_version,
    pending_conflicts,
    resolve_conflict,
)
from cse_toolkit.services.export import (
    GROUNDS,
    KINDS,
    ROLE_TITLES,
    Exported,
    ExportNotAllowed,
    PackKind,
    SharingChoice,
    build_pack,
    default_recipient,
    export,
    record_export,
    write_pack_file,
)
from cse_toolkit.services.merge import (
    Conflict,
    ImportReport,
    ReplayedPack,
    import_pack,
    possible_duplicates,
)
from cse_toolkit.services.outbox import OutboxItem, mark_acknowledged, mark_sent, outbox, unsent
from cse_toolkit.services.records import (
    amendment_text,
    child_record,
    intel_record,
    missing_records,
    note_records,
    screening_record,
    step_records,
)
from cse_toolkit.services.referral import ReferralDetails, referral_defaults
from cse_toolkit.services.trust import (
    TrustedSigner,
    UnknownSigner,
    fingerprint_matches,
    is_trusted,
    trusted_signers,
    verify,
)

__all__ = [
    "GROUNDS",
    "KINDS",
    "ROLE_TITLES",
    "Conflict",
    "ExportNotAllowed",
    "Exported",
    "ImportReport",
    "OutboxItem",
    "PackKind",
    "PendingConflict",
    "ReferralDetails",
    "referral_defaults",
    "ReplayedPack",
    "SharingChoice",
    "TrustedSigner",
    "UnknownSigner",
    "amendment_text",
    "build_pack",
    "child_record",
    "default_recipient",
    "export",
    "fingerprint_matches",
    "import_pack",
    "intel_record",
    "is_trusted",
    "local_version",
    "mark_acknowledged",
    "mark_sent",
    "missing_records",
    "note_records",
    "outbox",
    "pending_conflicts",
    "possible_duplicates",
    "record_export",
    "resolve_conflict",
    "screening_record",
    "step_records",
    "trusted_signers",
    "unsent",
    "verify",
    "write_pack_file",
]
