"""Words that blame the child never reach a user (SAFETY.md "Words").

Scanned: every current tool file's labels, meanings, help, rule texts and next steps; every
guidance page; the pathway files; every string in the GUI source (``tr()`` strings and the lists
they show); the strings the pack code writes. A source's own wording may be kept where it is
marked as a quotation ("Source wording: “…”" in a tool's help text); anything else needs an
entry in ``ALLOWED`` with the reason.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from cse_toolkit.core.catalogue import list_tools, load_tool

ROOT = Path(__file__).resolve().parents[1]

BLAMING = [
    re.compile(r"sexually\s+active", re.I),
    re.compile(r"risk[\s-]+taking", re.I),
    re.compile(r"risky\b[^.;:“”]{0,40}?behaviou?r", re.I),
    re.compile(r"prostitut", re.I),
    re.compile(r"promiscu", re.I),
    re.compile(r"lifestyle\s+choice", re.I),
    re.compile(r"peer[\s-]+on[\s-]+peer", re.I),
    re.compile(r"\bLAC\b"),
]

#: A source quotation marked as such in help text: kept so a partnership can check the file.
MARKED_QUOTE = re.compile(r"Source wording[^:“]*:\s*“[^”]*”")

#: (where, exact text) -> why it may stay.
ALLOWED: dict[tuple[str, str], str] = {
    ("resources/guidance/glossary.md", '"peer-on-peer"'): (
        "explains the older term so a practitioner searching for it finds child-on-child"
    ),
}


def _strip_quotes(text: str) -> str:
    return MARKED_QUOTE.sub("«source quotation»", text)


def hits(where: str, text: str) -> list[str]:
    text = _strip_quotes(text)
    for (place, allowed), _why in ALLOWED.items():
        if place == where:
            text = text.replace(allowed, "«allowed»")
    found = []
    for pattern in BLAMING:
        for m in pattern.finditer(text):
            start = max(0, m.start() - 40)
            found.append(f"{where}: …{text[start : m.end() + 40]}…")
    return found


def tool_texts() -> Iterator[tuple[str, str]]:
    for info in list_tools():  # current versions only: retired 1.0 files keep their words
        tool = load_tool(info.id)
        where = f"tool {tool.id} {tool.version}"
        yield where, f"{tool.name} {tool.about}"
        for lv in tool.levels:
            yield f"{where} level {lv.id}", f"{lv.label} {lv.meaning}"
        for sec in tool.sections:
            yield f"{where} section {sec.id}", f"{sec.title} {sec.about}"
            for ind in sec.indicators:
                yield f"{where} indicator {ind.id}", f"{ind.label} || {ind.help}"
        for rule in tool.rules:
            yield f"{where} rule {rule.id}", " ".join([rule.text, *getattr(rule, "next_steps", [])])
        for ns in tool.next_steps:
            yield f"{where} next steps {ns.level}", " ".join(ns.text)


def source_strings(path: Path) -> Iterator[str]:
    """Every string constant in a module except docstrings (which no user reads)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docstrings:
                yield node.value


def readable_files() -> Iterator[tuple[str, str]]:
    for page in sorted((ROOT / "resources" / "guidance").glob("*.md")):
        yield str(page.relative_to(ROOT)), page.read_text(encoding="utf-8")
    for pathway in sorted((ROOT / "resources" / "pathways").glob("*.toml")):
        yield str(pathway.relative_to(ROOT)), pathway.read_text(encoding="utf-8")
    modules = [
        *sorted((ROOT / "cse_toolkit" / "gui").rglob("*.py")),
        *sorted((ROOT / "cse_toolkit" / "packs").glob("*.py")),
        *sorted((ROOT / "cse_toolkit" / "services").glob("*.py")),  # exchange and its use cases
        ROOT / "cse_toolkit" / "core" / "screening.py",
        # Words that moved out of the gui, services and screening modules into core (issue 16).
        ROOT / "cse_toolkit" / "core" / "screening_input.py",
        ROOT / "cse_toolkit" / "core" / "screening_flow.py",
        ROOT / "cse_toolkit" / "core" / "sharing.py",
        ROOT / "cse_toolkit" / "core" / "export_flow.py",
        ROOT / "cse_toolkit" / "core" / "demo.py",
        ROOT / "cse_toolkit" / "commands" / "screening_cmds.py",
    ]
    for module in modules:
        yield str(module.relative_to(ROOT)), "\n".join(source_strings(module))


def test_no_blaming_words_in_tools() -> None:
    found = [h for where, text in tool_texts() for h in hits(where, text)]
    assert found == [], "\n".join(found)


def test_no_blaming_words_in_guidance_gui_or_packs() -> None:
    found = [h for where, text in readable_files() for h in hits(where, text)]
    assert found == [], "\n".join(found)


@pytest.mark.parametrize(
    "text",
    [
        "Under 13 and sexually active",
        "Sexualised dress or sexual risk taking",
        "Risky or inappropriate sexual behaviour",
        "Adult in family involved in prostitution",
        "a promiscuous girl",
        "a lifestyle choice",
        "peer-on-peer abuse",
        "LAC review",
    ],
)
def test_the_check_catches_each_term(text: str) -> None:
    assert hits("example", text)


def test_a_marked_source_quotation_is_allowed_and_nothing_else() -> None:
    assert hits("x", "Sexual harm. Source wording: “Overtly sexualised risk taking.”") == []
    assert hits("x", "Source wording (Sandwell): “risky behaviour”") == []
    assert hits("x", "“risky behaviour”, as the source says") != []


def test_the_retired_1_0_labels_still_hold_the_source_words() -> None:
    # Kept on purpose: 1.0 screenings show with their 1.0 labels (SAFETY.md "Versions").
    old = load_tool("worcestershire-2013", "1.0")
    assert hits("1.0", old.indicator("high_u13_sexual_activity")[1].label)
