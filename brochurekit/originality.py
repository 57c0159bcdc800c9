"""Find word runs the English content shares with the source pages it retells.

The brochures take facts from copyrighted pages, never sentences. This compares each unit
with the pages (plain text, kept outside the repository) the way `overlap.py` in the
shared tools does: the same words, the same cut-off of reference lists, the same spans.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .content import Message
from .errors import BrochureError, ErrorList

DEFAULT_WORDS = 8  # the shortest shared run worth reporting
MIN_WORDS = 3  # shorter runs ("of the cancer") are everyday English, not copying
MAX_SOURCE_BYTES = 5_000_000

# Where a source page's own prose ends. What follows (its reference list, its authors and
# review block) is facts a brochure may rightly repeat, such as the titles of cited works.
STOPS = ("- Written by", "Expert review and references", "References\n",
         "The American Cancer Society medical and editorial content team")

WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class SourcePage:
    """One source page: its file name and the words of its prose."""

    name: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class Passage:
    """A run of words one unit shares with source pages, quoted as the unit writes it."""

    file: str
    line: int
    quote: str
    words: int
    sources: tuple[str, ...]


def words(text: str) -> list[str]:
    """Return the words of text: lowercase, apostrophes dropped, runs of [a-z0-9].

    >>> words("Don’t stop: 5-FU, then RE-CHECK. It's “safe”.")
    ['dont', 'stop', '5', 'fu', 'then', 're', 'check', 'its', 'safe']
    >>> words("Café naïve")
    ['caf', 'na', 've']
    """
    return WORD.findall(text.lower().replace("\u2019", "'").replace("'", ""))


def source_body(text: str) -> str:
    """Cut a source page at the first marker of its reference list or review block.

    >>> source_body("Surgery can help.\\nReferences\\nSmith J. Surgery. 2020.")
    'Surgery can help.\\n'
    """
    for stop in STOPS:
        text = text.split(stop)[0]
    return text


def merge_spans(starts: Iterable[int], n: int) -> list[tuple[int, int]]:
    """Join shared runs of n words, given where each starts, into maximal spans.

    Runs that overlap or touch become one span, as in `overlap.py`: every word of a span
    is in some shared run.

    >>> merge_spans([0, 1, 2, 9, 12, 20], 3)
    [(0, 5), (9, 15), (20, 23)]
    >>> merge_spans([], 8)
    []
    """
    spans: list[tuple[int, int]] = []
    for start in starts:
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], start + n)
        else:
            spans.append((start, start + n))
    return spans


def shared_passages(units: Sequence[Message], pages: Iterable[SourcePage],
                    n: int) -> list[Passage]:
    """Return every maximal run of n or more words a unit shares with any page."""
    if n < MIN_WORDS:
        raise ValueError(f"runs must be {MIN_WORDS} words or more, got {n}")
    tokens = [_tokens(unit.text) for unit in units]
    wanted = {run for toks in tokens for run in _runs([t[0] for t in toks], n)}
    found: dict[tuple[str, ...], set[str]] = {}
    for page in pages:
        for run in _runs(page.words, n):
            if run in wanted:
                found.setdefault(run, set()).add(page.name)
    passages = []
    for unit, toks in zip(units, tokens, strict=True):
        passages.extend(_passages(unit, toks, found, n))
    return passages


def _passages(unit: Message, toks: list[tuple[str, int, int]],
              found: dict[tuple[str, ...], set[str]], n: int) -> list[Passage]:
    """Return the shared spans of one unit, each quoted from its text with its pages."""
    unit_words = [t[0] for t in toks]
    runs = list(_runs(unit_words, n))
    starts = [i for i, run in enumerate(runs) if run in found]
    passages = []
    for start, end in merge_spans(starts, n):
        names = set().union(*(found[runs[i]] for i in starts if start <= i < end))
        quote = " ".join(unit.text[toks[start][1]:toks[end - 1][2]].split())
        passages.append(Passage(unit.file, unit.line, quote, end - start,
                                tuple(sorted(names))))
    return passages


def _runs(sequence: tuple[str, ...] | list[str], n: int) -> Iterator[tuple[str, ...]]:
    """Yield every run of n consecutive words, in order."""
    for i in range(len(sequence) - n + 1):
        yield tuple(sequence[i:i + n])


def _tokens(text: str) -> list[tuple[str, int, int]]:
    """Return the words of text as `words` finds them, each with its start and end in text.

    >>> _tokens("It’s 5-FU")
    [('its', 0, 4), ('5', 5, 6), ('fu', 7, 9)]
    """
    folded: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        for part in char.lower().replace("\u2019", "'").replace("'", ""):
            folded.append(part)
            origin.append(index)
    return [(m.group(), origin[m.start()], origin[m.end() - 1] + 1)
            for m in WORD.finditer("".join(folded))]


def load_sources(directory: Path) -> tuple[SourcePage, ...]:
    """Read every *.txt page in a folder; report every unreadable one at once."""
    if not directory.is_dir():
        raise BrochureError("not a folder", str(directory))
    paths = sorted(p for p in directory.glob("*.txt") if p.is_file())
    if not paths:
        raise BrochureError("no *.txt files in this folder", str(directory))
    pages, errors = [], []
    for path in paths:
        try:
            pages.append(SourcePage(path.name, tuple(words(source_body(_read(path))))))
        except BrochureError as error:
            errors.append(error)
    if errors:
        raise ErrorList(errors)
    return tuple(pages)


def _read(path: Path) -> str:
    """Read a UTF-8 source page, refusing one too big to be a page."""
    try:
        if path.stat().st_size > MAX_SOURCE_BYTES:
            raise BrochureError(f"file is larger than {MAX_SOURCE_BYTES} bytes", str(path))
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        reason = f"not UTF-8 text ({error.reason} at byte {error.start})"
        raise BrochureError(reason, str(path)) from None
    except OSError as error:
        raise BrochureError(f"cannot read it: {error.strerror}", str(path)) from None
