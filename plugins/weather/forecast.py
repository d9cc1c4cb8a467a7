"""Open-Meteo's daily forecast: asked for, checked field by field, kept, and put in words.

Nothing here touches Qt, so it runs on a worker thread and is tested without a screen.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import requests

#: Open-Meteo's forecast endpoint (free, no key). The tile config may point elsewhere:
#: a mirror, or a recording served on 127.0.0.1 in the tests.
DEFAULT_API = "https://api.open-meteo.com/v1/forecast"
DAILY_FIELDS = (
    "weather_code",
    "temperature_2m_max",
    "temperature_2m_min",
    "precipitation_probability_max",
)
TIMEOUT_S = 15
CACHE_FILE = "forecast.json"

#: WMO weather interpretation codes (as Open-Meteo documents them) → what the sky does,
#: a catalogue key ``weather.sky.<name>``, and the picture drawn for it.
SKIES: dict[int, tuple[str, str]] = {
    0: ("clear", "sun"),
    1: ("mostly_clear", "sun_cloud"),
    2: ("partly_cloudy", "sun_cloud"),
    3: ("cloudy", "cloud"),
    45: ("fog", "fog"),
    48: ("fog", "fog"),
    51: ("drizzle", "rain"),
    53: ("drizzle", "rain"),
    55: ("drizzle", "rain"),
    56: ("freezing_drizzle", "sleet"),
    57: ("freezing_drizzle", "sleet"),
    61: ("light_rain", "rain"),
    63: ("rain", "rain"),
    65: ("heavy_rain", "rain"),
    66: ("freezing_rain", "sleet"),
    67: ("freezing_rain", "sleet"),
    71: ("light_snow", "snow"),
    73: ("snow", "snow"),
    75: ("heavy_snow", "snow"),
    77: ("snow", "snow"),
    80: ("showers", "rain"),
    81: ("showers", "rain"),
    82: ("heavy_showers", "rain"),
    85: ("snow_showers", "snow"),
    86: ("snow_showers", "snow"),
    95: ("thunder", "thunder"),
    96: ("hail", "thunder"),
    99: ("hail", "thunder"),
}
UNKNOWN_SKY = ("unknown", "cloud")
SKY_NAMES = sorted({name for name, _ in SKIES.values()} | {UNKNOWN_SKY[0]})

WET = {51, 53, 55, 56, 57, 61, 63, 65, 66, 67, 80, 81, 82, 95, 96, 99}
ICY = {56, 57, 66, 67, 71, 73, 75, 77, 85, 86}
STORM = {95, 96, 99}
#: A day this likely to rain (per cent) gets the umbrella too.
UMBRELLA_CHANCE = 50
#: At or below this low (°C) the senior is told to dress warmly.
COLD_C = 5
#: At or above this high (°C) the senior is told to drink water and keep cool.
HOT_C = 32


class ForecastError(ValueError):
    """The service's answer lacks a field or holds nonsense in it; ``field`` names it."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"'{field}' {problem}")
        self.field = field


@dataclass(frozen=True)
class Day:
    """One day of the forecast, in the place's own calendar."""

    date: str
    code: int
    high: float
    low: float
    #: Highest chance of rain or snow that day, in per cent; None when not given.
    rain_chance: int | None

    @property
    def sky(self) -> str:
        return SKIES.get(self.code, UNKNOWN_SKY)[0]

    @property
    def picture(self) -> str:
        return SKIES.get(self.code, UNKNOWN_SKY)[1]

    def advice(self) -> list[str]:
        """What to do about it, as catalogue keys ``weather.advice.<name>``, most
        important first."""
        # A likely shower on a dry-looking day still wants the umbrella; likely snow not.
        likely = (self.rain_chance or 0) >= UMBRELLA_CHANCE and self.code not in ICY
        wet = self.code in WET or likely
        found = [
            ("storm", self.code in STORM),
            ("umbrella", wet),
            ("icy", self.code in ICY),
            ("cold", round(self.low) <= COLD_C),
            ("hot", round(self.high) >= HOT_C),
        ]
        return [name for name, applies in found if applies]


@dataclass(frozen=True)
class Forecast:
    """The days a good answer gave, and when it came (seconds since the epoch)."""

    days: tuple[Day, ...]
    fetched: float
    location: str

    def for_dates(self, today: dt.date) -> tuple[Day | None, Day | None]:
        """Today's and tomorrow's days, or None where this forecast has no such day."""
        by_date = {day.date: day for day in self.days}
        tomorrow = today + dt.timedelta(days=1)
        return by_date.get(today.isoformat()), by_date.get(tomorrow.isoformat())


def parse_location(text: str) -> tuple[float, float] | None:
    """``"39.92,116.44"`` → (39.92, 116.44); None when it is empty or not a place on Earth."""
    parts = [part.strip() for part in text.split(",")]
    if len(parts) != 2:
        return None
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ForecastError(field, f"holds {json.dumps(value)}, not a number")
    return float(value)


def parse(data: Any, *, fetched: float, location: str) -> Forecast:
    """Check an Open-Meteo answer and keep its days; raise ForecastError naming the first
    field that is missing or wrong."""
    if not isinstance(data, Mapping):
        raise ForecastError("(answer)", "is not a JSON object")
    if data.get("error"):
        raise ForecastError("reason", f"says the service refused: {data.get('reason', '')}")
    daily = data.get("daily")
    if not isinstance(daily, Mapping):
        raise ForecastError("daily", "is missing")
    columns: dict[str, list[Any]] = {}
    for name in ("time", *DAILY_FIELDS):
        column = daily.get(name)
        if not isinstance(column, list):
            raise ForecastError(f"daily.{name}", "is missing")
        columns[name] = column
    count = len(columns["time"])
    if count == 0:
        raise ForecastError("daily.time", "holds no days")
    for name in DAILY_FIELDS:
        if len(columns[name]) != count:
            raise ForecastError(f"daily.{name}", f"has {len(columns[name])} days, not {count}")
    days = []
    for index in range(count):
        where = f"[{index}]"
        date = columns["time"][index]
        try:
            dt.date.fromisoformat(date if isinstance(date, str) else "")
        except ValueError:
            raise ForecastError(
                f"daily.time{where}", f"holds {json.dumps(date)}, not a date"
            ) from None
        code = _number(columns["weather_code"][index], f"daily.weather_code{where}")
        high = _number(columns["temperature_2m_max"][index], f"daily.temperature_2m_max{where}")
        low = _number(columns["temperature_2m_min"][index], f"daily.temperature_2m_min{where}")
        # Some weather models give no chance of rain; the day is still worth showing.
        chance_value = columns["precipitation_probability_max"][index]
        chance = None
        if chance_value is not None:
            chance = round(_number(chance_value, f"daily.precipitation_probability_max{where}"))
        days.append(Day(date=date, code=int(code), high=high, low=low, rain_chance=chance))
    return Forecast(days=tuple(days), fetched=fetched, location=location)


class ServiceRefused(Exception):
    """The service answered with an error status; the message says what it said."""


def fetch(api: str, lat: float, lon: float, *, session: requests.Session | None = None) -> Any:
    """Ask the service for today and tomorrow (worker thread only). Raises
    requests.RequestException when it cannot be reached, ServiceRefused on an error
    status, ForecastError when the answer is not JSON."""
    params = {
        "latitude": f"{lat:.4f}",
        "longitude": f"{lon:.4f}",
        "daily": ",".join(DAILY_FIELDS),
        "timezone": "auto",
        "forecast_days": "2",
    }
    getter = session.get if session is not None else requests.get
    answer = getter(api, params=params, timeout=TIMEOUT_S)
    if answer.status_code >= 400:
        reason = ""
        try:
            body = answer.json()
            reason = str(body.get("reason", "")) if isinstance(body, dict) else ""
        except ValueError:
            pass
        raise ServiceRefused(f"HTTP {answer.status_code} {reason}".strip())
    try:
        return answer.json()
    except ValueError:
        raise ForecastError("(answer)", "is not JSON") from None


# -- the last good forecast, kept across restarts --------------------------------------


def save(folder: Path, forecast: Forecast) -> None:
    """Keep the forecast (write, then swap, so a crash never leaves half a file)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / CACHE_FILE
    partial = path.with_suffix(".tmp")
    data = {
        "fetched": forecast.fetched,
        "location": forecast.location,
        "days": [asdict(day) for day in forecast.days],
    }
    partial.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    partial.replace(path)


def load(folder: Path, location: str) -> Forecast | None:
    """The kept forecast for ``location``, or None when there is none (or it is for
    another place, or damaged)."""
    path = folder / CACHE_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("location") != location:
            return None
        days = tuple(Day(**day) for day in data["days"])
        return Forecast(days=days, fetched=float(data["fetched"]), location=location)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def age_minutes(forecast: Forecast, now: float | None = None) -> int:
    """How old the forecast is, in whole minutes (never negative)."""
    now = time.time() if now is None else now
    return max(0, int((now - forecast.fetched) // 60))
