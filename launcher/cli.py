"""The ``leling`` command: start the shell, or manage plugins and settings.

Exit codes: 0 success; 2 bad arguments or input (one sentence on stderr naming the
file, field or value); 1 any other failure.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import logging
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from launcher import __version__
from launcher.core.errors import LelingError, UsageError
from launcher.core.manifest import ManifestError, check_entry_code, parse_manifest
from launcher.core.migrations import SETTINGS_VERSION, migrate
from launcher.core.registry import PluginRegistry
from launcher.core.schema import SETTINGS_SCHEMA, SchemaError, get_path, validate_leniently
from launcher.core.settings import atomic_write_text, check_document, read_document

if TYPE_CHECKING:
    # Qt is imported only by the commands that draw, never by ``config`` or ``plugins``.
    from launcher.ui.app import ScreenChoice

log = logging.getLogger("leling")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="leling", description="Leling (乐龄): a big-tile home screen for older people."
    )
    parser.add_argument("--home", metavar="DIR", help="keep all state of this instance in DIR")
    parser.add_argument("--profile", metavar="NAME", help="profile to use")
    parser.add_argument(
        "--site", metavar="FILE", help="the machine's site settings and locks (site.toml)"
    )
    # The same options are accepted after a command too. SUPPRESS keeps a command's
    # parser from overwriting a value given before the command with its default.
    common = _Parser(add_help=False)
    common.add_argument("--home", metavar="DIR", default=argparse.SUPPRESS)
    common.add_argument("--profile", metavar="NAME", default=argparse.SUPPRESS)
    common.add_argument("--site", metavar="FILE", default=argparse.SUPPRESS)
    parser.add_argument("--version", action="version", version=f"leling {__version__}")
    parser.add_argument("--windowed", action="store_true", help="a normal window, not fullscreen")
    parser.add_argument(
        "--locale", metavar="L", help="language for this run: zh_CN, zh_HK, en or ug"
    )
    parser.add_argument(
        "--theme", metavar="NAME", help="theme for this run, warm, high-contrast or dark"
    )
    parser.add_argument("--scale", metavar="PCT", type=_percent, help="text size, 100 to 300")
    parser.add_argument("--exit-after-first-paint", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--watchdog",
        action="store_true",
        help="run Leling as a child and start it again after a crash (kiosk machines)",
    )
    parser.add_argument(
        "--remote-port",
        metavar="PORT",
        type=_port,
        help="turn remote help on for this run, on PORT (0: any free port)",
    )
    parser.add_argument(
        "--remote-bind",
        metavar="ADDR",
        type=_address,
        help="address remote help listens on (default 127.0.0.1; 0.0.0.0 for the network)",
    )
    parser.add_argument(
        "--remote-broker",
        metavar="URL",
        type=_broker_url,
        help="turn remote help on for this run, through the MQTT broker at URL "
        "(mqtt://user:password@host:1883 or mqtts://...)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    notify = _command(commands, "notify", "alerts to the family", common)
    notify_commands = notify.add_subparsers(dest="action", metavar="ACTION", required=True)
    trial = _command(
        notify_commands, "test", "send a marked test alert through every channel", common
    )
    trial.add_argument("--contact", metavar="NAME", help="only this contact")

    fleet = _command(commands, "fleet", "one signed site configuration for many machines")
    fleet_commands = fleet.add_subparsers(dest="action", metavar="ACTION", required=True)
    keygen = _command(fleet_commands, "keygen", "make the centre's signing key")
    keygen.add_argument("--out", required=True, metavar="KEY", help="private key file to write")
    signing = _command(fleet_commands, "sign", "sign a site bundle (writes BUNDLE.sig)")
    signing.add_argument("bundle", metavar="BUNDLE", help="the site.toml to publish")
    signing.add_argument("--key", required=True, metavar="KEY", help="the centre's private key")
    telling = _command(fleet_commands, "announce", "tell listening machines to pull now")
    telling.add_argument("url", metavar="URL", help="mqtt[s]://user:password@host:port/topic")
    telling.add_argument("--ca", default="", metavar="FILE", help="the broker's CA certificate")
    for name, what in (
        ("pull", "fetch the centre's bundle now, if it changed"),
        ("status", "where the site file comes from and how the last pull went"),
        ("listen", "pull whenever the centre announces a bundle (a system service)"),
    ):
        action = _command(fleet_commands, name, what)
        action.add_argument(
            "--site-dir",
            metavar="DIR",
            help="the folder of site.toml and fleet.toml (default: the system's)",
        )
        action.add_argument("--json", action="store_true", help="machine-readable output")

    remote = _command(commands, "remote", "people who can help from afar", common)
    remote_commands = remote.add_subparsers(dest="action", metavar="ACTION", required=True)
    token = _command(remote_commands, "token", "issue a helper's token here", common)
    token_commands = token.add_subparsers(dest="token_action", metavar="ACTION", required=True)
    create = _command(token_commands, "create", "pair a helper without the QR code", common)
    create.add_argument("--name", required=True, metavar="NAME", help="who the helper is")
    create.add_argument("--json", action="store_true")
    helpers = _command(remote_commands, "list", "the people who can help", common)
    helpers.add_argument("--json", action="store_true")
    revoke = _command(remote_commands, "revoke", "stop a helper's token working", common)
    revoke.add_argument("helper", metavar="ID")
    status = _command(
        remote_commands, "status", "remote help's broker connection and paired keys", common
    )
    status.add_argument("--json", action="store_true")

    plugins = _command(commands, "plugins", "list or check plugins", common)
    plugin_commands = plugins.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = _command(plugin_commands, "list", "every plugin found, with its state", common)
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    check = _command(plugin_commands, "validate", "check a plugin folder or manifest", common)
    check.add_argument("path", metavar="PATH")

    config = _command(commands, "config", "read and change settings", common)
    config_commands = config.add_subparsers(dest="action", metavar="ACTION", required=True)
    show = _command(config_commands, "show", "the profile's effective settings as JSON", common)
    show.add_argument(
        "--layers", action="store_true", help="say where every value comes from, one per line"
    )
    get = _command(config_commands, "get", "one setting, as JSON", common)
    get.add_argument("key", metavar="KEY")
    put = _command(config_commands, "set", "change one setting (JSON value)", common)
    put.add_argument("key", metavar="KEY")
    put.add_argument("value", metavar="VALUE")
    check_file = _command(config_commands, "validate", "check a settings file", common)
    check_file.add_argument("file", metavar="FILE")
    undo = _command(config_commands, "undo", "go back N changes (default 1)", common)
    undo.add_argument("steps", metavar="N", nargs="?", type=int, default=1)
    _command(config_commands, "history", "the saved revisions, newest last", common)
    export = _command(config_commands, "export", "write the settings to FILE", common)
    export.add_argument("file", metavar="FILE")
    load = _command(config_commands, "import", "replace the settings with FILE", common)
    load.add_argument("file", metavar="FILE")

    profiles = _command(commands, "profiles", "the visitors of a shared machine", common)
    profile_commands = profiles.add_subparsers(dest="action", metavar="ACTION", required=True)
    listed = _command(profile_commands, "list", "every profile, with its name and PIN", common)
    listed.add_argument("--json", action="store_true", help="machine-readable output")
    adding = _command(profile_commands, "add", "make a new visitor's profile", common)
    adding.add_argument("name", metavar="NAME")
    adding.add_argument("--pin", metavar="1234", help="a 4-digit picture PIN for the profile")
    removing = _command(profile_commands, "remove", "delete a profile and everything in it", common)
    removing.add_argument("name", metavar="NAME")
    removing.add_argument("--yes", action="store_true", help="yes, delete it")

    report = _command(commands, "report", "problems a helper should know about", common)
    report.add_argument("--json", action="store_true")

    # Screenshot and inspect look at the same screen, chosen the same way.
    screen = _Parser(add_help=False)
    screen.add_argument("--size", default="1280x800", metavar="WxH", type=_size)
    which = screen.add_mutually_exclusive_group()
    which.add_argument("--tile", type=int, metavar="N", help="open tile N (from 1) first")
    which.add_argument(
        "--open", metavar="PLUGIN_ID", dest="open_plugin", help="open the first tile of a plugin"
    )
    which.add_argument("--page", type=int, metavar="N", help="show page N (from 1) of home")
    which.add_argument("--help-screen", action="store_true", help='show the "Help me" screen')
    screen.add_argument(
        "--tap",
        action="append",
        default=[],
        metavar="NAME",
        help="then tap the element called NAME (e.g. a contact's card); repeat to tap more",
    )
    helping = screen.add_mutually_exclusive_group()
    helping.add_argument(
        "--guide",
        action="store_true",
        help='start the open screen\'s "Show me how" (taps given with --tap follow it)',
    )
    helping.add_argument(
        "--tour", action="store_true", help="start the spoken tour of the home screen"
    )
    screen.add_argument("--locale", metavar="L", dest="shot_locale")
    screen.add_argument("--theme", metavar="NAME", dest="shot_theme")
    screen.add_argument("--scale", metavar="PCT", type=_percent, dest="shot_scale")

    voices = _command(commands, "voices", "the voices each language can speak with", common)
    voices.add_argument("--json", action="store_true")
    speak = _command(commands, "speak", "say TEXT through Leling's voice, or write a WAV", common)
    speak.add_argument("text", metavar="TEXT")
    speak.add_argument("--locale", metavar="L", dest="speak_locale")
    speak.add_argument("--out", metavar="FILE.wav", help="write the speech to a WAV file")

    shot = _command(
        commands, "screenshot", "save a picture of the shell (offscreen)", common, screen
    )
    shot.add_argument("output", metavar="OUT.png")
    look = _command(
        commands, "inspect", "list what one screen shows, and audit it (offscreen)", common, screen
    )
    look.add_argument("--json", action="store_true", help="machine-readable output")
    look.add_argument(
        "--audit",
        action="store_true",
        help="check targets >= 72x72 px, text >= 22 px, contrast >= 7:1; exit 1 on a failure",
    )
    return parser


def _command(
    group: Any, name: str, help_text: str, *parents: argparse.ArgumentParser
) -> argparse.ArgumentParser:
    """A (sub)command that also accepts ``--home`` and ``--profile`` (and ``parents``)."""
    parser: argparse.ArgumentParser = group.add_parser(name, help=help_text, parents=parents)
    return parser


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (0 to 65535)")
    return port


def _address(text: str) -> str:
    import ipaddress

    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an IP address (e.g. 127.0.0.1 or 0.0.0.0)"
        ) from None


def _broker_url(text: str) -> str:
    from launcher.remote.broker import parse_broker_url

    try:
        parse_broker_url(text)
    except LelingError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _percent(text: str) -> int:
    try:
        return int(text.rstrip("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of percent") from None


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size like 1280x800") from None
    if not (320 <= width <= 7680 and 240 <= height <= 4320):
        raise argparse.ArgumentTypeError(f"{text!r} is outside 320x240 to 7680x4320")
    return width, height


def _open(args: argparse.Namespace, *, create_demo: bool = True) -> Any:
    from launcher.core.instance import DEFAULT_PROFILE, Overrides, open_instance

    overrides = Overrides(
        locale=getattr(args, "shot_locale", None) or getattr(args, "locale", None),
        theme=getattr(args, "shot_theme", None) or getattr(args, "theme", None),
        scale=getattr(args, "shot_scale", None) or getattr(args, "scale", None),
    )
    return open_instance(
        args.home,
        args.profile or DEFAULT_PROFILE,
        overrides,
        create_demo=create_demo,
        site=Path(args.site) if args.site else None,
    )


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


def _parse_value(text: str) -> Any:
    """A JSON value; plain words (``dark``) are taken as text for convenience."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def tile_problems(settings: dict[str, Any], registry: PluginRegistry) -> list[str]:
    """Tiles that name a plugin that is not installed, or carry config it would refuse."""
    problems = []
    for index, tile in enumerate(settings.get("tiles", [])):
        manifest = registry.get(str(tile.get("plugin", "")))
        if manifest is None:
            problems.append(f"tiles.{index}.plugin: no plugin {tile.get('plugin')!r} is installed")
            continue
        try:
            manifest.check_config(tile.get("config") or {}, f"tiles.{index}.config")
        except SchemaError as exc:
            problems.append(str(exc))
    return problems


def _cmd_plugins(args: argparse.Namespace) -> int:
    if args.action == "validate":
        path = Path(args.path)
        manifest_path = path / "manifest.toml" if path.is_dir() else path
        if not manifest_path.exists():
            raise UsageError(f"{manifest_path}: no such file")
        manifest = parse_manifest(manifest_path)
        if manifest.guide_problem:
            # Leling runs the plugin without its guide; the author should hear why.
            raise ManifestError(manifest.guide_problem)
        check_entry_code(manifest)
        for locale_problem in _plugin_catalogue_problems(manifest.folder):
            raise ManifestError(locale_problem)
        print(f"{manifest_path}: plugin {manifest.id!r} {manifest.version} is valid")
        return 0
    instance = _open(args)
    locale = instance.translator.locale
    rows = []
    for record in instance.registry.records:
        manifest = record.manifest
        rows.append(
            {
                "id": record.id,
                "name": manifest.name(locale) if manifest else "",
                "version": manifest.version if manifest else "",
                "state": record.state,
                "source": record.source,
                "path": str(record.location),
                "error": record.error or (manifest.guide_problem if manifest else ""),
            }
        )
    if args.json:
        _print_json(rows)
    else:
        for row in rows:
            line = f"{row['id']:<14} {row['version']:<8} {row['state']:<10} {row['name']}"
            print(line + (f"\n    {row['error']}" if row["error"] else ""))
    return 0


def _plugin_catalogue_problems(folder: Path) -> list[str]:
    from launcher.core.i18n import SUPPORTED_LOCALES, load_catalogues

    locales_dir = folder / "locales"
    if not locales_dir.is_dir():
        return []
    catalogues = load_catalogues(locales_dir)
    every_key = set().union(*catalogues.values()) if catalogues else set()
    problems = []
    for locale in SUPPORTED_LOCALES:
        missing = sorted(every_key - set(catalogues.get(locale, {})))
        if locale not in catalogues:
            problems.append(f"{locales_dir / (locale + '.po')}: missing")
        elif missing:
            problems.append(f"{locales_dir / (locale + '.po')}: lacks key {missing[0]!r}")
    return problems


def _read_settings_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise UsageError(f"{path}: no such file")
    try:
        return read_document(path)
    except LelingError as exc:
        raise UsageError(str(exc)) from exc


def _cmd_config(args: argparse.Namespace) -> int:
    if args.action == "validate":
        path = Path(args.file)
        document = _read_settings_file(path)
        try:
            current, _ = migrate(document, str(path))
        except LelingError as exc:
            raise UsageError(str(exc)) from exc
        _, problems = validate_leniently(SETTINGS_SCHEMA, current["settings"])
        instance = _open(args)
        if not problems:
            problems = tile_problems(check_document(document, str(path)), instance.registry)
        if problems:
            for problem in problems:
                print(f"{path}: {problem.removesuffix('; using the default')}", file=sys.stderr)
            return 2
        print(f"{path}: valid (settings version {document['version']})")
        return 0
    instance = _open(args)
    store = instance.store
    if args.action == "show":
        if args.layers:
            for key, value, layer in _layers(instance):
                print(f"{key} = {json.dumps(value, ensure_ascii=False)}  ({layer})")
        else:
            _print_json(instance.settings)
    elif args.action == "get":
        _print_json(get_path(instance.settings, args.key))
    elif args.action == "set":
        locked = instance.site.lock_for(args.key)
        if locked is not None:
            raise UsageError(
                f"{args.key}: locked by the site file {instance.site.path} "
                f"(key {locked!r}); change it there"
            )
        candidate = store.with_value(args.key, _parse_value(args.value))
        problems = tile_problems(candidate, instance.registry)
        # Refuse only problems this change brings; an already-missing plugin is not its fault.
        new = [p for p in problems if p not in tile_problems(store.settings, instance.registry)]
        if new:
            raise SchemaError(new[0])
        store.save(candidate, f"leling config set {args.key}")
        _print_json(get_path(store.settings, args.key))
    elif args.action == "undo":
        if args.steps < 1:
            raise UsageError(f"undo: the number of steps must be 1 or more, got {args.steps}")
        revision = store.undo(args.steps)
        print(f"Settings are back to how they were at {revision.at}.")
    elif args.action == "history":
        for revision in store.revisions():
            print(f"{revision.number:>6}  {revision.at}  {revision.reason}")
    elif args.action == "export":
        target = Path(args.file)
        document = {"version": SETTINGS_VERSION, "settings": store.settings}
        try:
            atomic_write_text(target, json.dumps(document, ensure_ascii=False, indent=2) + "\n")
        except OSError as exc:
            raise LelingError(f"{target}: cannot write ({exc.strerror})") from exc
        print(f"Settings of profile {instance.profile!r} written to {target}")
    elif args.action == "import":
        path = Path(args.file)
        try:
            settings = check_document(_read_settings_file(path), str(path))
        except UsageError:
            raise
        except LelingError as exc:
            raise UsageError(str(exc)) from exc
        problems = tile_problems(settings, instance.registry)
        if problems:
            raise SchemaError(f"{path}: {problems[0]}")
        store.save(settings, f"imported from {path.name}")
        print(f"Settings imported from {path}; 'leling config undo' goes back.")
    return 0


def _layers(instance: Any) -> Iterator[tuple[str, Any, str]]:
    """Every setting, as a dotted key, with its value and where that value comes from:
    Leling's default, the profile, or the site file (locked)."""
    from launcher.core.schema import SETTINGS_SCHEMA, Field

    site = instance.site

    def walk(fields: Sequence[Field], values: dict[str, Any], prefix: str) -> Iterator[Any]:
        for spec in fields:
            key = f"{prefix}{spec.key}"
            value = values.get(spec.key)
            if spec.kind == "object" and spec.children and isinstance(value, dict):
                yield from walk(spec.children, value, key + ".")
                continue
            if site.lock_for(key) is not None:
                layer = f"site {site.path}, locked"
            elif value == spec.default_value():
                layer = "default"
            elif site.path is not None and value == site.value(key):
                layer = f"site {site.path}, as new profiles start"
            else:
                layer = "profile"
            yield key, value, layer

    yield from walk(SETTINGS_SCHEMA, instance.settings, "")


def _cmd_report(args: argparse.Namespace) -> int:
    instance = _open(args)
    problems = instance.report.problems()
    if args.json:
        _print_json([p.__dict__ for p in problems])
    elif not problems:
        print("No problems recorded.")
    else:
        for problem in problems:
            print(f"{problem.at}  {problem.source}: {problem.message}")
    return 0


def _screen_choice(args: argparse.Namespace) -> ScreenChoice:
    from launcher.ui.app import ScreenChoice

    return ScreenChoice(
        tile=args.tile, plugin=args.open_plugin, page=args.page, help_screen=args.help_screen
    )


@contextlib.contextmanager
def _chosen_screen(args: argparse.Namespace) -> Iterator[Any]:
    """The offscreen shell showing the screen the options choose, taps already made."""
    from launcher.ui.app import offscreen_shell, settle
    from launcher.ui.inspect import tap

    instance = _open(args)
    width, height = args.size
    with offscreen_shell(instance, _screen_choice(args), width=width, height=height) as window:
        if args.tour:
            window.start_home_tour()
            settle()
        if args.guide and window.show_me_how() is None:
            raise UsageError(
                f"--guide: the screen shown ({window.screen_kind()}) has no guide, or none "
                "of its steps' controls is on it"
            )
        settle()
        for name in args.tap:
            tap(window, name)
            settle()
        yield window


def _cmd_screenshot(args: argparse.Namespace) -> int:
    from launcher.ui.app import save_png

    with _chosen_screen(args) as window:
        print(save_png(window, Path(args.output)))
    return 0


def _cmd_inspect(args: argparse.Namespace) -> int:
    from launcher.ui.inspect import audit, format_audit, format_tree, inspect_window

    with _chosen_screen(args) as window:
        report = inspect_window(window)
    results = audit(report) if args.audit else []
    if args.json:
        document = report.to_json()
        if args.audit:
            document["audit"] = [result.to_json() for result in results]
        _print_json(document)
    else:
        print(format_tree(report))
        if args.audit:
            print()
            print(format_audit(results))
    return 0 if all(result.passed for result in results) else 1


def _cmd_profiles(args: argparse.Namespace) -> int:
    from launcher.core.paths import resolve_paths
    from launcher.core.profiles import add_profile, list_profiles, remove_profile

    paths = resolve_paths(args.home)
    if args.action == "list":
        found = list_profiles(paths)
        if args.json:
            _print_json(
                [{"name": p.name, "shown_name": p.shown_name, "pin": p.has_pin} for p in found]
            )
        elif not found:
            print("no profiles yet (leling profiles add NAME)")
        for profile in [] if args.json else found:
            pin = "  (picture PIN)" if profile.has_pin else ""
            print(f"{profile.name}  {profile.shown_name}{pin}")
        return 0
    if args.action == "add":
        folder = add_profile(paths, args.name, args.pin)
        print(f"added profile {args.name} ({folder})")
        return 0
    if not args.yes:
        raise UsageError(
            f"removing profile {args.name!r} deletes its contacts, photos and settings; "
            f"run again with --yes to do it"
        )
    remove_profile(paths, args.name)
    print(f"removed profile {args.name}")
    return 0


def _cmd_watchdog(argv: Sequence[str]) -> int:
    from launcher.watchdog import leling_command, run_watchdog

    return run_watchdog(leling_command(argv))


def _lobby_wanted(args: argparse.Namespace) -> Any:
    """The start screen's lobby, when this start should show it: no ``--profile``, and
    the site asks for the start screen or the home has several profiles."""
    if args.profile:
        return None
    from launcher.core.instance import Overrides
    from launcher.core.profiles import open_lobby, start_screen_wanted

    lobby = open_lobby(
        args.home,
        Overrides(locale=args.locale, theme=args.theme, scale=args.scale),
        site=Path(args.site) if args.site else None,
    )
    return lobby if start_screen_wanted(lobby.paths, lobby.settings) else None


def _cmd_shell(args: argparse.Namespace) -> int:
    lobby = _lobby_wanted(args)
    from launcher.core.paths import resolve_paths
    from launcher.core.profiles import wipe_leftover_guests

    # A guest's folder that a crash or a power cut left behind goes before anyone sits down.
    wipe_leftover_guests(resolve_paths(args.home))
    if lobby is not None:
        from launcher.ui.start import run_sessions

        return run_sessions(lobby, windowed=args.windowed)
    # The instance is opened before Qt is imported: once PySide6 is loaded it reads the
    # source of every module imported after it, looking for its feature switches.
    instance = _open(args)
    from launcher.ui.app import run_shell

    return run_shell(
        instance,
        windowed=args.windowed,
        exit_after_first_paint=args.exit_after_first_paint,
        remote_port=args.remote_port,
        remote_bind=args.remote_bind,
        remote_broker=args.remote_broker,
    )


#: The options of a plain start of the shell, and whether each takes a value.
_SHELL_OPTIONS = {
    "--home": True,
    "--profile": True,
    "--site": True,
    "--locale": True,
    "--theme": True,
    "--scale": True,
    "--windowed": False,
    "--exit-after-first-paint": False,
}


def plain_shell_args(argv: Sequence[str]) -> argparse.Namespace | None:
    """The arguments of a plain start of the shell, read without building the parser.

    Building every command's parser is a noticeable part of the start-up, and starting
    the shell is what the senior waits for. Only exact option names with good values are
    read here; anything else (a command, an abbreviation, ``--help``, a bad value) gives
    None, and the full parser reads it, with its own messages.
    """
    values: dict[str, Any] = {
        "home": None,
        "profile": None,
        "site": None,
        "locale": None,
        "theme": None,
        "scale": None,
        "windowed": False,
        "exit_after_first_paint": False,
        "watchdog": False,
        # Remote help from the command line is a local admin's rare choice: the full
        # parser reads those options (and checks them).
        "remote_port": None,
        "remote_bind": None,
        "remote_broker": None,
        "command": None,
    }
    words = list(argv)
    while words:
        word = words.pop(0)
        name, equals, value = word.partition("=")
        takes_value = _SHELL_OPTIONS.get(name)
        if takes_value is None or (equals and not takes_value):
            return None
        key = name[2:].replace("-", "_")
        if not takes_value:
            values[key] = True
            continue
        if not equals:
            if not words or words[0].startswith("-"):
                return None
            value = words.pop(0)
        if key == "scale":
            try:
                values[key] = _percent(value)
            except argparse.ArgumentTypeError:
                return None
        else:
            values[key] = value
    return argparse.Namespace(**values)


def _cmd_notify(args: argparse.Namespace) -> int:
    """Test the alert chain: one line per channel, exit 1 when any channel fails."""
    import uuid

    from launcher.core.notify import alert_urls, emergency_contacts, send_alert
    from launcher.core.outbox import Outbox

    instance = _open(args)
    contacts = emergency_contacts(instance.settings)
    if args.contact:
        named = [c for c in instance.settings.get("contacts", []) if c.get("name") == args.contact]
        if not named:
            names = ", ".join(str(c.get("name")) for c in instance.settings.get("contacts", []))
            raise UsageError(f"--contact {args.contact!r}: no such contact; contacts: {names}")
        if not alert_urls(named[0]):
            raise UsageError(f"--contact {args.contact!r}: has no alert channel (alerts)")
        contacts = named
    if not contacts:
        raise UsageError(
            "no emergency contact has an alert channel: set a contact's 'emergency' and 'alerts'"
        )
    senior = instance.settings.get("senior", {}).get("name", "") or "Leling"
    title = f"TEST - Leling alert test from {senior}"
    body = "This is a test of the family alert chain. Nothing has happened; there is nothing to do."
    outbox = Outbox(instance.profile_dir)
    key = f"test-{uuid.uuid4().hex}"
    failed = False
    deliveries = send_alert(outbox, key, contacts, title, body)
    for delivery in deliveries:
        ok = delivery.status == "delivered"
        failed = failed or not ok
        verdict = (delivery.last_error or "delivered") if ok else f"FAILED: {delivery.last_error}"
        print(f"{delivery.contact}  {delivery.where}  {verdict}")
    taken = sum(d.status == "delivered" for d in deliveries)
    print(f"Result: {outbox.outcome(key)} ({taken} of {len(deliveries)} channels took it)")
    # A test is not an alert: nothing of it waits in the outbox to be sent again.
    outbox.forget(key)
    if failed:
        print("Fix the failed channel's address (alerts) and test again.", file=sys.stderr)
    return 1 if failed else 0


def _cmd_fleet(args: argparse.Namespace) -> int:
    """The centre staff's tools, and a machine's pull (run by a system timer)."""
    from launcher.core import fleet
    from launcher.core.site import default_site_path

    if args.action == "keygen":
        out = Path(args.out)
        if out.exists():
            raise UsageError(f"--out {out}: already exists; a signing key is never overwritten")
        pem, public = fleet.make_keys()
        out.touch(mode=0o600)
        out.write_bytes(pem)
        print(f"private key: {out} (keep it off the machines)")
        print(f'public_key = "{base64.b64encode(public).decode("ascii")}"  # for fleet.toml')
        return 0
    if args.action == "sign":
        bundle, key = Path(args.bundle), Path(args.key)
        for path, option in ((bundle, "BUNDLE"), (key, "--key")):
            if not path.is_file():
                raise UsageError(f"{option} {path}: no such file")
        from launcher.core.site import SiteError, load_site

        try:
            load_site(bundle)  # never sign a bundle that machines would refuse
        except SiteError as exc:
            raise UsageError(str(exc)) from None
        signature = fleet.sign(bundle.read_bytes(), key.read_bytes())
        out = bundle.with_name(bundle.name + fleet.SIGNATURE_SUFFIX)
        out.write_text(signature + "\n", encoding="ascii")
        print(f"{out}: publish it beside {bundle.name}")
        return 0
    if args.action == "announce":
        fleet.announce(args.url, args.ca)
        print("announced: listening machines pull now")
        return 0
    site_dir = Path(args.site_dir) if args.site_dir else default_site_path().parent
    if args.action == "listen":
        import threading

        def report(state: Any) -> None:
            print(f"pulled: {state.last_error or 'up to date'}", flush=True)

        try:
            fleet.listen(site_dir, threading.Event(), pulled=report)
        except KeyboardInterrupt:
            return 0
        return 0
    if args.action == "pull":
        state = fleet.pull(site_dir)
        if args.json:
            _print_json(fleet.status_json(site_dir))
        elif state.last_error:
            print(f"leling: {state.last_error}", file=sys.stderr)
        else:
            changed = state.last_change == state.last_check
            print(f"{site_dir / 'site.toml'}: {'updated' if changed else 'up to date'}")
        return 1 if state.last_error else 0
    if args.json:
        _print_json(fleet.status_json(site_dir))
    else:
        print("\n".join(fleet.describe(site_dir)))
    return 0


def _cmd_remote(args: argparse.Namespace) -> int:
    from launcher.core.helpers import HelperBook

    instance = _open(args)
    book = HelperBook(instance.profile_dir)
    if args.action == "token":
        try:
            helper, token = book.add(args.name)
        except LelingError as exc:
            raise UsageError(f"--name {args.name!r}: {exc}") from None
        if args.json:
            _print_json({"helper": helper.to_json(), "token": token})
        else:
            # The token is shown this once; only its hash is kept.
            print(f"{helper.name} ({helper.id}) can now help. Their token, shown only now:")
            print(token)
        return 0
    if args.action == "status":
        return _remote_status(instance, book, args.json)
    if args.action == "list":
        helpers = book.helpers()
        if args.json:
            _print_json([helper.to_json() for helper in helpers])
        for helper in [] if args.json else helpers:
            seen = helper.last_seen or "never"
            print(f"{helper.id}  {helper.name}  paired {helper.paired_at}  last seen {seen}")
        if not helpers and not args.json:
            print("Nobody can help from afar yet.")
        return 0
    if not book.revoke(args.helper):
        known = ", ".join(f"{h.id} ({h.name})" for h in book.helpers()) or "none"
        raise UsageError(f"{args.helper!r}: no such helper; helpers now: {known}")
    print(f"{args.helper}: their token no longer works.")
    return 0


def _remote_status(instance: Any, book: Any, as_json: bool) -> int:
    """Whether remote help is on, its broker, and the running launcher's connection."""
    from launcher.core.e2e import IDENTITY_FILE
    from launcher.remote.broker import parse_broker_url, read_state

    chosen = instance.settings.get("remote", {})
    shown = ""
    if chosen.get("broker"):
        try:
            shown = parse_broker_url(str(chosen["broker"])).shown
        except LelingError as exc:
            shown = f"unusable: {exc}"
    device = ""
    identity = instance.profile_dir / IDENTITY_FILE
    if shown and not identity.exists():
        # The admin needs the device id for the broker's ACL before the first start.
        from launcher.core.e2e import DeviceIdentity

        DeviceIdentity.load_or_create(instance.profile_dir)
    if identity.exists():
        try:
            device = str(json.loads(identity.read_text(encoding="utf-8")).get("device", ""))
        except (OSError, ValueError, AttributeError):
            device = "(unreadable broker.json)"
    state = read_state(instance.profile_dir)
    keyed = len(book.with_keys())
    if as_json:
        _print_json(
            {
                "enabled": bool(chosen.get("enabled", False)),
                "broker": shown,
                "broker_ws": str(chosen.get("broker_ws", "")),
                "app_url": str(chosen.get("app_url", "")),
                "device": device,
                "connection": state,
                "relatives_with_keys": keyed,
                "helpers": len(book.helpers()),
            }
        )
        return 0
    print(f"Remote help: {'on' if chosen.get('enabled', False) else 'off'}")
    print(f"Broker: {shown or 'none (local network only)'}")
    if chosen.get("broker_ws"):
        print(f"Phones connect to: {chosen['broker_ws']}")
    if device:
        print(f"Device id: {device}")
    if state is None:
        print("Connection: no launcher has connected to a broker yet")
    else:
        import datetime as dt

        since = dt.datetime.fromtimestamp(float(state.get("since", 0))).astimezone()
        print(
            f"Connection: {state.get('state')} since {since.isoformat(timespec='seconds')}"
            f" ({state.get('broker', '')})"
        )
        refused = state.get("refused") or {}
        if refused:
            words = ", ".join(f"{count} {kind}" for kind, count in sorted(refused.items()))
            print(f"Messages ignored: {words}")
    print(f"People who can help: {len(book.helpers())} ({keyed} through the broker)")
    return 0


def _speaker(instance: Any) -> Any:
    from launcher.speech.speaker import create_speaker

    return create_speaker(instance.settings, log=logging.getLogger("leling.speech"))


def _cmd_voices(args: argparse.Namespace) -> int:
    instance = _open(args)
    speaker = _speaker(instance)
    try:
        voices = speaker.voices()
    finally:
        speaker.close()
    if args.json:
        _print_json({locale: [v.__dict__ for v in found] for locale, found in voices.items()})
        return 0
    for locale, found in voices.items():
        names = ", ".join(f"{v.id}{' (default)' if v.default else ''}" for v in found)
        print(f"{locale:<6} {names or '(none)'}")
    return 0


def _cmd_speak(args: argparse.Namespace) -> int:
    from launcher.core.i18n import SUPPORTED_LOCALES

    instance = _open(args)
    locale = args.speak_locale or instance.translator.locale
    if locale not in SUPPORTED_LOCALES:
        raise UsageError(f"--locale {locale!r}: choose one of {', '.join(SUPPORTED_LOCALES)}")
    if not args.text.strip():
        raise UsageError("TEXT is empty: there is nothing to say")
    speaker = _speaker(instance)
    try:
        if args.out:
            path = speaker.synthesize_to_file(args.text, locale, args.out)
            print(path)
            return 0
        if not speaker.wait_ready(5) or not speaker.available:
            raise LelingError(f"voice is unavailable: {speaker.unavailable_reason}")
        speaker.say(args.text, locale)
        speaker.wait_idle(120)
        return 0
    finally:
        speaker.close()


def main(argv: Sequence[str] | None = None) -> int:
    try:
        words = list(sys.argv[1:] if argv is None else argv)
        if "--watchdog" in words and not any(w in words for w in ("-h", "--help")):
            build_parser().parse_args(words)  # bad options are refused here, not in a loop
            return _cmd_watchdog(words)
        args = plain_shell_args(words)
        if args is None:
            args = build_parser().parse_args(argv)
        handler = {
            "plugins": _cmd_plugins,
            "config": _cmd_config,
            "report": _cmd_report,
            "screenshot": _cmd_screenshot,
            "inspect": _cmd_inspect,
            "voices": _cmd_voices,
            "speak": _cmd_speak,
            "remote": _cmd_remote,
            "notify": _cmd_notify,
            "fleet": _cmd_fleet,
            "profiles": _cmd_profiles,
        }.get(args.command or "", _cmd_shell)
        return handler(args)
    except (UsageError, SchemaError, ManifestError) as exc:
        print(f"leling: {exc}", file=sys.stderr)
        return 2
    except LelingError as exc:
        print(f"leling: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 1
    except Exception as exc:  # a senior or helper never sees a traceback
        log.exception("unexpected error")
        print(f"leling: unexpected error: {exc} (details are in the log)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
