"""Build brochures: gather and validate everything, then render each topic x language.

Content and catalogs are all loaded and checked before any PDF is written. A brochure
that fails is reported and skipped; the others are still built.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from jinja2 import Environment

from .catalogs import Translator, languages, load_translator
from .content import Topic, load_content
from .errors import BrochureError, CatalogError, CatalogErrors
from .fonts import check_coverage
from .pdf import PdfWriter
from .render import PAPER_SIZES, make_environment, page_label, render_html

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildOptions:
    """What to build and where."""

    out: Path
    paper: str = "letter"
    languages: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    threshold: float = 100.0  # percent of a brochure's units translated to release it
    draft: bool = False


@dataclass(frozen=True)
class BuildResult:
    """One brochure's outcome: its PDF and page count, or the error that stopped it."""

    topic: str
    lang: str
    path: Path | None
    pages: int = 0
    error: BrochureError | None = None


def output_path(out: Path, lang: str, topic_id: str, draft: bool = False) -> Path:
    """Return where a brochure's PDF goes: `<out>/<lang>/<topic>.pdf` (`.draft.pdf`)."""
    return out / lang / f"{topic_id}{'.draft' if draft else ''}.pdf"


def build(root: Path, options: BuildOptions) -> list[BuildResult]:
    """Build the selected brochures and return one result per brochure."""
    if options.paper not in PAPER_SIZES:
        choices = ", ".join(PAPER_SIZES)
        raise BrochureError(f"unknown paper {options.paper!r} (choose from {choices})")
    started = time.perf_counter()
    content = load_content(root)
    topics = [content.topic(t) for t in options.topics] or list(content.topics)
    translators = _load_translators(root, options.languages or tuple(languages(root)))
    log.info("[1/2] loaded %d topics and %d languages", len(topics), len(translators))
    env = make_environment(root / "templates")
    writer = PdfWriter(root)
    results = []
    for translator in translators:
        for topic in topics:
            results.append(_build_one(root, env, writer, topic, translator, options))
    failed = sum(1 for r in results if r.error)
    log.info("[2/2] built %d brochures, %d failed, in %.1f s",
             len(results) - failed, failed, time.perf_counter() - started)
    return results


def _load_translators(root: Path, langs: tuple[str, ...]) -> list[Translator]:
    """Load every catalog; report all broken ones at once."""
    translators, errors = [], []
    for lang in langs:
        try:
            translators.append(load_translator(root, lang))
        except CatalogError as error:
            errors.append(error)
    if errors:
        raise CatalogErrors(errors)
    return translators


def _build_one(root: Path, env: Environment, writer: PdfWriter, topic: Topic,
               translator: Translator, options: BuildOptions) -> BuildResult:
    """Render one brochure; return its result instead of raising."""
    where = f"{translator.lang}/{topic.id}"
    target = output_path(options.out, translator.lang, topic.id, options.draft)
    translator.missing.clear()
    translator.used.clear()
    try:
        html = render_html(env, topic, translator, options.paper, options.draft)
        if not options.draft:
            _release_check(topic, translator, options.threshold)
        text = visible_text(html) + page_label(translator)
        check_coverage(root, translator.lang, text, translator.file or where)
        pages = writer.write(html, target, where)
    except BrochureError as error:
        log.error("%s: failed: %s", where, error)
        return BuildResult(topic.id, translator.lang, None, error=error)
    if translator.missing:
        log.warning("%s: %d units shown in English, marked (%.0f%% translated)", where,
                    len(translator.missing), translator.percent)
    log.info("%s: %d pages -> %s", where, pages, target)
    return BuildResult(topic.id, translator.lang, target, pages)


def _release_check(topic: Topic, translator: Translator, threshold: float) -> None:
    """Refuse to release a brochure translated below the threshold (100% by default)."""
    if translator.percent >= threshold:
        return
    places = {(m.context, m.text): f"{m.file}:{m.line}" for m in topic.messages()}
    missing = sorted(translator.missing, key=lambda key: places.get(key, "~"))
    context, text = missing[0]
    place = places.get((context, text), "templates/")
    raise CatalogError(
        f"not released: {len(missing)} units of {topic.id!r} are untranslated or fuzzy "
        f"({translator.percent:.0f}% translated, threshold {threshold:g}%), first from "
        f"{place}: {text[:60]!r}; translate them, or preview with `build --draft`",
        translator.file,
    )


class _TextCollector(HTMLParser):
    """Collect the text a document shows (not its styles)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):  # noqa: ANN001, ANN201
        self._skip += tag == "style"

    def handle_endtag(self, tag):  # noqa: ANN001, ANN201
        self._skip -= tag == "style"

    def handle_data(self, data):  # noqa: ANN001, ANN201
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """Return the text of an HTML document, without its style sheets."""
    collector = _TextCollector()
    collector.feed(html)
    return "".join(collector.parts)
