"""Release builds: reproducible bytes, incremental rebuilds, parallel workers."""

from __future__ import annotations

import hashlib
import logging
import re

import pytest
from pypdf import PdfReader

from brochurekit import build as build_module
from brochurekit import gate
from brochurekit.build import BuildOptions, build
from brochurekit.catalogs import catalog_path
from brochurekit.cli import main
from brochurekit.errors import CatalogError
from conftest import TOPICS, seed_cache

ONE_LANGUAGE = ("es",)


def digests(results) -> dict[tuple[str, str], str]:
    return {(r.lang, r.topic): hashlib.sha256(r.path.read_bytes()).hexdigest()
            for r in results}


def test_same_sources_give_the_same_bytes_serial_or_parallel(project, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    # Two scripts whose fonts are subset differently (Arabic, CJK), one topic each: two
    # workers render one each, in whichever order they finish.
    some = {"languages": ("ar", "zh_Hans"), "topics": ("stage-4-anal-cancer",)}
    first = build(project, BuildOptions(out=tmp_path / "a", jobs=2, **some))
    second = build(project, BuildOptions(out=tmp_path / "b", jobs=1, **some))
    # Workers as macOS and Windows start them: spawned, importing everything themselves.
    monkeypatch.setattr(build_module, "FORK", False)
    third = build(project, BuildOptions(out=tmp_path / "c", jobs=2, **some))
    assert len(first) == len(third) == 2
    assert all(r.error is None for r in first + second + third)
    assert digests(first) == digests(second) == digests(third)
    reader = PdfReader(first[0].path)
    assert reader.metadata["/CreationDate"].startswith("D:20260921141320")  # SOURCE_DATE_EPOCH
    assert reader.metadata["/ModDate"] == reader.metadata["/CreationDate"]


def test_nothing_changed_means_nothing_built(project, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    options = BuildOptions(out=tmp_path / "out", languages=ONE_LANGUAGE, jobs=2)
    first = build(project, options)
    assert all(r.fresh and r.error is None for r in first)
    stamps = {r.path: r.path.stat().st_mtime_ns for r in first}
    again = build(project, options)
    assert not any(r.fresh for r in again)
    assert {r.path: r.path.stat().st_mtime_ns for r in again} == stamps
    assert "0 brochures to build, 4 up to date" in caplog.text


def test_a_catalog_read_once_is_not_parsed_again_until_it_changes(project, tmp_path,
                                                                    monkeypatch):
    options = BuildOptions(out=tmp_path / "out", languages=ONE_LANGUAGE, jobs=1,
                           topics=("stage-4-anal-cancer",))
    first = build(project, options)
    assert first[0].error is None and first[0].fresh
    assert (project / "build" / "catalog-cache" / "es.json").is_file()

    def parsed(*args):
        raise AssertionError("the catalog was parsed again")

    with monkeypatch.context() as patched:  # neither Babel nor msgfmt reads it again
        patched.setattr(gate, "read_validated", parsed)
        again = build(project, options)
        assert not again[0].fresh and again[0].error is None
    # The same entries whatever the read: an edit to the catalog is read, and judged.
    po = catalog_path(project, "es")
    text = po.read_text(encoding="utf-8")
    po.write_text(text + '\nmsgid "Unterminated"\nmsgstr "sin cerrar\n', encoding="utf-8")
    with pytest.raises(CatalogError, match=r"brochures\.po:\d+: .*msgfmt"):
        build(project, options)
    po.write_text(text.replace('msgstr "Quimioterapia"', 'msgstr "La quimioterapia"'),
                  encoding="utf-8")
    edited = build(project, options)
    assert edited[0].fresh and edited[0].error is None
    pdf = PdfReader(edited[0].path)
    assert "La quimioterapia" in " ".join(page.extract_text() for page in pdf.pages)


def test_an_entry_rebuilds_what_prints_it_and_a_style_rebuilds_all(project, tmp_path, built,
                                                                    monkeypatch):
    seed_cache(built, tmp_path / "out", monkeypatch)  # as if built before
    options = BuildOptions(out=tmp_path / "out", languages=("es", "fr"), jobs=2)
    assert not any(r.fresh for r in build(project, options))
    po = catalog_path(project, "fr")
    # "Chemotherapy" in the stage 4 topic's figure: in one brochure of the eight.
    po.write_text(po.read_text().replace('msgstr "Chimiothérapie"', 'msgstr "La chimiothérapie"'))
    changed = build(project, options)
    assert {(r.lang, r.topic) for r in changed if r.fresh} == {("fr", "stage-4-anal-cancer")}
    pdf = PdfReader(tmp_path / "out" / "fr" / "stage-4-anal-cancer.pdf")
    assert "La chimiothérapie" in " ".join(page.extract_text() for page in pdf.pages)
    # A template string is printed in every brochure of its language.
    text = po.read_text()
    footer = text.index('msgid "Page %(page)s of %(pages)s"')
    po.write_text(text[:footer] + text[footer:].replace("Page %(page)s sur %(pages)s",
                                                        "Page %(page)s / %(pages)s", 1))
    assert {(r.lang, r.topic) for r in build(project, options) if r.fresh} == {
        ("fr", topic) for topic in TOPICS}
    # update rewrites every catalog's header (POT-Creation-Date): nothing prints it.
    header = '"POT-Creation-Date: 2031-01-01 00:00+0000\\n"'
    po.write_text(re.sub(r'"POT-Creation-Date: [^"]*"', lambda _: header, po.read_text(), count=1))
    assert not any(r.fresh for r in build(project, options))
    css = project / "styles" / "type.css"
    css.write_text(css.read_text() + "\n/* a change */\n")
    assert all(r.fresh for r in build(project, options))


def test_a_withheld_brochure_is_withheld_again_without_rendering(project, tmp_path,
                                                                 monkeypatch):
    po = catalog_path(project, "fr")
    text = po.read_text()
    po.write_text(text.replace('msgstr "Chimiothérapie"', 'msgstr ""'))
    options = BuildOptions(out=tmp_path / "out", languages=("fr",),
                           topics=("stage-4-anal-cancer",), jobs=2)
    first = build(project, options)[0]
    assert first.refused and first.fresh and "not released" in str(first.error)
    with monkeypatch.context() as no_workers:  # judged from the catalog and the record
        no_workers.setattr("brochurekit.build._start_worker", lambda *args: pytest.fail(
            "a brochure was rendered"))
        again = build(project, options)[0]
    assert again.refused and not again.fresh and str(again.error) == str(first.error)
    po.write_text(text)  # translated again: built
    assert build(project, options)[0].error is None


def test_workers_render_english_while_the_rules_run_on_the_other_catalogs(
        project, tmp_path, monkeypatch):
    """The rules run once per language, in the build's own process, as the workers start;
    English needs none, so its brochures are rendered meanwhile."""
    import os
    import time

    out = tmp_path / "out"
    english = out / "en" / "stage-4-anal-cancer.pdf"
    checked, rules = [], build_module.enforce_rules

    def rules_that_wait_for_english(root, translator, content):  # noqa: ANN001, ANN202
        deadline = time.monotonic() + 120
        while not english.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        checked.append((translator.lang, english.exists(), os.getpid()))
        return rules(root, translator, content)

    monkeypatch.setattr(build_module, "enforce_rules", rules_that_wait_for_english)
    results = build(project, BuildOptions(out=out, languages=("fr", "en", "es"), jobs=2,
                                          topics=("stage-4-anal-cancer",)))
    assert all(r.error is None for r in results), [r.error for r in results]
    assert checked == [("fr", True, os.getpid()), ("es", True, os.getpid())]


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_broken_glossary_stops_the_build_before_anything_is_rendered(project, tmp_path,
                                                                       jobs):
    glossary = project / "locales" / "fr" / "glossary.csv"
    glossary.write_text(glossary.read_text(encoding="utf-8") + "a,b,preferred\n",
                        encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(CatalogError, match="expected 4 columns") as raised:
        build(project, BuildOptions(out=out, languages=("en", "fr"), jobs=jobs))
    assert raised.value.file == "locales/fr/glossary.csv"
    assert not list(out.rglob("*.pdf"))


def test_a_glossary_or_review_change_revisits_an_up_to_date_brochure(project, tmp_path):
    """Both decide what a brochure prints: the gate runs again, the back page changes."""
    options = BuildOptions(out=tmp_path / "out", languages=("fr",),
                           topics=("stage-4-anal-cancer",), jobs=1)
    assert build(project, options)[0].error is None
    glossary = project / "locales" / "fr" / "glossary.csv"
    approved = "carboplatin,carboplatine,preferred"
    text = glossary.read_text(encoding="utf-8")
    assert approved in text
    glossary.write_text(text.replace(approved, "carboplatin,carboplatinum,preferred"),
                        encoding="utf-8")
    (result,) = build(project, options)
    assert result.fresh and result.error is not None and "[glossary]" in str(result.error)
    glossary.write_text(text, encoding="utf-8")
    assert build(project, options)[0].error is None
    assert not build(project, options)[0].fresh
    assert main(["--root", str(project), "review", "--lang", "fr", "--reviewer", "X"]) == 0
    assert build(project, options)[0].fresh


def test_a_change_to_the_code_rebuilds_everything(project, tmp_path, monkeypatch):
    import brochurekit.build

    options = BuildOptions(out=tmp_path / "out", languages=("es",),
                           topics=("stage-4-anal-cancer",))
    code = tmp_path / "render.py"
    code.write_text("# version 1\n")
    monkeypatch.setattr(brochurekit.build, "CODE", (code,))
    build(project, options)
    assert not any(r.fresh for r in build(project, options))
    code.write_text("# version 2\n")
    assert all(r.fresh for r in build(project, options))


def test_a_failed_brochure_is_retried_and_the_others_kept(project, tmp_path, built,
                                                          monkeypatch):
    seed_cache(built, tmp_path / "out", monkeypatch)  # as if built before
    options = BuildOptions(out=tmp_path / "out", languages=ONE_LANGUAGE, jobs=2)
    assert not any(r.fresh for r in build(project, options))
    previous = (tmp_path / "out" / "es" / "treating-anal-cancer.pdf").read_bytes()
    po = catalog_path(project, "es")
    good = po.read_text()
    start = good.index('msgid "If you have HIV"')
    po.write_text(good[:start] + 'msgid "If you have HIV"\nmsgstr ""' +
                  good[good.index("\n\n", start):])
    results = {r.topic: r for r in build(project, options)}
    assert results["treating-anal-cancer"].error is not None
    assert (tmp_path / "out" / "es" / "treating-anal-cancer.pdf").read_bytes() == previous
    po.write_text(good)
    results = {r.topic: r for r in build(project, options)}
    assert results["treating-anal-cancer"].fresh and results["treating-anal-cancer"].error is None


@pytest.mark.parametrize("epoch", ["soon", "1.5"])
def test_a_bad_source_date_epoch_is_a_clear_error(project, tmp_path, monkeypatch, epoch):
    from brochurekit.errors import BrochureError

    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    with pytest.raises(BrochureError, match="SOURCE_DATE_EPOCH must be whole seconds"):
        build(project, BuildOptions(out=tmp_path / "out"))


# --- The incremental state cannot be fooled (issue #15) ---------------------------------


def test_a_cached_pdf_that_is_not_what_its_build_wrote_is_built_again(project, tmp_path,
                                                                       built, monkeypatch,
                                                                       caplog):
    out = tmp_path / "out"
    seed_cache(built, out, monkeypatch)
    options = BuildOptions(out=out, languages=ONE_LANGUAGE, jobs=2)
    # Another language's PDF in its place, one cut short, one edited in place.
    (out / "es" / "stage-4-anal-cancer.pdf").write_bytes(
        (out / "fr" / "stage-4-anal-cancer.pdf").read_bytes())
    cut = out / "es" / "treating-anal-cancer.pdf"
    cut.write_bytes(cut.read_bytes()[:5000])
    edited = out / "es" / "recurrent-anal-cancer.pdf"
    edited.write_bytes(edited.read_bytes() + b"% edited after the build\n")
    results = {r.topic: r for r in build(project, options)}
    assert {topic for topic, r in results.items() if r.fresh} == {
        "stage-4-anal-cancer", "treating-anal-cancer", "recurrent-anal-cancer"}
    for topic in ("stage-4-anal-cancer", "treating-anal-cancer", "recurrent-anal-cancer"):
        assert f"es/{topic}.pdf: not the file this folder's last build wrote" in caplog.text
        reader = PdfReader(results[topic].path)
        assert reader.trailer["/Root"]["/Lang"] == "es"
        assert "quimioterapia" in "".join(page.extract_text() for page in reader.pages).lower()
    assert all(not r.fresh for r in build(project, options))  # and now they are recorded


def test_a_build_stopped_before_recording_then_reverted_does_not_keep_its_pdfs(
        project, tmp_path, built, monkeypatch):
    from brochurekit.build import BuildState

    out = tmp_path / "out"
    seed_cache(built, out, monkeypatch)
    options = BuildOptions(out=out, languages=ONE_LANGUAGE, topics=("stage-4-anal-cancer",))
    po = catalog_path(project, "es")
    good = po.read_text()
    po.write_text(good.replace('msgstr "Quimioterapia"', 'msgstr "Quimioterapia nueva"'))
    with monkeypatch.context() as stopped:  # killed after writing, before recording
        stopped.setattr(BuildState, "save", lambda self: None)
        (result,) = build(project, options)
    assert result.fresh and "Quimioterapia nueva" in "".join(
        page.extract_text() for page in PdfReader(result.path).pages)
    po.write_text(good)  # reverted: the recorded input hash matches again, the PDF does not
    (result,) = build(project, options)
    assert result.fresh
    text = "".join(page.extract_text() for page in PdfReader(result.path).pages)
    assert "Quimioterapia" in text and "Quimioterapia nueva" not in text


@pytest.mark.parametrize("state", ["[]", '{"es/stage-4-anal-cancer.pdf": "0" }', "{", None])
def test_a_broken_build_state_is_ignored_or_named(project, tmp_path, state):
    from brochurekit.build import STATE_FILE
    from brochurekit.errors import BrochureError

    out = tmp_path / "out"
    options = BuildOptions(out=out, languages=ONE_LANGUAGE, topics=("stage-4-anal-cancer",))
    if state is None:  # a folder where the state file goes: named before any work
        (out / STATE_FILE).mkdir(parents=True)
        with pytest.raises(BrochureError, match="is a folder") as raised:
            build(project, options)
        assert raised.value.file == str(out / STATE_FILE)
        assert not (out / "es").exists()
        return
    out.mkdir()
    (out / STATE_FILE).write_text(state)
    (result,) = build(project, options)
    assert result.fresh and result.error is None
    assert not build(project, options)[0].fresh


def test_release_force_builds_everything_again(project, monkeypatch):
    from brochurekit import release

    seen = {}
    monkeypatch.setattr(release, "release", lambda *args, **kwargs: seen.update(kwargs) or 0)
    assert main(["--root", str(project), "release", "--force"]) == 0
    assert seen["force"] is True and seen["strict"] is False


def receipts_of(pid: int) -> list:
    import tempfile
    from pathlib import Path

    return list(Path(tempfile.gettempdir()).glob(f"{build_module.RECEIPTS}{pid}-*"))


def test_workers_stop_when_the_build_is_killed(project, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "out"
    build_process = subprocess.Popen(
        [sys.executable, "-c", "import sys; from brochurekit.cli import main; "
         "sys.exit(main(sys.argv[1:]))", "--root", str(project), "build",
         "--out", str(out), "--jobs", "2", "--lang", "es", "--lang", "fr", "--lang", "ru"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not list(out.glob("*/*.pdf")) and time.monotonic() < deadline:
            time.sleep(0.2)
        workers = subprocess.run(["pgrep", "-P", str(build_process.pid)],
                                 capture_output=True, text=True).stdout.split()
        assert workers, "the build started no workers"
        build_process.kill()  # SIGKILL: no clean-up in the build itself
        build_process.wait()
        time.sleep(2)
        written = set(out.glob("*/*.pdf"))
        def running(pid: str) -> bool:
            try:
                with open(f"/proc/{pid}/stat") as stat:
                    return stat.read().split()[2] != "Z"  # a zombie has stopped
            except FileNotFoundError:
                return False

        assert not [pid for pid in workers if running(pid)], "workers outlived the build"
        time.sleep(3)
        assert set(out.glob("*/*.pdf")) == written  # nothing written after
        assert len(written) < 12
        left = receipts_of(build_process.pid)
        assert left  # a killed build cannot clean up; the next build does
        results = build(project, BuildOptions(out=out, languages=("es", "fr"), jobs=2,
                                              topics=("stage-4-anal-cancer",), force=True))
        assert all(r.error is None for r in results)
        assert not any(folder.exists() for folder in left)
    finally:
        if build_process.poll() is None:
            os.killpg(build_process.pid, signal.SIGKILL)


# --- An overdue topic is never printed silently (issue #15) -----------------------------


def make_overdue(project, monkeypatch) -> None:
    """Date the build after the stage-4 topic's review was due."""
    topic = project / "brochures" / "stage-4-anal-cancer.yaml"
    text = topic.read_text(encoding="utf-8")
    topic.write_text(text.replace("last_reviewed: 2026-11-23", "last_reviewed: 2024-11-23")
                     .replace("next_review_due: 2027-11-23", "next_review_due: 2025-11-23"),
                     encoding="utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01


def test_an_overdue_topic_says_so_on_its_first_page_and_warns(project, tmp_path,
                                                               monkeypatch, caplog):
    make_overdue(project, monkeypatch)
    results = build(project, BuildOptions(out=tmp_path, languages=("es", "ar", "en"),
                                          topics=("stage-4-anal-cancer",), jobs=2))
    assert all(r.error is None for r in results)
    assert ("brochures/stage-4-anal-cancer.yaml: review overdue since 2025-11-23"
            in caplog.text)
    pages = {r.lang: PdfReader(r.path).pages[0].extract_text() for r in results}
    assert "Review overdue since November 23, 2025" in " ".join(pages["en"].split())
    assert "Revisión atrasada desde el 23 de noviembre de 2025" in " ".join(pages["es"].split())
    import pypdfium2 as pdfium  # Arabic: read by PDFium, which keeps its words whole

    document = pdfium.PdfDocument(results[0].path if results[0].lang == "ar"
                                  else next(r.path for r in results if r.lang == "ar"))
    try:
        assert "مراجعة هذه المعلومات متأخرة" in document[0].get_textpage().get_text_range()
    finally:
        document.close()


def test_release_strict_refuses_an_overdue_topic(project, tmp_path, monkeypatch, caplog):
    make_overdue(project, monkeypatch)
    out = tmp_path / "dist"
    assert main(["--root", str(project), "release", "--strict", "--out", str(out)]) == 1
    assert "brochures/stage-4-anal-cancer.yaml: review overdue since 2025-11-23" in caplog.text
    assert "release not written: --strict refuses 1 overdue topics" in caplog.text
    assert not out.exists()


# --- A failing brochure or worker is named, the rest kept (issue #15) -------------------


def test_a_renderer_fault_fails_its_brochure_named_and_the_others_build(project, tmp_path,
                                                                        monkeypatch):
    import brochurekit.build

    original = brochurekit.build.render_html

    def faulty(env, topic, *args, **kwargs):
        if topic.id == "stage-4-anal-cancer":
            raise ValueError("a fault in a filter")
        return original(env, topic, *args, **kwargs)

    monkeypatch.setattr(brochurekit.build, "render_html", faulty)
    results = {r.topic: r for r in build(project, BuildOptions(out=tmp_path, jobs=1,
                                                               languages=("es",)))}
    failed = results.pop("stage-4-anal-cancer")
    assert "failed while rendering (ValueError: a fault in a filter)" in str(failed.error)
    assert failed.error.file == "es/stage-4-anal-cancer"
    assert all(r.error is None and r.path.exists() for r in results.values())


def test_a_killed_worker_names_each_brochure_left_unbuilt(project, tmp_path):
    import multiprocessing
    import os
    import signal
    import threading
    import time

    out = tmp_path / "out"

    def kill_a_worker() -> None:
        deadline = time.monotonic() + 120
        while not list(out.glob("*/*.pdf")) and time.monotonic() < deadline:
            time.sleep(0.05)
        for child in multiprocessing.active_children():
            os.kill(child.pid, signal.SIGKILL)
            return

    killer = threading.Thread(target=kill_a_worker, daemon=True)
    killer.start()
    chosen = {"languages": ("es", "fr"), "topics": ("stage-4-anal-cancer",
                                                      "recurrent-anal-cancer")}
    results = build(project, BuildOptions(out=out, jobs=2, **chosen))
    killer.join()
    stopped = [r for r in results if r.error]
    assert stopped and len(stopped) < len(results)  # some built before, some never
    for result in stopped:
        assert "not built: a build worker stopped" in str(result.error)
        assert result.error.file == f"{result.lang}/{result.topic}"
    again = build(project, BuildOptions(out=out, jobs=2, **chosen))
    assert {(r.lang, r.topic) for r in again if r.fresh} == \
        {(r.lang, r.topic) for r in stopped}  # what was built is recorded and kept


@pytest.mark.skipif(not build_module.FORK,
                    reason="the worker must inherit the patched writer (fork)")
def test_a_worker_dying_right_after_writing_its_pdf_loses_nothing(project, tmp_path,
                                                                 monkeypatch):
    import os

    out = tmp_path / "out"
    doomed = out / "fr" / "stage-4-anal-cancer.pdf"
    parent, written = os.getpid(), build_module.write_atomically

    def write_then_die(target, data):  # noqa: ANN001, ANN202
        written(target, data)
        if target == doomed and os.getpid() != parent:
            os._exit(1)  # killed after the PDF took its name, before the worker reported it

    monkeypatch.setattr(build_module, "write_atomically", write_then_die)
    chosen = {"languages": ("es", "fr"), "topics": ("stage-4-anal-cancer",
                                                      "recurrent-anal-cancer")}
    results = build(project, BuildOptions(out=out, jobs=2, **chosen))
    kept = next(r for r in results if r.path == doomed)
    assert kept.error is None and kept.fresh and kept.pages == len(PdfReader(doomed).pages)
    assert kept.printed  # what it prints is recorded: its input hash can be checked again
    monkeypatch.undo()
    again = build(project, BuildOptions(out=out, jobs=2, **chosen))
    assert not next(r for r in again if r.path == doomed).fresh  # recorded: not rebuilt
    assert {(r.lang, r.topic) for r in again if r.fresh} == \
        {(r.lang, r.topic) for r in results if r.error}
    assert [path.name for path in out.rglob("*.json")] == [".brochurekit-state.json"]


def test_two_builds_into_one_folder_at_once_both_finish(project, tmp_path):
    import json
    import subprocess
    import sys

    from brochurekit.build import STATE_FILE

    out = tmp_path / "out"
    command = [sys.executable, "-c", "import sys; from brochurekit.cli import main; "
               "sys.exit(main(sys.argv[1:]))", "--root", str(project), "build", "--out",
               str(out), "--jobs", "1", "--topic", "stage-4-anal-cancer"]
    builds = [subprocess.Popen([*command, "--lang", lang], stderr=subprocess.PIPE, text=True)
              for lang in ("es", "fr")]
    for process in builds:
        _, errors = process.communicate(timeout=300)
        assert process.returncode == 0 and "Traceback" not in errors, errors
    assert json.loads((out / STATE_FILE).read_text())  # whole, whichever saved last
    for lang in ("es", "fr"):
        assert PdfReader(out / lang / "stage-4-anal-cancer.pdf").trailer["/Root"]["/Lang"] == lang
    assert not list(out.glob(f".{STATE_FILE}.*"))  # no temporary file left


def test_a_full_disk_fails_the_brochures_named_and_keeps_the_old_pdfs(project, tmp_path):
    import subprocess

    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=900k", "tmpfs", str(disk)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small disk here: {mounted.stderr.strip()}")
    try:
        options = BuildOptions(out=disk, languages=("es",), topics=("stage-4-anal-cancer",))
        (first,) = build(project, options)
        assert first.error is None
        before = first.path.read_bytes()
        free = int(subprocess.run(["df", "--output=avail", "-B1", str(disk)],
                                  capture_output=True, text=True).stdout.split()[-1])
        (disk / "filler").write_bytes(b"\0" * max(0, free - 8192))  # a disk left nearly full
        po = catalog_path(project, "es")
        po.write_text(po.read_text().replace('msgstr "Quimioterapia"',
                                             'msgstr "La quimioterapia"'))
        (again,) = build(project, options)
        assert again.error is not None
        assert "stage-4-anal-cancer.pdf: cannot be written: No space left on device" in \
            f"{again.error.file}: {again.error.message}"
        assert first.path.read_bytes() == before  # the old PDF is still whole
        assert not [p for p in (disk / "es").iterdir() if p.name.startswith(".")]
        free = int(subprocess.run(["df", "--output=avail", "-B1", str(disk)],
                                  capture_output=True, text=True).stdout.split()[-1])
        (disk / "last").write_bytes(b"\0" * free)  # not a byte left: not even for the record
        (again,) = build(project, options)
        assert again.error is not None and first.path.read_bytes() == before
    finally:
        subprocess.run(["umount", str(disk)], check=False)
