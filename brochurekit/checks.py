"""Check the catalogs and the English source: completeness, quality, readability, dates,
and, given the source pages, word runs copied from them.

Each problem is a `Finding` with the file and line of the entry, a rule name and a short
reason, in the spirit of translate-toolkit's pofilter and Weblate's checks. Errors fail
the check; warnings fail it only with --strict.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path

import textstat
from babel.messages.catalog import Catalog, Message

from . import literacy
from .catalogs import catalog_path, languages, read_catalog, template_path
from .content import Content, Topic
from .content import Message as Unit
from .originality import DEFAULT_WORDS, SourcePage, shared_passages

READING_GRADE = 8.0  # plain language: school grade 8 or below
SOURCE_MAX_AGE_YEARS = 5
TEMPLATES = "(templates)"  # the pseudo-topic for strings of templates and code

# Terms that stay as written in every language. Abbreviations such as APR are not here:
# French rightly writes AAP after the first mention. They may still be copied as they are.
INVARIANT_TERMS = ("5-FU", "I-131")
MAY_STAY_ENGLISH = (*INVARIANT_TERMS, "APR", "EBRT", "RFA", "CT", "HIV", "HPV")
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s")
INVARIANTS = re.compile(
    r"%\([a-z_]+\)s"                      # placeholders
    r"|https?://[^\s)]+"                  # URLs
    r"|\b10\.\d{4,9}/[^\s)]+"             # DOIs
    r"|\+?\d[\d ().-]{7,}\d"              # phone numbers
    r"|\d+(?:[.,]\d+)?"                   # numbers, doses
)
MARKUP = re.compile(r"</?[A-Za-z][^>]*>|&[A-Za-z]+;|&#\d+;|\*\*")
BRACKETS = {"(": ")", "[": "]", "{": "}", "（": "）", "«": "»", "“": "”", "「": "」"}


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


@dataclass(frozen=True)
class Stats:
    """How much of one topic a language has translated."""

    lang: str
    topic: str
    total: int
    translated: int
    fuzzy: int

    @property
    def untranslated(self) -> int:
        """Count the units with no translation at all."""
        return self.total - self.translated - self.fuzzy

    @property
    def percent(self) -> float:
        """Return the share of units translated and not fuzzy."""
        return 100.0 * self.translated / self.total if self.total else 100.0


@dataclass
class Report:
    """Everything `check` found."""

    stats: list[Stats] = field(default_factory=list)
    obsolete: dict[str, int] = field(default_factory=dict)
    readability: dict[str, float] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    shared_words: int | None = None  # the run length compared with the source pages, if any

    def failed(self, strict: bool) -> bool:
        """Say whether a rule failed: any error, or any warning when strict."""
        return any(f.level == "error" or strict for f in self.findings)

    def as_json(self) -> dict:
        """Return the report as plain data."""
        return {
            "stats": [{**asdict(s), "untranslated": s.untranslated,
                       "percent": round(s.percent, 1)} for s in self.stats],
            "obsolete": self.obsolete,
            "readability": {topic: round(grade, 1) for topic, grade in self.readability.items()},
            "findings": [asdict(f) for f in self.findings],
        }


def check(root: Path, content: Content, threshold: float, today: dt.date,
          sources: tuple[SourcePage, ...] = (), words: int = DEFAULT_WORDS) -> Report:
    """Check every catalog against the template, and the English content itself."""
    report = Report()
    check_source(content, today, report)
    if sources:
        check_originality(content, sources, words, report)
    template = read_catalog(template_path(root), root)
    units = _units_by_topic(content, template)
    for lang in languages(root)[1:]:
        path = catalog_path(root, lang)
        display = path.relative_to(root).as_posix()
        catalog = read_catalog(path, root, lang)
        report.obsolete[lang] = len(catalog.obsolete)
        for topic_id, keys in units.items():
            stats = _stats(lang, topic_id, keys, catalog)
            report.stats.append(stats)
            if stats.percent < threshold:
                report.findings.append(Finding(
                    "error", "completeness", display, None,
                    f"{topic_id}: {stats.percent:.0f}% translated ({stats.fuzzy} fuzzy, "
                    f"{stats.untranslated} untranslated), below the {threshold:g}% threshold"))
        report.findings.extend(check_entries(catalog, display))
    return report


def _units_by_topic(content: Content, template: Catalog) -> dict[str, set]:
    """Return the catalog keys each topic prints; template strings form their own row."""
    units = {topic.id: {(m.context, m.text) for m in topic.messages()} for topic in content.topics}
    content_keys = set().union(*units.values())
    units[TEMPLATES] = {(m.context, m.id) for m in template if m.id} - content_keys
    return units


def _stats(lang: str, topic_id: str, keys: set, catalog: Catalog) -> Stats:
    """Count one topic's translated and fuzzy units in a catalog."""
    translated = fuzzy = 0
    for context, msgid in keys:
        message = catalog.get(msgid, context=context)
        if message is not None and message.string:
            if message.fuzzy:
                fuzzy += 1
            else:
                translated += 1
    return Stats(lang, topic_id, len(keys), translated, fuzzy)


# --- Quality of each translated entry --------------------------------------------------


def check_entries(catalog: Catalog, display: str) -> list[Finding]:
    """Run the quality checks on every translated, non-fuzzy entry of a catalog."""
    messages = [m for m in catalog if m.id and m.string and not m.fuzzy]
    ratios = [_length(m.string) / _length(m.id) for m in messages if _length(m.id) >= 20]
    typical = statistics.median(ratios) if ratios else 1.0
    findings = []
    for message in messages:
        for level, rule, reason in _entry_problems(message, typical):
            findings.append(Finding(level, rule, display, message.lineno, reason))
    return findings


def _entry_problems(message: Message, typical: float):
    """Yield (level, rule, reason) for each problem of one entry."""
    source, target = message.id, message.string
    missing = [t for t in INVARIANTS.findall(source) if t not in target]
    missing += [t for t in INVARIANT_TERMS if t in source and t not in target]
    if missing:
        yield "error", "invariants", f"must keep {', '.join(dict.fromkeys(missing))} unchanged"
    extra = set(PLACEHOLDER.findall(target)) - set(PLACEHOLDER.findall(source))
    if extra:
        yield "error", "invariants", f"adds placeholders {', '.join(sorted(extra))}"
    if sorted(MARKUP.findall(target)) != sorted(MARKUP.findall(source)):
        yield "error", "markup", "markup differs from the English (translations are plain text)"
    if target == source and _has_words(source):
        yield "error", "untranslated", "the translation is a copy of the English"
    unbalanced = _unbalanced(target)
    if unbalanced and not _unbalanced(source):
        yield "error", "brackets", f"unbalanced {unbalanced}"
    if (source[:1].isspace(), source[-1:].isspace()) != (target[:1].isspace(),
                                                        target[-1:].isspace()):
        yield "error", "whitespace", "leading or trailing whitespace differs from the English"
    if _length(source) >= 20:
        ratio = _length(target) / _length(source)
        if ratio > typical * 2.2 or ratio < typical / 2.2:
            yield ("warning", "length",
                   f"{ratio / typical:.1f}x the usual length for this language: "
                   "check nothing was added or dropped")


def _length(text: str) -> int:
    """Count the characters a reader sees, without placeholders."""
    return len(PLACEHOLDER.sub("", text))


def _has_words(text: str) -> bool:
    """Say whether text has words beyond terms that may stay the same in every language."""
    for term in MAY_STAY_ENGLISH:
        text = text.replace(term, " ")
    return bool(re.search(r"[^\W\d_]{3,}", INVARIANTS.sub(" ", text)))


def _unbalanced(text: str) -> str | None:
    """Return the first bracket or quote left open or closed twice, if any."""
    closing = {v: k for k, v in BRACKETS.items()}
    stack: list[str] = []
    for char in text:
        if char in BRACKETS:
            stack.append(char)
        elif char in closing:
            if not stack or stack.pop() != closing[char]:
                return char
    if stack:
        return stack[-1]
    return '"' if text.count('"') % 2 else None


# --- The English source ----------------------------------------------------------------


def check_source(content: Content, today: dt.date, report: Report) -> None:
    """Check each topic's reading grade, review date and the age of its sources."""
    textstat.set_lang("en_US")
    for topic in content.topics:
        grade = reading_grade(topic)
        report.readability[topic.id] = grade
        if grade > READING_GRADE:
            report.findings.append(Finding(
                "warning", "readability", topic.file, topic.title.line,
                f"Flesch-Kincaid grade {grade:.1f}, above the target of {READING_GRADE:g}"))
        for problem in literacy.problems(topic):
            report.findings.append(Finding("warning", "health-literacy", problem.file,
                                           problem.line, problem.message))
        if topic.review.next_review_due < today:
            report.findings.append(Finding(
                "warning", "review-due", topic.file, None,
                f"review was due on {topic.review.next_review_due.isoformat()}"))
        for source in topic.sources:
            if source.revised and (today - source.revised).days > 365 * SOURCE_MAX_AGE_YEARS:
                report.findings.append(Finding(
                    "warning", "source-age", topic.file, None,
                    f"source {source.id!r} was last revised on {source.revised.isoformat()}, "
                    f"over {SOURCE_MAX_AGE_YEARS} years ago"))


def check_originality(content: Content, sources: tuple[SourcePage, ...], words: int,
                      report: Report) -> None:
    """Warn of each run of `words` or more words a unit shares with the source pages."""
    report.shared_words = words
    for passage in shared_passages(_printed_units(content), sources, words):
        report.findings.append(Finding(
            "warning", "originality", passage.file, passage.line,
            f"{passage.words} words shared with {', '.join(passage.sources)}: "
            f'"{passage.quote}"'))


def _printed_units(content: Content) -> list[Unit]:
    """Return every unit the topics print, once each although shared blocks recur."""
    units = {(m.file, m.line, m.text): m for topic in content.topics for m in topic.messages()}
    return list(units.values())


def reading_grade(topic: Topic) -> float:
    """Return the Flesch-Kincaid grade of a topic's English, each unit a sentence or more."""
    units = [m.text if m.text.rstrip()[-1:] in ".?!" else f"{m.text}." for m in topic.messages()]
    return float(textstat.flesch_kincaid_grade(" ".join(units)))
