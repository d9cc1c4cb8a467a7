"""When each dose of medicine is due, and what to do about the doses that are: pure
computation on a moment and a zone the caller gives, so it can be checked at any time.

Schedule times are wall-clock times in the senior's zone ("08:00", every day or on
chosen weekdays). A dose is named by its local date and wall time, never by its
instant, so each scheduled time is due exactly once a day even where daylight saving
moves the clock:

- a time the clock skips (02:30 on the night it springs forward) is due when the clock
  has gone as far past the jump (03:30), once;
- a time the clock shows twice (02:30 on the night it falls back) is due the first time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

TIME_PATTERN = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
#: ISO weekdays: 1 is Monday, 7 is Sunday.
WEEKDAYS = range(1, 8)


def parse_time(text: str) -> str | None:
    """``"8:00"`` or ``"08:00"`` as ``"08:00"``; None when it is no time of day."""
    match = TIME_PATTERN.match(text.strip())
    if match is None:
        return None
    return f"{int(match[1]):02d}:{match[2]}"


def clock_text(hhmm: str) -> str:
    """``"08:05"`` as people say it on a clock face: ``"8:05"``."""
    hours, minutes = hhmm.split(":")
    return f"{int(hours)}:{minutes}"


@dataclass(frozen=True)
class Schedule:
    """When one medicine is taken."""

    medicine_id: str
    #: ``"HH:MM"`` wall-clock times, each once.
    times: tuple[str, ...]
    #: ISO weekdays it is taken on; empty: every day.
    days: tuple[int, ...]
    #: When it was set up or last changed: no dose before this is due.
    since: datetime

    def taken_on(self, day: date) -> bool:
        return not self.days or day.isoweekday() in self.days


@dataclass(frozen=True)
class Occurrence:
    """One scheduled dose: a medicine at a wall-clock time on a local date."""

    medicine_id: str
    day: date
    time: str
    #: The moment it is due, in UTC.
    due: datetime

    @property
    def key(self) -> str:
        return dose_key(self.medicine_id, self.day, self.time)


def dose_key(medicine_id: str, day: date, hhmm: str) -> str:
    # The wall time, not the instant: a time shown twice on a fall-back night is one dose.
    return f"{medicine_id}@{day.isoformat()}T{hhmm}"


def moment(day: date, hhmm: str, zone: tzinfo) -> datetime:
    """The instant (UTC) of wall time ``hhmm`` on ``day`` in ``zone``.

    ``fold=0`` picks the first of two instants a fall-back night shows, and for a time
    the clock skips, the instant as far past the jump (PEP 495).
    """
    hours, minutes = (int(part) for part in hhmm.split(":"))
    local = datetime.combine(day, time(hours, minutes), tzinfo=zone).replace(fold=0)
    return local.astimezone(UTC)


def local_day(instant: datetime, zone: tzinfo) -> date:
    return instant.astimezone(zone).date()


def occurrences(
    schedules: Iterable[Schedule], after: datetime, until: datetime, zone: tzinfo
) -> list[Occurrence]:
    """Doses due in ``(after, until]`` and not before their schedule's ``since``,
    soonest first."""
    found = []
    first = local_day(after, zone) - timedelta(days=1)
    last = local_day(until, zone) + timedelta(days=1)
    for schedule in schedules:
        day = first
        while day <= last:
            if schedule.taken_on(day):
                for hhmm in schedule.times:
                    due = moment(day, hhmm, zone)
                    if after < due <= until and due >= schedule.since:
                        found.append(Occurrence(schedule.medicine_id, day, hhmm, due))
            day += timedelta(days=1)
    found.sort(key=lambda o: (o.due, o.medicine_id))
    return found


def day_span(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """The instants just before ``day`` starts and when it ends in ``zone`` (UTC), for
    :func:`occurrences`: a whole local day, 23 or 25 hours long on a DST change."""
    start = datetime.combine(day, time(0, 0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=zone).astimezone(UTC)
    return start - timedelta(microseconds=1), end - timedelta(microseconds=1)


# -- what to do about the doses that are due ---------------------------------------------

#: A dose not answered yet.
OPEN = "open"


@dataclass(frozen=True)
class DoseState:
    """What is known of one dose that fell due."""

    key: str
    medicine_id: str
    due: datetime
    status: str
    #: When to bring its reminder up (again); None once it is answered.
    remind_at: datetime | None
    #: The family has been told it was not taken.
    alerted: bool


@dataclass(frozen=True)
class Decision:
    """What the tick should do now."""

    #: Doses not taken within the window (or not at all before the next one): the
    #: family is told once.
    alert: tuple[str, ...]
    #: Open doses whose medicine has fallen due again since: missed for good, never
    #: offered any more (taking both would be a double dose).
    close: tuple[str, ...]
    #: The reminder to bring up now, soonest first; None when there is none.
    show: str | None


def decide(doses: Sequence[DoseState], now: datetime, window: timedelta) -> Decision:
    """What to do about ``doses`` at ``now``, with ``window`` to take a dose in."""
    waiting = sorted((d for d in doses if d.status == OPEN and d.due <= now), key=lambda d: d.due)
    latest: dict[str, datetime] = {}
    for dose in doses:
        if dose.due <= now:
            latest[dose.medicine_id] = max(dose.due, latest.get(dose.medicine_id, dose.due))
    close = tuple(d.key for d in waiting if d.due < latest[d.medicine_id])
    current = [d for d in waiting if d.key not in close]
    overdue = [d for d in current if now >= d.due + window]
    alert = tuple(d.key for d in waiting if not d.alerted and (d.key in close or d in overdue))
    show = next((d.key for d in current if d.remind_at is not None and d.remind_at <= now), None)
    return Decision(alert=alert, close=close, show=show)
