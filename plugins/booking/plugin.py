"""Hospital appointments: the senior's booked visits, read aloud and reminded of, and
booking a free time at a department or a usual doctor over HL7 FHIR R4.

Relatives book, list and cancel the same way from the remote-help app (``receive``);
the senior sees and hears what they booked. With no FHIR server, or one that is down,
the screen shows the hospital's booking phone number and a QR code of its booking page.

All talk with the hospital runs off the UI thread (``context.run_in_background``); its
answers come back on the UI thread. The appointments last seen are kept in
``appointments.json``, so the list and the reminders work while the server is away.
Reminders are looked for on a background timer from start-up (the manifest sets
``background``), whether or not the senior ever opens the tile.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from launcher.api import (
    BigButton,
    BigLabel,
    ChoiceList,
    ConfirmScreen,
    MessageScreen,
    Plugin,
    ProgressScreen,
    QrCanvas,
    QWidget,
    Screen,
    Timer,
    ViewStack,
    run_action,
)

from .fhir import (
    MAX_PLACE,
    Appointment,
    FhirClient,
    FhirError,
    Slot,
    SlotTaken,
    window_start,
)
from .reminders import due_reminders

#: How often reminders are looked for while Leling runs.
REMINDER_CHECK_MS = 60_000
ENTRY_PATTERN = re.compile(
    r"^(?P<name>[^=]+?)\s*=\s*(?P<ref>Schedule/[A-Za-z0-9\-.]{1,64})\s*(=\s*(?P<place>.*?))?\s*$"
)
SLOT_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
VERSION = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
KEEP_JOBS = 50


def write_atomically(path: Path, data: bytes) -> None:
    part = path.with_name(path.name + ".part")
    with open(part, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(part, path)


@dataclass(frozen=True)
class Clinic:
    """A department or a usual doctor: a Schedule at the hospital."""

    key: str
    name: str
    schedule: str
    place: str
    doctor: bool


def parse_clinics(text: str, field: str, doctor: bool) -> tuple[list[Clinic], list[str]]:
    """``Name = Schedule/id [= place]`` entries, separated by ``;`` or new lines.

    Returns the entries and one problem per entry that could not be read.
    """
    clinics: list[Clinic] = []
    problems: list[str] = []
    for number, raw in enumerate(re.split(r"[;\n]", text or ""), start=1):
        if not raw.strip():
            continue
        match = ENTRY_PATTERN.match(raw.strip())
        if match is None:
            problems.append(
                f"booking setting '{field}', entry {number} ({raw.strip()[:40]!r}) must look "
                "like 'Cardiology = Schedule/123 = Building 2, floor 3'"
            )
            continue
        place = (match["place"] or "").strip()
        if len(place) > MAX_PLACE:
            problems.append(
                f"booking setting '{field}', entry {number}: the place is {len(place)} "
                f"characters; at most {MAX_PLACE} fit on the screen, so it is cut"
            )
            place = place[: MAX_PLACE - 1].rstrip() + "…"
        prefix = "d" if doctor else "c"
        clinics.append(
            Clinic(f"{prefix}{len(clinics)}", match["name"], match["ref"], place, doctor)
        )
    return clinics, problems


# -- the senior's screens -------------------------------------------------------------


def _tight(screen: Screen) -> Screen:
    layout = screen.layout()
    assert layout is not None  # a Screen always has its column
    layout.setContentsMargins(0, 0, 0, 0)
    return screen


class BookingScreen(ViewStack):
    """The tile's screen: one view at a time (list, choice, question, answer)."""


class FallbackView(Screen):
    """The hospital's booking phone number in huge digits, a Call button, and a QR code
    of its booking page, for when booking here cannot work."""

    def __init__(self, plugin: BookingPlugin, title: str, body: str) -> None:
        super().__init__()
        _tight(self)
        self.setObjectName("bookingFallback")
        tr = plugin.context.tr
        config = plugin.context.config
        self.phone = str(config.get("phone", "")).strip()
        self.page = str(config.get("booking_page", "")).strip()
        self.title_label = BigLabel(title, role="title")
        self.add(self.title_label)
        column = _tight(Screen())
        self.body_label = BigLabel(body if self.phone or self.page else "", role="body")
        self.body_label.setVisible(bool(self.phone or self.page))
        column.add(self.body_label)
        self.number_label = BigLabel(self.phone, role="huge")
        self.number_label.setObjectName("bookingPhone")
        self.number_label.setAccessibleName(tr("fallback.phone.name", number=" ".join(self.phone)))
        self.number_label.setVisible(bool(self.phone))
        self._huge_width = 0
        self.call_button = BigButton(tr("fallback.call"), role="primary")
        self.call_button.setObjectName("bookingCall")
        self.call_button.setAccessibleDescription(tr("fallback.call.describe", number=self.phone))
        self.call_button.clicked.connect(lambda: plugin.call_hospital(self))
        self.call_button.setVisible(bool(self.phone))
        self.phone_row = column.add_row(self.number_label, self.call_button, stretches=(0, 1))
        self.phone_row.setVisible(bool(self.phone))
        self.status_label = BigLabel(role="body")
        self.status_label.hide()
        column.add(self.status_label)
        self.nothing_label = BigLabel(tr("fallback.nothing"), role="body")
        self.nothing_label.setVisible(not (self.phone or self.page))
        column.add(self.nothing_label)
        column.add_stretch()
        self.qr: QrCanvas | None = None
        if self.page:
            self.qr = QrCanvas(self.page)
            self.qr.setObjectName("bookingQr")
            self.qr.setAccessibleName(tr("fallback.qr.name"))
            self.add_row(column, self.qr, stretches=(1, 0))
        else:
            self.add(column, 1)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        # Huge digits when they fit on one line; title-sized ones at large text scales.
        if not self._huge_width and self.number_label.property("role") == "huge":
            self.number_label.ensurePolished()
            self._huge_width = self.number_label.sizeHint().width()
        # The Call button keeps at least a third of the row.
        fits = self._huge_width <= self.phone_row.width() * 2 // 3
        role = "huge" if fits else "title"
        if self.number_label.property("role") != role:
            self.number_label.set_role(role)


class AppointmentsView(Screen):
    """ "My appointments": Book first, then a big row per visit, soonest first."""

    BOOK = "book"

    def __init__(self, plugin: BookingPlugin, appointments: list[Appointment], note: str) -> None:
        super().__init__()
        _tight(self)
        self.setObjectName("bookingAppointments")
        tr = plugin.context.tr
        self.appointments = appointments
        # Book is the list's first row, so the list pages as one: a button under a long
        # list would be pushed off the screen at large text sizes.
        choices = [(self.BOOK, tr("list.book"))]
        # A row is short enough to read at a glance; touching it reads the place too.
        choices += [(a.id, plugin.describe(a, place=False)) for a in appointments]
        self.list = ChoiceList(tr("list.title"), choices)
        self.list.setObjectName("bookingList")
        self.list.chosen.connect(
            lambda key: plugin.choose_clinic() if key == self.BOOK else plugin.show_appointment(key)
        )
        self.book_button = self.list.choice_buttons[0]
        self.book_button.setObjectName("bookingBook")
        self.book_button.set_role("primary")
        self.book_button.setAccessibleDescription(tr("list.book.describe"))
        self.rows = self.list.choice_buttons[1:]
        for button, appointment in zip(self.rows, appointments, strict=True):
            button.setAccessibleName(plugin.describe(appointment))
        self.add(self.list, 1)
        self.empty_label = BigLabel(tr("list.empty"), role="body")
        self.empty_label.setVisible(not appointments)
        self.add(self.empty_label)
        self.note_label = BigLabel(note, role="caption")
        self.note_label.setObjectName("bookingNote")
        self.note_label.setVisible(bool(note))
        self.add(self.note_label)


# -- the plugin -----------------------------------------------------------------------


class BookingPlugin(Plugin):
    """Hospital appointments over FHIR R4."""

    def activate(self) -> None:
        config = self.context.config
        self.server = str(config.get("server", "")).strip()
        self.patient = str(config.get("patient", "")).strip()
        #: The clock; tests put their own.
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)
        self.clinics: list[Clinic] = []
        for field, doctor in (("departments", False), ("doctors", True)):
            found, problems = parse_clinics(str(config.get(field, "")), field, doctor)
            self.clinics += found
            for problem in problems:
                self.context.tell_helper(problem)
        if self.server and not re.match(r"^Patient/[A-Za-z0-9\-.]{1,64}$", self.patient):
            self.context.tell_helper(
                f"booking setting 'patient' is {self.patient!r}: it must name the senior's "
                "record at the hospital, like Patient/123; booking shows the phone number"
            )
            self.server = ""
        self.session = requests.Session()
        self.screen: BookingScreen | None = None
        self.slots: list[Slot] = []
        self.clinic: Clinic | None = None
        self.jobs: dict[str, dict[str, Any]] = {}
        self._closed = False
        # Background timers: they go on after the screen closes, so a reminder comes up
        # over whatever the senior is doing. The first look is at once, for a reminder
        # that fell due while Leling was off.
        self._reminder_timers: list[Timer] = [
            self.context.after(0, self.check_reminders, background=True),
            self.context.every(REMINDER_CHECK_MS, self.check_reminders, background=True),
        ]

    def deactivate(self) -> None:
        for timer in self._reminder_timers:
            timer.stop()
        # Answers still on their way are dropped: nothing of this object shows any more.
        self._closed = True
        self.session.close()

    # -- work off the UI thread ----------------------------------------------------------

    def background(self, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        """Run ``work`` off the UI thread; ``done(result)`` on the UI thread, where a
        :class:`FhirError` or :class:`SlotTaken` it raised is the result."""

        def then(result: Any) -> None:
            if not self._closed:
                done(result)

        def failed(error: Exception) -> None:
            if not isinstance(error, (FhirError, SlotTaken)):
                # A bug here is told like a server problem: the senior gets the phone
                # number, the helper the error, and the log the traceback.
                self.context.log.error("booking work failed", exc_info=error)
                error = FhirError(f"booking failed unexpectedly ({type(error).__name__})")
            then(error)

        self.context.run_in_background(work, then, failed=failed)

    def client(self) -> FhirClient:
        return FhirClient(self.server, self.patient, self.session)

    # -- the local copy ------------------------------------------------------------------

    @property
    def _store(self) -> Path:
        return self.context.data_dir / "appointments.json"

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self._store.read_text(encoding="utf-8"))
            if isinstance(data, dict):
                return data
        except FileNotFoundError:
            pass
        except (OSError, ValueError):
            self.context.tell_helper("booking/appointments.json cannot be read; it starts again")
        return {}

    def known(self) -> list[Appointment]:
        found = []
        for item in self._load().get("appointments", []):
            try:
                found.append(Appointment.from_json(item))
            except (KeyError, TypeError, ValueError):
                continue
        return [a for a in found if a.status == "booked" and a.end > self.now()]

    def _save(
        self, appointments: list[Appointment] | None = None, said: set[str] | None = None
    ) -> None:
        data = self._load()
        if appointments is not None:
            data["appointments"] = [
                a.to_json() for a in sorted(appointments, key=lambda a: a.start)
            ]
        if said is not None:
            data["reminded"] = sorted(said)[-200:]
        self.context.data_dir.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"version": 1, **data}, ensure_ascii=False, indent=1)
        write_atomically(self._store, text.encode("utf-8"))

    def _remember(self, appointment: Appointment) -> None:
        others = [a for a in self.known() if a.id != appointment.id]
        self._save([*others, appointment] if appointment.status == "booked" else others)

    def _merge_server_list(self, fresh: list[Appointment]) -> list[Appointment]:
        # The server's word wins, but it does not know where the senior goes: keep the place.
        places = {a.id: a for a in self.known()}
        merged = []
        for appointment in fresh:
            old = places.get(appointment.id)
            if old is not None and not appointment.place and old.place:
                appointment = Appointment(**{**appointment.__dict__, "place": old.place})
            merged.append(appointment)
        self._save(merged)
        return merged

    # -- words ---------------------------------------------------------------------------

    def when(self, moment: datetime) -> str:
        tr = self.context.tr
        local = moment.astimezone()
        return tr(
            "when",
            weekday=tr(f"weekday.{local.isoweekday()}"),
            month_name=tr(f"month.{local.month}"),
            day=local.day,
            time=local.strftime("%H:%M"),
        )

    def describe(self, appointment: Appointment, *, place: bool = True) -> str:
        parts = [self.when(appointment.start), appointment.who, appointment.place if place else ""]
        return " · ".join(p for p in parts if p)

    # -- screens -------------------------------------------------------------------------

    def create_screen(self) -> QWidget:
        screen = BookingScreen()
        self.screen = screen
        screen.destroyed.connect(lambda: self._forget(screen))
        self.show_list(refresh=True)
        self._remind(present=False)
        return screen

    def _forget(self, screen: BookingScreen) -> None:
        if self.screen is screen:
            self.screen = None

    def _show(self, view: QWidget) -> None:
        if self.screen is not None:
            self.screen.swap(view)

    def show_list(self, *, refresh: bool = False, note: str = "") -> None:
        if not self.server:
            tr = self.context.tr
            self._show(FallbackView(self, tr("fallback.title"), tr("fallback.body")))
            return
        self._show(AppointmentsView(self, self.known(), note))
        if refresh:
            self.background(lambda: self.client().appointments(self.now()), self._listed)

    def _listed(self, result: Any) -> None:
        tr = self.context.tr
        if isinstance(result, FhirError):
            self.context.tell_helper(f"booking: {result.helper}")
            if self.screen is not None and isinstance(self.screen.view, AppointmentsView):
                self.show_list(note=tr("list.offline"))
            return
        self._merge_server_list(result)
        if self.screen is not None and isinstance(self.screen.view, AppointmentsView):
            self.show_list()

    def show_appointment(self, appointment_id: str) -> None:
        tr = self.context.tr
        appointment = next((a for a in self.known() if a.id == appointment_id), None)
        if appointment is None:
            self.show_list()
            return
        body = [appointment.who, appointment.place]
        if appointment.booked_by:
            body.append(tr("detail.booked_by", name=appointment.booked_by))
        view = MessageScreen(
            self.when(appointment.start),
            "\n".join(b for b in body if b),
            button_text=tr("detail.back"),
        )
        view.setObjectName("bookingDetail")
        view.done.connect(lambda: self.show_list())
        cancel = BigButton(tr("detail.cancel"), role="danger")
        cancel.setObjectName("bookingCancel")
        cancel.setAccessibleDescription(tr("detail.cancel.describe"))
        cancel.clicked.connect(lambda: self.ask_cancel(appointment))
        view.add(cancel)
        self._show(view)

    def ask_cancel(self, appointment: Appointment) -> None:
        tr = self.context.tr
        ask = ConfirmScreen(tr("cancel.question"), self.describe(appointment), dangerous=True)
        ask.setObjectName("bookingCancelConfirm")
        ask.confirmed.connect(lambda: self.cancel(appointment))
        ask.declined.connect(lambda: self.show_appointment(appointment.id))
        self._show(ask)

    def cancel(self, appointment: Appointment) -> None:
        tr = self.context.tr
        self._show(ProgressScreen(tr("cancel.working")))
        self.background(
            lambda: self.client().cancel(appointment.id),
            lambda result: self._cancelled(appointment, result),
        )

    def _cancelled(self, appointment: Appointment, result: Any) -> None:
        tr = self.context.tr
        if isinstance(result, (FhirError, SlotTaken)):
            self._failed(result, tr("cancel.failed.title"), tr("cancel.failed.body"))
            return
        self._remember(result)
        self._done(tr("cancel.done.title"), self.describe(appointment))

    def choose_clinic(self) -> None:
        tr = self.context.tr
        if not self.clinics:
            self.context.tell_helper(
                "booking settings 'departments' and 'doctors' are both empty: nothing to book"
            )
            self._show(FallbackView(self, tr("fallback.title"), tr("fallback.body")))
            return
        choices = [
            (c.key, tr("clinic.doctor", name=c.name) if c.doctor else c.name) for c in self.clinics
        ]
        view = ChoiceList(tr("clinic.title"), choices)
        view.setObjectName("bookingClinics")
        view.chosen.connect(lambda key: self.find_slots(str(key)))
        self._show(view)

    def find_slots(self, key: str) -> None:
        tr = self.context.tr
        clinic = next((c for c in self.clinics if c.key == key), None)
        if clinic is None:
            return
        self.clinic = clinic
        waiting = ProgressScreen(tr("slots.working"), clinic.name)
        waiting.setObjectName("bookingSearching")
        waiting.cancelled.connect(lambda: self.show_list())
        self._show(waiting)
        start = window_start(self.now())
        self.background(
            lambda: self.client().free_slots(clinic.schedule, start),
            lambda result: self._found(clinic, waiting, result),
        )

    def _found(self, clinic: Clinic, waiting: QWidget, result: Any) -> None:
        tr = self.context.tr
        if self.screen is None or self.screen.view is not waiting:
            return  # the senior went elsewhere meanwhile
        if isinstance(result, FhirError):
            self._failed(result, tr("slots.failed.title"), tr("fallback.body"))
            return
        self.slots = list(result)
        if not self.slots:
            none = MessageScreen(tr("slots.none.title"), tr("slots.none.body", name=clinic.name))
            none.done.connect(self.choose_clinic)
            self._show(none)
            return
        choices = [(s.id, self.when(s.start)) for s in self.slots]
        view = ChoiceList(tr("slots.title", name=clinic.name), choices)
        view.setObjectName("bookingSlots")
        view.chosen.connect(lambda key: self.ask_book(str(key)))
        self._show(view)

    def ask_book(self, slot_id: str) -> None:
        tr = self.context.tr
        slot = next((s for s in self.slots if s.id == slot_id), None)
        clinic = self.clinic
        if slot is None or clinic is None:
            return
        ask = ConfirmScreen(
            tr("book.question", name=clinic.name, when=self.when(slot.start)),
            clinic.place,
            yes_text=tr("book.yes"),
        )
        ask.setObjectName("bookingConfirm")
        ask.confirmed.connect(lambda: self.book(clinic, slot))
        ask.declined.connect(lambda: self.find_slots(clinic.key))
        self._show(ask)

    def book(self, clinic: Clinic, slot: Slot) -> None:
        tr = self.context.tr
        self._show(ProgressScreen(tr("book.working")))
        self.background(
            lambda: self.client().book(slot, clinic.name, place=clinic.place),
            lambda result: self._booked(clinic, result),
        )

    def _booked(self, clinic: Clinic, result: Any) -> None:
        tr = self.context.tr
        if isinstance(result, SlotTaken):
            view = MessageScreen(tr("book.taken.title"), tr("book.taken.body"))
            view.setObjectName("bookingTaken")
            view.done.connect(lambda: self.find_slots(clinic.key))
            self._show(view)
            self.context.say(f"{tr('book.taken.title')} {tr('book.taken.body')}")
            return
        if isinstance(result, FhirError):
            self._failed(result, tr("book.failed.title"), tr("book.failed.body"))
            return
        self._remember(result)
        self._done(tr("book.done.title"), self.describe(result))

    def _done(self, title: str, body: str) -> None:
        view = MessageScreen(title, body)
        view.setObjectName("bookingDone")
        view.done.connect(lambda: self.show_list(refresh=True))
        self._show(view)
        self.context.say(f"{title} {body}")

    def _failed(self, problem: FhirError | SlotTaken, title: str, body: str) -> None:
        helper = problem.helper if isinstance(problem, FhirError) else str(problem)
        self.context.tell_helper(f"booking: {helper}")
        self._show(FallbackView(self, title, body))
        self.context.say(f"{title} {body}")

    def call_hospital(self, view: FallbackView) -> None:
        tr = self.context.tr
        number = re.sub(r"[^0-9+*#]", "", view.phone)
        rang = bool(number) and self.context.open_url(f"tel:{number}")
        view.status_label.setText(tr("fallback.ringing" if rang else "fallback.dial_yourself"))
        view.status_label.show()

    # -- reminders -----------------------------------------------------------------------

    def check_reminders(self) -> None:
        """Bring up the next due reminder over whatever is on the screen (the tick)."""
        self._remind(present=True)

    def _remind(self, *, present: bool) -> bool:
        said = set(self._load().get("reminded", []))
        due = due_reminders(self.known(), self.now(), said)
        if not due:
            return False
        tr = self.context.tr
        _key, kind, appointment = due[0]
        # Both reminders of the one visit are done with once the nearer one is said.
        said.update(key for key, _kind, a in due if a.id == appointment.id)
        self._save(said=said)
        title = tr(f"remind.{kind}")
        view = MessageScreen(title, self.describe(appointment))
        view.setObjectName("bookingReminder")
        view.done.connect(lambda: self.show_list(refresh=True))
        if present or self.screen is None:
            screen = BookingScreen()
            self.screen = screen
            screen.destroyed.connect(lambda: self._forget(screen))
            screen.swap(view)
            self.context.present(screen)
        else:
            self._show(view)
        self.context.say(f"{title} {self.describe(appointment)}")
        return True

    # -- the family's messages -----------------------------------------------------------

    def receive(self, sender: str, message: Mapping[str, Any]) -> Mapping[str, Any]:
        return run_action(
            sender,
            message,
            {
                "departments": self._departments,
                "slots": self._slots,
                "book": self._book,
                "appointments": self._appointments,
                "cancel": self._cancel,
                "job": self._job,
            },
        )

    def _need_server(self) -> None:
        if not self.server:
            raise ValueError(self.context.tr("error.no_server"))

    def _clinic(self, message: Mapping[str, Any]) -> Clinic:
        key = message.get("schedule")
        clinic = next((c for c in self.clinics if c.key == key), None)
        if clinic is None:
            raise ValueError(self.context.tr("error.field", field="schedule"))
        return clinic

    def _text(self, message: Mapping[str, Any], field: str, pattern: re.Pattern[str]) -> str:
        value = message.get(field)
        if not isinstance(value, str) or not pattern.match(value):
            raise ValueError(self.context.tr("error.field", field=field))
        return value

    def _start_job(self, work: Callable[[], Any], done: Callable[[Any], Any]) -> Mapping[str, Any]:
        job = uuid.uuid4().hex[:12]
        self.jobs[job] = {"done": False}
        for old in list(self.jobs)[:-KEEP_JOBS]:
            del self.jobs[old]

        def finish(result: Any) -> None:
            tr = self.context.tr
            if isinstance(result, SlotTaken):
                self.jobs[job] = {"done": True, "error": tr("error.taken"), "taken": True}
            elif isinstance(result, FhirError):
                self.context.tell_helper(f"booking: {result.helper}")
                key = "error.down" if result.down else "error.server"
                self.jobs[job] = {"done": True, "error": tr(key)}
            else:
                self.jobs[job] = {"done": True, "result": done(result)}

        self.background(work, finish)
        return {"job": job, "done": False}

    def _job(self, sender: str, message: Mapping[str, Any]) -> Mapping[str, Any]:
        job = message.get("job")
        if not isinstance(job, str) or job not in self.jobs:
            raise ValueError(self.context.tr("error.field", field="job"))
        return {"job": job, **self.jobs[job]}

    def _departments(self, sender: str, message: Mapping[str, Any]) -> Mapping[str, Any]:
        config = self.context.config
        return {
            "online": bool(self.server),
            "phone": str(config.get("phone", "")),
            "booking_page": str(config.get("booking_page", "")),
            "departments": [
                {"id": c.key, "name": c.name, "place": c.place, "doctor": c.doctor}
                for c in self.clinics
            ],
        }

    def _slot_json(self, slot: Slot) -> dict[str, Any]:
        return {
            "id": slot.id,
            "version": slot.version,
            "start": slot.start.isoformat(),
            "end": slot.end.isoformat(),
            "when": self.when(slot.start),
        }

    def _appointment_json(self, appointment: Appointment) -> dict[str, Any]:
        return {**appointment.to_json(), "when": self.when(appointment.start)}

    def _slots(self, sender: str, message: Mapping[str, Any]) -> Mapping[str, Any]:
        self._need_server()
        clinic = self._clinic(message)
        start = window_start(self.now())
        return self._start_job(
            lambda: self.client().free_slots(clinic.schedule, start),
            lambda slots: {"slots": [self._slot_json(s) for s in slots]},
        )

    def _book(self, sender: str, message: Mapping[str, Any]) -> Mapping[str, Any]:
        self._need_server()
        clinic = self._clinic(message)
        slot_id = self._text(message, "slot", SLOT_ID)
        version = self._text(message, "version", VERSION)

        def work() -> Appointment:
            client = self.client()
            current, _resource = client.read_slot(slot_id)
            if current.schedule != clinic.schedule:
                raise FhirError(f"Slot/{slot_id} is not in {clinic.schedule}")
            slot = Slot(slot_id, version, current.start, current.end, current.schedule)
            return client.book(slot, clinic.name, place=clinic.place, proxy=sender)

        return self._start_job(work, lambda booked: self._proxy_booked(sender, booked))

    def _proxy_booked(self, sender: str, appointment: Appointment) -> Mapping[str, Any]:
        tr = self.context.tr
        self._remember(appointment)
        title = tr("proxy.booked", name=sender)
        self._announce(title, self.describe(appointment))
        return {"appointment": self._appointment_json(appointment)}

    def _announce(self, title: str, body: str) -> None:
        screen = BookingScreen()
        self.screen = screen
        screen.destroyed.connect(lambda: self._forget(screen))
        view = MessageScreen(title, body)
        view.setObjectName("bookingAnnounced")
        view.done.connect(lambda: self.show_list(refresh=True))
        screen.swap(view)
        self.context.present(screen)
        self.context.say(f"{title} {body}")

    def _appointments(self, sender: str, message: Mapping[str, Any]) -> Mapping[str, Any]:
        self._need_server()
        return self._start_job(
            lambda: self.client().appointments(self.now()),
            lambda found: {
                "appointments": [self._appointment_json(a) for a in self._merge_server_list(found)]
            },
        )

    def _cancel(self, sender: str, message: Mapping[str, Any]) -> Mapping[str, Any]:
        self._need_server()
        appointment_id = self._text(message, "appointment", SLOT_ID)
        known = next((a for a in self.known() if a.id == appointment_id), None)

        def done(cancelled: Appointment) -> Mapping[str, Any]:
            self._remember(cancelled)
            tr = self.context.tr
            shown = known or cancelled
            self._announce(tr("proxy.cancelled", name=sender), self.describe(shown))
            return {"appointment": self._appointment_json(cancelled)}

        return self._start_job(lambda: self.client().cancel(appointment_id), done)
