"""Leling's core: state, plugins, i18n. Never imports Qt, so the CLI and servers run headless."""
