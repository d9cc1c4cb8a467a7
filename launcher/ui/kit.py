"""The senior widget kit: big targets, big text, theme colours, contained failures.

Sizes follow the theme's base size and the text scale through the application style
sheet (see :mod:`launcher.ui.style`); widgets only say which role they play.

Every kit button shares one accidental-touch guard (:class:`KitButton`), configured once
for the whole application with :func:`configure_touch`.
"""

from __future__ import annotations

import logging
import math
import sys
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from enum import Enum
from types import TracebackType

from PySide6.QtCore import QEvent, QObject, QPointF, QRect, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QFocusEvent,
    QFont,
    QHideEvent,
    QIcon,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QShowEvent,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QStyleOptionButton,
    QVBoxLayout,
    QWidget,
)

from launcher.ui.style import MIN_TARGET_PX

log = logging.getLogger("leling.ui")

#: Smallest touch target at 100 % scale, in logical pixels.
MIN_TARGET = MIN_TARGET_PX

_translate: Callable[..., str] = lambda key, **values: key  # noqa: E731 (the shell sets it)


def set_translator(translate: Callable[..., str]) -> None:
    """The shell hands the kit its translator (``Translator.tr``: a key and ``{name}``
    values in, text in the current language out), so kit widgets speak that language."""
    global _translate
    _translate = translate


def kit_text(key: str, /, **values: object) -> str:
    """A message from the shell's catalogue (``kit.*`` keys) in the current language."""
    return _translate(key, **values)


ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def current_exception() -> ExcInfo:
    """``sys.exc_info()`` inside an ``except`` block, typed as always present."""
    kind, value, tb = sys.exc_info()
    assert kind is not None and value is not None
    return kind, value, tb


def report_failure(widget: QWidget | None, exc_info: ExcInfo | None = None) -> None:
    """Hand a plugin's exception to the screen that hosts it.

    Walks up from ``widget`` to the first ancestor that knows how to handle plugin
    failures (the shell's plugin frame); without one, the exception is only logged.
    """
    info = exc_info or current_exception()
    current = widget
    while current is not None:
        handler = getattr(current, "handle_plugin_failure", None)
        if callable(handler):
            handler(info)
            return
        current = current.parentWidget()
    log.error("plugin failure outside a plugin screen", exc_info=info)


def _set_role(widget: QWidget, role: str) -> None:
    _set_style_property(widget, "role", role)


def _set_style_property(widget: QWidget, name: str, value: object) -> None:
    """Change a property the style sheet selects on, and restyle the widget."""
    widget.setProperty(name, value)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def wrap_text(text: str, font: QFont, width: int) -> str:
    """``text`` broken into lines no wider than ``width`` px: at words, CJK at characters.

    A single word wider than ``width`` is broken anywhere rather than cut off.
    """
    if width <= 0:
        return text
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        layout = QTextLayout(paragraph, font)
        layout.setTextOption(option)
        layout.beginLayout()
        while True:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(width)
            start = line.textStart()
            lines.append(paragraph[start : start + line.textLength()].rstrip())
        layout.endLayout()
    return "\n".join(lines)


# -- accidental-touch guard -----------------------------------------------------------


@dataclass(frozen=True)
class TouchPolicy:
    """How every kit button tells a deliberate tap from an accidental one.

    The shell builds one from the ``touch.*`` settings and hands it to
    :func:`configure_touch`; it applies at once to every kit button, old and new.
    """

    #: A second activation of the same button this soon after the last one is ignored
    #: (a double tap counts once). Keyboard activations count too; the Yes and No of a
    #: :class:`ConfirmScreen`, and the rows of a :class:`ChoiceList`, count as one button.
    repeat_ms: int = 400
    #: A press whose finger wanders further than this before lifting does not activate:
    #: it was a slip or a drag, not a tap. Logical px on a 96-dpi screen; denser screens
    #: scale it so it stays about 6 mm under the finger.
    tremor_px: float = 24.0
    #: A press that follows a release this quickly is a bounce of the same finger.
    bounce_ms: int = 80
    #: When on, a touch activates only after being held ``hold_ms``; it then activates on
    #: its own, while still held, and the button shows a bar filling up meanwhile.
    hold_to_activate: bool = False
    hold_ms: int = 800
    #: Monotonic seconds. Tests replace it to drive time without waiting.
    clock: Callable[[], float] = time.monotonic


_policy = TouchPolicy()
#: Until when (on the policy's clock) every kit button ignores taps.
_quiet_until = -math.inf


def configure_touch(policy: TouchPolicy) -> None:
    """Use ``policy`` for every kit button from now on.

    The shell calls this at start and whenever the ``touch.hold_to_activate`` or
    ``touch.hold_ms`` setting changes, e.g.::

        configure_touch(TouchPolicy(hold_to_activate=touch["hold_to_activate"],
                                    hold_ms=touch["hold_ms"]))

    A press already under way finishes under the policy it started with.
    """
    global _policy, _quiet_until
    _policy = policy
    # A quiet period was measured on the old policy's clock.
    _quiet_until = -math.inf


def touch_policy() -> TouchPolicy:
    """The policy kit buttons follow now."""
    return _policy


class _Press(Enum):
    IDLE = "idle"
    #: A finger is down and may still activate the button.
    DOWN = "down"
    #: A finger is down but this press will not activate (bounce, tremor, hold done).
    SPENT = "spent"


class _ActivationMemory:
    """When a button (or a group of buttons that answer one question) last activated."""

    __slots__ = ("last",)

    def __init__(self) -> None:
        self.last = -math.inf


_touch_listeners: list[Callable[[QWidget], None]] = []


def add_touch_listener(listener: Callable[[QWidget], None]) -> None:
    """Call ``listener(button)`` whenever a finger comes down on any kit button.

    The shell uses it to read a control aloud on first touch, before it activates.
    """
    _touch_listeners.append(listener)


def remove_touch_listener(listener: Callable[[QWidget], None]) -> None:
    if listener in _touch_listeners:
        _touch_listeners.remove(listener)


def quiet_after_screen_change() -> None:
    """Ignore every kit button for ``repeat_ms`` from now.

    The shell calls this when the screen changes, so the second tap of a double tap on a
    tile cannot land on whatever button the new screen has under the finger.
    """
    global _quiet_until
    _quiet_until = _policy.clock() + _policy.repeat_ms / 1000


def share_activation_guard(buttons: Sequence[KitButton]) -> None:
    """Make ``buttons`` count as one for the double-tap rule.

    For buttons that answer one question (Yes and No): a quick second tap that lands on
    the other answer is as accidental as one that lands on the same.
    """
    memory = _ActivationMemory()
    for button in buttons:
        button._memory = memory


_ARROW_KEYS = frozenset({Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down})


class KitButton(QPushButton):
    """A push button with the kit's accidental-touch guard (see :class:`TouchPolicy`).

    ``clicked`` is emitted only for a deliberate activation: a tap that stays put, a
    completed hold when hold-to-activate is on, Enter/Return/Space when focused, or
    :meth:`click` from code. ``first_touch`` is emitted when a finger comes down, before
    any activation, so the control can be read aloud on first touch.
    """

    first_touch = Signal()

    #: How often a hold in progress checks the clock and redraws its bar.
    HOLD_TICK_MS = 16

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._memory = _ActivationMemory()
        self._press = _Press.IDLE
        self._press_origin = QPointF()
        self._press_at = 0.0
        self._press_holds = False
        self._press_policy = _policy
        self._last_release = -math.inf
        self._hold_progress = 0.0
        # Made on the first hold: most buttons are never held, and every widget costs
        # at start-up and again whenever the style sheet changes (text size, theme).
        self._hold_timer: QTimer | None = None
        self._hold_bar: QFrame | None = None

    # -- what tests and the voice feature may read --------------------------------------

    @property
    def hold_progress(self) -> float:
        """0 to 1 while a hold-to-activate press is under way; 0 otherwise."""
        return self._hold_progress

    # -- mouse and touch (Qt turns touches into these) ---------------------------------

    def mousePressEvent(self, e: QMouseEvent) -> None:
        if e.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(e)
            return
        e.accept()
        policy = _policy
        now = policy.clock()
        self._press_policy = policy
        if (now - self._last_release) * 1000 < policy.bounce_ms:
            self._press = _Press.SPENT
            return
        self._press = _Press.DOWN
        self._press_origin = e.globalPosition()
        self._press_at = now
        self._press_holds = policy.hold_to_activate
        self.first_touch.emit()
        for listener in list(_touch_listeners):
            listener(self)
        if self._press != _Press.DOWN:
            return  # a first_touch handler moved on (hid or replaced the button)
        self.setDown(True)
        self.pressed.emit()
        if self._press_holds:
            self._set_hold_progress(0.0)
            self._hold_timer_started()

    def mouseDoubleClickEvent(self, e: QMouseEvent) -> None:
        # A double click is just a second press; the double-tap rule decides about it.
        # Qt may deliver it right after that press, which was already handled.
        if self._press != _Press.IDLE:
            e.accept()
            return
        self.mousePressEvent(e)

    def mouseMoveEvent(self, e: QMouseEvent) -> None:
        if self._press == _Press.IDLE:
            super().mouseMoveEvent(e)
            return
        e.accept()
        if self._press == _Press.DOWN and self._moved_too_far(e.globalPosition()):
            self._cancel_press()

    def mouseReleaseEvent(self, e: QMouseEvent) -> None:
        if e.button() != Qt.MouseButton.LeftButton:
            super().mouseReleaseEvent(e)
            return
        e.accept()
        press, self._press = self._press, _Press.IDLE
        self._last_release = self._press_policy.clock()
        self._stop_hold()
        if press == _Press.IDLE:
            return
        was_down = self.isDown()
        self.setDown(False)
        if was_down:
            self.released.emit()
        # Leaving the button's edge by a wobble still counts: only the distance matters.
        if press == _Press.DOWN and not self._press_holds:
            if not self._moved_too_far(e.globalPosition()):
                self._activate()

    def _moved_too_far(self, position: QPointF) -> bool:
        offset = position - self._press_origin
        return math.hypot(offset.x(), offset.y()) > self.tremor_threshold()

    def tremor_threshold(self) -> float:
        """How far, in logical px, a finger may wander on this button and still tap."""
        factor = 1.0
        screen = self.screen()
        if screen is not None:
            per_inch = screen.physicalDotsPerInch() / max(screen.devicePixelRatio(), 1.0)
            # Physical sizes reported by screens are sometimes nonsense; stay near 24 px.
            factor = min(2.0, max(1.0, per_inch / 96))
        return self._press_policy.tremor_px * factor

    def _cancel_press(self) -> None:
        self._press = _Press.SPENT
        self._stop_hold()
        if self.isDown():
            self.setDown(False)
            self.released.emit()

    # -- hold to activate ---------------------------------------------------------------

    def _hold_tick(self) -> None:
        if self._press != _Press.DOWN or not self._press_holds:
            self._stop_hold()
            return
        policy = self._press_policy
        elapsed_ms = (policy.clock() - self._press_at) * 1000
        self._set_hold_progress(min(1.0, elapsed_ms / max(1, policy.hold_ms)))
        if elapsed_ms >= policy.hold_ms:
            self._press = _Press.SPENT
            self._stop_hold()
            self.setDown(False)
            self.released.emit()
            self._activate()

    def _hold_timer_started(self) -> None:
        if self._hold_timer is None:
            self._hold_timer = QTimer(self)
            self._hold_timer.setInterval(self.HOLD_TICK_MS)
            self._hold_timer.timeout.connect(self._hold_tick)
        self._hold_timer.start()

    def _stop_hold(self) -> None:
        if self._hold_timer is not None:
            self._hold_timer.stop()
        self._set_hold_progress(0.0)

    def _set_hold_progress(self, progress: float) -> None:
        self._hold_progress = progress
        if self._hold_bar is None:
            if progress <= 0:
                return
            self._hold_bar = QFrame(self)
            self._hold_bar.setObjectName("holdProgress")
            self._hold_bar.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._hold_bar.setVisible(progress > 0)
        self._place_hold_bar()

    def _place_hold_bar(self) -> None:
        if self._hold_bar is None or not self._hold_bar.isVisible():
            return
        # A thick bar along the bottom edge, inside the border and clear of the corners.
        inset = max(10, self.height() // 10)
        thickness = max(10, self.height() // 7)
        full = max(0, self.width() - 2 * inset)
        self._hold_bar.setGeometry(
            inset,
            self.height() - inset // 2 - thickness,
            round(full * self._hold_progress),
            thickness,
        )
        self._hold_bar.raise_()

    # -- keyboard -----------------------------------------------------------------------

    def keyPressEvent(self, e: QKeyEvent) -> None:
        key = e.key()
        if key in _ARROW_KEYS:
            # The window moves the focus to the nearest control that way (see
            # launcher.ui.navigation); a button alone would only step along the Tab order.
            e.ignore()
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Select):
            e.accept()
            if not e.isAutoRepeat():
                self._activate()
            return
        if key == Qt.Key.Key_Space:
            e.accept()
            if not e.isAutoRepeat():
                self.setDown(True)
            return
        super().keyPressEvent(e)

    def keyReleaseEvent(self, e: QKeyEvent) -> None:
        if e.key() == Qt.Key.Key_Space:
            e.accept()
            if not e.isAutoRepeat() and self.isDown():
                self.setDown(False)
                self._activate()
            return
        super().keyReleaseEvent(e)

    # -- the one way in -----------------------------------------------------------------

    def activate(self) -> bool:
        """Activate as a deliberate tap does: ``clicked`` is emitted unless this button
        (or its group) activated within ``repeat_ms`` or the screen just changed.
        Returns whether it activated. The one-switch scan activates buttons this way."""
        return self._activate()

    def _activate(self) -> bool:
        """Click unless this button (or its group) activated within ``repeat_ms``."""
        policy = _policy
        now = policy.clock()
        if now < _quiet_until or (now - self._memory.last) * 1000 < policy.repeat_ms:
            return False
        self._memory.last = now
        self.click()
        return True

    # -- housekeeping -------------------------------------------------------------------

    def resizeEvent(self, e: QResizeEvent) -> None:
        super().resizeEvent(e)
        self._place_hold_bar()

    def hideEvent(self, e: QHideEvent) -> None:
        # A screen change mid-press must not leave a hold running behind it.
        if self._press != _Press.IDLE:
            self._cancel_press()
        super().hideEvent(e)

    def focusOutEvent(self, e: QFocusEvent) -> None:
        # Qt lets go of a pressed button that loses the focus (a window popped up, the
        # screen changed); a hold must not then finish on its own.
        if self._press != _Press.IDLE and e.reason() != Qt.FocusReason.PopupFocusReason:
            self._cancel_press()
        super().focusOutEvent(e)

    def changeEvent(self, e: QEvent) -> None:
        if e.type() == QEvent.Type.EnabledChange and not self.isEnabled():
            if self._press != _Press.IDLE:
                self._cancel_press()
        super().changeEvent(e)


# -- labels and buttons ---------------------------------------------------------------


class BigLabel(QLabel):
    """Large, wrapping text. ``role``: ``body`` (default), ``title``, ``huge``, ``caption``."""

    def __init__(self, text: str = "", role: str = "body", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(role != "huge")
        self.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.setProperty("role", role)

    def set_role(self, role: str) -> None:
        _set_role(self, role)


class BigButton(KitButton):
    """A button at least 72×72 px with large text. ``role``: ``normal``, ``primary``, ``danger``.

    Long text wraps onto more lines (at words; Chinese at characters) and the button grows
    taller instead of cutting it off. It has the kit's accidental-touch guard.
    """

    def __init__(
        self,
        text: str = "",
        role: str = "normal",
        icon: QIcon | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._full_text = ""
        self._wrap_stale = False
        self.setProperty("role", role)
        self.setMinimumSize(MIN_TARGET, MIN_TARGET)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        if icon is not None:
            self.setIcon(icon)
            self.setIconSize(QSize(48, 48))
        self.setText(text)

    def set_role(self, role: str) -> None:
        _set_role(self, role)

    def text(self) -> str:
        """The text as given, without the line breaks added to fit the width."""
        return self._full_text

    def setText(self, text: str) -> None:
        self._full_text = text
        self.setAccessibleName(text)
        self._rewrap()

    def shown_text(self) -> str:
        """The text as drawn: wrapped to the current width."""
        self._wrap_if_stale()
        return QPushButton.text(self).replace("&&", "&")

    def _wrap_if_stale(self) -> None:
        if self._wrap_stale:
            self._wrap_stale = False
            self._rewrap()

    def _chrome(self) -> QSize:
        """Border, padding and icon around the text, at the widest border (when focused)."""
        self.ensurePolished()
        option = QStyleOptionButton()
        self.initStyleOption(option)
        option.state |= QStyle.StateFlag.State_HasFocus
        icon_width = 0
        if not self.icon().isNull():
            icon_width = self.iconSize().width() + 4
        size = self.style().sizeFromContents(
            QStyle.ContentsType.CT_PushButton, option, QSize(0, 0), self
        )
        return QSize(size.width() + icon_width, size.height())

    def _wrap_width(self, width: int) -> int:
        return width - self._chrome().width()

    def _rewrap(self) -> None:
        # Before a layout has sized the button its width means nothing; show one line.
        shown = self._full_text
        if self.testAttribute(Qt.WidgetAttribute.WA_Resized):
            shown = wrap_text(self._full_text, self.font(), self._wrap_width(self.width()))
        # "&" would otherwise mark a keyboard shortcut and vanish from the text.
        escaped = shown.replace("&", "&&")
        if escaped != QPushButton.text(self):
            QPushButton.setText(self, escaped)
            self.updateGeometry()

    def _size_for(self, shown: str) -> QSize:
        self.ensurePolished()
        option = QStyleOptionButton()
        self.initStyleOption(option)
        option.state |= QStyle.StateFlag.State_HasFocus
        text = self.fontMetrics().size(Qt.TextFlag.TextExpandTabs, shown or " ")
        width, height = text.width(), text.height()
        if not self.icon().isNull():
            width += self.iconSize().width() + 4
            height = max(height, self.iconSize().height())
        size = self.style().sizeFromContents(
            QStyle.ContentsType.CT_PushButton, option, QSize(width, height), self
        )
        return size.expandedTo(QSize(MIN_TARGET, MIN_TARGET))

    def height_for_width(self, width: int) -> int:
        """The height this button needs when it is ``width`` px wide."""
        shown = wrap_text(self._full_text, self.font(), self._wrap_width(width))
        return self._size_for(shown).height()

    def sizeHint(self) -> QSize:
        # The width asks for the text on one line (so widths stay stable while wrapping);
        # the height is what the text needs as wrapped now.
        one_line = self._size_for(self._full_text)
        wrapped = self._size_for(self.shown_text())
        return QSize(one_line.width(), wrapped.height())

    def minimumSizeHint(self) -> QSize:
        widest_word = max(
            (self.fontMetrics().horizontalAdvance(word) for word in self._full_text.split()),
            default=0,
        )
        width = min(self.sizeHint().width(), widest_word + self._chrome().width())
        return QSize(max(MIN_TARGET, width), self.sizeHint().height())

    def resizeEvent(self, e: QResizeEvent) -> None:
        super().resizeEvent(e)
        if e.size().width() != e.oldSize().width():
            self._rewrap()

    def changeEvent(self, e: QEvent) -> None:
        super().changeEvent(e)
        if e.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            # A new text size or theme sends both to every button, one after the other:
            # wrap once, when the layout or the painter next needs the text.
            self._wrap_stale = True
            self.updateGeometry()

    def paintEvent(self, e: QPaintEvent) -> None:
        self._wrap_if_stale()
        super().paintEvent(e)


class TileButton(KitButton):
    """A home-screen style tile: a large icon above a label that wraps instead of eliding.

    ``set_unavailable(True)`` shows it calmly greyed with a second line such as "not
    available right now" (``set_note``); it stays tappable so the senior gets an
    explanation. It has the kit's accidental-touch guard.
    """

    #: Smaller than this (px), an icon is a speck: the tile shows its words alone.
    SMALLEST_ICON = 40

    def __init__(self, text: str = "", icon: QIcon | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(MIN_TARGET * 2, MIN_TARGET * 2)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setProperty("role", "tile")
        self._icon = icon
        layout = QBoxLayout(QBoxLayout.Direction.TopToBottom, self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(8)
        self.icon_label = QLabel(self)
        self.icon_label.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.icon_label.setVisible(icon is not None)
        self.text_label = QLabel(text, self)
        self.text_label.setObjectName("tileText")
        self.text_label.setWordWrap(True)
        self.text_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note_label = QLabel("", self)
        self.note_label.setObjectName("tileNote")
        self.note_label.setWordWrap(True)
        self.note_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note_label.setVisible(False)
        for label in (self.icon_label, self.text_label, self.note_label):
            # Taps go to the button underneath, wherever they land.
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        layout.addStretch(1)
        layout.addWidget(self.icon_label, 3)
        layout.addWidget(self.text_label)
        layout.addWidget(self.note_label)
        layout.addStretch(1)
        self.setAccessibleName(text)

    def sizeHint(self) -> QSize:
        # The grid shares its room out evenly; the icon and words are then fitted to the
        # tile (see _fit_icon). A hint from the content would make rows differ in height
        # with whatever each icon ends up as.
        return QSize(MIN_TARGET * 2, MIN_TARGET * 2)

    def minimumSizeHint(self) -> QSize:
        # Likewise: an icon fitted to a taller tile must not keep the tile tall when the
        # room shrinks (a banner appears); the icon is fitted again at the new size.
        return QSize(MIN_TARGET * 2, MIN_TARGET * 2)

    def hasHeightForWidth(self) -> bool:
        # The wrapping name would otherwise ask the grid for its own row height.
        return False

    def text(self) -> str:
        return self.text_label.text()

    def setText(self, text: str) -> None:
        self.text_label.setText(text)
        self.setAccessibleName(text)

    def set_note(self, note: str) -> None:
        self.note_label.setText(note)
        self.note_label.setVisible(bool(note))

    def set_unavailable(self, unavailable: bool) -> None:
        _set_role(self, "tile-unavailable" if unavailable else "tile")
        for label in (self.text_label, self.note_label):
            label.setProperty("unavailable", unavailable)
            _set_role(label, label.property("role") or "")

    @property
    def unavailable(self) -> bool:
        return bool(self.property("role") == "tile-unavailable")

    def resizeEvent(self, e: QResizeEvent) -> None:
        super().resizeEvent(e)
        if self._icon is not None:
            self._fit_icon()

    def _fit_icon(self) -> None:
        assert self._icon is not None
        # The words come first. The icon sits above them, at most about half the tile's
        # height; in a tile too short for that (big text on a full grid) it moves beside
        # them, and steps aside altogether rather than squeeze the words until they are
        # cut off.
        layout = self.layout()
        assert isinstance(layout, QBoxLayout)
        margins = layout.contentsMargins()
        gap = layout.spacing()
        width = self.width() - margins.left() - margins.right()
        height = self.height() - margins.top() - margins.bottom()
        above = min(self.width() // 2, int(self.height() * 0.45))
        above = min(above, height - self._words_height(width) - gap)
        # Beside the words the icon takes the width the name leaves on one line.
        name_width = self.text_label.fontMetrics().horizontalAdvance(self.text_label.text())
        beside = min(int(height * 0.85), width - gap - name_width)
        direction = QBoxLayout.Direction.TopToBottom
        if above >= self.SMALLEST_ICON * 1.5:
            side = above
        elif beside >= self.SMALLEST_ICON and self._words_height(width - beside - gap) <= height:
            side = beside
            direction = QBoxLayout.Direction.LeftToRight
        else:
            side = max(above, 0)
        across = direction == QBoxLayout.Direction.LeftToRight
        if layout.direction() != direction:
            layout.setDirection(direction)
            # Above the words the icon takes the spare height; beside them, its width.
            layout.setStretchFactor(self.icon_label, 0 if across else 3)
        if side < self.SMALLEST_ICON:
            self.icon_label.hide()
            return
        self.icon_label.show()
        self.icon_label.setPixmap(self._icon.pixmap(QSize(side, side)))

    def smallest_height(self, width: int) -> int:
        """The least height at which this tile, ``width`` px wide, still shows its whole
        name with its icon beside it (a full grid at large text)."""
        layout = self.layout()
        assert isinstance(layout, QBoxLayout)
        margins = layout.contentsMargins()
        inner = width - margins.left() - margins.right() - self.SMALLEST_ICON - layout.spacing()
        content = max(self._words_height(max(1, inner)), self.SMALLEST_ICON)
        # The grid never squeezes a tile below its minimum size hint.
        least = max(MIN_TARGET, self.minimumHeight(), self.minimumSizeHint().height())
        return max(least, content + margins.top() + margins.bottom())

    def _words_height(self, width: int) -> int:
        """How tall the name (and the note, if any) are at ``width`` px wide."""
        height = self.text_label.heightForWidth(width)
        if self.note_label.text():
            layout = self.layout()
            gap = layout.spacing() if layout is not None else 0
            height += gap + self.note_label.heightForWidth(width)
        return height


class Screen(QWidget):
    """A plugin screen: a column of kit widgets with generous spacing."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "screen")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(24, 16, 24, 16)
        self._layout.setSpacing(20)

    def add(self, widget: QWidget, stretch: int = 0) -> QWidget:
        """Add a widget below the others; returns it."""
        self._layout.addWidget(widget, stretch)
        return widget

    def add_row(self, *widgets: QWidget, stretches: Sequence[int] = ()) -> QWidget:
        """Add widgets side by side in one row; returns the row.

        ``stretches`` gives each widget its share of the width (default: equal shares).
        """
        row = QWidget(self)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(20)
        for index, widget in enumerate(widgets):
            layout.addWidget(widget, stretches[index] if index < len(stretches) else 0)
        self._layout.addWidget(row)
        return row

    def add_stretch(self) -> None:
        """Push what follows to the bottom."""
        self._layout.addStretch(1)


class Canvas(QWidget):
    """A widget a plugin paints itself: override :meth:`paint`.

    If :meth:`paint` raises, the canvas stops painting and the plugin's screen turns into
    the calm "not available" screen; the traceback goes to the log.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._failed = False
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def paint(self, painter: QPainter, rect: QRect) -> None:
        """Draw into ``rect`` with ``painter`` (already begun, antialiased)."""

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._failed:
            return
        painter = QPainter(self)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            self.paint(painter, self.rect())
        except Exception:
            self._failed = True
            report_failure(self)
        finally:
            painter.end()


#: The QR code's side in px: phones read it from a metre away, and it leaves room for
#: the words above it at 200 % text.
QR_SIDE = 240


class QrCanvas(Canvas):
    """A QR code drawn square and as large as it fits, black on white with a quiet zone
    (phones read it from a metre away). ``text`` is what it encodes, usually a link."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        import qrcode  # only when a QR code is shown

        code = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
        code.add_data(text)
        code.make(fit=True)
        self.matrix: list[list[bool]] = code.get_matrix()
        self.text = text
        self.setMinimumSize(QR_SIDE, QR_SIDE)

    def paint(self, painter: QPainter, rect: QRect) -> None:
        cells = len(self.matrix)
        cell = max(1, min(rect.width(), rect.height()) // cells)
        side = cell * cells
        left = rect.x() + (rect.width() - side) // 2
        top = rect.y() + (rect.height() - side) // 2
        from PySide6.QtGui import QColor  # not needed before a QR code is shown

        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.fillRect(left, top, side, side, QColor("#FFFFFF"))
        black = QColor("#000000")
        for row, cells_in_row in enumerate(self.matrix):
            for column, dark in enumerate(cells_in_row):
                if dark:
                    painter.fillRect(left + column * cell, top + row * cell, cell, cell, black)


class HugeText(Canvas):
    """A few characters drawn as large as the space allows: a clock, the seconds of a
    countdown, a number to dial, a car's plate. Readable from across the room.

    ``template`` (e.g. ``"00:00"``) sizes the text instead of the text itself, so a
    clock's digits do not grow and shrink as they change. The text is its accessible
    name, so the shell reads it aloud and screen readers find it.
    """

    def __init__(
        self, text: str = "", template: str = "", minimum_height: int = MIN_TARGET
    ) -> None:
        super().__init__()
        self._template = template
        self._text = ""
        self.setMinimumHeight(minimum_height)
        self.set_text(text)

    def text(self) -> str:
        return self._text

    def set_text(self, text: str) -> None:
        if text == self._text:
            return
        self._text = text
        self.setAccessibleName(text)
        self.update()

    def paint(self, painter: QPainter, rect: QRect) -> None:
        area = QRectF(rect)
        if area.width() < 4 or area.height() < 4 or not self._text:
            return
        font = QFont(self.font())
        font.setBold(True)
        probe = 100
        font.setPixelSize(probe)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        width = max(1, metrics.horizontalAdvance(self._template or self._text))
        # Digits stand on the baseline and reach the cap height: sizing by that, rather
        # than the full line height, lets them fill the space without being cut off.
        height = max(1.0, metrics.capHeight())
        scale = min(area.width() * 0.92 / width, area.height() * 0.84 / height)
        font.setPixelSize(max(8, int(probe * scale)))
        painter.setFont(font)
        metrics = painter.fontMetrics()
        x = area.center().x() - metrics.horizontalAdvance(self._text) / 2
        baseline = area.center().y() + metrics.capHeight() / 2
        painter.setPen(self.palette().windowText().color())
        painter.drawText(round(x), round(baseline), self._text)


# -- ready-made screens ---------------------------------------------------------------

#: Shapes, so the answer buttons differ by more than colour and words.
YES_MARK = "✓"
NO_MARK = "✗"
CHECK_MARK = "✔"


def _answer_button(text: str, role: str) -> BigButton:
    """A huge button for the one decision a screen asks for."""
    button = BigButton(text, role=role)
    button.setProperty("kit", "answer")
    return button


def _tighten(screen: Screen) -> None:
    # Kit screens are meant to fit 1280×800 under the shell's header and bar at 200 %
    # text; the usual screen margins would push their buttons off the bottom.
    screen._layout.setContentsMargins(24, 8, 24, 8)
    screen._layout.setSpacing(14)


def name_scroll_bars(area: QScrollArea) -> None:
    """Give a scroll area's bar a name and description, so screen readers and the voice
    say what it is for."""
    bar = area.verticalScrollBar()
    bar.setAccessibleName(kit_text("kit.scroll"))
    bar.setAccessibleDescription(kit_text("kit.scroll.describe"))


def _screen_title(text: str) -> BigLabel:
    title = BigLabel(text, role="title")
    # The shell reads the screen's title aloud and shows it in the helper's view.
    title.setObjectName("screenTitle")
    return title


class _ResizeNotifier(QWidget):
    """A plain container that reports its new size (for layouts that page their content)."""

    def __init__(self, on_resize: Callable[[], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._on_resize = on_resize

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._on_resize()


class _SqueezableButton(BigButton):
    """A button that, in a tight spot, may get shorter than its line of text.

    A line of text is given far more height than its letters and figures use, so a
    button squeezed towards the 72 px minimum still shows its whole word; a number pad
    keeps all four rows (with OK) in view and a pager both its buttons, instead of
    pushing the last one off the screen.
    """

    def minimumSizeHint(self) -> QSize:
        return QSize(super().minimumSizeHint().width(), MIN_TARGET)


class _ScrollingText(QScrollArea):
    """The words of a kit screen, above its buttons.

    A plugin may show a kit screen in less room than a whole screen; then these words
    scroll, and the buttons below them stay in view instead of being pushed off it.
    """

    def __init__(self, *widgets: QWidget) -> None:
        super().__init__()
        self.setObjectName("kitText")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        column = QWidget()
        layout = QVBoxLayout(column)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(14)
        for widget in widgets:
            layout.addWidget(widget)
        layout.addStretch(1)
        self._column = column
        self._first = widgets[0]
        self.setWidget(column)
        column.installEventFilter(self)
        name_scroll_bars(self)

    def minimumSizeHint(self) -> QSize:
        # At least the first line of the first text stays in view.
        line = self._first.fontMetrics().lineSpacing()
        return QSize(MIN_TARGET, line)

    def sizeHint(self) -> QSize:
        # Not height-for-width: a box layout would take that height as the minimum and
        # squeeze the buttons below instead of letting these words scroll.
        column = self._column
        width = self.width() if self.testAttribute(Qt.WidgetAttribute.WA_Resized) else 0
        width = width or column.sizeHint().width()
        height = column.heightForWidth(width) if column.hasHeightForWidth() else -1
        if height < 0:
            height = column.sizeHint().height()
        return QSize(column.sizeHint().width(), height)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.updateGeometry()
        self._choose_scrollbar()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._column and event.type() == QEvent.Type.LayoutRequest:
            self._choose_scrollbar()
        return super().eventFilter(watched, event)

    def _choose_scrollbar(self) -> None:
        # Qt decides about the scroll bar at the width left beside it: once shown, the
        # narrower text wraps onto more lines and keeps it shown even where everything
        # would fit without it. Decide at the full width instead.
        column = self._column
        width = self.width() - 2 * self.frameWidth()
        needed = column.heightForWidth(width) if column.hasHeightForWidth() else -1
        if needed < 0:
            needed = column.minimumSizeHint().height()
        fits = needed <= self.height() - 2 * self.frameWidth()
        policy = (
            Qt.ScrollBarPolicy.ScrollBarAlwaysOff if fits else Qt.ScrollBarPolicy.ScrollBarAsNeeded
        )
        if self.verticalScrollBarPolicy() != policy:
            self.setVerticalScrollBarPolicy(policy)


class ConfirmScreen(Screen):
    """Ask one yes-or-no question with two huge buttons: No on the left, Yes on the right.

    ``dangerous=True`` (deleting, paying, calling an emergency number) colours Yes as a
    warning and puts the keyboard focus on No, so a stray Enter does nothing harmful.
    Emits ``confirmed`` or ``declined``. Both buttons count as one for the double-tap
    rule: a quick second tap that slips onto the other answer is ignored.
    """

    confirmed = Signal()
    declined = Signal()

    def __init__(
        self,
        question: str,
        detail: str = "",
        *,
        yes_text: str | None = None,
        no_text: str | None = None,
        dangerous: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        _tighten(self)
        self.dangerous = dangerous
        self.question_label = _screen_title(question)
        self.detail_label = BigLabel(detail, role="body")
        self.detail_label.setVisible(bool(detail))
        self.add(_ScrollingText(self.question_label, self.detail_label), 1)
        yes = yes_text or kit_text("kit.yes")
        no = no_text or kit_text("kit.no")
        self.yes_button = _answer_button(f"{YES_MARK}  {yes}", "danger" if dangerous else "primary")
        self.yes_button.setObjectName("confirmYes")
        self.no_button = _answer_button(f"{NO_MARK}  {no}", "normal")
        self.no_button.setObjectName("confirmNo")
        share_activation_guard([self.yes_button, self.no_button])
        # A screen reader landing on an answer hears the question it answers.
        for button in (self.yes_button, self.no_button):
            button.setAccessibleDescription(question)
        self.yes_button.clicked.connect(lambda: self.confirmed.emit())
        self.no_button.clicked.connect(lambda: self.declined.emit())
        self.add_row(self.no_button, self.yes_button, stretches=(1, 1))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        (self.no_button if self.dangerous else self.yes_button).setFocus(
            Qt.FocusReason.OtherFocusReason
        )


class ChoiceList(Screen):
    """Pick one of a few things: big rows, one per choice, and ``chosen(key)`` on a tap.

    ``choices`` are ``(key, label)`` pairs; ``selected`` is the key chosen before, shown
    with a check mark and the word "selected" (never by colour alone). When the choices
    do not fit (at most five show at once), big Previous and Next buttons turn pages;
    nothing needs scrolling or swiping. Tapping a choice also marks it selected.
    """

    chosen = Signal(object)

    MAX_ROWS = 5
    ROW_SPACING = 12

    def __init__(
        self,
        title: str,
        choices: Sequence[tuple[Hashable, str]],
        *,
        selected: Hashable | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        _tighten(self)
        self._choices = list(choices)
        self._selected = selected
        self._pages: list[tuple[int, int]] = [(0, len(self._choices))]
        self._page = 0
        self._paginating = False
        self._placed = False
        self.title_label = _screen_title(title)
        self.add(self.title_label)

        self._body = _ResizeNotifier(self._repaginate)
        self._body_layout = body = QHBoxLayout(self._body)
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(20)
        self._rows = QWidget(self._body)
        rows = QVBoxLayout(self._rows)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.setSpacing(self.ROW_SPACING)
        self.choice_buttons: list[BigButton] = []
        for key, _label in self._choices:
            button = BigButton()
            # One name for every row, so a guide can point at "a choice" (the first).
            button.setObjectName("choiceRow")
            button.setProperty("kit", "choice")
            button.setAccessibleDescription(title)
            button.clicked.connect(lambda _=False, k=key: self._choose(k))
            rows.addWidget(button)
            self.choice_buttons.append(button)
        share_activation_guard(self.choice_buttons)
        rows.addStretch(1)
        # The rows take the height they are given and page to fit it; they never ask for
        # the height of all their rows. Inside a scrolling screen (a plugin's frame) that
        # request would grow the page past the screen instead of turning pages.
        self._rows.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
        body.addWidget(self._rows, 1)

        self._pager = QWidget(self._body)
        pager = QVBoxLayout(self._pager)
        pager.setContentsMargins(0, 0, 0, 0)
        pager.setSpacing(self.ROW_SPACING)
        self.previous_button = _SqueezableButton(f"▲  {kit_text('kit.previous')}")
        self.previous_button.setObjectName("choicePrevious")
        self.next_button = _SqueezableButton(f"▼  {kit_text('kit.next')}")
        self.next_button.setObjectName("choiceNext")
        self.previous_button.setAccessibleDescription(kit_text("kit.describe.previous_choices"))
        self.next_button.setAccessibleDescription(kit_text("kit.describe.next_choices"))
        self.page_label = BigLabel(role="caption")
        self.page_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.previous_button.clicked.connect(lambda: self.turn(-1))
        self.next_button.clicked.connect(lambda: self.turn(1))
        pager.addWidget(self.previous_button)
        pager.addStretch(1)
        pager.addWidget(self.page_label)
        pager.addStretch(1)
        pager.addWidget(self.next_button)
        self._pager.hide()
        body.addWidget(self._pager)
        self.add(self._body, 1)
        self._refresh_texts()
        self._show_page()

    #: Enough for the title and one row: the rows are paged into the height that is
    #: really there. A list asking for every row of its page would make a scroll area
    #: around the screen grow to fit them, and cut its Next button off at large text.
    LEAST_HEIGHT = 300

    def hasHeightForWidth(self) -> bool:
        return False

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(hint.width(), min(hint.height(), self.LEAST_HEIGHT))

    def sizeHint(self) -> QSize:
        return self.minimumSizeHint()

    # -- what a plugin may call ---------------------------------------------------------

    @property
    def selected(self) -> Hashable | None:
        return self._selected

    def set_selected(self, key: Hashable | None) -> None:
        """Mark ``key`` as the current choice (None: nothing marked)."""
        self._selected = key
        self._refresh_texts()
        self._repaginate()

    @property
    def page(self) -> int:
        """The page shown, from 0."""
        return self._page

    def page_count(self) -> int:
        return len(self._pages)

    def turn(self, step: int) -> None:
        """Show the next (``step=1``) or previous (``-1``) page."""
        self._page = max(0, min(len(self._pages) - 1, self._page + step))
        self._show_page()

    def visible_keys(self) -> list[Hashable]:
        """The keys of the choices on the page shown."""
        start, end = self._pages[self._page]
        return [key for key, _label in self._choices[start:end]]

    # -- inside -------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # Keyboard users start on the current choice, not on whichever row is first.
        start, end = self._pages[self._page]
        focus = self._selected_index()
        if not start <= focus < end:
            focus = start
        if self.choice_buttons:
            self.choice_buttons[focus].setFocus(Qt.FocusReason.OtherFocusReason)

    def _choose(self, key: Hashable) -> None:
        self._selected = key
        self._refresh_texts()
        self.chosen.emit(key)

    def _refresh_texts(self) -> None:
        for (key, label), button in zip(self._choices, self.choice_buttons, strict=True):
            is_selected = key == self._selected
            text = (
                f"{CHECK_MARK}  " + kit_text("kit.selected_choice", label=label)
                if is_selected
                else label
            )
            button.setText(text)
            if bool(button.property("selected")) != is_selected:
                _set_style_property(button, "selected", is_selected)

    def _paginate(self, width: int, height: int) -> list[tuple[int, int]]:
        pages: list[tuple[int, int]] = []
        start, used = 0, 0
        for index, button in enumerate(self.choice_buttons):
            needed = button.height_for_width(width)
            count = index - start
            if count and (count >= self.MAX_ROWS or used + self.ROW_SPACING + needed > height):
                pages.append((start, index))
                start, used = index, 0
            used += needed if index == start else self.ROW_SPACING + needed
        pages.append((start, len(self.choice_buttons)))
        return pages

    def _repaginate(self) -> None:
        if self._paginating or self._body.width() <= 0:
            return
        self._paginating = True
        try:
            first_shown = self._pages[self._page][0] if self._placed else self._selected_index()
            width, height = self._body.width(), self._body.height()
            pages = self._paginate(width, height)
            if len(pages) > 1:
                pager_width = max(
                    self.previous_button.sizeHint().width(),
                    self.next_button.sizeHint().width(),
                    MIN_TARGET * 3,
                )
                pager_width = min(pager_width, width // 3)
                self._pager.setFixedWidth(pager_width)
                spacing = self._body_layout.spacing()
                pages = self._paginate(width - pager_width - spacing, height)
            self._pages = pages
            self._page = next(
                (n for n, (start, end) in enumerate(pages) if start <= first_shown < end), 0
            )
            self._placed = True
            self._pager.setVisible(len(pages) > 1)
            # Where the buttons barely fit, the page number gives way to them.
            buttons = (
                self.previous_button.minimumSizeHint().height()
                + self.next_button.minimumSizeHint().height()
            )
            label = self.page_label.heightForWidth(self._pager.width())
            self.page_label.setVisible(buttons + label + 2 * self.ROW_SPACING <= height)
            self._show_page()
        finally:
            self._paginating = False

    def _selected_index(self) -> int:
        for index, (key, _label) in enumerate(self._choices):
            if key == self._selected:
                return index
        return 0

    def _show_page(self) -> None:
        start, end = self._pages[self._page]
        for index, button in enumerate(self.choice_buttons):
            button.setVisible(start <= index < end)
        self.previous_button.setEnabled(self._page > 0)
        self.next_button.setEnabled(self._page < len(self._pages) - 1)
        self.page_label.setText(kit_text("kit.page", page=self._page + 1, pages=len(self._pages)))


class MessageScreen(Screen):
    """Tell the senior something: a big title, the text, and one big button.

    The button says ``button_text`` (default: "OK") and emits ``done``; pass
    ``button_text=""`` for a screen without a button (Home and Back still lead away).
    """

    done = Signal()

    def __init__(
        self,
        title: str,
        body: str,
        *,
        button_text: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        _tighten(self)
        self.title_label = _screen_title(title)
        self.body_label = BigLabel(body, role="body")
        self.add(_ScrollingText(self.title_label, self.body_label), 1)
        text = kit_text("kit.ok") if button_text is None else button_text
        self.button = _answer_button(text, "primary")
        self.button.setObjectName("messageDone")
        self.button.setAccessibleDescription(title)
        self.button.clicked.connect(lambda: self.done.emit())
        self.button.setVisible(bool(text))
        self.add(self.button)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.button.isVisible():
            self.button.setFocus(Qt.FocusReason.OtherFocusReason)


class ProgressScreen(Screen):
    """Something is under way: a big progress bar, what is happening, and a huge Cancel.

    ``set_progress(None)`` (the start) shows a moving bar and "Please wait"; a fraction
    from 0 to 1 shows how far along it is, also in words ("45 %"). Cancel emits
    ``cancelled`` once and then stays greyed; ``finish()`` fills the bar and hides Cancel.
    """

    cancelled = Signal()

    def __init__(self, title: str, detail: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        _tighten(self)
        self.title_label = _screen_title(title)
        self.detail_label = BigLabel(detail, role="body")
        self.amount_label = BigLabel(role="body")
        self.amount_label.setObjectName("progressAmount")
        self.amount_label.setWordWrap(False)
        self.amount_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        # How far along, in words, sits at the end of the detail line: a row of its own
        # would push Cancel off a 1280×800 screen at 200 % text.
        words = QWidget()
        row = QHBoxLayout(words)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(20)
        row.addWidget(self.detail_label, 1)
        row.addWidget(self.amount_label)
        self.add(_ScrollingText(self.title_label, words), 1)
        self.bar = QProgressBar()
        self.bar.setObjectName("kitProgress")
        self.bar.setTextVisible(False)
        self.bar.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.add(self.bar)
        self.cancel_button = _answer_button(kit_text("kit.cancel"), "normal")
        self.cancel_button.setObjectName("progressCancel")
        self.cancel_button.setAccessibleDescription(kit_text("kit.describe.cancel", title=title))
        self.cancel_button.clicked.connect(self._cancel)
        self.add(self.cancel_button)
        self.set_progress(None)

    def set_progress(self, fraction: float | None) -> None:
        """``None``: still working, no idea how long; otherwise 0.0 to 1.0 done."""
        if fraction is None:
            self.bar.setRange(0, 0)
            self.amount_label.setText(kit_text("kit.please_wait"))
            return
        fraction = min(1.0, max(0.0, fraction))
        self.bar.setRange(0, 100)
        self.bar.setValue(round(fraction * 100))
        self.amount_label.setText(kit_text("kit.percent", percent=round(fraction * 100)))

    def set_detail(self, text: str) -> None:
        """Say what is happening now ("Sending the photo…")."""
        self.detail_label.setText(text)

    def finish(self) -> None:
        """The work is over: fill the bar and take Cancel away."""
        self.set_progress(1.0)
        self.cancel_button.hide()

    def _cancel(self) -> None:
        self.cancel_button.setEnabled(False)
        self.cancelled.emit()


class NumberPad(Screen):
    """Type a number of ``digits`` digits (a PIN, a code) on huge keys 1–9, Delete, 0, OK.

    The display shows what is typed (``•`` when ``masked``) and a ``_`` for each digit
    still to come. OK stays greyed until all digits are there and then emits
    ``entered(text)``. ``digit_pressed(digit)`` is emitted for each digit typed. A
    physical keyboard works too: digits, Backspace, Enter. ``prompt`` is the line above
    the display (default: "Type the 4 numbers").
    """

    entered = Signal(str)
    digit_pressed = Signal(str)

    def __init__(
        self,
        *,
        digits: int = 4,
        masked: bool = False,
        prompt: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        _tighten(self)
        if digits < 1:
            raise ValueError(f"NumberPad needs at least one digit, got {digits}")
        self.digits = digits
        self.masked = masked
        self._value = ""
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        self._body = QWidget(self)
        self._body_layout = QBoxLayout(QBoxLayout.Direction.LeftToRight, self._body)
        self._body_layout.setContentsMargins(0, 0, 0, 0)
        self._body_layout.setSpacing(32)

        reading = QWidget(self._body)
        reading_layout = QVBoxLayout(reading)
        reading_layout.setContentsMargins(0, 0, 0, 0)
        reading_layout.setSpacing(20)
        self.prompt_label = _screen_title(prompt or kit_text("kit.pad_prompt", digits=digits))
        # The pad takes the typing: screen readers and Tab land on it, and hear the prompt.
        self.setAccessibleName(self.prompt_label.text())
        self.setAccessibleDescription(kit_text("kit.describe.pad", digits=digits))
        self.display = BigLabel(role="display")
        self.display.setObjectName("padDisplay")
        self.display.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.display.setWordWrap(True)
        prompt_area = _ScrollingText(self.prompt_label)
        prompt_area.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        reading_layout.addWidget(prompt_area)
        reading_layout.addWidget(self.display)
        reading_layout.addStretch(1)

        keypad = QWidget(self._body)
        # Phone keypads read 1 2 3 from the left in every language, Uyghur included.
        keypad.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        grid = QGridLayout(keypad)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(12)
        self.digit_buttons: dict[str, BigButton] = {}
        for number in range(10):
            digit = str(number)
            button = self._key(digit, "digit")
            button.clicked.connect(lambda _=False, d=digit: self.type_digit(d))
            button.setAccessibleDescription(kit_text("kit.describe.digit", digit=digit))
            self.digit_buttons[digit] = button
            position = (3, 1) if number == 0 else divmod(number - 1, 3)
            grid.addWidget(button, *position)
        self.delete_button = self._key(f"⌫ {kit_text('kit.delete')}", "word")
        self.delete_button.setObjectName("padDelete")
        self.delete_button.setAccessibleDescription(kit_text("kit.describe.delete"))
        self.delete_button.clicked.connect(self.delete_digit)
        self.ok_button = self._key(kit_text("kit.ok"), "word", role="primary")
        self.ok_button.setObjectName("padOk")
        self.ok_button.setAccessibleDescription(kit_text("kit.describe.pad_ok"))
        self.ok_button.clicked.connect(self._submit)
        grid.addWidget(self.delete_button, 3, 0)
        grid.addWidget(self.ok_button, 3, 2)
        for column in range(3):
            grid.setColumnStretch(column, 1)
        for row in range(4):
            grid.setRowStretch(row, 1)

        self._body_layout.addWidget(reading, 3)
        self._body_layout.addWidget(keypad, 5)
        self.add(self._body, 1)
        self._refresh()

    @staticmethod
    def _key(text: str, kind: str, role: str = "normal") -> BigButton:
        button = _SqueezableButton(text, role=role)
        button.setProperty("kit", "key")
        button.setProperty("key", kind)
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        # Typing goes to the pad; a focused key would swallow Enter meant for OK.
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        return button

    # -- what a plugin may call ---------------------------------------------------------

    @property
    def value(self) -> str:
        """The digits typed so far."""
        return self._value

    def type_digit(self, digit: str) -> None:
        """Add one digit, as if its key were tapped (ignored when the number is full)."""
        if len(self._value) >= self.digits or digit not in "0123456789" or len(digit) != 1:
            return
        self._value += digit
        self.digit_pressed.emit(digit)
        self._refresh()

    def delete_digit(self) -> None:
        """Take back the last digit."""
        self._value = self._value[:-1]
        self._refresh()

    def clear(self) -> None:
        """Start again with nothing typed (e.g. after a wrong PIN)."""
        self._value = ""
        self._refresh()

    # -- inside -------------------------------------------------------------------------

    def _submit(self) -> None:
        if len(self._value) == self.digits:
            self.entered.emit(self._value)

    def _refresh(self) -> None:
        typed = ["•" if self.masked else digit for digit in self._value]
        slots = typed + ["_"] * (self.digits - len(typed))
        self.display.setText(" ".join(slots))
        # Long codes get smaller figures rather than breaking across two lines.
        long = self.digits > 4
        if bool(self.display.property("long")) != long:
            _set_style_property(self.display, "long", long)
        self.display.setAccessibleName(
            kit_text("kit.pad_typed", typed=len(self._value), digits=self.digits)
        )
        self.ok_button.setEnabled(len(self._value) == self.digits)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        text = event.text()
        if len(text) == 1 and text in "0123456789":
            self.type_digit(text)
        elif event.key() in (Qt.Key.Key_Backspace, Qt.Key.Key_Delete):
            self.delete_digit()
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._submit()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        # Side by side on a landscape screen, stacked on a portrait one.
        direction = (
            QBoxLayout.Direction.LeftToRight
            if event.size().width() >= event.size().height()
            else QBoxLayout.Direction.TopToBottom
        )
        if self._body_layout.direction() != direction:
            self._body_layout.setDirection(direction)


class ViewStack(Screen):
    """A tile's screen that shows one view at a time: a list, then a question, then the
    answer. :meth:`swap` puts a new view in place of the one shown (the old one is
    deleted, its timers with it); the views are kit screens with margins of their own.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.view: QWidget | None = None

    def swap(self, view: QWidget) -> QWidget:
        """Show ``view`` instead of the current one; returns it."""
        if self.view is not None:
            self.view.hide()
            self.view.setParent(None)
            self.view.deleteLater()
        self.view = view
        self.add(view, 1)
        view.show()
        return view
