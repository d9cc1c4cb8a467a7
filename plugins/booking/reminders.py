"""When to remind the senior of an appointment: the day before and two hours before.

Pure computation on a clock the caller gives, so it can be checked at any moment.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from .fhir import Appointment

#: (kind, how long before the start); each is said once per appointment.
REMINDERS = (("day", timedelta(hours=24)), ("hours", timedelta(hours=2)))


def reminder_key(appointment: Appointment, kind: str) -> str:
    # The start is part of the key: a moved appointment is reminded of again.
    return f"{appointment.id}@{appointment.start.isoformat()}:{kind}"


def due_reminders(
    appointments: Iterable[Appointment], now: datetime, said: set[str]
) -> list[tuple[str, str, Appointment]]:
    """``(key, kind, appointment)`` to remind of now, soonest first.

    A reminder is due from its moment until the next one's (the day-before reminder
    is not given once the two-hours one is due) and never after the start. Reminders
    in ``said`` were given already.
    """
    due = []
    for appointment in sorted(appointments, key=lambda a: a.start):
        if appointment.status != "booked" or appointment.start <= now:
            continue
        for number, (kind, before) in enumerate(REMINDERS):
            begins = appointment.start - before
            later = REMINDERS[number + 1 :]
            ends = appointment.start - later[0][1] if later else appointment.start
            key = reminder_key(appointment, kind)
            if begins <= now < ends and key not in said:
                due.append((key, kind, appointment))
    return due
