"""Scam safety rules that need no screen: which web sites may open, and where the links
in a piece of text are.

Sites: the profile's ``safety.allowed_sites`` lists host names (``gov.cn``,
``www.weather.com.cn``); each allows itself and every name under it, on label
boundaries only (``gov.cn`` allows ``www.gov.cn``, never ``evil-gov.cn`` or
``gov.cn.evil.com``). Ports and paths are ignored. An empty list means the family has
chosen nothing: a web tile may open the address it was given, and a page inside
Leling stays on the site it was opened at.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

#: Schemes a site rule can allow; anything else (file:, data:, javascript:) never is.
WEB_SCHEMES = ("http", "https")


def _ascii_host(host: str) -> str:
    """``host`` lower-cased, without a trailing dot, in its ASCII (punycode) form, so a
    name typed in Chinese and the same name from a browser compare equal."""
    host = host.strip().rstrip(".").lower()
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def url_host(url: str) -> str:
    """The host of ``url`` (normalised), or "" when it has none."""
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:
        return ""
    return _ascii_host(host)


def shown_site(url: str) -> str:
    """The site of ``url`` as a person reads it: ``example.com`` for
    ``https://www.example.com/a``."""
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:
        host = ""
    return host.removeprefix("www.") or url


def site_host(entry: str) -> str:
    """The host an entry of ``safety.allowed_sites`` names: a bare name, ``*.name``, or a
    whole address pasted from a browser (only its host counts)."""
    text = entry.strip()
    if "://" not in text:
        text = "//" + text
    host = url_host(text)
    return host[2:] if host.startswith("*.") else host


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def host_matches(host: str, site: str) -> bool:
    """Whether ``host`` is ``site`` or a name under it, on a label boundary. An address
    (127.0.0.1) matches only itself."""
    host, site = _ascii_host(host), _ascii_host(site)
    if not host or not site:
        return False
    if host == site:
        return True
    return not _is_ip(site) and host.endswith("." + site)


def allowed_sites(settings: Mapping[str, Any]) -> tuple[str, ...]:
    """The hosts the family (or the site file) allows, from a settings tree."""
    entries = settings.get("safety", {}).get("allowed_sites", [])
    hosts = (site_host(str(entry)) for entry in entries if isinstance(entry, str))
    return tuple(dict.fromkeys(host for host in hosts if host))


@dataclass(frozen=True)
class SiteRule:
    """Which addresses may open: ``sites`` chosen by the family, and ``own``, the sites a
    page or tile needs for itself (a call server)."""

    sites: tuple[str, ...] = ()
    own: tuple[str, ...] = ()

    @classmethod
    def for_page(cls, settings: Mapping[str, Any], url: str, extra: Iterable[str] = ()) -> SiteRule:
        """The rule for a page opened at ``url``: its own site, ``extra`` sites the plugin
        named, and the family's list."""
        hosts = [url_host(url), *map(site_host, extra)]
        # "www." is the same site as the name without it: pages often move between the
        # two (and the names under it) on their first load.
        hosts += [host[4:] for host in hosts if host.startswith("www.") and host.count(".") > 1]
        own = tuple(host for host in hosts if host)
        return cls(allowed_sites(settings), own)

    @property
    def chosen(self) -> bool:
        """Whether the family (or the site file) has listed any site."""
        return bool(self.sites)

    def allows(self, url: str) -> bool:
        """Whether ``url`` is a web address on an allowed host. ``about:blank`` (an
        empty page) is always allowed; other schemes never are."""
        if url.strip().lower() in ("about:blank", "about:srcdoc"):
            return True
        try:
            scheme = urlsplit(url.strip()).scheme.lower()
        except ValueError:
            return False
        if scheme not in WEB_SCHEMES:
            return False
        host = url_host(url)
        return any(host_matches(host, site) for site in (*self.own, *self.sites))

    def opens(self, url: str) -> bool:
        """Whether a web tile, or a link the senior taps, may open ``url``: any web
        address while the family has listed nothing, else only the listed sites (and
        ``own``)."""
        if not self.chosen:
            try:
                return urlsplit(url.strip()).scheme.lower() in WEB_SCHEMES and bool(url_host(url))
            except ValueError:
                return False
        return self.allows(url)


# -- links in text ------------------------------------------------------------------------

#: File names that look like domains ("photo.jpg"); a link to one of these is not meant.
_FILE_SUFFIXES = frozenset(
    "jpg jpeg png gif bmp webp heic pdf doc docx xls xlsx ppt pptx txt csv mp3 mp4 wav mov".split()
)
#: Full-width and ideographic full stops that scams use to slip a domain past filters.
_WIDE_DOTS = re.compile(r"(?<=[A-Za-z0-9])[。．｡](?=[A-Za-z0-9])")
_LINK = re.compile(
    r"""
    (?<![A-Za-z0-9@._/-])                        # not inside a word, an email or a path
    (?:
        (?P<scheme>https?://)[!-~]+              # a full address: everything printable
      | (?P<www>www\.)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?:[/?#:][!-~]*)?
      | (?P<bare>(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+
            (?P<tld>[A-Za-z]{2,24}))(?![A-Za-z0-9-])(?:[/?#:][!-~]*)?
    )
    """,
    re.VERBOSE | re.IGNORECASE,
)
#: Punctuation that ends a sentence rather than the address.
_TRAILING = ".,;:!?'\")]}>"


def _trim(written: str) -> str:
    """``written`` without the sentence's punctuation after it; a closing bracket the
    address itself opened stays (Wikipedia-style paths)."""
    while written and written[-1] in _TRAILING:
        if written[-1] == ")" and written.count("(") >= written.count(")"):
            break
        written = written[:-1]
    return written


@dataclass(frozen=True)
class Link:
    """A link found in text: where it is, as written, and the address it opens."""

    start: int
    end: int
    text: str
    url: str

    @property
    def host(self) -> str:
        return url_host(self.url)


def find_links(text: str) -> list[Link]:
    """Every web link in ``text``: ``http(s)://…``, ``www.…`` and bare domains such as
    ``example.com/path`` (also written with a full-width dot, ``example。com``)."""
    plain = _WIDE_DOTS.sub(".", text)  # one character for one: positions stay
    found: list[Link] = []
    for match in _LINK.finditer(plain):
        if match.group("tld") and match.group("tld").lower() in _FILE_SUFFIXES:
            continue
        written = _trim(match.group(0))
        if not written:
            continue
        url = written if match.group("scheme") else "https://" + written
        if not url_host(url):
            continue
        start = match.start()
        found.append(Link(start, start + len(written), text[start : start + len(written)], url))
    return found


def link_urls(text: str) -> list[str]:
    """The addresses the links in ``text`` open, each once, in order."""
    return list(dict.fromkeys(link.url for link in find_links(text)))


def is_known_contact(settings: Mapping[str, Any], name: str) -> bool:
    """Whether ``name`` (who sent a message) is a person in the senior's contacts, the
    address book the family keeps (compared without case or outer spaces)."""
    wanted = name.strip().casefold()
    return bool(wanted) and any(
        isinstance(person, Mapping) and str(person.get("name", "")).strip().casefold() == wanted
        for person in settings.get("contacts", [])
    )
