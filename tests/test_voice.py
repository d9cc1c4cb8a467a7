"""The shell's voice, through the real espeak-ng engine (played into a paced sink: this
machine has no sound card, so the audio goes nowhere at the speed it would play)."""

from __future__ import annotations

import shutil
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import open_test_instance, show_shell
from PySide6.QtCore import Qt

from launcher.speech.playback import paced_sink_command
from launcher.speech.speaker import SpeechEvent, create_speaker
from launcher.ui.shell import ShellWindow

pytestmark = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng is installed by packaging/dev.sh"
)


class Heard:
    """Every speech event, collected on the engine's thread."""

    def __init__(self) -> None:
        self.events: list[SpeechEvent] = []
        self.changed = threading.Condition()

    def __call__(self, event: SpeechEvent) -> None:
        with self.changed:
            self.events.append(event)
            self.changed.notify_all()

    def texts(self, kind: str) -> list[str]:
        with self.changed:
            return [e.text for e in self.events if e.kind == kind]

    def wait_for(self, kind: str, text: str, timeout: float = 20.0) -> SpeechEvent:
        def found() -> SpeechEvent | None:
            return next((e for e in self.events if e.kind == kind and e.text == text), None)

        with self.changed:
            assert self.changed.wait_for(lambda: found() is not None, timeout), (
                f"no {kind!r} for {text!r}; heard {[(e.kind, e.text) for e in self.events]}"
            )
            event = found()
            assert event is not None
            return event


@pytest.fixture
def speaking_shell(
    home: Path, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., tuple[ShellWindow, Heard]]:
    heard = Heard()

    def real(settings: dict[str, Any]) -> Any:
        speaker = create_speaker(
            {**settings, "voice": {**settings.get("voice", {}), "backend": "espeak-ng"}},
            player=paced_sink_command(speed=1.0),
        )
        speaker.add_listener(heard)
        return speaker

    monkeypatch.setattr("launcher.ui.voice.default_speaker_factory", real)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)

    def start(locale: str = "en") -> tuple[ShellWindow, Heard]:
        return show_shell(qtbot, open_test_instance(home, locale=locale)), heard

    return start


def test_touching_a_tile_reads_its_name(speaking_shell, qtbot) -> None:
    window, heard = speaking_shell("en")
    tile = window.home.tile_buttons[0]
    qtbot.mousePress(tile, Qt.MouseButton.LeftButton)
    heard.wait_for("started", "Clock")
    qtbot.mouseRelease(tile, Qt.MouseButton.LeftButton)


def test_a_new_screen_announces_its_title_in_chinese(speaking_shell, qtbot) -> None:
    window, heard = speaking_shell("zh_CN")
    window.open_plugin("contacts")
    event = heard.wait_for("started", "家人电话")
    assert event.locale == "zh_CN"


def test_read_this_to_me_reads_the_title_then_each_tile(speaking_shell, qtbot) -> None:
    window, heard = speaking_shell("en")
    window.read_aloud()
    heard.wait_for("finished", "Weather", timeout=60)
    # The first page's tiles, in order: the demo's News is on the second.
    spoken = [
        t for t in heard.texts("finished") if t in ("Leling", "Clock", "Family", "Weather", "News")
    ]
    assert spoken == ["Leling", "Clock", "Family", "Weather"]


def test_a_tap_interrupts_long_speech_at_once(speaking_shell, qtbot) -> None:
    window, heard = speaking_shell("en")
    long_text = "This is a long sentence that takes many seconds to say. " * 6
    window.voice.say(long_text)
    heard.wait_for("started", long_text)
    qtbot.mousePress(window.home.tile_buttons[1], Qt.MouseButton.LeftButton)
    interrupted = heard.wait_for("interrupted", long_text)
    started = heard.wait_for("started", "Family")
    assert started.time >= interrupted.time
    qtbot.mouseRelease(window.home.tile_buttons[1], Qt.MouseButton.LeftButton)


@pytest.mark.parametrize("locale", ["zh_CN", "zh_HK", "en", "ug"])
def test_by_listening_and_one_switch_a_tile_is_found_and_opened(
    speaking_shell, qtbot, locale
) -> None:
    window, heard = speaking_shell(locale)
    window.instance.store.set("scan", {"enabled": True, "step_ms": 2000}, reason="test")
    window.apply_settings()
    wanted = window.home.tile_buttons[1]
    name = wanted.accessibleName()
    # Someone who cannot read waits until they hear the name they want, then presses.
    qtbot.waitUntil(lambda: name in heard.texts("started"), timeout=30_000)
    assert window.scanner is not None and window.scanner.current is wanted
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert window.screen_kind() == "plugin:contacts"
    heard.wait_for("started", window.current_title())
    assert [e.locale for e in heard.events if e.kind == "started"] == [locale] * len(
        heard.texts("started")
    ), "every word is spoken in the screen's language"


def test_without_a_voice_read_aloud_says_so_in_words(shell_without_voice, qtbot) -> None:
    window = shell_without_voice
    qtbot.mouseClick(window.read_button, Qt.MouseButton.LeftButton)
    assert window.screen_kind() == "voice-unavailable"


@pytest.fixture
def shell_without_voice(home: Path, qtbot: Any) -> ShellWindow:
    instance = open_test_instance(home, locale="en")
    return show_shell(qtbot, instance, size=None, wait_exposed=False)


def test_helpers_can_list_voices_and_hear_a_phrase_as_a_wav(home: Path, tmp_path: Path) -> None:
    import json
    import wave

    from test_cli import leling

    listed = leling(home, "voices", "--json")
    assert listed.returncode == 0, listed.stderr
    voices = json.loads(listed.stdout)
    assert set(voices) == {"zh_CN", "zh_HK", "en", "ug"}
    assert all(any(v["default"] for v in found) for found in voices.values())

    lengths = {}
    for locale, phrase in (("zh_CN", "您好，出租车已经叫好了"), ("en", "Your taxi is booked")):
        out = tmp_path / f"{locale}.wav"
        result = leling(home, "speak", phrase, "--locale", locale, "--out", str(out))
        assert result.returncode == 0, result.stderr
        with wave.open(str(out)) as sound:
            frames = sound.getnframes()
            lengths[locale] = frames / sound.getframerate()
            samples = sound.readframes(frames)
        assert 0.5 < lengths[locale] < 10, lengths
        assert any(samples[i] not in (0, 255) for i in range(0, len(samples), 97)), "silent"
    assert lengths["zh_CN"] != lengths["en"]

    empty = leling(home, "speak", "  ")
    assert empty.returncode == 2 and "nothing to say" in empty.stderr
