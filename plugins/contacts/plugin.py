"""Family and helpers as big photo cards; tap one to see the number large and call it."""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from launcher.api import (
    BigButton,
    BigLabel,
    Canvas,
    Contact,
    Plugin,
    PluginContext,
    QColor,
    QFont,
    QPainter,
    QPixmap,
    QRectF,
    Qt,
    QWidget,
    Screen,
)

#: Circle colours for people without a photo; each keeps white letters above 7:1 contrast.
AVATAR_COLOURS = (
    "#174A87",
    "#8A2A24",
    "#245426",
    "#6A3FA0",
    "#7A3B00",
    "#00564B",
    "#8E2C6B",
    "#5D4037",
)
#: Photos are kept at most this size in memory; cards never draw them larger.
PHOTO_KEEP_PX = 512
CARD_AVATAR_MAX = 160
CARD_AVATAR_MIN = 64
DETAIL_AVATAR_MAX = 200
#: Below this the detail view leaves the photo out and keeps the number readable.
DETAIL_AVATAR_MIN = 96
SPACING = 20
CARD_PADDING = 16
CARD_SPACING = 8
CARD_RADIUS = 18


def dial_string(phone: str) -> str:
    """What follows ``tel:``: the digits, keeping the + of an international number."""
    digits = re.sub(r"\D", "", phone)
    if digits and phone.strip().startswith("+"):
        return "+" + digits
    return digits


def avatar_colour(name: str) -> str:
    # crc32, not hash(): the same person keeps the same colour across restarts.
    return AVATAR_COLOURS[zlib.crc32(name.encode("utf-8")) % len(AVATAR_COLOURS)]


def initial(name: str) -> str:
    return name.strip()[:1].upper()


def _box(widget: QWidget) -> Any:
    """The box layout of a Screen or of one of its rows.

    The kit has no calls for spacing, margins or stretch factors, so these few
    adjustments reach the layout the kit made.
    """
    return widget.layout()


def _zero_margins(screen: Screen, spacing: int = SPACING) -> Screen:
    _box(screen).setContentsMargins(0, 0, 0, 0)
    _box(screen).setSpacing(spacing)
    return screen


def _centred(label: BigLabel) -> BigLabel:
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label


class Avatar(Canvas):
    """A round photo, or a coloured circle with the first character of the name."""

    def __init__(self, name: str, photo: QPixmap | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._initial = initial(name)
        self._colour = QColor(avatar_colour(name))
        self._photo = photo if photo is not None and not photo.isNull() else None
        self._round: QPixmap | None = None
        self._diameter = 0
        self.set_diameter(CARD_AVATAR_MAX)

    @property
    def has_photo(self) -> bool:
        return self._photo is not None

    @property
    def diameter(self) -> int:
        """The circle's size; 0 when there is no room for it and it is left out."""
        return self._diameter

    def set_diameter(self, diameter: int) -> None:
        self._diameter = max(0, diameter)
        self.setFixedHeight(self._diameter)
        self.setMinimumWidth(self._diameter)
        self.setVisible(self._diameter > 0)

    def _round_photo(self, side: int) -> QPixmap:
        """The photo cut to a circle, filling it (cropped, never stretched); cached per size."""
        assert self._photo is not None
        ratio = self.devicePixelRatioF()
        pixels = max(1, round(side * ratio))
        if self._round is not None and self._round.width() == pixels:
            return self._round
        result = QPixmap(pixels, pixels)
        result.fill(Qt.GlobalColor.transparent)
        painter = QPainter(result)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("white"))
            painter.drawEllipse(0, 0, pixels, pixels)
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
            scaled = self._photo.scaled(
                pixels,
                pixels,
                Qt.AspectRatioMode.KeepAspectRatioByExpanding,
                Qt.TransformationMode.SmoothTransformation,
            )
            painter.drawPixmap(
                (pixels - scaled.width()) // 2, (pixels - scaled.height()) // 2, scaled
            )
        finally:
            painter.end()
        result.setDevicePixelRatio(ratio)
        self._round = result
        return result

    def paint(self, painter: QPainter, rect: Any) -> None:  # a QRect, not in launcher.api
        area = QRectF(rect)
        side = int(min(area.width(), area.height()))
        if side < 8:
            return
        circle = QRectF(
            area.x() + (area.width() - side) / 2, area.y() + (area.height() - side) / 2, side, side
        )
        if self._photo is not None:
            painter.drawPixmap(int(circle.x()), int(circle.y()), self._round_photo(side))
            # A thin ring in the text colour keeps a pale photo apart from the background.
            pen = painter.pen()
            pen.setColor(self.palette().windowText().color())
            pen.setWidth(3)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(circle.adjusted(1.5, 1.5, -1.5, -1.5))
            return
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self._colour)
        painter.drawEllipse(circle)
        if self._initial:
            font = QFont(self.font())
            font.setBold(True)
            font.setPixelSize(max(8, int(side * 0.48)))
            painter.setFont(font)
            painter.setPen(QColor("white"))
            painter.drawText(circle, int(Qt.AlignmentFlag.AlignCenter), self._initial)


def _set_role(label: BigLabel, role: str) -> None:
    if label.property("role") != role:
        label.set_role(role)


def _fresh_height(widget: QWidget, width: int) -> int:
    """``widget``'s height at ``width`` after children were hidden or restyled.

    Layouts keep their children's sizes until the next event-loop pass; this screen has
    to decide what fits before that, so those caches are dropped first.
    """
    for child in widget.findChildren(QWidget):
        child.updateGeometry()
    _box(widget).invalidate()
    if widget.hasHeightForWidth():
        return max(widget.heightForWidth(width), widget.minimumSizeHint().height())
    return widget.sizeHint().height()


@contextmanager
def _offstage(widget: QWidget) -> Iterator[None]:
    """Keep ``widget`` hidden while it is reshaped and measured.

    Showing a child of a visible widget makes Qt lay out every parent at once; a shape
    tried on the way to the one that fits would otherwise grow the window past the
    display.
    """
    shown = not widget.isHidden()
    focused = widget.focusWidget()
    if shown:
        widget.hide()
    try:
        yield
    finally:
        if shown:
            widget.show()
            if focused is not None and focused.isVisible():
                focused.setFocus()


#: How far a card gives way when the screen is short (large text on a small display).
#: Each level keeps what the one before did: no relation, the name smaller, the number
#: smaller. The name and the number always stay.
CARD_LEVELS = 4


class ContactCard(Screen):
    """One person: photo, name, relation and number. The whole card is one big target."""

    def __init__(
        self,
        contact: Contact,
        photo: QPixmap | None,
        tr: Callable[..., str],
        on_tap: Callable[[Contact], None],
    ) -> None:
        super().__init__()
        self.setObjectName("contactCard")
        self.contact = contact
        self._on_tap = on_tap
        self._pressed = False
        _zero_margins(self, CARD_SPACING)
        _box(self).setContentsMargins(CARD_PADDING, CARD_PADDING, CARD_PADDING, CARD_PADDING)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.avatar = Avatar(contact.name, photo)
        self.name_label = _centred(BigLabel(contact.name, role="title"))
        self.relation_label = _centred(BigLabel(contact.relation, role="body"))
        self.relation_label.setVisible(bool(contact.relation))
        self.phone_label = _centred(BigLabel(contact.phone, role="title"))
        # A number broken over two lines is easy to misdial.
        self.phone_label.setWordWrap(False)
        for widget in (self.avatar, self.name_label, self.relation_label, self.phone_label):
            self.add(widget)
        self.add_stretch()
        spoken = "contacts.card.spoken" if contact.relation else "contacts.card.spoken_plain"
        self.setAccessibleName(
            tr(spoken, name=contact.name, relation=contact.relation, phone=contact.phone)
        )
        self.setAccessibleDescription(tr("contacts.card.describe"))

    def shape(self, avatar: int, level: int) -> None:
        """Photo size (0: none) and how compact the text is (0 to CARD_LEVELS - 1)."""
        self.avatar.set_diameter(avatar)
        self.relation_label.setVisible(level < 1 and bool(self.contact.relation))
        _set_role(self.name_label, "body" if level >= 2 else "title")
        _set_role(self.phone_label, "body" if level >= 3 else "title")

    def preferred_height(self, width: int) -> int:
        return _fresh_height(self, width)

    def paintEvent(self, event: object) -> None:
        painter = QPainter(self)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            colour = self.palette().windowText().color()
            width = 6 if self._pressed or self.hasFocus() else 3
            pen = painter.pen()
            pen.setColor(colour)
            pen.setWidth(width)
            painter.setPen(pen)
            if self._pressed:
                tint = QColor(colour)
                tint.setAlpha(40)
                painter.setBrush(tint)
            else:
                painter.setBrush(Qt.BrushStyle.NoBrush)
            half = width / 2
            frame = QRectF(self.rect()).adjusted(half, half, -half, -half)
            painter.drawRoundedRect(frame, CARD_RADIUS, CARD_RADIUS)
        finally:
            painter.end()

    def mousePressEvent(self, event: object) -> None:
        if event.button() == Qt.MouseButton.LeftButton:  # type: ignore[attr-defined]
            self._pressed = True
            self.update()

    def mouseReleaseEvent(self, event: object) -> None:
        was_pressed = self._pressed
        self._pressed = False
        self.update()
        inside = self.rect().contains(event.position().toPoint())  # type: ignore[attr-defined]
        if was_pressed and inside:
            self._on_tap(self.contact)

    def keyPressEvent(self, event: object) -> None:
        key = event.key()  # type: ignore[attr-defined]
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space, Qt.Key.Key_Select):
            self._on_tap(self.contact)
            return
        super().keyPressEvent(event)  # type: ignore[arg-type]


class ContactDetail(Screen):
    """One person large: photo, name, the number huge, Call and Back."""

    def __init__(
        self,
        contact: Contact,
        photo: QPixmap | None,
        context: PluginContext,
        on_back: Callable[[], None],
    ) -> None:
        super().__init__()
        _zero_margins(self)
        self.contact = contact
        self.has_number = bool(dial_string(contact.phone))
        self._message_has_number = False
        self._context = context
        self._size = (0, 0)
        tr = context.tr
        self.avatar = Avatar(contact.name, photo)
        self.avatar.set_diameter(0)
        self.avatar.setMaximumWidth(DETAIL_AVATAR_MAX)
        self._names = _zero_margins(Screen(), 8)
        self.name_label = BigLabel(contact.name, role="title")
        self.relation_label = BigLabel(contact.relation, role="body")
        # Stretch above and below: the name sits level with the middle of the photo.
        self._names.add_stretch()
        self._names.add(self.name_label)
        self._names.add(self.relation_label)
        self._names.add_stretch()
        self._top = self.add_row(self.avatar, self._names)
        _box(self._top).setStretch(1, 1)

        self.phone_label = _centred(BigLabel(contact.phone, role="huge"))
        self.add(self.phone_label)
        self.message = _centred(BigLabel(role="body"))
        self.message.setObjectName("contactsMessage")
        self.message.hide()
        self.add(self.message)
        self.add_stretch()

        self.back_button = BigButton(tr("contacts.back"))
        self.back_button.setObjectName("contactsBack")
        self.back_button.setAccessibleDescription(tr("contacts.back.describe"))
        self.back_button.clicked.connect(on_back)
        self.call_button = BigButton(tr("contacts.call"), role="primary")
        self.call_button.setObjectName("contactsCall")
        self.call_button.setAccessibleDescription(tr("contacts.call.describe", phone=contact.phone))
        self.call_button.clicked.connect(self.call)
        self.add_row(self.back_button, self.call_button)
        if not self.has_number:
            self.call_button.hide()
            self._say(tr("contacts.no_phone", name=contact.name))

    def _say(self, text: str, *, has_number: bool = False) -> None:
        with _offstage(self):
            self.message.setText(text)
            self.message.show()
            self._message_has_number = has_number
            self.fit(*self._size)

    def call(self) -> None:
        number = dial_string(self.contact.phone)
        if not number:
            return
        if self._context.open_url("tel:" + number):
            self._say(self._context.tr("contacts.calling", name=self.contact.name))
        else:
            self._say(
                self._context.tr("contacts.dial_yourself", phone=self.contact.phone),
                has_number=True,
            )

    def fit(self, width: int, height: int) -> None:
        """Make the view fit ``width``×``height``, giving up the least important parts first.

        From the most generous form: the number drops from huge to title size, the
        relation goes, the separate number goes when a message repeats it, the spacing
        tightens, the name and then the number shrink to body size, and the name goes
        while a message is shown. The photo gets what is left, or is left out.
        """
        self._size = (width, height)
        if width <= 0 or height <= 0:
            return
        with _offstage(self):
            self._fit(width, height)

    def _fit(self, width: int, height: int) -> None:
        self.avatar.set_diameter(0)
        _set_role(self.phone_label, "huge")
        _set_role(self.name_label, "title")
        self.name_label.show()
        self.relation_label.setVisible(bool(self.contact.relation))
        self.phone_label.setVisible(self.has_number)
        _box(self).setSpacing(SPACING)
        self.ensurePolished()
        message = not self.message.isHidden()
        repeated = message and self._message_has_number
        steps: list[Callable[[], None]] = [
            lambda: _set_role(self.phone_label, "title"),
            self.relation_label.hide,
            lambda: self.phone_label.setVisible(self.has_number and not repeated),
            lambda: _box(self).setSpacing(SPACING // 2),
            lambda: _set_role(self.name_label, "body"),
            lambda: _set_role(self.phone_label, "body"),
            # The message says what to do now; the name was on the card just tapped.
            lambda: self.name_label.setVisible(not message),
        ]
        if self.phone_label.sizeHint().width() > width:
            steps.pop(0)()
        for step in steps:
            if _fresh_height(self, width) <= height:
                break
            step()
        room = height - (_fresh_height(self, width) - self._top.sizeHint().height())
        self.avatar.set_diameter(min(DETAIL_AVATAR_MAX, room) if room >= DETAIL_AVATAR_MIN else 0)


class ContactsScreen(Screen):
    """A grid of cards, paged with big buttons, and the detail of one person in its place."""

    def __init__(self, context: PluginContext) -> None:
        super().__init__()
        self._context = context
        tr = context.tr
        self._columns = max(1, min(3, int(context.config.get("columns", 3))))
        self._contacts = list(context.contacts())
        self._photos: dict[Path | None, QPixmap | None] = {
            c.photo: self._load_photo(c) for c in self._contacts if c.photo
        }
        self._page = 0
        #: rows, columns, photo size, card level: how the grid is laid out now.
        self._layout_key: tuple[int, int, int, int] = (0, 0, 0, 0)
        self._fitting = False
        self.detail: ContactDetail | None = None

        # Cards wait here, hidden, while another page is showing.
        self._stash = QWidget(self)
        self._stash.hide()
        self.cards = [
            ContactCard(c, self._photos.get(c.photo), tr, self.show_detail) for c in self._contacts
        ]
        for card in self.cards:
            card.setParent(self._stash)

        self.grid_view = _zero_margins(Screen())
        self.add(self.grid_view, 1)
        self._holder = _zero_margins(Screen())
        self.grid_view.add(self._holder, 1)
        self._grid: Screen | None = None
        self.previous_button = BigButton(tr("contacts.previous"))
        self.previous_button.setObjectName("contactsPrevious")
        self.previous_button.setAccessibleDescription(tr("contacts.previous.describe"))
        self.previous_button.clicked.connect(lambda: self.turn(-1))
        self.page_label = _centred(BigLabel(role="body"))
        self.page_label.setObjectName("contactsPage")
        self.page_label.setWordWrap(False)
        self.next_button = BigButton(tr("contacts.next"))
        self.next_button.setObjectName("contactsNext")
        self.next_button.setAccessibleDescription(tr("contacts.next.describe"))
        self.next_button.clicked.connect(lambda: self.turn(1))
        self.nav = self.grid_view.add_row(self.previous_button, self.page_label, self.next_button)
        for index in range(3):
            _box(self.nav).setStretch(index, 1)

        if not self._contacts:
            self.grid_view.hide()
            self.add(BigLabel(tr("contacts.empty.title"), role="title"))
            self.add(BigLabel(tr("contacts.empty.body"), role="body"))
            self.add_stretch()
            return
        # The most compact arrangement until the first resize says how much room there
        # is, so the screen never asks for more than the display has.
        self._arrange(rows=1, columns=1, avatar=0, level=CARD_LEVELS - 1)

    def _load_photo(self, contact: Contact) -> QPixmap | None:
        photo = QPixmap(str(contact.photo))
        if photo.isNull():
            self._context.log.warning("cannot read the photo %s of %s", contact.photo, contact.name)
            return None
        if max(photo.width(), photo.height()) > PHOTO_KEEP_PX:
            photo = photo.scaled(
                PHOTO_KEEP_PX,
                PHOTO_KEEP_PX,
                Qt.AspectRatioMode.KeepAspectRatioByExpanding,
                Qt.TransformationMode.SmoothTransformation,
            )
        return photo

    # -- the grid ---------------------------------------------------------------------

    @property
    def rows(self) -> int:
        return self._layout_key[0]

    @property
    def columns(self) -> int:
        return self._layout_key[1]

    @property
    def per_page(self) -> int:
        return max(1, self.rows * self.columns)

    @property
    def page_count(self) -> int:
        return max(1, math.ceil(len(self.cards) / self.per_page))

    @property
    def page(self) -> int:
        return self._page

    def visible_cards(self) -> list[ContactCard]:
        start = self._page * self.per_page
        return self.cards[start : start + self.per_page]

    def turn(self, step: int) -> None:
        self._page = max(0, min(self.page_count - 1, self._page + step))
        self._show_page()

    def _shape_cards(self, avatar: int, level: int, width: int = 0) -> int:
        """Shape every card alike; returns the tallest card's height at ``width``."""
        for card in self.cards:
            card.shape(avatar, level)
        return max(card.preferred_height(width) for card in self.cards)

    def _arrange(self, rows: int, columns: int, avatar: int, level: int) -> None:
        first = self._page * self.per_page if self._layout_key[0] else 0
        self._shape_cards(avatar, level)
        key = (rows, columns, avatar, level)
        if key == self._layout_key:
            return
        self._layout_key = key
        # Keep the first person of the old page in view when the page size changes.
        self._page = min(first // self.per_page, self.page_count - 1)
        self._show_page()

    def _show_page(self) -> None:
        for card in self.cards:
            card.setParent(self._stash)
        if self._grid is not None:
            self._grid.setParent(None)
            self._grid.deleteLater()
        grid = _zero_margins(Screen())
        shown = self.visible_cards()
        for start in range(0, len(shown), self.columns):
            chunk: Sequence[QWidget] = shown[start : start + self.columns]
            # Empty places keep a short last row's cards as wide as the ones above.
            fillers = [QWidget() for _ in range(self.columns - len(chunk))]
            row = grid.add_row(*chunk, *fillers)
            for index in range(self.columns):
                _box(row).setStretch(index, 1)
        grid.add_stretch()
        self._holder.add(grid, 1)
        self._grid = grid
        for card in shown:
            card.show()
        grid.show()
        pages = self.page_count
        self.nav.setVisible(pages > 1)
        self.previous_button.setEnabled(self._page > 0)
        self.next_button.setEnabled(self._page < pages - 1)
        self.page_label.setText(self._context.tr("contacts.page", page=self._page + 1, pages=pages))

    def _room(self) -> tuple[int, int]:
        margins = _box(self).contentsMargins()
        return (
            self.width() - margins.left() - margins.right(),
            self.height() - margins.top() - margins.bottom(),
        )

    def _fit_grid(self) -> None:
        """Choose columns, rows, photo size and card level so that whole cards fit."""
        width, height = self._room()
        if width <= 0 or height <= 0 or not self.cards:
            return
        with _offstage(self.grid_view):
            self._fit_grid_to(width, height)

    def _fit_grid_to(self, width: int, height: int) -> None:
        count = len(self.cards)
        nav = self.nav.sizeHint().height() + SPACING
        self._shape_cards(CARD_AVATAR_MAX, 0)
        widest = max(card.minimumSizeHint().width() for card in self.cards)
        columns = max(1, min(self._columns, count, (width + SPACING) // (widest + SPACING)))
        card_width = (width - SPACING * (columns - 1)) // columns
        full = self._shape_cards(CARD_AVATAR_MAX, 0, card_width)

        def rows_fitting(room: int) -> int:
            return max(0, (room + SPACING) // (full + SPACING))

        rows = rows_fitting(height)
        if rows * columns < count:
            rows = rows_fitting(height - nav)
        if rows > 0:
            self._arrange(min(rows, math.ceil(count / columns)), columns, CARD_AVATAR_MAX, 0)
            return
        # Not even one row of full cards: one row, with a smaller photo or none, then
        # more compact text, so that names and numbers are never cut off.
        room = height - (nav if count > columns else 0)
        bare = self._shape_cards(0, 0, card_width) + CARD_SPACING
        if room - bare >= CARD_AVATAR_MIN:
            self._arrange(1, columns, min(CARD_AVATAR_MAX, room - bare), 0)
            return
        level = 0
        while level < CARD_LEVELS - 1 and self._shape_cards(0, level, card_width) > room:
            level += 1
        self._arrange(1, columns, 0, level)

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        if self._fitting:
            return
        self._fitting = True
        try:
            if self.detail is not None:
                self.detail.fit(*self._room())
            elif self.cards:
                self._fit_grid()
        finally:
            self._fitting = False

    # -- one person -------------------------------------------------------------------

    def show_detail(self, contact: Contact) -> None:
        self.close_detail()
        self.grid_view.hide()
        detail = ContactDetail(
            contact, self._photos.get(contact.photo), self._context, self.close_detail
        )
        self.detail = detail
        self.add(detail, 1)
        detail.fit(*self._room())
        detail.call_button.setFocus()

    def close_detail(self) -> None:
        if self.detail is None:
            return
        self.detail.hide()
        self.detail.setParent(None)
        self.detail.deleteLater()
        self.detail = None
        self.grid_view.show()
        # The screen may have changed size while one person was shown.
        self._fitting = True
        try:
            self._fit_grid()
        finally:
            self._fitting = False


class ContactsPlugin(Plugin):
    """The people in the senior's profile, to look at and to call."""

    def create_screen(self) -> QWidget:
        return ContactsScreen(self.context)
