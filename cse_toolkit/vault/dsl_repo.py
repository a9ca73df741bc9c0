"""What a designated safeguarding lead (DSL) does with the vault, assembled from its rooms.

``vault.dsl`` is a ``DslRepository``: the review queue (``vault/dsl/queue.py``), sign-off
(``signoff.py``), figures for the dashboard and the network-meeting summary (``figures.py``),
the audit trail (``audit_view.py``) and retention (``retention.py``), each a class of its own
that takes the narrow ``Session`` and only the rooms it needs. Every public method is for the
``dsl`` role only (``PermissionDenied`` otherwise): a worker sees their own children through
``repos``; an admin manages users only.

The queue carries data and a typed ``Destination``, never sentences: the words are the GUI's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cse_toolkit.vault.dsl.actions import ACTION, ActionFacts
from cse_toolkit.vault.dsl.audit_view import AuditView, ChainCheck, describe_record
from cse_toolkit.vault.dsl.common import ToolShelf
from cse_toolkit.vault.dsl.figures import (
    AGE_BANDS,
    PRIVATE_PLACE,
    DashboardData,
    Figures,
    age_band,
    age_on,
    short_tool_name,
)
from cse_toolkit.vault.dsl.queue import (
    DANGER,
    DUE,
    DUE_SOON_DAYS,
    IMPORT_CONFLICT,
    KINDS,
    LEVEL_CHANGED,
    SIGNOFF,
    UNSENT,
    DangerFacts,
    Destination,
    DueFacts,
    Facts,
    ImportFacts,
    QueueItem,
    ReviewQueue,
    ScreeningFacts,
    Situation,
    UnsentFacts,
)
from cse_toolkit.vault.dsl.retention import PurgeReport, Retention, RetentionItem, months_before
from cse_toolkit.vault.dsl.signoff import (
    DECISIONS,
    SignOff,
    SignoffChecks,
    SignoffContext,
    Signoffs,
    verify_signoff,
)

if TYPE_CHECKING:
    from cse_toolkit.vault.intel_repo import IntelRepository
    from cse_toolkit.vault.repos import Repositories
    from cse_toolkit.vault.session import Session


class DslRepository:
    """The DSL's rooms (``review``, ``signoffs``, ``figures``, ``audit_view``, ``retention``)
    and their methods, as ``vault.dsl`` offers them."""

    describe_record = staticmethod(describe_record)

    def __init__(self, session: Session, repos: Repositories, intel: IntelRepository) -> None:
        shelf = ToolShelf()
        checks = SignoffChecks(session)
        self.review = ReviewQueue(session, shelf, checks)
        self.signoffs = Signoffs(session, repos, shelf, checks, self.review.signed_off)
        self.figures = Figures(session, shelf, intel, self.review)
        self.audit_view = AuditView(session)
        self.retention = Retention(session, repos, intel, self.review)
        self.level_label = shelf.level_label
        # the review queue
        self.queue = self.review.queue
        self.due_items = self.review.due_items
        self.urgencies = self.review.urgencies
        # sign-off
        self.signoff_context = self.signoffs.signoff_context
        self.sign_off = self.signoffs.sign_off
        self.signoffs_for = self.signoffs.signoffs_for
        self.signoff_verified = self.signoffs.signoff_verified
        # figures
        self.place_mentions = self.figures.place_mentions
        self.summary_input = self.figures.summary_input
        self.summary = self.figures.summary
        self.record_summary = self.figures.record_summary
        self.dashboard = self.figures.dashboard
        # the audit trail
        self.audit_page = self.audit_view.audit_page
        self.audit_words = self.audit_view.audit_words
        self.audit_actors = self.audit_view.audit_actors
        self.audit_actions = self.audit_view.audit_actions
        self.verify_chain = self.audit_view.verify_chain
        # retention
        self.retention_candidates = self.retention.retention_candidates
        self.purge_child = self.retention.purge_child


__all__ = [
    "ACTION",
    "ActionFacts",
    "AGE_BANDS",
    "DANGER",
    "DECISIONS",
    "DUE",
    "DUE_SOON_DAYS",
    "IMPORT_CONFLICT",
    "KINDS",
    "LEVEL_CHANGED",
    "PRIVATE_PLACE",
    "SIGNOFF",
    "UNSENT",
    "ChainCheck",
    "DangerFacts",
    "DashboardData",
    "Destination",
    "DslRepository",
    "DueFacts",
    "Facts",
    "ImportFacts",
    "PurgeReport",
    "QueueItem",
    "RetentionItem",
    "ScreeningFacts",
    "SignOff",
    "SignoffContext",
    "Situation",
    "UnsentFacts",
    "age_band",
    "age_on",
    "months_before",
    "short_tool_name",
    "verify_signoff",
]
