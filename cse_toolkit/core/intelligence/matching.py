"""Fuzzy matching of entities: the same person, car, phone or place written differently."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cse_toolkit.core.intelligence.connections import EntityIndex
from cse_toolkit.core.intelligence.entities import (
    Entity,
    Location,
    OnlineIdentity,
    Person,
    Phone,
    Vehicle,
)
from cse_toolkit.core.intelligence.normalise import (
    fold,
    normalise_handle,
    normalise_name,
    normalise_nickname,
    normalise_postcode,
    vrm_compact,
)
from cse_toolkit.core.intelligence.values import Certainty

# ---------------------------------------------------------------------------------------------
# Fuzzy matching
# ---------------------------------------------------------------------------------------------

# Common English forms and transliterations. Each group is a set of names for the same person.
_NAME_GROUPS: tuple[frozenset[str], ...] = tuple(
    frozenset(g.split())
    for g in (
        "JON JOHN JONATHAN JONATHON JONNY JONNIE JOHNNY JOHNNIE JONNO JACK",
        "MO MOE MOH MOHD MOHAMMED MOHAMMAD MOHAMED MOHAMAD MUHAMMAD MUHAMMED MUHAMAD MAHOMED",
        "MIKE MICHAEL MICK MICKY MICKEY MIKEY",
        "DAVE DAVID DAVEY DAVIE DAVY",
        "ROB ROBERT BOB BOBBY ROBBIE ROBBY BERT",
        "BILL WILL WILLIAM BILLY WILLIE WILLY LIAM",
        "JIM JAMES JIMMY JAMIE JIMMIE",
        "TOM THOMAS TOMMY",
        "DAN DANIEL DANNY",
        "CHRIS CHRISTOPHER KRIS",
        "MATT MATTHEW MATTY MATHEW",
        "NICK NICHOLAS NICKY NICOLAS",
        "TONY ANTHONY ANT ANTONY",
        "STEVE STEPHEN STEVEN STEVIE",
        "ALEX ALEXANDER ALEXANDRA ALEC SANDY",
        "SAM SAMUEL SAMANTHA SAMMY",
        "BEN BENJAMIN BENNY",
        "JOE JOSEPH JOEY",
        "JOSH JOSHUA",
        "ANDY ANDREW DREW",
        "PETE PETER",
        "RICH RICHARD RICK RICKY RICHIE DICK",
        "ED EDWARD EDDIE TED TEDDY",
        "CHARLIE CHARLES CHAS",
        "HARRY HENRY HAL",
        "KATE KATHERINE CATHERINE KATHRYN KATH CATH KATIE KATY",
        "LIZ ELIZABETH BETH LIZZIE LIZZY BETTY ELIZA",
        "BECKY REBECCA BEX",
        "JEN JENNY JENNIFER JENNI",
        "ABDUL ABDULLAH ABDALLAH",
        "USMAN USMAAN OSMAN UTHMAN",
        "YUSUF YOUSEF YOUSUF JOSEF YUSEF",
        "IBRAHIM IBRAHEEM EBRAHIM",
        "HASSAN HASAN",
        "HUSSAIN HUSSEIN HUSAIN",
    )
)
_NAME_GROUP_OF: dict[str, set[int]] = {}
for _i, _group in enumerate(_NAME_GROUPS):
    for _name in _group:
        _NAME_GROUP_OF.setdefault(_name, set()).add(_i)


def same_name_group(a: str, b: str) -> bool:
    """True when two forenames are common forms of one another (Jon / Jonathan, Mo / Muhammad)."""
    a, b = normalise_name(a), normalise_name(b)
    return bool(_NAME_GROUP_OF.get(a, set()) & _NAME_GROUP_OF.get(b, set()))


def within_one_edit(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by at most one insertion, deletion, substitution or
    swap of neighbouring letters (optimal string alignment distance <= 1)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    i = 0
    while i < min(la, lb) and a[i] == b[i]:
        i += 1
    if la == lb:
        if a[i + 1 :] == b[i + 1 :]:
            return True  # substitution
        return i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
    if la > lb:
        return a[i + 1 :] == b[i:]
    return a[i:] == b[i + 1 :]


_SOUNDEX_CODES = {
    **dict.fromkeys("BFPV", "1"),
    **dict.fromkeys("CGJKQSXZ", "2"),
    **dict.fromkeys("DT", "3"),
    "L": "4",
    **dict.fromkeys("MN", "5"),
    "R": "6",
}


@functools.lru_cache(maxsize=65536)
def soundex(name: str) -> str:
    """American Soundex (``"Robert"`` -> ``"R163"``); ``""`` for a name with no letters."""
    letters = re.sub(r"[^A-Z]", "", fold(name).upper())
    if not letters:
        return ""
    out = letters[0]
    last = _SOUNDEX_CODES.get(letters[0], "")
    for ch in letters[1:]:
        code = _SOUNDEX_CODES.get(ch, "")
        if code and code != last:
            out += code
        if ch not in "HW":  # H and W do not separate letters with the same code
            last = code
    return (out + "000")[:4]


def _name_similarity(a: str, b: str, *, forename: bool) -> tuple[float, str]:
    """(score, why) for two single names already passed through :func:`normalise_name`."""
    if not a or not b:
        return 0.0, ""
    if a == b:
        return 1.0, "same"
    if forename and same_name_group(a, b):
        return 0.85, "common forms of the same name"
    if min(len(a), len(b)) >= 4 and within_one_edit(a, b):
        return 0.8, "one letter different"
    if soundex(a) == soundex(b):
        return 0.6, "sounds alike"
    return 0.0, ""


@dataclass(frozen=True)
class MatchSuggestion:
    """Two entity keys that may be the same thing; a person confirms or rejects the merge."""

    a_key: str
    b_key: str
    score: float  # 0..1
    certainty: Certainty
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "a_key": self.a_key,
            "b_key": self.b_key,
            "score": self.score,
            "certainty": self.certainty,
            "reason": self.reason,
        }


_OCR_CONFUSIONS = {
    frozenset(p) for p in (("0", "O"), ("1", "I"), ("5", "S"), ("8", "B"), ("2", "Z"), ("0", "D"))
}


def _match_vrm(a: str, b: str) -> tuple[float, Certainty, str] | None:
    if a == b:
        return 1.0, "certain", "same number plate"
    if len(a) == len(b):
        diffs = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
        if diffs and all(frozenset(d) in _OCR_CONFUSIONS for d in diffs):
            return 0.75, "possible", "number plates differ only by easily misread characters"
        if len(diffs) == 1:
            return 0.6, "possible", "number plates one character different"
    elif within_one_edit(a, b) and min(len(a), len(b)) >= 4:
        return 0.55, "possible", "number plates one character different"
    short, long_ = sorted((a, b), key=len)
    if len(short) >= 3 and short in long_:
        return 0.5, "possible", "one number plate is part of the other"
    return None


def _match_phone(a: str, b: str) -> tuple[float, Certainty, str] | None:
    if a == b:
        return 1.0, "certain", "same phone number"
    da, db = re.sub(r"\D", "", a), re.sub(r"\D", "", b)
    if len(da) >= 9 and len(db) >= 9 and da[-9:] == db[-9:]:
        return 0.85, "likely", "phone numbers end with the same 9 digits"
    return None


def _match_persons(a: Person, b: Person) -> tuple[float, Certainty, str] | None:
    sa, sb = normalise_name(a.surname), normalise_name(b.surname)
    fa = normalise_name(a.forenames.split()[0]) if a.forenames else ""
    fb = normalise_name(b.forenames.split()[0]) if b.forenames else ""
    reasons: list[str] = []
    score = 0.0
    if sa and sb:
        s_score, s_why = _name_similarity(sa, sb, forename=False)
        if s_score == 0.0:
            return _match_nicknames(a, b)
        f_score, f_why = _name_similarity(fa, fb, forename=True)
        if not (fa and fb):
            f_score, f_why = 0.5, "forename not known on one side"
        elif f_score == 0.0:
            return _match_nicknames(a, b)
        score = 0.5 * s_score + 0.5 * f_score
        reasons.append(f"surname {s_why}")
        reasons.append(f"forename {f_why}" if fa and fb else f_why)
    else:
        return _match_nicknames(a, b)
    if a.dob and b.dob:
        if a.dob == b.dob:
            score = min(1.0, score + 0.1)
            reasons.append("same date of birth")
        else:
            score *= 0.5
            reasons.append("different dates of birth")
    if score < 0.5:
        return None
    certainty: Certainty = "likely" if score >= 0.85 else "possible"
    return round(score, 3), certainty, "; ".join(reasons)


def _match_nicknames(a: Person, b: Person) -> tuple[float, Certainty, str] | None:
    def names(p: Person) -> set[str]:
        out = {normalise_nickname(x) for x in p.aliases}
        if p.forenames and not p.surname:
            out.add(normalise_nickname(p.forenames.split()[0]))
        return {n for n in out if n}

    na, nb = names(a), names(b)
    if na & nb:
        return 0.8, "likely", "same nickname"
    # A nickname on one side may be the other's first name, or a form of it (Jonno / Jonathan).
    firsts_a = {normalise_nickname(a.forenames.split()[0])} if a.forenames else set()
    firsts_b = {normalise_nickname(b.forenames.split()[0])} if b.forenames else set()
    for x in na | firsts_a:
        for y in nb | firsts_b:
            if x in firsts_a and y in firsts_b:
                continue  # forename vs forename alone is not enough without surnames
            if x == y or same_name_group(x, y):
                return 0.5, "possible", "a nickname matches the other's first name"
            if min(len(x), len(y)) >= 4 and within_one_edit(x, y):
                return 0.6, "possible", "nicknames one letter different"
    return None


def _match_online(a: OnlineIdentity, b: OnlineIdentity) -> tuple[float, Certainty, str] | None:
    pa, ha = normalise_handle(a.platform, a.handle_or_url)
    pb, hb = normalise_handle(b.platform, b.handle_or_url)
    if not ha or not hb:
        return None
    if (pa, ha) == (pb, hb):
        return 1.0, "certain", "same account"
    if ha == hb:
        return 0.5, "possible", "same handle on a different platform"
    if pa == pb and min(len(ha), len(hb)) >= 4 and within_one_edit(ha, hb):
        return 0.6, "possible", "handles one character different"
    return None


def _match_locations(a: Location, b: Location) -> tuple[float, Certainty, str] | None:
    if a.key() is not None and a.key() == b.key():
        return 1.0, "likely", "same place"
    na = normalise_nickname(a.name)
    nb = normalise_nickname(b.name)
    if na and na == nb:
        return 0.8, "likely", "same place name"
    if a.postcode and a.postcode == b.postcode and normalise_postcode(a.postcode):
        return 0.6, "possible", "same postcode"
    if na and nb and min(len(na), len(nb)) >= 6 and within_one_edit(na, nb):
        return 0.6, "possible", "place names one letter different"
    return None


def match_entities(a: Entity, b: Entity) -> MatchSuggestion | None:
    """How likely two entities are the same thing, or ``None`` when there is no reason to think so."""
    result: tuple[float, Certainty, str] | None = None
    if isinstance(a, Vehicle) and isinstance(b, Vehicle):
        ka, kb = vrm_compact(a.vrm), vrm_compact(b.vrm)
        result = _match_vrm(ka, kb) if ka and kb else None
    elif isinstance(a, Phone) and isinstance(b, Phone):
        result = _match_phone(a.number, b.number) if a.number and b.number else None
    elif isinstance(a, Person) and isinstance(b, Person):
        result = _match_persons(a, b)
    elif isinstance(a, OnlineIdentity) and isinstance(b, OnlineIdentity):
        result = _match_online(a, b)
    elif isinstance(a, Location) and isinstance(b, Location):
        result = _match_locations(a, b)
    ka_key, kb_key = a.key(), b.key()
    if result is None or ka_key is None or kb_key is None:
        return None
    score, certainty, reason = result
    return MatchSuggestion(ka_key, kb_key, score, certainty, reason)


def match_candidates(
    entities_a: Iterable[Entity], entities_b: Iterable[Entity]
) -> list[MatchSuggestion]:
    """Every plausible match between two lists (e.g. a new report and an existing one),
    best first."""
    list_b = list(entities_b)
    out = [
        m
        for a in entities_a
        for b in list_b
        if a.kind == b.kind and (m := match_entities(a, b)) is not None
    ]
    out.sort(key=lambda m: (-m.score, m.a_key, m.b_key))
    return out


def suggest_matches(entity: Entity, index: EntityIndex) -> list[MatchSuggestion]:
    """Entities already in the index that may be ``entity``, best first (its own key excluded)."""
    own = set(entity.keys())
    out: list[MatchSuggestion] = []
    for key, other in index.entities.items():
        if key in own or other.kind != entity.kind:
            continue
        primary = other.key()
        if primary is None or index.canonical.get(primary, primary) != key:
            continue  # the same entity under its nickname key: suggest it once only
        match = match_entities(entity, other)
        if match is not None:
            out.append(
                MatchSuggestion(match.a_key, key, match.score, match.certainty, match.reason)
            )
    out.sort(key=lambda m: (-m.score, m.b_key))
    return out
