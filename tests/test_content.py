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
    text = " ".join(m.text for m in treating.messages())
    for fact in ("5-FU or capecitabine, together with mitomycin", "Monday to Friday, for 5 to 7",
                 "up to 6 months", "abdominoperineal resection (APR)", "HIV", "Anal melanoma"):
        assert fact in text
    assert "ovarian" not in text  # an error of the source page, not carried over
    advanced = content.topic("treating-advanced-cancer")
    assert advanced.scope == "general" and advanced.sources[0].revised.year == 2016


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
