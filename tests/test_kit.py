"""The senior widget kit as a person with shaky hands and poor eyesight meets it.

Time is driven by a fake clock handed to the touch policy, so no test sleeps; input is
driven with real mouse and key events.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from conftest import REPO
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QScrollArea, QWidget

from launcher.core.i18n import Translator, core_locales_dir
from launcher.core.theme import load_theme
from launcher.ui import kit
from launcher.ui.kit import (
    BigButton,
    ChoiceList,
    ConfirmScreen,
    KitButton,
    MessageScreen,
    NumberPad,
    ProgressScreen,
    TileButton,
    TouchPolicy,
    configure_touch,
)
from launcher.ui.style import MIN_TEXT_PX, apply_theme

LEFT = Qt.MouseButton.LeftButton
THEMES = sorted(path.stem for path in (REPO / "themes").glob("*.toml"))
#: The shell's window minus its header (~120 px) and bar (~100 px).
ROOM = (1280, 580)


class FakeClock:
    """Monotonic seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, milliseconds: float) -> None:
        self.now += milliseconds / 1000


@pytest.fixture
def clock() -> Iterator[FakeClock]:
    fake = FakeClock()
    configure_touch(TouchPolicy(clock=fake))
    yield fake
    configure_touch(TouchPolicy())


@pytest.fixture
def hold(clock: FakeClock) -> FakeClock:
    configure_touch(TouchPolicy(clock=clock, hold_to_activate=True, hold_ms=800))
    return clock


@pytest.fixture
def themed(qapp: QApplication) -> Iterator[Callable[[str, int], None]]:
    """Apply a theme and text scale to the application; put the old look back after."""
    font, sheet = qapp.font(), qapp.styleSheet()

    def apply(theme: str = "warm", scale: int = 100) -> None:
        apply_theme(qapp, load_theme(REPO / "themes" / f"{theme}.toml"), scale)

    apply()
    yield apply
    qapp.setStyleSheet(sheet)
    qapp.setFont(font)


@pytest.fixture
def speak(request: pytest.FixtureRequest) -> Iterator[Callable[[str], None]]:
    """Make the kit speak a locale, as the shell does with its translator."""

    def use(locale: str) -> None:
        kit.set_translator(Translator.from_dir(core_locales_dir(), locale).tr)

    use("en")
    yield use
    kit.set_translator(lambda key, **values: key)


def shown(qtbot: Any, widget: QWidget, size: tuple[int, int] = ROOM) -> QWidget:
    qtbot.addWidget(widget)
    widget.setFixedSize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    settle()
    return widget


def settle() -> None:
    """Let layouts finish: wrapped buttons ask for a second pass once they know their width."""
    for _ in range(4):
        QApplication.processEvents()


def button(qtbot: Any, text: str = "Call") -> BigButton:
    widget = BigButton(text)
    shown(qtbot, widget, (300, 120))
    return widget


def counter(signal: Any) -> list[object]:
    heard: list[object] = []
    signal.connect(lambda *args: heard.append(args[0] if args else None))
    return heard


# -- the accidental-touch guard ---------------------------------------------------------


def test_a_double_tap_counts_once_and_a_later_tap_counts_again(qtbot, clock) -> None:
    target = button(qtbot)
    clicks = counter(target.clicked)

    qtbot.mouseClick(target, LEFT)
    clock.advance(200)
    qtbot.mouseClick(target, LEFT)
    assert len(clicks) == 1

    clock.advance(250)
    qtbot.mouseClick(target, LEFT)
    assert len(clicks) == 2


def test_a_finger_that_slides_away_does_not_tap_but_a_wobble_does(qtbot, clock) -> None:
    target = button(qtbot)
    clicks = counter(target.clicked)
    centre = target.rect().center()

    QTest.mousePress(target, LEFT, Qt.KeyboardModifier.NoModifier, centre)
    QTest.mouseMove(target, centre + QPoint(60, 0))
    QTest.mouseRelease(target, LEFT, Qt.KeyboardModifier.NoModifier, centre + QPoint(60, 0))
    assert clicks == []
    assert not target.isDown()

    clock.advance(500)
    QTest.mousePress(target, LEFT, Qt.KeyboardModifier.NoModifier, centre)
    QTest.mouseMove(target, centre + QPoint(7, 7))
    QTest.mouseRelease(target, LEFT, Qt.KeyboardModifier.NoModifier, centre + QPoint(-3, 9))
    assert len(clicks) == 1


def test_sliding_away_and_back_still_does_not_tap(qtbot, clock) -> None:
    target = button(qtbot)
    clicks = counter(target.clicked)
    centre = target.rect().center()
    QTest.mousePress(target, LEFT, Qt.KeyboardModifier.NoModifier, centre)
    QTest.mouseMove(target, centre + QPoint(0, 40))
    QTest.mouseMove(target, centre)
    QTest.mouseRelease(target, LEFT, Qt.KeyboardModifier.NoModifier, centre)
    assert clicks == []


def test_a_bouncing_finger_is_one_touch(qtbot, clock) -> None:
    target = button(qtbot)
    touches = counter(target.first_touch)
    clicks = counter(target.clicked)
    centre = target.rect().center()
    # A slip that slides away, so the double-tap rule is not what stops the bounce.
    QTest.mousePress(target, LEFT, Qt.KeyboardModifier.NoModifier, centre)
    QTest.mouseMove(target, centre + QPoint(50, 0))
    QTest.mouseRelease(target, LEFT, Qt.KeyboardModifier.NoModifier, centre + QPoint(50, 0))
    clock.advance(30)
    QTest.mousePress(target, LEFT, Qt.KeyboardModifier.NoModifier, centre)
    assert not target.isDown()
    QTest.mouseRelease(target, LEFT, Qt.KeyboardModifier.NoModifier, centre)
    assert clicks == [] and len(touches) == 1

    clock.advance(200)
    qtbot.mouseClick(target, LEFT)
    assert len(clicks) == 1 and len(touches) == 2


def test_first_touch_comes_before_the_tap(qtbot, clock) -> None:
    target = button(qtbot)
    order: list[str] = []
    target.first_touch.connect(lambda: order.append("touch"))
    target.clicked.connect(lambda: order.append("click"))
    QTest.mousePress(target, LEFT, Qt.KeyboardModifier.NoModifier, target.rect().center())
    assert order == ["touch"]
    QTest.mouseRelease(target, LEFT, Qt.KeyboardModifier.NoModifier, target.rect().center())
    assert order == ["touch", "click"]


def test_hold_to_activate_ignores_a_short_press_and_shows_the_hold_filling(qtbot, hold) -> None:
    target = button(qtbot)
    clicks = counter(target.clicked)
    QTest.mousePress(target, LEFT, Qt.KeyboardModifier.NoModifier, target.rect().center())
    hold.advance(500)
    qtbot.waitUntil(lambda: target.hold_progress > 0.6)
    bar = target.findChild(QWidget, "holdProgress")
    assert bar is not None and bar.isVisible() and bar.width() > target.width() // 2
    QTest.mouseRelease(target, LEFT, Qt.KeyboardModifier.NoModifier, target.rect().center())
    assert clicks == []
    assert target.hold_progress == 0 and not bar.isVisible()


def test_hold_to_activate_activates_while_still_held(qtbot, hold) -> None:
    target = button(qtbot)
    clicks = counter(target.clicked)
    QTest.mousePress(target, LEFT, Qt.KeyboardModifier.NoModifier, target.rect().center())
    hold.advance(850)
    with qtbot.waitSignal(target.clicked, timeout=1000):
        pass
    QTest.mouseRelease(target, LEFT, Qt.KeyboardModifier.NoModifier, target.rect().center())
    assert len(clicks) == 1


def test_hold_to_activate_is_cancelled_by_sliding_away(qtbot, hold) -> None:
    target = button(qtbot)
    clicks = counter(target.clicked)
    centre = target.rect().center()
    QTest.mousePress(target, LEFT, Qt.KeyboardModifier.NoModifier, centre)
    QTest.mouseMove(target, centre + QPoint(60, 0))
    hold.advance(900)
    qtbot.waitUntil(lambda: not target._hold_timer.isActive())
    QTest.mouseRelease(target, LEFT, Qt.KeyboardModifier.NoModifier, centre)
    assert clicks == []


@pytest.mark.parametrize("key", [Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space])
def test_a_focused_button_activates_from_the_keyboard(qtbot, clock, key) -> None:
    target = button(qtbot)
    clicks = counter(target.clicked)
    target.setFocus()
    qtbot.keyClick(target, key)
    assert len(clicks) == 1


def test_keyboard_activation_works_with_hold_to_activate_too(qtbot, hold) -> None:
    target = button(qtbot)
    clicks = counter(target.clicked)
    qtbot.keyClick(target, Qt.Key.Key_Return)
    assert len(clicks) == 1


def test_tiles_have_the_same_guard(qtbot, clock) -> None:
    tile = TileButton("Clock")
    shown(qtbot, tile, (300, 300))
    clicks = counter(tile.clicked)
    qtbot.mouseClick(tile, LEFT)
    clock.advance(100)
    qtbot.mouseClick(tile, LEFT)
    assert len(clicks) == 1
    assert isinstance(tile, KitButton)


def test_long_button_text_wraps_instead_of_being_cut_off(qtbot, themed, clock) -> None:
    wide = BigButton("Send the photo to my son and my daughter & grandson now")
    shown(qtbot, wide, (400, 400))
    assert wide.text() == "Send the photo to my son and my daughter & grandson now"
    assert "\n" in wide.shown_text() and "&" in wide.shown_text()
    assert wide.height_for_width(400) > wide.height_for_width(2000)


# -- the ready-made screens -------------------------------------------------------------


def test_a_dangerous_question_puts_the_focus_on_no(qtbot, clock, speak) -> None:
    screen = ConfirmScreen("Delete this photo?", "It cannot be undone.", dangerous=True)
    shown(qtbot, screen)
    screen.activateWindow()
    qtbot.waitUntil(screen.no_button.hasFocus)
    assert screen.yes_button.property("role") == "danger"
    assert screen.yes_button.text().endswith("Yes") and screen.no_button.text().endswith("No")

    qtbot.keyClick(screen.no_button, Qt.Key.Key_Return)
    with qtbot.waitSignal(screen.confirmed, timeout=1000):
        clock.advance(1000)
        qtbot.mouseClick(screen.yes_button, LEFT)


def test_yes_then_a_quick_slip_onto_no_answers_once(qtbot, clock, speak) -> None:
    screen = ConfirmScreen("Call Wang Fang?", yes_text="Call", no_text="Not now")
    shown(qtbot, screen)
    assert screen.yes_button.property("role") == "primary"
    assert "Call" in screen.yes_button.text() and "Not now" in screen.no_button.text()
    answers = counter(screen.confirmed)
    refusals = counter(screen.declined)
    qtbot.mouseClick(screen.yes_button, LEFT)
    clock.advance(150)
    qtbot.mouseClick(screen.no_button, LEFT)
    assert len(answers) == 1 and refusals == []


def test_choices_turn_pages_and_say_which_is_selected(qtbot, clock, themed, speak) -> None:
    choices = [(f"k{n}", f"Choice {n}") for n in range(12)]
    screen = ChoiceList("Pick one", choices, selected="k1")
    shown(qtbot, screen)
    picked = counter(screen.chosen)
    assert screen.page_count() > 1 and len(screen.visible_keys()) <= ChoiceList.MAX_ROWS
    assert screen.previous_button.isVisible() and not screen.previous_button.isEnabled()
    selected = screen.choice_buttons[1]
    assert selected.text() == "✔  Choice 1 (selected)"
    assert selected.property("selected") is True

    qtbot.mouseClick(screen.next_button, LEFT)
    assert screen.page == 1
    key = screen.visible_keys()[0]
    index = [k for k, _label in choices].index(key)
    qtbot.mouseClick(screen.choice_buttons[index], LEFT)
    assert picked == [key]
    assert screen.selected == key
    assert screen.choice_buttons[index].text().startswith("✔")
    assert screen.choice_buttons[1].text() == "Choice 1"


def test_a_short_choice_list_has_no_pager(qtbot, clock, themed, speak) -> None:
    screen = ChoiceList("Pick one", [("a", "Tea"), ("b", "Coffee")])
    shown(qtbot, screen)
    assert screen.page_count() == 1 and not screen.next_button.isVisible()


def test_the_number_pad_takes_taps_and_says_each_digit(qtbot, clock, speak) -> None:
    pad = NumberPad(digits=4)
    shown(qtbot, pad)
    digits = counter(pad.digit_pressed)
    entered = counter(pad.entered)
    assert not pad.ok_button.isEnabled()
    for digit in "123":
        qtbot.mouseClick(pad.digit_buttons[digit], LEFT)
    assert not pad.ok_button.isEnabled()
    qtbot.mouseClick(pad.digit_buttons["4"], LEFT)
    assert pad.display.text() == "1 2 3 4" and pad.ok_button.isEnabled()
    clock.advance(500)
    qtbot.mouseClick(pad.digit_buttons["5"], LEFT)
    assert pad.value == "1234"
    qtbot.mouseClick(pad.ok_button, LEFT)
    assert entered == ["1234"]
    assert digits == ["1", "2", "3", "4"]
    qtbot.mouseClick(pad.delete_button, LEFT)
    assert pad.value == "123" and pad.display.text() == "1 2 3 _"
    pad.clear()
    assert pad.value == "" and pad.display.text() == "_ _ _ _"


def test_a_masked_pad_shows_dots_and_takes_the_keyboard(qtbot, clock, speak) -> None:
    pad = NumberPad(digits=4, masked=True)
    shown(qtbot, pad)
    entered = counter(pad.entered)
    qtbot.keyClicks(pad, "9071")
    assert pad.display.text() == "• • • •" and "9" not in pad.display.accessibleName()
    qtbot.keyClick(pad, Qt.Key.Key_Backspace)
    qtbot.keyClick(pad, Qt.Key.Key_Return)
    assert entered == []
    qtbot.keyClicks(pad, "1")
    qtbot.keyClick(pad, Qt.Key.Key_Enter)
    assert entered == ["9071"]
    assert pad.delete_button.text() == "⌫ Delete" and pad.ok_button.text() == "OK"


def test_progress_can_be_cancelled_once_and_finished(qtbot, clock, speak) -> None:
    screen = ProgressScreen("Sending the photo", "This takes about a minute.")
    shown(qtbot, screen)
    assert screen.amount_label.text() == "Please wait…"
    screen.set_progress(0.456)
    assert screen.bar.value() == 46 and screen.amount_label.text() == "46 %"
    cancels = counter(screen.cancelled)
    qtbot.mouseClick(screen.cancel_button, LEFT)
    clock.advance(1000)
    qtbot.mouseClick(screen.cancel_button, LEFT)
    assert len(cancels) == 1
    screen.set_detail("Stopped.")
    screen.finish()
    assert not screen.cancel_button.isVisible() and screen.detail_label.text() == "Stopped."


def test_a_message_has_one_button_unless_told_otherwise(qtbot, clock, speak) -> None:
    screen = MessageScreen("Booked", "Tuesday at 9:30.")
    shown(qtbot, screen)
    done = counter(screen.done)
    assert screen.button.text() == "OK"
    qtbot.mouseClick(screen.button, LEFT)
    assert len(done) == 1
    quiet = MessageScreen("Booked", "Tuesday at 9:30.", button_text="")
    shown(qtbot, quiet)
    assert not quiet.button.isVisible()


# -- nothing is too small or cut off, in any theme, at 200 % ----------------------------

TEXTS = {
    "en": {
        "question": "Do you want to call Wang Fang now?",
        "detail": "Her phone will ring. You can hang up at any time.",
        "choose": "How big should the text be?",
        "choices": ["Normal", "Large", "Larger", "Very large, for reading without glasses"],
        "title": "Your appointment is booked",
        "body": "Dr Li will see you on Tuesday, 14 May at 9:30 in room 204.",
        "progress": "Sending the photo to your family",
        "wait": "This takes about a minute.",
        "pin": "Type your helper PIN",
    },
    "zh_CN": {
        "question": "现在给王芳打电话吗？",
        "detail": "她的手机会响。您随时可以挂断。",
        "choose": "文字要多大？",
        "choices": ["标准", "大", "较大", "特大，不戴眼镜也能看清"],
        "title": "已经帮您预约好了",
        "body": "李医生将在 5 月 14 日星期二上午 9:30，在 204 室为您看病。",
        "progress": "正在把照片发给家人",
        "wait": "大约需要一分钟。",
        "pin": "请输入帮手密码",
    },
}


def build(name: str, text: dict[str, Any]) -> QWidget:
    if name == "confirm":
        return ConfirmScreen(text["question"], text["detail"], dangerous=True)
    if name == "choice":
        return ChoiceList(text["choose"], list(enumerate(text["choices"] * 2)), selected=1)
    if name == "message":
        return MessageScreen(text["title"], text["body"])
    if name == "progress":
        screen = ProgressScreen(text["progress"], text["wait"])
        screen.set_progress(0.45)
        return screen
    pad = NumberPad(digits=6, masked=False, prompt=text["pin"])
    for digit in "12345":
        pad.type_digit(digit)
    return pad


def problems(screen: QWidget) -> list[str]:
    found = []
    room = screen.rect()
    for widget in screen.findChildren(QWidget):
        if not widget.isVisibleTo(screen):
            continue
        where = widget.rect().translated(widget.mapTo(screen, QPoint(0, 0)))
        name = f"{type(widget).__name__} {widget.objectName()!r}"
        if not room.contains(where):
            found.append(f"{name} at {where} is outside the screen")
        if isinstance(widget, (QLabel, QPushButton)) and widget.font().pixelSize() < MIN_TEXT_PX:
            found.append(f"{name}: text {widget.font().pixelSize()} px")
        if isinstance(widget, QPushButton) and (widget.width() < 72 or widget.height() < 72):
            found.append(f"{name}: only {widget.width()}×{widget.height()} px")
        if isinstance(widget, QLabel) and widget.text():
            if widget.wordWrap():
                fits = widget.heightForWidth(widget.width()) <= widget.height()
            else:
                hint = widget.sizeHint()
                fits = hint.width() <= widget.width() and hint.height() <= widget.height()
            if not fits:
                found.append(f"{name} {widget.text()!r} is cut off at {widget.size()}")
        if isinstance(widget, QScrollArea) and widget.verticalScrollBar().isVisible():
            found.append(f"{name}: the words need scrolling")
        if isinstance(widget, BigButton):
            needed = widget._size_for(widget.shown_text())
            if needed.width() > widget.width() or needed.height() > widget.height():
                found.append(f"{name} {widget.text()!r} needs {needed}, has {widget.size()}")
    return found


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("name", ["confirm", "choice", "message", "progress", "numberpad"])
def test_every_screen_fits_at_200_percent(qtbot, themed, speak, clock, name, theme, locale):
    themed(theme, 200)
    speak(locale)
    screen = shown(qtbot, build(name, TEXTS[locale]))
    assert problems(screen) == []


@pytest.mark.parametrize("name", ["confirm", "choice", "message", "progress", "numberpad"])
def test_in_a_tight_spot_the_words_scroll_and_every_button_stays_in_view(
    qtbot, themed, speak, clock, name
) -> None:
    # About what a plugin's own screen gets inside the shell at 200 %.
    themed("high-contrast", 200)
    screen = shown(qtbot, build(name, TEXTS["en"]), (1280, 380))
    buttons = [b for b in screen.findChildren(QPushButton) if b.isVisibleTo(screen)]
    assert buttons
    for widget in buttons:
        where = widget.rect().translated(widget.mapTo(screen, QPoint(0, 0)))
        assert screen.rect().contains(where), f"{widget.text()!r} at {where}"
        assert widget.height() >= 72


def test_the_screenshot_texts_are_translated(speak) -> None:
    for locale, expected in (("en", "Yes"), ("zh_CN", "是")):
        speak(locale)
        assert kit.kit_text("kit.yes") == expected
    assert kit.kit_text("kit.page", page=2, pages=3) == "第 2 页\n共 3 页"
