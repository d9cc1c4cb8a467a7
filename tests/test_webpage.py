"""Web pages in plugin screens, in the real Qt WebEngine: a call page on 127.0.0.1 gets
the camera and microphone (Chromium's fake devices stand in for real ones: see
conftest.py), while another origin inside it, and anything but camera and microphone, is
refused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from conftest import free_port, serve_pages, stop_http

from launcher.ui.webpage import PluginWebPage, may_grant, web_engine_available

pytestmark = [
    pytest.mark.skipif(not web_engine_available(), reason="Qt WebEngine comes with PySide6"),
]
WAIT_MS = 30_000

ASK_MEDIA = """<!doctype html><title>asking</title><script>
navigator.mediaDevices.getUserMedia({audio: true, video: true})
  .then(() => { document.title = "granted"; })
  .catch((error) => { document.title = "refused: " + error.name; });
</script>"""

ASK_LOCATION = """<!doctype html><title>asking</title><script>
navigator.geolocation.getCurrentPosition(
  () => { document.title = "granted"; },
  (error) => { document.title = "refused: " + error.code; });
</script>"""

# The call page holds a frame from another origin that asks for the microphone; the
# frame reports back what it got.
FRAMED = """<!doctype html><title>asking</title>
<iframe allow="camera; microphone" src="http://localhost:PORT/media"></iframe>
<script>addEventListener("message", (event) => { document.title = event.data; });</script>"""

FRAME_ASKS = """<!doctype html><script>
navigator.mediaDevices.getUserMedia({audio: true})
  .then(() => parent.postMessage("frame granted", "*"))
  .catch((error) => parent.postMessage("frame refused: " + error.name, "*"));
</script>"""


@pytest.fixture
def site() -> Iterator[int]:
    port = free_port()
    pages = {
        "/media": FRAME_ASKS,
        "/call": ASK_MEDIA,
        "/where": ASK_LOCATION,
        "/framed": FRAMED.replace("PORT", str(port)),
    }
    # Both 127.0.0.1 and localhost reach it: two origins, one server.
    server = serve_pages(pages, port=port)
    yield port
    stop_http(server)


def open_page(qtbot: Any, url: str, *, media: bool) -> PluginWebPage:
    page = PluginWebPage(url, media=media)
    qtbot.addWidget(page.widget)
    page.widget.resize(640, 480)
    page.widget.show()
    return page


def title(page: PluginWebPage) -> str:
    return str(page.view.title())


def test_the_call_page_gets_camera_and_microphone(qtbot: Any, site: int) -> None:
    page = open_page(qtbot, f"http://127.0.0.1:{site}/call", media=True)
    qtbot.waitUntil(lambda: title(page).startswith(("granted", "refused")), timeout=WAIT_MS)
    assert title(page) == "granted"
    assert page.decisions == [(f"http://127.0.0.1:{site}/", "MediaAudioVideoCapture", True)]


def test_without_media_the_same_page_is_refused(qtbot: Any, site: int) -> None:
    page = open_page(qtbot, f"http://127.0.0.1:{site}/call", media=False)
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        pass
    qtbot.waitUntil(lambda: page.decisions != [], timeout=WAIT_MS)
    qtbot.waitUntil(lambda: title(page).startswith(("granted", "refused")), timeout=WAIT_MS)
    # Qt WebEngine turns a refusal into an AbortError; what matters is no stream.
    assert title(page).startswith("refused: ")
    assert page.decisions == [(f"http://127.0.0.1:{site}/", "MediaAudioVideoCapture", False)]


def test_another_origin_inside_the_call_page_is_refused(qtbot: Any, site: int) -> None:
    page = open_page(qtbot, f"http://127.0.0.1:{site}/framed", media=True)
    qtbot.waitUntil(lambda: title(page).startswith("frame"), timeout=WAIT_MS)
    assert title(page).startswith("frame refused: ")
    assert page.decisions == [(f"http://localhost:{site}/", "MediaAudioCapture", False)]


def test_location_is_refused_even_to_the_call_page(qtbot: Any, site: int) -> None:
    page = open_page(qtbot, f"http://127.0.0.1:{site}/where", media=True)
    qtbot.waitUntil(lambda: title(page).startswith(("granted", "refused")), timeout=WAIT_MS)
    assert title(page) == "refused: 1"  # PERMISSION_DENIED


def test_a_page_that_cannot_load_says_so_and_scripts_answer(qtbot: Any, site: int) -> None:
    page = open_page(qtbot, f"http://127.0.0.1:{free_port()}/call", media=True)
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS) as loaded:
        pass
    assert loaded.args == [False]
    good = open_page(qtbot, f"http://127.0.0.1:{site}/call", media=False)
    with qtbot.waitSignal(good.loaded, timeout=WAIT_MS) as loaded:
        pass
    assert loaded.args == [True]
    answers: list[object] = []
    good.run_script("6 * 7", answers.append)
    qtbot.waitUntil(lambda: answers == [42], timeout=WAIT_MS)


@pytest.mark.parametrize(
    ("asking", "kind", "media", "granted"),
    [
        ("https://meet.example.org", "MediaAudioVideoCapture", True, True),
        ("https://meet.example.org:443", "MediaVideoCapture", True, True),
        ("https://meet.example.org", "MediaAudioCapture", False, False),
        ("https://meet.example.org", "Geolocation", True, False),
        ("https://meet.example.org", "DesktopVideoCapture", True, False),
        ("http://meet.example.org", "MediaAudioCapture", True, False),
        ("https://meet.example.org:8443", "MediaVideoCapture", True, False),
        ("https://meet.example.org.attacker.test", "MediaVideoCapture", True, False),
    ],
)
def test_only_the_pages_own_origin_gets_camera_and_microphone(
    asking: str, kind: str, media: bool, granted: bool
) -> None:
    assert may_grant("https://meet.example.org/Room#x=1", asking, kind, media=media) is granted
