"""Which fonts the stylesheet gives each language, and whether they can draw its text.

The stacks are read from `styles/fonts.css` (`html` and `html:lang(xx)` rules), the
families are found with fontconfig's `fc-list`, and coverage is read from each font's
character map with fontTools. Only named families count: a generic family such as
`sans-serif` is a silent fallback, which is what this check exists to prevent.
"""

from __future__ import annotations

import functools
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import tinycss2
from fontTools.ttLib import TTFont

from .errors import FontError

FONTS_CSS = Path("styles") / "fonts.css"


@dataclass(frozen=True)
class FontFile:
    """One font face on disk: a file and, for collections, the face's index."""

    family: str
    path: str
    index: int


def font_stacks(css_file: Path) -> dict[str, tuple[str, ...]]:
    """Return the font-family stack per language prefix ("" for the default)."""
    rules = tinycss2.parse_stylesheet(
        css_file.read_text(encoding="utf-8"), skip_comments=True, skip_whitespace=True
    )
    stacks: dict[str, tuple[str, ...]] = {}
    for rule in rules:
        if rule.type != "qualified-rule":
            continue
        selector = tinycss2.serialize(rule.prelude).strip()
        lang = _lang_of(selector)
        if lang is None:
            continue
        for declaration in tinycss2.parse_declaration_list(
            rule.content, skip_comments=True, skip_whitespace=True
        ):
            if declaration.type == "declaration" and declaration.lower_name == "font-family":
                stacks[lang] = _families(declaration.value)
    if "" not in stacks:
        raise FontError("no font-family for `html`", str(css_file))
    return stacks


def _lang_of(selector: str) -> str | None:
    """Return "" for `html`, "xx" for `html:lang(xx)`, None for any other selector."""
    if selector == "html":
        return ""
    if selector.startswith("html:lang(") and selector.endswith(")"):
        return selector[len("html:lang("):-1].strip().strip("\"'").lower()
    return None


def _families(tokens: list) -> tuple[str, ...]:
    """Return the quoted family names of a font-family value, in order."""
    return tuple(token.value for token in tokens if token.type == "string")


def stack_for(stacks: dict[str, tuple[str, ...]], lang: str) -> tuple[str, ...]:
    """Return the stack for a language code, matching :lang() prefixes as CSS does."""
    tag = lang.replace("_", "-").lower()
    best = ""
    for prefix in stacks:
        if prefix and (tag == prefix or tag.startswith(prefix + "-")) and len(prefix) > len(best):
            best = prefix
    return stacks[best]


@functools.cache
def _installed() -> tuple[tuple[frozenset[str], str, str, str], ...]:
    """Return every face fontconfig knows: (its family names, folded; file; index; style),
    listed by one fc-list run (one per family cost a build 15 ms each)."""
    try:
        output = subprocess.run(
            ["fc-list", "-f", "%{family}|%{file}|%{index}|%{style}\n"],
            capture_output=True, text=True, check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        raise FontError(f"cannot run fc-list to find fonts: {error}") from None
    faces = []
    for line in output.splitlines():
        if line.count("|") == 3:
            names, path, index, style = line.split("|")
            faces.append((frozenset(map(_folded, names.split(","))), path, index, style))
    return tuple(faces)


def _folded(family: str) -> str:
    """Fold a family name as fontconfig compares them: case and blanks ignored."""
    return "".join(family.split()).casefold()


@functools.cache
def find_font(family: str) -> FontFile:
    """Return the regular face of a family, as fontconfig finds it."""
    wanted = _folded(family)
    faces = [[path, index, style] for names, path, index, style in _installed()
             if wanted in names]
    if not faces:
        raise FontError(
            f"font family {family!r} is not installed (see the set-up in README.md)",
            str(FONTS_CSS),
        )
    regular = [f for f in faces if "Regular" in f[2].split(",")] or faces
    path, index, _ = sorted(regular)[0]
    return FontFile(family, path, int(index or 0))


@functools.cache
def coverage(font: FontFile) -> frozenset[int]:
    """Return the code points a font face maps to a glyph."""
    with TTFont(font.path, fontNumber=font.index, lazy=True) as face:
        return frozenset(face.getBestCmap())


def needs_glyph(char: str) -> bool:
    """Say whether a character is drawn (not a space, control or format character)."""
    return not char.isspace() and unicodedata.category(char) not in ("Cc", "Cf", "Zs")


def missing_characters(text: str, families: tuple[str, ...]) -> list[str]:
    """Return, sorted, the characters of `text` that no family of the stack can draw."""
    covered: set[int] = set()
    for family in families:
        covered |= coverage(find_font(family))
    return sorted({c for c in text if needs_glyph(c) and ord(c) not in covered})


def check_coverage(root: Path, lang: str, text: str, where: str) -> tuple[str, ...]:
    """Return the language's stack, or raise FontError listing what it cannot draw."""
    families = stack_for(font_stacks(root / FONTS_CSS), lang)
    missing = missing_characters(text, families)
    if missing:
        shown = " ".join(f"{c} (U+{ord(c):04X})" for c in missing[:20])
        more = f" and {len(missing) - 20} more" if len(missing) > 20 else ""
        raise FontError(
            f"the fonts for {lang!r} ({', '.join(families)}) cannot draw: {shown}{more}; "
            f"add a font that covers them to {FONTS_CSS.as_posix()}",
            where,
        )
    return families
