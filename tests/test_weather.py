"""The weather tile through the real shell, against real Open-Meteo answers.

The answers are recordings (tests/data/open-meteo/, see its README for where each came
from), served from a plain HTTP server on 127.0.0.1 that the tile's ``api_base`` points
at. The recordings are of 3 October 2026 in Enschede, so the plugin's calendar is set to
that day.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import (
    QuietHandler,
    helper_problems,
    open_test_instance,
    plugin_screen,
    record_speech,
    save_test_settings,
    serve_http,
    show_shell,
    start_shell,
    stop_http,
)

from launcher.core.i18n import SUPPORTED_LOCALES, load_catalogues
from launcher.core.manifest import parse_manifest
from launcher.core.registry import import_entry
from launcher.ui.shell import ShellWindow

REPO = Path(__file__).resolve().parent.parent
RECORDINGS = REPO / "tests" / "data" / "open-meteo"
PLUGIN = REPO / "plugins" / "weather"
WAIT_MS = 20_000
RECORDED_DAY = dt.date(2026, 10, 3)
SENIOR = {"name": "Wang Fang", "location": "52.2760,6.8730"}


def weather_module(name: str) -> Any:
    entry = import_entry(parse_manifest(PLUGIN / "manifest.toml"))
    return sys.modules[entry.__module__.rpartition(".")[0] + "." + name]


def recording(name: str) -> Any:
    return json.loads((RECORDINGS / name).read_text(encoding="utf-8"))


class RecordedOpenMeteo:
    """Serves one recording for every forecast asked for, and remembers the questions."""

    def __init__(self, name: str = "forecast.json") -> None:
        self.body = (RECORDINGS / name).read_bytes()
        self.questions: list[dict[str, list[str]]] = []
        served = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                served.questions.append(parse_qs(url.query))
                self.send_body(served.body, "application/json")

        self.server = serve_http(Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/forecast"

    def stop(self) -> None:
        stop_http(self.server)


@pytest.fixture
def open_meteo() -> Iterator[RecordedOpenMeteo]:
    served = RecordedOpenMeteo()
    yield served
    served.stop()


@pytest.fixture(autouse=True)
def recorded_day(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(weather_module("plugin"), "_today", lambda: RECORDED_DAY)


def weather_shell(
    home: Path, qtbot: Any, config: dict[str, Any], locale: str = "en"
) -> ShellWindow:
    """The shell with the weather tile (``config``) and a clock, for the senior in Enschede."""
    return start_shell(
        home,
        qtbot,
        {"senior": SENIOR, "tiles": [{"plugin": "weather", "config": config}, {"plugin": "clock"}]},
        locale=locale,
    )


# -- the recordings -------------------------------------------------------------------


def test_the_recorded_forecast_parses_into_days() -> None:
    forecast = weather_module("forecast")
    parsed = forecast.parse(recording("forecast.json"), fetched=0.0, location="52.2760,6.8730")
    assert [(d.date, d.code, d.low, d.high, d.rain_chance) for d in parsed.days] == [
        ("2026-10-03", 3, 8.4, 20.6, 0),
        ("2026-10-04", 45, 10.8, 20.2, 8),
        ("2026-10-05", 3, 11.6, 22.2, 0),
    ]
    today, tomorrow = parsed.for_dates(RECORDED_DAY)
    assert (today.sky, today.picture, today.advice()) == ("cloudy", "cloud", [])
    assert (tomorrow.sky, tomorrow.picture) == ("fog", "fog")


@pytest.mark.parametrize(
    ("name", "field"),
    [("forecast_minimal.json", "daily"), ("forecast_16_days.json", "daily.temperature_2m_min")],
)
def test_recordings_without_a_field_are_refused_naming_it(name: str, field: str) -> None:
    forecast = weather_module("forecast")
    with pytest.raises(forecast.ForecastError) as refused:
        forecast.parse(recording(name), fetched=0.0, location="x")
    assert refused.value.field == field


def test_advice_follows_simple_rules() -> None:
    day = weather_module("forecast").Day
    assert day("2026-10-03", 61, 18.0, 12.0, 80).advice() == ["umbrella"]
    assert day("2026-10-03", 3, 18.0, 12.0, 60).advice() == ["umbrella"]
    assert day("2026-10-03", 73, 1.0, -4.0, 90).advice() == ["icy", "cold"]
    assert day("2026-10-03", 95, 30.0, 22.0, 90).advice() == ["storm", "umbrella"]
    assert day("2026-10-03", 0, 35.0, 24.0, 0).advice() == ["hot"]
    assert day("2026-10-03", 0, 20.0, 10.0, None).advice() == []


def test_every_sky_and_advice_is_said_in_every_language() -> None:
    forecast = weather_module("forecast")
    catalogues = load_catalogues(PLUGIN / "locales")
    needed = {f"weather.sky.{name}" for name in forecast.SKY_NAMES}
    needed |= {f"weather.advice.{n}" for n in ("storm", "umbrella", "icy", "cold", "hot")}
    for locale in SUPPORTED_LOCALES:
        assert needed <= set(catalogues[locale]), sorted(needed - set(catalogues[locale]))


# -- in the shell -----------------------------------------------------------------------


def test_the_screen_shows_and_says_today_and_tomorrow(
    home: Path, qtbot: Any, open_meteo: RecordedOpenMeteo
) -> None:
    window = weather_shell(home, qtbot, {"api_base": open_meteo.url, "place": "Enschede"})
    said = record_speech(window, still_speak=True)
    window.open_tile(0)
    screen = plugin_screen(window)
    qtbot.waitUntil(lambda: screen.today.isVisible(), timeout=WAIT_MS)
    assert screen.today.headline.text() == "Today: 8° to 21°"
    assert screen.today.advice.text() == "Cloudy."
    assert screen.today.picture.kind == "cloud"
    assert screen.tomorrow.headline.text() == "Tomorrow: 11° to 20°"
    assert screen.tomorrow.advice.text() == "Fog."
    assert screen.status.text().startswith("Enschede: forecast from ")
    expected = "Today: Cloudy, 8 to 21 degrees. Tomorrow: Fog, 11 to 20 degrees."
    qtbot.waitUntil(lambda: any(expected in text for text in said), timeout=WAIT_MS)
    question = open_meteo.questions[-1]
    assert question["latitude"] == ["52.2760"] and question["longitude"] == ["6.8730"]
    assert question["daily"] == [
        "weather_code,temperature_2m_max,temperature_2m_min,precipitation_probability_max"
    ]
    assert question["timezone"] == ["auto"] and question["forecast_days"] == ["2"]
    assert helper_problems(window) == []


def test_offline_shows_the_kept_forecast_with_its_age(
    home: Path, qtbot: Any, open_meteo: RecordedOpenMeteo, monkeypatch: pytest.MonkeyPatch
) -> None:
    plugin = weather_module("plugin")
    window = weather_shell(home, qtbot, {"api_base": open_meteo.url})
    folder = window.instance.profile_dir / "plugin-data" / "weather"
    qtbot.waitUntil(lambda: (folder / "forecast.json").is_file(), timeout=WAIT_MS)
    window.close()
    open_meteo.stop()
    # Three hours later, with the service gone.
    later = time.time() + 3 * 3600 + 30
    monkeypatch.setattr(plugin, "_now", lambda: later)
    window = weather_shell(home, qtbot, {"api_base": open_meteo.url}, locale="zh_CN")
    said = record_speech(window, still_speak=True)
    window.open_tile(0)
    screen = plugin_screen(window)
    qtbot.waitUntil(lambda: "没有网络" in screen.status.text(), timeout=WAIT_MS)
    assert screen.status.text() == "没有网络。天气预报是3小时前的。"
    assert screen.today.headline.text() == "今天：8° 到 21°"
    qtbot.waitUntil(lambda: any("3小时前" in text for text in said), timeout=WAIT_MS)
    assert helper_problems(window) == [], "no internet is not for the family to fix"


def test_a_broken_answer_is_named_for_the_family_and_the_senior_sees_calm_words(
    home: Path, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = RecordedOpenMeteo("forecast_16_days.json")
    try:
        window = weather_shell(home, qtbot, {"api_base": broken.url})
        qtbot.waitUntil(lambda: helper_problems(window) != [], timeout=WAIT_MS)
        window.open_tile(0)
        screen = plugin_screen(window)
        qtbot.waitUntil(lambda: screen.message_title.isVisible(), timeout=WAIT_MS)
        assert screen.message_title.text() == "No weather forecast right now"
        assert screen.message_body.text().startswith("Your family has been told.")
        assert not screen.today.isVisible()
        (problem,) = helper_problems(window)
        assert "'daily.temperature_2m_min' is missing" in problem
        assert broken.url in problem
    finally:
        broken.stop()


def test_without_a_place_the_family_is_asked_to_set_one(home: Path, qtbot: Any) -> None:
    instance = open_test_instance(home)
    senior = {k: v for k, v in instance.settings["senior"].items() if k != "location"}
    save_test_settings(instance, {"senior": senior, "tiles": [{"plugin": "weather", "config": {}}]})
    window = show_shell(qtbot, instance, size=None, wait_exposed=False)
    window.open_tile(0)
    screen = plugin_screen(window)
    assert screen.message_title.text() == "The weather is not set up yet"
    qtbot.waitUntil(lambda: any("'location'" in p for p in helper_problems(window)))
