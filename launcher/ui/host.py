"""Running plugin code: import on first tap, activate, open screens, contain every failure."""

from __future__ import annotations

import logging
import os
import threading
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QWidget

from launcher.core.i18n import Translator, load_catalogues, pick_localized
from launcher.core.instance import Instance
from launcher.core.manifest import Manifest
from launcher.core.registry import import_entry
from launcher.ui.kit import ExcInfo, current_exception

if TYPE_CHECKING:
    from launcher.core.alarm import Alarms

log = logging.getLogger("leling.plugins")

#: How much larger than a browser a plugin's web page is drawn at 100 % text.
PAGE_ZOOM = 1.5


@dataclass(frozen=True)
class TileSpec:
    """One tile of the profile, resolved against the registry."""

    index: int
    plugin_id: str
    label: Mapping[str, str] | str
    config: Mapping[str, Any]
    manifest: Manifest | None

    def title(self, locale: str) -> str:
        if self.label:
            return self.label if isinstance(self.label, str) else pick_localized(self.label, locale)
        return self.manifest.name(locale) if self.manifest else self.plugin_id


def tiles_from_settings(instance: Instance) -> list[TileSpec]:
    """The profile's tiles, in order, each with its plugin's manifest (None if missing)."""
    specs = []
    for index, entry in enumerate(instance.settings.get("tiles", [])):
        plugin_id = str(entry.get("plugin", ""))
        specs.append(
            TileSpec(
                index=index,
                plugin_id=plugin_id,
                label=entry.get("label") or "",
                config=dict(entry.get("config") or {}),
                manifest=instance.registry.get(plugin_id),
            )
        )
    return specs


def instance_alarms(instance: Instance) -> Alarms:
    """The profile's SOS alarms (imported when first needed, not at start-up)."""
    from launcher.core.alarm import profile_alarms

    return profile_alarms(instance.profile_dir)


class PluginTimer:
    """A repeating timer whose callback failures are contained."""

    def __init__(
        self,
        owner: QObject,
        milliseconds: int,
        callback: Callable[[], None],
        on_failure: Callable[[ExcInfo], None],
        *,
        single_shot: bool = False,
    ) -> None:
        self._callback = callback
        self._on_failure = on_failure
        self._timer = QTimer(owner)
        self._timer.setSingleShot(single_shot)
        self._timer.setInterval(max(0 if single_shot else 16, int(milliseconds)))
        self._timer.timeout.connect(self._fire)
        self._timer.start()

    def _fire(self) -> None:
        try:
            self._callback()
        except Exception:
            self.stop()
            self._on_failure(current_exception())

    def stop(self) -> None:
        self._timer.stop()

    @property
    def active(self) -> bool:
        return self._timer.isActive()


@dataclass
class Context:
    """The :class:`launcher.api.PluginContext` given to one tile's plugin object."""

    host: PluginHost
    tile: TileSpec
    manifest: Manifest
    translator: Translator
    data_dir: Path
    config: Mapping[str, Any] = field(default_factory=dict)
    timers: list[PluginTimer] = field(default_factory=list)
    background_timers: list[PluginTimer] = field(default_factory=list)
    screen: QWidget | None = None

    @property
    def plugin_id(self) -> str:
        return self.manifest.id

    @property
    def log(self) -> logging.Logger:
        return logging.getLogger(f"leling.plugins.{self.manifest.id}")

    @property
    def locale(self) -> str:
        return self.host.instance.translator.locale

    def tr(self, key: str, /, **values: object) -> str:
        self.translator.set_locale(self.locale)
        return self.translator.tr(key, **values)

    def localized(self, texts: Mapping[str, str] | str) -> str:
        return texts if isinstance(texts, str) else pick_localized(texts, self.locale)

    def tile_label(self) -> str:
        return self.tile.title(self.locale)

    def every(
        self, milliseconds: int, callback: Callable[[], None], *, background: bool = False
    ) -> PluginTimer:
        return self._start_timer(milliseconds, callback, single_shot=False, background=background)

    def after(
        self, milliseconds: int, callback: Callable[[], None], *, background: bool = False
    ) -> PluginTimer:
        return self._start_timer(milliseconds, callback, single_shot=True, background=background)

    def _start_timer(
        self,
        milliseconds: int,
        callback: Callable[[], None],
        *,
        single_shot: bool,
        background: bool,
    ) -> PluginTimer:
        owner = self.host if background or self.screen is None else self.screen
        timer = PluginTimer(
            owner,
            milliseconds,
            callback,
            lambda info: self.host.plugin_failed(self.tile, "timer", info),
            single_shot=single_shot,
        )
        (self.background_timers if background else self.timers).append(timer)
        return timer

    def stop_timers(self) -> None:
        """Stop the screen's timers (its screen closed)."""
        for timer in self.timers:
            timer.stop()
        self.timers.clear()

    def stop_everything(self) -> None:
        """Stop every timer, the background ones too (the plugin failed or is closing)."""
        self.stop_timers()
        for timer in self.background_timers:
            timer.stop()
        self.background_timers.clear()

    def run_in_background(
        self,
        work: Callable[[], Any],
        then: Callable[[Any], None],
        *,
        failed: Callable[[Exception], None] | None = None,
    ) -> None:
        self.host.run_job(self.tile, work, then, failed)

    def _require(self, permission: str) -> None:
        if permission not in self.manifest.permissions:
            raise PermissionError(
                f"{self.manifest.manifest_path}: plugin {self.manifest.id!r} used "
                f"'{permission}' but its field 'permissions' does not list it"
            )

    def open_url(self, url: str) -> bool:
        # Imported here: each PySide6 class costs its enums when first named.
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        self._require("open_url")
        opened = bool(QDesktopServices.openUrl(QUrl(url)))
        if not opened:
            self.log.warning("no handler opened %s", url)
        return opened

    def web_page(self, url: str, *, media: bool = False, sites: Sequence[str] = ()) -> Any:
        from launcher.core.safety import SiteRule
        from launcher.ui.webpage import PluginWebPage, web_engine_available

        self._require("network")
        if media:
            self._require("camera")
            self._require("microphone")
        if not web_engine_available():
            return None
        settings = self.host.instance.settings
        rule = SiteRule.for_page(settings, url, sites)
        page = PluginWebPage(url, media=media, rule=rule)
        if not media:
            # Web pages are written for younger eyes: they grow with the senior's text
            # size. A call page lays out its own big video and buttons.
            page.view.setZoomFactor(PAGE_ZOOM * int(settings.get("text_scale", 100)) / 100)
        page.refused.connect(
            lambda address: self.tell_helper(
                f"a page tried to open {address}, which is not an allowed site; add its "
                "host to safety.allowed_sites if the family trusts it"
            )
        )
        return page

    def site_allowed(self, url: str) -> bool:
        from launcher.core.safety import SiteRule, allowed_sites

        return SiteRule(allowed_sites(self.host.instance.settings)).opens(url)

    def call_started(self) -> None:
        self.host.set_call(self.tile, True)

    def call_ended(self) -> None:
        self.host.set_call(self.tile, False)

    def notify(self, title: str, body: str, *, to: str | None = None, key: str = "") -> int:
        import uuid

        from launcher.core.notify import alert_urls, emergency_contacts
        from launcher.core.outbox import Outbox

        self._require("notify")
        settings = self.host.instance.settings
        if to is None:
            people = emergency_contacts(settings)
        else:
            people = [c for c in settings.get("contacts", []) if c.get("name") == to]
        # The plugin's own key, kept apart from other plugins' alerts.
        alert_key = f"{self.manifest.id}:{key or uuid.uuid4().hex}"
        outbox = Outbox(self.host.instance.profile_dir)
        for person in people:
            outbox.enqueue(alert_key, str(person.get("name", "")), alert_urls(person), title, body)
        self.host.alerts_queued.emit()
        return len(outbox.deliveries(alert_key))

    def ask_plugin(self, plugin_id: str, message: Mapping[str, Any]) -> Mapping[str, Any] | None:
        tile = self.host.tile_of(plugin_id)
        if tile is None or tile.manifest is None or "messages" not in tile.manifest.permissions:
            return None
        return self.host.receive(tile, f"plugin:{self.manifest.id}", message)

    def contacts(self) -> list[Any]:
        from launcher.api import Contact
        from launcher.core.notify import alert_urls

        self._require("contacts")
        people = []
        for entry in self.host.instance.settings.get("contacts", []):
            photo = str(entry.get("photo", ""))
            photo_path = (self.host.instance.profile_dir / photo) if photo else None
            people.append(
                Contact(
                    name=str(entry.get("name", "")),
                    relation=self.localized(entry.get("relation", "")),
                    phone=str(entry.get("phone", "")),
                    photo=photo_path if photo_path and photo_path.is_file() else None,
                    emergency=bool(entry.get("emergency", False)),
                    circle=int(entry.get("circle", 1)),
                    video=str(entry.get("video", "jitsi")),
                    video_address=str(entry.get("video_address", "")),
                    channels=len(alert_urls(entry)),
                )
            )
        return people

    def is_contact(self, name: str) -> bool:
        self._require("contacts")
        from launcher.core.safety import is_known_contact

        return is_known_contact(self.host.instance.settings, name)

    def raise_alarm(self, title: str, body: str, *, key: str, acknowledge: str) -> int:
        self._require("alarm")
        instance = self.host.instance
        alarms = instance_alarms(instance)
        emergency = instance.settings.get("emergency", {})
        channels = alarms.raise_alarm(
            f"{self.manifest.id}:{key}",
            title,
            body,
            instance.settings.get("contacts", []),
            escalate_s=60.0 * int(emergency.get("escalate_minutes", 5)),
            link_base=self.host.link_base(),
            ack_line=acknowledge,
        )
        self.host.alerts_queued.emit()
        return channels

    def alarm(self, key: str) -> Any:
        from launcher.api import AlarmStatus

        self._require("alarm")
        alarms = instance_alarms(self.host.instance)
        full_key = f"{self.manifest.id}:{key}"
        state = alarms.state(full_key)
        if state is None:
            return None
        deliveries = [
            d
            for step in range(state.step + 1)
            for d in alarms.outbox.deliveries(f"{full_key}:step{step}")
        ]
        return AlarmStatus(
            acknowledged_by=state.acknowledged_by,
            rounds=state.step + 1,
            channels=len(deliveries),
            delivered=sum(d.status == "delivered" for d in deliveries),
            retrying=sum(d.status == "pending" and d.attempts > 0 for d in deliveries),
        )

    def tell_helper(self, problem: str) -> None:
        self.log.warning("%s", problem)
        self.host.instance.report.add(f"plugin {self.manifest.id}", problem, once=True)

    def senior(self) -> Any:
        from launcher.api import Senior

        self._require("senior")
        settings = self.host.instance.settings
        senior = settings.get("senior", {})
        return Senior(
            name=str(senior.get("name", "")),
            address=str(senior.get("address", "")),
            medical=str(senior.get("medical", "")),
            location=str(senior.get("location", "")),
            emergency_number=str(settings.get("emergency", {}).get("number", "")),
        )

    def present(self, screen: QWidget) -> None:
        # The shell closes what was open (stopping its timers) before showing this one;
        # timers started from now on belong to the new screen.
        self.host.present_requested.emit(self.tile, screen)
        self.stop_timers()
        self.screen = screen

    def say(self, text: str, *, interrupt: bool = False) -> None:
        self.host.say_requested.emit(self.tile, text, interrupt)

    def last_touch(self) -> datetime | None:
        touched = self.host.last_touch()
        return None if touched is None else datetime.fromtimestamp(touched).astimezone()


class ActivityWatch(QObject):
    """Calls ``on_activity`` at every touch, click, wheel turn and key anywhere in the
    application, once installed on it as an event filter."""

    _EVENTS = (
        QEvent.Type.MouseButtonPress,
        QEvent.Type.TouchBegin,
        QEvent.Type.KeyPress,
        QEvent.Type.Wheel,
    )

    def __init__(self, on_activity: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.on_activity = on_activity

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in self._EVENTS:
            self.on_activity()
        return False


class PluginHost(QObject):
    """Owns plugin objects for the tiles and turns every failure into a calm state.

    ``failed(tile_index)`` is emitted when a tile's plugin becomes unavailable;
    ``alerts_queued()`` when a plugin has put an alert in the outbox;
    ``present_requested(tile, screen)`` when a plugin brings a screen up by itself;
    ``say_requested(tile, text, interrupt)`` when a plugin asks for something to be read aloud;
    ``call_changed(active)`` when the first call starts or the last one ends.
    """

    failed = Signal(int)
    alerts_queued = Signal()
    _job_done = Signal(object)
    present_requested = Signal(object, object)
    say_requested = Signal(object, str, bool)
    call_changed = Signal(bool)

    def __init__(self, instance: Instance, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.instance = instance
        self._classes: dict[str, type] = {}
        self._objects: dict[int, tuple[Any, Context]] = {}
        #: Plugins that failed this session, by id, with the phase that failed.
        self.unavailable: dict[str, str] = {}
        self._plugin_failed_handler: Callable[[TileSpec], None] | None = None
        # Work done off the UI thread comes back through a queued signal, never a timer
        # or widget made on the worker.
        self._job_done.connect(self._finish_job, Qt.ConnectionType.QueuedConnection)
        #: Remote help's address while it runs (for acknowledgement links), else None.
        self.link_base: Callable[[], str | None] = lambda: None
        self._touches: ActivityWatch | None = None
        self._last_touch: float | None = None
        #: Tiles whose plugin has a call under way (PluginContext.call_started).
        self._calls: set[int] = set()

    def in_call(self) -> bool:
        """Whether the senior is on a call through a plugin now."""
        return bool(self._calls)

    def set_call(self, tile: TileSpec, active: bool) -> None:
        """A tile's call started or ended; ``call_changed`` tells when that changes
        whether any call is under way."""
        before = self.in_call()
        if active:
            self._calls.add(tile.index)
        else:
            self._calls.discard(tile.index)
        if self.in_call() != before:
            self.call_changed.emit(self.in_call())

    def last_touch(self) -> float | None:
        """Seconds since the epoch of the senior's last touch, click or key (None: none
        yet since the first plugin asked)."""
        # Watched from the first plugin that asks (a check-in activated just after
        # start-up): every event of the application passes through the watch, and
        # start-up need not pay for it.
        if self._touches is None:
            self._touches = ActivityWatch(self._touched, self)
            application = QCoreApplication.instance()
            if application is not None:
                application.installEventFilter(self._touches)
        return self._last_touch

    def _touched(self) -> None:
        # One press reaches the filter once per widget it travels through; the time is
        # the same, so noting it again costs nothing.
        self._last_touch = time.time()

    def set_failure_handler(self, handler: Callable[[TileSpec], None]) -> None:
        """The shell's way of replacing an open screen with the calm one."""
        self._plugin_failed_handler = handler

    def is_available(self, tile: TileSpec) -> bool:
        return tile.manifest is not None and tile.plugin_id not in self.unavailable

    def open(self, tile: TileSpec) -> QWidget | None:
        """Build the tile's screen; None if the plugin is not available (already reported)."""
        loaded = self._loaded(tile)
        if loaded is None:
            return None
        plugin, context = loaded
        try:
            context.stop_timers()
            screen = plugin.create_screen()
            if not isinstance(screen, QWidget):
                raise TypeError(
                    f"{context.manifest.entry_class}.create_screen() returned "
                    f"{type(screen).__name__}, not a widget"
                )
        except Exception:
            self._record(tile, "open", current_exception())
            return None
        context.screen = screen
        for timer in context.timers:
            # Timers started while building the screen now belong to it.
            timer._timer.setParent(screen)
        return screen

    def receive(
        self, tile: TileSpec, sender: str, message: Mapping[str, Any]
    ) -> Mapping[str, Any] | None:
        """Hand a relative's message to the tile's plugin (loading it if need be).

        Returns the plugin's answer, or None when the plugin is not available (already
        reported). A :class:`ValueError` from the plugin (the message is wrong) passes up.
        """
        loaded = self._loaded(tile)
        if loaded is None:
            return None
        plugin, _context = loaded
        try:
            answer = plugin.receive(sender, message)
            if not isinstance(answer, Mapping):
                raise TypeError(
                    f"{type(plugin).__name__}.receive() returned {type(answer).__name__}, "
                    "not a mapping"
                )
        except ValueError:
            raise
        except Exception:
            self.plugin_failed(tile, "message", current_exception())
            return None
        return answer

    def screensaver(self, tile: TileSpec) -> QWidget | None:
        """The tile's screensaver screen (loading the plugin if need be), or None when it
        has none or is not available (a failure is recorded). Close it with :meth:`close`."""
        loaded = self._loaded(tile)
        if loaded is None:
            return None
        plugin, context = loaded
        try:
            context.stop_timers()
            screen = plugin.screensaver()
            if screen is not None and not isinstance(screen, QWidget):
                raise TypeError(
                    f"{type(plugin).__name__}.screensaver() returned "
                    f"{type(screen).__name__}, not a widget"
                )
        except Exception:
            self._record(tile, "screensaver", current_exception())
            return None
        if screen is not None:
            context.screen = screen
            for timer in context.timers:
                timer._timer.setParent(screen)
        return screen

    def run_job(
        self,
        tile: TileSpec,
        work: Callable[[], Any],
        then: Callable[[Any], None],
        failed: Callable[[Exception], None] | None,
    ) -> None:
        """Run ``work`` on a worker thread; ``then(result)`` or ``failed(error)`` follow on
        the UI thread. Without ``failed``, an error in ``work`` is the plugin's failure."""

        # The plugin object asking; its answer is dropped if that object is gone by then
        # (turned off, or made anew when the settings changed).
        asking = self._objects.get(tile.index)

        def run() -> None:
            try:
                outcome: tuple[Any, BaseException | None, ExcInfo | None] = (work(), None, None)
            except Exception as exc:
                outcome = (None, exc, current_exception())
            self._job_done.emit((tile, asking, then, failed, *outcome))

        threading.Thread(target=run, name=f"leling-{tile.plugin_id}", daemon=True).start()

    def _finish_job(self, job: tuple[Any, ...]) -> None:
        tile, asking, then, failed, result, error, info = job
        if tile.plugin_id in self.unavailable or self._objects.get(tile.index) is not asking:
            return  # the plugin failed or closed meanwhile: nothing of it runs any more
        try:
            if error is None:
                then(result)
            elif failed is not None:
                failed(error)
            else:
                self.plugin_failed(tile, "background", info)
        except Exception:
            self.plugin_failed(tile, "background", current_exception())

    def start_in_background(self, tile: TileSpec) -> None:
        """Load and activate a tile's plugin without opening it (manifest ``background``),
        so its background timers run from the start."""
        self._loaded(tile)

    def close(self, tile: TileSpec) -> None:
        """The tile's screen was closed: its timers stop."""
        entry = self._objects.get(tile.index)
        if entry is not None:
            entry[1].stop_timers()
            entry[1].screen = None
        # A call needs its screen (the senior hangs up there): with it gone, it is over.
        self.set_call(tile, False)

    def _loaded(self, tile: TileSpec) -> tuple[Any, Context] | None:
        """The tile's plugin, imported and activated; None (failure recorded) if it is not
        available or cannot start."""
        if not self.is_available(tile):
            return None
        try:
            return self._plugin_for(tile)
        except Exception:
            phase = "import" if tile.plugin_id not in self._classes else "activate"
            self._record(tile, phase, current_exception())
            return None

    def _plugin_for(self, tile: TileSpec) -> tuple[Any, Context]:
        existing = self._objects.get(tile.index)
        if existing is not None:
            return existing
        manifest = tile.manifest
        assert manifest is not None
        entry = self._classes.get(manifest.id)
        if entry is None:
            entry = import_entry(manifest)
            self._classes[manifest.id] = entry
        config, problems = manifest.effective_config(tile.config)
        for problem in problems:
            self.instance.note_problem(f"plugin {manifest.id}", f"tile {tile.index + 1}: {problem}")
        data_dir = self.instance.profile_dir / "plugin-data" / manifest.id
        data_dir.mkdir(parents=True, exist_ok=True)
        translator = Translator(
            load_catalogues(manifest.folder / "locales"), self.instance.translator.locale
        )
        context = Context(self, tile, manifest, translator, data_dir, config)
        plugin = entry(context)
        # Known before activate() runs: work it starts in the background answers to it.
        self._objects[tile.index] = (plugin, context)
        try:
            plugin.activate()
        except BaseException:
            del self._objects[tile.index]
            context.stop_everything()
            raise
        return plugin, context

    def plugin_failed(self, tile: TileSpec, phase: str, info: ExcInfo) -> None:
        """A running plugin raised (timer, paint, slot): record it and close its screen."""
        first = tile.plugin_id not in self.unavailable
        self._record(tile, phase, info)
        entry = self._objects.get(tile.index)
        if entry is not None:
            entry[1].stop_everything()
        self.set_call(tile, False)
        if first and self._plugin_failed_handler is not None:
            handler = self._plugin_failed_handler
            # Never rebuild widgets from inside the paint or timer that failed.
            QTimer.singleShot(0, lambda: handler(tile))

    def _record(self, tile: TileSpec, phase: str, info: ExcInfo) -> None:
        detail = "".join(traceback.format_exception(*info))
        if tile.plugin_id in self.unavailable:
            log.error("plugin %s failed again (%s)\n%s", tile.plugin_id, phase, detail)
            return
        self.unavailable[tile.plugin_id] = phase
        message = (
            f"plugin {tile.plugin_id!r} failed while it was {_PHASES.get(phase, phase)}: {info[1]}"
        )
        log.error("%s\n%s", message, detail)
        self.instance.report.add(f"plugin {tile.plugin_id}", message, detail)
        self.failed.emit(tile.index)

    def plugin_of_traceback(self, info: ExcInfo) -> str | None:
        """The id of the loaded plugin whose code raised, from the traceback's files."""
        folders = {}
        for plugin_id in self._classes:
            manifest = self.instance.registry.get(plugin_id)
            if manifest is not None:
                folders[plugin_id] = str(manifest.folder.resolve()) + os.sep
        found: str | None = None
        tb = info[2]
        while tb is not None:
            filename = os.path.abspath(tb.tb_frame.f_code.co_filename)
            for plugin_id, folder in folders.items():
                if filename.startswith(folder):
                    found = plugin_id
            tb = tb.tb_next
        return found

    def tile_of(self, plugin_id: str) -> TileSpec | None:
        """The first tile of the profile that uses ``plugin_id`` (the one the shell and
        remote help give messages to), or None."""
        for tile in tiles_from_settings(self.instance):
            if tile.plugin_id == plugin_id:
                loaded = self._objects.get(tile.index)
                return loaded[1].tile if loaded is not None else tile
        return None

    def tile_with_open_screen(self, plugin_id: str) -> TileSpec | None:
        for _, context in self._objects.values():
            if context.manifest.id == plugin_id and context.screen is not None:
                return context.tile
        for _, context in self._objects.values():
            if context.manifest.id == plugin_id:
                return context.tile
        return None

    def shutdown(self) -> None:
        for plugin, context in self._objects.values():
            context.stop_everything()
            try:
                plugin.deactivate()
            except Exception:
                log.exception("plugin %s failed while closing", context.manifest.id)
        self._objects.clear()
        if self._calls:
            self._calls.clear()
            self.call_changed.emit(False)


_PHASES = {
    "import": "loading its code",
    "activate": "starting",
    "open": "opening its screen",
    "timer": "updating",
    "paint": "drawing",
    "event": "answering a tap",
    "message": "taking a message from the family",
    "background": "working in the background",
    "screensaver": "making its screensaver",
}
