"""Today's and tomorrow's weather, big, drawn and said aloud, with what to do about it
("take an umbrella").

The forecast comes from Open-Meteo off the UI thread, every ``refresh_minutes`` while
Leling runs. The last good one is kept in the plugin's folder and shown with its age when
the internet is down; a broken answer is named for the family in the helper report.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import requests

from launcher.api import (
    BigLabel,
    Canvas,
    Plugin,
    QColor,
    QPainter,
    QRectF,
    Qt,
    QWidget,
    Screen,
)

from . import forecast as fc
from .forecast import Day, Forecast, ForecastError, ServiceRefused

#: A forecast younger than this is not asked for again when the screen opens.
FRESH_MINUTES = 30
#: Pieces of advice shown a day, the most important first: more would not fit beside the
#: forecast at 200 % text. All of them are said.
MOST_ADVICE = 1
#: How often the open screen updates "forecast from … ago".
AGE_EVERY_MS = 60_000


def _today() -> dt.date:
    return dt.date.today()


def _now() -> float:
    return time.time()


def degrees(value: float) -> str:
    """A temperature as people say it: whole degrees, "-0" never."""
    return str(round(value) + 0)


def age_text(tr: Callable[..., str], minutes: int) -> str:
    """ "just now", "25 minutes ago", "3 hours ago", "2 days ago"."""
    if minutes < 2:
        return tr("weather.age.now")
    if minutes < 60:
        return tr("weather.age.minutes", count=minutes)
    hours = minutes // 60
    if hours < 2:
        return tr("weather.age.hour")
    if hours < 48:
        return tr("weather.age.hours", count=hours)
    return tr("weather.age.days", count=hours // 24)


def day_words(tr: Callable[..., str], day: Day, label: str, gap: str = " ") -> str:
    """ "Tomorrow: light rain, 12 to 18 degrees. Take an umbrella." """
    words = tr(
        "weather.spoken",
        day=label,
        sky=tr(f"weather.sky.{day.sky}"),
        low=degrees(day.low),
        high=degrees(day.high),
    )
    return gap.join([words, *(tr(f"weather.advice.{name}") for name in day.advice())])


# -- the pictures ---------------------------------------------------------------------

SUN = QColor("#F5A800")
LIGHTNING = QColor("#FFC400")


class WeatherPicture(Canvas):
    """A big, simple picture of the sky: sun, cloud, rain, snow, fog or storm. Shapes
    differ by more than colour, so it reads without colour vision too."""

    def __init__(self) -> None:
        super().__init__()
        self.kind = ""
        self.setMinimumSize(72, 72)

    def set_kind(self, kind: str, words: str) -> None:
        self.kind = kind
        self.setAccessibleName(words)
        self.update()

    def _dark(self) -> bool:
        return self.palette().window().color().lightness() < 128

    def paint(self, painter: QPainter, rect: Any) -> None:  # a QRect, not in launcher.api
        side = min(rect.width(), rect.height()) * 0.9
        if side < 16 or not self.kind:
            return
        box = QRectF(
            rect.x() + (rect.width() - side) / 2, rect.y() + (rect.height() - side) / 2, side, side
        )
        painter.setPen(Qt.PenStyle.NoPen)
        kind = self.kind
        if kind == "sun":
            self._sun(painter, box.center().x(), box.center().y(), side * 0.3)
            return
        if kind == "sun_cloud":
            self._sun(painter, box.x() + side * 0.62, box.y() + side * 0.32, side * 0.2)
            self._cloud(painter, QRectF(box.x(), box.y() + side * 0.3, side * 0.8, side * 0.5))
            return
        cloud = QRectF(box.x() + side * 0.05, box.y() + side * 0.08, side * 0.9, side * 0.52)
        if kind == "fog":
            self._cloud(painter, cloud)
            self._bars(painter, box, side)
            return
        self._cloud(painter, cloud)
        below = QRectF(box.x() + side * 0.15, box.y() + side * 0.66, side * 0.7, side * 0.3)
        if kind in ("rain", "sleet"):
            self._drops(painter, below, side)
        if kind in ("snow", "sleet"):
            self._flakes(painter, below, side, offset=0.5 if kind == "sleet" else 0.0)
        if kind == "thunder":
            self._bolt(painter, below, side)

    def _outline(self) -> QColor:
        return self.palette().windowText().color()

    def _sun(self, painter: QPainter, x: float, y: float, radius: float) -> None:
        painter.save()
        painter.translate(x, y)
        ray = radius * 0.22
        for _ in range(8):
            painter.setBrush(self._outline())
            painter.drawRoundedRect(
                QRectF(radius * 1.2, -ray / 2 - 2, radius * 0.55 + 4, ray + 4), 3, 3
            )
            painter.setBrush(SUN)
            painter.drawRoundedRect(QRectF(radius * 1.2 + 2, -ray / 2, radius * 0.55, ray), 2, 2)
            painter.rotate(45)
        painter.setBrush(self._outline())
        painter.drawEllipse(QRectF(-radius - 3, -radius - 3, 2 * radius + 6, 2 * radius + 6))
        painter.setBrush(SUN)
        painter.drawEllipse(QRectF(-radius, -radius, 2 * radius, 2 * radius))
        painter.restore()

    def _cloud_parts(self, area: QRectF, grow: float) -> list[QRectF]:
        x, y, w, h = area.x(), area.y(), area.width(), area.height()
        parts = [
            QRectF(x, y + h * 0.45, w * 0.45, h * 0.55),
            QRectF(x + w * 0.18, y + h * 0.08, w * 0.45, h * 0.8),
            QRectF(x + w * 0.45, y + h * 0.25, w * 0.42, h * 0.7),
            QRectF(x + w * 0.62, y + h * 0.5, w * 0.38, h * 0.5),
            QRectF(x + w * 0.2, y + h * 0.55, w * 0.65, h * 0.45),
        ]
        return [p.adjusted(-grow, -grow, grow, grow) for p in parts]

    def _cloud(self, painter: QPainter, area: QRectF) -> None:
        fill = QColor("#C9D1D9") if self._dark() else QColor("#8A96A3")
        painter.setBrush(self._outline())
        for part in self._cloud_parts(area, 3):
            painter.drawEllipse(part)
        painter.setBrush(fill)
        for part in self._cloud_parts(area, 0):
            painter.drawEllipse(part)

    def _water(self) -> QColor:
        return QColor("#64B5F6") if self._dark() else QColor("#1565C0")

    def _drops(self, painter: QPainter, area: QRectF, side: float) -> None:
        painter.setBrush(self._water())
        width, length = side * 0.05, side * 0.2
        for index in range(3):
            painter.save()
            painter.translate(area.x() + area.width() * (0.2 + 0.3 * index), area.y())
            painter.rotate(20)
            painter.drawRoundedRect(QRectF(-width / 2, 0, width, length), width / 2, width / 2)
            painter.restore()

    def _flakes(self, painter: QPainter, area: QRectF, side: float, offset: float) -> None:
        painter.setBrush(QColor("#FFFFFF") if self._dark() else self._water())
        arm, width = side * 0.14, side * 0.035
        for index in range(2 if offset else 3):
            painter.save()
            painter.translate(
                area.x() + area.width() * (0.2 + 0.3 * index + offset * 0.15),
                area.y() + area.height() * 0.45,
            )
            for _ in range(3):
                painter.drawRoundedRect(QRectF(-arm / 2, -width / 2, arm, width), 2, 2)
                painter.rotate(60)
            painter.restore()

    def _bars(self, painter: QPainter, box: QRectF, side: float) -> None:
        painter.setBrush(self._outline())
        height = side * 0.06
        for index, (start, length) in enumerate(((0.1, 0.7), (0.25, 0.7), (0.05, 0.6))):
            top = box.y() + side * (0.68 + 0.11 * index)
            left = box.x() + side * start
            painter.drawRoundedRect(
                QRectF(left, top, side * length, height), height / 2, height / 2
            )

    def _bolt(self, painter: QPainter, area: QRectF, side: float) -> None:
        # Two slanted bars make a zigzag: a lightning bolt without a polygon.
        x, y = area.center().x(), area.y() - side * 0.05
        width, length = side * 0.07, side * 0.2
        for dx, dy, angle in ((0.0, 0.0, 25), (-side * 0.08, length * 0.85, 25)):
            painter.save()
            painter.translate(x + dx, y + dy)
            painter.rotate(angle)
            painter.setBrush(self._outline())
            painter.drawRect(QRectF(-width / 2 - 2, -2, width + 4, length + 4))
            painter.setBrush(LIGHTNING)
            painter.drawRect(QRectF(-width / 2, 0, width, length))
            painter.restore()
        painter.save()
        painter.translate(x - side * 0.02, y + length * 0.85)
        painter.setBrush(LIGHTNING)
        painter.drawRect(QRectF(-side * 0.1, -width / 2, side * 0.14, width))
        painter.restore()


# -- the screen -----------------------------------------------------------------------


def _column() -> Screen:
    column = Screen()
    layout = column.layout()
    if layout is not None:
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
    return column


class DayPanel(Screen):
    """One day in a row: the picture, then "Today: light rain, 12° to 18°" and the advice."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        layout = self.layout()
        if layout is not None:
            layout.setContentsMargins(0, 0, 0, 0)
            layout.setSpacing(0)
        self.picture = WeatherPicture()
        self.headline = BigLabel("", role="title")
        self.advice = BigLabel("", role="body")
        words = _column()
        words.add(self.headline)
        words.add(self.advice)
        words.add_stretch()
        # The picture beside the words: at 200 % text a picture on a line of its own
        # would push the advice off the screen.
        row = self.add_row(self.picture, words, stretches=(0, 1))
        row_layout = row.layout()
        if row_layout is not None:
            row_layout.setSpacing(16)

    def resizeEvent(self, event: Any) -> None:  # a QResizeEvent
        super().resizeEvent(event)
        side = max(72, min(160, self.headline.fontMetrics().lineSpacing() * 2))
        if self.picture.width() != side:
            self.picture.setFixedSize(side, side)

    def show_day(self, tr: Callable[..., str], day: Day, label: str, gap: str) -> None:
        sky = tr(f"weather.sky.{day.sky}")
        self.picture.set_kind(day.picture, sky)
        self.headline.setText(
            tr("weather.headline", day=label, low=degrees(day.low), high=degrees(day.high))
        )
        advice = [tr(f"weather.advice.{name}") for name in day.advice()[:MOST_ADVICE]]
        self.advice.setText(gap.join([tr("weather.sky_sentence", sky=sky), *advice]))


class WeatherScreen(Screen):
    """Today and tomorrow side by side, a line saying how old the forecast is; or one calm
    message when there is no forecast to show."""

    def __init__(self, plugin: WeatherPlugin) -> None:
        super().__init__()
        self.setObjectName("weather")
        self.plugin = plugin
        layout = self.layout()
        if layout is not None:
            layout.setContentsMargins(8, 0, 8, 0)
            layout.setSpacing(8)
        self.today = DayPanel("weatherToday")
        self.tomorrow = DayPanel("weatherTomorrow")
        self.days = _column()
        days_layout = self.days.layout()
        if days_layout is not None:
            days_layout.setSpacing(8)
        self.days.add(self.today)
        self.days.add(self.tomorrow)
        self.status = BigLabel("", role="caption")
        self.status.setObjectName("weatherStatus")
        self.message_title = BigLabel("", role="title")
        self.message_title.setObjectName("weatherMessage")
        self.message_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message_body = BigLabel("", role="body")
        self.message_body.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.add(self.days)
        self.add(self.status)
        self.add(self.message_title)
        self.add(self.message_body)
        self.add_stretch()
        #: What is shown, in words to say, and the part of it that was last said (the
        #: days, not the age), so a refresh that changes nothing stays quiet.
        self.current_words = ""
        self.current_key = ""
        self.said = ""

    def show_forecast(
        self, today: Day | None, tomorrow: Day | None, status: str
    ) -> tuple[str, str]:
        """Show the days there are; returns the words to say, and the days' part of them."""
        tr = self.plugin.context.tr
        spoken = []
        for panel, day, key in (
            (self.today, today, "weather.today"),
            (self.tomorrow, tomorrow, "weather.tomorrow"),
        ):
            panel.setVisible(day is not None)
            if day is not None:
                panel.show_day(tr, day, tr(key), self.plugin.gap())
                spoken.append(day_words(tr, day, tr(key), self.plugin.gap()))
        self.days.setVisible(True)
        self.status.setText(status)
        self.status.setVisible(bool(status))
        self.message_title.setVisible(False)
        self.message_body.setVisible(False)
        gap = self.plugin.gap()
        return gap.join([*spoken, status]), gap.join([*spoken, self.plugin.outcome])

    def show_message(self, title: str, body: str) -> tuple[str, str]:
        self.days.setVisible(False)
        self.status.setVisible(False)
        self.message_title.setText(title)
        self.message_body.setText(body)
        self.message_title.setVisible(True)
        self.message_body.setVisible(bool(body))
        words = f"{title} {body}".strip()
        return words, words


class WeatherPlugin(Plugin):
    """The weather tile."""

    def activate(self) -> None:
        self.screen: WeatherScreen | None = None
        self.busy = False
        #: How the last attempt ended: ``ok``, ``offline`` or ``broken``.
        self.outcome = "ok"
        self.forecast: Forecast | None = None
        self._loaded_for = ""
        minutes = int(self.context.config.get("refresh_minutes", 60))
        self.context.every(minutes * 60_000, self.refresh, background=True)
        # Once activate has returned: work started from inside it belongs to no plugin
        # object yet, and its answer would be dropped.
        self.context.after(0, self.refresh, background=True)

    def gap(self) -> str:
        """What goes between two sentences: nothing in Chinese, a space elsewhere."""
        return "" if self.context.locale.startswith("zh") else " "

    # -- where --------------------------------------------------------------------------

    def where(self) -> tuple[str, float, float] | None:
        """The place to forecast: the tile's own, else the senior's home."""
        text = str(self.context.config.get("location", "")).strip()
        if not text:
            text = self.context.senior().location.strip()
        found = fc.parse_location(text)
        if found is None:
            return None
        return f"{found[0]:.4f},{found[1]:.4f}", found[0], found[1]

    def _kept(self, key: str) -> Forecast | None:
        if self.forecast is not None and self.forecast.location == key:
            return self.forecast
        if self._loaded_for != key:
            self._loaded_for = key
            self.forecast = fc.load(self.context.data_dir, key)
        return self.forecast if self.forecast and self.forecast.location == key else None

    # -- fetching -----------------------------------------------------------------------

    def refresh(self) -> None:
        """Ask for a new forecast in the background (once at a time)."""
        place = self.where()
        if place is None:
            self.context.tell_helper(
                "weather: no place to forecast: fill in the weather tile's 'location' "
                "(latitude,longitude) or the senior's location"
            )
            self.update_screen()
            return
        if self.busy:
            return
        key, lat, lon = place
        self._kept(key)
        api = str(self.context.config.get("api_base", fc.DEFAULT_API)) or fc.DEFAULT_API
        folder = self.context.data_dir

        def work() -> Forecast:
            data = fc.fetch(api, lat, lon)
            result = fc.parse(data, fetched=_now(), location=key)
            fc.save(folder, result)
            return result

        self.busy = True
        self.context.run_in_background(work, self._arrived, failed=self._failed)

    def _arrived(self, result: Forecast) -> None:
        self.busy = False
        self.outcome = "ok"
        self.forecast = result
        self._loaded_for = result.location
        self.update_screen()

    def _failed(self, error: Exception) -> None:
        self.busy = False
        api = str(self.context.config.get("api_base", fc.DEFAULT_API))
        if isinstance(error, requests.RequestException):
            # No internet is an everyday state, not something for the family to fix.
            self.outcome = "offline"
            self.context.log.info("weather: %s cannot be reached: %s", api, error)
        elif isinstance(error, ForecastError):
            self.outcome = "broken"
            self.context.tell_helper(
                f"weather: the forecast from {api} cannot be used: field {error}; "
                "the last good forecast is shown"
            )
        elif isinstance(error, ServiceRefused):
            self.outcome = "broken"
            self.context.tell_helper(
                f"weather: {api} refused the forecast ({error}); check the weather "
                "tile's 'api_base' and 'location'"
            )
        else:
            self.outcome = "broken"
            self.context.tell_helper(f"weather: getting the forecast failed: {error!r}")
        self.update_screen()

    # -- showing ------------------------------------------------------------------------

    def create_screen(self) -> QWidget:
        screen = WeatherScreen(self)
        self.screen = screen
        screen.destroyed.connect(lambda *_: self._forget(screen))
        self.update_screen(speak=False)
        # Said after the shell has read the screen's title.
        self.context.after(0, lambda: self._say(screen))
        self.context.every(AGE_EVERY_MS, lambda: self.update_screen(speak=False))
        place = self.where()
        kept = self._kept(place[0]) if place else None
        if place and (kept is None or fc.age_minutes(kept, _now()) >= FRESH_MINUTES):
            self.refresh()
        return screen

    def _forget(self, screen: WeatherScreen) -> None:
        if self.screen is screen:
            self.screen = None

    def _say(self, screen: WeatherScreen) -> None:
        if self.screen is screen and screen.current_words and not self.busy:
            screen.said = screen.current_key
            self.context.say(screen.current_words)

    def update_screen(self, *, speak: bool = True) -> None:
        """Show the forecast (or why there is none) on the open screen; say it when it
        is new there."""
        screen = self.screen
        if screen is None:
            return
        screen.current_words, screen.current_key = self._fill(screen)
        if speak and screen.current_key != screen.said and not self.busy:
            screen.said = screen.current_key
            self.context.say(screen.current_words)

    def _fill(self, screen: WeatherScreen) -> tuple[str, str]:
        tr = self.context.tr
        place = self.where()
        if place is None:
            return screen.show_message(tr("weather.no_place.title"), tr("weather.no_place.body"))
        kept = self._kept(place[0])
        today, tomorrow = kept.for_dates(_today()) if kept else (None, None)
        if kept is None or (today is None and tomorrow is None):
            if self.busy:
                return screen.show_message(tr("weather.loading"), "")
            if self.outcome == "offline":
                return screen.show_message(tr("weather.none.title"), tr("weather.none.offline"))
            return screen.show_message(tr("weather.none.title"), tr("weather.none.told"))
        age = age_text(tr, fc.age_minutes(kept, _now()))
        name = str(self.context.config.get("place", "")).strip()
        status = tr("weather.status", age=age)
        if name:
            status = tr("weather.status.place", place=name, age=age)
        if self.outcome == "offline":
            status = self.gap().join([tr("weather.offline"), status])
        elif self.outcome == "broken":
            status = self.gap().join([tr("weather.not_updated"), status])
        return screen.show_forecast(today, tomorrow, status)
