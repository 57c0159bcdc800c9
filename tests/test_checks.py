"""`make_brochures.py check`: each rule, on a catalog broken on the fly."""

from __future__ import annotations

import json

import pytest

from brochurekit.catalogs import catalog_path
from brochurekit.cli import EXIT_FAILED, EXIT_OK, main
from conftest import TOPICS, translate

PO = "locales/es/LC_MESSAGES/brochures.po"
RADIATION = "Radioterapia: entre semana (de lunes a viernes), durante 5 a 7 semanas."
KEY = ("shared/chemoradiation", "Radiation: on weekdays (Monday to Friday), for 5 to 7 weeks.")
VEIN = ("shared/chemoradiation", "Chemo by vein: 5-FU (fluorouracil) and mitomycin. You get "
        "them in week 1 and again around week 5.")
TRIALS = ("shared/clinical-trials", "Clinical trials")


def check(project, capsys, *args, lang: str | None = "es") -> tuple[int, dict]:
    """Run `check` as JSON; on the Spanish catalog only, which these tests change, unless
    lang is None (every catalog's gate costs about a second)."""
    only = ("--lang", lang) if lang else ()
    status = main(["--root", str(project), "check", "--json", "--today", "2026-11-23", *only,
                   *args])
    return status, json.loads(capsys.readouterr().out)


def rules(report) -> list[tuple[str, str, int | None]]:
    return [(f["level"], f["rule"], f["line"]) for f in report["findings"]
            if f["file"] == PO]


def test_the_shipped_catalogs_pass(project, capsys):
    status, report = check(project, capsys, lang=None)
    assert status == EXIT_OK
    assert {s["topic"] for s in report["stats"]} == {*TOPICS, "(templates)"}
    assert all(s["percent"] == 100 for s in report["stats"])
    assert all(grade <= 8 for grade in report["readability"].values())
    assert [f["rule"] for f in report["findings"]] == ["source-age"]  # the 2016 page
    assert main(["--root", str(project), "check", "--strict"]) == EXIT_FAILED


@pytest.mark.parametrize(("new", "level", "rule"), [
    (RADIATION.replace("5 a 7", "cinco a siete"), "error", "numbers"),
    ("Radiation: on weekdays (Monday to Friday), for 5 to 7 weeks.", "error", "untranslated"),
    (RADIATION.replace("Radioterapia:", "Radioterapia (diaria:"), "error", "brackets"),
    (RADIATION.replace("semanas.", "semanas. "), "error", "endwhitespace"),
    (RADIATION.replace("entre semana", "<b>entre semana</b>"), "error", "xmltags"),
    (RADIATION.replace("semanas.", "semanas, " + "y además muchas otras cosas, " * 6 + "y más."),
     "warning", "length"),
])
def test_each_entry_rule_names_the_entry(project, capsys, new, level, rule):
    line = translate(project, "es", KEY, lambda old: new)
    status, report = check(project, capsys)
    assert (level, rule, line) in rules(report)
    assert status == (EXIT_FAILED if level == "error" else EXIT_OK)


def test_a_dropped_drug_name_is_an_error(project, capsys):
    translate(project, "es", VEIN, lambda s: s.replace("5-FU (fluorouracilo)", "fluorouracilo"))
    status, report = check(project, capsys)
    assert status == EXIT_FAILED
    assert any(f["rule"] == "invariants" and "5-FU" in f["message"] for f in report["findings"])


def test_untranslated_and_fuzzy_units_fail_the_threshold(project, capsys):
    translate(project, "es", KEY, lambda s: "")
    translate(project, "es", TRIALS, str, fuzzy=True)
    status, report = check(project, capsys)
    assert status == EXIT_FAILED
    stats = {(s["lang"], s["topic"]): s for s in report["stats"]}
    treating = stats[("es", "treating-anal-cancer")]
    assert (treating["untranslated"], treating["fuzzy"], treating["percent"] < 100) == (1, 1, True)
    assert ("error", "completeness", None) in rules(report)
    # The threshold lowers the bar for ordinary units, never for a critical one.
    status, report = check(project, capsys, "--threshold", "90")
    assert status == EXIT_FAILED
    assert {f["rule"] for f in report["findings"] if f["level"] == "error"} == {"critical"}
    translate(project, "es", KEY, lambda s: RADIATION)
    status, _ = check(project, capsys, "--threshold", "90")
    assert status == EXIT_OK


def test_obsolete_entries_are_counted(project, capsys):
    path = catalog_path(project, "es")
    path.write_text(path.read_text() + '\n#~ msgid "Gone"\n#~ msgstr "Ido"\n')
    _, report = check(project, capsys)
    assert report["obsolete"]["es"] == 1


def test_review_dates_warn_then_fail_when_strict(project, capsys):
    status, report = check(project, capsys, "--today", "2028-01-01")
    due = [f for f in report["findings"] if f["rule"] == "review-due"]
    assert len(due) == 4 and status == EXIT_OK
    status, _ = check(project, capsys, "--today", "2028-01-01", "--strict")
    assert status == EXIT_FAILED


def test_hard_english_is_flagged(project, capsys):
    hard = ("Notwithstanding multidisciplinary consideration, abdominoperineal "
            "resection necessitates comprehensive perioperative optimization, "
            "encompassing nutritional rehabilitation, psychological preparation, "
            "and anticipatory stoma counselling administered preoperatively.")
    (project / "brochures" / "hard-words.yaml").write_text(f"""id: hard-words
title: Perioperative considerations
summary: {hard}
sources: [acs-treating-anal-cancer]
review: {{last_reviewed: 2026-01-01, next_review_due: 2027-01-01}}
references: []
sections:
  - id: one
    heading: Considerations
    content:
      - paragraph: {hard}
""")
    _, report = check(project, capsys)
    assert report["readability"]["hard-words"] > 8
    assert report["readability"]["stage-4-anal-cancer"] <= 8
    assert ("warning", "readability", "brochures/hard-words.yaml", 2) in [
        (f["level"], f["rule"], f["file"], f["line"]) for f in report["findings"]]


def test_table_output(project, capsys):
    assert main(["--root", str(project), "check", "--today", "2026-11-23", "--lang", "es"]) \
        == EXIT_OK
    out = capsys.readouterr().out
    assert "language  topic" in out and "es        treating-anal-cancer" in out
    assert out.rstrip().endswith("0 errors, 1 warnings")
