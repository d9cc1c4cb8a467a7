"""Shared fixtures. Every test gets its own Leling home; nothing touches the real one."""

from __future__ import annotations

import gc
import os
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Without a display Qt would abort the whole run; tests always render offscreen.
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("LANG", "C.UTF-8")
# Chromium (Qt WebEngine) reads its flags once per process: fake camera and microphone,
# so the video call pages can be granted them on a machine without either.
os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = "--use-fake-device-for-media-stream"

REPO = Path(__file__).resolve().parent.parent


class UnhurriedClock:
    """A clock on which every look is a second after the last.

    Tests tap faster than any person; on this clock every tap counts as deliberate, so
    the kit's double-tap rule and the quiet moment after a screen change never swallow a
    test's tap. Tests of those rules install a clock of their own.
    """

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


@pytest.fixture(autouse=True)
def _unhurried_taps() -> Iterator[None]:
    from launcher.ui.kit import TouchPolicy, configure_touch

    configure_touch(TouchPolicy(clock=UnhurriedClock()))
    yield
    configure_touch(TouchPolicy())


@pytest.fixture(autouse=True)
def _qt_objects_die_on_the_ui_thread() -> Iterator[None]:
    """After each test, delete the windows it closed and collect its garbage here.

    A window left to Python's garbage collector is destroyed on whichever thread happens
    to collect (a speech or server thread of a later test), and Qt then warns that its
    timers cannot be stopped from another thread.
    """
    yield
    if "PySide6.QtWidgets" not in sys.modules:
        return
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is not None:
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()


@pytest.fixture(autouse=True)
def _silent_voice(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shells in tests speak through the silent speaker (no sound card here); the voice
    tests in test_voice.py put the real espeak-ng speaker back."""
    from launcher.speech.silent import SilentSpeaker

    def silent(settings: object) -> SilentSpeaker:
        speaker = SilentSpeaker("tests run without sound")
        speaker.start()
        return speaker

    monkeypatch.setattr("launcher.ui.voice.default_speaker_factory", silent)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty Leling home, also set as LELING_HOME for code that reads the environment."""
    folder = tmp_path / "home"
    monkeypatch.setenv("LELING_HOME", str(folder))
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    return folder


MANIFEST = """\
id = "{id}"
version = "1.0.0"
api = 1
entry = "plugin:{cls}"
category = "tools"
permissions = {permissions}

[name]
zh_CN = "{zh}"
zh_HK = "{zh}"
en = "{en}"
ug = "{en}"

[description]
zh_CN = "测试插件"
zh_HK = "測試插件"
en = "A plugin for tests"
ug = "A plugin for tests"
"""


@pytest.fixture
def make_plugin(home: Path) -> Callable[..., Path]:
    """Write a plugin into the home's user plugin folder; returns its folder."""

    def make(
        plugin_id: str,
        code: str,
        *,
        cls: str = "TestPlugin",
        permissions: str = "[]",
        manifest: str | None = None,
        name_en: str | None = None,
    ) -> Path:
        folder = home / "plugins" / plugin_id
        folder.mkdir(parents=True, exist_ok=True)
        text = manifest or MANIFEST.format(
            id=plugin_id,
            cls=cls,
            permissions=permissions,
            zh=f"测试{plugin_id}",
            en=name_en or f"Test {plugin_id}",
        )
        (folder / "manifest.toml").write_text(text, encoding="utf-8")
        (folder / "plugin.py").write_text(textwrap.dedent(code), encoding="utf-8")
        return folder

    return make
