"""Spoken step-by-step help: "Show me how" on a plugin's screen, and the home-screen tour.

A tutorial points at one control at a time with a large arrow and a ring, drawn on a
see-through layer above the screen, says what to do, and waits. The senior does each
step for real: taps pass through the layer to the control, and when the control is
tapped the tutorial moves on, once the next step's control is on screen (it may be on a
new screen the tap brought up). The tutorial never taps, types or moves anywhere itself;
its only controls are its own: "Say it again", "Next" on steps that only point
something out, and "Stop showing me" (on the tour: "Skip the tour").
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPainterPath, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QFrame,
    QHBoxLayout,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from launcher.core.errors import LelingError
from launcher.core.manifest import GuideStep
from launcher.core.settings import atomic_write_text
from launcher.ui.kit import BigButton, BigLabel

if TYPE_CHECKING:
    from launcher.core.instance import Instance
    from launcher.ui.shell import ShellWindow

log = logging.getLogger("leling.ui")

#: Per profile: which tours the senior has been shown, so the first-run tour comes once.
TOUR_STATE_FILE = "tour.json"
HOME_TOUR = "home"

#: The events after which the step's control may have appeared, moved or gone.
_LAYOUT_EVENTS = frozenset(
    {
        QEvent.Type.Show,
        QEvent.Type.Hide,
        QEvent.Type.Move,
        QEvent.Type.Resize,
        QEvent.Type.LayoutRequest,
        QEvent.Type.ParentChange,
    }
)
_ACTIVATING_KEYS = frozenset(
    {Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space, Qt.Key.Key_Select}
)


@dataclass(frozen=True)
class Step:
    """One step, in the current language: what to point at, what to say, how it moves on
    (``tap`` or ``next``, as :class:`launcher.core.manifest.GuideStep`)."""

    target: str
    text: str
    advance: str = "tap"


def steps_of_guide(guide: Sequence[GuideStep], locale: str) -> list[Step]:
    return [Step(step.target, step.text(locale), step.advance) for step in guide]


# -- remembering the first-run tour ------------------------------------------------------


def _tour_state(instance: Instance) -> dict[str, Any]:
    path = instance.profile_dir / TOUR_STATE_FILE
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        # Unreadable: the tour is offered again, which is harmless; the file is rewritten.
        log.warning("%s cannot be read (%s); the home tour counts as not shown", path, exc)
        return {}
    return state if isinstance(state, dict) else {}


def tour_seen(instance: Instance, tour: str = HOME_TOUR) -> bool:
    """Whether this profile has been shown ``tour`` (it survives restarts)."""
    return bool(_tour_state(instance).get(tour))


def remember_tour(instance: Instance, tour: str = HOME_TOUR) -> None:
    """Note in the profile that ``tour`` was shown. A failure to write is logged: at
    worst the tour comes again at the next start."""
    state = _tour_state(instance)
    state[tour] = True
    try:
        atomic_write_text(instance.profile_dir / TOUR_STATE_FILE, json.dumps(state) + "\n")
    except (OSError, LelingError) as exc:
        log.warning("cannot remember that the %s tour was shown: %s", tour, exc)


# -- finding the control a step points at --------------------------------------------------


def matches(widget: QWidget, target: str) -> bool:
    """``widget`` is what ``target`` names: its objectName, a prefix of it ending in
    ``*``, or its accessible name."""
    name = widget.objectName()
    if target.endswith("*"):
        return bool(name) and name.startswith(target[:-1])
    return name == target or " ".join(widget.accessibleName().split()) == target


def _on_screen(widget: QWidget, shell: QWidget) -> QRect | None:
    """Where ``widget`` shows in ``shell``, or None when it does not show."""
    if not widget.isVisible() or widget.window() is not shell or widget.width() <= 0:
        return None
    if widget.visibleRegion().isEmpty():
        return None
    rect = QRect(widget.mapTo(shell, QPoint(0, 0)), widget.size())
    shown = rect.intersected(shell.rect())
    return shown if not shown.isEmpty() else None


# -- drawing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArrowShape:
    """Sizes of the arrow, in px: it grows with the text size."""

    length: int
    head: int
    width: int
    shaft: int

    @classmethod
    def for_text(cls, body_px: int) -> ArrowShape:
        return cls(length=body_px * 5, head=body_px * 2, width=body_px * 3, shaft=body_px)


#: Directions the arrow can come from, in the order they are tried: from above pointing
#: down, from below, from the left, from the right.
_DIRECTIONS = ((0, 1), (0, -1), (1, 0), (-1, 0))
#: The tip stops this far inside the target's edge, so it is seen to touch it.
_TIP_INSET = 2
#: The ring is drawn this far outside the target.
_RING_GAP = 8


def place_arrow(
    target: QRect, area: QRect, avoid: Sequence[QRect], shape: ArrowShape
) -> tuple[QPoint, tuple[int, int], int]:
    """Where the arrow's tip goes, which way it points, and how long it is.

    The tip touches the middle of one edge of ``target``; the arrow lies outside the
    target, inside ``area`` and clear of ``avoid``. Where nothing fits (a target that
    fills the screen), it points down at the target's centre from inside it.
    """
    centre = target.center()
    lengths = (shape.length, shape.length * 3 // 5, shape.length * 2 // 5)
    # Up and down first, even shortened: an arrow from the side tends to lie across
    # the neighbouring control.
    tries = [(d, length) for length in lengths for d in _DIRECTIONS[:2]]
    tries += [(d, length) for length in lengths for d in _DIRECTIONS[2:]]
    for (dx, dy), length in tries:
        if dy:
            edge = target.top() if dy > 0 else target.bottom()
            tip = QPoint(centre.x(), edge + dy * _TIP_INSET)
        else:
            edge = target.left() if dx > 0 else target.right()
            tip = QPoint(edge + dx * _TIP_INSET, centre.y())
        body = _arrow_bounds(tip, (dx, dy), length, shape)
        if area.contains(body) and not any(body.intersects(r) for r in avoid):
            return tip, (dx, dy), length
    return centre, (0, 1), min(shape.length, max(shape.head, target.height() // 2))


def _arrow_bounds(tip: QPoint, direction: tuple[int, int], length: int, shape: ArrowShape) -> QRect:
    """The box the arrow takes, ending at ``tip``, leaving a gap for the ring."""
    dx, dy = direction
    gap = _RING_GAP + 6
    half = shape.width // 2 + 4
    if dy:
        top = tip.y() - length - gap if dy > 0 else tip.y() + gap
        return QRect(tip.x() - half, top, 2 * half, length)
    left = tip.x() - length - gap if dx > 0 else tip.x() + gap
    return QRect(left, tip.y() - half, length, 2 * half)


def arrow_polygon(
    tip: QPointF, direction: tuple[int, int], length: int, shape: ArrowShape
) -> QPolygonF:
    """A block arrow ``length`` long whose point is at ``tip``."""
    head = min(shape.head, length * 2 // 3)
    points = [
        (0.0, 0.0),
        (-head, shape.width / 2),
        (-head, shape.shaft / 2),
        (-length, shape.shaft / 2),
        (-length, -shape.shaft / 2),
        (-head, -shape.shaft / 2),
        (-head, -shape.width / 2),
    ]
    angle = math.atan2(direction[1], direction[0])
    cos, sin = math.cos(angle), math.sin(angle)
    return QPolygonF(
        [QPointF(tip.x() + x * cos - y * sin, tip.y() + x * sin + y * cos) for x, y in points]
    )


class PointerLayer(QWidget):
    """The arrow and the ring around the step's control. Taps go through it to the screen
    below; it is only as large as what it draws."""

    def __init__(self, shell: QWidget, colours: dict[str, str], shape: ArrowShape) -> None:
        super().__init__(shell)
        self.setObjectName("tutorialArrow")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.shape = shape
        self._fill = QColor(colours["accent"])
        self._edge = QColor(colours["accent_text"])
        self._target = QRect()
        self._tip = QPoint()
        self._direction = (0, 1)
        self._length = shape.length
        self.hide()

    def point_at(self, target: QRect, area: QRect, avoid: Sequence[QRect]) -> None:
        """Point at ``target`` (shell coordinates)."""
        tip, direction, length = place_arrow(target, area, avoid, self.shape)
        self._target, self._tip, self._direction, self._length = target, tip, direction, length
        bounds = target.adjusted(-_RING_GAP - 12, -_RING_GAP - 12, _RING_GAP + 12, _RING_GAP + 12)
        bounds = bounds.united(
            _arrow_bounds(tip, direction, length, self.shape).adjusted(-8, -8, 8, 8)
        )
        bounds = bounds.united(QRect(tip, tip).adjusted(-8, -8, 8, 8)).intersected(area)
        if self.geometry() != bounds:
            self.setGeometry(bounds)
        self.update()
        self.show()
        self.raise_()

    def arrow_tip(self) -> QPoint:
        """Where the arrow's point is, in the shell's coordinates."""
        return QPoint(self._tip)

    def target_rect(self) -> QRect:
        """The rectangle the ring goes round, in the shell's coordinates."""
        return QRect(self._target)

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._target.isEmpty():
            return
        painter = QPainter(self)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.translate(-self.x(), -self.y())
            ring = QRectF(self._target).adjusted(-_RING_GAP, -_RING_GAP, _RING_GAP, _RING_GAP)
            thick = max(6, self.shape.shaft // 4)
            # The ring and the arrow are edged in the colour that stands out from their
            # fill in every theme, so they show on light and dark screens alike.
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(self._edge, thick + 6))
            painter.drawRoundedRect(ring, 16, 16)
            painter.setPen(QPen(self._fill, thick))
            painter.drawRoundedRect(ring, 16, 16)
            path = QPainterPath()
            path.addPolygon(
                arrow_polygon(QPointF(self._tip), self._direction, self._length, self.shape)
            )
            path.closeSubpath()
            painter.setPen(
                QPen(
                    self._edge,
                    5,
                    Qt.PenStyle.SolidLine,
                    Qt.PenCapStyle.RoundCap,
                    Qt.PenJoinStyle.RoundJoin,
                )
            )
            painter.setBrush(self._fill)
            painter.drawPath(path)
        finally:
            painter.end()


class TutorialPanel(QFrame):
    """What to do now, in words, with the tutorial's own big controls."""

    def __init__(
        self, shell: ShellWindow, colours: dict[str, str], tr: Callable[..., str], tour: bool
    ) -> None:
        super().__init__(shell)
        self.setObjectName("tutorialPanel")
        focus = shell.metrics.focus if shell.metrics is not None else 5
        radius = shell.metrics.radius if shell.metrics is not None else 18
        # Its own frame, so it reads as one thing laid over the screen.
        self.setStyleSheet(
            f"QFrame#tutorialPanel {{ background: {colours['background']}; "
            f"border: {focus}px solid {colours['focus']}; border-radius: {radius}px; }}"
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 12, 24, 12)
        layout.setSpacing(10)
        words = QWidget(self)
        row = QHBoxLayout(words)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(20)
        self.count_label = BigLabel(role="caption")
        self.count_label.setObjectName("tutorialCount")
        self.count_label.setWordWrap(False)
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.text_label = BigLabel(role="body")
        self.text_label.setObjectName("tutorialText")
        row.addWidget(self.count_label)
        row.addWidget(self.text_label, 1)
        layout.addWidget(words)
        buttons = QWidget(self)
        button_row = QHBoxLayout(buttons)
        button_row.setContentsMargins(0, 0, 0, 0)
        button_row.setSpacing(20)
        self.repeat_button = _control(tr, "tour.repeat", "tutorialRepeat")
        self.next_button = _control(tr, "tour.next", "tutorialNext", role="primary")
        stop = "tour.skip" if tour else "tour.stop"
        self.stop_button = _control(tr, stop, "tutorialStop")
        for button in (self.repeat_button, self.stop_button, self.next_button):
            button_row.addWidget(button, 1)
        layout.addWidget(buttons)
        self._tr = tr

    def show_step(self, number: int, count: int, text: str, next_text: str) -> None:
        self.count_label.setText(self._tr("tour.step", number=number, count=count))
        self.text_label.setText(text)
        self.next_button.setVisible(bool(next_text))
        if next_text:
            self.next_button.setText(next_text)
            self.next_button.setAccessibleName(next_text)

    def height_at(self, width: int) -> int:
        layout = self.layout()
        assert layout is not None
        if layout.hasHeightForWidth():
            return max(layout.totalHeightForWidth(width), self.minimumSizeHint().height())
        return self.sizeHint().height()


def _control(tr: Callable[..., str], key: str, name: str, role: str = "normal") -> BigButton:
    button = BigButton(tr(key), role=role)
    # Side by side, they share the height of the tallest: one whose words wrap at
    # large text would otherwise be held to the height of the others and cut off.
    button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
    button.setObjectName(name)
    button.setAccessibleName(tr(key))
    button.setAccessibleDescription(tr(f"{key}.describe"))
    return button


# -- the tutorial --------------------------------------------------------------------------


class Tutorial(QObject):
    """One run of a guide (a plugin's, or the home tour) on ``shell``.

    ``belongs`` says whether a screen the shell shows is still the one the tutorial is
    for; when the senior goes elsewhere (Home, Help me) the tutorial ends quietly.
    """

    #: How it ended: ``done``, ``stopped`` (the senior's Stop), ``left`` (another screen)
    #: or ``nothing`` (no step's control was on screen).
    finished = Signal(str)
    #: The step now shown, from 0.
    step_shown = Signal(int)

    #: After a tap, how long the next step's control may take to appear (a screen that
    #: loads) before the step is skipped. Tests shorten it.
    patience_ms = 8000

    def __init__(
        self,
        shell: ShellWindow,
        steps: Sequence[Step],
        *,
        name: str,
        belongs: Callable[[QWidget | None], bool],
        tour: bool = False,
    ) -> None:
        super().__init__(shell)
        self.shell = shell
        self.steps = list(steps)
        self.name = name
        self.tour = tour
        self._belongs = belongs
        self.index = -1
        self.target: QWidget | None = None
        self._watched: list[QAbstractButton] = []
        self._pressed: QWidget | None = None
        self._waiting = False
        self._ended = False
        tr = shell.instance.translator.tr
        self._tr = tr
        colours = dict(shell.instance.load_theme().colors)
        body = shell.metrics.body if shell.metrics is not None else 28
        self.arrow = PointerLayer(shell, colours, ArrowShape.for_text(body))
        self.panel = TutorialPanel(shell, colours, tr, tour)
        self.panel.repeat_button.clicked.connect(self.say_again)
        self.panel.next_button.clicked.connect(self.next_step)
        self.panel.stop_button.clicked.connect(lambda: self.stop("stopped"))
        self.panel.hide()
        # Layout changes come in bursts: the arrow is placed once they are over.
        self._relocate = QTimer(self)
        self._relocate.setSingleShot(True)
        self._relocate.setInterval(0)
        self._relocate.timeout.connect(self._follow)
        self._patience = QTimer(self)
        self._patience.setSingleShot(True)
        self._patience.timeout.connect(self._give_up_waiting)
        self._move_on = QTimer(self)
        self._move_on.setSingleShot(True)
        self._move_on.setInterval(0)
        self._move_on.timeout.connect(self._after_tap)
        shell.screen_changed.connect(self._screen_changed)

    # -- what the shell and tests use ----------------------------------------------------

    @property
    def running(self) -> bool:
        return not self._ended and self.index >= 0

    def start(self, *, settling: bool = False) -> None:
        """Begin with the first step whose control is on screen. ``settling``: the screen
        is still being built (the senior was just taken to it), so the first step's
        control is waited for as after a tap."""
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        log.info("tutorial %s started (%d steps)", self.name, len(self.steps))
        if settling:
            self._go_on(0, patient=True)
        elif not self._show_first_found(0):
            self.shell.voice.say(self._tr("tour.nothing"))
            self.stop("nothing")

    def arrow_tip(self) -> QPoint:
        """Where the arrow points, in the shell's coordinates."""
        return self.arrow.arrow_tip()

    def current(self) -> Step | None:
        return self.steps[self.index] if 0 <= self.index < len(self.steps) else None

    def say_again(self) -> None:
        step = self.current()
        if step is not None:
            self.shell.voice.say(step.text, interrupt=False)

    def next_step(self) -> None:
        """The senior's Next (or OK on the last step)."""
        if not self._ended:
            self._go_on(self.index + 1, patient=False)

    def stop(self, reason: str = "stopped") -> None:
        """End the tutorial and take its layer and controls away."""
        if self._ended:
            return
        self._ended = True
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        for timer in (self._relocate, self._patience, self._move_on):
            timer.stop()
        self._unwatch()
        try:
            self.shell.screen_changed.disconnect(self._screen_changed)
        except (RuntimeError, TypeError):
            pass
        for widget in (self.arrow, self.panel):
            widget.hide()
            widget.deleteLater()
        log.info("tutorial %s ended: %s (at step %d)", self.name, reason, self.index + 1)
        self.finished.emit(reason)

    # -- moving through the steps -----------------------------------------------------------

    def _show_first_found(self, start: int) -> bool:
        """Show the first step from ``start`` whose control is on screen, skipping the
        others (logged). False when none is."""
        for index in range(start, len(self.steps)):
            target = self._find(self.steps[index].target)
            if target is not None:
                self._show(index, target)
                return True
            log.info(
                "tutorial %s: step %d points at %r, which is not on screen; skipped",
                self.name,
                index + 1,
                self.steps[index].target,
            )
        return False

    def _go_on(self, index: int, *, patient: bool) -> None:
        if index >= len(self.steps):
            self.shell.voice.say(self._tr("tour.done"), interrupt=False)
            self.stop("done")
            return
        target = self._find(self.steps[index].target)
        if target is not None:
            self._show(index, target)
            return
        if patient:
            # The tap may bring up a new screen (or load one): wait for the control.
            self.index = index
            self._waiting = True
            self._unwatch()
            self.target = None
            self.arrow.hide()
            self._patience.start(self.patience_ms)
            return
        if not self._show_first_found(index):
            self.shell.voice.say(self._tr("tour.done"), interrupt=False)
            self.stop("done")

    def _give_up_waiting(self) -> None:
        if self._ended or not self._waiting:
            return
        self._waiting = False
        log.info(
            "tutorial %s: step %d points at %r, which did not appear; skipped",
            self.name,
            self.index + 1,
            self.steps[self.index].target,
        )
        self._go_on(self.index + 1, patient=False)

    def _show(self, index: int, target: QWidget) -> None:
        first = self.index < 0
        changed = index != self.index or self._waiting
        self.index = index
        self._waiting = False
        self._patience.stop()
        self.target = target
        self._watch(self.steps[index].target)
        step = self.steps[index]
        last = index == len(self.steps) - 1
        next_text = ""
        if step.advance == "next" or self.tour:
            next_text = self._tr("tour.ok" if last else "tour.next")
        self.panel.show_step(index + 1, len(self.steps), step.text, next_text)
        self._place()
        if changed:
            self.shell.voice.say(step.text, interrupt=first)
            self.step_shown.emit(index)

    def _after_tap(self) -> None:
        if not self._ended:
            self._go_on(self.index + 1, patient=True)

    def _tapped(self) -> None:
        # After the control has done what it does (a new screen may come up).
        if not self._ended and not self._waiting:
            self._move_on.start()

    # -- following the screen -------------------------------------------------------------

    def _find(self, target: str) -> QWidget | None:
        """The first control on screen that ``target`` names, in reading order: from the
        top, and from the left (from the right in a right-to-left language)."""
        found: list[tuple[int, int, QWidget]] = []
        rtl = self.shell.layoutDirection() == Qt.LayoutDirection.RightToLeft
        for widget in self.shell.findChildren(QWidget):
            if self._own(widget) or not matches(widget, target):
                continue
            rect = _on_screen(widget, self.shell)
            if rect is not None:
                found.append((rect.top(), -rect.right() if rtl else rect.left(), widget))
        if not found:
            return None
        found.sort(key=lambda item: (item[0], item[1]))
        return found[0][2]

    def _own(self, widget: QWidget) -> bool:
        return widget is self.panel or widget is self.arrow or self.panel.isAncestorOf(widget)

    def _follow(self) -> None:
        """The screen changed: find the step's control again and point at it."""
        if self._ended:
            return
        step = self.current()
        if step is None:
            return
        if self._waiting:
            target = self._find(step.target)
            if target is not None:
                self._show(self.index, target)
            return
        target = self.target
        if target is not None and shiboken6.isValid(target) and _on_screen(target, self.shell):
            self._place()
            return
        # The control went away without being tapped (the senior went back a step
        # inside the plugin, or the plugin moved on by itself): point at the latest
        # step before it whose control is on screen, else the next one that is.
        order = [*range(self.index, -1, -1), *range(self.index + 1, len(self.steps))]
        for index in order:
            found = self._find(self.steps[index].target)
            if found is not None:
                self._show(index, found)
                return
        self.target = None
        self.arrow.hide()

    def _place(self) -> None:
        target = self.target
        if target is None or not shiboken6.isValid(target):
            return
        rect = _on_screen(target, self.shell)
        if rect is None:
            return
        area = self.shell.rect()
        panel = self._place_panel(rect)
        self.arrow.point_at(rect, area, [panel, self._bar_rect()])
        self.panel.raise_()

    def _bar_rect(self) -> QRect:
        bar = self.shell.findChild(QWidget, "bar")
        if bar is None:
            return QRect()
        return QRect(bar.mapTo(self.shell, QPoint(0, 0)), bar.size())

    def _place_panel(self, target: QRect) -> QRect:
        """Over the header, or just above the bar when the control is up there; never
        over Home, Back and Help me."""
        shell = self.shell
        margin = 8
        width = shell.width() - 2 * margin
        height = self.panel.height_at(width)
        bar = self._bar_rect()
        bottom = bar.top() if not bar.isEmpty() else shell.height()
        height = min(height, bottom - 2 * margin)
        ring = target.adjusted(-_RING_GAP, -_RING_GAP, _RING_GAP, _RING_GAP)
        top_place = QRect(margin, margin, width, height)
        low_place = QRect(margin, bottom - margin - height, width, height)
        over_top = top_place.intersected(ring)
        over_low = low_place.intersected(ring)
        area_top = over_top.width() * over_top.height() if not over_top.isEmpty() else 0
        area_low = over_low.width() * over_low.height() if not over_low.isEmpty() else 0
        chosen = top_place if area_top <= area_low else low_place
        if self.panel.geometry() != chosen:
            self.panel.setGeometry(chosen)
        self.panel.show()
        self.panel.raise_()
        return chosen

    def _screen_changed(self, _title: str) -> None:
        if self._ended:
            return
        if not self._belongs(self.shell.stack.currentWidget()):
            self.stop("left")
            return
        self._relocate.start()

    # -- taps on the step's control ---------------------------------------------------------

    def _watch(self, target: str) -> None:
        self._unwatch()
        for widget in self.shell.findChildren(QAbstractButton):
            if not self._own(widget) and matches(widget, target):
                widget.clicked.connect(self._tapped)
                self._watched.append(widget)

    def _unwatch(self) -> None:
        for button in self._watched:
            if shiboken6.isValid(button):
                try:
                    button.clicked.disconnect(self._tapped)
                except (RuntimeError, TypeError):
                    pass
        self._watched = []
        self._pressed = None

    def _step_control(self, widget: QWidget) -> QWidget | None:
        """``widget`` or the ancestor of it that the step points at, unless it is a
        button (a button's own click says when it was really tapped)."""
        step = self.current()
        if step is None or self._waiting:
            return None
        current: QWidget | None = widget
        while current is not None and current is not self.shell:
            if matches(current, step.target):
                return None if isinstance(current, QAbstractButton) else current
            current = current.parentWidget()
        return None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._ended or not isinstance(watched, QWidget):
            return False
        kind = event.type()
        if kind in _LAYOUT_EVENTS:
            # The panel's own new size (its words wrapped anew) moves it too.
            mine = self._own(watched) and not (
                watched is self.panel and kind == QEvent.Type.LayoutRequest
            )
            if watched.window() is self.shell and not mine:
                self._relocate.start()
            return False
        if kind == QEvent.Type.MouseButtonPress and watched.window() is self.shell:
            control = self._step_control(watched)
            if control is not None:
                self._pressed = control
        elif kind == QEvent.Type.MouseButtonRelease and self._pressed is not None:
            control = self._step_control(watched)
            if control is not None and control is self._pressed:
                self._tapped()
            self._pressed = None
        elif (
            kind == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in _ACTIVATING_KEYS
            and watched.window() is self.shell
            and self._step_control(watched) is not None
        ):
            self._tapped()
        return False
