"""What is on one screen, as a tree a person or a test can read, and an accessibility audit.

Each element is a visible widget that shows text, shows an image or takes input, with
what a senior would hear for it, where it is, how large its text is and which colours it
is drawn in. The colours come from the rendered picture, not from the style sheet, so
the audit checks what is really on the screen.

The audit checks the three numbers of the elder-friendly rules Leling follows (MIIT
elder-friendly standard, WCAG 2.2 AAA, EN 301 549, taken to a desktop or tablet): touch
targets at least 72×72 px, text at least 22 px, text contrast at least 7:1. Two more rules
check what is heard: every control is read aloud in the screen's language (not silent, not
a catalogue key, not another language's words), and every control gives screen readers
such as Orca and NVDA an accessible name and a description.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
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

from launcher.core.errors import LelingError, UsageError
from launcher.core.i18n import LOCALE_NAMES, SUPPORTED_LOCALES, core_locales_dir, load_catalogues
from launcher.core.instance import Instance
from launcher.core.theme import MIN_TEXT_CONTRAST, contrast_ratio
from launcher.ui.kit import MIN_TARGET, Canvas, TileButton, configure_touch, touch_policy
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
    #: The words the shell and its plugins can show, to judge what is spoken.
    messages: Messages = field(default_factory=lambda: Messages(), repr=False, compare=False)

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
        tutorial = window.tutorial
        if tutorial is not None and tutorial.running:
            # Laid over the screen: its words and controls, and where the arrow points.
            self.regions[id(tutorial.panel)] = f"tutorial {tutorial.name}"
            tip = tutorial.arrow_tip()
            target = tutorial.target.objectName() if tutorial.target is not None else ""
            self.regions[id(tutorial.arrow)] = (
                f"tutorial arrow at {tip.x()},{tip.y()} pointing at {target or 'nothing'}"
            )

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
        messages=messages_of(instance),
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
    # A tool taps the moment a screen is up, faster than any person: on a clock where
    # every look is a second later, the kit's quiet moment after a screen change and its
    # double-tap rule take the tap as deliberate, as they would a person's.
    policy = touch_policy()
    ticks = itertools.count(1)
    configure_touch(dataclasses.replace(policy, clock=lambda: policy.clock() + next(ticks)))
    try:
        QTest.mouseClick(element.widget, Qt.MouseButton.LeftButton)
    finally:
        configure_touch(policy)
    return element


# -- the words a screen may say -------------------------------------------------------------

#: A catalogue key as code writes it: lowercase words joined by dots (``home.next``,
#: ``contacts.card.spoken_plain``).
_KEY_SHAPE = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+")
#: A message with placeholders is looked for in spoken text only when its own words hold
#: at least this many letters: "{month}月" alone would match half of all Chinese dates.
_TEMPLATE_MIN_LETTERS = 2
_LANGUAGES = {
    "zh_CN": "Simplified Chinese",
    "zh_HK": "Hong Kong Chinese",
    "en": "English",
    "ug": "Uyghur",
}


def _is_letter(char: str) -> bool:
    return unicodedata.category(char).startswith("L")


def _is_han(char: str) -> bool:
    code = ord(char)
    return (
        0x3400 <= code <= 0x4DBF  # extension A
        or 0x4E00 <= code <= 0x9FFF  # unified ideographs
        or 0xF900 <= code <= 0xFAFF  # compatibility ideographs
        or 0x20000 <= code <= 0x323AF  # extensions B to H
    )


def _is_arabic_script(char: str) -> bool:
    code = ord(char)
    return (
        0x0600 <= code <= 0x06FF
        or 0x0750 <= code <= 0x077F
        or 0x08A0 <= code <= 0x08FF
        or 0xFB50 <= code <= 0xFDFF  # presentation forms A
        or 0xFE70 <= code <= 0xFEFF  # presentation forms B
    )


#: The script a language's words are written in, for the languages whose script tells
#: them apart from English.
_SCRIPTS = {
    "zh_CN": ("Chinese characters", _is_han),
    "zh_HK": ("Chinese characters", _is_han),
    "ug": ("Uyghur (Arabic-script) letters", _is_arabic_script),
}


@dataclass(frozen=True)
class Messages:
    """Every message the shell and its plugins can show, by locale: the catalogues'
    translations and the manifests' names and descriptions.

    ``texts[locale]`` maps each message without placeholders, cleaned as spoken text is,
    to where it comes from (``catalogue's text for home.next``); ``templates[locale]``
    holds the messages with placeholders as patterns that match them filled in.
    """

    keys: frozenset[str] = frozenset()
    #: The first word of every dotted key, and every plugin id.
    namespaces: frozenset[str] = frozenset()
    texts: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    templates: Mapping[str, tuple[tuple[re.Pattern[str], str], ...]] = field(default_factory=dict)
    #: What the family typed once for every language (a tile called "WeChat", a
    #: person's name): their words on every screen, whatever its language.
    typed: frozenset[str] = frozenset()

    def origin(self, text: str, locale: str) -> str | None:
        """Where ``text`` comes from among ``locale``'s messages, if it is one of them."""
        found = self.texts.get(locale, {}).get(text)
        if found is not None:
            return found
        for pattern, where in self.templates.get(locale, ()):
            if pattern.fullmatch(text):
                return where
        return None


def messages_of(instance: Instance) -> Messages:
    """The messages ``instance`` can show: the shell's catalogues, and the catalogues
    and manifest of every plugin it found."""
    folders = [core_locales_dir()]
    manifests = []
    for plugin_id in instance.registry.ids():
        manifest = instance.registry.get(plugin_id)
        if manifest is None:
            continue
        folders.append(manifest.folder / "locales")
        manifests.append(
            (
                manifest.id,
                tuple(sorted(manifest.names.items())),
                tuple(sorted(manifest.descriptions.items())),
            )
        )
    known = _messages(tuple((str(f), _signature(f)) for f in folders), tuple(manifests))
    typed = [
        tile["label"]
        for tile in instance.settings.get("tiles", [])
        if isinstance(tile.get("label"), str)
    ]
    typed += [str(person.get("name")) for person in instance.settings.get("contacts", [])]
    # What the family typed into a tile's settings (a taxi's "City Hospital | 1 Road"):
    # each value, and each part of it a plugin may show on its own.
    for tile in instance.settings.get("tiles", []):
        config = tile.get("config") or {}
        for value in config.values() if isinstance(config, dict) else ():
            for text in value if isinstance(value, list) else [value]:
                if isinstance(text, str):
                    typed.append(text)
                    typed += re.split(r"[|\n;=]", text)
    return dataclasses.replace(known, typed=frozenset(filter(None, map(_clean, typed))))


_Signature = tuple[tuple[str, int, int], ...]
_ManifestTexts = tuple[str, tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]


def _signature(folder: Path) -> _Signature:
    """The catalogue files in ``folder`` and when they changed: the audit reads each set
    of catalogues once, not once per screen."""
    if not folder.is_dir():
        return ()
    found = []
    for path in sorted(folder.glob("*.po")):
        status = path.stat()
        found.append((path.name, status.st_mtime_ns, status.st_size))
    return tuple(found)


@functools.lru_cache(maxsize=16)
def _messages(
    folders: tuple[tuple[str, _Signature], ...], manifests: tuple[_ManifestTexts, ...]
) -> Messages:
    keys: set[str] = set()
    namespaces: set[str] = set()
    texts: dict[str, dict[str, str]] = {locale: {} for locale in SUPPORTED_LOCALES}
    templates: dict[str, list[tuple[re.Pattern[str], str]]] = {
        locale: [] for locale in SUPPORTED_LOCALES
    }

    def add(locale: str, value: str, where: str) -> None:
        if locale not in texts:
            return
        value = _clean(value)
        try:
            parts = list(string.Formatter().parse(value))
        except ValueError:  # a lone brace: shown as it is
            parts = [(value, None, None, None)]
        literal = "".join(text for text, *_ in parts)
        if all(name is None for _, name, _, _ in parts):
            if literal:
                texts[locale].setdefault(literal, where)
            return
        if sum(map(_is_letter, literal)) < _TEMPLATE_MIN_LETTERS:
            return
        pattern = "".join(
            re.escape(text) + ("" if name is None else ".*?") for text, name, _, _ in parts
        )
        templates[locale].append((re.compile(pattern, re.DOTALL), where))

    for folder, _ in folders:
        try:
            catalogues = load_catalogues(Path(folder))
        except LelingError:
            continue  # `leling plugins check` reports a catalogue that cannot be read
        for locale, catalogue in catalogues.items():
            for key, value in catalogue.items():
                keys.add(key)
                if _KEY_SHAPE.fullmatch(key):
                    namespaces.add(key.split(".", 1)[0])
                add(locale, value, f"catalogue's text for {key}")
    for plugin_id, names, descriptions in manifests:
        namespaces.add(plugin_id)
        for locale, value in names:
            add(locale, value, f"name in {plugin_id}'s manifest")
        for locale, value in descriptions:
            add(locale, value, f"description in {plugin_id}'s manifest")
    return Messages(
        keys=frozenset(keys),
        namespaces=frozenset(namespaces),
        texts=texts,
        templates={locale: tuple(found) for locale, found in templates.items()},
    )


def language_problem(text: str, locale: str, messages: Messages) -> str | None:
    """Why ``text`` would not be heard as words of ``locale``'s language, or None.

    In this order:

    - nothing to say;
    - a key: a msgid of a loaded catalogue, or lowercase words joined by dots
      (``home.next``) that begin with a catalogue's namespace or a plugin id; unless
      ``locale``'s own messages say exactly that (catalogues keyed by English text);
    - another language's message: text that a catalogue or manifest of another locale
      gives (as it is, or with its placeholders filled in) while none of ``locale``'s
      does. This is the English fallback of a missing translation, and the Simplified
      message shown on a Hong Kong screen;
    - the wrong script: Chinese needs at least one Han character and Uyghur at least
      one Arabic-script letter, unless the text holds no letters at all ("0", "⌫").
      One is enough, so a name the family typed in Latin letters inside a Chinese
      sentence passes. English asks for no script: names in any script belong there.

    A language's own name ("English" in a language chooser) always passes, and so do the
    words the family typed once for every language (``Messages.typed``).
    """
    if not text:
        return "says nothing: it has no accessible name and no text"
    if text in LOCALE_NAMES.values() or text in messages.typed:
        return None
    quoted = _quoted(text)
    if messages.origin(text, locale) is None:
        if text in messages.keys:
            return f"{quoted} is a catalogue key, not words"
        if _KEY_SHAPE.fullmatch(text) and text.split(".", 1)[0] in messages.namespaces:
            return f"{quoted} is shaped like a catalogue key, not words"
        for other in SUPPORTED_LOCALES:
            where = messages.origin(text, other) if other != locale else None
            if where is not None:
                return (
                    f"{quoted} is {_LANGUAGES.get(other, other)}: the {other} {where}, "
                    f"and no {locale} message says it"
                )
    script = _SCRIPTS.get(locale)
    if script is not None:
        name, written_in = script
        letters = [char for char in text if _is_letter(char)]
        if letters and not any(map(written_in, letters)):
            return f"{quoted} has no {name}, so it is not {_LANGUAGES.get(locale, locale)}"
    return None


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
    """Check every element of ``report`` against the three elder-friendly numbers, and
    every control for what a person and a screen reader hear."""
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
    unspoken = []
    for e in interactive:
        problem = language_problem(e.spoken, report.locale, report.messages)
        if problem is not None:
            unspoken.append(Failure(e, problem))
    undescribed = []
    for e in interactive:
        missing = [
            what
            for what, value in (("name", e.accessible_name), ("description", e.description))
            if not value
        ]
        if missing:
            undescribed.append(Failure(e, "no accessible " + " and no ".join(missing)))
            continue
        # A screen reader reads the description as it is: a key or another language's
        # words help no one.
        problem = language_problem(e.description, report.locale, report.messages)
        if problem is not None:
            undescribed.append(Failure(e, f"description {problem}"))
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
        RuleResult(
            "spoken",
            "every control is read aloud in the screen's language",
            len(interactive),
            tuple(unspoken),
        ),
        RuleResult(
            "accessible",
            "every control has an accessible name and description for screen readers",
            len(interactive),
            tuple(undescribed),
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
