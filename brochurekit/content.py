"""Load and validate the English content: topic files and the shared file.

YAML is read as a node tree (safe loader, no aliases, no duplicate keys) so every error
can name the file and the line it comes from.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import ContentError, ContentErrors

SHARED_FILE = "_shared.yaml"
MAX_FILE_BYTES = 1_000_000
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# What each kind of text is, for the translator (the `#.` comment in the catalog).
COMMENTS = {
    "title": "Brochure title. Also used in the running header and the PDF metadata.",
    "summary": "Short summary printed under the title.",
    "notice": "Notice printed under the summary: tells the reader about this brochure's scope.",
    "heading": "Section heading.",
    "subheading": "Subheading inside a section.",
    "paragraph": "Paragraph.",
    "bullets": "Item of a bulleted list.",
    "questions": "A question the patient can ask the care team. Keep it a question.",
    "key-message": "Key message, in the box under the title: one of the two or three things "
                   "the reader must leave with.",
    "key-point": "Item of 'Key points to remember' at the end of the brochure.",
    "alert-heading": "Heading of a warning box: when to call the care team at once.",
    "alert": "Item of a warning box: a sign to report to the care team at once.",
    "figure-caption": "Caption printed under a figure.",
    "figure-alt": "Text alternative of a figure, read aloud by screen readers in place of "
                  "the drawing: say what the figure shows, in full sentences.",
    "figure-label": "Short label inside a figure (column, row, box or legend): keep it short, "
                    "it sits in a narrow box.",
    "support": "What a support service does, in one line, beside its name and phone number "
               "on a clinic's back page (sites/*.yaml).",
}
# Units a patient must never miss: warning signs, doses and schedules, the numbers to call,
# the disclaimer. They print only when translated in full, even in a draft.
CRITICAL_KINDS = ("alert", "alert-heading")
CRITICAL_COMMENT = ("CRITICAL: translate all of it and keep every number, drug name and "
                    "warning; this text is never printed in English or in part.")
BLOCK_KINDS = ("paragraph", "subheading", "bullets", "questions", "alert", "figure")
FIGURE_TYPES = ("timeline", "flow", "cards")
MAX_QUESTIONS = 7  # a group of questions a reader can take in at once
KEY_MESSAGES = (2, 3)  # the box under the title holds two or three sentences
KEY_POINTS = (3, 5)  # "Key points to remember": three to five bullets
# In a timeline row, one character per column: given, may be given, nothing.
TIMELINE_MARKS = {"x": "given", "~": "maybe", ".": "none"}


@dataclass(frozen=True)
class Message:
    """One translatable unit: English text, where it lives and what it is."""

    text: str
    context: str
    kind: str
    file: str
    line: int
    critical: bool = False  # in a section marked `critical: true`, or a warning box

    @property
    def comment(self) -> str:
        """Describe the unit for the translator."""
        if self.critical:
            return f"{COMMENTS[self.kind]} {CRITICAL_COMMENT}"
        return COMMENTS[self.kind]


@dataclass(frozen=True)
class FigureRow:
    """A row of a figure: a timeline track, a flow of steps, or a card."""

    label: Message | None  # timeline: the track; cards: the card's title
    cells: tuple[Message, ...] = ()  # flow: one step per column; cards: the card's text
    pattern: str = ""  # timeline: one mark per column (see TIMELINE_MARKS)

    def messages(self) -> Iterator[Message]:
        """Yield the row's label, then its cells."""
        if self.label:
            yield self.label
        yield from self.cells


@dataclass(frozen=True)
class Figure:
    """A diagram drawn by the templates from data: every word in it is a unit."""

    type: str
    caption: Message
    alt: Message
    columns: tuple[Message, ...]
    rows: tuple[FigureRow, ...]
    legend: tuple[tuple[str, Message], ...] = ()  # timeline: (mark, meaning)
    scale: Message | None = None  # timeline: what its numbered columns count ("Week")

    def messages(self) -> Iterator[Message]:
        """Yield every unit of the figure, in reading order (bare numbers are not units)."""
        if self.scale:
            yield self.scale
        yield from (column for column in self.columns if not column.text.isdigit())
        for row in self.rows:
            yield from row.messages()
        for _, meaning in self.legend:
            yield meaning
        yield self.caption
        yield self.alt


@dataclass(frozen=True)
class Block:
    """A paragraph, a subheading, a list of bullets or questions, a warning box
    (an alert: heading and items) or a figure."""

    kind: str
    items: tuple[Message, ...]
    heading: Message | None = None
    figure: Figure | None = None

    def messages(self) -> Iterator[Message]:
        """Yield the block's units, in reading order."""
        if self.heading:
            yield self.heading
        yield from self.items
        if self.figure:
            yield from self.figure.messages()


@dataclass(frozen=True)
class Section:
    """A heading and its blocks; shared sections carry the sources of their facts."""

    id: str
    heading: Message
    blocks: tuple[Block, ...]
    sources: tuple[Source, ...] = ()
    shared: bool = False

    def messages(self) -> Iterator[Message]:
        """Yield the heading, then every unit of every block."""
        yield self.heading
        for block in self.blocks:
            yield from block.messages()


@dataclass(frozen=True)
class Source:
    """A public page whose facts a brochure retells."""

    id: str
    publisher: str
    title: str
    revised: dt.date | None = None
    reviewed_by: str | None = None
    copyright: int | None = None


@dataclass(frozen=True)
class Reference:
    """A published work that a source page cites."""

    id: str
    authors: tuple[str, ...]
    title: str
    year: int
    editors: tuple[str, ...] = ()
    container: str | None = None
    publisher: str | None = None
    volume: str | None = None
    pages: str | None = None
    doi: str | None = None
    url: str | None = None
    accessed: dt.date | None = None


@dataclass(frozen=True)
class Review:
    """When the project last reviewed a topic, and when it must look again."""

    last_reviewed: dt.date
    next_review_due: dt.date

    def overdue(self, on: dt.date | None) -> bool:
        """Say whether the review was due before `on` (None: a build dated by this review,
        which is never overdue)."""
        return on is not None and self.next_review_due < on


@dataclass(frozen=True)
class Shared:
    """The shared file: sources, references and blocks, by id."""

    file: str
    sources: dict[str, Source]
    references: dict[str, Reference]
    blocks: dict[str, Section]


@dataclass(frozen=True)
class Topic:
    """One brochure's content, in English, with shared blocks resolved."""

    id: str
    file: str
    title: Message
    summary: Message
    notice: Message | None
    scope: str
    sources: tuple[Source, ...]
    review: Review
    references: tuple[Reference, ...]
    sections: tuple[Section, ...]
    disclaimer: Section
    page_budget: int | None = None  # pages the standard edition should fit in
    key_messages: tuple[Message, ...] = ()  # the box under the title
    key_points: tuple[Message, ...] = ()  # "Key points to remember", at the end

    def messages(self) -> Iterator[Message]:
        """Yield every unit the brochure prints, in reading order."""
        yield from _reading_order(self, self.sections)
        yield from self.disclaimer.messages()


def _reading_order(topic: Topic | _TopicDraft, sections: Iterable[Section]) -> Iterator[Message]:
    """Yield a topic's units in the order the brochure prints them, with these sections."""
    yield topic.title
    yield topic.summary
    if topic.notice:
        yield topic.notice
    yield from topic.key_messages
    for section in sections:
        yield from section.messages()
    yield from topic.key_points


# --- YAML with line numbers ----------------------------------------------------------


SAFE_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")
)


# libyaml's parser (PyYAML's C extension) composes about ten times faster than the pure
# Python one; the marks, and so the line numbers, are the same.
_LOADER = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
MAX_DEPTH = 64  # a brochure nests about 8 deep


def _compose(text: str) -> Node | None:
    """Compose YAML with only YAML's plain types, refusing aliases (no document can expand
    beyond its size), any other tag, and nesting deeper than MAX_DEPTH (libyaml's composer
    recurses in C: a document nested 100,000 deep would crash the process)."""
    depth = 0
    for event in yaml.parse(text, Loader=_LOADER):
        if isinstance(event, yaml.AliasEvent):
            raise ContentError("YAML aliases (*name) are not allowed",
                               line=event.start_mark.line + 1)
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise ContentError("YAML nested too deeply", line=event.start_mark.line + 1)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    node = yaml.compose(text, Loader=_LOADER)
    pending = [node] if node is not None else []
    while pending:
        current = pending.pop()
        if current.tag not in SAFE_TAGS:
            raise ContentError(f"YAML tag {current.tag!r} is not allowed",
                               line=current.start_mark.line + 1)
        if isinstance(current, yaml.MappingNode):
            pending.extend(part for pair in reversed(current.value) for part in pair[::-1])
        elif isinstance(current, yaml.SequenceNode):
            pending.extend(reversed(current.value))
    return node


def compose(stream: IO[str] | str, file: str) -> Node:
    """Parse YAML text into a node tree, or raise a ContentError naming the line."""
    text = stream if isinstance(stream, str) else stream.read()
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise ContentError(f"file is larger than {MAX_FILE_BYTES} bytes", file)
    try:
        node = _compose(text)
    except ContentError as error:
        raise ContentError(error.message, file, error.line) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        raise ContentError(f"YAML syntax error: {error.problem}", file, line) from None
    except yaml.YAMLError as error:
        raise ContentError(f"YAML error: {error}", file) from None
    except RecursionError:
        raise ContentError("YAML nested too deeply", file) from None
    if node is None:
        raise ContentError("file is empty", file, 1)
    return node


class Reader:
    """Typed access to YAML nodes, raising ContentError with file, line and path."""

    def __init__(self, file: str):
        self.file = file
        self.critical = False  # inside a section marked `critical: true`

    def fail(self, node: Node, where: str, message: str) -> ContentError:
        """Make an error for a node, to be raised by the caller."""
        return ContentError(f"{where}: {message}", self.file, node.start_mark.line + 1)

    def mapping(
        self, node: Node, where: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
    ) -> dict[str, Node]:
        """Return a mapping's values by key, checking for missing and unknown keys."""
        found = self.keyed(node, where, self.text, "key")
        for key, value_node in found.items():
            if key not in required and key not in optional:
                allowed = ", ".join((*required, *optional))
                key_node = next(k for k, v in node.value if v is value_node)
                raise self.fail(key_node, where, f"unknown key {key!r} (allowed: {allowed})")
        for key in required:
            if key not in found:
                raise self.fail(node, where, f"missing required key {key!r}")
        return found

    def keyed(self, node: Node, where: str, read_key, label: str) -> dict[str, Node]:
        """Return a mapping's values by key, refusing duplicate keys."""
        if not isinstance(node, MappingNode):
            raise self.fail(node, where, f"expected a mapping, got {_describe(node)}")
        found: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = read_key(key_node, where)
            if key in found:
                raise self.fail(key_node, where, f"duplicate {label} {key!r}")
            found[key] = value_node
        return found

    def sequence(self, node: Node, where: str) -> list[Node]:
        """Return a list's items."""
        if not isinstance(node, SequenceNode):
            raise self.fail(node, where, f"expected a list, got {_describe(node)}")
        return list(node.value)

    def text(self, node: Node, where: str) -> str:
        """Return a non-empty string, with runs of whitespace folded to one space."""
        if not isinstance(node, ScalarNode) or node.tag != "tag:yaml.org,2002:str":
            raise self.fail(node, where, f"expected text, got {_describe(node)}")
        value = " ".join(node.value.split())
        if not value:
            raise self.fail(node, where, "expected text, got an empty string")
        return value

    def slug(self, node: Node, where: str) -> str:
        """Return an id made of lowercase letters, digits and single hyphens."""
        value = self.text(node, where)
        if not SLUG.match(value):
            raise self.fail(node, where, f"{value!r} is not a plain slug (a-z, 0-9, '-')")
        return value

    def integer(self, node: Node, where: str) -> int:
        """Return a whole number written in decimal digits (YAML's 0x10, 0b11, 1_0 and +6
        are refused: an editor reads them as something else, or not at all)."""
        if (not isinstance(node, ScalarNode) or node.tag != "tag:yaml.org,2002:int"
                or not re.fullmatch(r"-?[0-9]{1,9}", node.value)):
            raise self.fail(node, where, "expected a whole number in digits, such as 6, got "
                            f"{_describe(node)}")
        return int(node.value)

    def flag(self, node: Node, where: str) -> bool:
        """Return true or false, written as such (not yes, no, on or 1)."""
        if not isinstance(node, ScalarNode) or node.value not in ("true", "false"):
            raise self.fail(node, where, f"expected true or false, got {_describe(node)}")
        return node.value == "true"

    def date(self, node: Node, where: str) -> dt.date:
        """Return a date written as YYYY-MM-DD."""
        if isinstance(node, ScalarNode) and node.tag in (
            "tag:yaml.org,2002:timestamp",
            "tag:yaml.org,2002:str",
        ):
            try:
                return dt.date.fromisoformat(node.value)
            except ValueError:
                pass
        raise self.fail(node, where, f"expected a date (YYYY-MM-DD), got {_describe(node)}")

    def texts(self, node: Node, where: str) -> tuple[str, ...]:
        """Return a list of strings."""
        return tuple(
            self.text(item, f"{where}[{i}]") for i, item in enumerate(self.sequence(node, where))
        )


def _describe(node: Node) -> str:
    """Name a node's type the way a content editor would."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    kind = node.tag.rsplit(":", 1)[-1]
    names = {"str": "text", "int": "a number", "float": "a number", "bool": "true/false",
             "null": "nothing", "timestamp": "a date"}
    shown = node.value if len(node.value) <= 40 else node.value[:37] + "..."
    return f"{names.get(kind, kind)} {shown!r}" if node.value else names.get(kind, kind)


# --- Shared file ---------------------------------------------------------------------


def parse_shared(stream: IO[str] | str, file: str) -> Shared:
    """Parse the shared file: sources, references and blocks."""
    read = Reader(file)
    root = read.mapping(compose(stream, file), "shared file", ("sources", "references", "blocks"))
    sources = {
        key: _source(read, key, node)
        for key, node in _by_id(read, root["sources"], "sources").items()
    }
    references = {
        key: _reference(read, key, node)
        for key, node in _by_id(read, root["references"], "references").items()
    }
    blocks = {
        key: _shared_block(read, key, node, sources)
        for key, node in _by_id(read, root["blocks"], "blocks").items()
    }
    if "disclaimer" not in blocks:
        raise read.fail(root["blocks"], "blocks", "missing the 'disclaimer' block")
    return Shared(file, sources, references, blocks)


def _by_id(read: Reader, node: Node, where: str) -> dict[str, Node]:
    """Return a mapping of slug ids to nodes."""
    return read.keyed(node, where, read.slug, "id")


def _source(read: Reader, key: str, node: Node) -> Source:
    where = f"sources.{key}"
    m = read.mapping(node, where, ("publisher", "title"), ("revised", "reviewed_by", "copyright"))
    return Source(
        id=key,
        publisher=read.text(m["publisher"], f"{where}.publisher"),
        title=read.text(m["title"], f"{where}.title"),
        revised=read.date(m["revised"], f"{where}.revised") if "revised" in m else None,
        reviewed_by=read.text(m["reviewed_by"], f"{where}.reviewed_by")
        if "reviewed_by" in m else None,
        copyright=read.integer(m["copyright"], f"{where}.copyright") if "copyright" in m else None,
    )


_REFERENCE_TEXT = ("container", "publisher", "volume", "pages", "doi", "url")


def _reference(read: Reader, key: str, node: Node) -> Reference:
    where = f"references.{key}"
    m = read.mapping(
        node, where, ("authors", "title", "year"), ("editors", "accessed", *_REFERENCE_TEXT)
    )
    optional = {
        name: read.text(m[name], f"{where}.{name}") for name in _REFERENCE_TEXT if name in m
    }
    if "url" in optional and not optional["url"].startswith("https://"):
        raise read.fail(m["url"], f"{where}.url", "a URL must start with https://")
    return Reference(
        id=key,
        authors=read.texts(m["authors"], f"{where}.authors"),
        title=read.text(m["title"], f"{where}.title"),
        year=read.integer(m["year"], f"{where}.year"),
        editors=read.texts(m["editors"], f"{where}.editors") if "editors" in m else (),
        accessed=read.date(m["accessed"], f"{where}.accessed") if "accessed" in m else None,
        **optional,
    )


def _shared_block(read: Reader, key: str, node: Node, sources: dict[str, Source]) -> Section:
    where = f"blocks.{key}"
    m = read.mapping(node, where, ("heading", "content"), ("sources", "critical"))
    source_ids = read.texts(m["sources"], f"{where}.sources") if "sources" in m else ()
    for i, source_id in enumerate(source_ids):
        if source_id not in sources:
            item = read.sequence(m["sources"], where)[i]
            raise read.fail(item, f"{where}.sources[{i}]", f"unknown source {source_id!r}")
    resolved = tuple(sources[source_id] for source_id in source_ids)
    return _section_body(read, key, m, where, f"shared/{key}", resolved, shared=True)


def _section_body(
    read: Reader, key: str, m: dict[str, Node], where: str, context: str,
    sources: tuple[Source, ...] = (), shared: bool = False,
) -> Section:
    read.critical = "critical" in m and read.flag(m["critical"], f"{where}.critical")
    try:
        heading = _message(read, m["heading"], f"{where}.heading", context, "heading")
        blocks = tuple(
            _block(read, item, f"{where}.content[{i}]", context)
            for i, item in enumerate(read.sequence(m["content"], f"{where}.content"))
        )
    finally:
        read.critical = False
    if not blocks:
        raise read.fail(m["content"], f"{where}.content", "a section needs some content")
    return Section(key, heading, blocks, sources, shared)


def _block(read: Reader, node: Node, where: str, context: str) -> Block:
    m = read.mapping(node, where, (), BLOCK_KINDS)
    if len(m) != 1:
        raise read.fail(node, where, f"a block has exactly one of: {', '.join(BLOCK_KINDS)}")
    ((kind, value),) = m.items()
    where = f"{where}.{kind}"
    if kind in ("paragraph", "subheading"):
        return Block(kind, (_message(read, value, where, context, kind),))
    if kind == "alert":
        alert = read.mapping(value, where, ("heading", "items"))
        return Block(kind, _messages(read, alert["items"], f"{where}.items", context, "alert"),
                     heading=_message(read, alert["heading"], f"{where}.heading", context,
                                      "alert-heading"))
    if kind == "figure":
        return Block(kind, (), figure=_figure(read, value, where, context))
    items = _messages(read, value, where, context, kind)
    if kind == "questions" and len(items) > MAX_QUESTIONS:
        raise read.fail(value, where, f"{len(items)} questions in one group: split them into "
                        f"groups of {MAX_QUESTIONS} or fewer, each under its own subheading")
    return Block(kind, items)


def _messages(read: Reader, node: Node, where: str, context: str, kind: str,
              count: tuple[int, int] | None = None, numbers: bool = False,
              ) -> tuple[Message, ...]:
    """Return a list of units, at least one (or as many as `count` allows); with `numbers`,
    a whole number stands for itself (it is printed as it is, not translated)."""
    items = read.sequence(node, where)
    if numbers:
        items = [_as_text(item) for item in items]
    low, high = count or (1, None)
    if len(items) < low or (high is not None and len(items) > high):
        wanted = f"{low} to {high} items" if high is not None else "at least one item"
        raise read.fail(node, where, f"expected {wanted}, got {len(items)}")
    return tuple(_message(read, item, f"{where}[{i}]", context, kind)
                 for i, item in enumerate(items))


def _as_text(node: Node) -> Node:
    """Read a whole number (a timeline's week) as the text of its digits."""
    if (isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:int"
            and node.value.isdigit()):
        return ScalarNode("tag:yaml.org,2002:str", node.value, node.start_mark, node.end_mark)
    return node


_FIGURE_KEYS = {"timeline": ("columns", "rows", "legend", "scale"), "flow": ("columns", "rows"),
                "cards": ("cards",)}


def _figure(read: Reader, node: Node, where: str, context: str) -> Figure:
    """Parse a figure: its type, caption, text alternative and the data it is drawn from."""
    head = read.mapping(node, where, ("type",), ("caption", "alt", "columns", "rows", "legend",
                                                 "scale", "cards"))
    kind = read.text(head["type"], f"{where}.type")
    if kind not in FIGURE_TYPES:
        raise read.fail(head["type"], f"{where}.type",
                        f"unknown figure type {kind!r} (known: {', '.join(FIGURE_TYPES)})")
    optional = ("scale",) if kind == "timeline" else ()
    keys = tuple(key for key in _FIGURE_KEYS[kind] if key not in optional)
    m = read.mapping(node, where, ("type", "caption", "alt", *keys), optional)
    caption = _message(read, m["caption"], f"{where}.caption", context, "figure-caption")
    alt = _message(read, m["alt"], f"{where}.alt", context, "figure-alt")
    if kind == "cards":
        cards = tuple(_card(read, item, f"{where}.cards[{i}]", context)
                      for i, item in enumerate(read.sequence(m["cards"], f"{where}.cards")))
        if not 2 <= len(cards) <= 5:
            raise read.fail(m["cards"], f"{where}.cards",
                            f"expected 2 to 5 cards, got {len(cards)}")
        return Figure(kind, caption, alt, (), cards)
    columns = _messages(read, m["columns"], f"{where}.columns", context, "figure-label", (2, 9),
                        numbers=True)
    rows_node = m["rows"]
    rows = tuple(
        _timeline_row(read, item, f"{where}.rows[{i}]", context, len(columns)) if kind == "timeline"
        else _flow_row(read, item, f"{where}.rows[{i}]", context, len(columns))
        for i, item in enumerate(read.sequence(rows_node, f"{where}.rows")))
    if not rows:
        raise read.fail(rows_node, f"{where}.rows", "a figure needs at least one row")
    legend = _legend(read, m["legend"], f"{where}.legend", context, rows) if "legend" in m else ()
    scale = (_message(read, m["scale"], f"{where}.scale", context, "figure-label")
             if "scale" in m else None)
    return Figure(kind, caption, alt, columns, rows, legend, scale)


def _card(read: Reader, node: Node, where: str, context: str) -> FigureRow:
    m = read.mapping(node, where, ("title", "text"))
    return FigureRow(_message(read, m["title"], f"{where}.title", context, "figure-label"),
                     (_message(read, m["text"], f"{where}.text", context, "figure-label"),))


def _timeline_row(read: Reader, node: Node, where: str, context: str,
                  width: int) -> FigureRow:
    m = read.mapping(node, where, ("label", "pattern"))
    pattern = read.text(m["pattern"], f"{where}.pattern")
    if len(pattern) != width or set(pattern) - set(TIMELINE_MARKS):
        marks = ", ".join(f"{mark!r} {meaning}" for mark, meaning in TIMELINE_MARKS.items())
        raise read.fail(m["pattern"], f"{where}.pattern",
                        f"expected one mark per column ({width}) from: {marks}; got {pattern!r}")
    return FigureRow(_message(read, m["label"], f"{where}.label", context, "figure-label"),
                     pattern=pattern)


def _flow_row(read: Reader, node: Node, where: str, context: str, width: int) -> FigureRow:
    cells = _messages(read, node, where, context, "figure-label", (width, width))
    return FigureRow(None, cells)


def _legend(read: Reader, node: Node, where: str, context: str,
            rows: tuple[FigureRow, ...]) -> tuple[tuple[str, Message], ...]:
    """Return the meaning of each timeline mark used, keyed by mark."""
    m = read.keyed(node, where, read.text, "mark")
    legend = []
    for mark, value in m.items():
        if mark not in TIMELINE_MARKS or mark == ".":
            raise read.fail(value, where, f"unknown mark {mark!r} (a legend explains x and ~)")
        legend.append((mark, _message(read, value, f"{where}.{mark}", context, "figure-label")))
    used = {mark for row in rows for mark in row.pattern} - {"."}
    missing = used - {mark for mark, _ in legend}
    if missing:
        raise read.fail(node, where, f"the legend must explain the marks {sorted(missing)}")
    return tuple(legend)


def _message(read: Reader, node: Node, where: str, context: str, kind: str) -> Message:
    return Message(read.text(node, where), context, kind, read.file, node.start_mark.line + 1,
                   read.critical or kind in CRITICAL_KINDS)


# --- Topic files ---------------------------------------------------------------------

_TOPIC_REQUIRED = ("id", "title", "summary", "sources", "review", "references", "sections")
_TOPIC_OPTIONAL = ("scope", "notice", "page_budget", "key_messages", "key_points")


@dataclass(frozen=True)
class _TopicDraft:
    """A topic as written, before shared ids are resolved."""

    file: str
    nodes: dict[str, Node]
    id: str
    title: Message
    summary: Message
    notice: Message | None
    scope: str
    review: Review
    sections: tuple[Section | tuple[str, Node], ...]
    page_budget: int | None = None
    key_messages: tuple[Message, ...] = ()
    key_points: tuple[Message, ...] = ()

    def messages(self) -> Iterator[Message]:
        """Yield the topic's own units (shared blocks are in the shared file)."""
        yield from _reading_order(self, (s for s in self.sections if isinstance(s, Section)))


def parse_topic(stream: IO[str] | str, file: str) -> _TopicDraft:
    """Parse a topic file; shared ids stay unresolved until `resolve_topic`."""
    read = Reader(file)
    m = read.mapping(compose(stream, file), "topic", _TOPIC_REQUIRED, _TOPIC_OPTIONAL)
    topic_id = read.slug(m["id"], "id")
    stem = Path(file).stem
    if topic_id != stem:
        raise read.fail(m["id"], "id", f"{topic_id!r} must match the file name {stem!r}")
    review = read.mapping(m["review"], "review", ("last_reviewed", "next_review_due"))
    last = read.date(review["last_reviewed"], "review.last_reviewed")
    due = read.date(review["next_review_due"], "review.next_review_due")
    if due <= last:
        raise read.fail(review["next_review_due"], "review.next_review_due",
                        "must come after review.last_reviewed")
    section_nodes = read.sequence(m["sections"], "sections")
    if not section_nodes:
        raise read.fail(m["sections"], "sections", "a topic needs at least one section")
    return _TopicDraft(
        file=file,
        nodes=m,
        id=topic_id,
        title=_message(read, m["title"], "title", f"{topic_id}/title", "title"),
        summary=_message(read, m["summary"], "summary", f"{topic_id}/summary", "summary"),
        notice=_message(read, m["notice"], "notice", f"{topic_id}/notice", "notice")
        if "notice" in m else None,
        scope=read.slug(m["scope"], "scope") if "scope" in m else "anal-cancer",
        review=Review(last, due),
        page_budget=_page_budget(read, m),
        key_messages=_messages(read, m["key_messages"], "key_messages",
                               f"{topic_id}/key-messages", "key-message", KEY_MESSAGES)
        if "key_messages" in m else (),
        key_points=_messages(read, m["key_points"], "key_points", f"{topic_id}/key-points",
                             "key-point", KEY_POINTS)
        if "key_points" in m else (),
        sections=tuple(
            _topic_section(read, node, f"sections[{i}]", topic_id)
            for i, node in enumerate(section_nodes)
        ),
    )


def _page_budget(read: Reader, m: dict[str, Node]) -> int | None:
    """Return the topic's page budget, a whole number of pages above zero, if it has one."""
    if "page_budget" not in m:
        return None
    pages = read.integer(m["page_budget"], "page_budget")
    if not 1 <= pages <= 100:
        raise read.fail(m["page_budget"], "page_budget", "must be from 1 to 100 pages")
    return pages


def _topic_section(
    read: Reader, node: Node, where: str, topic_id: str
) -> Section | tuple[str, Node]:
    """Parse a section of a topic, or return (shared id, node) for `- shared: <id>`."""
    if isinstance(node, MappingNode) and any(
        isinstance(k, ScalarNode) and k.value == "shared" for k, _ in node.value
    ):
        m = read.mapping(node, where, ("shared",))
        return read.slug(m["shared"], f"{where}.shared"), m["shared"]
    m = read.mapping(node, where, ("id", "heading", "content"), ("critical",))
    section_id = read.slug(m["id"], f"{where}.id")
    return _section_body(read, section_id, m, where, f"{topic_id}/{section_id}")


def resolve_topic(draft: _TopicDraft, shared: Shared) -> Topic:
    """Replace shared ids with the shared sections, sources and references."""
    read = Reader(draft.file)
    sections: list[Section] = []
    seen: dict[str, Node] = {}
    for i, item in enumerate(draft.sections):
        if isinstance(item, Section):
            section, node = item, draft.nodes["sections"].value[i]
        else:
            block_id, node = item
            if block_id not in shared.blocks or block_id == "disclaimer":
                known = ", ".join(sorted(b for b in shared.blocks if b != "disclaimer"))
                raise read.fail(node, f"sections[{i}].shared",
                                f"unknown shared block {block_id!r} (known: {known})")
            section = shared.blocks[block_id]
        if section.id in seen:
            raise read.fail(node, f"sections[{i}]", f"section id {section.id!r} is used twice")
        seen[section.id] = node
        sections.append(section)
    return Topic(
        id=draft.id,
        file=draft.file,
        title=draft.title,
        summary=draft.summary,
        notice=draft.notice,
        scope=draft.scope,
        sources=_lookup(read, draft.nodes["sources"], "sources", shared.sources),
        review=draft.review,
        references=_lookup(read, draft.nodes["references"], "references", shared.references),
        sections=tuple(sections),
        disclaimer=shared.blocks["disclaimer"],
        page_budget=draft.page_budget,
        key_messages=draft.key_messages,
        key_points=draft.key_points,
    )


def _lookup(read: Reader, node: Node, where: str, table: dict) -> tuple:
    """Resolve a list of ids against a table of the shared file."""
    found = []
    for i, item in enumerate(read.sequence(node, where)):
        key = read.slug(item, f"{where}[{i}]")
        if key not in table:
            raise read.fail(item, f"{where}[{i}]", f"unknown id {key!r} (not in {SHARED_FILE})")
        found.append(table[key])
    if where == "sources" and not found:
        raise read.fail(node, where, "a topic needs at least one source")
    return tuple(found)


# --- The whole content tree ----------------------------------------------------------


@dataclass(frozen=True)
class Content:
    """Every topic, validated and resolved, in file-name order."""

    shared: Shared
    topics: tuple[Topic, ...]

    @functools.cached_property
    def keys(self) -> frozenset[tuple[str | None, str]]:
        """Return the catalog key (context, English text) of every unit of every topic."""
        return frozenset((m.context, m.text) for t in self.topics for m in t.messages())

    @functools.cached_property
    def critical_keys(self) -> frozenset[tuple[str | None, str]]:
        """Return the keys of the units marked critical (see CRITICAL_KINDS)."""
        return frozenset((m.context, m.text) for t in self.topics for m in t.messages()
                         if m.critical)

    def topic(self, topic_id: str) -> Topic:
        """Return the topic with this id."""
        for topic in self.topics:
            if topic.id == topic_id:
                return topic
        known = ", ".join(t.id for t in self.topics)
        raise ContentError(f"unknown topic {topic_id!r} (known: {known})")


def load_content(root: Path) -> Content:
    """Load every topic under `root/brochures`; report all broken files at once."""
    directory = root / "brochures"
    errors: list[ContentError] = []
    shared_path = directory / SHARED_FILE
    try:
        shared = parse_shared(_read(shared_path, root), _display(shared_path, root))
    except ContentError as error:
        raise ContentErrors([error]) from None
    topics = []
    for path in sorted(directory.glob("*.yaml")):
        if path.name == SHARED_FILE:
            continue
        try:
            draft = parse_topic(_read(path, root), _display(path, root))
            topics.append(resolve_topic(draft, shared))
        except ContentError as error:
            errors.append(error)
    if errors:
        raise ContentErrors(errors)
    if not topics:
        raise ContentErrors([ContentError("no topic files found", _display(directory, root))])
    return Content(shared, tuple(topics))


def _read(path: Path, root: Path) -> str:
    """Read a UTF-8 file, with a ContentError if it is too big or not UTF-8."""
    display = _display(path, root)
    try:
        with path.open("rb") as handle:  # bounded: a special file can claim any size
            data = handle.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise ContentError(f"file is larger than {MAX_FILE_BYTES} bytes", display)
        return data.decode("utf-8")
    except FileNotFoundError:
        raise ContentError("file not found", display) from None
    except OSError as error:
        raise ContentError(f"cannot be read: {error.strerror}", display) from None
    except UnicodeDecodeError as error:
        reason = f"not UTF-8 text ({error.reason} at byte {error.start})"
        raise ContentError(reason, display) from None


def _display(path: Path, root: Path) -> str:
    """Show a path relative to the project root, as catalogs and errors do."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
