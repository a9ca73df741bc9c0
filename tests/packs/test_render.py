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


# Issue 14: the order the front door reads a referral in.
REFERRAL_SECTIONS = [
    "Urgency and where the child is now",
    "The child",
    "People who may pose a risk to the child",
    "Other children who may be at risk",
    "What happened",
    "The screening",
    "Consent and information sharing",
    "What is asked",
    "The referrer",
]
INTEL_SECTIONS = [
    "Submitter",
    "Send to",
    "Subjects",
    "Vehicles",
    "Phone numbers and drug lines",
    "Online identities",
    "Locations",
    "Financial details",
    "Weapons",
    "The information",
    "When it happened",
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
        >= {"referral": 2, "intelligence": 9, "screening": 2}[kind]
    )
    if kind == "referral":  # every question of a section still shows, with "Not recorded"
        text = flat(text)
        for line in (
            "Where: Not recorded",
            "Safe tonight: Not recorded",
            "Police log or crime reference: Not recorded",
            "Looked-after status: Not recorded",
            "Past experience of violence: Not recorded",
            "What the referrer asks children's social care to do: Not recorded",
            "DSL or manager consulted: Not recorded",
            "The child's own words: Not recorded",
            "Basis of concern: Not recorded",
        ):
            assert line in text, line


def test_referral_content() -> None:
    text = flat(pdf_text(render_pdf(make_pack("referral"))))
    for expected in [
        "Family name: WHITLOW",
        "Zoë Łukasik-Ng",  # non-Latin letters survive (DejaVu Sans)
        "Parental responsibility: Karen Whitlow",
        "Shared without consent on the ground: Seeking consent would put the child or another "
        "person at risk of significant harm",
        "(First-hand)",
        "school office)",
        "Screening tool: Worcestershire CSE screening tool (2013), version 1.0.0",
        "Level the tool suggested: Medium",
        "Confirmed by: Priya Natarajan",
        "Money or goods not accounted for Possible Gut feeling",
        "Associating with unknown adults Present Evidence",
        "0 other indicators were asked and answered no; 1 was not known.",
        "Appeared anxious & would not say where she was going <later said 'a mate's'>",
        "Where: At home with her mother since 18:00",
        "Safe tonight: Yes",
        "Police log or crime reference: WMP-LOG-0412 (fictional)",
        "999 called at: 12/03/2024 21:50",
        "Dean MARSH 11/04/1995",
        "report INT-0001",
        "Mia (surname not known) 13",
        "\u201cThey're just mates, they look after me.\u201d",
        "DSL or manager consulted: Priya Natarajan, Designated safeguarding lead",
        "Consulted at: 14/03/2024 13:30",
        "A strategy discussion today and a child protection enquiry.",
        "Job title: Outreach worker",
        "Work phone: 01905 000 111",
        "Secure email: sam.okafor@example.invalid",
    ]:
        assert expected in text, expected
    # Not for the front door: rule ids, tool ids, to-do lists, internal step titles, "No" rows.
    for absent in (
        "medium indicator present",
        "worcestershire-2013",
        "To verify",
        "Gaps to follow up",
        "Next steps",
        "Discuss with the DSL today",
        "Older 'boyfriend'",
        "Pathway step",
        "UTC",
    ):
        assert absent not in text, absent


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
        "Cash App",
        "Folding knife",
        "When it happened: Thursday 12/03/2024 around 21:40",
    ]:
        assert expected in text, expected
    # the closing marker comes straight after the information lines
    assert text.index("(no more information available)") < text.index("Source and how it is known")


def test_chronology_is_in_time_order_in_uk_time() -> None:
    text = pdf_text(render_pdf(make_pack("referral", notes=12)))
    chrono = text[text.index("Chronology (oldest first") : text.index("6. The screening")]
    stamps = re.findall(r"^\s*(\d\d)/(\d\d)/(\d{4})(?: (\d\d):(\d\d))?\s", chrono, re.M)
    keyed = [(y, m, d, hh or "12", mm or "00") for d, m, y, hh, mm in stamps]
    assert len(keyed) >= 12 and keyed == sorted(keyed)
    # 14/03/2024 16:05 UTC is 16:05 GMT; a summer time is an hour on (BST)
    assert "14/03/2024 16:05" in chrono
    from datetime import UTC, datetime

    from cse_toolkit.core.uk_time import uk_text

    assert uk_text(datetime(2024, 7, 1, 21, 30, tzinfo=UTC)) == "01/07/2024 22:30"
    assert uk_text(datetime(2024, 3, 31, 0, 59, tzinfo=UTC)) == "31/03/2024 00:59"
    assert uk_text(datetime(2024, 3, 31, 1, 0, tzinfo=UTC)) == "31/03/2024 02:00"
    assert uk_text(datetime(2024, 10, 27, 0, 59, tzinfo=UTC)) == "27/10/2024 01:59"
    assert uk_text(datetime(2024, 10, 27, 1, 0, tzinfo=UTC)) == "27/10/2024 01:00"


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
