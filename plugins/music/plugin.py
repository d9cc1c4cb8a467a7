"""Radio stations and the family's songs (square dance, opera, old favourites), chosen
from one big list and played with huge Play/Pause, Previous, Next, Quieter and Louder.

What plays
    The ``items`` setting lists what the senior can choose, in order, one a line:
    ``Name | https://stream-address`` for an internet radio station, ``Name | song`` or
    just ``song`` for an uploaded song (by the name it was uploaded under, or its stored
    file name). Every uploaded song the setting does not name follows at the end, so a
    new upload shows at once. Wrong lines are left out and named in the helper report.

Loudness
    ``volume_min`` and ``volume_max`` (percent) are the family's safe range; ``volume``
    is where playing starts. The volume is always inside the range: at start, after a
    settings change, and however often Louder is pressed.

When the senior leaves
    The music stops when its screen goes away (Home, Back, another tile, a call or a
    message from the family that comes up by itself), and when the plugin is turned off.
    Leling's tiles show nothing of what is playing, so music going on behind the home
    screen would be sound from nowhere with no visible way to stop it, and it would
    drown the voice that reads every touched tile aloud, a video call, or an SOS. A
    senior who wants music again taps the tile and chooses, as they did the first time.

Problems
    A station that does not answer or a song that cannot be read gives calm words on the
    screen, said aloud, with a way back to the list; the station or file is named in the
    helper report for the family to fix.

Messages from the family (``receive``, needs ``messages``), each a JSON object:

- ``{"action": "add_track", "name": "Square dance 1", "audio": "<base64>"}`` adds a
  song (MP3, Ogg, WAV, FLAC or M4A, told by its content, up to 64 MB). ``audio`` may be
  a ``data:`` URL. A file larger than one message can carry (remote help takes bodies
  up to 256 KiB) comes in pieces of at most 180 KiB: send ``upload`` (an id of 8-64
  letters, digits, ``-`` or ``_`` you choose), ``size`` (the whole file's bytes) and
  ``offset`` (where this piece starts) with each piece, in order. The answer to a piece
  is ``{"upload", "received", "size"}``; to the last one, or a whole file,
  ``{"track", "name", "tracks"}``. A refused piece names where to go on from. Each piece
  is checked as it comes, so the last one costs the screen no more than the others;
  after Leling has started again, the pieces sent before are checked once more behind
  the screen, and until that is done the last piece is answered with its own offset in
  ``received``: send it again.
- ``{"action": "list"}`` answers ``{"tracks": [{"file", "name", "sender", "added",
  "size"}], "items": [{"name", "kind", "source"}], "volume": {"min", "max", "start"}}``.
- ``{"action": "remove", "track": "<file>"}`` deletes an uploaded song.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from launcher.api import (
    BigButton,
    BigLabel,
    ChoiceList,
    MessageScreen,
    Plugin,
    QSize,
    Qt,
    QWidget,
    Screen,
    ViewStack,
    decoded_upload,
    run_action,
)

from .library import (
    MAX_NAME,
    MAX_PART_BYTES,
    MAX_TRACK_BYTES,
    UPLOAD_PATTERN,
    Arrived,
    Item,
    Library,
    UploadError,
    VolumeRange,
    audio_kind,
    parse_items,
    volume_range,
)
from .playback import Playback

#: How much Quieter and Louder change the volume, in percent.
VOLUME_STEP = 10
#: A station that has not started playing by then is taken as not answering.
STALL_MS = 20_000


def _centred(label: BigLabel) -> BigLabel:
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label


def _button(text: str, name: str, describe: str, role: str = "normal") -> BigButton:
    button = BigButton(text, role=role)
    button.setObjectName(name)
    button.setAccessibleDescription(describe)
    return button


class NameLabel(BigLabel):
    """The name of what plays, big, in the height the buttons leave: a name too long
    for it is cut short with "…" (the list and the voice still have all of it)."""

    def __init__(self) -> None:
        super().__init__(role="title")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # It takes the height left over, however little, rather than asking for more.
        policy = self.sizePolicy()
        policy.setVerticalPolicy(type(policy).Policy.Ignored)
        self.setSizePolicy(policy)
        self._full = ""

    def set_name(self, name: str) -> None:
        self._full = name
        self.setAccessibleName(name)
        self._fit()

    def hasHeightForWidth(self) -> bool:
        return False

    def minimumSizeHint(self) -> QSize:
        return QSize(self.fontMetrics().averageCharWidth() * 4, self.fontMetrics().lineSpacing())

    def sizeHint(self) -> QSize:
        return self.minimumSizeHint()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        room = self.contentsRect()
        metrics = self.fontMetrics()
        flags = int(Qt.TextFlag.TextWordWrap.value)
        shown = self._full

        def fits(text: str) -> bool:
            needed = metrics.boundingRect(0, 0, room.width(), 1 << 20, flags, text).height()
            return bool(needed <= room.height())

        if room.height() > 0 and not fits(shown):
            cut = len(shown)
            while cut > 1 and not fits(self._full[:cut].rstrip() + "…"):
                cut -= 1
            shown = self._full[:cut].rstrip() + "…"
        if shown != self.text():
            self.setText(shown)


class MusicScreen(ViewStack):
    """The tile's screen: the list, what is playing, or a problem, one at a time."""

    def __init__(self, plugin: MusicPlugin) -> None:
        super().__init__()
        self.plugin = plugin


class ListView(Screen):
    """Everything there is to play, and a way back to what is playing."""

    def __init__(self, plugin: MusicPlugin) -> None:
        super().__init__()
        layout = self.layout()
        assert layout is not None
        layout.setContentsMargins(0, 0, 0, 0)
        tr = plugin.context.tr
        items = plugin.items
        current = plugin.current_item()
        self.choices = ChoiceList(
            tr("music.choose.title"),
            [(index, plugin.label(item)) for index, item in enumerate(items)],
            selected=plugin.current if current is not None else None,
        )
        self.choices.setObjectName("musicChoices")
        self.choices.chosen.connect(lambda index: plugin.start(int(index)))
        self.add(self.choices, 1)
        self.back_button = _button(
            tr("music.back_to", name=current.name) if current else "",
            "musicBackToPlaying",
            tr("music.back_to.describe"),
        )
        self.back_button.clicked.connect(plugin.show_playing)
        self.back_button.setVisible(current is not None and plugin.playback.playing)
        self.add(self.back_button)


class EmptyView(MessageScreen):
    def __init__(self, plugin: MusicPlugin) -> None:
        tr = plugin.context.tr
        super().__init__(tr("music.empty.title"), tr("music.empty.body"), button_text="")
        self.setObjectName("musicEmpty")


class PlayingView(Screen):
    """What is playing, big, with the buttons to control it: two rows of three, so
    that they and a two-line name fit a small screen at twice the text size."""

    def __init__(self, plugin: MusicPlugin) -> None:
        super().__init__()
        self.setObjectName("musicPlaying")
        layout = self.layout()
        assert layout is not None
        layout.setSpacing(12)
        self._plugin = plugin
        tr = plugin.context.tr
        self.name_label = NameLabel()
        self.name_label.setObjectName("musicName")
        self.status_label = _centred(BigLabel(role="body"))
        self.status_label.setObjectName("musicStatus")
        self.add(self.name_label, 1)
        self.add(self.status_label)

        self.previous_button = _button(
            tr("music.previous"), "musicPrevious", tr("music.previous.describe")
        )
        self.previous_button.clicked.connect(lambda: plugin.step(-1))
        self.play_button = _button(
            tr("music.pause"), "musicPlayPause", tr("music.play_pause.describe"), "primary"
        )
        self.play_button.clicked.connect(plugin.toggle)
        self.next_button = _button(tr("music.next"), "musicNext", tr("music.next.describe"))
        self.next_button.clicked.connect(lambda: plugin.step(1))
        self.add_row(self.previous_button, self.play_button, self.next_button)

        self.quieter_button = _button(
            tr("music.quieter"), "musicQuieter", tr("music.quieter.describe")
        )
        self.quieter_button.clicked.connect(lambda: plugin.change_volume(-VOLUME_STEP))
        self.louder_button = _button(tr("music.louder"), "musicLouder", tr("music.louder.describe"))
        self.louder_button.clicked.connect(lambda: plugin.change_volume(VOLUME_STEP))
        self.list_button = _button(tr("music.other"), "musicOther", tr("music.other.describe"))
        self.list_button.clicked.connect(plugin.show_list)
        self.add_row(self.quieter_button, self.louder_button, self.list_button)
        self.refresh()

    def refresh(self) -> None:
        plugin = self._plugin
        tr = plugin.context.tr
        item = plugin.current_item()
        if item is None:
            return
        self.name_label.set_name(item.name)
        playing, paused = plugin.playback.playing, plugin.playback.paused
        if playing:
            sounding = plugin.playback.sounding
            status = tr("music.status.playing" if sounding else "music.status.starting")
        elif paused:
            status = tr("music.status.paused")
        else:
            status = tr("music.status.stopped")
        volume = plugin.volume
        if volume >= plugin.range.high:
            loudness = tr("music.volume.loudest", percent=volume)
        elif volume <= plugin.range.low:
            loudness = tr("music.volume.quietest", percent=volume)
        else:
            loudness = tr("music.volume", percent=volume)
        self.status_label.setText(tr("music.status", status=status, volume=loudness))
        if playing:
            words = "music.stop" if item.is_station else "music.pause"
            self.play_button.setText(tr(words))
            self.play_button.setAccessibleName(tr(words + ".name", name=item.name))
        else:
            self.play_button.setText(tr("music.play"))
            self.play_button.setAccessibleName(tr("music.play.name", name=item.name))
        several = len(plugin.items) > 1
        self.previous_button.setVisible(several)
        self.next_button.setVisible(several)


class ProblemView(MessageScreen):
    """Calm words when something cannot be played, and the way back to the list."""

    def __init__(self, plugin: MusicPlugin, title: str, body: str) -> None:
        super().__init__(title, body, button_text=plugin.context.tr("music.other"))
        self.setObjectName("musicProblem")
        self.button.setObjectName("musicOther")
        self.button.setAccessibleDescription(plugin.context.tr("music.other.describe"))
        self.done.connect(plugin.show_list)


class MusicPlugin(Plugin):
    """Radio and the family's songs."""

    def activate(self) -> None:
        context = self.context
        self.library = Library(context.data_dir, context.tell_helper, context.run_in_background)
        self.library.forget_stale_uploads()
        self.range: VolumeRange = volume_range(context.config, context.tell_helper)
        self.volume = self.range.clamp(int(context.config.get("volume", 50)))
        self.items: list[Item] = []
        self.reload_items()
        self.current: int | None = None
        self._attempt = 0
        self.screen: MusicScreen | None = None
        self.playback = Playback(self._changed, self._failed, self._ended)
        self.playback.set_volume(self.volume)

    def deactivate(self) -> None:
        self.playback.close()

    def reload_items(self) -> None:
        entries = [str(entry) for entry in self.context.config.get("items", [])]
        self.items, problems = parse_items(entries, self.library.tracks())
        for problem in problems:
            self.context.tell_helper(problem)

    def current_item(self) -> Item | None:
        if self.current is None or not 0 <= self.current < len(self.items):
            return None
        return self.items[self.current]

    def label(self, item: Item) -> str:
        if item.is_station:
            return self.context.tr("music.label.station", name=item.name)
        return item.name

    # -- screens ---------------------------------------------------------------------

    def create_screen(self) -> QWidget:
        screen = MusicScreen(self)
        self.screen = screen
        screen.destroyed.connect(lambda: self._left(screen))
        self.show_list()
        return screen

    def _left(self, screen: MusicScreen) -> None:
        if self.screen is screen:
            self.screen = None
            self.stop()

    def _view(self) -> QWidget | None:
        return self.screen.view if self.screen is not None else None

    def show_list(self) -> None:
        if self.screen is None:
            return
        if not self.items:
            self.context.tell_helper(
                "music: nothing to play yet; add radio stations to the setting 'items' "
                "('Name | https://stream-address') or upload songs in remote help"
            )
            self.screen.swap(EmptyView(self))
            return
        self.screen.swap(ListView(self))

    def show_playing(self) -> None:
        if self.screen is not None and self.current_item() is not None:
            self.screen.swap(PlayingView(self))

    def _refresh(self) -> None:
        view = self._view()
        if isinstance(view, PlayingView):
            view.refresh()

    # -- playing ---------------------------------------------------------------------

    def start(self, index: int) -> None:
        """Play item ``index`` from its start and show it."""
        if not self.items:
            return
        self.current = index % len(self.items)
        item = self.items[self.current]
        self._attempt += 1
        attempt = self._attempt
        if item.is_station:
            url = item.source
        else:
            path = self.library.path(item.source)
            if not path.is_file():
                self.show_playing()
                self._failed("the file is missing")
                return
            url = path.as_uri()
        self.playback.set_volume(self.volume)
        self.playback.play(url)
        if attempt != self._attempt:
            return  # it failed at once, and says so
        self.show_playing()
        self.context.say(self.context.tr("music.now", name=item.name))
        # A check from an earlier start finds a newer attempt and does nothing.
        self.context.after(STALL_MS, lambda: self._check_started(attempt))

    def _check_started(self, attempt: int) -> None:
        if attempt == self._attempt and self.playback.playing and not self.playback.sounding:
            self._failed(f"nothing came in {STALL_MS / 1000:g} seconds")

    def toggle(self) -> None:
        """Play/Pause: a song pauses where it is; a station stops, and starts afresh."""
        item = self.current_item()
        if item is None:
            return
        if self.playback.playing:
            if item.is_station:
                self.playback.stop()
            else:
                self.playback.pause()
        elif self.playback.paused:
            self.playback.resume()
        else:
            assert self.current is not None
            self.start(self.current)
        self._refresh()

    def step(self, step: int) -> None:
        if self.current is not None:
            self.start(self.current + step)

    def stop(self) -> None:
        self._attempt += 1
        self.playback.stop()

    def change_volume(self, change: int) -> None:
        volume = self.range.clamp(self.volume + change)
        if volume == self.volume:
            # Pressing again does nothing the senior can hear, so say why.
            key = "music.volume.loudest" if change > 0 else "music.volume.quietest"
            self.context.say(self.context.tr(key, percent=volume))
        self.volume = volume
        self.playback.set_volume(volume)
        self._refresh()

    def _changed(self) -> None:
        self._refresh()

    def _ended(self) -> None:
        item = self.current_item()
        if item is None:
            return
        if item.is_station:
            self._failed("the station stopped sending")
            return
        assert self.current is not None
        following = self.current + 1
        if following < len(self.items) and not self.items[following].is_station:
            self.start(following)
        else:
            self.stop()
            self._refresh()

    def _failed(self, reason: str) -> None:
        item = self.current_item()
        self.stop()
        if item is None:
            return
        tr = self.context.tr
        if item.is_station:
            title = tr("music.problem.station.title")
            body = tr("music.problem.station.body", name=item.name)
            self.context.tell_helper(
                f"music: the radio station {item.name!r} ({item.source}) cannot be played: "
                f"{reason}; check the address in the setting 'items'"
            )
        else:
            title = tr("music.problem.track.title")
            body = tr("music.problem.track.body", name=item.name)
            self.context.tell_helper(
                f"music: the song {item.name!r} (audio/{item.source}) cannot be played: "
                f"{reason}; send it again or remove it in remote help"
            )
        if self.screen is not None:
            self.screen.swap(ProblemView(self, title, body))
        self.context.say(f"{title} {body}")

    # -- the family's messages -------------------------------------------------------

    def receive(self, sender: str, message: Mapping[str, Any]) -> Mapping[str, Any]:
        handlers = {"add_track": self._add_track, "list": self._list, "remove": self._remove}
        try:
            return run_action(sender, message, handlers)
        except UploadError as exc:
            raise ValueError(self.context.tr(exc.key, **exc.values)) from None

    def _number(self, message: Mapping[str, Any], key: str, low: int, high: int) -> int:
        value = message.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise UploadError("error.number", field=key, value=value, low=low, high=high)
        return value

    def _add_track(self, sender: str, message: Mapping[str, Any]) -> Mapping[str, Any]:
        name = message.get("name")
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > MAX_NAME:
            raise UploadError("error.name", field="name", limit=MAX_NAME)
        name = " ".join(name.split())
        encoded = message.get("audio")
        if not isinstance(encoded, str) or not encoded:
            raise UploadError("error.audio.missing", field="audio")
        if encoded.startswith("data:") and "," in encoded:
            encoded = encoded.split(",", 1)[1]
        piece_limit = MAX_TRACK_BYTES if "size" not in message else MAX_PART_BYTES
        if len(encoded) > piece_limit * 4 // 3 + 4:
            raise UploadError(
                "error.audio.size",
                field="audio",
                value=len(encoded) * 3 // 4 - (len(encoded) - len(encoded.rstrip("="))),
                limit=piece_limit,
            )
        data = decoded_upload(encoded, "audio", piece_limit)
        arrived: Arrived | None = None
        if "size" in message:
            size = self._number(message, "size", 1, MAX_TRACK_BYTES)
            offset = self._number(message, "offset", 0, size - 1)
            upload = message.get("upload")
            if not isinstance(upload, str) or not UPLOAD_PATTERN.match(upload):
                raise UploadError("error.upload", field="upload")
            if offset == 0 and audio_kind(data[:16]) is None:
                raise UploadError("error.audio.type", field="audio", value=data[:4].hex(" "))
            try:
                arrived, received = self.library.receive_part(upload, offset, size, data)
            except OSError as exc:
                self.context.tell_helper(f"music: a song from {sender} could not be saved: {exc}")
                raise UploadError("error.disk") from None
            if arrived is None:
                return {"upload": upload, "received": received, "size": size}
            head = arrived.head
        else:
            head = data[:16]
        kind = audio_kind(head)
        if kind is None:
            if arrived is not None:
                arrived.part.unlink(missing_ok=True)
            raise UploadError("error.audio.type", field="audio", value=head[:4].hex(" "))
        try:
            if arrived is not None:
                track = self.library.add_arrived(arrived, kind, name, sender)
            else:
                track = self.library.add(data, kind, name, sender)
        except OSError as exc:
            self.context.tell_helper(f"music: a song from {sender} could not be saved: {exc}")
            raise UploadError("error.disk") from None
        self._items_changed()
        return {"track": track.file, "name": track.name, "tracks": len(self.library.tracks())}

    def _list(self, sender: str, message: Mapping[str, Any]) -> Mapping[str, Any]:
        return {
            "tracks": [asdict(track) for track in self.library.tracks()],
            "items": [{"name": i.name, "kind": i.kind, "source": i.source} for i in self.items],
            "volume": {"min": self.range.low, "max": self.range.high, "start": self.volume},
        }

    def _remove(self, sender: str, message: Mapping[str, Any]) -> Mapping[str, Any]:
        file = message.get("track")
        playing = self.current_item()
        if not isinstance(file, str) or not self.library.remove(file):
            raise UploadError("error.unknown", field="track", value=str(file)[:80])
        if playing is not None and playing.source == file:
            self.stop()
            self.current = None
        self._items_changed()
        return {"removed": file, "tracks": len(self.library.tracks())}

    def _items_changed(self) -> None:
        """The list on screen follows an upload or a removal; what plays keeps playing."""
        playing = self.current_item()
        self.reload_items()
        self.current = self.items.index(playing) if playing in self.items else None
        view = self._view()
        if isinstance(view, (ListView, EmptyView)) or (
            isinstance(view, PlayingView) and self.current is None
        ):
            self.show_list()
