"""One Leling instance's state, shared by the shell, the CLI and (later) the servers."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from launcher.core.errors import LelingError, UsageError
from launcher.core.i18n import SUPPORTED_LOCALES, Translator, core_locales_dir, default_locale
from launcher.core.paths import PROFILE_NAME_PATTERN, LelingPaths, builtin_dir, resolve_paths
from launcher.core.registry import PluginRegistry, discover
from launcher.core.report import HelperReport
from launcher.core.schema import TEXT_SCALES
from launcher.core.settings import SettingsStore
from launcher.core.site import SiteConfig, SiteError, load_site
from launcher.core.theme import Theme, ThemeError, load_theme, theme_paths
from launcher.core.tomlfiles import ParsedTomlCache

log = logging.getLogger("leling")

DEFAULT_PROFILE = "default"
DEFAULT_THEME = "warm"


@dataclass(frozen=True)
class Overrides:
    """Choices given for one run on the command line; they are not saved."""

    locale: str | None = None
    theme: str | None = None
    scale: int | None = None


@dataclass
class Instance:
    paths: LelingPaths
    profile: str
    store: SettingsStore
    report: HelperReport
    registry: PluginRegistry
    translator: Translator
    overrides: Overrides = field(default_factory=Overrides)
    #: Sentences about repairs made while starting; also in the helper report.
    startup_problems: list[str] = field(default_factory=list)
    #: The machine's site layer: defaults for new profiles, and locked keys.
    site: SiteConfig = field(default_factory=SiteConfig)
    #: A profile kept outside ``profiles/`` (a guest's session folder), if not None.
    folder: Path | None = None
    #: Manifests and themes as last parsed, so an unchanged file is not parsed again.
    toml_cache: ParsedTomlCache | None = None
    _locked_view: tuple[int, dict[str, Any]] | None = field(default=None, repr=False)

    @property
    def settings(self) -> dict[str, Any]:
        """The settings in effect: the profile's, with the site's locked keys over them."""
        stored = self.store.settings
        if not self.site.locked:
            return stored
        # The store keeps one dict until the next save: work out the view once per save.
        if self._locked_view is None or self._locked_view[0] != id(stored):
            self._locked_view = (id(stored), self.site.apply(stored))
        return self._locked_view[1]

    @property
    def profile_dir(self) -> Path:
        return self.folder if self.folder is not None else self.paths.profile_dir(self.profile)

    @property
    def is_guest(self) -> bool:
        return self.folder is not None

    def effective_locale(self) -> str:
        if self.overrides.locale:
            return self.overrides.locale
        chosen = str(self.settings.get("locale", "auto"))
        return chosen if chosen in SUPPORTED_LOCALES else default_locale()

    def effective_scale(self) -> int:
        if self.overrides.scale is not None:
            return self.overrides.scale
        return int(self.settings.get("text_scale", 100))

    def theme_files(self) -> dict[str, Path]:
        return theme_paths(builtin_dir("themes"), self.paths.user_themes_dir)

    def load_theme(self) -> Theme:
        """The chosen theme; a missing or broken one falls back to the default, reported."""
        wanted = self.overrides.theme or str(self.settings.get("theme", DEFAULT_THEME))
        files = self.theme_files()
        try:
            if wanted in files:
                try:
                    return load_theme(files[wanted], self.toml_cache)
                except ThemeError as exc:
                    self.note_problem("theme", f"{exc}; using the {DEFAULT_THEME} theme", once=True)
            else:
                self.note_problem(
                    "theme", f"theme {wanted!r} does not exist; using {DEFAULT_THEME}", once=True
                )
            return load_theme(files[DEFAULT_THEME], self.toml_cache)
        finally:
            if self.toml_cache is not None:
                self.toml_cache.save()

    def note_problem(
        self, source: str, message: str, detail: str = "", *, once: bool = False
    ) -> None:
        log.warning("%s: %s%s", source, message, f"\n{detail}" if detail else "")
        self.report.add(source, message, detail, once=once)


def check_profile_name(name: str) -> str:
    if not PROFILE_NAME_PATTERN.match(name):
        raise UsageError(
            f"profile name {name!r} must be letters, digits, '.', '_' or '-' (at most 64)"
        )
    return name


def check_overrides(overrides: Overrides, theme_files: dict[str, Path]) -> None:
    if overrides.locale is not None and overrides.locale not in SUPPORTED_LOCALES:
        raise UsageError(
            f"--locale {overrides.locale!r} is not available; "
            f"choose one of {', '.join(SUPPORTED_LOCALES)}"
        )
    if overrides.theme is not None and overrides.theme not in theme_files:
        raise UsageError(
            f"--theme {overrides.theme!r} does not exist; choose one of {', '.join(theme_files)}"
        )
    if overrides.scale is not None and str(overrides.scale) not in TEXT_SCALES:
        raise UsageError(
            f"--scale {overrides.scale} is not a text size preset; choose {', '.join(TEXT_SCALES)}"
        )


LOG_FILE_LIMIT = 1_000_000
LOG_FILES_KEPT = 3


def setup_logging(paths: LelingPaths) -> None:
    """Log to a file in the instance's log folder (tracebacks go here, not on screen).

    The file is rotated at start-up once it passes :data:`LOG_FILE_LIMIT`, which keeps
    ``logging.handlers`` (and the socket and pickle modules it pulls in) off the start-up.
    """
    paths.log_dir.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger("leling")
    target = paths.log_dir / "leling.log"
    for handler in root.handlers:
        if getattr(handler, "baseFilename", None) == str(target):
            return
    try:
        if target.stat().st_size > LOG_FILE_LIMIT:
            for index in range(LOG_FILES_KEPT - 1, 0, -1):
                older = target.with_name(f"leling.log.{index}")
                if older.exists():
                    older.replace(target.with_name(f"leling.log.{index + 1}"))
            target.replace(target.with_name("leling.log.1"))
    except OSError:
        pass
    handler = logging.FileHandler(target, encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def open_instance(
    home: str | None = None,
    profile: str = DEFAULT_PROFILE,
    overrides: Overrides | None = None,
    *,
    create_demo: bool = True,
    entry_points: bool = True,
    site: Path | None = None,
    folder: Path | None = None,
) -> Instance:
    """Open (and on first run create) one profile of one Leling home.

    ``site`` is a site file given on purpose (``--site``): a problem in it stops here with
    a SiteError. Without it the machine's own site file is used if there is one; a broken
    one is reported to the helper and left out, so the senior still gets their screen.

    ``folder`` keeps the profile outside ``profiles/``: a guest's session folder, which
    is wiped when the session ends.
    """
    overrides = overrides or Overrides()
    paths = resolve_paths(home)
    check_profile_name(profile)
    profile_dir = folder if folder is not None else paths.profile_dir(profile)
    try:
        profile_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LelingError(
            f"{profile_dir}: cannot create the profile folder ({exc.strerror})"
        ) from exc
    setup_logging(paths)
    check_overrides(overrides, theme_paths(builtin_dir("themes"), paths.user_themes_dir))
    report = HelperReport(profile_dir / "events.sqlite")
    site_problem = ""
    try:
        site_config = load_site(site)
    except SiteError as exc:
        if site is not None:
            raise
        site_config, site_problem = SiteConfig(), f"{exc}; started without the site settings"
    store = SettingsStore(profile_dir)
    loaded = store.load()
    if loaded.created and site_config.path is not None:
        # A centre's machine: new profiles start from what the site chose.
        store.save(site_config.defaults, f"new profile from the site file {site_config.path}")
    elif loaded.created and create_demo:
        from launcher.core.demo import demo_settings  # only for a new profile

        store.save(demo_settings(overrides.locale or default_locale()), "demo profile")
    toml_cache = ParsedTomlCache(paths.parsed_toml_cache)
    registry = PluginRegistry(
        discover(
            builtin_dir("plugins"),
            paths.user_plugins_dir,
            entry_points=entry_points,
            cache=toml_cache,
        )
    )
    toml_cache.save()
    instance = Instance(
        paths=paths,
        profile=profile,
        store=store,
        report=report,
        registry=registry,
        translator=Translator.from_dir(core_locales_dir(), "en"),
        overrides=overrides,
        site=site_config,
        folder=folder,
        toml_cache=toml_cache,
    )
    if site_problem:
        loaded.problems.append(site_problem)
    instance.translator.set_locale(instance.effective_locale())
    for problem in loaded.problems:
        instance.startup_problems.append(problem)
        instance.note_problem("settings", problem)
    for record in registry.problems():
        instance.note_problem("plugins", record.error, once=True)
    return instance
