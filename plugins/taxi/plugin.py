"""One-tap taxi: the senior taps where to go, says Yes once, and a taxi is called by
the first provider that works, in the order the family set:

- ``tomp``: an operator's TOMP-API (offers, booking, commit, then its progress);
- ``family``: the request goes to relatives, one of them books and answers from the
  remote-help app, and the answer comes up big and aloud;
- ``qr``: a code a phone scans to open the taxi app with both addresses filled in;
- ``phone``: the booking number (95128 or a local company) huge, with "Ring it for me".

When one fails or stays silent, the next takes over and the senior hears why in plain
words. Network calls run off the UI thread (``context.run_in_background``) and their
results come back on it, so every widget is touched on the UI thread only. Following a
TOMP booking and waiting for the family run on background timers: they go on when the
senior leaves the screen, and news about the taxi brings the screen back up.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from launcher.api import (
    BigButton,
    ChoiceList,
    ConfirmScreen,
    HugeText,
    MessageScreen,
    Plugin,
    QrCanvas,
    QWidget,
    Screen,
    Timer,
    ViewStack,
    run_action,
)

from . import tomp
from .places import Place, parse_destinations, parse_location, uber_link

#: How often a TOMP booking is looked at, until the ride ends (screen open or not).
POLL_MS = 5000
#: One minute of ``family_wait_minutes``.
MINUTE_MS = 60_000
#: A family request older than this is no longer listed for relatives.
REQUEST_KEEP_S = 6 * 3600
PROVIDERS = ("tomp", "family", "qr", "phone")
#: Stages with a taxi on its way (or being found): Cancel is shown.
CANCELLABLE = {"requesting", "requested", "assigned", "arriving", "asking_family", "booked"}
#: Stages where this ride is over (or handed to the senior): "Another taxi" is shown.
ENDED = {"cancelled", "failed", "finished", "arrived", "phone", "qr"}
MAX_ANSWER = {"car": 80, "plate": 20, "time": 40, "driver_phone": 24}


@dataclass
class Ride:
    """One taxi the senior asked for, while Leling runs."""

    id: str
    pickup: Place
    destination: Place
    asked: str
    providers: list[str]
    index: int = -1
    stage: str = "starting"
    #: What to say first on the next view: why the provider before failed.
    lead: str = ""
    booking_id: str = ""
    details: dict[str, str] = field(default_factory=dict)
    asked_family: list[str] = field(default_factory=list)

    @property
    def provider(self) -> str:
        return self.providers[self.index] if 0 <= self.index < len(self.providers) else ""


class FamilyRequests:
    """Open requests to relatives, kept in ``requests.json`` so an answer that comes after
    a restart still reaches the senior."""

    def __init__(self, folder: Path, tell_helper: Callable[[str], None]) -> None:
        self.path = folder / "requests.json"
        self._tell_helper = tell_helper

    def all(self) -> list[dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as exc:
            self._tell_helper(f"taxi: {self.path} cannot be read ({exc}); requests start anew")
            return []
        return [r for r in data if isinstance(r, dict)] if isinstance(data, list) else []

    def get(self, request_id: str) -> dict[str, Any] | None:
        return next((r for r in self.all() if r.get("id") == request_id), None)

    def put(self, record: dict[str, Any]) -> None:
        now = dt.datetime.now().astimezone()
        kept = [
            r
            for r in self.all()
            if r.get("id") != record["id"] and _age_s(r.get("asked", ""), now) < REQUEST_KEEP_S
        ]
        kept.append(record)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        part = self.path.with_suffix(".part")
        part.write_text(json.dumps(kept, ensure_ascii=False, indent=1), encoding="utf-8")
        part.replace(self.path)

    def open(self) -> list[dict[str, Any]]:
        now = dt.datetime.now().astimezone()
        return [
            r
            for r in self.all()
            if r.get("state") == "open" and _age_s(r.get("asked", ""), now) < REQUEST_KEEP_S
        ]


def _age_s(stamp: str, now: dt.datetime) -> float:
    try:
        return (now - dt.datetime.fromisoformat(stamp)).total_seconds()
    except (TypeError, ValueError):
        return float("inf")


def spelled(number: str) -> str:
    """Digits one by one, so a voice says "9 5 1 2 8", not "ninety-five thousand…"."""
    return " ".join(number)


class TaxiScreen(ViewStack):
    """The tile's screen: the places, a question, or how the taxi is coming."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("taxi")


class RideView(Screen):
    """How the taxi is coming: big words (they scroll when they are many), the one
    thing to look for huge (the booking number, the car's plate) or a QR code, and the
    buttons that fit the moment side by side, so everything fits at 200 % text."""

    def __init__(self, title: str, body: str) -> None:
        super().__init__()
        self.setObjectName("taxiRide")
        layout: Any = self.layout()
        layout.setContentsMargins(0, 0, 0, 0)
        self.words = MessageScreen(title, body, button_text="")
        self.title_label = self.words.title_label
        self.body_label = self.words.body_label
        self.body_label.setObjectName("taxiBody")
        #: The booking number, or the plate of the car that comes.
        self.number: HugeText | None = None
        self.qr: QrCanvas | None = None
        self.ring = BigButton("", role="primary")
        self.ring.setObjectName("taxiRing")
        self.cancel = BigButton("", role="danger")
        self.cancel.setObjectName("taxiCancel")
        self.again = BigButton("", role="normal")
        self.again.setObjectName("taxiAgain")

    def finish(self) -> None:
        """Lay out the parts that were given something to show."""
        layout: Any = self.layout()
        if self.qr is not None:
            # Side by side: the code gets the height a phone needs to read it.
            row = self.add_row(self.words, self.qr, stretches=(3, 2))
            layout.setStretchFactor(row, 1)
        buttons = [b for b in (self.ring, self.cancel, self.again) if b.text()]
        for button in (self.ring, self.cancel, self.again):
            button.setVisible(button in buttons)
        if self.qr is None and self.number is not None and len(buttons) == 1:
            # The number and its one button share a row: the words keep room to be read.
            self.add(self.words, 3)
            row = self.add_row(self.number, buttons[0], stretches=(1, 1))
            layout.setStretchFactor(row, 2)
            return
        if self.qr is None:
            self.add(self.words, 3 if self.number is not None else 1)
            if self.number is not None:
                self.add(self.number, 2)
        if buttons:
            self.add_row(*buttons)


class TaxiPlugin(Plugin):
    """The taxi tile."""

    def activate(self) -> None:
        self.ride: Ride | None = None
        self.screen: TaxiScreen | None = None
        self.requests = FamilyRequests(self.context.data_dir, self.context.tell_helper)
        self._busy = False
        self._closed = False
        # Background timers, running while a ride needs them whether the screen is open
        # or not; stopped when the ride ends, is cancelled or moves to the next provider.
        self._poll: Timer | None = None
        self._family_wait: Timer | None = None

    def deactivate(self) -> None:
        self._stop_timers()
        # Answers still on their way are dropped: nothing of this object shows any more.
        self._closed = True

    # -- config ----------------------------------------------------------------------

    def _config(self, key: str, default: Any = "") -> Any:
        return self.context.config.get(key, default)

    def providers(self) -> list[str]:
        text = str(self._config("providers", "family, phone"))
        chosen = [p.strip() for p in text.split(",") if p.strip() in PROVIDERS]
        return list(dict.fromkeys(chosen))

    def destinations(self) -> list[Place]:
        items = self._config("destinations", [])
        places, problems = parse_destinations([str(item) for item in items])
        for problem in problems:
            self.context.tell_helper(problem)
        return places

    def home(self) -> Place:
        senior = self.context.senior()
        position = parse_location(senior.location)
        lat, lon = position if position else (None, None)
        return Place(self.context.tr("taxi.home"), senior.address.strip(), lat, lon)

    # -- screens ---------------------------------------------------------------------

    def create_screen(self) -> QWidget:
        screen = self._new_screen()
        ride = self.ride
        if ride is not None and ride.stage not in ENDED:
            self._show_ride(speak=False)
        else:
            self.show_places()
        return screen

    def _new_screen(self) -> TaxiScreen:
        screen = TaxiScreen()
        self.screen = screen
        screen.destroyed.connect(lambda: self._forget(screen))
        return screen

    def _forget(self, screen: TaxiScreen) -> None:
        if self.screen is screen:
            self.screen = None

    def _swap(self, view: QWidget) -> None:
        if self.screen is None:
            # The senior left the tile: bring it back up for news about their taxi.
            screen = self._new_screen()
            self.context.present(screen)
        assert self.screen is not None
        self.screen.swap(view)

    def _message(self, title_key: str, body_key: str, **values: object) -> None:
        tr = self.context.tr
        view = MessageScreen(tr(title_key, **values), tr(body_key, **values), button_text="")
        view.setObjectName("taxiSetup")
        if self.screen is not None:
            self.screen.swap(view)

    def show_places(self) -> None:
        tr = self.context.tr
        places = self.destinations()
        home = self.home()
        if not places:
            self.context.tell_helper(
                "taxi: no places to go: add places 'Name | address | latitude,longitude', "
                "one a line, to the taxi tile's 'destinations' setting"
            )
            self._message("taxi.setup.title", "taxi.setup.places")
            return
        if not home.address:
            self.context.tell_helper(
                "taxi: the senior's address is empty: fill in 'senior.address' so a taxi "
                "knows where to come"
            )
            self._message("taxi.setup.title", "taxi.setup.home")
            return
        if not self.providers():
            self.context.tell_helper("taxi: setting 'providers' names no provider")
            self._message("taxi.setup.title", "taxi.setup.providers")
            return
        choices = ChoiceList(tr("taxi.where"), [(i, p.name) for i, p in enumerate(places)])
        choices.setObjectName("taxiPlaces")
        choices.chosen.connect(lambda index: self.ask(places[int(index)]))
        if self.screen is not None:
            self.screen.swap(choices)

    def ask(self, destination: Place) -> None:
        tr = self.context.tr
        home = self.home()
        question = ConfirmScreen(
            tr("taxi.confirm", start=home.name, to=destination.name),
            tr("taxi.confirm.detail", start=home.address, to=destination.address),
        )
        question.setObjectName("taxiConfirm")
        question.confirmed.connect(lambda: self.start_ride(destination))
        question.declined.connect(self.show_places)
        if self.screen is not None:
            self.screen.swap(question)

    # -- a ride ----------------------------------------------------------------------

    def start_ride(self, destination: Place) -> None:
        self._stop_timers()
        self.ride = Ride(
            id=uuid.uuid4().hex[:12],
            pickup=self.home(),
            destination=destination,
            asked=dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            providers=self.providers(),
        )
        self._next("")

    def _next(self, reason: str) -> None:
        """Hand the ride to the next provider that can take it; ``reason`` says why the
        one before could not, and is said first."""
        ride = self.ride
        assert ride is not None
        self._stop_timers()
        tr = self.context.tr
        while True:
            ride.index += 1
            provider = ride.provider
            if not provider:
                ride.stage = "failed"
                ride.lead = reason
                self._show_ride()
                return
            missing = self._missing(provider, ride)
            if not missing:
                break
            self.context.tell_helper(missing)
        ride.lead = f"{reason} {tr(f'taxi.next.{provider}')}".strip() if reason else ""
        starters: dict[str, Callable[[Ride], None]] = {
            "tomp": self._start_tomp,
            "family": self._start_family,
            "qr": self._start_qr,
            "phone": self._start_phone,
        }
        starters[provider](ride)

    def _missing(self, provider: str, ride: Ride) -> str:
        """Why ``provider`` cannot take this ride (for the helper), or ""."""
        where = f"taxi to {ride.destination.name}"
        located = ride.pickup.located and ride.destination.located
        if provider == "phone" and not str(self._config("phone_number", "")).strip():
            return f"{where}: 'phone' is a provider but 'phone_number' is empty"
        if provider == "qr" and not located:
            return (
                f"{where}: the QR code was skipped: it needs a position for the senior's home "
                "('senior.location') and for the place (its third part: latitude,longitude)"
            )
        if provider == "tomp":
            if not str(self._config("tomp_url", "")).strip():
                return f"{where}: 'tomp' is a provider but 'tomp_url' is empty"
            if not located:
                return (
                    f"{where}: TOMP was skipped: it needs a position for the senior's home "
                    "('senior.location') and for the place"
                )
        return ""

    def _stop_timers(self) -> None:
        for timer in (self._poll, self._family_wait):
            if timer is not None:
                timer.stop()
        self._poll = None
        self._family_wait = None

    # -- providers -------------------------------------------------------------------

    def _start_phone(self, ride: Ride) -> None:
        ride.stage = "phone"
        self._show_ride()

    def _start_qr(self, ride: Ride) -> None:
        ride.stage = "qr"
        self._show_ride()

    def _start_family(self, ride: Ride) -> None:
        tr = self.context.tr
        senior = self.context.senior()
        name = senior.name.strip() or tr("taxi.alert.someone")
        when = dt.datetime.fromisoformat(ride.asked).strftime("%Y-%m-%d %H:%M")
        title = tr("taxi.alert.title", name=name)
        body = tr(
            "taxi.alert.body",
            name=name,
            start=f"{ride.pickup.name}, {ride.pickup.address}",
            to=f"{ride.destination.name}, {ride.destination.address}",
            time=when,
        )
        chosen = [n.strip() for n in str(self._config("family", "")).split(",") if n.strip()]
        people = [c for c in self.context.contacts() if c.channels > 0]
        if chosen:
            asked = [c.name for c in people if c.name in chosen]
        else:
            asked = [c.name for c in people if c.emergency]
        channels = sum(
            self.context.notify(title, body, to=person, key=f"taxi-{ride.id}") for person in asked
        )
        if channels == 0:
            self.context.tell_helper(
                "taxi: nobody could be asked to book a taxi: give the relatives in the taxi "
                "setting 'family' (or the emergency contacts) an alert channel"
            )
            self._next(tr("taxi.failed.family_none"))
            return
        ride.asked_family = asked
        ride.stage = "asking_family"
        self.requests.put(self._record(ride, "open"))
        self._show_ride()
        minutes = int(self._config("family_wait_minutes", 15))
        self._family_wait = self.context.after(
            minutes * MINUTE_MS, lambda: self._family_silent(ride.id), background=True
        )

    def _record(self, ride: Ride, state: str, **extra: Any) -> dict[str, Any]:
        return {
            "id": ride.id,
            "state": state,
            "asked": ride.asked,
            "from": ride.pickup.name,
            "from_address": ride.pickup.address,
            "to": ride.destination.name,
            "to_address": ride.destination.address,
            "people": ride.asked_family,
            **extra,
        }

    def _family_silent(self, ride_id: str) -> None:
        ride = self.ride
        if ride is None or ride.id != ride_id or ride.stage != "asking_family":
            return
        self.requests.put(self._record(ride, "expired"))
        self._next(self.context.tr("taxi.failed.family_silent"))

    def _client(self) -> tomp.TompClient:
        return tomp.TompClient(
            str(self._config("tomp_url", "")),
            str(self._config("tomp_token", "")),
            str(self._config("tomp_maas_id", "leling")),
            self.context.locale,
        )

    def _work(self, ride: Ride, kind: str, job: Callable[[], Any]) -> None:
        """Run ``job`` off the UI thread; its result arrives in :meth:`_delivered`."""

        def done(result: Any) -> None:
            if not self._closed:
                self._delivered((ride.id, kind, result))

        def failed(error: Exception) -> None:
            # A senior never sees a traceback: any failure hands over like a silent one.
            if isinstance(error, tomp.TompError):
                text = str(error)
            else:
                text = f"{type(error).__name__}: {error}"
            if not self._closed:
                self._delivered((ride.id, f"{kind}_failed", text))

        self.context.run_in_background(job, done, failed=failed)

    def _start_tomp(self, ride: Ride) -> None:
        ride.stage = "requesting"
        self._show_ride()
        client = self._client()
        self._work(ride, "booked", lambda: client.book(ride.pickup, ride.destination, ride.asked))

    def _start_polling(self) -> None:
        if self._poll is None:
            self._poll = self.context.every(POLL_MS, self._poll_once, background=True)

    def _poll_once(self) -> None:
        ride = self.ride
        if ride is None or not ride.booking_id or self._busy or ride.stage in ENDED:
            return
        self._busy = True
        client = self._client()
        booking = ride.booking_id
        self._work(ride, "status", lambda: client.status(booking))

    def _delivered(self, item: tuple[str, str, Any]) -> None:
        ride_id, kind, result = item
        ride = self.ride
        if kind.startswith("status"):
            self._busy = False
        if ride is None or ride.id != ride_id:
            return
        tr = self.context.tr
        if kind == "booked_failed":
            self.context.log.warning("TOMP booking failed: %s", result)
            if ride.stage == "requesting":
                self._next(tr("taxi.failed.tomp"))
            return
        if kind == "cancel_failed":
            self.context.log.warning("TOMP cancel failed: %s", result)
            self.context.tell_helper(f"taxi: a TOMP booking could not be cancelled: {result}")
            return
        if kind == "status_failed":
            self.context.log.info("TOMP status failed: %s", result)
            return
        if not isinstance(result, tomp.RideState):
            return
        if kind == "booked":
            ride.booking_id = result.booking_id
            if ride.stage == "cancelled":
                # Cancelled while the operator was still booking: cancel it there too.
                client = self._client()
                self._work(ride, "cancel", lambda: client.cancel(result.booking_id))
                return
            self._tomp_state(ride, result)
            self._start_polling()
        elif kind == "status" and ride.stage not in ENDED:
            self._tomp_state(ride, result)

    def _tomp_state(self, ride: Ride, state: tomp.RideState) -> None:
        if state.stage == "cancelled":
            self._next(self.context.tr("taxi.failed.operator_cancelled"))
            return
        details = {
            "car": state.car,
            "plate": state.plate,
            "driver": state.driver,
            "phone": state.phone,
            "minutes": "" if state.minutes is None else str(state.minutes),
        }
        if state.stage == ride.stage and details == ride.details:
            return
        if state.stage == ride.stage and self.screen is None:
            # A new waiting time is not worth interrupting the senior for; the screen
            # shows it when opened. A new stage (the taxi is here) brings it up.
            ride.details = details
            return
        ride.stage = state.stage
        ride.details = details
        self._show_ride()
        if state.stage in ENDED:
            self._stop_timers()

    # -- what the senior sees and hears ----------------------------------------------

    def _detail_lines(self, ride: Ride) -> list[str]:
        tr = self.context.tr
        lines = []
        for key in ("car", "plate", "time", "driver", "phone", "minutes"):
            value = ride.details.get(key, "")
            if value:
                lines.append(tr(f"taxi.detail.{key}", value=value))
        return lines

    def _show_ride(self, *, speak: bool = True) -> None:
        ride = self.ride
        assert ride is not None
        tr = self.context.tr
        stage = ride.stage
        route = tr(
            "taxi.detail.route",
            start=f"{ride.pickup.name} ({ride.pickup.address})",
            to=f"{ride.destination.name} ({ride.destination.address})",
        )
        number = str(self._config("phone_number", "")).strip()
        values: dict[str, object] = {
            "name": ride.details.get("by", ""),
            "people": ", ".join(ride.asked_family),
            "number": number,
        }
        title = tr(f"taxi.stage.{stage}", **values)
        lines = [ride.lead] if ride.lead else []
        if stage == "phone":
            lines.append(
                tr("taxi.phone.say", start=ride.pickup.address, to=ride.destination.address)
            )
        elif stage == "qr":
            lines.append(tr("taxi.qr.body"))
        elif stage == "failed":
            lines.append(tr("taxi.failed.none"))
        else:
            more = tr(f"taxi.stage.{stage}.body", **values)
            lines += [more, *self._detail_lines(ride)]
            if stage in ("requesting", "requested", "asking_family"):
                lines.append(route)
        body = "\n".join(line for line in lines if line)
        view = RideView(title, body)
        if stage == "phone":
            view.number = HugeText(number)
            view.number.setObjectName("taxiNumber")
            view.ring.setText(tr("taxi.phone.ring", number=number))
            view.ring.clicked.connect(lambda: self._ring(view, number))
        elif stage == "qr":
            client_id = str(self._config("uber_client_id", ""))
            view.qr = QrCanvas(uber_link(ride.pickup, ride.destination, client_id))
            view.qr.setObjectName("taxiQr")
        elif ride.details.get("plate") and stage not in ("cancelled", "finished"):
            view.number = HugeText(ride.details["plate"])
            view.number.setObjectName("taxiPlate")
        if stage not in ("phone", "qr") and ride.details.get("phone"):
            view.ring.setText(tr("taxi.driver.ring"))
            phone = ride.details["phone"]
            view.ring.clicked.connect(lambda: self._ring(view, phone))
        if stage in CANCELLABLE:
            view.cancel.setText(tr("taxi.cancel"))
            view.cancel.clicked.connect(self.ask_cancel)
        if stage in ENDED and stage not in ("phone", "qr"):
            # (From the number or the code, Back and the tile start another.)
            view.again.setText(tr("taxi.again"))
            view.again.clicked.connect(self.another)
        view.finish()
        self._swap(view)
        if speak:
            spoken = [ride.lead, title, *[line for line in lines[1 if ride.lead else 0 :]]]
            if stage == "phone":
                spoken = [ride.lead, title, tr("taxi.phone.spoken", number=spelled(number))]
            self.context.say(" ".join(part for part in spoken if part))

    def _ring(self, view: RideView, number: str) -> None:
        tr = self.context.tr
        dial = "".join(ch for ch in number if ch.isdigit() or ch in "+*#")
        if self.context.open_url(f"tel:{dial}"):
            self.context.say(tr("taxi.phone.ringing", number=spelled(number)))
            return
        text = tr("taxi.phone.cannot", number=number)
        view.body_label.setText(f"{view.body_label.text()}\n{text}")
        self.context.say(tr("taxi.phone.cannot", number=spelled(number)))

    def another(self) -> None:
        self._stop_timers()
        self.ride = None
        self.show_places()

    def ask_cancel(self) -> None:
        tr = self.context.tr
        ride = self.ride
        if ride is None:
            return
        question = ConfirmScreen(
            tr("taxi.cancel.question"),
            tr("taxi.cancel.detail", to=ride.destination.name),
            yes_text=tr("taxi.cancel.yes"),
            no_text=tr("taxi.cancel.no"),
        )
        question.setObjectName("taxiCancelConfirm")
        question.confirmed.connect(self.cancel)
        question.declined.connect(lambda: self._show_ride(speak=False))
        self._swap(question)

    def cancel(self) -> None:
        ride = self.ride
        if ride is None or ride.stage not in CANCELLABLE:
            return
        tr = self.context.tr
        self._stop_timers()
        provider = ride.provider
        ride.stage = "cancelled"
        ride.lead = ""
        if provider == "tomp" and ride.booking_id:
            client = self._client()
            booking = ride.booking_id
            self._work(ride, "cancel", lambda: client.cancel(booking))
        elif provider == "family":
            senior = self.context.senior()
            name = senior.name.strip() or tr("taxi.alert.someone")
            by = ride.details.get("by", "")
            for person in [by] if by else ride.asked_family:
                self.context.notify(
                    tr("taxi.alert.cancel.title", name=name),
                    tr("taxi.alert.cancel.body", name=name, to=ride.destination.name),
                    to=person,
                    key=f"taxi-cancel-{ride.id}",
                )
            self.requests.put(self._record(ride, "cancelled"))
        self._show_ride()

    # -- the family's answers ----------------------------------------------------------

    def receive(self, sender: str, message: Mapping[str, Any]) -> Mapping[str, Any]:
        return run_action(
            sender,
            message,
            {
                "requests": self._requests,
                "answer": self._answer,
                "cannot": self._cannot,
            },
        )

    def _requests(self, sender: str, message: Mapping[str, Any]) -> Mapping[str, Any]:
        keys = ("id", "asked", "from", "from_address", "to", "to_address")
        senior = self.context.senior().name
        return {
            "senior": senior,
            "requests": [{k: r.get(k, "") for k in keys} for r in self.requests.open()],
        }

    def _open_request(self, message: Mapping[str, Any]) -> dict[str, Any]:
        request_id = message.get("request")
        record = self.requests.get(request_id) if isinstance(request_id, str) else None
        if record is None or record.get("state") != "open":
            raise ValueError(self.context.tr("error.request", field="request"))
        return record

    def _field(self, message: Mapping[str, Any], key: str, *, required: bool) -> str:
        value = message.get(key, "")
        limit = MAX_ANSWER[key]
        if not isinstance(value, str) or len(value.strip()) > limit:
            raise ValueError(self.context.tr("error.field", field=key, limit=limit))
        if required and not value.strip():
            raise ValueError(self.context.tr("error.missing", field=key))
        return value.strip()

    def _answer(self, sender: str, message: Mapping[str, Any]) -> Mapping[str, Any]:
        record = self._open_request(message)
        answer = {
            "car": self._field(message, "car", required=True),
            "plate": self._field(message, "plate", required=True),
            "time": self._field(message, "time", required=True),
            "phone": self._field(message, "driver_phone", required=False),
        }
        if answer["phone"] and not all(ch.isdigit() or ch in "+-() " for ch in answer["phone"]):
            raise ValueError(self.context.tr("error.phone", field="driver_phone"))
        ride = self._ride_of(record)
        self._stop_timers()
        ride.stage = "booked"
        ride.lead = ""
        ride.details = {**answer, "by": sender}
        self.requests.put({**record, "state": "answered", "by": sender, "answer": answer})
        self._show_ride()
        return {"request": record["id"], "shown": True}

    def _cannot(self, sender: str, message: Mapping[str, Any]) -> Mapping[str, Any]:
        record = self._open_request(message)
        ride = self._ride_of(record)
        self.requests.put({**record, "state": "cannot", "by": sender})
        if ride.stage == "asking_family":
            self._next(self.context.tr("taxi.failed.family_cannot", name=sender))
        return {"request": record["id"], "next": ride.provider}

    def _ride_of(self, record: Mapping[str, Any]) -> Ride:
        """The ride a request belongs to; after a restart, made again from the request."""
        if self.ride is not None and self.ride.id == record["id"]:
            return self.ride
        people = record.get("people")
        self.ride = Ride(
            id=str(record["id"]),
            pickup=Place(str(record.get("from", "")), str(record.get("from_address", ""))),
            destination=Place(str(record.get("to", "")), str(record.get("to_address", ""))),
            asked=str(record.get("asked", "")),
            providers=self.providers(),
            index=self.providers().index("family") if "family" in self.providers() else 0,
            stage="asking_family",
            asked_family=[str(p) for p in people] if isinstance(people, list) else [],
        )
        return self.ride
