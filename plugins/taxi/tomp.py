"""A taxi booked through TOMP-API, the open Transport Operator ↔ MaaS Provider API.

Written against TOMP-API 1.6.1, ``TOMP-API.yaml`` at tag v1.6.1 of
github.com/TOMP-WG/TOMP-API (commit 1bf2f1786fc1b37a24f19cdda812476dff44c9f9):

- planning: ``POST /planning/offers`` (a ``planningRequest``) answers 201 with a
  ``planning`` whose ``options`` are bookings in state NEW, each with an ``id``;
- booking: ``POST /bookings`` (a ``bookingRequest`` carrying that ``id``) answers 201 with
  the booking PENDING; ``POST /bookings/{id}/events`` with ``{"operation": "COMMIT"}``
  answers 200 with it CONFIRMED (or CONDITIONAL_CONFIRMED);
- ``GET /bookings/{id}`` follows it: the leg's ``asset.licensePlate`` and
  ``overriddenProperties`` (colour, brand, model) once a car is assigned, the leg
  ``state`` PREPARING while it comes and IN_USE once the senior is in; ``extraData``
  ``safeWaitTime`` is the predicted wait in minutes;
- ``{"operation": "CANCEL", "origin": "END_USER"}`` on the events endpoint cancels.

Every call carries the required headers ``Accept-Language``, ``Api``, ``Api-Version`` and
``maas-id``, and the operator's token as a bearer token. TOMP has no field for the
driver's name or phone; operators that agree to send them put ``driverName`` and
``driverPhone`` in the booking's ``extraData`` (free for bilateral use in the spec).

Nothing here touches Qt: the plugin calls it on a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

from .places import Place

#: Seconds one call may take before the operator counts as not answering.
TIMEOUT_S = 8.0
API_VERSION = "1.6.1"
_CANCELLED = {"CANCELLED", "REJECTED", "RELEASED", "EXPIRED"}
_ARRIVED_LEG = {"IN_USE", "PAUSED", "FINISHING"}


class TompError(Exception):
    """The operator did not answer, or answered something that is not a booking."""


@dataclass(frozen=True)
class RideState:
    """A booking as the senior's screen tells it."""

    booking_id: str
    #: requested, assigned, arriving, arrived, finished or cancelled.
    stage: str
    car: str = ""
    plate: str = ""
    driver: str = ""
    phone: str = ""
    minutes: int | None = None


def _place(place: Place) -> dict[str, Any]:
    area = place.address.rsplit(",", 1)[-1].strip() or place.address
    return {
        "name": place.name,
        "coordinates": {"lat": place.lat, "lng": place.lon},
        "physicalAddress": {"streetAddress": place.address, "areaReference": area},
    }


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def ride_state(booking: Any) -> RideState:
    """Read a TOMP ``booking`` object; TompError when it is not one."""
    if not isinstance(booking, dict) or not _text(booking.get("id")):
        raise TompError("the answer is not a booking with an id")
    state = _text(booking.get("state"))
    legs = booking.get("legs")
    leg = _object(legs[0] if isinstance(legs, list) and legs else None)
    asset = _object(leg.get("asset"))
    looks = _object(asset.get("overriddenProperties"))
    extra = _object(booking.get("extraData"))
    car = " ".join(filter(None, (_text(looks.get(k)) for k in ("colour", "brand", "model"))))
    plate = _text(asset.get("licensePlate"))
    wait = extra.get("safeWaitTime")
    minutes = wait if isinstance(wait, int) and not isinstance(wait, bool) and wait >= 0 else None
    leg_state = _text(leg.get("state"))
    if state in _CANCELLED or leg_state == "CANCELLED":
        stage = "cancelled"
    elif state == "FINISHED" or leg_state == "FINISHED":
        stage = "finished"
    elif state == "STARTED" or leg_state in _ARRIVED_LEG:
        stage = "arrived"
    elif leg_state == "PREPARING":
        stage = "arriving"
    elif plate and state in ("CONFIRMED", "CONDITIONAL_CONFIRMED"):
        stage = "assigned"
    else:
        stage = "requested"
    return RideState(
        booking_id=_text(booking.get("id")),
        stage=stage,
        car=car,
        plate=plate,
        driver=_text(extra.get("driverName")),
        phone=_text(extra.get("driverPhone")),
        minutes=minutes,
    )


class TompClient:
    """One operator's TOMP endpoint. Each method blocks: call it off the UI thread."""

    def __init__(self, base_url: str, token: str, maas_id: str, language: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers.update(
            {
                "Accept-Language": language.replace("_", "-"),
                "Api": "TOMP",
                "Api-Version": API_VERSION,
                "maas-id": maas_id,
                "Accept": "application/json",
            }
        )
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        # No retries: a POST that timed out may have booked; the next provider takes
        # over instead, and the senior is told.
        try:
            answer = self.session.request(
                method, self.base_url + path, json=body, timeout=TIMEOUT_S
            )
        except requests.RequestException as exc:
            raise TompError(f"{method} {path}: {type(exc).__name__}") from exc
        if answer.status_code >= 400:
            raise TompError(f"{method} {path}: HTTP {answer.status_code}")
        try:
            return answer.json()
        except ValueError as exc:
            raise TompError(f"{method} {path}: the answer is not JSON") from exc

    def book(self, pickup: Place, dropoff: Place, when: str) -> RideState:
        """Ask for offers, book the first taxi offer, and commit it."""
        planning = self._call(
            "POST",
            "/planning/offers",
            {
                "from": _place(pickup),
                "to": _place(dropoff),
                "departureTime": when,
                "nrOfTravelers": 1,
            },
        )
        options = planning.get("options") if isinstance(planning, dict) else None
        if not isinstance(options, list) or not options:
            raise TompError("no taxi is offered for this trip")
        option = next((o for o in options if _is_taxi(o)), options[0])
        offer = ride_state(option)
        booking = self._call(
            "POST",
            "/bookings",
            {"id": offer.booking_id, "from": _place(pickup), "to": _place(dropoff)},
        )
        created = ride_state(booking)
        if not isinstance(booking, dict) or booking.get("state") != "PENDING":
            raise TompError(f"the new booking is {booking.get('state')!r}, not PENDING")
        committed = self._call(
            "POST", f"/bookings/{created.booking_id}/events", {"operation": "COMMIT"}
        )
        ride = ride_state(committed)
        if committed.get("state") not in ("CONFIRMED", "CONDITIONAL_CONFIRMED"):
            raise TompError(f"the committed booking is {committed.get('state')!r}")
        return ride

    def status(self, booking_id: str) -> RideState:
        return ride_state(self._call("GET", f"/bookings/{booking_id}"))

    def cancel(self, booking_id: str) -> RideState:
        answer = self._call(
            "POST",
            f"/bookings/{booking_id}/events",
            {"operation": "CANCEL", "origin": "END_USER"},
        )
        return ride_state(answer)


def _is_taxi(option: Any) -> bool:
    legs = option.get("legs") if isinstance(option, dict) else None
    if not isinstance(legs, list):
        return False
    return any(
        isinstance(leg, dict)
        and isinstance(leg.get("assetType"), dict)
        and leg["assetType"].get("assetClass") == "TAXI"
        for leg in legs
    )
