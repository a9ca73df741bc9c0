"""The connections index: children linked through shared people, cars, phones and places."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cse_toolkit.core.intelligence.entities import Entity, Location, Person, key_kind
from cse_toolkit.core.intelligence.merging import GroupResolution
from cse_toolkit.core.intelligence.normalise import normalise_nickname
from cse_toolkit.core.intelligence.report import IntelReport

# ---------------------------------------------------------------------------------------------
# Connections index
# ---------------------------------------------------------------------------------------------


@dataclass
class EntityIndex:
    """Entity key -> the reports and children that mention it, and the reverse maps.

    Built in memory from the decrypted reports; never stored (it would be a second copy of
    the links). Keys merged by a person map to one canonical key.
    """

    key_reports: dict[str, set[str]] = field(default_factory=dict)
    key_children: dict[str, set[str]] = field(default_factory=dict)
    child_keys: dict[str, set[str]] = field(default_factory=dict)
    report_keys: dict[str, set[str]] = field(default_factory=dict)
    report_children: dict[str, tuple[str, ...]] = field(default_factory=dict)
    entities: dict[str, Entity] = field(default_factory=dict)
    displays: dict[str, str] = field(default_factory=dict)
    canonical: dict[str, str] = field(default_factory=dict)

    def add_report(self, report: IntelReport | Mapping[str, Any]) -> None:
        if not isinstance(report, IntelReport):
            report = IntelReport.from_dict(report)
        if report.id in self.report_keys:
            self.remove_report(report.id)
        keys: set[str] = set()
        for entity in report.entities:
            for raw in entity.keys():
                key = self.canonical.get(raw, raw)
                keys.add(key)
                if key not in self.entities:
                    self.entities[key] = entity
                    self.displays[key] = _key_display(entity, raw)
        children = tuple(dict.fromkeys(report.child_ids))
        self.report_keys[report.id] = keys
        self.report_children[report.id] = children
        for key in keys:
            self.key_reports.setdefault(key, set()).add(report.id)
            kc = self.key_children.setdefault(key, set())
            kc.update(children)
        for child in children:
            self.child_keys.setdefault(child, set()).update(keys)

    def remove_report(self, report_id: str) -> None:
        keys = self.report_keys.pop(report_id, set())
        children = self.report_children.pop(report_id, ())
        for key in keys:
            reports = self.key_reports.get(key)
            if reports is not None:
                reports.discard(report_id)
                if not reports:
                    del self.key_reports[key]
                    self.key_children.pop(key, None)
                    self.entities.pop(key, None)
                    self.displays.pop(key, None)
                    continue
            # Recompute the children of this key from the reports still holding it.
            self.key_children[key] = {
                c for r in self.key_reports[key] for c in self.report_children.get(r, ())
            }
        for child in children:
            remaining = {
                k
                for k in self.child_keys.get(child, set())
                if child in self.key_children.get(k, ())
            }
            if remaining:
                self.child_keys[child] = remaining
            else:
                self.child_keys.pop(child, None)

    def mentions(self, key: str) -> int:
        """How many reports mention the entity."""
        return len(self.key_reports.get(self.canonical.get(key, key), ()))


def _key_display(entity: Entity, key: str) -> str:
    # A link made through a nickname is shown as that nickname: the other report may give only
    # "Jonno", and showing "SMITH John" there would claim more than is known.
    if isinstance(entity, Person) and key.startswith("nickname:"):
        for alias in [*entity.aliases, *entity.forenames.split()[:1]]:
            if f"nickname:{normalise_nickname(alias)}" == key:
                return f"Nickname: {alias}"
    return entity.display()


def build_index(
    reports: Iterable[IntelReport | Mapping[str, Any]],
    resolution: GroupResolution | None = None,
) -> EntityIndex:
    """Index reports (objects or their ``to_dict()`` rows), merging keys a person confirmed."""
    index = EntityIndex(canonical=resolution.canonical() if resolution else {})
    for report in reports:
        index.add_report(report)
    return index


@dataclass(frozen=True)
class EntityLink:
    """One entity linked to a child: where it appears and which other children share it."""

    key: str
    kind: str
    display: str
    report_ids: frozenset[str]  # every report mentioning it
    child_report_ids: frozenset[str]  # the reports about this child that mention it
    other_child_ids: frozenset[str]


@dataclass(frozen=True)
class ChildConnections:
    child_id: str
    links: list[EntityLink]  # most shared first
    connected_children: dict[str, list[str]]  # other child id -> the keys they share

    @property
    def shared(self) -> list[EntityLink]:
        return [link for link in self.links if link.other_child_ids]


def connections_for_child(index: EntityIndex, child_id: str) -> ChildConnections:
    """The entities in the child's reports and, for each, the other children who share it."""
    links: list[EntityLink] = []
    connected: dict[str, list[str]] = {}
    for key in index.child_keys.get(child_id, ()):
        reports = index.key_reports.get(key, set())
        mine = frozenset(r for r in reports if child_id in index.report_children.get(r, ()))
        others = frozenset(index.key_children.get(key, set()) - {child_id})
        links.append(
            EntityLink(
                key=key,
                kind=key_kind(key),
                display=index.displays.get(key, key),
                report_ids=frozenset(reports),
                child_report_ids=mine,
                other_child_ids=others,
            )
        )
        for other in others:
            connected.setdefault(other, []).append(key)
    links.sort(key=lambda link: (-len(link.other_child_ids), -len(link.report_ids), link.key))
    for keys in connected.values():
        keys.sort()
    return ChildConnections(child_id=child_id, links=links, connected_children=connected)


RESCREEN_KINDS = frozenset({"person", "vehicle", "location"})
RESCREEN_MIN_CHILDREN = 2  # "several other children"


def rescreen_prompts(conn: ChildConnections) -> list[EntityLink]:
    """The adults, vehicles and places linked to this child that also appear in the
    intelligence about ``RESCREEN_MIN_CHILDREN`` or more other children: each is a reason to
    screen the child again (issue 13), most shared first."""
    return [
        link
        for link in conn.links
        if link.kind in RESCREEN_KINDS and len(link.other_child_ids) >= RESCREEN_MIN_CHILDREN
    ]


def hotspots(
    index_or_reports: EntityIndex | Iterable[IntelReport | Mapping[str, Any]],
    limit: int | None = None,
) -> list[tuple[str, int]]:
    """Places by the number of reports that mention them, most first (then by name)."""
    index = (
        index_or_reports
        if isinstance(index_or_reports, EntityIndex)
        else build_index(index_or_reports)
    )
    counts: list[tuple[str, int]] = []
    for key, reports in index.key_reports.items():
        if isinstance(index.entities.get(key), Location):
            counts.append((index.displays[key], len(reports)))
    counts.sort(key=lambda item: (-item[1], item[0].lower()))
    return counts[:limit] if limit is not None else counts
