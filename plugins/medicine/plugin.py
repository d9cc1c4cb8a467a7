"""Medicine reminders: at each dose's time a full screen with the photo of the box, read
aloud, and three big answers: "I took it", "Later" and "Skip".

The family sets each medicine up through remote help (``receive``): a photo of the box,
the dose, the times of day and the days. A dose not taken within the tile's
``alert_after_minutes`` is sent to the family through their alert channels, once. The
senior's screen shows today's doses; the family sees the last 30 days.

Medicines and the log of every dose are kept in SQLite (``store``), so reminders come
after a restart too: a dose that fell due while Leling was off comes up with its real
time ("Your 8:00 dose of Amlodipine"). When doses fall due is worked out in
``schedule`` from wall-clock times in the senior's zone (the tile's ``timezone``, else
the computer's), on the clock in ``self.now``; the background timer only ticks.

Other plugins may ask (``context.ask_plugin``) with ``{"action": "card"}``: the answer
``{"medicines": [line, …]}`` has one line per current medicine in the senior's
language (the medical card shows and encodes them). Plugins may only read: ``card``,
``list`` and ``log``.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from launcher.api import (
    ActionHandler,
    BigButton,
    BigLabel,
    Canvas,
    ChoiceList,
    ConfirmScreen,
    MessageScreen,
    Plugin,
    QPainter,
    QPixmap,
    QRect,
    Qt,
    QWidget,
    Screen,
    Timer,
    ViewStack,
    decoded_picture,
    run_action,
    write_picture,
)

from .schedule import (
    OPEN,
    WEEKDAYS,
    clock_text,
    day_span,
    decide,
    local_day,
    occurrences,
    parse_time,
)
from .store import KEEP_DAYS, Dose, Medicine, MedicineStore

#: How often the tick asks what is due while Leling runs.
TICK_MS = 30_000
#: Doses that fell due this long before a start are still looked for.
LOOKBACK = timedelta(hours=24)
#: A dose not answered this long after it fell due is not offered any more.
GIVE_UP = timedelta(hours=12)
#: A reminder coming up later than this after its time says the time it was due.
ON_TIME = timedelta(minutes=2)
LOG_DAYS = 30
MAX_MEDICINES = 30
MAX_TIMES = 8
MAX_NAME = 60
MAX_DOSE = 60
MAX_UPLOAD_BYTES = 8 * 1024 * 1024
#: The photo of the box is kept no larger than this on its long side.
PHOTO_SIDE = 1024
THUMB_SIDE = 160
ID_PATTERN = re.compile(r"^[0-9a-f]{12}$")
#: Read by other plugins; everything else changes the medicines.
READ_ACTIONS = ("card", "list", "log")


def local_zone() -> tzinfo:
    """The computer's zone, by name when it has one (so daylight saving is followed)."""
    names = [os.environ.get("TZ", "").lstrip(":")]
    try:
        names.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    except OSError:
        pass
    link = os.path.realpath("/etc/localtime")
    if "zoneinfo/" in link:
        names.append(link.split("zoneinfo/", 1)[1])
    for name in names:
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    zone = datetime.now().astimezone().tzinfo
    assert zone is not None
    return zone


def _quoted(value: object) -> str:
    text = value if isinstance(value, str) else repr(value)
    return f"'{text[:40]}…'" if len(text) > 40 else f"'{text}'"


# -- screens --------------------------------------------------------------------------


class BoxPhoto(Canvas):
    """The photo of the box, as large as fits, never cropped or stretched."""

    def __init__(self, pixmap: QPixmap) -> None:
        super().__init__()
        self.setObjectName("medicinePhoto")
        self.setMinimumHeight(120)
        self.pixmap = pixmap

    def paint(self, painter: QPainter, rect: QRect) -> None:
        scaled = self.pixmap.scaled(
            rect.size(),
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        x = rect.x() + (rect.width() - scaled.width()) // 2
        y = rect.y() + (rect.height() - scaled.height()) // 2
        painter.drawPixmap(x, y, scaled)


class TodayView(Screen):
    """Today's doses, one big row each in time order, with what became of each."""

    def __init__(self, plugin: MedicinePlugin, note: str = "") -> None:
        super().__init__()
        self.setObjectName("medicineToday")
        tr = plugin.context.tr
        self.note_label = BigLabel(note, role="body")
        self.note_label.setObjectName("medicineNote")
        self.note_label.setVisible(bool(note))
        self.add(self.note_label)
        self.doses = plugin.today()
        self.list: ChoiceList | None = None
        self.empty: MessageScreen | None = None
        if self.doses:
            self.list = ChoiceList(
                tr("today.title"), [(key, plugin.row_text(dose)) for key, dose in self.doses]
            )
            self.list.setObjectName("medicineTodayList")
            self.list.chosen.connect(lambda key: plugin.show_dose(str(key)))
            self.add(self.list, 1)
            return
        # Nothing to list: what to do instead, right under the title where the list
        # would start, rather than an empty list's room with the words at its foot.
        words = tr("today.none") if plugin.store.medicines() else tr("today.empty")
        self.empty = MessageScreen(tr("today.title"), words, button_text="")
        self.empty.setObjectName("medicineEmpty")
        self.add(self.empty, 1)

    @property
    def rows(self) -> list[str]:
        return [button.text() for button in self.list.choice_buttons] if self.list else []


class DoseView(Screen):
    """One dose big: what to take, the photo of the box, and the answers (a reminder) or
    a way back (a dose already answered or still to come)."""

    def __init__(
        self, plugin: MedicinePlugin, key: str, title: str, detail: str, photo: QPixmap | None
    ) -> None:
        super().__init__()
        self.key = key
        tr = plugin.context.tr
        self.title_label = BigLabel(title, role="title")
        self.title_label.setObjectName("screenTitle")
        self.detail_label = BigLabel(detail, role="body")
        self.detail_label.setObjectName("medicineDetail")
        self.add(self.title_label)
        self.add(self.detail_label)
        self.photo = BoxPhoto(photo) if photo is not None else None
        if self.photo is not None:
            # A description, not a name: a canvas that names itself is taken to draw
            # that name as text.
            self.photo.setAccessibleDescription(tr("photo.name"))
            self.add(self.photo, 1)
        else:
            self.add_stretch()
        self.took = BigButton(tr("answer.took"), role="primary")
        self.took.setObjectName("medicineTook")
        self.later = BigButton(tr("answer.later"))
        self.later.setObjectName("medicineLater")
        self.skip = BigButton(tr("answer.skip"))
        self.skip.setObjectName("medicineSkip")
        self.back = BigButton(tr("answer.back"))
        self.back.setObjectName("medicineBack")
        minutes = int(plugin.snooze.total_seconds() // 60)
        self.took.setAccessibleDescription(tr("answer.took.describe"))
        self.later.setAccessibleDescription(tr("answer.later.describe", minutes=minutes))
        self.skip.setAccessibleDescription(tr("answer.skip.describe"))
        self.back.setAccessibleDescription(tr("answer.back.describe"))
        self.took.clicked.connect(lambda: plugin.took(key))
        self.later.clicked.connect(lambda: plugin.later(key))
        self.skip.clicked.connect(lambda: plugin.ask_skip(key))
        self.back.clicked.connect(lambda: plugin.show_today())
        self.answers = self.add_row(self.took, self.later, self.skip, stretches=(2, 1, 1))
        self.add(self.back)


# -- the plugin -----------------------------------------------------------------------


class MedicinePlugin(Plugin):
    """Medicine reminders, set up by the family."""

    def activate(self) -> None:
        config = self.context.config
        #: The clock; tests put their own.
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)
        self.store = MedicineStore(self.context.data_dir)
        self.photos = self.context.data_dir / "photos"
        self.photos.mkdir(exist_ok=True)
        self.window = timedelta(minutes=int(config.get("alert_after_minutes", 60)))
        self.snooze = timedelta(minutes=int(config.get("later_minutes", 15)))
        self.zone = self._zone(str(config.get("timezone", "")).strip())
        self.screen: ViewStack | None = None
        # Background timers: a reminder comes up over whatever the senior is doing. The
        # first look is at once, for a dose that fell due while Leling was off.
        self._timers: list[Timer] = [
            self.context.after(0, self.tick, background=True),
            self.context.every(TICK_MS, self.tick, background=True),
        ]

    def deactivate(self) -> None:
        for timer in self._timers:
            timer.stop()
        self.store.close()

    def _zone(self, name: str) -> tzinfo:
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                self.context.tell_helper(
                    f"medicine setting 'timezone' is {name!r}, which is not a time zone "
                    "(like Asia/Shanghai or Europe/Berlin); the computer's zone is used"
                )
        zone = local_zone()
        if not isinstance(zone, ZoneInfo):
            self.context.tell_helper(
                "medicine: the computer's time zone has no name; set the medicine tile's "
                "'timezone' (like Asia/Shanghai) so reminders follow daylight saving"
            )
        return zone

    # -- words -------------------------------------------------------------------------

    def _join(self, *parts: str) -> str:
        gap = "" if self.context.locale.startswith("zh") else " "
        return gap.join(p for p in parts if p)

    def at(self, moment: datetime) -> str:
        """``moment`` as the senior's clock shows it: ``8:03``."""
        return clock_text(moment.astimezone(self.zone).strftime("%H:%M"))

    def days_text(self, days: tuple[int, ...]) -> str:
        tr = self.context.tr
        if not days:
            return tr("days.every")
        return tr("list.separator").join(tr(f"weekday.{day}") for day in sorted(days))

    def medicine_line(self, medicine: Medicine) -> str:
        tr = self.context.tr
        times = tr("list.separator").join(clock_text(t) for t in medicine.times)
        return tr(
            "card.line",
            name=medicine.name,
            dose=medicine.dose,
            times=times,
            days=self.days_text(medicine.days),
        )

    def status_text(self, dose: Dose) -> str:
        tr = self.context.tr
        if dose.status == OPEN:
            return tr("status.missed" if dose.alerted else "status.open")
        if dose.acted is not None and dose.status in ("taken", "late", "skipped"):
            return tr(f"status.{dose.status}.at", time=self.at(dose.acted))
        return tr(f"status.{dose.status}")

    def row_text(self, dose: Dose) -> str:
        return self.context.tr(
            "today.row",
            time=clock_text(dose.time),
            name=dose.name,
            dose=dose.dose,
            status=self.status_text(dose),
        )

    def photo_of(self, medicine_id: str) -> QPixmap | None:
        medicine = self.store.medicine(medicine_id)
        if medicine is None or not medicine.photo:
            return None
        pixmap = QPixmap(str(self.photos / medicine.photo))
        if pixmap.isNull():
            self.context.tell_helper(
                f"medicine: the photo of {medicine.name!r} (photos/{medicine.photo}) cannot "
                "be read; send it again in remote help"
            )
            return None
        return pixmap

    # -- what is due ---------------------------------------------------------------------

    def tick(self) -> None:
        """Note the doses that fell due, tell the family of missed ones, and bring the next
        reminder up over whatever is on the screen."""
        now = self.now()
        self._catch_up(now)
        self._remind(now)

    def _catch_up(self, now: datetime) -> None:
        """Record what fell due, and act on what was missed."""
        medicines = {m.id: m for m in self.store.medicines()}
        for occurrence in occurrences(
            [m.schedule for m in medicines.values()], now - LOOKBACK, now, self.zone
        ):
            self.store.record(occurrence, medicines[occurrence.medicine_id])
        since_day = local_day(now - LOOKBACK, self.zone)
        recent = {d.key: d for d in self.store.doses(since_day=since_day)}
        recent.update({d.key: d for d in self.store.doses(open_only=True)})
        decision = decide([d.state for d in recent.values()], now, self.window)
        for key in decision.alert:
            self._alert(recent[key], now)
        for key in decision.close:
            self.store.update(recent[key], status="missed", remind_at=None)
        for dose in self.store.doses(open_only=True):
            if dose.due + GIVE_UP <= now:
                self.store.update(dose, status="missed", remind_at=None)
        self.store.forget_before(local_day(now, self.zone) - timedelta(days=KEEP_DAYS))

    def _due_now(self, now: datetime) -> Dose | None:
        decision = decide([d.state for d in self.store.doses(open_only=True)], now, self.window)
        return self.store.dose(decision.show) if decision.show else None

    def _remind(self, now: datetime) -> bool:
        dose = self._due_now(now)
        if dose is None:
            return False
        # Asked again after a while if the senior leaves without answering.
        dose = self.store.update(dose, remind_at=now + self.snooze)
        screen = self._new_screen()
        view = self._reminder(dose, now)
        screen.swap(view)
        self.context.present(screen)
        self.context.say(self._join(view.title_label.text(), view.detail_label.text()))
        return True

    def _reminder(self, dose: Dose, now: datetime) -> DoseView:
        tr = self.context.tr
        if now - dose.due <= ON_TIME:
            title = tr("remind.now", name=dose.name, dose=dose.dose)
            detail = tr("remind.now.detail", time=clock_text(dose.time))
        else:
            title = tr("remind.late", name=dose.name, time=clock_text(dose.time))
            detail = tr("remind.late.detail", dose=dose.dose)
        view = DoseView(self, dose.key, title, detail, self.photo_of(dose.medicine_id))
        view.setObjectName("medicineReminder")
        view.back.hide()
        return view

    def _alert(self, dose: Dose, now: datetime) -> None:
        tr = self.context.tr
        senior = self.context.senior().name.strip()
        values = {
            "senior": senior,
            "name": dose.name,
            "dose": dose.dose,
            "time": clock_text(dose.time),
            "day": dose.day.isoformat(),
            "minutes": int(self.window.total_seconds() // 60),
        }
        title = tr("alert.title" if senior else "alert.title.plain", **values)
        body = tr("alert.body", **values)
        to = str(self.context.config.get("alert_to", "")).strip() or None
        channels = self.context.notify(title, body, to=to, key=f"missed-{dose.key}")
        if not channels:
            self.context.tell_helper(
                f"medicine: a missed dose of {dose.name!r} ({dose.day} {dose.time}) reached "
                "nobody: give a contact alert addresses"
                + (f" (setting 'alert_to' names {to!r})" if to else "")
            )
        self.store.update(dose, alerted=now)

    # -- the senior's screens ------------------------------------------------------------

    def create_screen(self) -> QWidget:
        screen = self._new_screen()
        screen.swap(TodayView(self))
        return screen

    def _new_screen(self) -> ViewStack:
        screen = ViewStack()
        self.screen = screen
        screen.destroyed.connect(lambda: self._forget(screen))
        return screen

    def _forget(self, screen: ViewStack) -> None:
        if self.screen is screen:
            self.screen = None

    def _show(self, view: QWidget) -> None:
        if self.screen is not None:
            self.screen.swap(view)

    def today(self) -> list[tuple[str, Dose]]:
        """Today's doses in time order: those that fell due, and those still to come."""
        now = self.now()
        day = local_day(now, self.zone)
        known = {d.key: d for d in self.store.doses(since_day=day) if d.day == day}
        medicines = {m.id: m for m in self.store.medicines()}
        start, end = day_span(day, self.zone)
        schedules = [m.schedule for m in medicines.values()]
        for occurrence in occurrences(schedules, start, end, self.zone):
            if occurrence.key not in known:
                medicine = medicines[occurrence.medicine_id]
                known[occurrence.key] = Dose(
                    key=occurrence.key,
                    medicine_id=medicine.id,
                    name=medicine.name,
                    dose=medicine.dose,
                    day=day,
                    time=occurrence.time,
                    due=occurrence.due,
                    status="coming",
                    remind_at=None,
                    acted=None,
                    alerted=None,
                )
        return sorted(known.items(), key=lambda item: (item[1].due, item[1].name))

    def show_today(self, note: str = "") -> None:
        self._show(TodayView(self, note))

    def show_dose(self, key: str) -> None:
        dose = dict(self.today()).get(key)
        if dose is None:
            self.show_today()
            return
        now = self.now()
        if dose.status == OPEN and dose.due <= now:
            self._show(self._reminder(dose, now))
            return
        tr = self.context.tr
        view = DoseView(
            self,
            key,
            tr("detail.title", time=clock_text(dose.time), name=dose.name),
            self._join(tr("detail.dose", dose=dose.dose), self.status_text(dose)),
            self.photo_of(dose.medicine_id),
        )
        view.setObjectName("medicineDose")
        view.answers.hide()
        self._show(view)

    def _answered(self, title: str, body: str = "") -> None:
        """Say how it went, then the next reminder that is due, or today's doses."""
        view = MessageScreen(title, body)
        view.setObjectName("medicineAnswered")
        view.done.connect(lambda: self._next())
        self._show(view)
        self.context.say(self._join(title, body))

    def _next(self) -> None:
        now = self.now()
        dose = self._due_now(now)
        if dose is None:
            self.show_today()
            return
        dose = self.store.update(dose, remind_at=now + self.snooze)
        view = self._reminder(dose, now)
        self._show(view)
        self.context.say(self._join(view.title_label.text(), view.detail_label.text()))

    def _open_dose(self, key: str) -> Dose | None:
        dose = self.store.dose(key)
        if dose is None or dose.status != OPEN:
            self.show_today()
            return None
        return dose

    def took(self, key: str) -> None:
        dose = self._open_dose(key)
        if dose is None:
            return
        now = self.now()
        late = now > dose.due + self.window
        self.store.update(dose, status="late" if late else "taken", acted=now, remind_at=None)
        tr = self.context.tr
        self._answered(tr("took.title", name=dose.name, time=self.at(now)), tr("took.body"))

    def later(self, key: str) -> None:
        dose = self._open_dose(key)
        if dose is None:
            return
        again = self.now() + self.snooze
        self.store.update(dose, remind_at=again)
        tr = self.context.tr
        self._answered(tr("later.title", time=self.at(again)), tr("later.body", name=dose.name))

    def ask_skip(self, key: str) -> None:
        dose = self._open_dose(key)
        if dose is None:
            return
        tr = self.context.tr
        ask = ConfirmScreen(
            tr("skip.question", name=dose.name, time=clock_text(dose.time)),
            tr("skip.detail"),
            yes_text=tr("skip.yes"),
            no_text=tr("skip.no"),
        )
        ask.setObjectName("medicineSkipConfirm")
        ask.confirmed.connect(lambda: self.skip(key))
        ask.declined.connect(lambda: self.show_dose(key))
        self._show(ask)

    def skip(self, key: str) -> None:
        dose = self._open_dose(key)
        if dose is None:
            return
        self.store.update(dose, status="skipped", acted=self.now(), remind_at=None)
        tr = self.context.tr
        self._answered(tr("skipped.title", name=dose.name), tr("skipped.body"))

    # -- the family's messages -----------------------------------------------------------

    def receive(self, sender: str, message: Mapping[str, Any]) -> Mapping[str, Any]:
        handlers: dict[str, ActionHandler] = {
            "list": self._list,
            "add": self._add,
            "edit": self._edit,
            "remove": self._remove,
            "log": self._log,
            "card": self._card,
        }
        if sender.startswith("plugin:"):
            # Other plugins may read, never change what the family set up.
            if message.get("action") in handlers and message.get("action") not in READ_ACTIONS:
                raise ValueError(self.context.tr("error.plugin", actions=", ".join(READ_ACTIONS)))
        # What fell due meanwhile is in the answer (the log, today's doses).
        self._catch_up(self.now())
        return run_action(sender, message, handlers)

    def _medicine_json(self, medicine: Medicine) -> dict[str, Any]:
        thumb = self.photos / f"{medicine.photo}.thumb.jpg"
        thumbnail = ""
        if medicine.photo and thumb.is_file():
            thumbnail = "data:image/jpeg;base64," + base64.b64encode(thumb.read_bytes()).decode()
        return {
            "id": medicine.id,
            "name": medicine.name,
            "dose": medicine.dose,
            "times": list(medicine.times),
            "days": list(medicine.days),
            "photo": medicine.photo,
            "thumbnail": thumbnail,
            "added_by": medicine.added_by,
            "summary": self.medicine_line(medicine),
        }

    def _list(self, sender: str, message: Mapping[str, Any]) -> Mapping[str, Any]:
        return {
            "medicines": [self._medicine_json(m) for m in self.store.medicines()],
            "timezone": str(getattr(self.zone, "key", "") or self.zone),
            "alert_after_minutes": int(self.window.total_seconds() // 60),
            "today": [self._dose_json(dose) for _key, dose in self.today()],
        }

    def _card(self, sender: str, message: Mapping[str, Any]) -> Mapping[str, Any]:
        return {"medicines": [self.medicine_line(m) for m in self.store.medicines()]}

    def _dose_json(self, dose: Dose) -> dict[str, Any]:
        status = "missed" if dose.status == OPEN and dose.alerted else dose.status
        return {
            "name": dose.name,
            "dose": dose.dose,
            "day": dose.day.isoformat(),
            "time": dose.time,
            "due": dose.due.astimezone(self.zone).isoformat(),
            "status": status,
            "status_text": self.status_text(dose),
            "acted": dose.acted.astimezone(self.zone).isoformat() if dose.acted else None,
            "acted_time": self.at(dose.acted) if dose.acted else "",
        }

    def _log(self, sender: str, message: Mapping[str, Any]) -> Mapping[str, Any]:
        days = message.get("days", LOG_DAYS)
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= KEEP_DAYS:
            raise ValueError(
                self.context.tr("error.log_days", value=_quoted(days), limit=KEEP_DAYS)
            )
        first = local_day(self.now(), self.zone) - timedelta(days=days - 1)
        doses = [d for d in self.store.doses(since_day=first) if d.due <= self.now()]
        return {"days": days, "doses": [self._dose_json(d) for d in reversed(doses)]}

    # -- checking what the family sends ----------------------------------------------------

    def _text(self, message: Mapping[str, Any], field: str, limit: int) -> str:
        value = message.get(field)
        if not isinstance(value, str) or not value.strip() or len(value.strip()) > limit:
            raise ValueError(
                self.context.tr("error.text", field=field, value=_quoted(value), limit=limit)
            )
        return " ".join(value.split())

    def _times(self, message: Mapping[str, Any]) -> tuple[str, ...]:
        tr = self.context.tr
        value = message.get("times")
        if not isinstance(value, list) or not 1 <= len(value) <= MAX_TIMES:
            raise ValueError(tr("error.times", value=_quoted(value), limit=MAX_TIMES))
        times: list[str] = []
        for item in value:
            parsed = parse_time(item) if isinstance(item, str) else None
            if parsed is None:
                raise ValueError(tr("error.time", value=_quoted(item)))
            if parsed in times:
                raise ValueError(tr("error.time.twice", value=_quoted(item)))
            times.append(parsed)
        return tuple(sorted(times))

    def _days(self, message: Mapping[str, Any]) -> tuple[int, ...]:
        value = message.get("days", "every")
        if value == "every" or value == []:
            return ()
        if isinstance(value, list):
            good = all(isinstance(d, int) and not isinstance(d, bool) for d in value)
            if good and value and set(value) <= set(WEEKDAYS):
                days = tuple(sorted(set(value)))
                return () if len(days) == len(WEEKDAYS) else days
        raise ValueError(self.context.tr("error.days", value=_quoted(value)))

    def _photo(self, sender: str, value: object) -> str:
        """Check and keep a photo of the box (base64 JPEG or PNG); its file name."""
        tr = self.context.tr
        data, pixmap = decoded_picture(value, "photo", MAX_UPLOAD_BYTES)
        name = hashlib.sha256(data).hexdigest()[:16] + ".jpg"
        try:
            self._keep_picture(pixmap, PHOTO_SIDE, self.photos / name)
            self._keep_picture(pixmap, THUMB_SIDE, self.photos / f"{name}.thumb.jpg")
        except OSError as exc:
            self.context.tell_helper(f"medicine: a photo from {sender} could not be saved: {exc}")
            raise ValueError(tr("error.photo.disk")) from None
        return name

    @staticmethod
    def _keep_picture(pixmap: QPixmap, side: int, path: Path) -> None:
        """Save ``pixmap`` no larger than ``side`` as a JPEG, once."""
        if not path.is_file():
            write_picture(path, pixmap, side)

    def _let_go_of_photos(self) -> None:
        """Delete photo files no current medicine shows."""
        used = self.store.photos_in_use()
        for path in self.photos.glob("*.jpg"):
            # A thumbnail is named after its photo: ``<photo>.thumb.jpg``.
            if path.name.removesuffix(".thumb.jpg") not in used:
                path.unlink(missing_ok=True)

    def _find(self, message: Mapping[str, Any]) -> Medicine:
        value = message.get("id")
        medicine = None
        if isinstance(value, str) and ID_PATTERN.match(value):
            medicine = self.store.medicine(value)
        if medicine is None or medicine.removed:
            raise ValueError(self.context.tr("error.id", value=_quoted(value)))
        return medicine

    def _checked(self, sender: str, message: Mapping[str, Any], medicine: Medicine) -> Medicine:
        """``medicine`` with what ``message`` sets, every field checked before anything is
        kept (the photo last: a wrong time keeps no photo either)."""
        name = self._text(message, "name", MAX_NAME)
        dose = self._text(message, "dose", MAX_DOSE)
        times = self._times(message)
        days = self._days(message)
        photo = medicine.photo
        if message.get("remove_photo") is True:
            photo = ""
        elif message.get("photo") not in (None, ""):
            photo = self._photo(sender, message.get("photo"))
        when_changes = times != medicine.times or days != medicine.days
        return Medicine(
            id=medicine.id,
            name=name,
            dose=dose,
            times=times,
            days=days,
            photo=photo,
            # Doses of the old times that are past are not owed; the new ones count from now.
            since=self.now() if when_changes else medicine.since,
            added_by=medicine.added_by or sender,
        )

    def _add(self, sender: str, message: Mapping[str, Any]) -> Mapping[str, Any]:
        tr = self.context.tr
        if len(self.store.medicines()) >= MAX_MEDICINES:
            raise ValueError(tr("error.full", count=MAX_MEDICINES))
        blank = Medicine(uuid.uuid4().hex[:12], "", "", (), (), "", self.now(), sender)
        medicine = self._checked(sender, message, blank)
        self.store.save(medicine)
        self._announce(tr("announce.added", who=sender, line=self.medicine_line(medicine)))
        return {"medicine": self._medicine_json(medicine)}

    def _edit(self, sender: str, message: Mapping[str, Any]) -> Mapping[str, Any]:
        old = self._find(message)
        medicine = self._checked(sender, message, old)
        self.store.save(medicine)
        self._let_go_of_photos()
        tr = self.context.tr
        self._announce(tr("announce.changed", who=sender, line=self.medicine_line(medicine)))
        return {"medicine": self._medicine_json(medicine)}

    def _remove(self, sender: str, message: Mapping[str, Any]) -> Mapping[str, Any]:
        medicine = self._find(message)
        self.store.remove(medicine)
        self._let_go_of_photos()
        self._announce(self.context.tr("announce.removed", who=sender, name=medicine.name))
        return {"removed": medicine.id, "medicines": len(self.store.medicines())}

    def _announce(self, note: str) -> None:
        """Tell the senior what the family changed, on today's doses, unless a reminder
        is up: then it is only said, and the reminder stays."""
        if self.screen is not None and isinstance(self.screen.view, DoseView):
            self.context.say(note)
            return
        screen = self._new_screen()
        screen.swap(TodayView(self, note))
        self.context.present(screen)
        self.context.say(note)
