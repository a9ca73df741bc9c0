"""The words under a new passphrase: its strength once, then one piece of advice.

Shared by the first-run window and "Forgotten your passphrase?". ``core.passphrase.estimate``
gives a label ("Fair") and feedback whose first sentence restates the label ("Far too easy to
guess.") followed by the advice; the meter shows the label once and the advice once:
"Very weak: far too easy to guess. Use three or four unrelated words." / "Good." / "Fair: nearly
there. Add another word or make it longer. Your organisation needs at least 'Good'."
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from cse_toolkit.core.passphrase import Strength, estimate

LABELS = ("Very weak", "Weak", "Fair", "Good", "Strong")


def _tr(text: str) -> str:
    return QCoreApplication.translate("passphrase_meter", text)


def advice(strength: Strength) -> str:
    """The feedback without a first sentence that only restates how strong it is."""
    first, _, rest = strength.feedback.partition(". ")
    if rest:
        return rest.strip()
    if first.rstrip(".").lower() == strength.label.lower():
        return ""
    return strength.feedback.strip()


def meter_text(passphrase: str, min_score: int) -> str:
    if not passphrase:
        return _tr("Type a passphrase: three or four unrelated words work well.")
    strength = estimate(passphrase)
    label = _tr(strength.label)
    feedback = _tr(strength.feedback)
    if feedback.rstrip(".").lower() == strength.label.lower():
        parts = [label + "."]
    else:
        parts = [f"{label}: {feedback[:1].lower()}{feedback[1:]}"]
    if strength.score < min_score:
        parts.append(
            _tr("Your organisation needs at least '{needed}'.").format(
                needed=_tr(LABELS[min_score])
            )
        )
    return " ".join(parts)


def too_weak(passphrase: str, min_score: int) -> str:
    """Why this passphrase cannot be used ('' when it can)."""
    strength = estimate(passphrase)
    if strength.score >= min_score:
        return ""
    tip = advice(strength)
    text = _tr(
        "That passphrase is too easy to guess ('{label}'; your organisation needs at "
        "least '{needed}')."
    ).format(label=_tr(strength.label), needed=_tr(LABELS[min_score]))
    return f"{text} {_tr(tip)}" if tip else text
