"""The relative's web app: its own words, and a real browser against the launcher.

A phone-sized headless Chromium pairs through the web app, the senior taps Yes on the
launcher, and the relative's changes (text size, a new contact with a photo) show on
the launcher. The API answers on the Qt UI thread, so Selenium runs on a worker thread
while the test keeps Qt's event loop turning with ``qtbot.waitUntil``.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from conftest import start_shell
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QWidget

from launcher.remote.server import WEBAPP_DIR
from launcher.ui.shell import PluginFrame, ShellWindow

try:
    from selenium import webdriver
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support.ui import Select, WebDriverWait
except ImportError:  # the word checks below still run
    webdriver = None

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

#: A phone held upright: the width the app is designed for.
PHONE = {"width": 360, "height": 740, "pixelRatio": 2}
#: Chromium's own flags for a closed network, run as root (see the machine notes).
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
BROWSER_WAIT_S = 15
QT_WAIT_MS = 30_000

T = TypeVar("T")


class Browser:
    """Runs browser steps on one worker thread; the test thread waits with Qt running."""

    def __init__(self, driver: WebDriver, qtbot: Any) -> None:
        self.driver = driver
        self._qtbot = qtbot
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="browser")

    def run(self, step: Callable[[WebDriver], T]) -> T:
        future = self._worker.submit(step, self.driver)
        self._qtbot.waitUntil(future.done, timeout=QT_WAIT_MS)
        return future.result()

    def close(self) -> None:
        self._worker.shutdown(wait=True)
        self.driver.quit()


def wait_for(driver: WebDriver, css: str) -> Any:
    """The first element matching ``css`` once it is displayed."""

    def shown(d: WebDriver) -> Any:
        found = [e for e in d.find_elements(By.CSS_SELECTOR, css) if e.is_displayed()]
        return found[0] if found else False

    return WebDriverWait(driver, BROWSER_WAIT_S).until(shown, f"nothing shows {css!r}")


@pytest.fixture
def browser(qtbot: Any) -> Iterator[Browser]:
    if webdriver is None:
        pytest.skip("needs selenium: pip install -e '.[test]'")
    if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
        pytest.skip(
            "needs Debian's Chromium and ChromeDriver: "
            "apt-get install --no-install-recommends chromium chromium-driver"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="leling-chromium-")
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument("--lang=en-US")
    options.add_experimental_option("mobileEmulation", {"deviceMetrics": PHONE})
    service = webdriver.ChromeService(executable_path=str(CHROMEDRIVER))
    opened = Browser(webdriver.Chrome(service=service, options=options), qtbot)
    try:
        yield opened
    finally:
        opened.close()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def launcher(home: Path, qtbot: Any) -> ShellWindow:
    """Margaret's shell (contacts and a clock), its remote help not started yet."""
    return start_shell(
        home,
        qtbot,
        {
            "senior": {"name": "Margaret", "address": ""},
            "tiles": [{"plugin": "contacts"}, {"plugin": "clock"}],
            "contacts": [{"name": "Wang Fang", "relation": "Daughter", "phone": "139 0013 9000"}],
        },
    )


def square_photo(path: Path) -> Path:
    image = QImage(64, 64, QImage.Format.Format_RGB32)
    image.fill(QColor("#2E7D32"))
    assert image.save(str(path), "PNG")
    return path


def visible_approval(window: ShellWindow, name: str = "pairApproval") -> QWidget | None:
    for screen in window.findChildren(QWidget, name):
        if screen.isVisible():
            return screen
    return None


def senior_taps_yes(window: ShellWindow, qtbot: Any, name: str) -> None:
    qtbot.waitUntil(lambda: visible_approval(window, name) is not None, timeout=QT_WAIT_MS)
    approval = visible_approval(window, name)
    assert approval is not None
    qtbot.mouseClick(approval.yes_button, Qt.MouseButton.LeftButton)


def ask_to_help_as_mei(driver: WebDriver, link: str) -> str:
    """Open the pairing ``link`` and ask to help as "Mei". Returns what the page waiting
    for the senior's yes says."""
    driver.get(link)
    wait_for(driver, "main[data-page=pair] input[name=name]").send_keys("Mei")
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    return str(wait_for(driver, "main[data-page=waiting] h1").text)


def pair_in_browser(window: ShellWindow, browser: Browser, qtbot: Any) -> str:
    """Pair the browser as "Mei"; the senior taps Yes. Returns what the menu says."""
    remote = window.remote
    assert remote is not None
    code = remote.new_code()

    def ask_to_help(driver: WebDriver) -> str:
        return ask_to_help_as_mei(driver, f"{remote.url}?c={code}")

    assert browser.run(ask_to_help) == "Waiting for Margaret to say yes…"
    senior_taps_yes(window, qtbot, "pairApproval")

    def menu_after_yes(driver: WebDriver) -> str:
        wait_for(driver, "main[data-page=menu] nav")
        stored = driver.execute_script("return localStorage.getItem('leling.helper')")
        assert json.loads(stored)["token"], "the token is kept for the next visit"
        # The pairing code was for one use; the address no longer carries it.
        assert "c=" not in driver.current_url
        return str(driver.find_element(By.CSS_SELECTOR, "main .helping").text)

    return browser.run(menu_after_yes)


def choose_text_size_150(driver: WebDriver) -> str:
    """On the paired app's menu: Look, text size 150 %, Save. Returns what the bar says."""
    driver.find_element(By.CSS_SELECTOR, "a[href='#look']").click()
    Select(wait_for(driver, "main[data-page=look] select[name=text_scale]")).select_by_value("150")
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    return str(wait_for(driver, "#bar.ok .bar-text").text)


# -- the app itself ----------------------------------------------------------------------


def word_tables() -> dict[str, dict[str, str]]:
    """The app's words per language, read from words.js (one ``key: "text",`` a line)."""
    text = (WEBAPP_DIR / "words.js").read_text(encoding="utf-8")
    tables: dict[str, dict[str, str]] = {}
    for lang, body in re.findall(r"^  (\w+): \{\n(.*?)^  \},", text, re.M | re.S):
        tables[lang] = dict(re.findall(r'^    (\w+): "((?:[^"\\]|\\.)*)",$', body, re.M))
    return tables


def test_the_app_speaks_every_language_completely() -> None:
    tables = word_tables()
    assert set(tables) == {"zh_CN", "zh_HK", "en", "ug"}
    english = tables["en"]
    assert len(english) > 50
    for lang, words in tables.items():
        assert set(words) == set(english), f"{lang} lacks or adds words"
        for key, text in words.items():
            assert text.strip(), f"{lang}.{key} is empty"
            # A translation fills in the same names and numbers as the English.
            assert set(re.findall(r"\{\w+\}", text)) == set(re.findall(r"\{\w+\}", english[key])), (
                f"{lang}.{key}"
            )
    assert re.search(r"[\u0600-\u06ff]", tables["ug"]["save"]), "Uyghur in Arabic script"


def test_every_word_the_app_asks_for_exists_and_none_is_unused() -> None:
    code = (WEBAPP_DIR / "app.js").read_text(encoding="utf-8")
    words = set(word_tables()["en"])
    asked = set(re.findall(r'\bt\("(\w+)"', code))
    assert asked - words == set(), "app.js asks for words that words.js lacks"
    # Words reached through a variable: section names, outcomes, notices.
    sections = re.search(r"const SECTIONS = \[(.*?)\];", code, re.S)
    assert sections is not None
    literals = set(re.findall(r'"(\w+)"', code))
    # Sections are named in SECTIONS, or added by name when the profile has their tile.
    for name in set(re.findall(r'"(\w+)"', sections.group(1))) | literals:
        asked |= {f"sec_{name}", f"sec_{name}_desc"}
    unused = words - asked - literals
    assert unused == set(), "words.js has words app.js never shows"


def test_the_app_is_small_and_needs_nothing_from_elsewhere() -> None:
    files = [path for path in WEBAPP_DIR.iterdir() if path.is_file()]
    names = {path.name for path in files}
    assert {"index.html", "app.js", "app.css", "words.js"} <= names
    # What it costs on the wire is checked in test_webapp_transfer.py (sent gzipped).
    page = (WEBAPP_DIR / "index.html").read_text(encoding="utf-8")
    for reference in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert reference in names, f"index.html refers to {reference}, not a file of the app"
    for path in files:
        if path.suffix in (".html", ".js", ".css", ".webmanifest"):
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", text), path.name


# -- in a real browser ------------------------------------------------------------------


def test_a_relative_pairs_on_a_phone_and_their_changes_show_on_the_launcher(
    launcher: ShellWindow, browser: Browser, qtbot: Any, tmp_path: Path
) -> None:
    window = launcher
    instance = window.instance
    remote = window.start_remote(port=0)
    photo = square_photo(tmp_path / "li-wei.png")

    assert pair_in_browser(window, browser, qtbot) == "Helping Margaret"

    assert browser.run(choose_text_size_150) == "Saved. The launcher shows it now."
    qtbot.waitUntil(lambda: instance.settings["text_scale"] == 150, timeout=QT_WAIT_MS)
    assert instance.effective_scale() == 150

    def add_contact(driver: WebDriver) -> None:
        driver.find_element(By.CSS_SELECTOR, "main a.back").click()
        wait_for(driver, "main[data-page=menu] a[href='#contacts']").click()
        wait_for(driver, "main[data-page=contacts] a[href='#contact/new']").click()
        wait_for(driver, "main[data-page=contact] input[name='contacts.1.name']").send_keys(
            "Li Wei"
        )
        driver.find_element(By.NAME, "contacts.1.relation").send_keys("Nephew")
        phone = driver.find_element(By.NAME, "contacts.1.phone")
        phone.send_keys("call me")
        driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        # The launcher refuses it; its reason shows beside the phone field.
        error = wait_for(driver, "main[data-page=contact] input[aria-invalid=true] ~ .field-error")
        assert error.text == "This is not in the expected form."
        assert phone.get_attribute("aria-invalid") == "true"
        phone.clear()
        phone.send_keys("138 0013 8000")
        driver.find_element(By.NAME, "contacts.1.photo").send_keys(str(photo))
        # The photo is sent at once; its preview shows when the launcher has it.
        wait_for(driver, "main[data-page=contact] img.preview")
        driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        card = wait_for(driver, "main[data-page=contacts] li[data-contact='1']")
        assert "Li Wei" in card.text and "Nephew" in card.text
        assert "Saved" in wait_for(driver, "#bar.ok").text
        avatar = wait_for(driver, "li[data-contact='1'] img.avatar")
        assert avatar.get_attribute("src").startswith("blob:")

    browser.run(add_contact)

    def saved_contact() -> dict[str, Any] | None:
        return next((c for c in instance.settings["contacts"] if c["name"] == "Li Wei"), None)

    qtbot.waitUntil(lambda: saved_contact() is not None, timeout=QT_WAIT_MS)
    contact = saved_contact()
    assert contact is not None
    assert contact["relation"] == "Nephew" and contact["phone"] == "138 0013 8000"
    assert contact["photo"] and (instance.profile_dir / contact["photo"]).is_file()

    # The senior opens Family and finds the new person, with the photo.
    window.go_home()
    qtbot.mouseClick(window.home.tile_buttons[0], Qt.MouseButton.LeftButton)
    frame = window.stack.currentWidget()
    assert isinstance(frame, PluginFrame) and frame.tile.plugin_id == "contacts"
    cards = [w for w in frame.findChildren(QWidget) if type(w).__name__ == "ContactCard"]
    by_name = {card.name_label.text(): card for card in cards}
    assert set(by_name) == {"Wang Fang", "Li Wei"}
    assert by_name["Li Wei"].avatar.has_photo

    shot = tmp_path / "webapp-contacts.png"
    assert browser.run(lambda driver: driver.save_screenshot(str(shot)))
    assert shot.read_bytes().startswith(b"\x89PNG")

    def stop_helping(driver: WebDriver) -> str:
        driver.find_element(By.CSS_SELECTOR, "main a.back").click()
        wait_for(driver, "main[data-page=menu] a[href='#stop']").click()
        wait_for(driver, "main[data-page=stop] button.danger").click()
        wait_for(driver, "main[data-page=stop] .danger-zone button.danger").click()
        notice = wait_for(driver, "main[data-page=pair] .note.ok").text
        assert driver.execute_script("return localStorage.getItem('leling.helper')") is None
        return str(notice)

    assert browser.run(stop_helping) == "You have stopped helping. Thank you!"
    qtbot.waitUntil(lambda: not remote.api.book.helpers(), timeout=QT_WAIT_MS)


def test_a_relative_sees_the_launcher_and_taps_help_me_from_the_phone(
    launcher: ShellWindow, browser: Browser, qtbot: Any
) -> None:
    window = launcher
    remote = window.start_remote(port=0)
    pair_in_browser(window, browser, qtbot)

    def ask_to_see(driver: WebDriver) -> str:
        wait_for(driver, "main[data-page=menu] a[href='#screen']").click()
        wait_for(driver, "main[data-page=screen] button.screen-ask").click()
        return str(wait_for(driver, "main[data-page=screen] .screen-status.waiting").text)

    assert browser.run(ask_to_see) == "Waiting for Margaret to say yes…"
    senior_taps_yes(window, qtbot, "screenApproval")
    qtbot.waitUntil(lambda: window.banner is not None, timeout=QT_WAIT_MS)

    def live_picture(driver: WebDriver) -> dict[str, float]:
        picture = wait_for(driver, "main[data-page=screen] img.screen-picture")
        WebDriverWait(driver, BROWSER_WAIT_S).until(
            lambda d: d.execute_script("return arguments[0].naturalWidth", picture) > 0,
            "no picture of the launcher arrives",
        )
        first = picture.get_attribute("src")
        assert first.startswith("blob:")
        WebDriverWait(driver, BROWSER_WAIT_S).until(
            lambda d: picture.get_attribute("src") != first, "the picture is not live"
        )
        # The page lets go of each old picture once a newer one shows.
        gone = driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "fetch(arguments[0]).then(() => done(false), () => done(true));",
            first,
        )
        assert gone, "an old picture's object URL is still held"
        return dict(
            driver.execute_script(
                "const box = arguments[0].getBoundingClientRect();"
                "return {width: box.width, height: box.height,"
                " natural: arguments[0].naturalWidth, viewport: window.innerWidth};",
                picture,
            )
        )

    shown = browser.run(live_picture)
    assert shown["natural"] == window.width()
    # As wide as the phone, in the launcher's own proportions.
    assert shown["width"] == shown["viewport"]
    assert abs(shown["height"] - shown["width"] * window.height() / window.width()) < 1

    # Where "Help me" is on the picture: the button's centre, as a share of the window.
    assert window.screen_kind() == "home"
    button = window.help_button
    centre = button.mapTo(window, button.rect().center())
    x = centre.x() / window.width() * shown["width"]
    y = centre.y() / window.height() * shown["height"]

    def tap_help_me(driver: WebDriver) -> None:
        picture = driver.find_element(By.CSS_SELECTOR, "img.screen-picture")
        # Selenium's offsets are from the middle of the element.
        ActionChains(driver).move_to_element_with_offset(
            picture, round(x - shown["width"] / 2), round(y - shown["height"] / 2)
        ).click().perform()

    browser.run(tap_help_me)
    qtbot.waitUntil(lambda: window.screen_kind() == "help", timeout=QT_WAIT_MS)

    def stop(driver: WebDriver) -> str:
        driver.find_element(By.CSS_SELECTOR, "main[data-page=screen] button.screen-stop").click()
        ended = wait_for(driver, "main[data-page=screen] .screen-status.ended")
        assert not driver.find_elements(By.CSS_SELECTOR, "img.screen-picture")
        wait_for(driver, "main[data-page=screen] button.screen-ask")
        return str(ended.text)

    assert browser.run(stop) == "You stopped seeing the screen."
    qtbot.waitUntil(lambda: window.banner is None, timeout=QT_WAIT_MS)
    assert remote.api.screens.active() is None
