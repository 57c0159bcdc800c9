"""Gettext catalogs: the Babel workflow (extract, update, compile) and loading translations.

Layout: `locales/brochures.pot` is the template, `locales/<lang>/LC_MESSAGES/brochures.po`
one catalog per language. English is the source language and has no catalog.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import polib
from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import PoFileError, normalize, read_po, write_po
from jinja2 import Environment, TemplateSyntaxError

from .errors import CatalogError

log = logging.getLogger(__name__)

DOMAIN = "brochures"
SOURCE_LANGUAGE = "en"
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(?:_[A-Z][a-z]{3})?(?:_[A-Z]{2}|_[0-9]{3})?$")
PROJECT = "Patient brochures"
WIDTH = 76
# Header fields a catalog uses to record its medical review (see README, translators).
REVIEWED_BY, REVIEWED_ON = "X-Reviewed-By", "X-Reviewed-Date"
MAX_CATALOG_BYTES = 5_000_000


def template_path(root: Path) -> Path:
    """Return the path of the catalog template."""
    return root / "locales" / f"{DOMAIN}.pot"


def catalog_path(root: Path, lang: str) -> Path:
    """Return the path of one language's catalog."""
    return root / "locales" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def languages(root: Path) -> list[str]:
    """Return English and every language that has a catalog, in code order."""
    pattern = f"*/LC_MESSAGES/{DOMAIN}.po"
    found = sorted(p.parent.parent.name for p in (root / "locales").glob(pattern))
    for lang in found:
        try:
            validate_language(lang)
        except CatalogError as error:
            raise CatalogError(error.message, f"locales/{lang}/LC_MESSAGES/{DOMAIN}.po") from None
    return [SOURCE_LANGUAGE, *found]


def validate_language(lang: str) -> Locale:
    """Return the Babel locale for a catalog's language code, or raise CatalogError."""
    if not LANGUAGE_CODE.match(lang):
        raise CatalogError(f"{lang!r} is not a language code such as 'es', 'pt_BR' or 'zh_Hans'")
    try:
        return Locale.parse(lang)
    except (UnknownLocaleError, ValueError) as error:
        raise CatalogError(f"{lang!r} is not a locale Babel knows: {error}") from None


# --- The Babel workflow --------------------------------------------------------------


def _pybabel(*args: str) -> int:
    """Run a pybabel command in this process and return its exit status."""
    try:
        status = CommandLineInterface().run(["pybabel", "-q", *args])
    except SystemExit as stop:  # babel's option parser exits on bad options
        status = stop.code if isinstance(stop.code, int) else 1
    return status or 0


def extract(root: Path) -> Path:
    """Collect content, template and code strings into the catalog template."""
    _check_templates(root)
    pot = template_path(root)
    pot.parent.mkdir(parents=True, exist_ok=True)
    status = _pybabel(
        "extract", "-F", str(root / "babel.cfg"), "-o", str(pot), "-c", "Translators:",
        "--project", PROJECT, "--version", "1", "--msgid-bugs-address",
        "https://github.com/brochurekit/brochurekit/issues", "--copyright-holder",
        "the brochurekit authors", "--input-dirs", str(root),
    )
    if status:
        raise CatalogError("pybabel extract failed (see the message above)", str(pot))
    _relativize_locations(pot, root)
    return pot


def _check_templates(root: Path) -> None:
    """Parse every template first: Jinja's extractor reports errors without the file."""
    env = Environment(extensions=["jinja2.ext.i18n"])
    for path in sorted((root / "templates").glob("**/*.j2")):
        name = path.relative_to(root).as_posix()
        try:
            env.parse(path.read_text(encoding="utf-8"), name, name)
        except TemplateSyntaxError as error:
            raise CatalogError(f"template syntax error: {error.message}", name,
                               error.lineno) from None


def _relativize_locations(pot: Path, root: Path) -> None:
    """Make `#:` locations relative to the project root, as translators see them."""
    prefix = f"{root.resolve().as_posix()}/"
    text = pot.read_text(encoding="utf-8")
    if prefix in text:
        pot.write_text(text.replace(prefix, ""), encoding="utf-8")


def init_language(root: Path, lang: str) -> Path:
    """Start a catalog for a new language from the template, with Babel's headers."""
    validate_language(lang)
    path = catalog_path(root, lang)
    if path.exists():
        raise CatalogError("a catalog for this language already exists",
                           path.relative_to(root).as_posix())
    status = _pybabel("init", "-i", str(template_path(root)), "-d", str(root / "locales"),
                      "-D", DOMAIN, "-l", lang)
    if status:
        raise CatalogError("pybabel init failed (see the message above)")
    return path


def update(root: Path) -> list[str]:
    """Merge the template into every catalog, as `pybabel update --previous` does.

    A changed English unit keeps its translation, marked fuzzy, with the old English
    as `#| msgid` so the translator sees what changed. Returns the languages updated.
    """
    template = read_catalog(template_path(root), root)
    updated = []
    for lang in languages(root)[1:]:
        path = catalog_path(root, lang)
        catalog = read_catalog(path, root, lang)
        previous, extra = _previous_ids(path), extra_headers(path)
        catalog.update(template, update_header_comment=False)
        for message in catalog:
            key = (message.context, message.id)
            if message.fuzzy and not message.previous_id and key in previous:
                message.previous_id = [previous[key]]
        _write_atomically(path, format_catalog(catalog, extra))
        updated.append(lang)
    return updated


def _previous_ids(path: Path) -> dict[tuple[str | None, str], str]:
    """Return the `#| msgid` of fuzzy entries (Babel's reader drops them; polib keeps them)."""
    return {
        (entry.msgctxt, entry.msgid): entry.previous_msgid
        for entry in polib.pofile(str(path), wrapwidth=WIDTH)
        if entry.fuzzy and entry.previous_msgid
    }


def extra_headers(path: Path) -> dict[str, str]:
    """Return a catalog's X- header fields (Babel's reader drops them; polib keeps them)."""
    metadata = polib.pofile(str(path), wrapwidth=WIDTH).metadata
    return {name: value for name, value in metadata.items() if name.startswith("X-")}


def read_catalog(path: Path, root: Path, lang: str | None = None) -> Catalog:
    """Read a .po or .pot file, with errors naming the file and line."""
    display = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    try:
        if path.stat().st_size > MAX_CATALOG_BYTES:
            raise CatalogError(f"file is larger than {MAX_CATALOG_BYTES} bytes", display)
        with path.open("rb") as handle:
            return read_po(handle, locale=lang, domain=DOMAIN, abort_invalid=True)
    except FileNotFoundError:
        raise CatalogError("file not found", display) from None
    except PoFileError as error:
        raise CatalogError(f"syntax error: {error.args[0]}", display, error.lineno) from None
    except (UnicodeDecodeError, LookupError) as error:
        raise CatalogError(f"cannot be read as UTF-8: {error}", display) from None


def _header_line(path: Path, field: str) -> int | None:
    """Return the line of a header field in a catalog, for error messages."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith(f'"{field}'):
            return number
    return None


def check_syntax(path: Path, display: str) -> None:
    """Run `msgfmt --check`: Babel's and polib's readers accept broken quoting silently."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        log.warning("%s: not checked: msgfmt is missing (scripts/setup.sh installs gettext)",
                    display)
        return
    result = subprocess.run(
        [msgfmt, "--check", "-o", os.devnull, str(path)], capture_output=True, text=True,
        env={**os.environ, "LC_ALL": "C"},
    )
    if result.returncode:
        first = result.stderr.strip().splitlines()[0]
        match = re.match(rf"{re.escape(str(path))}:(\d+):(?:\d+:)? (.*)", first)
        if match:
            line = int(match[1])
            if match[2] == "end-of-line within string":
                line -= 1  # msgfmt counts the line after the one left open
            raise CatalogError(f"msgfmt: {match[2]}", display, line)
        raise CatalogError(f"msgfmt: {first}", display)


def format_catalog(catalog: Catalog, extra: dict[str, str] | None = None) -> bytes:
    """Write a catalog as Babel does, but with previous msgids laid out as msgmerge does,
    and with the X- header fields Babel does not keep.

    Babel's write_po re-wraps `#| msgid` as a comment, which breaks long strings across
    comment lines mid-quote; Poedit and msgmerge then cannot read the previous text.
    """
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=WIDTH, include_previous=True)
    previous = iter([
        message.previous_id[0] for message in catalog
        if message.id and message.previous_id and message.fuzzy
    ])
    lines, out = buffer.getvalue().decode("utf-8").splitlines(keepends=True), []
    if extra:
        end = lines.index("\n")  # the header entry ends at the first blank line
        fields = [normalize(f"{name}: {value}\n", width=0) + "\n" for name, value in extra.items()]
        lines[end:end] = fields
    for i, line in enumerate(lines):
        if not line.startswith("#| "):
            out.append(line)
        elif i == 0 or not lines[i - 1].startswith("#| "):
            text = normalize(next(previous), width=WIDTH).splitlines()
            out.append(f"#| msgid {text[0]}\n")
            out.extend(f"#| {part}\n" for part in text[1:])
    return "".join(out).encode("utf-8")


def _write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename it into place."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def compile_catalogs(root: Path) -> None:
    """Write a .mo file beside every catalog, for tools that want one."""
    status = _pybabel(
        "compile", "-d", str(root / "locales"), "-D", DOMAIN, "--statistics",
    )
    if status:
        raise CatalogError("pybabel compile failed (see the message above)")


# --- Translations for rendering ------------------------------------------------------


@dataclass
class Translator:
    """Look up translations by (context, msgid); remember which ones were missing.

    Fuzzy and empty entries count as missing: they never reach a PDF.
    """

    lang: str
    locale: Locale
    entries: dict[tuple[str | None, str], str] = field(default_factory=dict)
    file: str | None = None
    reviewed_by: str | None = None
    reviewed_on: dt.date | None = None
    missing: set[tuple[str | None, str]] = field(default_factory=set)
    used: set[tuple[str | None, str]] = field(default_factory=set)

    def lookup(self, context: str | None, message: str) -> str | None:
        """Return the translation of `message` in `context`, or None (and remember it)."""
        if self.lang == SOURCE_LANGUAGE:
            return message
        self.used.add((context, message))
        found = self.entries.get((context, message))
        if found is None:
            self.missing.add((context, message))
        return found

    def pgettext(self, context: str | None, message: str) -> str:
        """Return the translation of `message` in `context`, or the English text."""
        found = self.lookup(context, message)
        return message if found is None else found

    @property
    def percent(self) -> float:
        """Return the share of the units looked up so far that have a translation."""
        if not self.used:
            return 100.0
        return 100.0 * (len(self.used) - len(self.missing)) / len(self.used)

    def gettext(self, message: str) -> str:
        """Return the translation of a message that has no context."""
        return self.pgettext(None, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Plural lookups are not used by the templates; refuse rather than guess."""
        raise CatalogError("plural messages are not supported yet", self.file)


def load_translator(root: Path, lang: str) -> Translator:
    """Read a language's catalog into a Translator, with errors naming file and line."""
    locale = validate_language(lang)
    if lang == SOURCE_LANGUAGE:
        return Translator(lang, locale)
    path = catalog_path(root, lang)
    display = path.relative_to(root).as_posix()
    catalog = read_catalog(path, root, lang)
    check_syntax(path, display)
    declared = dict(catalog.mime_headers).get("Language", "")
    if declared != lang:
        raise CatalogError(
            f"the Language header says {declared!r} but the catalog is in the {lang!r} folder",
            display, _header_line(path, "Language:"))
    entries = {}
    for message in catalog:
        if not message.id or message.fuzzy or not message.string:
            continue
        if isinstance(message.id, tuple):
            raise CatalogError("plural messages are not supported yet", display, message.lineno)
        entries[(message.context, message.id)] = message.string
    extra = extra_headers(path)
    reviewed_on = extra.get(REVIEWED_ON)
    if reviewed_on is not None:
        try:
            reviewed_on = dt.date.fromisoformat(reviewed_on.strip())
        except ValueError:
            raise CatalogError(f"{REVIEWED_ON} must be a date (YYYY-MM-DD), got {reviewed_on!r}",
                               display, _header_line(path, f"{REVIEWED_ON}:")) from None
    if bool(extra.get(REVIEWED_BY)) != bool(reviewed_on):
        raise CatalogError(f"{REVIEWED_BY} and {REVIEWED_ON} go together", display,
                           _header_line(path, "X-Reviewed"))
    return Translator(lang, locale, entries, display, extra.get(REVIEWED_BY), reviewed_on)
