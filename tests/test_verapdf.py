"""PDF/UA-1, as veraPDF judges it, on one brochure per script and per edition.

The print-shop edition is validated in tests/test_print_shop.py, on the files it builds."""

from __future__ import annotations

import pytest
from verapdf import validate

from brochurekit.build import BuildOptions, build
from conftest import ROOT

TOPIC = "stage-4-anal-cancer"
SCRIPTS = ("en", "ar", "zh_Hans", "ko", "pa", "ru")  # Latin, Arabic, Han, Hangul, Gurmukhi,
# Cyrillic: the standard edition, from the session's build
EDITIONS = {"bilingual": ("ar", "pa"), "large_print": ("zh_Hans", "fa"), "booklet": ("en", "ar")}


@pytest.fixture(scope="module")
def edition_pdfs(tmp_path_factory):
    """Build the other editions of one topic in a few scripts; map (edition, lang) to path."""
    paths = {}
    for edition, langs in EDITIONS.items():
        out = tmp_path_factory.mktemp(edition)
        for result in build(ROOT, BuildOptions(out=out, languages=langs, topics=(TOPIC,),
                                               jobs=2, **{edition: True})):
            assert result.error is None, result.error
            paths[(edition, result.lang)] = result.path
    return paths


@pytest.fixture(scope="module")
def verdicts(built, edition_pdfs):
    """Validate every chosen PDF in one run of veraPDF."""
    paths = {("standard", lang): built[(lang, TOPIC)].path for lang in SCRIPTS}
    paths.update(edition_pdfs)
    found = validate(list(paths.values()))
    return {key: found[path] for key, path in paths.items()}


CASES = [("standard", lang) for lang in SCRIPTS] + [
    (edition, lang) for edition, langs in EDITIONS.items() for lang in langs]


@pytest.mark.parametrize("case", CASES, ids="-".join)
def test_pdf_ua_1_with_no_failed_rule(verdicts, case):
    verdict = verdicts[case]
    assert (verdict.status, verdict.rules) == ("compliant", {})

