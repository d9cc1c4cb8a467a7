"""Moving the keyboard focus with the arrow keys, by where controls are on the screen.

Tab and Shift+Tab follow the order controls were made in; the arrows go to the nearest
control in the direction pressed, as the eye expects on a grid of tiles. Directions are
as seen: Left is left in a right-to-left language too.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QScrollArea, QWidget

#: The arrow keys and the way each one points, in screen coordinates (y grows downwards).
ARROWS: dict[Qt.Key, tuple[int, int]] = {
    Qt.Key.Key_Left: (-1, 0),
    Qt.Key.Key_Right: (1, 0),
    Qt.Key.Key_Up: (0, -1),
    Qt.Key.Key_Down: (0, 1),
}

#: A control off to the side counts this many times its sideways distance: the next
#: tile in the same row beats a nearer one in the next row.
_SIDEWAYS_WEIGHT = 2.0


def focusable_controls(window: QWidget) -> list[QWidget]:
    """The controls of ``window`` that the keyboard can reach now, in Tab order."""
    found: list[QWidget] = []
    widget = window.nextInFocusChain()
    # The focus chain is a ring through every widget of the window, the window included.
    while widget is not None and widget is not window:
        if _reachable(widget, window):
            found.append(widget)
        widget = widget.nextInFocusChain()
    return found


def _reachable(widget: QWidget, window: QWidget) -> bool:
    return (
        widget.window() is window
        and widget.isVisible()
        and widget.isEnabled()
        and bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)
        and not isinstance(widget, QAbstractScrollArea)
    )


def _centre(widget: QWidget, window: QWidget) -> QPoint:
    return widget.mapTo(window, widget.rect().center())


def nearest_in_direction(window: QWidget, current: QWidget, dx: int, dy: int) -> QWidget | None:
    """The reachable control nearest to ``current`` in direction (``dx``, ``dy``), if any."""
    origin = _centre(current, window)
    best: QWidget | None = None
    best_score = math.inf
    for candidate in focusable_controls(window):
        if candidate is current or candidate.isAncestorOf(current):
            continue
        centre = _centre(candidate, window)
        along = (centre.x() - origin.x()) * dx + (centre.y() - origin.y()) * dy
        if along <= 0:
            continue
        sideways = abs((centre.x() - origin.x()) * dy) + abs((centre.y() - origin.y()) * dx)
        score = along + _SIDEWAYS_WEIGHT * sideways
        if score < best_score:
            best, best_score = candidate, score
    return best


def bring_into_view(widget: QWidget) -> None:
    """Scroll every scroll area around ``widget`` so that it shows."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QScrollArea):
            parent.ensureWidgetVisible(widget)
        parent = parent.parentWidget()


def move_focus(window: QWidget, key: Qt.Key) -> QWidget | None:
    """Move the focus as arrow ``key`` asks; returns the control that took it, or None.

    With nothing focused yet, the first control in Tab order takes the focus.
    """
    dx, dy = ARROWS[key]
    current = window.focusWidget()
    if current is None or not _reachable(current, window):
        controls = focusable_controls(window)
        target = controls[0] if controls else None
    else:
        target = nearest_in_direction(window, current, dx, dy)
    if target is None:
        return None
    bring_into_view(target)
    target.setFocus(Qt.FocusReason.TabFocusReason)
    return target
