"""Figures: the DSL's own dashboard and the anonymised network-meeting summary.

Built from a handful of whole-table queries. The summary's facts (``summary_input``) hold no
names and no ids; the dashboard may name schools and places (it is the DSL's own screen).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from cse_toolkit.core import catalogue
from cse_toolkit.core import summary as sm
from cse_toolkit.errors import UserError
from cse_toolkit.vault.dsl.common import ToolShelf, day_after, day_start, period_where
from cse_toolkit.vault.dsl.queue import DUE_SOON_DAYS, ReviewQueue

if TYPE_CHECKING:
    from cse_toolkit.vault.intel_repo import IntelRepository
    from cse_toolkit.vault.session import Session

PRIVATE_PLACE = "A private address, not named"
AGE_BANDS = ("Under 10", "10-11", "12-13", "14-15", "16-17", "18 and over", "Not known")


@dataclass(frozen=True)
class DashboardData:
    """Figures for the DSL's own dashboard (names of schools and places are fine here)."""

    date_from: date | None
    date_to: date | None
    children: int
    by_level: list[tuple[str, int]]
    age_bands: list[str]
    genders: list[str]
    age_gender: list[list[int]]  # [band][gender]
    by_school: list[tuple[str, int]]
    missing_per_month: list[tuple[str, int]]
    hotspots: list[tuple[str, int]]
    due: list[tuple[str, int, int]]  # (label, overdue, due within DUE_SOON_DAYS)


def age_on(dob: str | None, approx: int | None, approx_on: str | None, when: date) -> int | None:
    if dob:
        born = date.fromisoformat(dob)
        return when.year - born.year - ((when.month, when.day) < (born.month, born.day))
    if approx is not None:
        since = date.fromisoformat(approx_on) if approx_on else when
        return approx + max(0, (when - since).days // 365)
    return None


def age_band(age: int | None) -> str:
    if age is None:
        return AGE_BANDS[-1]
    if age < 10:
        return AGE_BANDS[0]
    if age >= 18:
        return AGE_BANDS[5]
    return AGE_BANDS[1 + (age - 10) // 2]


def _fill_months(
    months: list[tuple[str, int]], date_from: date | None, date_to: date | None
) -> list[tuple[str, int]]:
    """Every month of the period (or from the first to the last episode), zeros included: a
    month left out of a time series would read as if it did not exist."""
    if not months and not (date_from and date_to):
        return months
    have = dict(months)
    first = date_from.strftime("%Y-%m") if date_from else months[0][0]
    last = date_to.strftime("%Y-%m") if date_to else months[-1][0]
    year, month = int(first[:4]), int(first[5:7])
    out: list[tuple[str, int]] = []
    while f"{year:04d}-{month:02d}" <= last and len(out) < 1200:
        key = f"{year:04d}-{month:02d}"
        out.append((key, have.get(key, 0)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def short_tool_name(name: str) -> str:
    """ "Worcestershire CSE screening tool" -> "Worcestershire" for chart labels."""
    short = re.sub(r"\s*(CSE\s+)?screening tool\s*$", "", name, flags=re.I).strip()
    return short or name


def _gender(text: str) -> str:
    value = text.strip().lower()
    if value in ("female", "f", "girl"):
        return "Female"
    if value in ("male", "m", "boy"):
        return "Male"
    return "Other or not recorded"


class Figures:
    """The figures room (``vault.dsl.dashboard``, ``summary`` ...)."""

    def __init__(
        self, session: Session, shelf: ToolShelf, intel: IntelRepository, queue: ReviewQueue
    ) -> None:
        self._v = session
        self._shelf = shelf
        self._intel = intel
        self._queue = queue

    @property
    def _c(self) -> Any:
        return self._v.conn

    def _children_in_period(self, date_from: date | None, date_to: date | None) -> list[Any]:
        """(id, school, gender, dob, approx_age, approx_age_on, level, level_tool) of every
        child with something recorded in the period (all children when it is open-ended)."""
        cols = (
            "c.id, c.school, c.gender, c.dob, c.approx_age, c.approx_age_on,"
            " c.confirmed_level, c.level_tool"
        )
        if date_from is None and date_to is None:
            return list(self._c.execute(f"SELECT {cols} FROM children c").fetchall())
        lo = day_start(date_from) if date_from else ""
        hi = day_after(date_to) if date_to else "9999"
        rows = self._c.execute(
            f"SELECT {cols} FROM children c WHERE c.id IN ("
            " SELECT id FROM children WHERE created_at >= ?1 AND created_at < ?2"
            " UNION SELECT child_id FROM notes WHERE event_at >= ?1 AND event_at < ?2"
            " UNION SELECT child_id FROM screenings WHERE screened_at >= ?1 AND screened_at < ?2"
            " UNION SELECT child_id FROM missing_episodes WHERE from_at >= ?1 AND from_at < ?2"
            " UNION SELECT child_id FROM pathway_steps WHERE event_at >= ?1 AND event_at < ?2)",
            (lo, hi),
        ).fetchall()
        if date_to is not None and date_to < self._v.now().date():
            rows = self._levels_as_at(rows, date_to)
        return list(rows)

    def _levels_as_at(self, rows: list[Any], date_to: date) -> list[Any]:
        """For a period that ended in the past: each child's level from their latest confirmed
        screening by then (the DSL's level where it was signed off with a change)."""
        latest: dict[str, tuple[str | None, str]] = {}
        for cid, level, tool_id, signed in self._c.execute(
            "SELECT s.child_id, s.confirmed_level, s.tool_id,"
            " (SELECT g.level FROM signoffs g WHERE g.screening_id = s.id"
            "  AND g.decision = 'change' ORDER BY g.created_at DESC LIMIT 1)"
            " FROM screenings s WHERE s.status IN ('confirmed', 'signed_off')"
            " AND s.screened_at < ? ORDER BY s.screened_at, s.rowid",
            (day_after(date_to),),
        ):
            latest[cid] = (signed or level, tool_id)
        out = []
        for r in rows:
            level, tool_id = latest.get(r[0], (None, r[7]))
            out.append((*r[:6], level, tool_id))
        return out

    def _tool_levels(self) -> list[sm.ToolLevels]:
        default = self._v.policy.default_tool
        infos = sorted(catalogue.list_tools(), key=lambda t: (t.id != default, t.id))
        out = []
        for info in infos:
            tool = self._shelf.tool(info.id)
            if tool is not None:
                out.append(
                    sm.ToolLevels(
                        tool.id, tool.name, tuple((lv.id, lv.label) for lv in tool.levels)
                    )
                )
        return out

    def place_mentions(
        self, date_from: date | None = None, date_to: date | None = None
    ) -> list[tuple[str, int]]:
        """Places by the number of intelligence reports (in the period) that mention them,
        with places a person confirmed as the same counted together."""
        self._v.require("dsl")
        return [(shown, n) for _key, shown, n in self._place_counts(date_from, date_to)]

    def _place_counts(
        self, date_from: date | None, date_to: date | None
    ) -> list[tuple[str, str, int]]:
        where, params = period_where("COALESCE(r.learned_at, r.created_at)", date_from, date_to)
        rows = self._c.execute(
            "SELECT e.key, e.display, e.report_id FROM intel_entities e"
            " JOIN intel_reports r ON r.id = e.report_id"
            f" WHERE e.kind = 'location' AND {where}",
            params,
        ).fetchall()
        if not rows:
            return []
        from cse_toolkit.core import intelligence as intel

        resolution = intel.resolve_groups({r[0] for r in rows}, self._intel.decisions())
        canonical = resolution.canonical()
        reports: dict[str, set[str]] = defaultdict(set)
        display: dict[str, str] = {}
        for key, shown, report_id in rows:
            head = canonical.get(key, key)
            reports[head].add(report_id)
            if head not in display or key == head:
                display[head] = shown or key.split(":", 1)[-1]
        counts = [(k, display[k], len(v)) for k, v in reports.items()]
        counts.sort(key=lambda t: (-t[2], t[1].casefold()))
        return counts

    def _private_place_keys(self) -> set[str]:
        """Keys of places recorded as a house: someone's home is never named in a summary."""
        from cse_toolkit.core import intelligence as intel

        keys: set[str] = set()
        for name, address, postcode in self._c.execute(
            "SELECT DISTINCT json_extract(e.value, '$.name'), json_extract(e.value, '$.address'),"
            " json_extract(e.value, '$.postcode') FROM intel_reports r,"
            " json_each(r.body, '$.entities') e"
            " WHERE json_extract(e.value, '$.kind') = 'location'"
            " AND json_extract(e.value, '$.place_type') = 'house'"
        ):
            try:
                key = intel.Location(
                    name=name or "",
                    address=address or "",
                    postcode=postcode or "",
                    place_type="house",
                ).key()
            except (ValueError, UserError):
                continue
            if key:
                keys.add(key)
        return keys

    def summary_input(
        self, date_from: date | None = None, date_to: date | None = None
    ) -> sm.SummaryInput:
        """The facts for ``core.summary.build_summary`` (no names, no ids leave here)."""
        self._v.require("dsl")
        if date_from and date_to and date_from > date_to:
            raise UserError("The start of the period is after its end. Check the dates.")
        rows = self._children_in_period(date_from, date_to)
        children = [sm.ChildFacts(level=r[6], level_tool=r[7], school=r[1] or "") for r in rows]
        schools = self._c.execute(
            "SELECT count(DISTINCT lower(trim(school))) FROM children WHERE trim(school) != ''"
        ).fetchone()[0]
        where, params = period_where("from_at", date_from, date_to)
        missing = self._c.execute(
            f"SELECT count(*) FROM missing_episodes WHERE {where}", params
        ).fetchone()[0]
        swhere, sparams = period_where("s.screened_at", date_from, date_to)
        themes = self._c.execute(
            "SELECT json_extract(p.value, '$.label'), count(DISTINCT s.child_id)"
            " FROM screenings s, json_each(s.outcome, '$.present') p"
            f" WHERE s.status IN ('confirmed', 'signed_off') AND s.outcome IS NOT NULL"
            f" AND {swhere} GROUP BY 1",
            sparams,
        ).fetchall()
        private = self._private_place_keys()
        return sm.SummaryInput(
            organisation=self._v.policy.organisation,
            date_from=date_from,
            date_to=date_to,
            generated_on=self._v.now().date(),
            children=children,
            tools=self._tool_levels(),
            schools_recorded=int(schools),
            missing_episodes=int(missing),
            place_mentions=[
                (PRIVATE_PLACE if key in private else shown, n)
                for key, shown, n in self._place_counts(date_from, date_to)
            ],
            indicator_counts=[(str(label), int(n)) for label, n in themes if label],
        )

    def summary(
        self,
        date_from: date | None = None,
        date_to: date | None = None,
        *,
        schools_listed: int | None = None,
        hotspot_min: int = sm.HOTSPOT_MIN,
    ) -> sm.NetworkSummary:
        if schools_listed is None:
            schools_listed = self._v.policy.schools_in_area
        return sm.build_summary(
            self.summary_input(date_from, date_to),
            schools_listed=schools_listed,
            hotspot_min=hotspot_min,
        )

    def record_summary(self, what: str, date_from: date | None, date_to: date | None) -> None:
        """Audit that an anonymised summary was produced (``what``: text, json or pdf)."""
        self._v.require("dsl")
        span = f"{date_from.isoformat() if date_from else ''}..{date_to.isoformat() if date_to else ''}"
        with self._v.write("the audit entry"):
            self._v.audit("summary." + what, "summary", "", None, f"period={span}")

    def dashboard(
        self, date_from: date | None = None, date_to: date | None = None
    ) -> DashboardData:
        self._v.require("dsl")
        if date_from and date_to and date_from > date_to:
            raise UserError("The start of the period is after its end. Check the dates.")
        rows = self._children_in_period(date_from, date_to)
        as_of = date_to if date_to else self._v.now().date()
        as_of = min(as_of, self._v.now().date())
        genders = ["Female", "Male", "Other or not recorded"]
        grid = [[0] * len(genders) for _ in AGE_BANDS]
        schools: Counter[str] = Counter()
        for r in rows:
            band = AGE_BANDS.index(age_band(age_on(r[3], r[4], r[5], as_of)))
            grid[band][genders.index(_gender(r[2] or ""))] += 1
            schools[(r[1] or "").strip() or "Not recorded"] += 1
        keep = [i for i, row in enumerate(grid) if any(row)]

        where, params = period_where("from_at", date_from, date_to)
        months = [
            (m, int(n))
            for m, n in self._c.execute(
                f"SELECT substr(from_at, 1, 7), count(*) FROM missing_episodes WHERE {where}"
                " GROUP BY 1 ORDER BY 1",
                params,
            )
        ]
        return DashboardData(
            date_from=date_from,
            date_to=date_to,
            children=len(rows),
            by_level=self._by_level(rows),
            age_bands=[AGE_BANDS[i] for i in keep],
            genders=genders,
            age_gender=[grid[i] for i in keep],
            by_school=sorted(schools.items(), key=lambda t: (-t[1], t[0].casefold())),
            missing_per_month=_fill_months(months, date_from, date_to),
            hotspots=self.place_mentions(date_from, date_to)[:10],
            due=self._due_counts(),
        )

    def _by_level(self, rows: list[Any]) -> list[tuple[str, int]]:
        levels: Counter[tuple[str, str]] = Counter()
        order: dict[tuple[str, str], tuple[int, int]] = {}
        for ti, t in enumerate(self._tool_levels()):
            for li, (lid, _label) in enumerate(t.levels):
                order[(t.tool_id, lid)] = (ti, -li)
        several = len({r[7] for r in rows if r[6]}) > 1
        for r in rows:
            levels[(r[7] or "", r[6] or "")] += 1
        by_level: list[tuple[str, int]] = []
        for (tool_id, lid), n in sorted(levels.items(), key=lambda kv: order.get(kv[0], (99, 0))):
            if not lid:
                text = "No confirmed level"
            else:
                text = self._shelf.level_label(tool_id, lid)
                tool = self._shelf.tool(tool_id) if tool_id else None
                if several and tool is not None:
                    text = f"{text} ({short_tool_name(tool.name)})"
            by_level.append((text, n))
        return by_level

    def _due_counts(self) -> list[tuple[str, int, int]]:
        due_counts: dict[str, list[int]] = {}
        soon = self._v.now() + timedelta(days=DUE_SOON_DAYS)
        for items in self._queue.due_items().values():
            for d in items:
                slot = due_counts.setdefault(d.label, [0, 0])
                if d.overdue:
                    slot[0] += 1
                elif d.due_at <= soon:
                    slot[1] += 1
        return sorted(((k, v[0], v[1]) for k, v in due_counts.items()), key=lambda t: (-t[1], t[0]))
