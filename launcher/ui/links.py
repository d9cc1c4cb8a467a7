"""Links in a message the senior reads, and the one way a tapped link opens.

Scams arrive as a friendly message with a link. The message text is always shown as
plain text that cannot be clicked. :func:`openable_links` decides what the senior may do
with its links: a contact's become big "Open example.com" buttons (:func:`link_buttons`,
or :class:`MessageLinks` under the text); anyone else's stay text, and a note says why.
A tapped button goes through :class:`LinkOpener`: one Yes question naming the site, the
family's ``safety.allowed_sites``, then the web browser, or calm words on screen and
aloud and a line in the helper report. A relative's message on the shell's own screen
and a plugin's messages (the photos) use these same pieces.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QWidget

from launcher.core.safety import link_urls, shown_site
from launcher.ui.kit import BigButton, BigLabel, ConfirmScreen, MessageScreen, Screen, kit_text

#: Buttons shown at most, side by side; more links than this stay in the text only (a
#: message with many links is not what family sends).
MAX_LINK_BUTTONS = 2


def openable_links(text: str, *, from_contact: bool) -> tuple[list[str], str]:
    """What the senior may do with the links in ``text``: the addresses that become
    buttons (the first links of a contact's message), and the note to show and read
    aloud instead (why anyone else's links cannot be opened). Both are empty when the
    text has no link."""
    urls = link_urls(text)
    if not urls:
        return [], ""
    if from_contact:
        return urls[:MAX_LINK_BUTTONS], ""
    return [], kit_text("safety.links.not_contact")


def link_buttons(urls: list[str], on_open: Callable[[str], object]) -> list[BigButton]:
    """Big "Open example.com" buttons for the links :func:`openable_links` gives; a tap
    calls ``on_open(url)`` (usually :meth:`LinkOpener.ask`)."""
    buttons = []
    for url in urls[:MAX_LINK_BUTTONS]:
        site = shown_site(url)
        button = BigButton(kit_text("safety.link.open", site=site))
        button.setObjectName("messageLink")
        button.setAccessibleDescription(kit_text("safety.link.open.describe", site=site))
        button.clicked.connect(lambda _=False, u=url: on_open(u))
        buttons.append(button)
    return buttons


class LinkServices(Protocol):
    """What :class:`LinkOpener` needs from whoever shows the message. A plugin's
    ``PluginContext`` is one; the shell gives its own for a relative's message."""

    def site_allowed(self, url: str) -> bool:
        """Whether the family's ``safety.allowed_sites`` lets ``url`` open."""

    def open_url(self, url: str) -> bool:
        """Open ``url`` in the web browser; False when nothing opened it."""

    def tell_helper(self, problem: str) -> None:
        """Put ``problem`` in the helper report (and the log), once."""

    def say(self, text: str, *, interrupt: bool = False) -> None:
        """Read ``text`` aloud after what is being said."""


class LinkOpener:
    """Opens a link the senior tapped in a message from ``sender``: the one safe way.

    :meth:`ask` puts one question naming the site ("Open example.com?", a big Yes and No)
    up with ``show(screen)`` and reads it aloud; No goes ``back()``. Yes checks the link
    against the family's ``safety.allowed_sites``. An allowed link opens in the web browser and the
    senior goes ``back()``. Any other is refused: a calm screen says "This website is not
    on your family's list." and shows the address, the words are read aloud, its one big
    button (``back_text``; "OK" by default) goes ``back()``, and the helper report names
    the address and ``safety.allowed_sites``. A browser that does not start is told the
    same way, in its own words.

    ``services`` is a plugin's own ``PluginContext`` (the manifest needs the
    ``open_url`` permission, and ``contacts`` for :meth:`PluginContext.is_contact`);
    ``show`` puts a screen up in place of the message (a :class:`ViewStack`'s ``swap``)
    and ``back`` shows the message again.
    ``question_name`` and ``refused_name`` are the object names of the two screens (for a
    guide or a test). Nothing is shown until a link is tapped. One opener for each
    message shown::

        opener = LinkOpener(
            self.context,
            sender=message.sender,
            show=self.stack.swap,
            back=lambda: self.show_message(message),
        )
        sender_known = self.context.is_contact(message.sender)
        view.add(MessageLinks(message.text, from_contact=sender_known, opener=opener))
    """

    def __init__(
        self,
        services: LinkServices,
        *,
        sender: str,
        show: Callable[[QWidget], object],
        back: Callable[[], None],
        back_text: str | None = None,
        question_name: str = "openLink",
        refused_name: str = "linkRefused",
    ) -> None:
        self.services = services
        self.sender = sender
        self.show = show
        self.back = back
        self.back_text = back_text
        self.question_name = question_name
        self.refused_name = refused_name

    def ask(self, url: str) -> ConfirmScreen:
        """Ask whether to open ``url``, naming its site; returns the question shown."""
        asked = kit_text("safety.link.question", site=shown_site(url))
        question = ConfirmScreen(asked, kit_text("safety.link.detail"))
        question.setObjectName(self.question_name)
        # Lambdas, not bound methods: Qt keeps only a weak hold on a plain object's
        # method, and nothing else keeps this opener alive while its screens are shown.
        question.confirmed.connect(lambda: self.open(url))
        question.declined.connect(lambda: self.back())
        self.show(question)
        self.services.say(asked)
        return question

    def open(self, url: str) -> bool:
        """Open ``url`` if the family allows it (the question's Yes). False when it was
        refused or nothing opened it; the senior has been told why."""
        if not self.services.site_allowed(url):
            self.services.tell_helper(
                f"a link in {self.sender}'s message, {url}, is not on "
                "safety.allowed_sites; it was not opened"
            )
            words = kit_text("safety.site.refused")
        elif self.services.open_url(url):
            self.back()
            return True
        else:
            words = kit_text("safety.link.failed")
        told = MessageScreen(words, url, button_text=self.back_text)
        told.setObjectName(self.refused_name)
        # The address is shown as written: never as rich text that could dress it up.
        told.title_label.setTextFormat(Qt.TextFormat.PlainText)
        told.body_label.setTextFormat(Qt.TextFormat.PlainText)
        told.done.connect(lambda: self.back())
        self.show(told)
        self.services.say(words)
        return False


class MessageLinks(Screen):
    """The links of one message, made safe, to put under its text.

    From a known contact (``from_contact``), each link becomes a big "Open example.com"
    button; a tap goes to ``opener`` (a :class:`LinkOpener`: the question, the family's
    list of sites, the browser or the calm refusal) and emits ``open_requested(url)``.
    From anyone else there is no button, and a note says why the links cannot be opened;
    read :attr:`spoken` aloud with the message. With no link in the text it stays hidden
    and :attr:`spoken` is empty.
    """

    open_requested = Signal(str)

    def __init__(
        self,
        text: str,
        *,
        from_contact: bool,
        opener: LinkOpener | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("messageLinks")
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(14)
        self.urls = link_urls(text)
        self.from_contact = from_contact
        self.opener = opener
        if opener is not None:
            self.open_requested.connect(lambda url: opener.ask(url))
        openable, why = openable_links(text, from_contact=from_contact)
        self.note = BigLabel(why, role="body")
        self.note.setObjectName("linksNotContact")
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.add(self.note)
        if not why:
            self.note.hide()
        self.buttons = link_buttons(openable, self.open_requested.emit)
        if self.buttons:
            self.add_row(*self.buttons)
        if not self.urls:
            # Hidden before it has a parent, so it is never shown as a window of its own.
            self.hide()

    @property
    def spoken(self) -> str:
        """What to read aloud after the message: why its links cannot be opened."""
        return self.note.text()
