"""The shell's voice: reads controls on first touch, announces screens, reads screens aloud.

The speech engine runs on its own worker thread (``launcher.speech``); its events come
back here through a queued signal, so nothing on the UI thread ever waits for speech.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from launcher.speech.speaker import SpeechEvent, ThreadedSpeaker
    from launcher.ui.shell import ShellWindow

log = logging.getLogger("leling.voice")

SpeakerFactory = Callable[[dict[str, Any]], "ThreadedSpeaker"]


def real_speaker(settings: dict[str, Any]) -> ThreadedSpeaker:
    """The speaker ``voice.backend`` asks for (espeak-ng, pyttsx3, or silent)."""
    from launcher.speech.speaker import create_speaker

    return create_speaker(settings, log=log)


#: What new shells use to make their speaker; tests put a silent one here.
default_speaker_factory: SpeakerFactory = real_speaker


class ShellVoice(QObject):
    """Speech for one shell window. The engine starts on first use, off the start-up path."""

    #: A :class:`launcher.speech.speaker.SpeechEvent`, delivered on the UI thread.
    spoken = Signal(object)

    def __init__(self, shell: ShellWindow, factory: SpeakerFactory | None = None) -> None:
        super().__init__(shell)
        self.shell = shell
        self._factory = factory or default_speaker_factory
        self._speaker: ThreadedSpeaker | None = None
        self._backend_setting: object = None

    @property
    def speaker(self) -> ThreadedSpeaker:
        if self._speaker is None:
            settings = self.shell.instance.settings
            self._backend_setting = settings.get("voice", {}).get("backend")
            self._speaker = self._factory(settings)
            # Called on the speech worker thread: only hop over to the UI thread here.
            self._speaker.add_listener(self._forward)
        return self._speaker

    def _forward(self, event: SpeechEvent) -> None:
        self.spoken.emit(event)

    @property
    def enabled(self) -> bool:
        return bool(self.shell.instance.settings.get("voice", {}).get("enabled", True))

    @property
    def available(self) -> bool:
        return self.enabled and self.speaker.available

    @property
    def unavailable_reason(self) -> str:
        if not self.enabled:
            return "reading aloud is switched off (voice.enabled)"
        return self.speaker.unavailable_reason

    def say(self, text: str, *, interrupt: bool = True) -> None:
        """Speak ``text`` in the shell's language; a new utterance cuts the last one short."""
        if not text.strip() or not self.enabled:
            return
        self.speaker.say(text, self.shell.instance.translator.locale, interrupt)

    def stop(self) -> None:
        if self._speaker is not None:
            self._speaker.stop()

    def say_widget(self, widget: QWidget) -> None:
        """Read a control as the senior touches it (before it activates)."""
        from launcher.ui.inspect import spoken_text

        self.say(spoken_text(widget, self.shell.instance.translator.locale))

    def read_screen(self) -> list[str]:
        """Read the screen's title, then every item on it, in order; returns what is read."""
        from launcher.ui.inspect import reading_order

        items = reading_order(self.shell)
        for index, item in enumerate(items):
            self.say(item, interrupt=index == 0)
        return items

    def apply_settings(self) -> None:
        """Rate, volume, voice and mute apply from the next utterance; another engine
        (``voice.backend``) is started on next use."""
        if self._speaker is None:
            return
        settings = self.shell.instance.settings
        if settings.get("voice", {}).get("backend") != self._backend_setting:
            self.close()
            return
        self._speaker.apply_settings(settings)

    def close(self) -> None:
        if self._speaker is not None:
            self._speaker.remove_listener(self._forward)
            self._speaker.close()
            self._speaker = None
