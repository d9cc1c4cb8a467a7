"""Radio and the family's songs, played by Qt Multimedia's real FFmpeg backend.

A song the family uploads through the real remote-help server plays: its position
advances and, when PulseAudio is installed, its tone reaches a real (null) sound card
started for these tests, where it is recorded back. A radio station is a real HTTP
server on 127.0.0.1 sending a WAV stream of no stated length. The volume never leaves
the family's safe range; Play/Pause, Next and Previous do what they say; a station that
does not answer and a song that cannot be read give calm words, said aloud, and a line
in the helper report; the music stops when the senior goes home or the plugin stops.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import math
import os
import random
import shutil
import struct
import subprocess
import sys
import threading
import wave
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import test_builtin_plugins as builtin
from conftest import Said, free_port, helper_problems, plugin_screen, start_shell, tap
from test_remote import Client, pair

from launcher.ui.shell import ShellWindow

REPO = Path(__file__).resolve().parent.parent
WAIT_MS = 20_000
RATE = 8000

# What the multimedia backend says about this machine (no VA-API, no PipeWire, no sound
# server unless the tests start one, FFmpeg refusing a broken file): expected here.
pytestmark = pytest.mark.qt_log_ignore(
    r"Couldn't (load|resolve) .* (library|symbols)",
    r"pa_context_connect\(\) failed",
    r"No audio device detected",
    r"Could not open media",
)


# -- audio made here --------------------------------------------------------------------


def tone(seconds: float, frequency: float = 440.0, amplitude: int = 12000) -> bytes:
    """A WAV file of a sine tone, 8 kHz mono 16 bit."""
    frames = b"".join(
        struct.pack("<h", int(amplitude * math.sin(2 * math.pi * frequency * i / RATE)))
        for i in range(int(RATE * seconds))
    )
    return wav_header(len(frames)) + frames


def wav_header(data_bytes: int) -> bytes:
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data_bytes)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, RATE, RATE * 2, 2, 16)
        + b"data"
        + struct.pack("<I", data_bytes)
    )


def peak(path: Path) -> float:
    """The loudest sample of a 16-bit WAV recording, from 0 to 1."""
    with wave.open(str(path), "rb") as recording:
        assert recording.getsampwidth() == 2
        data = recording.readframes(recording.getnframes())
    samples = struct.unpack(f"<{len(data) // 2}h", data)
    return max((abs(s) for s in samples), default=0) / 32768


# -- a real sound card with nothing behind it ------------------------------------------


class SoundCard:
    """A PulseAudio server of its own with one null sink; what plays into the sink can
    be recorded from its monitor."""

    SINK = "leling_test"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.env = {
            **os.environ,
            "HOME": str(folder),
            "XDG_RUNTIME_DIR": str(folder),
            "XDG_CONFIG_HOME": str(folder / "config"),
        }
        self.server = f"unix:{folder / 'pulse' / 'native'}"

    def start(self) -> None:
        # --daemonize returns once the server is ready, so nothing has to be waited for.
        subprocess.run(
            [
                "pulseaudio",
                "--daemonize=yes",
                "--exit-idle-time=-1",
                "--use-pid-file=yes",
                "-n",
                f"--load=module-null-sink sink_name={self.SINK}",
                "--load=module-native-protocol-unix auth-anonymous=1",
                "--log-target=stderr",
                "--log-level=error",
            ],
            env=self.env,
            check=True,
            timeout=30,
            capture_output=True,
        )

    def stop(self) -> None:
        subprocess.run(["pulseaudio", "--kill"], env=self.env, timeout=30, check=False)

    def record(self, path: Path) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [
                "parecord",
                f"--server={self.server}",
                f"--device={self.SINK}.monitor",
                "--file-format=wav",
                "--channels=1",
                str(path),
            ],
            env=self.env,
        )


@pytest.fixture(scope="module")
def sound_card(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoundCard | None]:
    """The sound card for the whole module: Qt Multimedia connects to the sound server
    once per process. Without PulseAudio the music still plays, silently."""
    if shutil.which("pulseaudio") is None or shutil.which("parecord") is None:
        yield None
        return
    card = SoundCard(tmp_path_factory.mktemp("pulse"))
    card.start()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PULSE_SERVER", card.server)
        yield card
    card.stop()


# -- a radio station on 127.0.0.1 ------------------------------------------------------


class RadioStation:
    """A real HTTP server: ``/live.wav`` sends a WAV stream with no length, as internet
    radio does; ``/silent`` takes the connection and sends nothing until the test ends."""

    def __init__(self) -> None:
        self.hang_up = threading.Event()
        stream = tone(30)
        station = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/silent":
                    station.hang_up.wait(timeout=60)
                    return
                if self.path != "/live.wav":
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "audio/wav")
                self.send_header("Connection", "close")
                self.end_headers()
                # A live stream's header cannot know the length: the largest is given.
                try:
                    self.wfile.write(wav_header(0x7FFFFFF0) + stream[44:])
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> RadioStation:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.hang_up.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def radio() -> Iterator[RadioStation]:
    with RadioStation() as station:
        yield station


# -- the shell ---------------------------------------------------------------------------


@pytest.fixture
def launcher(
    home: Path, qtbot: Any, sound_card: SoundCard | None
) -> Callable[..., tuple[ShellWindow, Client, Said]]:
    """Starts the shell with the music tile (``config``) and a clock, remote help on and a
    client of its API; what it says is recorded instead of spoken."""

    def start(**config: Any) -> tuple[ShellWindow, Client, Said]:
        said = Said()
        window = start_shell(
            home,
            qtbot,
            {"tiles": [{"plugin": "music", "config": config}, {"plugin": "clock"}]},
            locale="en",
            said=said,
        )
        remote = window.start_remote(port=0)
        return window, Client(qtbot, remote.url), said

    return start


def send(client: Client, body: dict[str, Any]) -> Any:
    return client("POST", "/api/plugins/music", json=body)


def upload(client: Client, name: str, data: bytes) -> str:
    answer = send(client, {"action": "add_track", "name": name, "audio": encoded(data)})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["track"])


def encoded(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def music(window: ShellWindow) -> Any:
    """The music tile's open screen."""
    return plugin_screen(window, "music")


def view(window: ShellWindow, name: str) -> Any:
    shown = music(window).view
    assert type(shown).__name__ == name, type(shown).__name__
    return shown


def choose(qtbot: Any, window: ShellWindow, label: str) -> None:
    choices = view(window, "ListView").choices
    # The one played last is marked "✔  Song (selected)".
    labels = [
        b.text().removeprefix("✔  ").removesuffix(" (selected)") for b in choices.choice_buttons
    ]
    assert label in labels, labels
    button = choices.choice_buttons[labels.index(label)]
    tap(qtbot, button)


def data_dir(window: ShellWindow) -> Path:
    return window.instance.profile_dir / "plugin-data" / "music"


# -- playing -----------------------------------------------------------------------------


def test_an_uploaded_song_plays_through_the_real_sound_server(
    qtbot: Any, launcher: Any, sound_card: SoundCard | None, tmp_path: Path
) -> None:
    window, client, said = launcher()
    pair(qtbot, window, client, "Mei")
    upload(client, "Little Apple", tone(6))
    window.open_plugin("music")
    recorder = sound_card.record(tmp_path / "heard.wav") if sound_card else None
    try:
        choose(qtbot, window, "Little Apple")
        playing = view(window, "PlayingView")
        player = music(window).plugin.playback.player
        qtbot.waitUntil(lambda: player.position() > 1500, timeout=WAIT_MS)
    finally:
        if recorder is not None:
            recorder.terminate()
            recorder.wait(timeout=10)
    assert playing.name_label.text() == "Little Apple"
    assert playing.status_label.text() == "Playing · Volume 50%"
    assert playing.play_button.text() == "❚❚  Pause"
    assert "Now playing: Little Apple" in said
    if sound_card is not None:
        # The tone at 12000/32768 of full scale, played at half volume, reached the card.
        assert peak(tmp_path / "heard.wav") > 0.1


def test_a_radio_station_on_a_local_server_plays_and_stops_and_starts_again(
    qtbot: Any, launcher: Any, radio: RadioStation
) -> None:
    window, _client, said = launcher(items=[f"Local FM | {radio.url}/live.wav"])
    window.open_plugin("music")
    choose(qtbot, window, "Local FM (radio)")
    playing = view(window, "PlayingView")
    playback = music(window).plugin.playback
    qtbot.waitUntil(lambda: playback.position() > 1000, timeout=WAIT_MS)
    assert "Now playing: Local FM" in said
    # A station stops rather than pausing: live radio has nothing to come back to.
    assert playing.play_button.text() == "■  Stop"
    tap(qtbot, playing.play_button)
    qtbot.waitUntil(lambda: not playback.playing, timeout=WAIT_MS)
    assert playing.play_button.text() == "▶  Play"
    assert playing.status_label.text().startswith("Stopped")
    tap(qtbot, playing.play_button)
    qtbot.waitUntil(lambda: playback.sounding, timeout=WAIT_MS)
    assert playback.playing


def test_play_pause_toggles_and_next_and_previous_move_through_the_list(
    qtbot: Any, launcher: Any
) -> None:
    window, client, _said = launcher()
    pair(qtbot, window, client)
    upload(client, "Opera", tone(8, 330))
    upload(client, "Square dance", tone(8, 550))
    window.open_plugin("music")
    choose(qtbot, window, "Opera")
    playing = view(window, "PlayingView")
    playback = music(window).plugin.playback
    qtbot.waitUntil(lambda: playback.position() > 300, timeout=WAIT_MS)

    tap(qtbot, playing.play_button)
    qtbot.waitUntil(lambda: playback.paused, timeout=WAIT_MS)
    assert playing.play_button.text() == "▶  Play"
    assert playing.status_label.text() == "Paused · Volume 50%"
    held = playback.position()
    tap(qtbot, playing.play_button)
    qtbot.waitUntil(lambda: playback.playing and playback.position() > held, timeout=WAIT_MS)
    assert playing.play_button.text() == "❚❚  Pause"

    tap(qtbot, playing.next_button)
    playing = view(window, "PlayingView")
    assert playing.name_label.text() == "Square dance"
    assert playback.player.source().fileName().endswith(".wav")
    qtbot.waitUntil(lambda: playback.position() > 300, timeout=WAIT_MS)
    tap(qtbot, playing.next_button)
    assert view(window, "PlayingView").name_label.text() == "Opera"  # round to the first
    tap(qtbot, view(window, "PlayingView").previous_button)
    assert view(window, "PlayingView").name_label.text() == "Square dance"


def test_the_volume_never_leaves_the_familys_range(qtbot: Any, launcher: Any) -> None:
    # Set to start below the quietest the family allows: it starts at the quietest.
    window, client, said = launcher(volume=5, volume_min=20, volume_max=40)
    pair(qtbot, window, client)
    upload(client, "Song", tone(8))
    window.open_plugin("music")
    plugin = music(window).plugin
    assert plugin.volume == 20
    choose(qtbot, window, "Song")
    playing = view(window, "PlayingView")
    assert plugin.playback.volume() == pytest.approx(0.2)
    for _ in range(5):
        tap(qtbot, playing.louder_button)
    assert plugin.volume == 40
    assert plugin.playback.volume() == pytest.approx(0.4)
    assert playing.status_label.text().endswith("Volume 40%, the loudest")
    assert said[-1] == "Volume 40%, the loudest"  # the last press did nothing: it says why
    for _ in range(4):
        tap(qtbot, playing.quieter_button)
    assert plugin.volume == 20 and plugin.playback.volume() == pytest.approx(0.2)

    # The family narrows the range from their phone: the music stops with the old
    # settings, and plays within the new range when chosen again.
    settings = window.instance.settings
    settings["tiles"][0]["config"] = {"volume": 90, "volume_min": 30, "volume_max": 60}
    window.instance.store.save(settings, "the family changed the range")
    window.reload_settings()
    assert not plugin.playback.started or not plugin.playback.playing
    window.open_plugin("music")
    plugin = music(window).plugin
    assert plugin.volume == 60
    choose(qtbot, window, "Song")
    assert plugin.playback.volume() == pytest.approx(0.6)


def test_a_range_given_the_wrong_way_round_is_used_as_meant(qtbot: Any, launcher: Any) -> None:
    window, _client, _said = launcher(volume=95, volume_min=70, volume_max=30)
    window.open_plugin("music")
    plugin = music(window).plugin
    assert (plugin.range.low, plugin.range.high, plugin.volume) == (30, 70, 70)
    assert any("volume_min (70) is above volume_max (30)" in p for p in helper_problems(window))


# -- problems ----------------------------------------------------------------------------


def test_a_station_that_does_not_answer_gives_calm_words_and_tells_the_helper(
    qtbot: Any, launcher: Any
) -> None:
    address = f"http://127.0.0.1:{free_port()}/radio"
    window, _client, said = launcher(items=[f"Old Radio | {address}"])
    window.open_plugin("music")
    choose(qtbot, window, "Old Radio (radio)")
    qtbot.waitUntil(lambda: type(music(window).view).__name__ == "ProblemView", timeout=WAIT_MS)
    problem = music(window).view
    assert problem.title_label.text() == "This radio station cannot be heard right now"
    assert "“Old Radio” does not answer" in problem.body_label.text()
    assert said[-1].startswith("This radio station cannot be heard right now")
    report = [p for p in helper_problems(window) if "Old Radio" in p]
    assert len(report) == 1 and address in report[0], helper_problems(window)
    assert not any("failed while" in p for p in helper_problems(window))
    tap(qtbot, problem.button)
    view(window, "ListView")


def test_a_station_that_never_sends_is_given_up_on(
    qtbot: Any, launcher: Any, radio: RadioStation, monkeypatch: pytest.MonkeyPatch
) -> None:
    window, _client, said = launcher(items=[f"Quiet FM | {radio.url}/silent"])
    window.open_plugin("music")
    plugin = music(window).plugin
    monkeypatch.setattr(sys.modules[type(plugin).__module__], "STALL_MS", 1500)
    choose(qtbot, window, "Quiet FM (radio)")
    assert view(window, "PlayingView").status_label.text() == "Starting… · Volume 50%"
    qtbot.waitUntil(lambda: type(music(window).view).__name__ == "ProblemView", timeout=WAIT_MS)
    assert any(
        "Quiet FM" in p and "nothing came in 1.5 seconds" in p for p in helper_problems(window)
    )
    assert said[-1].startswith("This radio station cannot be heard right now")


def test_a_song_that_cannot_be_read_gives_calm_words_and_names_the_file(
    qtbot: Any, launcher: Any
) -> None:
    window, client, said = launcher()
    pair(qtbot, window, client)
    # It starts like a WAV file, so it is taken in; what follows is not audio.
    broken = b"RIFF\x00\x10\x00\x00WAVEjunk" + bytes(range(256)) * 8
    file = upload(client, "Broken song", broken)
    window.open_plugin("music")
    choose(qtbot, window, "Broken song")
    qtbot.waitUntil(lambda: type(music(window).view).__name__ == "ProblemView", timeout=WAIT_MS)
    problem = music(window).view
    assert problem.title_label.text() == "This song cannot be played"
    assert said[-1].startswith("This song cannot be played")
    assert any(f"audio/{file}" in p and "Broken song" in p for p in helper_problems(window))


def test_nothing_to_play_says_so_and_asks_the_family(qtbot: Any, launcher: Any) -> None:
    window, _client, _said = launcher(items=["Radio without an address", "# a note"])
    window.open_plugin("music")
    empty = view(window, "EmptyView")
    assert empty.title_label.text() == "No music yet"
    found = helper_problems(window)
    assert any("item 1 ('Radio without an address')" in p for p in found), found
    assert any("nothing to play yet" in p for p in found), found


# -- leaving -----------------------------------------------------------------------------


def test_the_music_stops_when_the_senior_goes_home_and_when_the_plugin_stops(
    qtbot: Any, launcher: Any
) -> None:
    window, client, _said = launcher()
    pair(qtbot, window, client)
    upload(client, "Song", tone(8))
    window.open_plugin("music")
    plugin = music(window).plugin
    choose(qtbot, window, "Song")
    qtbot.waitUntil(lambda: plugin.playback.position() > 200, timeout=WAIT_MS)
    window.go_home()
    qtbot.waitUntil(lambda: not plugin.playback.playing, timeout=WAIT_MS)

    window.open_plugin("music")
    choose(qtbot, window, "Song")
    qtbot.waitUntil(lambda: plugin.playback.position() > 200, timeout=WAIT_MS)
    window.host.shutdown()
    assert not plugin.playback.started


def test_multimedia_is_not_loaded_until_something_plays(home: Path) -> None:
    script = f"""
import sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
from launcher.core.instance import Overrides, open_instance
from launcher.ui.app import build_window
instance = open_instance({str(home)!r}, overrides=Overrides(locale="en"), entry_points=False)
instance.store.save({{**instance.settings, "tiles": [{{"plugin": "music"}}]}}, "set-up")
window = build_window(instance, windowed=True)
window.show()
assert window.open_plugin("music")
app.processEvents()
print("PySide6.QtMultimedia" in sys.modules)
"""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "False"


# -- the family's uploads ----------------------------------------------------------------


def test_uploads_are_checked_by_content_and_size_with_clear_messages(
    qtbot: Any, launcher: Any
) -> None:
    window, client, _said = launcher()
    pair(qtbot, window, client)
    png = b"\x89PNG\r\n\x1a\n" + bytes(100)
    refused = {
        "not audio": {"name": "Photo", "audio": encoded(png)},
        "no name": {"audio": encoded(tone(1))},
        "no audio": {"name": "Song"},
        "not base64": {"name": "Song", "audio": "@@@"},
        "too big a piece": {
            "name": "Song",
            "audio": encoded(bytes(185 * 1024)),
            "upload": "abcdefgh",
            "size": 1_000_000,
            "offset": 0,
        },
        "too big a file": {
            "name": "Song",
            "audio": encoded(tone(1)),
            "upload": "abcdefgh",
            "size": 100_000_000,
            "offset": 0,
        },
    }
    errors = {}
    for why, body in refused.items():
        answer = send(client, {"action": "add_track", **body})
        assert answer.status_code == 400, (why, answer.text)
        errors[why] = answer.json()["error"]
    assert errors["not audio"] == (
        "The field 'audio' is not an MP3, Ogg, WAV, FLAC or M4A audio file "
        "(it starts with 89 50 4e 47)."
    )
    assert errors["no name"].startswith("The field 'name' must be the song's name")
    assert errors["no audio"].startswith("The field 'audio' is missing")
    assert errors["not base64"] == "The field 'audio' is not valid base64 text."
    assert errors["too big a piece"].startswith(
        f"The field 'audio' holds {185 * 1024} bytes; at most {180 * 1024} bytes"
    )
    assert errors["too big a file"] == (
        "The field 'size' is 100000000; it must be a whole number from 1 to 67108864."
    )
    assert send(client, {"action": "play"}).json()["error"] == (
        "The field 'action' must be one of: add_track, list, remove."
    )
    assert not list((data_dir(window) / "audio").iterdir())


def test_a_large_song_comes_in_pieces_and_can_be_listed_and_removed(
    qtbot: Any, launcher: Any
) -> None:
    window, client, _said = launcher(items=["Radio One | https://radio.example/one"])
    pair(qtbot, window, client, "Mei")
    song = tone(20)  # 320 KB: more than one message carries
    piece = 150 * 1024
    pieces = [song[i : i + piece] for i in range(0, len(song), piece)]
    assert len(pieces) == 3

    def part(offset: int, data: bytes) -> Any:
        return send(
            client,
            {
                "action": "add_track",
                "name": "Long opera",
                "upload": "opera-upload-1",
                "size": len(song),
                "offset": offset,
                "audio": encoded(data),
            },
        )

    first = part(0, pieces[0])
    assert first.json() == {"upload": "opera-upload-1", "received": piece, "size": len(song)}
    # A piece beyond a gap is not taken; the answer says where to go on from.
    gap = part(2 * piece, pieces[2])
    assert gap.status_code == 200
    assert gap.json() == {"upload": "opera-upload-1", "received": piece, "size": len(song)}
    assert part(piece, pieces[1]).status_code == 200
    assert part(piece, pieces[1]).status_code == 200  # its answer was lost: sent again
    done = part(2 * piece, pieces[2])
    assert done.status_code == 200, done.text
    file = done.json()["track"]
    assert done.json()["name"] == "Long opera" and file.endswith(".wav")
    assert (data_dir(window) / "audio" / file).read_bytes() == song
    assert not list((data_dir(window) / "uploads").iterdir())

    listed = send(client, {"action": "list"}).json()
    assert listed["tracks"][0]["file"] == file and listed["tracks"][0]["sender"] == "Mei"
    assert [(i["name"], i["kind"]) for i in listed["items"]] == [
        ("Radio One", "stream"),
        ("Long opera", "track"),
    ]
    assert listed["volume"] == {"min": 10, "max": 80, "start": 50}

    window.open_plugin("music")
    labels = [b.text() for b in view(window, "ListView").choices.choice_buttons]
    assert labels == ["Radio One (radio)", "Long opera"]
    removed = send(client, {"action": "remove", "track": file})
    assert removed.json() == {"removed": file, "tracks": 0}
    assert not (data_dir(window) / "audio" / file).exists()
    # The list on screen follows at once.
    labels = [b.text() for b in view(window, "ListView").choices.choice_buttons]
    assert labels == ["Radio One (radio)"]
    again = send(client, {"action": "remove", "track": file})
    assert again.json()["error"] == f"The field 'track' names no uploaded song: {file}."


PIECE = 180 * 1024


def big_song(pieces: float, seed: int = 7) -> bytes:
    """A WAV file of ``pieces`` pieces of noise (the hash of every byte counts)."""
    frames = random.Random(seed).randbytes(int(pieces * PIECE) - 44)
    return wav_header(len(frames)) + frames


def piece_of(song: bytes, index: int, upload: str = "big-song-1") -> dict[str, Any]:
    return {
        "action": "add_track",
        "name": "Big song",
        "upload": upload,
        "size": len(song),
        "offset": index * PIECE,
        "audio": encoded(song[index * PIECE : (index + 1) * PIECE]),
    }


def stored_name(song: bytes) -> str:
    return hashlib.sha256(song).hexdigest()[:16] + ".wav"


def thread_io() -> dict[str, int]:
    """What this thread alone has read and written so far (Linux counts it per thread)."""
    counts = Path(f"/proc/self/task/{threading.get_native_id()}/io")
    if not counts.exists():
        pytest.skip("this system does not count reads and writes per thread")
    lines = counts.read_text().splitlines()
    return {key: int(value) for key, value in (line.split(": ") for line in lines)}


def test_the_last_piece_of_a_big_song_costs_the_screen_no_more_than_the_others(
    qtbot: Any, launcher: Any
) -> None:
    window, _client, _said = launcher()
    tile = window.tile_for_plugin("music")
    assert tile is not None
    song = big_song(40.5)  # 7.3 MB: reading it back would stand out
    count = math.ceil(len(song) / PIECE)
    for index in range(count - 1):
        answer = window.host.receive(tile, "Mei", piece_of(song, index))
        assert answer == {
            "upload": "big-song-1",
            "received": (index + 1) * PIECE,
            **{"size": len(song)},
        }
    part = data_dir(window) / "uploads" / "big-song-1.part"
    inode = part.stat().st_ino

    # The UI thread hands the last piece over; it reads and writes only about that much.
    before = thread_io()
    done = window.host.receive(tile, "Mei", piece_of(song, count - 1))
    after = thread_io()
    assert done is not None and done["name"] == "Big song"
    read, written = after["rchar"] - before["rchar"], after["wchar"] - before["wchar"]
    assert read < 2 * PIECE, f"the UI thread read {read} bytes for the last piece"
    assert written < 2 * PIECE, f"the UI thread wrote {written} bytes for the last piece"

    # The part file became the song by a rename: the very same file, nothing copied.
    stored = data_dir(window) / "audio" / done["track"]
    assert done["track"] == stored_name(song)
    assert stored.stat().st_ino == inode and stored.read_bytes() == song
    assert not list((data_dir(window) / "uploads").iterdir())
    # The same song sent again is the same track, named anew.
    for index in range(count):
        again = window.host.receive(
            tile, "Mei", {**piece_of(song, index, "same-song-again"), "name": "Xi"}
        )
    assert again == {"track": done["track"], "name": "Xi", "tracks": 1}


def test_a_song_sent_again_from_further_back_is_checked_behind_the_screen(
    qtbot: Any, launcher: Any
) -> None:
    window, _client, _said = launcher()
    tile = window.tile_for_plugin("music")
    assert tile is not None
    song = big_song(9.5)

    def receive(index: int) -> Any:
        return window.host.receive(tile, "Mei", piece_of(song, index))

    for index in range(8):
        receive(index)
    # The phone goes back to the second piece (it lost many answers): what came before
    # is read again on a worker while the rest is taken in.
    assert receive(1)["received"] == 2 * PIECE
    for index in range(2, 9):
        assert receive(index)["received"] == (index + 1) * PIECE
    answers = []

    def taken() -> bool:
        answers.append(receive(9))
        return "track" in answers[-1]

    qtbot.waitUntil(taken, timeout=WAIT_MS)
    assert all(a["received"] == 9 * PIECE for a in answers[:-1]), answers
    assert answers[-1]["track"] == stored_name(song)
    assert (data_dir(window) / "audio" / stored_name(song)).read_bytes() == song


def test_an_upload_goes_on_after_leling_starts_again(
    qtbot: Any, launcher: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, client, _said = launcher()
    pair(qtbot, first, client, "Mei")
    song = big_song(7.5)
    for index in range(4):
        answer = send(client, piece_of(song, index))
        assert answer.json()["received"] == (index + 1) * PIECE, answer.text
    tile = first.tile_for_plugin("music")
    assert tile is not None
    library = sys.modules[type(first.host._plugin_for(tile)[0].library).__module__]
    first.close()

    # Leling starts again: what the pieces so far hash to is known no more. A worker
    # reads them again; it is held here until the test lets it go.
    real_hash = library._hashed_part
    started, go_on = threading.Event(), threading.Event()

    def held(*args: Any) -> Any:
        started.set()
        assert go_on.wait(WAIT_MS / 1000)
        return real_hash(*args)

    monkeypatch.setattr(library, "_hashed_part", held)
    window, again, _said = launcher()
    again.token = client.token
    # The phone goes on where it was; pieces are taken while the worker reads.
    for index in range(4, 7):
        answer = send(again, piece_of(song, index))
        assert answer.json()["received"] == (index + 1) * PIECE, answer.text
    assert started.is_set()
    # The last piece waits for the worker: the answer asks for that same piece again.
    last = send(again, piece_of(song, 7))
    assert last.json() == {"upload": "big-song-1", "received": 7 * PIECE, "size": len(song)}
    go_on.set()
    answers = []

    def taken() -> bool:
        answers.append(send(again, piece_of(song, 7)).json())
        return "track" in answers[-1]

    qtbot.waitUntil(taken, timeout=WAIT_MS)
    assert answers[-1] == {"track": stored_name(song), "name": "Big song", "tracks": 1}
    assert (data_dir(window) / "audio" / stored_name(song)).read_bytes() == song
    assert not list((data_dir(window) / "uploads").iterdir())


def test_the_items_setting_orders_and_renames_uploaded_songs(qtbot: Any, launcher: Any) -> None:
    window, client, _said = launcher(
        items=["Dance | Little Apple", "Big Radio | https://radio.example/big", "Missing song"]
    )
    pair(qtbot, window, client)
    upload(client, "Opera", tone(1, 300))
    upload(client, "Little Apple", tone(1, 500))
    window.open_plugin("music")
    labels = [b.text() for b in view(window, "ListView").choices.choice_buttons]
    assert labels == ["Dance", "Big Radio (radio)", "Opera"]
    assert any(
        "item 3 ('Missing song')" in p and "no uploaded song" in p for p in helper_problems(window)
    )


# -- the plugin's files ------------------------------------------------------------------


def test_the_manifest_catalogues_and_icon_are_complete() -> None:
    builtin.test_manifest_and_entry_code_are_valid("music")
    builtin.test_catalogues_have_the_same_keys_and_a_utf8_header("music")
    builtin.test_every_literal_message_key_exists("music")
