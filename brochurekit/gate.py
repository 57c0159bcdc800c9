"""One gate for every catalog: what `check` reports is what `build` and `release` enforce.

`validate_catalog` reads a language's catalog the one way both commands read it (a bounded
read, UTF-8 only, msgfmt's syntax check, the headers), then runs the translation-safety
rules (brochurekit.safety) and the glossary on every translated entry. `check` prints the
findings; `build` withholds any brochure that would print an entry with an error.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
import shutil
import sys
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import NamedTuple

from babel.messages.catalog import Catalog

from .catalogs import (
    REVIEWED_BY,
    REVIEWED_ON,
    SOURCE_LANGUAGE,
    Translator,
    catalog_path,
    check_syntax,
    languages,
    read_bytes,
    read_catalog,
    validate_language,
)
from .content import Content, load_content
from .errors import CatalogError
from .files import write_atomically
from .glossary import MAX_BYTES as GLOSSARY_MAX_BYTES
from .glossary import fold, glossary_path, load_glossary
from .review import entry_digest, load_reviews, unreviewed
from .safety import Entry, EntryChecker, typical_ratio

log = logging.getLogger(__name__)

Key = tuple[str | None, str]
# What a catalog that passed read_validated held, by language, keyed by its bytes and the
# code that read it: a build with nothing to do reads no catalog with Babel or msgfmt.
READ_CACHE = Path("build") / "catalog-cache"
CHARSET = re.compile(rb'^"Content-Type:[^"]*charset=([^"\\\s;]+)', re.MULTILINE)


@dataclass(frozen=True)
class Finding:
    """One problem, where it is and why."""

    level: str  # "error" or "warning"
    rule: str
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        place = f"{self.file}:{self.line}" if self.line else self.file
        return f"{place}: {self.level}: [{self.rule}] {self.message}"


@dataclass
class CatalogCheck:
    """A validated catalog and what its entries break."""

    lang: str
    file: str
    catalog: Catalog
    findings: list[Finding] = field(default_factory=list)
    errors: dict[Key, Finding] = field(default_factory=dict)  # the first error of each entry


def read_validated(root: Path, lang: str) -> tuple[Catalog, list[Finding]]:
    """Read a catalog as `check` and `build` both do; raise CatalogError when it cannot be
    trusted as a whole, and return warnings about its headers."""
    validate_language(lang)
    path = catalog_path(root, lang)
    display = path.relative_to(root).as_posix()
    raw = read_bytes(path, display)
    if b"\0" in raw:
        line = raw[: raw.index(b"\0")].count(b"\n") + 1
        raise CatalogError("a NUL byte: gettext tools and this pipeline would read different "
                           "text", display, line)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise CatalogError(f"not valid UTF-8 ({error.reason} at byte {error.start})", display,
                           line) from None
    declared = CHARSET.search(raw)
    if declared is None or declared[1].decode("ascii", "replace").lower() not in ("utf-8",
                                                                                  "utf8"):
        line = raw[: declared.start()].count(b"\n") + 1 if declared else None
        charset = declared[1].decode("ascii", "replace") if declared else "none"
        raise CatalogError(f"the Content-Type header must say charset=UTF-8, not {charset}",
                           display, line)
    catalog = read_catalog(path, root, lang)
    check_syntax(path, display)
    declared_lang = dict(catalog.mime_headers).get("Language", "")
    if declared_lang != lang:
        raise CatalogError(
            f"the Language header says {declared_lang!r} but the catalog is in the {lang!r} "
            "folder", display, _line_of(raw, b'"Language:'))
    warnings = []
    for name in (REVIEWED_BY, REVIEWED_ON):
        line = _line_of(raw, f'"{name}:'.encode())
        if line:
            warnings.append(Finding(
                "warning", "review", display, line,
                f"{name} is ignored: a review is recorded in locales/{lang}/review.yaml, "
                "which the repository's owners keep"))
    return catalog, warnings


def _line_of(raw: bytes, start: bytes) -> int | None:
    """Return the line of the first line starting with `start`."""
    for number, line in enumerate(raw.splitlines(), 1):
        if line.startswith(start):
            return number
    return None


class Message(NamedTuple):
    """A catalog entry as a Translator needs it (a tuple: a catalog holds thousands, and a
    build with nothing to do reads them all from the cache)."""

    context: str | None
    id: str | tuple[str, ...]  # a tuple for a plural message
    string: str
    fuzzy: bool
    lineno: int
    digest: str  # review.entry_digest: what a review of this entry covers


def read_messages(root: Path, lang: str) -> tuple[list[Message], float]:
    """Return a catalog's entries (the header aside), read and validated as
    `read_validated` does, or as it did last time for these very bytes, and the usual
    length of its translations to their English (safety.typical_ratio)."""
    path = catalog_path(root, lang)
    display = path.relative_to(root).as_posix()
    msgfmt = shutil.which("msgfmt")
    key = hashlib.sha256(f"{lang}|{msgfmt}|{_reader_version()}\0".encode()
                         + read_bytes(path, display)).hexdigest()
    cached = root / READ_CACHE / f"{lang}.json"
    try:
        data = json.loads(cached.read_text(encoding="utf-8"))
        if data["key"] == key:
            return [Message(c, tuple(i) if isinstance(i, list) else i, s, f, n, d)
                    for c, i, s, f, n, d in data["messages"]], float(data["ratio"])
    except (OSError, ValueError, KeyError, TypeError):
        pass  # none yet, or unreadable: read the catalog
    catalog, _ = read_validated(root, lang)
    messages = [Message(m.context, m.id, m.string, m.fuzzy, m.lineno,
                        entry_digest(m.context, m.id, m.string)) for m in catalog if m.id]
    ratio = typical_ratio((m.id, m.string) for m in messages
                          if m.string and not m.fuzzy and isinstance(m.id, str))
    if msgfmt is not None:  # without msgfmt, each build says the syntax went unchecked
        record = {"key": key, "ratio": ratio,
                  "messages": [[m.context, m.id, m.string, m.fuzzy, m.lineno, m.digest]
                               for m in messages]}
        try:
            write_atomically(cached, json.dumps(record, ensure_ascii=False).encode())
        except OSError as error:
            log.debug("%s: not kept (%s)", cached, error)
    return messages, ratio


@functools.cache
def _reader_version() -> str:
    """Name the code that reads catalogs: Babel's version and this package's source."""
    digest = hashlib.sha256(version("babel").encode())
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def validate_catalog(root: Path, lang: str, content: Content,
                     languages: tuple[str, ...]) -> CatalogCheck:
    """Read a catalog and run every entry rule and the glossary on its translations."""
    catalog, findings = read_validated(root, lang)
    display = catalog_path(root, lang).relative_to(root).as_posix()
    result = CatalogCheck(lang, display, catalog, findings)
    glossary = load_glossary(root, lang)
    if glossary is None:
        result.findings.append(Finding(
            "warning", "glossary", display, None,
            f"no glossary: add locales/{lang}/glossary.csv with the approved translation "
            "of each drug and procedure"))
    critical = critical_keys(content)
    messages = [m for m in catalog if m.id and m.string and not m.fuzzy
                and isinstance(m.id, str)]
    entries = [Entry(m.context, m.id, m.string, (m.context, m.id) in critical)
               for m in messages]
    checker = EntryChecker.for_entries(lang, catalog.locale or validate_language(lang),
                                       glossary, entries, languages)
    for message, entry in zip(messages, entries, strict=True):
        for problem in checker.problems(entry):
            finding = Finding(problem.level, problem.rule, display, message.lineno,
                              problem.message)
            result.findings.append(finding)
            if problem.level == "error":
                result.errors.setdefault((message.context, message.id), finding)
    reviews = load_reviews(root, lang)
    digests = {(m.context, m.id): entry_digest(m.context, m.id, m.string) for m in messages}
    lines = {(m.context, m.id): m.lineno for m in messages}
    for key in unreviewed(reviews, digests):
        latest = max(reviews, key=lambda r: r.date)
        result.findings.append(Finding(
            "warning", "review", display, lines[key],
            f"not covered by the review of {latest.date.isoformat()} ({latest.reviewer}): "
            "changed or added since; the back page says so"))
    if glossary:
        for source, targets in glossary.variations((e.source, e.target) for e in entries)\
                .items():
            where = next((m.lineno for m, e in zip(messages, entries, strict=True)
                          if any(fold(t) in fold(e.target) for t in targets)), None)
            result.findings.append(Finding(
                "warning", "glossary", display, where,
                f"{source!r} is translated two ways: {', '.join(sorted(targets))}; use one"))
    return result


def critical_keys(content: Content) -> frozenset[Key]:
    """Return the units marked critical in the content (see content.CRITICAL_KINDS)."""
    return content.critical_keys


def load_translator(root: Path, lang: str, content: Content | None = None,
                    enforce: bool = True) -> Translator:
    """Read a language's catalog into a Translator; with `enforce`, entries that break a
    rule move from its entries to its rejected ones (a build may enforce later, only for
    the languages it has brochures to render)."""
    locale = validate_language(lang)
    if lang == SOURCE_LANGUAGE:
        return Translator(lang, locale)
    content = content or load_content(root)
    messages, ratio = read_messages(root, lang)
    display = catalog_path(root, lang).relative_to(root).as_posix()
    entries, digests = {}, {}
    for message in messages:
        if message.fuzzy or not message.string:
            continue
        if isinstance(message.id, tuple):
            raise CatalogError("plural messages are not supported yet", display, message.lineno)
        key = (message.context, message.id)
        entries[key] = message.string
        digests[key] = message.digest
    translator = Translator(
        lang, locale, entries, display, critical=critical_keys(content),
        reviews=load_reviews(root, lang), digests=digests, ratio=ratio,
        template_keys=frozenset({(m.context, m.id) for m in messages} - content.keys))
    return enforce_rules(root, translator, content) if enforce else translator


def enforce_rules(root: Path, translator: Translator, content: Content) -> Translator:
    """Run every rule on a translator's catalog; return it without the entries that break
    one, each rejected with the first rule it breaks.

    What the rules withdrew is kept in build/catalog-cache/<lang>.rules.json, keyed by
    everything they read (_rules_key): while none of it changes, a build withdraws the same
    entries without running them again."""
    lang = translator.lang
    key = _rules_key(root, lang, content)
    cached = root / READ_CACHE / f"{lang}.rules.json"
    try:
        data = json.loads(cached.read_text(encoding="utf-8"))
        if data["key"] == key:
            return translator.withdrawn({(context, text): why
                                         for context, text, why in data["withdrawn"]})
    except (OSError, ValueError, KeyError, TypeError):
        pass  # none yet, unreadable or for other inputs: run the rules
    validated = validate_catalog(root, lang, content, tuple(languages(root)[1:]))
    withdrawn = {entry: f"{finding.file}:{finding.line}: [{finding.rule}] {finding.message}"
                 for entry, finding in validated.errors.items()}
    record = {"key": key, "withdrawn": sorted(
        ([context, text, why] for (context, text), why in withdrawn.items()),
        key=lambda row: (row[0] or "", row[1]))}
    try:
        write_atomically(cached, json.dumps(record, ensure_ascii=False).encode())
    except OSError as error:
        log.debug("%s: not kept (%s)", cached, error)
    return translator.withdrawn(withdrawn)


def _rules_key(root: Path, lang: str, content: Content) -> str:
    """Digest everything the rules' verdict on a catalog depends on: its bytes, its
    glossary's, the units marked critical, the project's languages (the wrong-language
    rule tells them apart), this package's code and the libraries the rules run."""
    path = catalog_path(root, lang)
    digest = hashlib.sha256(f"rules|{lang}|{sys.version}|{_rules_version()}|".encode())
    digest.update(hashlib.sha256(read_bytes(path, path.relative_to(root).as_posix()))
                  .digest())
    try:
        with glossary_path(root, lang).open("rb") as handle:  # bounded, as load_glossary
            digest.update(hashlib.sha256(handle.read(GLOSSARY_MAX_BYTES + 1)).digest())
    except FileNotFoundError:
        digest.update(b"no glossary")
    critical = sorted(content.critical_keys, key=lambda entry: (entry[0] or "", entry[1]))
    digest.update(json.dumps([critical, languages(root)], ensure_ascii=False).encode())
    return digest.hexdigest()


@functools.cache
def _rules_version() -> str:
    """Name the code the rules run: this package's (_reader_version, Babel's included),
    translate-toolkit's and langid's."""
    return "|".join([_reader_version(), version("translate-toolkit"), version("langid")])
