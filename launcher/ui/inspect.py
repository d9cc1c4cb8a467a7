"""What is on one screen, as a tree a person or a test can read, and an accessibility audit.

Each element is a visible widget that shows text, shows an image or takes input, with
what a senior would hear for it, where it is, how large its text is and which colours it
is drawn in. The colours come from the rendered picture, not from the style sheet, so
the audit checks what is really on the screen.

The audit checks the three numbers of the elder-friendly rules Leling follows (MIIT
elder-friendly standard, WCAG 2.2 AAA, EN 301 549, taken to a desktop or tablet): touch
targets at least 72×72 px, text at least 22 px, text contrast at least 7:1.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QAccessible, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QAbstractSlider,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollBar,
    QStyle,
    QStyleOptionButton,
    QTextEdit,
    QWidget,
)

from launcher.core.errors import UsageError
from launcher.core.theme import MIN_TEXT_CONTRAST, contrast_ratio
from launcher.ui.kit import MIN_TARGET, Canvas, TileButton
from launcher.ui.shell import PluginFrame, ShellWindow
from launcher.ui.style import MIN_TEXT_PX

#: Kit roles (the ``role`` property) and what a person would call such a thing.
_KIT_ROLES = {
    "tile": "tile",
    "tile-unavailable": "tile",
    "title": "heading",
    "huge": "label",
    "body": "label",
    "caption": "label",
    "normal": "button",
    "primary": "button",
    "danger": "button",
}
#: Kit widgets that say what they are for in their ``kit`` property.
_KIT_KINDS = {"key": "number-pad key", "choice": "choice", "answer": "button"}
#: Widgets that take input without being buttons, by class.
_INPUT_ROLES: tuple[tuple[type[QWidget], str], ...] = (
    (QCheckBox, "checkbox"),
    (QRadioButton, "radio button"),
    (QLineEdit, "text field"),
    (QTextEdit, "text field"),
    (QAbstractSpinBox, "number field"),
    (QComboBox, "choice"),
    (QScrollBar, "scroll bar"),
    (QAbstractSlider, "slider"),
    (QProgressBar, "progress bar"),
)
#: A colour counts as drawn (rather than a stray edge pixel of a neighbour) when it
#: covers at least this share of the pixels that are not the background, and at least
#: _MIN_FG_PIXELS pixels.
_FG_SHARE = 0.01
_MIN_FG_PIXELS = 3
#: Larger areas are sampled on a grid so that about this many pixels are counted: more
#: where text is measured, fewer where only the background and a main colour are wanted.
_TEXT_SAMPLES = 20_000
_SHAPE_SAMPLES = 4_000


@dataclass
class Element:
    """One thing on the screen. ``text`` is what the element itself draws as text (None
    when it draws none: a tile's words are drawn by the labels inside it)."""

    role: str
    name: str
    spoken: str
    interactive: bool
    rect: tuple[int, int, int, int]
    font_px: float | None
    fg: str | None
    bg: str | None
    plugin: str | None
    text: str | None = None
    object_name: str = ""
    #: What Qt's accessibility interface gives screen readers (Orca, NVDA) as the name
    #: and the description of this widget.
    accessible_name: str = ""
    description: str = ""
    children: list[Element] = field(default_factory=list)
    #: The widget itself, to tap it; only valid while its window is open.
    widget: QWidget | None = field(default=None, repr=False, compare=False)

    def walk(self) -> Iterator[Element]:
        yield self
        for child in self.children:
            yield from child.walk()

    @property
    def contrast(self) -> float | None:
        if self.fg is None or self.bg is None:
            return None
        return contrast_ratio(self.fg, self.bg)

    def to_json(self) -> dict[str, Any]:
        contrast = self.contrast
        return {
            "role": self.role,
            "name": self.name,
            "spoken": self.spoken,
            "interactive": self.interactive,
            "rect": list(self.rect),
            "font_px": _json_number(self.font_px),
            "fg": self.fg,
            "bg": self.bg,
            "contrast": round(contrast, 2) if contrast is not None else None,
            "plugin": self.plugin,
            "text": self.text,
            "id": self.object_name or None,
            "accessible_name": self.accessible_name,
            "description": self.description,
            "children": [child.to_json() for child in self.children],
        }


@dataclass
class ScreenReport:
    """The tree of one screen and the conditions it was drawn in."""

    screen: str
    locale: str
    theme: str
    scale: int
    size: tuple[int, int]
    elements: list[Element]

    def walk(self) -> Iterator[Element]:
        for element in self.elements:
            yield from element.walk()

    def to_json(self) -> dict[str, Any]:
        return {
            "screen": self.screen,
            "locale": self.locale,
            "theme": self.theme,
            "scale": self.scale,
            "size": list(self.size),
            "elements": [element.to_json() for element in self.elements],
        }


# -- reading the window ---------------------------------------------------------------------


class _Picture:
    """The window as rendered, to read the colours each element is really drawn in.

    Method: the window is grabbed once. For an element, the pixels of its visible part
    are counted by exact colour. The background is the most common colour. The text
    colour is, among the colours that cover a real share of the remaining pixels, the one
    with the largest contrast to the background. Antialiased edges of letters blend text
    and background, so their colours always lie between the two and have less contrast
    than the text colour itself: they never win, and the contrast measured is that of
    the solid strokes. Buttons are sampled inside their border and padding, so the
    border or the focus ring is not mistaken for text. Larger areas are counted on an
    evenly spaced grid (_TEXT_SAMPLES points where there is text); text of the size the
    rules ask for has many solid stroke pixels on any such grid, so its colour is found.
    """

    def __init__(self, window: QWidget) -> None:
        grabbed = window.grab()
        self.ratio = grabbed.devicePixelRatio() or 1.0
        image = grabbed.toImage().convertToFormat(QImage.Format.Format_RGB32)
        self.width = image.width()
        self.height = image.height()
        self._row = image.bytesPerLine() // 4
        # Format_RGB32 keeps each pixel as one 0xffRRGGBB word in native byte order.
        self._pixels = memoryview(bytes(image.constBits())).cast("I")

    def colours(self, rect: QRect, samples: int) -> Counter[int]:
        """How many pixels of each colour lie in ``rect`` (window coordinates), counting
        about ``samples`` of them at most."""
        left = max(0, int(rect.left() * self.ratio))
        top = max(0, int(rect.top() * self.ratio))
        right = min(self.width, int((rect.left() + rect.width()) * self.ratio))
        bottom = min(self.height, int((rect.top() + rect.height()) * self.ratio))
        counts: Counter[int] = Counter()
        area = max(0, right - left) * max(0, bottom - top)
        step = max(1, math.isqrt(area // samples))
        for y in range(top, bottom, step):
            start = y * self._row
            counts.update(self._pixels[start + left : start + right : step])
        return counts

    def fg_bg(self, rect: QRect, samples: int) -> tuple[str | None, str | None]:
        counts = self.colours(rect, samples)
        if not counts:
            return None, None
        background, background_count = counts.most_common(1)[0]
        bg = _hex(background)
        rest = counts.total() - background_count
        floor = max(_MIN_FG_PIXELS, rest * _FG_SHARE)
        drawn = [_hex(c) for c, n in counts.items() if c != background and n >= floor]
        if not drawn:
            return None, bg
        return max(drawn, key=lambda colour: contrast_ratio(colour, bg)), bg


def _hex(pixel: int) -> str:
    return f"#{pixel & 0xFFFFFF:06X}"


def _clean(text: str) -> str:
    """Text as one line: wrapping hints and runs of spaces removed."""
    return re.sub(r"\s+", " ", text.replace("\u200b", "")).strip()


def _own_text(widget: QWidget) -> str | None:
    """The text ``widget`` itself draws, if any."""
    if isinstance(widget, TileButton):
        return None  # its labels draw the words
    if isinstance(widget, QLabel):
        if widget.pixmap() is not None and not widget.pixmap().isNull():
            return None
        return _clean(widget.text()) or None
    if isinstance(widget, QAbstractButton):
        return _clean(widget.text()) or None
    if isinstance(widget, QLineEdit):
        return _clean(widget.text() or widget.placeholderText()) or None
    if isinstance(widget, QComboBox):
        return _clean(widget.currentText()) or None
    if isinstance(widget, QProgressBar):
        return _clean(widget.text()) if widget.isTextVisible() and widget.text() else None
    if isinstance(widget, Canvas):
        # A canvas that names itself draws that name (the clock face draws the time).
        return _clean(widget.accessibleName()) or None
    return None


def _is_image(widget: QWidget) -> bool:
    if isinstance(widget, QLabel):
        pixmap = widget.pixmap()
        return pixmap is not None and not pixmap.isNull()
    return isinstance(widget, Canvas)


def _accepts_input(widget: QWidget) -> bool:
    if isinstance(widget, QAbstractScrollArea):
        return False  # a container: its scroll bars are the controls
    if isinstance(widget, QAbstractButton | QAbstractSlider):
        return True
    return widget.focusPolicy() != Qt.FocusPolicy.NoFocus


def _role(widget: QWidget) -> str:
    kit_role = widget.property("role")
    kit_kind = widget.property("kit")
    if isinstance(widget, TileButton):
        return "tile"
    if isinstance(kit_kind, str) and kit_kind in _KIT_KINDS:
        return _KIT_KINDS[kit_kind]
    if widget.objectName() == "screenTitle":
        return "heading"
    for kind, role in _INPUT_ROLES:
        if isinstance(widget, kind):
            return role
    if isinstance(kit_role, str) and kit_role and kit_role != "screen":
        # A kit role the table does not know (the number pad's "display", a newer
        # widget's) still says more than the class does.
        return _KIT_ROLES.get(kit_role, kit_role.replace("-", " "))
    if _is_image(widget):
        return "image"
    if isinstance(widget, QAbstractButton):
        return "button"
    if isinstance(widget, QLabel):
        return "label"
    # A focusable widget of a plugin's own: its class says what it is (ContactCard: card).
    words = re.findall(r"[A-Z][a-z0-9]*", type(widget).__name__)
    return words[-1].lower() if words else "control"


def _font_px(widget: QWidget) -> float:
    font = widget.font()
    if font.pixelSize() > 0:
        return float(font.pixelSize())
    # A font given in points: 72 points to the inch at the widget's logical dpi.
    return round(font.pointSizeF() * widget.logicalDpiY() / 72, 1)


def _sample_rect(widget: QWidget) -> QRect:
    """Where the element's own text is drawn, in widget coordinates."""
    if isinstance(widget, QPushButton) and not isinstance(widget, TileButton):
        option = QStyleOptionButton()
        widget.initStyleOption(option)
        inner = widget.style().subElementRect(
            QStyle.SubElement.SE_PushButtonContents, option, widget
        )
        if inner.isValid() and not inner.isEmpty():
            return inner
    return widget.rect()


def _plugin_of(widget: QWidget) -> str | None:
    """The plugin that made ``widget``: it lies inside a plugin frame's content. The
    frame's own title and scroller are the shell's."""
    frame = widget.parentWidget()
    while frame is not None and not isinstance(frame, PluginFrame):
        frame = frame.parentWidget()
    if frame is None:
        return None
    if widget is frame.content or frame.content.isAncestorOf(widget):
        return frame.tile.plugin_id
    return None


def _accessible_texts(widget: QWidget) -> tuple[str, str]:
    """The name and description a screen reader gets for ``widget``, through the same
    accessibility interface Qt hands to AT-SPI (Orca) and UI Automation (NVDA)."""
    interface = QAccessible.queryAccessibleInterface(widget)
    if interface is None or not interface.isValid():
        return "", ""
    return (
        _clean(interface.text(QAccessible.Text.Name)),
        _clean(interface.text(QAccessible.Text.Description)),
    )


def _spoken(widget: QWidget, role: str, text: str | None, locale: str) -> str:
    if role == "image":
        return _clean(widget.accessibleDescription() or widget.accessibleName())
    spoken = _clean(widget.accessibleName()) or (text or "")
    if isinstance(widget, TileButton):
        spoken = spoken or _clean(widget.text())
        note = widget.note_label
        if note.isVisibleTo(widget) and note.text():
            separator = "，" if locale.startswith("zh") else ", "
            spoken = f"{spoken}{separator}{_clean(note.text())}"
    return spoken


class _Reader:
    def __init__(self, window: ShellWindow, *, colours: bool = True) -> None:
        self.window = window
        self.locale = window.instance.translator.locale
        self.picture = _Picture(window) if colours else None
        self.regions: dict[int, str] = {}
        header = window.findChild(QWidget, "header")
        bar = window.findChild(QWidget, "bar")
        current = window.stack.currentWidget()
        for widget, name in ((header, "header"), (current, screen_name(window)), (bar, "bar")):
            if widget is not None:
                self.regions[id(widget)] = name
        if isinstance(current, PluginFrame):
            self.regions[id(current.content)] = f"{current.tile.plugin_id} content"

    def window_rect(self, widget: QWidget, rect: QRect | None = None) -> QRect:
        rect = rect if rect is not None else widget.rect()
        return rect.translated(widget.mapTo(self.window, QPoint(0, 0)))

    def colours(self, widget: QWidget, text: bool) -> tuple[str | None, str | None]:
        if self.picture is None:
            return None, None
        samples = _TEXT_SAMPLES if text else _SHAPE_SAMPLES
        visible = widget.visibleRegion().boundingRect()
        sample = _sample_rect(widget).intersected(visible)
        if sample.isEmpty():
            # Where the text would be is off screen; the rest still has a background.
            _, bg = self.picture.fg_bg(self.window_rect(widget, visible), _SHAPE_SAMPLES)
            return None, bg
        return self.picture.fg_bg(self.window_rect(widget, sample), samples)

    def elements(self, parent: QWidget) -> list[Element]:
        found: list[Element] = []
        for child in parent.children():
            if not isinstance(child, QWidget) or child.isWindow():
                continue
            if not child.isVisibleTo(self.window) or child.visibleRegion().isEmpty():
                continue
            element = self.element(child)
            below = self.elements(child)
            if element is None:
                found.extend(below)
            else:
                element.children = below
                found.append(element)
        return found

    def element(self, widget: QWidget) -> Element | None:
        region = self.regions.get(id(widget))
        text = _own_text(widget)
        shown = text is not None or _accepts_input(widget) or _is_image(widget)
        if region is None and not shown:
            return None
        widget.ensurePolished()
        role = "region" if region is not None else _role(widget)
        name = region or _clean(widget.accessibleName()) or text or ""
        if isinstance(widget, TileButton):
            name = _clean(widget.accessibleName() or widget.text())
        fg, bg = self.colours(widget, text is not None)
        rect = self.window_rect(widget)
        accessible_name, description = _accessible_texts(widget)
        return Element(
            role=role,
            name=name,
            spoken="" if region is not None else _spoken(widget, role, text, self.locale),
            interactive=region is None and widget.isEnabled() and _accepts_input(widget),
            rect=(rect.x(), rect.y(), rect.width(), rect.height()),
            font_px=_font_px(widget) if text is not None else None,
            fg=fg,
            bg=bg,
            plugin=_plugin_of(widget),
            text=None if region is not None else text,
            object_name=widget.objectName(),
            accessible_name=accessible_name,
            description=description,
            widget=widget,
        )


def screen_name(window: ShellWindow) -> str:
    """What the window shows, as the shell names it (``home``, ``plugin:clock``, ``help``…)."""
    return window.screen_kind()


def inspect_window(window: ShellWindow, *, colours: bool = True) -> ScreenReport:
    """The tree of what ``window`` shows now, with colours read from its rendering
    (``colours=False`` leaves ``fg`` and ``bg`` out, for a quicker look)."""
    reader = _Reader(window, colours=colours)
    instance = window.instance
    return ScreenReport(
        screen=screen_name(window),
        locale=reader.locale,
        theme=instance.load_theme().id,
        scale=instance.effective_scale(),
        size=(window.width(), window.height()),
        elements=reader.elements(window),
    )


# -- tapping --------------------------------------------------------------------------------


def tap(window: ShellWindow, name: str) -> Element:
    """Tap the interactive element called ``name`` (exactly, else the one name containing
    it) as a finger would: a press and release at its centre."""
    wanted = _clean(name).casefold()
    targets = [e for e in inspect_window(window, colours=False).walk() if e.interactive and e.name]
    exact = [e for e in targets if e.name.casefold() == wanted]
    partial = [e for e in targets if wanted in e.name.casefold()]
    chosen = (exact or partial)[:1]
    if not chosen or chosen[0].widget is None:
        names = ", ".join(repr(e.name) for e in targets)
        raise UsageError(
            f"--tap {name!r}: nothing to tap has that name; these can be tapped: {names}"
        )
    element = chosen[0]
    assert element.widget is not None
    QTest.mouseClick(element.widget, Qt.MouseButton.LeftButton)
    return element


# -- the audit ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    element: Element
    measured: str

    def to_json(self) -> dict[str, Any]:
        return {
            "role": self.element.role,
            "name": self.element.name,
            "rect": list(self.element.rect),
            "plugin": self.element.plugin,
            "measured": self.measured,
        }


@dataclass(frozen=True)
class RuleResult:
    rule: str
    title: str
    checked: int
    failures: tuple[Failure, ...]

    @property
    def passed(self) -> bool:
        return not self.failures

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "title": self.title,
            "passed": self.passed,
            "checked": self.checked,
            "failures": [failure.to_json() for failure in self.failures],
        }


def audit(report: ScreenReport) -> list[RuleResult]:
    """Check every element of ``report`` against the three elder-friendly numbers."""
    elements = [e for e in report.walk() if e.role != "region"]
    interactive = [e for e in elements if e.interactive]
    texts = [e for e in elements if e.text]

    small_targets = tuple(
        Failure(e, f"{e.rect[2]}×{e.rect[3]} px")
        for e in interactive
        if e.rect[2] < MIN_TARGET or e.rect[3] < MIN_TARGET
    )
    small_text = tuple(
        Failure(e, f"{_number(e.font_px)} px")
        for e in texts
        if e.font_px is not None and e.font_px < MIN_TEXT_PX
    )
    low_contrast = []
    for e in texts:
        ratio = e.contrast
        if ratio is None:
            # Text the picture does not show (scrolled away, clipped) cannot be vouched for.
            low_contrast.append(Failure(e, "its text is not on screen (scrolled away or clipped)"))
        elif ratio < MIN_TEXT_CONTRAST:
            low_contrast.append(Failure(e, f"{ratio:.2f}:1 ({e.fg} on {e.bg})"))
    return [
        RuleResult(
            "target",
            f"touch targets at least {MIN_TARGET}×{MIN_TARGET} px",
            len(interactive),
            small_targets,
        ),
        RuleResult("text-size", f"text at least {MIN_TEXT_PX} px", len(texts), small_text),
        RuleResult(
            "contrast",
            f"text contrast at least {MIN_TEXT_CONTRAST:g}:1",
            len(texts),
            tuple(low_contrast),
        ),
    ]


# -- output ---------------------------------------------------------------------------------


def _json_number(value: float | None) -> float | int | None:
    return int(value) if value is not None and float(value).is_integer() else value


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _quoted(text: str, limit: int = 60) -> str:
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return f'"{shown}"'


def format_tree(report: ScreenReport) -> str:
    """One line for the screen, then one indented line per element."""
    width, height = report.size
    lines = [
        f"screen {report.screen}  locale {report.locale}  theme {report.theme}  "
        f"scale {report.scale}%  size {width}x{height}"
    ]

    def add(element: Element, depth: int) -> None:
        x, y, w, h = element.rect
        parts = [f"{'  ' * depth}{element.role} {_quoted(element.name)}"]
        if element.spoken and element.spoken != element.name:
            parts.append(f"spoken {_quoted(element.spoken)}")
        if element.accessible_name and element.accessible_name not in (
            element.name,
            element.spoken,
        ):
            parts.append(f"accessible name {_quoted(element.accessible_name)}")
        if element.description:
            parts.append(f"described {_quoted(element.description)}")
        if element.interactive:
            parts.append("interactive")
        parts.append(f"at {x},{y} {w}x{h}")
        if element.font_px is not None:
            parts.append(f"{_number(element.font_px)}px")
        if element.text and element.fg and element.bg:
            parts.append(f"{element.fg} on {element.bg} {element.contrast or 0:.1f}:1")
        elif element.bg:
            parts.append(f"on {element.bg}")
        if element.plugin:
            parts.append(f"plugin {element.plugin}")
        lines.append("  ".join(parts))
        for child in element.children:
            add(child, depth + 1)

    for element in report.elements:
        add(element, 1)
    return "\n".join(lines)


def format_audit(results: list[RuleResult]) -> str:
    lines = []
    for result in results:
        verdict = "PASS" if result.passed else "FAIL"
        lines.append(f"{verdict}  {result.title} ({result.checked} checked)")
        for failure in result.failures:
            x, y, w, h = failure.element.rect
            lines.append(
                f"      {failure.element.role} {_quoted(failure.element.name, 40)} "
                f"at {x},{y} {w}x{h}: {failure.measured}"
            )
    return "\n".join(lines)


# -- reading aloud ----------------------------------------------------------------------------


def spoken_text(widget: QWidget, locale: str) -> str:
    """What reading ``widget`` aloud says: its accessible name, else the words it shows
    (a tile adds its note, such as "not available right now")."""
    return _spoken(widget, _role(widget), _own_text(widget), locale)


def reading_order(window: ShellWindow) -> list[str]:
    """What "read this to me" says, in order: the screen's title, then each item on it.

    A control is read as one phrase (a tile's name, not its name and then its label
    again); the bar's Home, Back and Help me are left out, as they are on every screen.
    """
    report = inspect_window(window, colours=False)
    items = [window.current_title()]
    if window.stack.currentWidget() is window.home:
        items.append(window.date.text())

    def collect(element: Element) -> None:
        if element.role != "region" and element.spoken:
            if element.interactive or not element.children:
                if element.spoken not in items:
                    items.append(element.spoken)
                return
            if element.text and element.spoken not in items:
                items.append(element.spoken)
        for child in element.children:
            collect(child)

    for element in report.elements:
        if element.role == "region" and element.name == report.screen:
            collect(element)
    return [item for item in items if item]
