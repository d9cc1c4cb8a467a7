"""One-tap taxi through the real shell: the senior taps a place and Yes, and the first
provider that works calls the taxi.

Real peers where they can run here: an aiosmtpd mail server and a webhook receiver for
the family's alerts, the real remote-help server with a paired relative, the system's
``tel:`` hand-off (caught by a URL handler), zbarimg reading the QR code off the screen.
No TOMP operator can run here: its adapter is tested against a stub HTTP server that
answers with the request and response shapes of TOMP-API 1.6.1's OpenAPI document, and
the tests say "stub" in their names.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import (
    CaughtLinks,
    Mailbox,
    QuietHandler,
    Said,
    Webhooks,
    catching_links,
    free_port,
    helper_problems,
    mail_to,
    plugin_screen,
    serve_http,
    start_shell,
    stop_http,
    tap,
)
from test_remote import Client, pair
from test_webapp import browser as browser

from launcher.core.manifest import parse_manifest
from launcher.core.registry import import_entry
from launcher.ui.shell import ShellWindow

pytest.importorskip("apprise", reason="apprise is installed by packaging/dev.sh")

ROOT = Path(__file__).resolve().parent.parent
WAIT_MS = 20_000
SENIOR = {
    "name": "Wang Fang",
    "address": "3 Xingfu Lane, Chaoyang, Beijing",
    "location": "39.9219,116.4436",
}
HOSPITAL = "City Hospital | 8 Gongren Tiyuchang South Road, Chaoyang | 39.9255,116.4521"
DAUGHTER = "Daughter's home | 北京市朝阳区望京花园12号楼3单元1502室 | 39.9960,116.4700"
PARK = "Park | Ritan Park, Chaoyang"

pytestmark = pytest.mark.usefixtures("restore_excepthook")


def taxi_modules() -> tuple[ModuleType, ModuleType]:
    """The plugin's own modules, as the shell imports them (to shrink its waits)."""
    entry = import_entry(parse_manifest(ROOT / "plugins" / "taxi" / "manifest.toml"))
    package = entry.__module__.rsplit(".", 1)[0]
    return sys.modules[entry.__module__], sys.modules[f"{package}.tomp"]


@pytest.fixture
def launcher(home: Path, qtbot: Any) -> Callable[..., tuple[ShellWindow, Said]]:
    """Starts the shell with the taxi tile (``config``) and a clock; what it says is
    recorded instead of spoken."""

    def start(
        config: dict[str, Any],
        contacts: list[dict[str, Any]] | None = None,
        senior: dict[str, str] | None = None,
    ) -> tuple[ShellWindow, Said]:
        said = Said()
        window = start_shell(
            home,
            qtbot,
            {
                "senior": SENIOR if senior is None else senior,
                "tiles": [{"plugin": "taxi", "config": config}, {"plugin": "clock"}],
                "contacts": contacts or [],
            },
            locale="en",
            said=said,
        )
        return window, said

    return start


def view(window: ShellWindow) -> Any:
    return plugin_screen(window, "taxi").view


def book(window: ShellWindow, qtbot: Any, place: str) -> None:
    """Open the tile, tap ``place``, then Yes."""
    window.open_tile(0)
    places = view(window)
    assert places.objectName() == "taxiPlaces"
    button = next(b for b in places.choice_buttons if b.text() == place)
    tap(qtbot, button)
    question = view(window)
    assert question.objectName() == "taxiConfirm"
    tap(qtbot, question.yes_button)


def ride_title(window: ShellWindow) -> str:
    current = view(window)
    if current.objectName() != "taxiRide":
        return ""
    return str(current.title_label.text())


def family_contact(name: str, url: str) -> dict[str, Any]:
    return {"name": name, "emergency": True, "alerts": [url]}


@pytest.fixture
def webhooks(webhooks: Webhooks) -> Webhooks:
    """The webhook receiver, listening from the start."""
    webhooks.start()
    return webhooks


@pytest.fixture
def phone_app() -> Iterator[CaughtLinks]:
    """Stands in for the phone app: ``tel:`` links land here."""
    with catching_links("tel") as caught:
        yield caught


# -- the family books it -----------------------------------------------------------------


def test_family_proxy_mails_from_to_and_time_and_the_answer_comes_up_big_and_spoken(
    qtbot: Any, launcher: Any, mail: tuple[Mailbox, int]
) -> None:
    box, smtp_port = mail
    wei = mail_to(smtp_port, "wei@family.test")
    window, said = launcher(
        {"destinations": [HOSPITAL, PARK], "providers": "family, phone"},
        [family_contact("Wang Wei", wei)],
    )
    remote = window.start_remote(port=0, bind="127.0.0.1")
    client = Client(qtbot, remote.url)
    pair(qtbot, window, client, "Wang Wei")

    book(window, qtbot, "City Hospital")
    assert ride_title(window) == "Asking your family to book a taxi"
    assert "Wang Wei got your request" in view(window).body_label.text()
    assert "Asking your family to book a taxi" in said.text()

    qtbot.waitUntil(lambda: len(box.messages) == 1, timeout=WAIT_MS)
    message = box.mails()[0]
    assert message["To"] == "wei@family.test"
    assert message["Subject"] == "Taxi for Wang Fang, please"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "From: Home, 3 Xingfu Lane, Chaoyang, Beijing" in text
    assert "To: City Hospital, 8 Gongren Tiyuchang South Road, Chaoyang" in text
    assert re.search(r"Asked at: \d{4}-\d\d-\d\d \d\d:\d\d, for now\.", text), text

    listed = client("POST", "/api/plugins/taxi", json={"action": "requests"})
    assert listed.status_code == 200, listed.text
    (request,) = listed.json()["requests"]
    assert request["to"] == "City Hospital" and request["from_address"] == SENIOR["address"]

    # The senior went back Home meanwhile: the answer brings the taxi screen back up.
    window.go_home()
    answer = client(
        "POST",
        "/api/plugins/taxi",
        json={
            "action": "answer",
            "request": request["id"],
            "car": "white car",
            "plate": "京A12345",
            "time": "10:20",
            "driver_phone": "138 0013 8000",
        },
    )
    assert answer.status_code == 200, answer.text
    assert ride_title(window) == "Wang Wei booked your taxi"
    body = view(window).body_label.text()
    for line in ("Car: white car", "Plate: 京A12345", "Comes at: 10:20"):
        assert line in body
        assert line in said.text(), "and said aloud"
    assert view(window).cancel.isVisible(), "Cancel stays until the driver is there"
    assert view(window).ring.text() == "Call the driver"
    after = client("POST", "/api/plugins/taxi", json={"action": "requests"})
    assert after.json()["requests"] == [], "answered requests are no longer open"


def test_a_malformed_answer_is_refused_naming_the_field_and_nothing_changes(
    qtbot: Any, launcher: Any, webhooks: Webhooks
) -> None:
    window, _said = launcher(
        {"destinations": [HOSPITAL], "providers": "family, phone"},
        [family_contact("Wang Wei", webhooks.url)],
    )
    remote = window.start_remote(port=0, bind="127.0.0.1")
    client = Client(qtbot, remote.url)
    pair(qtbot, window, client, "Wang Wei")
    book(window, qtbot, "City Hospital")
    qtbot.waitUntil(lambda: len(webhooks.received) == 1, timeout=WAIT_MS)
    assert "From: Home, 3 Xingfu Lane" in webhooks.received[0]["message"]
    (request,) = client("POST", "/api/plugins/taxi", json={"action": "requests"}).json()["requests"]
    stored = window.instance.profile_dir / "plugin-data" / "taxi" / "requests.json"
    before = stored.read_bytes()
    good = {"action": "answer", "request": request["id"], "car": "white", "time": "10:20"}
    cases = [
        ({**good}, "'plate' is missing"),
        ({**good, "plate": "A" * 21}, "'plate' must be text of at most 20 characters"),
        ({**good, "plate": 12345}, "'plate' must be text"),
        ({**good, "plate": "京A1", "request": "nope"}, "'request' does not name an open"),
        ({**good, "plate": "京A1", "driver_phone": "call me"}, "'driver_phone' must be a phone"),
        ({"action": "book"}, "'action' must be one of: requests, answer, cannot"),
    ]
    for body, sentence in cases:
        answer = client("POST", "/api/plugins/taxi", json=body)
        assert answer.status_code == 400, (body, answer.text)
        assert sentence in answer.json()["error"], answer.text
    assert stored.read_bytes() == before, "nothing was changed"
    assert ride_title(window) == "Asking your family to book a taxi"


def test_a_relative_who_cannot_book_hands_over_to_the_phone_number_and_the_senior_is_told(
    qtbot: Any, launcher: Any, webhooks: Webhooks
) -> None:
    window, said = launcher(
        {"destinations": [HOSPITAL], "providers": "family, phone", "phone_number": "95128"},
        [family_contact("Wang Wei", webhooks.url)],
    )
    remote = window.start_remote(port=0, bind="127.0.0.1")
    client = Client(qtbot, remote.url)
    pair(qtbot, window, client, "Wang Wei")
    book(window, qtbot, "City Hospital")
    (request,) = client("POST", "/api/plugins/taxi", json={"action": "requests"}).json()["requests"]
    answer = client(
        "POST", "/api/plugins/taxi", json={"action": "cannot", "request": request["id"]}
    )
    assert answer.status_code == 200 and answer.json()["next"] == "phone"
    assert ride_title(window) == "Call this number for a taxi"
    lead = "Wang Wei cannot book a taxi right now. Here is the taxi number to call instead."
    assert view(window).body_label.text().startswith(lead)
    assert lead in said.text()


def test_when_the_family_stays_silent_the_phone_number_comes_up_on_the_home_screen(
    qtbot: Any, launcher: Any, webhooks: Webhooks, monkeypatch: pytest.MonkeyPatch
) -> None:
    plugin_module, _tomp = taxi_modules()
    monkeypatch.setattr(plugin_module, "MINUTE_MS", 200)
    window, said = launcher(
        {"destinations": [HOSPITAL], "providers": "family, phone", "family_wait_minutes": 1},
        [family_contact("Wang Wei", webhooks.url)],
    )
    book(window, qtbot, "City Hospital")
    assert ride_title(window) == "Asking your family to book a taxi"
    window.go_home()
    qtbot.waitUntil(lambda: ride_title(window) == "Call this number for a taxi", timeout=WAIT_MS)
    lead = "Your family has not answered yet. Here is the taxi number to call instead."
    assert view(window).body_label.text().startswith(lead)
    assert lead in said.text()
    stored = window.instance.profile_dir / "plugin-data" / "taxi" / "requests.json"
    assert [r["state"] for r in json.loads(stored.read_text(encoding="utf-8"))] == ["expired"]


# -- TOMP-API, against a stub operator ------------------------------------------------------


class TompStub:
    """A stand-in TOMP operator on 127.0.0.1, answering with the shapes of TOMP-API
    1.6.1 (``planning``, ``booking``, ``bookingOperation``, ``error``). Not a real peer:
    no TOMP server can run here."""

    TOKEN = "secret-token"

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/tomp"
        self.calls: list[tuple[str, str, Any]] = []
        self.offers_status = 201
        self.leg_state = "NOT_STARTED"
        self.booking_state = "CONFIRMED"
        self.release = threading.Event()
        self.hang = False
        self.places: dict[str, Any] = {}
        self.server: ThreadingHTTPServer | None = None

    def booking(self, booking_id: str, state: str) -> dict[str, Any]:
        leg: dict[str, Any] = {
            "id": f"{booking_id}-leg",
            "from": self.places.get("from"),
            "to": self.places.get("to"),
            "assetType": {"id": "taxi-standard", "assetClass": "TAXI"},
            "state": self.leg_state,
        }
        extra: dict[str, Any] = {}
        if state in ("CONFIRMED", "STARTED", "FINISHED"):
            leg["asset"] = {
                "id": "car-7",
                "licensePlate": "京B88888",
                "overriddenProperties": {"colour": "white", "brand": "Hongqi"},
            }
            extra = {"safeWaitTime": 6, "driverName": "Li Qiang", "driverPhone": "13800138000"}
        return {
            "id": booking_id,
            "state": state,
            "from": self.places.get("from"),
            "to": self.places.get("to"),
            "legs": [leg],
            "pricing": {"estimated": True, "parts": [{"amount": 35, "currencyCode": "CNY"}]},
            "extraData": extra,
        }

    def start(self) -> None:
        stub = self

        class Handler(QuietHandler):
            def reply(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_body(data, "application/json", status, {"Content-Language": "en"})

            def error(self, status: int, title: str) -> None:
                self.reply(status, {"errorcode": status * 10, "type": "stub", "title": title})

            def handle_call(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                path = self.path.removeprefix("/tomp")
                stub.calls.append((method, path, body))
                # Headers the spec marks required, and the operator's token.
                for header in ("Accept-Language", "Api", "Api-Version", "maas-id"):
                    if not self.headers.get(header):
                        return self.error(400, f"missing header {header}")
                if self.headers.get("Authorization") != f"Bearer {stub.TOKEN}":
                    return self.error(401, "unauthorized")
                if method == "POST" and path == "/planning/offers":
                    if stub.hang:
                        stub.release.wait(15)
                    if stub.offers_status != 201:
                        return self.error(stub.offers_status, "operator unavailable")
                    for end in ("from", "to"):
                        place = body[end]
                        assert isinstance(place["coordinates"]["lat"], float)
                        assert isinstance(place["coordinates"]["lng"], float)
                        assert place["physicalAddress"]["streetAddress"]
                        assert place["physicalAddress"]["areaReference"]
                        stub.places[end] = place
                    bus = {
                        "id": "offer-bus",
                        "state": "NEW",
                        "legs": [
                            {"from": body["from"], "assetType": {"id": "b", "assetClass": "BUS"}}
                        ],
                    }
                    taxi = {**stub.booking("offer-taxi-1", "NEW")}
                    valid = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)).isoformat()
                    return self.reply(201, {"validUntil": valid, "options": [bus, taxi]})
                if method == "POST" and path == "/bookings":
                    if body.get("id") != "offer-taxi-1":
                        return self.error(404, "no such offer")
                    return self.reply(201, stub.booking(body["id"], "PENDING"))
                found = re.fullmatch(r"/bookings/([\w-]+)(/events)?", path)
                if found and found.group(1) == "offer-taxi-1":
                    if method == "GET" and not found.group(2):
                        return self.reply(200, stub.booking("offer-taxi-1", stub.booking_state))
                    if method == "POST" and found.group(2):
                        operation = body.get("operation")
                        if operation == "COMMIT":
                            return self.reply(200, stub.booking("offer-taxi-1", "CONFIRMED"))
                        if operation == "CANCEL":
                            stub.booking_state = "CANCELLED"
                            return self.reply(200, stub.booking("offer-taxi-1", "CANCELLED"))
                        return self.error(400, f"unknown operation {operation!r}")
                return self.error(404, "not found")

            def do_GET(self) -> None:
                self.handle_call("GET")

            def do_POST(self) -> None:
                self.handle_call("POST")

        self.server = serve_http(Handler, self.port)

    def stop(self) -> None:
        self.release.set()
        if self.server is not None:
            stop_http(self.server)


@pytest.fixture
def tomp_stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[TompStub]:
    plugin_module, tomp_module = taxi_modules()
    monkeypatch.setattr(plugin_module, "POLL_MS", 100)
    monkeypatch.setattr(tomp_module, "TIMEOUT_S", 1.0)
    stub = TompStub()
    stub.start()
    yield stub
    stub.stop()


def tomp_config(stub: TompStub, providers: str = "tomp, phone") -> dict[str, Any]:
    return {
        "destinations": [HOSPITAL, PARK],
        "providers": providers,
        "tomp_url": stub.url,
        "tomp_token": stub.TOKEN,
        "tomp_maas_id": "leling-test",
    }


def test_tomp_adapter_books_against_a_stub_server_and_follows_the_car_until_it_arrives(
    qtbot: Any, launcher: Any, tomp_stub: TompStub
) -> None:
    window, said = launcher(tomp_config(tomp_stub))
    book(window, qtbot, "City Hospital")
    qtbot.waitUntil(lambda: ride_title(window) == "A driver is coming", timeout=WAIT_MS)
    steps = [(method, path) for method, path, _ in tomp_stub.calls[:3]]
    assert steps == [
        ("POST", "/planning/offers"),
        ("POST", "/bookings"),
        ("POST", "/bookings/offer-taxi-1/events"),
    ]
    offers, booking, commit = (body for _, _, body in tomp_stub.calls[:3])
    assert offers["from"]["coordinates"] == {"lat": 39.9219, "lng": 116.4436}
    assert offers["to"]["name"] == "City Hospital" and offers["nrOfTravelers"] == 1
    assert booking["id"] == "offer-taxi-1", "the taxi offer, not the bus"
    assert commit == {"operation": "COMMIT"}
    body = view(window).body_label.text()
    for line in ("Car: white Hongqi", "Plate: 京B88888", "Driver: Li Qiang", "In about 6 minutes"):
        assert line in body and line in said.text()
    assert view(window).cancel.isVisible()

    tomp_stub.leg_state = "PREPARING"
    qtbot.waitUntil(lambda: ride_title(window) == "Your taxi is on its way", timeout=WAIT_MS)
    assert ("GET", "/bookings/offer-taxi-1", None) in tomp_stub.calls
    tomp_stub.leg_state = "IN_USE"
    qtbot.waitUntil(lambda: ride_title(window) == "Your taxi is here", timeout=WAIT_MS)
    assert "Your taxi is here" in said.text()
    assert not view(window).cancel.isVisible(), "no Cancel once the driver is there"
    assert view(window).again.isVisible()


def test_a_tomp_ride_followed_from_the_home_screen_comes_up_spoken_when_the_taxi_is_here(
    qtbot: Any, launcher: Any, tomp_stub: TompStub
) -> None:
    window, said = launcher(tomp_config(tomp_stub))
    book(window, qtbot, "City Hospital")
    qtbot.waitUntil(lambda: ride_title(window) == "A driver is coming", timeout=WAIT_MS)
    window.go_home()

    def looks() -> int:
        return sum(method == "GET" for method, _path, _body in tomp_stub.calls)

    # The booking is still followed from the home screen; nothing new, nothing comes up.
    before = looks()
    qtbot.waitUntil(lambda: looks() >= before + 3, timeout=WAIT_MS)
    assert window.stack.currentWidget() is window.home
    heard = len(said)
    tomp_stub.leg_state = "IN_USE"
    qtbot.waitUntil(lambda: ride_title(window) == "Your taxi is here", timeout=WAIT_MS)
    assert "Your taxi is here" in " ".join(said[heard:]), "and said aloud"
    assert "Plate: 京B88888" in view(window).body_label.text()
    assert view(window).again.isVisible()
    # The ride is over: the plugin stopped following it.
    context = window.host._objects[0][1]
    assert not [timer for timer in context.background_timers if timer.active]
    assert window.host.unavailable == {}


def test_tomp_cancel_on_a_stub_server_tells_the_operator_and_the_senior(
    qtbot: Any, launcher: Any, tomp_stub: TompStub
) -> None:
    window, said = launcher(tomp_config(tomp_stub))
    book(window, qtbot, "City Hospital")
    qtbot.waitUntil(lambda: ride_title(window) == "A driver is coming", timeout=WAIT_MS)
    tap(qtbot, view(window).cancel)
    question = view(window)
    assert question.objectName() == "taxiCancelConfirm"
    tap(qtbot, question.yes_button)
    assert ride_title(window) == "The taxi is cancelled"
    assert "The taxi is cancelled" in said.text()
    qtbot.waitUntil(
        lambda: (
            ("POST", "/bookings/offer-taxi-1/events", {"operation": "CANCEL", "origin": "END_USER"})
            in tomp_stub.calls
        ),
        timeout=WAIT_MS,
    )


def test_tomp_stub_server_failing_with_503_hands_over_to_the_family_and_the_senior_is_told(
    qtbot: Any, launcher: Any, tomp_stub: TompStub, webhooks: Webhooks
) -> None:
    tomp_stub.offers_status = 503
    window, said = launcher(
        tomp_config(tomp_stub, "tomp, family, phone"), [family_contact("Wang Wei", webhooks.url)]
    )
    book(window, qtbot, "City Hospital")
    qtbot.waitUntil(
        lambda: ride_title(window) == "Asking your family to book a taxi", timeout=WAIT_MS
    )
    lead = "The taxi company's app did not answer. Asking your family instead."
    assert view(window).body_label.text().startswith(lead)
    assert lead in said.text()
    qtbot.waitUntil(lambda: len(webhooks.received) == 1, timeout=WAIT_MS)
    assert [path for _, path, _ in tomp_stub.calls] == ["/planning/offers"]


def test_tomp_stub_server_that_never_answers_times_out_to_the_phone_number(
    qtbot: Any, launcher: Any, tomp_stub: TompStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    _plugin, tomp_module = taxi_modules()
    monkeypatch.setattr(tomp_module, "TIMEOUT_S", 0.3)
    tomp_stub.hang = True
    window, said = launcher(tomp_config(tomp_stub, "tomp, phone"))
    book(window, qtbot, "City Hospital")
    assert ride_title(window) == "Calling a taxi…"
    qtbot.waitUntil(lambda: ride_title(window) == "Call this number for a taxi", timeout=WAIT_MS)
    lead = "The taxi company's app did not answer. Here is the taxi number to call instead."
    assert lead in said.text()
    assert view(window).number.text() == "95128"


# -- the booking number ------------------------------------------------------------------------


def test_phone_shows_the_number_huge_says_it_and_hands_it_to_the_phone_app(
    qtbot: Any, launcher: Any, phone_app: CaughtLinks, monkeypatch: pytest.MonkeyPatch
) -> None:
    window, said = launcher({"destinations": [HOSPITAL], "providers": "phone"})
    book(window, qtbot, "City Hospital")
    ride = view(window)
    assert ride_title(window) == "Call this number for a taxi"
    assert ride.number.text() == "95128"
    assert ride.number.height() >= 2 * ride.body_label.fontMetrics().height(), "huge digits"
    assert "Tell them: a taxi from 3 Xingfu Lane" in ride.body_label.text()
    assert "The taxi number is 9 5 1 2 8." in said.text()
    assert not ride.cancel.isVisible(), "nothing was booked, so nothing to cancel"
    tap(qtbot, ride.ring)
    qtbot.waitUntil(lambda: phone_app.urls == ["tel:95128"], timeout=WAIT_MS)
    assert "Ringing 9 5 1 2 8." in said

    # A computer that cannot ring says so in plain words.
    context = window.host._objects[0][1]
    monkeypatch.setattr(context, "open_url", lambda url: False)
    tap(qtbot, ride.ring)
    plain = "This computer cannot make calls. Please dial 95128 on your phone."
    assert plain in ride.body_label.text()
    assert said[-1] == "This computer cannot make calls. Please dial 9 5 1 2 8 on your phone."


# -- the QR code ---------------------------------------------------------------------------


def test_qr_encodes_the_uber_link_with_pickup_and_drop_off_and_is_skipped_without_positions(
    qtbot: Any, launcher: Any, tmp_path: Path
) -> None:
    if shutil.which("zbarimg") is None:
        pytest.skip("zbar-tools is installed by packaging/dev.sh")
    window, _said = launcher(
        {"destinations": [DAUGHTER, PARK], "providers": "qr, phone", "uber_client_id": "abc"}
    )
    book(window, qtbot, "Daughter's home")
    assert ride_title(window) == "Scan this with a phone"
    qr = view(window).qr
    picture = tmp_path / "qr.png"
    assert qr.grab().save(str(picture))
    decoded = (
        subprocess.run(
            ["zbarimg", "--quiet", "--raw", str(picture)], capture_output=True, check=True
        )
        .stdout.decode("utf-8")
        .strip()
    )
    assert decoded == qr.text
    link = urlsplit(decoded)
    assert (link.scheme, link.netloc, link.path) == ("https", "m.uber.com", "/ul/")
    query = {key: values[0] for key, values in parse_qs(link.query).items()}
    assert query["action"] == "setPickup" and query["client_id"] == "abc"
    assert (query["pickup[latitude]"], query["pickup[longitude]"]) == ("39.921900", "116.443600")
    assert (query["dropoff[latitude]"], query["dropoff[longitude]"]) == ("39.996000", "116.470000")
    assert query["dropoff[formatted_address]"] == "北京市朝阳区望京花园12号楼3单元1502室"
    assert query["pickup[formatted_address]"] == SENIOR["address"]
    assert "%5B" in decoded and " " not in decoded, "brackets and spaces are percent-encoded"

    # The park has no position: no QR code for it, the next provider instead.
    assert not view(window).again.isVisible(), "Back and the tile lead on from a code"
    window.go_home()
    window.open_tile(0)
    tap(qtbot, next(b for b in view(window).choice_buttons if b.text() == "Park"))
    tap(qtbot, view(window).yes_button)
    assert ride_title(window) == "Call this number for a taxi"
    assert any("QR code was skipped" in p for p in helper_problems(window))


# -- bad input ----------------------------------------------------------------------------------


def test_an_address_too_long_for_the_screen_wraps_and_never_clips(
    qtbot: Any, launcher: Any
) -> None:
    long_address = (
        "Building 12, Unit 3, Apartment 1502, Wangjing Garden Community, Wangjing West Road, "
        "Wangjing Street, Chaoyang District, Beijing 100102, opposite the big supermarket, "
        "north gate, ring the bell twice and wait for the guard"
    )
    window, _said = launcher(
        {"destinations": [f"Daughter's home | {long_address}"], "providers": "phone"}
    )

    def fits(label: Any) -> None:
        assert label.isVisible() and label.wordWrap()
        assert label.minimumSizeHint().width() <= label.width(), "no line wider than the label"
        assert label.heightForWidth(label.width()) <= label.height(), "every line shown"
        right = label.mapTo(window, label.rect().topRight()).x()
        assert right <= window.width(), "inside the window"

    window.open_tile(0)
    tap(qtbot, view(window).choice_buttons[0])
    question = view(window)
    qtbot.waitUntil(lambda: question.detail_label.height() > 0, timeout=WAIT_MS)
    fits(question.detail_label)
    assert long_address in question.detail_label.text()
    tap(qtbot, question.yes_button)
    ride = view(window)
    fits(ride.body_label)
    assert long_address in ride.body_label.text()
    assert ride.ring.mapTo(window, ride.ring.rect().bottomLeft()).y() <= window.height()


def test_missing_config_gives_the_helper_a_clear_report_and_the_senior_calm_words(
    qtbot: Any, launcher: Any
) -> None:
    window, _said = launcher({})
    window.open_tile(0)
    screen = view(window)
    assert screen.objectName() == "taxiSetup"
    assert screen.title_label.text() == "The taxi is not set up yet"
    assert "Your family can add them" in screen.body_label.text()
    assert any("'destinations' setting" in p for p in helper_problems(window))
    assert window.host.unavailable == {}


def test_a_missing_home_address_and_a_bad_place_are_reported_by_name(
    qtbot: Any, launcher: Any
) -> None:
    no_home = {"name": "Wang Fang", "address": ""}
    window, _said = launcher(
        {"destinations": [HOSPITAL, "Park | Ritan Park | north gate"]}, senior=no_home
    )
    window.open_tile(0)
    assert view(window).objectName() == "taxiSetup"
    assert "Your home address is missing" in view(window).body_label.text()
    found = helper_problems(window)
    assert any("'senior.address'" in p for p in found)
    assert any(
        "'destinations', item 2 ('Park | Ritan Park" in p and "without a position" in p
        for p in found
    ), "the bad place is named by its number"


def test_places_are_a_list_checked_item_by_item() -> None:
    manifest = parse_manifest(ROOT / "plugins" / "taxi" / "manifest.toml")
    good = [HOSPITAL, PARK, "# Daughter's home | away until May"]
    assert manifest.effective_config({"destinations": good}) == (
        {**manifest.config_defaults(), "destinations": good},
        [],
    )
    # A bad place is left out; the good ones stay.
    kept, found = manifest.effective_config({"destinations": [HOSPITAL, "the hospital"]})
    assert kept["destinations"] == [HOSPITAL]
    assert "destinations.1" in found[0] and "not in the expected form" in found[0]
    kept, found = manifest.effective_config({"destinations": [PARK] * 13})
    assert len(kept["destinations"]) == 12 and "more than 12 items" in found[0]
    plugin_module, _tomp = taxi_modules()
    places_module = sys.modules[plugin_module.__name__.rsplit(".", 1)[0] + ".places"]
    places, found = places_module.parse_destinations(good)
    assert [p.name for p in places] == ["City Hospital", "Park"], "# sets an item aside"
    assert found == []


# -- the relative's phone app --------------------------------------------------------------------


def test_a_relative_answers_the_taxi_request_from_the_phone_app(
    qtbot: Any, launcher: Any, webhooks: Webhooks, browser: Any
) -> None:
    from selenium.webdriver.common.by import By
    from test_webapp import pair_in_browser, wait_for

    window, said = launcher(
        {"destinations": [HOSPITAL], "providers": "family, phone", "family": "Mei"},
        [family_contact("Mei", webhooks.url), family_contact("Neighbour", webhooks.url + "/n")],
        senior={**SENIOR, "name": "Margaret"},
    )
    window.start_remote(port=0, bind="127.0.0.1")
    assert pair_in_browser(window, browser, qtbot) == "Helping Margaret"
    book(window, qtbot, "City Hospital")
    qtbot.waitUntil(lambda: len(webhooks.received) == 1, timeout=WAIT_MS)
    assert webhooks.received[0]["title"] == "Taxi for Margaret, please"
    body = view(window).body_label.text()
    assert "Mei got your request" in body and "Neighbour" not in body, "only Mei was asked"

    def open_request(driver: Any) -> str:
        driver.refresh()
        wait_for(driver, "main[data-page=menu] a[href='#taxi']").click()
        return str(wait_for(driver, "main[data-page=taxi] li.taxi-request").text)

    text = browser.run(open_request)
    assert "To City Hospital: 8 Gongren Tiyuchang South Road" in text
    assert "From Home: 3 Xingfu Lane" in text

    def answer(driver: Any, plate: str) -> str:
        form = wait_for(driver, "li.taxi-request form")
        form.find_element(By.NAME, "car").clear()
        form.find_element(By.NAME, "car").send_keys("white Volkswagen")
        form.find_element(By.NAME, "plate").clear()
        form.find_element(By.NAME, "plate").send_keys(plate)
        form.find_element(By.NAME, "time").clear()
        form.find_element(By.NAME, "time").send_keys("10:20")
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        if not plate:
            return str(wait_for(driver, "li.taxi-request .field-error").text)
        return str(wait_for(driver, "#bar.ok .bar-text").text)

    assert "'plate' is missing" in browser.run(lambda d: answer(d, ""))
    assert ride_title(window) == "Asking your family to book a taxi", "nothing changed"
    assert browser.run(lambda d: answer(d, "京A12345")) == "Sent. Their screen shows the car now."
    assert ride_title(window) == "Mei booked your taxi"
    assert "Plate: 京A12345" in view(window).body_label.text()
    assert "Plate: 京A12345" in said.text()
    assert "No taxi requests waiting." in browser.run(
        lambda d: str(wait_for(d, "main[data-page=taxi] ul.taxi-requests li.hint").text)
    )
