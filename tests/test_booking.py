"""Hospital booking over HL7 FHIR R4, against a real FHIR engine on 127.0.0.1.

The engine is Medplum's FHIR router with its in-memory repository (tests/fhir/server.cjs,
installed by packaging/dev.sh), fresh for each test and seeded with Schedules and Slots.
The senior books and cancels through the real shell; two people racing for one time
get one booking between them; a time changed since it was shown, or an Appointment the
server refuses, leaves no half-booking behind; a server that goes away brings up the
hospital's phone number and booking page; a relative books through remote help and the
senior sees and hears it; broken answers are named for the helper. Only the malformed
answers come from a stub (a real engine will not store them), and it is named so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import (
    QuietHandler,
    Said,
    catching_links,
    helper_problems,
    plugin_screen,
    serve_http,
    start_shell,
    stop_http,
    tap,
)
from PySide6.QtWidgets import QWidget
from test_remote import Client, pair
from test_webapp import browser  # noqa: F401 (the real headless Chromium fixture)

from launcher.ui.shell import ShellWindow

REPO = Path(__file__).resolve().parent.parent
SERVER = REPO / "tests" / "fhir" / "server.cjs"
WAIT_MS = 20_000
PATIENT = "Patient/wang-fang"
PHONE = "010 6515 5000"
PAGE = "https://hospital.example/booking"

pytestmark = pytest.mark.usefixtures("restore_excepthook")


def module(name: str) -> Any:
    """One of the booking plugin's modules, as the shell imports it."""
    from launcher.core.manifest import parse_manifest
    from launcher.core.registry import import_entry

    entry = import_entry(parse_manifest(REPO / "plugins" / "booking" / "manifest.toml"))
    package = entry.__module__.rpartition(".")[0]
    return sys.modules[f"{package}.{name}"]


# -- the FHIR engine ----------------------------------------------------------------------


def _node_modules() -> Path:
    """Where packaging/dev.sh put Medplum's modules; installed here too when npm can."""
    cache = Path(os.environ.get("LELING_FHIR_CACHE", REPO / ".cache" / "fhir"))
    modules = cache / "node_modules"
    lock = SERVER.parent / "package-lock.json"
    stamp = cache / "package-lock.json"
    fresh = stamp.is_file() and stamp.read_bytes() == lock.read_bytes()
    if (modules / "@medplum" / "fhir-router").is_dir() and fresh:
        return modules
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is missing: run packaging/dev.sh test to install the FHIR engine")
    cache.mkdir(parents=True, exist_ok=True)
    shutil.copy(SERVER.parent / "package.json", cache / "package.json")
    shutil.copy(lock, stamp)
    subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=cache,
        check=True,
        timeout=600,
    )
    return modules


@pytest.fixture(scope="session")
def fhir_engine() -> tuple[list[str], dict[str, str]]:
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        pytest.skip("Node.js is missing: packaging/dev.sh installs Debian's nodejs and npm")
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True)
    major = int(version.stdout.strip().lstrip("v").split(".")[0])
    if major < 20:
        pytest.skip(f"Node.js {version.stdout.strip()} is too old for Medplum 5 (needs 20+)")
    # Medplum 5 asks for Node 22; on Node 20 its WebSocket use needs this flag.
    command = [node, *(["--experimental-websocket"] if major < 22 else []), str(SERVER)]
    env = {**os.environ, "NODE_PATH": str(_node_modules())}
    return command, env


class FhirServer:
    """One fresh FHIR engine on 127.0.0.1, and plain HTTP to it for the tests' own checks."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # blocks until it listens or dies
        if not line.startswith("listening "):
            rest = self.process.stdout.read()
            self.process.wait()
            self.process.stdout.close()
            raise RuntimeError(f"the FHIR engine did not start: {line}{rest}")
        self.base = line.split(" ", 1)[1].strip()
        self.root = self.base.rsplit("/fhir/", 1)[0]
        # Whatever it prints later is read, so a full pipe never stops it.
        self.output: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self._reader.join(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()

    def create(self, resource: dict[str, Any]) -> dict[str, Any]:
        answer = requests.post(f"{self.base}/{resource['resourceType']}", json=resource, timeout=10)
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    def read(self, reference: str) -> dict[str, Any]:
        answer = requests.get(f"{self.base}/{reference}", timeout=10)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def search(self, kind: str, **params: str) -> list[dict[str, Any]]:
        answer = requests.get(f"{self.base}/{kind}", params=params, timeout=10)
        assert answer.status_code == 200, answer.text
        return [entry["resource"] for entry in answer.json().get("entry", [])]

    def update(self, resource: dict[str, Any]) -> dict[str, Any]:
        url = f"{self.base}/{resource['resourceType']}/{resource['id']}"
        answer = requests.put(url, json=resource, timeout=10)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def refuse(self, method: str, kind: str, status: int) -> None:
        body = {"method": method, "resourceType": kind, "status": status}
        assert requests.post(f"{self.root}/__test/refuse", json=body, timeout=10).ok

    def schedule(self, name: str) -> str:
        created = self.create(
            {"resourceType": "Schedule", "active": True, "actor": [{"display": name}]}
        )
        return f"Schedule/{created['id']}"

    def slot(self, schedule: str, start: datetime, status: str = "free") -> dict[str, Any]:
        return self.create(
            {
                "resourceType": "Slot",
                "schedule": {"reference": schedule},
                "status": status,
                "start": start.isoformat(),
                "end": (start + timedelta(minutes=15)).isoformat(),
            }
        )


@pytest.fixture
def fhir(fhir_engine: tuple[list[str], dict[str, str]]) -> Iterator[FhirServer]:
    server = FhirServer(*fhir_engine)
    yield server
    server.stop()


def soon(days: int, hour: int = 9, minute: int = 0) -> datetime:
    """A time ``days`` from today, in UTC (the test machine's zone), to the minute."""
    base = datetime.now(UTC).replace(hour=hour, minute=minute, second=0, microsecond=0)
    return base + timedelta(days=days)


# -- the shell ----------------------------------------------------------------------------


@pytest.fixture
def dialled() -> Iterator[list[str]]:
    """``tel:`` links the shell opened (caught instead of ringing a real phone)."""
    with catching_links("tel") as caught:
        yield caught.urls


@pytest.fixture
def launcher(home: Path, qtbot: Any) -> Callable[..., tuple[ShellWindow, Said]]:
    """Starts Margaret's shell with the booking tile (``config``) and a clock; what it says
    is recorded instead of spoken."""

    def start(config: dict[str, Any], remote: bool = False) -> tuple[ShellWindow, Said]:
        said = Said()
        window = start_shell(
            home,
            qtbot,
            {
                "senior": {"name": "Margaret", "address": ""},
                "tiles": [{"plugin": "booking", "config": config}, {"plugin": "clock"}],
            },
            locale="en",
            said=said,
        )
        return window, said

    return start


def config_for(fhir: FhirServer | None, **clinics: str) -> dict[str, Any]:
    return {
        "server": fhir.base if fhir else "",
        "patient": PATIENT,
        "phone": PHONE,
        "booking_page": PAGE,
        **clinics,
    }


def view(window: ShellWindow) -> Any:
    return plugin_screen(window, "booking").view


def plugin(window: ShellWindow) -> Any:
    tile = window.tile_for_plugin("booking")
    assert tile is not None
    return window.host._plugin_for(tile)[0]


def wait_view(qtbot: Any, window: ShellWindow, name: str) -> Any:
    qtbot.waitUntil(lambda: view(window).objectName() == name, timeout=WAIT_MS)
    return view(window)


def choose(qtbot: Any, choices: Any, text: str) -> None:
    button = next(b for b in choices.choice_buttons if text in b.text())
    tap(qtbot, button)


# -- the senior's screen ------------------------------------------------------------------


def test_the_senior_books_a_free_time_and_sees_it_in_the_list(
    qtbot: Any, launcher: Any, fhir: FhirServer
) -> None:
    cardiology = fhir.schedule("Cardiology")
    other = fhir.schedule("Dentist")
    late = fhir.slot(cardiology, soon(3, 10))
    early = fhir.slot(cardiology, soon(2, 9, 30))
    fhir.slot(cardiology, soon(1, 8), status="busy")
    fhir.slot(cardiology, soon(-1, 8))  # yesterday: not offered
    fhir.slot(other, soon(1, 8))
    config = config_for(fhir, departments=f"Cardiology = {cardiology} = Building 2, floor 3")
    window, said = launcher(config)

    window.open_plugin("booking")
    listed = wait_view(qtbot, window, "bookingAppointments")
    assert listed.empty_label.isVisible()
    tap(qtbot, listed.book_button)
    clinics = view(window)
    assert clinics.objectName() == "bookingClinics"
    assert [b.text() for b in clinics.choice_buttons] == ["Cardiology"]
    choose(qtbot, clinics, "Cardiology")

    slots = wait_view(qtbot, window, "bookingSlots")
    shown = [b.text() for b in slots.choice_buttons]
    when = plugin(window).when
    assert shown == [when(soon(2, 9, 30)), when(soon(3, 10))], "free, future, soonest first"
    choose(qtbot, slots, shown[0])
    confirm = view(window)
    assert confirm.objectName() == "bookingConfirm"
    assert confirm.question_label.text() == f"Book Cardiology on {shown[0]}?"
    assert confirm.detail_label.text() == "Building 2, floor 3"
    tap(qtbot, confirm.yes_button)

    done = wait_view(qtbot, window, "bookingDone")
    assert done.title_label.text() == "Booked."
    assert done.body_label.text() == f"{shown[0]} · Cardiology · Building 2, floor 3"
    assert f"Booked. {shown[0]} · Cardiology · Building 2, floor 3" in said

    # The hospital has it: the Slot is busy and one Appointment holds it for the patient.
    assert fhir.read(f"Slot/{early['id']}")["status"] == "busy"
    assert fhir.read(f"Slot/{late['id']}")["status"] == "free"
    [appointment] = fhir.search("Appointment")
    assert appointment["status"] == "booked"
    assert appointment["slot"] == [{"reference": f"Slot/{early['id']}"}]
    actors = [p["actor"] for p in appointment["participant"]]
    assert {"reference": PATIENT} in actors
    assert {"type": "Location", "display": "Building 2, floor 3"} in actors

    tap(qtbot, done.button)
    listed = wait_view(qtbot, window, "bookingAppointments")
    qtbot.waitUntil(lambda: len(view(window).rows) == 1, timeout=WAIT_MS)
    row = view(window).rows[0]
    assert row.text() == f"{shown[0]} · Cardiology", "short enough to read at a glance"
    assert row.accessibleName() == f"{shown[0]} · Cardiology · Building 2, floor 3"


def test_the_senior_cancels_and_the_time_is_free_again(
    qtbot: Any, launcher: Any, fhir: FhirServer
) -> None:
    FhirClient = module("fhir").FhirClient

    eyes = fhir.schedule("Eye clinic")
    seeded = fhir.slot(eyes, soon(4, 11))
    client = FhirClient(fhir.base, PATIENT)
    [slot] = client.free_slots(eyes, datetime.now(UTC))
    booked = client.book(slot, "Eye clinic", place="Room 12", proxy="Mei")
    window, said = launcher(config_for(fhir, departments=f"Eye clinic = {eyes}"))

    window.open_plugin("booking")
    qtbot.waitUntil(lambda: len(view(window).rows) == 1, timeout=WAIT_MS)
    tap(qtbot, view(window).rows[0])
    detail = view(window)
    assert detail.objectName() == "bookingDetail"
    assert "Booked for you by Mei." in detail.body_label.text()
    tap(qtbot, detail.findChild(QWidget, "bookingCancel"))
    ask = view(window)
    assert ask.objectName() == "bookingCancelConfirm" and ask.dangerous
    tap(qtbot, ask.yes_button)

    done = wait_view(qtbot, window, "bookingDone")
    assert done.title_label.text() == "The appointment is cancelled."
    assert said[-1].startswith("The appointment is cancelled.")
    assert fhir.read(f"Appointment/{booked.id}")["status"] == "cancelled"
    assert fhir.read(f"Slot/{seeded['id']}")["status"] == "free"
    assert [s.id for s in client.free_slots(eyes, datetime.now(UTC))] == [seeded["id"]]


def test_a_time_taken_after_it_was_shown_is_refused_and_nothing_is_left_behind(
    qtbot: Any, launcher: Any, fhir: FhirServer
) -> None:
    ent = fhir.schedule("ENT")
    first = fhir.slot(ent, soon(2, 9))
    fhir.slot(ent, soon(2, 10))
    window, said = launcher(config_for(fhir, departments=f"ENT = {ent}"))
    window.open_plugin("booking")
    tap(qtbot, wait_view(qtbot, window, "bookingAppointments").book_button)
    choose(qtbot, view(window), "ENT")
    slots = wait_view(qtbot, window, "bookingSlots")
    choose(qtbot, slots, slots.choice_buttons[0].text())

    # Somebody else takes the first time while the senior reads the question.
    fhir.update({**fhir.read(f"Slot/{first['id']}"), "status": "busy"})
    tap(qtbot, view(window).yes_button)

    taken = wait_view(qtbot, window, "bookingTaken")
    assert taken.title_label.text() == "Someone else has just taken that time."
    assert "Nothing was booked" in said[-1]
    assert fhir.search("Appointment") == [], "no Appointment without its Slot"
    tap(qtbot, taken.button)
    again = wait_view(qtbot, window, "bookingSlots")
    assert len(again.choice_buttons) == 1, "only the time still free is offered"


def test_a_stale_version_is_refused_by_the_server_with_412_and_no_appointment(
    fhir: FhirServer,
) -> None:
    FhirClient = module("fhir").FhirClient
    SlotTaken = module("fhir").SlotTaken

    gp = fhir.schedule("GP")
    seeded = fhir.slot(gp, soon(1, 15))

    class Interrupted(FhirClient):
        """Somebody changes the Slot right after this client has read it."""

        def read_slot(self, slot_id: str) -> Any:
            seen = super().read_slot(slot_id)
            fhir.update({**fhir.read(f"Slot/{slot_id}"), "comment": "held at the desk"})
            return seen

    client = Interrupted(fhir.base, PATIENT)
    [slot] = FhirClient(fhir.base, PATIENT).free_slots(gp, datetime.now(UTC))
    statuses: list[int] = []
    original = client._set_slot

    def watch(resource: Any, version: str, state: str) -> int:
        statuses.append(original(resource, version, state))
        return statuses[-1]

    client._set_slot = watch  # type: ignore[method-assign]
    with pytest.raises(SlotTaken):
        client.book(slot, "GP")
    assert statuses == [412], "the server itself refused the stale If-Match"
    assert fhir.search("Appointment") == []
    assert fhir.read(f"Slot/{seeded['id']}")["status"] == "free"


def test_two_people_booking_one_time_at_once_get_one_booking_between_them(
    fhir: FhirServer,
) -> None:
    FhirClient = module("fhir").FhirClient
    SlotTaken = module("fhir").SlotTaken

    gp = fhir.schedule("GP")
    seeded = fhir.slot(gp, soon(1, 16))
    [slot] = FhirClient(fhir.base, PATIENT).free_slots(gp, datetime.now(UTC))
    both_read = threading.Barrier(2, timeout=20)
    outcomes: list[str] = []

    class Racing(FhirClient):  # type: ignore[misc,valid-type]
        """Each waits until the other has read the Slot too: both saw it free."""

        def read_slot(self, slot_id: str) -> Any:
            seen = super().read_slot(slot_id)
            if not getattr(self, "raced", False):
                self.raced = True
                both_read.wait()
            return seen

    def race(who: str) -> None:
        client = Racing(fhir.base, PATIENT)
        try:
            client.book(slot, "GP", proxy=who)
            outcomes.append(f"booked by {who}")
        except SlotTaken:
            outcomes.append("taken")

    runners = [threading.Thread(target=race, args=(who,)) for who in ("Mei", "Lei")]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join(timeout=30)
    assert sorted(outcomes)[-1] == "taken" and len(outcomes) == 2, outcomes
    [appointment] = fhir.search("Appointment")
    assert fhir.read(f"Slot/{seeded['id']}")["status"] == "busy"
    winner = outcomes[0] if outcomes[0] != "taken" else outcomes[1]
    proxy = [p["actor"].get("display") for p in appointment["participant"]]
    assert winner.removeprefix("booked by ") in proxy


def test_a_refused_appointment_puts_the_slot_back_and_the_senior_is_told_calmly(
    qtbot: Any, launcher: Any, fhir: FhirServer
) -> None:
    gp = fhir.schedule("GP")
    seeded = fhir.slot(gp, soon(1, 14))
    window, said = launcher(config_for(fhir, departments=f"GP = {gp}"))
    window.open_plugin("booking")
    tap(qtbot, wait_view(qtbot, window, "bookingAppointments").book_button)
    choose(qtbot, view(window), "GP")
    slots = wait_view(qtbot, window, "bookingSlots")
    choose(qtbot, slots, slots.choice_buttons[0].text())
    fhir.refuse("POST", "Appointment", 422)
    tap(qtbot, view(window).yes_button)

    fallback = wait_view(qtbot, window, "bookingFallback")
    assert fallback.title_label.text() == "The booking did not go through."
    assert "Nothing was booked" in said[-1]
    assert fhir.search("Appointment") == []
    assert fhir.read(f"Slot/{seeded['id']}")["status"] == "free", "the Slot was put back"
    assert any("creating the Appointment" in p and "HTTP 422" in p for p in helper_problems(window))


def test_the_server_going_away_mid_booking_brings_up_the_phone_and_the_booking_page(
    qtbot: Any, launcher: Any, fhir: FhirServer, dialled: list[str]
) -> None:
    gp = fhir.schedule("GP")
    fhir.slot(gp, soon(1, 14))
    window, said = launcher(config_for(fhir, departments=f"GP = {gp}"))
    window.open_plugin("booking")
    tap(qtbot, wait_view(qtbot, window, "bookingAppointments").book_button)
    choose(qtbot, view(window), "GP")
    slots = wait_view(qtbot, window, "bookingSlots")
    choose(qtbot, slots, slots.choice_buttons[0].text())
    fhir.stop()
    tap(qtbot, view(window).yes_button)

    fallback = wait_view(qtbot, window, "bookingFallback")
    assert fallback.number_label.text() == PHONE
    assert fallback.qr is not None and fallback.qr.text == PAGE and fallback.qr.isVisible()
    assert "You can call the hospital instead" in said[-1]
    assert "Traceback" not in " ".join(said)
    assert any("cannot be reached" in p for p in helper_problems(window))
    tap(qtbot, fallback.call_button)
    assert dialled == ["tel:01065155000"]
    assert window.host.unavailable == {}


def test_without_a_server_the_tile_shows_the_phone_number_and_the_booking_page(
    qtbot: Any, launcher: Any
) -> None:
    window, _said = launcher(config_for(None))
    window.open_plugin("booking")
    fallback = view(window)
    assert fallback.objectName() == "bookingFallback"
    assert fallback.title_label.text() == "Book by phone"
    assert fallback.number_label.text() == PHONE and fallback.call_button.isVisible()
    assert fallback.qr is not None and fallback.qr.text == PAGE


# -- the relative's phone -----------------------------------------------------------------


def ask(qtbot: Any, client: Client, body: dict[str, Any]) -> dict[str, Any]:
    """One message to the plugin; a job is waited for until it is done."""
    answer = client("POST", "/api/plugins/booking", json=body)
    assert answer.status_code == 200, answer.text
    data = dict(answer.json())
    if "job" not in data:
        return data
    box: dict[str, Any] = {}

    def finished() -> bool:
        box.update(client("POST", "/api/plugins/booking", json={"action": "job", **data}).json())
        return bool(box.get("done"))

    qtbot.waitUntil(finished, timeout=WAIT_MS)
    return box


def test_a_relative_books_and_cancels_from_the_phone_and_the_senior_hears_it(
    qtbot: Any, launcher: Any, fhir: FhirServer
) -> None:
    heart = fhir.schedule("Dr Li")
    seeded = fhir.slot(heart, soon(2, 9))
    window, said = launcher(config_for(fhir, doctors=f"Dr Li = {heart} = Room 305"))
    client = Client(qtbot, window.start_remote(port=0).url)
    pair(qtbot, window, client, "Mei")
    window.go_home()

    clinics = ask(qtbot, client, {"action": "departments"})
    assert clinics["online"] and clinics["phone"] == PHONE
    assert clinics["departments"] == [
        {"id": "d0", "name": "Dr Li", "place": "Room 305", "doctor": True}
    ]
    found = ask(qtbot, client, {"action": "slots", "schedule": "d0"})
    [slot] = found["result"]["slots"]
    assert slot["id"] == seeded["id"]
    booked = ask(qtbot, client, {"action": "book", "schedule": "d0", **_pick(slot)})
    assert "error" not in booked, booked
    appointment = booked["result"]["appointment"]
    assert appointment["booked_by"] == "Mei" and appointment["place"] == "Room 305"

    # The senior sees it come up, and hears it.
    shown = wait_view(qtbot, window, "bookingAnnounced")
    assert shown.title_label.text() == "Mei booked an appointment for you"
    assert shown.body_label.text() == f"{slot['when']} · Dr Li · Room 305"
    assert f"Mei booked an appointment for you {slot['when']} · Dr Li · Room 305" in said
    [stored] = fhir.search("Appointment")
    assert {"type": "RelatedPerson", "display": "Mei"} in [
        p["actor"] for p in stored["participant"]
    ]

    # The same time again: refused, nothing more booked.
    again = ask(qtbot, client, {"action": "book", "schedule": "d0", **_pick(slot)})
    assert again.get("taken") and "Nothing was booked" in again["error"]
    assert len(fhir.search("Appointment")) == 1

    listed = ask(qtbot, client, {"action": "appointments"})["result"]["appointments"]
    assert [a["id"] for a in listed] == [appointment["id"]]
    cancelled = ask(qtbot, client, {"action": "cancel", "appointment": appointment["id"]})
    assert cancelled["result"]["appointment"]["status"] == "cancelled"
    assert wait_view(qtbot, window, "bookingAnnounced").title_label.text() == (
        "Mei cancelled an appointment for you"
    )
    assert fhir.read(f"Slot/{seeded['id']}")["status"] == "free"

    wrong = client("POST", "/api/plugins/booking", json={"action": "book", "schedule": "x9"})
    assert wrong.status_code == 400 and "'schedule'" in wrong.json()["error"]


def _pick(slot: dict[str, Any]) -> dict[str, str]:
    return {"slot": slot["id"], "version": slot["version"]}


# -- bad answers, bad settings, reminders -------------------------------------------------


class StubFhir:
    """A stub FHIR server (not a real engine: a real one will not store broken data)
    that answers every GET with the JSON it is given."""

    def __init__(self) -> None:
        self.answer: Any = {}
        stub = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                body = stub.answer if isinstance(stub.answer, bytes) else None
                data = body if body is not None else json.dumps(stub.answer).encode()
                self.send_body(data, "application/fhir+json")

        self.server = serve_http(Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/fhir"

    def stop(self) -> None:
        stop_http(self.server)


@pytest.fixture
def stub() -> Iterator[StubFhir]:
    server = StubFhir()
    yield server
    server.stop()


def _bundle(*slots: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": s} for s in slots],
    }


GOOD_SLOT = {
    "resourceType": "Slot",
    "id": "s1",
    "meta": {"versionId": "1"},
    "schedule": {"reference": "Schedule/gp"},
    "status": "free",
    "start": "2099-03-10T09:00:00+08:00",
    "end": "2099-03-10T09:15:00+08:00",
}


@pytest.mark.parametrize(
    ("answer", "named"),
    [
        (b"<html>Service unavailable</html>", "is not JSON"),
        ({"resourceType": "OperationOutcome"}, "expected a Bundle, got 'OperationOutcome'"),
        ({"resourceType": "Bundle", "entry": {"x": 1}}, "entry that is not a list"),
        (_bundle({**GOOD_SLOT, "start": "2099-03-10T09:00:00"}), "Slot/s1 start"),
        (_bundle({k: v for k, v in GOOD_SLOT.items() if k != "end"}), "Slot/s1 end is None"),
        (_bundle({k: v for k, v in GOOD_SLOT.items() if k != "meta"}), "Slot/s1 has no meta"),
        (_bundle({**GOOD_SLOT, "schedule": {}}), "Slot/s1 has no schedule.reference"),
        (_bundle({**GOOD_SLOT, "resourceType": "Patient"}), "Bundle entry 0"),
        (_bundle({**GOOD_SLOT, "id": "../etc"}), "no valid id"),
    ],
)
def test_a_broken_answer_is_named_for_the_helper(stub: StubFhir, answer: Any, named: str) -> None:
    FhirClient = module("fhir").FhirClient
    FhirError = module("fhir").FhirError

    stub.answer = answer
    with pytest.raises(FhirError) as caught:
        FhirClient(stub.base, PATIENT).free_slots("Schedule/gp", datetime(2030, 1, 1, tzinfo=UTC))
    assert named in caught.value.helper
    stub.answer = _bundle(GOOD_SLOT)
    [slot] = FhirClient(stub.base, PATIENT).free_slots(
        "Schedule/gp", datetime(2030, 1, 1, tzinfo=UTC)
    )
    assert slot.start.utcoffset() == timedelta(hours=8)


def test_a_broken_answer_on_the_screen_is_calm_and_reported(
    qtbot: Any, launcher: Any, stub: StubFhir
) -> None:
    stub.answer = _bundle({**GOOD_SLOT, "start": "2099-03-10 09:00"})
    long_place = "Outpatient building, " * 8
    window, said = launcher(
        {**config_for(None), "server": stub.base, "departments": f"GP = Schedule/gp = {long_place}"}
    )
    window.open_plugin("booking")
    assert any("the place is" in p and "cut" in p for p in helper_problems(window))
    tap(qtbot, wait_view(qtbot, window, "bookingAppointments").book_button)
    choose(qtbot, view(window), "GP")
    fallback = wait_view(qtbot, window, "bookingFallback")
    assert fallback.title_label.text() == "The hospital cannot be reached just now."
    assert "Traceback" not in " ".join(said)
    assert any("Slot/s1 start" in p and "time zone" in p for p in helper_problems(window))
    assert len(plugin(window).clinics[0].place) <= 80
    assert window.host.unavailable == {}


def test_reminders_come_the_day_before_and_two_hours_before_once_each() -> None:
    Appointment = module("fhir").Appointment
    due_reminders = module("reminders").due_reminders

    start = datetime(2030, 3, 10, 9, 0, tzinfo=UTC)
    visit = Appointment("a1", "1", start, start + timedelta(minutes=15), "booked", "s1")
    said: set[str] = set()

    def at(moment: datetime) -> list[str]:
        due = due_reminders([visit], moment, said)
        said.update(key for key, _kind, _a in due)
        return [kind for _key, kind, _a in due]

    assert at(start - timedelta(hours=25)) == []
    assert at(start - timedelta(hours=24)) == ["day"]
    assert at(start - timedelta(hours=20)) == [], "said once"
    assert at(start - timedelta(hours=2)) == ["hours"]
    assert at(start - timedelta(minutes=30)) == []
    # Leling was off the day before: only the nearer reminder is said.
    assert [k for _key, k, _a in due_reminders([visit], start - timedelta(hours=1), set())] == [
        "hours"
    ]
    assert due_reminders([visit], start + timedelta(minutes=1), set()) == []
    cancelled = Appointment("a2", "1", start, start, "cancelled", "s2")
    assert due_reminders([cancelled], start - timedelta(hours=3), set()) == []


def test_a_reminder_comes_up_on_the_screen_and_is_read_aloud(
    qtbot: Any, launcher: Any, fhir: FhirServer
) -> None:
    gp = fhir.schedule("GP")
    fhir.slot(gp, soon(2, 9))
    window, said = launcher(config_for(fhir, departments=f"GP = {gp} = Room 1"))
    client = Client(qtbot, window.start_remote(port=0).url)
    pair(qtbot, window, client, "Mei")
    [slot] = ask(qtbot, client, {"action": "slots", "schedule": "c0"})["result"]["slots"]
    ask(qtbot, client, {"action": "book", "schedule": "c0", **_pick(slot)})
    window.go_home()
    booking = plugin(window)
    start = datetime.fromisoformat(slot["start"])
    booking.now = lambda: start - timedelta(hours=23)
    booking.check_reminders()
    reminder = wait_view(qtbot, window, "bookingReminder")
    assert reminder.title_label.text() == "Reminder: you see the doctor tomorrow"
    assert said[-1] == f"Reminder: you see the doctor tomorrow {slot['when']} · GP · Room 1"
    window.go_home()
    booking.check_reminders()
    assert window.stack.currentWidget() is window.home, "each reminder comes once"
    booking.now = lambda: start - timedelta(minutes=90)
    booking.check_reminders()
    assert wait_view(qtbot, window, "bookingReminder").title_label.text() == (
        "Reminder: you see the doctor in two hours"
    )


def test_after_a_restart_a_reminder_comes_up_though_the_tile_was_never_opened(
    qtbot: Any, launcher: Any, fhir: FhirServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    gp = fhir.schedule("GP")
    fhir.slot(gp, soon(2, 9))
    config = config_for(fhir, departments=f"GP = {gp} = Room 1")
    # Yesterday a relative booked from the phone; then Leling was closed.
    first, _said = launcher(config)
    client = Client(qtbot, first.start_remote(port=0).url)
    pair(qtbot, first, client, "Mei")
    [slot] = ask(qtbot, client, {"action": "slots", "schedule": "c0"})["result"]["slots"]
    ask(qtbot, client, {"action": "book", "schedule": "c0", **_pick(slot)})
    first.close()

    # Leling starts again, and nobody taps the Hospital tile.
    monkeypatch.setattr("launcher.ui.shell.BACKGROUND_START_MS", 50)
    monkeypatch.setattr(module("plugin"), "REMINDER_CHECK_MS", 50)
    window, said = launcher(config)
    qtbot.waitUntil(lambda: 0 in window.host._objects, timeout=WAIT_MS)
    booking = window.host._objects[0][0]
    start = datetime.fromisoformat(slot["start"])
    looked: list[datetime] = []

    def clock(moment: datetime) -> Callable[[], datetime]:
        def now() -> datetime:
            looked.append(moment)
            return moment

        return now

    def checks_go_on() -> None:
        seen = len(looked)
        qtbot.waitUntil(lambda: len(looked) >= seen + 6, timeout=WAIT_MS)

    booking.now = clock(start - timedelta(hours=30))
    checks_go_on()
    assert window.stack.currentWidget() is window.home, "nothing is due yet"
    booking.now = clock(start - timedelta(hours=23))
    reminder = wait_view(qtbot, window, "bookingReminder")
    assert reminder.title_label.text() == "Reminder: you see the doctor tomorrow"
    assert said[-1] == f"Reminder: you see the doctor tomorrow {slot['when']} · GP · Room 1"
    window.go_home()
    checks_go_on()
    assert window.stack.currentWidget() is window.home, "each reminder comes once"
    booking.now = clock(start - timedelta(minutes=90))
    assert wait_view(qtbot, window, "bookingReminder").title_label.text() == (
        "Reminder: you see the doctor in two hours"
    )
    assert window.host.unavailable == {}


def test_a_relative_books_a_time_in_the_phone_app(
    qtbot: Any,
    launcher: Any,
    fhir: FhirServer,
    browser: Any,  # noqa: F811
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    from test_webapp import pair_in_browser, wait_for

    eyes = fhir.schedule("Eye clinic")
    seeded = fhir.slot(eyes, soon(3, 10, 30))
    window, said = launcher(config_for(fhir, departments=f"Eye clinic = {eyes} = Room 4"))
    window.start_remote(port=0)
    pair_in_browser(window, browser, qtbot)
    window.go_home()
    when = plugin(window).when(soon(3, 10, 30))

    def book(driver: Any) -> str:
        wait_for(driver, "main[data-page=menu] a[href='#booking']").click()
        wait_for(driver, "main[data-page=booking] .booking-list li.hint")
        Select(driver.find_element(By.CSS_SELECTOR, "select[name=booking-clinic]")).select_by_index(
            0
        )
        driver.find_element(By.CSS_SELECTOR, "[data-booking=find]").click()
        wait_for(driver, f"button[data-slot='{seeded['id']}']").click()
        wait_for(driver, "[data-booking=book]").click()
        return str(wait_for(driver, "#bar.ok .bar-text").text)

    assert browser.run(book) == "Booked. It is on their screen now and was read to them."
    shown = wait_view(qtbot, window, "bookingAnnounced")
    assert shown.title_label.text() == "Mei booked an appointment for you"
    assert f"Mei booked an appointment for you {when} · Eye clinic · Room 4" in said
    assert fhir.read(f"Slot/{seeded['id']}")["status"] == "busy"

    def listed(driver: Any) -> str:
        return str(wait_for(driver, ".booking-list li.booking-item").text)

    text = browser.run(listed)
    assert when in text and "booked by Mei" in text
