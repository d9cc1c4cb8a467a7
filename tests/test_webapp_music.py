"""The relative's Music section in a real headless Chromium: a song chosen on the phone
goes to the launcher in pieces, goes on after a lost answer and after a cut connection
from where the launcher says, shows in the app's list and in the plugin's library, and
is removed with two taps; a file that is not audio gets the launcher's own sentence."""

from __future__ import annotations

import math
import os
import struct
import time
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_music import data_dir
from test_music import launcher as launcher
from test_webapp import browser as browser
from test_webapp import pair_in_browser, wait_for

from launcher.ui.shell import ShellWindow

#: The most audio the app puts in one message (the plugin's limit).
PIECE = 180 * 1024
#: What the fetch of the page does with the music plugin's pieces: ``cut`` fails every
#: piece after the first before it is sent (the Wi-Fi dropped); the next piece at offset
#: ``loseAnswer`` arrives, and then fails (its answer was lost). ``pieces`` lists the
#: offsets the app tried, in order.
NETWORK = """
const real = window.fetch;
window.net = { pieces: [], cut: false, loseAnswer: null };
window.fetch = async (url, init) => {
  const body = init && typeof init.body === "string" ? JSON.parse(init.body) : {};
  if (body.upload) {
    window.net.pieces.push(body.offset);
    if (window.net.cut && body.offset > 0) throw new TypeError("Failed to fetch");
    if (window.net.loseAnswer === body.offset) {
      window.net.loseAnswer = null;
      await real(url, init);
      throw new TypeError("Failed to fetch");
    }
  }
  return real(url, init);
};
"""


@pytest.fixture(scope="module")
def sound_card() -> Iterator[None]:
    """Nothing is played here, so the music tests' sound server is not started."""
    yield None


def tone_wav(path: Path, seconds: float = 1.0, rate: int = 48_000) -> bytes:
    """A second of 440 Hz, 48 kHz 16-bit stereo: 192 KB, more than one piece."""
    frames = bytearray()
    for i in range(int(rate * seconds)):
        sample = int(12000 * math.sin(2 * math.pi * 440 * i / rate))
        frames += struct.pack("<hh", sample, sample)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(frames))
    return path.read_bytes()


def plugin_list(window: ShellWindow) -> Any:
    """The plugin's own answer to ``list``, as remote help hands it over."""
    tile = window.tile_for_plugin("music")
    assert tile is not None
    return window.host.receive(tile, "test", {"action": "list"})


def test_a_relative_sends_a_song_in_pieces_and_removes_it(
    qtbot: Any, launcher: Any, browser: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    window, _client, _said = launcher(items=["Radio One | https://radio.example/one"])
    settings = window.instance.settings
    window.instance.store.save(
        {**settings, "senior": {"name": "Margaret", "address": ""}}, "the senior's name"
    )
    pair_in_browser(window, browser, qtbot)
    song_path = tmp_path / "little-apple.wav"
    song = tone_wav(song_path)
    assert PIECE < len(song) < 2 * PIECE
    notes = tmp_path / "notes.txt"
    notes.write_text("Not a song at all\n", encoding="utf-8")
    library = data_dir(window)

    def open_music(driver: Any) -> list[str]:
        wait_for(driver, "main[data-page=menu] a[href='#music']").click()
        wait_for(driver, "main[data-page=music] .music-list li.item")
        driver.execute_script(NETWORK)
        return [item.text for item in driver.find_elements(By.CSS_SELECTOR, ".music-list li")]

    assert browser.run(open_music) == ["Radio One\nRadio station"]

    def error_for(path: Path) -> str:
        def step(driver: Any) -> str:
            driver.find_element(By.NAME, "song").send_keys(str(path))
            return str(wait_for(driver, "main[data-page=music] .card .field-error").text)

        return browser.run(step)

    assert error_for(notes) == (
        "The song could not be sent: The field 'audio' is not an MP3, Ogg, WAV, FLAC or "
        "M4A audio file (it starts with 4e 6f 74 20)."
    )
    assert not list((library / "audio").iterdir())

    # The Wi-Fi drops after the first piece: the app tries three more times, saying how
    # far it got, then says so beside the button.
    def cut_off(driver: Any) -> tuple[str, str]:
        driver.execute_script("window.net.cut = true")
        driver.find_element(By.NAME, "song").send_keys(str(song_path))
        status = driver.find_element(By.CSS_SELECTOR, ".card p[role=status]")
        WebDriverWait(driver, 15).until(lambda d: status.text == "Sending… 95 %")
        sending = str(driver.find_element(By.CSS_SELECTOR, ".card label.button").text)
        return sending, str(wait_for(driver, ".card .field-error").text)

    assert browser.run(cut_off) == (
        "Sending…",
        "The connection was lost at 95 %. Choose the same song again to go on from there.",
    )
    (part,) = (library / "uploads").iterdir()
    assert part.stat().st_size == PIECE
    # A day later the launcher has let go of the half-sent song: picking it again, the
    # app sends the piece at 95 %, the launcher answers that 0 bytes have arrived, and the
    # app starts over from 0.
    # The answer to that first piece is lost, so it is sent again.
    old = time.time() - 25 * 3600
    os.utime(part, (old, old))
    tile = window.tile_for_plugin("music")
    assert tile is not None
    window.host._plugin_for(tile)[0].library.forget_stale_uploads()
    assert not part.exists()

    def send_again(driver: Any) -> tuple[str, list[int]]:
        driver.execute_script("window.net.cut = false; window.net.loseAnswer = 0")
        driver.find_element(By.NAME, "song-name").send_keys("Little Apple")
        driver.find_element(By.NAME, "song").send_keys(str(song_path))
        wait_for(driver, ".music-list li[data-song]")
        status = str(driver.find_element(By.CSS_SELECTOR, ".card p[role=status]").text)
        return status, driver.execute_script("return window.net.pieces")

    status, pieces = browser.run(send_again)
    assert status == "Sent. “Little Apple” is in their music list now."
    # The text file's one try; the cut-off song's first piece and four tries of the
    # second; then the second piece (the launcher answers that it has nothing), the first
    # twice, and the second.
    assert pieces == [0, 0, PIECE, PIECE, PIECE, PIECE, PIECE, 0, 0, PIECE]

    listed = plugin_list(window)
    (track,) = listed["tracks"]
    assert (track["name"], track["sender"], track["size"]) == ("Little Apple", "Mei", len(song))
    assert (library / "audio" / track["file"]).read_bytes() == song
    assert [(i["name"], i["kind"]) for i in listed["items"]] == [
        ("Radio One", "stream"),
        ("Little Apple", "track"),
    ]

    def remove(driver: Any) -> tuple[str, str, list[str]]:
        button = driver.find_element(By.CSS_SELECTOR, ".music-list li[data-song] button")
        button.click()
        asked = str(button.text)
        button.click()
        said = str(wait_for(driver, "#bar.ok .bar-text").text)
        WebDriverWait(driver, 15).until(
            lambda d: not d.find_elements(By.CSS_SELECTOR, ".music-list li[data-song]")
        )
        return (
            asked,
            said,
            [li.text for li in driver.find_elements(By.CSS_SELECTOR, ".music-list li")],
        )

    assert browser.run(remove) == ("Tap again to remove", "Removed.", ["Radio One\nRadio station"])
    assert plugin_list(window)["tracks"] == []
    assert not list((library / "audio").iterdir())

    def stations(driver: Any) -> tuple[str, str]:
        link = driver.find_element(By.CSS_SELECTOR, "main[data-page=music] a[href='#tile/0']")
        text = str(link.text)
        # Scrolled to the middle, out from under the line that said "Removed.".
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
        link.click()
        field = wait_for(driver, "main[data-page=tile] textarea[name='tiles.0.config.items']")
        return text, str(field.get_attribute("value"))

    assert browser.run(stations) == (
        "Open the settings of “Music & radio”",
        "Radio One | https://radio.example/one",
    )
