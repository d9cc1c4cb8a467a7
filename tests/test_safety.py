"""Scam safety across the shell, as the senior and their family would notice it.

A web tile opens only a site the family allows, and says why when it does not; a page
inside Leling cannot be led to another site (the real Qt WebEngine against two local
servers); a link from someone who is not a contact cannot be opened, and the screen says
why, aloud; the pairing screen and question warn that only family should help; and a
pairing request that comes in during a call waits until the call ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    CaughtLinks,
    Said,
    open_test_instance,
    save_test_settings,
    serve_pages,
    show_shell,
    stop_http,
    tap,
)
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from test_remote import Client, pair
from test_videocall import BARESIP_READY, sub
from test_videocall import catcher as catcher
from test_videocall import peer as peer

from launcher.core.safety import (
    SiteRule,
    allowed_sites,
    find_links,
    host_matches,
    is_known_contact,
    site_host,
)
from launcher.ui.kit import BigLabel
from launcher.ui.shell import PluginFrame, ShellWindow
from launcher.ui.webpage import PluginWebPage, web_engine_available

WAIT_MS = 20_000
WARNING = "Only let your family help. Banks and police will never ask to control your screen."
NOT_CONTACT = (
    "Links from people who are not in your contacts cannot be opened. "
    "This keeps you safe from scams."
)
NOT_LISTED = "This website is not on your family's list."

pytestmark = pytest.mark.usefixtures("restore_excepthook")

Launch = Callable[..., tuple[ShellWindow, Client, Said]]


@pytest.fixture
def launcher(home: Path, qtbot: Any) -> Launch:
    """Starts Wang Fang's shell (a clock or ``tiles``) with ``contacts`` and the family's
    allowed ``sites``, remote help on and a client of its API; what it says is recorded
    instead of spoken."""

    def start(
        *,
        tiles: list[dict[str, Any]] | None = None,
        contacts: list[dict[str, Any]] | None = None,
        sites: list[str] | None = None,
        locale: str = "en",
        site_file: Path | None = None,
    ) -> tuple[ShellWindow, Client, Said]:
        instance = open_test_instance(home, locale=locale, site=site_file)
        settings: dict[str, Any] = {
            "senior": {"name": "Wang Fang", "address": ""},
            "tiles": tiles or [{"plugin": "clock"}],
            "contacts": contacts or [],
        }
        if sites is not None:
            settings["safety"] = {"allowed_sites": sites}
        save_test_settings(instance, settings)
        said = Said()
        window = show_shell(qtbot, instance, said=said)
        remote = window.start_remote(port=0)
        return window, Client(qtbot, remote.url), said

    return start


def current(window: ShellWindow) -> QWidget:
    page = window.stack.currentWidget()
    assert page is not None
    return page


def plugin_view(window: ShellWindow) -> Any:
    """What the open plugin shows now (its screen's current view, or the screen)."""
    frame = current(window)
    assert isinstance(frame, PluginFrame)
    return getattr(frame.content, "view", None) or frame.content


def report_text(window: ShellWindow) -> str:
    return "\n".join(problem.message for problem in window.instance.report.problems())


# -- which sites match ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "site", "matches"),
    [
        ("gov.cn", "gov.cn", True),
        ("www.gov.cn", "gov.cn", True),
        ("a.b.gov.cn", "gov.cn", True),
        ("WWW.Gov.CN.", "gov.cn", True),
        ("evil-gov.cn", "gov.cn", False),
        ("gov.cn.evil.com", "gov.cn", False),
        ("xgov.cn", "gov.cn", False),
        ("gov.cn", "www.gov.cn", False),
        ("cn", "gov.cn", False),
        ("127.0.0.1", "127.0.0.1", True),
        ("1.127.0.0.1", "127.0.0.1", False),
        ("中国.cn", "xn--fiqs8s.cn", True),
        ("", "gov.cn", False),
        ("gov.cn", "", False),
    ],
)
def test_a_site_matches_itself_and_names_under_it_on_a_dot(
    host: str, site: str, matches: bool
) -> None:
    assert host_matches(host, site) is matches


def test_the_family_may_write_a_site_as_a_name_a_wildcard_or_a_pasted_address() -> None:
    assert site_host("gov.cn") == site_host("*.gov.cn") == "gov.cn"
    assert site_host("https://www.weather.com.cn/weather/101010100.shtml") == "www.weather.com.cn"
    assert site_host("Example.COM:8080/x") == "example.com"
    assert allowed_sites({"safety": {"allowed_sites": ["gov.cn", " GOV.CN ", ""]}}) == ("gov.cn",)


def test_an_empty_list_lets_tiles_open_any_web_address_but_pages_stay_home() -> None:
    nothing_chosen = SiteRule.for_page({}, "https://meet.jit.si/Room")
    assert nothing_chosen.opens("https://news.example.org/")
    assert not nothing_chosen.opens("javascript:alert(1)")
    assert not nothing_chosen.opens("file:///etc/passwd")
    # A page may move around its own site, not leave it.
    assert nothing_chosen.allows("https://meet.jit.si/other")
    assert nothing_chosen.allows("https://web.meet.jit.si/x")
    assert not nothing_chosen.allows("https://meet.jit.si.evil.com/")
    assert nothing_chosen.allows("about:blank")
    assert not nothing_chosen.allows("data:text/html,hi")

    chosen = SiteRule.for_page({"safety": {"allowed_sites": ["gov.cn"]}}, "https://meet.jit.si/")
    assert chosen.opens("https://www.gov.cn/zhengce/") and chosen.allows("https://www.gov.cn/")
    assert not chosen.opens("https://evil-gov.cn/")
    # The plugin's own server works whatever the list says.
    assert chosen.allows("https://meet.jit.si/Room")
    also = SiteRule.for_page({}, "https://meet.example.org/", ["auth.example.org"])
    assert also.allows("https://auth.example.org/login") and not also.allows("https://ex.org/")
    # "www." and the bare name are one site (a common first redirect); no further.
    news = SiteRule.for_page({}, "https://www.bbc.com/news")
    assert news.allows("https://bbc.com/news") and news.allows("https://www.bbc.com/sport")
    assert not news.allows("https://com/") and not news.allows("https://evilbbc.com/")
    assert SiteRule.for_page({}, "https://www.com/").own == ("www.com",)


@pytest.mark.parametrize(
    ("text", "urls"),
    [
        ("Visit https://example.com/a?b=1. Thanks", ["https://example.com/a?b=1"]),
        ("go to www.abc-bank.com.", ["https://www.abc-bank.com"]),
        ("verify at bank-secure.top/login now", ["https://bank-secure.top/login"]),
        ("请点击example。com/win领取奖品", ["https://example.com/win"]),
        ("您的账户被冻结，请登录icbc-safe.cn处理", ["https://icbc-safe.cn"]),
        (
            "(see https://en.wikipedia.org/wiki/Tea_(drink))",
            ["https://en.wikipedia.org/wiki/Tea_(drink)"],
        ),
        ("two: a.com and http://b.org", ["https://a.com", "http://b.org"]),
        ("mail li@example.com, pi is 3.14, e.g. photo.jpg", []),
        ("Dinner at six tonight!", []),
    ],
)
def test_links_are_found_however_they_are_written(text: str, urls: list[str]) -> None:
    assert [link.url for link in find_links(text)] == urls


def test_a_known_contact_is_someone_in_the_contacts_list() -> None:
    settings = {"contacts": [{"name": "Li Hua"}, {"name": " "}]}
    assert is_known_contact(settings, " li hua ")
    assert not is_known_contact(settings, "Li")
    assert not is_known_contact(settings, "")


# -- the web tile ------------------------------------------------------------------------------


def test_a_web_tile_for_a_site_not_on_the_list_says_why_and_does_not_open(
    qtbot: Any, launcher: Launch, catcher: CaughtLinks
) -> None:
    bad = "https://evil-gov.cn/login"
    window, _, said = launcher(
        tiles=[
            {"plugin": "web", "label": "Bank", "config": {"url": bad}},
            {
                "plugin": "web",
                "label": "News",
                "config": {"url": "https://www.gov.cn/", "in_browser": True},
            },
        ],
        sites=["gov.cn"],
    )
    window.open_tile(0)
    screen = plugin_view(window)
    assert screen.status.text().startswith(NOT_LISTED)
    assert screen.status.isVisible() and not screen.open_button.isVisible()
    qtbot.waitUntil(lambda: said.heard(NOT_LISTED))
    assert bad in report_text(window)
    assert window.host.unavailable == {}

    window.open_tile(1)
    qtbot.waitUntil(lambda: catcher.urls == ["https://www.gov.cn/"])
    assert bad not in catcher.urls


def test_a_site_file_can_set_and_lock_the_list(
    qtbot: Any, launcher: Launch, tmp_path: Path, catcher: CaughtLinks
) -> None:
    site = tmp_path / "site.toml"
    site.write_text(
        'locked = ["safety.allowed_sites"]\n\n[settings]\n'
        'safety = { allowed_sites = ["gov.cn"] }\n',
        "utf-8",
    )
    window, client, _ = launcher(
        tiles=[{"plugin": "web", "config": {"url": "https://example.com/"}}], site_file=site
    )
    pair(qtbot, window, client)
    refused = client(
        "PATCH", "/api/settings", json={"changes": {"safety.allowed_sites": ["example.com"]}}
    )
    assert refused.status_code == 403
    fields = {f["key"]: f for f in client("GET", "/api/schema").json()["settings"]}
    assert fields["safety"]["children"][0]["locked"] is True
    window.open_tile(0)
    assert plugin_view(window).status.text().startswith(NOT_LISTED)
    assert catcher.urls == []


def test_relatives_edit_the_list_from_their_phone(qtbot: Any, launcher: Launch) -> None:
    window, client, _ = launcher()
    pair(qtbot, window, client)
    changed = client(
        "PATCH", "/api/settings", json={"changes": {"safety.allowed_sites": ["www.gov.cn"]}}
    )
    assert changed.status_code == 200, changed.text
    assert window.instance.settings["safety"]["allowed_sites"] == ["www.gov.cn"]
    wrong = client("PATCH", "/api/settings", json={"changes": {"safety.allowed_sites": ["a b"]}})
    assert wrong.status_code == 400


# -- pages inside Leling ---------------------------------------------------------------------


class Site:
    """A web server on 127.0.0.1 that remembers which paths were asked for."""

    def __init__(self, pages: dict[str, str], redirects: dict[str, str] | None = None) -> None:
        self.asked: list[str] = []
        self.server = serve_pages(pages, redirects=redirects, asked=self.asked)
        self.port = self.server.server_address[1]

    def stop(self) -> None:
        stop_http(self.server)


@pytest.fixture
def two_sites() -> Iterator[tuple[Site, Site]]:
    # The scam site answers as "localhost"; the allowed one as "127.0.0.1": two hosts.
    scam = Site({"/login": "<!doctype html><title>fake bank</title>"})
    home = Site(
        {
            "/start": "<!doctype html><title>start</title><p>news</p>",
            "/next": "<!doctype html><title>next</title>",
        },
        {"/away": f"http://localhost:{scam.port}/login"},
    )
    yield home, scam
    home.stop()
    scam.stop()


def locked_page(qtbot: Any, url: str, settings: dict[str, Any]) -> PluginWebPage:
    page = PluginWebPage(url, media=False, rule=SiteRule.for_page(settings, url))
    qtbot.addWidget(page.widget)
    page.widget.resize(640, 480)
    page.widget.show()
    with qtbot.waitSignal(page.loaded, timeout=WAIT_MS):
        pass
    return page


def title(page: PluginWebPage) -> str:
    return str(page.view.title())


def run(page: PluginWebPage, script: str) -> None:
    page.run_script(script, lambda _value: None)


needs_web_engine = pytest.mark.skipif(
    not web_engine_available(), reason="Qt WebEngine comes with PySide6"
)


@pytest.mark.parametrize(
    "leave",
    [
        "location.href = 'http://localhost:SCAM/login'",
        "window.open('http://localhost:SCAM/login')",
        "location.href = '/away'",  # the server redirects to the scam site
    ],
    ids=["link", "pop-up", "redirect"],
)
@needs_web_engine
def test_a_page_cannot_be_led_to_a_site_that_is_not_allowed(
    qtbot: Any, two_sites: tuple[Site, Site], leave: str
) -> None:
    home, scam = two_sites
    page = locked_page(qtbot, f"http://127.0.0.1:{home.port}/start", {})
    assert title(page) == "start"
    run(page, leave.replace("SCAM", str(scam.port)))
    qtbot.waitUntil(lambda: page.refusals != [], timeout=WAIT_MS)
    assert page.refusals == [f"http://localhost:{scam.port}/login"]
    assert scam.asked == [], "the scam site was never even asked"
    assert page.view.url().host() == "127.0.0.1" and title(page) == "start"
    # The page still goes anywhere on its own site.
    run(page, "location.href = '/next'")
    qtbot.waitUntil(lambda: title(page) == "next", timeout=WAIT_MS)


@needs_web_engine
def test_a_site_the_family_allows_opens_from_the_page_and_a_pop_up_opens_in_place(
    qtbot: Any, two_sites: tuple[Site, Site]
) -> None:
    home, scam = two_sites
    settings = {"safety": {"allowed_sites": ["localhost"]}}
    page = locked_page(qtbot, f"http://127.0.0.1:{home.port}/start", settings)
    run(page, f"window.open('http://localhost:{scam.port}/login')")
    qtbot.waitUntil(lambda: title(page) == "fake bank", timeout=WAIT_MS)
    assert page.refusals == [] and page.view.url().host() == "localhost"


@needs_web_engine
def test_a_web_tile_shows_its_page_inside_leling_and_a_link_elsewhere_stays_closed(
    qtbot: Any, launcher: Launch, two_sites: tuple[Site, Site], catcher: CaughtLinks
) -> None:
    home, scam = two_sites
    window, _, said = launcher(
        tiles=[
            {
                "plugin": "web",
                "label": "News",
                "config": {"url": f"http://127.0.0.1:{home.port}/start"},
            }
        ]
    )
    window.open_tile(0)
    screen = plugin_view(window)
    assert screen.objectName() == "webPage"
    qtbot.waitUntil(lambda: title(screen.page) == "start", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not screen.status.isVisible(), timeout=WAIT_MS)
    assert catcher.urls == [], "inside Leling, not in a browser over it"
    # The page is drawn larger than a browser would, for the senior's eyes.
    assert screen.page.view.zoomFactor() > 1.2

    run(screen.page, f"location.href = 'http://localhost:{scam.port}/login'")
    qtbot.waitUntil(lambda: screen.status.isVisible(), timeout=WAIT_MS)
    assert "not on your family's list" in screen.status.text()
    assert said.heard("not on your family's list, so it stays closed")
    assert scam.asked == [] and title(screen.page) == "start"
    assert f"http://localhost:{scam.port}/login" in report_text(window)


@needs_web_engine
def test_a_web_tile_that_cannot_reach_its_site_says_so_and_tries_again(
    qtbot: Any, launcher: Launch, two_sites: tuple[Site, Site]
) -> None:
    home, _scam = two_sites
    port = home.port
    home.stop()  # the site is down
    window, _, said = launcher(
        tiles=[
            {"plugin": "web", "label": "News", "config": {"url": f"http://127.0.0.1:{port}/start"}}
        ]
    )
    window.open_tile(0)
    screen = plugin_view(window)
    qtbot.waitUntil(screen.retry.isVisible, timeout=WAIT_MS)
    assert screen.status.text().startswith("News cannot be reached just now.")
    assert said.heard("News cannot be reached just now.")
    assert screen.retry.height() >= 72
    tap(qtbot, screen.retry, wait=True)
    assert screen.status.text() == "Opening News…"
    qtbot.waitUntil(screen.retry.isVisible, timeout=WAIT_MS)


# -- links in messages -----------------------------------------------------------------------


def photos_shell(launcher: Launch, **kwargs: Any) -> tuple[ShellWindow, Client, Said]:
    return launcher(
        tiles=[{"plugin": "photos"}, {"plugin": "clock"}],
        contacts=[{"name": "Li Hua", "phone": "139 0013 9000"}],
        **kwargs,
    )


def message_links(window: ShellWindow) -> list[QWidget]:
    return [b for b in current(window).findChildren(QWidget, "messageLink") if b.isVisible()]


def test_a_strangers_link_in_a_family_message_cannot_be_opened_and_the_screen_says_why(
    qtbot: Any, launcher: Launch
) -> None:
    window, client, said = photos_shell(launcher)
    # Someone the senior was talked into pairing, but who is not in the contacts.
    pair(qtbot, window, client, name="Bank Officer Zhang")
    text = "Your account is frozen. Verify at icbc-safe.top/login today."
    sent = client("POST", "/api/plugins/photos", json={"action": "message", "text": text})
    assert sent.status_code == 200, sent.text
    view = plugin_view(window)
    assert view.objectName() == "photosMessage"
    assert view.body_label.text() == text
    assert view.body_label.textFormat() == Qt.TextFormat.PlainText
    assert message_links(window) == []
    qtbot.waitUntil(view.links.note.isVisible)
    assert view.links.note.text() == NOT_CONTACT
    qtbot.waitUntil(lambda: said.heard(NOT_CONTACT))


def test_a_contacts_link_is_a_big_button_that_opens_through_the_allowed_sites(
    qtbot: Any, launcher: Launch, catcher: CaughtLinks
) -> None:
    window, client, said = photos_shell(launcher, sites=["example.com"])
    pair(qtbot, window, client, name="Li Hua")
    text = "Photos of the baby at www.example.com/baby and https://evil-example.com/x"
    client("POST", "/api/plugins/photos", json={"action": "message", "text": text})
    view = plugin_view(window)
    assert not view.links.note.isVisible() and not said.heard(NOT_CONTACT)
    buttons = message_links(window)
    assert [b.text() for b in buttons] == ["Open example.com", "Open evil-example.com"]

    tap(qtbot, buttons[0], wait=True)
    ask = plugin_view(window)
    assert ask.objectName() == "photosOpenLink"
    assert ask.question_label.text() == "Open example.com?"
    tap(qtbot, ask.yes_button, wait=True)
    qtbot.waitUntil(lambda: catcher.urls == ["https://www.example.com/baby"])
    assert plugin_view(window).objectName() == "photosMessage"

    tap(qtbot, message_links(window)[1], wait=True)
    tap(qtbot, plugin_view(window).yes_button, wait=True)
    refused = plugin_view(window)
    assert refused.objectName() == "photosLinkRefused"
    assert refused.title_label.text() == NOT_LISTED
    qtbot.waitUntil(lambda: said.heard(NOT_LISTED))
    assert catcher.urls == ["https://www.example.com/baby"]
    assert "https://evil-example.com/x" in report_text(window)


def test_a_remote_message_shows_links_only_from_a_contact(qtbot: Any, launcher: Launch) -> None:
    window, stranger, said = launcher(contacts=[{"name": "Li Hua", "phone": "1"}])
    pair(qtbot, window, stranger, name="Mr Wu")
    stranger("POST", "/api/message", json={"text": "Claim your prize: http://prize.example.top"})
    lines = [label.text() for label in current(window).findChildren(type(window.date))]
    assert "Claim your prize: http://prize.example.top" in lines and NOT_CONTACT in lines
    assert message_links(window) == []
    qtbot.waitUntil(lambda: said.heard(NOT_CONTACT))

    family = Client(qtbot, stranger.base)
    pair(qtbot, window, family, name="Li Hua")
    family("POST", "/api/message", json={"text": "The clinic's page: www.example.org"})
    lines = [label.text() for label in current(window).findChildren(type(window.date))]
    assert NOT_CONTACT not in lines
    assert [b.text() for b in message_links(window)] == ["Open example.org"]

    # Text that looks like a web page's is shown as typed, not drawn as a link.
    dressed = '<a href="http://prize.example.top"><b>Your bank</b></a>'
    stranger("POST", "/api/message", json={"text": dressed})
    shown = [
        label
        for label in current(window).findChildren(type(window.date))
        if label.text() == dressed
    ]
    assert shown and all(lb.textFormat() == Qt.TextFormat.PlainText for lb in shown)


def test_a_link_in_a_tiles_message_and_in_a_relatives_message_open_the_same_one_way(
    qtbot: Any, launcher: Launch, catcher: CaughtLinks
) -> None:
    window, family, said = photos_shell(launcher, sites=["example.org"])
    pair(qtbot, window, family, name="Li Hua")
    refused_url = "https://evil-example.org/pay"
    text = f"The clinic: https://www.example.org/clinic and {refused_url}"
    told_helper = (
        f"a link in Li Hua's message, {refused_url}, is not on safety.allowed_sites; "
        "it was not opened"
    )

    # In the photos tile: the question and the refusal come inside the tile's screen.
    family("POST", "/api/plugins/photos", json={"action": "message", "text": text})
    assert plugin_view(window).objectName() == "photosMessage"
    tap(qtbot, message_links(window)[1], wait=True)
    in_tile = plugin_view(window)
    assert in_tile.objectName() == "photosOpenLink"
    asked = (in_tile.question_label.text(), in_tile.detail_label.text())
    assert asked == ("Open evil-example.org?", "It opens in the web browser.")
    qtbot.waitUntil(lambda: said.heard("Open evil-example.org?"))
    tap(qtbot, in_tile.yes_button, wait=True)
    refused_in_tile = plugin_view(window)
    assert refused_in_tile.objectName() == "photosLinkRefused"
    assert refused_in_tile.title_label.text() == NOT_LISTED
    assert refused_in_tile.body_label.text() == refused_url
    qtbot.waitUntil(lambda: said.heard(NOT_LISTED))

    # On the shell's own page for a relative's message: the same words, aloud too.
    said.clear()
    family("POST", "/api/message", json={"text": text})
    shown = [b.text() for b in message_links(window)]
    assert shown == ["Open example.org", "Open evil-example.org"]
    tap(qtbot, message_links(window)[1], wait=True)
    on_shell = current(window)
    assert on_shell.objectName() == "openLink"
    assert (on_shell.question_label.text(), on_shell.detail_label.text()) == asked
    qtbot.waitUntil(lambda: said.heard("Open evil-example.org?"))
    assert said.count("Open evil-example.org?") == 1, "the question is said once"
    tap(qtbot, on_shell.yes_button, wait=True)
    refused_on_shell = current(window)
    assert refused_on_shell.objectName() == "linkRefused"
    assert refused_on_shell.title_label.text() == NOT_LISTED
    assert refused_on_shell.body_label.text() == refused_url
    qtbot.waitUntil(lambda: said.heard(NOT_LISTED))
    assert said.count(NOT_LISTED) == 1, "the refusal is said once"
    assert catcher.urls == []

    # The helper report has the same line from each, naming the address and the setting.
    reported = {
        (problem.source, problem.message)
        for problem in window.instance.report.problems()
        if refused_url in problem.message
    }
    assert reported == {("plugin photos", told_helper), ("remote", told_helper)}

    # The allowed link opens from the relative's message, and the senior is back home.
    tap(qtbot, refused_on_shell.button, wait=True)
    qtbot.waitUntil(lambda: window.screen_kind().startswith("home"))
    family("POST", "/api/message", json={"text": text})
    tap(qtbot, message_links(window)[0], wait=True)
    tap(qtbot, current(window).yes_button, wait=True)
    qtbot.waitUntil(lambda: catcher.urls == ["https://www.example.org/clinic"])
    assert window.screen_kind().startswith("home")


ASKS_ABOUT_A_NAME = """
from launcher.api import BigLabel, Plugin, Screen

class TestPlugin(Plugin):
    def create_screen(self):
        screen = Screen()
        screen.add(BigLabel(f"known {self.context.is_contact('  li hua ')}"))
        return screen
"""


@pytest.mark.usefixtures("restore_excepthook")
def test_only_a_plugin_allowed_the_contacts_may_ask_whether_a_name_is_one(
    home: Path, make_plugin: Callable[..., Path], qtbot: Any
) -> None:
    make_plugin("allowed", ASKS_ABOUT_A_NAME, permissions='["contacts"]')
    make_plugin("nosy", ASKS_ABOUT_A_NAME)
    instance = open_test_instance(home)
    save_test_settings(
        instance,
        {
            "contacts": [{"name": "Li Hua", "phone": "1"}],
            "tiles": [{"plugin": "allowed"}, {"plugin": "nosy"}],
        },
    )
    window = show_shell(qtbot, instance)
    window.open_tile(0)
    texts = [label.text() for label in window.stack.currentWidget().findChildren(BigLabel)]
    assert "known True" in texts
    window.go_home()
    window.open_tile(1)
    assert window.screen_kind() == "unavailable", "is_contact needs the contacts permission"
    assert any(
        "'contacts'" in problem.message and "nosy" in problem.message
        for problem in window.instance.report.problems()
    )


# -- the pairing screen warns ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "warning"),
    [("en", WARNING), ("zh_CN", "只让家人帮忙。银行和警察绝不会要求控制您的屏幕。")],
)
def test_the_pairing_screen_and_question_warn_aloud(
    qtbot: Any, launcher: Launch, locale: str, warning: str
) -> None:
    window, client, said = launcher(locale=locale)
    window.let_family_help()
    screen = current(window)
    assert screen.objectName() == "pairing"
    shown = screen.findChild(QWidget, "pairingWarning")
    assert shown is not None and shown.isVisible() and shown.text() == warning
    qtbot.waitUntil(lambda: said.heard(warning))

    said.clear()
    assert window.remote is not None
    ticket = client("POST", "/api/pair", json={"code": window.remote.new_code(), "name": "Li"})
    assert ticket.status_code == 202
    question = current(window)
    assert question.objectName() == "pairApproval"
    assert question.detail_label.isVisible() and warning in question.detail_label.text()
    qtbot.waitUntil(lambda: said.heard(warning))


# -- a call holds pairing ----------------------------------------------------------------------


def ask_to_pair(window: ShellWindow, client: Client, name: str) -> dict[str, Any]:
    assert window.remote is not None
    asked = client("POST", "/api/pair", json={"code": window.remote.new_code(), "name": name})
    assert asked.status_code == 202, asked.text
    return dict(asked.json())


def pair_status(client: Client, ticket: dict[str, Any]) -> dict[str, Any]:
    answer = client("GET", f"/api/pair/{ticket['request']}", params={"claim": ticket["claim"]})
    return dict(answer.json())


ON_CALL = "They are on a call right now. They will be asked as soon as the call ends."


def test_pairing_during_a_ringing_call_waits_for_the_senior_to_answer_it(
    qtbot: Any, launcher: Launch
) -> None:
    window, family, said = launcher(
        tiles=[{"plugin": "clock"}, {"plugin": "videocall", "config": {"embedded": False}}],
        contacts=[{"name": "Li Hua", "phone": "139 0013 9000"}],
    )
    pair(qtbot, window, family, name="Li Hua")
    assert family("POST", "/api/plugins/videocall", json={"action": "call"}).status_code == 200
    ringing = plugin_view(window)
    assert ringing.objectName() == "videocallIncoming" and window.host.in_call()

    caller = Client(qtbot, family.base)
    ticket = ask_to_pair(window, caller, "Police Officer Ma")
    assert ticket["waiting_for"] == "call" and ticket["message"] == ON_CALL
    waiting = pair_status(caller, ticket)
    assert waiting == {"status": "waiting", "waiting_for": "call", "message": ON_CALL}
    # Seeing the screen waits too.
    asked = family("POST", "/api/screen")
    assert asked.status_code == 202 and asked.json()["waiting_for"] == "call"
    assert plugin_view(window) is ringing, "nothing took the call's place"

    tap(qtbot, ringing.no_button, wait=True)
    qtbot.waitUntil(lambda: current(window).objectName() == "pairApproval")
    question = current(window)
    assert question.question_label.text() == "Police Officer Ma wants to help you. Allow?"
    qtbot.waitUntil(lambda: said.heard(WARNING))
    assert pair_status(caller, ticket) == {"status": "waiting"}
    tap(qtbot, question.no_button, wait=True)
    assert pair_status(caller, ticket)["status"] == "declined"
    # The next question comes once this one is answered.
    qtbot.waitUntil(lambda: current(window).objectName() == "screenApproval")


@pytest.mark.skipif(not BARESIP_READY, reason="baresip is not installed")
def test_pairing_during_a_sip_call_waits_until_the_senior_hangs_up(
    qtbot: Any, launcher: Launch, peer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    li = peer(answer=True)
    window, caller, said = launcher(
        tiles=[{"plugin": "videocall", "config": {"sip_interface": "127.0.0.1"}}],
        contacts=[{"name": "Li Hua", "video": "sip", "video_address": li.address}],
    )
    window.open_tile(0)
    # No sound card here: the senior's phone plays a tone and drops what it hears.
    monkeypatch.setattr(sub("sip"), "AUDIO", sub("sip").TEST_TONE)
    screen = current(window).content  # type: ignore[attr-defined]
    tap(qtbot, screen.tiles[0], wait=True)
    tap(qtbot, screen.view.yes_button, wait=True)
    call = screen.call_view
    qtbot.waitUntil(lambda: call.title_label.text() == "Talking with Li Hua", timeout=WAIT_MS)
    assert window.host.in_call()

    ticket = ask_to_pair(window, caller, "Bank Clerk")
    assert pair_status(caller, ticket)["waiting_for"] == "call"
    assert screen.call_view is call and current(window).objectName() != "pairApproval"
    # No "let my family help" code during a call either; the call stays.
    assert window.remote is not None
    window.remote.show_pairing()
    assert current(window).findChild(QWidget, "pairingQr") is None
    assert screen.call_view is call and window.host.in_call()
    qtbot.waitUntil(lambda: said.heard("You are on a call"))

    tap(qtbot, call.hang_up_button, wait=True)
    qtbot.waitUntil(lambda: "CALL_CLOSED" in li.events, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: current(window).objectName() == "pairApproval")
    assert not window.host.in_call()
    tap(qtbot, current(window).yes_button, wait=True)
    assert pair_status(caller, ticket)["status"] == "approved"


def test_a_held_request_that_expired_during_the_call_is_not_asked(
    qtbot: Any, launcher: Launch
) -> None:
    window, family, _ = launcher(
        tiles=[{"plugin": "videocall", "config": {"embedded": False}}],
        contacts=[{"name": "Li Hua", "phone": "1"}],
    )
    pair(qtbot, window, family, name="Li Hua")
    family("POST", "/api/plugins/videocall", json={"action": "call"})
    ringing = plugin_view(window)
    caller = Client(qtbot, family.base)
    ticket = ask_to_pair(window, caller, "Stranger")
    assert window.remote is not None
    desk = window.remote.api.desk
    later = desk.clock() + 11 * 60
    desk.clock = lambda: later  # type: ignore[method-assign]
    tap(qtbot, ringing.no_button, wait=True)
    assert current(window).objectName() != "pairApproval"
    assert pair_status(caller, ticket)["status"] == "expired"


def test_a_message_and_a_change_during_a_call_wait_for_it_to_end(
    qtbot: Any, launcher: Launch
) -> None:
    window, family, said = launcher(
        tiles=[{"plugin": "photos"}, {"plugin": "videocall", "config": {"embedded": False}}],
        contacts=[{"name": "Li Hua", "phone": "139 0013 9000"}],
    )
    pair(qtbot, window, family, name="Li Hua")
    assert family("POST", "/api/plugins/videocall", json={"action": "call"}).status_code == 200
    ringing = plugin_view(window)
    assert ringing.objectName() == "videocallIncoming" and window.host.in_call()
    heard_before = len(said)

    text = "Dinner at ours on Sunday?"
    sent = family("POST", "/api/plugins/photos", json={"action": "message", "text": text})
    assert sent.status_code == 200, sent.text
    changed = family("PATCH", "/api/settings", json={"changes": {"text_scale": 125}})
    assert changed.status_code == 200, changed.text
    assert plugin_view(window) is ringing, "the call keeps the screen"
    assert not any(text in words for words in said[heard_before:]), "nothing talks over it"

    tap(qtbot, ringing.no_button, wait=True)
    qtbot.waitUntil(lambda: plugin_view(window).objectName() == "photosMessage")
    assert plugin_view(window).body_label.text() == text
    qtbot.waitUntil(lambda: said.heard(text))
    # The change's notice comes once the senior has left the message.
    window.go_home()
    qtbot.waitUntil(lambda: window.screen_kind() == "notice")
    assert window.instance.settings["text_scale"] == 125


def test_a_held_question_comes_when_the_senior_leaves_the_call_with_home(
    qtbot: Any, launcher: Launch
) -> None:
    window, family, _said = launcher(
        tiles=[{"plugin": "photos"}, {"plugin": "videocall", "config": {"embedded": False}}],
        contacts=[{"name": "Li Hua", "phone": "139 0013 9000"}],
    )
    pair(qtbot, window, family, name="Li Hua")
    assert family("POST", "/api/plugins/videocall", json={"action": "call"}).status_code == 200
    assert window.host.in_call()
    caller = Client(qtbot, family.base)
    ticket = ask_to_pair(window, caller, "Police Officer Ma")
    assert ticket["waiting_for"] == "call"
    # Two messages during the call: both wait; the newer of the tile's screens comes.
    for text in ("First message", "Second message"):
        sent = family("POST", "/api/plugins/photos", json={"action": "message", "text": text})
        assert sent.status_code == 200, sent.text

    tap(qtbot, window.home_button, wait=True)  # leaving the call's screen ends it
    qtbot.waitUntil(lambda: current(window).objectName() == "pairApproval")
    assert pair_status(caller, ticket) == {"status": "waiting"}
    tap(qtbot, current(window).no_button, wait=True)
    assert pair_status(caller, ticket)["status"] == "declined"
    qtbot.waitUntil(lambda: plugin_view(window).objectName() == "photosMessage")
    assert plugin_view(window).body_label.text() == "Second message"
    window.go_home()
    qtbot.waitUntil(lambda: window.screen_kind().startswith("home"))
    assert window.screen_kind().startswith("home"), "nothing more was waiting"
