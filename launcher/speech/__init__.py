"""Leling's speech service: everything on screen can be read aloud.

Use it like this (the shell and ``leling speak``/``leling voices`` do)::

    from launcher.speech import create_speaker

    speaker = create_speaker(settings, log=logging.getLogger("leling.speech"))
    speaker.add_listener(on_event)          # called on the speech worker thread
    speaker.say("打开电话", "zh_CN")          # returns an utterance id at once
    speaker.say("第二项", "zh_CN", interrupt=False)   # queued after the first
    speaker.stop()                          # silence now; returns at once
    if not speaker.available:
        show_text(tr("Voice is unavailable"))   # unavailable_reason goes to the log
    speaker.synthesize_to_file("Hello", "en", "hello.wav")   # blocking; works with no device
    speaker.close()

* ``Speaker`` (:mod:`launcher.speech.speaker`) is the protocol; ``create_speaker`` picks
  the backend from ``voice.backend``: ``auto`` is espeak-ng then pyttsx3 on Linux
  (pyttsx3 first on Windows and macOS), ``espeak-ng``, ``pyttsx3``, or ``none``.
* Locales are Leling's: ``zh_CN`` speaks with espeak-ng's ``cmn``, ``zh_HK`` with
  ``yue``, ``en`` with ``en-us``, ``ug`` with ``ug``; other tags are normalised
  (``zh-HK``, ``en_GB.UTF-8``).
* ``voice.enabled`` False mutes (``say`` gives a ``skipped`` event); ``rate`` (words a
  minute), ``volume`` (0–100) and ``voice`` apply from the next utterance after
  ``apply_settings``.
* A Qt shell forwards events to the GUI thread: define a ``QObject`` with
  ``spoken = Signal(object)``, ``speaker.add_listener(bridge.spoken.emit)``, and connect
  ``spoken`` to a slot; a signal emitted on another thread is delivered queued.
"""

from launcher.speech.espeak import EspeakSpeaker
from launcher.speech.playback import default_player, null_sink_command, paced_sink_command
from launcher.speech.pyttsx3_backend import Pyttsx3Speaker
from launcher.speech.silent import SilentSpeaker
from launcher.speech.speaker import (
    LOCALE_VOICES,
    LOCALES,
    TERMINAL_KINDS,
    Speaker,
    SpeechError,
    SpeechEvent,
    SpeechListener,
    SpeechUnavailable,
    ThreadedSpeaker,
    VoiceInfo,
    VoiceSettings,
    create_speaker,
    normalize_locale,
    platform_backend_order,
    split_text,
)

__all__ = [
    "LOCALES",
    "LOCALE_VOICES",
    "TERMINAL_KINDS",
    "EspeakSpeaker",
    "Pyttsx3Speaker",
    "SilentSpeaker",
    "Speaker",
    "SpeechError",
    "SpeechEvent",
    "SpeechListener",
    "SpeechUnavailable",
    "ThreadedSpeaker",
    "VoiceInfo",
    "VoiceSettings",
    "create_speaker",
    "default_player",
    "normalize_locale",
    "null_sink_command",
    "paced_sink_command",
    "platform_backend_order",
    "split_text",
]
