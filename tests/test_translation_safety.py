"""Hostile and careless translations: each is caught by `check` and keeps the brochures
that would print it out of a build (and so out of a release), naming the rule and line.

Every case edits one entry of a throw-away copy of the project, then asserts the exact
outcome: the rule and `.po` line `check` reports, and which brochures `build` withholds.
"""

from __future__ import annotations

import json
import re

import polib
import pytest

from brochurekit.build import BuildOptions, build
from brochurekit.catalogs import catalog_path, load_translator, template_path
from brochurekit.cli import EXIT_FAILED, main
from brochurekit.content import load_content
from brochurekit.safety import (
    compare_quantities,
    expected_numbering,
    hidden_characters,
    mixed_script_words,
    negations,
    numbering_systems,
    quantities,
)
from conftest import ROOT, TOPICS, seed_cache, translate

RADIATION = ("shared/chemoradiation",
             "Radiation: on weekdays (Monday to Friday), for 5 to 7 weeks.")
VEIN = ("shared/chemoradiation",
        "Chemo by vein: 5-FU (fluorouracil) and mitomycin. You get them in week 1 and again "
        "around week 5.")
FEVER = ("shared/side-effects", "A temperature of 38 °C (100.4 °F) or higher, or chills.")
HELPLINE = ("shared/getting-help",
            "In the United States: the American Cancer Society helpline is open at any hour, "
            "at 1-800-227-2345. It can help with rides to treatment and a place to stay near "
            "the hospital.")
OLDER = ("treating-anal-cancer/decisions",
         "Your plan depends on your health, what you prefer, and whether you hope to have "
         "children later. Being older is not, on its own, a reason to skip treatment.")
REVIEWED = (None, "Last reviewed: %(date)s")
PAIN = ("shared/side-effects", "Pain that your medicines do not control.")


def entry(project, lang: str, key) -> polib.POEntry:
    """Return one entry of a catalog, as polib reads it."""
    po = polib.pofile(str(catalog_path(project, lang)), wrapwidth=76)
    return next(e for e in po if (e.msgctxt or None, e.msgid) == key)


def check(project, capsys, lang: str) -> tuple[int, list[tuple[str, str, int | None]]]:
    """Run `check --json` on one language; return the status and its errors and warnings."""
    status = main(["--root", str(project), "check", "--json", "--today", "2026-11-23",
                   "--lang", lang])
    report = json.loads(capsys.readouterr().out)
    return status, [(f["level"], f["rule"], f["line"]) for f in report["findings"]
                    if f["file"].startswith(f"locales/{lang}/")]


def printing(key) -> set[str]:
    """Return the topics whose brochures print an entry (every topic, for template text)."""
    if key[0] is None:
        return set(TOPICS)
    content = load_content(ROOT)
    return {t.id for t in content.topics if key in {(m.context, m.text) for m in t.messages()}}


def withheld(project, tmp_path, lang: str, jobs: int = 2) -> dict[str, str]:
    """Build every topic in one language; return the withheld topics and their errors."""
    out = tmp_path / "dist"
    results = build(project, BuildOptions(out=out, languages=(lang,), jobs=jobs))
    for result in results:
        assert (result.path is None) == (result.error is not None)
        if result.error:
            assert not (out / lang / f"{result.topic}.pdf").exists()
    return {r.topic: str(r.error) for r in results if r.error}


# The twenty mistakes of the issue: (language, entry, change, rule reported first).
MISTAKES = {
    "number changed": ("es", RADIATION, lambda s: s.replace("5 a 7", "15 a 17"), "numbers"),
    "number dropped": ("es", RADIATION, lambda s: s.replace("5 a 7", "varias"), "numbers"),
    "unit changed": ("es", FEVER, lambda s: s.replace("38 °C", "38 °F"), "numbers"),
    "phone number changed": ("es", HELPLINE, lambda s: s.replace("2345", "2346"),
                             "invariants"),
    "placeholder dropped": ("es", REVIEWED, lambda s: s.replace(" %(date)s", ""),
                            "invariants"),
    "tag added": ("es", RADIATION, lambda s: s.replace("entre semana", "<b>entre semana</b>"),
                  "xmltags"),
    "English copied": ("es", RADIATION, lambda s: RADIATION[1], "untranslated"),
    "double space": ("es", RADIATION, lambda s: s.replace("entre semana", "entre  semana"),
                     "doublespacing"),
    "trailing space": ("es", RADIATION, lambda s: s + " ", "endwhitespace"),
    "unbalanced bracket": ("es", RADIATION, lambda s: s.replace("viernes)", "viernes"),
                           "brackets"),
    "drug misspelt": ("es", VEIN, lambda s: s.replace("mitomicina", "mitomizina"),
                      "glossary"),
    "drug replaced": ("es", VEIN, lambda s: s.replace("mitomicina", "XYZ"), "glossary"),
    "end punctuation changed": ("es", RADIATION, lambda s: s.replace("semanas.", "semanas!"),
                                "endpunc"),
    "Spanish text in French": ("fr", OLDER, lambda s: SPANISH_OLDER, "language"),
    "Arabic-Indic digits in French": ("fr", RADIATION,
                                      lambda s: s.replace("5 à 7", "٥ à ٧"), "digits"),
    "U+202E in a number": ("es", RADIATION, lambda s: s.replace("5 a 7", "\u202e5 a 7\u202c"),
                           "hidden-characters"),
    "zero-width space in a drug name": ("es", VEIN,
                                        lambda s: s.replace("mitomicina", "mito\u200bmicina"),
                                        "hidden-characters"),
    "Cyrillic letter in a drug name": ("es", VEIN,
                                       lambda s: s.replace("mitomicina", "mitomicinа"),
                                       "mixed-script"),
    "negation dropped": ("es", PAIN, lambda s: s.replace("no controlan", "controlan"),
                         "negation"),
    "isolates reorder a range": ("es", RADIATION,
                                 lambda s: s.replace("5 a 7", "\u20665\u2069 a 7"),
                                 "hidden-characters"),
}
SPANISH_OLDER = ("Su plan depende de su salud, de lo que usted prefiere y de si desea tener "
                 "hijos más adelante. Ser una persona mayor no es, por sí solo, una razón "
                 "para no recibir tratamiento.")


@pytest.mark.parametrize("name", list(MISTAKES))
def test_each_mistake_is_caught_and_withheld(project, capsys, tmp_path, name):
    lang, key, change, rule = MISTAKES[name]
    line = translate(project, lang, key, change)
    status, findings = check(project, capsys, lang)
    assert status == EXIT_FAILED
    assert ("error", rule, line) in findings, findings
    po = f"locales/{lang}/LC_MESSAGES/brochures.po"
    errors = withheld(project, tmp_path, lang)
    assert set(errors) == printing(key)
    for message in errors.values():
        assert f"{po}:{line}: [{rule}]" in message


def test_a_one_process_build_withholds_the_same_brochures(project, tmp_path):
    """--jobs 1 renders in the build's own process: the withdrawn entries reach it too,
    and a second build withholds them from the rules' kept verdict."""
    line = translate(project, "es", RADIATION, lambda s: s.replace("5 a 7", "15 a 17"))
    for attempt in ("first", "kept"):
        errors = withheld(project, tmp_path / attempt, "es", jobs=1)
        assert set(errors) == printing(RADIATION), attempt
        assert all(f"brochures.po:{line}: [numbers]" in e for e in errors.values()), errors


@pytest.mark.parametrize(("state", "rule"), [("emptied", "critical"), ("fuzzy", "critical")])
def test_an_emptied_or_fuzzy_critical_unit_is_withheld_even_in_a_draft(
        project, capsys, tmp_path, state, rule):
    line = translate(project, "es", RADIATION, (lambda s: "") if state == "emptied" else str,
                     fuzzy=state == "fuzzy")
    status, findings = check(project, capsys, "es")
    assert status == EXIT_FAILED
    assert ("error", "critical", line if state == "fuzzy" else line) in findings
    assert ("error", "completeness", None) in findings
    for draft in (False, True):
        results = build(project, BuildOptions(out=tmp_path / f"d{draft}", languages=("es",),
                                              jobs=1, draft=draft, threshold=50))
        failed = {r.topic for r in results if r.error}
        assert failed == printing(RADIATION), (draft, failed)
        assert all("critical" in str(r.error) for r in results if r.error)


def test_an_emptied_ordinary_unit_waits_for_the_threshold(project, capsys, tmp_path):
    translate(project, "es", OLDER, lambda s: "")
    status, findings = check(project, capsys, "es")
    assert ("error", "completeness", None) in findings and status == EXIT_FAILED
    assert set(withheld(project, tmp_path, "es")) == printing(OLDER)
    results = build(project, BuildOptions(out=tmp_path / "t", languages=("es",), jobs=1,
                                          threshold=90, topics=("treating-anal-cancer",)))
    assert results[0].error is None and results[0].english_units == 1


def test_a_lone_zero_width_space_cannot_replace_the_disclaimer(project, capsys, tmp_path):
    key = next((m.context, m.text) for m in load_content(project).topics[0].messages()
               if m.context == "shared/disclaimer" and m.kind == "paragraph")
    line = translate(project, "es", key, lambda s: "\u200b")
    status, findings = check(project, capsys, "es")
    assert status == EXIT_FAILED
    assert ("error", "hidden-characters", line) in findings
    assert ("error", "critical", line) in findings or ("error", "empty", line) in findings
    assert set(withheld(project, tmp_path, "es")) == set(TOPICS)


@pytest.mark.parametrize(("english", "translated", "same"), [
    ("Take 50 mg a day.", "Tome 50 mg al día.", True),
    ("Take 50 mg a day.", "Tome 50 g al día.", False),
    ("Take 50 mg a day.", "Tome 50 µg al día.", False),
    ("Take 50 mg a day.", "Tome 50 mcg al día.", False),
    ("Take 2.5 mL twice.", "Prenez 2,5 mL deux fois.", True),
    ("Take 2.5 mL twice.", "Prenez 25 mL deux fois.", False),
    ("A fever of 38 °C (100.4 °F).", "حمى 38 °C (100.4 °F).", True),
    ("A fever of 38 °C (100.4 °F).", "حمى ٣٨ °C (١٠٠٫٤ °F).", True),
    ("6 months", "16 meses", False),
    ("5 to 7 weeks", "15 a 17 semanas", False),
    ("5 to 7 weeks", "7 a 5 semanas", True),  # order is the translator's; values are kept
    ("45 Gy in 25 sessions", "45 Gy en 25 sesiones", True),
    ("45 Gy in 25 sessions", "45 Gy en 28 sesiones", False),
    ("50% of people", "50 % des personnes", True),
    ("50% of people", "le 50 des personnes", False),
    ("radium-223", "镭-223", True),
    ("1,000 people", "1 000 personnes".replace(" ", "\u202f"), True),
])
def test_numbers_compare_by_value_and_unit(english, translated, same):
    missing, extra = compare_quantities(quantities(english), quantities(translated))
    assert (not missing and not extra) == same


def rewrite_english(project, key, english: str, change) -> None:
    """Give a unit new English (made up for a test) in the content and the Spanish catalog,
    with its translation changed by `change`."""
    shared = project / "brochures" / "_shared.yaml"
    text = shared.read_text(encoding="utf-8")
    assert key[1] in text
    shared.write_text(text.replace(key[1], english), encoding="utf-8")
    for path in (template_path(project), catalog_path(project, "es")):
        po = polib.pofile(str(path), wrapwidth=76)
        found = next(e for e in po if (e.msgctxt, e.msgid) == key)
        found.msgid = english
        found.msgstr = change(found.msgstr) if found.msgstr else ""
        po.save(str(path))


@pytest.mark.parametrize(("english", "good", "bad", "rule"), [
    ("after 500 mg.", "tras 500 mg.", "tras 500 g.", "numbers"),
    ("after 500 mg.", "tras 500 mg.", "tras 500 µg.", "numbers"),
    ("see https://www.cancer.org/fever.", "vea https://www.cancer.org/fever.",
     "vea https://www.cancer.org/fiebre.", "invariants"),
])
def test_doses_and_urls_are_kept_end_to_end(project, capsys, tmp_path, english, good, bad,
                                            rule):
    """A dose or a URL in the English (made up for the test) printed otherwise."""
    new = FEVER[1].replace("chills.", f"chills, {english}")
    rewrite_english(project, FEVER, new, lambda s: s.replace("escalofríos.",
                                                             f"escalofríos, {good}"))
    status, findings = check(project, capsys, "es")
    assert not [f for f in findings if f[0] == "error"], findings
    key = (FEVER[0], new)
    line = translate(project, "es", key, lambda s: s.replace(good, bad))
    status, findings = check(project, capsys, "es")
    assert status == EXIT_FAILED and ("error", rule, line) in findings
    errors = withheld(project, tmp_path, "es")
    assert set(errors) == printing(FEVER)
    assert all(f":{line}: [{rule}]" in message for message in errors.values())


def test_escapes_and_nul_bytes(project, capsys):
    path = catalog_path(project, "es")
    text = path.read_text(encoding="utf-8")
    escaped = text.replace("durante 5 a 7 semanas", "durante \\x35 a \\067 semanas")
    path.write_text(escaped, encoding="utf-8")
    status, findings = check(project, capsys, "es")
    assert status == EXIT_FAILED and any(rule == "escapes" for _, rule, _ in findings)
    path.write_bytes(text.encode().replace(b"durante 5", b"durante \x005"))
    status, findings = check(project, capsys, "es")
    line = text[: text.index("durante 5")].count("\n") + 1
    assert status == EXIT_FAILED and findings == [("error", "catalog", line)]


def test_a_catalog_not_in_utf8_is_refused(project, capsys, caplog, tmp_path):
    path = catalog_path(project, "es")
    text = path.read_text(encoding="utf-8")
    declared = re.search("charset=utf-8", text, re.IGNORECASE)
    path.write_text(text.replace(declared[0], "charset=windows-1252"), encoding="utf-8")
    status, findings = check(project, capsys, "es")
    line = text[: declared.start()].count("\n") + 1
    assert status == EXIT_FAILED and findings == [("error", "catalog", line)]
    assert main(["--root", str(project), "build", "--lang", "es", "--out",
                 str(tmp_path / "d"), "-j", "1"]) == 2
    assert f"brochures.po:{line}: the Content-Type header must say charset=UTF-8" in caplog.text


def test_a_percent_the_english_lacks_withholds_without_a_traceback(project, capsys, tmp_path):
    """French typography puts a space before %: "50 % des" must neither crash a build nor
    print; a literal % the English has prints as written (tests/test_render.py)."""
    line = translate(project, "fr", REVIEWED, lambda s: "Revu à 50 % des fois le %(date)s")
    status, findings = check(project, capsys, "fr")
    assert ("error", "numbers", line) in findings
    errors = withheld(project, tmp_path, "fr")
    assert set(errors) == set(TOPICS)
    assert all(f":{line}: [numbers]" in message for message in errors.values())


def test_a_placeholder_the_english_lacks_cannot_crash_a_build(project, capsys, tmp_path):
    line = translate(project, "fr", REVIEWED, lambda s: s + " %(name)s")
    status, findings = check(project, capsys, "fr")
    assert ("error", "invariants", line) in findings
    errors = withheld(project, tmp_path, "fr")
    assert set(errors) == set(TOPICS)


def test_the_shipped_catalogs_break_no_rule():
    for lang in ("es", "fr", "ar", "zh_Hans"):
        translator = load_translator(ROOT, lang)
        assert translator.rejected == {}, translator.rejected


@pytest.mark.parametrize(("lang", "text", "hidden"), [
    ("es", "mito\u200bmicina", ["U+200B ZERO WIDTH SPACE"]),
    ("es", "radio-\u202e223\u202c", ["U+202E RIGHT-TO-LEFT OVERRIDE",
                                     "U+202C POP DIRECTIONAL FORMATTING"]),
    ("ar", "\u2067٥\u2069", ["U+2067 RIGHT-TO-LEFT ISOLATE", "U+2069 POP DIRECTIONAL ISOLATE"]),
    ("es", "a\u00adb\u2060c\x07", ["U+00AD SOFT HYPHEN", "U+2060 WORD JOINER",
                                   "U+0007 control character"]),
    ("fa", "می\u200cخواهم", []),  # Persian needs ZWNJ inside words
    ("pa", "ਕ\u200dਿ", []),
    ("fr", "peut\u200cêtre", ["U+200C ZERO WIDTH NON-JOINER"]),
    ("es", "línea\nnueva\ttab", []),
])
def test_hidden_characters_by_language(lang, text, hidden):
    assert hidden_characters(text, lang) == hidden


def test_mixed_scripts_and_numbering_systems():
    assert mixed_script_words("la mitomicinа y el cisplatino") == ["mitomicinа"]
    assert mixed_script_words("50 μg de paclitaxel; Москва") == []
    assert numbering_systems("38 °C") == {"latn"}
    assert numbering_systems("٣٨") == {"arab"} and numbering_systems("۳۸") == {"arabext"}
    from babel import Locale
    assert expected_numbering(Locale.parse("fr")) == {"latn"}
    assert expected_numbering(Locale.parse("ar")) == {"latn", "arab"}
    assert expected_numbering(Locale.parse("fa")) == {"latn", "arabext"}


def test_a_release_with_one_broken_entry_is_not_written(project, built, caplog, tmp_path,
                                                         monkeypatch):
    """The release is all or nothing: one changed number keeps the whole release out."""
    seed_cache(built, tmp_path / "cache", monkeypatch)
    line = translate(project, "es", RADIATION, lambda s: s.replace("5 a 7", "6 a 7"))
    out = tmp_path / "dist"
    assert main(["--root", str(project), "release", "--out", str(out),
                 "--cache", str(tmp_path / "cache"), "--jobs", "2"]) == EXIT_FAILED
    assert not out.exists()
    withheld = {topic for topic in TOPICS
                if f"es/{topic}: failed" in caplog.text}
    assert withheld == printing(RADIATION)
    assert f"brochures.po:{line}: [numbers] numbers or units differ from the English: " \
           "lacks 5; has 6 not in the English" in caplog.text


@pytest.mark.parametrize(("lang", "translated", "fails"), [
    ("vi", "Gọi ngay nếu quý vị có:", False),     # Vietnamese: no space before the colon
    ("fr", "Appelez si vous avez\u00a0:", False),  # French: a space before it
    ("fr", "Appelez si vous avez :", False),
    ("vi", "Gọi ngay nếu quý vị có!", True),       # another mark is another meaning
])
def test_end_punctuation_ignores_the_space_before_it(lang, translated, fails):
    from babel import Locale

    from brochurekit.safety import Entry, EntryChecker
    checker = EntryChecker(lang, Locale.parse(lang), None)
    rules = {p.rule for p in checker.problems(Entry(None, "Call at once if you have:",
                                                    translated))}
    assert ("endpunc" in rules) == fails


@pytest.mark.parametrize(("lang", "text", "count"), [
    ("en", "Do not stop. Never skip a dose, and don't drive.", 3),
    ("en", "Another note on the notice: nothing", 1),
    ("fr", "Ne mangez pas", 2),
    ("ar", "لا تأكل ولا تشرب", 2),
    ("pa", "ਇਹ ਦਵਾਈ ਨਾ ਛੱਡੋ। ਇਹ ਦਰਦ ਨਹੀਂ ਹੈ।", 2),
    # ਨਾਂ ("name") and ਨਾਲ ("with") hold the letters of ਨਾ but are other words: counting
    # them would hide a dropped negation.
    ("pa", "ਦਵਾਈ ਦਾ ਨਾਂ ਆਪਣੇ ਡਾਕਟਰ ਨਾਲ ਲਿਖੋ।", 0),
])
def test_negation_words_are_counted_whole(lang, text, count):
    assert negations(text, lang) == count


def test_the_rules_verdict_is_kept_until_something_it_reads_changes(project, monkeypatch):
    """A build withdraws the same entries without running the rules again while the
    catalog, its glossary, the critical units and the project's languages are unchanged;
    a change to any of them runs them again."""
    from types import SimpleNamespace

    from brochurekit import gate

    translate(project, "es", RADIATION, lambda s: s.replace("5 a 7", "15 a 17"))
    translate(project, "es", REVIEWED, lambda s: s.replace(" %(date)s", ""))  # no context
    content = load_content(project)
    translator = gate.load_translator(project, "es", content, enforce=False)
    runs, validate = [], gate.validate_catalog
    monkeypatch.setattr(gate, "validate_catalog",
                        lambda *args: runs.append(args[1]) or validate(*args))

    def withdrawn(content=content) -> set:  # noqa: ANN001
        return set(gate.enforce_rules(project, translator, content).rejected)

    first = withdrawn()
    assert {RADIATION, REVIEWED} <= first and runs == ["es"]
    assert withdrawn() == first and runs == ["es"]  # kept

    glossary = project / "locales" / "es" / "glossary.csv"
    glossary.write_text(glossary.read_text(encoding="utf-8").replace(
        "mitomycin,mitomicina,", "mitomycin,mitomizina,"), encoding="utf-8")
    assert VEIN in withdrawn() and len(runs) == 2  # the glossary changed: run again
    assert VEIN in withdrawn() and len(runs) == 2

    fewer = SimpleNamespace(critical_keys=frozenset())
    withdrawn(fewer)
    assert len(runs) == 3  # other units marked critical
    (project / "locales" / "xx" / "LC_MESSAGES").mkdir(parents=True)
    withdrawn()
    assert len(runs) == 4  # another language in the project

    translate(project, "es", RADIATION, lambda s: s.replace("15 a 17", "5 a 7"))
    translator = gate.load_translator(project, "es", content, enforce=False)
    assert RADIATION not in withdrawn() and len(runs) == 5  # the catalog changed
