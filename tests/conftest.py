"""Shared fixtures: the project, its catalogs, and every brochure built once per session."""

from __future__ import annotations

import os
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from filelock import FileLock
from pypdf import PdfReader

from brochurekit.build import BuildOptions, BuildResult, build
from brochurekit.catalogs import languages, load_translator
from brochurekit.content import load_content

ROOT = Path(__file__).resolve().parent.parent
CONTENT = load_content(ROOT)
LANGUAGES = languages(ROOT)
TOPICS = [topic.id for topic in CONTENT.topics]
TRANSLATED = [lang for lang in LANGUAGES if lang != "en"]
T = TypeVar("T")
PROJECT_PARTS = ("brochures", "locales", "templates", "styles", "brochurekit", "babel.cfg", "sites",
                 "pyproject.toml")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:  # noqa: ARG001
    """`-n auto` (pyproject.toml): a test worker per core, at most 4. Each holds WeasyPrint,
    and the tests that build start build workers of their own."""
    cores = (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")  # Linux
             else os.cpu_count() or 1)
    return max(1, min(cores, 4))


def once_per_run(tmp_path_factory: pytest.TempPathFactory, name: str,
                 make: Callable[[Path], T]) -> T:
    """Return what `make(folder)` makes, made once for the whole test run: the tests run
    in pytest-xdist workers (pyproject.toml), and the first worker to ask makes it in a
    folder all of them share while the others wait, then read it back."""
    if os.environ.get("PYTEST_XDIST_WORKER") is None:  # one process: nothing to share
        return make(tmp_path_factory.mktemp(name))
    shared = tmp_path_factory.getbasetemp().parent  # the run's folder, above each worker's
    made = shared / f"{name}.pickle"
    with FileLock(f"{made}.lock"):
        if made.is_file():
            return pickle.loads(made.read_bytes())  # noqa: S301 (written by this run)
        folder = shared / name
        folder.mkdir(exist_ok=True)  # a worker that failed to make it may have left it
        value = make(folder)
        made.write_bytes(pickle.dumps(value))
        return value


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], BuildResult]:
    """Build every topic in every language once; map (lang, topic) to its result."""
    def make(out: Path) -> dict[tuple[str, str], BuildResult]:
        return {(r.lang, r.topic): r for r in build(ROOT, BuildOptions(out=out, jobs=2))}

    return once_per_run(tmp_path_factory, "dist", make)


# The other editions of one topic, in a few scripts (tests/test_verapdf.py validates them,
# tests/test_accessibility.py reads the large-print Persian one).
EDITION_TOPIC = "stage-4-anal-cancer"
EDITIONS = {"bilingual": ("ar", "pa"), "large_print": ("zh_Hans", "fa"), "booklet": ("en", "ar")}


@pytest.fixture(scope="session")
def edition_pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    """Build EDITIONS of EDITION_TOPIC once; map (edition, lang) to the PDF's path."""
    def make(folder: Path) -> dict[tuple[str, str], Path]:
        paths = {}
        for edition, langs in EDITIONS.items():
            for result in build(ROOT, BuildOptions(out=folder / edition, languages=langs,
                                                   topics=(EDITION_TOPIC,), jobs=2,
                                                   editions=(edition.replace("_", "-"),))):
                assert result.error is None, result.error
                paths[(edition, result.lang)] = result.path
        return paths

    return once_per_run(tmp_path_factory, "editions", make)


def seed_cache(built, cache: Path, monkeypatch) -> None:
    """Give a project copy the session's PDFs as a build cache, dated as the session build
    was, so that a release there rebuilds only what its test changed (each PDF is still
    judged by its input hash; a full release of every language took a minute per test)."""
    from brochurekit.build import build_timestamp

    shutil.copytree(next(iter(built.values())).path.parent.parent, cache)
    created = build_timestamp(ROOT)
    if created is not None:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(created.timestamp())))


@pytest.fixture(scope="session")
def pdfs(built) -> dict[tuple[str, str], PdfReader]:
    """Open every built PDF once."""
    return {key: PdfReader(result.path) for key, result in built.items() if result.path}


@pytest.fixture(scope="session")
def translators():
    """Load every language's translations once."""
    return {lang: load_translator(ROOT, lang) for lang in LANGUAGES}


def translate(project: Path, lang: str, key, change, fuzzy: bool = False) -> int:
    """Change one translation of a project's catalog (`change` maps the old msgstr to the
    new one); return the line of the entry's msgid in the saved catalog, where a finding
    must point."""
    import polib
    from babel.messages.pofile import read_po

    from brochurekit.catalogs import catalog_path

    path = catalog_path(project, lang)
    po = polib.pofile(str(path), wrapwidth=76)
    found = next(e for e in po if (e.msgctxt or None, e.msgid) == key)
    found.msgstr = change(found.msgstr)
    if fuzzy:
        found.flags.append("fuzzy")
    po.save(str(path))
    with path.open("rb") as handle:
        catalog = read_po(handle)
    line = catalog.get(key[1], context=key[0]).lineno
    assert path.read_text(encoding="utf-8").splitlines()[line - 1].startswith("msgid")
    return line


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Return a throw-away copy of the project to change freely."""
    for part in PROJECT_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, tmp_path / part,
                            ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
        else:
            shutil.copy(source, tmp_path / part)
    return tmp_path


CHROMIUM = "/usr/bin/chromium"  # Debian's, installed by scripts/setup.sh
CHROMIUM_ARGS = ["--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    """A headless chromium for the preview and release pages."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
