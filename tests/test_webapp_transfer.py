"""The web app reaches a relative's phone quickly: gzipped when the browser accepts it,
and, once loaded, only "not modified" until Leling's copy changes. A real RemoteServer on
127.0.0.1, asked over HTTP as a browser asks."""

from __future__ import annotations

import gzip
import http.client
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from launcher.remote.api import Response
from launcher.remote.server import WEBAPP_DIR, RemoteServer

#: What a phone on slow home Wi-Fi downloads to open the app the first time.
MAX_GZIPPED_APP_BYTES = 80_000


@pytest.fixture
def app_dir(tmp_path: Path) -> Path:
    copy = tmp_path / "webapp"
    shutil.copytree(WEBAPP_DIR, copy)
    return copy


@pytest.fixture
def server(app_dir: Path) -> Iterator[RemoteServer]:
    running = RemoteServer(
        lambda request: Response.json(404, {"error": "no API here"}),
        lambda work: work(),
        webapp_dir=app_dir,
    )
    running.start()
    try:
        yield running
    finally:
        running.stop()


def get(
    server: RemoteServer, path: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection(*server.address, timeout=10)
    try:
        connection.request(method, path, headers=headers or {})
        answer = connection.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        connection.close()


def test_a_browser_that_accepts_gzip_gets_the_app_gzipped(server: RemoteServer) -> None:
    status, headers, body = get(server, "/app.js", {"Accept-Encoding": "gzip, deflate, br"})
    assert status == 200
    assert headers["content-encoding"] == "gzip"
    assert headers["vary"] == "Accept-Encoding"
    assert int(headers["content-length"]) == len(body)
    assert gzip.decompress(body) == (WEBAPP_DIR / "app.js").read_bytes()
    assert len(body) < len((WEBAPP_DIR / "app.js").read_bytes()) / 3
    assert headers["content-type"].startswith("text/javascript") or headers[
        "content-type"
    ].startswith("application/javascript")


@pytest.mark.parametrize(
    "accepts", ["", "identity", "gzip;q=0", "br", "gzip;Q=0", "gzip; q=0.", "identity, *;q=0"]
)
def test_a_browser_that_does_not_accept_gzip_gets_plain_files(
    server: RemoteServer, accepts: str
) -> None:
    status, headers, body = get(server, "/", {"Accept-Encoding": accepts} if accepts else {})
    assert status == 200
    assert "content-encoding" not in headers
    assert body == (WEBAPP_DIR / "index.html").read_bytes()
    # The page keeps its security policy whatever the encoding.
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


@pytest.mark.parametrize("accepts", ["gzip", "*", "*;q=0, gzip", "br;q=1.0, GZIP;q=0.5"])
def test_gzip_is_sent_when_the_header_allows_it(server: RemoteServer, accepts: str) -> None:
    _, headers, body = get(server, "/words.js", {"Accept-Encoding": accepts})
    assert headers.get("content-encoding") == "gzip"
    assert gzip.decompress(body) == (WEBAPP_DIR / "words.js").read_bytes()


def test_the_page_opened_with_the_pairing_code_is_never_kept(server: RemoteServer) -> None:
    _, headers, _ = get(server, "/?claim=secret-code", {"Accept-Encoding": "gzip"})
    assert headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    "path",
    [
        "/C:\\Windows\\win.ini",
        "/x\\..\\..\\settings.json",
        "/\\\\attacker\\share\\x",
        "/..%2fsettings.json",
        "/../webapp/app.js",
        "/.hidden",
        "/sub/app.js",
        "//etc/passwd",
    ],
)
def test_only_the_apps_own_files_by_their_exact_names_are_served(
    server: RemoteServer, app_dir: Path, path: str
) -> None:
    (app_dir.parent / "settings.json").write_text('{"secret": 1}')
    (app_dir / ".hidden").write_text("private")
    status, _, body = get(server, path)
    assert status == 404 and b"secret" not in body and b"private" not in body


def test_a_body_sent_to_a_file_is_never_read_as_a_request(server: RemoteServer) -> None:
    smuggled = b"GET /api/status HTTP/1.1\r\nHost: x\r\n\r\n"
    with socket.create_connection(server.address, timeout=10) as connection:
        connection.sendall(
            b"GET /app.css HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(smuggled)
            + smuggled
        )
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    # One answer, the file; then the connection is closed rather than the body read as a
    # second request.
    assert answer.count(b"HTTP/1.1 ") == 1
    assert answer.startswith(b"HTTP/1.1 200")


def test_a_file_the_browser_has_is_answered_not_modified_until_it_changes(
    server: RemoteServer, app_dir: Path
) -> None:
    gzip_please = {"Accept-Encoding": "gzip"}
    _, first, _ = get(server, "/app.css", gzip_please)
    assert first["cache-control"] == "no-cache"
    status, headers, body = get(server, "/app.css", {**gzip_please, "If-None-Match": first["etag"]})
    assert (status, body) == (304, b"")
    assert headers["etag"] == first["etag"]
    # The plain and the gzipped copies are different representations: different tags.
    _, plain, _ = get(server, "/app.css")
    assert plain["etag"] != first["etag"]
    assert get(server, "/app.css", {"If-None-Match": first["etag"]})[0] == 200
    assert get(server, "/app.css", {"If-None-Match": f'W/{plain["etag"]}, "x"'})[0] == 304
    # Leling is updated: the browser gets the new file at once.
    updated = "body { color: black; }\n" * 50
    (app_dir / "app.css").write_text(updated, encoding="utf-8")
    status, headers, body = get(server, "/app.css", {**gzip_please, "If-None-Match": first["etag"]})
    assert status == 200 and headers["etag"] != first["etag"]
    assert gzip.decompress(body) == updated.encode()


def test_head_and_missing_files_and_the_api_are_unchanged(server: RemoteServer) -> None:
    status, headers, body = get(server, "/app.js", {"Accept-Encoding": "gzip"}, method="HEAD")
    assert status == 200 and body == b"" and headers["content-encoding"] == "gzip"
    assert get(server, "/../secret.txt")[0] == 404
    assert get(server, "/nothing.js", {"Accept-Encoding": "gzip"})[0] == 404
    status, headers, _ = get(server, "/api/anything", {"Accept-Encoding": "gzip"})
    assert status == 404
    assert headers["cache-control"] == "no-store" and "content-encoding" not in headers


def test_the_whole_app_is_small_on_the_wire() -> None:
    files = [path for path in WEBAPP_DIR.iterdir() if path.is_file()]
    sent = sum(len(gzip.compress(path.read_bytes(), compresslevel=9)) for path in files)
    assert sent < MAX_GZIPPED_APP_BYTES, f"the app is {sent} bytes gzipped"
