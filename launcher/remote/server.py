"""The remote-help HTTP server: a thread beside the UI, answering on one port.

The server thread only reads and writes sockets. Each API request is handed to the UI
thread through ``run_on_ui`` (the shell passes a queued-signal bridge) and the thread
waits for the answer, so the UI never waits for the network and the settings are only
touched from one thread. Static files of the relative's web app are served from the
``webapp`` folder directly: gzipped for browsers that accept it, with an ETag, so a
phone on slow Wi-Fi loads the app once and afterwards only asks whether it changed.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import re
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import NamedTuple
from urllib.parse import parse_qsl, urlsplit

from launcher.remote.api import MAX_PHOTO_BYTES, Request, Response

log = logging.getLogger("leling.remote")

WEBAPP_DIR = Path(__file__).resolve().parent / "webapp"

#: How long a request may wait for the UI thread before the relative is told to retry.
UI_TIMEOUT_S = 10.0

RunOnUi = Callable[[Callable[[], Response]], Response]

#: The kinds of the app's files, by ending. Named here rather than asked of the system:
#: Windows' registry may call a script text/plain, and with nosniff it would not run.
_KINDS = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
#: Kinds worth compressing (the app's images are small SVG text too).
_COMPRESSIBLE = ("text/", "application/json", "application/manifest+json", "image/svg+xml")
#: What a file of the app may be called: a plain name, no folder, drive or backslash.
_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9]+)+")

_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
_APP_POLICY = (
    "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; "
    # WebSockets: the app reaches a broker for remote help from afar (its own address,
    # chosen by the family in remote.broker_ws).
    "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


class _Handler(BaseHTTPRequestHandler):
    # Keep-alive needs HTTP/1.1, and without Nagle off each keep-alive request waits ~40 ms.
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "Leling"
    sys_version = ""
    # Set on the class made for each server (see RemoteServer).
    remote: RemoteServer

    def log_message(self, format: str, *args: object) -> None:
        # The request line carries the pairing claim in its query: log the path only.
        # Tokens travel in a header and never reach the log.
        log.debug("%s %s", self.command, urlsplit(self.path).path)

    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        if not parts.path.startswith("/api/"):
            if self.headers.get("Content-Length", "0") not in ("", "0"):
                # A file is never sent a body; unread, it would be taken for the next
                # request on this connection.
                self.close_connection = True
            self._send(
                self.remote.static(
                    parts.path,
                    self.command,
                    accept_encoding=self.headers.get("Accept-Encoding", ""),
                    if_none_match=self.headers.get("If-None-Match", ""),
                )
            )
            return
        length_text = self.headers.get("Content-Length", "0") or "0"
        try:
            length = int(length_text)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_PHOTO_BYTES + 64 * 1024:
            self.close_connection = True
            self._send(Response.json(413, {"error": "the request body is too large"}))
            return
        body = self.rfile.read(length) if length else b""
        request = Request(
            method=self.command,
            path=parts.path,
            query=dict(parse_qsl(parts.query)),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
        )
        self._send(self.remote.answer(request))

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        if response.status != 304:  # a 304 has no body, and no length of one
            self.send_header("Content-Length", str(len(response.body)))
        if "Cache-Control" not in response.headers:
            self.send_header("Cache-Control", "no-store")
        for name, value in {**_SECURITY_HEADERS, **response.headers}.items():
            self.send_header(name, value)
        if response.content_type.startswith("text/html"):
            self.send_header("Content-Security-Policy", _APP_POLICY)
        self.end_headers()
        if self.command != "HEAD" and response.body:
            self.wfile.write(response.body)


class _StaticFile(NamedTuple):
    """One file of the web app as last read: its bytes, gzipped bytes and ETags."""

    stamp: tuple[int, int]
    kind: str
    raw: bytes
    etag: str
    packed: bytes | None
    packed_etag: str


def _accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header lets gzip be sent: named with a quality above
    0, or not named while "*" is."""
    qualities: dict[str, float] = {}
    for part in accept_encoding.split(","):
        coding, *parameters = part.split(";")
        name = coding.strip().lower()
        if not name:
            continue
        quality = 1.0
        for parameter in parameters:
            key, _, value = parameter.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = 0.0
        qualities[name] = quality
    return qualities.get("gzip", qualities.get("*", 0.0)) > 0


def _etag_matches(if_none_match: str, etag: str) -> bool:
    wanted = [tag.strip() for tag in if_none_match.split(",") if tag.strip()]
    # Weak comparison, as RFC 9110 asks for If-None-Match.
    return "*" in wanted or any(tag.removeprefix("W/") == etag for tag in wanted)


class RemoteServer:
    """Serves the API and the web app on ``bind``:``port`` (0 picks a free port)."""

    def __init__(
        self,
        handle: Callable[[Request], Response],
        run_on_ui: RunOnUi,
        *,
        answer_here: Callable[[Request], Response | None] = lambda request: None,
        bind: str = "127.0.0.1",
        port: int = 0,
        webapp_dir: Path = WEBAPP_DIR,
    ) -> None:
        self._handle = handle
        self._run_on_ui = run_on_ui
        self._answer_here = answer_here
        self.webapp_dir = webapp_dir
        # Read, compressed and hashed once per version of each file; the threads that
        # answer phones only ever replace a whole entry.
        self._static_files: dict[str, _StaticFile] = {}
        handler = type("Handler", (_Handler,), {"remote": self})
        self._httpd = ThreadingHTTPServer((bind, port), handler)
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._httpd.server_address[:2]
        return str(host), int(port)

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="leling-remote", daemon=True
        )
        self._thread.start()
        log.info("remote help listening on %s:%d", *self.address)

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def answer(self, request: Request) -> Response:
        # What many phones poll is answered here, so it never queues up before a change
        # waiting for the UI thread.
        quick = self._answer_here(request)
        if quick is not None:
            return quick
        try:
            return self._run_on_ui(lambda: self._handle(request))
        except TimeoutError:
            return Response.json(503, {"error": "the launcher is busy; try again"})

    def static(
        self, path: str, method: str, *, accept_encoding: str = "", if_none_match: str = ""
    ) -> Response:
        """A file of the web app: gzipped when the browser accepts it, and "304 Not
        Modified" when the browser already has this version (its ETag)."""
        if method not in ("GET", "HEAD"):
            return Response.json(405, {"error": "not allowed"})
        name = "index.html" if path in ("", "/") else path.removeprefix("/")
        # Only the plain files directly in the web app's folder, by their exact names:
        # never a path, a drive or a share (on Windows a backslash or "C:" is one).
        try:
            if not _FILE_NAME.fullmatch(name) or name not in os.listdir(self.webapp_dir):
                return Response(404, b"Not found", "text/plain; charset=utf-8")
            kept = self._static_file(name)
        except OSError:
            return Response(404, b"Not found", "text/plain; charset=utf-8")
        packed = kept.packed if _accepts_gzip(accept_encoding) else None
        etag = kept.etag if packed is None else kept.packed_etag
        # "no-cache": the browser keeps the file but asks each time whether it changed,
        # so an updated Leling is seen at once. The page itself is opened with the
        # pairing code in its address: it is never kept under that address.
        keep = "no-store" if name == "index.html" else "no-cache"
        headers = {"Cache-Control": keep, "ETag": etag, "Vary": "Accept-Encoding"}
        if if_none_match and _etag_matches(if_none_match, etag):
            return Response(304, b"", kept.kind, headers)
        if packed is None:
            return Response(200, kept.raw, kept.kind, headers)
        return Response(200, packed, kept.kind, {**headers, "Content-Encoding": "gzip"})

    def _static_file(self, name: str) -> _StaticFile:
        file = self.webapp_dir / name
        status = file.stat()
        stamp = (status.st_mtime_ns, status.st_size)
        kept = self._static_files.get(name)
        if kept is not None and kept.stamp == stamp:
            return kept
        kind = _KINDS.get(file.suffix.lower(), "application/octet-stream")
        raw = file.read_bytes()
        digest = hashlib.sha256(raw).hexdigest()[:32]
        packed: bytes | None = None
        if kind.startswith(_COMPRESSIBLE):
            packed = gzip.compress(raw, compresslevel=9, mtime=0)
            if len(packed) >= len(raw):
                packed = None
        kept = _StaticFile(stamp, kind, raw, f'"{digest}"', packed, f'"{digest}-gz"')
        self._static_files[name] = kept
        return kept
