"""When the daily check-in asks, and when it tells the family: pure decisions on a clock
the caller gives, so any moment of any day can be checked.

A day is the senior's local calendar day. Before the check-in time nothing happens. If
the senior touched Leling today before then, nothing happens all day: the family is
told only when something needs them. Otherwise a gentle prompt comes up; a touch after
it shows the senior is up (no alert), tapping the prompt also tells the family "I'm OK",
and no touch for ``wait`` after the prompt alerts the family, once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from datetime import datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

Step = Literal["quiet", "prompt", "alert"]


@dataclass
class Day:
    """What happened on one day, kept across restarts."""

    date: str
    #: The last touch noted today (ISO), also from before a restart.
    touched: str | None = None
    prompted: str | None = None
    answered: str | None = None
    alerted: str | None = None

    @classmethod
    def load(cls, data: Any, today: dt.date) -> Day:
        """Yesterday's record, or a damaged one, starts today afresh."""
        if not isinstance(data, dict) or data.get("date") != today.isoformat():
            return cls(today.isoformat())
        fields = {}
        for name in ("touched", "prompted", "answered", "alerted"):
            value = data.get(name)
            fields[name] = value if isinstance(value, str) and _moment(value) else None
        return cls(today.isoformat(), **fields)

    def dump(self) -> dict[str, Any]:
        return asdict(self)

    def moment(self, name: str) -> datetime | None:
        value = getattr(self, name)
        return _moment(value) if value else None


def _moment(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def parse_time(text: str) -> time:
    """``"10:00"`` → 10:00; the manifest's pattern has checked the form already."""
    hours, minutes = text.strip().split(":")
    return time(int(hours), int(minutes))


def check_time_on(day: dt.date, at: time, now: datetime) -> datetime:
    """``at`` on ``day`` on the senior's clock, daylight saving included."""
    if isinstance(now.tzinfo, ZoneInfo):
        return datetime.combine(day, at, tzinfo=now.tzinfo)
    # The machine's own zone: a naive local time is placed by the system's rules.
    return datetime.combine(day, at).astimezone()


def note_touch(day: Day, touched: datetime | None) -> None:
    """Keep the latest touch of ``day`` (touches of other days do not count)."""
    if touched is None or touched.date().isoformat() != day.date:
        return
    known = day.moment("touched")
    if known is None or touched > known:
        day.touched = touched.isoformat()


def next_step(day: Day, now: datetime, at: time, wait: timedelta) -> Step:
    """What to do now. ``day`` must be today's, with today's touches noted."""
    if day.answered or day.alerted or now < check_time_on(now.date(), at, now):
        return "quiet"
    touched = day.moment("touched")
    prompted = day.moment("prompted")
    if prompted is None:
        return "quiet" if touched is not None else "prompt"
    if touched is not None and touched >= prompted:
        return "quiet"
    return "alert" if now >= prompted + wait else "quiet"
