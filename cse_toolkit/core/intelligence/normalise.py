"""Normalisers: what a worker types -> one match key (``None`` where impossible)."""

from __future__ import annotations

import functools
import re
import unicodedata

# ---------------------------------------------------------------------------------------------
# Normalisers
# ---------------------------------------------------------------------------------------------

# UK number plate formats (DVLA). Only the shape is checked, not the letters DVLA never issues,
# so a plate copied from a foreign-looking but real cherished mark is still accepted.
_VRM_FORMATS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"[A-Z]{2}[0-9]{2}[A-Z]{3}"), 4),  # current, since 2001: AB12 ABC
    (re.compile(r"[A-Z][0-9]{1,3}[A-Z]{3}"), -3),  # prefix, 1983-2001: A123 BCD
    (re.compile(r"[A-Z]{3}[0-9]{1,3}[A-Z]"), 3),  # suffix, 1963-1983: ABC 123D
    (re.compile(r"[A-Z]{1,3}[0-9]{1,4}"), 0),  # dateless (and NI): ABC 123, AB 1234
    (re.compile(r"[0-9]{1,4}[A-Z]{1,3}"), 0),  # dateless reversed: 1234 AB
)
_VRM_STRIP = re.compile(r"[\s\-.]+")


def vrm_compact(text: str) -> str:
    return _VRM_STRIP.sub("", text).upper()


def normalise_vrm(text: str) -> str | None:
    """A UK vehicle registration mark in its canonical printed form, or ``None``.

    Spaces, dashes and dots are ignored and letters upper-cased; the result has the DVLA
    spacing: ``"AB12 ABC"`` (current), ``"A123 BCD"`` (prefix), ``"ABC 123D"`` (suffix),
    ``"ABC 123"`` / ``"1234 AB"`` (dateless). Returns ``None`` (never raises) when the text
    cannot be a whole UK plate: empty, other characters, or no known format (a partial plate).
    """
    compact = vrm_compact(text)
    if not compact or len(compact) > 7:
        return None
    for pattern, split in _VRM_FORMATS:
        if pattern.fullmatch(compact):
            if split == 0:  # dateless: the space goes between the letters and the digits
                match = re.match(r"[A-Z]+|[0-9]+", compact)
                assert match is not None
                split = match.end()
            return f"{compact[:split]} {compact[split:]}"
    return None


_PHONE_STRIP = re.compile(r"[\s\-.()/]+")


def normalise_phone(text: str) -> str | None:
    """A phone number in international form (``"+447700900123"``), or ``None``.

    UK forms ``07700 900123``, ``+44 7700 900123``, ``+44 (0)7700 900123``, ``0044…`` and
    ``44…`` all give the same key. Other international numbers keep their ``+`` and digits
    (7–15 digits, E.164). Returns ``None`` (never raises) for anything else, such as a partial
    number or text with letters.
    """
    cleaned = text.strip().replace("(0)", "")
    cleaned = _PHONE_STRIP.sub("", cleaned)
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    if cleaned.startswith("+"):
        digits = cleaned[1:]
        if not digits.isdigit():
            return None
        if digits.startswith("44"):
            national = digits[2:]
            if national.startswith("0"):  # "+44 07700…" is a common slip
                national = national[1:]
            return _uk(national)
        return "+" + digits if 7 <= len(digits) <= 15 and digits[0] != "0" else None
    if not cleaned.isdigit():
        return None
    if cleaned.startswith("0"):
        return _uk(cleaned[1:])
    if cleaned.startswith("44") and len(cleaned) in (11, 12):
        return _uk(cleaned[2:])
    return None


def _uk(national: str) -> str | None:
    # A UK national significant number is 10 digits (9 for a few old area codes, never for a
    # mobile); it never starts with 0.
    if not national.isdigit() or national[0] == "0":
        return None
    if len(national) == 10 or (len(national) == 9 and national[0] != "7"):
        return "+44" + national
    return None


def display_phone(number: str) -> str:
    """A stored number as a UK worker would write it: ``+447700900123`` -> ``07700 900123``."""
    if number.startswith("+44") and len(number) == 13 and number[3] == "7":
        national = "0" + number[3:]
        return f"{national[:5]} {national[5:]}"
    if number.startswith("+44"):
        return "0" + number[3:]
    return number


_POSTCODE = re.compile(r"([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})")


def normalise_postcode(text: str) -> str | None:
    """A full UK postcode with its single space (``"wr12ab"`` -> ``"WR1 2AB"``), or ``None``.

    Returns ``None`` (never raises) for anything that is not a whole postcode, including an
    outward code on its own (``"WR1"``).
    """
    compact = re.sub(r"\s+", "", text).upper()
    if compact == "GIR0AA":
        return "GIR 0AA"
    match = _POSTCODE.fullmatch(compact)
    if match is None:
        return None
    return f"{match.group(1)} {match.group(2)}"


# Cached: matching a name against a whole index calls these with the same strings many times.
@functools.lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Accents off, so "Zoë" and "Zoe" compare equal."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@functools.lru_cache(maxsize=65536)
def normalise_name(text: str) -> str:
    """Upper-case letters and digits only: "O'Brien-Smith" -> "OBRIENSMITH"."""
    return re.sub(r"[^A-Z0-9]", "", fold(text).upper())


@functools.lru_cache(maxsize=65536)
def normalise_nickname(text: str) -> str:
    """Lower-case letters and digits only: "Jonno!" -> "jonno"."""
    return re.sub(r"[^a-z0-9]", "", fold(text).lower())


_PLATFORM_ALIASES = {
    "snap": "snapchat",
    "sc": "snapchat",
    "insta": "instagram",
    "ig": "instagram",
    "fb": "facebook",
    "messenger": "facebook",
    "twitter": "x",
    "tik tok": "tiktok",
    "whatsapp": "whatsapp",
    "wa": "whatsapp",
}
_PLATFORM_DOMAINS = {
    "snapchat.com": "snapchat",
    "instagram.com": "instagram",
    "facebook.com": "facebook",
    "fb.com": "facebook",
    "tiktok.com": "tiktok",
    "twitter.com": "x",
    "x.com": "x",
}


def normalise_platform(text: str) -> str:
    name = " ".join(text.lower().split())
    return _PLATFORM_ALIASES.get(name, name.replace(" ", ""))


def normalise_handle(platform: str, handle_or_url: str) -> tuple[str, str]:
    """(platform, handle) match key parts for an online identity.

    Lower-cases, drops a leading ``@``, the URL scheme, ``www.`` and a trailing slash. A profile
    URL on a known site becomes that site's handle, so ``https://www.instagram.com/Jonno_99/``
    and ``@jonno_99`` on Instagram give the same key.
    """
    platform = normalise_platform(platform)
    value = handle_or_url.strip().lower()
    value = re.sub(r"^[a-z][a-z0-9+.-]*://", "", value)
    value = re.sub(r"^www\.", "", value)
    value = value.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    domain, _, path = value.partition("/")
    site = _PLATFORM_DOMAINS.get(domain)
    if site is not None and path:
        parts = [p for p in path.split("/") if p]
        if site == "snapchat" and parts[:1] == ["add"]:
            parts = parts[1:]
        if parts:
            platform = platform or site
            value = parts[0]
    value = value.lstrip("@")
    return platform, value


_AGE_RANGE = re.compile(r"(\d{1,3})\s*(?:-|–|to)\s*(\d{1,3})|(\d{1,3})\s*\+|(\d{1,3})")


def normalise_age_range(text: str) -> str | None:
    """``"30 to 40"`` -> ``"30-40"``; ``"30+"``; ``"30"`` (about 30). ``None`` if not an age."""
    match = _AGE_RANGE.fullmatch(text.strip())
    if match is None:
        return None
    low, high, plus, single = match.groups()
    if low is not None and high is not None:
        lo, hi = int(low), int(high)
        if lo > hi or hi > 120:
            return None
        return f"{lo}-{hi}"
    if plus is not None:
        return f"{int(plus)}+" if int(plus) <= 120 else None
    return str(int(single)) if int(single) <= 120 else None
