"""Web pages inside a plugin's screen (a video call), through Qt WebEngine.

Qt WebEngine is an optional part of PySide6 and a heavy one (a whole Chromium), so it is
imported when a plugin first asks for a page, never at start-up. Each page gets a private,
off-the-record profile: no cookies, cache or history are left behind for the next person
at a shared machine. A page may use the camera and microphone only when the plugin asked
for them for that page's own origin and its manifest lists both permissions; location,
notifications, screen capture and every other origin are refused.

Each page is site-locked (:class:`launcher.core.safety.SiteRule`): the page, and every new
window it tries to open, may go only to its own site, the sites its plugin named, and the
family's ``safety.allowed_sites``. A link or redirect anywhere else is refused and the
page stays where it was, so a page cannot lead the senior to a look-alike bank site.
Frames inside an allowed page are the page's own business (a map, a video): they cannot
take the screen, and get no camera or microphone.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from launcher.core.safety import SiteRule, url_host

log = logging.getLogger("leling.web")

#: Qt WebEngine's names of what a call needs: the microphone, the camera, or both.
MEDIA_KINDS = frozenset({"MediaAudioCapture", "MediaVideoCapture", "MediaAudioVideoCapture"})


def web_engine_available() -> bool:
    """Whether Qt WebEngine is installed here (without importing it)."""
    try:
        return importlib.util.find_spec("PySide6.QtWebEngineWidgets") is not None
    except (ImportError, ValueError):
        return False


def origin(url: str) -> tuple[str, str, int]:
    """Scheme, host and port of ``url``: what a browser calls its origin."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or {"https": 443, "http": 80}.get(scheme, 0)
    except ValueError:
        port = -1
    return scheme, (parts.hostname or "").lower(), port


def may_grant(page_url: str, asking: str, kind: str, *, media: bool) -> bool:
    """Whether a request for ``kind`` from the origin ``asking`` is granted on a page
    opened at ``page_url``: only camera and microphone, only with ``media``, and only for
    the page's own origin."""
    if not media or kind not in MEDIA_KINDS:
        return False
    wanted = origin(page_url)
    return bool(wanted[1]) and origin(asking) == wanted


def _prepare_chromium() -> None:
    # Chromium will not start as root with its sandbox on (kiosk machines often run the
    # session as root); Leling's pages are its own call pages, opened one at a time.
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")


_profile: Any = None


def _private_profile(profile_class: Any) -> Any:
    """The off-the-record profile every plugin page shares (no storage name: nothing is
    written to disk). It lives as long as the application, so it always outlives its
    pages, as Qt WebEngine requires."""
    global _profile
    if _profile is None:
        from PySide6.QtWidgets import QApplication

        _profile = profile_class(QApplication.instance())
    return _profile


def _forget(profile: Any) -> None:
    profile.cookieStore().deleteAllCookies()
    profile.clearHttpCache()


class PluginWebPage(QObject):
    """One page in a plugin's screen: ``widget`` to show, ``loaded(ok)`` when it has
    loaded or failed, ``refused(url)`` when it tried to leave for a site ``rule`` does not
    allow (it stays), :meth:`run_script` to ask the page something."""

    loaded = Signal(bool)
    refused = Signal(str)

    def __init__(self, url: str, *, media: bool, rule: SiteRule | None = None) -> None:
        super().__init__()
        _prepare_chromium()
        from PySide6.QtCore import QUrl
        from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile
        from PySide6.QtWebEngineWidgets import QWebEngineView

        self.url = url
        self.media = media
        #: Where the page may go; by default only its own site.
        self.rule = rule if rule is not None else SiteRule(own=(url_host(url),))
        self.view = QWebEngineView()
        # It lives and dies with the view the plugin shows.
        self.setParent(self.view)
        profile = _private_profile(QWebEngineProfile)
        self._page = QWebEnginePage(profile, self.view)
        self.view.setPage(self._page)
        # What this page set (a call server's cookies) goes with it.
        self.view.destroyed.connect(lambda: _forget(profile))
        self._page.permissionRequested.connect(self._decide)
        self._page.navigationRequested.connect(self._navigate)
        self._page.newWindowRequested.connect(self._new_window)
        self.view.loadFinished.connect(self.loaded)
        #: What was asked and answered, for the log and for tests: (origin, kind, granted).
        self.decisions: list[tuple[str, str, bool]] = []
        #: Addresses the page was kept from, in order.
        self.refusals: list[str] = []
        self.view.setUrl(QUrl(url))

    @property
    def widget(self) -> QWidget:
        return self.view

    def _decide(self, permission: Any) -> None:
        asking = permission.origin().toString()
        kind = permission.permissionType().name
        granted = may_grant(self.url, asking, kind, media=self.media)
        self.decisions.append((asking, kind, granted))
        if granted:
            permission.grant()
        else:
            log.warning("refused %s to %s on a plugin's page", kind, asking)
            permission.deny()

    def _navigate(self, request: Any) -> None:
        # Links, redirects, scripts setting location, forms: every move of the page
        # itself comes through here before it happens.
        if not request.isMainFrame():
            return
        address = request.url().toString()
        if not self.rule.allows(address):
            request.reject()
            self._refuse(address)

    def _new_window(self, request: Any) -> None:
        # The senior sees one page: an allowed new window opens in its place; no window
        # opens beside it (a pop-up could cover Leling's own Home and Back).
        address = request.requestedUrl().toString()
        if self.rule.allows(address):
            self._page.setUrl(request.requestedUrl())
        else:
            self._refuse(address)

    def _refuse(self, address: str) -> None:
        log.warning("kept a plugin's page from going to %s (not an allowed site)", address)
        self.refusals.append(address)
        self.refused.emit(address)

    def run_script(self, script: str, callback: Callable[[object], None]) -> None:
        """Run ``script`` in the page; ``callback`` gets its value on the UI thread."""
        self._page.runJavaScript(script, 0, callback)

    def reload(self) -> None:
        """Load the page again (a page that could not be reached, once the network is back)."""
        self.view.reload()
