"""Streaming WAV audio into a player process that can be killed at any moment.

One utterance is one player process (``aplay -q`` by default) reading a WAV stream on its
stdin, fed by the worker thread from a sequence of sources: espeak-ng processes writing
``--stdout`` (one per chunk of text) or WAV bytes already made (pyttsx3's files). The
worker multiplexes with ``poll()`` over the source, the player's stdin, the player's
stdout (its end of file means the player has exited) and the speaker's wake-up pipe, so:

* an interrupt is seen within one poll wake-up, and the processes are killed (their
  whole process groups) and reaped on the worker;
* a player that fails (no audio device: ``aplay`` exits 1 with "audio open error") is
  reported as a device error with the last line of its stderr;
* a player that hangs (stops reading, or never exits) is killed after a deadline:
  ``stall_timeout`` without progress while writing, or the audio's remaining duration
  plus ``grace`` after the last byte.

POSIX only (``select.poll``, process groups).
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import shlex
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

from launcher.speech.speaker import Outcome, ThreadedSpeaker, Utterance, VoiceSettings

#: RIFF and data sizes of a WAV stream of unknown length (what espeak-ng --stdout writes).
STREAM_DATA_SIZE = 0x7FFFF000
#: Read no more from a source while this much audio waits for the player (backpressure).
HIGH_WATER = 64 * 1024
PLAYER_ENV = "LELING_SPEECH_PLAYER"
#: How long after a device failure the next utterance tries the device again (someone
#: may plug in a speaker, or the sound server may start after Leling).
RETRY_INTERVAL = 30.0
#: Streaming playback needs poll() on pipes and process groups: Linux, the BSDs, macOS.
HAVE_POLL = hasattr(select, "poll") and hasattr(os, "killpg")


@dataclass(frozen=True)
class WavFormat:
    channels: int
    rate: int
    bits: int

    @property
    def bytes_per_second(self) -> int:
        return self.channels * self.rate * self.bits // 8


def parse_wav_header(data: bytes | bytearray) -> tuple[WavFormat, int] | None:
    """(format, offset of the first sample) once ``data`` holds the whole header, else None.

    Raises ValueError when ``data`` is not a PCM WAV stream.
    """
    if len(data) < 12:
        return None
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError("not a WAV stream")
    position = 12
    fmt: WavFormat | None = None
    while True:
        if len(data) < position + 8:
            return None
        chunk = bytes(data[position : position + 4])
        size = int.from_bytes(data[position + 4 : position + 8], "little")
        if chunk == b"data":
            if fmt is None:
                raise ValueError("WAV data before its format")
            return fmt, position + 8
        if len(data) < position + 8 + size:
            return None
        if chunk == b"fmt ":
            tag, channels, rate = struct.unpack_from("<HHI", data, position + 8)
            (bits,) = struct.unpack_from("<H", data, position + 22)
            if tag not in (1, 0xFFFE):
                raise ValueError(f"WAV format {tag} is not PCM")
            fmt = WavFormat(channels, rate, bits)
        position += 8 + size + (size & 1)


def wav_header(fmt: WavFormat, data_size: int = STREAM_DATA_SIZE) -> bytes:
    """A 44-byte PCM WAV header; the default size means "until the end of the stream"."""
    block = fmt.channels * fmt.bits // 8
    return struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        36 + data_size,
        b"WAVE",
        b"fmt ",
        16,
        1,
        fmt.channels,
        fmt.rate,
        fmt.bytes_per_second,
        block,
        fmt.bits,
        b"data",
        data_size,
    )


def silence_wav(seconds: float = 0.05, fmt: WavFormat | None = None) -> bytes:
    fmt = fmt or WavFormat(1, 22050, 16)
    size = int(seconds * fmt.rate) * fmt.channels * fmt.bits // 8
    return wav_header(fmt, size) + bytes(size)


def default_player() -> list[str] | None:
    """``$LELING_SPEECH_PLAYER`` (split like a shell would), else ``aplay -q``, else ``paplay``."""
    configured = os.environ.get(PLAYER_ENV, "").strip()
    if configured:
        return shlex.split(configured)
    for command in (["aplay", "-q"], ["paplay"]):
        if shutil.which(command[0]):
            return command
    return None


# A player for tests and benchmarks: reads a WAV stream and throws it away at the pace it
# would play (``speed`` times real time), so speech takes as long as it would aloud.
_PACED_SINK = r"""
import os, sys, time
speed = float(sys.argv[1])
fd = sys.stdin.fileno()
head = b""
while len(head) < 44:
    more = os.read(fd, 44 - len(head))
    if not more:
        sys.exit(0)
    head += more
per_second = int.from_bytes(head[28:32], "little") or 44100
start = time.monotonic()
total = 0
while True:
    data = os.read(fd, 4096)
    if not data:
        break
    total += len(data)
    ahead = total / per_second / speed - (time.monotonic() - start)
    if ahead > 0.05:
        time.sleep(ahead - 0.05)
"""


def paced_sink_command(speed: float = 1.0) -> list[str]:
    """A player command that plays to nowhere, taking as long as real playback would."""
    return [sys.executable, "-c", _PACED_SINK, str(speed)]


def null_sink_command() -> list[str]:
    """A player command that swallows the stream as fast as it comes."""
    return ["sh", "-c", "cat > /dev/null"]


class Source:
    """One piece of an utterance's audio: a process writing WAV to a pipe, or WAV bytes."""

    def __init__(self, data: bytes = b"") -> None:
        self.data = data

    @property
    def fd(self) -> int | None:
        return None

    @property
    def pids(self) -> list[int]:
        return []

    def finish(self, kill: bool) -> str:
        """Release the source; returns an error message, or "" if it went well."""
        return ""


class ProcessSource(Source):
    """A running process (espeak-ng ``--stdout``) whose stdout is the WAV stream."""

    def __init__(self, process: subprocess.Popen[bytes], stderr: IO[bytes], name: str) -> None:
        super().__init__()
        assert process.stdout is not None
        self.process = process
        self.stderr = stderr
        self.name = name
        self._fd = process.stdout.fileno()
        os.set_blocking(self._fd, False)

    @property
    def fd(self) -> int | None:
        return self._fd

    @property
    def pids(self) -> list[int]:
        return [self.process.pid]

    def finish(self, kill: bool) -> str:
        if kill:
            terminate(self.process)
        else:
            try:
                self.process.wait(2.0)
            except subprocess.TimeoutExpired:
                terminate(self.process)
        if self.process.stdout is not None:
            self.process.stdout.close()
        code = self.process.returncode
        message = "" if kill or code == 0 else f"{self.name} exited with {code}"
        detail = read_tail(self.stderr)
        self.stderr.close()
        if detail and not kill:
            return f"{self.name}: {detail}"
        return message


def terminate(process: subprocess.Popen[bytes], grace: float = 0.2) -> None:
    """End a process and its process group at once (SIGTERM, then SIGKILL) and reap it."""
    if process.poll() is None:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(process.pid, sig)
            except (ProcessLookupError, PermissionError):
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(sig)
            try:
                process.wait(grace)
                break
            except subprocess.TimeoutExpired:
                continue
    if process.returncode is None:
        process.wait()


def read_tail(stream: IO[bytes], limit: int = 4096) -> str:
    """The last non-empty line a process wrote to its stderr file."""
    try:
        stream.flush()
        stream.seek(0, os.SEEK_END)
        size = stream.tell()
        stream.seek(max(0, size - limit))
        text = stream.read().decode("utf-8", "replace")
    except (OSError, ValueError):
        return ""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


@dataclass
class PlayResult:
    outcome: Literal["finished", "interrupted", "failed"]
    detail: str = ""
    #: The failure is the player's (no audio device, hung), not the engine's.
    device_error: bool = False
    #: perf_counter when the first audio bytes reached the player, if they did.
    started: float | None = None
    #: perf_counter when every process of the utterance was gone.
    ended: float = 0.0
    audio_seconds: float = 0.0


class Player:
    """Plays utterances through one player command; used only on the worker thread."""

    def __init__(
        self,
        command: Sequence[str],
        *,
        log: logging.Logger,
        stall_timeout: float = 5.0,
        grace: float = 3.0,
    ) -> None:
        self.command = list(command)
        self.log = log
        self.stall_timeout = stall_timeout
        self.grace = grace
        self._active: list[int] = []

    @property
    def active_pids(self) -> list[int]:
        """Pids of the processes of the utterance now playing (a snapshot)."""
        return list(self._active)

    def probe(self, timeout: float, wake_fd: int | None, cancelled: Callable[[], bool]) -> str:
        """Play 50 ms of silence; returns "" if the player works, else why not."""
        result = self.play(
            iter([Source(silence_wav())]),
            wake_fd=wake_fd,
            cancelled=cancelled,
            stall_timeout=timeout,
            grace=timeout,
        )
        if result.outcome == "failed":
            return result.detail or "the audio player failed"
        return ""

    def play(
        self,
        sources: Iterator[Source],
        *,
        wake_fd: int | None,
        cancelled: Callable[[], bool],
        on_started: Callable[[float], None] | None = None,
        stall_timeout: float | None = None,
        grace: float | None = None,
    ) -> PlayResult:
        stall = self.stall_timeout if stall_timeout is None else stall_timeout
        grace = self.grace if grace is None else grace
        name = os.path.basename(self.command[0]) if self.command else "player"
        errors = tempfile.TemporaryFile()
        try:
            player = subprocess.Popen(
                self.command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                start_new_session=True,
            )
        except OSError as exc:
            errors.close()
            return PlayResult(
                "failed",
                f"cannot start the audio player {name}: {exc}",
                device_error=True,
                ended=time.perf_counter(),
            )
        assert player.stdin is not None and player.stdout is not None
        stdin_fd = player.stdin.fileno()
        stdout_fd = player.stdout.fileno()
        os.set_blocking(stdin_fd, False)
        os.set_blocking(stdout_fd, False)
        self._active = [player.pid]

        poller = select.poll()
        IN, OUT = select.POLLIN, select.POLLOUT
        if wake_fd is not None:
            poller.register(wake_fd, IN)
        poller.register(stdout_fd, IN)

        source: Source | None = None
        source_fd: int | None = None
        header_buffer = bytearray()
        header_done = False
        fmt: WavFormat | None = None
        pending = bytearray()
        header_bytes = 0
        written = 0
        pcm_bytes = 0
        exhausted = False
        stdin_open = True
        stdin_registered = False
        player_exited = False
        started: float | None = None
        closed_at = 0.0
        last_progress = time.perf_counter()
        outcome: Literal["finished", "interrupted", "failed"] = "finished"
        detail = ""
        device_error = False

        def feed(data: bytes | bytearray) -> None:
            nonlocal header_done, fmt, header_bytes, pcm_bytes
            if header_done:
                pending.extend(data)
                pcm_bytes += len(data)
                return
            header_buffer.extend(data)
            parsed = parse_wav_header(header_buffer)
            if parsed is None:
                if len(header_buffer) > 65536:
                    raise ValueError("no WAV header in the first 64 KB")
                return
            this_fmt, offset = parsed
            if fmt is None:
                fmt = this_fmt
                header = wav_header(fmt)
                pending.extend(header)
                header_bytes = len(header)
            elif this_fmt != fmt:
                raise ValueError(f"audio format changed within an utterance: {this_fmt} {fmt}")
            body = header_buffer[offset:]
            pending.extend(body)
            pcm_bytes += len(body)
            header_buffer.clear()
            header_done = True

        def close_source(kill: bool) -> str:
            nonlocal source, source_fd
            if source is None:
                return ""
            if source_fd is not None:
                with contextlib.suppress(KeyError, ValueError):
                    poller.unregister(source_fd)
            problem = source.finish(kill)
            source, source_fd = None, None
            self._active = [player.pid]
            return problem

        try:
            while True:
                if cancelled():
                    outcome, detail = "interrupted", ""
                    break
                if source is None and not exhausted:
                    try:
                        source = next(sources)
                    except StopIteration:
                        exhausted = True
                    else:
                        header_done = False
                        header_buffer.clear()
                        source_fd = source.fd
                        self._active = [player.pid, *source.pids]
                        if source_fd is None:
                            feed(source.data)
                            close_source(kill=False)
                        else:
                            poller.register(source_fd, IN)
                        last_progress = time.perf_counter()
                        continue
                if exhausted and source is None and not header_bytes:
                    raise _SourceFailed("the speech engine produced no audio")
                if exhausted and source is None and not pending and stdin_open:
                    if stdin_registered:
                        poller.unregister(stdin_fd)
                        stdin_registered = False
                    player.stdin.close()
                    stdin_open = False
                    closed_at = time.perf_counter()
                if player_exited:
                    if stdin_open:
                        outcome, device_error = "failed", True
                    break
                if source_fd is not None:
                    poller.modify(source_fd, IN if len(pending) < HIGH_WATER else 0)
                if stdin_open and pending and not stdin_registered:
                    poller.register(stdin_fd, OUT)
                    stdin_registered = True
                elif stdin_registered and not pending:
                    poller.unregister(stdin_fd)
                    stdin_registered = False

                now = time.perf_counter()
                if stdin_open:
                    deadline = last_progress + stall
                else:
                    audio = pcm_bytes / fmt.bytes_per_second if fmt else 0.0
                    played_from = started if started is not None else closed_at
                    deadline = max(closed_at, played_from + audio) + grace
                wait_ms = max(0, int((deadline - now) * 1000) + 1)
                events = poller.poll(wait_ms)
                if not events and time.perf_counter() >= deadline:
                    outcome = "failed"
                    if stdin_open and pending:
                        detail, device_error = f"the audio player {name} stopped reading", True
                    elif stdin_open:
                        detail = "the speech engine stopped producing audio"
                    else:
                        detail, device_error = f"the audio player {name} did not finish", True
                    break
                for fd, mask in events:
                    if fd == wake_fd:
                        with contextlib.suppress(BlockingIOError, OSError):
                            os.read(fd, 4096)
                    elif fd == stdout_fd:
                        try:
                            data = os.read(fd, 4096)
                        except BlockingIOError:
                            continue
                        if not data:
                            poller.unregister(stdout_fd)
                            player_exited = True
                    elif fd == source_fd and source is not None:
                        try:
                            data = os.read(fd, 65536)
                        except BlockingIOError:
                            continue
                        last_progress = time.perf_counter()
                        if data:
                            feed(data)
                        else:
                            had_audio = header_done
                            problem = close_source(kill=False)
                            if problem and not had_audio:
                                raise _SourceFailed(problem)
                            if problem:
                                self.log.warning("speech source: %s", problem)
                    elif fd == stdin_fd and stdin_open and pending:
                        if mask & (select.POLLERR | select.POLLHUP) and not mask & OUT:
                            player_exited = True
                            continue
                        try:
                            count = os.write(stdin_fd, pending[:65536])
                        except BlockingIOError:
                            continue
                        except (BrokenPipeError, ConnectionResetError):
                            player_exited = True
                            continue
                        del pending[:count]
                        written += count
                        last_progress = time.perf_counter()
                        if started is None and written > header_bytes and header_bytes:
                            started = last_progress
                            if on_started is not None:
                                on_started(started)
        except _SourceFailed as failure:
            outcome, detail = "failed", str(failure)
        except ValueError as exc:
            outcome, detail = "failed", f"bad audio from the speech engine: {exc}"
        except BaseException:
            outcome = "failed"  # a source could not start: kill the player, not wait
            raise
        finally:
            close_source(kill=True)
            if stdin_open:
                with contextlib.suppress(OSError):
                    player.stdin.close()
            if outcome == "finished" or (outcome == "failed" and player_exited):
                try:
                    player.wait(1.0)
                except subprocess.TimeoutExpired:
                    terminate(player)
            else:
                terminate(player)
            player.stdout.close()
            code = player.returncode
            tail = read_tail(errors)
            errors.close()
            self._active = []
        if outcome == "finished" and code not in (0, None):
            outcome, device_error = "failed", True
        if device_error and not detail:
            detail = f"the audio player {name} failed"
            if code not in (0, None):
                detail += f" (exit {code})"
            if tail:
                detail += f": {tail}"
        audio_seconds = pcm_bytes / fmt.bytes_per_second if fmt else 0.0
        return PlayResult(
            outcome,
            detail,
            device_error=device_error,
            started=started,
            ended=time.perf_counter(),
            audio_seconds=audio_seconds,
        )


class _SourceFailed(Exception):
    pass


class PlayingSpeaker(ThreadedSpeaker):
    """A speaker that plays its audio through a :class:`Player` (a command reading WAV).

    It probes the device at start (on the worker), turns ``available`` False with the
    player's own error when the device is missing or hangs (logged once per reason),
    and tries the device again at most every ``RETRY_INTERVAL`` seconds when asked to
    speak while unavailable.
    """

    def __init__(
        self,
        settings: VoiceSettings | None = None,
        *,
        log: logging.Logger | None = None,
        player: Sequence[str] | None = None,
        probe: bool = True,
        probe_timeout: float = 3.0,
        stall_timeout: float = 5.0,
    ) -> None:
        super().__init__(settings, log=log)
        command = list(player) if player else default_player()
        self.player = (
            Player(command, log=self.log, stall_timeout=stall_timeout) if command else None
        )
        self._probe = probe
        self._probe_timeout = probe_timeout
        self._device_failed = False
        self._last_probe = 0.0

    def active_pids(self) -> list[int]:
        """Pids of the engine and player processes speaking now (for tests, diagnostics)."""
        return self.player.active_pids if self.player else []

    def _device_check(self) -> bool:
        """Before the probe, on the worker: mark a missing player or poll() unavailable."""
        if self.player is None:
            self._device_failed = True
            self._set_available(False, "no audio player found (install alsa-utils for aplay)")
            return False
        if not HAVE_POLL:
            self._set_available(False, "streaming playback needs poll() and process groups")
            return False
        return True

    def _engine_ready(self) -> bool:
        """False when the engine itself (not the audio device) is missing."""
        return True

    def _probe_device(self) -> bool:
        if not self._device_check():
            return False
        assert self.player is not None
        self._last_probe = time.monotonic()
        problem = self.player.probe(
            self._probe_timeout, self._wake_fd, cancelled=lambda: self._closing
        )
        if self._closing:
            return False
        if problem:
            self._device_failed = True
            self._set_available(False, f"no audio output: {problem}")
            return False
        self._device_failed = False
        self._set_available(True)
        return True

    def _startup_device(self) -> None:
        if not self._device_check():
            return
        if self._probe:
            self._probe_device()

    def _recheck(self) -> bool:
        if not self._device_failed or not self._engine_ready() or self.player is None:
            return False
        if time.monotonic() - self._last_probe < RETRY_INTERVAL:
            return False
        return self._probe_device()

    def _play(
        self, utterance: Utterance, sources: Iterator[Source], on_started: Callable[[float], None]
    ) -> Outcome:
        assert self.player is not None
        result = self.player.play(
            sources,
            wake_fd=self._wake_fd,
            cancelled=lambda: self._cancelled(utterance),
            on_started=on_started,
        )
        if result.device_error:
            self._device_failed = True
            self._last_probe = time.monotonic()
            self._set_available(False, f"no audio output: {result.detail}")
        return Outcome(result.outcome, result.detail, result.ended)


def write_wav(path: Path, fmt: WavFormat, frames: Iterable[bytes]) -> Path:
    """Write PCM frames as one WAV file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(fmt.channels)
        out.setsampwidth(fmt.bits // 8)
        out.setframerate(fmt.rate)
        for frame in frames:
            out.writeframes(frame)
    return path
