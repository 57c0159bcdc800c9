"""The command line: exit codes, errors that name file and line, nothing built is lost."""

from __future__ import annotations

import logging

import pytest

from brochurekit.build import STATE_FILE
from brochurekit.catalogs import catalog_path
from brochurekit.cli import EXIT_FAILED, EXIT_INPUT, EXIT_OK, main


def run(project, *args) -> int:
    return main(["--root", str(project), *args])


@pytest.fixture(autouse=True)
def _info_logs(caplog):
    caplog.set_level(logging.INFO)


def test_build_one_brochure(project, tmp_path):
    out = tmp_path / "out"
    assert run(project, "build", "--lang", "es", "--topic", "stage-4-anal-cancer",
               "--out", str(out)) == EXIT_OK
    assert (out / "es" / "stage-4-anal-cancer.pdf").read_bytes().startswith(b"%PDF-")
    assert sorted(p.name for p in out.rglob("*")) == [
        STATE_FILE, "es", "stage-4-anal-cancer.pdf"]


def test_broken_content_names_file_and_line_and_builds_nothing(project, tmp_path, caplog):
    path = project / "brochures" / "recurrent-anal-cancer.yaml"
    path.write_text(path.read_text().replace("  - shared: clinical-trials",
                                             "  - shared: clinical-trails"))
    out = tmp_path / "out"
    assert run(project, "build", "--out", str(out)) == EXIT_INPUT
    line = path.read_text().splitlines().index("  - shared: clinical-trails") + 1
    assert (f"error: brochures/recurrent-anal-cancer.yaml:{line}: sections[6].shared: unknown "
            "shared block 'clinical-trails'") in caplog.text
    assert not out.exists()


def test_untranslated_unit_fails_that_brochure_and_keeps_the_previous_pdf(
        project, tmp_path, caplog):
    out = tmp_path / "out"
    previous = out / "es" / "treating-anal-cancer.pdf"
    previous.parent.mkdir(parents=True)
    previous.write_bytes(b"%PDF- the previous release")
    po = catalog_path(project, "es")
    text = po.read_text()
    start = text.index('msgid "If you have HIV"')
    end = text.index("\n\n", start)
    po.write_text(text[:start] + 'msgid "If you have HIV"\nmsgstr ""' + text[end:])

    assert run(project, "build", "--lang", "es", "--out", str(out)) == EXIT_FAILED
    assert previous.read_bytes() == b"%PDF- the previous release"
    assert ("es/treating-anal-cancer: failed: locales/es/LC_MESSAGES/brochures.po: not "
            "released: 1 units") in caplog.text
    assert "brochures/treating-anal-cancer.yaml:" in caplog.text
    for topic in ("recurrent-anal-cancer", "stage-4-anal-cancer", "treating-advanced-cancer"):
        assert (out / "es" / f"{topic}.pdf").exists()
    assert [p.name for p in out.rglob(".*")] == [STATE_FILE]  # no temporary files left


def test_text_no_font_can_draw_is_refused_with_the_characters(project, tmp_path, caplog):
    po = catalog_path(project, "fr")
    po.write_text(po.read_text().replace('msgstr "Références"', 'msgstr "Références ሰላም"'))
    assert run(project, "build", "--lang", "fr", "--topic", "treating-anal-cancer",
               "--out", str(tmp_path)) == EXIT_FAILED
    assert "locales/fr/LC_MESSAGES/brochures.po: the fonts for 'fr'" in caplog.text
    assert "ሰ (U+1230)" in caplog.text
    assert not (tmp_path / "fr" / "treating-anal-cancer.pdf").exists()


def test_broken_catalog_syntax_names_file_and_line(project, tmp_path, caplog):
    po = catalog_path(project, "zh_Hans")
    lines = po.read_text().splitlines()
    line = lines.index('msgstr "第 %(page)s 页，共 %(pages)s 页"') + 1
    lines[line - 1] = 'msgstr "第 %(page)s 页'  # unterminated: Babel's reader would accept it
    po.write_text("\n".join(lines))
    assert run(project, "build", "--out", str(tmp_path)) == EXIT_INPUT
    assert f"error: locales/zh_Hans/LC_MESSAGES/brochures.po:{line}: msgfmt: " in caplog.text
    assert not list(tmp_path.rglob("*.pdf"))  # every catalog is checked before any PDF


def test_unknown_topic_and_paper(project, tmp_path, caplog):
    assert run(project, "build", "--topic", "nope", "--out", str(tmp_path)) == EXIT_INPUT
    assert "unknown topic 'nope'" in caplog.text
    with pytest.raises(SystemExit) as stop:
        run(project, "build", "--paper", "legal")
    assert stop.value.code == 2


def test_a4_on_request(project, tmp_path):
    from pypdf import PdfReader

    assert run(project, "build", "--paper", "a4", "--lang", "ar", "--topic",
               "stage-4-anal-cancer", "--out", str(tmp_path)) == EXIT_OK
    box = PdfReader(tmp_path / "ar" / "stage-4-anal-cancer.pdf").pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def blank_hiv_heading(project) -> None:
    po = catalog_path(project, "es")
    text = po.read_text()
    start = text.index('msgid "If you have HIV"')
    po.write_text(text[:start] + 'msgid "If you have HIV"\nmsgstr ""' +
                  text[text.index("\n\n", start):])


def pdf_text(path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(path).pages]


def test_draft_renders_missing_units_in_english_with_a_mark_on_every_page(project, tmp_path):
    blank_hiv_heading(project)
    out = tmp_path / "out"
    assert run(project, "build", "--draft", "--lang", "es", "--topic", "treating-anal-cancer",
               "--out", str(out)) == EXIT_OK
    assert not (out / "es" / "treating-anal-cancer.pdf").exists()  # never a release name
    pages = pdf_text(out / "es" / "treating-anal-cancer.draft.pdf")
    assert all("DRAFT" in page for page in pages)
    assert "If you have HIV" in "".join(pages)


def test_a_lower_threshold_releases_with_english_marked_not_silent(project, tmp_path, caplog):
    blank_hiv_heading(project)
    out = tmp_path / "out"
    assert run(project, "build", "--threshold", "95", "--lang", "es", "--topic",
               "treating-anal-cancer", "--out", str(out)) == EXIT_OK
    pages = pdf_text(out / "es" / "treating-anal-cancer.pdf")
    assert "If you have HIV" in "".join(pages) and not any("DRAFT" in p for p in pages)
    assert "es/treating-anal-cancer: 1 units shown in English, marked (99% translated)" \
        in caplog.text


def test_the_back_page_states_who_checked_the_translation(project, tmp_path):
    """The statement comes from the review record the owners keep, never from the .po."""
    assert run(project, "review", "--lang", "fr", "--reviewer", "Dr Claire Martin",
               "--date", "2026-12-01") == EXIT_OK
    assert run(project, "build", "--lang", "fr", "--topic", "stage-4-anal-cancer",
               "--out", str(tmp_path)) == EXIT_OK
    last = pdf_text(tmp_path / "fr" / "stage-4-anal-cancer.pdf")[-1]
    assert "Traduction vérifiée par Dr Claire Martin le 1 décembre 2026." in last


def test_editions_listed_build_each_as_its_own_pdf_and_bad_combinations_are_refused(
        project, tmp_path, caplog):
    from pypdf import PdfReader

    out = tmp_path / "out"
    chosen = ["--root", str(project), "build", "--out", str(out), "--lang", "es", "--topic",
              "stage-4-anal-cancer"]
    assert main([*chosen, "--edition", "standard,large-print+booklet"]) == EXIT_OK
    standard = out / "es" / "stage-4-anal-cancer.pdf"
    booklet = out / "es" / "stage-4-anal-cancer.large-print.booklet.pdf"
    assert len(PdfReader(standard).pages) % 2 == 0
    assert PdfReader(booklet).pages[0].mediabox.width > PdfReader(booklet).pages[0].mediabox.height
    for refused, reason in (
            (["--edition", "bilingual+booklet"], "the editions bilingual+booklet do not combine"),
            (["--bilingual", "--large-print", "--print-shop", "--booklet"],
             "--print-shop and --booklet do not combine"),
            (["--bilingual", "--large-print"], "these do: bilingual+print-shop, "
                                                "large-print+booklet, large-print+print-shop"),
            (["--edition", "standard,glossy"], "unknown edition 'glossy'"),
            (["--edition", "standard", "--bilingual"], "leave out --bilingual")):
        caplog.clear()
        assert main([*chosen, "--out", str(tmp_path / "refused"), *refused]) == EXIT_INPUT
        assert reason in caplog.text, refused
    assert not (tmp_path / "refused").exists()  # refused before anything was built
