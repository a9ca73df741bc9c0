"""People's merge decisions and the groups of keys they make (never joining a rejected pair)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from cse_toolkit.core.intelligence.values import Decision, check_choice, check_iso_datetime, get_str

# ---------------------------------------------------------------------------------------------
# Merge decisions
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MergeDecision:
    """A person's decision that two keys are (``confirmed``) or are not (``rejected``) the same."""

    a_key: str
    b_key: str
    decision: Decision
    by: str
    at: str  # ISO 8601 UTC

    def __post_init__(self) -> None:
        check_choice(self.decision, ("confirmed", "rejected"), "A merge decision")
        check_iso_datetime(self.at, "decision time")

    @property
    def pair(self) -> frozenset[str]:
        return frozenset((self.a_key, self.b_key))

    def to_dict(self) -> dict[str, Any]:
        return {
            "a_key": self.a_key,
            "b_key": self.b_key,
            "decision": self.decision,
            "by": self.by,
            "at": self.at,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MergeDecision:
        return cls(
            a_key=get_str(data, "a_key"),
            b_key=get_str(data, "b_key"),
            decision=cast(Decision, get_str(data, "decision")),
            by=get_str(data, "by"),
            at=get_str(data, "at"),
        )


@dataclass(frozen=True)
class GroupResolution:
    """Keys grouped by confirmed merges. ``skipped`` lists confirmed merges that were not
    applied because they would have joined a pair someone rejected: shown, never silent."""

    groups: list[frozenset[str]]
    skipped: list[MergeDecision]

    def canonical(self) -> dict[str, str]:
        """Each key in a group of two or more -> the group's smallest key."""
        out: dict[str, str] = {}
        for group in self.groups:
            if len(group) > 1:
                head = min(group)
                for key in group:
                    out[key] = head
        return out


def resolve_groups(keys: Iterable[str], decisions: Iterable[MergeDecision]) -> GroupResolution:
    """Group ``keys`` through confirmed merges (union-find), never joining a rejected pair.

    The latest decision about a pair wins (someone may change their mind). Merges are applied
    in time order; a confirmed merge that would put a rejected pair in one group is skipped and
    reported. Keys met only in decisions still carry links (A=X, X=B joins A and B) but are
    not listed in the groups.
    """
    latest: dict[frozenset[str], MergeDecision] = {}
    for d in sorted(decisions, key=lambda d: (d.at, d.a_key, d.b_key)):
        if d.a_key != d.b_key:
            latest[d.pair] = d
    rejected = [d.pair for d in latest.values() if d.decision == "rejected"]

    parent: dict[str, str] = {}
    members: dict[str, set[str]] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        members.setdefault(x, {x})
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    wanted = list(dict.fromkeys(keys))
    for key in wanted:
        find(key)
    skipped: list[MergeDecision] = []
    confirmed = sorted(
        (d for d in latest.values() if d.decision == "confirmed"),
        key=lambda d: (d.at, d.a_key, d.b_key),
    )
    for d in confirmed:
        ra, rb = find(d.a_key), find(d.b_key)
        if ra == rb:
            continue
        ga, gb = members[ra], members[rb]
        if any((x in ga and y in gb) or (x in gb and y in ga) for x, y in map(tuple, rejected)):
            skipped.append(d)
            continue
        if len(ga) < len(gb):
            ra, rb, ga, gb = rb, ra, gb, ga
        parent[rb] = ra
        ga |= gb
        del members[rb]

    wanted_set = set(wanted)
    groups: dict[str, set[str]] = {}
    for key in wanted:
        groups.setdefault(find(key), set()).add(key)
    result = sorted((frozenset(g) for g in groups.values() if g & wanted_set), key=min)
    return GroupResolution(groups=result, skipped=skipped)
