"""Build brochures: gather and validate everything, then render each topic x language.

Content and catalogs are all loaded and checked before any PDF is written. A brochure
that fails is reported and skipped; the others are still built.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import logging.handlers
import multiprocessing
import os
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from importlib import metadata
from pathlib import Path

from . import editions
from .catalogs import SOURCE_LANGUAGE, Translator, languages
from .content import SHARED_FILE, Content, Topic, load_content
from .editions import EDITIONS
from .errors import BrochureError, CatalogError, CatalogErrors
from .files import source_epoch, write_atomically
from .fonts import FONTS_CSS, check_coverage, find_font, font_stacks, stack_for
from .gate import enforce_rules, load_translator
from .glossary import glossary_path, load_glossary
from .libraries import import_weasyprint
from .project import Project, load_project
from .render import (
    PAPER_SIZES,
    Language,
    Notes,
    Rendered,
    make_environment,
    page_label,
    render_html,
)
from .review import review_path
from .sites import Site

log = logging.getLogger(__name__)

STATE_FILE = ".brochurekit-state.json"
RECEIPTS = "brochurekit-receipts-"  # + the build's pid: see _write_receipt
# Fork build workers where that is the platform's safe default (see _render_all).
FORK = sys.platform == "linux"


@dataclass(frozen=True)
class BuildOptions:
    """What to build and where."""

    out: Path
    paper: str | None = None  # None: the language's default from pyproject.toml
    languages: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    threshold: float = 100.0  # percent of a brochure's units translated to release it
    draft: bool = False
    jobs: int = 1  # worker processes; each pays WeasyPrint's start-up once
    force: bool = False  # rebuild even when nothing changed
    pairs: tuple[tuple[str, str], ...] = ()  # only these (language, topic), if given
    editions: tuple[str, ...] = ()  # names in editions.EDITIONS; none: the standard one
    site: Site | None = None  # a clinic's brochures (sites/<id>.yaml); None: the neutral ones
    in_progress: tuple[str, ...] = ()  # languages built as drafts (from pyproject.toml)

    def draft_for(self, lang: str) -> bool:
        """Say whether a language's brochures are drafts: all with --draft, or it is one
        declared in progress."""
        return self.draft or lang in self.in_progress

    def __post_init__(self) -> None:
        unknown = sorted(set(self.editions) - set(EDITIONS))
        if unknown:
            raise BrochureError(f"unknown edition {unknown[0]!r}: choose from "
                                f"{', '.join(EDITIONS)}")
        object.__setattr__(self, "editions", editions.ordered(self.editions))

    def _any(self, flag: str) -> bool:
        return any(getattr(EDITIONS[name], flag) for name in self.editions)

    @property
    def booklet(self) -> bool:
        """Say whether pages are half the paper, imposed two-up (the booklet)."""
        return self._any("half_pages")

    @property
    def bilingual(self) -> bool:
        """Say whether each block is set in the brochure's language and in English."""
        return self._any("bilingual")

    @property
    def print_shop(self) -> bool:
        """Say whether the PDF is made for a print shop (CMYK, PDF/X)."""
        return self._any("print_shop")

    @property
    def page_multiple(self) -> int:
        """Return what the page count must be a multiple of, to print double-sided."""
        return max((EDITIONS[name].page_multiple for name in self.editions), default=2)

    def edition(self, spec: str) -> BuildOptions:
        """Return these options for one edition: "standard", or edition names joined by
        "+" ("large-print+booklet"); raise BrochureError for a name that is not one."""
        return replace(self, editions=editions.parse(spec))


@dataclass(frozen=True)
class BuildResult:
    """One brochure's outcome: its PDF and page count, or the error that stopped it."""

    topic: str
    lang: str
    path: Path | None
    pages: int = 0
    error: BrochureError | None = None
    english_units: int = 0  # units shown in English (drafts, or below 100% by --threshold)
    percent: float = 100.0
    fresh: bool = True  # False when the PDF was already up to date
    over_budget: int = 0  # pages beyond the topic's page budget
    fit: int = 0  # how much tighter it was set to fit its budget (styles/fit.css), 0 not
    printed: frozenset[tuple[str | None, str]] = frozenset()  # the catalog entries it prints
    refused: bool = False  # withheld for its translation (a rule, completeness): see errors


def output_path(out: Path, lang: str, topic_id: str, draft: bool = False,
                editions: tuple[str, ...] = ()) -> Path:
    """Return where a PDF goes: `<out>/<lang>/<topic>[.large-print][.print-shop][.draft].pdf`."""
    suffix = "".join(f".{name}" for name in editions) + (".draft" if draft else "")
    return out / lang / f"{topic_id}{suffix}.pdf"


def paper_for(project: Project, lang: str, options: BuildOptions) -> str:
    """Return the paper a language is printed on in this build: the option, else the
    site's, else the language's."""
    return project.paper_for(lang, options.paper or (options.site and options.site.paper),
                             options.booklet)


def online_url(project: Project, options: BuildOptions, lang: str, topic_id: str) -> str | None:
    """Return where a brochure's web edition is published: the site's copy when the site
    has a base URL, else the project's, if any."""
    if options.site is not None and options.site.base_url:
        return options.site.online_url(lang, topic_id)
    return project.online_url(lang, topic_id)


def print_profile(project: Project, options: BuildOptions) -> Path | None:
    """Return the print-shop edition's CMYK profile, checked; None for other editions."""
    return project.profile() if options.print_shop else None


def overdue(topics, created: dt.datetime | None) -> list[Topic]:  # noqa: ANN001
    """Return the topics whose review date has passed on the build's date (None: the
    build is dated by each topic's review, so none is overdue)."""
    return [topic for topic in topics if topic.review.overdue(created and created.date())]


def build(root: Path, options: BuildOptions) -> list[BuildResult]:
    """Build the selected brochures and return one result per brochure.

    Everything is loaded and checked first; then only brochures whose inputs changed
    since the last build into the same folder are rendered, across `jobs` processes. The
    translation rules run on each language just before its brochures are handed out, while
    the workers start and render those of languages already checked (_Gate).
    """
    if options.paper is not None and options.paper not in PAPER_SIZES:
        choices = ", ".join(PAPER_SIZES)
        raise BrochureError(f"unknown paper {options.paper!r} (choose from {choices})")
    editions.check(options.editions)
    started = time.perf_counter()
    project = load_project(root)
    options = replace(options, in_progress=project.in_progress)
    content = load_content(root)
    topics = [content.topic(t) for t in options.topics] or list(content.topics)
    translators = _load_translators(root, options.languages or tuple(languages(root)), content)
    if options.bilingual and any(t.lang == SOURCE_LANGUAGE for t in translators):
        log.info("bilingual: skipping %s, the language the brochures are written in",
                 SOURCE_LANGUAGE)
        translators = [t for t in translators if t.lang != SOURCE_LANGUAGE]
    created = build_timestamp(root)
    log.info("[1/3] loaded %d topics and %d languages", len(topics), len(translators))
    for topic in overdue(topics, created):
        log.warning("%s: review overdue since %s; its brochures say so on the first page",
                    topic.file, topic.review.next_review_due.isoformat())
    if not options.draft and options.in_progress:
        log.info("in progress, built as drafts: %s", ", ".join(options.in_progress))

    if options.out.exists() and not options.out.is_dir():
        raise BrochureError("is a file; --out must be a folder (it is created if missing)",
                            str(options.out))
    state = BuildState.load(options.out)
    inputs = Inputs(project, options, created, translators)
    results, todo = [], []
    for translator in translators:
        for topic in topics:
            if options.pairs and (translator.lang, topic.id) not in options.pairs:
                continue
            target = output_path(options.out, translator.lang, topic.id,
                                 options.draft_for(translator.lang), options.editions)
            basis = inputs.basis(topic, translator)
            printed = state.printed(target, basis)  # what it printed when last built
            digest = None if printed is None else inputs.digest(basis, translator.lang,
                                                                printed)
            if options.force or digest is None:
                todo.append((translator.lang, topic.id, basis))
            elif state.holds(target, digest):
                pages, over = state.pages(target)
                results.append(BuildResult(topic.id, translator.lang, target, pages,
                                           fresh=False, over_budget=over))
            elif refusal := state.refusal(target, digest):  # withheld, nothing changed since
                results.append(BuildResult(topic.id, translator.lang, None, error=refusal,
                                           fresh=False, refused=True))
            else:
                todo.append((translator.lang, topic.id, basis))
    log.info("[2/3] %d brochures to build, %d up to date", len(todo),
             sum(1 for result in results if not result.refused))
    gate = _Gate(root, content, translators, {lang for lang, _, _ in todo})
    for name in options.editions:  # fail here, with the name, not in a worker
        if not (root / "styles" / "editions" / f"{name}.css").is_file():
            raise BrochureError("missing: every edition has a stylesheet",
                                f"styles/editions/{name}.css")

    for result in results:
        if result.refused:
            _report(result, 0, 0)
    loaded = (content, {t.lang: t for t in translators})
    for done, (result, basis) in enumerate(
            _render_all(project, options, created, loaded, todo, gate), 1):
        results.append(result)
        _report(result, done, len(todo))
        target = result.path or output_path(options.out, result.lang, result.topic,
                                            options.draft_for(result.lang), options.editions)
        digest = inputs.digest(basis, result.lang, inputs.keys(result.printed))
        if result.refused:
            state.refuse(target, digest, basis, inputs.keys(result.printed), result.error)
        elif result.error:
            state.set(target, None)
        else:
            state.set(target, digest, result.pages, result.over_budget, basis,
                      inputs.keys(result.printed))
        if done % 10 == 0:
            state.save()  # a build stopped midway keeps what it finished
    state.save()
    _report_pages(topics, results, budgeted=not options.editions)
    failed = sum(1 for r in results if r.error)
    built = sum(1 for r in results if r.fresh and not r.error)
    log.info("[3/3] %d built, %d up to date, %d failed, in %.1f s", built,
             len(results) - built - failed, failed, time.perf_counter() - started)
    return sorted(results, key=lambda r: (r.lang, r.topic))


def _report_pages(topics: list[Topic], results: list[BuildResult], budgeted: bool) -> None:
    """Log the page count of each topic in each language built, against its budget."""
    for topic in topics:
        counts = sorted((r.lang, r.pages, r.over_budget) for r in results
                        if r.topic == topic.id and r.pages)
        if not counts:
            continue
        budget = f" (budget {topic.page_budget})" if budgeted and topic.page_budget else ""
        listed = ", ".join(f"{lang} {pages}" + (" OVER" if over else "")
                           for lang, pages, over in counts)
        (log.warning if any(over for _, _, over in counts) else log.info)(
            "pages of %s%s: %s", topic.id, budget, listed)


def _report(result: BuildResult, done: int, total: int) -> None:
    """Log one line per brochure, as it finishes, with how far the build has got."""
    where = f"[{done}/{total}] {result.lang}/{result.topic}"
    if result.error and not result.fresh:
        log.error("%s/%s: %s (nothing it prints has changed since)", result.lang,
                  result.topic, result.error)
        return
    if result.error:
        log.error("%s: failed: %s", where, result.error)
        return
    if result.over_budget:
        log.warning("%s: %d pages, %d over the topic's page budget of %d", where,
                    result.pages, result.over_budget, result.pages - result.over_budget)
    if result.english_units:
        log.warning("%s: %d units shown in English, marked (%.0f%% translated)", where,
                    result.english_units, result.percent)
    tighter = f", set tighter to fit (fit-{result.fit})" if result.fit else ""
    log.info("%s: %d pages%s -> %s", where, result.pages, tighter, result.path)


def _load_translators(root: Path, langs: tuple[str, ...], content: Content,
                      ) -> list[Translator]:
    """Load every catalog through the gate's validation; report all broken ones at once."""
    translators, errors = [], []
    for lang in langs:
        try:
            translators.append(load_translator(root, lang, content, enforce=False))
        except CatalogError as error:
            errors.append(error)
    if errors:
        raise CatalogErrors(errors)
    return translators


class _Gate:
    """The translation rules `check` runs, run on the catalogs of the brochures to build:
    the entries that break one are withdrawn, and a brochure that prints one is withheld.

    `withdrawn(lang)` runs them on a language once and returns its withdrawn entries, with
    why; a worker applies them to the catalog it was started with (_gated). A broken
    glossary is reported here, before anything is rendered."""

    def __init__(self, root: Path, content: Content, translators: list[Translator],
                 langs: set[str]) -> None:
        self.root, self.content = root, content
        self.translators = {t.lang: t for t in translators
                            if t.lang in langs and t.lang != SOURCE_LANGUAGE}
        self.done: dict[str, dict] = {}
        for lang in self.translators:
            load_glossary(root, lang)  # raises CatalogError, with the file and line

    def needed(self, lang: str) -> bool:
        """Say whether a language's brochures wait for the rules to run on it."""
        return lang in self.translators and lang not in self.done

    def withdrawn(self, lang: str) -> dict:
        """Return the entries of a language the rules withdraw, each with why."""
        if lang not in self.done:
            translator = self.translators.get(lang)
            self.done[lang] = {} if translator is None else dict(
                enforce_rules(self.root, translator, self.content).rejected)
        return self.done[lang]


# --- Reproducible and incremental ----------------------------------------------------


def build_timestamp(root: Path) -> dt.datetime | None:
    """Return SOURCE_DATE_EPOCH, else the last commit's date; None: each topic's review date."""
    epoch = source_epoch(root)
    if epoch is None:
        return None
    try:
        seconds = int(epoch)
    except ValueError:
        raise BrochureError(f"SOURCE_DATE_EPOCH must be whole seconds, got {epoch!r}") from None
    try:
        return dt.datetime.fromtimestamp(seconds, dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise BrochureError(f"SOURCE_DATE_EPOCH {epoch} is not a date this build can "
                            "write (years 1 to 9999)") from None


# This package's own code: a change to it (say, in a checkout) rebuilds every brochure.
CODE = tuple(sorted(Path(__file__).parent.glob("*.py")))
TOOLS = ("brochurekit", "weasyprint", "pydyf", "fonttools", "babel", "jinja2", "pyyaml")


@functools.cache
def tool_versions() -> str:
    """Return the versions of the tools a PDF depends on, read once per process."""
    return "|".join(metadata.version(tool) for tool in TOOLS)


def key_hash(key: tuple[str | None, str]) -> str:
    """Name a catalog entry (context, msgid) in the build state, briefly."""
    context, message = key
    return hashlib.sha256(f"{context}\x04{message}".encode()).hexdigest()[:20]


class Inputs:
    """Everything the brochures of one build depend on, each hashed once per build: the
    code, templates, styles, tool versions and settings all share; each language's catalog
    entries, glossary, review record, fonts and paper; each topic's file.

    A brochure's input hash is its basis (what it shares, its language's files, its topic)
    with the catalog entries it printed when last built: an edited entry rebuilds only the
    brochures that print it, and a catalog rewritten by `update` with no entry changed
    (its POT-Creation-Date, say) rebuilds none.
    """

    def __init__(self, project: Project, options: BuildOptions, created: dt.datetime | None,
                 translators: list[Translator]):
        root = project.root
        self.root, self.project, self.options = root, project, options
        digest = hashlib.sha256()
        files = [*CODE, root / "brochures" / SHARED_FILE,
                 *sorted((root / "templates").glob("*.j2")),
                 *sorted(path for path in (root / "styles").rglob("*") if path.is_file())]
        profile = print_profile(project, options)
        for path in files:
            name = path.name if path in CODE else path.relative_to(root)
            digest.update(f"{name}\0".encode() + path.read_bytes())
        if profile:
            digest.update(b"print profile\0" + profile.read_bytes())
        if options.site:  # its file, and the logo it prints
            site = options.site
            for path in (site.file, site.logo):
                if path:
                    digest.update(f"{path}\0".encode() + (root / path).read_bytes())
        # The rules judge an entry's language among the project's languages.
        digest.update(f"{tool_versions()}|{options.threshold}|{options.editions}|"
                      f"{created}|{','.join(languages(root))}".encode())
        self.shared = digest.hexdigest()
        stacks = font_stacks(root / FONTS_CSS)
        # Taken before the gate withdraws the entries that break a rule: the same before
        # and after a build (a withdrawn entry is judged again from its text).
        self.entries = {t.lang: {key_hash(key): text for key, text in t.entries.items()}
                        for t in translators}
        self.languages = {t.lang: self._language(t, stacks) for t in translators}
        self._topics: dict[str, str] = {}

    def _language(self, translator: Translator, stacks: dict) -> str:
        digest = hashlib.sha256(translator.lang.encode())
        # The glossary decides which entries print; the review record, the back page.
        for path in (glossary_path(self.root, translator.lang),
                     review_path(self.root, translator.lang)):
            if path.exists():
                digest.update(f"{path.relative_to(self.root)}\0".encode() + path.read_bytes())
        for family in stack_for(stacks, translator.lang):
            font = Path(find_font(family).path).stat()
            digest.update(f"{family}|{font.st_size}|{font.st_mtime_ns}".encode())
        # A rule that withholds an entry weighs it against the whole catalog's lengths.
        digest.update(f"{paper_for(self.project, translator.lang, self.options)}|"
                      f"{translator.ratio}"
                      .encode())
        return digest.hexdigest()

    def basis(self, topic: Topic, translator: Translator) -> str:
        """Hash what a brochure depends on but its catalog entries."""
        if topic.id not in self._topics:
            self._topics[topic.id] = hashlib.sha256((self.root / topic.file).read_bytes()
                                                    ).hexdigest()
        online = online_url(self.project, self.options, translator.lang, topic.id)
        return hashlib.sha256(f"{self.shared}|{self.languages[translator.lang]}|"
                              f"{self._topics[topic.id]}|{online}".encode()).hexdigest()

    @staticmethod
    def keys(printed: frozenset[tuple[str | None, str]]) -> list[str]:
        """Name the catalog entries a brochure printed, as the build state records them."""
        return sorted(map(key_hash, printed))

    def digest(self, basis: str, lang: str, keys: list[str]) -> str:
        """Hash a brochure's basis with the entries it prints, as they are now."""
        entries = self.entries[lang]
        parts = [basis]  # one update of the whole: the same digest as one update a part
        for key in keys:
            text = entries.get(key)
            parts.append(f"{key}\0{'' if text is None else '+' + text}\0")
        return hashlib.sha256("".join(parts).encode()).hexdigest()


@dataclass
class BuildState:
    """What each PDF in an output folder was built from, and what it was when written:
    its input hash and its own SHA-256, recorded together, kept beside the PDFs.

    A PDF counts as up to date only when both still match: one changed, replaced,
    truncated or left by a build that stopped before recording it is built again.
    """

    path: Path
    records: dict[str, dict]
    changed: bool = True  # False while the file holds exactly `records`: nothing to save

    @classmethod
    def load(cls, out: Path) -> BuildState:
        """Read the state of a folder, or start empty if there is none or it is unreadable."""
        path = out / STATE_FILE
        if path.is_dir():
            raise BrochureError("is a folder; the build records its state in this file: "
                                "remove the folder", str(path))
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(path, {})
        except (OSError, ValueError) as error:
            log.warning("%s: unreadable (%s); every brochure will be built", path, error)
            return cls(path, {})
        if not isinstance(data, dict):
            log.warning("%s: not a build record; every brochure will be built", path)
            return cls(path, {})
        records = {key: value for key, value in data.items() if isinstance(value, dict)
                   and isinstance(value.get("input"), str)
                   and (isinstance(value.get("sha256"), str)
                        or isinstance(value.get("refused"), dict))}
        return cls(path, records, changed=len(records) != len(data))

    def printed(self, target: Path, basis: str) -> list[str] | None:
        """Return the entries `target` printed when last built from the same basis (the
        same code, templates, styles, topic and settings), or None if it was not."""
        record = self.records.get(self._key(target), {})
        keys = record.get("printed")
        if record.get("basis") != basis or not isinstance(keys, list):
            return None
        return keys if all(isinstance(key, str) for key in keys) else None

    def refusal(self, target: Path, digest: str) -> CatalogError | None:
        """Return why the last build withheld `target`, if it was built from `digest`."""
        record = self.records.get(self._key(target), {})
        refused = record.get("refused")
        if record.get("input") != digest or not isinstance(refused, dict):
            return None
        return CatalogError(str(refused.get("message")), refused.get("file"))

    def holds(self, target: Path, digest: str) -> bool:
        """Say whether `target` is the PDF built from `digest`, unchanged since."""
        record = self.records.get(self._key(target))
        if record is None or record["input"] != digest or "sha256" not in record:
            return False
        try:
            written = sha256_file(target)
        except OSError:
            return False
        if written != record["sha256"]:
            log.warning("%s: not the file this folder's last build wrote (changed, replaced "
                        "or cut short); building it again", target)
            return False
        return True

    def set(self, target: Path, digest: str | None, pages: int = 0, over_budget: int = 0,
            basis: str | None = None, printed: list[str] | None = None) -> None:
        """Record the PDF just written at `target`, its input hash (None: forget it), its
        page count, how far over its page budget it is, and what it was built from: its
        basis and the catalog entries it printed."""
        self.changed = True
        if digest is None:
            self.records.pop(self._key(target), None)
        else:
            self.records[self._key(target)] = {
                "input": digest, "sha256": sha256_file(target), "pages": pages,
                "over_budget": over_budget, "basis": basis, "printed": printed}

    def refuse(self, target: Path, digest: str, basis: str, printed: list[str],
               error: BrochureError) -> None:
        """Record that `target` was withheld for its translation, and why: until what it
        prints changes, the next build says so again without rendering it. A PDF
        already there from before stays, and is not counted as built."""
        self.changed = True
        self.records[self._key(target)] = {
            "input": digest, "basis": basis, "printed": printed,
            "refused": {"message": error.message, "file": error.file}}

    def pages(self, target: Path) -> tuple[int, int]:
        """Return the recorded page count of a PDF and how far over budget it is."""
        record = self.records.get(self._key(target), {})
        pages, over = record.get("pages", 0), record.get("over_budget", 0)
        valid = isinstance(pages, int) and isinstance(over, int)
        return (pages, over) if valid else (0, 0)

    def save(self) -> None:
        """Write the state atomically, through a file of its own (builds may run side by
        side); a state unchanged since it was read is left as it is."""
        if self.path.is_dir():
            raise BrochureError("is a folder; the build records its state in this file: "
                                "remove the folder", str(self.path))
        if not self.changed:
            return
        text = json.dumps(self.records, indent=1, sort_keys=True)
        try:
            write_atomically(self.path, text.encode("utf-8"))
        except OSError as error:  # a disk that filled up: the old record, if any, stays
            log.warning("%s: cannot record the build (%s); the next build checks every PDF "
                        "again", self.path, error.strerror or error)
        else:
            self.changed = False

    def _key(self, target: Path) -> str:
        folder, name = str(self.path.parent) + os.sep, str(target)
        if name.startswith(folder):  # the usual case, without pathlib's cost
            return name[len(folder):].replace(os.sep, "/")
        return target.relative_to(self.path.parent).as_posix()


def sha256_file(path: Path) -> str:
    """Return a file's SHA-256, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- Rendering, in this process or in workers ------------------------------------------


def _render_all(project: Project, options: BuildOptions, created: dt.datetime | None,
                loaded: tuple[Content, dict[str, Translator]], todo: list[tuple[str, str, str]],
                gate: _Gate):
    """Yield (result, hash) for each brochure to build, as each finishes."""
    if not todo:
        return
    jobs = max(1, min(options.jobs, len(todo)))
    # A language's brochures are handed out once the rules have run on its catalog; those
    # of languages with nothing to check first (English), each language's longest first
    # (by page budget), so that no worker is left rendering a long one alone at the end.
    budget = {topic_id: loaded[0].topic(topic_id).page_budget or 0 for _, topic_id, _ in todo}
    by_lang: dict[str, list[tuple[str, str, str]]] = {}
    for item in todo:
        by_lang.setdefault(item[0], []).append(item)
    order = sorted(by_lang, key=gate.needed)  # stable: the languages' own order otherwise
    if jobs == 1:
        _start_worker(project, options, created, loaded, None)
        for lang in order:
            withdrawn = gate.withdrawn(lang)
            for _, topic_id, digest in by_lang[lang]:
                yield _render_one(lang, topic_id, withdrawn), digest
        return
    # Workers are forked from this process once it has loaded WeasyPrint (and with it
    # actualtext's and compactfonts' adaptations), so that none pays the import again;
    # each still makes its own fonts and stylesheets (_start_worker). Where fork is not
    # the safe default (macOS, Windows), workers are spawned and import on their own.
    if FORK:
        import_weasyprint()
        from . import pdf  # noqa: F401 (the import the workers inherit)
    context = multiprocessing.get_context("fork" if FORK else "spawn")
    queue = context.Queue()
    listener = logging.handlers.QueueListener(queue, _Relay())
    receipts = _receipts_folder()
    futures: dict = {}
    try:
        with ProcessPoolExecutor(jobs, mp_context=context, initializer=_start_worker,
                                 initargs=(project, options, created, loaded, queue,
                                           receipts)) as pool:
            finished = set()
            try:
                pool.submit(os.getpid)  # the workers start now, while the rules run
                listener.start()  # only now: no thread of ours may be running at a fork
                for lang in order:
                    withdrawn = gate.withdrawn(lang)
                    for item in sorted(by_lang[lang], key=lambda item: -budget[item[1]]):
                        futures[pool.submit(_render_one, lang, item[1], withdrawn)] = item
                for future in as_completed(futures):
                    result = future.result()
                    finished.add(future)
                    yield result, futures[future][2]
            except BrokenProcessPool:
                # A worker died (killed, out of memory): the pool is gone. Each brochure
                # not built is named; those built are kept and recorded, even one whose
                # worker died between writing its PDF and reporting it.
                pool.shutdown(wait=False, cancel_futures=True)
                done = {futures[future] for future in finished}
                for lang, topic_id, digest in todo:
                    if (lang, topic_id, digest) in done:
                        continue
                    target = output_path(options.out, lang, topic_id,
                                         options.draft_for(lang), options.editions)
                    result = _from_receipt(receipts, target, topic_id, lang)
                    if result is None:
                        stopped = BrochureError(
                            "not built: a build worker stopped (killed, or out of memory); "
                            "run `build --jobs 1 --debug` to see why", f"{lang}/{topic_id}")
                        result = BuildResult(topic_id, lang, None, error=stopped)
                    yield result, digest
            except BaseException:  # the rules failed on a catalog, or Ctrl-C: stop here
                pool.shutdown(wait=True, cancel_futures=True)
                raise
    finally:
        if listener._thread is not None:
            listener.stop()
        shutil.rmtree(receipts, ignore_errors=True)


def _receipts_folder() -> Path:
    """Make this build's private folder of receipts in the temporary folder, named by
    its process id, and remove those that builds killed before clean-up left behind."""
    for left in Path(tempfile.gettempdir()).glob(f"{RECEIPTS}*-*"):
        pid = left.name.removeprefix(RECEIPTS).split("-")[0]
        if pid.isdigit() and not _running(int(pid)) and left.is_dir():
            shutil.rmtree(left, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"{RECEIPTS}{os.getpid()}-"))  # private: 0700


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's: running
        pass
    return True


def _receipt_path(receipts: Path, target: Path) -> Path:
    return receipts / (hashlib.sha256(str(target).encode()).hexdigest()[:32] + ".json")


def _write_receipt(receipts: Path, result: BuildResult, data: bytes) -> None:
    """Say, before a PDF takes its name, what it is and what its result would report:
    if the worker dies before reporting it, the build still records it (_from_receipt)."""
    receipt = {"sha256": hashlib.sha256(data).hexdigest(), "pages": result.pages,
               "english_units": result.english_units, "percent": result.percent,
               "over_budget": result.over_budget, "fit": result.fit,
               "printed": sorted(result.printed, key=lambda key: (key[0] or "", key[1]))}
    try:
        write_atomically(_receipt_path(receipts, result.path), json.dumps(receipt).encode())
    except OSError:  # a full temporary folder: the PDF is still written, only not insured
        log.debug("%s: no receipt written", result.path, exc_info=True)


def _from_receipt(receipts: Path, target: Path, topic_id: str, lang: str) -> BuildResult | None:
    """Return the result of a brochure whose worker died after writing it: its receipt
    and the PDF now at `target` must agree byte for byte. None if it was not written."""
    try:
        receipt = json.loads(_receipt_path(receipts, target).read_text(encoding="utf-8"))
        if sha256_file(target) != receipt["sha256"]:
            return None  # died before the PDF took its name: an older one, or none
    except (OSError, ValueError, KeyError):
        return None
    return BuildResult(topic_id, lang, target, receipt["pages"],
                       english_units=receipt["english_units"], percent=receipt["percent"],
                       over_budget=receipt["over_budget"], fit=receipt["fit"],
                       printed=frozenset(tuple(key) for key in receipt["printed"]))


class _Relay(logging.Handler):
    """Hand a worker's log records to the same logger in the main process."""

    def emit(self, record: logging.LogRecord) -> None:
        logging.getLogger(record.name).handle(record)


_worker: dict = {}


def _start_worker(project: Project, options: BuildOptions, created: dt.datetime | None,
                  loaded: tuple[Content, dict[str, Translator]],
                  queue, receipts: Path | None = None) -> None:  # noqa: ANN001
    """Set up a process once: the content and catalogs the build already checked, the
    templates, and WeasyPrint's fonts and stylesheets; `receipts`, a worker's folder
    for what it writes (_write_receipt)."""
    if queue is not None:
        logger = logging.getLogger("brochurekit")
        logger.handlers = [logging.handlers.QueueHandler(queue)]
        logger.setLevel(logging.INFO)
        logger.propagate = False
        _stop_with_parent()
    import_weasyprint()
    from .pdf import PdfWriter  # imported here: a build with nothing to do never pays it

    _worker.update(
        project=project, options=options, created=created, content=loaded[0],
        translators=loaded[1], gated={}, env=make_environment(project.root / "templates"),
        receipts=receipts,
        writer=PdfWriter(project.root, options.editions, print_profile(project, options),
                         options.site.own_colour if options.site else None))


def _stop_with_parent() -> None:
    """Exit this worker as soon as the build that started it is gone (killed, say): a
    worker left behind would go on writing PDFs that nothing records."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _gated(lang: str, withdrawn: dict) -> Translator:
    """Return a language's translator without the entries `withdrawn`, made once per
    language in this worker (the same entries come with each of its brochures)."""
    gated = _worker["gated"]
    if lang not in gated:
        gated[lang] = _worker["translators"][lang].withdrawn(withdrawn)
    return gated[lang]


def _render_one(lang: str, topic_id: str, withdrawn: dict) -> BuildResult:
    """Render one brochure in this worker, without the entries of its language the rules
    withdrew (_Gate); return its result instead of raising."""
    project, options = _worker["project"], _worker["options"]
    topic = _worker["content"].topic(topic_id)
    translator = _gated(lang, withdrawn)
    where = f"{lang}/{topic_id}"
    draft = options.draft_for(lang)
    target = output_path(options.out, lang, topic_id, draft, options.editions)

    budget = topic.page_budget if not options.editions else None  # budgets: standard
    try:
        def rendered(level: int = 0, notes: Notes | None = None,
                     flows: bool = False) -> Rendered:
            return render_html(_worker["env"], topic, translator,
                               paper_for(project, lang, options), draft, _worker["created"],
                               online_url(project, options, lang, topic_id),
                               options.bilingual, notes=notes, fit=level, cover_flows=flows,
                               site=options.site)

        def remake(level: int, notes: Notes | None, flows: bool) -> str:
            return rendered(level, notes, flows).html

        full = rendered(notes=Notes((1,)))  # every string it may print, the notes' heading too
        try:
            _release_check(topic, translator, full, options.threshold, draft)
        except CatalogError as error:
            return BuildResult(topic_id, lang, None, error=error, refused=True,
                               printed=full.used)
        text = visible_text(full.html) + page_label(translator)
        check_coverage(project.root, lang, text, translator.file or where)
        # Pages print double-sided: an even count, a multiple of 4 for a folded booklet.
        data, fitted = _worker["writer"].render_fitted(remake, where, budget,
                                                       options.page_multiple)
        pages = fitted.pages
        if options.booklet:
            from .booklet import impose

            direction = Language.from_locale(lang, translator.locale).direction
            sheet = paper_for(project, lang, replace(options, editions=()))  # its full sheet
            data, pages = impose(data, lang.replace("_", "-"), sheet, direction == "rtl")
        over = max(0, pages - budget) if budget else 0
        result = BuildResult(topic_id, lang, target, pages, english_units=len(full.missing),
                             percent=full.percent, over_budget=over, fit=fitted.level,
                             printed=full.used)
        if _worker["receipts"] is not None:
            _write_receipt(_worker["receipts"], result, data)
        write_atomically(target, data)
    except BrochureError as error:
        return BuildResult(topic_id, lang, None, error=error)
    except OSError as error:  # a full disk, a folder it may not write to: this one fails
        failure = BrochureError(f"cannot be written: {error.strerror or error}", str(target))
        return BuildResult(topic_id, lang, None, error=failure)
    except Exception as error:  # a fault in the renderer: this brochure fails, named
        log.debug("%s/%s failed", lang, topic_id, exc_info=True)
        failure = BrochureError(f"failed while rendering ({type(error).__name__}: {error}); "
                                "run `build --jobs 1 --debug` to see where", where)
        return BuildResult(topic_id, lang, None, error=failure)
    return result


def _release_check(topic: Topic, translator: Translator, rendered: Rendered,
                   threshold: float, draft: bool) -> None:
    """Withhold a brochure that would print an entry breaking a translation rule, a
    critical unit in English (even in a draft), or too little of its translation."""
    places = {(m.context, m.text): f"{m.file}:{m.line}" for m in topic.messages()}

    def first(keys: set) -> tuple[str, str]:  # noqa: ANN202
        context, text = min(keys, key=lambda key: (places.get(key, "~"), key[1]))
        return places.get((context, text), "templates/"), text

    if not draft:
        rejected = rendered.used & translator.rejected.keys()
        if rejected:
            reasons = sorted(translator.rejected[key] for key in rejected)
            raise CatalogError(
                f"not released: {len(rejected)} entries printed in {topic.id!r} break a "
                f"translation rule (see `make_brochures.py check --lang {translator.lang}`): "
                + "; ".join(reasons[:3]) + ("; ..." if len(reasons) > 3 else ""))
        if rendered.percent < threshold:
            place, text = first(rendered.missing)
            raise CatalogError(
                f"not released: {len(rendered.missing)} units of {topic.id!r} are "
                f"untranslated or fuzzy ({rendered.percent:.0f}% translated, threshold "
                f"{threshold:g}%), first from {place}: {text[:60]!r}; translate them, or "
                "preview with `build --draft`", translator.file)
    critical = rendered.missing & translator.critical
    if critical:
        place, text = first(critical)
        reasons = sorted(translator.rejected[k] for k in critical if k in translator.rejected)
        raise CatalogError(
            f"not released: {len(critical)} critical units of {topic.id!r} (doses, schedules, "
            f"warning signs, numbers to call, the disclaimer) are not translated, and are never "
            f"printed in English, even in a draft or below --threshold; first from {place}: "
            f"{text[:60]!r}" + (f"; {'; '.join(reasons[:3])}" if reasons else ""),
            translator.file)


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
