"""Health-literacy checks on the English content, and the digest its scoring rests on.

The published instruments (AHRQ's PEMAT-P, the CDC Clear Communication Index) are scored
by people, item by item, in docs/health-literacy/<topic>.md. What a program can see on
its own is checked here, so that a content change cannot silently take away what the
scores rely on: a key-message box, key points, a figure, a warning box, numerals for
stages, no acronym used only once. Each sheet records the digest of the English it
scored; tests/test_literacy.py fails when the content changes and the sheet does not.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from .content import Topic

SHEETS = "docs/health-literacy"
# "stage IV", "stages II and III": patients read numerals ("stage 4") more easily.
ROMAN_STAGE = re.compile(r"\b[Ss]tages?\s+(?:I{1,3}|IV|0 to I{1,3}|I{1,3} to IV)\b")
# An acronym standing on its own: APR, HIV. Not a term joined to digits such as 5-FU.
ACRONYM = re.compile(r"(?<![\w-])[A-Z][A-Z0-9]+(?![\w-])")


@dataclass(frozen=True)
class Problem:
    """One thing the content lacks or does, where it is and why it matters."""

    file: str
    line: int
    message: str


def problems(topic: Topic) -> Iterator[Problem]:
    """Yield what a topic lacks against the health-literacy sheets' requirements."""
    where = (topic.file, topic.title.line)
    if not topic.key_messages:
        yield Problem(*where, "no key_messages: the box under the title with the 2 or 3 "
                      "things the reader must leave with (CDC index items 1-3)")
    if not topic.key_points:
        yield Problem(*where, "no key_points: 3 to 5 bullets at the end (PEMAT-P item 11)")
    kinds = {block.kind for section in topic.sections for block in section.blocks}
    if "figure" not in kinds:
        yield Problem(*where, "no figure: one visual that supports the main message "
                      "(CDC index item 4, PEMAT-P items 15-18)")
    if "alert" not in kinds:
        yield Problem(*where, "no alert box: say when to call the care team at once "
                      "(CDC index items 12-14)")
    yield from _wording(topic)


def _wording(topic: Topic) -> Iterator[Problem]:
    """Yield Roman stage numbers and acronyms that are used only once."""
    uses: Counter[str] = Counter()
    first = {}
    for message in topic.messages():
        for match in ROMAN_STAGE.finditer(message.text):
            yield Problem(message.file, message.line,
                          f"{match.group()!r}: write stages as numerals (stage 4, not IV)")
        for acronym in ACRONYM.findall(message.text):
            uses[acronym] += 1
            first.setdefault(acronym, message)
    for acronym, count in uses.items():
        if count == 1:
            message = first[acronym]
            yield Problem(message.file, message.line, f"the acronym {acronym!r} is used only "
                          "once: write the words instead")


def content_digest(topic: Topic) -> str:
    """Return a short digest of the English a topic prints, as its scoring sheet records it."""
    digest = hashlib.sha256()
    for message in topic.messages():
        digest.update(f"{message.context}\x1f{message.text}\x1e".encode())
    return digest.hexdigest()[:16]
