"""Where the taxi goes: the family's destination list, the senior's home, and the
operator deep link that carries both."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

#: The destinations setting is a list, one place an item: ``Name | address | lat,lon``
#: (the manifest checks the form of each item; these limits are checked here).
MAX_NAME = 40
MAX_ADDRESS = 300
UBER_LINK = "https://m.uber.com/ul/"
_NUMBER = re.compile(r"^-?\d{1,3}(\.\d+)?$")


@dataclass(frozen=True)
class Place:
    """A named address, with WGS84 coordinates when the family gave them."""

    name: str
    address: str
    lat: float | None = None
    lon: float | None = None

    @property
    def located(self) -> bool:
        return self.lat is not None and self.lon is not None


def parse_location(text: str) -> tuple[float, float] | None:
    """``"39.92,116.44"`` as (latitude, longitude); None when empty or not a position."""
    parts = [part.strip() for part in text.split(",")]
    if len(parts) != 2 or not all(_NUMBER.match(part) for part in parts):
        return None
    lat, lon = float(parts[0]), float(parts[1])
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def parse_destinations(items: Sequence[str]) -> tuple[list[Place], list[str]]:
    """The places in the ``destinations`` setting, and one sentence per item that is
    wrong (naming the item by its number, 1 for the first) for the helper report;
    wrong items are left out, and items starting with ``#`` are set aside."""
    places: list[Place] = []
    problems: list[str] = []
    for number, item in enumerate(items, start=1):
        if not item.strip() or item.lstrip().startswith("#"):
            continue
        where = f"taxi setting 'destinations', item {number} ({item.strip()[:30]!r})"
        parts = [part.strip() for part in item.split("|")]
        if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
            problems.append(f"{where}: write it as 'Name | address | latitude,longitude'")
            continue
        name, address = parts[0], parts[1]
        if len(name) > MAX_NAME:
            problems.append(f"{where}: the name is longer than {MAX_NAME} characters")
            continue
        if len(address) > MAX_ADDRESS:
            problems.append(f"{where}: the address is longer than {MAX_ADDRESS} characters")
            continue
        position = None
        if len(parts) == 3 and parts[2]:
            position = parse_location(parts[2])
            if position is None:
                problems.append(
                    f"{where}: {parts[2]!r} is not 'latitude,longitude'; the place is kept "
                    "without a position"
                )
        lat, lon = position if position else (None, None)
        places.append(Place(name, address, lat, lon))
    return places, problems


def uber_link(pickup: Place, dropoff: Place, client_id: str = "") -> str:
    """Uber's universal link with pickup and drop-off filled in; "" without coordinates.

    Parameters as in Uber's "universal deep link" documentation
    (``action=setPickup&pickup[latitude]=…&dropoff[formatted_address]=…``); every value
    is percent-encoded, so addresses in any script survive the QR code. Nicknames are
    left out: the addresses say it all, and a shorter link makes a coarser, easier code.
    """
    if not (pickup.located and dropoff.located):
        return ""
    query: list[tuple[str, str]] = []
    if client_id:
        query.append(("client_id", client_id))
    query.append(("action", "setPickup"))
    for role, place in (("pickup", pickup), ("dropoff", dropoff)):
        query += [
            (f"{role}[latitude]", f"{place.lat:.6f}"),
            (f"{role}[longitude]", f"{place.lon:.6f}"),
            (f"{role}[formatted_address]", place.address),
        ]
    return f"{UBER_LINK}?{urlencode(query)}"
