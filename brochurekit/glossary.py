"""Glossaries (termbases): the approved translation of each drug, procedure and key term.

One per language, `locales/<lang>/glossary.csv`, in the CSV layout Weblate imports as a
glossary and translate-toolkit's `csv2tbx` turns into TBX:

    source,target,status,note
    mitomycin,mitomycine,preferred,drug (international name)
    ablation,ablation,forbidden,"alone it means removal: say how the tumour is destroyed"

`status` is `preferred` (the approved translation: one per source term), `admitted` (an
accepted alternative; a catalog using both is reported) or `forbidden` (a false friend or
a wrong name). Matching ignores case, and a target matches inside a longer word, so write
the shortest form that every inflection contains ("quimiorradioterapia", not the plural).
An English term matches as a whole word, also in its plural.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import CatalogError

FILE_NAME = "glossary.csv"
COLUMNS = ["source", "target", "status", "note"]
STATUSES = ("preferred", "admitted", "forbidden")
MAX_BYTES = 1_000_000


@dataclass(frozen=True)
class Term:
    """One row of a glossary."""

    source: str
    target: str
    status: str
    note: str
    line: int


@dataclass(frozen=True)
class Glossary:
    """A language's approved, admitted and forbidden translations of English terms."""

    file: str
    terms: tuple[Term, ...]

    def sources(self) -> list[str]:
        """Return the English terms, once each, in file order."""
        return list(dict.fromkeys(term.source for term in self.terms))

    def approved(self, source: str) -> list[Term]:
        """Return the preferred and admitted translations of an English term."""
        return [t for t in self.terms if t.source == source and t.status != "forbidden"]

    def problems(self, english: str, translation: str) -> Iterator[tuple[str, str]]:
        """Yield (level, message) for each glossary term the translation gets wrong."""
        folded, english = fold(translation), fold(english)
        mentioned = [source for source in self.sources() if _mention(source).search(english)]
        # A forbidden form inside an approved one ("ablation" in "cryoablation") is fine.
        rest = folded
        for source in mentioned:
            for term in self.approved(source):
                rest = rest.replace(fold(term.target), " ")
        for source in mentioned:
            approved = self.approved(source)
            if not any(fold(term.target) in folded for term in approved):
                wanted = " or ".join(repr(t.target) for t in approved)
                yield "error", (f"{source!r} must be translated as {wanted} "
                                f"({self.file}:{approved[0].line})")
                continue
            for term in self.terms:
                if term.source == source and term.status == "forbidden" \
                        and fold(term.target) in rest:
                    note = f": {term.note}" if term.note else ""
                    yield "error", (f"{term.target!r} is forbidden for {source!r}{note} "
                                    f"({self.file}:{term.line})")

    def variations(self, pairs: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
        """Return the English terms a catalog translates in more than one approved way,
        with the targets it uses."""
        used: dict[str, set[str]] = {}
        sources = self.sources()
        for english, translation in pairs:
            folded, said = fold(translation), fold(english)
            for source in sources:
                if _mention(source).search(said):
                    for term in self.approved(source):
                        if fold(term.target) in folded:
                            used.setdefault(source, set()).add(term.target)
        return {source: targets for source, targets in used.items() if len(targets) > 1}


def fold(text: str) -> str:
    """Fold case, Unicode form, apostrophes and no-break spaces, for matching."""
    text = unicodedata.normalize("NFC", text).casefold()
    return text.replace("’", "'").replace("\u00a0", " ").replace("\u202f", " ")


def mentions(english: str, term: str) -> bool:
    """Say whether English text contains a term as whole words (or its plural)."""
    return _mention(term).search(fold(english)) is not None


@functools.lru_cache(maxsize=4096)
def _mention(term: str) -> re.Pattern[str]:
    """Return the pattern of a term as whole words (or its plural), in folded text."""
    return re.compile(rf"(?<![^\W_]){re.escape(fold(term))}(?:e?s)?(?![^\W_])")


def glossary_path(root: Path, lang: str) -> Path:
    """Return where a language's glossary lives."""
    return root / "locales" / lang / FILE_NAME


def load_glossary(root: Path, lang: str) -> Glossary | None:
    """Read a language's glossary, or return None when it has none."""
    path = glossary_path(root, lang)
    display = path.relative_to(root).as_posix()
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        return None
    if len(data) > MAX_BYTES:
        raise CatalogError(f"file is larger than {MAX_BYTES} bytes", display)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CatalogError(f"cannot be read as UTF-8: {error}", display) from None
    return Glossary(display, tuple(_terms(text, display)))


def _terms(text: str, display: str) -> list[Term]:
    """Parse and validate the rows of a glossary."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header != COLUMNS:
        raise CatalogError(f"the first line must be {','.join(COLUMNS)}, got "
                           f"{','.join(header or [])!r}", display, 1)
    terms: list[Term] = []
    preferred: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(COLUMNS):
            raise CatalogError(f"expected {len(COLUMNS)} columns, got {len(row)}", display,
                               line)
        source, target, status, note = (cell.strip() for cell in row)
        if not source or not target:
            raise CatalogError("source and target must not be empty", display, line)
        if status not in STATUSES:
            raise CatalogError(f"status must be one of {', '.join(STATUSES)}, got "
                               f"{status!r}", display, line)
        if status == "preferred":
            if source in preferred:
                raise CatalogError(f"{source!r} already has a preferred translation on "
                                   f"line {preferred[source]}", display, line)
            preferred[source] = line
        terms.append(Term(source, target, status, note, line))
    for term in terms:
        if term.source not in preferred:
            raise CatalogError(f"{term.source!r} has no preferred translation", display,
                               term.line)
    return terms
