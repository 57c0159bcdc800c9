"""Adding a language needs no code: init-language, translate, check, build."""

from __future__ import annotations

import logging
import shutil

from babel.messages.pofile import read_po, write_po
from pypdf import PdfReader

from brochurekit.catalogs import catalog_path
from brochurekit.cli import EXIT_FAILED, EXIT_INPUT, EXIT_OK, main


def run(project, *args) -> int:
    return main(["--root", str(project), *args])


def translate_all(project, lang: str, prefix: str) -> None:
    """Stand in for a translator: fill every entry, keeping placeholders."""
    path = catalog_path(project, lang)
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    for message in catalog:
        if message.id:
            message.string = f"{prefix} {message.id}"
    with path.open("wb") as handle:
        write_po(handle, catalog, width=76)


def test_a_new_language_builds_with_no_code_change(project, tmp_path, caplog, monkeypatch):
    caplog.set_level(logging.INFO)
    assert run(project, "init-language", "it") == EXIT_OK
    header = catalog_path(project, "it").read_text()
    assert '"Language: it\\n"' in header
    assert '"Language-Team: Italian\\n"' in header
    assert '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"' in header
    assert run(project, "init-language", "it") == EXIT_INPUT  # never overwrites

    out = tmp_path / "out"
    assert run(project, "build", "--lang", "it", "--out", str(out)) == EXIT_FAILED
    assert "untranslated or fuzzy" in caplog.text

    translate_all(project, "it", "IT")
    caplog.clear()
    # The stand-in translation is English text: the gate says so, and holds it back.
    assert run(project, "check", "--today", "2026-11-23", "--lang", "it") == EXIT_FAILED
    assert run(project, "build", "--lang", "it", "--out", str(out)) == EXIT_FAILED
    assert "[language] the text reads as English (en), not it" in caplog.text
    # With the gate off, everything else about a new language works with no code change.
    # (--force: the build records why it withheld each brochure, and says so again while
    # nothing it prints has changed; switching the gate off here changes no input.)
    monkeypatch.setattr("brochurekit.build.enforce_rules",
                        lambda root, translator, content: translator)
    assert run(project, "build", "--lang", "it", "--out", str(out), "--force") == EXIT_OK
    reader = PdfReader(out / "it" / "treating-anal-cancer.pdf")
    assert reader.trailer["/Root"]["/Lang"] == "it"
    assert reader.metadata.title == "IT Treating anal cancer"
    assert "novembre 2026" in "".join(p.extract_text() for p in reader.pages)


def test_a_language_babel_resolves_to_another_locale_keeps_its_own_code(project, caplog,
                                                                        capsys):
    # Babel resolves "tl" to "fil_PH": the header must still say "tl", or check refuses it.
    shutil.rmtree(project / "locales" / "tl", ignore_errors=True)
    assert run(project, "init-language", "tl") == EXIT_OK
    header = catalog_path(project, "tl").read_text()
    assert '"Language: tl\\n"' in header
    assert '"Language-Team: Filipino (Philippines)\\n"' in header
    caplog.clear()
    run(project, "check", "--today", "2026-11-23", "--lang", "tl")
    report = caplog.text + capsys.readouterr().out
    assert "Language header" not in report
    assert "tl: 0% of " in report


def test_a_script_with_no_font_is_named_then_built_once_a_font_is_added(
        project, tmp_path, caplog, monkeypatch):
    monkeypatch.setattr("brochurekit.build.enforce_rules",
                        lambda root, translator, content: translator)  # stand-in text
    assert run(project, "init-language", "am") == EXIT_OK
    assert "cannot draw: ማ (U+121B)" in caplog.text  # warned at once, from the autonym
    translate_all(project, "am", "ሰላም")
    out = tmp_path / "out"
    assert run(project, "build", "--lang", "am", "--topic", "stage-4-anal-cancer",
               "--out", str(out)) == EXIT_FAILED
    failure = next(line for line in caplog.text.splitlines() if "am/stage-4" in line)
    assert "failed: locales/am/LC_MESSAGES/brochures.po: the fonts for 'am' (Noto Sans) " \
        "cannot draw: " in failure and "ሰ (U+1230)" in failure
    assert not (out / "am").exists()

    fonts_css = project / "styles" / "fonts.css"
    rule = 'html:lang(am) {\n  font-family: "Noto Sans Ethiopic", "Noto Sans";\n}\n'
    fonts_css.write_text(f"{fonts_css.read_text()}\n{rule}")
    assert run(project, "build", "--lang", "am", "--topic", "stage-4-anal-cancer",
               "--out", str(out)) == EXIT_OK
    fonts = {str(f.get_object()["/BaseFont"]) for page in
             PdfReader(out / "am" / "stage-4-anal-cancer.pdf").pages
             for f in page["/Resources"]["/Font"].values()}
    assert any("Noto-Sans-Ethiopic" in name for name in fonts)
