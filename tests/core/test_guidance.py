"""The guidance library: every bundled page loads and is fit to read offline; search and contacts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cse_toolkit import paths
from cse_toolkit.core import guidance
from cse_toolkit.core.guidance import GuidanceError, GuidancePage
from cse_toolkit.policy import Contact, Contacts

GUIDANCE_DIR = paths.resource_path("guidance")

EXPECTED_IDS = {
    "what-is-cse",
    "criminal-exploitation-and-county-lines",
    "myths-and-facts",
    "warning-signs-and-places",
    "vulnerability-factors",
    "the-process",
    "screening-tools",
    "sharing-intelligence",
    "making-a-referral",
    "information-sharing",
    "contacts",
    "useful-resources",
    "glossary",
    "photos-and-files",
}


@pytest.fixture(scope="module")
def pages() -> list[GuidancePage]:
    return guidance.load_pages()


def _words(text: str) -> int:
    return len(guidance.plain_text(text).split())


# --- the bundled pages -----------------------------------------------------------------------------


def test_every_page_loads_with_required_fields(pages: list[GuidancePage]) -> None:
    assert {p.id for p in pages} == EXPECTED_IDS
    for page in pages:
        assert page.title.strip(), page.id
        assert page.keywords, page.id
        assert all(k.strip() for k in page.keywords), page.id
        assert page.body.strip(), page.id


def test_ids_unique_and_equal_to_file_names(pages: list[GuidancePage]) -> None:
    ids = [p.id for p in pages]
    assert len(ids) == len(set(ids))
    assert sorted(f.stem for f in GUIDANCE_DIR.glob("*.md")) == sorted(ids)


def test_pages_sorted_by_unique_order(pages: list[GuidancePage]) -> None:
    orders = [p.order for p in pages]
    assert orders == sorted(orders)
    assert len(orders) == len(set(orders))
    assert pages[0].id == "what-is-cse"


def test_no_page_is_empty_or_over_1200_words(pages: list[GuidancePage]) -> None:
    for page in pages:
        count = _words(page.body)
        assert 50 <= count <= 1200, f"{page.id} has {count} words"


# A link the app could follow: a URL scheme, a markdown link or an autolink. Plain-text addresses
# ("www.example.org/page") are fine: the app never opens links, they are for reading later.
_LINK_PATTERNS = (
    re.compile(r"\b[a-z][a-z0-9+.-]*://", re.I),
    re.compile(r"\b(?:mailto|tel|file|javascript|data):(?=[\w/%+])", re.I),
    re.compile(r"\]\([^)]*\)"),
    re.compile(r"<[a-z][a-z0-9+.-]*:[^>]*>", re.I),
    re.compile(r"<(?:a|img|script|iframe)\b", re.I),
)


def test_no_page_contains_a_followable_link(pages: list[GuidancePage]) -> None:
    for page in pages:
        for pattern in _LINK_PATTERNS:
            assert not pattern.search(page.body), f"{page.id}: {pattern.pattern}"


def test_plain_text_addresses_are_allowed(pages: list[GuidancePage]) -> None:
    resources = next(p for p in pages if p.id == "useful-resources")
    assert "www.tell-someone.org" in resources.body
    assert "never opens" in resources.body


def test_dudley_contact_only_on_useful_resources(pages: list[GuidancePage]) -> None:
    for page in pages:
        if page.id != "useful-resources":
            assert "01384" not in page.body, page.id
            assert "dudley.gov.uk" not in page.body.lower(), page.id


def test_contacts_page_has_the_placeholder_on_its_own_line(pages: list[GuidancePage]) -> None:
    contacts = next(p for p in pages if p.id == "contacts")
    assert "{{contacts}}" in contacts.body.splitlines()
    others = [p.id for p in pages if p.id != "contacts" and "{{contacts}}" in p.body]
    assert others == []


def test_each_page_starts_with_its_title_heading(pages: list[GuidancePage]) -> None:
    for page in pages:
        first = page.body.lstrip().splitlines()[0]
        assert first.startswith("# "), page.id


# --- search --------------------------------------------------------------------------------------


def test_search_finds_by_title(pages: list[GuidancePage]) -> None:
    hits = guidance.search(pages, "myths")
    assert hits[0].page.id == "myths-and-facts"
    assert hits[0].field == "title"


def test_search_finds_by_keyword(pages: list[GuidancePage]) -> None:
    hits = guidance.search(pages, "5WH")
    ids = [h.page.id for h in hits]
    assert "sharing-intelligence" in ids
    hit = next(h for h in hits if h.page.id == "sharing-intelligence")
    assert hit.field == "keywords"


def test_search_finds_by_body_with_snippet(pages: list[GuidancePage]) -> None:
    hits = guidance.search(pages, "bowling alleys")
    assert [h.page.id for h in hits] == ["warning-signs-and-places"]
    hit = hits[0]
    assert hit.field == "body"
    assert "bowling alleys" in hit.snippet.lower()
    assert len(hit.snippet) <= guidance.SNIPPET_WIDTH + 2
    assert "**" not in hit.snippet and "#" not in hit.snippet


def test_search_is_case_insensitive(pages: list[GuidancePage]) -> None:
    lower = [h.page.id for h in guidance.search(pages, "no more information available")]
    upper = [h.page.id for h in guidance.search(pages, "NO MORE Information AVAILABLE")]
    assert lower == upper
    assert "sharing-intelligence" in lower


def test_search_ranks_title_hits_first(pages: list[GuidancePage]) -> None:
    hits = guidance.search(pages, "referral")
    assert hits[0].page.id == "making-a-referral"
    assert hits[0].field == "title"
    assert len(hits) > 1
    assert all(h.score <= hits[0].score for h in hits)


def test_search_needs_every_word(pages: list[GuidancePage]) -> None:
    assert guidance.search(pages, "bowling zebra-crossing-xyz") == []


@pytest.mark.parametrize("query", ["", "   ", "\n\t"])
def test_empty_query_returns_nothing(pages: list[GuidancePage], query: str) -> None:
    assert guidance.search(pages, query) == []


def _page(
    page_id: str, title: str, keywords: tuple[str, ...], body: str, order: int
) -> GuidancePage:
    return GuidancePage(id=page_id, title=title, order=order, keywords=keywords, body=body)


def test_ranking_title_then_keywords_then_body() -> None:
    body_only = _page("a", "Alpha", ("x",), "# Alpha\n\nAbout the panel.\n", 1)
    keyword = _page("b", "Beta", ("panel",), "# Beta\n\nNothing here.\n", 2)
    title = _page("c", "The panel", ("y",), "# The panel\n\nText.\n", 3)
    hits = guidance.search([body_only, keyword, title], "Panel")
    assert [(h.page.id, h.field) for h in hits] == [
        ("c", "title"),
        ("b", "keywords"),
        ("a", "body"),
    ]


def test_snippet_is_centred_on_a_late_match() -> None:
    filler = " ".join(f"word{i}" for i in range(200))
    page = _page("long", "Long", ("k",), f"# Long\n\n{filler} **needle** {filler}\n", 1)
    (hit,) = guidance.search([page], "needle")
    assert "needle" in hit.snippet
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert len(hit.snippet) <= guidance.SNIPPET_WIDTH + 2


# --- contacts ------------------------------------------------------------------------------------


def test_render_contacts_replaces_placeholder_line(pages: list[GuidancePage]) -> None:
    contacts = next(p for p in pages if p.id == "contacts")
    rendered = guidance.render_contacts(contacts.body, "**Example DSL**\n- Phone: 01234 000000")
    assert "{{contacts}}" not in rendered
    assert "**Example DSL**\n- Phone: 01234 000000" in rendered
    assert rendered.count("Example DSL") == 1


def test_render_contacts_blank_text_says_none_set() -> None:
    rendered = guidance.render_contacts("# C\n\n{{contacts}}\n\nEnd\n", "  \n")
    assert "{{contacts}}" not in rendered
    assert guidance.NO_CONTACTS_TEXT in rendered


def test_render_contacts_leaves_inline_mentions_alone() -> None:
    body = "Write {{contacts}} on a line.\n  {{contacts}}  \n"
    rendered = guidance.render_contacts(body, "X")
    assert rendered == "Write {{contacts}} on a line.\nX\n"


def test_contacts_markdown_from_policy() -> None:
    contacts = Contacts(
        dsl=[Contact(name="Example DSL", role="DSL", phone="01234 000000")],
        front_door=Contact(name="Example Family Front Door", email="ffd@example.org"),
    )
    text = guidance.contacts_markdown(contacts)
    assert "999" in text
    assert "Example DSL" in text and "01234 000000" in text
    assert "ffd@example.org" in text
    assert text.index("999") < text.index("Example DSL") < text.index("Family Front Door")


# --- the page format -----------------------------------------------------------------------------

GOOD = "---\nid: sample\ntitle: A sample: with colon\norder: 7\nkeywords: [one, 'two words', three]\n---\n\n# A sample\n\nBody.\n"


def test_parse_page_reads_front_matter() -> None:
    page = guidance.parse_page(GOOD, "sample.md")
    assert page.id == "sample"
    assert page.title == "A sample: with colon"
    assert page.order == 7
    assert page.keywords == ("one", "two words", "three")
    assert page.body.startswith("# A sample")
    assert "---" not in page.body


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# no front matter\n", "must start with"),
        ("---\nid: x\ntitle: X\norder: 1\nkeywords: [a]\n# body\n", "closing"),
        ("---\nid: x\ntitle: X\nkeywords: [a]\n---\nBody\n", "missing order"),
        ("---\nid: x\ntitle: X\norder: one\nkeywords: [a]\n---\nBody\n", "whole number"),
        ("---\nid: x\ntitle: X\norder: 1\nkeywords: [a\n---\nBody\n", "line 5"),
        ("---\nid: x\ntitle: X\norder: 1\nkeywords: [a]\ncolour: red\n---\nB\n", "'colour'"),
        ("---\nid: x\nid: y\ntitle: X\norder: 1\nkeywords: [a]\n---\nB\n", "twice"),
        ("---\nid: Not Valid\ntitle: X\norder: 1\nkeywords: [a]\n---\nB\n", "lower-case"),
        ("---\nid: x\ntitle: X\norder: 1\nkeywords: a\n---\nB\n", "list"),
        ("---\nid: x\ntitle: X\norder: 1\nkeywords: [a]\n---\n\n\n", "no text"),
    ],
)
def test_parse_page_rejects_bad_pages(text: str, message: str) -> None:
    with pytest.raises(GuidanceError, match=re.escape(message)):
        guidance.parse_page(text, "bad.md")


def test_load_pages_rejects_id_not_matching_file(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text(GOOD, encoding="utf-8")
    with pytest.raises(GuidanceError, match="file name"):
        guidance.load_pages(tmp_path)


def test_load_pages_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(GuidanceError, match="missing"):
        guidance.load_pages(tmp_path / "nope")


def test_the_criminal_exploitation_page_covers_what_issue_19_asks(
    pages: list[GuidancePage],
) -> None:
    page = next(p for p in pages if p.id == "criminal-exploitation-and-county-lines")
    assert [p.id for p in pages][:2] == ["what-is-cse", page.id]  # beside the CSE definition
    text = " ".join(guidance.plain_text(page.body).split())
    for heading in (
        "What it is",
        "Signs to look out for",
        "Places",
        "The overlap with sexual exploitation",
        "Never treat the child as an offender first",
        "What to do",
    ):
        assert f"## {heading}" in page.body, heading
    for words in (
        "Working Together to Safeguard Children (2023)",
        "extra-familial harm",
        "Keeping Children Safe in Education",
        "child-on-child abuse",
        "Get Safe",
        "GET THERE",
        "County lines",
        "National Referral Mechanism",
        "victim first",
        "call 999",
    ):
        assert words in text, words
    assert guidance.search(pages, "county lines")[0].page.id == page.id
