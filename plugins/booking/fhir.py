"""Booking over HL7 FHIR R4 with plain Slot and Appointment resources.

Free times are Slots searched by Schedule. A booking first marks the Slot ``busy``
with a conditional update (``If-Match`` on the version the senior saw), so of two
people only one can take it; only then is the Appointment created, and if that fails
the Slot is put back to ``free``. A cancellation marks the Appointment ``cancelled``
and frees its Slot again. Every answer from the server is checked; anything missing
or malformed becomes a :class:`FhirError` naming the resource and field for the
helper. Nothing here touches Qt: these calls run on a worker thread.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

#: Seconds to wait for the hospital's server: (connect, read).
TIMEOUT = (4.0, 10.0)
#: Free times offered at once.
SLOT_COUNT = 8
JSON = "application/fhir+json"
ID_PATTERN = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
REFERENCE_PATTERN = re.compile(r"^(Patient|Schedule)/[A-Za-z0-9\-.]{1,64}$")
#: An instant needs its offset: without it nobody knows when 09:00 is.
INSTANT_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")
#: Longest place name shown; longer ones are cut and the helper told.
MAX_PLACE = 80


class FhirError(Exception):
    """The server could not be used. ``helper`` says what for the family's report;
    ``down`` is True when the server could not be reached at all."""

    def __init__(self, helper: str, *, down: bool = False) -> None:
        super().__init__(helper)
        self.helper = helper
        self.down = down


class SlotTaken(Exception):
    """Somebody else took the time between seeing it and booking it."""


@dataclass(frozen=True)
class Slot:
    id: str
    version: str
    start: datetime
    end: datetime
    schedule: str


@dataclass(frozen=True)
class Appointment:
    id: str
    version: str
    start: datetime
    end: datetime
    status: str
    slot: str
    #: Doctor or department, as the hospital's Schedule calls it.
    who: str = ""
    place: str = ""
    booked_by: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "status": self.status,
            "slot": self.slot,
            "who": self.who,
            "place": self.place,
            "booked_by": self.booked_by,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Appointment:
        return cls(
            id=str(data["id"]),
            version=str(data.get("version", "")),
            start=datetime.fromisoformat(str(data["start"])),
            end=datetime.fromisoformat(str(data["end"])),
            status=str(data.get("status", "booked")),
            slot=str(data.get("slot", "")),
            who=str(data.get("who", "")),
            place=str(data.get("place", "")),
            booked_by=str(data.get("booked_by", "")),
        )


def parse_instant(value: Any, where: str) -> datetime:
    """A FHIR instant with its offset, or a FhirError naming ``where``."""
    if not isinstance(value, str) or not INSTANT_PATTERN.match(value):
        raise FhirError(
            f"{where} is {value!r}: it must be a date and time with its time zone "
            "(like 2030-03-10T09:00:00+08:00)"
        )
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise FhirError(f"{where} is {value!r}, which is not a real date and time") from None


def fhir_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _version(resource: Mapping[str, Any], where: str) -> str:
    meta = resource.get("meta")
    version = meta.get("versionId") if isinstance(meta, Mapping) else None
    if not isinstance(version, str) or not version:
        raise FhirError(f"{where} has no meta.versionId, so it cannot be booked safely")
    return version


def _id(resource: Mapping[str, Any], where: str) -> str:
    value = resource.get("id")
    if not isinstance(value, str) or not ID_PATTERN.match(value):
        raise FhirError(f"{where} has no valid id (got {value!r})")
    return value


class FhirClient:
    """The hospital's FHIR server at ``base``, for one patient."""

    def __init__(self, base: str, patient: str, session: requests.Session | None = None) -> None:
        self.base = base.rstrip("/")
        self.patient = patient
        self.session = session or requests.Session()
        self.session.headers.update({"Accept": JSON})

    # -- plain requests ------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        if_match: str = "",
    ) -> tuple[int, Any]:
        headers = {"Content-Type": JSON} if body is not None else {}
        if if_match:
            headers["If-Match"] = f'W/"{if_match}"'
        try:
            response = self.session.request(
                method,
                f"{self.base}/{path}",
                params=params,
                json=body,
                headers=headers,
                timeout=TIMEOUT,
            )
        except requests.RequestException as exc:
            raise FhirError(
                f"the hospital's FHIR server {self.base} cannot be reached ({type(exc).__name__})",
                down=True,
            ) from None
        if response.status_code >= 500:
            raise FhirError(
                f"the hospital's FHIR server {self.base} answered {method} {path.split('?')[0]} "
                f"with HTTP {response.status_code}",
                down=True,
            )
        try:
            data = response.json() if response.content else None
        except ValueError:
            raise FhirError(
                f"{method} {path}: the answer (HTTP {response.status_code}) is not JSON"
            ) from None
        return response.status_code, data

    def _resource(self, data: Any, kind: str, where: str) -> Mapping[str, Any]:
        if not isinstance(data, Mapping) or data.get("resourceType") != kind:
            got = data.get("resourceType") if isinstance(data, Mapping) else type(data).__name__
            raise FhirError(f"{where}: expected a {kind}, got {got!r}")
        return data

    def _fail(self, status: int, data: Any, what: str) -> FhirError:
        detail = ""
        if isinstance(data, Mapping) and data.get("resourceType") == "OperationOutcome":
            issues = data.get("issue") or [{}]
            first = issues[0] if isinstance(issues, list) and issues else {}
            if isinstance(first, Mapping):
                text = first.get("diagnostics") or (first.get("details") or {}).get("text")
                detail = f": {text}" if text else ""
        return FhirError(f"{what} was refused with HTTP {status}{detail}")

    # -- slots ---------------------------------------------------------------------------

    def _slot(self, resource: Mapping[str, Any], where: str) -> Slot:
        slot_id = _id(resource, where)
        where = f"Slot/{slot_id}"
        schedule = resource.get("schedule")
        reference = schedule.get("reference") if isinstance(schedule, Mapping) else None
        if not isinstance(reference, str) or not reference:
            raise FhirError(f"{where} has no schedule.reference")
        return Slot(
            id=slot_id,
            version=_version(resource, where),
            start=parse_instant(resource.get("start"), f"{where} start"),
            end=parse_instant(resource.get("end"), f"{where} end"),
            schedule=reference,
        )

    def free_slots(self, schedule: str, after: datetime, count: int = SLOT_COUNT) -> list[Slot]:
        """The next free Slots of ``schedule`` (``Schedule/…``) from ``after`` on."""
        status, data = self._request(
            "GET",
            "Slot",
            params={
                "schedule": schedule,
                "status": "free",
                "start": f"ge{fhir_time(after)}",
                "_sort": "start",
                "_count": str(count),
            },
        )
        if status != 200:
            raise self._fail(status, data, f"the search for free times of {schedule}")
        bundle = self._resource(data, "Bundle", f"the search for free times of {schedule}")
        entries = bundle.get("entry", [])
        if not isinstance(entries, list):
            raise FhirError(
                f"the Bundle of free times of {schedule} has an entry that is not a list"
            )
        slots = []
        for number, entry in enumerate(entries):
            resource = entry.get("resource") if isinstance(entry, Mapping) else None
            where = f"Bundle entry {number} of the free times of {schedule}"
            slot = self._slot(self._resource(resource, "Slot", where), where)
            if slot.start >= after:
                slots.append(slot)
        slots.sort(key=lambda s: s.start)
        return slots[:count]

    def read_slot(self, slot_id: str) -> tuple[Slot, Mapping[str, Any]]:
        status, data = self._request("GET", f"Slot/{slot_id}")
        if status != 200:
            raise self._fail(status, data, f"reading Slot/{slot_id}")
        resource = self._resource(data, "Slot", f"Slot/{slot_id}")
        return self._slot(resource, f"Slot/{slot_id}"), resource

    def _set_slot(self, resource: Mapping[str, Any], version: str, state: str) -> int:
        """Conditional update of the Slot's status; returns the HTTP status."""
        changed = {**resource, "status": state}
        slot_id = str(resource["id"])
        status, data = self._request("PUT", f"Slot/{slot_id}", body=changed, if_match=version)
        if status == 200:
            updated = self._resource(data, "Slot", f"the updated Slot/{slot_id}")
            if updated.get("status") != state:
                raise FhirError(f"Slot/{slot_id} was updated but its status is not {state!r}")
        return status

    def _free_again(self, slot_id: str) -> None:
        """Undo: put the Slot back to free, whatever its version is now."""
        _slot, resource = self.read_slot(slot_id)
        status = self._set_slot(resource, _version(resource, f"Slot/{slot_id}"), "free")
        if status != 200:
            raise FhirError(f"Slot/{slot_id} could not be made free again (HTTP {status})")

    # -- appointments --------------------------------------------------------------------

    def book(self, slot: Slot, who: str, *, place: str = "", proxy: str = "") -> Appointment:
        """Take ``slot`` for the patient; ``proxy`` names the relative who books for them.

        Raises :class:`SlotTaken` when it changed since it was seen (412) or is no longer
        free, :class:`FhirError` for everything else, having put the Slot back.
        """
        current, resource = self.read_slot(slot.id)
        if resource.get("status") != "free" or current.version != slot.version:
            raise SlotTaken(slot.id)
        status = self._set_slot(resource, slot.version, "busy")
        if status in (409, 412):
            raise SlotTaken(slot.id)
        if status != 200:
            raise FhirError(f"marking Slot/{slot.id} busy was refused with HTTP {status}")
        participants: list[dict[str, Any]] = [
            {"actor": {"reference": self.patient}, "required": "required", "status": "accepted"}
        ]
        if place:
            participants.append(
                {"actor": {"type": "Location", "display": place}, "status": "accepted"}
            )
        if proxy:
            # The relative who booked, as themselves (they have no record at the hospital).
            participants.append(
                {"actor": {"type": "RelatedPerson", "display": proxy}, "status": "accepted"}
            )
        appointment = {
            "resourceType": "Appointment",
            "status": "booked",
            "slot": [{"reference": f"Slot/{slot.id}"}],
            "start": slot.start.isoformat(),
            "end": slot.end.isoformat(),
            "description": who,
            "participant": participants,
        }
        try:
            status, data = self._request("POST", "Appointment", body=appointment)
            if status != 201:
                raise self._fail(status, data, f"creating the Appointment for Slot/{slot.id}")
            created = self._appointment(data, "the new Appointment")
        except FhirError as problem:
            try:
                self._free_again(slot.id)
            except FhirError as undo:
                raise FhirError(
                    f"{problem.helper}; and Slot/{slot.id} is still busy: {undo.helper}",
                    down=problem.down,
                ) from None
            raise
        return created

    def _appointment(self, data: Any, where: str) -> Appointment:
        resource = self._resource(data, "Appointment", where)
        appointment_id = _id(resource, where)
        where = f"Appointment/{appointment_id}"
        slots = resource.get("slot")
        slot = ""
        if isinstance(slots, list) and slots and isinstance(slots[0], Mapping):
            slot = str(slots[0].get("reference", "")).removeprefix("Slot/")
        booked_by = place = ""
        for participant in resource.get("participant") or []:
            actor = participant.get("actor") if isinstance(participant, Mapping) else None
            if not isinstance(actor, Mapping):
                continue
            kind = actor.get("type") or str(actor.get("reference", "")).split("/")[0]
            if kind == "RelatedPerson":
                booked_by = str(actor.get("display", ""))
            elif kind == "Location":
                place = str(actor.get("display", ""))
        status = resource.get("status")
        if not isinstance(status, str):
            raise FhirError(f"{where} has no status")
        who = resource.get("description")
        return Appointment(
            id=appointment_id,
            version=_version(resource, where),
            start=parse_instant(resource.get("start"), f"{where} start"),
            end=parse_instant(resource.get("end"), f"{where} end"),
            status=status,
            slot=slot,
            who=who if isinstance(who, str) else "",
            place=place,
            booked_by=booked_by,
        )

    def appointments(self, after: datetime) -> list[Appointment]:
        """The patient's booked Appointments from ``after`` on, soonest first."""
        status, data = self._request(
            "GET",
            "Appointment",
            params={
                "patient": self.patient,
                "date": f"ge{fhir_time(after)}",
                "status": "booked",
                "_sort": "date",
                "_count": "50",
            },
        )
        if status != 200:
            raise self._fail(status, data, f"the search for appointments of {self.patient}")
        bundle = self._resource(data, "Bundle", f"the appointments of {self.patient}")
        entries = bundle.get("entry", [])
        if not isinstance(entries, list):
            raise FhirError(f"the Bundle of appointments of {self.patient} has a bad entry list")
        found = []
        for number, entry in enumerate(entries):
            resource = entry.get("resource") if isinstance(entry, Mapping) else None
            where = f"Bundle entry {number} of the appointments of {self.patient}"
            found.append(self._appointment(resource, where))
        return sorted(found, key=lambda a: a.start)

    def cancel(self, appointment_id: str) -> Appointment:
        """Mark the Appointment cancelled and its Slot free again."""
        status, data = self._request("GET", f"Appointment/{appointment_id}")
        if status != 200:
            raise self._fail(status, data, f"reading Appointment/{appointment_id}")
        resource = self._resource(data, "Appointment", f"Appointment/{appointment_id}")
        appointment = self._appointment(resource, f"Appointment/{appointment_id}")
        changed = {**resource, "status": "cancelled"}
        status, data = self._request(
            "PUT", f"Appointment/{appointment_id}", body=changed, if_match=appointment.version
        )
        if status != 200:
            raise self._fail(status, data, f"cancelling Appointment/{appointment_id}")
        cancelled = self._appointment(data, f"the cancelled Appointment/{appointment_id}")
        if cancelled.status != "cancelled":
            raise FhirError(f"Appointment/{appointment_id} was updated but is not cancelled")
        if appointment.slot:
            self._free_again(appointment.slot)
        return cancelled


def window_start(now: datetime) -> datetime:
    """Free times are offered from a quarter of an hour from now."""
    return now + timedelta(minutes=15)
