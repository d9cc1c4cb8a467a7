"""Remote help against the real server on 127.0.0.1: pairing with the senior's approval,
live changes with announcements and undo, lockout, and a stranger who can do nothing."""

from __future__ import annotations

import json
import random
import sqlite3
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import free_port, open_test_instance, show_shell, start_shell
from PySide6.QtCore import Qt

from launcher.remote.openapi import document
from launcher.ui.shell import ShellWindow

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)

pytestmark = pytest.mark.usefixtures("restore_excepthook")


class Client:
    """HTTP from a worker thread: API answers come from the UI thread, so the test's Qt
    event loop keeps running (qtbot.waitUntil) while a request is under way."""

    def __init__(self, qtbot: Any, base: str) -> None:
        self.qtbot = qtbot
        self.base = base.rstrip("/")
        self.token = ""

    def __call__(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}))
        if self.token and "Authorization" not in headers:
            headers["Authorization"] = f"Bearer {self.token}"
        box: dict[str, Any] = {}

        def run() -> None:
            try:
                box["response"] = requests.request(
                    method, self.base + path, headers=headers, timeout=20, **kwargs
                )
            except Exception as exc:  # handed to the test thread
                box["error"] = exc

        worker = threading.Thread(target=run)
        worker.start()
        self.qtbot.waitUntil(lambda: not worker.is_alive(), timeout=25_000)
        if "error" in box:
            raise box["error"]
        return box["response"]


@pytest.fixture
def launcher(home: Path, qtbot: Any) -> Callable[..., tuple[ShellWindow, Client]]:
    """Starts Wang Fang's shell (a clock and contacts) with remote help on, and a client
    of its API."""

    def start(locale: str = "en") -> tuple[ShellWindow, Client]:
        window = start_shell(
            home,
            qtbot,
            {
                "senior": {"name": "Wang Fang", "address": ""},
                "tiles": [{"plugin": "clock"}, {"plugin": "contacts"}],
            },
            locale=locale,
        )
        remote = window.start_remote(port=0)
        return window, Client(qtbot, remote.url)

    return start


def pair(qtbot: Any, window: ShellWindow, client: Client, name: str = "Li Hua") -> str:
    assert window.remote is not None
    code = window.remote.new_code()
    asked = client("POST", "/api/pair", json={"code": code, "name": name})
    assert asked.status_code == 202, asked.text
    ticket = asked.json()
    page = window.stack.currentWidget()
    assert page.objectName() == "pairApproval"
    qtbot.mouseClick(page.yes_button, Qt.MouseButton.LeftButton)
    answer = client("GET", f"/api/pair/{ticket['request']}", params={"claim": ticket["claim"]})
    assert answer.status_code == 200 and answer.json()["status"] == "approved"
    client.token = answer.json()["token"]
    return client.token


def settings_bytes(window: ShellWindow) -> bytes:
    return (window.instance.profile_dir / "settings.json").read_bytes()


def test_a_relative_pairs_only_after_the_senior_says_yes(qtbot, launcher) -> None:
    window, client = launcher()
    assert window.remote is not None
    code = window.remote.new_code()
    asked = client("POST", "/api/pair", json={"code": code, "name": "Li Hua"})
    assert asked.status_code == 202
    ticket = asked.json()
    page = window.stack.currentWidget()
    assert page.objectName() == "pairApproval"
    assert page.question_label.text() == "Li Hua wants to help you. Allow?"
    assert page.dangerous and window.focusWidget() is page.no_button

    status = f"/api/pair/{ticket['request']}"
    waiting = client("GET", status, params={"claim": ticket["claim"]})
    assert waiting.json() == {"status": "waiting"}
    stolen = client("GET", status, params={"claim": "not-the-claim"})
    assert stolen.status_code == 404, "only the one who asked can collect the token"
    assert client("GET", "/api/status").status_code == 401

    qtbot.mouseClick(page.yes_button, Qt.MouseButton.LeftButton)
    approved = client("GET", status, params={"claim": ticket["claim"]})
    assert approved.json()["status"] == "approved"
    token = approved.json()["token"]
    assert client("GET", status, params={"claim": ticket["claim"]}).status_code == 404

    client.token = token
    me = client("GET", "/api/status")
    assert me.status_code == 200
    assert me.json()["helper"]["name"] == "Li Hua" and me.json()["senior"] == "Wang Fang"
    # The code was used up.
    again = client("POST", "/api/pair", json={"code": code, "name": "Someone"})
    assert again.status_code == 403
    # Only a hash of the token is kept.
    database = window.instance.profile_dir / "remote.sqlite"
    assert token.encode() not in database.read_bytes()
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT name FROM helpers").fetchall() == [("Li Hua",)]


def test_when_the_senior_says_no_there_is_no_token(qtbot, launcher) -> None:
    window, client = launcher()
    assert window.remote is not None
    ticket = client(
        "POST", "/api/pair", json={"code": window.remote.new_code(), "name": "Stranger"}
    ).json()
    qtbot.mouseClick(window.stack.currentWidget().no_button, Qt.MouseButton.LeftButton)
    answer = client("GET", f"/api/pair/{ticket['request']}", params={"claim": ticket["claim"]})
    assert answer.json() == {"status": "declined"}
    assert window.stack.currentWidget() is window.home


def test_five_wrong_codes_lock_pairing(qtbot, launcher) -> None:
    window, client = launcher()
    assert window.remote is not None
    code = window.remote.new_code()
    wrong = "000000" if code != "000000" else "111111"
    answers = [
        client("POST", "/api/pair", json={"code": wrong, "name": "Guesser"}) for _ in range(5)
    ]
    assert [a.status_code for a in answers] == [403, 403, 403, 403, 423]
    assert answers[0].json()["tries_left"] == 4
    assert answers[-1].json()["retry_after"] == 600
    # Now even the right code (a new one) is refused until the lock ends.
    fresh = window.remote.new_code()
    locked = client("POST", "/api/pair", json={"code": fresh, "name": "Li Hua"})
    assert locked.status_code == 423
    assert "10 minutes" in locked.json()["error"]


def test_a_change_is_applied_live_announced_and_undone_by_one_tap(qtbot, launcher) -> None:
    window, client = launcher()
    pair(qtbot, window, client)
    before = window.home.tile_buttons[0].font().pixelSize()
    changed = client("PATCH", "/api/settings", json={"changes": {"text_scale": 150}})
    assert changed.status_code == 200, changed.text
    assert changed.json()["settings"]["text_scale"] == 150
    assert window.instance.effective_scale() == 150
    notice = window.stack.currentWidget()
    assert notice.findChild(type(window.screen_title), "screenTitle").text() == (
        "Li Hua changed your text size"
    )
    assert window.home.tile_buttons[0].text_label.font().pixelSize() > before or (
        window.metrics is not None and window.metrics.scale == 150
    )
    undo = notice.findChild(type(window.help_button), "undoRemoteChange")
    qtbot.mouseClick(undo, Qt.MouseButton.LeftButton)
    assert window.instance.settings["text_scale"] == 100
    history = client("GET", "/api/changes").json()["changes"]
    assert history[0]["undone"] is True and history[0]["who"] == "Li Hua"
    assert history[0]["before"] == {"text_scale": 100}
    assert history[0]["after"] == {"text_scale": 150}


def test_the_relative_can_undo_from_afar_once(qtbot, launcher) -> None:
    window, client = launcher()
    pair(qtbot, window, client)
    original = window.instance.settings["contacts"]
    contact = {"name": "小明", "relation": "son", "phone": "13800000000", "photo": ""}
    changed = client("PATCH", "/api/settings", json={"changes": {"contacts": [contact]}})
    assert changed.status_code == 200
    assert window.instance.settings["contacts"][0]["name"] == "小明"
    change_id = changed.json()["change"]["id"]
    undone = client("POST", f"/api/changes/{change_id}/undo")
    assert undone.status_code == 200
    assert window.instance.settings["contacts"] == original
    assert client("POST", f"/api/changes/{change_id}/undo").status_code == 409


def test_bad_values_are_refused_beside_the_field_in_the_relatives_language(qtbot, launcher) -> None:
    window, client = launcher()
    pair(qtbot, window, client)
    saved = settings_bytes(window)
    answer = client(
        "PATCH",
        "/api/settings",
        params={"lang": "zh_CN"},
        json={"changes": {"voice.rate": 5000, "theme": "Bad Theme!"}},
    )
    assert answer.status_code == 400
    body = answer.json()
    assert body["fields"]["voice.rate"] == "最多 300。"
    assert body["fields"]["theme"] == "格式不对。"
    assert settings_bytes(window) == saved, "nothing is saved when anything is wrong"
    unknown = client("PATCH", "/api/settings", json={"changes": {"colour": "red"}})
    assert unknown.status_code == 400 and unknown.json()["fields"]["colour"]


def test_the_pin_and_remote_help_itself_cannot_be_changed_from_afar(qtbot, launcher) -> None:
    window, client = launcher()
    pair(qtbot, window, client)
    saved = settings_bytes(window)
    for changes in ({"helper_pin": "1234"}, {"remote.lan": True}, {"remote": {}}):
        answer = client("PATCH", "/api/settings", json={"changes": changes})
        assert answer.status_code == 403, changes
        assert "cannot be changed from afar" in answer.json()["error"]
    assert settings_bytes(window) == saved
    assert "helper_pin" not in client("GET", "/api/settings").json()["settings"]


def test_photos_are_checked_stored_in_the_profile_and_served_back(qtbot, launcher) -> None:
    window, client = launcher()
    pair(qtbot, window, client)
    stored = client("POST", "/api/photos", data=PNG, headers={"Content-Type": "image/png"})
    assert stored.status_code == 201
    photo = stored.json()["photo"]
    assert (window.instance.profile_dir / photo).read_bytes() == PNG
    served = client("GET", f"/api/{photo}")
    assert served.status_code == 200 and served.content == PNG
    fake = client("POST", "/api/photos", data=b"GIF89a....", headers={"Content-Type": "image/png"})
    assert fake.status_code == 400
    wrong = client("POST", "/api/photos", data=PNG, headers={"Content-Type": "image/gif"})
    assert wrong.status_code == 415
    huge = client(
        "POST",
        "/api/photos",
        data=PNG + b"\0" * (2 * 1024 * 1024),
        headers={"Content-Type": "image/png"},
    )
    assert huge.status_code == 413


def test_a_message_appears_big_on_the_senior_screen(qtbot, launcher) -> None:
    window, client = launcher()
    pair(qtbot, window, client)
    sent = client("POST", "/api/message", json={"text": "Dinner at six tonight!"})
    assert sent.status_code == 202
    texts = [label.text() for label in window.stack.currentWidget().findChildren(type(window.date))]
    assert "A message from Li Hua" in texts and "Dinner at six tonight!" in texts
    empty = client("POST", "/api/message", json={"text": "   "})
    assert empty.status_code == 400 and empty.json()["fields"]["text"]


def test_a_request_from_another_website_is_refused(qtbot, launcher) -> None:
    window, client = launcher()
    pair(qtbot, window, client)
    forged = client(
        "PATCH",
        "/api/settings",
        json={"changes": {"text_scale": 200}},
        headers={"Origin": "http://evil.example"},
    )
    assert forged.status_code == 403
    as_form = client(
        "POST",
        "/api/message",
        data="text=hello",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert as_form.status_code == 415
    assert window.instance.settings["text_scale"] == 100


def test_a_stranger_gets_401_from_every_endpoint_but_pairing(qtbot, launcher) -> None:
    _window, client = launcher()
    spec = document()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if operation.get("security") == []:
                continue
            concrete = path.replace("{id}", "1").replace("{name}", "0123456789abcdef.png")
            concrete = concrete.replace("{session}", "ab").replace("{plugin}", "photos")
            concrete = concrete.replace("{alarm}", "0123456789abcdef")
            answer = client(method.upper(), concrete, headers={"Authorization": "Bearer wrong"})
            assert answer.status_code == 401, (method, path, answer.status_code)
            assert answer.json()["error"]


def test_only_the_web_app_files_are_served(qtbot, launcher) -> None:
    _window, client = launcher()
    for path in ("/../settings.json", "/%2e%2e/settings.json", "/.hidden", "/webapp/index.html"):
        assert client("GET", path).status_code == 404, path
    assert client("GET", "/api/openapi.json").json()["openapi"].startswith("3.")


def _junk(rng: random.Random, depth: int = 0) -> Any:
    kinds = ["str", "int", "float", "bool", "none", "list", "dict", "huge"]
    kind = rng.choice(kinds if depth < 2 else kinds[:5])
    if kind == "str":
        return rng.choice(["", "x", "../../etc/passwd", "1" * 300, "😀", "<script>"])
    if kind == "int":
        return rng.choice([-1, 0, 7, 10**12])
    if kind == "float":
        return rng.choice([0.5, -3.25, 1e308])
    if kind == "bool":
        return rng.choice([True, False])
    if kind == "none":
        return None
    if kind == "list":
        return [_junk(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if kind == "huge":
        return "z" * 300_000
    return {rng.choice(["code", "name", "text", "changes", "x"]): _junk(rng, depth + 1)}


def test_fuzzing_the_api_from_its_openapi_document(qtbot, launcher) -> None:
    """Every operation gets junk bodies and junk ids: never a 5xx, never a saved change
    from a bad request."""
    window, client = launcher()
    pair(qtbot, window, client)
    saved = settings_bytes(window)
    rng = random.Random(20261130)
    spec = document()
    tried = 0
    for path, operations in spec["paths"].items():
        for method, _operation in operations.items():
            if method == "delete":
                continue  # stopping helping is valid with any body; tried last below
            for _ in range(8):
                concrete = path.replace("{request}", rng.choice(["0", "ff", "zz", "a" * 40]))
                concrete = concrete.replace("{id}", rng.choice(["0", "99999", "-1", "x"]))
                concrete = concrete.replace("{name}", rng.choice(["x", "../settings.json"]))
                concrete = concrete.replace("{session}", rng.choice(["ab", "zz", "1" * 40]))
                body = _junk(rng)
                if isinstance(body, dict) and "changes" in body:
                    # Junk changes keep clear of real settings: only keys that do not exist.
                    body["changes"] = {"no_such_setting": body["changes"]}
                answer = client(
                    method.upper(),
                    concrete,
                    data=json.dumps(body),
                    headers={"Content-Type": rng.choice(["application/json", "text/plain"])},
                )
                tried += 1
                assert answer.status_code < 500, (method, concrete, body, answer.text)
                if answer.headers["Content-Type"].startswith("application/json"):
                    assert isinstance(answer.json(), dict)
    assert tried >= 80
    assert settings_bytes(window) == saved
    assert client("DELETE", "/api/helpers/me").status_code == 204
    assert client("GET", "/api/status").status_code == 401, "a helper who left is out"


# -- screen help ---------------------------------------------------------------------------------


def centre_fraction(window: ShellWindow, widget: Any) -> dict[str, float]:
    centre = widget.mapTo(window, widget.rect().center())
    return {"x": centre.x() / (window.width() - 1), "y": centre.y() / (window.height() - 1)}


def test_screen_help_needs_a_yes_each_time_and_shows_who_is_helping(qtbot, launcher) -> None:
    from PySide6.QtGui import QImage

    window, client = launcher()
    pair(qtbot, window, client)
    asked = client("POST", "/api/screen")
    assert asked.status_code == 202
    session = asked.json()["session"]
    approval = window.stack.currentWidget()
    assert approval.objectName() == "screenApproval"
    assert approval.question_label.text() == "Li Hua wants to see your screen and help. Allow?"
    assert client("GET", f"/api/screen/{session}/frame").status_code == 409, "no Yes yet"
    qtbot.mouseClick(approval.yes_button, Qt.MouseButton.LeftButton)
    assert client("GET", f"/api/screen/{session}").json()["status"] == "active"
    assert window.banner is not None and window.banner.isVisible()
    assert "Li Hua is helping you" in [
        label.text() for label in window.banner.findChildren(type(window.date))
    ]

    frame = client("GET", f"/api/screen/{session}/frame")
    assert frame.status_code == 200 and frame.headers["Content-Type"] == "image/jpeg"
    picture = QImage.fromData(frame.content)
    assert (picture.width(), picture.height()) == (window.width(), window.height())

    # The relative taps "Help me" on the picture; the launcher opens it.
    tapped = client(
        "POST", f"/api/screen/{session}/tap", json=centre_fraction(window, window.help_button)
    )
    assert tapped.status_code == 200
    assert window.screen_kind() == "help"
    assert client("POST", f"/api/screen/{session}/tap", json={"x": 2, "y": 0}).status_code == 400

    stop = window.banner.findChild(type(window.help_button), "stopScreenHelp")
    qtbot.mouseClick(stop, Qt.MouseButton.LeftButton)
    assert window.banner is None
    ended = client("GET", f"/api/screen/{session}").json()
    assert ended == {"session": session, "status": "ended", "ended_because": "stopped"}
    assert client("GET", f"/api/screen/{session}/frame").status_code == 409
    # Another helper cannot reach this session at all.
    other = Client(qtbot, client.base)
    pair(qtbot, window, other, "Stranger")
    assert other("GET", f"/api/screen/{session}").status_code == 404


def test_screen_help_ends_when_idle_or_when_the_relative_leaves(qtbot, launcher) -> None:
    window, client = launcher()
    pair(qtbot, window, client)
    assert window.remote is not None
    screens = window.remote.api.screens
    now = [1000.0]
    screens.clock = lambda: now[0]

    def start() -> str:
        session = client("POST", "/api/screen").json()["session"]
        qtbot.mouseClick(window.stack.currentWidget().yes_button, Qt.MouseButton.LeftButton)
        return session

    first = start()
    now[0] += 31  # the page stopped asking for pictures
    assert client("GET", f"/api/screen/{first}").json()["ended_because"] == "left"
    assert window.banner is None

    second = start()
    for _ in range(30):  # watching, never tapping, for nearly 15 minutes
        now[0] += 29.5
        assert client("GET", f"/api/screen/{second}/frame").status_code == 200
    now[0] += 20
    assert client("GET", f"/api/screen/{second}").json()["ended_because"] == "idle"
    assert window.banner is None


# -- a local admin's command line -----------------------------------------------------------------


def test_an_admin_starts_remote_help_for_one_run_and_issues_a_token(home: Path) -> None:
    import os
    import subprocess

    from conftest import REPO
    from test_cli import leling

    issued = leling(home, "remote", "token", "create", "--name", "Centre admin", "--json")
    assert issued.returncode == 0, issued.stderr
    token = json.loads(issued.stdout)["token"]
    listed = json.loads(leling(home, "remote", "list", "--json").stdout)
    assert [helper["name"] for helper in listed] == ["Centre admin"]

    port = free_port()
    shell = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "launcher",
            "--home",
            str(home),
            "--windowed",
            "--remote-port",
            str(port),
        ],
        cwd=REPO,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        # The shell says where remote help listens once it does.
        said: list[str] = []
        reader = threading.Thread(target=lambda: said.append(shell.stdout.readline()))
        reader.start()
        reader.join(timeout=60)
        assert said == [f"leling: remote help at http://127.0.0.1:{port}/\n"], said
        base = f"http://127.0.0.1:{port}"
        status = requests.get(
            f"{base}/api/status", headers={"Authorization": f"Bearer {token}"}, timeout=5
        )
        assert status.status_code == 200 and status.json()["helper"]["name"] == "Centre admin"
        assert status.json()["screen"].startswith("home")
        helper_id = listed[0]["id"]
        assert leling(home, "remote", "revoke", helper_id).returncode == 0
        refused = requests.get(
            f"{base}/api/status", headers={"Authorization": f"Bearer {token}"}, timeout=5
        )
        assert refused.status_code == 401
    finally:
        shell.terminate()
        shell.communicate(timeout=30)
    bad = leling(home, "--remote-port", "70000")
    assert bad.returncode == 2 and "not a port number" in bad.stderr
    unknown = leling(home, "remote", "revoke", "nobody")
    assert unknown.returncode == 2 and "no such helper" in unknown.stderr


# -- what the web app is told ---------------------------------------------------------------------


def test_the_pairing_answer_names_the_senior_for_the_waiting_page(qtbot, launcher) -> None:
    window, client = launcher()
    assert window.remote is not None
    asked = client("POST", "/api/pair", json={"code": window.remote.new_code(), "name": "Li Hua"})
    assert asked.status_code == 202
    assert asked.json()["senior"] == "Wang Fang"
    response = document()["paths"]["/api/pair"]["post"]["responses"]["202"]
    schema = response["content"]["application/json"]["schema"]
    assert "senior" in schema["required"]
    # Every field sent is documented; the optional ones (why it waits) only when needed.
    assert set(schema["required"]) <= set(asked.json()) <= set(schema["properties"])


def test_a_bad_phone_in_a_contacts_list_is_filed_under_that_phone(qtbot, launcher) -> None:
    window, client = launcher()
    pair(qtbot, window, client)
    saved = settings_bytes(window)
    contacts = [
        {"name": "Li Hua", "relation": "Son", "phone": "138 0013 8000"},
        {"name": "Zhang Wei", "relation": "Neighbour", "phone": "call me"},
    ]
    answer = client("PATCH", "/api/settings", json={"changes": {"contacts": contacts}})
    assert answer.status_code == 400
    assert answer.json()["fields"] == {"contacts.1.phone": "This is not in the expected form."}
    assert settings_bytes(window) == saved


def test_a_relative_who_stops_waiting_takes_the_question_away(qtbot, launcher) -> None:
    window, client = launcher()
    pair(qtbot, window, client)
    session = client("POST", "/api/screen").json()["session"]
    assert window.stack.currentWidget().objectName() == "screenApproval"
    assert client("DELETE", f"/api/screen/{session}").status_code == 204
    assert window.stack.currentWidget() is window.home
    assert window.banner is None


def test_keys_the_site_locks_are_refused_with_a_reason(qtbot, home: Path, tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_text('locked = ["voice"]\n\n[settings]\nvoice = { rate = 120 }\n', "utf-8")
    instance = open_test_instance(home, site=site)
    window = show_shell(qtbot, instance, size=None, wait_exposed=False)
    client = Client(qtbot, window.start_remote(port=0).url)
    pair(qtbot, window, client)
    saved = settings_bytes(window)
    refused = client("PATCH", "/api/settings", json={"changes": {"voice.rate": 200}})
    assert refused.status_code == 403
    assert refused.json()["error"] == (
        "“voice.rate” is set for this computer by the people who look after it, "
        "and cannot be changed here."
    )
    assert settings_bytes(window) == saved
    assert client("GET", "/api/settings").json()["settings"]["voice"]["rate"] == 120
    fields = {f["key"]: f for f in client("GET", "/api/schema").json()["settings"]}
    assert fields["voice"]["locked"] is True
    assert all(child["locked"] for child in fields["voice"]["children"])
    assert "locked" not in fields["text_scale"]
