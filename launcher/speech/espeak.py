"""The espeak-ng backend: one ``espeak-ng --stdout`` process per chunk, piped to a player.

**This is the default** on Linux (``voice.backend = auto`` tries it first there; pyttsx3
comes second, and first on Windows and macOS, where its SAPI5 and NSSpeech drivers are
the natural engines). Why not pyttsx3 2.99 on Linux, which drives the same espeak-ng:

* its espeak driver synthesises a whole text into memory and then plays it with
  ``os.system("aplay …")`` on espeak's own thread, where ``engine.stop()`` cannot reach
  it: a tap could not silence speech. (Leling's pyttsx3 backend works around this by
  rendering to files and playing them through the same killable player as here.)
* it writes a file before adding the audio of the callback that ended the text: about
  1 short tap in 250 came out empty here (the backend retries once), and a longer text
  can lose its last block;
* espeak runs inside Leling's process, so its crashes (near 15 KB of text, or an empty
  string) would take the home screen down; here they end one process. pyttsx3 allows one
  engine per process, loses or hangs utterances when two threads touch it, and carries
  state from one utterance to the next, so the same text never sounds quite the same;
* speech starts only when a whole chunk is synthesised: 54 ms for 400 characters
  against 23 ms here, where the first audio streams out while espeak-ng goes on.

The price is a process start per utterance: a one-word tap starts speaking in 25 ms
(p50; 35 ms p95) here against 15 ms through pyttsx3, both far under the 150 ms target
(``bench/speech_latency.py``). Each utterance is isolated and killable: a tap silences
speech in about 3 ms, with its processes gone.

Each utterance runs as::

    espeak-ng -v VOICE -s RATE -a AMPLITUDE -b 1 --stdout   (text on stdin)  ->  PLAYER

where PLAYER reads a WAV stream on stdin (``aplay -q`` by default; see
:func:`launcher.speech.playback.default_player`). The text goes on stdin, not argv, so a
text that starts with ``-`` is never read as an option. Volume 0–100 is espeak's
amplitude 0–100 (its default is 100).
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Generator, Sequence
from pathlib import Path

from launcher.speech.playback import (
    PlayingSpeaker,
    ProcessSource,
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


def find_espeak(command: str = "espeak-ng") -> str | None:
    """The path of the espeak-ng program, or None."""
    if os.sep in command:
        return command if os.access(command, os.X_OK) else None
    return shutil.which(command)


def parse_voice_list(text: str, *, mbrola: bool = False) -> dict[str, list[VoiceInfo]]:
    """``espeak-ng --voices`` output, grouped by Leling locale.

    Columns: Pty, Language, Age/Gender, VoiceName, File, Other Languages. MBROLA voices
    (files ``mb/…``) are left out unless ``mbrola`` is installed.
    """
    voices: dict[str, list[VoiceInfo]] = {locale: [] for locale in LOCALES}
    for line in text.splitlines()[1:]:
        parts = line.split()
        if len(parts) < 5:
            continue
        language, age_gender, name, file = parts[1], parts[2], parts[3], parts[4]
        if file.startswith("mb/") and not mbrola:
            continue
        locale = locale_for_language(language)
        if locale is None:
            continue
        gender = {"M": "male", "F": "female"}.get(age_gender.rpartition("/")[2], "")
        voices[locale].append(
            VoiceInfo(
                id=file,
                name=name.replace("_", " "),
                locale=locale,
                language=language,
                gender=gender,
                default=language == default_voice(locale),
            )
        )
    for locale, items in voices.items():
        # The locale's own voice first, and only one default: yue also has a Jyutping
        # variant of the same language.
        items.sort(key=lambda v: (not v.default, len(v.id), v.id))
        voices[locale] = [
            info
            if index == 0
            else VoiceInfo(info.id, info.name, info.locale, info.language, info.gender)
            for index, info in enumerate(items)
        ]
    return voices


class EspeakSpeaker(PlayingSpeaker):
    """Speaks through espeak-ng processes. See the module docstring."""

    backend = "espeak-ng"

    def __init__(
        self,
        settings: VoiceSettings | None = None,
        *,
        log: logging.Logger | None = None,
        command: str = "espeak-ng",
        player: Sequence[str] | None = None,
        probe: bool = True,
        probe_timeout: float = 3.0,
        stall_timeout: float = 5.0,
    ) -> None:
        super().__init__(
            settings,
            log=log,
            player=player,
            probe=probe,
            probe_timeout=probe_timeout,
            stall_timeout=stall_timeout,
        )
        self.command = find_espeak(command) or command
        if find_espeak(command) is None:
            self._set_available(False, f"espeak-ng not found ({command})")

    def _engine_ready(self) -> bool:
        return find_espeak(self.command) is not None

    # ---- worker ----

    def _startup(self) -> None:
        if not self._engine_ready():
            return
        try:
            listing = subprocess.run(
                [self.command, "--voices"],
                capture_output=True,
                timeout=10,
                check=False,
            ).stdout.decode("utf-8", "replace")
            self._voices = parse_voice_list(listing, mbrola=shutil.which("mbrola") is not None)
        except (OSError, subprocess.TimeoutExpired) as exc:
            self.log.warning("espeak-ng --voices failed: %s", exc)
        self._startup_device()

    def argv(self, voice: str, settings: VoiceSettings) -> list[str]:
        """The espeak-ng command for one chunk of text (given on stdin) to a WAV on stdout."""
        return [
            self.command,
            "-v",
            voice,
            "-s",
            str(settings.rate),
            "-a",
            str(settings.volume),
            "-b",
            "1",
            "--stdout",
        ]

    def _voice_for(self, locale: str, settings: VoiceSettings) -> str:
        candidates = self._voices.get(normalize_locale(locale), [])
        return resolve_voice(locale, settings.voice, candidates)

    def _sources(
        self, chunks: list[str], voice: str, settings: VoiceSettings
    ) -> Generator[Source, None, None]:
        argv = self.argv(voice, settings)
        for chunk in chunks:
            stderr = tempfile.TemporaryFile()
            try:
                process = subprocess.Popen(
                    argv,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=stderr,
                    start_new_session=True,
                )
            except OSError as exc:
                stderr.close()
                raise SpeechError(f"cannot start espeak-ng: {exc}") from exc
            assert process.stdin is not None
            try:
                process.stdin.write(chunk.encode("utf-8"))
            except BrokenPipeError:
                pass
            finally:
                try:
                    process.stdin.close()
                except BrokenPipeError:
                    pass
            yield ProcessSource(process, stderr, "espeak-ng")

    def _speak(self, utterance: Utterance, on_started: Callable[[float], None]) -> Outcome:
        settings = self._settings
        voice = self._voice_for(utterance.locale, settings)
        sources = self._sources(split_text(utterance.text), voice, settings)
        try:
            return self._play(utterance, sources, on_started)
        finally:
            sources.close()

    def _synthesize(self, text: str, locale: str, path: Path) -> Path:
        if find_espeak(self.command) is None:
            raise SpeechUnavailable(self._reason or "espeak-ng not found")
        settings = self._settings
        argv = self.argv(self._voice_for(locale, settings), settings)
        fmt: WavFormat | None = None
        frames: list[bytes] = []
        for chunk in split_text(text):
            try:
                done = subprocess.run(
                    argv, input=chunk.encode("utf-8"), capture_output=True, timeout=120, check=False
                )
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise SpeechError(f"espeak-ng failed: {exc}") from exc
            message = done.stderr.decode("utf-8", "replace").strip()
            if done.returncode != 0 or not done.stdout:
                raise SpeechError(f"espeak-ng failed ({done.returncode}): {message}")
            parsed = parse_wav_header(done.stdout)
            if parsed is None:
                raise SpeechError("espeak-ng wrote no WAV header")
            chunk_fmt, offset = parsed
            if fmt is not None and chunk_fmt != fmt:
                raise SpeechError("espeak-ng changed its audio format within a text")
            fmt = chunk_fmt
            frames.append(done.stdout[offset:])
        if fmt is None:
            raise SpeechError("there is no text to speak")
        return write_wav(path, fmt, frames)
