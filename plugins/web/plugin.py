"""A tile that shows one web page: inside Leling, under its own header and above Home,
Back and "Help me", or, with ``in_browser`` (or on a machine without a web engine), in
the system's web browser.

Only a site the family allows opens (``PluginContext.site_allowed``): a tile whose
address is not on their list says so, aloud, and names the address in the helper's
report, instead of opening it. Inside Leling the page is also kept on its own site and
the family's list (``PluginContext.web_page``): a link elsewhere does not open, and the
senior is told why. In the browser only the first address can be checked.
"""

from __future__ import annotations

from typing import Any

from launcher.api import (
    BigButton,
    BigLabel,
    Plugin,
    PluginContext,
    QWidget,
    Screen,
    Timer,
    WebPage,
)

#: Long enough for the screen to be drawn before the browser takes over, so the senior
#: sees what is happening; short enough to feel immediate.
OPEN_DELAY_MS = 100
#: An address longer than this is shortened on screen; the browser still gets all of it.
ADDRESS_SHOWN_CHARS = 120
#: Zero-width space: lets a long address wrap after these characters instead of pushing
#: the screen wider than the display.
_BREAK = "\u200b"
_BREAK_AFTER = "/.?&=-_"


def display_address(url: str) -> str:
    """The address as shown: shortened when very long, and able to wrap."""
    shown = url if len(url) <= ADDRESS_SHOWN_CHARS else url[: ADDRESS_SHOWN_CHARS - 1] + "…"
    return "".join(c + _BREAK if c in _BREAK_AFTER else c for c in shown)


class WebScreen(Screen):
    """One line that says what is happening, the address, and a way to open it again."""

    def __init__(self, context: PluginContext) -> None:
        super().__init__()
        self._context = context
        tr = context.tr
        self.url = str(context.config.get("url", "")).strip()
        self._opening = tr("web.opening", name=context.tile_label())
        self._address = display_address(self.url)
        self._fitting = False
        # One status line rather than a heading plus a message: the senior reads one
        # sentence that always says what is happening now.
        self.status = BigLabel(self._opening, role="title")
        self.status.setObjectName("webStatus")
        self.address = BigLabel(self._address, role="caption")
        self.address.setObjectName("webAddress")
        self.open_button = BigButton(tr("web.open_again"), role="primary")
        self.open_button.setObjectName("webOpen")
        self.open_button.setAccessibleDescription(
            tr("web.open_again.describe", name=context.tile_label())
        )
        self.open_button.clicked.connect(self.open_page)
        self.add(self.status)
        self.add(self.address)
        self.add_stretch()
        self.add(self.open_button)
        #: Whether the family's list lets this address open.
        self.allowed = bool(self.url) and context.site_allowed(self.url)
        if not self.url:
            self.address.hide()
            self.open_button.hide()
            self.status.setText(tr("web.no_url"))
        elif not self.allowed:
            self.open_button.hide()
            self.status.setText(tr("web.not_allowed"))

    def refuse(self) -> None:
        """Tell the senior, in calm words and aloud, and the family exactly what to fix."""
        self._context.say(self.status.text())
        self._context.tell_helper(
            f"the web tile {self._context.tile_label()!r} did not open {self.url}: its site "
            "is not on safety.allowed_sites; add it there or change the tile's address"
        )

    def open_page(self) -> bool:
        if not self.url or not self.allowed:
            return False
        opened = self._context.open_url(self.url)
        self.status.setText(self._opening if opened else self._context.tr("web.failed"))
        self._fit()
        return opened

    def _fit(self) -> None:
        """On a short screen (large text) the status gets smaller, then the address goes."""
        if self.width() <= 0 or self.height() <= 0 or self._fitting or not self.url:
            return
        self._fitting = True
        try:
            for role, with_address in (("title", True), ("body", True), ("body", False)):
                if self.status.property("role") != role:
                    self.status.set_role(role)
                if self._needed(with_address) <= self.height():
                    break
            # Shown only once it is known to fit: showing a widget lays out every parent
            # at once, and an address that does not fit would push the window taller.
            self.address.setVisible(with_address)
        finally:
            self._fitting = False

    def _needed(self, with_address: bool) -> int:
        """The height this screen needs at its width, worked out from its parts."""
        # The kit offers no call for a Screen's margins and spacing; its layout has them.
        layout: Any = self.layout()
        margins = layout.contentsMargins()
        width = self.width() - margins.left() - margins.right()
        parts = [self.status.heightForWidth(width), self.open_button.sizeHint().height()]
        if with_address:
            parts.append(self.address.heightForWidth(width))
        spacing = layout.spacing() * (len(parts) - 1)
        return int(sum(parts) + spacing + margins.top() + margins.bottom())

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._fit()


class PageScreen(Screen):
    """The page inside Leling, with one line above it while it loads, when it cannot be
    reached, or when it was kept from going to another site; and "Try again"."""

    def __init__(self, context: PluginContext, page: WebPage) -> None:
        super().__init__()
        self.setObjectName("webPage")
        self._context = context
        self.page = page
        tr = context.tr
        self.status = BigLabel(tr("web.loading", name=context.tile_label()), role="body")
        self.status.setObjectName("webStatus")
        self.retry = BigButton(tr("web.retry"), role="primary")
        self.retry.setObjectName("webRetry")
        self.retry.setAccessibleDescription(tr("web.retry.describe", name=context.tile_label()))
        self.retry.clicked.connect(self.reload)
        self.retry.hide()
        self.add(self.status)
        self.add(page.widget, 1)
        self.add(self.retry)
        page.loaded.connect(self._loaded)
        page.refused.connect(self._refused)

    def _loaded(self, ok: bool) -> None:
        if ok:
            self.status.hide()
            self.retry.hide()
            return
        self.status.setText(self._context.tr("web.unreachable", name=self._context.tile_label()))
        self.status.show()
        self.retry.show()
        self._context.say(self.status.text())

    def _refused(self, _url: str) -> None:
        self.status.setText(self._context.tr("web.kept_here"))
        self.status.show()
        self._context.say(self.status.text())

    def reload(self) -> None:
        self.status.setText(self._context.tr("web.loading", name=self._context.tile_label()))
        self.retry.hide()
        self.page.reload()


class WebPlugin(Plugin):
    """Shows the configured page inside Leling, or opens it in the browser and says so."""

    def create_screen(self) -> QWidget:
        url = str(self.context.config.get("url", "")).strip()
        if (
            url
            and not self.context.config.get("in_browser", False)
            and self.context.site_allowed(url)
        ):
            page = self.context.web_page(url)
            if page is not None:
                return PageScreen(self.context, page)
        screen = WebScreen(self.context)
        if screen.url and not screen.allowed:
            screen.refuse()
        elif screen.url:
            timer: list[Timer] = []

            def open_once() -> None:
                timer[0].stop()
                screen.open_page()

            timer.append(self.context.every(OPEN_DELAY_MS, open_once))
        return screen
