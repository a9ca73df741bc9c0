"""WCAG AA contrast of the colours the app sets (it otherwise uses the platform palette).

The colours are read from the style itself: ``ui/app.qss`` and every stylesheet string in
``cse_toolkit/gui`` (found by parsing the modules, so a new one is checked without editing this
test), and the named colour constants (``*_FG`` / ``*_BG`` pairs, text colours, chart series).
Text needs 4.5:1 against its background (the rule's own background; else the sheet's; else the
default window colour), state borders (a selected / active / problem row, a box's frame) and
chart series need 3:1 (WCAG 1.4.3 and 1.4.11).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUI = ROOT / "cse_toolkit" / "gui"
HEX = r"#[0-9a-fA-F]{6}"
WINDOW = "#ffffff"  # the light palette's base; dark mode uses the platform palette only


def luminance(colour: str) -> float:
    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def stylesheets() -> dict[str, str]:
    """Every stylesheet text: the .qss file and each string literal in the GUI that has rules."""
    found = {"ui/app.qss": (ROOT / "ui" / "app.qss").read_text("utf-8")}
    for path in sorted(GUI.rglob("*.py")):
        if "forms" in path.parts:
            continue
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
                if re.search(HEX, text) and ("color" in text or "background" in text):
                    found[f"{path.relative_to(ROOT)}:{node.lineno}"] = text
    return found


def rules(sheet: str) -> list[tuple[str, dict[str, str]]]:
    body = re.sub(r"/\*.*?\*/", "", sheet, flags=re.S)
    if "{" not in body:
        body = "* {" + body + "}"  # setStyleSheet("color: #...") on one widget
    out = []
    for selector, decls in re.findall(r"([^{}]*)\{([^}]*)\}", body):
        props = {}
        for decl in decls.split(";"):
            if ":" in decl:
                key, value = decl.split(":", 1)
                props[key.strip()] = value.strip()
        out.append((selector.strip(), props))
    return out


def _colour(value: str) -> str | None:
    match = re.search(HEX, value or "")
    return match.group(0).lower() if match else None


def problems() -> list[str]:
    bad = []
    for where, sheet in stylesheets().items():
        parsed = rules(sheet)
        sheet_bg = next(
            (
                _colour(p.get("background", p.get("background-color", "")))
                for _s, p in parsed
                if _colour(p.get("background", p.get("background-color", "")))
            ),
            None,
        )
        for selector, props in parsed:
            bg = _colour(props.get("background", props.get("background-color", "")))
            background = bg or sheet_bg or WINDOW
            fg = _colour(props.get("color", ""))
            if fg and contrast(fg, background) < 4.5:
                bad.append(
                    f"{where} {selector}: text {fg} on {background} is "
                    f"{contrast(fg, background):.2f}:1 (needs 4.5)"
                )
            for key in ("border", "border-left", "border-bottom", "border-top", "border-right"):
                edge = _colour(props.get(key, ""))
                wide = re.search(r"\b[2-9]px", props.get(key, ""))
                state = "[" in selector or ":" in selector or wide
                if edge and state and contrast(edge, background) < 3:
                    bad.append(
                        f"{where} {selector}: {key} {edge} on {background} is "
                        f"{contrast(edge, background):.2f}:1 (needs 3)"
                    )
    return bad


def test_stylesheet_colours_meet_wcag_aa() -> None:
    sheets = stylesheets()
    assert len(sheets) > 5  # the parser found the app's stylesheets
    assert problems() == []


def test_named_colours_meet_wcag_aa() -> None:
    from cse_toolkit.gui import unsaved_bar
    from cse_toolkit.gui.common import pathway_widgets
    from cse_toolkit.gui.dsl import dsl_charts
    from cse_toolkit.gui.intel import intel_checks_panel
    from cse_toolkit.gui.process import pathway_tracker

    bad = []
    pairs = [
        (pathway_widgets.DANGER_FG, pathway_widgets.DANGER_BG),
        (pathway_widgets.PROBLEM_FG, pathway_widgets.PROBLEM_BG),
        (pathway_tracker.CURRENT_FG, pathway_tracker.CURRENT_BG),
        (pathway_tracker.DONE_FG, WINDOW),
        (unsaved_bar.BAR_FG, unsaved_bar.BAR_BG),
    ]
    pairs += [
        (c, WINDOW)
        for c in (
            intel_checks_panel.STOP_COLOUR,
            intel_checks_panel.WARNING_COLOUR,
            intel_checks_panel.DONE_COLOUR,
        )
    ]
    for fg, bg in pairs:
        if contrast(fg, bg) < 4.5:
            bad.append(f"text {fg} on {bg}: {contrast(fg, bg):.2f}:1")
    for colour in dsl_charts.SERIES_COLOURS:
        if contrast(colour, WINDOW) < 3:
            bad.append(f"chart series {colour} on {WINDOW}: {contrast(colour, WINDOW):.2f}:1")
    assert len(set(dsl_charts.SERIES_PATTERNS)) == len(dsl_charts.SERIES_PATTERNS)
    assert bad == []


def test_the_check_catches_a_low_contrast_rule() -> None:
    assert contrast("#777777", "#ffffff") < 4.5 < contrast("#595959", "#ffffff")
    parsed = rules("#x { color: #999999; background: #ffffff; }")
    assert _colour(parsed[0][1]["color"]) == "#999999"
