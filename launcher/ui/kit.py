"""The senior widget kit: big targets, big text, theme colours, contained failures.

Sizes follow the theme's base size and the text scale through the application style
sheet (see :mod:`launcher.ui.style`); widgets only say which role they play.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from types import TracebackType

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QIcon, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

log = logging.getLogger("leling.ui")

#: Smallest touch target at 100 % scale, in logical pixels.
MIN_TARGET = 72

_translate: Callable[[str], str] = lambda key: key  # noqa: E731 (replaced by the shell)


def set_translator(translate: Callable[[str], str]) -> None:
    """The shell hands the kit its translator, so kit widgets speak the current language."""
    global _translate
    _translate = translate


def kit_text(key: str) -> str:
    """A message from the shell's catalogue (``kit.*`` keys) in the current language."""
    return _translate(key)


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
    widget.setProperty("role", role)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class BigLabel(QLabel):
    """Large, wrapping text. ``role``: ``body`` (default), ``title``, ``huge``, ``caption``."""

    def __init__(self, text: str = "", role: str = "body", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(role != "huge")
        self.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.setProperty("role", role)

    def set_role(self, role: str) -> None:
        _set_role(self, role)


class BigButton(QPushButton):
    """A button at least 72×72 px with large text. ``role``: ``normal``, ``primary``, ``danger``."""

    def __init__(
        self,
        text: str = "",
        role: str = "normal",
        icon: QIcon | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(text, parent)
        self.setProperty("role", role)
        self.setMinimumSize(MIN_TARGET, MIN_TARGET)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        if icon is not None:
            self.setIcon(icon)
            self.setIconSize(QSize(48, 48))

    def set_role(self, role: str) -> None:
        _set_role(self, role)


class TileButton(QPushButton):
    """A home-screen style tile: a large icon above a label that wraps instead of eliding.

    ``set_unavailable(True)`` shows it calmly greyed with a second line such as "not
    available right now" (``set_note``); it stays tappable so the senior gets an
    explanation.
    """

    def __init__(self, text: str = "", icon: QIcon | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(MIN_TARGET * 2, MIN_TARGET * 2)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setProperty("role", "tile")
        self._icon = icon
        layout = QVBoxLayout(self)
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

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._icon is not None:
            # The icon takes what the label leaves: about half the tile's height.
            side = max(48, min(self.width() // 2, int(self.height() * 0.45)))
            self.icon_label.setPixmap(self._icon.pixmap(QSize(side, side)))


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
