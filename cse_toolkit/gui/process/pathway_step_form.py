"""A form for one pathway step, generated from the step's field definitions.

Field types map to controls: text -> a line (names, references, places) or a box (what was seen,
decisions); date -> QDateEdit; datetime -> QDateTimeEdit in local time, stored as UTC; bool ->
Yes / No radio buttons; choice -> a combo box; level -> a combo of the case's tool levels. An
optional date or time has a tick box so "not known" is not stored as today. Steps that may be
skipped offer "This step does not apply", which needs a reason.

Save calls ``repos.record_step``: the pathway engine checks the order and the required fields and
its message is shown in place, in plain words. While the form is open it is autosaved as an
encrypted draft (2 s after a change, and on ``save_draft()`` before the app locks); opening the
same step for the same child again brings the draft back. Every control has an accessible name,
and the tab order is the reading order.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from cse_toolkit.core.clock import parse_utc, utc_iso
from cse_toolkit.core.pathway import FieldDef, Pathway, Step
from cse_toolkit.core.tools import Tool
from cse_toolkit.errors import UserError
from cse_toolkit.gui.common import autosave
from cse_toolkit.gui.common.autosave import DraftTimer
from cse_toolkit.gui.common.pathway_widgets import (
    EmergencyBanner,
    InlineMessage,
    emergency_text,
    policy,
    ring_now_text,
    wrap_label,
)
from cse_toolkit.gui.common.widgets import (
    from_qdatetime,
    heading_label,
    keep_wrapped_height,
    to_qdatetime,
)

if TYPE_CHECKING:
    from cse_toolkit.vault.vault import Vault

log = logging.getLogger(__name__)

DRAFT_KIND = "pathway_step"

# Text fields that hold a short answer (a name, a reference, a place): one line is enough.
SHORT_TEXT = {"where", "by_whom", "with_whom", "reference", "police_reference", "report_refs"}
# A recorded time may be a few minutes ahead of the laptop's clock (set from a phone).
FUTURE_GRACE = timedelta(minutes=5)
DATE_WIDTH = 220


class _Control:
    """One field's control(s): the widget placed in the form, a getter, a setter."""

    def __init__(
        self,
        field: FieldDef,
        widget: QWidget,
        focusables: list[QWidget],
        get: Callable[[], Any],
        set_: Callable[[Any], None],
    ) -> None:
        self.field = field
        self.widget = widget
        self.focusables = focusables
        self.get = get
        self.set = set_

    def focus(self) -> None:
        for w in self.focusables:
            if w.isEnabled():
                w.setFocus(Qt.FocusReason.OtherFocusReason)
                return


def json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return utc_iso(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


class StepForm(QWidget):
    """Record one step. ``open_step(...)``; emits ``saved(step_id)`` or ``back_requested()``."""

    saved = Signal(str)
    back_requested = Signal()

    DEBOUNCE_MS = autosave.IDLE_MS
    MAX_WAIT_MS = autosave.MAX_WAIT_MS

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Record a step"))
        self._vault: Vault | None = None
        self._child: Any = None
        self._pathway: Pathway | None = None
        self._step: Step | None = None
        self._tool: Tool | None = None
        self._controls: dict[str, _Control] = {}
        self._draft_id: str | None = None
        self._dirty = False
        self._loading = False
        self._suggested_level: str | None = None

        self._debounce = DraftTimer(self.save_draft, self, self.DEBOUNCE_MS, self.MAX_WAIT_MS)

        self.title = heading_label("")
        self.help = wrap_label()
        self.help.setAccessibleName(self.tr("What this step is"))
        self.banner = EmergencyBanner()
        self.banner.title.setText(self.tr("If anyone is in immediate danger, call 999 now"))
        self.banner.hide()

        self.body = QWidget()
        body_layout = QVBoxLayout(self.body)
        body_layout.setContentsMargins(0, 0, 8, 0)
        self.form = QFormLayout()
        body_layout.addLayout(self.form)
        body_layout.addStretch(1)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.form.setVerticalSpacing(10)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.body)
        scroll.setAccessibleName(self.tr("What this step records"))

        self.message = InlineMessage()
        self.save_button = QPushButton(self.tr("&Save this step"))
        self.save_button.setToolTip(self.tr("Save (Ctrl+S)"))
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.back_button = QPushButton(self.tr("Back to the &process"))
        self.back_button.setToolTip(self.tr("Keep what you wrote as a draft and go back (Esc)"))
        self.back_button.clicked.connect(self._back)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.banner)
        layout.addWidget(self.help)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

        save = QShortcut(QKeySequence.StandardKey.Save, self)
        save.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        save.activated.connect(self.save)
        back = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        back.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        back.activated.connect(self._back)

        # Built per step in open_step.
        self.event_edit: QDateTimeEdit | None = None
        self.not_applicable: QCheckBox | None = None
        self.reason_edit: QPlainTextEdit | None = None

    # -- state ----------------------------------------------------------------------------
    @property
    def step_id(self) -> str | None:
        return self._step.id if self._step else None

    @property
    def controls(self) -> dict[str, _Control]:
        return self._controls

    def control_widget(self, field_id: str) -> QWidget:
        """The main input widget of a field (for tests and focus)."""
        return self._controls[field_id].focusables[-1]

    def open_step(
        self,
        vault: Vault,
        child: Any,
        pathway: Pathway,
        step_id: str,
        *,
        tool: Tool,
        prefill: dict[str, Any] | None = None,
        suggested_level: str | None = None,
    ) -> None:
        """Show ``step_id``'s form for ``child``; a saved draft of it comes back."""
        self.save_draft()
        self._vault = vault
        self._child = child
        self._pathway = pathway
        self._tool = tool
        self._step = pathway.step(step_id)
        self._suggested_level = suggested_level
        self._draft_id = None
        self._loading = True
        try:
            self._build()
            for key, value in (prefill or {}).items():
                if key in self._controls and value not in (None, ""):
                    self._controls[key].set(value)
            draft = self._find_draft()
            if draft is not None:
                self._draft_id = draft.id
                self._restore(draft.payload)
        finally:
            self._loading = False
        self._dirty = False
        self.message.clear_problem()
        self._first_focus()

    def clear(self) -> None:
        """Forget everything (on lock, after ``save_draft``)."""
        self._debounce.stop()
        self._vault = None
        self._child = None
        self._step = None
        self._dirty = False
        self._draft_id = None
        self._clear_form()
        self.title.clear()
        self.help.clear()
        self.message.clear_problem()

    # -- building ---------------------------------------------------------------------------
    def _clear_form(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self._controls = {}
        self.event_edit = None
        self.not_applicable = None
        self.reason_edit = None

    def _build(self) -> None:
        step = self._step
        assert step is not None
        self._clear_form()
        self.title.setText(step.title)
        self.title.setAccessibleName(step.title)
        assert self._vault is not None
        parts = [step.help]
        if step.id in ("refer", "escalation"):  # who to phone at this time of day
            ring = ring_now_text(policy(self._vault), self._vault.now())
            parts.append(self.tr("Children's social care: {ring}").format(ring=ring))
        if step.provenance == "to_confirm":
            parts.append(
                self.tr("Not yet confirmed by your partnership: {source}.").format(
                    source=step.source or self.tr("no local source")
                )
            )
        self.help.setText("\n\n".join(p for p in parts if p))
        self.help.setVisible(any(parts))
        self.banner.setVisible(step.id == "concern")
        if step.id == "concern":
            self.banner.set_detail(
                self.tr("{contact}. Then record the concern here.").format(
                    contact=emergency_text(policy(self._vault))
                )
            )
        order: list[QWidget] = []
        for f in step.fields:
            control = self._make_control(f)
            self._controls[f.id] = control
            label = keep_wrapped_height(
                QLabel(f.label + ("" if not f.required else self.tr(" (required)")))
            )
            label.setBuddy(control.focusables[-1])
            if f.help:
                label.setToolTip(f.help)
            self.form.addRow(label, control.widget)
            order.extend(control.focusables)

        if not self._event_field():
            self.event_edit = QDateTimeEdit()
            self.event_edit.setCalendarPopup(True)
            self.event_edit.setDisplayFormat("dd/MM/yyyy HH:mm")
            assert self._vault is not None
            self.event_edit.setDateTime(to_qdatetime(self._vault.now()))
            self.event_edit.setAccessibleName(self.tr("When this happened"))
            self.event_edit.setMaximumWidth(DATE_WIDTH)
            self.event_edit.dateTimeChanged.connect(self._changed)
            label = QLabel(self.tr("When this happened"))
            label.setBuddy(self.event_edit)
            self.form.addRow(label, self.event_edit)
            order.append(self.event_edit)

        if step.may_skip:
            self.not_applicable = QCheckBox(self.tr("This step does not &apply"))
            self.not_applicable.setAccessibleName(self.tr("This step does not apply"))
            self.reason_edit = QPlainTextEdit()
            self.reason_edit.setAccessibleName(self.tr("Why this step does not apply"))
            self.reason_edit.setPlaceholderText(self.tr("Say why (required)"))
            self.reason_edit.setTabChangesFocus(True)
            self.reason_edit.setFixedHeight(self.reason_edit.fontMetrics().lineSpacing() * 4)
            self.reason_edit.setEnabled(False)
            self.not_applicable.toggled.connect(self._toggle_not_applicable)
            self.reason_edit.textChanged.connect(self._changed)
            self.form.addRow(self.not_applicable)
            reason_label = QLabel(self.tr("Why it does not apply"))
            reason_label.setBuddy(self.reason_edit)
            self.form.addRow(reason_label, self.reason_edit)
            order.extend([self.not_applicable, self.reason_edit])

        order.extend([self.save_button, self.back_button])
        for first, second in zip(order, order[1:], strict=False):
            self.setTabOrder(first, second)

    def _make_control(self, f: FieldDef) -> _Control:
        name = f.label
        if f.type == "text":
            if f.id in SHORT_TEXT:
                line = QLineEdit()
                line.setAccessibleName(name)
                line.textChanged.connect(self._changed)
                return _Control(
                    f,
                    line,
                    [line],
                    lambda: line.text().strip() or None,
                    lambda v: line.setText(str(v)),
                )
            box = QPlainTextEdit()
            box.setAccessibleName(name)
            box.setTabChangesFocus(True)
            box.setFixedHeight(box.fontMetrics().lineSpacing() * 5)
            box.textChanged.connect(self._changed)
            return _Control(
                f,
                box,
                [box],
                lambda: box.toPlainText().strip() or None,
                lambda v: box.setPlainText(str(v)),
            )
        if f.type == "bool":
            holder = QWidget()
            holder.setAccessibleName(name)
            row = QHBoxLayout(holder)
            row.setContentsMargins(0, 0, 0, 0)
            yes = QRadioButton(self.tr("Yes"))
            no = QRadioButton(self.tr("No"))
            yes.setAccessibleName(self.tr("{label}: yes").format(label=name))
            no.setAccessibleName(self.tr("{label}: no").format(label=name))
            group = QButtonGroup(holder)
            group.addButton(yes)
            group.addButton(no)
            row.addWidget(yes)
            row.addWidget(no)
            row.addStretch(1)
            group.buttonToggled.connect(lambda *_: self._changed())

            def get_bool() -> bool | None:
                if yes.isChecked():
                    return True
                if no.isChecked():
                    return False
                return None

            def set_bool(value: Any) -> None:
                (yes if value else no).setChecked(True)

            return _Control(f, holder, [yes, no], get_bool, set_bool)
        if f.type in ("choice", "level"):
            combo = QComboBox()
            combo.setAccessibleName(name)
            combo.setMaximumWidth(520)
            combo.addItem(self.tr("Choose…"), None)
            if f.type == "choice":
                for option in f.options:
                    combo.addItem(option[:1].upper() + option[1:], option)
            else:
                assert self._tool is not None
                for level in self._tool.levels:
                    combo.addItem(level.label, level.id)
            combo.currentIndexChanged.connect(self._changed)

            def set_combo(value: Any) -> None:
                index = combo.findData(value)
                if index >= 0:
                    combo.setCurrentIndex(index)

            return _Control(f, combo, [combo], lambda: combo.currentData(), set_combo)
        if f.type == "date":
            edit = QDateEdit()
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd/MM/yyyy")
            assert self._vault is not None
            today = self._vault.now().astimezone().date()
            edit.setDate(QDate(today.year, today.month, today.day))
            edit.setAccessibleName(name)
            edit.setMaximumWidth(DATE_WIDTH)
            edit.dateChanged.connect(self._changed)

            def get_date() -> date:
                d = edit.date()
                return date(d.year(), d.month(), d.day())

            def set_date(value: Any) -> None:
                d = date.fromisoformat(value) if isinstance(value, str) else value
                edit.setDate(QDate(d.year, d.month, d.day))

            return self._optional(f, edit, get_date, set_date)
        # datetime
        dt_edit = QDateTimeEdit()
        dt_edit.setCalendarPopup(True)
        dt_edit.setDisplayFormat("dd/MM/yyyy HH:mm")
        assert self._vault is not None
        dt_edit.setDateTime(to_qdatetime(self._vault.now()))
        dt_edit.setAccessibleName(name)
        dt_edit.setMaximumWidth(DATE_WIDTH)
        dt_edit.dateTimeChanged.connect(self._changed)

        def set_dt(value: Any) -> None:
            moment = parse_utc(value) if isinstance(value, str) else value
            dt_edit.setDateTime(to_qdatetime(moment))

        return self._optional(f, dt_edit, lambda: from_qdatetime(dt_edit.dateTime()), set_dt)

    def _optional(
        self, f: FieldDef, edit: QWidget, get: Callable[[], Any], set_: Callable[[Any], None]
    ) -> _Control:
        """Required dates are plain edits; optional ones get a "Record ..." tick box."""
        if f.required:
            return _Control(f, edit, [edit], get, set_)
        holder = QWidget()
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        known = QCheckBox(self.tr("Known"))
        known.setAccessibleName(self.tr("{label} is known").format(label=f.label))
        edit.setEnabled(False)
        known.toggled.connect(edit.setEnabled)
        known.toggled.connect(lambda *_: self._changed())
        row.addWidget(known)
        row.addWidget(edit)
        row.addStretch(1)

        def get_opt() -> Any:
            return get() if known.isChecked() else None

        def set_opt(value: Any) -> None:
            known.setChecked(True)
            set_(value)

        return _Control(f, holder, [known, edit], get_opt, set_opt)

    def _event_field(self) -> FieldDef | None:
        """A required date or time of the step itself, used as when it happened."""
        assert self._step is not None
        for kind in ("datetime", "date"):
            for f in self._step.fields:
                if f.type == kind and f.required:
                    return f
        return None

    def _first_focus(self) -> None:
        if self._controls:
            next(iter(self._controls.values())).focus()
        elif self.event_edit is not None:
            self.event_edit.setFocus()

    # -- changes and drafts -----------------------------------------------------------------
    def _toggle_not_applicable(self, on: bool) -> None:
        assert self.reason_edit is not None
        self.reason_edit.setEnabled(on)
        for control in self._controls.values():
            control.widget.setEnabled(not on)
        if on:
            self.reason_edit.setFocus()
        self._changed()

    def _changed(self, *_: Any) -> None:
        if self._loading or self._step is None:
            return
        self._dirty = True
        self._debounce.start()

    def values(self) -> dict[str, Any]:
        """The form's current values by field id (None where empty)."""
        return {fid: c.get() for fid, c in self._controls.items()}

    def _payload(self) -> dict[str, Any]:
        assert self._step is not None
        return {
            "step": self._step.id,
            "values": {k: json_value(v) for k, v in self.values().items() if v is not None},
            "event_at": utc_iso(from_qdatetime(self.event_edit.dateTime()))
            if self.event_edit is not None
            else None,
            "not_applicable": bool(self.not_applicable and self.not_applicable.isChecked()),
            "reason": self.reason_edit.toPlainText() if self.reason_edit else "",
        }

    def save_draft(self) -> None:
        """Write the form as an encrypted draft if it changed (``DraftEditor`` protocol)."""
        self._debounce.stop()
        if not self._dirty or self._vault is None or self._step is None or self._child is None:
            return
        self._draft_id = self._vault.repos.save_draft(
            DRAFT_KIND, self._child.id, self._payload(), self._draft_id
        )
        self._dirty = False

    def _find_draft(self) -> Any:
        assert self._step is not None
        found = None
        assert self._vault is not None
        for draft in self._vault.repos.drafts(DRAFT_KIND):
            if draft.target_id == self._child.id and draft.payload.get("step") == self._step.id:
                found = draft
        return found

    def _restore(self, payload: dict[str, Any]) -> None:
        for key, value in (payload.get("values") or {}).items():
            if key in self._controls:
                self._controls[key].set(value)
        if payload.get("event_at") and self.event_edit is not None:
            self.event_edit.setDateTime(to_qdatetime(parse_utc(payload["event_at"])))
        if self.not_applicable is not None and payload.get("not_applicable"):
            self.not_applicable.setChecked(True)
        if self.reason_edit is not None:
            self.reason_edit.setPlainText(payload.get("reason", ""))

    def _back(self) -> None:
        self.save_draft()
        self.back_requested.emit()

    # -- saving -----------------------------------------------------------------------------
    def _event_at(self, values: dict[str, Any]) -> datetime:
        assert self._vault is not None
        now = self._vault.now()
        f = self._event_field()
        if f is not None and values.get(f.id) is not None:
            value = values[f.id]
            if isinstance(value, datetime):
                return value
            # A date only: noon that day, local time (never later than now).
            local_noon = datetime.combine(value, time(12, 0)).astimezone()
            return min(local_noon, now)
        if self.event_edit is not None:
            return from_qdatetime(self.event_edit.dateTime())
        return now

    def _ui_problem(self, values: dict[str, Any]) -> str | None:
        """Checks the engine does not make: the decide step's reason for a changed level."""
        assert self._step is not None and self._tool is not None
        if self._step.id == "decide" and self._suggested_level:
            chosen = values.get("confirmed_level")
            if chosen and chosen != self._suggested_level and not values.get("change_reason"):
                return self.tr(
                    "Say why you are changing the level from '{old}' to '{new}': a reason is "
                    "required."
                ).format(
                    old=self._tool.level(self._suggested_level).label,
                    new=self._tool.level(chosen).label,
                )
        return None

    def save(self) -> bool:
        """Record the step. Returns True when it was saved."""
        if self._vault is None or self._step is None or self._child is None:
            return False
        assert self._pathway is not None
        step = self._step
        skip = bool(self.not_applicable and self.not_applicable.isChecked())
        values = {} if skip else self.values()
        event_at = self._event_at(values)
        if event_at > self._vault.now() + FUTURE_GRACE:
            self.message.show_problem(
                self.tr(
                    "The date and time are in the future. A step is recorded once it has "
                    "happened: check the date and time."
                )
            )
            return False
        reason = self.reason_edit.toPlainText().strip() if (skip and self.reason_edit) else ""
        if skip and not reason:
            self.message.show_problem(self.tr("Say why this step does not apply."))
            assert self.reason_edit is not None
            self.reason_edit.setFocus()
            return False
        problem = None if skip else self._ui_problem(values)
        if problem:
            self.message.show_problem(problem)
            return False
        data = {k: v for k, v in values.items() if v is not None}
        try:
            self._vault.repos.record_step(
                self._child.id,
                self._pathway.id,
                step.id,
                event_at,
                data,
                status="not_applicable" if skip else "done",
                reason=reason,
            )
        except UserError as exc:
            self.message.show_problem(str(exc))
            self._focus_first_missing(values)
            return False
        self._debounce.stop()
        if self._draft_id is not None:
            self._vault.repos.delete_draft(self._draft_id)
        self._draft_id = None
        self._dirty = False
        self.message.clear_problem()
        self.saved.emit(step.id)
        return True

    def _focus_first_missing(self, values: dict[str, Any]) -> None:
        for fid, control in self._controls.items():
            if control.field.required and values.get(fid) in (None, ""):
                control.focus()
                return
