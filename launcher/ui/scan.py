"""One-switch scanning, for people who cannot aim at a target.

When ``scan.enabled`` is on, a thick highlight steps through the controls of the screen,
one every ``scan.step_ms``, and each is read aloud as it is highlighted. One switch does
everything: Space, Enter, or a click or touch anywhere on the window activates the
highlighted control. Most switch adapters send one of these.

The order is the screen's reading order (its controls first, then the bar's Home, Back,
Read to me and Help me), so the same words come in the same order as "Read to me" says
them. After ``scan.rounds`` rounds without a press the highlight rests, so it does not
talk forever to an empty room; the next press starts it again from the first control.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QEvent, QObject, QRect, Qt, QTimer
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget

from launcher.ui.kit import KitButton, touch_policy
from launcher.ui.navigation import bring_into_view

if TYPE_CHECKING:
    from launcher.ui.shell import ShellWindow

log = logging.getLogger("leling.ui")

#: The keys a switch adapter sends; any of them is "the switch".
SWITCH_KEYS = frozenset({Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Select})

_MOUSE_EVENTS = frozenset(
    {
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonRelease,
        QEvent.Type.MouseButtonDblClick,
    }
)


class ScanHighlight(QWidget):
    """A thick ring around the control the scan is on, drawn above everything.

    The ring is the theme's focus colour between two thin lines of its background
    colour, so it stands out on a tile, on the bar and on the screen behind alike.
    """

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("scanHighlight")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.ring = QColor("#000000")
        self.edge = QColor("#FFFFFF")
        self.width_px = 8
        self.target: QWidget | None = None
        self.hide()

    def set_colours(self, ring: str, edge: str, width_px: int) -> None:
        self.ring, self.edge, self.width_px = QColor(ring), QColor(edge), width_px
        self.update()

    def surround(self, target: QWidget | None) -> None:
        """Put the ring around ``target``, or take it away (None)."""
        self.target = target
        if target is None:
            self.hide()
            return
        window = self.parentWidget()
        assert window is not None
        grow = self.width_px + 2
        rect = QRect(target.mapTo(window, target.rect().topLeft()), target.size())
        self.setGeometry(rect.adjusted(-grow, -grow, grow, grow).intersected(window.rect()))
        self.show()
        self.raise_()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        half = self.width_px // 2 + 2
        ring = self.rect().adjusted(half, half, -half, -half)
        painter.setPen(QPen(self.edge, self.width_px + 4))
        painter.drawRoundedRect(ring, 12, 12)
        painter.setPen(QPen(self.ring, self.width_px))
        painter.drawRoundedRect(ring, 12, 12)
        painter.end()


def activate_control(widget: QWidget) -> bool:
    """Activate ``widget`` as a deliberate tap would (the double-tap rule still holds).

    A control that is not a button (a plugin's card, a field) gets the focus and an
    Enter, which is how the keyboard activates it.
    """
    if isinstance(widget, KitButton):
        return widget.activate()
    if isinstance(widget, QAbstractButton):
        widget.click()
        return True
    widget.setFocus(Qt.FocusReason.OtherFocusReason)
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(
            widget, QKeyEvent(kind, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier, "\r")
        )
    return True


class SwitchScanner(QObject):
    """The scanning highlight of one shell window (see the module's description)."""

    def __init__(self, shell: ShellWindow) -> None:
        super().__init__(shell)
        self.shell = shell
        self.highlight = ScanHighlight(shell)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.step)
        self.enabled = False
        self.resting = False
        self.step_ms = 1500
        self.rounds = 3
        self.current: QWidget | None = None
        self._idle_rounds = 0
        self._last_press = -1e9
        self._passing_on = False
        shell.screen_changed.connect(self._screen_changed)

    # -- settings -------------------------------------------------------------------------

    def configure(self) -> None:
        """Follow the ``scan.*`` settings and the theme; turns scanning on or off."""
        scan = self.shell.instance.settings.get("scan", {})
        self.step_ms = int(scan.get("step_ms", 1500))
        self.rounds = int(scan.get("rounds", 3))
        self.timer.setInterval(self.step_ms)
        theme = self.shell.instance.load_theme()
        width = self.shell.metrics.focus * 2 if self.shell.metrics is not None else 8
        self.highlight.set_colours(theme.colors["focus"], theme.colors["background"], width)
        wanted = bool(scan.get("enabled", False))
        if wanted and not self.enabled:
            self._start()
        elif not wanted and self.enabled:
            self._stop()

    def _start(self) -> None:
        self.enabled = True
        app = QApplication.instance()
        assert app is not None
        # Only while scanning: a filter on every event of the application is not free.
        app.installEventFilter(self)
        self._restart()

    def _stop(self) -> None:
        self.enabled = False
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.timer.stop()
        self.current = None
        self.resting = False
        self.highlight.surround(None)

    def close(self) -> None:
        if self.enabled:
            self._stop()

    # -- stepping -------------------------------------------------------------------------

    def controls(self) -> list[QWidget]:
        """What the highlight steps through on this screen, in reading order."""
        from launcher.ui.inspect import inspect_window

        report = inspect_window(self.shell, colours=False)
        return [
            element.widget
            for element in report.walk()
            if element.interactive and element.widget is not None
        ]

    def step(self) -> None:
        """Move the highlight on to the next control and read it aloud."""
        controls = self.controls()
        if not controls:
            self.highlight.surround(None)
            return
        position = next((n + 1 for n, widget in enumerate(controls) if widget is self.current), 0)
        if position >= len(controls):
            position = 0
            self._idle_rounds += 1
            if self._idle_rounds >= self.rounds:
                self._rest()
                return
        self._highlight(controls[position])

    def _highlight(self, widget: QWidget) -> None:
        self.current = widget
        bring_into_view(widget)
        self.highlight.surround(widget)
        self.shell.voice.say_widget(widget)

    def _rest(self) -> None:
        self.resting = True
        self.timer.stop()
        self.current = None
        self.highlight.surround(None)
        self.shell.voice.say(self.shell.instance.translator.tr("scan.resting"))

    def _restart(self) -> None:
        """Begin again at the top of the screen, one step from now."""
        self.resting = False
        self._idle_rounds = 0
        self.current = None
        self.highlight.surround(None)
        self.timer.start(self.step_ms)

    def _screen_changed(self, _title: str) -> None:
        if self.enabled:
            # The new screen announces its title first; the highlight follows a step later.
            self._restart()

    # -- the switch -----------------------------------------------------------------------

    def press(self) -> None:
        """The switch was pressed: activate the highlighted control, or wake the scan."""
        policy = touch_policy()
        now = policy.clock()
        if (now - self._last_press) * 1000 < policy.repeat_ms:
            return  # a bounce or a tremor of the same press
        self._last_press = now
        if self.resting or self.current is None or not shiboken6.isValid(self.current):
            self._restart()
            self.timer.stop()
            self.step()
            self.timer.start(self.step_ms)
            return
        target = self.current
        self._idle_rounds = 0
        # The next step comes a whole step after the press, whatever the timer had left.
        self.timer.start(self.step_ms)
        self._passing_on = True
        try:
            activate_control(target)
        finally:
            self._passing_on = False
        if shiboken6.isValid(target) and target.isVisible() and target is self.current:
            self.highlight.surround(target)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._passing_on or not isinstance(watched, QWidget):
            return False
        if watched.window() is not self.shell:
            return False
        kind = event.type()
        if kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            assert isinstance(event, QKeyEvent)
            if event.key() not in SWITCH_KEYS:
                return False
            if kind == QEvent.Type.KeyPress and not event.isAutoRepeat():
                self.press()
            return True
        if kind in _MOUSE_EVENTS:
            if kind == QEvent.Type.MouseButtonPress:
                self.press()
            return True
        return False
