"""Links in a message the senior reads: buttons for people they know, a warning for others.

Scams arrive as a friendly message with a link. The message text is always shown as
plain text that cannot be clicked; :class:`MessageLinks` goes under it and decides what
the senior can do with its links.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QWidget

from launcher.core.safety import link_urls, shown_site
from launcher.ui.kit import BigButton, BigLabel, Screen, kit_text

#: Buttons shown at most, side by side; more links than this stay in the text only (a
#: message with many links is not what family sends).
MAX_LINK_BUTTONS = 2


class MessageLinks(Screen):
    """The links of one message, made safe.

    From a known contact (``from_contact``), each link becomes a big "Open example.com"
    button that emits ``open_requested(url)``: confirm, then open it through
    ``PluginContext.site_allowed`` and ``open_url``. From anyone else there is no button,
    and a note says why the links cannot be opened; read :attr:`spoken` aloud with the
    message. With no link in the text it stays hidden and :attr:`spoken` is empty.
    """

    open_requested = Signal(str)

    def __init__(self, text: str, *, from_contact: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageLinks")
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(14)
        self.urls = link_urls(text)
        self.from_contact = from_contact
        self.buttons: list[BigButton] = []
        self.note = BigLabel(kit_text("safety.links.not_contact"), role="body")
        self.note.setObjectName("linksNotContact")
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.add(self.note)
        if not self.urls:
            # Hidden before it has a parent, so it is never shown as a window of its own.
            self.hide()
            return
        if not from_contact:
            return
        self.note.hide()
        self.buttons = link_buttons(self.urls, self.open_requested.emit)
        self.add_row(*self.buttons)

    @property
    def spoken(self) -> str:
        """What to read aloud after the message: why its links cannot be opened."""
        return self.note.text() if self.urls and not self.from_contact else ""


def link_buttons(urls: list[str], on_open: Callable[[str], None]) -> list[BigButton]:
    """Big "Open example.com" buttons for the first links of a known contact's message;
    a tap calls ``on_open(url)``."""
    buttons = []
    for url in urls[:MAX_LINK_BUTTONS]:
        site = shown_site(url)
        button = BigButton(kit_text("safety.link.open", site=site))
        button.setObjectName("messageLink")
        button.setAccessibleDescription(kit_text("safety.link.open.describe", site=site))
        button.clicked.connect(lambda _=False, u=url: on_open(u))
        buttons.append(button)
    return buttons
