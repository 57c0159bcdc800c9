"""The content schema: the real tree loads; each bad file fails with its exact message."""

from __future__ import annotations

from pathlib import Path

import pytest

from brochurekit.content import (
    load_content,
    parse_shared,
    parse_topic,
    resolve_topic,
)
from brochurekit.errors import ContentError, ContentErrors
from conftest import ROOT

BAD = sorted((ROOT / "tests" / "data" / "bad").glob("*.yaml"))
SHARED = parse_shared((ROOT / "brochures" / "_shared.yaml").read_text(), "brochures/_shared.yaml")


def test_real_content_loads():
    content = load_content(ROOT)
    assert [t.id for t in content.topics] == [
        "recurrent-anal-cancer", "stage-4-anal-cancer", "treating-advanced-cancer",
        "treating-anal-cancer",
    ]
    treating = content.topic("treating-anal-cancer")
    assert treating.disclaimer.id == "disclaimer"
    assert "care-team" in [s.id for s in treating.sections]
    assert "ovarian" not in english(treating)  # an error of the source page, not carried over
    advanced = content.topic("treating-advanced-cancer")
    assert advanced.scope == "general" and advanced.sources[0].revised.year == 2016


def english(topic) -> str:
    """Return all the English a topic prints, as one text."""
    return " ".join(m.text for m in topic.messages())


def section_text(topic, section_id: str) -> str:
    """Return the English of one section of a topic."""
    section = next(s for s in topic.sections if s.id == section_id)
    return " ".join(m.text for m in section.messages())


# The medical review's corrections, each checked where a reader meets it.
def test_stages_1_to_3_say_what_happens_with_and_without_the_sphincter():
    treating = load_content(ROOT).topic("treating-anal-cancer")
    text = section_text(treating, "stages-1-3")
    assert "Stages 1 to 3" in text and "Stage 0" not in english(treating)
    assert "can be taken out without harming the sphincter" in text
    assert "would harm the sphincter" in text and "usual treatment" in text


def test_every_brochure_gives_the_chemoradiation_schedule_the_same_way():
    content = load_content(ROOT)
    block = " ".join(m.text for m in content.shared.blocks["chemoradiation"].messages())
    assert "on weekdays (Monday to Friday), for 5 to 7 weeks" in block
    assert "5-FU (fluorouracil) and mitomycin" in block
    assert "week 1 and again around week 5" in block
    assert "capecitabine pills" in block and "each day you have radiation" in block
    for topic in content.topics:
        text = english(topic)
        assert "every day" not in text
        if "chemoradiation" in text.lower() and topic.id != "stage-4-anal-cancer":
            assert "chemoradiation" in [s.id for s in topic.sections]


def test_stage_4_is_said_the_same_way_in_both_brochures():
    content = load_content(ROOT)
    for topic_id, section in (("stage-4-anal-cancer", "goals"), ("treating-anal-cancer",
                                                                  "stage-4")):
        text = section_text(content.topic(topic_id), section)
        assert "very unlikely to be cured" in text
        assert "There is no single standard treatment. Chemo is the main treatment" in text


def test_recurrent_mentions_chemo_with_immunotherapy():
    text = english(load_content(ROOT).topic("recurrent-anal-cancer"))
    assert "chemo together with immunotherapy" in text
    assert "Chemo is the main treatment, sometimes with immunotherapy" in text


def test_every_apr_comes_with_its_permanent_colostomy():
    for topic in load_content(ROOT).topics:
        text = english(topic)
        if "APR" in text or "abdominoperineal" in text:
            assert "permanent colostomy" in text and "stoma nurse" in text, topic.id


def test_advanced_cancer_warns_of_spinal_cord_pressure_and_drops_detail():
    advanced = load_content(ROOT).topic("treating-advanced-cancer")
    section = next(s for s in advanced.sections if s.id == "spinal-cord")
    alert = next(b for b in section.blocks if b.kind == "alert")
    signs = " ".join(m.text for m in alert.items)
    for sign in ("back or neck", "numbness", "Trouble walking", "bladder or bowels"):
        assert sign in signs
    drugs = next(s for s in advanced.sections if s.id == "drugs").blocks[0].items
    hormone = next(m.text for m in drugs if m.text.startswith("Hormone therapy"))
    assert "estrogen" in hormone and "androgens" in hormone
    text = english(advanced)
    for cut in ("thyroid", "I-131", "thermotherapy", "groin", "RFA", "EBRT"):
        assert cut not in text


def test_clinical_trials_give_the_downsides_and_the_way_out():
    block = load_content(ROOT).shared.blocks["clinical-trials"]
    text = " ".join(m.text for m in block.messages())
    for fact in ("may not work better", "side effects no one knows about yet",
                 "more visits and tests", "leave a trial at any time"):
        assert fact in text


def test_help_lines_say_which_country_they_serve():
    content = load_content(ROOT)
    text = " ".join(m.text for m in content.shared.blocks["getting-help"].messages())
    assert "In the United States: the American Cancer Society" in text and "1-800-227-2345" in text
    assert "In Canada: the Canadian Cancer Society" in text and "1-888-939-3333" in text
    for topic in content.topics:
        assert "getting-help" in [s.id for s in topic.sections]


def test_side_effects_are_named_and_the_urgent_ones_boxed():
    block = load_content(ROOT).shared.blocks["side-effects"]
    text = " ".join(m.text for m in block.messages())
    for effect in ("Sore, red skin around the anus", "diarrhea", "tired", "Low blood counts",
                   "Bowel changes", "Sexual changes"):
        assert effect in text
    alert = next(b for b in block.blocks if b.kind == "alert")
    assert alert.heading.text == "Call your care team right away if you have:"
    assert any("38 °C (100.4 °F)" in m.text for m in alert.items)


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_file_gives_its_error(path: Path):
    text = path.read_text()
    expected = text.splitlines()[0].removeprefix("# expect: ")
    display = path.relative_to(ROOT).as_posix()
    with pytest.raises(ContentError) as caught:
        resolve_topic(parse_topic(text, display), SHARED)
    assert str(caught.value) == expected


def test_every_broken_file_is_reported_at_once(project: Path):
    for name in ("treating-anal-cancer", "stage-4-anal-cancer"):
        path = project / "brochures" / f"{name}.yaml"
        path.write_text(path.read_text().replace("title:", "titel:", 1))
    with pytest.raises(ContentErrors) as caught:
        load_content(project)
    files = [error.file for error in caught.value.errors]
    assert files == ["brochures/stage-4-anal-cancer.yaml", "brochures/treating-anal-cancer.yaml"]


def test_billion_laughs_is_refused_quickly(project: Path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    with pytest.raises(ContentError, match="aliases"):
        parse_topic(bomb, "brochures/bomb.yaml")


def test_oversized_file_is_refused():
    with pytest.raises(ContentError, match="larger than"):
        parse_topic("x: " + "a" * 1_000_001, "brochures/big.yaml")
