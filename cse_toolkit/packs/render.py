"""Render a pack's records into the PDF a person reads, entirely in memory.

Three layouts, one per recipient (DESIGN.md "Referral packs", DOMAIN.md §4 and §5):
`referral` (Children's Social Care / Family Front Door, in the order of DOMAIN.md §5),
`intelligence` (police partnership information report, "FIB form" order, DOMAIN.md §4.2) and
`screening` (the completed screening tool, for the CSE team).

Rules every layout keeps:
- every page carries the protective marking OFFICIAL-SENSITIVE and the organisation at the top,
  and the page number, pack id, signing key fingerprint and audit chain head at the bottom;
- no section is ever blank: an empty one says "No information available" (DOMAIN.md §5.12);
- all user text is escaped before it reaches ReportLab's paragraph mark-up, and long text is cut
  into pieces small enough to split across pages (a table row taller than a page would otherwise
  stop the export with a LayoutError);
- `invariant=True` (the default) makes the output byte-stable for the same pack, for tests.

Nothing here writes a file: the bytes go to `pdfpack.py`, which attaches pack.json and encrypts.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from cse_toolkit import paths
from cse_toolkit.core import catalogue
from cse_toolkit.core.screening import exploitation_line
from cse_toolkit.packs import render_actions, signing
from cse_toolkit.packs.schema import (
    ChildData,
    IntelReportData,
    PackModel,
    ReferralData,
    ScreeningData,
    SharingDecision,
)

MARKING = "OFFICIAL-SENSITIVE"
NO_INFO = "No information available"
NOT_RECORDED = "Not recorded"
NO_MORE_INFO = "(no more information available)"

PAGE_W, PAGE_H = A4
MARGIN = 18 * mm
BODY_W = PAGE_W - 2 * MARGIN

# A table cell longer than this is continued on further rows, so no single row can outgrow a page.
CELL_LINES = 40
CELL_SIZE = 8.5
CELL_LEADING = 10.5
CELL_PAD = 4
# Tables are emitted in blocks of this many rows: splitting one huge table page by page makes
# ReportLab re-measure all remaining rows at every page (quadratic); blocks keep 500 notes fast.
ROWS_PER_BLOCK = 30

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


# --------------------------------------------------------------------------------------------
# Fonts and styles
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def fonts() -> tuple[str, str]:
    """(regular, bold) font names. DejaVu Sans when bundled (covers non-Latin names), else Helvetica."""
    regular = paths.resource_path("fonts", "DejaVuSans.ttf")
    bold = paths.resource_path("fonts", "DejaVuSans-Bold.ttf")
    if regular.is_file() and bold.is_file():
        try:
            pdfmetrics.registerFont(TTFont("PackSans", str(regular)))
            pdfmetrics.registerFont(TTFont("PackSans-Bold", str(bold)))
            pdfmetrics.registerFontFamily(
                "PackSans",
                normal="PackSans",
                bold="PackSans-Bold",
                italic="PackSans",
                boldItalic="PackSans-Bold",
            )
            return "PackSans", "PackSans-Bold"
        except Exception:  # noqa: BLE001 - a damaged font file must not stop an export
            pass
    return "Helvetica", "Helvetica-Bold"


@lru_cache(maxsize=1)
def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = fonts()
    base = ParagraphStyle(
        "body", fontName=regular, fontSize=9.5, leading=12.5, alignment=TA_LEFT, spaceAfter=3
    )
    return {
        "body": base,
        "title": ParagraphStyle(
            "title", base, fontName=bold, fontSize=16, leading=20, spaceAfter=4
        ),
        "subtitle": ParagraphStyle("subtitle", base, fontSize=10, leading=13, spaceAfter=8),
        "h2": ParagraphStyle(
            "h2",
            base,
            fontName=bold,
            fontSize=12,
            leading=15,
            spaceBefore=10,
            spaceAfter=4,
            textColor=colors.HexColor("#1f3a5f"),
        ),
        "h3": ParagraphStyle("h3", base, fontName=bold, fontSize=10, leading=13, spaceBefore=6),
        "cell": ParagraphStyle("cell", base, fontSize=8.5, leading=10.5, spaceAfter=0),
        "cellhead": ParagraphStyle("cellhead", base, fontName=bold, fontSize=8.5, leading=10.5),
        "empty": ParagraphStyle("empty", base, textColor=colors.HexColor("#555555")),
        "flag": ParagraphStyle(
            "flag",
            base,
            fontName=bold,
            fontSize=11,
            leading=14,
            textColor=colors.HexColor("#9b1c1c"),
        ),
        "bullet": ParagraphStyle("bullet", base, leftIndent=12, bulletIndent=2),
    }


# --------------------------------------------------------------------------------------------
# Text helpers
# --------------------------------------------------------------------------------------------


def clean(text: str) -> str:
    """User text made safe for ReportLab mark-up: control characters dropped, <, >, & escaped."""
    return escape(_CONTROL.sub("", text)).replace("\t", "    ").replace("\n", "<br/>")


def chunks(text: str, max_chars: int = 3000, max_lines: int = 40) -> list[str]:
    """Split text into pieces no longer than `max_chars` / `max_lines`, at line or word breaks."""
    text = _CONTROL.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for line in text.split("\n"):
        while len(line) > max_chars:
            cut = line.rfind(" ", 0, max_chars)
            cut = cut if cut > max_chars // 2 else max_chars
            head, line = line[:cut], line[cut:].lstrip(" ")
            if current:
                pieces.append("\n".join(current))
                current, size = [], 0
            pieces.append(head)
        if current and (size + len(line) > max_chars or len(current) >= max_lines):
            pieces.append("\n".join(current))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    if current:
        pieces.append("\n".join(current))
    return pieces or [""]


def human(identifier: str) -> str:
    """`no_current_risk` -> `No current risk` for ids shown to people."""
    words = identifier.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else identifier


def level_text(tool_id: str, tool_version: str, level: str) -> str:
    """The tool's own label for a level ("No indicators", "Significant risk"), else the id."""
    return catalogue.level_label(level, tool_id, tool_version)


def fmt_date(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def fmt_dt(value: datetime | None) -> str:
    return value.strftime("%d/%m/%Y %H:%M UTC") if value else ""


def yes_no(value: bool | None) -> str:
    return {True: "Yes", False: "No", None: ""}[value]


GROUND_TEXT = {
    "risk_of_significant_harm": (
        "Seeking consent would put the child or another person at risk of significant harm"
    ),
    "interfere_with_police_investigation": "Seeking consent would interfere with a police investigation",
    "unjustified_delay": "Seeking consent would cause unjustified delay",
    "prejudice_serious_crime": (
        "Seeking consent would prejudice the prevention or detection of serious crime"
    ),
}

URGENCY_TEXT = {
    "immediate_danger": "IMMEDIATE DANGER: police called on 999",
    "urgent": "Urgent child protection: phoned to the front door first, this is the written confirmation",
    "non_urgent": "Non-urgent referral",
}

SOURCE_TEXT = {"first_hand": "First-hand", "reported": "Reported", "unknown": "Source not recorded"}

INTEL_SOURCE_TEXT = {
    "child_disclosed": "The child disclosed it",
    "worker_observed": "Seen or heard by the submitter",
    "third_party": "Told by a third party",
    "other": "Other",
}

SOURCE_EVAL = {"1": "1 - Reliable", "2": "2 - Untested", "3": "3 - Not reliable"}
INTEL_ASSESS = {
    "A": "A - Known directly",
    "B": "B - Known indirectly, corroborated",
    "C": "C - Known indirectly",
    "D": "D - Not known",
    "E": "E - Suspected to be false",
}
HANDLING = {"P": "P - Lawful sharing permitted", "C": "C - Lawful sharing with conditions"}


# --------------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------------


class _Doc:
    """Collects flowables; every section goes through `section` so none can be left blank."""

    def __init__(self) -> None:
        self.story: list[Flowable] = []
        self.section_no = 0
        self.s = _styles()

    def para(self, text: str, style: str = "body") -> Paragraph:
        return Paragraph(text, self.s[style])

    def section(self, title: str, body: list[Flowable], numbered: bool = True) -> None:
        if numbered:
            self.section_no += 1
            title = f"{self.section_no}. {title}"
        # Keep a heading with the start of its section, never alone at a page foot.
        self.story.append(CondPageBreak(40 * mm))
        heading = self.para(escape(title), "h2")
        if not body:
            body = [self.para(NO_INFO, "empty")]
        self.story.append(KeepTogether([heading, body[0]]))
        self.story.extend(body[1:])


def _text_block(d: _Doc, text: str, style: str = "body") -> list[Flowable]:
    """Free text as paragraphs: one per line break group, so long text splits across pages."""
    if not text.strip():
        return []
    return [d.para(clean(piece), style) for piece in chunks(text, 3000, 40)]


def _fields(
    d: _Doc, pairs: Sequence[tuple[str, str]], *, show_missing: bool = True
) -> list[Flowable]:
    """Label: value lines. All empty -> nothing (the section then says No information available)."""
    if not any(value.strip() for _, value in pairs):
        return []
    out: list[Flowable] = []
    for label, value in pairs:
        if not value.strip():
            if show_missing:
                out.append(d.para(f"<b>{escape(label)}:</b> {NOT_RECORDED}"))
            continue
        pieces = chunks(value, 3000, 40)
        out.append(d.para(f"<b>{escape(label)}:</b> {clean(pieces[0])}"))
        out.extend(d.para(clean(p)) for p in pieces[1:])
    return out


_word_widths: dict[tuple[str, str, float], float] = {}


def _width(word: str, font: str, size: float) -> float:
    key = (word, font, size)
    width = _word_widths.get(key)
    if width is None:
        if len(_word_widths) > 200_000:  # bound the cache; packs are processed one at a time
            _word_widths.clear()
        width = _word_widths[key] = pdfmetrics.stringWidth(word, font, size)
    return width


def wrap_lines(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy word wrap measured with the real font metrics.

    Table cells are given as pre-wrapped plain text rather than Paragraphs: ReportLab re-wraps a
    Paragraph cell each time it measures, splits or draws a table, which made a 500-note
    chronology take several seconds. Plain text is also never parsed as mark-up.
    """
    text = _CONTROL.sub("", text).replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    space = _width(" ", font, size)
    lines: list[str] = []
    for raw in text.split("\n"):
        line: list[str] = []
        used = 0.0
        for word in raw.split(" "):
            w = _width(word, font, size)
            if w > width:  # a word longer than the column: break it by characters
                if line:
                    lines.append(" ".join(line))
                    line, used = [], 0.0
                piece = ""
                for ch in word:
                    if piece and pdfmetrics.stringWidth(piece + ch, font, size) > width:
                        lines.append(piece)
                        piece = ""
                    piece += ch
                word, w = piece, _width(piece, font, size)
            if line and used + space + w > width:
                lines.append(" ".join(line))
                line, used = [], 0.0
            used += (space if line else 0.0) + w
            line.append(word)
        lines.append(" ".join(line))
    return lines


def _table(
    d: _Doc, headers: Sequence[str], rows: Iterable[Sequence[str]], widths: Sequence[float]
) -> list[Flowable]:
    """A table of wrapped plain-text cells; a long cell continues on extra rows, so no row can
    outgrow a page; emitted in blocks of ROWS_PER_BLOCK rows with the header repeated."""
    regular, bold = fonts()
    col_widths = [w * BODY_W for w in widths]
    inner = [w - 2 * CELL_PAD - 1 for w in col_widths]
    header = ["\n".join(wrap_lines(h, bold, CELL_SIZE, inner[i])) for i, h in enumerate(headers)]
    body: list[list[str]] = []
    for row in rows:
        wrapped = [wrap_lines(v, regular, CELL_SIZE, inner[i]) for i, v in enumerate(row)]
        depth = max(len(w) for w in wrapped)
        for start in range(0, depth, CELL_LINES):
            body.append(["\n".join(w[start : start + CELL_LINES]) for w in wrapped])
    if not body:
        return []
    style = TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), regular, CELL_SIZE, CELL_LEADING),
            ("FONT", (0, 0), (-1, 0), bold, CELL_SIZE, CELL_LEADING),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa5b1")),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6ebf1")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
            ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]
    )
    out: list[Flowable] = []
    for start in range(0, len(body), ROWS_PER_BLOCK):
        block = [header, *body[start : start + ROWS_PER_BLOCK]]
        out.append(Table(block, colWidths=col_widths, repeatRows=1, style=style, hAlign="LEFT"))
    return out


def _bullets(d: _Doc, items: Iterable[str]) -> list[Flowable]:
    out: list[Flowable] = []
    for item in items:
        pieces = chunks(item, 3000, 40)
        out.append(Paragraph(clean(pieces[0]), d.s["bullet"], bulletText="\u2022"))
        out.extend(Paragraph(clean(p), d.s["bullet"]) for p in pieces[1:])
    return out


def _sharing(d: _Doc, sd: SharingDecision) -> list[Flowable]:
    out = _fields(
        d,
        [
            ("Consent sought", yes_no(sd.consent_sought)),
            (
                "Consent given",
                yes_no(sd.consent_given) or ("Not sought" if not sd.consent_sought else ""),
            ),
            ("Who consented, and whose information it covers", sd.who_consented),
            ("Parents or carers aware of this referral", yes_no(sd.parents_aware)),
            ("If not aware, why not", sd.parents_not_aware_reason),
            ("The child knows", yes_no(sd.child_aware)),
            ("The child consents", yes_no(sd.child_consents)),
        ],
        show_missing=False,
    )
    if not sd.consent_given:
        ground = GROUND_TEXT.get(sd.ground_without_consent or "", "")
        out.append(
            d.para(
                "<b>Shared without consent on the ground:</b> "
                + (escape(ground) if ground else NOT_RECORDED)
            )
        )
    out += _fields(
        d,
        [
            ("Decided by", sd.decided_by),
            ("Decided at", fmt_dt(sd.decided_at)),
            ("Reason for the decision", sd.reason),
        ],
    )
    return out


def _child_identity(d: _Doc, child: ChildData) -> list[Flowable]:
    return _fields(
        d,
        [
            ("Family name", child.family_name.upper()),
            ("Given names", child.given_names),
            ("Other names used", ", ".join(child.other_names)),
            ("Date of birth", fmt_date(child.date_of_birth)),
            ("Age", "" if child.age is None else str(child.age)),
            ("Gender", child.gender),
        ],
    )


def _screening_answers(d: _Doc, sc: ScreeningData) -> list[Flowable]:
    out: list[Flowable] = []
    for section in sc.sections:
        out.append(d.para(escape(section.title or human(section.id)), "h3"))
        rows = [
            (
                a.label or human(a.indicator),
                human(a.value),
                {"evidence": "Evidence", "gut_feeling": "Gut feeling", None: ""}[a.basis],
                human(a.when) if a.when else "",
                a.note,
            )
            for a in section.answers
        ]
        table = _table(
            d,
            ["Indicator", "Answer", "Basis", "When", "Note"],
            rows,
            [0.32, 0.11, 0.12, 0.09, 0.36],
        )
        out.extend(table or [d.para(NO_INFO, "empty")])
    return out


def _screening_outcome(d: _Doc, sc: ScreeningData, *, with_answers: bool) -> list[Flowable]:
    out: list[Flowable] = []
    if sc.immediate_danger:
        out.append(
            d.para("IMMEDIATE DANGER was recorded: call 999 now if not already done.", "flag")
        )
    out += _fields(
        d,
        [
            ("Tool", f"{sc.tool_title or sc.tool_id} ({sc.tool_id}, version {sc.tool_version})"),
            ("Screened on", fmt_date(sc.screened_on)),
            ("Screened by", sc.screened_by),
            ("Suggested level", level_text(sc.tool_id, sc.tool_version, sc.suggested_level)),
            (
                "Confirmed level",
                (
                    level_text(sc.tool_id, sc.tool_version, sc.confirmed_level)
                    + (
                        " (lower than suggested: awaiting DSL sign-off; the suggested level "
                        "applies until then)"
                        if sc.awaiting_signoff
                        else ""
                    )
                )
                if sc.confirmed_level
                else "Not yet confirmed",
            ),
            ("Confirmed by", sc.confirmed_by),
            ("Confirmed at", fmt_dt(sc.confirmed_at)),
            ("Reason for the confirmed level", sc.confirmation_reason),
        ],
    )
    kinds_line = exploitation_line(sc.exploitation)
    if kinds_line:
        out.append(d.para(f"<b>{clean(kinds_line)}</b>"))
    if sc.provenance:
        out.append(d.para(clean(sc.provenance)))
    if sc.reasons:
        out.append(d.para("<b>Why this level was suggested:</b>"))
        out += _bullets(
            d,
            (
                f"{r.rule}: {r.text or ''} ({', '.join(r.indicators)})"
                if r.indicators
                else f"{r.rule}: {r.text}"
                for r in sc.reasons
            ),
        )
    for label, items in (
        ("Floors applied", sc.floors_applied),
        ("To verify (answered 'possible')", sc.to_verify),
        ("Gaps to follow up (answered 'unknown')", sc.gaps),
        ("Next steps", sc.next_steps),
    ):
        out.append(d.para(f"<b>{escape(label)}:</b>" + ("" if items else " None")))
        out += _bullets(d, items)
    if with_answers:
        out += _screening_answers(d, sc)
    return out


# --------------------------------------------------------------------------------------------
# The three layouts
# --------------------------------------------------------------------------------------------


def _referral(d: _Doc, pack: PackModel) -> None:
    child: ChildData = pack.of_type("child")[0].data
    ref: ReferralData = pack.of_type("referral")[0].data
    screenings: list[ScreeningData] = [r.data for r in pack.of_type("screening")]

    d.story.append(d.para("Referral to Children's Social Care", "title"))
    d.story.append(
        d.para(
            f"To: {clean(pack.recipient.name)} ({clean(pack.recipient.route)}). "
            f"Made {fmt_dt(pack.created_at)} by {clean(pack.sender.name)}.",
            "subtitle",
        )
    )

    urgency: list[Flowable] = [
        d.para(escape(URGENCY_TEXT[ref.urgency]), "flag" if ref.urgency != "non_urgent" else "body")
    ]
    if any(s.immediate_danger for s in screenings) and ref.urgency != "immediate_danger":
        urgency.append(d.para("The screening recorded immediate danger.", "flag"))
    urgency += _fields(
        d, [("Route", ref.route), ("Phoned at", fmt_dt(ref.phoned_at))], show_missing=False
    )
    d.section("Urgency and route", urgency)

    d.section(
        "Child details",
        _fields(
            d,
            [
                ("Family name", child.family_name.upper()),
                ("Given names", child.given_names),
                ("Other names used", ", ".join(child.other_names)),
                ("Date of birth", fmt_date(child.date_of_birth)),
                ("Age", "" if child.age is None else str(child.age)),
                ("Gender", child.gender),
                ("Ethnicity", child.ethnicity),
                ("Religion", child.religion),
                ("First language", child.first_language),
                ("Interpreter needed", yes_no(child.interpreter_needed)),
                ("Disability or health needs", child.disability_health_needs),
                ("Learning disability", yes_no(child.learning_disability)),
                ("NHS number", child.nhs_number),
                ("Home address", child.home_address),
                ("Current address", child.current_address),
                ("Reason for the current address", child.current_address_reason),
                ("Phone numbers", ", ".join(child.phones)),
                ("GP", child.gp),
                ("School or nursery", child.school),
                ("Physical description", child.description),
            ],
        ),
    )

    household = _table(
        d,
        [
            "Name",
            "Date of birth",
            "Relationship",
            "Parental resp.",
            "Lives with child",
            "Address and contact",
            "Notes",
        ],
        (
            (
                m.name,
                fmt_date(m.date_of_birth),
                m.relationship,
                yes_no(m.parental_responsibility),
                yes_no(m.lives_with_child),
                "\n".join(x for x in (m.address, m.phone) if x),
                m.notes,
            )
            for m in child.household
        ),
        [0.16, 0.13, 0.13, 0.12, 0.1, 0.21, 0.15],
    )
    if household:
        holders = [m.name for m in child.household if m.parental_responsibility]
        household.insert(
            0,
            d.para(
                "<b>Parental responsibility:</b> "
                + (clean(", ".join(holders)) if holders else NOT_RECORDED)
            ),
        )
    d.section("Household and family", household)

    s = pack.sender
    d.section(
        "Referrer",
        _fields(
            d,
            [
                ("Name", s.name),
                ("Role", s.role),
                ("Agency", s.agency),
                ("Address", s.address),
                ("Phone", s.contact),
                ("Secure email", s.email),
                ("Availability", s.availability),
                ("Date", fmt_date(pack.created_at.date())),
                ("Involvement with the child", ref.referrer_involvement),
            ],
        ),
    )

    d.section("Consent and information-sharing decision", _sharing(d, pack.sharing_decision))

    concerns: list[Flowable] = []
    if ref.reason.strip():
        concerns.append(d.para("<b>Why this referral is made now:</b>"))
        concerns += _text_block(d, ref.reason)
    concerns += _table(
        d,
        ["Date", "Concern", "First-hand or reported"],
        (
            (
                fmt_date(c.occurred_on),
                c.text,
                SOURCE_TEXT[c.source] + (f" ({c.source_detail})" if c.source_detail else ""),
            )
            for c in ref.concerns
        ),
        [0.135, 0.585, 0.28],
    )
    if ref.basis_of_concern:
        concerns.append(d.para("<b>Basis of concern:</b>"))
        concerns += _bullets(d, ref.basis_of_concern)
    if concerns:
        concerns += _fields(
            d,
            [
                ("Looked-after status", child.looked_after_status),
                ("Past experience of violence", ", ".join(ref.past_violence)),
            ],
        )
    d.section("Reason for referral and concerns", concerns)

    outcome: list[Flowable] = []
    for i, sc in enumerate(screenings):
        if len(screenings) > 1:
            outcome.append(d.para(f"Screening {i + 1} of {len(screenings)}", "h3"))
        outcome += _screening_outcome(d, sc, with_answers=True)
    d.section("Screening outcome", outcome)

    d.section(
        "Actions already taken",
        _table(
            d,
            ["Date", "Action", "By", "Reference"],
            ((fmt_date(a.on), a.action, a.by, a.reference) for a in ref.actions_taken),
            [0.135, 0.505, 0.18, 0.18],
        ),
    )
    if pack.of_type("action"):  # issue 18: an optional section (packs without it unchanged)
        d.section(
            render_actions.ACTIONS_TITLE,
            _table(
                d,
                render_actions.ACTION_HEADERS,
                render_actions.action_rows(pack, pack.created_at),
                render_actions.ACTION_WIDTHS,
            ),
        )
    d.section(
        "Other agencies involved",
        _table(
            d,
            ["Agency", "Role", "Contact"],
            ((a.name, a.role, a.contact) for a in ref.other_agencies),
            [0.34, 0.3, 0.36],
        ),
    )
    d.section("The child's views and wishes", _text_block(d, ref.child_views))
    d.section("Chronology extract", _chronology(d, pack))


def _chronology(d: _Doc, pack: PackModel) -> list[Flowable]:
    entries: list[tuple[date, int, str, tuple[str, str, str, str]]] = []
    for r in pack.of_type("note"):
        n = r.data
        when = n.occurred_on or n.recorded_at.date()
        mark = SOURCE_TEXT[n.source] + (f", {n.source_detail}" if n.source_detail else "")
        entries.append((when, 0, r.id, (fmt_date(when), f"Note ({mark})", n.author, n.text)))
    for r in pack.of_type("missing_episode"):
        m = r.data
        text = m.summary
        extra = [
            f"Returned {fmt_dt(m.ended_at)}" if m.ended_at else "Not yet returned",
            f"Found: {m.found_where}" if m.found_where else "",
            f"Reported to police: {yes_no(m.reported_to_police)}"
            if m.reported_to_police is not None
            else "",
            f"Reported to police at {fmt_dt(m.reported_at)}" if m.reported_at else "",
            f"Police reference {m.police_reference}" if m.police_reference else "",
            f"Found or returned by: {m.returned_by}" if m.returned_by else "",
            f"Return interview: {m.return_interview}" if m.return_interview else "",
        ]
        text = "\n".join(x for x in [text, *extra] if x)
        entries.append(
            (
                m.started_at.date(),
                1,
                r.id,
                (fmt_date(m.started_at.date()), "Missing episode", "", text),
            )
        )
    for r in pack.of_type("pathway_step"):
        p = r.data
        text = "\n".join(
            x
            for x in [
                f"{p.title or human(p.step_id)} ({human(p.status).lower()})",
                p.summary,
                f"Reference {p.reference}" if p.reference else "",
            ]
            if x
        )
        entries.append(
            (
                p.recorded_at.date(),
                2,
                r.id,
                (fmt_date(p.recorded_at.date()), "Pathway step", p.recorded_by, text),
            )
        )
    for r in pack.of_type("screening"):
        sc = r.data
        level = (
            level_text(sc.tool_id, sc.tool_version, sc.confirmed_level)
            if sc.confirmed_level
            else f"suggested {level_text(sc.tool_id, sc.tool_version, sc.suggested_level)}"
        )
        entries.append(
            (
                sc.screened_on,
                3,
                r.id,
                (
                    fmt_date(sc.screened_on),
                    "Screening",
                    sc.screened_by,
                    f"{sc.tool_id} v{sc.tool_version}: {level}",
                ),
            )
        )
    entries += render_actions.incident_entries(pack)
    entries.sort(key=lambda e: (e[0], e[1], e[2]))
    return _table(
        d,
        ["Date", "Type", "Recorded by", "Entry"],
        (e[3] for e in entries),
        [0.135, 0.165, 0.14, 0.56],
    )


def _intelligence(d: _Doc, pack: PackModel) -> None:
    rep: IntelReportData = pack.of_type("intel_report")[0].data
    d.story.append(d.para("Partnership information report (intelligence)", "title"))
    d.story.append(
        d.para(
            "Information passed to the police by a partner agency. It is not a crime report and "
            "not a safeguarding referral; those are made separately.",
            "subtitle",
        )
    )
    s, r = pack.sender, pack.recipient
    d.section(
        "Submitter",
        _fields(
            d,
            [
                ("Name", s.name),
                ("Agency", s.agency),
                ("Role", s.role),
                ("Address", s.address),
                ("Phone", s.contact),
                ("Secure email", s.email),
                ("Date completed", fmt_date(pack.created_at.date())),
            ],
        ),
    )
    d.section(
        "Send to",
        _fields(
            d,
            [
                ("Police route", r.name),
                ("How", r.route),
                ("Address", r.address),
                ("Secure email", r.email),
                ("Phone", r.phone),
            ],
            show_missing=False,
        ),
    )
    subjects: list[Flowable] = []
    for i, subj in enumerate(rep.subjects, start=1):
        born = (
            f"DOB {fmt_date(subj.date_of_birth)}"
            if subj.date_of_birth
            else (f"age {subj.age_range}" if subj.age_range else "DOB not known")
        )
        name = " ".join(x for x in (subj.surname.upper(), subj.forenames) if x) or "Name not known"
        subjects.append(
            d.para(f"<b>{i}. {clean(name)}</b> {clean(born)} ({escape(human(subj.role))})")
        )
        subjects += _fields(
            d,
            [
                ("Alias or nickname", ", ".join(subj.aliases)),
                ("Address", subj.address),
                ("Description", subj.description),
            ],
            show_missing=False,
        )
    d.section("Subjects", subjects)
    d.section(
        "Vehicles",
        _table(
            d,
            ["Vehicle", "Make", "Model", "Colour", "Notes"],
            (
                (f"VRM: {v.vrm}" if v.vrm else "VRM not known", v.make, v.model, v.colour, v.notes)
                for v in rep.vehicles
            ),
            [0.2, 0.15, 0.15, 0.12, 0.38],
        ),
    )
    d.section(
        "Phone numbers",
        _table(
            d,
            ["Number", "Whose", "Notes"],
            ((p.number, p.owner, p.notes) for p in rep.phones),
            [0.25, 0.3, 0.45],
        ),
    )
    d.section(
        "Online identities",
        _table(
            d,
            ["Platform", "Name or handle", "Link", "Whose"],
            ((o.platform, o.handle, o.url, o.owner) for o in rep.online_identities),
            [0.18, 0.25, 0.35, 0.22],
        ),
    )
    d.section(
        "Locations",
        _table(
            d,
            ["Place", "Address", "Notes"],
            ((x.name, x.address, x.notes) for x in rep.locations),
            [0.25, 0.35, 0.4],
        ),
    )
    info = _bullets(d, rep.information)
    if info and rep.no_more_information:
        info.append(d.para(NO_MORE_INFO))
    d.section("The information", info)
    d.section(
        "Source and how it is known",
        _fields(d, [("Source", INTEL_SOURCE_TEXT[rep.source]), ("How it is known", rep.how_known)]),
    )
    reported = {True: "Yes", False: "No", None: "Not known"}[rep.already_reported]
    d.section(
        "Already reported",
        _fields(
            d,
            [
                ("Already reported to the police", reported),
                ("Crime reference", rep.crime_reference),
            ],
            show_missing=False,
        ),
    )
    d.section(
        "Other agencies involved or informed",
        _table(
            d,
            ["Agency", "Role", "Contact"],
            ((a.name, a.role, a.contact) for a in rep.other_agencies),
            [0.34, 0.3, 0.36],
        ),
    )
    handling: list[Flowable] = []
    if rep.suggested_handling:
        h = rep.suggested_handling
        handling.append(
            d.para(
                "<b>Suggestion only:</b> the receiving force evaluates and grades this information."
            )
        )
        handling += _fields(
            d,
            [
                ("Source evaluation", SOURCE_EVAL[h.source_evaluation]),
                ("Intelligence assessment", INTEL_ASSESS[h.intelligence_assessment]),
                ("Handling code", HANDLING[h.handling_code]),
                ("Conditions", h.conditions),
            ],
            show_missing=False,
        )
    d.section("Suggested handling (3x5x2), for the receiving force", handling)
    d.section("Basis for sharing", _sharing(d, pack.sharing_decision))


def _screening(d: _Doc, pack: PackModel) -> None:
    child: ChildData = pack.of_type("child")[0].data
    sc: ScreeningData = pack.of_type("screening")[0].data
    d.story.append(d.para("Completed CSE screening", "title"))
    d.story.append(
        d.para(
            f"For: {clean(pack.recipient.name)}. Made {fmt_dt(pack.created_at)} by {clean(pack.sender.name)}.",
            "subtitle",
        )
    )
    d.section(
        "Tool",
        _fields(
            d,
            [
                ("Tool", sc.tool_title or sc.tool_id),
                ("Tool id and version", f"{sc.tool_id}, version {sc.tool_version}"),
                ("Screened on", fmt_date(sc.screened_on)),
                ("Screened by", sc.screened_by),
            ],
        ),
    )
    ident = _child_identity(d, child)
    if ident:
        ident += _fields(
            d,
            [
                ("Age at screening", "" if sc.child_age is None else str(sc.child_age)),
                ("Learning disability", yes_no(sc.learning_disability)),
                ("Additional needs", yes_no(sc.additional_needs)),
            ],
        )
    d.section("Child", ident)
    d.section(
        "Immediate danger",
        [
            d.para("Yes: call 999 now if not already done.", "flag")
            if sc.immediate_danger
            else d.para("No")
        ],
    )
    d.section("Answers", _screening_answers(d, sc))
    d.section("Outcome and confirmation", _screening_outcome(d, sc, with_answers=False))
    d.section("Information-sharing decision", _sharing(d, pack.sharing_decision))


CHRONOLOGY_KIND_TEXT = {
    "note": "Note",
    "incident": "Incident",
    "screening": "Screening",
    "step": "Pathway step",
    "missing": "Missing episode",
    "intelligence": "Intelligence",
    "export": "Pack shared",
    "attachment": "Attachment",
    "other": "Other",
}


def local_dt(value: datetime) -> str:
    """A time in the local time of the machine rendering (the sender's, at export)."""
    local = value.astimezone()
    offset = local.strftime("%z")
    return local.strftime("%d/%m/%Y %H:%M") + (f" (UTC{offset[:3]}:{offset[3:]})" if offset else "")


def chronology_printed_line(pack: PackModel) -> str:
    ch = pack.chronology
    assert ch is not None
    return f"Chronology of {ch.child_ref} \u00b7 printed by {ch.printed_by} on {local_dt(ch.printed_at)}"


def _chronology_pack(d: _Doc, pack: PackModel) -> None:
    ch = pack.chronology
    assert ch is not None
    child: ChildData = pack.of_type("child")[0].data
    name = " ".join(x for x in (child.given_names, child.family_name) if x) or ch.child_ref
    d.story.append(d.para(f"Chronology: {clean(name)} (Ref {clean(ch.child_ref)})", "title"))
    period = (
        f"{fmt_date(ch.period_from) if ch.period_from else 'the first entry'} to "
        f"{fmt_date(ch.period_to) if ch.period_to else 'the latest entry'}"
    )
    kinds = ", ".join(CHRONOLOGY_KIND_TEXT.get(k, k) for k in ch.kinds) or "none"
    d.story.append(
        d.para(
            f"Printed by {clean(ch.printed_by)} on {escape(local_dt(ch.printed_at))}, for: "
            f"{clean(ch.purpose)}.",
            "subtitle",
        )
    )
    d.section(
        "What this chronology holds",
        _fields(
            d,
            [
                ("Child", name),
                ("Reference", ch.child_ref),
                ("Date of birth", fmt_date(child.date_of_birth)),
                ("Period", period),
                ("Kinds of entry", kinds),
                ("Entries shown", str(len(ch.entries))),
                ("Entries left out by the person printing", str(ch.left_out)),
            ],
        ),
    )
    rows = []
    for number, e in enumerate(sorted(ch.entries, key=lambda x: x.at), start=1):
        detail = "\n".join(x for x in (e.title, e.detail) if x)
        if e.origin:
            detail += f"\n(from pack {e.origin})"
        rows.append(
            (
                str(number),
                local_dt(e.at).split(" (")[0],
                CHRONOLOGY_KIND_TEXT.get(e.kind, e.kind),
                e.recorded_by,
                detail,
            )
        )
    d.section(
        "Chronology",
        _table(
            d, ["#", "When", "Kind", "Recorded by", "Entry"], rows, [0.05, 0.15, 0.13, 0.15, 0.52]
        ),
    )


def _attachments(d: _Doc, pack: PackModel) -> None:
    """The files embedded in this PDF, each with its SHA-256 (only when there are some)."""
    if not pack.attachments:
        return
    rows = [
        (
            a.embedded_as,
            a.caption or a.file_name,
            fmt_dt(a.taken_at) if a.taken_at else NOT_RECORDED,
            a.added_by,
            a.sha256,
        )
        for a in pack.attachments
    ]
    body = [
        d.para(
            "These files are attached to this PDF (open your reader's attachments panel). "
            "Each SHA-256 lets you check the file is exactly as it was sent.",
            "body",
        ),
        *_table(
            d,
            ["File", "Caption", "Taken", "Added by", "SHA-256"],
            rows,
            [0.13, 0.3, 0.13, 0.12, 0.32],
        ),
    ]
    if any(a.metadata_kept for a in pack.attachments):
        body.append(
            d.para(
                "Some pictures keep their location and camera details: the sender kept them "
                "for evidence.",
                "body",
            )
        )
    d.section("Attached files", body)


LAYOUTS: dict[str, Callable[[_Doc, PackModel], None]] = {
    "referral": _referral,
    "intelligence": _intelligence,
    "screening": _screening,
    "chronology": _chronology_pack,
}

TITLES = {
    "referral": "Referral to Children's Social Care",
    "intelligence": "Partnership information report",
    "screening": "Completed CSE screening",
    "chronology": "Chronology",
}


# --------------------------------------------------------------------------------------------
# Page furniture and the public entry point
# --------------------------------------------------------------------------------------------


RULE_COLOUR = colors.HexColor("#9aa5b1")
MARKING_COLOUR = colors.HexColor("#9b1c1c")


def draw_page_frame(
    canvas: Canvas, organisation: str, footer: str, *, footer_size: float, page: str = ""
) -> None:
    """The page header and footer every PDF the toolkit makes carries: the marking at the top
    and bottom, the organisation, two rules, the footer line and (packs) the page number."""
    regular, bold = fonts()
    canvas.saveState()
    canvas.setFillColor(MARKING_COLOUR)
    canvas.setFont(bold, 10)
    canvas.drawString(MARGIN, PAGE_H - 11 * mm, MARKING)
    canvas.drawCentredString(PAGE_W / 2, 7 * mm, MARKING)
    canvas.setFillColor(colors.black)
    canvas.setFont(regular, 8.5)
    org = organisation if len(organisation) <= 90 else organisation[:87] + "..."
    canvas.drawRightString(PAGE_W - MARGIN, PAGE_H - 11 * mm, org)
    canvas.setStrokeColor(RULE_COLOUR)
    canvas.line(MARGIN, PAGE_H - 13 * mm, PAGE_W - MARGIN, PAGE_H - 13 * mm)
    canvas.line(MARGIN, 15.5 * mm, PAGE_W - MARGIN, 15.5 * mm)
    canvas.setFont(regular, footer_size)
    canvas.drawString(MARGIN, 11.5 * mm, footer)
    if page:
        canvas.setFont(bold, 8)
        canvas.drawRightString(PAGE_W - MARGIN, 11.5 * mm - 9, page)
    canvas.restoreState()


def footer_text(pack: PackModel) -> str:
    head = pack.audit_chain_head
    sig = signing.signature_fingerprint(pack.signature.value) if pack.signature else "UNSIGNED"
    return (
        f"Pack {pack.pack_id} \u00b7 signed by key {signing.fingerprint(pack.vault.public_key)}"
        f" \u00b7 signature {sig} \u00b7 audit {head.seq}/{head.hash[:12]}"
    )


def _canvas_class(organisation: str, footer: str) -> type[Canvas]:
    """A canvas that draws headers and footers after the last page, so it knows the page count."""

    class PackCanvas(Canvas):  # type: ignore[misc]  # ReportLab has no type hints
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - ReportLab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self._furniture(number, total)
                super().showPage()
            super().save()

        def _furniture(self, number: int, total: int) -> None:
            draw_page_frame(
                self, organisation, footer, footer_size=7, page=f"Page {number} of {total}"
            )

    return PackCanvas


def render_pdf(pack: PackModel, *, invariant: bool = True, printed: bool = False) -> bytes:
    """The readable PDF for `pack`, unencrypted, as bytes in memory (never written to disk).

    ``printed``: the paper copy of a chronology (no pack, no signature): its footer says who
    printed it and when, instead of the pack's signature line.
    """
    d = _Doc()
    LAYOUTS[pack.kind](d, pack)
    _attachments(d, pack)
    d.story.append(Spacer(1, 6 * mm))
    footer = footer_text(pack)
    if pack.chronology is not None:
        # The pack's full signature line is on the last page; the page foot names the pack.
        footer = chronology_printed_line(pack) + (
            " \u00b7 printed copy: keep it as securely as the record"
            if printed
            else f" \u00b7 pack {pack.pack_id[:8]}, signature on the last page"
        )
    if printed:
        d.story.append(d.para("End of chronology.", "empty"))
    else:
        d.story.append(
            d.para(
                "End of document. The structured data (pack.json) is attached to this PDF and "
                f"signed; check it with 'cse-toolkit verify-pack'. {escape(footer_text(pack))}",
                "empty",
            )
        )
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=22 * mm,
        title=TITLES[pack.kind],
        subject=f"{MARKING} pack {pack.pack_id}",
        author="CSE Toolkit",
        creator="CSE Toolkit",
        invariant=1 if invariant else 0,
    )
    organisation = _CONTROL.sub("", pack.organisation)
    # ASCII85 on top of Flate only makes streams bigger and, without ReportLab's optional C
    # accelerator, costs a quarter of the render time; pikepdf re-encodes the streams anyway.
    saved_a85 = rl_config.useA85
    rl_config.useA85 = 0
    try:
        doc.build(d.story, canvasmaker=_canvas_class(organisation, _CONTROL.sub("", footer)))
    finally:
        rl_config.useA85 = saved_a85
    return buffer.getvalue()
