"""The one-page anonymised "Network meeting update" PDF, built in memory.

It carries only the figures of ``core.summary.NetworkSummary`` (small numbers already
suppressed, no names of children or schools), under the OFFICIAL-SENSITIVE marking the packs
use, in the packs' fonts. It is not encrypted: it is meant to be shown at a partnership
meeting. It is still written only where the user chooses, atomically (``save_summary_pdf``).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from cse_toolkit.core.summary import NOTE, NetworkSummary, ToolSummary, count_text
from cse_toolkit.fsutil import atomic_write
from cse_toolkit.packs.render import (
    MARGIN,
    MARKING,
    PAGE_W,
    RULE_COLOUR,
    clean,
    draw_page_frame,
    fonts,
)

TITLE = "Network meeting update"
_INK = colors.HexColor("#1f3a5f")


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = fonts()
    base = ParagraphStyle("sbody", fontName=regular, fontSize=10, leading=13.5)
    return {
        "body": base,
        "title": ParagraphStyle(
            "stitle", base, fontName=bold, fontSize=18, leading=22, textColor=_INK, spaceAfter=2
        ),
        "sub": ParagraphStyle("ssub", base, fontSize=10.5, leading=14, spaceAfter=8),
        "head": ParagraphStyle("shead", base, fontName=bold, fontSize=10, leading=13.5),
        "big": ParagraphStyle("sbig", base, fontName=bold, fontSize=26, leading=30, textColor=_INK),
        "small": ParagraphStyle("ssmall", base, fontSize=8.5, leading=10.5),
        "count": ParagraphStyle("scount", base, fontName=bold, fontSize=11, leading=14),
        "note": ParagraphStyle(
            "snote", base, fontSize=8, leading=10.5, textColor=colors.HexColor("#444444")
        ),
    }


def _furniture(organisation: str) -> Any:
    def draw(canvas: Canvas, _doc: Any) -> None:
        draw_page_frame(
            canvas,
            organisation,
            "Anonymised figures from the CSE Toolkit. "
            "Do not add names or details that could identify a child.",
            footer_size=7.5,
        )

    return draw


def _levels_table(tool: ToolSummary, s: dict[str, ParagraphStyle], width: float) -> Table:
    """One tool's levels, highest first, as a small grid: label over count."""
    shown = list(reversed(tool.levels))
    col = width / max(1, len(shown))
    table = Table(
        [
            [Paragraph(escape(lv.label), s["small"]) for lv in shown],
            [Paragraph(escape(count_text(lv.count)), s["count"]) for lv in shown],
        ],
        colWidths=[col] * len(shown),
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BOX", (0, 0), (-1, -1), 0.4, RULE_COLOUR),
                ("INNERGRID", (0, 0), (-1, -1), 0.4, RULE_COLOUR),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6ebf1")),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


def render_summary_pdf(summary: NetworkSummary, *, invariant: bool = True) -> bytes:
    """The summary as a one-page PDF (bytes, in memory)."""
    s = _styles()
    story: list[Any] = [
        Paragraph(TITLE, s["title"]),
        Paragraph(
            (f"{clean(summary.organisation)} \u00b7 " if summary.organisation.strip() else "")
            + f"{escape(summary.period_text)}"
            f" \u00b7 produced {summary.generated_on.strftime('%d/%m/%Y')}",
            s["sub"],
        ),
        Paragraph(escape(count_text(summary.at_risk)), s["big"]),
        Paragraph("children known to us, affected by or at risk of CSE", s["body"]),
        Spacer(1, 5 * mm),
    ]
    width = PAGE_W - 2 * MARGIN
    levels = {f"Levels ({t.name})": t for t in summary.by_tool}
    rows: list[list[Any]] = []
    for head, text in summary.lines():
        if head in ("Period", "Children known"):
            continue
        tool = levels.get(head)
        value: Any = Paragraph(clean(text), s["body"])
        if tool is not None:
            value = _levels_table(tool, s, 0.7 * width - 6)
        rows.append([Paragraph(escape(head), s["head"]), value])
    table = Table(rows, colWidths=[0.3 * width, 0.7 * width], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE_COLOUR),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                ("LEFTPADDING", (0, 0), (0, -1), 0),
            ]
        )
    )
    story += [table, Spacer(1, 6 * mm), Paragraph(escape(NOTE), s["note"])]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + 2 * mm,
        bottomMargin=22 * mm,
        title=TITLE,
        subject=f"{MARKING} anonymised summary",
        author="CSE Toolkit",
        creator="CSE Toolkit",
        invariant=1 if invariant else 0,
    )
    draw = _furniture(summary.organisation)
    doc.build(story, onFirstPage=draw, onLaterPages=draw)
    return buffer.getvalue()


def save_summary_pdf(summary: NetworkSummary, path: Path) -> None:
    """Render and write atomically to ``path`` (a place the user chose)."""
    atomic_write(Path(path), render_summary_pdf(summary), "the summary PDF")


__all__ = ["TITLE", "render_summary_pdf", "save_summary_pdf"]
