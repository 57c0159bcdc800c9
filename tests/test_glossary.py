"""Glossaries: complete for the content's terms in every language, validated like the
content, and matched the way translators expect."""

from __future__ import annotations

import pytest

from brochurekit.errors import CatalogError
from brochurekit.glossary import Glossary, Term, glossary_path, load_glossary, mentions
from conftest import CONTENT, ROOT, TRANSLATED

# Every drug the content names, and the procedures a patient must recognise.
DRUGS = ("5-FU", "fluorouracil", "mitomycin", "capecitabine", "cisplatin", "carboplatin",
         "paclitaxel", "radium-223", "strontium-89")


def english_units() -> list[str]:
    return [m.text for topic in CONTENT.topics for m in topic.messages()]


@pytest.mark.parametrize("lang", TRANSLATED)
def test_each_language_has_a_complete_glossary(lang):
    glossary = load_glossary(ROOT, lang)
    assert glossary is not None
    sources = set(glossary.sources())
    assert set(DRUGS) <= sources
    # At least the English terms of every language (a language may add its own, such as
    # Tagalog's "stage", kept in English), each used by the content.
    assert set(load_glossary(ROOT, "fr").sources()) <= sources
    units = english_units()
    assert all(any(mentions(unit, source) for unit in units) for source in sources)


def test_every_drug_the_content_names_is_in_the_glossaries():
    text = " ".join(english_units()).lower()
    for drug in DRUGS:
        assert drug.lower() in text  # the list above is the content's, not a wish list


def glossary(*rows: tuple[str, str, str]) -> Glossary:
    return Glossary("g.csv", tuple(Term(s, t, st, "", i) for i, (s, t, st) in
                                   enumerate(rows, 2)))


def test_matching_rules():
    g = glossary(("ablation", "thermoablation", "preferred"),
                 ("ablation", "ablation", "forbidden"),
                 ("cryoablation", "cryoablation", "preferred"),
                 ("mitomycin", "mitomycine", "preferred"))
    assert list(g.problems("Ablation kills tumors.", "La thermoablation détruit...")) == []
    assert [level for level, _ in g.problems("Ablation kills tumors.", "L’ablation...")] \
        == ["error"]
    assert list(g.problems("Ablation or cryoablation.", "Thermoablation ou cryoablation.")) \
        == []
    assert "must be translated as 'mitomycine'" in next(
        iter(g.problems("Mitomycin by vein.", "Cisplastine par la veine.")))[1]
    assert list(g.problems("Chemo by vein.", "XYZ")) == []  # no term, nothing required
    assert mentions("Two mitomycins", "mitomycin") and not mentions("mitomycinX", "mitomycin")
    assert g.variations([("Ablation", "thermoablation")]) == {}


@pytest.mark.parametrize(("text", "line", "message"), [
    ("source,target\n", 1, "the first line must be"),
    ("source,target,status,note\nmitomycin,mitomycine,approved,\n", 2, "status must be"),
    ("source,target,status,note\nmitomycin,,preferred,\n", 2, "must not be empty"),
    ("source,target,status,note\nmitomycin,a,preferred,\nmitomycin,b,preferred,\n", 3,
     "already has a preferred"),
    ("source,target,status,note\nablation,ablation,forbidden,x\n", 2,
     "no preferred translation"),
    ("source,target,status,note\na,b,preferred\n", 2, "expected 4 columns"),
])
def test_a_broken_glossary_names_its_line(project, text, line, message):
    glossary_path(project, "es").write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError, match=message) as raised:
        load_glossary(project, "es")
    assert (raised.value.file, raised.value.line) == ("locales/es/glossary.csv", line)
