"""Record ids and the short references people read out (the same in every vault).

A record id is a random UUID (as text); its reference (``ref_for``) is eight Crockford base-32
characters derived from it, ``ABCD-EFGH``, so a child or report has one readable reference
wherever the record travels (a pack keeps the id, the receiver derives the same reference). An
intelligence report's reference is ``I-`` followed by its own. Qt-free, no I/O.
"""

from __future__ import annotations

import hashlib
import uuid

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # no I, L, O, U: nothing to misread


def new_id() -> str:
    """A new record id."""
    return str(uuid.uuid4())


def ref_for(record_id: str) -> str:
    """A short, stable, readable reference derived from the record id (same in every vault)."""
    try:
        value = int(uuid.UUID(record_id).hex[:10], 16)
    except ValueError:
        # An id made elsewhere (a pack from another system) need not be a UUID: its hash gives
        # the same kind of reference, the same in every vault.
        value = int(hashlib.sha256(record_id.encode("utf-8", "replace")).hexdigest()[:10], 16)
    chars = "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in range(8))[::-1]
    return f"{chars[:4]}-{chars[4:]}"


def intel_ref(report_id: str) -> str:
    """The reference of an intelligence report: ``I-ABCD-EFGH``."""
    return "I-" + ref_for(report_id)
