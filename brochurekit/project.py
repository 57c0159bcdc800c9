"""The project's settings: `[tool.brochurekit]` in pyproject.toml, read and checked once.

Every command asks one `Project` for the paper a language prints on, where brochures are
published, which languages are still in progress and which profile the print shop uses.
It is read the first time a command needs it and again only when pyproject.toml changes;
a key this version does not know, or a value of the wrong kind, is refused with the line
it is on.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .catalogs import SOURCE_LANGUAGE, languages
from .errors import BrochureError
from .render import HALF_SIZES, PAPER_SIZES

SETTINGS = "pyproject.toml"
TABLE = "tool.brochurekit"
KEYS = ("base_url", "in_progress", "print_profile", "paper")


@dataclass(frozen=True)
class Project:
    """A project's folder and its validated settings."""

    root: Path
    base_url: str | None = None  # without a trailing slash; None: no web edition links
    in_progress: tuple[str, ...] = ()  # languages built as drafts, kept out of releases
    print_profile: str | None = None  # as written; None: Ghostscript's CMYK profile
    paper: dict[str, str] = field(default_factory=dict)  # language (or "default") -> paper
    lines: dict[str, int] = field(default_factory=dict, compare=False)  # key -> its line

    def paper_for(self, lang: str, paper: str | None = None, booklet: bool = False) -> str:
        """Return the paper a language is printed on: `paper` if given, else the
        configured default; a booklet's pages are half of it."""
        chosen = paper or self.paper.get(lang) or self.paper.get("default", "letter")
        return HALF_SIZES.get(chosen, chosen) if booklet else chosen

    def online_url(self, lang: str, topic_id: str) -> str | None:
        """Return where a brochure's web edition is published, if `base_url` is set."""
        return f"{self.base_url}/{lang}/{topic_id}.html" if self.base_url else None

    def profile(self) -> Path:
        """Return the print shop's CMYK profile, checked (brochurekit.printshop)."""
        from .printshop import profile_path

        return profile_path(self.root, self.print_profile, self.lines.get("print_profile"))


def load_project(root: Path) -> Project:
    """Return the project at `root`, read once while its pyproject.toml is unchanged."""
    path = root / SETTINGS
    try:
        stat = path.stat()
    except OSError as error:
        raise BrochureError(f"cannot read [{TABLE}]: {error.strerror}", SETTINGS) from None
    return _load(root, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def _load(root: Path, mtime_ns: int, size: int) -> Project:  # noqa: ARG001 (cache key)
    try:
        text = (root / SETTINGS).read_text(encoding="utf-8")
        table = tomllib.loads(text).get("tool", {}).get("brochurekit", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise BrochureError(f"cannot read [{TABLE}]: {error}", SETTINGS) from None
    lines = _lines(text)

    def refuse(key: str, message: str) -> BrochureError:
        return BrochureError(f"[{TABLE}] {key}: {message}", SETTINGS, lines.get(key))

    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise refuse(unknown[0], f"unknown setting (known: {', '.join(KEYS)})")
    base = table.get("base_url") or None
    if base is not None and not (isinstance(base, str) and base.startswith("https://")):
        raise refuse("base_url", f"must start with https://, got {base!r}")
    progress = table.get("in_progress", [])
    if not isinstance(progress, list) or not all(isinstance(x, str) for x in progress):
        raise refuse("in_progress", f"must be a list of language codes, got {progress!r}")
    known = languages(root) if progress else ()
    for lang in progress:
        if lang not in known or lang == SOURCE_LANGUAGE:
            raise refuse("in_progress", f"no catalog for {lang!r} (languages: "
                         f"{', '.join(known[1:])})")
    profile = table.get("print_profile")
    if profile is not None and not (isinstance(profile, str) and profile):
        raise refuse("print_profile", f"must be a path, got {profile!r}")
    paper = table.get("paper", {})
    if not isinstance(paper, dict):
        raise refuse("paper", f"must be a table of language = paper, got {paper!r}")
    for lang, size in paper.items():
        if size not in PAPER_SIZES:
            raise BrochureError(f"[{TABLE}.paper] {lang} = {size!r}: choose from "
                                f"{', '.join(PAPER_SIZES)}", SETTINGS,
                                lines.get(f"paper.{lang}"))
    return Project(root, base.rstrip("/") if base else None, tuple(progress), profile,
                   dict(paper), lines)


KEY_LINE = re.compile(r"\s*([A-Za-z0-9_-]+)\s*=")
HEADER = re.compile(r"\s*\[([^\]]+)\]")


def _lines(text: str) -> dict[str, int]:
    """Return the line of each key of [tool.brochurekit] ("key") and of its subtables
    ("paper.en"), for messages."""
    found: dict[str, int] = {}
    table = None
    for number, line in enumerate(text.splitlines(), 1):
        if header := HEADER.match(line):
            name = header[1].strip()
            table = name if name == TABLE or name.startswith(TABLE + ".") else None
            if table and table != TABLE:
                found.setdefault(table[len(TABLE) + 1:], number)
        elif table and (key := KEY_LINE.match(line)):
            prefix = "" if table == TABLE else table[len(TABLE) + 1:] + "."
            found.setdefault(prefix + key[1], number)
    return found
