"""One Qt Multimedia player and its audio output, made when the senior first asks for
music, so neither Leling's start-up nor opening the tile loads FFmpeg."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from launcher.api import media_player


class Playback:
    """Plays one source at a time and reports what happens through three callbacks:
    ``changed()`` when it starts, pauses or stops and when the first sound comes,
    ``failed(reason)`` when the source
    cannot be played (``reason`` is for the helper, in English), ``ended()`` when a file
    has played to its end or a stream has stopped sending."""

    def __init__(
        self,
        changed: Callable[[], None],
        failed: Callable[[str], None],
        ended: Callable[[], None],
    ) -> None:
        self._changed = changed
        self._failed = failed
        self._ended = ended
        self._player: Any = None
        self._output: Any = None
        self._volume = 0.5
        #: Sound has come from the source since it was asked to play.
        self.sounding = False
        #: Asked to play and not paused, stopped or failed since: true while a stream is
        #: still being reached, before the player itself says it plays.
        self.playing = False

    @property
    def player(self) -> Any:
        """The ``QMediaPlayer``, made on first use."""
        if self._player is None:
            self._player, self._output = media_player()
            self._output.setVolume(self._volume)
            self._player.playbackStateChanged.connect(lambda _state: self._changed())
            self._player.errorOccurred.connect(self._error)
            self._player.mediaStatusChanged.connect(self._status)
            self._player.positionChanged.connect(self._position)
        return self._player

    @property
    def started(self) -> bool:
        return self._player is not None

    def play(self, url: str) -> None:
        """Play ``url`` (a stream address, or a file as ``file://``) from its start."""
        player = self.player
        player.stop()
        self.sounding = False
        self.playing = True
        player.setSource(url)
        player.play()

    def resume(self) -> None:
        self.playing = True
        self.player.play()

    def pause(self) -> None:
        self.playing = False
        if self._player is not None:
            self._player.pause()

    def stop(self) -> None:
        self.playing = False
        if self._player is not None:
            self._player.stop()

    @property
    def paused(self) -> bool:
        if self._player is None:
            return False
        return bool(self._player.playbackState() == self._player.PlaybackState.PausedState)

    def position(self) -> int:
        """How far into the source, in milliseconds."""
        return int(self._player.position()) if self._player is not None else 0

    def set_volume(self, percent: int) -> None:
        self._volume = percent / 100
        if self._output is not None:
            self._output.setVolume(self._volume)

    def volume(self) -> float:
        """The output's volume as Qt has it, 0.0 to 1.0."""
        return float(self._output.volume()) if self._output is not None else self._volume

    def close(self) -> None:
        """Stop and let go of the player and the sound device."""
        self.playing = False
        if self._player is not None:
            self._player.stop()
            self._player.setSource("")
            self._player.deleteLater()
            self._output.deleteLater()
            self._player = self._output = None

    def _error(self, error: Any, text: str) -> None:
        name = getattr(error, "name", str(error))
        self.playing = False
        self._failed(f"{text or 'it cannot be played'} ({name})")

    def _position(self, position: int) -> None:
        if position > 0 and not self.sounding:
            self.sounding = True
            self._changed()

    def _status(self, status: Any) -> None:
        statuses = self.player.MediaStatus
        if status == statuses.EndOfMedia:
            self.playing = False
            self._ended()
        elif status == statuses.InvalidMedia and self.player.error() == self.player.Error.NoError:
            self.playing = False
            self._failed("it is not audio that can be played (InvalidMedia)")
