"""A translation's medical review is recorded apart from the catalog, entry by entry."""

from __future__ import annotations

import json

import polib
from pypdf import PdfReader

from brochurekit.build import BuildOptions, build
from brochurekit.catalogs import catalog_path
from brochurekit.cli import EXIT_INPUT, EXIT_OK, main
from brochurekit.review import load_reviews, review_path

TOPIC = "stage-4-anal-cancer"
NOT_CHECKED = "no ha sido revisada"


def back_page(project, tmp_path, name: str) -> str:
    results = build(project, BuildOptions(out=tmp_path / name, languages=("es",),
                                          topics=(TOPIC,), jobs=1))
    assert results[0].error is None, results[0].error
    pages = PdfReader(results[0].path).pages  # the back matter: the last page or two
    return " ".join((pages[-2].extract_text() + " " + pages[-1].extract_text()).split())


def review_findings(project, capsys) -> list[dict]:
    main(["--root", str(project), "check", "--json", "--lang", "es", "--today", "2026-11-23"])
    report = json.loads(capsys.readouterr().out)
    return [f for f in report["findings"] if f["rule"] == "review"]


def test_a_reviewer_header_in_the_catalog_is_ignored(project, capsys, tmp_path):
    path = catalog_path(project, "es")
    po = polib.pofile(str(path), wrapwidth=76)
    po.metadata["X-Reviewed-By"] = "Dr Self Approved"
    po.metadata["X-Reviewed-Date"] = "2026-11-01"
    po.save(str(path))
    findings = review_findings(project, capsys)
    assert [f["level"] for f in findings] == ["warning", "warning"]
    assert "ignored" in findings[0]["message"]
    text = back_page(project, tmp_path, "header")
    assert "Self Approved" not in text and NOT_CHECKED in text


def test_a_recorded_review_is_printed_until_an_entry_changes(project, capsys, tmp_path):
    assert main(["--root", str(project), "review", "--lang", "es", "--reviewer",
                 "Dra. Ana Pérez", "--date", "2026-11-20"]) == EXIT_OK
    (review,) = load_reviews(project, "es")
    catalog = polib.pofile(str(catalog_path(project, "es")))
    assert review.reviewer == "Dra. Ana Pérez"
    assert len(review.entries) == len(catalog.translated_entries())
    assert review_findings(project, capsys) == []
    text = back_page(project, tmp_path, "reviewed")
    assert "Dra. Ana Pérez" in text and "20 de noviembre de 2026" in text
    assert NOT_CHECKED not in text and "desde esa revisión" not in text

    path = catalog_path(project, "es")
    po = polib.pofile(str(path), wrapwidth=76)
    changed = next(e for e in po if e.msgctxt == "shared/side-effects"
                   and e.msgid.startswith("Pain that"))
    changed.msgstr = "Dolor que sus medicamentos no logran controlar."
    po.save(str(path))
    findings = review_findings(project, capsys)
    assert len(findings) == 1 and "changed or added since" in findings[0]["message"]
    text = back_page(project, tmp_path, "changed")
    assert "Dra. Ana Pérez" in text and "desde esa revisión: 1" in text


def test_a_broken_review_record_names_its_line(project, caplog):
    review_path(project, "es").write_text("reviews:\n  - reviewer: X\n    date: soon\n"
                                          "    entries: []\n", encoding="utf-8")
    assert main(["--root", str(project), "build", "--lang", "es", "--out",
                 str(project / "d")]) == EXIT_INPUT
    assert "locales/es/review.yaml:3: date must be written YYYY-MM-DD" in caplog.text
