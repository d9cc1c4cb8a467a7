"""The pyttsx3 backend: one worker thread owns the engine and feeds it one utterance at a time.

pyttsx3 must run in the thread that created it, ``pyttsx3.init()`` hands every thread the
same cached engine, and two threads on it lose utterances or hang; so the engine is
created on this backend's worker and nothing else ever touches it, and only one
``Pyttsx3Speaker`` may hold it in a process (a second one reports itself unavailable).

With the espeak driver (Linux), the driver would synthesise the whole text and then play it
with ``os.system("aplay …")`` on espeak's thread, where nothing can stop it. So here each
chunk of text goes through ``save_to_file`` (one per ``runAndWait``, then waiting on a
``threading.Event`` set by ``finished-utterance``, since ``runAndWait`` may return before
the file is written, and for espeak to return from that callback before the next
command), and the WAV is played through the same killable :class:`Player` as the
espeak-ng backend. An empty file (a pyttsx3 bug, see ``_render``) is rendered again once.

Other drivers (SAPI5, NSSpeech) speak natively with ``say``: there an interrupt takes
effect at the end of the current sentence, and ``started`` is reported when the
sentence has been spoken (untested here; this machine has only espeak).

This backend is second choice on Linux and first on Windows and macOS; see
:mod:`launcher.speech.espeak` for why.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import logging
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Generator, Sequence
from pathlib import Path
from typing import Any

from launcher.speech.playback import (
    PlayingSpeaker,
    Source,
    WavFormat,
    parse_wav_header,
    write_wav,
)
from launcher.speech.speaker import (
    LOCALES,
    Outcome,
    SpeechError,
    SpeechUnavailable,
    Utterance,
    VoiceInfo,
    VoiceSettings,
    default_voice,
    locale_for_language,
    normalize_locale,
    resolve_voice,
    split_text,
)

#: pyttsx3 has one espeak library per process: one speaker may own it at a time.
_ENGINE_OWNER = threading.Lock()


def pyttsx3_installed() -> bool:
    return importlib.util.find_spec("pyttsx3") is not None


def _quiet_espeak_driver() -> None:
    """The espeak driver prints "Audio saved to …" on stdout; silence that one print."""
    try:
        import pyttsx3.drivers.espeak as driver
    except Exception:
        return
    driver.print = lambda *args, **kwargs: None


class Pyttsx3Speaker(PlayingSpeaker):
    """Speaks through pyttsx3. See the module docstring."""

    backend = "pyttsx3"

    def __init__(
        self,
        settings: VoiceSettings | None = None,
        *,
        log: logging.Logger | None = None,
        driver: str | None = None,
        player: Sequence[str] | None = None,
        probe: bool = True,
        probe_timeout: float = 3.0,
        stall_timeout: float = 5.0,
        synth_timeout: float = 30.0,
    ) -> None:
        super().__init__(
            settings,
            log=log,
            player=player,
            probe=probe,
            probe_timeout=probe_timeout,
            stall_timeout=stall_timeout,
        )
        self._driver_name = driver
        self._synth_timeout = synth_timeout
        self._engine: Any = None
        self._synchronize: Callable[[], object] = lambda: None
        self._owner = False
        self._file_mode = True
        self._finished = threading.Event()
        self._started_at: float | None = None
        self._engine_error = ""
        self._voice_set: str | None = None
        self._rendered = 0
        self._tmp = Path()
        if not pyttsx3_installed():
            self._set_available(False, "pyttsx3 is not installed")

    @property
    def driver(self) -> str:
        """The pyttsx3 driver in use ("espeak", "sapi5", "nsss"), once started."""
        return str(self._engine) if self._engine is not None else (self._driver_name or "")

    def _engine_ready(self) -> bool:
        return self._engine is not None and not self._engine_error

    # ---- worker ----

    def _startup(self) -> None:
        if not pyttsx3_installed():
            return
        if not _ENGINE_OWNER.acquire(blocking=False):
            self._set_available(False, "another pyttsx3 speaker is active in this process")
            return
        self._owner = True
        self._tmp = Path(tempfile.mkdtemp(prefix="leling-speech-"))
        import pyttsx3

        if sys.platform.startswith("linux") and self._driver_name in (None, "espeak"):
            _quiet_espeak_driver()
        engine = pyttsx3.init(self._driver_name)
        engine.connect("started-utterance", self._on_engine_started)
        engine.connect("finished-utterance", self._on_engine_finished)
        engine.connect("error", self._on_engine_error)
        self._engine = engine
        self._file_mode = str(engine) == "espeak"
        if self._file_mode:
            from pyttsx3.drivers import _espeak

            # The espeak driver notifies finished-utterance in the middle of its synth
            # callback, then goes on changing its state (busy, loop, audio buffer); the
            # next command must wait until espeak has returned from that callback, or
            # the two threads race (files came out empty). By then it almost always has.
            self._synchronize = _espeak.Synchronize
        self._voices = self._list_voices(engine)
        if self._file_mode:
            self._startup_device()
        else:
            self._set_available(True)

    def _on_engine_started(self, **_: Any) -> None:
        # On the driver's thread: only record the time.
        self._started_at = time.perf_counter()

    def _on_engine_finished(self, **_: Any) -> None:
        self._finished.set()

    def _on_engine_error(self, **kwargs: Any) -> None:
        self._engine_error = str(kwargs.get("exception", "pyttsx3 error"))
        self._finished.set()

    def _list_voices(self, engine: Any) -> dict[str, list[VoiceInfo]]:
        voices: dict[str, list[VoiceInfo]] = {locale: [] for locale in LOCALES}
        try:
            found = engine.getProperty("voices") or []
        except Exception as exc:
            self.log.warning("pyttsx3 could not list voices: %s", exc)
            return voices
        mbrola = shutil.which("mbrola") is not None
        for voice in found:
            voice_id = str(getattr(voice, "id", ""))
            if voice_id.startswith("mb/") and not mbrola:
                continue
            languages = [str(item) for item in (getattr(voice, "languages", None) or [])]
            for language in languages:
                locale = locale_for_language(language)
                if locale is None:
                    continue
                voices[locale].append(
                    VoiceInfo(
                        id=voice_id,
                        name=str(getattr(voice, "name", "") or voice_id),
                        locale=locale,
                        language=language.lower(),
                        gender=str(getattr(voice, "gender", "") or "").lower(),
                        default=language.lower() == default_voice(locale),
                    )
                )
                break
        for locale, items in voices.items():
            items.sort(key=lambda v: (not v.default, len(v.id), v.id))
            voices[locale] = [
                info
                if index == 0
                else VoiceInfo(info.id, info.name, info.locale, info.language, info.gender)
                for index, info in enumerate(items)
            ]
        return voices

    def _voice_for(self, locale: str, settings: VoiceSettings) -> str:
        candidates = self._voices.get(normalize_locale(locale), [])
        return resolve_voice(locale, settings.voice, candidates)

    def _configure(self, voice: str, settings: VoiceSettings) -> None:
        """Wait until the engine is idle, then set voice, rate and volume."""
        self._synchronize()
        engine = self._engine
        if voice != self._voice_set:
            engine.setProperty("voice", voice)
            self._voice_set = voice
        engine.setProperty("rate", settings.rate)
        engine.setProperty("volume", settings.volume / 100)

    def _run_engine(self, queue_call: Callable[[], None]) -> None:
        """Queue one engine call, run it, and wait for ``finished-utterance``."""
        self._finished.clear()
        self._engine_error = ""
        queue_call()
        self._engine.runAndWait()
        if not self._finished.wait(self._synth_timeout):
            self._engine_error = "pyttsx3 stopped responding"
            self._set_available(False, self._engine_error)
            raise SpeechError(self._engine_error)
        if self._engine_error:
            raise SpeechError(f"pyttsx3: {self._engine_error}")

    def _render(self, chunk: str, voice: str, settings: VoiceSettings) -> bytes:
        """One chunk to WAV bytes through ``save_to_file``; retried once if it comes out empty.

        pyttsx3 2.99's espeak driver writes the file when it sees the end-of-message event
        and only then adds the audio that came in the same callback, so a short text whose
        audio and end arrive together gives an empty file (about 1 in 250 taps here), and
        a longer one can lose its last block.
        """
        for attempt in (1, 2):
            self._rendered += 1
            path = self._tmp / f"{self._rendered}.wav"
            self._configure(voice, settings)
            self._run_engine(functools.partial(self._engine.save_to_file, chunk, str(path)))
            try:
                data = path.read_bytes()
            except OSError:
                data = b""
            finally:
                path.unlink(missing_ok=True)
            parsed = parse_wav_header(data) if data[:4] == b"RIFF" else None
            if parsed is not None and len(data) > parsed[1]:
                return data
            self.log.debug("pyttsx3 wrote an empty file (attempt %d): %r", attempt, chunk[:40])
        raise SpeechError("pyttsx3 wrote an empty file")

    def _file_sources(
        self, chunks: list[str], voice: str, settings: VoiceSettings
    ) -> Generator[Source, None, None]:
        for chunk in chunks:
            yield Source(self._render(chunk, voice, settings))

    def _speak(self, utterance: Utterance, on_started: Callable[[float], None]) -> Outcome:
        if self._engine is None:
            return Outcome("failed", self._reason or "pyttsx3 did not start")
        settings = self._settings
        voice = self._voice_for(utterance.locale, settings)
        chunks = split_text(utterance.text)
        if self._file_mode:
            sources = self._file_sources(chunks, voice, settings)
            try:
                return self._play(utterance, sources, on_started)
            except SpeechError as exc:
                return Outcome("failed", str(exc))
            finally:
                sources.close()
        started = False
        for chunk in chunks:
            if self._cancelled(utterance):
                return Outcome("interrupted")
            self._configure(voice, settings)
            self._started_at = None
            try:
                self._run_engine(functools.partial(self._engine.say, chunk))
            except SpeechError as exc:
                return Outcome("failed", str(exc))
            if not started:
                started = True
                on_started(self._started_at or time.perf_counter())
        return Outcome("finished")

    def _synthesize(self, text: str, locale: str, path: Path) -> Path:
        if self._engine is None:
            raise SpeechUnavailable(self._reason or "pyttsx3 did not start")
        settings = self._settings
        voice = self._voice_for(locale, settings)
        fmt: WavFormat | None = None
        frames: list[bytes] = []
        for chunk in split_text(text):
            data = self._render(chunk, voice, settings)
            parsed = parse_wav_header(data)
            assert parsed is not None
            chunk_fmt, offset = parsed
            if fmt is not None and chunk_fmt != fmt:
                raise SpeechError("pyttsx3 changed its audio format within a text")
            fmt = chunk_fmt
            frames.append(data[offset:])
        if fmt is None:
            raise SpeechError("there is no text to speak")
        return write_wav(path, fmt, frames)

    def _shutdown(self) -> None:
        if self._engine is not None:
            with contextlib.suppress(Exception):
                self._engine.stop()
            self._engine = None
        if self._owner:
            self._owner = False
            shutil.rmtree(self._tmp, ignore_errors=True)
            _ENGINE_OWNER.release()
