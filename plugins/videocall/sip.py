"""SIP calls through a baresip process, driven over its ``ctrl_tcp`` control socket.

baresip's ``ctrl_tcp`` module speaks netstrings (``<length>:<bytes>,``), each holding
one JSON object: commands go in (``{"command": "dial", "params": …, "token": …}``),
responses (``"response": true``) and events (``"event": true``, ``"type":
"CALL_ESTABLISHED"`` …) come out. Events are read on a worker thread and handed to
``on_event``; the caller makes that a queued Qt signal, so nothing here touches Qt.
"""

from __future__ import annotations

import json
import logging
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: The program Leling starts (looked up on PATH).
BARESIP = "baresip"
#: Debian's baresip-core puts its modules here.
MODULE_PATH = "/usr/lib/baresip/modules"
#: How long baresip may take to open its control socket.
START_TIMEOUT_S = 10.0
START_ATTEMPTS = 3
#: Events this module makes up itself, in baresip's shape.
LELING_FAILED = "LELING_FAILED"


@dataclass(frozen=True)
class SipAudio:
    """Where call sound comes from and goes to (baresip ``audio_source``/``audio_player``)."""

    source: str
    player: str
    modules: tuple[str, ...]


#: The computer's sound card.
SOUND_CARD = SipAudio("alsa,default", "alsa,default", ("alsa.so",))
#: A 440 Hz tone in, sound thrown away: for machines without a sound card (tests).
TEST_TONE = SipAudio("ausine,440", "aubridge,leling", ("ausine.so", "aubridge.so"))
AUDIO = SOUND_CARD


def netstring(payload: bytes) -> bytes:
    return str(len(payload)).encode("ascii") + b":" + payload + b","


class NetstringReader:
    """Cuts a byte stream into netstrings."""

    #: Larger than any event baresip sends; a bigger length means the stream is broken.
    LIMIT = 1 << 20

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer += data
        found: list[bytes] = []
        while True:
            colon = self._buffer.find(b":")
            if colon < 0:
                if len(self._buffer) > 16:
                    raise ValueError("control stream is not netstring-framed")
                return found
            head = self._buffer[:colon]
            if not head.isdigit() or int(head) > self.LIMIT:
                raise ValueError(f"bad netstring length {head[:16]!r}")
            end = colon + 1 + int(head)
            if len(self._buffer) < end + 1:
                return found
            if self._buffer[end : end + 1] != b",":
                raise ValueError("netstring does not end with a comma")
            found.append(self._buffer[colon + 1 : end])
            self._buffer = self._buffer[end + 1 :]


def baresip_program() -> str | None:
    """The baresip executable, or None when it is not installed."""
    return shutil.which(BARESIP)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def free_sip_port(host: str = "127.0.0.1") -> int:
    """A port free for SIP over UDP and TCP, with the next one free too (baresip puts
    SIP over TLS there)."""
    while True:
        port = free_port(host)
        if port < 65535 and all(
            _bindable(host, number, kind)
            for number in (port, port + 1)
            for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM)
        ):
            return port


def _bindable(host: str, port: int, kind: int) -> bool:
    with socket.socket(socket.AF_INET, kind) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def write_config(
    folder: Path,
    *,
    control_port: int,
    sip_port: int,
    interface: str,
    account: str,
    audio: SipAudio,
) -> None:
    """baresip's ``config`` and ``accounts`` files for one Leling phone."""
    folder.mkdir(parents=True, exist_ok=True)
    listen = interface or "0.0.0.0"
    lines = [
        "poll_method epoll",
        f"sip_listen {listen}:{sip_port}",
        f"audio_player {audio.player}",
        f"audio_source {audio.source}",
        f"audio_alert {audio.player}",
        f"module_path {MODULE_PATH}",
        "module opus.so",
        *(f"module {name}" for name in audio.modules),
        "module_app account.so",
        "module_app menu.so",
        "module_app ctrl_tcp.so",
        # Only this computer may give the phone orders.
        f"ctrl_tcp_listen 127.0.0.1:{control_port}",
    ]
    if interface:
        lines.append(f"net_interface {interface}")
    (folder / "config").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if not account:
        # No registrar: a direct address on this machine, which the family can dial.
        account = f"<sip:leling@{interface or '127.0.0.1'}:{sip_port}>;regint=0"
    (folder / "accounts").write_text(account.strip() + "\n", encoding="utf-8")


class BaresipPhone:
    """One baresip process for one call.

    ``on_event(dict)`` is called on the worker thread for every response and event, and
    once with ``{"type": LELING_FAILED, "param": reason}`` if the phone cannot start or
    its control socket closes unexpectedly.
    """

    def __init__(
        self,
        program: str,
        folder: Path,
        on_event: Callable[[dict[str, Any]], None],
        *,
        interface: str = "",
        account: str = "",
        log: logging.Logger | None = None,
    ) -> None:
        self._program = program
        self._folder = folder
        self._on_event = on_event
        self._interface = interface
        self._account = account
        self._log = log or logging.getLogger("leling.plugins.videocall.sip")
        self._process: subprocess.Popen[bytes] | None = None
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._connected = threading.Event()
        self._worker: threading.Thread | None = None
        self._pending: list[bytes] = []
        self._token = 0

    def start(self) -> None:
        self._worker = threading.Thread(target=self._run, name="leling-baresip", daemon=True)
        self._worker.start()

    def _launch(self) -> int:
        """Start baresip on fresh ports; returns its control port."""
        control_port = free_port()
        sip_port = free_sip_port(self._interface or "127.0.0.1")
        write_config(
            self._folder,
            control_port=control_port,
            sip_port=sip_port,
            interface=self._interface,
            account=self._account,
            audio=AUDIO,
        )
        log_file = open(self._folder / "baresip.log", "ab")
        try:
            self._process = subprocess.Popen(
                [self._program, "-4", "-f", str(self._folder)],
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        finally:
            log_file.close()
        return control_port

    def send(self, command: str, params: str = "") -> str:
        """Send a command; returns its token (responses carry it). Queued until connected."""
        with self._lock:
            self._token += 1
            token = f"leling-{self._token}"
            frame = netstring(
                json.dumps({"command": command, "params": params, "token": token}).encode()
            )
            if self._socket is None:
                self._pending.append(frame)
                return token
            sock = self._socket
        try:
            sock.sendall(frame)
        except OSError as exc:
            self._log.warning("baresip did not take %s: %s", command, exc)
        return token

    def dial(self, address: str) -> str:
        return self.send("dial", address)

    def hangup(self) -> str:
        return self.send("hangup")

    def stop(self) -> None:
        """End the call and the process. Never blocks the caller."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        with self._lock:
            sock, self._socket = self._socket, None
        if sock is not None:
            try:
                sock.sendall(netstring(b'{"command":"quit","params":"","token":"leling-quit"}'))
            except OSError:
                pass
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        process = self._process
        if process is not None and sock is None:
            # No way to ask it to quit (it had not opened its control port yet).
            process.terminate()
        if process is not None:
            threading.Thread(
                target=_reap, args=(process,), name="leling-baresip-reaper", daemon=True
            ).start()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def shut_down(self, timeout: float = 3.0) -> None:
        """Stop, and make sure the process is gone before returning (Leling is closing,
        so no reaper thread would outlive it)."""
        self.stop()
        process = self._process
        if process is None:
            return
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    # -- the worker thread ----------------------------------------------------------

    def _run(self) -> None:
        sock = None
        for attempt in range(START_ATTEMPTS):
            if self._stopping.is_set():
                return
            try:
                sock = self._connect(self._launch())
                break
            except OSError as exc:
                # A port taken between choosing it and baresip binding it: try others.
                self._log.info("baresip start %d failed: %s", attempt + 1, exc)
                if self._process is not None and self._process.poll() is None:
                    self._process.kill()
                    self._process.wait()
                if attempt + 1 == START_ATTEMPTS:
                    self._fail(f"baresip did not open its control port: {exc}")
                    return
        if sock is None:
            return
        reader = NetstringReader()
        while not self._stopping.is_set():
            try:
                data = sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                if not self._stopping.is_set():
                    self._fail("baresip closed its control connection")
                return
            try:
                frames = reader.feed(data)
            except ValueError as exc:
                self._fail(f"baresip sent something unreadable: {exc}")
                return
            for frame in frames:
                try:
                    message = json.loads(frame)
                except ValueError:
                    self._log.warning("baresip sent a frame that is not JSON: %r", frame[:200])
                    continue
                if isinstance(message, dict):
                    self._deliver(message)

    def _connect(self, control_port: int) -> socket.socket | None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            process = self._process
            if process is not None and process.poll() is not None:
                raise OSError(f"it exited with status {process.returncode}")
            try:
                sock = socket.create_connection(("127.0.0.1", control_port), timeout=1.0)
            except OSError:
                if time.monotonic() > deadline:
                    raise
                # The control port opens a moment after the process starts.
                if self._stopping.wait(0.05):
                    return None
                continue
            sock.settimeout(None)
            with self._lock:
                if self._stopping.is_set():
                    sock.close()
                    return None
                self._socket = sock
                pending, self._pending = self._pending, []
            for frame in pending:
                sock.sendall(frame)
            return sock

    def _deliver(self, message: dict[str, Any]) -> None:
        try:
            self._on_event(message)
        except RuntimeError:
            # The screen that listened is gone (the senior left): end the call.
            self.stop()

    def _fail(self, reason: str) -> None:
        self._log.warning("%s", reason)
        self._deliver({"event": True, "type": LELING_FAILED, "param": reason})
        self.stop()


def _reap(process: subprocess.Popen[bytes]) -> None:
    try:
        process.wait(3)
    except subprocess.TimeoutExpired:
        process.terminate()
        try:
            process.wait(3)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
