"""The offline guidance library: markdown pages in ``resources/guidance/``, loaded and searched.

Each page is one ``<id>.md`` file that starts with a small front-matter block::

    ---
    id: what-is-cse
    title: What child sexual exploitation is
    order: 1
    keywords: [definition, grooming, power]
    ---

The block is parsed here by hand (``key: value`` lines, ``[a, b]`` lists) so the library needs no
YAML dependency. A page that breaks the format is refused with a message naming the file and the
line: the pages ship with the app, so a broken one is caught by the tests, never shown half-read.

A page may hold a line with only ``{{contacts}}`` on it; the app puts the organisation's contacts
there with :func:`render_contacts`, because contacts come from the policy, not from the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cse_toolkit import paths
from cse_toolkit.errors import UserError
from cse_toolkit.policy import Contact, Contacts

CONTACTS_PLACEHOLDER = "{{contacts}}"
NO_CONTACTS_TEXT = (
    "No contacts have been set for your organisation yet. Ask your designated safeguarding "
    "lead or your IT team to add them to the organisation policy."
)
SNIPPET_WIDTH = 160

_FRONT_MATTER_FENCE = "---"
_REQUIRED_KEYS = ("id", "title", "order", "keywords")
_ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_CONTACTS_LINE = re.compile(r"^[ \t]*\{\{contacts\}\}[ \t]*$", re.M)

Field = Literal["title", "keywords", "body"]
# Higher weight ranks first: a query that names a page's title is what the reader is after.
_FIELD_WEIGHT: dict[Field, int] = {"title": 3, "keywords": 2, "body": 1}


class GuidanceError(UserError):
    """A guidance page is missing, unreadable or does not follow the page format."""


@dataclass(frozen=True, slots=True)
class GuidancePage:
    id: str
    title: str
    order: int
    keywords: tuple[str, ...]
    body: str  # markdown, front matter removed


@dataclass(frozen=True, slots=True)
class SearchHit:
    page: GuidancePage
    field: Field  # the best field any query word was found in
    score: int
    snippet: str  # plain text around the first match in the body (or the page's opening)


# --- loading -------------------------------------------------------------------------------------


def _parse_value(raw: str, where: str) -> str | list[str]:
    value = raw.strip()
    if value.startswith("["):
        if not value.endswith("]"):
            raise GuidanceError(f"{where}: a list must end with ']'")
        inner = value[1:-1].strip()
        if not inner:
            return []
        return [_unquote(item.strip()) for item in inner.split(",") if item.strip()]
    return _unquote(value)


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def parse_page(text: str, source: str) -> GuidancePage:
    """One page from its file text; ``source`` names the file in error messages."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != _FRONT_MATTER_FENCE:
        raise GuidanceError(f"Guidance page {source} must start with a '---' front-matter line.")
    fields: dict[str, str | list[str]] = {}
    end: int | None = None
    for number, line in enumerate(lines[1:], start=2):
        where = f"Guidance page {source}, line {number}"
        if line.strip() == _FRONT_MATTER_FENCE:
            end = number
            break
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, raw = line.partition(":")
        key = key.strip()
        if not sep or not key:
            raise GuidanceError(f"{where}: expected 'key: value', got {line.strip()!r}")
        if key not in _REQUIRED_KEYS:
            raise GuidanceError(f"{where}: {key!r} is not a known front-matter key")
        if key in fields:
            raise GuidanceError(f"{where}: {key!r} is given twice")
        fields[key] = _parse_value(raw, where)
    if end is None:
        raise GuidanceError(f"Guidance page {source}: the front matter has no closing '---' line.")
    missing = [key for key in _REQUIRED_KEYS if key not in fields]
    if missing:
        raise GuidanceError(f"Guidance page {source}: missing {', '.join(missing)}")

    page_id, title, order_raw, keywords = (fields[key] for key in _REQUIRED_KEYS)
    if not isinstance(page_id, str) or not _ID_PATTERN.match(page_id):
        raise GuidanceError(f"Guidance page {source}: id must be lower-case words joined by '-'")
    if not isinstance(title, str) or not title:
        raise GuidanceError(f"Guidance page {source}: title must be a non-empty text")
    if not isinstance(order_raw, str) or not order_raw.isdigit():
        raise GuidanceError(f"Guidance page {source}: order must be a whole number")
    if not isinstance(keywords, list):
        raise GuidanceError(f"Guidance page {source}: keywords must be a list like [a, b]")
    body = "\n".join(lines[end:]).strip("\n") + "\n"
    if not body.strip():
        raise GuidanceError(f"Guidance page {source}: the page has no text")
    return GuidancePage(
        id=page_id, title=title, order=int(order_raw), keywords=tuple(keywords), body=body
    )


def load_pages(folder: Path | None = None) -> list[GuidancePage]:
    """Every page in the guidance folder, sorted by ``order`` (then id)."""
    root = folder if folder is not None else paths.resource_path("guidance")
    if not root.is_dir():
        raise GuidanceError(f"The guidance folder {root} is missing.")
    pages: list[GuidancePage] = []
    seen: dict[str, Path] = {}
    for file in sorted(root.glob("*.md")):
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise GuidanceError(f"Guidance page {file} cannot be read: {exc}") from exc
        page = parse_page(text, file.name)
        if page.id != file.stem:
            raise GuidanceError(
                f"Guidance page {file.name}: id {page.id!r} must match the file name"
            )
        if page.id in seen:
            raise GuidanceError(f"Guidance page {file.name}: id {page.id!r} is used twice")
        seen[page.id] = file
        pages.append(page)
    pages.sort(key=lambda p: (p.order, p.id))
    return pages


# --- plain text and search -----------------------------------------------------------------------

_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MD_MARKS = re.compile(r"(\*\*|__|`|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w))")
_MD_LINE_PREFIX = re.compile(r"^[ \t]*(?:#{1,6}[ \t]+|>[ \t]?|[-*+][ \t]+|\d+\.[ \t]+)", re.M)
_TABLE_RULE = re.compile(r"^[ \t]*\|?[ \t:|-]+\|[ \t:|-]*$", re.M)
_SPACES = re.compile(r"\s+")
_HEADING = re.compile(r"^[ \t]*#{1,6}[ \t]")
_ENDS = frozenset(".,;:!?…")


def plain_text(markdown: str) -> str:
    """The words of a markdown body on one line: for snippets, never for display.

    Lines are joined with light punctuation ("Heading: first line; next bullet") so a snippet
    that spans a heading or a list still reads as text.
    """
    text = _CONTACTS_LINE.sub("", markdown)
    text = _TABLE_RULE.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_MARKS.sub("", text)
    pieces: list[str] = []
    previous = ""
    for line in text.replace("|", " ").splitlines():
        words = _SPACES.sub(" ", _MD_LINE_PREFIX.sub("", line)).strip()
        if not words:
            continue
        if pieces and pieces[-1][-1] not in _ENDS:
            pieces[-1] += ":" if _HEADING.match(previous) else ";"
        pieces.append(words)
        previous = line
    return " ".join(pieces)


def _snippet(text: str, start: int, length: int, width: int = SNIPPET_WIDTH) -> str:
    """About ``width`` characters of ``text`` around a match, cut at word boundaries."""
    if len(text) <= width:
        return text
    before = max(0, start - (width - length) // 2)
    after = min(len(text), before + width)
    before = max(0, after - width)
    if before > 0:
        space = text.find(" ", before)
        before = space + 1 if 0 <= space < start else before
    if after < len(text):
        space = text.rfind(" ", start + length, after)
        after = space if space > 0 else after
    prefix = "…" if before > 0 else ""
    suffix = "…" if after < len(text) else ""
    return f"{prefix}{text[before:after].strip()}{suffix}"


def _field_of(term: str, title: str, keywords: Iterable[str], body: str) -> Field | None:
    if term in title:
        return "title"
    if any(term in keyword for keyword in keywords):
        return "keywords"
    if term in body:
        return "body"
    return None


def search(pages: Sequence[GuidancePage], query: str) -> list[SearchHit]:
    """Pages that contain every word of ``query``, best first.

    Case-insensitive. Each word scores by the best field it is found in (title, then keywords,
    then body); the whole query found in a title scores extra. Ties keep the library's order.
    An empty or blank query finds nothing.
    """
    phrase = _SPACES.sub(" ", query).strip().casefold()
    if not phrase:
        return []
    terms = list(dict.fromkeys(phrase.split(" ")))
    hits: list[tuple[int, int, SearchHit]] = []
    for position, page in enumerate(pages):
        title = page.title.casefold()
        keywords = [k.casefold() for k in page.keywords]
        body_text = plain_text(page.body)
        body = body_text.casefold()
        found = [_field_of(term, title, keywords, body) for term in terms]
        if any(field is None for field in found):
            continue
        fields = [field for field in found if field is not None]
        score = sum(_FIELD_WEIGHT[field] for field in fields)
        if len(terms) > 1 and phrase in title:
            score += _FIELD_WEIGHT["title"]
        best = max(fields, key=lambda f: _FIELD_WEIGHT[f])
        where = body.find(phrase)
        length = len(phrase)
        if where < 0:
            matches = [(body.find(term), len(term)) for term in terms if term in body]
            where, length = min(matches) if matches else (0, 0)
        hit = SearchHit(
            page=page, field=best, score=score, snippet=_snippet(body_text, where, length)
        )
        hits.append((-score, position, hit))
    hits.sort(key=lambda item: (item[0], item[1]))
    return [hit for _, _, hit in hits]


# --- contacts ------------------------------------------------------------------------------------


def render_contacts(body: str, contacts_text: str) -> str:
    """``body`` with each ``{{contacts}}`` line replaced by ``contacts_text`` (markdown).

    Blank ``contacts_text`` is replaced by a plain note saying no contacts are set, so the reader
    never sees the placeholder or an empty gap.
    """
    text = contacts_text.strip("\n") if contacts_text.strip() else NO_CONTACTS_TEXT
    return _CONTACTS_LINE.sub(lambda _match: text, body)


def _contact_lines(label: str, contact: Contact) -> list[str]:
    lines = [f"**{label}: {contact.name}**"]
    if contact.role:
        lines.append(f"- Role: {contact.role}")
    for name, value in (
        ("Phone", contact.phone),
        ("Email", contact.email),
        ("Address", contact.address),
        ("Notes", contact.notes),
    ):
        if value:
            lines.append(f"- {name}: {value}")
    for block in contact.hours:  # UK time
        days = ", ".join(d.capitalize() for d in block.days)
        lines.append(f"- Open: {days}, {block.opens} to {block.closes}")
    return lines


def contacts_markdown(contacts: Contacts) -> str:
    """The organisation's contacts from the policy as markdown for :func:`render_contacts`."""
    blocks: list[list[str]] = [_contact_lines("In immediate danger", contacts.emergency)]
    for person in contacts.dsl:
        blocks.append(_contact_lines("Designated safeguarding lead", person))
    named: tuple[tuple[str, Contact | None], ...] = (
        ("Children's Social Care front door", contacts.front_door),
        ("Children's Social Care out of hours (Emergency Duty Team)", contacts.out_of_hours),
        ("Early Help", contacts.early_help),
        ("CSE team", contacts.cse_team),
        ("Police intelligence reports", contacts.police_intelligence),
    )
    for label, contact in named:
        if contact is not None:
            blocks.append(_contact_lines(label, contact))
    return "\n\n".join("\n".join(block) for block in blocks)
