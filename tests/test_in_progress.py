"""Languages declared in progress: built as drafts, left out of releases and of check's
failure, listed as such in the release index (issue #15)."""

from __future__ import annotations

import json
import logging

import pytest
from pypdf import PdfReader

from brochurekit.build import BuildOptions, build
from brochurekit.cli import EXIT_FAILED, EXIT_INPUT, EXIT_OK, main
from conftest import CONTENT, seed_cache, translate

LANG = "ht"
TOPIC = "stage-4-anal-cancer"


def declare(project, value: str) -> None:
    config = project / "pyproject.toml"
    text = config.read_text()
    assert "\nin_progress = []\n" in text
    config.write_text(text.replace("\nin_progress = []\n", f"\nin_progress = {value}\n"))


def untranslate_a_paragraph(project) -> None:
    """Empty one paragraph's translation (not a critical unit: a draft may show it in
    English, marked)."""
    message = next(m for m in CONTENT.topic(TOPIC).messages() if m.kind == "paragraph"
                   and not m.critical)
    translate(project, LANG, (message.context, message.text), lambda old: "")


def test_a_language_in_progress_does_not_fail_check(project, capsys):
    untranslate_a_paragraph(project)
    assert main(["--root", str(project), "check", "--lang", LANG]) == EXIT_FAILED
    capsys.readouterr()
    declare(project, f'["{LANG}"]')
    assert main(["--root", str(project), "check", "--lang", LANG]) == EXIT_OK
    report = capsys.readouterr().out
    assert f"locales/{LANG}/LC_MESSAGES/brochures.po: in progress: [completeness] {TOPIC}" \
        in report
    assert "findings in progress (they do not fail check)" in report


def test_a_language_in_progress_builds_as_drafts(project, tmp_path):
    untranslate_a_paragraph(project)
    declare(project, f'["{LANG}"]')
    (result,) = build(project, BuildOptions(out=tmp_path, languages=(LANG,), topics=(TOPIC,)))
    assert result.error is None and result.path.name == f"{TOPIC}.draft.pdf"
    assert "DRAFT" in PdfReader(result.path).pages[0].extract_text()


def test_release_leaves_a_language_in_progress_out_and_lists_it(project, tmp_path, built,
                                                                monkeypatch, caplog):
    caplog.set_level(logging.INFO)
    seed_cache(built, project / "build" / "release-cache", monkeypatch)
    declare(project, f'["{LANG}"]')
    out = tmp_path / "dist"
    assert main(["--root", str(project), "release", "--lang", "es", "--lang", LANG,
                 "--out", str(out)]) == EXIT_OK
    assert f"{LANG} is in progress (pyproject.toml): it is not released" in caplog.text
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {entry["language"] for entry in manifest["brochures"]} == {"es"}
    (unfinished,) = manifest["in_progress"]
    assert unfinished["language"] == LANG and unfinished["direction"] == "ltr"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "In progress, not released yet:" in index and f'lang="{LANG}"' in index
    assert not (out / LANG).exists()


@pytest.mark.parametrize(("value", "expected"), [
    ('"ht"', "in_progress: must be a list of language codes"),
    ('["xx"]', "in_progress: no catalog for 'xx'"),
    ('["en"]', "in_progress: no catalog for 'en'"),
])
def test_a_bad_in_progress_setting_is_named(project, tmp_path, caplog, value, expected):
    declare(project, value)
    assert main(["--root", str(project), "build", "--out", str(tmp_path), "--lang", "es"]) \
        == EXIT_INPUT
    line = next(number for number, text in enumerate(
        (project / "pyproject.toml").read_text().splitlines(), 1) if text.startswith("in_prog"))
    assert f"pyproject.toml:{line}: [tool.brochurekit] {expected}" in caplog.text


def test_releasing_only_a_language_in_progress_is_a_clear_error(project, tmp_path, caplog):
    declare(project, f'["{LANG}"]')
    out = tmp_path / "dist"
    assert main(["--root", str(project), "release", "--lang", LANG, "--out", str(out)]) \
        == EXIT_INPUT
    assert "nothing to release: every language chosen is in progress" in caplog.text
    assert not out.exists()
