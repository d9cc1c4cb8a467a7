"""The backend for when Leling cannot or must not speak: it says nothing, and says why.

``create_speaker`` returns it for ``voice.backend = none`` and when no engine is found.
It keeps the same contract as the real backends (a worker thread, one terminal event per
``say``: ``failed``, with the reason as detail), so the shell needs no special case: it
shows ``unavailable_reason``'s meaning as text ("voice is unavailable") and carries on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from launcher.speech.speaker import (
    Outcome,
    SpeechUnavailable,
    ThreadedSpeaker,
    Utterance,
    VoiceSettings,
)


class SilentSpeaker(ThreadedSpeaker):
    """Speaks nothing; ``available`` is always False and ``unavailable_reason`` says why."""

    backend = "silent"

    def __init__(
        self,
        reason: str,
        settings: VoiceSettings | None = None,
        *,
        log: logging.Logger | None = None,
    ) -> None:
        super().__init__(settings, log=log)
        self._set_available(False, reason)

    def _speak(self, utterance: Utterance, on_started: Callable[[float], None]) -> Outcome:
        return Outcome("failed", f"voice unavailable: {self._reason}")

    def _synthesize(self, text: str, locale: str, path: Path) -> Path:
        raise SpeechUnavailable(self._reason)
