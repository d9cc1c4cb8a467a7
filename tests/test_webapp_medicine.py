"""The relative's Medicines section in a real headless Chromium: a medicine added with a
photo of the box comes up on the launcher, a wrong time is named in the form, and the
log shows each dose with its real time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import PluginClock, tap
from test_medicine import berlin, plugin, send, view, wait_view
from test_medicine import launcher as launcher
from test_webapp import browser as browser
from test_webapp import pair_in_browser, square_photo, wait_for


def test_a_relative_adds_a_medicine_with_a_photo_and_reads_the_log(
    qtbot: Any, launcher: Any, browser: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    window, said = launcher()
    window.start_remote(port=0)
    pair_in_browser(window, browser, qtbot)
    window.go_home()
    clock = PluginClock(berlin(2030, 3, 4, 7, 0))  # a Monday
    plugin(window).now = clock
    photo = square_photo(tmp_path / "box.png")

    def fill(driver: Any, times: str) -> None:
        for name, value in (("med-name", "Amlodipine"), ("med-dose", "1 tablet")):
            field = driver.find_element(By.NAME, name)
            field.clear()
            field.send_keys(value)
        field = driver.find_element(By.NAME, "med-times")
        field.clear()
        field.send_keys(times)

    def wrong_time(driver: Any) -> str:
        wait_for(driver, "main[data-page=menu] a[href='#medicine']").click()
        wait_for(driver, "main[data-page=medicine] .med-list li.hint")
        fill(driver, "08:00, 25:00")
        driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        return str(wait_for(driver, "main form .field-error").text)

    assert "'times' has '25:00', which is not a time of day" in browser.run(wrong_time)
    assert send(window, {"action": "list"})["medicines"] == [], "nothing was kept"

    def add(driver: Any) -> str:
        fill(driver, "8:00, 20:00")
        driver.find_element(By.CSS_SELECTOR, "label[for$='-day1']").click()
        driver.find_element(By.NAME, "med-photo").send_keys(str(photo))
        driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
        return str(wait_for(driver, "#bar.ok .bar-text").text)

    assert browser.run(add) == "Saved. It is on their screen now and was read to them."
    today = wait_view(qtbot, window, "medicineToday")
    assert today.note_label.text() == (
        "Mei added a medicine: Amlodipine, 1 tablet at 8:00, 20:00, Mon."
    )
    assert today.note_label.text() in said

    def listed(driver: Any) -> tuple[str, str]:
        item = wait_for(driver, ".med-list li.album-item")
        image = item.find_element(By.CSS_SELECTOR, "img.album-thumb")
        return str(item.text), str(image.get_attribute("src"))

    text, src = browser.run(listed)
    assert "Amlodipine, 1 tablet at 8:00, 20:00, Mon" in text
    assert src.startswith("data:image/jpeg;base64,")

    # At 8:00 the senior takes it, at 8:04.
    window.go_home()
    clock.moment = berlin(2030, 3, 4, 8, 0)
    plugin(window).tick()
    reminder = wait_view(qtbot, window, "medicineReminder")
    assert reminder.photo is not None
    clock.moment = berlin(2030, 3, 4, 8, 4)
    tap(qtbot, reminder.took)
    assert view(window).objectName() == "medicineAnswered"

    def log(driver: Any) -> str:
        driver.refresh()
        return str(wait_for(driver, ".med-log li.med-taken").text)

    assert browser.run(log) == "2030-03-04 08:00 · Amlodipine (1 tablet) · taken at 8:04"
