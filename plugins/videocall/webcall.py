"""The Jitsi call shown inside Leling with QtWebEngine, loaded only when a call starts.

launcher.api has no web view yet, so this module reaches QtWebEngine itself, by name and
only at call time (a start-up without QtWebEngine, or a machine where it cannot run,
still has the tile). It is the one place the plugin touches Qt directly; when the API
gains a web view this module should use it instead.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from launcher.api import QWidget

from .jitsi import may_use

#: Asked of the page to learn whether the relative has joined: how many people are in
#: the conference (Jitsi's ``APP.conference.membersCount``), or -1 before it has loaded.
MEMBERS_SCRIPT = "(function(){try{return APP.conference.membersCount;}catch(e){return -1;}})()"


def web_engine_available() -> bool:
    """Whether QtWebEngine can be imported here (it is an optional part of PySide6)."""
    try:
        importlib.import_module("PySide6.QtWebEngineWidgets")
        importlib.import_module("PySide6.QtWebEngineCore")
    except ImportError:
        return False
    return True


class PermissionDesk:
    """Answers a call page's requests: camera and microphone for the call's own server,
    nothing for anyone else."""

    def __init__(self, call_url: str, log: Any) -> None:
        self.call_url = call_url
        self._log = log

    def decide(self, permission: Any) -> bool:
        """Grant or deny one ``QWebEnginePermission``; returns whether it was granted."""
        asking = permission.origin().toString()
        kind = permission.permissionType().name
        if may_use(self.call_url, asking, kind):
            permission.grant()
            return True
        self._log.warning("refused %s to %s during a call", kind, asking)
        permission.deny()
        return False


def make_call_view(
    call_url: str,
    log: Any,
    on_loaded: Callable[[bool], None],
    parent: QWidget | None = None,
) -> tuple[QWidget, Callable[[Callable[[int], None]], None]]:
    """A web view showing ``call_url``, and a function that asks the page how many
    people are in the call (its callback gets -1 when the page cannot tell)."""
    widgets = importlib.import_module("PySide6.QtWebEngineWidgets")
    core = importlib.import_module("PySide6.QtCore")
    view = widgets.QWebEngineView(parent)
    desk = PermissionDesk(call_url, log)
    page = view.page()
    page.permissionRequested.connect(desk.decide)
    view.loadFinished.connect(on_loaded)
    view.setUrl(core.QUrl(call_url))
    view.permission_desk = desk

    def count_members(callback: Callable[[int], None]) -> None:
        def answer(value: Any) -> None:
            callback(int(value) if isinstance(value, int | float) else -1)

        page.runJavaScript(MEMBERS_SCRIPT, 0, answer)

    return view, count_members
