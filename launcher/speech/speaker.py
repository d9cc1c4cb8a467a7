"""The speech service's contract, the worker-thread base every backend shares, and the factory.

Threading contract (the same for every backend):

* Every public method except ``synthesize_to_file``, ``voices`` (first call only),
  ``wait_ready``, ``wait_idle`` and ``close`` returns at once: ``say`` and ``stop`` only
  put a job on a queue, bump a counter and write one byte to a wake-up pipe. All engine
  work (starting processes, pyttsx3 calls, playback, killing, reaping) happens on the
  backend's one worker thread.
* Listeners are plain callables that receive a :class:`SpeechEvent`. They are called on
  the worker thread, so a Qt caller forwards them to the GUI thread with a signal (a
  queued connection) and must not touch widgets in the callback itself.
* Every ``say`` returns an utterance id, and that id later gets exactly one terminal
  event: ``finished``, ``interrupted``, ``cancelled``, ``failed`` or ``skipped``. A
  ``started`` event comes before ``finished`` or ``interrupted`` when audio actually
  reached the player.
"""

from __future__ import annotations

import itertools
import logging
import os
import queue
import re
import sys
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

log = logging.getLogger("leling.speech")

#: Leling's locales and the espeak-ng voice (language) each one speaks with.
LOCALE_VOICES: dict[str, str] = {"zh_CN": "cmn", "zh_HK": "yue", "en": "en-us", "ug": "ug"}
LOCALES: tuple[str, ...] = tuple(LOCALE_VOICES)

#: The text of one engine call stays under this many characters. espeak segfaults near
#: 15 KB of text in one call; a chunk of 400 characters is at most 1.6 KB of UTF-8.
MAX_CHUNK_CHARS = 400

EventKind = Literal[
    "started",  # the first audio of the utterance reached the player
    "finished",  # it was spoken to the end
    "interrupted",  # it had started and was cut short by stop() or say(interrupt=True)
    "cancelled",  # it was dropped from the queue before it started
    "failed",  # it could not be spoken; ``detail`` says why
    "skipped",  # nothing to do: voice is muted, or the text was empty
    "available",  # the backend can speak again (utterance 0)
    "unavailable",  # the backend cannot speak; ``detail`` is the reason (utterance 0)
]
TERMINAL_KINDS: frozenset[str] = frozenset(
    {"finished", "interrupted", "cancelled", "failed", "skipped"}
)


class SpeechError(RuntimeError):
    """A synthesis that could not be done (``synthesize_to_file``)."""


class SpeechUnavailable(SpeechError):
    """There is no speech engine to synthesise with at all."""


@dataclass(frozen=True)
class VoiceInfo:
    """One voice the engine offers for a Leling locale.

    ``id`` is what goes into the ``voice.voice`` setting; ``default`` marks the voice
    Leling uses for the locale when that setting is empty.
    """

    id: str
    name: str
    locale: str
    language: str
    gender: str = ""
    default: bool = False


@dataclass(frozen=True)
class VoiceSettings:
    """The ``voice.*`` settings, checked and clamped.

    ``enabled`` False is mute: ``say`` then gives a ``skipped`` event. ``voice`` is empty
    (each locale's own voice), a variant such as ``+f3`` added to every locale's voice,
    or a voice id from :meth:`Speaker.voices`, optionally with a variant
    (``gmw/en+f3``); a voice id is used only for the locale it belongs to, so one
    setting never makes Mandarin text come out of an English voice.
    """

    enabled: bool = True
    backend: str = "auto"
    rate: int = 150
    volume: int = 100
    voice: str = ""

    @classmethod
    def from_mapping(cls, settings: Mapping[str, Any] | None) -> VoiceSettings:
        """From the whole settings document (its ``voice`` object) or the ``voice`` object."""
        if not settings:
            return cls()
        section = settings.get("voice", settings)
        if not isinstance(section, Mapping):
            section = {}
        defaults = cls()

        def number(key: str, default: int, low: int, high: int) -> int:
            try:
                value = int(section.get(key, default))
            except (TypeError, ValueError):
                value = default
            return max(low, min(high, value))

        return cls(
            enabled=bool(section.get("enabled", defaults.enabled)),
            backend=str(section.get("backend", defaults.backend) or "auto"),
            rate=number("rate", defaults.rate, 80, 450),
            volume=number("volume", defaults.volume, 0, 100),
            voice=str(section.get("voice", defaults.voice) or "").strip(),
        )


@dataclass(frozen=True)
class SpeechEvent:
    """Something that happened to an utterance, or to the backend (utterance 0).

    ``time`` is ``time.perf_counter()`` when it happened: for ``started`` the moment the
    first audio bytes reached the player, for ``interrupted`` the moment its processes
    were gone.
    """

    kind: EventKind
    utterance: int
    text: str = ""
    locale: str = ""
    time: float = field(default_factory=time.perf_counter)
    detail: str = ""


SpeechListener = Callable[[SpeechEvent], None]


@runtime_checkable
class Speaker(Protocol):
    """What the shell and the CLI use. See the module docstring for the threading rules."""

    #: "espeak-ng", "pyttsx3" or "silent".
    backend: str

    @property
    def available(self) -> bool:
        """True while the backend can speak aloud; may turn False once the worker finds
        no audio device (an ``unavailable`` event says so) and True again later."""
        ...

    @property
    def unavailable_reason(self) -> str:
        """Why ``available`` is False, in English for the log and for helpers; "" if it is True."""
        ...

    def say(self, text: str, locale: str, interrupt: bool = True) -> int:
        """Queue ``text`` to be spoken in ``locale``; returns its utterance id at once.

        ``interrupt`` True (a new tap) silences the current utterance and drops every
        queued one; False waits its turn (reading a screen item by item). After
        ``close()`` it does nothing.
        """
        ...

    def stop(self) -> None:
        """Silence the current utterance and drop the queue. Returns at once."""
        ...

    def voices(self) -> dict[str, list[VoiceInfo]]:
        """Voices for each Leling locale (every key of ``LOCALE_VOICES`` is present).

        May wait, once, for the worker to finish starting (tens of milliseconds)."""
        ...

    def synthesize_to_file(self, text: str, locale: str, path: str | os.PathLike[str]) -> Path:
        """Write ``text`` as one WAV file through the same path ``say`` uses; blocking.

        Works without an audio device; raises :class:`SpeechUnavailable` with no engine
        and :class:`SpeechError` when the engine fails."""
        ...

    def add_listener(self, listener: SpeechListener) -> None:
        """Call ``listener(event)`` on the worker thread for every :class:`SpeechEvent`."""
        ...

    def remove_listener(self, listener: SpeechListener) -> None: ...

    def apply_settings(self, settings: Mapping[str, Any]) -> None:
        """Take new rate, volume, voice and mute (``voice.*``) from the next utterance on.

        A different ``voice.backend`` needs a new speaker from :func:`create_speaker`."""
        ...

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until the worker has started (and probed the audio device); for the CLI."""
        ...

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until every queued utterance has its terminal event; for the CLI and tests."""
        ...

    def close(self, timeout: float = 2.0) -> None:
        """Silence everything and end the worker; waits at most ``timeout`` seconds."""
        ...


# --------------------------------------------------------------------------- locales


def normalize_locale(locale: str) -> str:
    """Map a locale tag (``zh-HK``, ``en_GB.UTF-8``, ``yue``) to a Leling locale.

    Tags of no Leling locale come back as their language part (``fr_FR`` → ``fr``), which
    espeak-ng may still know as a voice.
    """
    tag = (locale or "").split(".")[0].split("@")[0].replace("-", "_").strip()
    lower = tag.lower()
    if lower in {"zh_hk", "zh_mo", "zh_yue", "yue", "yue_hk"} or lower.startswith("yue_"):
        return "zh_HK"
    if lower.startswith("zh") or lower.startswith("cmn"):
        return "zh_CN"
    if lower == "en" or lower.startswith("en_"):
        return "en"
    if lower == "ug" or lower.startswith("ug_"):
        return "ug"
    return lower.split("_")[0] if lower else "en"


def locale_for_language(language: str) -> str | None:
    """The Leling locale an engine language code speaks (``zh-yue`` → ``zh_HK``), if any."""
    lower = language.lower().replace("_", "-")
    if lower in {"cmn", "zh-cmn"} or lower.startswith("cmn-"):
        return "zh_CN"
    if lower in {"yue", "zh-yue"} or lower.startswith("yue-"):
        return "zh_HK"
    if lower == "en" or lower.startswith("en-"):
        return "en"
    if lower == "ug" or lower.startswith("ug-"):
        return "ug"
    return None


def default_voice(locale: str) -> str:
    """The espeak-ng voice for a locale: ``LOCALE_VOICES`` or the locale's language code."""
    normal = normalize_locale(locale)
    return LOCALE_VOICES.get(normal, normal)


def resolve_voice(locale: str, setting: str, voices: Iterable[VoiceInfo] = ()) -> str:
    """The engine voice name for ``locale`` given the ``voice.voice`` setting."""
    base = default_voice(locale)
    setting = setting.strip()
    if not setting:
        return base
    if setting.startswith("+"):
        return base + setting
    name, plus, variant = setting.partition("+")
    wanted = name.lower()
    for info in voices:
        if wanted in {info.id.lower(), info.language.lower()}:
            return name + (plus + variant if variant else "")
    return base


# --------------------------------------------------------------------------- text

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A sentence ends after Western punctuation followed by a space, after CJK or Arabic-script
# punctuation at once, or at a line break.
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|(?<=[。！？；…؟۔!?])|\s*\n\s*")
_CLAUSE_END = re.compile(r"(?<=[,，、،;；:：])\s*")


def clean_text(text: str) -> str:
    """Text as the engines may see it: NFC, no control characters, no empty lines."""
    text = unicodedata.normalize("NFC", text or "")
    text = _CONTROL.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))
    return text.strip()


def split_text(text: str, max_chars: int = MAX_CHUNK_CHARS) -> list[str]:
    """Split text into chunks of whole sentences, each at most ``max_chars`` long.

    Never returns an empty chunk (an empty string crashes pyttsx3); a sentence longer than
    ``max_chars`` is cut at clause punctuation, then at spaces, then anywhere.
    """
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(clean_text(text)):
        sentence = " ".join(sentence.split())
        if not sentence:
            continue
        if len(sentence) <= max_chars:
            pieces.append(sentence)
            continue
        for clause in _CLAUSE_END.split(sentence):
            while len(clause) > max_chars:
                cut = clause.rfind(" ", 0, max_chars + 1)
                cut = cut if cut > max_chars // 2 else max_chars
                pieces.append(clause[:cut].strip())
                clause = clause[cut:].strip()
            if clause:
                pieces.append(clause)
    chunks: list[str] = []
    for piece in pieces:
        if chunks and len(chunks[-1]) + 1 + len(piece) <= max_chars:
            chunks[-1] = f"{chunks[-1]} {piece}"
        else:
            chunks.append(piece)
    return [chunk for chunk in chunks if chunk.strip()]


# --------------------------------------------------------------------------- base


@dataclass
class Utterance:
    id: int
    text: str
    locale: str
    generation: int
    queued_at: float


@dataclass
class _FileJob:
    text: str
    locale: str
    path: Path
    done: threading.Event = field(default_factory=threading.Event)
    result: Path | None = None
    error: BaseException | None = None


class _Close:
    pass


@dataclass
class Outcome:
    """How a backend's ``_speak`` ended."""

    kind: Literal["finished", "interrupted", "failed"]
    detail: str = ""
    time: float = field(default_factory=time.perf_counter)


class ThreadedSpeaker:
    """The queue, worker thread, interruption and events that every backend shares.

    Subclasses implement ``_startup`` (on the worker: create the engine, list voices,
    probe the device), ``_speak`` (on the worker: one utterance, watching
    ``self._cancelled(u)`` and ``self._wake_fd``), ``_synthesize`` and ``_shutdown``.
    """

    backend = "base"

    def __init__(
        self, settings: VoiceSettings | None = None, *, log: logging.Logger | None = None
    ) -> None:
        self.log = log or logging.getLogger("leling.speech")
        self._settings = settings or VoiceSettings()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._jobs: queue.SimpleQueue[Utterance | _FileJob | _Close] = queue.SimpleQueue()
        self._ids = itertools.count(1)
        self._generation = 0
        self._pending = 0
        self._closing = False
        self._listeners: tuple[SpeechListener, ...] = ()
        self._available = True
        self._reason = ""
        self._logged_reasons: set[str] = set()
        self._ready = threading.Event()
        self._wake_event = threading.Event()
        self._wake_fd, self._wake_write_fd = os.pipe()
        os.set_blocking(self._wake_fd, False)
        os.set_blocking(self._wake_write_fd, False)
        self._voices: dict[str, list[VoiceInfo]] = {locale: [] for locale in LOCALES}
        self._thread = threading.Thread(
            target=self._run, name=f"leling-speech-{self.backend}", daemon=True
        )

    def start(self) -> None:
        """Start the worker thread (the factory does this)."""
        self._thread.start()

    # ---- public API (any thread, never blocks) ----

    @property
    def available(self) -> bool:
        return self._available

    @property
    def unavailable_reason(self) -> str:
        return "" if self._available else self._reason

    @property
    def settings(self) -> VoiceSettings:
        return self._settings

    def say(self, text: str, locale: str, interrupt: bool = True) -> int:
        with self._lock:
            uid = next(self._ids)
            if self._closing:
                return uid
            if interrupt:
                self._generation += 1
            self._pending += 1
            job = Utterance(uid, text, locale, self._generation, time.perf_counter())
        self._jobs.put(job)
        if interrupt:
            self._wake()
        return uid

    def stop(self) -> None:
        with self._lock:
            self._generation += 1
        self._wake()

    def voices(self) -> dict[str, list[VoiceInfo]]:
        self._ready.wait(10.0)
        return {locale: list(voices) for locale, voices in self._voices.items()}

    def synthesize_to_file(self, text: str, locale: str, path: str | os.PathLike[str]) -> Path:
        if threading.current_thread() is self._thread:
            raise RuntimeError("synthesize_to_file cannot be called from a speech listener")
        job = _FileJob(text, locale, Path(path))
        with self._lock:
            if self._closing:
                raise SpeechUnavailable("the speaker is closed")
        self._jobs.put(job)
        job.done.wait()
        if job.error is not None:
            raise job.error
        assert job.result is not None
        return job.result

    def add_listener(self, listener: SpeechListener) -> None:
        with self._lock:
            self._listeners = (*self._listeners, listener)

    def remove_listener(self, listener: SpeechListener) -> None:
        with self._lock:
            self._listeners = tuple(item for item in self._listeners if item != listener)

    def apply_settings(self, settings: Mapping[str, Any]) -> None:
        self._settings = VoiceSettings.from_mapping(settings)

    def wait_ready(self, timeout: float | None = None) -> bool:
        return self._ready.wait(timeout)

    def wait_idle(self, timeout: float | None = None) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def close(self, timeout: float = 2.0) -> None:
        with self._lock:
            if self._closing:
                return
            self._closing = True
            self._generation += 1
        self._wake()
        self._jobs.put(_Close())
        if threading.current_thread() is self._thread:
            return  # called from a listener: the worker ends after this event
        if self._thread.is_alive():
            self._thread.join(timeout)
        if not self._thread.is_alive():
            for fd in (self._wake_fd, self._wake_write_fd):
                try:
                    os.close(fd)
                except OSError:
                    pass

    def __enter__(self) -> ThreadedSpeaker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- for subclasses ----

    def _startup(self) -> None:
        """On the worker, once: create the engine, fill ``self._voices``, probe."""

    def _speak(self, utterance: Utterance, on_started: Callable[[float], None]) -> Outcome:
        """Speak one utterance on the worker; each backend gives its engine here."""
        return Outcome("failed", f"{type(self).__name__} has no speech engine")

    def _synthesize(self, text: str, locale: str, path: Path) -> Path:
        raise SpeechUnavailable(self._reason or "no speech engine")

    def _shutdown(self) -> None:
        """On the worker, last: let go of the engine."""

    def _recheck(self) -> bool:
        """Called before an utterance while unavailable; may probe again. True = speak."""
        return self._available

    def _cancelled(self, utterance: Utterance) -> bool:
        return self._closing or utterance.generation != self._generation

    def _set_available(self, available: bool, reason: str = "") -> None:
        changed = available != self._available or (not available and reason != self._reason)
        self._available = available
        self._reason = "" if available else reason
        if not available:
            if reason not in self._logged_reasons:
                self._logged_reasons.add(reason)
                self.log.warning("voice unavailable (%s): %s", self.backend, reason)
            else:
                self.log.debug("voice still unavailable (%s): %s", self.backend, reason)
        elif changed:
            self.log.info("voice available again (%s)", self.backend)
        if changed:
            self._emit(SpeechEvent("available" if available else "unavailable", 0, detail=reason))

    def _wake(self) -> None:
        self._wake_event.set()
        try:
            os.write(self._wake_write_fd, b"\0")
        except (BlockingIOError, OSError):
            pass

    def _drain_wake(self) -> None:
        self._wake_event.clear()
        try:
            while os.read(self._wake_fd, 4096):
                pass
        except (BlockingIOError, OSError):
            pass

    def _emit(self, event: SpeechEvent) -> None:
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:
                self.log.exception("speech listener failed on %s", event.kind)
        if event.kind in TERMINAL_KINDS:
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()

    # ---- the worker ----

    def _run(self) -> None:
        try:
            self._startup()
        except Exception as exc:
            self.log.exception("speech backend %s failed to start", self.backend)
            self._set_available(False, f"{self.backend} failed to start: {exc}")
        finally:
            self._ready.set()
        try:
            while True:
                job = self._jobs.get()
                if isinstance(job, _Close):
                    break
                if isinstance(job, _FileJob):
                    self._run_file_job(job)
                else:
                    self._run_utterance(job)
        finally:
            self._drain_after_close()
            try:
                self._shutdown()
            except Exception:
                self.log.exception("speech backend %s failed to shut down", self.backend)

    def _drain_after_close(self) -> None:
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                return
            if isinstance(job, _FileJob):
                job.error = SpeechUnavailable("the speaker is closed")
                job.done.set()
            elif isinstance(job, Utterance):
                self._emit(SpeechEvent("cancelled", job.id, job.text, job.locale))

    def _run_file_job(self, job: _FileJob) -> None:
        try:
            if not clean_text(job.text):
                raise SpeechError("there is no text to speak")
            job.result = self._synthesize(job.text, job.locale, job.path)
        except BaseException as exc:
            job.error = exc if isinstance(exc, SpeechError) else SpeechError(str(exc))
            if not isinstance(exc, SpeechError):
                self.log.exception("synthesis to %s failed", job.path)
        finally:
            job.done.set()

    def _run_utterance(self, u: Utterance) -> None:
        self._drain_wake()

        def event(kind: EventKind, detail: str = "", at: float | None = None) -> SpeechEvent:
            when = time.perf_counter() if at is None else at
            return SpeechEvent(kind, u.id, u.text, u.locale, when, detail)

        if self._cancelled(u):
            self._emit(event("cancelled"))
            return
        if not self._settings.enabled:
            self._emit(event("skipped", "muted"))
            return
        if not split_text(u.text):
            self._emit(event("skipped", "empty text"))
            return
        if not self._available and not self._recheck():
            self._emit(event("failed", f"voice unavailable: {self._reason}"))
            return
        started = False

        def on_started(at: float) -> None:
            nonlocal started
            started = True
            self._emit(event("started", at=at))

        try:
            outcome = self._speak(u, on_started)
        except Exception as exc:
            self.log.exception("speech backend %s failed on an utterance", self.backend)
            outcome = Outcome("failed", str(exc))
        if outcome.kind == "interrupted" and not started:
            self._emit(event("cancelled", outcome.detail, outcome.time))
        else:
            self._emit(event(outcome.kind, outcome.detail, outcome.time))


def platform_backend_order(platform: str | None = None) -> tuple[str, ...]:
    """The order ``voice.backend = auto`` tries: espeak-ng first on Linux, pyttsx3 elsewhere."""
    platform = platform or sys.platform
    if platform.startswith(("win", "darwin")):
        return ("pyttsx3", "espeak-ng")
    return ("espeak-ng", "pyttsx3")


def create_speaker(
    settings: Mapping[str, Any] | None = None,
    *,
    log: logging.Logger | None = None,
    player: list[str] | tuple[str, ...] | None = None,
    espeak: str = "espeak-ng",
    probe: bool = True,
    probe_timeout: float = 3.0,
) -> ThreadedSpeaker:
    """The speaker ``voice.backend`` asks for, already started; never raises.

    ``settings`` is the settings document (or its ``voice`` object). ``auto`` tries
    :func:`platform_backend_order`; a backend whose engine is missing falls through to
    the next; with none left, or with ``none``, it is a :class:`SilentSpeaker` whose
    ``unavailable_reason`` says why. ``player`` is the command that plays a WAV stream
    from its stdin (default: ``$LELING_SPEECH_PLAYER``, else ``aplay -q``, else
    ``paplay``); ``probe`` plays 50 ms of silence through it on the worker at start, so
    a missing audio device shows up as ``available`` False within ``probe_timeout``.
    """
    from launcher.speech.espeak import EspeakSpeaker, find_espeak
    from launcher.speech.pyttsx3_backend import Pyttsx3Speaker, pyttsx3_installed
    from launcher.speech.silent import SilentSpeaker

    logger = log or logging.getLogger("leling.speech")
    voice = VoiceSettings.from_mapping(settings)
    wanted = voice.backend
    speaker: ThreadedSpeaker
    if wanted == "none":
        speaker = SilentSpeaker("voice is switched off (voice.backend is none)", voice, log=logger)
    else:
        order = platform_backend_order() if wanted == "auto" else (wanted,)
        missing: list[str] = []
        chosen: ThreadedSpeaker | None = None
        for name in order:
            if name == "espeak-ng":
                if find_espeak(espeak):
                    chosen = EspeakSpeaker(
                        voice,
                        log=logger,
                        command=espeak,
                        player=player,
                        probe=probe,
                        probe_timeout=probe_timeout,
                    )
                    break
                missing.append(f"espeak-ng not found ({espeak})")
            elif name == "pyttsx3":
                if pyttsx3_installed():
                    chosen = Pyttsx3Speaker(
                        voice, log=logger, player=player, probe=probe, probe_timeout=probe_timeout
                    )
                    break
                missing.append("pyttsx3 is not installed")
            else:
                missing.append(f"unknown voice.backend {name!r}")
        if chosen is None:
            reason = "no speech engine: " + "; ".join(missing)
            speaker = SilentSpeaker(reason, voice, log=logger)
        else:
            speaker = chosen
    speaker.start()
    return speaker
