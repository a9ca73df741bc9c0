"""PDF rendering: sections, order, empty sections, escaping, page furniture, stability, size."""

from __future__ import annotations

import re
import subprocess
import time

import pytest

from cse_toolkit.packs import render
from cse_toolkit.packs.render import NO_INFO, render_pdf

from .factories import make_pack


def pdf_text(data: bytes) -> str:
    """Text through an external reader (poppler's pdftotext), from stdin: nothing on disk."""
    done = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    )
    return done.stdout.decode("utf-8")


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


REFERRAL_SECTIONS = [
    "Urgency and route",
    "Child details",
    "Household and family",
    "Referrer",
    "Consent and information-sharing decision",
    "Reason for referral and concerns",
    "Screening outcome",
    "Actions already taken",
    "Other agencies involved",
    "The child's views and wishes",
    "Chronology extract",
]
INTEL_SECTIONS = [
    "Submitter",
    "Send to",
    "Subjects",
    "Vehicles",
    "Phone numbers",
    "Online identities",
    "Locations",
    "The information",
    "Source and how it is known",
    "Already reported",
    "Other agencies involved or informed",
    "Suggested handling (3x5x2), for the receiving force",
    "Basis for sharing",
]
SCREENING_SECTIONS = [
    "Tool",
    "Child",
    "Immediate danger",
    "Answers",
    "Outcome and confirmation",
    "Information-sharing decision",
]
SECTIONS = {
    "referral": REFERRAL_SECTIONS,
    "intelligence": INTEL_SECTIONS,
    "screening": SCREENING_SECTIONS,
}


def section_bodies(text: str, titles: list[str]) -> list[str]:
    """Body text of each numbered section, asserting the headings appear once, in order."""
    positions = []
    for number, title in enumerate(titles, start=1):
        match = re.search(rf"^\s*{number}\. {re.escape(title)}\s*$", text, re.M)
        assert match, f"section {number}. {title} missing"
        positions.append(match)
    starts = [m.start() for m in positions]
    assert starts == sorted(starts), "sections out of order"
    ends = [*starts[1:], text.index("End of document")]
    return [flat(text[m.end() : end]) for m, end in zip(positions, ends, strict=True)]


@pytest.mark.parametrize("kind", ["referral", "intelligence", "screening"])
def test_full_pack_has_every_section_in_order_with_content(kind: str) -> None:
    text = pdf_text(render_pdf(make_pack(kind)))
    bodies = section_bodies(text, SECTIONS[kind])
    for title, body in zip(SECTIONS[kind], bodies, strict=True):
        assert body.strip(), f"{title} is blank"
    # every page: protective marking at top and bottom, organisation, page X of Y, footer
    pages = text.split("\f")[:-1]
    assert pages
    for number, page in enumerate(pages, start=1):
        assert page.count("OFFICIAL-SENSITIVE") == 2
        assert "Wychavon Youth Outreach (fictional)" in page
        assert f"Page {number} of {len(pages)}" in page
        assert "Pack 12345678-9abc-4def-8123-456789abcdef" in page
        assert "signed by key 334e 5c5c cce1 e314" in page
        assert "audit 4821/" in page


@pytest.mark.parametrize("kind", ["referral", "intelligence", "screening"])
def test_empty_sections_say_no_information_available(kind: str) -> None:
    text = pdf_text(render_pdf(make_pack(kind, empty=True)))
    bodies = section_bodies(text, SECTIONS[kind])
    for title, body in zip(SECTIONS[kind], bodies, strict=True):
        assert body.strip(), f"{title} is blank"
    assert (
        sum(NO_INFO in b for b in bodies)
        >= {"referral": 6, "intelligence": 7, "screening": 2}[kind]
    )


def test_referral_content() -> None:
    text = flat(pdf_text(render_pdf(make_pack("referral"))))
    for expected in [
        "Family name: WHITLOW",
        "Zoë Łukasik-Ng",  # non-Latin letters survive (DejaVu Sans)
        "Parental responsibility: Karen Whitlow",
        "Shared without consent on the ground: Seeking consent would put the child or another "
        "person at risk of significant harm",
        "First-hand",
        "Reported (peer, told worker 13/03)",
        "worcestershire-2013, version 1.0.0",
        "Suggested level: Medium",
        "Confirmed by: Priya Natarajan",
        "Gut feeling",
        "Evidence",
        "To verify",
        "Gaps to follow up",
        "Appeared anxious & would not say where she was going <later said 'a mate's'>",
    ]:
        assert expected in text, expected


def test_intelligence_content() -> None:
    text = flat(pdf_text(render_pdf(make_pack("intelligence"))))
    for expected in [
        "MARSH Dean Anthony DOB 11/04/1995 (Suspected perpetrator)",
        "VRM: AB12 ABC",
        "Vauxhall",
        "smithy_95x",
        "(no more information available)",
        "Suggestion only",
        "1 - Reliable",
        "A - Known directly",
        "P - Lawful sharing permitted",
        "West Mercia Police partnership intelligence (fictional)",
    ]:
        assert expected in text, expected
    # the closing marker comes straight after the information lines
    assert text.index("(no more information available)") < text.index("Source and how it is known")


def test_chronology_is_date_ordered() -> None:
    text = pdf_text(render_pdf(make_pack("referral", notes=12)))
    chrono = text[text.index("11. Chronology extract") : text.index("End of document")]
    dates = re.findall(r"^\s+(\d\d)/(\d\d)/(\d{4})\s", chrono, re.M)
    keyed = [(y, m, d) for d, m, y in dates]
    assert len(keyed) >= 12 and keyed == sorted(keyed)


def test_user_markup_is_escaped_not_interpreted() -> None:
    data = make_pack("referral").to_json_dict()
    data.pop("signature")
    data["records"][1]["data"]["reason"] = 'x <b>bold</b> & <font size="40">big</font> <para>'
    data["organisation"] = "<org & co>"
    from cse_toolkit.packs.schema import PackModel

    text = flat(pdf_text(render_pdf(PackModel.model_validate(data))))
    assert 'x <b>bold</b> & <font size="40">big</font> <para>' in text
    assert "<org & co>" in text


def test_same_pack_renders_to_identical_bytes() -> None:
    pack = make_pack("referral")
    assert render_pdf(pack) == render_pdf(pack)


def test_long_notes_wrap_and_split_across_pages() -> None:
    pack = make_pack("referral", notes=60, long_every=10)
    data = render_pdf(pack)
    text = pdf_text(data)
    assert text.count("\f") > 5
    assert "Page 1 of" in text


def test_huge_single_field_renders() -> None:
    data = make_pack("referral").to_json_dict()
    data.pop("signature")
    data["records"][1]["data"]["child_views"] = ("word " * 3999)[:19_999]
    data["records"][1]["data"]["actions_taken"][0]["action"] = "y" * 20_000  # one long "word"
    from cse_toolkit.packs.schema import PackModel

    assert render_pdf(PackModel.model_validate(data)).startswith(b"%PDF")


def test_500_notes_render_quickly() -> None:
    pack = make_pack("referral", notes=500)
    start = time.perf_counter()
    data = render_pdf(pack)
    elapsed = time.perf_counter() - start
    assert data.startswith(b"%PDF")
    assert elapsed < 10  # budget is 2 s for the whole export; generous here for loaded CI


def test_wrap_lines_respects_width() -> None:
    font = render.fonts()[0]
    lines = render.wrap_lines("alpha beta gamma " * 20 + "z" * 300, font, 8.5, 100)
    from reportlab.pdfbase.pdfmetrics import stringWidth

    assert all(stringWidth(line, font, 8.5) <= 100 for line in lines)
    assert "".join(lines).replace(" ", "") == ("alphabetagamma" * 20 + "z" * 300)
