"""The clock: the time as large as the screen allows, the date, and the Chinese lunar date."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from launcher.api import (
    BigLabel,
    HugeText,
    Plugin,
    Qt,
    QWidget,
    Screen,
)

Translate = Callable[..., str]

#: Festival and solar-term names are Chinese in every language, so they are joined the
#: Chinese way.
CHINESE_LIST_SEPARATOR = "、"


def _now() -> datetime:
    return datetime.now()


def time_text(moment: datetime, show_seconds: bool) -> str:
    return moment.strftime("%H:%M:%S" if show_seconds else "%H:%M")


def date_text(day: date, tr: Translate) -> str:
    """The date in words: 2026年11月29日 星期日, Sunday 29 November 2026."""
    return tr(
        "clock.date",
        year=day.year,
        month_name=tr(f"clock.month.{day.month}"),
        day=day.day,
        weekday=tr(f"clock.weekday.{day.weekday()}"),
    )


def lunar_text(day: date, tr: Translate) -> str:
    """The Chinese lunar date of ``day``, with its festival or solar term if it has one.

    ``tr`` is the plugin's translator (``context.tr``), in the language to show.
    """
    # Imported here so that opening the home screen never pays for the lunar tables.
    from lunar_python import Solar

    lunar = Solar.fromYmd(day.year, day.month, day.day).getLunar()
    # lunar_python marks a leap month with a negative month number.
    month = tr(f"clock.lunar.month.{abs(lunar.getMonth())}")
    if lunar.getMonth() < 0:
        month = tr("clock.lunar.leap", month=month)
    text = tr("clock.lunar", month=month, day=tr(f"clock.lunar.day.{lunar.getDay()}"))
    extras = [*lunar.getFestivals()]
    solar_term = lunar.getJieQi()
    if solar_term and solar_term not in extras:
        extras.append(solar_term)
    if extras:
        text = tr("clock.lunar.with_extra", lunar=text, extra=CHINESE_LIST_SEPARATOR.join(extras))
    return text


class ClockScreen(Screen):
    def __init__(self, plugin: ClockPlugin) -> None:
        super().__init__()
        context = plugin.context
        self._tr = context.tr
        self.show_seconds = bool(context.config.get("show_seconds", False))
        self._show_lunar = bool(context.config.get("show_lunar", True))
        self._day: date | None = None

        self.face = HugeText(
            template="00:00:00" if self.show_seconds else "00:00", minimum_height=120
        )
        self.face.setObjectName("clockTime")
        self.date_label = BigLabel(role="title")
        self.date_label.setObjectName("clockDate")
        self.date_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.lunar_label = BigLabel(role="body")
        self.lunar_label.setObjectName("clockLunar")
        self.lunar_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.lunar_label.setVisible(self._show_lunar)
        self.add(self.face, 1)
        self.add(self.date_label)
        self.add(self.lunar_label)
        self.tick()

    def tick(self) -> None:
        now = _now()
        self.face.set_text(time_text(now, self.show_seconds))
        today = now.date()
        if today != self._day:
            self._day = today
            self.date_label.setText(date_text(today, self._tr))
            if self._show_lunar:
                self.lunar_label.setText(lunar_text(today, self._tr))


class ClockPlugin(Plugin):
    """A full-screen clock with the date and the lunar date."""

    def create_screen(self) -> QWidget:
        screen = ClockScreen(self)
        # With seconds on screen a once-a-second timer drifts against the wall clock and
        # now and then skips a second; ticking faster keeps each second on time. Text is
        # only set when it changes, so the extra ticks cost nothing visible.
        interval = 250 if screen.show_seconds else 1000
        self.context.every(interval, screen.tick)
        return screen
