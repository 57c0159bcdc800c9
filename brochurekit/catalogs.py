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
from collections.abc import Mapping, Set
from dataclasses import dataclass, field, replace
from pathlib import Path

import polib
from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import PoFileError, normalize, read_po, write_po
from jinja2 import Environment, TemplateSyntaxError

from .errors import CatalogError, CatalogErrors
from .files import source_epoch, write_atomically
from .review import Review, ReviewStatus
from .review import status as review_status

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
    """Collect content, template and code strings into the catalog template.

    The template is rewritten only when its entries change, dated from SOURCE_DATE_EPOCH
    or the last commit: extracting unchanged sources leaves the file byte for byte.
    """
    _check_templates(root)
    pot = template_path(root)
    pot.parent.mkdir(parents=True, exist_ok=True)
    fresh = pot.with_name(f".{pot.name}.new")
    try:
        _extract_to(root, fresh, pot)
        _relativize_locations(fresh, root)
        text = fresh.read_text(encoding="utf-8")
    finally:
        fresh.unlink(missing_ok=True)
    old = pot.read_text(encoding="utf-8") if pot.exists() else None
    if old is None or _undated(old) != _undated(text):
        write_atomically(pot, _dated(text, _source_date(root)).encode("utf-8"))
    return pot


def _extract_to(root: Path, out: Path, pot: Path) -> None:
    """Run `pybabel extract` over the project into `out`; errors name the template."""
    status = _pybabel(
        "extract", "-F", str(root / "babel.cfg"), "-o", str(out), "-c", "Translators:",
        "--project", PROJECT, "--version", "1", "--msgid-bugs-address",
        "https://github.com/brochurekit/brochurekit/issues", "--copyright-holder",
        "the brochurekit authors", "--input-dirs", str(root),
    )
    if status:
        raise CatalogError("pybabel extract failed (see the message above)", str(pot))


def _undated(text: str) -> str:
    """Return a template without what changes at each run: the header comment and date.

    >>> _undated('# Copyright (C) 2026\\n#, fuzzy\\nmsgid ""\\nmsgstr ""\\n'
    ...          '"POT-Creation-Date: 2026-11-23 20:29+0000\\\\n"\\n')
    '#, fuzzy\\nmsgid ""\\nmsgstr ""\\n'
    """
    text = re.sub(r"\A(?:#(?: .*)?\n)*", "", text)
    return re.sub(r'^"POT-Creation-Date: [^\n]*\n', "", text, count=1, flags=re.M)


def _dated(text: str, when: dt.datetime) -> str:
    """Set a template's POT-Creation-Date, in the form Babel writes it.

    >>> _dated('"POT-Creation-Date: 2026-01-01 00:00+0000\\\\n"',
    ...        dt.datetime(2026, 11, 23, 20, 37, tzinfo=dt.UTC))
    '"POT-Creation-Date: 2026-11-23 20:37+0000\\\\n"'
    """
    stamp = when.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M+0000")
    return re.sub(r'^("POT-Creation-Date: )[^"\\]*', rf"\g<1>{stamp}", text, count=1,
                  flags=re.M)


def _source_date(root: Path) -> dt.datetime:
    """Return SOURCE_DATE_EPOCH, else the last commit's date, else now (all UTC).

    build.build_timestamp reads the same date for the PDFs (files.source_epoch).
    """
    epoch = source_epoch(root)
    if epoch is None:
        return dt.datetime.now(dt.UTC)
    try:
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    except ValueError:
        raise CatalogError(f"SOURCE_DATE_EPOCH must be whole seconds, got {epoch!r}") from None


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


LOCATION_LINE = re.compile(r"^#:.*$", re.MULTILINE)


def _relativize_locations(pot: Path, root: Path) -> None:
    """Make `#:` locations relative to the project root, as translators see them.

    A string in the package's Python code is located by file only: with its line number,
    any edit above it would make the committed template stale (a CI failure) although no
    translator-visible text changed.
    """
    prefix = f"{root.resolve().as_posix()}/"
    text = pot.read_text(encoding="utf-8")
    fixed = LOCATION_LINE.sub(lambda line: re.sub(r"(\.py):\d+", r"\1", line[0]),
                              text.replace(prefix, ""))
    if fixed != text:
        pot.write_text(fixed, encoding="utf-8")


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
    # Babel writes the locale it resolved ("fil_PH" for "tl") and a placeholder team:
    # the header must name the language as its folder does, or `check` refuses it.
    catalog = polib.pofile(str(path), wrapwidth=76)
    catalog.metadata["Language"] = lang
    catalog.metadata["Language-Team"] = Locale.parse(lang).english_name
    catalog.save()
    return path


def update(root: Path) -> list[str]:
    """Merge the template into every catalog with GNU `msgmerge --previous`.

    A changed English unit keeps its translation, marked fuzzy, with the old context and
    English as `#| msgctxt` and `#| msgid` so the translator sees what changed; obsolete
    entries keep their flags; header fields (X- ones too) are kept. msgmerge is stable,
    so a second update changes nothing. Every catalog is read before any is written.
    Returns the languages updated.
    """
    msgmerge = _gettext_tool("msgmerge")
    template = template_path(root)
    read_catalog(template, root)
    langs = languages(root)[1:]
    merged, errors = {}, []
    for lang in langs:
        path = catalog_path(root, lang)
        display = path.relative_to(root).as_posix()
        try:
            data = read_bytes(path, display)
            _parse(_clean(data), display, lang)
            merged[path] = _msgmerge(msgmerge, _clean(data, keep_previous=True), template,
                                     display)
        except CatalogError as error:
            errors.append(error)
    if errors:
        raise errors[0] if len(errors) == 1 else CatalogErrors(errors)
    for path, data in merged.items():
        if path.read_bytes() != data:
            write_atomically(path, data)
    return langs


def _gettext_tool(name: str) -> str:
    """Return the path of a GNU gettext program, or raise CatalogError saying how to get it."""
    found = shutil.which(name)
    if found is None:
        raise CatalogError(f"{name} is missing (scripts/setup.sh installs gettext)")
    return found


def _msgmerge(msgmerge: str, data: bytes, template: Path, display: str) -> bytes:
    """Merge a catalog's text with the template; return the new catalog's bytes.

    The catalog goes in on stdin, so msgmerge's errors name `<stdin>`: they are reported
    with the catalog's name and line (cleaning keeps the lines where they were).
    """
    try:
        result = subprocess.run(
            [msgmerge, "--quiet", "--previous", f"--width={WIDTH}", "--output-file=-", "-",
             str(template)],
            input=data, capture_output=True, env={**os.environ, "LC_ALL": "C"}, timeout=300,
        )
    except subprocess.TimeoutExpired:
        raise CatalogError("msgmerge took more than 5 minutes; is it a catalog?",
                           display) from None
    stderr = result.stderr.decode("utf-8", "replace")
    if result.returncode:
        raise _gettext_errors("msgmerge", stderr, "<stdin>", display)
    for line in stderr.splitlines():
        log.warning("%s: msgmerge: %s", display, line)
    return result.stdout


def extra_headers(path: Path) -> dict[str, str]:
    """Return a catalog's X- header fields (Babel's reader drops them; polib keeps them)."""
    metadata = polib.pofile(str(path), wrapwidth=WIDTH).metadata
    return {name: value for name, value in metadata.items() if name.startswith("X-")}


def read_catalog(path: Path, root: Path, lang: str | None = None) -> Catalog:
    """Read a .po or .pot file, with errors naming the file and line.

    Previous-text lines (`#|`, `#~|`) and the `# | msgid` comments old updates left are
    skipped: Babel's reader takes the first for comments and refuses the second.
    """
    display = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    return _parse(_clean(read_bytes(path, display)), display, lang)


def read_bytes(path: Path, display: str) -> bytes:
    """Return a catalog's bytes, reading at most the size cap (a special file can claim any
    size or none); refuse a missing, unreadable or oversized file."""
    try:
        with path.open("rb") as handle:  # bounded: a special file can claim any size
            data = handle.read(MAX_CATALOG_BYTES + 1)
    except FileNotFoundError:
        raise CatalogError("file not found", display) from None
    except OSError as error:
        raise CatalogError(f"cannot be read: {error.strerror}", display) from None
    if len(data) > MAX_CATALOG_BYTES:
        raise CatalogError(f"file is larger than {MAX_CATALOG_BYTES} bytes", display)
    return data


def _parse(data: bytes, display: str, lang: str | None) -> Catalog:
    """Parse a catalog's bytes with Babel; errors carry the 1-based line."""
    try:
        return read_po(data.splitlines(keepends=True), locale=lang, domain=DOMAIN,
                       abort_invalid=True)
    except PoFileError as error:
        raise CatalogError(f"syntax error: {_reason(error)}", display, error.lineno + 1) from None
    except (UnicodeDecodeError, LookupError) as error:
        raise CatalogError(f"cannot be read as UTF-8: {error}", display) from None


def _reason(error: PoFileError) -> str:
    """Return Babel's message without its 0-based " on N", with the offending text."""
    message = str(error).removesuffix(f" on {error.lineno}")
    line = error.line.decode("utf-8", "replace") if isinstance(error.line, bytes) else error.line
    return f"{message}: {line.strip()[:80]!r}" if line.strip() else message


# A previous msgid as msgmerge writes it, current or obsolete: `#| msgid "..."`, `#~| ...`.
PREVIOUS = re.compile(rb"\s*#~?\|")
# The same, turned into a translator comment by old Babel-based updates: `# | msgid "..."`.
JUNK = re.compile(rb'# \| (?:(?:msgctxt|msgid|msgid_plural) )?(".*)')


def _clean(data: bytes, keep_previous: bool = False) -> bytes:
    """Blank out junk `# | msgid` comments, and previous msgids unless asked to keep them.

    Lines are blanked, not removed, so every error still names the right line.

    >>> _clean(b'# | msgid "Being older is not a\\n# reason"\\n#| msgid "x"\\nmsgid "y"\\n')
    b'\\n\\n\\nmsgid "y"\\n'
    """
    lines, open_quote = data.splitlines(keepends=True), False
    for number, line in enumerate(lines):
        junk = JUNK.match(line)
        if junk or (open_quote and line.startswith(b"# ")):
            open_quote = _odd_quotes(junk[1]) if junk else open_quote ^ _odd_quotes(line)
            lines[number] = b"\n"
        else:
            open_quote = False
            if not keep_previous and PREVIOUS.match(line):
                lines[number] = b"\n"
    return b"".join(lines)


def _odd_quotes(text: bytes) -> bool:
    """Return whether a piece of PO text leaves a string open (ignoring escaped quotes).

    >>> _odd_quotes(b'skip'), _odd_quotes(b'a \\\\"b\\\\" c"'), _odd_quotes(b'"a"')
    (False, True, False)
    """
    return re.sub(rb"\\.", b"", text).count(b'"') % 2 == 1


def _header_line(path: Path, field: str) -> int | None:
    """Return the line of a header field in a catalog, for error messages."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith(f'"{field}'):
            return number
    return None


def check_syntax(path: Path, display: str) -> None:
    """Run msgfmt's syntax, header and domain checks and raise every error it reports,
    each with file and line.

    Babel's and polib's readers accept broken quoting silently. Header warnings (say, a
    new catalog's Last-Translator) are reported only when msgfmt fails on nothing else.
    """
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        log.warning("%s: not checked: msgfmt is missing (scripts/setup.sh installs gettext)",
                    display)
        return
    result = subprocess.run(
        # Not --check-format: placeholders are an entry rule (brochurekit.safety), so that a
        # dropped one withholds the brochures that print it, named, not the whole catalog.
        [msgfmt, "--check-header", "--check-domain", "-o", os.devnull, str(path)],
        capture_output=True, text=True,
        errors="replace", env={**os.environ, "LC_ALL": "C"},
    )
    if result.returncode:
        raise _gettext_errors("msgfmt", result.stderr, str(path), display)


MAX_ERRORS = 20  # beyond this, the file is likely not a catalog at all
END_OF_LINE = "end-of-line within string"


def _gettext_errors(tool: str, stderr: str, name: str, display: str) -> CatalogError:
    """Turn a gettext tool's messages about file `name` into one error, or a list of them."""
    found = _diagnostics(tool, stderr, name)
    errors = [(line, text) for line, text in found if not text.startswith("warning: ")]
    chosen = list(dict.fromkeys(errors or found))  # warnings only if there is nothing else
    if not chosen:
        first = next((line for line in stderr.splitlines() if line.strip()), "failed")
        return CatalogError(f"{tool}: {first.strip()}", display)
    listed = [CatalogError(f"{tool}: {text}", display, line)
              for line, text in chosen[:MAX_ERRORS]]
    if len(chosen) > MAX_ERRORS:
        listed.append(CatalogError(f"{tool}: {len(chosen) - MAX_ERRORS} more errors after "
                                   f"these: fix the first ones, then check again", display))
    return listed[0] if len(listed) == 1 else CatalogErrors(listed)


def _diagnostics(tool: str, stderr: str, name: str) -> list[tuple[int | None, str]]:
    """Return (line, message) for every message a gettext tool printed about `name`.

    Indented lines continue the message before them and are left out, as is the final
    "found N fatal errors" count.

    >>> _diagnostics("msgfmt", 'a.po:7: end-of-line within string\\n'
    ...              'a.po:9:1: syntax error\\n/usr/bin/msgfmt: found 2 fatal errors\\n',
    ...              "a.po")
    [(6, 'end-of-line within string'), (9, 'syntax error')]
    """
    located = re.compile(rf"{re.escape(name)}:(?:(\d+):(?:\d+:)?)? (.*)")
    program = rf"(?:\S*/)?{re.escape(tool)}: "  # gettext names itself as it was run
    found = []
    for text in stderr.splitlines():
        if not text.strip() or text[0].isspace():
            continue
        if re.fullmatch(rf"{program}found \d+ fatal errors?", text):
            continue
        match = located.fullmatch(text)
        line = int(match[1]) if match and match[1] else None
        message = match[2] if match else re.sub(rf"\A{program}", "", text)
        if message == END_OF_LINE and line:
            line -= 1  # gettext counts the line after the one left open
        found.append((line, message))
    return found


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


def compile_catalogs(root: Path) -> None:
    """Write a .mo file beside every catalog, for tools that want one."""
    status = _pybabel(
        "compile", "-d", str(root / "locales"), "-D", DOMAIN, "--statistics",
    )
    if status:
        raise CatalogError("pybabel compile failed (see the message above)")


# --- Translations for rendering ------------------------------------------------------


Key = tuple[str | None, str]  # (context, msgid)


@dataclass(frozen=True)
class Translator:
    """A language's translations, looked up by (context, msgid); read-only.

    Fuzzy and empty entries are not among its entries: they never reach a PDF. Nor are
    entries that break a translation-safety rule (`rejected`, with why: brochurekit.gate);
    a brochure that would print one is withheld. What one rendering looked up is kept by
    a `Reading` of the translator, not by the translator: it is shared by every brochure
    of its language, in this process and in the build's workers.
    """

    lang: str
    locale: Locale
    entries: Mapping[Key, str] = field(default_factory=dict)
    file: str | None = None
    rejected: Mapping[Key, str] = field(default_factory=dict)
    critical: frozenset[Key] = frozenset()
    reviews: tuple[Review, ...] = ()
    digests: Mapping[Key, str] = field(default_factory=dict)
    template_keys: frozenset[Key] = frozenset()  # printed in every brochure
    ratio: float = 1.0  # its translations' usual length to the English (safety.typical_ratio)

    def review_status(self, keys: set[Key]) -> ReviewStatus | None:
        """Say who reviewed the entries a brochure prints (its units and the templates')."""
        return review_status(self.reviews, self.digests, set(keys) | self.template_keys)

    def translation(self, context: str | None, message: str) -> str | None:
        """Return the translation of `message` in `context`, or None."""
        if self.lang == SOURCE_LANGUAGE:
            return message
        return self.entries.get((context, message))

    def pgettext(self, context: str | None, message: str) -> str:
        """Return the translation of `message` in `context`, or the English text."""
        found = self.translation(context, message)
        return message if found is None else found

    def gettext(self, message: str) -> str:
        """Return the translation of a message that has no context."""
        return self.pgettext(None, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Plural lookups are not used by the templates; refuse rather than guess."""
        raise CatalogError("plural messages are not supported yet", self.file)

    def withdrawn(self, reasons: Mapping[Key, str]) -> Translator:
        """Return this translator without the entries in `reasons`, rejected for them."""
        return replace(self, entries={key: text for key, text in self.entries.items()
                                      if key not in reasons},
                       rejected={**self.rejected, **reasons})

    def reading(self) -> Reading:
        """Start one rendering's lookups."""
        return Reading(self)


@dataclass
class Reading:
    """One rendering's lookups in a Translator: the units it printed and those it had no
    translation for (shown in English)."""

    translator: Translator
    used: set[Key] = field(default_factory=set)
    missing: set[Key] = field(default_factory=set)

    def lookup(self, context: str | None, message: str) -> str | None:
        """Return the translation of `message` in `context`, or None; remember both."""
        if self.translator.lang == SOURCE_LANGUAGE:
            return message
        found = self.translator.translation(context, message)
        self.used.add((context, message))
        if found is None:
            self.missing.add((context, message))
        return found

    def pgettext(self, context: str | None, message: str) -> str:
        """Return the translation of `message` in `context`, or the English text."""
        found = self.lookup(context, message)
        return message if found is None else found

    @property
    def percent(self) -> float:
        """Return the share of the units looked up that have a translation."""
        return translated_percent(self.used, self.missing)


def translated_percent(used: Set[Key], missing: Set[Key]) -> float:
    """Return the share of the units a brochure prints that are translated, in percent."""
    return 100.0 * (len(used) - len(missing)) / len(used) if used else 100.0


def load_translator(root: Path, lang: str) -> Translator:
    """Read a language's catalog into a Translator through the one gate `check` and `build`
    share (brochurekit.gate): entries that break a rule are never printed."""
    from .gate import load_translator as gated  # the gate reads catalogs with this module

    return gated(root, lang)
