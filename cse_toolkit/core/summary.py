"""Anonymised figures for a network meeting, with small numbers suppressed.

The shape follows the kind of update a CSE co-ordinator gives a partnership meeting (the Dudley
update in seed 000): children known, how many at each level, in how many of the schools listed
concerns were identified, whether there are hotspots, the common themes, missing episodes.

Nothing here can name a child:

* every count from 1 to 4 is shown as "fewer than 5" (``"<5"`` in JSON), the total included;
* where a group of counts adds up to a published total (the levels add up to the children
  known), a single suppressed cell could be worked out by subtraction, so the next smallest
  count in the group is withheld as well ("not shown", ``"suppressed"`` in JSON);
* schools are only counted, never named;
* a place is named as a hotspot only when at least 5 intelligence reports mention it
  (``HOTSPOT_MIN``); a caller may ask for a higher threshold, never a lower one;
* themes are the tool's own indicator labels (generic wording), with suppressed counts.

The vault gathers the facts (``vault.dsl_repo.DslRepository.summary_input``); this module only
counts, suppresses and formats them, so it is tested without a vault. Qt-free.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

SMALL = "<5"
WITHHELD = "suppressed"
SMALL_TEXT = "fewer than 5"
WITHHELD_TEXT = "not shown"
MIN_SHOWN = 5
HOTSPOT_MIN = 5
THEMES_SHOWN = 5
NOT_CONFIRMED = "not_confirmed"

Count = int | str  # an integer, SMALL or WITHHELD


def suppress(n: int) -> Count:
    """``n`` as published: 0 and 5 or more as they are, 1 to 4 as ``"<5"``."""
    if n < 0:
        raise ValueError("a count cannot be negative")
    return SMALL if 0 < n < MIN_SHOWN else n


def count_text(value: Count) -> str:
    """A published count in words for people: ``"<5"`` -> "fewer than 5"."""
    if value == SMALL:
        return SMALL_TEXT
    if value == WITHHELD:
        return WITHHELD_TEXT
    return str(value)


def suppress_group(counts: Sequence[int], total_published: bool = True) -> list[Count]:
    """Suppress a group of counts; if exactly one is suppressed and the group's total is
    published, also withhold the next smallest non-zero count so it cannot be subtracted out.
    """
    out = [suppress(n) for n in counts]
    small = [i for i, v in enumerate(out) if v == SMALL]
    if total_published and len(small) == 1:
        others = [(counts[i], i) for i, v in enumerate(out) if isinstance(v, int) and v > 0]
        if others:
            out[min(others)[1]] = WITHHELD
    return out


@dataclass(frozen=True)
class ChildFacts:
    """What the summary needs about one child known in the period (no name, no id)."""

    level: str | None
    level_tool: str | None
    school: str = ""


@dataclass(frozen=True)
class ToolLevels:
    """A screening tool's levels, lowest first: ``(level id, label)``."""

    tool_id: str
    name: str
    levels: tuple[tuple[str, str], ...]


@dataclass
class SummaryInput:
    """The facts gathered from the vault for one period (``None``: open-ended)."""

    organisation: str
    date_from: date | None
    date_to: date | None
    generated_on: date
    children: list[ChildFacts]
    tools: list[ToolLevels]
    schools_recorded: int  # distinct schools on any record (not a denominator: see below)
    missing_episodes: int
    place_mentions: list[tuple[str, int]] = field(default_factory=list)  # place, reports
    indicator_counts: list[tuple[str, int]] = field(default_factory=list)  # label, screenings


@dataclass(frozen=True)
class LevelCount:
    id: str
    label: str
    count: Count


@dataclass(frozen=True)
class ToolSummary:
    tool_id: str
    name: str
    levels: tuple[LevelCount, ...]


@dataclass(frozen=True)
class NetworkSummary:
    """The published figures. Every count has already been through suppression."""

    organisation: str
    date_from: date | None
    date_to: date | None
    generated_on: date
    children: Count  # every child known in the period
    levels: dict[str, Count]
    not_confirmed: Count
    by_tool: tuple[ToolSummary, ...]
    schools_with_concerns: Count
    schools_listed: Count
    hotspot_threshold: int
    hotspots: tuple[tuple[str, int], ...]
    themes: tuple[tuple[str, Count], ...]
    missing_episodes: Count
    # "Affected by or at risk": a current level above the lowest of its tool. The rest (the
    # lowest level, or no confirmed level yet) are a line of their own.
    at_risk: Count = 0
    lowest_or_unscreened: Count = 0
    # The number of schools in the area (the policy's ``schools_in_area`` or --schools);
    # None: not known, so "of N schools" is not said at all.
    schools_in_area: Count | None = None

    @property
    def period_text(self) -> str:
        return period_text(self.date_from, self.date_to, self.generated_on)

    def to_dict(self) -> dict[str, Any]:
        """Stable JSON form (``summary --json``): keys are never removed."""
        return {
            "organisation": self.organisation,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "generated_on": self.generated_on.isoformat(),
            "children": self.children,
            "at_risk": self.at_risk,
            "lowest_or_not_screened": self.lowest_or_unscreened,
            "levels": dict(self.levels),
            "not_confirmed": self.not_confirmed,
            "levels_by_tool": [
                {
                    "tool": t.tool_id,
                    "name": t.name,
                    "levels": [
                        {"id": lv.id, "label": lv.label, "count": lv.count} for lv in t.levels
                    ],
                }
                for t in self.by_tool
            ],
            "schools": {
                "with_concerns": self.schools_with_concerns,
                "listed": self.schools_listed,
                "in_area": self.schools_in_area,
            },
            "hotspot_threshold": self.hotspot_threshold,
            "hotspots": [{"place": p, "mentions": n} for p, n in self.hotspots],
            "themes": [{"label": label, "count": n} for label, n in self.themes],
            "missing_episodes": self.missing_episodes,
            "suppression": {
                "small": SMALL,
                "withheld": WITHHELD,
                "rule": "counts from 1 to 4 are shown as '<5'; where one level count is "
                "suppressed, the next smallest is also withheld so it cannot be worked out",
            },
        }

    def lines(self) -> list[tuple[str, str]]:
        """(heading, text) pairs, in reading order: the text and PDF forms share them."""
        out: list[tuple[str, str]] = [
            ("Period", self.period_text),
            ("Children known", _children_sentence(self.at_risk)),
        ]
        if self.lowest_or_unscreened != 0:
            out.append(
                (
                    "Also known",
                    f"{count_text(self.lowest_or_unscreened)} more children known: at the "
                    "lowest level or not screened yet.",
                )
            )
        for tool in self.by_tool:
            parts = [f"{lv.label} {count_text(lv.count)}" for lv in reversed(tool.levels)]
            out.append((f"Levels ({tool.name})", "; ".join(parts) + "."))
        if self.not_confirmed not in (0,):
            out.append(("No confirmed level yet", count_text(self.not_confirmed) + "."))
        out.append(("Schools", _schools_sentence(self.schools_with_concerns, self.schools_in_area)))
        if self.hotspots:
            places = "; ".join(f"{p} ({n} reports)" for p, n in self.hotspots)
            out.append(("Hotspots", places + "."))
        else:
            out.append(
                (
                    "Hotspots",
                    f"No hotspots: no place is mentioned in "
                    f"{self.hotspot_threshold} or more intelligence reports.",
                )
            )
        if self.themes:
            out.append(
                (
                    "Common themes",
                    "; ".join(f"{label} ({count_text(n)})" for label, n in self.themes) + ".",
                )
            )
        else:
            out.append(("Common themes", "None recorded in confirmed screenings."))
        out.append(("Missing episodes", _missing_sentence(self.missing_episodes)))
        return out

    def to_text(self) -> str:
        width = max(len(h) for h, _ in self.lines())
        title = "Network meeting update"
        rows = [f"{title}: {self.organisation}" if self.organisation else title, ""]
        rows += [f"{h.ljust(width)}  {t}" for h, t in self.lines()]
        rows += ["", NOTE]
        return "\n".join(rows)


NOTE = (
    "Anonymised: numbers from 1 to 4 are shown as 'fewer than 5' and a second number is "
    "withheld where it would reveal one; schools are counted, not named; places are named only "
    "when 5 or more intelligence reports mention them."
)


def _children_sentence(n: Count) -> str:
    return f"{count_text(n)} children known to us, affected by or at risk of CSE."


def _schools_sentence(hit: Count, in_area: Count | None) -> str:
    if hit == 0:
        return "No school recorded for the children at risk."
    if in_area is None:
        return f"Concerns identified in {count_text(hit)} schools."
    return f"Concerns identified in {count_text(hit)} of {count_text(in_area)} schools in the area."


def _missing_sentence(n: Count) -> str:
    if n == 0:
        return "No missing episodes recorded."
    return f"{count_text(n)} missing episodes began in the period."


def period_text(date_from: date | None, date_to: date | None, today: date) -> str:
    def fmt(d: date) -> str:
        return f"{d.day} {d.strftime('%B %Y')}"

    if date_from and date_to:
        return f"{fmt(date_from)} to {fmt(date_to)} (inclusive)"
    if date_from:
        return f"{fmt(date_from)} to {fmt(today)} (inclusive)"
    if date_to:
        return f"All records up to {fmt(date_to)} (inclusive)"
    return f"All records up to {fmt(today)}"


def build_summary(
    facts: SummaryInput,
    *,
    hotspot_min: int = HOTSPOT_MIN,
    schools_listed: int | None = None,
) -> NetworkSummary:
    """Count, suppress and shape the facts. ``hotspot_min`` below 5 is raised to 5;
    ``schools_listed`` is the number of schools in the area (the policy's ``schools_in_area``),
    the only denominator for "concerns in N of M schools"; without it only N is said."""
    threshold = max(HOTSPOT_MIN, hotspot_min)
    total = len(facts.children)

    per_tool: dict[str, Counter[str]] = {}
    unknown_tool: Counter[str] = Counter()
    known_levels = {t.tool_id: {lv for lv, _ in t.levels} for t in facts.tools}
    not_confirmed = 0
    for child in facts.children:
        if not child.level:
            not_confirmed += 1
        elif child.level_tool in known_levels and child.level in known_levels[child.level_tool]:
            per_tool.setdefault(child.level_tool, Counter())[child.level] += 1
        else:
            unknown_tool[child.level] += 1

    # One group: every level cell of every tool plus "not confirmed" adds up to the total.
    cells: list[tuple[str, str, str, int]] = []  # tool, level id, label, count
    for tool in facts.tools:
        counts = per_tool.get(tool.tool_id, Counter())
        if not counts and tool is not facts.tools[0]:
            continue  # a tool nobody was screened with would add only zeros
        for level_id, label in tool.levels:
            cells.append((tool.tool_id, level_id, label, counts[level_id]))
    for level_id, n in sorted(unknown_tool.items()):
        cells.append(("", level_id, level_id.replace("_", " ").capitalize(), n))
    cells.append(("", NOT_CONFIRMED, "No confirmed level", not_confirmed))
    published = suppress_group([c[3] for c in cells], total_published=True)

    levels: dict[str, Count] = {}
    raw: dict[str, int] = {}
    for (_tool, level_id, _label, n), shown in zip(cells, published, strict=True):
        if level_id == NOT_CONFIRMED:
            continue
        if level_id not in levels:
            levels[level_id], raw[level_id] = shown, n
            continue
        # The same level id in two tools: the flat view adds them up. A sum of published
        # integers is safe; a sum involving a hidden cell is hidden too.
        raw[level_id] += n
        both = (levels[level_id], shown)
        if all(isinstance(v, int) for v in both):
            levels[level_id] = raw[level_id]
        else:
            levels[level_id] = WITHHELD if raw[level_id] >= MIN_SHOWN else SMALL
    not_confirmed_shown = published[-1]

    by_tool: list[ToolSummary] = []
    names = {t.tool_id: t.name for t in facts.tools}
    grouped: dict[str, list[LevelCount]] = {}
    for (tool_id, level_id, label, _n), shown in zip(cells, published, strict=True):
        if level_id == NOT_CONFIRMED:
            continue
        grouped.setdefault(tool_id, []).append(LevelCount(level_id, label, shown))
    for tool_id, items in grouped.items():
        by_tool.append(ToolSummary(tool_id, names.get(tool_id, "Other levels"), tuple(items)))

    lowest = {t.tool_id: t.levels[0][0] for t in facts.tools if t.levels}
    lowest_ids = set(lowest.values())

    def above_lowest(child: ChildFacts) -> bool:
        if not child.level:
            return False
        floor = lowest.get(child.level_tool or "")
        return child.level != floor if floor is not None else child.level not in lowest_ids

    at_risk = [c for c in facts.children if above_lowest(c)]
    at_risk_shown, rest_shown = suppress_group([len(at_risk), total - len(at_risk)])
    schools = {c.school.strip().casefold() for c in at_risk if c.school.strip()}
    # The old "of N schools listed" counted the schools typed on any record: not a real
    # denominator. Only a number of schools in the area is one.
    in_area = None if schools_listed is None else max(schools_listed, len(schools))
    listed = in_area if in_area is not None else len(schools)

    hotspots = tuple(
        (place, n)
        for place, n in sorted(facts.place_mentions, key=lambda p: (-p[1], p[0].casefold()))
        if n >= threshold
    )
    themes = tuple(
        (label, suppress(n))
        for label, n in sorted(facts.indicator_counts, key=lambda t: (-t[1], t[0].casefold()))
        if n > 0
    )[:THEMES_SHOWN]

    return NetworkSummary(
        organisation=facts.organisation,
        date_from=facts.date_from,
        date_to=facts.date_to,
        generated_on=facts.generated_on,
        children=suppress(total),
        levels=levels,
        not_confirmed=not_confirmed_shown,
        by_tool=tuple(by_tool),
        schools_with_concerns=suppress(len(schools)),
        schools_listed=suppress(listed),
        schools_in_area=None if in_area is None else suppress(in_area),
        at_risk=at_risk_shown,
        lowest_or_unscreened=rest_shown,
        hotspot_threshold=threshold,
        hotspots=hotspots,
        themes=themes,
        missing_episodes=suppress(facts.missing_episodes),
    )


def count_labels(labels_per_screening: Sequence[Sequence[str]]) -> list[tuple[str, int]]:
    """How many screenings name each indicator label (a label counts once per screening)."""
    counter: Counter[str] = Counter()
    for labels in labels_per_screening:
        counter.update(set(labels))
    return sorted(counter.items(), key=lambda t: (-t[1], t[0].casefold()))


__all__ = [
    "HOTSPOT_MIN",
    "MIN_SHOWN",
    "NOT_CONFIRMED",
    "NOTE",
    "SMALL",
    "SMALL_TEXT",
    "THEMES_SHOWN",
    "WITHHELD",
    "WITHHELD_TEXT",
    "ChildFacts",
    "Count",
    "LevelCount",
    "NetworkSummary",
    "SummaryInput",
    "ToolLevels",
    "ToolSummary",
    "build_summary",
    "count_labels",
    "count_text",
    "period_text",
    "suppress",
    "suppress_group",
]
