"""Check the catalogs and the English source: completeness, quality, readability, dates,
and, given the source pages, word runs copied from them.

Each problem is a `Finding` with the file and line of the entry, a rule name and a short
reason, in the spirit of translate-toolkit's pofilter and Weblate's checks. Errors fail
the check; warnings fail it only with --strict.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import textstat
from babel.messages.catalog import Catalog

from . import literacy
from .build import BuildState
from .catalogs import catalog_path, languages, read_catalog, template_path
from .content import Content, Topic
from .content import Message as Unit
from .errors import CatalogError, ContentError, ErrorList
from .gate import CatalogCheck, Finding, critical_keys, validate_catalog
from .originality import DEFAULT_WORDS, SourcePage, shared_passages
from .project import load_project
from .render import PAPER_SIZES
from .sites import SITES, SUPPORT_CONTEXT, load_sites

READING_GRADE = 8.0  # plain language: school grade 8 or below
SOURCE_MAX_AGE_YEARS = 5
TEMPLATES = "(templates)"  # the pseudo-topic for strings of templates and code
ALL_UNITS = "(all units)"  # a language's totals: every unit once, shared blocks too



IN_PROGRESS = "in progress"  # the level of an error in a language still being translated


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
    totals: list[Stats] = field(default_factory=list)  # per language, each unit once
    obsolete: dict[str, int] = field(default_factory=dict)
    readability: dict[str, float] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    shared_words: int | None = None  # the run length compared with the source pages, if any

    def failed(self, strict: bool) -> bool:
        """Say whether a rule failed: any error, or any warning when strict. Findings in a
        language declared in progress never fail."""
        return any(f.level == "error" or (strict and f.level == "warning")
                   for f in self.findings)

    def as_json(self) -> dict:
        """Return the report as plain data."""
        return {
            "stats": [_stats_json(s) for s in self.stats],
            "totals": [_stats_json(s) for s in self.totals],
            "obsolete": self.obsolete,
            "readability": {topic: round(grade, 1) for topic, grade in self.readability.items()},
            "findings": [asdict(f) for f in self.findings],
        }


def _stats_json(stats: Stats) -> dict:
    """Return one row of progress as plain data."""
    return {**asdict(stats), "untranslated": stats.untranslated,
            "percent": round(stats.percent, 1)}


def check(root: Path, content: Content, threshold: float, today: dt.date,
          sources: tuple[SourcePage, ...] = (), words: int = DEFAULT_WORDS,
          langs: tuple[str, ...] = (), built: Path | None = None) -> Report:
    """Check the English content, then every catalog (or those of `langs`) with the same
    validation `build` enforces, then the page counts of the PDFs built in `built`."""
    report = Report()
    check_source(content, today, report)
    if built is not None:
        report.findings.extend(check_pages(root, content, built, langs))
    if sources:
        check_originality(content, sources, words, report)
    template = read_catalog(template_path(root), root)
    units = _units_by_topic(content, template)
    every = tuple(languages(root)[1:])
    read: dict[str, Catalog] = {}
    for lang in langs or every:
        if lang not in every:
            raise CatalogError(f"no catalog for {lang!r} (languages: {', '.join(every)})")
        display = catalog_path(root, lang).relative_to(root).as_posix()
        try:
            validated = validate_catalog(root, lang, content, every)
        except CatalogError as error:
            for each in error.errors if isinstance(error, ErrorList) else [error]:
                report.findings.append(Finding("error", "catalog", each.file or display,
                                               each.line, each.message))
            continue
        catalog = read[lang] = validated.catalog
        report.obsolete[lang] = len(catalog.obsolete)
        for topic_id, keys in units.items():
            stats = _stats(lang, topic_id, keys, catalog)
            report.stats.append(stats)
            if stats.percent < threshold:
                report.findings.append(Finding(
                    "error", "completeness", display, None,
                    f"{topic_id}: {stats.percent:.0f}% translated ({stats.fuzzy} fuzzy, "
                    f"{stats.untranslated} untranslated), below the {threshold:g}% threshold"))
        report.totals.append(_stats(lang, ALL_UNITS, set().union(*units.values()), catalog))
        report.findings.extend(_critical_gaps(validated, content))
        report.findings.extend(validated.findings)
    report.findings.extend(check_sites(root, read))
    unfinished = load_project(root).in_progress
    report.findings = [replace(f, level=IN_PROGRESS) if f.level == "error" and any(
        f.file.startswith(f"locales/{lang}/") for lang in unfinished) else f
        for f in report.findings]
    return report


def check_sites(root: Path, catalogs: dict[str, Catalog]) -> list[Finding]:
    """Check every clinic site (sites/*.yaml): the file itself (numbers, logo, colour,
    languages), then that each language it offers translates its support services."""
    try:
        sites = load_sites(root, tuple(languages(root)), tuple(PAPER_SIZES))
    except ContentError as error:
        return [Finding("error", "site", each.file or SITES.as_posix(), each.line, each.message)
                for each in (error.errors if isinstance(error, ErrorList) else [error])]
    findings = []
    for site in sites.values():
        for lang in site.languages:
            catalog = catalogs.get(lang)
            if catalog is None:  # English, or a language not checked this time
                continue
            for message in site.messages():
                entry = catalog.get(message.text, context=message.context)
                if entry is None or not entry.string or entry.fuzzy:
                    findings.append(Finding(
                        "error", "site", site.file, message.line,
                        f"{lang} offers this site but does not translate its support "
                        f"service {message.text[:50]!r}: run extract and update, then "
                        f"translate it; until then its brochures in {lang} are withheld"))
    return findings


def _critical_gaps(validated: CatalogCheck, content: Content) -> list[Finding]:
    """Report each critical unit that is untranslated or fuzzy (whatever the threshold)."""
    findings = []
    for context, msgid in sorted(critical_keys(content), key=lambda k: (k[0] or "", k[1])):
        message = validated.catalog.get(msgid, context=context)
        if message is None or not message.string or message.fuzzy:
            state = "fuzzy" if message is not None and message.fuzzy else "untranslated"
            findings.append(Finding(
                "error", "critical", validated.file, message.lineno if message else None,
                f"critical unit {state} (it is never printed in English): {msgid[:60]!r}"))
    return findings


def _units_by_topic(content: Content, template: Catalog) -> dict[str, set]:
    """Return the catalog keys each topic prints; template strings form their own row."""
    units = {topic.id: {(m.context, m.text) for m in topic.messages()} for topic in content.topics}
    content_keys = set().union(*units.values())
    units[TEMPLATES] = {(m.context, m.id) for m in template
                        if m.id and m.context != SUPPORT_CONTEXT} - content_keys
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
        if topic.review.overdue(today):
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


def check_pages(root: Path, content: Content, built: Path,
                langs: tuple[str, ...] = ()) -> list[Finding]:
    """Warn about each standard brochure the last build in `built` set over its topic's
    page budget (the build records page counts beside the PDFs)."""
    state = BuildState.load(built)
    findings = []
    for topic in content.topics:
        if not topic.page_budget:
            continue
        for key in sorted(state.records):
            lang, _, name = key.partition("/")
            if name != f"{topic.id}.pdf" or (langs and lang not in langs):
                continue
            pages, over = state.pages(built / key)
            if over:
                line = _line_of(root / topic.file, "page_budget:")
                findings.append(Finding(
                    "warning", "page-budget", topic.file, line,
                    f"{lang}: {pages} pages, {over} over the budget of {topic.page_budget} "
                    f"(built in {built.as_posix()}/); shorten the text or its translation, "
                    "or raise the budget"))
    return findings


def _line_of(file: Path, start: str) -> int | None:
    """Return the number of the first line of a file that starts with `start`."""
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    return next((n for n, line in enumerate(lines, 1) if line.startswith(start)), None)
