"""Photos and messages from the family, through the real remote-help server on 127.0.0.1.

A relative uploads photos and the senior turns through them with big Previous and Next;
a broken upload is refused and nothing is kept; a photo gone from the disk is skipped and
put in the helper's report; a message comes up on the screen, is read aloud, and the
senior's answer reaches the relative's own channel (a real HTTP receiver); after the
idle time the photos come back as a screensaver that one touch takes away.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Said, Webhooks, helper_problems, plugin_screen, start_shell, tap
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QWidget
from test_remote import Client, pair

# The real headless Chromium fixture.
from test_webapp import browser as browser

from launcher.ui.shell import PluginFrame, ShellWindow

pytest.importorskip("apprise", reason="apprise is installed by packaging/dev.sh")

WAIT_MS = 20_000

pytestmark = pytest.mark.usefixtures("restore_excepthook")


@pytest.fixture
def webhooks(webhooks: Webhooks) -> Webhooks:
    """The webhook receiver, listening from the start."""
    webhooks.start()
    return webhooks


def picture(width: int, height: int, colour: str, kind: str = "PNG") -> bytes:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    assert image.save(buffer, kind)
    buffer.close()
    return bytes(data.data())


def encoded(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@pytest.fixture
def launcher(home: Path, qtbot: Any) -> Callable[..., tuple[ShellWindow, Client, Said]]:
    """Starts Wang Fang's shell (photos and a clock) with ``contacts`` and other
    ``settings``, remote help on and a client of its API; what it says is recorded
    instead of spoken."""

    def start(
        contacts: list[dict[str, Any]] | None = None, **settings: Any
    ) -> tuple[ShellWindow, Client, Said]:
        said = Said()
        window = start_shell(
            home,
            qtbot,
            {
                "senior": {"name": "Wang Fang", "address": ""},
                "tiles": [{"plugin": "photos"}, {"plugin": "clock"}],
                "contacts": contacts or [],
                **settings,
            },
            locale="en",
            said=said,
        )
        remote = window.start_remote(port=0)
        return window, Client(qtbot, remote.url), said

    return start


def send(client: Client, body: dict[str, Any]) -> Any:
    return client("POST", "/api/plugins/photos", json=body)


def album(window: ShellWindow) -> Path:
    return window.instance.profile_dir / "plugin-data" / "photos" / "album"


def slideshow(window: ShellWindow) -> Any:
    view = plugin_screen(window, "photos").view
    assert type(view).__name__ == "SlideshowView"
    return view


def test_photos_sent_from_a_phone_show_in_the_slideshow_with_previous_and_next(
    qtbot: Any, launcher: Any
) -> None:
    window, client, _said = launcher()
    pair(qtbot, window, client, "Mei")
    big = picture(2400, 1200, "#C62828")
    first = send(client, {"action": "add_photo", "photo": encoded(big), "caption": "Beach"})
    assert first.status_code == 200, first.text
    small = picture(300, 200, "#2E7D32", "JPEG")
    second = send(client, {"action": "add_photo", "photo": encoded(small)})
    assert second.status_code == 200, second.text
    red, green = first.json()["photo"], second.json()["photo"]
    assert second.json()["photos"] == 2

    # The big one was made screen-sized when it was kept, the small one kept as sent.
    stored = QImage(str(album(window) / red))
    assert (stored.width(), stored.height()) == (1920, 960)
    assert (album(window) / green).read_bytes() == small
    assert not list(album(window).glob("*.part"))

    listed = send(client, {"action": "list"}).json()["photos"]
    assert [p["name"] for p in listed] == [green, red], "newest first"
    assert listed[1]["caption"] == "Beach" and listed[1]["sender"] == "Mei"
    assert all(p["thumbnail"].startswith("data:image/jpeg;base64,") for p in listed)

    window.open_plugin("photos")
    view = slideshow(window)
    assert view.shown == green, "the newest photo shows first"
    assert view.caption.text() == "Photo 1 of 2 · from Mei"
    shown = QColor(view.view.pixmap.toImage().pixel(5, 5))
    assert shown.green() > 100 > shown.red(), "the green photo is on the screen"
    tap(qtbot, view.next_button)
    assert view.shown == red
    assert view.caption.text() == "Photo 2 of 2 · Beach · from Mei"
    tap(qtbot, view.previous_button)
    assert view.shown == green

    removed = send(client, {"action": "remove", "photo": green})
    assert removed.status_code == 200 and removed.json()["photos"] == 1
    assert view.shown == red and not (album(window) / green).exists()
    assert not view.next_button.isVisible(), "one photo needs no Next"


def test_a_broken_upload_is_refused_clearly_and_nothing_is_kept(qtbot: Any, launcher: Any) -> None:
    window, client, _said = launcher()
    pair(qtbot, window, client, "Mei")
    png_header_only = b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 40
    for body, words in (
        ({"action": "add_photo", "photo": encoded(png_header_only)}, "damaged"),
        ({"action": "add_photo", "photo": "not base64 at all!"}, "base64"),
        ({"action": "add_photo", "photo": encoded(b"GIF89a" + b"\x00" * 50)}, "JPEG or PNG"),
        ({"action": "add_photo"}, "base64"),
        ({"action": "add_photo", "photo": encoded(picture(8, 8, "red")), "caption": 5}, "caption"),
        ({"action": "dance"}, "'action'"),
        ({"action": "remove", "photo": "../settings.json"}, "'photo'"),
    ):
        answer = send(client, body)
        assert answer.status_code == 400, body
        error = answer.json()["error"]
        assert words in error, error
        assert "Traceback" not in error
    assert list(album(window).iterdir()) == []
    assert window.host.unavailable == {}, "a wrong message never breaks the tile"
    window.open_plugin("photos")
    assert slideshow(window).empty_title.text() == "No photos yet"


def test_a_photo_gone_from_the_disk_is_skipped_and_reported_for_the_helper(
    qtbot: Any, launcher: Any
) -> None:
    window, client, _said = launcher()
    pair(qtbot, window, client, "Mei")
    names = [
        send(client, {"action": "add_photo", "photo": encoded(picture(40, 30, colour))}).json()[
            "photo"
        ]
        for colour in ("#1565C0", "#F9A825", "#6A1B9A")
    ]
    (album(window) / names[2]).unlink()  # the newest, shown first
    (album(window) / names[0]).write_bytes(b"\x89PNG\r\n\x1a\nnot really")

    window.open_plugin("photos")
    view = slideshow(window)
    assert view.shown == names[1]
    assert view.caption.text().startswith("Photo 1 of 2")
    # The damaged one is found when its turn comes, and passed over.
    tap(qtbot, view.next_button)
    assert view.shown == names[1]
    assert view.caption.text().startswith("Photo 1 of 1")
    assert view.notice.isVisible()
    assert view.notice.text() == "Some photos could not be shown. Your family has been told."
    problems = helper_problems(window)
    assert any(f"album/{names[2]}" in p and "missing" in p for p in problems), problems
    assert any(f"album/{names[0]}" in p and "cannot be read" in p for p in problems), problems
    # Nothing is forgotten: the family still sees both in their list, marked missing.
    listed = {p["name"]: p for p in send(client, {"action": "list"}).json()["photos"]}
    assert listed[names[2]]["missing"] and listed[names[0]]["missing"]
    assert not listed[names[1]]["missing"]


def test_a_message_comes_up_read_aloud_and_the_answer_reaches_the_sender(
    qtbot: Any, launcher: Any, webhooks: Webhooks
) -> None:
    window, client, said = launcher(
        contacts=[{"name": "Mei", "relation": "Daughter", "phone": "1", "alerts": [webhooks.url]}]
    )
    pair(qtbot, window, client, "Mei")
    window.go_home()
    answer = send(client, {"action": "message", "text": "Dinner on Sunday at six?"})
    assert answer.status_code == 200, answer.text

    frame = window.stack.currentWidget()
    assert isinstance(frame, PluginFrame) and frame.tile.plugin_id == "photos"
    message = frame.content.view
    assert message.objectName() == "photosMessage"
    assert message.title_label.text() == "Message from Mei"
    assert message.body_label.text() == "Dinner on Sunday at six?"
    assert "Message from Mei. Dinner on Sunday at six?" in said

    tap(qtbot, message.reply_buttons["fine"])
    confirm = frame.content.view
    assert confirm.objectName() == "photosReplyConfirm"
    assert confirm.question_label.text() == "Send “I'm fine” to Mei?"
    tap(qtbot, confirm.yes_button)
    answered = frame.content.view
    assert answered.status.text() == "You answered “I'm fine”. It has been sent to Mei."
    assert said[-1] == answered.status.text()
    assert not answered.replies.isVisible()

    qtbot.waitUntil(lambda: len(webhooks.received) == 1, timeout=WAIT_MS)
    body = webhooks.received[0]
    assert "I'm fine" in body["message"] and "Dinner on Sunday" in body["message"]

    replies = send(client, {"action": "replies"}).json()["messages"]
    assert [(r["text"], r["reply_text"], r["delivered"]) for r in replies] == [
        ("Dinner on Sunday at six?", "I'm fine", True)
    ]


def test_an_answer_to_someone_without_a_channel_waits_and_the_senior_is_told(
    qtbot: Any, launcher: Any
) -> None:
    window, client, _said = launcher()
    pair(qtbot, window, client, "Grandson Lei")
    send(client, {"action": "message", "text": "Call you tonight"})
    frame = window.stack.currentWidget()
    assert isinstance(frame, PluginFrame)
    tap(qtbot, frame.content.view.reply_buttons["call"])
    tap(qtbot, frame.content.view.yes_button)
    status = frame.content.view.status.text()
    assert "cannot get messages on their phone yet" in status and "Grandson Lei" in status
    replies = send(client, {"action": "replies"}).json()["messages"]
    assert replies[0]["reply_text"] == "Please call me" and replies[0]["delivered"] is False


def test_the_screensaver_comes_after_the_idle_time_and_a_touch_takes_it_away(
    qtbot: Any, launcher: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from launcher.ui.screensaver import Screensaver

    monkeypatch.setattr(Screensaver, "minute_ms", 300)
    window, client, _said = launcher(screensaver={"enabled": True, "minutes": 1})
    pair(qtbot, window, client, "Mei")
    window.go_home()
    assert window.screensaver is not None and not window.screensaver.active
    send(client, {"action": "add_photo", "photo": encoded(picture(64, 48, "#00695C"))})

    qtbot.waitUntil(lambda: window.screensaver.active, timeout=WAIT_MS)
    overlay = window.screensaver.overlay
    assert overlay is not None and overlay.isVisible()
    assert overlay.geometry() == window.rect()
    saver = overlay.findChild(QWidget, "photosScreensaver")
    assert saver is not None and saver.view.isVisible()
    assert saver.findChild(QWidget, "photosClock").text() == window.clock.text()

    # The touch that wakes the screen lands on the Photos tile, which does not open.
    tile = window.home.tile_buttons[0]
    qtbot.mouseClick(window, Qt.MouseButton.LeftButton, pos=tile.mapTo(window, QPoint(20, 20)))
    assert not window.screensaver.active
    qtbot.waitUntil(lambda: not overlay.isVisible(), timeout=WAIT_MS)
    assert window.stack.currentWidget() is window.home
    # Idle again: it comes back.
    qtbot.waitUntil(lambda: window.screensaver.active, timeout=WAIT_MS)


def test_no_screensaver_unless_turned_on_and_no_plugin_code_before_it(
    qtbot: Any, launcher: Any
) -> None:
    window, _client, _said = launcher()
    assert window.screensaver is None
    assert "photos" not in window.host._classes, "nothing imported at start-up"


def test_a_relative_sends_a_photo_and_a_message_from_the_phone_app(
    qtbot: Any,
    launcher: Any,
    browser: Any,
    tmp_path: Path,
) -> None:
    from selenium.webdriver.common.by import By
    from test_webapp import pair_in_browser, wait_for

    window, _client, said = launcher(senior={"name": "Margaret", "address": ""})
    photo = tmp_path / "garden.png"
    photo.write_bytes(picture(2400, 1800, "#EF6C00"))
    assert pair_in_browser(window, browser, qtbot) == "Helping Margaret"

    def send_photo(driver: Any) -> str:
        wait_for(driver, "main[data-page=menu] a[href='#photos']").click()
        wait_for(driver, "main[data-page=photos] input[name=caption]").send_keys("Our garden")
        driver.find_element(By.CSS_SELECTOR, "input[name=album-photo]").send_keys(str(photo))
        wait_for(driver, "main[data-page=photos] li.album-item img.album-thumb")
        return str(driver.find_element(By.CSS_SELECTOR, "li.album-item").text)

    assert "Our garden" in browser.run(send_photo)
    kept = list(album(window).iterdir())
    assert len(kept) == 1 and kept[0].suffix == ".jpg"
    stored = QImage(str(kept[0]))
    assert max(stored.width(), stored.height()) <= 1600, "shrunk on the phone before sending"
    window.open_plugin("photos")
    view = slideshow(window)
    assert view.shown == kept[0].name and "Our garden" in view.caption.text()

    def send_message(driver: Any) -> str:
        driver.find_element(By.CSS_SELECTOR, "main a.back").click()
        wait_for(driver, "main[data-page=menu] a[href='#message']").click()
        wait_for(driver, "main[data-page=message] textarea").send_keys("Lunch tomorrow?")
        driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        return str(wait_for(driver, "#bar.ok .bar-text").text)

    assert browser.run(send_message) == "Sent. It is on the launcher's screen now."
    frame = window.stack.currentWidget()
    assert isinstance(frame, PluginFrame)
    message = frame.content.view
    assert message.body_label.text() == "Lunch tomorrow?"
    assert "Message from Mei. Lunch tomorrow?" in said
    tap(qtbot, message.reply_buttons["call"])
    tap(qtbot, frame.content.view.yes_button)

    def answer_shown(driver: Any) -> str:
        driver.refresh()
        return str(wait_for(driver, "#family-replies .reply-answer").text)

    assert browser.run(answer_shown) == "Answer: Please call me"
