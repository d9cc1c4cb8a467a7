"""Medicine reminders through the real shell, on a clock the test moves.

The family sets medicines up through the plugin's messages (remote help over real HTTP
where the answer's words matter); at each time the reminder fills the screen with the
photo of the box and is said; "I took it", "Later" and "Skip" are logged with their
real times; a dose not taken in time reaches the family through a real aiosmtpd mail
server; a reminder that fell due while Leling was off comes up after a restart with
its real time; a dose fires exactly once across daylight-saving changes; the medical
card's QR code, read back by zbarimg, lists the medicines.
"""

from __future__ import annotations

import base64
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import test_builtin_plugins as builtin
from conftest import (
    Mailbox,
    PluginClock,
    Said,
    helper_problems,
    mail_to,
    plugin_screen,
    start_shell,
    tap,
    ticks_go_on,
)
from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtGui import QColor, QImage
from test_remote import Client, pair

from launcher.core.manifest import parse_manifest
from launcher.core.outbox import Outbox
from launcher.core.registry import import_entry
from launcher.ui.shell import PluginFrame, ShellWindow

REPO = Path(__file__).resolve().parent.parent
WAIT_MS = 20_000
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
SENIOR = {"name": "Margaret", "address": "3 Happy Lane"}

pytestmark = pytest.mark.usefixtures("restore_excepthook")


def module(name: str) -> Any:
    """One of the medicine plugin's modules, as the shell imports it."""
    entry = import_entry(parse_manifest(REPO / "plugins" / "medicine" / "manifest.toml"))
    package = entry.__module__.rpartition(".")[0]
    return sys.modules[f"{package}.{name}"]


def berlin(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in Berlin, as the UTC instant the plugin's clock gives."""
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN).astimezone(UTC)


def box_photo(colour: str = "#2a7ab0", kind: str = "PNG") -> str:
    """A picture of a medicine box, as the web app sends it (base64)."""
    image = QImage(400, 240, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    assert image.save(buffer, kind)
    return base64.b64encode(bytes(buffer.data().data())).decode("ascii")


AMLODIPINE = {
    "action": "add",
    "name": "Amlodipine",
    "dose": "1 tablet",
    "times": ["08:00", "20:00"],
    "days": "every",
}


# -- the shell ----------------------------------------------------------------------------


@pytest.fixture
def fast_ticks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The reminder timer looks every 50 ms, and background plugins start at once."""
    monkeypatch.setattr(module("plugin"), "TICK_MS", 50)
    monkeypatch.setattr("launcher.ui.shell.BACKGROUND_START_MS", 50)


@pytest.fixture
def launcher(home: Path, qtbot: Any) -> Callable[..., tuple[ShellWindow, Said]]:
    """Starts Margaret's shell with the medicine tile (Berlin time, ``config``) first and a
    clock or other ``tiles``; what it says is recorded instead of spoken."""

    def start(
        config: dict[str, Any] | None = None,
        *,
        contacts: list[dict[str, Any]] | None = None,
        tiles: list[dict[str, Any]] | None = None,
    ) -> tuple[ShellWindow, Said]:
        medicine = {"plugin": "medicine", "config": {"timezone": "Europe/Berlin", **(config or {})}}
        said = Said()
        window = start_shell(
            home,
            qtbot,
            {
                "senior": SENIOR,
                "contacts": contacts or [],
                "tiles": [medicine, *(tiles or [{"plugin": "clock"}])],
            },
            locale="en",
            said=said,
        )
        return window, said

    return start


def plugin(window: ShellWindow) -> Any:
    tile = window.tile_for_plugin("medicine")
    assert tile is not None
    return window.host._plugin_for(tile)[0]


def send(window: ShellWindow, message: dict[str, Any], sender: str = "Mei") -> Any:
    """A relative's message, as remote help hands it to the plugin."""
    tile = window.tile_for_plugin("medicine")
    assert tile is not None
    return window.host.receive(tile, sender, message)


def view(window: ShellWindow) -> Any:
    frame = window.stack.currentWidget()
    if not isinstance(frame, PluginFrame) or frame.tile.plugin_id != "medicine":
        return None
    return frame.content.view


def wait_view(qtbot: Any, window: ShellWindow, name: str) -> Any:
    qtbot.waitUntil(lambda: view(window) is not None and view(window).objectName() == name)
    return view(window)


def log(window: ShellWindow) -> list[dict[str, Any]]:
    return list(send(window, {"action": "log"})["doses"])


def set_up(window: ShellWindow, clock: PluginClock, **changes: Any) -> dict[str, Any]:
    """Amlodipine with a photo, added by Mei at the clock's time; back to Home after."""
    medicine = plugin(window)
    medicine.now = clock
    answer = send(window, {**AMLODIPINE, "photo": box_photo(), **changes})
    window.go_home()
    return dict(answer["medicine"])


def reminder_at_eight(qtbot: Any, window: ShellWindow) -> tuple[PluginClock, Any]:
    """Amlodipine set up at 7:00 on Monday 4 March 2030; its 8:00 reminder, come up."""
    clock = PluginClock(berlin(2030, 3, 4, 7, 0))
    set_up(window, clock)
    clock.moment = berlin(2030, 3, 4, 8, 0)
    return clock, wait_view(qtbot, window, "medicineReminder")


# -- reminders on the senior's screen -----------------------------------------------------


def test_the_reminder_fills_the_screen_at_its_time_with_the_photo_and_is_said(
    qtbot: Any, launcher: Any, fast_ticks: None
) -> None:
    window, said = launcher()
    clock = PluginClock(berlin(2030, 3, 4, 7, 58))
    set_up(window, clock)
    assert "Mei added a medicine: Amlodipine, 1 tablet at 8:00, 20:00, every day." in said

    clock.moment = berlin(2030, 3, 4, 7, 59)
    ticks_go_on(qtbot, clock)
    assert window.stack.currentWidget() is window.home, "nothing is due before 8:00"

    clock.moment = berlin(2030, 3, 4, 8, 0)
    reminder = wait_view(qtbot, window, "medicineReminder")
    assert reminder.title_label.text() == "Time for 1 tablet of Amlodipine"
    assert reminder.detail_label.text() == "Your 8:00 dose."
    assert reminder.photo is not None and reminder.photo.isVisible()
    assert reminder.photo.height() >= 120 and not reminder.photo.pixmap.isNull()
    image = reminder.photo.grab().toImage()
    centre = image.pixelColor(image.width() // 2, image.height() // 2)
    box = QColor("#2a7ab0")
    # The photo is kept as a JPEG: its colour comes back within a step or two.
    assert all(
        abs(a - b) <= 3 for a, b in zip(centre.getRgb()[:3], box.getRgb()[:3], strict=True)
    ), f"the box's photo is what is drawn, not {centre.name()}"
    assert "Time for 1 tablet of Amlodipine Your 8:00 dose." in said
    for button, words in ((reminder.took, "I took it"), (reminder.later, "Later")):
        assert button.isVisible() and words in button.text() and button.height() >= 72
    assert reminder.skip.isVisible() and reminder.skip.text() == "Skip"

    # The same dose does not come up again while the senior looks at it.
    shown = len(said)
    ticks_go_on(qtbot, clock)
    assert len(said) == shown


def test_i_took_it_is_logged_with_its_real_time_and_today_shows_it(
    qtbot: Any, launcher: Any, fast_ticks: None
) -> None:
    window, said = launcher()
    clock, reminder = reminder_at_eight(qtbot, window)
    clock.moment = berlin(2030, 3, 4, 8, 3)
    tap(qtbot, reminder.took)
    answered = wait_view(qtbot, window, "medicineAnswered")
    assert answered.title_label.text() == "Noted: Amlodipine taken at 8:03."
    assert said[-1] == "Noted: Amlodipine taken at 8:03. Well done."
    tap(qtbot, answered.button)
    today = wait_view(qtbot, window, "medicineToday")
    assert today.rows == [
        "8:00  Amlodipine, 1 tablet · taken at 8:03",
        "20:00  Amlodipine, 1 tablet · later today",
    ]
    [entry] = log(window)
    assert entry["status"] == "taken" and entry["time"] == "08:00"
    assert entry["acted_time"] == "8:03"
    assert entry["acted"] == "2030-03-04T08:03:00+01:00"
    ticks_go_on(qtbot, clock)
    assert view(window).objectName() == "medicineToday", "a taken dose is not asked again"


def test_later_reminds_again_after_15_minutes_with_the_real_time(
    qtbot: Any, launcher: Any, fast_ticks: None
) -> None:
    window, said = launcher()
    clock, reminder = reminder_at_eight(qtbot, window)
    tap(qtbot, reminder.later)
    answered = wait_view(qtbot, window, "medicineAnswered")
    assert answered.title_label.text() == "I will remind you again at 8:15."
    window.go_home()

    clock.moment = berlin(2030, 3, 4, 8, 14)
    ticks_go_on(qtbot, clock)
    assert window.stack.currentWidget() is window.home
    clock.moment = berlin(2030, 3, 4, 8, 15)
    again = wait_view(qtbot, window, "medicineReminder")
    assert again.title_label.text() == "Your 8:00 dose of Amlodipine"
    assert again.detail_label.text() == "Take 1 tablet now, if you have not yet."
    assert said[-1] == "Your 8:00 dose of Amlodipine Take 1 tablet now, if you have not yet."
    assert log(window)[0]["status"] == "open"


def test_skip_asks_once_logs_skipped_and_tells_nobody(
    qtbot: Any, launcher: Any, fast_ticks: None, mail: tuple[Mailbox, int]
) -> None:
    box, port = mail
    window, _said = launcher(contacts=[son(port)])
    clock, reminder = reminder_at_eight(qtbot, window)
    tap(qtbot, reminder.skip)
    ask = wait_view(qtbot, window, "medicineSkipConfirm")
    assert ask.question_label.text() == "Skip your 8:00 dose of Amlodipine?"
    tap(qtbot, ask.no_button)
    assert wait_view(qtbot, window, "medicineReminder")
    tap(qtbot, view(window).skip)
    tap(qtbot, wait_view(qtbot, window, "medicineSkipConfirm").yes_button)
    assert wait_view(qtbot, window, "medicineAnswered").title_label.text() == (
        "Amlodipine skipped this time."
    )
    window.go_home()
    clock.moment = berlin(2030, 3, 4, 10, 0)
    ticks_go_on(qtbot, clock)
    assert window.stack.currentWidget() is window.home
    [entry] = log(window)
    assert entry["status"] == "skipped" and entry["acted_time"] == "8:00"
    assert box.messages == [], "a skipped dose is not a missed one"
    [medicine] = send(window, {"action": "list"})["medicines"]
    missed = f"medicine:missed-{medicine['id']}@2030-03-04T08:00"
    assert Outbox(window.instance.profile_dir).deliveries(missed) == [], "nothing is on its way"


# -- the family is told -------------------------------------------------------------------


def son(port: int) -> dict[str, Any]:
    return {"name": "Wang Wei", "emergency": True, "alerts": [mail_to(port, "wei@family.test")]}


def test_a_dose_not_taken_in_time_is_mailed_to_the_family_once(
    qtbot: Any, launcher: Any, fast_ticks: None, mail: tuple[Mailbox, int]
) -> None:
    box, port = mail
    window, _said = launcher({"alert_after_minutes": 60}, contacts=[son(port)])
    clock, _reminder = reminder_at_eight(qtbot, window)
    clock.moment = berlin(2030, 3, 4, 8, 59)
    ticks_go_on(qtbot, clock)
    assert box.messages == []

    clock.moment = berlin(2030, 3, 4, 9, 0)
    qtbot.waitUntil(lambda: len(box.messages) == 1, timeout=WAIT_MS)
    message = box.mails()[0]
    assert message["To"] == "wei@family.test"
    assert message["Subject"] == "Margaret has not taken Amlodipine"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "The 8:00 dose of Amlodipine (1 tablet) on 2030-03-04" in text
    assert "60 minutes later" in text
    [medicine] = send(window, {"action": "list"})["medicines"]
    key = f"medicine:missed-{medicine['id']}@2030-03-04T08:00"
    # The mail server has the message before the sender hears it was taken.
    qtbot.waitUntil(
        lambda: (
            [d.status for d in Outbox(window.instance.profile_dir).deliveries(key)] == ["delivered"]
        ),
        timeout=WAIT_MS,
    )
    assert log(window)[0]["status"] == "missed"

    # Late is better than never: taken now, it is logged late, and nobody is told twice.
    clock.moment = berlin(2030, 3, 4, 9, 10)
    ticks_go_on(qtbot, clock)
    assert len(box.messages) == 1
    window.open_plugin("medicine")
    today = wait_view(qtbot, window, "medicineToday")
    assert today.rows[0] == "8:00  Amlodipine, 1 tablet · not taken"
    tap(qtbot, today.list.choice_buttons[0])
    tap(qtbot, wait_view(qtbot, window, "medicineReminder").took)
    entry = log(window)[0]
    assert entry["status"] == "late" and entry["acted_time"] == "9:10"


def test_a_reminder_that_fell_due_while_leling_was_off_comes_with_its_real_time(
    qtbot: Any, launcher: Any, fast_ticks: None
) -> None:
    first, _said = launcher()
    clock = PluginClock(berlin(2030, 3, 4, 7, 0))
    set_up(first, clock)
    first.close()

    # Leling starts again at 8:20; nobody taps the Medicines tile.
    window, said = launcher()
    qtbot.waitUntil(lambda: 0 in window.host._objects, timeout=WAIT_MS)
    medicine = window.host._objects[0][0]
    later = PluginClock(berlin(2030, 3, 4, 8, 20))
    medicine.now = later
    reminder = wait_view(qtbot, window, "medicineReminder")
    assert reminder.title_label.text() == "Your 8:00 dose of Amlodipine"
    assert "Your 8:00 dose of Amlodipine" in said.text()
    assert reminder.photo is not None and reminder.photo.isVisible()
    assert window.host.unavailable == {}


def test_a_photo_that_cannot_be_read_leaves_the_reminder_calm_and_is_named_for_the_helper(
    qtbot: Any, launcher: Any
) -> None:
    window, said = launcher()
    clock = PluginClock(berlin(2030, 3, 4, 7, 0))
    medicine = set_up(window, clock)
    photos = window.instance.profile_dir / "plugin-data" / "medicine" / "photos"
    (photos / medicine["photo"]).write_bytes(b"the disk lost this file")
    clock.moment = berlin(2030, 3, 4, 8, 0)
    plugin(window).tick()
    reminder = wait_view(qtbot, window, "medicineReminder")
    assert reminder.photo is None and reminder.took.isVisible()
    assert said[-1] == "Time for 1 tablet of Amlodipine Your 8:00 dose."
    assert any(f"photos/{medicine['photo']}" in p for p in helper_problems(window))
    assert window.host.unavailable == {}


# -- daylight saving ----------------------------------------------------------------------


def dst_nights() -> list[tuple[ZoneInfo, date, str]]:
    return [
        (BERLIN, date(2030, 3, 31), "02:30"),  # spring forward: 02:30 never shows
        (BERLIN, date(2030, 10, 27), "02:30"),  # fall back: 02:30 shows twice
        (NEW_YORK, date(2030, 3, 10), "02:30"),
        (NEW_YORK, date(2030, 11, 3), "01:30"),
    ]


@pytest.mark.parametrize(("zone", "day", "hhmm"), dst_nights())
def test_each_dose_is_due_once_a_day_across_a_daylight_saving_change(
    zone: ZoneInfo, day: date, hhmm: str
) -> None:
    schedule = module("schedule")
    plan = schedule.Schedule("m1", (hhmm, "08:00"), (), datetime(2030, 1, 1, tzinfo=UTC))
    start = datetime.combine(day - timedelta(days=1), datetime.min.time(), tzinfo=zone)
    moment, seen = start.astimezone(UTC), []
    # A tick every 7 minutes over three days, as the timer would look.
    while moment < start.astimezone(UTC) + timedelta(days=3):
        after, moment = moment, moment + timedelta(minutes=7)
        seen += schedule.occurrences([plan], after, moment, zone)
    keys = [o.key for o in seen]
    assert len(keys) == len(set(keys)) == 6, keys
    [night] = [o for o in seen if o.day == day and o.time == hhmm]
    local = night.due.astimezone(zone)
    # The wall time shown when it falls due: 03:30 where 02:30 is skipped, else itself.
    hours, minutes = (int(p) for p in hhmm.split(":"))
    naive = datetime.combine(day, datetime.min.time()).replace(hour=hours, minute=minutes)
    skipped = naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).hour != hours
    assert (local.hour, local.minute) == ((hours + 1 if skipped else hours), minutes)
    assert local.fold == 0, "on a fall-back night, the first of the two"


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (berlin(2030, 3, 30, 23, 0), berlin(2030, 3, 31, 5, 0)),
        (datetime(2030, 10, 26, 22, 0, tzinfo=UTC), datetime(2030, 10, 27, 4, 0, tzinfo=UTC)),
    ],
    ids=["spring-forward", "fall-back"],
)
def test_a_reminder_at_2_30_comes_once_on_a_daylight_saving_night_in_the_shell(
    qtbot: Any, launcher: Any, start: datetime, end: datetime
) -> None:
    window, _said = launcher()
    clock = PluginClock(start)
    set_up(window, clock, times=["02:30"])
    medicine = plugin(window)
    shown: list[datetime] = []
    while clock.moment < end:
        clock.moment += timedelta(minutes=5)
        medicine.tick()
        reminder = view(window)
        if reminder is not None and reminder.objectName() == "medicineReminder":
            shown.append(clock.moment)
            tap(qtbot, reminder.took)
            window.go_home()
    assert len(shown) == 1, shown
    local = shown[0].astimezone(BERLIN)
    assert (local.hour, local.minute) in ((2, 30), (3, 30))
    assert [d["status"] for d in log(window)] == ["taken"]


# -- the family's messages ----------------------------------------------------------------


@pytest.fixture
def relative(
    qtbot: Any, launcher: Any
) -> Iterator[tuple[ShellWindow, Callable[[dict[str, Any]], Any]]]:
    window, _said = launcher()
    client = Client(qtbot, window.start_remote(port=0).url)
    pair(qtbot, window, client, "Mei")
    window.go_home()

    def call(body: dict[str, Any]) -> Any:
        return client("POST", "/api/plugins/medicine", json=body)

    yield window, call


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"times": ["08:00", "25:00"]}, "'times' has '25:00', which is not a time of day"),
        ({"times": ["8:60"]}, "'8:60'"),
        ({"times": []}, "'times' is '[]'"),
        ({"times": ["08:00", "8:00"]}, "'times' has '8:00' twice"),
        ({"days": [0, 3]}, "'days' is '[0, 3]'"),
        ({"days": "weekends"}, "'days' is 'weekends'"),
        ({"name": "  "}, "'name' is '  '"),
        ({"dose": "x" * 61}, "'dose' is"),
        ({"photo": "not base64!"}, "The field 'photo' is not valid base64 text."),
        ({"photo": base64.b64encode(b"GIF89a" + bytes(40)).decode()}, "not a JPEG or PNG"),
        ({"photo": base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(40)).decode()}, "damaged"),
    ],
)
def test_a_wrong_message_is_refused_naming_the_field_and_value_and_keeps_nothing(
    relative: tuple[ShellWindow, Callable[[dict[str, Any]], Any]],
    change: dict[str, Any],
    named: str,
) -> None:
    window, call = relative
    answer = call({**AMLODIPINE, "photo": box_photo(), **change})
    assert answer.status_code == 400, answer.text
    assert named in answer.json()["error"]
    assert "Traceback" not in answer.text
    listed = call({"action": "list"}).json()
    assert listed["medicines"] == []
    photos = window.host.instance.profile_dir / "plugin-data" / "medicine" / "photos"
    assert list(photos.iterdir()) == [], "not even the photo is kept"
    assert window.host.unavailable == {}


def test_a_relative_adds_edits_and_removes_a_medicine_and_reads_the_log(
    qtbot: Any, relative: tuple[ShellWindow, Callable[[dict[str, Any]], Any]]
) -> None:
    window, call = relative
    medicine = plugin(window)
    clock = PluginClock(berlin(2030, 3, 4, 7, 0))
    medicine.now = clock
    added = call({**AMLODIPINE, "photo": box_photo()})
    assert added.status_code == 200, added.text
    item = added.json()["medicine"]
    assert item["summary"] == "Amlodipine, 1 tablet at 8:00, 20:00, every day"
    assert item["thumbnail"].startswith("data:image/jpeg;base64,")
    assert item["added_by"] == "Mei"
    today = wait_view(qtbot, window, "medicineToday")
    assert today.note_label.text().startswith("Mei added a medicine: Amlodipine")

    changed = call(
        {
            "action": "edit",
            "id": item["id"],
            "name": "Amlodipine 5 mg",
            "dose": "half a tablet",
            "times": ["09:30"],
            "days": [1, 3, 5],
        }
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["medicine"]["summary"] == (
        "Amlodipine 5 mg, half a tablet at 9:30, Mon, Wed, Fri"
    )
    assert changed.json()["medicine"]["thumbnail"], "the photo stays when none is sent"
    listed = call({"action": "list"}).json()
    assert listed["timezone"] == "Europe/Berlin" and listed["alert_after_minutes"] == 60
    assert [t["time"] for t in listed["today"]] == ["09:30"], "4 March 2030 is a Monday"

    clock.moment = berlin(2030, 3, 4, 11, 0)
    doses = call({"action": "log"}).json()["doses"]
    assert [(d["time"], d["status"]) for d in doses] == [("09:30", "missed")]
    assert call({"action": "log", "days": 0}).status_code == 400

    unknown = call({"action": "remove", "id": "0123456789ab"})
    assert unknown.status_code == 400 and "'0123456789ab'" in unknown.json()["error"]
    removed = call({"action": "remove", "id": item["id"]})
    assert removed.status_code == 200 and removed.json()["medicines"] == 0
    photos = window.host.instance.profile_dir / "plugin-data" / "medicine" / "photos"
    assert list(photos.iterdir()) == [], "the photo of a removed medicine is let go of"
    assert call({"action": "log"}).json()["doses"][0]["name"] == "Amlodipine 5 mg"


def test_other_plugins_may_read_but_not_change(qtbot: Any, launcher: Any) -> None:
    window, _said = launcher()
    plugin(window).now = PluginClock(berlin(2030, 3, 4, 7, 0))
    send(window, AMLODIPINE)
    assert send(window, {"action": "card"}, sender="plugin:mycard") == {
        "medicines": ["Amlodipine, 1 tablet at 8:00, 20:00, every day"]
    }
    with pytest.raises(ValueError, match="may only read"):
        send(window, {"action": "remove", "id": "0123456789ab"}, sender="plugin:mycard")


# -- the senior's list -------------------------------------------------------------------


def test_with_nothing_to_take_the_words_say_so_right_under_the_title(
    qtbot: Any, launcher: Any
) -> None:
    window, _said = launcher()
    plugin(window).now = PluginClock(berlin(2030, 3, 4, 7, 0))  # a Monday

    def words_under_title() -> str:
        window.go_home()
        window.open_plugin("medicine")
        today = wait_view(qtbot, window, "medicineToday")
        assert today.list is None and today.rows == []
        title, words = today.empty.title_label, today.empty.body_label
        qtbot.waitUntil(lambda: words.isVisible() and words.height() > 0)
        top = title.mapTo(window, title.rect().topLeft())
        title_bottom = title.mapTo(window, title.rect().bottomLeft()).y()
        place = words.mapTo(window, words.rect().topLeft())
        # Right below the title, lined up with it, with no empty list's room between;
        # all of them in view, none scrolled away.
        assert title_bottom < place.y() <= title_bottom + 40, (title_bottom, place.y())
        assert place.x() == top.x()
        assert words.visibleRegion().boundingRect() == words.rect()
        assert words.font().pixelSize() >= title.font().pixelSize() * 0.7
        return str(words.text())

    assert words_under_title() == (
        "No medicines yet.\nYour family can add them from their phone, in the Medicines section."
    )
    # A medicine for Tuesdays only: nothing today, said in the same place.
    send(window, {**AMLODIPINE, "days": [2]})
    assert words_under_title() == "No medicine to take today."


# -- the medical card ---------------------------------------------------------------------


def test_the_medical_card_and_its_qr_code_list_the_medicines(
    qtbot: Any, launcher: Any, tmp_path: Path
) -> None:
    from test_mycard import decoded_qr

    card = {"blood_type": "A+", "medicines": ["Aspirin 100 mg, mornings"]}
    window, _said = launcher(tiles=[{"plugin": "mycard", "config": card}])
    plugin(window).now = PluginClock(berlin(2030, 3, 4, 7, 0))
    send(window, AMLODIPINE)
    send(window, {**AMLODIPINE, "name": "Metformin", "dose": "500 mg", "times": ["12:00"]})
    window.go_home()
    window.open_plugin("mycard")
    screen = plugin_screen(window)
    words = (
        "Amlodipine, 1 tablet at 8:00, 20:00, every day; "
        "Metformin, 500 mg at 12:00, every day; Aspirin 100 mg, mornings"
    )
    assert screen.labels["medicines"].text() == f"Medicines: {words}"
    text = decoded_qr(screen.qr, tmp_path).replace("\r\n ", "")
    assert "Medicines: Amlodipine\\, 1 tablet at 8:00\\, 20:00\\, every day\\; Metformin" in text
    assert "Aspirin 100 mg\\, mornings" in text


# -- the plugin as a built-in -------------------------------------------------------------


def test_the_plugin_is_a_complete_built_in() -> None:
    builtin.test_manifest_and_entry_code_are_valid("medicine")
    builtin.test_catalogues_have_the_same_keys_and_a_utf8_header("medicine")
    builtin.test_every_literal_message_key_exists("medicine")
    keys = set(builtin.load_catalogues(REPO / "plugins" / "medicine" / "locales")["en"])
    for status in ("open", "coming", "missed", "taken", "late", "skipped"):
        assert f"status.{status}" in keys
    assert {f"weekday.{day}" for day in range(1, 8)} <= keys
